/* Glue tests: the anomaly plugin's callbacks with the daemon mocked
 * (mock_collectd.c): configuration, the write path, output to collectd. */
#include "../../src/anomaly_plugin.c"

#include "mock_collectd.h"

#include "../unit/test_util.h"

#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

static data_source_t gauge_ds[] = {{"value", DS_TYPE_GAUGE, 0, NAN}};
static data_set_t gauge_set = {"gauge", 1, gauge_ds};
static data_source_t octet_ds[] = {{"rx", DS_TYPE_DERIVE, 0, NAN},
                                   {"tx", DS_TYPE_DERIVE, 0, NAN}};
static data_set_t octet_set = {"if_octets", 2, octet_ds};

static int teardown(void **state) {
  (void)state;
  if (mock_shutdown_cb != NULL)
    mock_shutdown_cb();
  return 0;
}

/* Writes one gauge value, one-minute interval, the way collectd's write
 * thread would. */
static void write_gauge(const char *host, const char *plugin, double time,
                        double value) {
  value_t v = {.gauge = value};
  value_list_t vl = VALUE_LIST_INIT;
  vl.values = &v;
  vl.values_len = 1;
  vl.time = DOUBLE_TO_CDTIME_T(time);
  vl.interval = DOUBLE_TO_CDTIME_T(60.0);
  sstrncpy(vl.host, host, sizeof(vl.host));
  sstrncpy(vl.plugin, plugin, sizeof(vl.plugin));
  sstrncpy(vl.type, "gauge", sizeof(vl.type));
  assert_int_equal(mock_write_cb(&gauge_set, &vl, NULL), 0);
}

static void test_unknown_option_refused(void **state) {
  (void)state;
  oconfig_item_t *root = mock_config_block("Plugin", 2);
  mock_config_number(root, 0, "Hits", 2);
  mock_config_number(root, 1, "Bogus", 1);
  assert_int_not_equal(mock_configure(root), 0);
  assert_true(mock_log_contains("anomaly plugin: Unknown option \"Bogus\"."));
}

static void test_wrong_types_refused(void **state) {
  (void)state;
  static const struct {
    const char *key;
    int type;
    const char *log;
  } cases[] = {
      {"Hits", OCONFIG_TYPE_STRING,
       "Option \"Hits\" expects a whole number, not a string"},
      {"WarningThreshold", OCONFIG_TYPE_BOOLEAN,
       "Option \"WarningThreshold\" expects a number, not a boolean"},
      {"NotifySeries", OCONFIG_TYPE_NUMBER,
       "Option \"NotifySeries\" expects true or false"},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    mock_reset();
    oconfig_item_t *root = mock_config_block("Plugin", 1);
    if (cases[i].type == OCONFIG_TYPE_STRING)
      mock_config_string(root, 0, cases[i].key, "three");
    else if (cases[i].type == OCONFIG_TYPE_BOOLEAN)
      mock_config_boolean(root, 0, cases[i].key, true);
    else
      mock_config_number(root, 0, cases[i].key, 1);
    assert_int_not_equal(mock_configure(root), 0);
    if (!mock_log_contains(cases[i].log))
      fail_msg("no log line \"%s\"", cases[i].log);
  }
}

static void test_out_of_range_and_cross_field(void **state) {
  (void)state;
  oconfig_item_t *root = mock_config_block("Plugin", 1);
  mock_config_number(root, 0, "Hits", 0);
  assert_int_not_equal(mock_configure(root), 0);
  assert_true(mock_log_contains(
      "anomaly plugin: Hits expects a whole number between 1 and 1000"));
  root = mock_config_block("Plugin", 1);
  mock_config_number(root, 0, "WarningThreshold", 0.8);
  assert_int_not_equal(mock_configure(root), 0);
  assert_true(mock_log_contains("WarningThreshold (0.8) must be below "
                                "FailureThreshold (0.6)"));
}

