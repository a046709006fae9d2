/* Unit tests: ad_window (sliding window + EMA detector). */
#include "test_util.h"

#include "detectors/ad_resolution.h"
#include "detectors/ad_window.h"

#include <errno.h>
#include <float.h>

/* every value teaches fully; no resolution floor */
static const ad_learn_t LEARN_ALL = {.weight = 1.0, .resolution = 0.0};

static const ad_window_params_t params = {
    .window = 16, .span = 64, .warmup = 32};

#define BAND 5.0

/* Records are remembered for this many values. */
#define RECORD_MEMORY 10000.0

static ad_window_views_t last_views;

static void update(ad_window_t *w, double x, ad_detector_output_t *out) {
  ad_window_update(w, &params, x, BAND, &LEARN_ALL, RECORD_MEMORY, out,
                   &last_views);
}

/* Feeds n values of a noisy level and returns the largest deviation seen
 * after warm-up. */
static double feed_noise(ad_window_t *w, test_rng_t *rng, double level,
                         double sigma, int n) {
  double max_deviation = 0.0;
  for (int i = 0; i < n; i++) {
    ad_detector_output_t out;
    update(w, level + sigma * test_rng_normal(rng), &out);
    if (!isnan(out.deviation) && out.deviation > max_deviation)
      max_deviation = out.deviation;
  }
  return max_deviation;
}

static void test_warmup_is_no_observation(void **state) {
  (void)state;
  ad_window_t w;
  ad_window_init(&w);
  ad_detector_output_t out;
  for (unsigned i = 0; i < params.warmup; i++) {
    update(&w, i == 5 ? 1e9 : 10.0, &out);
    assert_nan(out.deviation);
    assert_double_near(out.confidence, 0.0, 0.0);
  }
  update(&w, 10.0, &out);
  assert_false(isnan(out.deviation));
  /* the detector does not calibrate itself: that is the series' job */
  assert_nan(out.surprise);
  assert_nan(out.score);
}

/* Table: shapes of deviation against a noisy baseline, and whether they must
 * stand out (a deviation of at least 6 baseline deviations) or not (below
 * 4). */
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
    double max_deviation = 0.0;
    ad_detector_output_t out;
    for (int i = 0; i < cases[c].length; i++) {
      update(&w, 100.0 + cases[c].offset, &out);
      max_deviation = fmax(max_deviation, out.deviation);
    }
    if (cases[c].flagged ? max_deviation < 6.0 : max_deviation >= 4.0)
      fail_msg("%s: max deviation %.3f", cases[c].name, max_deviation);
    assert_double_near(out.expected, 100.0, 1.0);
    /* the band is BAND baseline deviations (about 1 here) each side */
    assert_double_near(out.upper - out.expected, out.expected - out.lower,
                       1e-9);
    assert_double_near(out.upper - out.expected, BAND, 2.0);
  }
}

static void test_quiet_on_pure_noise(void **state) {
  (void)state;
  ad_window_t w;
  ad_window_init(&w);
  test_rng_t rng = {.state = 7};
  /* 20000 Gaussian values: nothing beyond 5.5 deviations (the largest of
   * 20000 normal values is about 4.4). */
  assert_true(feed_noise(&w, &rng, 50.0, 5.0, 20000) < 5.5);
}

static void test_robust_to_outliers(void **state) {
  (void)state;
  ad_window_t w;
  ad_window_init(&w);
  test_rng_t rng = {.state = 11};
  feed_noise(&w, &rng, 100.0, 1.0, 300);
  double before = w.mean;
  ad_detector_output_t out;
  update(&w, 1e6, &out);
  assert_true(out.deviation > 1000);
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
  update(&w, 110.0, &out);
  assert_true(out.deviation >= 8.0);
  (void)feed_noise(&w, &rng, 110.0, 1.0, 1000);
  double after = feed_noise(&w, &rng, 110.0, 1.0, 500);
  assert_true(after < 5.5);
  assert_double_near(w.mean, 110.0, 0.5);
}

