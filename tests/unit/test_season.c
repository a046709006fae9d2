/* Unit tests: ad_season (the seasonal forecaster), one behaviour each, on
 * synthetic 5-minute series starting Monday 2024-01-01 00:00 UTC. */
#include "test_util.h"

#include "detectors/ad_season.h"

/* every value teaches fully; no resolution floor */
static const ad_learn_t LEARN_ALL = {.weight = 1.0, .resolution = 0.0};

#define MONDAY 1704067200.0
#define STEP 300.0
#define DAY 86400.0

static const ad_season_params_t params = {.level_time = 14400,
                                          .shift_acceptance = 3600,
                                          .day_memory = 7,
                                          .week_memory = 1,
                                          .warmup = 32};

static double hour_of(double t) { return fmod(t, DAY) / 3600.0; }

/* Monday=0 ... Sunday=6 */
static int weekday_of(double t) { return ((int)floor(t / DAY) + 3) % 7; }

/* A busy service: a daily wave and quieter weekends. */
static double busy(double t) {
  double level = weekday_of(t) < 5 ? 100.0 : 60.0;
  return level + 20.0 * sin(2 * M_PI * (hour_of(t) - 6.0) / 24.0);
}

typedef double (*shape_t)(double t);

/* Feeds `days` days of shape + noise from `start`; returns the largest
 * deviation seen on the last day and the RMS forecast error then. */
static void feed(ad_season_t *s, double start, double days, shape_t shape,
                 double noise, test_rng_t *rng, double *max_dev, double *rms) {
  double sum2 = 0, n = 0, worst = 0;
  double end = start + days * DAY;
  for (double t = start; t < end; t += STEP) {
    ad_detector_output_t out;
    double x = shape(t) + noise * test_rng_normal(rng);
    ad_season_update(s, &params, t, x, 4.0, &LEARN_ALL, &out);
    if (t >= end - DAY && !isnan(out.deviation)) {
      worst = fmax(worst, out.deviation);
      sum2 += (x - out.expected) * (x - out.expected);
      n++;
    }
  }
  if (max_dev != NULL)
    *max_dev = worst;
  if (rms != NULL)
    *rms = sqrt(sum2 / fmax(n, 1));
}

/* Deviation of one value at time t, without affecting the test's series
 * (scores a copy). */
static double deviation_at(const ad_season_t *s, double t, double x) {
  ad_season_t copy = *s;
  ad_detector_output_t out;
  ad_season_update(&copy, &params, t, x, 4.0, &LEARN_ALL, &out);
  return out.deviation;
}

static void test_daily_and_weekly_cycles_learned(void **state) {
  (void)state;
  ad_season_t s;
  ad_season_init(&s);
  test_rng_t rng = {.state = 1};
  double worst, rms;
  feed(&s, MONDAY, 28, busy, 2.0, &rng, &worst, &rms);
  /* After four weeks the forecast is within noise, both profiles are in
   * use, and ordinary values stay ordinary. */
  assert_true(ad_season_day_weight(&s) > 0.99);
  assert_true(ad_season_week_weight(&s) > 0.99);
  if (!(rms < 3.0))
    fail_msg("RMS forecast error %.2f on noise 2", rms);
  if (!(worst < 5.0))
    fail_msg("largest deviation of an ordinary day %.2f", worst);
  /* Saturday is expected quieter than Friday at the same hour. */
  double fri, sat, scale;
  assert_true(
      ad_season_forecast(&s, MONDAY + 32 * DAY + 12 * 3600, &fri, &scale));
  assert_true(
      ad_season_forecast(&s, MONDAY + 33 * DAY + 12 * 3600, &sat, &scale));
  assert_double_near(fri - sat, 40.0, 6.0);
}

static void test_spike_stands_out(void **state) {
  (void)state;
  ad_season_t s;
  ad_season_init(&s);
  test_rng_t rng = {.state = 2};
  feed(&s, MONDAY, 21, busy, 2.0, &rng, NULL, NULL);
  double t = MONDAY + 21 * DAY + 10 * 3600;
  assert_true(deviation_at(&s, t, busy(t) + 60.0) > 10.0);
  assert_true(deviation_at(&s, t, busy(t) - 60.0) > 10.0);
  assert_true(deviation_at(&s, t, busy(t) + 2.0) < 3.0);
}

static double flat(double t) {
  (void)t;
  return 50.0;
}

static void test_level_shift_accepted_after_it_persists(void **state) {
  (void)state;
  ad_season_t s;
  ad_season_init(&s);
  test_rng_t rng = {.state = 3};
  feed(&s, MONDAY, 7, flat, 1.0, &rng, NULL, NULL);
  /* A deploy doubles the baseline: anomalous at first, the new normal
   * after ShiftAcceptance (an hour). */
  double t = MONDAY + 7 * DAY, first = 0, after = 0;
  for (int i = 0; i < 36; i++, t += STEP) {
    ad_detector_output_t out;
    ad_season_update(&s, &params, t, 100.0 + test_rng_normal(&rng), 4.0,
                     &LEARN_ALL, &out);
    if (i == 0)
      first = out.deviation;
    if (i >= 18)
      after = fmax(after, out.deviation);
  }
  assert_true(first > 20.0);
  if (!(after < 4.0))
    fail_msg("still %.2f scales off 90 minutes after the shift", after);
}