static void test_rule_blocks(void **state) {
  (void)state;
  oconfig_item_t *root = mock_config_block("Plugin", 4);
  oconfig_item_t *ignore = mock_config_child_block(root, 0, "Ignore", 1);
  mock_config_string(ignore, 0, "Plugin", "df");
  oconfig_item_t *select = mock_config_child_block(root, 1, "Select", 1);
  mock_config_string(select, 0, "Host", "/^web/");
  mock_config_string(root, 2, "Ignore", "TypeInstance=idle");
  oconfig_item_t *group =
      mock_config_child_block(root, 3, "HostForestSeries", 1);
  mock_config_string(group, 0, "Plugin", "/^(cpu|interface)$/");
  assert_int_equal(mock_configure(root), 0);
  assert_int_equal(ad_rules_count(an_ctx.cfg.rules, AD_RULE_IGNORE), 2);
  assert_int_equal(ad_rules_count(an_ctx.cfg.rules, AD_RULE_SELECT), 1);
  assert_int_equal(ad_rules_count(an_ctx.cfg.rules, AD_RULE_HOST_GROUP), 1);

  root = mock_config_block("Plugin", 1);
  ignore = mock_config_child_block(root, 0, "Ignore", 1);
  mock_config_string(ignore, 0, "Colour", "red");
  assert_int_not_equal(mock_configure(root), 0);
  assert_true(mock_log_contains("<Ignore>: unknown field \"Colour\""));
}

/* <HTTP>: Address and Port taken, the port 9124 when not given, anything
 * else refused with its name. */
static void test_http_block(void **state) {
  (void)state;
  oconfig_item_t *root = mock_config_block("Plugin", 1);
  oconfig_item_t *http = mock_config_child_block(root, 0, "HTTP", 2);
  mock_config_string(http, 0, "Address", "::1");
  mock_config_string(http, 1, "Port", "9200");
  assert_int_equal(mock_configure(root), 0);
  assert_string_equal(an_ctx.cfg.http_address, "::1");
  assert_int_equal(an_ctx.cfg.http_port, 9200);

  root = mock_config_block("Plugin", 1);
  mock_config_child_block(root, 0, "HTTP", 0);
  assert_int_equal(mock_configure(root), 0);
  assert_int_equal(an_ctx.cfg.http_port, 9124);

  root = mock_config_block("Plugin", 1);
  http = mock_config_child_block(root, 0, "HTTP", 1);
  mock_config_number(http, 0, "Port", 70000);
  assert_int_not_equal(mock_configure(root), 0);
  assert_true(mock_log_contains("<HTTP> Port expects a port, 1 to 65535."));

  root = mock_config_block("Plugin", 1);
  http = mock_config_child_block(root, 0, "HTTP", 1);
  mock_config_string(http, 0, "Colour", "red");
  assert_int_not_equal(mock_configure(root), 0);
  assert_true(mock_log_contains("<HTTP>: unknown option \"Colour\" (Address, "
                                "Port)."));
}

/* <Capacity>: Series and Max make a ceiling; a one-line form too; a block
 * without Max, or with another option, is refused with its name. */
static void test_capacity_block(void **state) {
  (void)state;
  oconfig_item_t *root = mock_config_block("Plugin", 2);
  oconfig_item_t *c = mock_config_child_block(root, 0, "Capacity", 2);
  mock_config_string(c, 0, "Series", "/^myapp/gauge-queue/");
  mock_config_number(c, 1, "Max", 10000);
  mock_config_string(root, 1, "Capacity", "myapp/gauge-jobs 500");
  assert_int_equal(mock_configure(root), 0);
  assert_double_near(
      ad_capacity_rules_max(an_ctx.cfg.capacity, "myapp/gauge-queue-2"), 10000,
      0);
  assert_double_near(
      ad_capacity_rules_max(an_ctx.cfg.capacity, "myapp/gauge-jobs"), 500, 0);
  assert_nan(ad_capacity_rules_max(an_ctx.cfg.capacity, "cpu/percent-user"));

  root = mock_config_block("Plugin", 1);
  c = mock_config_child_block(root, 0, "Capacity", 1);
  mock_config_string(c, 0, "Series", "/^q/");
  assert_int_not_equal(mock_configure(root), 0);
  assert_true(mock_log_contains("<Capacity> needs Series and Max."));

  root = mock_config_block("Plugin", 1);
  c = mock_config_child_block(root, 0, "Capacity", 1);
  mock_config_number(c, 0, "Colour", 1);
  assert_int_not_equal(mock_configure(root), 0);
  assert_true(mock_log_contains("<Capacity>: unknown or malformed option "
                                "\"Colour\""));
}

/* The whole path: values in through the write callback, notifications and
 * risk metrics out through the worker thread. */
