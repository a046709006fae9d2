/* Unit tests: ad_level (OKAY/WARNING/FAILURE with hits and hysteresis). */
#include "test_util.h"

#include "detectors/ad_level.h"

#include <errno.h>

static const ad_level_params_t params = {
    .warning = 0.4, .failure = 0.6, .hysteresis = 0.1, .hits = 1};

static void test_classify(void **state) {
  (void)state;
  static const struct {
    double risk;
    ad_level_t want;
  } cases[] = {
      {0.0, AD_LEVEL_OKAY},    {0.39, AD_LEVEL_OKAY},
      {0.4, AD_LEVEL_WARNING}, {0.59, AD_LEVEL_WARNING},
      {0.6, AD_LEVEL_FAILURE}, {1.0, AD_LEVEL_FAILURE},
      {NAN, AD_LEVEL_OKAY},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
    assert_int_equal(ad_level_of_risk(&params, cases[i].risk), cases[i].want);
}

static void test_hysteresis_targets(void **state) {
  (void)state;
  static const struct {
    ad_level_t current;
    double risk;
    ad_level_t want;
  } cases[] = {
      /* up moves ignore hysteresis */
      {AD_LEVEL_OKAY, 0.45, AD_LEVEL_WARNING},
      {AD_LEVEL_OKAY, 0.65, AD_LEVEL_FAILURE},
      {AD_LEVEL_WARNING, 0.61, AD_LEVEL_FAILURE},
      /* down moves need the risk below threshold - hysteresis */
      {AD_LEVEL_WARNING, 0.35, AD_LEVEL_WARNING},
      {AD_LEVEL_WARNING, 0.29, AD_LEVEL_OKAY},
      {AD_LEVEL_FAILURE, 0.55, AD_LEVEL_FAILURE},
      {AD_LEVEL_FAILURE, 0.45, AD_LEVEL_WARNING},
      {AD_LEVEL_FAILURE, 0.35, AD_LEVEL_WARNING},
      {AD_LEVEL_FAILURE, 0.1, AD_LEVEL_OKAY},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
    assert_int_equal(ad_level_target(&params, cases[i].risk, cases[i].current),
                     cases[i].want);
}

/* Feeds risks and returns the number of level changes; levels[] gets the
 * level after each risk. */
static int feed(ad_level_state_t *st, const ad_level_params_t *p,
                const double *risks, size_t n, ad_level_t *levels) {
  int changes = 0;
  for (size_t i = 0; i < n; i++) {
    if (ad_level_update(st, p, risks[i], NULL))
      changes++;
    levels[i] = (ad_level_t)st->level;
  }
  return changes;
}

static void test_hits_apply_both_ways(void **state) {
  (void)state;
  ad_level_params_t p = params;
  p.hits = 3;
  ad_level_state_t st;
  ad_level_init(&st);
  const double risks[] = {0.9, 0.9, 0.1, 0.9, 0.9, 0.9,
                          0.1, 0.1, 0.9, 0.1, 0.1, 0.1};
  const ad_level_t want[] = {
      AD_LEVEL_OKAY,    AD_LEVEL_OKAY,    AD_LEVEL_OKAY,    AD_LEVEL_OKAY,
      AD_LEVEL_OKAY,    AD_LEVEL_FAILURE, AD_LEVEL_FAILURE, AD_LEVEL_FAILURE,
      AD_LEVEL_FAILURE, AD_LEVEL_FAILURE, AD_LEVEL_FAILURE, AD_LEVEL_OKAY};
  ad_level_t got[ARRAY_SIZE(risks)];
  assert_int_equal(feed(&st, &p, risks, ARRAY_SIZE(risks), got), 2);
  for (size_t i = 0; i < ARRAY_SIZE(risks); i++)
    assert_int_equal(got[i], want[i]);
}

static void test_nan_is_no_observation(void **state) {
  (void)state;
  ad_level_params_t p = params;
  p.hits = 2;
  ad_level_state_t st;
  ad_level_init(&st);
  /* A NaN between two hits neither resets nor counts. */
  const double risks[] = {0.9, NAN, 0.9, NAN, NAN};
  ad_level_t got[ARRAY_SIZE(risks)];
  assert_int_equal(feed(&st, &p, risks, ARRAY_SIZE(risks), got), 1);
  assert_int_equal(got[1], AD_LEVEL_OKAY);
  assert_int_equal(got[2], AD_LEVEL_FAILURE);
  assert_int_equal(got[4], AD_LEVEL_FAILURE);
}

static void test_previous_level_reported(void **state) {
  (void)state;
  ad_level_state_t st;
  ad_level_init(&st);
  ad_level_t previous = AD_LEVEL_FAILURE;
  assert_true(ad_level_update(&st, &params, 0.5, &previous));
  assert_int_equal(previous, AD_LEVEL_OKAY);
  assert_true(ad_level_update(&st, &params, 0.7, &previous));
  assert_int_equal(previous, AD_LEVEL_WARNING);
  assert_false(ad_level_update(&st, &params, 0.55, &previous));
  assert_true(ad_level_update(&st, &params, 0.0, &previous));
  assert_int_equal(previous, AD_LEVEL_FAILURE);
  assert_int_equal(st.level, AD_LEVEL_OKAY);
}

static void test_names(void **state) {
  (void)state;
  assert_string_equal(ad_level_name(AD_LEVEL_WARNING), "WARNING");
  assert_string_equal(ad_level_risk_name(AD_LEVEL_FAILURE), "HIGH");
  ad_level_t l;
  assert_int_equal(ad_level_parse("failure", &l), 0);
  assert_int_equal(l, AD_LEVEL_FAILURE);
  assert_int_equal(ad_level_parse("bad", &l), EINVAL);
}

TEST_MAIN(cmocka_unit_test(test_classify),
          cmocka_unit_test(test_hysteresis_targets),
          cmocka_unit_test(test_hits_apply_both_ways),
          cmocka_unit_test(test_nan_is_no_observation),
          cmocka_unit_test(test_previous_level_reported),
          cmocka_unit_test(test_names))