/* A climb (a leak: 3 scales an hour for 6 hours) is not a new level while
 * it goes on: the forecaster takes over no shift and keeps the climb far
 * outside its band; once it stops and holds, it is taken over as one
 * shift, within two ShiftAcceptance. */
static void test_a_climb_is_no_shift_until_it_stops(void **state) {
  (void)state;
  ad_season_t s;
  ad_season_init(&s);
  test_rng_t rng = {.state = 4};
  feed(&s, MONDAY, 7, flat, 1.0, &rng, NULL, NULL);
  uint32_t before = s.shifts;
  double t = MONDAY + 7 * DAY, climb = 0, last_dev = 0;
  ad_detector_output_t out;
  for (; climb < 18.0; t += STEP, climb += 3.0 * STEP / 3600.0) {
    ad_season_update(&s, &params, t, 50.0 + climb + test_rng_normal(&rng), 4.0,
                     &LEARN_ALL, &out);
    last_dev = out.deviation;
  }
  if (s.shifts != before)
    fail_msg("%u shifts taken over during the climb", s.shifts - before);
  if (!(last_dev > 6.0))
    fail_msg("the climb's last value only %.2f scales off", last_dev);
  double stopped = t;
  for (; t < stopped + 3 * 3600 && s.shifts == before; t += STEP)
    ad_season_update(&s, &params, t, 68.0 + test_rng_normal(&rng), 4.0,
                     &LEARN_ALL, &out);
  if (s.shifts != before + 1 || t - stopped > 2 * params.shift_acceptance)
    fail_msg("%u shifts %.0f min after the climb stopped", s.shifts - before,
             (t - stopped) / 60.0);
  assert_double_near(s.shift_to, 68.0, 3.0);
}

/* Quiet nights, busy days: ordinary at noon is not ordinary at 03:00. */
static double office(double t) {
  double h = hour_of(t);
  return h >= 8 && h < 18 ? 80.0 : 20.0;
}

static void test_contextual_anomaly(void **state) {
  (void)state;
  ad_season_t s;
  ad_season_init(&s);
  test_rng_t rng = {.state = 4};
  feed(&s, MONDAY, 14, office, 2.0, &rng, NULL, NULL);
  double night = MONDAY + 14 * DAY + 3 * 3600, noon = night + 9 * 3600;
  assert_true(deviation_at(&s, noon, 80.0) < 3.0);
  assert_true(deviation_at(&s, night, 80.0) > 8.0);
}

/* A nightly backup: 02:00-03:00 every day. */
static double backup(double t) {
  double h = hour_of(t);
  return h >= 2 && h < 3 ? 90.0 : 10.0;
}

static void test_missed_recurring_event(void **state) {
  (void)state;
  ad_season_t s;
  ad_season_init(&s);
  test_rng_t rng = {.state = 5};
  feed(&s, MONDAY, 14, backup, 1.0, &rng, NULL, NULL);
  double t = MONDAY + 14 * DAY + 2.5 * 3600;
  /* The backup running is ordinary; the backup not running is not (the
   * hour's noise scale is blurred by the backup's edges, so "far out" is
   * a little less far than at a quiet hour). */
  assert_true(deviation_at(&s, t, 90.0) < 3.0);
  double missed = deviation_at(&s, t, 10.0);
  if (!(missed > 6.0))
    fail_msg("the missed backup deviates only %.2f scales", missed);
}

/* A weekly job: Wednesday 11:00-12:00. */
static double weekly_job(double t) {
  double h = hour_of(t);
  return weekday_of(t) == 2 && h >= 11 && h < 12 ? 90.0 : 10.0;
}

static void test_weekly_job_learned_once_it_recurred(void **state) {
  (void)state;
  ad_season_t s;
  ad_season_init(&s);
  test_rng_t rng = {.state = 6};
  double peak[4] = {0};
  for (double t = MONDAY; t < MONDAY + 28 * DAY; t += STEP) {
    ad_detector_output_t out;
    ad_season_update(&s, &params, t, weekly_job(t) + test_rng_normal(&rng), 4.0,
                     &LEARN_ALL, &out);
    int week = (int)((t - MONDAY) / (7 * DAY));
    if (weekly_job(t) > 50 && !isnan(out.deviation))
      peak[week] = fmax(peak[week], out.deviation);
  }
  /* New the first time; ordinary from its first recurrence on (the edges of
   * the hour aside, which the hour-wide bins smooth). */
  assert_true(peak[0] > 20.0);
  for (int w = 1; w < 4; w++) {
    double mid =
        deviation_at(&s, MONDAY + (7.0 * w + 2) * DAY + 11.5 * 3600, 90.0);
    (void)mid;
  }
  double next = MONDAY + 30 * DAY + 11.5 * 3600; /* week 5's Wednesday */
  if (!(deviation_at(&s, next, 90.0) < 3.0))
    fail_msg("the weekly job still deviates %.2f scales",
             deviation_at(&s, next, 90.0));
  assert_true(deviation_at(&s, next, 10.0) > 5.0); /* and missing it is news */
  assert_true(peak[2] < peak[0] / 2);
}

