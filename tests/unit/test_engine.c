/* Unit tests: ad_engine end to end (series, hosts, ticks, notices, reports,
 * limits, expiry, threads), through a capturing sink. */
#include "test_config_util.h"
#include "test_util.h"

#include "engine/ad_engine.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#define MAX_CAPTURE 8192

typedef struct {
  pthread_mutex_t lock;
  ad_notice_t notices[64];
  size_t notice_count;
  ad_host_report_t reports[MAX_CAPTURE];
  size_t report_count;
} capture_t;

static void on_report(void *ctx, const ad_host_report_t *r) {
  capture_t *c = ctx;
  pthread_mutex_lock(&c->lock);
  if (c->report_count < MAX_CAPTURE)
    c->reports[c->report_count++] = *r;
  pthread_mutex_unlock(&c->lock);
}

static void on_notice(void *ctx, const ad_notice_t *n) {
  capture_t *c = ctx;
  pthread_mutex_lock(&c->lock);
  if (c->notice_count < ARRAY_SIZE(c->notices))
    c->notices[c->notice_count++] = *n;
  pthread_mutex_unlock(&c->lock);
}

static capture_t *capture_new(void) {
  capture_t *c = calloc(1, sizeof(*c));
  pthread_mutex_init(&c->lock, NULL);
  return c;
}

static ad_engine_t *engine_new(capture_t *c, const char *const *pairs) {
  ad_sink_t sink = {.host_report = on_report, .notice = on_notice, .ctx = c};
  return test_engine_from_pairs(pairs, &sink);
}

static int submit1_every(ad_engine_t *e, const char *host, const char *plugin,
                         const char *type, double time, double interval,
                         double value) {
  static const char *const ds[] = {"value"};
  ad_ident_t id = {.host = host,
                   .plugin = plugin,
                   .plugin_instance = "",
                   .type = type,
                   .type_instance = ""};
  ad_sample_t s = {.time = time,
                   .interval = interval,
                   .arrival = time,
                   .count = 1,
                   .values = &value,
                   .ds_names = ds};
  return ad_engine_submit(e, &id, &s);
}

static int submit1(ad_engine_t *e, const char *host, const char *plugin,
                   const char *type, double time, double value) {
  return submit1_every(e, host, plugin, type, time, 10, value);
}

static void test_spike_notifies_failure_then_okay(void **state) {
  (void)state;
  capture_t *c = capture_new();
  const char *const pairs[] = {"IncidentGap=0", NULL};
  ad_engine_t *e = engine_new(c, pairs);
  test_rng_t rng = {.state = 1};
  double t = 1e9;
  int spike_at = 300;
  for (int i = 0; i < 400; i++, t += 10) {
    double v = 100 + test_rng_normal(&rng);
    if (i == spike_at)
      v = 160;
    assert_int_equal(submit1(e, "web1", "test", "gauge", t, v), 0);
  }
  assert_int_equal(c->notice_count, 2);
  const ad_notice_t *up = &c->notices[0], *down = &c->notices[1];
  assert_int_equal(up->scope, AD_SCOPE_HOST);
  assert_int_equal(up->level, AD_LEVEL_FAILURE);
  assert_int_equal(up->previous, AD_LEVEL_OKAY);
  assert_string_equal(up->host, "web1");
  assert_string_equal(up->plugin, "anomaly");
  assert_string_equal(up->series, "test/gauge");
  assert_double_near(up->observed, 160, 0);
  assert_double_near(up->time, 1e9 + 10 * spike_at, 0);
  assert_true(up->assessment.risk >= 0.6);
  assert_true(up->assessment.detected & (1u << AD_DET_SLIDING_WINDOW));
  assert_int_equal(up->anomalous, 1);
  assert_int_equal(up->total, 1);
  /* the message says what was seen against what was expected */
  const char *seen =
      strstr(up->message, "Host web1: test/gauge = 160, expected ");
  if (seen == NULL ||
      fabs(atof(seen + strlen("Host web1: test/gauge = 160, expected ")) -
           100) > 1)
    fail_msg("message: %s", up->message);
  assert_non_null(strstr(up->message, "HIGH by sliding_window"));
  assert_string_equal(ad_level_risk_name(up->level), "HIGH");
  assert_true(strlen(up->message) < AD_MESSAGE_MAX);
  assert_int_equal(down->level, AD_LEVEL_OKAY);
  /* the OKAY names the series that opened the incident, and its length */
  if (strstr(down->message,
             "back to normal after 10 s: the incident began at test/gauge") ==
      NULL)
    fail_msg("OKAY message: %s", down->message);
  assert_string_equal(down->series, "test/gauge");
  assert_double_near(down->lasted, 10, 0);
  assert_double_near(down->time, 1e9 + 10 * (spike_at + 1), 0);

  /* one report per closed interval; the last interval is still open */
  assert_int_equal(c->report_count, 399);
  assert_double_near(c->reports[spike_at].risk, up->assessment.risk, 0);
  assert_int_equal(c->reports[spike_at].level, AD_LEVEL_FAILURE);
  assert_double_near(c->reports[spike_at].percent_anomalous, 100, 0);
  assert_double_near(c->reports[spike_at + 1].percent_anomalous, 0, 0);
  for (int i = 0; i < 31; i++) /* warm-up: nothing scored, risk 0 */
    assert_int_equal(c->reports[i].scored, 0);
  assert_int_equal(ad_engine_flush_host(e, "web1"), 0);
  assert_int_equal(c->report_count, 400);
  assert_int_equal(ad_engine_flush_host(e, "nobody"), ENOENT);
  ad_engine_destroy(e);
  free(c);
}

