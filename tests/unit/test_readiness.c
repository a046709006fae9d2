/* Unit tests: ad_weekly (a host's hours of the week), ad_busy and
 * ad_readiness (the verdict, risky hours, the next good window), and the
 * readiness JSON; the risky hours learned by a real engine from history. */
#include "test_config_util.h"
#include "test_util.h"

#include "engine/ad_engine.h"
#include "patch/ad_query.h"
#include "patch/ad_readiness.h"
#include "patch/ad_readiness_json.h"

#include <string.h>

/* 2026-11-02 00:00:00 UTC, a Monday */
#define MONDAY 1793577600.0
#define HOUR 3600.0
#define WEEK (168 * HOUR)

static void test_hour_of_week(void **state) {
  (void)state;
  assert_int_equal(ad_weekly_hour_of(MONDAY), 0);
  assert_int_equal(ad_weekly_hour_of(MONDAY + 9 * HOUR + 59), 9);
  assert_int_equal(ad_weekly_hour_of(MONDAY - 1), 167); /* Sunday 23:59 */
  assert_int_equal(ad_weekly_hour_of(MONDAY + 6 * 24 * HOUR + 2 * HOUR), 146);
  assert_int_equal(ad_weekly_hour_of(0), 72); /* the epoch: a Thursday */
  assert_int_equal(ad_weekly_hour_of(NAN), -1);
  char buf[16];
  assert_string_equal(ad_readiness_hour_name(146, buf, sizeof(buf)),
                      "Sun 02:00");
}

static void test_weekly_learns_and_forgets(void **state) {
  (void)state;
  ad_weekly_t w;
  ad_weekly_init(&w);
  /* an hour of 5-minute intervals, the first half inside an incident */
  for (int i = 0; i < 12; i++)
    ad_weekly_fold(&w, MONDAY + 9 * HOUR + 300 * i, 300, i < 6 ? 0.9 : 0.1,
                   i < 6, i == 0);
  ad_weekly_hour_t h = ad_weekly_get(&w, 9, MONDAY + 10 * HOUR);
  assert_double_near(h.seen, 1.0, 1e-6);
  assert_double_near(h.onsets, 1.0, 1e-6);
  assert_double_near(h.incident, 0.5, 1e-6);
  assert_double_near(h.mean_risk, 0.5, 1e-6);
  /* two weeks later it weighs AD_WEEKLY_KEEP^2, its shares unchanged */
  h = ad_weekly_get(&w, 9, MONDAY + 2 * WEEK + 10 * HOUR);
  assert_double_near(h.onsets, AD_WEEKLY_KEEP * AD_WEEKLY_KEEP, 1e-6);
  assert_double_near(h.incident, 0.5, 1e-6);
  /* the hour seen again a week later: last week's evidence decayed once */
  ad_weekly_fold(&w, MONDAY + WEEK + 9 * HOUR, 3600, 0.0, false, true);
  h = ad_weekly_get(&w, 9, MONDAY + WEEK + 10 * HOUR);
  assert_double_near(h.onsets, 1.0 + AD_WEEKLY_KEEP, 1e-6);
  assert_double_near(h.seen, 1.0 + AD_WEEKLY_KEEP, 1e-6);
  /* other hours untouched; nothing absurd is counted */
  assert_double_near(ad_weekly_get(&w, 10, MONDAY).seen, 0.0, 0);
  ad_weekly_fold(&w, NAN, 300, 1, true, true);
  ad_weekly_fold(&w, MONDAY, NAN, 1, true, true);
  ad_weekly_fold(&w, MONDAY, 1e9, 1, false, false); /* at most an hour */
  assert_double_near(ad_weekly_get(&w, 0, MONDAY).seen, 1.0, 1e-6);
  assert_null(ad_weekly_invalid(&w));
}

