/* Unit tests: ad_window (sliding window + EMA detector). */
#include "test_util.h"

#include "core/ad_window.h"

#include <errno.h>

static const ad_window_params_t params = {
    .window = 16, .span = 64, .warmup = 32};

/* Feeds n values of a noisy level and returns the highest score seen after
 * warm-up. */
static double feed_noise(ad_window_t *w, test_rng_t *rng, double level,
                         double sigma, int n) {
  double max_score = 0.0;
  for (int i = 0; i < n; i++) {
    ad_detector_output_t out;
    ad_window_update(w, &params, level + sigma * test_rng_normal(rng), &out);
    if (!isnan(out.score) && out.score > max_score)
      max_score = out.score;
  }
  return max_score;
}

static void test_warmup_is_no_observation(void **state) {
  (void)state;
  ad_window_t w;
  ad_window_init(&w);
  ad_detector_output_t out;
  for (unsigned i = 0; i < params.warmup; i++) {
    ad_window_update(&w, &params, i == 5 ? 1e9 : 10.0, &out);
    assert_nan(out.score);
    assert_double_near(out.confidence, 0.0, 0.0);
  }
  ad_window_update(&w, &params, 10.0, &out);
  assert_false(isnan(out.score));
}

/* Table: shapes of deviation against a noisy baseline, and whether they must
 * reach the warning score (0.4) or stay below it. */
static void test_spikes_and_dips(void **state) {
  (void)state;
  static const struct {
    const char *name;
    double offset; /* in noise sigmas */
    int length;    /* values */
    bool flagged;
  } cases[] = {
      {"spike up 20 sigma", 20, 1, true},
      {"dip down 20 sigma", -20, 1, true},
      {"spike up 8 sigma", 8, 1, true},
      {"ordinary 2 sigma", 2, 1, false},
      {"ordinary -2.5 sigma", -2.5, 1, false},
      {"burst of 3 at 12 sigma", 12, 3, true},
  };
  for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
    ad_window_t w;
    ad_window_init(&w);
    test_rng_t rng = {.state = 42 + c};
    feed_noise(&w, &rng, 100.0, 1.0, 500);
    double max_score = 0.0;
    ad_detector_output_t out;
    for (int i = 0; i < cases[c].length; i++) {
      ad_window_update(&w, &params, 100.0 + cases[c].offset, &out);
      max_score = fmax(max_score, out.score);
    }
    if (cases[c].flagged != (max_score >= 0.4))
      fail_msg("%s: max score %.3f", cases[c].name, max_score);
    assert_double_near(out.expected, 100.0, 1.0);
    assert_true(out.lower < 100.0 && out.upper > 100.0);
  }
}

static void test_quiet_on_pure_noise(void **state) {
  (void)state;
  ad_window_t w;
  ad_window_init(&w);
  test_rng_t rng = {.state = 7};
  /* 20000 Gaussian values: nothing near the warning score. */
  assert_true(feed_noise(&w, &rng, 50.0, 5.0, 20000) < 0.4);
}

static void test_robust_to_outliers(void **state) {
  (void)state;
  ad_window_t w;
  ad_window_init(&w);
  test_rng_t rng = {.state = 11};
  feed_noise(&w, &rng, 100.0, 1.0, 300);
  double before = w.mean;
  ad_detector_output_t out;
  ad_window_update(&w, &params, 1e6, &out);
  assert_true(out.score > 0.9);
  /* The baseline moved by a few sigmas' worth of EMA step, not by 1e6. */
  assert_double_near(w.mean, before, 0.2);
}

static void test_level_shift_absorbed(void **state) {
  (void)state;
  ad_window_t w;
  ad_window_init(&w);
  test_rng_t rng = {.state = 3};
  feed_noise(&w, &rng, 100.0, 1.0, 300);
  /* A lasting shift by 10 sigma scores at first, then becomes the norm. */
  ad_detector_output_t out;
  ad_window_update(&w, &params, 110.0, &out);
  assert_true(out.score >= 0.4);
  double late = feed_noise(&w, &rng, 110.0, 1.0, 1000);
  (void)late;
  double after = feed_noise(&w, &rng, 110.0, 1.0, 500);
  assert_true(after < 0.4);
  assert_double_near(w.mean, 110.0, 0.5);
}

