/* Unit tests: ad_drift (the slow trend), ad_outlook (forecasts ahead) and
 * ad_timeleft (time to a ceiling), fed the way a series feeds them: the
 * seasonal forecaster learns every value, the drift every quarter hour's
 * mean less the forecaster's seasonal shape. */
#include "test_util.h"

#include "detectors/ad_drift.h"
#include "detectors/ad_outlook.h"
#include "detectors/ad_timeleft.h"

#define MONDAY 1704067200.0
#define STEP 300.0
#define DAY 86400.0
#define GIB 1073741824.0

static const ad_learn_t LEARN_ALL = {.weight = 1.0, .resolution = 0.0};
static const ad_season_params_t PARAMS = {.level_time = 14400,
                                          .shift_acceptance = 3600,
                                          .day_memory = 7,
                                          .week_memory = 1,
                                          .warmup = 32};

typedef struct {
  ad_season_t season;
  ad_drift_t drift;
} series_t;

static void series_init(series_t *s) {
  ad_season_init(&s->season);
  ad_drift_init(&s->drift);
}

static void series_feed(series_t *s, double t, double x) {
  ad_detector_output_t out;
  ad_season_update(&s->season, &PARAMS, t, x, 3.0, &LEARN_ALL, &out);
  ad_drift_bucket_t b;
  if (ad_drift_add(&s->drift, t, x, &b))
    ad_drift_learn(&s->drift, b.time, b.mean,
                   ad_season_profile(&s->season, b.time), 0.0);
}

/* A 100 GiB disk filling `per_day` from `start` GiB, with a daily shape of
 * `wave` GiB (writes by day), noise of 50 MB (none without rng), and every
 * `delete_every` days (0: never) `deleted` GiB removed. */
typedef struct {
  double start, per_day, wave, delete_every, deleted;
} fill_t;

static double fill_at(const fill_t *f, double t, test_rng_t *rng) {
  double days = (t - MONDAY) / DAY;
  double deletions = f->delete_every > 0 ? floor(days / f->delete_every) : 0;
  double hour = fmod(t, DAY) / 3600.0;
  return GIB * (f->start + f->per_day * days - f->deleted * deletions +
                f->wave * sin(2 * M_PI * (hour - 6) / 24.0)) +
         (rng != NULL ? 50e6 * test_rng_normal(rng) : 0.0);
}

/* Feeds `days` of the fill; returns the data time after the last value. */
static double feed_fill(series_t *s, const fill_t *f, double from, double days,
                        test_rng_t *rng) {
  double t = from;
  for (; t < from + days * DAY; t += STEP)
    series_feed(s, t, fill_at(f, t, rng));
  return t;
}

/* Time left to 100 GiB, asserted within `error` of the truth (seconds). */
static void assert_time_left(const series_t *s, double now, double truth,
                             double error) {
  ad_drift_estimate_t e;
  ad_timeleft_t left;
  assert_true(ad_drift_estimate(&s->drift, &e));
  if (!ad_timeleft(&e, 100 * GIB, now, &left))
    fail_msg("no time left estimated (trusted %d, slope %.4g, se %.4g)",
             e.trusted, e.slope, e.slope_se);
  if (!(fabs(left.seconds - truth) <= error))
    fail_msg("%.2f days left, truth %.2f", left.seconds / DAY, truth / DAY);
  if (!(left.low <= left.seconds && left.seconds <= left.high))
    fail_msg("interval %.2f..%.2f days around %.2f", left.low / DAY,
             left.high / DAY, left.seconds / DAY);
}

/* A plain fill, 5 GiB a day from 50 GiB: after three days (65 GiB) 7 days
 * are left; the estimate is within 10 %. */
static void test_a_linear_fill(void **state) {
  (void)state;
  series_t s;
  series_init(&s);
  test_rng_t rng = {.state = 1};
  fill_t f = {.start = 50, .per_day = 5};
  double now = feed_fill(&s, &f, MONDAY, 3, &rng);
  assert_time_left(&s, now, 7 * DAY, 0.7 * DAY);
  ad_drift_estimate_t e;
  ad_drift_estimate(&s.drift, &e);
  assert_double_near(e.slope * DAY / GIB, 5.0, 0.25);
}

/* The same fill with a daily shape of +-3 GiB: the shape is the
 * forecaster's, not the trend's: within 15 % after four days. */