/* The gauge agrees with the notifications: while the host's incident is
 * open (its level not OKAY, through the incident gap), the gauge is at
 * least the threshold of that level, however low the risk of an interval
 * inside it; otherwise it is the risk. */
static void test_gauge_holds_while_the_incident_is_open(void **state) {
  (void)state;
  capture_t *c = capture_new();
  ad_engine_t *e = engine_new(c, NULL);
  test_rng_t rng = {.state = 2};
  double t = 1e9;
  for (int i = 0; i < 600; i++, t += 10)
    submit1(e, "web1", "test", "gauge", t,
            i == 300 || i == 305 ? 160 : 100 + test_rng_normal(&rng));
  size_t held = 0, inside = 0;
  for (size_t i = 0; i < c->report_count; i++) {
    const ad_host_report_t *r = &c->reports[i];
    double floor = r->level == AD_LEVEL_FAILURE   ? 0.6
                   : r->level == AD_LEVEL_WARNING ? 0.4
                                                  : 0.0;
    if (!(r->gauge >= r->risk && r->gauge >= floor &&
          (r->level != AD_LEVEL_OKAY || r->gauge == r->risk)))
      fail_msg("report %zu: level %d, risk %.3f, gauge %.3f", i, r->level,
               r->risk, r->gauge);
    inside += r->level != AD_LEVEL_OKAY;
    held += r->gauge > r->risk;
  }
  /* the incident outlived its spikes, and the gauge held through it */
  if (!(inside > 2 && held > 0))
    fail_msg("%zu reports in the incident, %zu held", inside, held);
  ad_engine_destroy(e);
  free(c);
}

static void test_host_rolls_up_series(void **state) {
  (void)state;
  capture_t *c = capture_new();
  const char *const pairs[] = {"NotifySeries=true", "IncidentGap=0", NULL};
  ad_engine_t *e = engine_new(c, pairs);
  test_rng_t rng = {.state = 2};
  static const char *const plugins[] = {"a", "b", "c"};
  /* 1-minute data: a spike in b after five hours of history */
  double t = 5000;
  for (int i = 0; i < 400; i++, t += 60) {
    for (int p = 0; p < 3; p++) {
      double v = 50 + test_rng_normal(&rng);
      if (i == 300 && p == 1)
        v = 90;
      submit1_every(e, "db1", plugins[p], "gauge", t + p * 0.1, 60, v);
    }
  }
  /* per-series FAILURE and OKAY for b, host FAILURE and OKAY */
  assert_int_equal(c->notice_count, 4);
  int series_notices = 0;
  for (size_t i = 0; i < c->notice_count; i++) {
    const ad_notice_t *n = &c->notices[i];
    if (n->scope != AD_SCOPE_SERIES)
      continue;
    series_notices++;
    assert_string_equal(n->plugin, "b");
    assert_string_equal(n->type, "gauge");
    assert_string_equal(n->data_source, "value");
  }
  assert_int_equal(series_notices, 2);
  const ad_host_report_t *r = &c->reports[300];
  assert_int_equal(r->total, 3);
  assert_int_equal(r->anomalous, 1);
  assert_double_near(r->percent_anomalous, 100.0 / 3, 1e-9);
  assert_int_equal(r->scored, 3);
  assert_int_equal(ad_engine_series_count(e), 3);
  assert_int_equal(ad_engine_host_count(e), 1);
  ad_engine_destroy(e);
  free(c);
}

