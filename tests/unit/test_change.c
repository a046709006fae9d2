/* Unit tests: ad_change (a change's watch and verdict), its notice and
 * labels, its state encoding (ad_change_codec) and JSON; and the verdict a
 * real engine gives after a change marker: a planted regression is
 * reported, unchanged data is not. */
#include "test_config_util.h"
#include "test_util.h"

#include "engine/ad_change.h"
#include "engine/ad_engine.h"
#include "patch/ad_change_json.h"
#include "state/ad_change_codec.h"

#include <errno.h>
#include <string.h>

/* 2026-11-02 00:00:00 UTC, a Monday */
#define MONDAY 1793577600.0
#define HOUR 3600.0

static const ad_ident_t CPU = {.host = "web1",
                               .plugin = "cpu",
                               .plugin_instance = "",
                               .type = "percent",
                               .type_instance = "user"};

/* A watch of n series for 2 h from MONDAY; every series' value `shift`
 * scales (and percent) off what was expected, 24 values each. */
static void watch(ad_change_watch_t *w, unsigned n, double shift) {
  ad_change_init(w);
  ad_change_t ended;
  int err;
  assert_false(
      ad_change_begin(w, MONDAY, 2 * HOUR, "openssl 3.0.15", n, &ended, &err));
  assert_int_equal(err, 0);
  for (int k = 0; k < 24; k++)
    for (unsigned s = 0; s < n; s++) {
      ad_ident_t id = CPU;
      char ti[16];
      snprintf(ti, sizeof(ti), "s%u", s);
      id.type_instance = ti;
      double expected = 50, value = s == 0 ? 50 * (1 + shift / 100) : 50.2;
      ad_change_value_t v = {
          s == 0 ? shift : 0.1, value, expected, 50, NAN, NAN};
      ad_change_observe(w, 100 + s, &id, NULL, MONDAY + 300 * k, &v);
    }
}

static void test_verdict_regression(void **state) {
  (void)state;
  ad_change_watch_t w;
  watch(&w, 5, 40);
  assert_true(ad_change_watching(&w, MONDAY + HOUR));
  ad_change_t done;
  assert_false(ad_change_due(&w, MONDAY + HOUR, &done));
  assert_true(ad_change_due(&w, MONDAY + 2 * HOUR, &done));
  assert_false(ad_change_is_open(&w));
  assert_null(w.slot); /* the table freed */
  assert_int_equal(done.watched, 5);
  assert_int_equal(done.regressed, 1);
  assert_string_equal(done.worst[0].name, "cpu/percent-s0");
  assert_double_near(done.worst[0].percent, 40, 1e-9);
  ad_notice_t n;
  ad_change_notice(&done, "web1", &n);
  assert_int_equal(n.kind, AD_NOTICE_CHANGE);
  assert_int_equal(n.level, AD_LEVEL_WARNING);
  assert_string_equal(n.type, "change");
  assert_string_equal(n.type_instance, "verdict");
  assert_string_equal(n.message,
                      "web1: after \"openssl 3.0.15\": regression: "
                      "cpu/percent-s0 +40 % against expected (1 series)");
  assert_string_equal(n.regression, "cpu/percent-s0 +40 % (+40.0 scales, +40 % "
                                    "on the level before)");
  assert_string_equal(n.after, "openssl 3.0.15");
  assert_int_equal(w.count, 1); /* in the history */
  ad_change_release(&w);
}

static void test_verdict_none(void **state) {
  (void)state;
  ad_change_watch_t w;
  watch(&w, 3, 0.5); /* half a scale off: no regression */
  ad_change_t done;
  assert_true(ad_change_due(&w, MONDAY + 3 * HOUR, &done));
  assert_int_equal(done.regressed, 0);
  ad_notice_t n;
  ad_change_notice(&done, "web1", &n);
  assert_int_equal(n.level, AD_LEVEL_OKAY);
  assert_string_equal(n.message, "web1: after \"openssl 3.0.15\": no "
                                 "regression (3 series, 2.0 h)");
  /* many scales but a hair in percent (a quiet series): no regression */
  watch(&w, 1, 4);
  w.slot[100 & (w.capacity - 1)].value = 24 * 50.5;
  assert_true(ad_change_due(&w, MONDAY + 3 * HOUR, &done));
  assert_int_equal(done.regressed, 0);
  ad_change_release(&w);
}