static void test_nan_and_inf_skipped(void **state) {
  (void)state;
  ad_window_t w;
  ad_window_init(&w);
  test_rng_t rng = {.state = 5};
  feed_noise(&w, &rng, 10.0, 1.0, 100);
  ad_window_t before = w;
  ad_detector_output_t out;
  ad_window_update(&w, &params, NAN, &out);
  assert_nan(out.score);
  ad_window_update(&w, &params, INFINITY, &out);
  assert_nan(out.score);
  assert_memory_equal(&w, &before, sizeof(w));
}

static void test_gap_then_same_level_is_quiet(void **state) {
  (void)state;
  /* The detector counts values, not seconds: a long run of missing values
   * (collectd sends none, or NaN) followed by the usual level is ordinary. */
  ad_window_t w;
  ad_window_init(&w);
  test_rng_t rng = {.state = 9};
  feed_noise(&w, &rng, 20.0, 1.0, 200);
  ad_detector_output_t out;
  for (int i = 0; i < 1000; i++)
    ad_window_update(&w, &params, NAN, &out);
  assert_true(feed_noise(&w, &rng, 20.0, 1.0, 200) < 0.4);
}

static void test_constant_series(void **state) {
  (void)state;
  ad_window_t w;
  ad_window_init(&w);
  ad_detector_output_t out;
  for (int i = 0; i < 200; i++) {
    ad_window_update(&w, &params, 0.0, &out);
    if (i >= (int)params.warmup)
      assert_double_near(out.score, 0.0, 0.0);
  }
  /* The first movement of a flat series is anomalous but finite. */
  ad_window_update(&w, &params, 5.0, &out);
  assert_true(out.score > 0.6 && out.score <= 1.0);
}

static void test_ring_sum_matches_reference(void **state) {
  (void)state;
  /* The running window sum equals a recomputation, after many turns. */
  ad_window_t w;
  ad_window_init(&w);
  test_rng_t rng = {.state = 13};
  for (int i = 0; i < 10007; i++) {
    ad_detector_output_t out;
    ad_window_update(&w, &params, 1e6 + 1e3 * test_rng_normal(&rng), &out);
  }
  double sum = 0.0;
  for (unsigned i = 0; i < w.fill; i++)
    sum += w.ring[i];
  assert_int_equal(w.fill, params.window);
  assert_double_near(w.ring_sum, sum, 1e-6 * fabs(sum));
}

static void test_score_function(void **state) {
  (void)state;
  assert_double_near(ad_window_score_of_z(0.0), 0.0, 0.0);
  assert_double_near(ad_window_score_of_z(AD_WINDOW_Z_WARNING), 0.4, 1e-3);
  double previous = 0.0;
  for (double z = 0.0; z < 100.0; z += 0.5) {
    double s = ad_window_score_of_z(z);
    assert_true(s >= previous && s <= 1.0);
    previous = s;
  }
}

static void test_params_validated(void **state) {
  (void)state;
  static const struct {
    ad_window_params_t p;
    int want;
  } cases[] = {
      {{16, 64, 32}, 0},
      {{1, 64, 32}, EINVAL},
      {{AD_WINDOW_MAX + 1, 64, 100}, EINVAL},
      {{16, 1, 32}, EINVAL},
      {{16, 64, 8}, EINVAL},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
    assert_int_equal(ad_window_params_valid(&cases[i].p), cases[i].want);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_warmup_is_no_observation),
      cmocka_unit_test(test_spikes_and_dips),
      cmocka_unit_test(test_quiet_on_pure_noise),
      cmocka_unit_test(test_robust_to_outliers),
      cmocka_unit_test(test_level_shift_absorbed),
      cmocka_unit_test(test_nan_and_inf_skipped),
      cmocka_unit_test(test_gap_then_same_level_is_quiet),
      cmocka_unit_test(test_constant_series),
      cmocka_unit_test(test_ring_sum_matches_reference),
      cmocka_unit_test(test_score_function),
      cmocka_unit_test(test_params_validated),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