static void test_weekly_invalid(void **state) {
  (void)state;
  ad_weekly_t w;
  ad_weekly_init(&w);
  assert_null(ad_weekly_invalid(&w));
  w.seen[3] = -1;
  assert_non_null(ad_weekly_invalid(&w));
  ad_weekly_init(&w);
  w.onsets[5] = NAN;
  assert_non_null(ad_weekly_invalid(&w));
  ad_weekly_init(&w);
  w.seen[7] = 1;
  w.incident[7] = 5;
  assert_non_null(ad_weekly_invalid(&w));
}

static void test_parse_time(void **state) {
  (void)state;
  double now = MONDAY;
  assert_double_near(ad_readiness_parse_time("+2h", now), now + 7200, 0);
  assert_double_near(ad_readiness_parse_time("+30m", now), now + 1800, 0);
  assert_double_near(ad_readiness_parse_time("2026-11-02 09:15", now),
                     MONDAY + 9 * HOUR + 900, 0);
  assert_double_near(ad_readiness_parse_time("2026-11-02 09:15:30", now),
                     MONDAY + 9 * HOUR + 930, 0);
  assert_double_near(ad_readiness_parse_time("1793577600", now), MONDAY, 0);
  static const char *const bad[] = {"",
                                    "soon",
                                    "+",
                                    "+2x",
                                    "-5",
                                    "0",
                                    "1e70",
                                    "+1e300h",
                                    "nan",
                                    "+inf",
                                    "2026-11-02 09:15 junk",
                                    "2026-11-02"};
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
    if (!isnan(ad_readiness_parse_time(bad[i], now)))
      fail_msg("\"%s\" was taken as a time", bad[i]);
}

/* ---- verdicts on a host made by hand ---------------------------------- */

typedef struct {
  ad_config_t cfg;
  ad_host_t *host;
  ad_busy_t busy;
  ad_readiness_t r;
} fixture_t;

/* A host that has been quiet for two weeks, its last interval at `last`. */
static fixture_t *quiet_host(double last) {
  fixture_t *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  test_config_from_pairs(&f->cfg, NULL);
  f->host = ad_host_create("web1");
  assert_non_null(f->host);
  for (double t = last - 2 * WEEK; t <= last; t += 600)
    ad_weekly_fold(&f->host->weekly, t, 600, 0.05, false, false);
  f->host->last.time = last;
  f->host->last.risk = 0.05;
  f->host->tick.interval = 10;
  return f;
}

static void fixture_free(fixture_t *f) {
  ad_host_destroy(f->host);
  ad_config_release(&f->cfg);
  free(f);
}

static ad_readiness_status_t judge(fixture_t *f, double now, double at) {
  ad_readiness_query_t q = {
      .host = f->host, .cfg = &f->cfg, .now = now, .at = at, .window = 7200};
  ad_readiness_assess(&q, &f->busy, &f->r);
  return f->r.status;
}

static bool has_reason(const ad_readiness_t *r, const char *text) {
  for (unsigned i = 0; i < r->reasons; i++)
    if (strstr(r->reason[i], text) != NULL)
      return true;
  return false;
}

static void test_quiet_host_is_ready(void **state) {
  (void)state;
  double now = MONDAY + 3 * WEEK + 14 * HOUR + 60;
  fixture_t *f = quiet_host(now - 5);
  assert_int_equal(judge(f, now, NAN), AD_READY);
  assert_int_equal(f->r.reasons, 0);
  assert_int_equal(f->r.ranges, 0);
  /* nothing stands against the hour under way */
  assert_true(f->r.window_found);
  assert_double_near(f->r.window_start, floor(now / HOUR) * HOUR, 0);
  assert_double_near(f->r.window_end - f->r.window_start, 7200, 0);
  assert_double_near(f->r.window_risk, 0.05, 1e-6);
  fixture_free(f);
}

