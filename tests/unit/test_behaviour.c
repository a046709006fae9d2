/* Unit tests: ad_behaviour (the pattern of a series), on series learned
 * as the plugin learns them (ad_series, default configuration): each
 * planted pattern is recognised. */
#include "test_util.h"

#include "core/ad_config.h"
#include "detectors/ad_behaviour.h"
#include "engine/ad_series.h"

#define MONDAY 1704067200.0
#define DAY 86400.0
#define STEP 300.0

typedef double (*shape_fn)(double t, test_rng_t *rng);

static double wave(double t) { return sin(2 * M_PI * fmod(t, DAY) / DAY); }
static bool weekend(double t) { return ((int)floor(t / DAY) + 3) % 7 >= 5; }

static double stable(double t, test_rng_t *r) {
  (void)t;
  return 100 + test_rng_normal(r);
}
static double rising(double t, test_rng_t *r) {
  return 100 + 10 * (t - MONDAY) / DAY + test_rng_normal(r);
}
static double falling(double t, test_rng_t *r) {
  return 500 - 10 * (t - MONDAY) / DAY + test_rng_normal(r);
}
static double daily(double t, test_rng_t *r) {
  return 50 + 20 * wave(t) + test_rng_normal(r);
}
static double weekly(double t, test_rng_t *r) {
  return (weekend(t) ? 20 : 60) + 2 * wave(t) + test_rng_normal(r);
}
static double volatile_(double t, test_rng_t *r) {
  (void)t;
  return 10 + 6 * test_rng_normal(r);
}
static double sparse(double t, test_rng_t *r) {
  (void)t;
  return test_rng_uniform(r) < 0.1 ? 1.0 : 0.0;
}

static void planted(shape_fn f, double days, ad_behaviour_kind_t want) {
  ad_config_t cfg;
  ad_config_defaults(&cfg);
  ad_series_t *s = malloc(sizeof(*s));
  ad_series_init(s);
  test_rng_t rng = {.state = 11};
  ad_behaviour_t b;
  ad_behaviour_of(&s->season, &s->drift, &b);
  assert_int_equal(b.kind, AD_BEHAVIOUR_LEARNING);
  for (double t = MONDAY; t < MONDAY + days * DAY; t += STEP) {
    ad_series_result_t res;
    ad_series_observe(s, &cfg, t, f(t, &rng), &res);
  }
  ad_behaviour_of(&s->season, &s->drift, &b);
  if (b.kind != want)
    fail_msg("%s, not %s (strength %.2f; slope %.3g a day, seasonal %.2f, "
             "dispersion %.3g, flat %.2f)",
             ad_behaviour_name(b.kind), ad_behaviour_name(want), b.strength,
             b.slope_per_day, b.seasonal_share, b.dispersion, b.flat_share);
  assert_true(b.strength > 0.2 && b.strength <= 1.0);
  free(s);
  ad_config_release(&cfg);
}

static void test_stable(void **state) {
  (void)state;
  planted(stable, 8, AD_BEHAVIOUR_STABLE);
}
static void test_trending_up(void **state) {
  (void)state;
  planted(rising, 8, AD_BEHAVIOUR_TRENDING_UP);
}
static void test_trending_down(void **state) {
  (void)state;
  planted(falling, 8, AD_BEHAVIOUR_TRENDING_DOWN);
}
static void test_seasonal_daily(void **state) {
  (void)state;
  planted(daily, 8, AD_BEHAVIOUR_SEASONAL_DAILY);
}
static void test_seasonal_weekly(void **state) {
  (void)state;
  planted(weekly, 16, AD_BEHAVIOUR_SEASONAL_WEEKLY);
}
static void test_volatile(void **state) {
  (void)state;
  planted(volatile_, 8, AD_BEHAVIOUR_VOLATILE);
}
static void test_sparse(void **state) {
  (void)state;
  planted(sparse, 8, AD_BEHAVIOUR_SPARSE);
}

static void test_names(void **state) {
  (void)state;
  assert_string_equal(ad_behaviour_name(AD_BEHAVIOUR_SEASONAL_WEEKLY),
                      "seasonal (weekly)");
  assert_string_equal(ad_behaviour_name((ad_behaviour_kind_t)99), "learning");
}

TEST_MAIN(cmocka_unit_test(test_stable), cmocka_unit_test(test_trending_up),
          cmocka_unit_test(test_trending_down),
          cmocka_unit_test(test_seasonal_daily),
          cmocka_unit_test(test_seasonal_weekly),
          cmocka_unit_test(test_volatile), cmocka_unit_test(test_sparse),
          cmocka_unit_test(test_names))