static void test_gaps_are_harmless(void **state) {
  (void)state;
  ad_season_t s;
  ad_season_init(&s);
  test_rng_t rng = {.state = 7};
  feed(&s, MONDAY, 14, busy, 2.0, &rng, NULL, NULL);
  /* Six hours without data, then three days: the forecast after each gap
   * still knows the time of day. */
  static const double gaps[] = {6 * 3600.0, 3 * DAY};
  double t = MONDAY + 14 * DAY;
  for (size_t g = 0; g < ARRAY_SIZE(gaps); g++) {
    t += gaps[g];
    double worst = 0;
    for (int i = 0; i < 24; i++, t += STEP) {
      ad_detector_output_t out;
      ad_season_update(&s, &params, t, busy(t) + 2.0 * test_rng_normal(&rng),
                       4.0, &LEARN_ALL, &out);
      worst = fmax(worst, out.deviation);
    }
    if (!(worst < 5.0))
      fail_msg("gap %zu: deviation %.2f after it", g, worst);
  }
}

static void test_cold_start_says_so(void **state) {
  (void)state;
  ad_season_t s;
  ad_season_init(&s);
  test_rng_t rng = {.state = 8};
  ad_detector_output_t out;
  double t = MONDAY;
  for (unsigned i = 0; i < params.warmup; i++, t += STEP) {
    ad_season_update(&s, &params, t, busy(t) + test_rng_normal(&rng), 4.0,
                     &LEARN_ALL, &out);
    assert_nan(out.deviation);
  }
  ad_season_update(&s, &params, t, busy(t), 4.0, &LEARN_ALL, &out);
  assert_false(isnan(out.deviation));
  /* scoring, but on the plain level: the profiles are not trusted yet */
  assert_true(out.confidence <= 0.5);
  assert_double_near(ad_season_day_weight(&s), 0.0, 0.0);
  /* NaN and infinities are no observation; out-of-order values are not
   * learned */
  ad_season_t before = s;
  ad_season_update(&s, &params, t + STEP, NAN, 4.0, &LEARN_ALL, &out);
  assert_nan(out.deviation);
  ad_season_update(&s, &params, t - DAY, 5.0, 4.0, &LEARN_ALL, &out);
  assert_nan(out.deviation);
  assert_memory_equal(&s, &before, sizeof(s));
}

/* What the forecaster learns from any finite values passes the loader's
 * checks (ad_season_invalid): interpolated learning of the half-hour scales
 * once took a bin below zero on values jumping between 0 and huge (found
 * by fuzz_csv). */
static void test_what_is_learned_is_what_loads(void **state) {
  (void)state;
  static const double wild[] = {0, 1e30, -1e30, 3e17, 0, 0, 5e-324, 1, -7};
  ad_season_t s;
  ad_season_init(&s);
  test_rng_t rng = {.state = 17};
  for (int i = 0; i < 5000; i++) {
    double t = MONDAY + 37.0 * i + 300.0 * test_rng_uniform(&rng);
    double x = i % 3 == 0 ? wild[(i / 3) % ARRAY_SIZE(wild)]
                          : 10 * test_rng_normal(&rng);
    ad_detector_output_t out;
    ad_season_update(&s, &params, t, x, 4.0, &LEARN_ALL, &out);
    const char *why = ad_season_invalid(&s);
    if (why != NULL)
      fail_msg("value %d: %s", i, why);
    for (int b = 0; b < AD_SEASON_SCALE_BINS; b++)
      assert_true(s.day_scale[b] >= 0);
  }
}

TEST_MAIN(cmocka_unit_test(test_daily_and_weekly_cycles_learned),
          cmocka_unit_test(test_spike_stands_out),
          cmocka_unit_test(test_level_shift_accepted_after_it_persists),
          cmocka_unit_test(test_a_climb_is_no_shift_until_it_stops),
          cmocka_unit_test(test_contextual_anomaly),
          cmocka_unit_test(test_missed_recurring_event),
          cmocka_unit_test(test_weekly_job_learned_once_it_recurred),
          cmocka_unit_test(test_gaps_are_harmless),
          cmocka_unit_test(test_cold_start_says_so),
          cmocka_unit_test(test_what_is_learned_is_what_loads))