static void test_open_incident_is_not_ready(void **state) {
  (void)state;
  double now = MONDAY + 3 * WEEK + 14 * HOUR;
  fixture_t *f = quiet_host(now - 5);
  f->host->alert.notified = AD_LEVEL_FAILURE;
  f->host->incident_start = now - 720;
  snprintf(f->host->incident_series, sizeof(f->host->incident_series),
           "cpu-0/percent-user");
  assert_int_equal(judge(f, now, NAN), AD_NOT_READY);
  assert_true(has_reason(&f->r, "open incident: FAILURE since"));
  assert_true(has_reason(&f->r, "(12 min), opened by cpu-0/percent-user"));
  /* the window is not the hour under way */
  assert_true(f->r.window_start >= ceil(now / HOUR) * HOUR);
  /* next week's question is about the hours of the week, not this */
  assert_int_equal(judge(f, now, now + WEEK), AD_READY);
  assert_true(f->r.ahead);
  fixture_free(f);
}

static void test_risk_and_series_give_caution(void **state) {
  (void)state;
  double now = MONDAY + 3 * WEEK + 14 * HOUR;
  fixture_t *f = quiet_host(now - 5);
  f->host->last.risk = 0.45;
  snprintf(f->host->last.driver, sizeof(f->host->last.driver), "load/load");
  assert_int_equal(judge(f, now, NAN), AD_CAUTION);
  assert_true(has_reason(&f->r, "current risk 0.45 (MEDIUM), driven by load"));
  f->host->last.risk = 0.7;
  assert_int_equal(judge(f, now, NAN), AD_NOT_READY);
  f->host->last.risk = 0.05;
  f->host->anomalous = 2;
  atomic_store(&f->host->series, 40);
  assert_int_equal(judge(f, now, NAN), AD_CAUTION);
  assert_true(has_reason(&f->r, "2 of 40 series anomalous"));
  fixture_free(f);
}

static void test_stale_young_and_unstable(void **state) {
  (void)state;
  double now = MONDAY + 3 * WEEK + 14 * HOUR;
  fixture_t *f = quiet_host(now - 2 * HOUR);
  assert_int_equal(judge(f, now, NAN), AD_CAUTION);
  assert_true(has_reason(&f->r, "no data since"));
  fixture_free(f);

  f = quiet_host(now - 5);
  ad_weekly_init(&f->host->weekly);
  for (double t = now - 5 * HOUR; t <= now; t += 600)
    ad_weekly_fold(&f->host->weekly, t, 600, 0.05, false, false);
  assert_int_equal(judge(f, now, NAN), AD_CAUTION);
  assert_true(has_reason(&f->r, "h of this host learned"));
  fixture_free(f);

  f = quiet_host(now - 5);
  f->host->alert.incident_rate = 3;
  f->host->alert.rate_time = now - 3600;
  assert_int_equal(judge(f, now, NAN), AD_CAUTION);
  assert_true(has_reason(&f->r, "unstable lately"));
  /* the rate decays: a day and a half later it is no longer unstable */
  f->host->alert.rate_time = now - 36 * HOUR;
  assert_int_equal(judge(f, now, NAN), AD_READY);
  fixture_free(f);
}

static void test_risky_hour_and_window(void **state) {
  (void)state;
  double now = MONDAY + 3 * WEEK + 8 * HOUR + 1800; /* Monday 08:30 */
  fixture_t *f = quiet_host(now - 5);
  /* incidents on the last three Mondays at 09:00 */
  for (int k = 1; k <= 3; k++)
    ad_weekly_fold(&f->host->weekly, now - k * WEEK + 1800, 600, 0.9, true,
                   true);
  assert_int_equal(judge(f, now, NAN), AD_READY); /* 08:30 is fine */
  assert_int_equal(f->r.ranges, 1);
  assert_int_equal(f->r.range[0].first_hour, 9);
  assert_int_equal(f->r.range[0].hours, 1);
  assert_int_equal(f->r.range[0].why, AD_RISKY_INCIDENTS);
  char buf[48];
  assert_string_equal(ad_readiness_range_name(&f->r.range[0], buf, sizeof(buf)),
                      "Mon 09:00-10:00 UTC");
  /* a two-hour change from 08:00 would run into 09:00: the window is 10:00 */
  assert_true(f->r.window_found);
  assert_double_near(f->r.window_start, now - 1800 + 2 * HOUR, 0);
  assert_string_equal(ad_readiness_window_name(&f->r, buf, sizeof(buf)),
                      "Mon 10:00-12:00 UTC");
  /* asked about 09:10: caution, the hour is risky */
  assert_int_equal(judge(f, now, now + 2400), AD_CAUTION);
  assert_true(has_reason(&f->r, "Mon 09:00 UTC is a risky hour"));
  fixture_free(f);
}