static void test_multi_source_value_lists(void **state) {
  (void)state;
  capture_t *c = capture_new();
  const char *const pairs[] = {"IncidentGap=0", NULL};
  ad_engine_t *e = engine_new(c, pairs);
  static const char *const ds[] = {"rx", "tx"};
  ad_ident_t id = {"gw", "interface", "eth0", "if_octets", ""};
  test_rng_t rng = {.state = 4};
  for (int i = 0; i < 100; i++) {
    double v[2] = {1e6 + 1e4 * test_rng_normal(&rng),
                   5e5 + 5e3 * test_rng_normal(&rng)};
    if (i == 80)
      v[1] = 5e6;
    ad_sample_t s = {.time = 10.0 * i,
                     .interval = 10,
                     .arrival = 10.0 * i,
                     .count = 2,
                     .values = v,
                     .ds_names = ds};
    assert_int_equal(ad_engine_submit(e, &id, &s), 0);
  }
  assert_int_equal(ad_engine_series_count(e), 2);
  assert_true(c->notice_count >= 1);
  assert_string_equal(c->notices[0].series, "interface-eth0/if_octets:tx");
  ad_series_info_t info;
  assert_int_equal(ad_engine_series_info(e, &id, "tx", &info), 0);
  assert_int_equal(info.values_learned, 100);
  assert_int_equal(ad_engine_series_info(e, &id, "xx", &info), ENOENT);

  /* The same identifier with other data sources (a sender with another
   * types.db): started afresh, the old series forgotten. */
  static const char *const other[] = {"rx", "tx", "errors"};
  double v[3] = {1, 2, 3};
  ad_sample_t s = {.time = 1000,
                   .interval = 10,
                   .arrival = 1000,
                   .count = 3,
                   .values = v,
                   .ds_names = other};
  assert_int_equal(ad_engine_submit(e, &id, &s), 0);
  assert_int_equal(ad_engine_series_count(e), 3);
  assert_int_equal(ad_engine_series_info(e, &id, "tx", &info), 0);
  assert_int_equal(info.values_learned, 1);
  ad_engine_destroy(e);
  free(c);
}

static void test_max_series_refuses_new(void **state) {
  (void)state;
  capture_t *c = capture_new();
  const char *const pairs[] = {"MaxSeries=2", NULL};
  ad_engine_t *e = engine_new(c, pairs);
  assert_int_equal(submit1(e, "h", "a", "gauge", 1, 1), 0);
  assert_int_equal(submit1(e, "h", "b", "gauge", 1, 1), 0);
  assert_int_equal(submit1(e, "h", "c", "gauge", 1, 1), ENOSPC);
  assert_int_equal(submit1(e, "other", "a", "gauge", 1, 1), ENOSPC);
  /* known series keep working */
  assert_int_equal(submit1(e, "h", "a", "gauge", 11, 1), 0);
  assert_int_equal(ad_engine_series_count(e), 2);
  assert_int_equal(ad_engine_host_count(e), 1);
  ad_engine_destroy(e);

  /* A value list is tracked whole or not at all: two data sources do not
   * fit in the one series left. */
  const char *const three[] = {"MaxSeries=3", NULL};
  e = engine_new(c, three);
  assert_int_equal(submit1(e, "h", "a", "gauge", 1, 1), 0);
  assert_int_equal(submit1(e, "h", "b", "gauge", 1, 1), 0);
  static const char *const ds[] = {"rx", "tx"};
  double v[2] = {1, 2};
  ad_ident_t id = {"h", "interface", "eth0", "if_octets", ""};
  ad_sample_t s = {.time = 1,
                   .interval = 10,
                   .arrival = 1,
                   .count = 2,
                   .values = v,
                   .ds_names = ds};
  assert_int_equal(ad_engine_submit(e, &id, &s), ENOSPC);
  assert_int_equal(ad_engine_series_count(e), 2);
  ad_engine_destroy(e);
  free(c);
}