static void test_spike_to_notification_and_metrics(void **state) {
  (void)state;
  oconfig_item_t *root = mock_config_block("Plugin", 2);
  mock_config_number(root, 0, "Hits", 1);
  mock_config_number(root, 1, "IncidentGap", 60);
  assert_int_equal(mock_configure(root), 0);
  assert_int_equal(mock_init_cb(), 0);
  test_rng_t rng = {.state = 17};
  for (int i = 0; i < 400; i++)
    write_gauge("web1", "test", 1e9 + 60 * i,
                i == 300 ? 500 : 100 + test_rng_normal(&rng));
  /* our own output and tagged values are never scored */
  write_gauge("web1", "anomaly", 1e9, 1);
  assert_int_equal(ad_engine_series_count(an_ctx.engine), 1);
  assert_int_equal(mock_shutdown_cb(), 0); /* drains the outbox */
  mock_shutdown_cb = NULL;

  static mock_notification_t n[8];
  assert_int_equal(mock_notifications(n, 8), 2);
  assert_int_equal(n[0].severity, NOTIF_FAILURE);
  assert_string_equal(n[0].host, "web1");
  assert_string_equal(n[0].plugin, "anomaly");
  assert_true(CDTIME_T_TO_DOUBLE(n[0].time) == 1e9 + 18000);
  const char *seen = strstr(n[0].message, "test/gauge = 500, expected ");
  if (seen == NULL ||
      fabs(atof(seen + strlen("test/gauge = 500, expected ")) - 100) > 1)
    fail_msg("message: %s", n[0].message);
  static const char *const required[] = {"risk", "level", "confidence",
                                         "consensus", "detectors"};
  for (size_t i = 0; i < ARRAY_SIZE(required); i++)
    if (mock_notification_meta(&n[0], required[i]) == NULL)
      fail_msg("meta data \"%s\" missing", required[i]);
  assert_string_equal(mock_notification_meta(&n[0], "level"), "HIGH");
  assert_non_null(
      strstr(mock_notification_meta(&n[0], "detectors"), "sliding_window"));
  assert_true(atoi(mock_notification_meta(&n[0], "consensus")) >= 1);
  assert_true(atof(mock_notification_meta(&n[0], "risk")) >= 0.6);
  assert_string_equal(mock_notification_meta(&n[0], "series"), "test/gauge");
  /* the whole assessment as JSON, as replay --events writes it */
  const char *assessment = mock_notification_meta(&n[0], "assessment");
  assert_non_null(assessment);
  assert_true(assessment[0] == '{');
  assert_non_null(strstr(assessment, "\"predicted_risk_level\":\"HIGH\""));
  assert_non_null(strstr(assessment, "\"series\":\"test/gauge\""));
  assert_int_equal(n[1].severity, NOTIF_OKAY);
  /* 60 s of calm after the spike's interval ended the incident */
  assert_true(CDTIME_T_TO_DOUBLE(n[1].time) == 1e9 + 18060 + 60);

  static mock_value_t v[MOCK_MAX_VALUES];
  size_t count = mock_values(v, MOCK_MAX_VALUES);
  size_t risks = 0, percents = 0;
  for (size_t i = 0; i < count; i++) {
    assert_string_equal(v[i].plugin, "anomaly");
    assert_string_equal(v[i].host, "web1");
    assert_true(v[i].tagged);
    if (strcmp(v[i].type, "gauge") == 0) {
      assert_string_equal(v[i].type_instance, "risk");
      if (CDTIME_T_TO_DOUBLE(v[i].time) == 1e9 + 18000)
        assert_true(v[i].values[0].gauge >= 0.6);
      risks++;
    } else {
      assert_string_equal(v[i].type, "percent");
      assert_string_equal(v[i].type_instance, "anomalous");
      percents++;
    }
  }
  /* one per interval: 400 (the last one closed at shutdown, before the
   * state is saved) */
  assert_int_equal(risks, 400);
  assert_int_equal(percents, 400);
}

/* A data source that types.db bounds (a load: 0 to 5000): the band a
 * message quotes stops at 0 however wide the series' noise makes it. */