static void test_json_shape(void **state) {
  (void)state;
  double now = MONDAY + 3 * WEEK + 14 * HOUR;
  fixture_t *f = quiet_host(now - 5);
  f->host->last.risk = 0.45;
  f->host->last.member_risk[0] = 0.5;
  f->host->last.member_risk[1] = 0.1;
  snprintf(f->host->last.driver, sizeof(f->host->last.driver), "load/load");
  ad_readiness_query_t q = {
      .host = f->host, .cfg = &f->cfg, .now = now, .at = NAN, .window = 7200};
  ad_readiness_assess(&q, &f->busy, &f->r);
  json_t *o = ad_readiness_json(&q, &f->r, &f->busy);
  assert_non_null(o);
  static const char *const keys[] = {
      "patch_time",       "predicted_risk_level", "expected_anomalies",
      "confidence",       "model_votes",          "individual_predictions",
      "consensus_models", "patch_readiness"};
  for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
    if (json_object_get(o, keys[i]) == NULL)
      fail_msg("no %s", keys[i]);
  assert_string_equal(
      json_string_value(json_object_get(o, "predicted_risk_level")), "MEDIUM");
  json_t *pr = json_object_get(o, "patch_readiness");
  assert_string_equal(json_string_value(json_object_get(pr, "status")),
                      "CAUTION");
  assert_int_equal(json_array_size(json_object_get(pr, "reasons")), 1);
  assert_true(json_is_array(json_object_get(pr, "risky_hours")));
  assert_true(json_is_object(json_object_get(pr, "next_window")));
  json_t *votes = json_object_get(o, "model_votes");
  assert_int_equal(json_integer_value(json_object_get(votes, "MEDIUM")), 1);
  assert_int_equal(json_integer_value(json_object_get(votes, "LOW")), 1);
  json_t *sw = json_object_get(json_object_get(o, "individual_predictions"),
                               "sliding_window");
  assert_true(json_is_true(json_object_get(sw, "detected")));
  json_t *ea = json_object_get(o, "expected_anomalies");
  assert_int_equal(json_array_size(ea), 1);
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(ea, 0), "series")),
      "load/load");
  json_decref(o);
  fixture_free(f);
}

/* ---- learned by the engine from history -------------------------------- */

typedef struct {
  double now, at;
  ad_readiness_t r;
  ad_busy_t busy;
  int hosts;
} judged_t;

static int judge_saved(void *ctx, const ad_host_t *host,
                       ad_vlist_t *const *vlists, size_t n) {
  judged_t *j = ctx;
  ad_config_t cfg;
  test_config_from_pairs(&cfg, NULL);
  ad_readiness_query_t q = {.host = host,
                            .vlists = vlists,
                            .count = n,
                            .cfg = &cfg,
                            .now = j->now,
                            .at = j->at,
                            .window = 7200};
  ad_readiness_assess(&q, &j->busy, &j->r);
  ad_config_release(&cfg);
  j->hosts++;
  return 0;
}

/* Four weeks of 5-minute history: a backup every Sunday at 02:00 (the
 * disks write 20 times as much), and on the first three Mondays at 09:00
 * CPU at 95 % for half an hour. Both are among the risky hours. */