static void test_hostile_identifiers_rejected(void **state) {
  (void)state;
  capture_t *c = capture_new();
  ad_engine_t *e = engine_new(c, NULL);
  char long_name[AD_NAME_MAX + 10];
  memset(long_name, 'A', sizeof(long_name) - 1);
  long_name[sizeof(long_name) - 1] = '\0';
  assert_int_equal(submit1(e, "", "p", "gauge", 1, 1), EINVAL);
  assert_int_equal(submit1(e, "h", "", "gauge", 1, 1), EINVAL);
  assert_int_equal(submit1(e, long_name, "p", "gauge", 1, 1), EINVAL);
  assert_int_equal(submit1(e, "h", "p", long_name, 1, 1), EINVAL);
  /* format directives in names are data, never formats */
  assert_int_equal(submit1(e, "%s%n%x", "%n", "gauge", 1, 1), 0);
  assert_int_equal(ad_engine_series_count(e), 1);
  /* names a state file cannot hold (not UTF-8) are refused */
  assert_int_equal(submit1(e, "caf\xe9", "p", "gauge", 1, 1), EINVAL);
  assert_int_equal(submit1(e, "h", "df", "df_complex\xff", 1, 1), EINVAL);
  assert_int_equal(submit1(e, "caf\xc3\xa9", "p", "gauge", 1, 1), 0);
  assert_int_equal(ad_engine_series_count(e), 2);
  /* times and intervals that are not finite are refused, nothing made */
  assert_int_equal(submit1(e, "t", "p", "gauge", INFINITY, 1), EINVAL);
  assert_int_equal(submit1(e, "t", "p", "gauge", NAN, 1), EINVAL);
  assert_int_equal(submit1_every(e, "t", "p", "gauge", 1, INFINITY, 1), EINVAL);
  assert_int_equal(submit1_every(e, "t", "p", "gauge", 1, NAN, 1), EINVAL);
  assert_int_equal(submit1_every(e, "t", "p", "gauge", 1, -1, 1), EINVAL);
  assert_int_equal(ad_engine_series_count(e), 2);
  ad_engine_destroy(e);
  free(c);
}

/* 2,000 values of 20-22 at 1 min, one value of 3e17 (a 64-bit counter's
 * wrap read as a rate), two days later 30 minutes at 90: the jump is a
 * FAILURE, as it is without the wild value (both blinded the series for
 * days once). */
static void test_one_extreme_value_does_not_blind(void **state) {
  (void)state;
  for (int wild = 0; wild <= 1; wild++) {
    capture_t *c = capture_new();
    ad_engine_t *e = engine_new(c, NULL);
    test_rng_t rng = {.state = 41};
    double t = 1.6e9;
    for (int i = 0; i < 2000 + 2880; i++, t += 60)
      submit1_every(e, "h", "cpu", "gauge", t, 60,
                    i == 2000 && wild ? 3e17 : 20 + 2 * test_rng_uniform(&rng));
    size_t before = c->report_count;
    for (int i = 0; i < 30; i++, t += 60)
      submit1_every(e, "h", "cpu", "gauge", t, 60, 90);
    ad_engine_flush_host(e, "h");
    size_t failures = 0;
    for (size_t i = before; i < c->report_count; i++)
      failures += c->reports[i].level == AD_LEVEL_FAILURE;
    if (failures < 10)
      fail_msg("wild %d: %zu FAILURE intervals of 30 at 90", wild, failures);
    ad_engine_destroy(e);
    free(c);
  }
}

/* Reports from `from` on that turned from OKAY to WARNING or FAILURE, and
 * of those, how many came at report index `lo` or later and before `hi`. */
static size_t onsets(const capture_t *c, size_t from, size_t lo, size_t hi,
                     size_t *inside) {
  size_t n = 0;
  *inside = 0;
  for (size_t i = from + 1; i < c->report_count; i++)
    if (c->reports[i - 1].level == AD_LEVEL_OKAY &&
        c->reports[i].level != AD_LEVEL_OKAY) {
      n++;
      *inside += i >= lo && i < hi;
    }
  return n;
}

/* A latency of about 40 ms has an 8-row spike; 9 hours later its noise
 * grows tenfold for 200 rows. What the spike taught must not hide the
 * burst (it did once: the band had widened to -1087..1199 ms). The burst
 * is notified at its start; as the forecaster's band widens to it the
 * incident may end and open once more at a further excursion (the
 * calibrations learn little of an incident), but not flap. */