/* A second change ends the first watch early, with its verdict. */
static void test_second_change(void **state) {
  (void)state;
  ad_change_watch_t w;
  watch(&w, 2, 40);
  ad_change_t ended;
  int err;
  assert_true(ad_change_begin(&w, MONDAY + HOUR, 2 * HOUR, "kernel 6.1.119", 2,
                              &ended, &err));
  assert_string_equal(ended.what, "openssl 3.0.15");
  assert_int_equal(ended.regressed, 1);
  assert_string_equal(w.open.what, "kernel 6.1.119");
  assert_true(ad_change_watching(&w, MONDAY + HOUR));
  assert_int_equal(w.count, 1);
  ad_change_release(&w);
}

/* The table never fills past half: series beyond it are not watched, and
 * every observation costs a few probes. Text from outside is escaped. */
static void test_bounded_and_escaped(void **state) {
  (void)state;
  ad_change_watch_t w;
  ad_change_init(&w);
  ad_change_t ended;
  int err;
  ad_change_begin(&w, MONDAY, HOUR, "evil\n\x1b[2Jtext", 0, &ended, &err);
  assert_string_equal(w.open.what, "evil\\x0a\\x1b[2Jtext");
  for (uint64_t key = 1; key < 1000; key++)
    ad_change_observe(&w, key, &CPU, NULL, MONDAY + 1,
                      &(ad_change_value_t){1, 1, 1, NAN, NAN, NAN});
  assert_int_equal(w.used, w.capacity / 2);
  /* outside the watch, or not finite: ignored */
  ad_change_observe(&w, 1, &CPU, NULL, MONDAY + 2 * HOUR,
                    &(ad_change_value_t){1, 1, 1, NAN, NAN, NAN});
  ad_change_observe(&w, 1, &CPU, NULL, MONDAY + 5,
                    &(ad_change_value_t){NAN, 1, 1, NAN, NAN, NAN});
  ad_change_observe(&w, 1, &CPU, NULL, MONDAY - 5,
                    &(ad_change_value_t){1, 1, 1, NAN, NAN, NAN});
  ad_change_t done;
  assert_true(ad_change_due(&w, MONDAY + HOUR, &done));
  assert_int_equal(done.watched, 0); /* one value each: too few to judge */
  ad_notice_t n = {.message = "cpu/percent-user: FAILURE"};
  ad_change_label(&n, "openssl");
  assert_string_equal(n.message,
                      "cpu/percent-user: FAILURE (after \"openssl\")");
  memset(n.message, 'x', sizeof(n.message) - 1); /* no room: only n.after */
  n.message[sizeof(n.message) - 1] = '\0';
  ad_change_label(&n, "openssl");
  assert_int_equal(strlen(n.message), sizeof(n.message) - 1);
  ad_change_release(&w);
}

/* What the encoder writes, the decoder reads back: the history, and the
 * open watch with its sums (a reboot in the watch loses nothing). */
static void test_codec_round_trip(void **state) {
  (void)state;
  ad_change_watch_t w, back;
  watch(&w, 3, 40);
  ad_change_t done;
  assert_true(ad_change_due(&w, MONDAY + 2 * HOUR, &done));
  int err;
  ad_change_begin(&w, MONDAY + 5 * HOUR, 2 * HOUR, "kernel \"6.1\"", 3, &done,
                  &err);
  for (int k = 0; k < 5; k++)
    ad_change_observe(&w, 7, &CPU, NULL, MONDAY + 5 * HOUR + 60 * k,
                      &(ad_change_value_t){5.0, 80, 50, 64, NAN, NAN});
  json_t *o = json_object();
  assert_int_equal(ad_change_encode(o, &w), 0);
  ad_change_init(&back);
  ad_codec_error_t why = {{0}};
  assert_int_equal(ad_change_decode(o, &back, 3, &why), 0);
  assert_int_equal(back.count, 1);
  assert_string_equal(back.history[0].what, "openssl 3.0.15");
  assert_int_equal(back.history[0].regressed, 1);
  assert_double_near(back.history[0].worst[0].percent, 40, 1e-9);
  assert_true(ad_change_is_open(&back));
  assert_string_equal(back.open.what, "kernel \"6.1\"");
  assert_true(back.open.until == MONDAY + 7 * HOUR);
  /* the sums carried over: the verdict is the one the first run gives */
  assert_true(ad_change_due(&back, MONDAY + 8 * HOUR, &done));
  assert_int_equal(done.regressed, 1);
  assert_string_equal(done.worst[0].name, "cpu/percent-user");
  assert_double_near(done.worst[0].percent, 60, 1e-9);
  assert_double_near(done.worst[0].before_percent, 25, 1e-9); /* 80 on 64 */
  /* the JSON lists both */
  json_t *list = ad_change_json(&w);
  assert_int_equal(json_array_size(list), 2);
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(list, 0), "status")),
      "watching");
  assert_string_equal(
      json_string_value(json_object_get(json_array_get(list, 1), "status")),
      "regression");
  json_decref(list);
  json_decref(o);
  ad_change_release(&w);
  ad_change_release(&back);
}