static void test_level_shift_accepted_after_a_window(void **state) {
  (void)state;
  ad_window_t w;
  ad_window_init(&w);
  test_rng_t rng = {.state = 4};
  feed_noise(&w, &rng, 100.0, 1.0, 300);
  double scale_before = w.deviation;
  /* A jump by 20 sigma that stays: the first window of it scores high, then
   * the new level is the baseline at once, not after many spans, and the
   * scale has not been blown up by the wait. */
  double first_window = feed_noise(&w, &rng, 120.0, 1.0, (int)params.window);
  assert_true(first_window >= 15.0);
  assert_double_near(w.mean, 120.0, 1.0);
  double after = feed_noise(&w, &rng, 120.0, 1.0, 200);
  assert_true(after < 5.5);
  assert_true(w.deviation < 2.0 * scale_before);
  /* A burst shorter than the window is not a new level. */
  feed_noise(&w, &rng, 150.0, 1.0, (int)params.window - 2);
  assert_double_near(w.mean, 120.0, 5.0);
}

static void test_nan_and_inf_skipped(void **state) {
  (void)state;
  ad_window_t w;
  ad_window_init(&w);
  test_rng_t rng = {.state = 5};
  feed_noise(&w, &rng, 10.0, 1.0, 100);
  ad_window_t before = w;
  ad_detector_output_t out;
  update(&w, NAN, &out);
  assert_nan(out.deviation);
  update(&w, INFINITY, &out);
  assert_nan(out.deviation);
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
    update(&w, NAN, &out);
  assert_true(feed_noise(&w, &rng, 20.0, 1.0, 200) < 5.5);
}

static void test_constant_series(void **state) {
  (void)state;
  ad_window_t w;
  ad_window_init(&w);
  ad_detector_output_t out;
  for (int i = 0; i < 200; i++) {
    update(&w, 0.0, &out);
    if (i >= (int)params.warmup)
      assert_double_near(out.deviation, 0.0, 0.0);
  }
  /* The first movement of a flat series stands out, but is finite. */
  update(&w, 5.0, &out);
  assert_true(out.deviation > 100 && isfinite(out.deviation));
}

static void test_bursty_series_keeps_a_scale(void **state) {
  (void)state;
  /* Zero most of the time, a burst of about 1e7 every 50 values (disk
   * writes): the bursts must not look like 1e12 deviations, or every burst
   * would be the end of the world. */
  ad_window_t w;
  ad_window_init(&w);
  test_rng_t rng = {.state = 21};
  double largest_late = 0.0;
  for (int i = 0; i < 5000; i++) {
    ad_detector_output_t out;
    double x = i % 50 == 0 ? 1e7 * (1 + 0.2 * test_rng_normal(&rng)) : 0.0;
    update(&w, x, &out);
    if (i > 2500 && !isnan(out.deviation))
      largest_late = fmax(largest_late, out.deviation);
  }
  assert_true(largest_late > 10.0);
  assert_true(largest_late < 1000.0);
}

/* One value of 3e17 (a 64-bit counter's wrap read as a rate) after 2,000
 * values of 20-22: the scale is back near the noise's at once, not +-4e15
 * for days, and a jump to 90 stands out. */
static void test_one_extreme_value_does_not_blind(void **state) {
  (void)state;
  ad_window_t w;
  ad_window_init(&w);
  test_rng_t rng = {.state = 31};
  ad_detector_output_t out;
  for (int i = 0; i < 2000; i++)
    update(&w, 20 + 2 * test_rng_uniform(&rng), &out);
  double scale = out.scale;
  update(&w, 3e17, &out);
  assert_true(out.deviation > 1e15);
  update(&w, 21, &out);
  assert_true(out.scale < 5 * scale);
  assert_true(out.upper - out.lower < 100);
  assert_true(w.record_max < 100);
  for (int i = 0; i < 2880; i++)
    update(&w, 20 + 2 * test_rng_uniform(&rng), &out);
  update(&w, 90, &out);
  assert_true(out.deviation > 50);
}