static void test_a_spike_does_not_hide_the_next_incident(void **state) {
  (void)state;
  capture_t *c = capture_new();
  ad_engine_t *e = engine_new(c, NULL);
  test_rng_t rng = {.state = 12};
  double t = 1.6e9;
  const int spike = 3 * 1440, burst = spike + 9 * 60, end = burst + 400;
  for (int i = 0; i < end; i++, t += 60) {
    double noise = 6 * test_rng_uniform(&rng) - 3;
    double v = i >= spike && i < spike + 8     ? 700 + 100 * noise
               : i >= burst && i < burst + 200 ? 40 + 20 * noise
                                               : 40 + noise;
    submit1_every(e, "h", "app", "latency", t, 60, v);
  }
  ad_engine_flush_host(e, "h");
  size_t in_spike, in_burst;
  onsets(c, 0, (size_t)spike, (size_t)spike + 8, &in_spike);
  onsets(c, 0, (size_t)burst, (size_t)burst + 200, &in_burst);
  if (in_spike != 1 || in_burst < 1 || in_burst > 2 ||
      c->reports[burst].level == AD_LEVEL_OKAY)
    fail_msg("onsets: %zu in the spike, %zu in the burst", in_spike, in_burst);
  ad_engine_destroy(e);
  free(c);
}

/* A latency of 40 ms with a daily wave shifts up 25 ms for an hour on day
 * 3, and 15 ms (five times its noise) for an hour a day later: the second
 * incident is notified as the first was, however much the first hour
 * taught the detectors. */
static void test_a_second_incident_is_caught_as_the_first(void **state) {
  (void)state;
  capture_t *c = capture_new();
  ad_engine_t *e = engine_new(c, NULL);
  test_rng_t rng = {.state = 21};
  double t = 1.6e9;
  const int first = 3 * 1440 + 600, second = 4 * 1440 + 900, end = 5 * 1440;
  for (int i = 0; i < end; i++, t += 60) {
    double v = 40 + 5 * sin(2 * M_PI * i / 1440.0) + 3 * test_rng_normal(&rng);
    if (i >= first && i < first + 60)
      v += 25;
    if (i >= second && i < second + 60)
      v += 15;
    submit1_every(e, "h", "app", "latency", t, 60, v);
  }
  ad_engine_flush_host(e, "h");
  size_t in_first, in_second;
  onsets(c, 0, (size_t)first, (size_t)first + 60, &in_first);
  onsets(c, 0, (size_t)second, (size_t)second + 60, &in_second);
  if (in_first != 1 || in_second != 1)
    fail_msg("onsets: %zu in the first incident, %zu in the second", in_first,
             in_second);
  ad_engine_destroy(e);
  free(c);
}

/* A count that is 0 for days with a 1 now and then (a zombie process)
 * stays quiet; when it jumps to 60, that is news. */
static void test_quiet_count_moves_by_one_quietly(void **state) {
  (void)state;
  capture_t *c = capture_new();
  ad_engine_t *e = engine_new(c, NULL);
  double t = 1.6e9;
  const int jump = 4 * 1440, end = jump + 60;
  for (int i = 0; i < end; i++, t += 60) {
    double v = i >= jump ? 60 : i % 1000 == 999 ? 1 : 0;
    submit1_every(e, "h", "processes", "ps_state", t, 60, v);
  }
  ad_engine_flush_host(e, "h");
  size_t in_jump;
  size_t all = onsets(c, 0, (size_t)jump, (size_t)end, &in_jump);
  if (all != 1 || in_jump != 1)
    fail_msg("%zu onsets, %zu of them at the jump", all, in_jump);
  ad_engine_destroy(e);
  free(c);
}

/* A byte count that is 0 for days (a tmpfs) gets 8 KiB: two pages, not
 * news; then 1 GiB: news. The type says what a step of a byte count is
 * worth before the values do. */