/* A forecast frozen at the change is what the watch is judged against: a
 * forecaster that learned the shift (its live expectation following the
 * values) does not hide it. It survives the state's encoding. */
static void test_frozen_forecast(void **state) {
  (void)state;
  ad_change_watch_t w, back;
  ad_change_init(&w);
  ad_change_t ended;
  int err;
  ad_change_begin(&w, MONDAY, 2 * HOUR, "openssl", 1, &ended, &err);
  float forecast[AD_CHANGE_POINTS][2];
  for (int k = 0; k < AD_CHANGE_POINTS; k++) {
    forecast[k][0] = 50.0f + k; /* rising through the watch */
    forecast[k][1] = 2.0f;
  }
  assert_false(ad_change_freeze(&w, MONDAY + 1, 7, "cpu/percent-user",
                                (const float(*)[2])forecast)); /* not it */
  assert_true(ad_change_freeze(&w, MONDAY, 7, "cpu/percent-user",
                               (const float(*)[2])forecast));
  assert_true(ad_change_point_time(&w.open, AD_CHANGE_POINTS - 1) ==
              MONDAY + 2 * HOUR);
  for (int k = 0; k < 24; k++) { /* 20 above the frozen forecast */
    double t = MONDAY + 300 * k;
    double at = 50 + (t - MONDAY) / (2 * HOUR) * (AD_CHANGE_POINTS - 1);
    ad_change_observe(&w, 7, &CPU, NULL, t,
                      &(ad_change_value_t){0, at + 20, at + 20, NAN, NAN, NAN});
  }
  json_t *o = json_object();
  assert_int_equal(ad_change_encode(o, &w), 0);
  ad_change_init(&back);
  ad_codec_error_t why = {{0}};
  assert_int_equal(ad_change_decode(o, &back, 1, &why), 0);
  json_decref(o);
  ad_change_t done;
  for (int i = 0; i < 2; i++) {
    assert_true(ad_change_due(i == 0 ? &w : &back, MONDAY + 3 * HOUR, &done));
    assert_int_equal(done.regressed, 1);
    assert_double_near(done.worst[0].deviation, 10.0, 1e-3);
    assert_string_equal(done.worst[0].name, "cpu/percent-user");
  }
  /* a forecast that is no forecast is refused */
  ad_change_begin(&w, MONDAY, HOUR, "x", 1, &ended, &err);
  forecast[3][1] = 0;
  assert_false(
      ad_change_freeze(&w, MONDAY, 7, "x", (const float(*)[2])forecast));
  ad_change_release(&w);
  ad_change_release(&back);
}

/* A damaged part costs only itself. */
static void test_codec_damaged(void **state) {
  (void)state;
  static const char *const docs[] = {
      "{\"changes\": [{\"time\": 1, \"until\": 2, \"watched\": 1, "
      "\"regressed\": 0, \"what\": \"a\", \"worst\": []}, {\"time\": 5}]}",
      "{\"changes\": [{\"time\": 1, \"until\": 2, \"watched\": 1, "
      "\"regressed\": 2, \"what\": \"a\", \"worst\": []}, {\"time\": 1, "
      "\"until\": 2, \"watched\": 1, \"regressed\": 0, \"what\": \"a\", "
      "\"worst\": []}]}",
      "{\"changes\": [{\"time\": 1, \"until\": 2, \"watched\": 1, "
      "\"regressed\": 0, \"what\": \"a\", \"worst\": []}], \"change_open\": "
      "{\"time\": 3, \"until\": 4, \"watched\": 0, \"regressed\": 0, "
      "\"what\": \"b\", \"worst\": [], \"sums\": [{\"key\": "
      "\"0000000000000007\", \"n\": 0, \"deviation\": 1, \"value\": 1, "
      "\"expected\": 1, \"series\": \"x\"}]}}",
  };
  for (size_t i = 0; i < ARRAY_SIZE(docs); i++) {
    json_t *o = json_loads(docs[i], 0, NULL);
    assert_non_null(o);
    ad_change_watch_t w;
    ad_change_init(&w);
    ad_codec_error_t why = {{0}};
    assert_int_equal(ad_change_decode(o, &w, 4, &why), 1);
    assert_int_equal(w.count, 1);
    assert_true(why.text[0] != '\0');
    json_decref(o);
    ad_change_release(&w);
  }
}