static void test_a_fill_with_a_daily_shape(void **state) {
  (void)state;
  series_t s;
  series_init(&s);
  test_rng_t rng = {.state = 2};
  fill_t f = {.start = 40, .per_day = 5, .wave = 3};
  double now = feed_fill(&s, &f, MONDAY, 4, &rng);
  assert_time_left(&s, now, 8 * DAY, 1.2 * DAY);
}

/* Files deleted every two days: steps, not a slope: the line keeps the
 * filling rate (5 GiB a day) and the time left counts the net rate. 4 GiB
 * removed each time: net 3 a day; at 5.5 days 50 + 27.5 - 8 = 69.5 GiB
 * used, 10.2 days left on the line (within 30 %: the cleanups are judged
 * from three). 12 GiB removed each time keep ahead of the fill: it does
 * not fill within a month. */
static void test_deletions_are_steps(void **state) {
  (void)state;
  series_t s;
  series_init(&s);
  test_rng_t rng = {.state = 3};
  fill_t f = {.start = 50, .per_day = 5, .delete_every = 2, .deleted = 4};
  double now = feed_fill(&s, &f, MONDAY, 5.5, &rng);
  ad_drift_estimate_t e;
  assert_true(ad_drift_estimate(&s.drift, &e));
  assert_true(s.drift.steps >= 2);
  assert_double_near(e.slope * DAY / GIB, 5.0, 0.5);
  assert_time_left(&s, now, 10.2 * DAY, 3.0 * DAY);

  series_init(&s);
  f.deleted = 12;
  now = feed_fill(&s, &f, MONDAY, 5.5, &rng);
  assert_true(ad_drift_estimate(&s.drift, &e));
  ad_timeleft_t left;
  if (ad_timeleft(&e, 100 * GIB, now, &left) && left.seconds < 30 * DAY)
    fail_msg("cleanups that keep up: full in %.1f days", left.seconds / DAY);
}

/* A series that only wobbles (noise, a daily wave, a random walk held
 * near its level) heads nowhere: no trusted slope over two weeks. */
static void test_wobbles_head_nowhere(void **state) {
  (void)state;
  series_t s;
  series_init(&s);
  test_rng_t rng = {.state = 4};
  double walk = 0;
  int trusted = 0, checked = 0;
  for (double t = MONDAY; t < MONDAY + 14 * DAY; t += STEP) {
    double hour = fmod(t, DAY) / 3600.0;
    walk = 0.995 * walk + 0.3 * test_rng_normal(&rng);
    series_feed(&s, t,
                70 + 10 * sin(2 * M_PI * hour / 24.0) + walk +
                    test_rng_normal(&rng));
    ad_drift_estimate_t e;
    ad_timeleft_t left;
    if (t > MONDAY + DAY && ad_drift_estimate(&s.drift, &e)) {
      checked++;
      if (ad_timeleft(&e, 100, t, &left) && left.seconds < 7 * DAY)
        trusted++;
    }
  }
  assert_true(checked > 1000);
  if (trusted > 0)
    fail_msg("%d of %d checks saw the wobble fill up within 7 days", trusted,
             checked);
}

/* A flat series has no slope, however long. */
static void test_a_flat_series_has_no_trend(void **state) {
  (void)state;
  series_t s;
  series_init(&s);
  test_rng_t rng = {.state = 5};
  for (double t = MONDAY; t < MONDAY + 10 * DAY; t += STEP) {
    series_feed(&s, t, 42 + 0.5 * test_rng_normal(&rng));
    ad_drift_estimate_t e;
    if (ad_drift_estimate(&s.drift, &e) && e.trusted)
      fail_msg("flat series trusted a slope of %.3g a day at day %.1f",
               e.slope * DAY, (t - MONDAY) / DAY);
  }
}

/* Bounded influence: one absurd value (a counter's wrap read as a rate)
 * in the middle of a fill moves the slope by little and is no level. */
static void test_one_wild_value_is_bounded(void **state) {
  (void)state;
  series_t s;
  series_init(&s);
  test_rng_t rng = {.state = 6};
  fill_t f = {.start = 50, .per_day = 5};
  double t = feed_fill(&s, &f, MONDAY, 2, &rng);
  series_feed(&s, t, 3e17);
  t = feed_fill(&s, &f, t + STEP, 1, &rng);
  ad_drift_estimate_t e;
  assert_true(ad_drift_estimate(&s.drift, &e));
  assert_double_near(e.slope * DAY / GIB, 5.0, 0.5);
  assert_true(e.level < 70 * GIB);
  assert_null(ad_drift_invalid(&s.drift));
}

