/* Unit tests: ad_meta (weighted meta-classifier). */
#include "test_util.h"

#include "detectors/ad_meta.h"
#include "detectors/ad_risk.h"

#include <string.h>

static const ad_level_params_t levels = {
    .warning = 0.4, .failure = 0.6, .hysteresis = 0.1, .hits = 1};

static ad_detector_output_t member(double score, double confidence) {
  ad_detector_output_t m = AD_DETECTOR_OUTPUT_NONE;
  m.score = score;
  m.confidence = confidence;
  return m;
}

/* The reference: weighted power mean with exponent 4 over the members
 * that have an opinion. */
static double power_mean(const double *s, const double *w) {
  double num = 0, den = 0;
  for (int i = 0; i < AD_DET_COUNT; i++) {
    if (isnan(s[i]))
      continue;
    num += w[i] * pow(s[i], 4);
    den += w[i];
  }
  return pow(num / den, 0.25);
}

static void test_weighted_risk_and_votes(void **state) {
  (void)state;
  static const struct {
    double s[AD_DET_COUNT];
    ad_level_t level;
    unsigned votes_low, votes_medium, votes_high, consensus;
    const char *detected;
  } cases[] = {
      /* seed weights 0.35 / 0.35 / 0.30 */
      {{0.9, 0.9, 0.9},
       AD_LEVEL_FAILURE,
       0,
       0,
       3,
       3,
       "sliding_window,seasonal,isolation_forest"},
      /* one sure member carries most of the way (0.68 of 0.9 here) */
      {{0.9, 0.1, 0.1}, AD_LEVEL_FAILURE, 2, 0, 1, 1, "sliding_window"},
      {{0.5, 0.7, 0.0},
       AD_LEVEL_WARNING,
       1,
       1,
       1,
       1,
       "sliding_window,seasonal"},
      {{0.3, 0.2, 0.1}, AD_LEVEL_OKAY, 3, 0, 0, 3, ""},
      /* a member without opinion: its weight is spread over the others */
      {{0.8, NAN, 0.2}, AD_LEVEL_FAILURE, 1, 0, 1, 1, "sliding_window"},
      {{0.7, NAN, NAN}, AD_LEVEL_FAILURE, 0, 0, 1, 1, "sliding_window"},
  };
  const double weights[AD_DET_COUNT] = {0.35, 0.35, 0.30};
  for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
    ad_detector_output_t m[AD_DET_COUNT];
    for (int i = 0; i < AD_DET_COUNT; i++)
      m[i] = member(cases[c].s[i], 1.0);
    ad_assessment_t a;
    ad_meta_combine(weights, &levels, m, &a);
    assert_double_near(a.risk, power_mean(cases[c].s, weights), 1e-12);
    assert_int_equal(a.level, cases[c].level);
    assert_int_equal(a.votes[AD_LEVEL_OKAY], cases[c].votes_low);
    assert_int_equal(a.votes[AD_LEVEL_WARNING], cases[c].votes_medium);
    assert_int_equal(a.votes[AD_LEVEL_FAILURE], cases[c].votes_high);
    assert_int_equal(a.consensus, cases[c].consensus);
    char names[128];
    assert_string_equal(ad_meta_detected_names(&a, names, sizeof(names)),
                        cases[c].detected);
  }
}

static void test_no_opinion_is_nan(void **state) {
  (void)state;
  const double weights[AD_DET_COUNT] = {0.35, 0.35, 0.30};
  ad_detector_output_t m[AD_DET_COUNT] = {AD_DETECTOR_OUTPUT_NONE,
                                          AD_DETECTOR_OUTPUT_NONE,
                                          AD_DETECTOR_OUTPUT_NONE};
  ad_assessment_t a;
  ad_meta_combine(weights, &levels, m, &a);
  assert_nan(a.risk);
  assert_int_equal(a.level, AD_LEVEL_OKAY);
  assert_int_equal(a.votes[0] + a.votes[1] + a.votes[2], 0);
  assert_double_near(a.confidence, 0.0, 0.0);
}

static void test_zero_weight_member_does_not_vote(void **state) {
  (void)state;
  const double weights[AD_DET_COUNT] = {1.0, 0.0, 0.0};
  ad_detector_output_t m[AD_DET_COUNT] = {member(0.1, 1.0), member(0.99, 1.0),
                                          member(0.99, 1.0)};
  ad_assessment_t a;
  ad_meta_combine(weights, &levels, m, &a);
  assert_double_near(a.risk, 0.1, 1e-12);
  assert_int_equal(a.detected, 0);
  assert_int_equal(a.votes[AD_LEVEL_FAILURE], 0);
  /* still reported, for the explanation */
  assert_double_near(a.member[1].score, 0.99, 0.0);
}