static void test_band_inside_the_types_range(void **state) {
  (void)state;
  static data_source_t load_ds[] = {{"value", DS_TYPE_GAUGE, 0, 5000}};
  static data_set_t load_set = {"gauge", 1, load_ds};
  oconfig_item_t *root = mock_config_block("Plugin", 1);
  mock_config_number(root, 0, "Hits", 1);
  assert_int_equal(mock_configure(root), 0);
  assert_int_equal(mock_init_cb(), 0);
  test_rng_t rng = {.state = 23};
  for (int i = 0; i < 400; i++) {
    value_t v = {.gauge = i == 300 ? 60 : fabs(1 + test_rng_normal(&rng))};
    value_list_t vl = VALUE_LIST_INIT;
    vl.values = &v;
    vl.values_len = 1;
    vl.time = DOUBLE_TO_CDTIME_T(1e9 + 60 * i);
    vl.interval = DOUBLE_TO_CDTIME_T(60.0);
    sstrncpy(vl.host, "web1", sizeof(vl.host));
    sstrncpy(vl.plugin, "load", sizeof(vl.plugin));
    sstrncpy(vl.type, "gauge", sizeof(vl.type));
    assert_int_equal(mock_write_cb(&load_set, &vl, NULL), 0);
  }
  assert_int_equal(mock_shutdown_cb(), 0);
  mock_shutdown_cb = NULL;
  static mock_notification_t n[8];
  size_t count = mock_notifications(n, 8);
  assert_true(count >= 1);
  assert_int_equal(n[0].severity, NOTIF_FAILURE);
  const char *band = strstr(n[0].message, "load/gauge = 60, expected ");
  if (band == NULL || (band = strchr(band, '(')) == NULL)
    fail_msg("message: %s", n[0].message);
  if (atof(band + 1) < 0 || band[1] == '-')
    fail_msg("band below the type's range: %s", n[0].message);
}

/* A hair-trigger configuration (RiskRarity 0.01 days: what happens every
 * quarter hour is already MEDIUM risk) on a noisy series with a spike every
 * hour: incident after incident, until the series is muted after more than
 * MuteAbove a day, with a log line; after that, no notifications. */
static void test_flapping_series_muted_with_a_log_line(void **state) {
  (void)state;
  oconfig_item_t *root = mock_config_block("Plugin", 5);
  mock_config_number(root, 0, "MuteAbove", 2);
  mock_config_number(root, 1, "IncidentGap", 60);
  mock_config_number(root, 2, "RiskRarity", 0.01);
  mock_config_boolean(root, 3, "NotifySeries", true);
  mock_config_boolean(root, 4, "NotifyHost", false);
  assert_int_equal(mock_configure(root), 0);
  assert_int_equal(mock_init_cb(), 0);
  test_rng_t rng = {.state = 5};
  for (int i = 0; i < 900; i++)
    write_gauge("web1", "flappy", 1e9 + 60 * i,
                100 + (i >= 300 && i % 60 == 0 ? 50 : test_rng_normal(&rng)));
  assert_int_equal(mock_shutdown_cb(), 0);
  mock_shutdown_cb = NULL;
  static mock_notification_t n[MOCK_MAX_NOTIFICATIONS];
  size_t count = mock_notifications(n, MOCK_MAX_NOTIFICATIONS);
  size_t alarms = 0;
  for (size_t i = 0; i < count && i < MOCK_MAX_NOTIFICATIONS; i++)
    alarms += n[i].severity != NOTIF_OKAY;
  if (!mock_log_contains("anomaly plugin: web1/flappy/gauge:value is muted"))
    fail_msg("not muted after %zu notified incidents", alarms);
  /* at most the MuteAbove incidents before muting were notified */
  if (alarms < 1 || alarms > 2)
    fail_msg("%zu notified incidents", alarms);
}

static void test_counters_first_value_is_no_observation(void **state) {
  (void)state;
  assert_int_equal(mock_init_cb(), 0);
  value_t v[2] = {{.derive = 1000}, {.derive = 2000}};
  value_list_t vl = VALUE_LIST_INIT;
  vl.values = v;
  vl.values_len = 2;
  vl.time = DOUBLE_TO_CDTIME_T(100.0);
  vl.interval = DOUBLE_TO_CDTIME_T(10.0);
  sstrncpy(vl.host, "gw", sizeof(vl.host));
  sstrncpy(vl.plugin, "interface", sizeof(vl.plugin));
  sstrncpy(vl.plugin_instance, "eth0", sizeof(vl.plugin_instance));
  sstrncpy(vl.type, "if_octets", sizeof(vl.type));
  assert_int_equal(mock_write_cb(&octet_set, &vl, NULL), 0);
  assert_int_equal(ad_engine_series_count(an_ctx.engine), 2);
  /* rx and tx are two series; the first (NaN) rate is no observation */
  ad_ident_t id = {"gw", "interface", "eth0", "if_octets", ""};
  ad_series_info_t info;
  assert_int_equal(ad_engine_series_info(an_ctx.engine, &id, "rx", &info), 0);
  assert_int_equal(info.values_learned, 0);
  assert_nan(info.last_time);
  for (int i = 1; i <= 3; i++) {
    v[0].derive += 100 * i;
    v[1].derive += 50;
    vl.time = DOUBLE_TO_CDTIME_T(100.0 + 10 * i);
    assert_int_equal(mock_write_cb(&octet_set, &vl, NULL), 0);
  }
  assert_int_equal(ad_engine_series_info(an_ctx.engine, &id, "rx", &info), 0);
  assert_int_equal(info.values_learned, 3);
  assert_true(info.last_time == 130.0);
  assert_int_equal(ad_engine_series_info(an_ctx.engine, &id, "rz", &info),
                   ENOENT);
}

