/* Unit tests: ad_config (the anomaly plugin's keys, shared with replay). */
#include "test_util.h"

#include "core/ad_config.h"

#include <errno.h>
#include <string.h>

static void test_defaults(void **state) {
  (void)state;
  ad_config_t cfg;
  ad_config_defaults(&cfg);
  assert_double_near(cfg.levels.warning, 0.4, 0);
  assert_double_near(cfg.levels.failure, 0.6, 0);
  assert_double_near(cfg.weights[AD_DET_SLIDING_WINDOW], 0.35, 0);
  assert_double_near(cfg.weights[AD_DET_SEASONAL], 0.35, 0);
  assert_double_near(cfg.incident_gap, 300, 0);
  assert_int_equal(cfg.levels.hits, 1);
  assert_int_equal(cfg.max_series, 100000);
  assert_true(cfg.notify_host);
  assert_false(cfg.notify_series);
  assert_null(cfg.rules);
  char err[256];
  assert_int_equal(ad_config_check(&cfg, err, sizeof(err)), 0);
  /* every key in the table has a valid default and documentation */
  size_t n;
  const ad_config_key_t *keys = ad_config_keys(&n);
  assert_true(n >= 10);
  for (size_t i = 0; i < n; i++) {
    assert_true(strlen(keys[i].doc) > 20);
    if (keys[i].kind != AD_KEY_RULE && keys[i].kind != AD_KEY_CAPACITY)
      assert_int_equal(
          ad_config_set(&cfg, keys[i].name, keys[i].fallback, err, sizeof(err)),
          0);
  }
}

static void test_set_and_errors(void **state) {
  (void)state;
  static const struct {
    const char *key, *value;
    int status;
    const char *error;
  } cases[] = {
      {"Hits", "3", 0, NULL},
      {"hits", "2", 0, NULL}, /* keys are case-insensitive, like collectd's */
      {"Hits", "0", EINVAL, "Hits expects a whole number between 1 and 1000"},
      {"Hits", "2.5", EINVAL, "Hits expects a whole number"},
      {"Hits", "three", EINVAL, "got \"three\""},
      {"WarningThreshold", "1.5", EINVAL, "WarningThreshold expects a number"},
      {"WarningThreshold", "0.3", 0, NULL},
      {"NotifySeries", "yes", 0, NULL},
      {"NotifySeries", "maybe", EINVAL, "NotifySeries expects true or false"},
      {"Bogus", "1", EINVAL, "unknown option \"Bogus\""},
      {"Select", "Plugin=cpu", 0, NULL},
      {"Ignore", "Plugin", EINVAL, "Ignore: expected FIELD=PATTERN"},
      {"MaxSeries", "1e3", 0, NULL},
      {"SeriesTimeout", "nan", EINVAL, "SeriesTimeout expects a number"},
  };
  ad_config_t cfg;
  ad_config_defaults(&cfg);
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    char err[256] = "";
    int status =
        ad_config_set(&cfg, cases[i].key, cases[i].value, err, sizeof(err));
    if (status != cases[i].status)
      fail_msg("%s=%s: status %d (%s)", cases[i].key, cases[i].value, status,
               err);
    if (cases[i].error != NULL && strstr(err, cases[i].error) == NULL)
      fail_msg("%s=%s: error \"%s\"", cases[i].key, cases[i].value, err);
  }
  assert_int_equal(cfg.levels.hits, 2);
  assert_double_near(cfg.levels.warning, 0.3, 0);
  assert_true(cfg.notify_series);
  assert_int_equal(cfg.max_series, 1000);
  assert_int_equal(ad_rules_count(cfg.rules, AD_RULE_SELECT), 1);
  ad_config_release(&cfg);
  assert_null(cfg.rules);
}

static void test_pairs(void **state) {
  (void)state;
  ad_config_t cfg;
  ad_config_defaults(&cfg);
  char err[256];
  assert_int_equal(
      ad_config_set_pair(&cfg, "Hysteresis=0.05", err, sizeof(err)), 0);
  assert_double_near(cfg.levels.hysteresis, 0.05, 0);
  assert_int_equal(ad_config_set_pair(&cfg, "Ignore=Plugin=df Type=/inode/",
                                      err, sizeof(err)),
                   0);
  assert_int_equal(ad_config_set_pair(&cfg, "Hits", err, sizeof(err)), EINVAL);
  assert_non_null(strstr(err, "expected KEY=VALUE"));
  assert_int_equal(ad_config_set_pair(&cfg, "=3", err, sizeof(err)), EINVAL);
  ad_config_release(&cfg);
}

static void test_cross_field_checks(void **state) {
  (void)state;
  static const struct {
    const char *pairs[4];
    const char *error;
  } cases[] = {
      {{"WarningThreshold=0.7", NULL},
       "WarningThreshold (0.7) must be below "
       "FailureThreshold (0.6)"},
      {{"Hysteresis=0.45", NULL}, "Hysteresis (0.45) must be below"},
      {{"WarmupValues=20", "WindowSize=30", NULL},
       "WarmupValues (20) must be at least WindowSize"},
      {{"WeightSlidingWindow=0", "WeightSeasonal=0", "WeightIsolationForest=0",
        NULL},
       "at least one detector weight"},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    ad_config_t cfg;
    ad_config_defaults(&cfg);
    char err[256] = "";
    for (size_t j = 0; cases[i].pairs[j] != NULL; j++)
      assert_int_equal(
          ad_config_set_pair(&cfg, cases[i].pairs[j], err, sizeof(err)), 0);
    assert_int_equal(ad_config_check(&cfg, err, sizeof(err)), EINVAL);
    if (strstr(err, cases[i].error) == NULL)
      fail_msg("case %zu: error \"%s\"", i, err);
  }
}