static void test_engine_learns_risky_hours(void **state) {
  (void)state;
  ad_engine_t *e = test_engine_from_pairs(NULL, NULL);
  test_rng_t rng = {42};
  double end = MONDAY + 4 * WEEK;
  for (double t = MONDAY; t < end; t += 300) {
    int how = ad_weekly_hour_of(t);
    int week = (int)((t - MONDAY) / WEEK);
    bool backup = how == 6 * 24 + 2;
    bool incident = how == 9 && week < 3 && fmod(t, HOUR) < 1800;
    double cpu = 20 + 1.5 * test_rng_normal(&rng) + (backup ? 25 : 0);
    double disk = (backup ? 4e7 : 2e6) + 1e5 * test_rng_normal(&rng);
    assert_int_equal(
        test_submit_gauge(e, "cpu", "percent", "user", t, incident ? 95 : cpu),
        0);
    assert_int_equal(
        test_submit_gauge(e, "disk", "disk_octets", "write", t, disk), 0);
    ad_engine_flush_host(e, "web1");
  }
  judged_t *j = calloc(1, sizeof(*j));
  ad_save_stats_t saved;
  j->now = end;
  j->at = NAN;
  assert_int_equal(ad_engine_save(e, judge_saved, j, &saved), 0);
  assert_int_equal(j->hosts, 1);
  bool monday = false, sunday = false;
  for (unsigned i = 0; i < j->r.ranges; i++) {
    const ad_risky_range_t *g = &j->r.range[i];
    if (g->first_hour <= 9 && 9 < g->first_hour + g->hours &&
        (g->why & AD_RISKY_INCIDENTS))
      monday = true;
    if (g->first_hour <= 146 && 146 < g->first_hour + g->hours &&
        (g->why & AD_RISKY_BUSY) && g->busy == 2) /* the disk and the CPU */
      sunday = true;
  }
  if (!monday || !sunday) {
    for (unsigned i = 0; i < j->r.ranges; i++)
      print_message("range %d+%d why %u busiest %s\n", j->r.range[i].first_hour,
                    j->r.range[i].hours, j->r.range[i].why,
                    j->r.range[i].busiest);
    fail_msg("Monday 09:00 incidents %d, Sunday 02:00 backup %d", monday,
             sunday);
  }
  /* the question for next Monday 09:15 is answered with caution */
  j->at = end + 9 * HOUR + 900;
  assert_int_equal(ad_engine_save(e, judge_saved, j, &saved), 0);
  assert_int_equal(j->r.status, AD_CAUTION);
  assert_true(has_reason(&j->r, "Mon 09:00 UTC is a risky hour"));
  /* and the same engine answers queries */
  char *text = ad_query_answer(e, "LIST", end);
  assert_non_null(text);
  assert_non_null(strstr(text, "\"host\":\"web1\""));
  free(text);
  text = ad_query_answer(e, "readiness web1 +9h", end);
  assert_non_null(text);
  assert_non_null(strstr(text, "\"patch_readiness\""));
  free(text);
  static const char *const bad[] = {"",
                                    "LIST x",
                                    "ASSESS nobody",
                                    "SERIES web1/cpu/nothing",
                                    "SERIES /x",
                                    "READINESS web1 1e70",
                                    "READINESS web1 +9h15m",
                                    "PUTVAL x"};
  for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
    text = ad_query_answer(e, bad[i], end);
    assert_non_null(text);
    if (strncmp(text, "{\"error\":", 9) != 0)
      fail_msg("\"%s\": %s", bad[i], text);
    free(text);
  }
  text = ad_query_answer(e, "SERIES web1/cpu/percent-user", end);
  assert_non_null(strstr(text, "\"values_learned\":8064"));
  free(text);
  free(j);
  ad_engine_destroy(e);
}

TEST_MAIN(cmocka_unit_test(test_hour_of_week),
          cmocka_unit_test(test_parse_time),
          cmocka_unit_test(test_weekly_learns_and_forgets),
          cmocka_unit_test(test_weekly_invalid),
          cmocka_unit_test(test_quiet_host_is_ready),
          cmocka_unit_test(test_open_incident_is_not_ready),
          cmocka_unit_test(test_risk_and_series_give_caution),
          cmocka_unit_test(test_stale_young_and_unstable),
          cmocka_unit_test(test_risky_hour_and_window),
          cmocka_unit_test(test_json_shape),
          cmocka_unit_test(test_engine_learns_risky_hours))