/* FLUSH returns once the forests that fell due are trained: a feed of
 * recorded values can keep pace with the trainer on any machine. */
static void test_flush_waits_for_the_trainer(void **state) {
  (void)state;
  assert_int_equal(mock_init_cb(), 0);
  assert_non_null(mock_flush_cb);
  value_t v[2] = {{.derive = 0}, {.derive = 0}};
  value_list_t vl = VALUE_LIST_INIT;
  vl.values = v;
  vl.values_len = 2;
  vl.interval = DOUBLE_TO_CDTIME_T(60.0);
  sstrncpy(vl.host, "gw", sizeof(vl.host));
  sstrncpy(vl.plugin, "interface", sizeof(vl.plugin));
  sstrncpy(vl.plugin_instance, "eth0", sizeof(vl.plugin_instance));
  sstrncpy(vl.type, "if_octets", sizeof(vl.type));
  ad_ident_t id = {"gw", "interface", "eth0", "if_octets", ""};
  ad_series_info_t info;
  test_rng_t rng = {.state = 3};
  int i = 0;
  for (; i < 400; i++) {
    v[0].derive += 1000 + (derive_t)(100 * test_rng_uniform(&rng));
    v[1].derive += 500 + (derive_t)(50 * test_rng_uniform(&rng));
    vl.time = DOUBLE_TO_CDTIME_T(1e9 + 60.0 * i);
    assert_int_equal(mock_write_cb(&octet_set, &vl, NULL), 0);
    assert_int_equal(mock_flush_cb(0, NULL, NULL), 0);
    assert_int_equal(ad_engine_series_info(an_ctx.engine, &id, "rx", &info), 0);
    if (info.forest_trainings > 0)
      break;
  }
  assert_true(info.forest_trainings > 0); /* trained, never waited for */
  assert_true(i < 400);
}

static void test_max_series_refusal_is_logged(void **state) {
  (void)state;
  oconfig_item_t *root = mock_config_block("Plugin", 1);
  mock_config_number(root, 0, "MaxSeries", 1);
  assert_int_equal(mock_configure(root), 0);
  assert_int_equal(mock_init_cb(), 0);
  write_gauge("a", "p", 10, 1);
  write_gauge("b", "%s%s%n", 10, 1); /* hostile name: data, not a format */
  write_gauge("b", "%s%s%n", 20, 1);
  assert_int_equal(ad_engine_series_count(an_ctx.engine), 1);
  /* nothing is logged on the write path; the worker logs it */
  assert_false(mock_log_contains("MaxSeries"));
  assert_int_equal(mock_shutdown_cb(), 0);
  mock_shutdown_cb = NULL;
  assert_true(mock_log_contains("anomaly plugin: MaxSeries (1) reached: 2 "
                                "values of new series were not tracked in "
                                "the last "));
  assert_true(
      mock_log_contains("(2 since the start; latest: b/%s%s%n/gauge)."));
}

/* A flood of new series beyond MaxSeries from two write threads: however
 * the worker's lines fall, their counts add up to what was refused. */
typedef struct {
  int thread;
  int values;
} flood_t;

static void *flood_main(void *arg) {
  const flood_t *f = arg;
  for (int i = 0; i < f->values; i++) {
    char plugin[32];
    snprintf(plugin, sizeof(plugin), "p%d-%d", f->thread, i);
    write_gauge("flood\nforged line", plugin, 100, 1);
  }
  return NULL;
}

static void add_count(void *ctx, const char *msg) {
  unsigned long long n = 0;
  const char *at = strstr(msg, "reached: ");
  assert_non_null(at);
  assert_int_equal(sscanf(at, "reached: %llu values", &n), 1);
  *(unsigned long long *)ctx += n;
}