/* The outlook follows the trend with its daily shape, a third as far off
 * the next day as the seasonal forecast alone (which has no trend), and
 * its interval widens the further ahead it looks. */
static void test_the_outlook_follows_the_trend(void **state) {
  (void)state;
  series_t s;
  series_init(&s);
  test_rng_t rng = {.state = 7};
  fill_t f = {.start = 40, .per_day = 5, .wave = 3};
  double now = feed_fill(&s, &f, MONDAY, 4, &rng);
  double worst = 0, worst_seasonal = 0, scale_1h = 0, scale_24h = 0;
  for (int h = 1; h <= 24; h++) {
    double t = now + 3600.0 * h, seasonal, unused;
    ad_outlook_t o;
    assert_true(ad_outlook_at(&s.season, &s.drift, t, &o));
    assert_true(o.trend);
    assert_true(ad_season_forecast(&s.season, t, &seasonal, &unused));
    double truth = fill_at(&f, t, NULL);
    worst = fmax(worst, fabs(o.expected - truth) / GIB);
    worst_seasonal = fmax(worst_seasonal, fabs(seasonal - truth) / GIB);
    if (h == 1)
      scale_1h = o.scale;
    if (h == 24)
      scale_24h = o.scale;
  }
  if (!(worst < 2.0 && worst < worst_seasonal / 3.0))
    fail_msg("the outlook missed the next day by up to %.2f GiB, the "
             "seasonal forecast by %.2f",
             worst, worst_seasonal);
  assert_true(scale_24h > scale_1h);
}

/* Damaged states are named; a fresh one and a learned one are valid. */
static void test_invalid_states_are_named(void **state) {
  (void)state;
  ad_drift_t d;
  ad_drift_init(&d);
  assert_null(ad_drift_invalid(&d));
  d.noise = -1;
  assert_non_null(ad_drift_invalid(&d));
  ad_drift_init(&d);
  d.open_count = 3;
  d.open_time_sum = 1e9;
  d.open_start = MONDAY;
  assert_non_null(ad_drift_invalid(&d));
  ad_drift_init(&d);
  d.fit.sum_uu = -1;
  assert_non_null(ad_drift_invalid(&d));
}

/* Nothing learned, or values out of order, change nothing harmful. */
static void test_odd_input(void **state) {
  (void)state;
  ad_drift_t d;
  ad_drift_init(&d);
  ad_drift_bucket_t b;
  assert_false(ad_drift_add(&d, MONDAY, NAN, &b));
  assert_false(ad_drift_add(&d, INFINITY, 1.0, &b));
  assert_false(ad_drift_add(&d, MONDAY, 1.0, &b));
  assert_false(ad_drift_add(&d, MONDAY - 10, 1.0, &b)); /* before its bucket */
  assert_true(ad_drift_add(&d, MONDAY + AD_DRIFT_BUCKET, 2.0, &b));
  assert_double_near(b.mean, 1.0, 1e-12);
  ad_drift_estimate_t e;
  assert_false(ad_drift_estimate(&d, &e));
  assert_false(e.trusted);
  ad_timeleft_t left;
  assert_false(ad_timeleft(&e, 100, MONDAY, &left));
  ad_drift_learn(&d, MONDAY, 1.0, 0.0, 0.0);
  ad_drift_learn(&d, MONDAY - 1, 1.0, 0.0, 0.0); /* out of order: ignored */
  assert_int_equal(d.buckets, 1);
}

TEST_MAIN(cmocka_unit_test(test_a_linear_fill),
          cmocka_unit_test(test_a_fill_with_a_daily_shape),
          cmocka_unit_test(test_deletions_are_steps),
          cmocka_unit_test(test_wobbles_head_nowhere),
          cmocka_unit_test(test_a_flat_series_has_no_trend),
          cmocka_unit_test(test_one_wild_value_is_bounded),
          cmocka_unit_test(test_the_outlook_follows_the_trend),
          cmocka_unit_test(test_invalid_states_are_named),
          cmocka_unit_test(test_odd_input))