/* ---- a real engine --------------------------------------------------- */

typedef struct {
  ad_notice_t verdict;
  int verdicts;
  int labelled; /* other notices that said "(after ...)" */
} seen_t;

static void on_notice(void *ctx, const ad_notice_t *n) {
  seen_t *s = ctx;
  if (n->kind == AD_NOTICE_CHANGE) {
    s->verdict = *n;
    s->verdicts++;
  } else if (strstr(n->message, "(after \"") != NULL) {
    s->labelled++;
  }
}

/* Five days of 5-minute data with a daily shape, a change marked, then 2 h
 * with CPU `factor` times what it was: the verdict at the watch's end. */
static void after_change(double factor, seen_t *seen) {
  ad_sink_t sink = {.notice = on_notice, .ctx = seen};
  ad_engine_t *e = test_engine_from_pairs(NULL, &sink);
  test_rng_t rng = {7};
  double marked = MONDAY + 5 * 24 * HOUR + 10 * HOUR;
  for (double t = MONDAY; t < marked + 3 * HOUR; t += 300) {
    double day = sin(2 * M_PI * fmod(t, 86400) / 86400);
    double cpu = 30 + 10 * day + test_rng_normal(&rng);
    if (t >= marked && t < marked + 2 * HOUR)
      cpu *= factor;
    assert_int_equal(test_submit_gauge(e, "cpu", "percent", "user", t, cpu), 0);
    assert_int_equal(test_submit_gauge(e, "load", "load", "", t,
                                       2 + day + 0.1 * test_rng_normal(&rng)),
                     0);
    assert_int_equal(test_submit_gauge(e, "memory", "memory", "used", t,
                                       4e9 + 1e7 * test_rng_normal(&rng)),
                     0);
    if (t == marked)
      assert_int_equal(ad_engine_mark_change(e, "web1", t, "openssl 3.0.15"),
                       0);
    ad_engine_housekeep(e, t);
  }
  assert_int_equal(ad_engine_mark_change(e, "nobody", marked, "x"), ENOENT);
  assert_int_equal(ad_engine_mark_change(e, "web1", NAN, "x"), EINVAL);
  ad_engine_destroy(e);
}

static void test_engine_regression(void **state) {
  (void)state;
  seen_t seen = {0};
  after_change(1.4, &seen);
  assert_int_equal(seen.verdicts, 1);
  if (seen.verdict.level != AD_LEVEL_WARNING ||
      strstr(seen.verdict.message, "regression: cpu/percent-user +") == NULL)
    fail_msg("verdict: %s", seen.verdict.message);
  assert_int_equal(seen.verdict.anomalous, 1); /* the CPU alone */
  assert_non_null(strstr(seen.verdict.regression, "% on the level before)"));
  assert_int_equal(seen.verdict.total, 3);
  assert_true(seen.labelled > 0); /* its alarms said they followed it */
}

static void test_engine_no_regression(void **state) {
  (void)state;
  seen_t seen = {0};
  after_change(1.0, &seen);
  assert_int_equal(seen.verdicts, 1);
  assert_int_equal(seen.verdict.level, AD_LEVEL_OKAY);
  assert_string_equal(seen.verdict.message,
                      "web1: after \"openssl 3.0.15\": no regression (3 "
                      "series, 2.0 h)");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_verdict_regression),
      cmocka_unit_test(test_verdict_none),
      cmocka_unit_test(test_second_change),
      cmocka_unit_test(test_bounded_and_escaped),
      cmocka_unit_test(test_codec_round_trip),
      cmocka_unit_test(test_codec_damaged),
      cmocka_unit_test(test_frozen_forecast),
      cmocka_unit_test(test_engine_regression),
      cmocka_unit_test(test_engine_no_regression),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