static void test_refusal_counts_add_up(void **state) {
  (void)state;
  oconfig_item_t *root = mock_config_block("Plugin", 1);
  mock_config_number(root, 0, "MaxSeries", 1);
  assert_int_equal(mock_configure(root), 0);
  assert_int_equal(mock_init_cb(), 0);
  write_gauge("a", "p", 10, 1); /* the one series there is room for */
  flood_t floods[2] = {{.thread = 0, .values = 20000},
                       {.thread = 1, .values = 20000}};
  pthread_t tids[2];
  for (int t = 0; t < 2; t++)
    assert_int_equal(pthread_create(&tids[t], NULL, flood_main, &floods[t]), 0);
  for (int t = 0; t < 2; t++)
    pthread_join(tids[t], NULL);
  assert_int_equal(mock_shutdown_cb(), 0);
  mock_shutdown_cb = NULL;
  unsigned long long logged = 0;
  size_t lines = mock_log_each("MaxSeries (1) reached", add_count, &logged);
  assert_true(lines >= 1);
  assert_int_equal(logged, 40000);
  assert_true(mock_log_contains("(40000 since the start; latest: "
                                "flood\\x0aforged line/p"));
  assert_false(mock_log_contains("flood\nforged"));
}

/* ---- StateDir ---------------------------------------------------------- */

/* Path of a file in the default StateDir (BaseDir/anomaly). */
static void state_path(char *out, size_t size, const char *name) {
  snprintf(out, size, "%s/anomaly%s%s", mock_base_dir(), name[0] ? "/" : "",
           name);
}

static void start_plugin(void) {
  oconfig_item_t *root = mock_config_block("Plugin", 1);
  mock_config_number(root, 0, "CheckpointInterval", 0);
  assert_int_equal(mock_configure(root), 0);
  assert_int_equal(mock_init_cb(), 0);
}

