/* Unit tests: time to exhaustion through the engine (ad_capacity,
 * ad_exhaust, the notices and the timeleft in host reports). */
#include "test_config_util.h"
#include "test_util.h"

#include "core/ad_capacity.h"
#include "engine/ad_engine.h"

#include <errno.h>
#include <string.h>

#define MONDAY 1704067200.0
#define DAY 86400.0
#define GIB 1073741824.0
#define STEP 300.0

typedef struct {
  ad_notice_t notices[32];
  size_t notice_count;
  ad_host_report_t last_report;
  bool reported;
} capture_t;

static void on_report(void *ctx, const ad_host_report_t *r) {
  capture_t *c = ctx;
  c->last_report = *r;
  c->reported = true;
}

static void on_notice(void *ctx, const ad_notice_t *n) {
  capture_t *c = ctx;
  if (n->kind == AD_NOTICE_EXHAUSTION &&
      c->notice_count < ARRAY_SIZE(c->notices))
    c->notices[c->notice_count++] = *n;
}

static ad_engine_t *engine_new(capture_t *c, const char *const *pairs) {
  memset(c, 0, sizeof(*c));
  ad_sink_t sink = {.host_report = on_report, .notice = on_notice, .ctx = c};
  return test_engine_from_pairs(pairs, &sink);
}

/* One gauge of web1 with a types.db maximum (NaN: none). */
static void submit(ad_engine_t *e, const char *plugin, const char *pi,
                   const char *type, const char *ti, double t, double value,
                   double maximum) {
  static const char *const ds[] = {"value"};
  double lo = 0.0;
  ad_ident_t id = {.host = "web1",
                   .plugin = plugin,
                   .plugin_instance = pi,
                   .type = type,
                   .type_instance = ti};
  ad_sample_t s = {.time = t,
                   .interval = STEP,
                   .arrival = t,
                   .count = 1,
                   .values = &value,
                   .ds_names = ds,
                   .ds_min = &lo,
                   .ds_max = &maximum};
  assert_int_equal(ad_engine_submit(e, &id, &s), 0);
}

/* A 100 GiB filesystem (5 GiB reserved) as collectd's df plugin reports
 * it, `used` GiB used. */
static void submit_df(ad_engine_t *e, double t, double used, test_rng_t *rng) {
  double u = used * GIB + 20e6 * test_rng_normal(rng);
  submit(e, "df", "root", "df_complex", "used", t, u, NAN);
  submit(e, "df", "root", "df_complex", "free", t, 95 * GIB - u, NAN);
  submit(e, "df", "root", "df_complex", "reserved", t, 5 * GIB, NAN);
}

/* 5 GiB a day from 50 GiB for 7 days (to 85 GiB of 100): one WARNING,
 * when about 7 days are left (65 GiB, day 3), saying how long and how
 * fast; no FAILURE (3 days are left at the end); the timeleft metric
 * within 10 % of the truth. */
static void test_a_filling_disk_warns_once(void **state) {
  (void)state;
  capture_t *c = malloc(sizeof(*c));
  ad_engine_t *e = engine_new(c, NULL);
  test_rng_t rng = {.state = 1};
  double t = MONDAY;
  for (; t < MONDAY + 7 * DAY; t += STEP)
    submit_df(e, t, 50 + 5 * (t - MONDAY) / DAY, &rng);
  assert_int_equal(c->notice_count, 1);
  const ad_notice_t *n = &c->notices[0];
  assert_int_equal(n->level, AD_LEVEL_WARNING);
  assert_string_equal(n->type_instance, "used");
  double at = (n->time - MONDAY) / DAY;
  if (!(at > 2.5 && at < 3.6))
    fail_msg("warned at day %.2f (7 days left at day 3): %s", at, n->message);
  double truth = (100 - (50 + 5 * at)) / 5 * DAY;
  if (!(fabs(n->left - truth) < 0.15 * truth))
    fail_msg("%.2f days left said, %.2f true: %s", n->left / DAY, truth / DAY,
             n->message);
  assert_non_null(strstr(n->message, "will reach 100 % in about"));
  assert_non_null(strstr(n->message, "GiB/day"));
  assert_true(c->reported);
  assert_int_equal(c->last_report.timeleft_count, 1);
  assert_string_equal(c->last_report.timeleft[0].instance,
                      "df-root.df_complex-used");
  double left = c->last_report.timeleft[0].seconds;
  if (!(fabs(left - 3 * DAY) < 0.3 * DAY))
    fail_msg("timeleft %.2f days at 85 GiB, 3 true", left / DAY);
  ad_engine_destroy(e);
  free(c);
}

/* A runaway fill reaches ExhaustionCritical: FAILURE; once it stops (the
 * log is rotated away and it stays flat) the level goes back to OKAY. */
static void test_critical_then_okay(void **state) {
  (void)state;
  capture_t *c = malloc(sizeof(*c));
  ad_engine_t *e = engine_new(c, NULL);
  test_rng_t rng = {.state = 2};
  double t = MONDAY, used = 20;
  for (; t < MONDAY + 2 * DAY; t += STEP)
    submit_df(e, t, used, &rng);
  for (; used < 90; t += STEP)
    submit_df(e, t, used += 40.0 * STEP / DAY, &rng);
  for (double end = t + 3 * DAY; t < end; t += STEP)
    submit_df(e, t, 40, &rng);
  bool failure = false, okay_after = false;
  for (size_t i = 0; i < c->notice_count; i++) {
    if (c->notices[i].level == AD_LEVEL_FAILURE)
      failure = true;
    if (failure && c->notices[i].level == AD_LEVEL_OKAY)
      okay_after = true;
  }
  if (!failure || !okay_after)
    fail_msg("%zu notices, FAILURE %d, OKAY after it %d", c->notice_count,
             failure, okay_after);
  assert_true(c->notice_count <= 4);
  ad_engine_destroy(e);
  free(c);
}

