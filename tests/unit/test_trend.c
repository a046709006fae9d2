/* Unit tests: ad_trend (how fast a series moves, for explanations). */
#include "test_util.h"

#include "detectors/ad_trend.h"

#define T0 1.7e9

/* Feeds `minutes` 1-minute values of a + slope_h * hours + noise from t. */
static double feed(ad_trend_t *t, double start, int minutes, double a,
                   double slope_h, double noise, test_rng_t *rng) {
  double time = start;
  for (int i = 0; i < minutes; i++, time += 60) {
    double x =
        a + slope_h * (time - T0) / 3600.0 + noise * test_rng_normal(rng);
    ad_trend_update(t, time, x, noise);
  }
  return time;
}

/* A leak on a large level (2 GB, +42 MB/h, noise 15 MB) after three hours
 * of climbing: the slope within a tenth. */
static void test_a_climb_has_its_slope(void **state) {
  (void)state;
  ad_trend_t t;
  ad_trend_init(&t);
  test_rng_t rng = {.state = 1};
  feed(&t, T0, 180, 2e9, 4.2e7, 1.5e7, &rng);
  double slope = ad_trend_per_hour(&t, 1.5e7);
  if (!(fabs(slope - 4.2e7) < 4.2e6))
    fail_msg("slope %.4g per hour, planted 4.2e7", slope);
}

/* Noise alone, or too little history, has no slope. */
static void test_noise_and_youth_have_none(void **state) {
  (void)state;
  ad_trend_t t;
  ad_trend_init(&t);
  test_rng_t rng = {.state = 2};
  feed(&t, T0, 20, 50, 30, 1, &rng);
  assert_nan(ad_trend_per_hour(&t, 1.0)); /* 20 minutes: too young */
  ad_trend_init(&t);
  double time = feed(&t, T0, 600, 50, 0, 1, &rng);
  for (int i = 0; i < 600; i++, time += 60) {
    ad_trend_update(&t, time, 50 + test_rng_normal(&rng), 1.0);
    assert_nan(ad_trend_per_hour(&t, 1.0));
  }
}

/* A step (a restart that ends a leak) is not a slope. */
static void test_a_step_is_not_a_slope(void **state) {
  (void)state;
  ad_trend_t t;
  ad_trend_init(&t);
  test_rng_t rng = {.state = 3};
  double time = feed(&t, T0, 180, 100, 0, 1, &rng);
  for (int i = 0; i < 30; i++, time += 60) {
    ad_trend_update(&t, time, 130 + test_rng_normal(&rng), 1.0);
    assert_nan(ad_trend_per_hour(&t, 1.0));
  }
}

/* One wild value moves the slope by a bounded amount and then fades. */
static void test_one_wild_value_is_bounded(void **state) {
  (void)state;
  ad_trend_t t;
  ad_trend_init(&t);
  test_rng_t rng = {.state = 4};
  double time = feed(&t, T0, 240, 20, 6, 0.5, &rng);
  ad_trend_update(&t, time, 3e17, 0.5);
  ad_trend_t copy = t;
  assert_null(ad_trend_invalid(&copy));
  feed(&t, time + 60, 240, 20, 6, 0.5, &rng);
  double slope = ad_trend_per_hour(&t, 0.5);
  if (!(fabs(slope - 6.0) < 0.6))
    fail_msg("slope %.4g per hour four hours after 3e17, planted 6", slope);
}

/* After a day without values the line starts afresh. */
static void test_a_long_gap_starts_afresh(void **state) {
  (void)state;
  ad_trend_t t;
  ad_trend_init(&t);
  test_rng_t rng = {.state = 5};
  feed(&t, T0, 240, 10, 5, 0.2, &rng);
  assert_false(isnan(ad_trend_per_hour(&t, 0.2)));
  ad_trend_update(&t, T0 + 240 * 60 + 30 * 86400.0, 10, 0.2);
  assert_double_near(t.weight, 1.0, 0.0);
  assert_nan(ad_trend_per_hour(&t, 0.2));
}

/* Absurd times (a hostile packet's) leave sums a file can hold. */
static void test_absurd_times_stay_finite(void **state) {
  (void)state;
  ad_trend_t t;
  ad_trend_init(&t);
  test_rng_t rng = {.state = 6};
  double time = feed(&t, T0, 120, 10, 5, 0.2, &rng);
  ad_trend_update(&t, 1e300, 10, 0.2);
  assert_null(ad_trend_invalid(&t));
  ad_trend_update(&t, time, 1e308, 0.2); /* before the newest: ignored */
  assert_null(ad_trend_invalid(&t));
  ad_trend_update(&t, 1.5e300, 1e308, 0.0);
  assert_null(ad_trend_invalid(&t));
}

/* What a file can hold wrongly is refused. */
static void test_damage_is_refused(void **state) {
  (void)state;
  ad_trend_t t;
  ad_trend_init(&t);
  assert_null(ad_trend_invalid(&t));
  t.sum_xx = -1;
  assert_non_null(ad_trend_invalid(&t));
  ad_trend_init(&t);
  t.weight = INFINITY;
  assert_non_null(ad_trend_invalid(&t));
  ad_trend_init(&t);
  t.weight = 3;
  assert_non_null(ad_trend_invalid(&t)); /* sums without a time */
}

/* Sums that no set of values could have (a damaged file) are named, and
 * learning from any finite sums keeps them finite. */
static void test_sums_apart_are_damage(void **state) {
  (void)state;
  ad_trend_t t;
  ad_trend_init(&t);
  test_rng_t rng = {.state = 9};
  double time = feed(&t, T0, 60, 20, 1, 1, &rng);
  assert_null(ad_trend_invalid(&t));
  ad_trend_t bad = t;
  bad.sum_ux = -1e300;
  assert_non_null(ad_trend_invalid(&bad));
  for (int i = 0; i < 100; i++, time += 60)
    ad_trend_update(&bad, time, 20 + test_rng_normal(&rng), 1.0);
  assert_true(isfinite(bad.sum_xx) && isfinite(bad.sum_ux));
}

TEST_MAIN(cmocka_unit_test(test_sums_apart_are_damage),
          cmocka_unit_test(test_a_climb_has_its_slope),
          cmocka_unit_test(test_noise_and_youth_have_none),
          cmocka_unit_test(test_a_step_is_not_a_slope),
          cmocka_unit_test(test_one_wild_value_is_bounded),
          cmocka_unit_test(test_a_long_gap_starts_afresh),
          cmocka_unit_test(test_absurd_times_stay_finite),
          cmocka_unit_test(test_damage_is_refused))