static void test_two_pages_on_an_empty_tmpfs_are_not_news(void **state) {
  (void)state;
  capture_t *c = capture_new();
  ad_engine_t *e = engine_new(c, NULL);
  double t = 1.6e9;
  const int pages = 3 * 1440, gib = pages + 600, end = gib + 60;
  for (int i = 0; i < end; i++, t += 60)
    submit1_every(e, "h", "df-dev-shm", "df_complex", t, 60,
                  i >= gib     ? 1073741824.0
                  : i >= pages ? 8192.0
                               : 0.0);
  ad_engine_flush_host(e, "h");
  size_t at_gib;
  size_t all = onsets(c, 0, (size_t)gib, (size_t)end, &at_gib);
  if (all != 1 || at_gib != 1)
    fail_msg("%zu onsets, %zu of them at the GiB", all, at_gib);
  ad_engine_destroy(e);
  free(c);
}

static void test_rules_filter(void **state) {
  (void)state;
  capture_t *c = capture_new();
  const char *const pairs[] = {"Ignore=Plugin=df", NULL};
  ad_engine_t *e = engine_new(c, pairs);
  assert_int_equal(submit1(e, "h", "df", "df_complex", 1, 1), 0);
  assert_int_equal(submit1(e, "h", "cpu", "percent", 1, 1), 0);
  assert_int_equal(ad_engine_series_count(e), 1);
  ad_engine_destroy(e);
  free(c);
}

static void test_housekeeping_expires_and_closes(void **state) {
  (void)state;
  capture_t *c = capture_new();
  const char *const pairs[] = {"SeriesTimeout=100", NULL};
  ad_engine_t *e = engine_new(c, pairs);
  submit1(e, "h1", "a", "gauge", 1000, 1);
  submit1(e, "h2", "a", "gauge", 1000, 1);
  submit1(e, "h2", "b", "gauge", 1050, 1); /* a later interval: closes one */
  assert_int_equal(c->report_count, 1);
  /* 30 s after the last value the open ticks (10 s interval) are stale */
  assert_int_equal(ad_engine_housekeep(e, 1080), 0);
  assert_int_equal(c->report_count, 3);
  /* after the timeout the series go, and with them the hosts */
  assert_int_equal(ad_engine_housekeep(e, 1120), 2);
  assert_int_equal(ad_engine_series_count(e), 1);
  assert_int_equal(ad_engine_host_count(e), 1);
  assert_int_equal(ad_engine_housekeep(e, 1200), 1);
  assert_int_equal(ad_engine_series_count(e), 0);
  assert_int_equal(ad_engine_host_count(e), 0);
  /* a series can come back */
  assert_int_equal(submit1(e, "h1", "a", "gauge", 1300, 1), 0);
  assert_int_equal(ad_engine_host_count(e), 1);
  ad_engine_destroy(e);
  free(c);
}

static void test_late_values_keep_report_times_increasing(void **state) {
  (void)state;
  capture_t *c = capture_new();
  ad_engine_t *e = engine_new(c, NULL);
  const double times[] = {100, 110, 105, 120, 119, 130};
  for (size_t i = 0; i < ARRAY_SIZE(times); i++)
    submit1(e, "h", i % 2 ? "b" : "a", "gauge", times[i], 1);
  ad_engine_flush_host(e, "h");
  /* a value for an interval already reported reopens it */
  submit1(e, "h", "a", "gauge", 130, 1);
  ad_engine_flush_host(e, "h");
  assert_int_equal(c->report_count, 5);
  for (size_t i = 1; i < c->report_count; i++)
    assert_true(c->reports[i].time > c->reports[i - 1].time);
  ad_engine_destroy(e);
  free(c);
}

/* Several writer threads on shared and own series, with housekeeping running
 * beside them: every value is accounted for and nothing crashes (run under
 * ThreadSanitizer by `make check-tsan`). */
typedef struct {
  ad_engine_t *engine;
  int id;
} writer_arg_t;

#define WRITERS 4
#define WRITES 20000

static void *writer_main(void *p) {
  writer_arg_t *a = p;
  char plugin[16];
  test_rng_t rng = {.state = 100 + (uint64_t)a->id};
  for (int i = 0; i < WRITES; i++) {
    /* 8 shared series across two hosts, and 8 of this thread's own */
    int k = i % 16;
    const char *host = k < 8 ? (k % 2 ? "shared1" : "shared2") : "own";
    snprintf(plugin, sizeof(plugin), "p%d_%d", k, k < 8 ? 0 : a->id);
    submit1(a->engine, host, plugin, "gauge", 10.0 * (i / 16),
            10 + test_rng_normal(&rng));
  }
  return NULL;
}