/* Memory whose use swings with the day and wanders, and a flat disk: no
 * exhaustion notice in ten days. */
static void test_wobbling_series_stay_quiet(void **state) {
  (void)state;
  capture_t *c = malloc(sizeof(*c));
  ad_engine_t *e = engine_new(c, NULL);
  test_rng_t rng = {.state = 3};
  double walk = 0;
  for (double t = MONDAY; t < MONDAY + 10 * DAY; t += STEP) {
    double hour = fmod(t, DAY) / 3600.0;
    walk = 0.995 * walk + 0.02 * test_rng_normal(&rng);
    double used = (10 + 3 * sin(2 * M_PI * hour / 24) + walk) * GIB;
    submit(e, "memory", "", "memory", "used", t, used, NAN);
    submit(e, "memory", "", "memory", "free", t, 16 * GIB - used, NAN);
    submit_df(e, t, 80, &rng);
    submit(e, "cpu", "", "percent", "user", t,
           40 + 20 * sin(2 * M_PI * hour / 24) + test_rng_normal(&rng), 100);
  }
  for (size_t i = 0; i < c->notice_count; i++)
    fail_msg("day %.2f: %s", (c->notices[i].time - MONDAY) / DAY,
             c->notices[i].message);
  ad_engine_destroy(e);
  free(c);
}

/* A percentage rising to its types.db maximum of 100 is watched too, and
 * ExhaustionHorizon 0 turns the notifications off. */
static void test_a_maximum_is_a_ceiling(void **state) {
  (void)state;
  const char *const off[] = {"ExhaustionHorizon=0", "ExhaustionCritical=0",
                             NULL};
  for (int pass = 0; pass < 2; pass++) {
    capture_t *c = malloc(sizeof(*c));
    ad_engine_t *e = engine_new(c, pass == 0 ? NULL : off);
    test_rng_t rng = {.state = 4};
    for (double t = MONDAY; t < MONDAY + 4 * DAY; t += STEP)
      submit(e, "df", "data", "percent_bytes", "used", t,
             40 + 8 * (t - MONDAY) / DAY + 0.1 * test_rng_normal(&rng), 100);
    if (pass == 0) {
      assert_true(c->notice_count >= 1);
      assert_int_equal(c->notices[0].level, AD_LEVEL_WARNING);
      assert_non_null(strstr(c->notices[0].message, "will reach 100 %"));
    } else {
      assert_int_equal(c->notice_count, 0);
    }
    ad_engine_destroy(e);
    free(c);
  }
}

/* A Capacity rule bounds a series its type does not: a queue of 10,000
 * filling 2,000 a day; a bad rule names itself. */
static void test_a_capacity_rule_is_a_ceiling(void **state) {
  (void)state;
  const char *const rules[] = {"Capacity=/^myapp/gauge-queue$/ 10000", NULL};
  capture_t *c = malloc(sizeof(*c));
  ad_engine_t *e = engine_new(c, rules);
  test_rng_t rng = {.state = 5};
  for (double t = MONDAY; t < MONDAY + 3 * DAY; t += STEP) {
    double q = 1000 + 2000 * (t - MONDAY) / DAY + 5 * test_rng_normal(&rng);
    submit(e, "myapp", "", "gauge", "queue", t, q, NAN);
    submit(e, "myapp", "", "gauge", "other", t, q, NAN); /* no rule */
  }
  assert_true(c->notice_count >= 1);
  for (size_t i = 0; i < c->notice_count; i++)
    assert_string_equal(c->notices[i].type_instance, "queue");
  assert_non_null(strstr(c->notices[0].message, "will reach 10 k in about"));
  ad_engine_destroy(e);
  free(c);

  ad_config_t cfg;
  ad_config_defaults(&cfg);
  char err[256];
  assert_int_equal(ad_config_set_pair(&cfg, "Capacity=/^q/", err, sizeof(err)),
                   EINVAL);
  assert_non_null(strstr(err, "Capacity expects a series pattern"));
  assert_int_equal(
      ad_config_set_pair(&cfg, "Capacity=/[/ 10", err, sizeof(err)), EINVAL);
  assert_int_equal(ad_config_set_pair(&cfg, "Capacity= 10", err, sizeof(err)),
                   EINVAL);
  ad_config_release(&cfg);
}

static void test_roles(void **state) {
  (void)state;
  ad_ident_t id = {.host = "h",
                   .plugin = "df",
                   .plugin_instance = "root",
                   .type = "df_complex",
                   .type_instance = "used"};
  assert_int_equal(ad_capacity_role(&id), AD_CAPACITY_FILLER);
  id.type_instance = "free";
  assert_int_equal(ad_capacity_role(&id), AD_CAPACITY_PART);
  id.type = "memory";
  id.type_instance = "slab_recl";
  assert_int_equal(ad_capacity_role(&id), AD_CAPACITY_PART);
  id.type = "percent";
  id.type_instance = "idle";
  assert_int_equal(ad_capacity_role(&id), AD_CAPACITY_NONE);
  id.type_instance = "user";
  assert_int_equal(ad_capacity_role(&id), AD_CAPACITY_MAXIMUM);
}

TEST_MAIN(cmocka_unit_test(test_a_filling_disk_warns_once),
          cmocka_unit_test(test_critical_then_okay),
          cmocka_unit_test(test_wobbling_series_stay_quiet),
          cmocka_unit_test(test_a_maximum_is_a_ceiling),
          cmocka_unit_test(test_a_capacity_rule_is_a_ceiling),
          cmocka_unit_test(test_roles))