/* The table says where each key goes: the field's size matches the type
 * it is stored as, the kind of text it parses matches, no two keys share a
 * field, and setting a key to its limits changes the configuration. */
static void test_every_key_lands_in_its_field(void **state) {
  (void)state;
  static const size_t sizes[] = {
      [AD_STORE_DOUBLE] = sizeof(double),
      [AD_STORE_UNSIGNED] = sizeof(unsigned),
      [AD_STORE_SIZE] = sizeof(size_t),
      [AD_STORE_BOOL] = sizeof(bool),
  };
  size_t n;
  const ad_config_key_t *keys = ad_config_keys(&n);
  for (size_t i = 0; i < n; i++) {
    const ad_config_key_t *k = &keys[i];
    switch (k->store) {
    case AD_STORE_DOUBLE:
    case AD_STORE_UNSIGNED:
    case AD_STORE_SIZE:
    case AD_STORE_BOOL:
      if (k->size != sizes[k->store])
        fail_msg("%s: field of %zu bytes", k->name, k->size);
      assert_true(k->offset + k->size <= sizeof(ad_config_t));
      break;
    case AD_STORE_TEXT:
      assert_int_equal(k->kind, AD_KEY_STRING);
      assert_true(k->size > 1);
      break;
    case AD_STORE_RULE:
      assert_int_equal(k->kind, AD_KEY_RULE);
      break;
    case AD_STORE_CAPACITY:
      assert_int_equal(k->kind, AD_KEY_CAPACITY);
      break;
    case AD_STORE_SEVERAL:
      assert_non_null(k->set_several);
      break;
    }
    if (k->store == AD_STORE_DOUBLE)
      assert_int_equal(k->kind, AD_KEY_NUMBER);
    if (k->store == AD_STORE_UNSIGNED || k->store == AD_STORE_SIZE)
      assert_int_equal(k->kind, AD_KEY_INTEGER);
    if (k->store == AD_STORE_BOOL)
      assert_int_equal(k->kind, AD_KEY_BOOLEAN);
    for (size_t j = 0; j < i; j++)
      if (k->store <= AD_STORE_TEXT && keys[j].store <= AD_STORE_TEXT &&
          k->offset < keys[j].offset + keys[j].size &&
          keys[j].offset < k->offset + k->size)
        fail_msg("%s and %s share a field", k->name, keys[j].name);
  }
  for (size_t i = 0; i < n; i++) {
    const ad_config_key_t *k = &keys[i];
    if (k->kind == AD_KEY_RULE || k->kind == AD_KEY_CAPACITY)
      continue; /* lists, not fields: test_exhaust sets Capacity */
    char lo[64], hi[64], err[256];
    snprintf(lo, sizeof(lo), "%.17g", k->min);
    snprintf(hi, sizeof(hi), "%.17g", k->max);
    const char *values[2] = {lo, hi};
    if (k->kind == AD_KEY_BOOLEAN)
      values[0] = "false", values[1] = "true";
    if (k->kind == AD_KEY_STRING)
      values[0] = values[1] = "/var/lib/collectd/elsewhere";
    bool changed = false;
    for (int v = 0; v < 2; v++) {
      ad_config_t dflt, cfg;
      memset(&dflt, 0, sizeof(dflt));
      memset(&cfg, 0, sizeof(cfg));
      ad_config_defaults(&dflt);
      ad_config_defaults(&cfg);
      assert_int_equal(
          ad_config_set(&cfg, k->name, values[v], err, sizeof(err)), 0);
      changed |= memcmp(&dflt, &cfg, sizeof(cfg)) != 0;
    }
    if (!changed)
      fail_msg("%s: setting it changes nothing", k->name);
  }
  ad_config_t cfg;
  ad_config_defaults(&cfg);
  char err[256];
  assert_int_equal(ad_config_set(&cfg, "TrainMemory", "2", err, sizeof(err)),
                   0);
  assert_double_near(cfg.vl_model.memory, 2 * 86400.0, 0);
  assert_double_near(cfg.host_model.memory, 2 * 86400.0, 0);
  assert_int_equal(
      ad_config_set(&cfg, "ValueListSamples", "40", err, sizeof(err)), 0);
  assert_int_equal(cfg.vl_model.sample_size, 40);
  assert_int_equal(cfg.vl_model.capacity, 80);
  assert_int_equal(ad_config_set(&cfg, "WarmupValues", "50", err, sizeof(err)),
                   0);
  assert_int_equal(cfg.window.warmup, 50);
  assert_int_equal(cfg.season.warmup, 50);
  assert_int_equal(
      ad_config_set(&cfg, "WeightSeasonal", "0.2", err, sizeof(err)), 0);
  assert_double_near(cfg.weights[AD_DET_SEASONAL], 0.2, 0);
  char longer[AD_STATE_DIR_MAX + 1];
  memset(longer, 'd', sizeof(longer) - 1);
  longer[sizeof(longer) - 1] = '\0';
  assert_int_equal(ad_config_set(&cfg, "StateDir", longer, err, sizeof(err)),
                   EINVAL);
  assert_non_null(strstr(err, "StateDir: longer than 1023 bytes"));
  assert_int_equal(ad_config_rule_kind(ad_config_key("Ignore")),
                   AD_RULE_IGNORE);
  assert_int_equal(ad_config_rule_kind(ad_config_key("HostForestSeries")),
                   AD_RULE_HOST_GROUP);
}

TEST_MAIN(cmocka_unit_test(test_defaults),
          cmocka_unit_test(test_set_and_errors),
          cmocka_unit_test(test_every_key_lands_in_its_field),
          cmocka_unit_test(test_pairs),
          cmocka_unit_test(test_cross_field_checks))