static void test_state_survives_restart(void **state) {
  (void)state;
  start_plugin();
  for (int i = 0; i < 300; i++)
    write_gauge("web1", "test", 1e9 + 60 * i, 100 + i % 7);
  assert_int_equal(mock_shutdown_cb(), 0);
  assert_true(mock_log_contains("state saved at shutdown: 1 hosts, 1 series"));

  char dir[256], file[256], name[AD_STATEFILE_NAME_MAX + 1];
  state_path(dir, sizeof(dir), "");
  assert_int_equal(ad_state_host_file("web1", 0, name, sizeof(name)), 0);
  state_path(file, sizeof(file), name);
  struct stat sb;
  assert_int_equal(stat(dir, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0700);
  assert_int_equal(stat(file, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);

  mock_reset();
  start_plugin();
  assert_true(mock_log_contains("loaded 1 hosts, 1 series from"));
  ad_ident_t id = {"web1", "test", "", "gauge", ""};
  ad_series_info_t info;
  assert_int_equal(ad_engine_series_info(an_ctx.engine, &id, "value", &info),
                   0);
  assert_int_equal(info.values_learned, 300); /* no new warm-up */
  assert_true(info.last_time == 1e9 + 60 * 299);
  assert_int_equal(mock_shutdown_cb(), 0);
  mock_shutdown_cb = NULL;
  /* the second shutdown kept the first checkpoint as a version */
  char version[300];
  snprintf(version, sizeof(version), "%s.1", file);
  assert_int_equal(stat(version, &sb), 0);
}

static void test_damaged_state_is_set_aside(void **state) {
  (void)state;
  char dir[256], file[300], name[AD_STATEFILE_NAME_MAX + 1];
  state_path(dir, sizeof(dir), "");
  assert_int_equal(mkdir(dir, 0700), 0);
  assert_int_equal(ad_state_host_file("db1", 0, name, sizeof(name)), 0);
  state_path(file, sizeof(file), name);
  FILE *fp = fopen(file, "w");
  assert_non_null(fp);
  fputs("{\"format\": \"collectd-anomaly-state\", \"version\": 1, \"ki", fp);
  fclose(fp);
  start_plugin();
  assert_true(mock_log_contains("not JSON"));
  assert_true(mock_log_contains("moved to "));
  assert_true(mock_log_contains(name));
  assert_true(mock_log_contains("1 set aside as damaged"));
  struct stat sb;
  assert_int_not_equal(stat(file, &sb), 0); /* moved, */
  char damaged[300];
  snprintf(damaged, sizeof(damaged), "%s/damaged", dir);
  DIR *d = opendir(damaged); /* ...and kept */
  assert_non_null(d);
  int kept = 0;
  for (struct dirent *e; (e = readdir(d)) != NULL;)
    kept += strncmp(e->d_name, name, strlen(name)) == 0;
  closedir(d);
  assert_int_equal(kept, 1);
  write_gauge("db1", "test", 1e9, 1); /* and the plugin goes on */
  assert_int_equal(ad_engine_series_count(an_ctx.engine), 1);
  assert_int_equal(mock_shutdown_cb(), 0);
  mock_shutdown_cb = NULL;
}

static void test_state_dir_in_use(void **state) {
  (void)state;
  char dir[256], err[256];
  state_path(dir, sizeof(dir), "");
  ad_state_t other;
  assert_int_equal(
      ad_state_open(&other, &(ad_state_options_t){dir, 3, "test", NULL, NULL},
                    err, sizeof(err)),
      0);
  start_plugin();
  assert_true(mock_log_contains("in use by another process"));
  assert_true(mock_log_contains("will not be kept across restarts"));
  write_gauge("a", "p", 10, 1);
  assert_int_equal(ad_engine_series_count(an_ctx.engine), 1);
  assert_int_equal(mock_shutdown_cb(), 0);
  mock_shutdown_cb = NULL;
  assert_false(mock_log_contains("state saved"));
  ad_state_close(&other);
}

/* Write threads going on while the checkpoint thread writes (a checkpoint
 * every 10 ms): all of it runs under ThreadSanitizer in test.sh. */
typedef struct {
  const char *host;
  int values;
} feeder_t;

static void *feed_values(void *arg) {
  const feeder_t *f = arg;
  for (int i = 0; i < f->values; i++) {
    write_gauge(f->host, "a", 1e9 + 60 * i, 10 + i % 3);
    write_gauge(f->host, "b", 1e9 + 60 * i, 20 + i % 5);
  }
  return NULL;
}

static void test_checkpoints_beside_write_threads(void **state) {
  (void)state;
  oconfig_item_t *root = mock_config_block("Plugin", 1);
  mock_config_number(root, 0, "CheckpointInterval", 0.01);
  assert_int_equal(mock_configure(root), 0);
  assert_int_equal(mock_init_cb(), 0);
  feeder_t feeders[3] = {{"w1", 3000}, {"w2", 3000}, {"w3", 3000}};
  pthread_t threads[3];
  for (int i = 0; i < 3; i++)
    pthread_create(&threads[i], NULL, feed_values, &feeders[i]);
  for (int i = 0; i < 3; i++)
    pthread_join(threads[i], NULL);
  /* at least one checkpoint ran while they wrote, or just after */
  for (int i = 0; i < 200 && !mock_log_contains("anomaly plugin: checkpoint:");
       i++)
    usleep(10000);
  assert_true(mock_log_contains("anomaly plugin: checkpoint:"));
  assert_int_equal(mock_shutdown_cb(), 0);
  mock_shutdown_cb = NULL;
  assert_true(mock_log_contains("state saved at shutdown: 3 hosts, 6 series"));
}

static void test_persist_off_writes_nothing(void **state) {
  (void)state;
  oconfig_item_t *root = mock_config_block("Plugin", 1);
  mock_config_boolean(root, 0, "Persist", false);
  assert_int_equal(mock_configure(root), 0);
  assert_int_equal(mock_init_cb(), 0);
  write_gauge("a", "p", 10, 1);
  assert_int_equal(mock_shutdown_cb(), 0);
  mock_shutdown_cb = NULL;
  char dir[256];
  state_path(dir, sizeof(dir), "");
  struct stat sb;
  assert_int_not_equal(stat(dir, &sb), 0);
}

static void test_write_before_init_is_harmless(void **state) {
  (void)state;
  write_gauge("a", "p", 10, 1); /* not ready: ignored, no crash */
  assert_null(an_ctx.engine);
}

/* A change announced as a notification (plugin anomaly, type change, as
 * PUTNOTIF sends it) is watched: the host's alarms in the watch say so, and
 * at its end one verdict names the series that regressed. Notifications of
 * other plugins and the plugin's own verdicts are not markers. */
static void test_change_marker_to_verdict(void **state) {
  (void)state;
  oconfig_item_t *root = mock_config_block("Plugin", 1);
  mock_config_number(root, 0, "ChangeWatch", 600);
  assert_int_equal(mock_configure(root), 0);
  assert_int_equal(mock_init_cb(), 0);
  test_rng_t rng = {.state = 3};
  notification_t marker = {.severity = NOTIF_OKAY,
                           .time = DOUBLE_TO_CDTIME_T(1e9 + 60 * 300),
                           .host = "web1",
                           .plugin = "anomaly",
                           .type = "change",
                           .message = "openssl 3.0.15\nforged"};
  notification_t other = marker;
  sstrncpy(other.plugin, "exec", sizeof(other.plugin));
  notification_t verdict = marker;
  sstrncpy(verdict.type_instance, "verdict", sizeof(verdict.type_instance));
  for (int i = 0; i < 330; i++) {
    if (i == 300) {
      assert_int_equal(mock_notification_cb(&other, NULL), 0);
      assert_int_equal(mock_notification_cb(&verdict, NULL), 0);
      assert_int_equal(mock_notification_cb(&marker, NULL), 0);
    }
    double v = 100 + test_rng_normal(&rng);
    write_gauge("web1", "test", 1e9 + 60 * i,
                i >= 300 && i < 310 ? 1.6 * v : v);
  }
  assert_true(mock_log_contains("anomaly plugin: change on web1: \"openssl "
                                "3.0.15\\x0aforged\"; watching it for 10 "
                                "minutes."));
  assert_int_equal(mock_shutdown_cb(), 0);
  mock_shutdown_cb = NULL;
  static mock_notification_t n[16];
  size_t count = mock_notifications(n, 16);
  size_t verdicts = 0, labelled = 0;
  for (size_t i = 0; i < count; i++) {
    const char *change = mock_notification_meta(&n[i], "change");
    if (strcmp(n[i].type, "change") == 0) {
      verdicts++;
      assert_int_equal(n[i].severity, NOTIF_WARNING);
      assert_string_equal(n[i].type_instance, "verdict");
      if (strstr(n[i].message, "web1: after \"openssl 3.0.15\\x0aforged\": "
                               "regression: test/gauge +") == NULL)
        fail_msg("verdict: %s", n[i].message);
      assert_string_equal(mock_notification_meta(&n[i], "event"), "change");
      assert_non_null(
          strstr(mock_notification_meta(&n[i], "regression"), "test/gauge"));
    } else if (change != NULL) {
      labelled++;
      assert_non_null(strstr(n[i].message, "(after \"openssl"));
    }
  }
  assert_int_equal(verdicts, 1);
  assert_true(labelled >= 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_unknown_option_refused,
                                      mock_setup_plugin, teardown),
      cmocka_unit_test_setup_teardown(test_wrong_types_refused,
                                      mock_setup_plugin, teardown),
      cmocka_unit_test_setup_teardown(test_out_of_range_and_cross_field,
                                      mock_setup_plugin, teardown),
      cmocka_unit_test_setup_teardown(test_rule_blocks, mock_setup_plugin,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_band_inside_the_types_range,
                                      mock_setup_plugin, teardown),
      cmocka_unit_test_setup_teardown(test_spike_to_notification_and_metrics,
                                      mock_setup_plugin, teardown),
      cmocka_unit_test_setup_teardown(
          test_counters_first_value_is_no_observation, mock_setup_plugin,
          teardown),
      cmocka_unit_test_setup_teardown(
          test_flapping_series_muted_with_a_log_line, mock_setup_plugin,
          teardown),
      cmocka_unit_test_setup_teardown(test_flush_waits_for_the_trainer,
                                      mock_setup_plugin, teardown),
      cmocka_unit_test_setup_teardown(test_refusal_counts_add_up,
                                      mock_setup_plugin, teardown),
      cmocka_unit_test_setup_teardown(test_max_series_refusal_is_logged,
                                      mock_setup_plugin, teardown),
      cmocka_unit_test_setup_teardown(test_state_survives_restart,
                                      mock_setup_plugin, teardown),
      cmocka_unit_test_setup_teardown(test_damaged_state_is_set_aside,
                                      mock_setup_plugin, teardown),
      cmocka_unit_test_setup_teardown(test_state_dir_in_use, mock_setup_plugin,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_checkpoints_beside_write_threads,
                                      mock_setup_plugin, teardown),
      cmocka_unit_test_setup_teardown(test_persist_off_writes_nothing,
                                      mock_setup_plugin, teardown),
      cmocka_unit_test_setup_teardown(test_write_before_init_is_harmless,
                                      mock_setup_plugin, teardown),
      cmocka_unit_test_setup_teardown(test_change_marker_to_verdict,
                                      mock_setup_plugin, teardown),
      cmocka_unit_test_setup_teardown(test_capacity_block, mock_setup_plugin,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_http_block, mock_setup_plugin,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