static void test_confidence_discounted_by_disagreement(void **state) {
  (void)state;
  const double weights[AD_DET_COUNT] = {0.35, 0.35, 0.30};
  ad_detector_output_t agree[AD_DET_COUNT] = {
      member(0.9, 0.8), member(0.9, 0.8), member(0.9, 0.8)};
  ad_detector_output_t split[AD_DET_COUNT] = {
      member(0.9, 0.8), member(0.1, 0.8), member(0.9, 0.8)};
  ad_assessment_t a, b;
  ad_meta_combine(weights, &levels, agree, &a);
  ad_meta_combine(weights, &levels, split, &b);
  assert_double_near(a.confidence, 0.8, 1e-12);
  assert_true(b.confidence < a.confidence);
}

static void test_names_truncate_safely(void **state) {
  (void)state;
  ad_assessment_t a = {.detected = 7};
  char small[10];
  ad_meta_detected_names(&a, small, sizeof(small));
  assert_true(strlen(small) < sizeof(small));
  assert_string_equal(ad_detector_name(AD_DET_ISOLATION_FOREST),
                      "isolation_forest");
}

static void test_blind_member_does_not_cancel(void **state) {
  (void)state;
  /* A contextual anomaly: the seasonal member is sure, the sliding window
   * sees an ordinary value. A plain average would give 0.5; the power mean
   * keeps it above FAILURE. */
  const double weights[AD_DET_COUNT] = {0.35, 0.35, 0.30};
  ad_detector_output_t m[AD_DET_COUNT] = {member(0.0, 1.0), member(1.0, 1.0),
                                          AD_DETECTOR_OUTPUT_NONE};
  ad_assessment_t a;
  ad_meta_combine(weights, &levels, m, &a);
  assert_true(a.risk >= 0.6);
  assert_int_equal(a.detected, 1u << AD_DET_SEASONAL);
}

/* A member's surprise to risk: 0.5 for a deviation seen once in `rarity`
 * days, 0.2 more for each tenfold rarer, within 0..1, whatever the
 * interval; the inverse gives the surprise back, and the forms with the
 * logarithms taken once agree with ad_risk to the bit. */
static void test_risk_from_surprise(void **state) {
  (void)state;
  /* 1,440 values a day, once in 10 days: one value in 14,400 */
  double s = log10(14400.0);
  assert_double_near(ad_risk(10.0, s, 1440.0), 0.5, 1e-12);
  assert_double_near(ad_risk(10.0, s + 1.0, 1440.0), 0.7, 1e-12);
  assert_double_near(ad_risk(10.0, s + 1.0, 144.0), 0.9, 1e-12);
  assert_double_near(ad_risk(10.0, 0.0, 1440.0), 0.0, 0);
  assert_double_near(ad_risk(10.0, 12.0, 1440.0), 1.0, 0);
  ad_risk_scale_t ten = ad_risk_scale(10.0, 1440.0);
  assert_double_near(ad_risk_surprise_at_scaled(&ten, 0.4), s - 0.5, 1e-12);
  for (double per_day = 0.5; per_day < 1e6; per_day *= 7.3)
    for (double rarity = 0.1; rarity < 1e4; rarity *= 11.0) {
      ad_risk_scale_t k = ad_risk_scale(rarity, per_day);
      for (double x = 0.0; x < 12.0; x += 0.37)
        assert_true(ad_risk_scaled(&k, x) == ad_risk(rarity, x, per_day));
      for (double r = 0.0; r <= 1.0; r += 0.1)
        assert_double_near(
            ad_risk_scaled(&k, ad_risk_surprise_at_scaled(&k, r)), r, 1e-12);
    }
}

TEST_MAIN(cmocka_unit_test(test_weighted_risk_and_votes),
          cmocka_unit_test(test_risk_from_surprise),
          cmocka_unit_test(test_no_opinion_is_nan),
          cmocka_unit_test(test_blind_member_does_not_cancel),
          cmocka_unit_test(test_zero_weight_member_does_not_vote),
          cmocka_unit_test(test_confidence_discounted_by_disagreement),
          cmocka_unit_test(test_names_truncate_safely))