/* One wild value in the warm-up, and three: left out when it ends, the
 * estimates are those of the calm values. Bursty warm-ups keep theirs. */
static void test_wild_warmup_values_left_out(void **state) {
  (void)state;
  static const struct {
    double wild;
    int count;
  } cases[] = {{1e30, 1}, {-1e12, 1}, {3e17, 3}, {5e5, 2}};
  for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
    ad_window_t w;
    ad_window_init(&w);
    test_rng_t rng = {.state = 7 + c};
    ad_detector_output_t out;
    for (unsigned i = 0; i < params.warmup; i++) {
      bool wild = i % 7 == 2 && (int)(i / 7) < cases[c].count;
      update(&w, wild ? cases[c].wild : 10 + test_rng_normal(&rng), &out);
    }
    assert_true(last_views.warmed);
    assert_int_equal(last_views.wild, cases[c].count);
    assert_double_near(w.mean, 10, 1);
    assert_true(w.deviation < 2 && w.spread < 2);
    assert_true(w.record_max < 20 && w.record_min > 0);
    update(&w, 10, &out);
    assert_true(out.deviation < 3);
    update(&w, 30, &out);
    assert_true(out.deviation > 6);
  }
  /* a bursty warm-up (8 bursts of 32 values): nothing is wild */
  ad_window_t w;
  ad_window_init(&w);
  ad_detector_output_t out;
  for (unsigned i = 0; i < params.warmup; i++)
    update(&w, i % 4 == 0 ? 90 : 0.1, &out);
  assert_true(last_views.warmed);
  assert_int_equal(last_views.wild, 0);
  assert_true(w.deviation > 10);
}

/* Whatever finite values come, the state stays finite. */
static void test_any_finite_input_keeps_state_finite(void **state) {
  (void)state;
  static const double extreme[] = {DBL_MAX, -DBL_MAX, 1e308, -1e300,
                                   5e-324,  1e-300,   0.0,   3.4e38};
  ad_window_t w;
  ad_window_init(&w);
  ad_detector_output_t out;
  for (int i = 0; i < 500; i++) {
    update(&w, extreme[i % ARRAY_SIZE(extreme)], &out);
    assert_true(isfinite(w.mean) && isfinite(w.deviation) &&
                isfinite(w.spread) && isfinite(w.ring_sum) &&
                isfinite(w.recent));
    assert_null(ad_window_invalid(&w, &params));
  }
}

/* The ring's sum is its sum exactly, after values far apart in size have
 * passed through it: a running sum kept the rounding of a value long gone
 * (1e30 + 10 - 1e30 = 0), and the loader refused what was saved (found by
 * fuzz_state). */
static void test_ring_sum_is_exact(void **state) {
  (void)state;
  ad_window_t w;
  ad_window_init(&w);
  ad_detector_output_t out;
  for (int i = 0; i < 200; i++) {
    update(&w, i % 17 == 0 ? 1e30 : 10.0 + i % 5, &out);
    double sum = 0.0;
    for (unsigned k = 0; k < w.fill; k++)
      sum += w.ring[k];
    assert_true(w.ring_sum == sum);
    assert_null(ad_window_invalid(&w, &params));
  }
}