static void *housekeeper_main(void *p) {
  for (int i = 0; i < 200; i++)
    ad_engine_housekeep(p, 0.0);
  return NULL;
}

static void test_concurrent_writers(void **state) {
  (void)state;
  capture_t *c = capture_new();
  ad_engine_t *e = engine_new(c, NULL);
  pthread_t threads[WRITERS], keeper;
  writer_arg_t args[WRITERS];
  for (int i = 0; i < WRITERS; i++) {
    args[i] = (writer_arg_t){.engine = e, .id = i};
    pthread_create(&threads[i], NULL, writer_main, &args[i]);
  }
  pthread_create(&keeper, NULL, housekeeper_main, e);
  for (int i = 0; i < WRITERS; i++)
    pthread_join(threads[i], NULL);
  pthread_join(keeper, NULL);
  assert_int_equal(ad_engine_series_count(e), 8 + 8 * WRITERS);
  assert_int_equal(ad_engine_host_count(e), 3);
  ad_engine_destroy(e);
  free(c);
}

static void test_okay_waits_for_the_incident_gap(void **state) {
  (void)state;
  /* One spike on 10 s data with a 300 s incident gap: FAILURE at the spike,
   * OKAY 300 s of calm later, and the reported level stays FAILURE in
   * between. */
  capture_t *c = capture_new();
  const char *const pairs[] = {"IncidentGap=300", NULL};
  ad_engine_t *e = engine_new(c, pairs);
  test_rng_t rng = {.state = 5};
  double t = 1e6;
  for (int i = 0; i < 300; i++, t += 10)
    submit1(e, "h", "p", "gauge", t,
            i == 200 ? 200 : 100 + test_rng_normal(&rng));
  assert_int_equal(c->notice_count, 2);
  assert_int_equal(c->notices[0].level, AD_LEVEL_FAILURE);
  assert_double_near(c->notices[0].time, 1e6 + 2000, 0);
  assert_int_equal(c->notices[1].level, AD_LEVEL_OKAY);
  /* calm from 2010 on; 300 s later */
  assert_double_near(c->notices[1].time, 1e6 + 2310, 0);
  assert_int_equal(c->reports[220].level, AD_LEVEL_FAILURE);
  assert_int_equal(c->reports[231].level, AD_LEVEL_OKAY);
  ad_engine_destroy(e);
  free(c);
}

/* A series whose level doubles for good: alerted at the change, then one
 * notification that the new level is its normal (once it has held for
 * NewNormalTime),
 * then quiet for days; a daily square wave, once learned, is no news, nor is
 * a two-hour job that goes back. */
static void test_new_normal_notified_once(void **state) {
  (void)state;
  capture_t *c = capture_new();
  const char *const pairs[] = {"NotifySeries=true", NULL};
  ad_engine_t *e = engine_new(c, pairs);
  test_rng_t rng = {.state = 5};
  double start = 1700000000.0, shift_at = start + 4 * 86400.0;
  for (int i = 0; i < 7 * 1440; i++) {
    double t = start + 60.0 * i;
    double base = 30.0 + 10.0 * sin(2 * M_PI * fmod(t, 86400.0) / 86400.0);
    double square = fmod(t, 86400.0) < 43200.0 ? 10.0 : 50.0;
    if (t >= shift_at)
      base *= 2.0;
    submit1_every(e, "h", "cpu", "percent", t, 60,
                  base + 1.5 * test_rng_normal(&rng));
    submit1_every(e, "h", "square", "gauge", t, 60,
                  square + test_rng_normal(&rng));
    /* a two-hour job on day 5: a shift that goes back is no new normal */
    double job =
        t >= start + 5 * 86400.0 + 7200.0 && t < start + 5 * 86400.0 + 14400.0
            ? 90.0
            : 10.0;
    submit1_every(e, "h", "job", "gauge", t, 60, job + test_rng_normal(&rng));
  }
  size_t new_normal = 0, alerts_after = 0;
  assert_true(c->notice_count < ARRAY_SIZE(c->notices)); /* none dropped */
  for (size_t i = 0; i < c->notice_count; i++) {
    const ad_notice_t *n = &c->notices[i];
    if (n->kind == AD_NOTICE_NEW_NORMAL) {
      new_normal++;
      assert_string_equal(n->series, "cpu/percent");
      /* NewNormalTime (3 h) after the shift began, or later: the shift
       * comes at midnight, when the doubled daily cycle rises for six
       * hours, and a level still moving is not yet its normal */
      assert_true(n->time >= shift_at + 10800.0 &&
                  n->time < shift_at + 8 * 3600.0);
      assert_true(n->normal_from < 45.0 && n->normal_to > 50.0);
      assert_non_null(strstr(n->message, "has a new normal"));
      assert_int_equal(n->level, AD_LEVEL_OKAY);
    } else if (n->kind == AD_NOTICE_LEVEL && n->scope == AD_SCOPE_SERIES &&
               n->level != AD_LEVEL_OKAY && n->time > shift_at + 86400.0 &&
               strcmp(n->series, "cpu/percent") == 0) {
      alerts_after++;
    }
  }
  assert_int_equal(new_normal, 1);
  assert_int_equal(alerts_after, 0);
  ad_engine_destroy(e);
  free(c);
}