static void test_ring_sum_matches_reference(void **state) {
  (void)state;
  /* The running window sum equals a recomputation, after many turns. */
  ad_window_t w;
  ad_window_init(&w);
  test_rng_t rng = {.state = 13};
  for (int i = 0; i < 10007; i++) {
    ad_detector_output_t out;
    update(&w, 1e6 + 1e3 * test_rng_normal(&rng), &out);
  }
  double sum = 0.0;
  for (unsigned i = 0; i < w.fill; i++)
    sum += w.ring[i];
  assert_int_equal(w.fill, params.window);
  assert_double_near(w.ring_sum, sum, 1e-6 * fabs(sum));
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

static void test_record_view(void **state) {
  (void)state;
  /* Values in 0..10 for a while: a 12 is beyond the record by a fifth of
   * the range, a 9 is no record at all. */
  ad_window_t w;
  ad_window_init(&w);
  ad_detector_output_t out;
  for (int i = 0; i < 500; i++)
    update(&w, (double)(i % 11), &out);
  update(&w, 9.0, &out);
  assert_double_near(last_views.record, 0.0, 0.0);
  update(&w, 12.0, &out);
  assert_double_near(last_views.record, 0.2, 0.02);
  update(&w, -5.0, &out);
  assert_double_near(last_views.record, 5.0 / 12.0, 0.05);
}

static void test_dispersion_view(void **state) {
  (void)state;
  /* A noisy series that goes flat: the recent spread collapses against the
   * long-run one and the dispersion view grows; while it was noisy it
   * stayed small. */
  ad_window_t w;
  ad_window_init(&w);
  test_rng_t rng = {.state = 31};
  ad_detector_output_t out;
  double noisy = 0.0;
  for (int i = 0; i < 2000; i++) {
    update(&w, 50 + 5 * test_rng_normal(&rng), &out);
    if (i > 500)
      noisy = fmax(noisy, last_views.dispersion);
  }
  if (!(noisy < 1.5))
    fail_msg("noisy dispersion %g", noisy);
  for (int i = 0; i < 40; i++)
    update(&w, 50.0, &out);
  if (!(last_views.dispersion > 1.6))
    fail_msg("flat dispersion %g", last_views.dispersion);
}

/* The step a series' values come in: pages, whole numbers, tenths, or
 * none; zeros say nothing; it only ever gets finer. */
static void test_resolution(void **state) {
  (void)state;
  static const struct {
    double values[4];
    double resolution;
  } cases[] = {
      {{0, 0, 0, 0}, NAN},         {{0, 8192, 0, 4096}, 4096},
      {{0, 1, 0, 2}, 1},           {{100, 101, 160, 0}, 1},
      {{12.5, 13, 0, 0}, 0.5},     {{0.3, 12.1, 7, 0}, 0.1},
      {{37.91234567, 0, 0, 0}, 0}, {{4096, 1, 0.001, 3.14159}, 0},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    double r = NAN;
    for (int k = 0; k < 4; k++)
      r = ad_resolution_learn(r, cases[i].values[k]);
    if (!(r == cases[i].resolution || (isnan(r) && isnan(cases[i].resolution))))
      fail_msg("case %zu: resolution %g, not %g", i, r, cases[i].resolution);
    assert_null(ad_resolution_invalid(r));
  }
  assert_non_null(ad_resolution_invalid(3.0));
  assert_non_null(ad_resolution_invalid(-1.0));
}

TEST_MAIN(cmocka_unit_test(test_warmup_is_no_observation),
          cmocka_unit_test(test_resolution),
          cmocka_unit_test(test_spikes_and_dips),
          cmocka_unit_test(test_quiet_on_pure_noise),
          cmocka_unit_test(test_robust_to_outliers),
          cmocka_unit_test(test_level_shift_absorbed),
          cmocka_unit_test(test_level_shift_accepted_after_a_window),
          cmocka_unit_test(test_nan_and_inf_skipped),
          cmocka_unit_test(test_gap_then_same_level_is_quiet),
          cmocka_unit_test(test_constant_series),
          cmocka_unit_test(test_one_extreme_value_does_not_blind),
          cmocka_unit_test(test_wild_warmup_values_left_out),
          cmocka_unit_test(test_any_finite_input_keeps_state_finite),
          cmocka_unit_test(test_ring_sum_is_exact),
          cmocka_unit_test(test_ring_sum_matches_reference),
          cmocka_unit_test(test_bursty_series_keeps_a_scale),
          cmocka_unit_test(test_record_view),
          cmocka_unit_test(test_dispersion_view),
          cmocka_unit_test(test_params_validated))