/* Memory that climbs 2 % an hour for 8 hours, then stays: the forecaster
 * follows the climb step by step, but the level is only called normal once
 * it has stopped moving, and the message says it rose before it held. */
static void test_a_climb_is_no_new_normal_until_it_stops(void **state) {
  (void)state;
  capture_t *c = capture_new();
  const char *const pairs[] = {"NotifySeries=true", NULL};
  ad_engine_t *e = engine_new(c, pairs);
  test_rng_t rng = {.state = 11};
  double start = 1700000000.0, climb = start + 4 * 86400.0;
  double stop = climb + 8 * 3600.0;
  for (int i = 0; i < 6 * 1440; i++) {
    double t = start + 60.0 * i;
    double v = 2e9 + 1.5e7 * test_rng_normal(&rng);
    if (t >= climb)
      v += 4.2e7 * (fmin(t, stop) - climb) / 3600.0;
    submit1_every(e, "h", "memory", "memory", t, 60, v);
  }
  size_t new_normal = 0, rising = 0;
  for (size_t i = 0; i < c->notice_count; i++) {
    const ad_notice_t *n = &c->notices[i];
    /* what is notified during the climb says how steep it is, roughly
     * (a line over about the last hour: read low while the climb is
     * young), and never that it falls */
    if (n->kind == AD_NOTICE_LEVEL && n->level != AD_LEVEL_OKAY &&
        n->time >= climb && n->time < stop) {
      assert_null(strstr(n->message, "falling"));
      if (strstr(n->message, "rising") != NULL) {
        rising++;
        assert_true(n->trend > 0.2 * 4.2e7 && n->trend < 1.2 * 4.2e7);
      }
    }
    if (n->kind != AD_NOTICE_NEW_NORMAL)
      continue;
    new_normal++;
    assert_true(n->time >= stop);
    assert_true(n->normal_to > 2.2e9);
    assert_non_null(strstr(n->message, "rose over"));
  }
  assert_int_equal(new_normal, 1);
  assert_true(rising >= 1);
  ad_engine_destroy(e);
  free(c);
}

TEST_MAIN(cmocka_unit_test(test_spike_notifies_failure_then_okay),
          cmocka_unit_test(test_gauge_holds_while_the_incident_is_open),
          cmocka_unit_test(test_host_rolls_up_series),
          cmocka_unit_test(test_multi_source_value_lists),
          cmocka_unit_test(test_max_series_refuses_new),
          cmocka_unit_test(test_hostile_identifiers_rejected),
          cmocka_unit_test(test_one_extreme_value_does_not_blind),
          cmocka_unit_test(test_a_spike_does_not_hide_the_next_incident),
          cmocka_unit_test(test_a_second_incident_is_caught_as_the_first),
          cmocka_unit_test(test_quiet_count_moves_by_one_quietly),
          cmocka_unit_test(test_two_pages_on_an_empty_tmpfs_are_not_news),
          cmocka_unit_test(test_rules_filter),
          cmocka_unit_test(test_housekeeping_expires_and_closes),
          cmocka_unit_test(test_late_values_keep_report_times_increasing),
          cmocka_unit_test(test_concurrent_writers),
          cmocka_unit_test(test_okay_waits_for_the_incident_gap),
          cmocka_unit_test(test_new_normal_notified_once),
          cmocka_unit_test(test_a_climb_is_no_new_normal_until_it_stops))
