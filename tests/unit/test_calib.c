/* Unit tests: ad_calib (raw deviations to surprises). */
#include "test_util.h"

#include "detectors/ad_calib.h"
#include "detectors/ad_detector.h"

#include <string.h>
#include <unistd.h>

static void test_prior_alone(void **state) {
  (void)state;
  ad_calib_t c;
  ad_calib_init(&c);
  /* With no history the prior speaks: P(z) = e^-z, surprise z log10(e). */
  for (double z = 0.5; z < 10; z += 1.5)
    assert_double_near(ad_calib_surprise(&c, z), z * M_LOG10E, 1e-9);
  assert_double_near(ad_calib_surprise(&c, 0.0), 0.0, 0.0);
  assert_nan(ad_calib_surprise(&c, NAN));
}

/* Learns n absolute standard normal deviations. */
static void learn_normal(ad_calib_t *c, int n, double scale, double memory,
                         uint64_t seed) {
  test_rng_t rng = {.state = seed};
  for (int i = 0; i < n; i++)
    ad_calib_learn(c, scale * fabs(test_rng_normal(&rng)), memory);
}

static void test_learns_the_series_own_tails(void **state) {
  (void)state;
  ad_calib_t c;
  ad_calib_init(&c);
  learn_normal(&c, 20000, 1.0, 1e9, 1);
  /* P(|N| > 2) = 0.0455, P(|N| > 3) = 0.0027: surprises 1.34 and 2.57 */
  assert_double_near(ad_calib_surprise(&c, 2.0), 1.34, 0.12);
  assert_double_near(ad_calib_surprise(&c, 3.0), 2.57, 0.2);
  /* a noisier series: the same deviation is less surprising */
  ad_calib_t noisy;
  ad_calib_init(&noisy);
  learn_normal(&noisy, 20000, 3.0, 1e9, 2);
  assert_true(ad_calib_surprise(&noisy, 3.0) < 1.0);
}

static void test_monotone_and_bounded(void **state) {
  (void)state;
  ad_calib_t c;
  ad_calib_init(&c);
  learn_normal(&c, 5000, 1.0, 1e9, 3);
  double previous = -1;
  for (double z = 0; z < 1e7; z = z * 1.7 + 0.1) {
    double s = ad_calib_surprise(&c, z);
    assert_true(s >= previous - 1e-12);
    assert_true(s >= 0 && s <= AD_CALIB_MAX_SURPRISE);
    previous = s;
  }
}

/* A history whose every number is finite but absurd (what a damaged state
 * file may hold): every function on it ends, and the loader's check names
 * what is wrong. A hang here would hold a write thread for ever: alarm()
 * ends the test instead of CI's time limit. */
static void test_absurd_history_ends_and_is_refused(void **state) {
  (void)state;
  alarm(60);
  ad_calib_t c;
  ad_calib_init(&c);
  learn_normal(&c, 500, 1.0, 1000, 5);
  assert_null(ad_calib_invalid(&c));
  ad_calib_t absurd = c;
  absurd.total = 3.4e38f; /* as in a real state file, one field changed */
  assert_string_equal(ad_calib_invalid(&absurd), "total: out of range");
  for (double s = 0; s <= AD_CALIB_MAX_SURPRISE + 1; s += 0.5)
    assert_true(isfinite(ad_calib_deviation_at(&absurd, s)));
  assert_true(isfinite(ad_calib_band(&absurd, 3.0)));
  /* saturated everywhere, and consistent: still ends */
  ad_calib_t full = c;
  for (int b = 0; b < AD_CALIB_BINS; b++)
    full.mass[b] = 3.4e38f / AD_CALIB_BINS;
  full.total = 3.4e38f;
  full.top = AD_CALIB_BINS - 1;
  full.exponent = 1e30f;
  for (double s = 0; s <= AD_CALIB_MAX_SURPRISE + 1; s += 0.5)
    assert_true(isfinite(ad_calib_deviation_at(&full, s)));
  ad_calib_t other = c;
  other.total += 1000;
  assert_string_equal(ad_calib_invalid(&other),
                      "total: not the sum of the masses");
  other = c;
  other.mass[AD_CALIB_BINS - 1] = 1;
  assert_string_equal(ad_calib_invalid(&other), "mass: above the top bin");
  other = c;
  other.gain = 0.5f;
  assert_string_equal(ad_calib_invalid(&other), "gain: out of range");
  other = c;
  other.band_seen = c.seen + 1;
  assert_non_null(ad_calib_invalid(&other));
  alarm(0);
}

/* One deviation of 5e17 (a counter's wrap) is learned as a large record,
 * not as one beside which a later anomaly of 100 looks ordinary; ordinary
 * large deviations are learned whole. */
static void test_absurd_deviation_is_a_bounded_record(void **state) {
  (void)state;
  ad_calib_t c;
  ad_calib_init(&c);
  learn_normal(&c, 3000, 1.0, 10000, 8);
  ad_calib_t ordinary = c;
  ad_calib_learn(&c, 5e17, 10000);
  ad_calib_learn(&ordinary, 300, 10000);
  /* no more blinding than an ordinary large deviation: less */
  assert_true(ad_calib_surprise(&c, 100) > 5);
  assert_true(ad_calib_surprise(&c, 100) >
              ad_calib_surprise(&ordinary, 100) + 1);
  ad_calib_t quiet;
  ad_calib_init(&quiet);
  learn_normal(&quiet, 3000, 1.0, 10000, 8);
  ad_calib_learn(&quiet, 5e5, 10000); /* a quiet series' blip: whole */
  assert_int_equal(quiet.top, AD_CALIB_BINS - 1);
  assert_true(c.top < AD_CALIB_BINS - 20);
}

static void test_beyond_the_record(void **state) {
  (void)state;
  /* Past the record the tail is a power law with the exponent of the
   * history's own upper tail: a light-tailed (Gaussian) history makes a
   * deviation ten times the record many decades rarer, a heavy-tailed
   * (Pareto, exponent 1.5) one about 1.5 decades. Both finite, growing. */
  ad_calib_t light;
  ad_calib_init(&light);
  learn_normal(&light, 5000, 1.0, 1e9, 4);
  double at10 = ad_calib_surprise(&light, 10.0);
  double at100 = ad_calib_surprise(&light, 100.0);
  assert_true(at10 > 3.5);
  assert_true(at100 - at10 >= 4.0);

  ad_calib_t heavy;
  ad_calib_init(&heavy);
  test_rng_t rng = {.state = 9};
  for (int i = 0; i < 5000; i++)
    ad_calib_learn(&heavy, pow(1.0 - test_rng_uniform(&rng), -1.0 / 1.5) - 1.0,
                   1e9);
  double h100 = ad_calib_surprise(&heavy, 100.0);
  double h1000 = ad_calib_surprise(&heavy, 1000.0);
  assert_true(h1000 > h100);
  if (!(h1000 - h100 > 1.0 && h1000 - h100 < 2.5))
    fail_msg("heavy tail: %g -> %g", h100, h1000);
}

static void test_forgets_with_memory(void **state) {
  (void)state;
  /* A series that turned ten times noisier: with a memory of 1000 values,
   * 5000 values later a deviation of 5 is ordinary again. */
  ad_calib_t c;
  ad_calib_init(&c);
  learn_normal(&c, 5000, 1.0, 1000, 5);
  assert_true(ad_calib_surprise(&c, 5.0) > 3.0);
  learn_normal(&c, 5000, 10.0, 1000, 6);
  assert_true(ad_calib_surprise(&c, 5.0) < 1.0);
}

static void test_deviation_at_inverts_surprise(void **state) {
  (void)state;
  ad_calib_t c;
  ad_calib_init(&c);
  learn_normal(&c, 3000, 2.0, 1e9, 7);
  for (double s = 0.5; s < 6; s += 0.75) {
    double z = ad_calib_deviation_at(&c, s);
    assert_double_near(ad_calib_surprise(&c, z), s, 0.01);
  }
  assert_true(ad_calib_band(&c, 2.0) > 0);
}

static void test_bursty_history(void **state) {
  (void)state;
  /* 99% zeros and 1% deviations near 500 (a bursty series): a burst like
   * the usual ones is routine-ish, one ten times bigger is news. */
  ad_calib_t c;
  ad_calib_init(&c);
  test_rng_t rng = {.state = 8};
  for (int i = 0; i < 20000; i++)
    ad_calib_learn(&c,
                   test_rng_uniform(&rng) < 0.01
                       ? 450 + 100 * test_rng_uniform(&rng)
                       : 0.0,
                   1e9);
  assert_double_near(ad_calib_surprise(&c, 480), 2.3, 0.3);
  assert_true(ad_calib_surprise(&c, 5000) > 4.0);
}

/* An hour of an incident, learned at the weight ad_learn_weight gives its
 * deviations, leaves the next incident clearly more surprising than when
 * it is learned whole (-log10: 0.5 is a factor of three in rarity). */
static void test_weighted_incident_keeps_the_next_one_news(void **state) {
  (void)state;
  double after[2];
  for (int weighted = 0; weighted <= 1; weighted++) {
    ad_calib_t c;
    ad_calib_init(&c);
    test_rng_t rng = {.state = 9};
    for (int i = 0; i < 5000; i++)
      ad_calib_learn(&c, 2 * test_rng_uniform(&rng), 14400);
    double band = ad_calib_deviation_at(&c, 3.0);
    for (int i = 0; i < 60; i++) /* the incident: an hour at 4 bands */
      ad_calib_learn_weighted(&c, 4 * band, 14400,
                              weighted ? ad_learn_weight(4 * band, band) : 1.0);
    after[weighted] = ad_calib_surprise(&c, 2 * band);
  }
  if (!(after[1] > after[0] + 0.5))
    fail_msg("the next incident's surprise: %.2f learned whole, %.2f weighted",
             after[0], after[1]);
}

/* An idle CPU loaded to 100 %: one value hundreds of scales out, learned at
 * the floor weight, must leave the next such value news (it was one in
 * 2,500 when that sliver of a value anchored the tail), while a tail the
 * history really holds still makes such values ordinary. */
static void test_a_sliver_sets_no_floor(void **state) {
  (void)state;
  ad_calib_t c;
  ad_calib_init(&c);
  learn_normal(&c, 300, 1.0, 14400, 11);
  double before = ad_calib_surprise(&c, 600.0);
  ad_calib_learn_weighted(&c, 690.0, 14400, AD_LEARN_MIN);
  double after = ad_calib_surprise(&c, 600.0);
  if (!(after > 6.0 && after > before - 1.0))
    fail_msg("600 scales: surprise %.2f before the sliver, %.2f after", before,
             after);
  /* a few whole values out there are history, not slivers */
  for (int i = 0; i < 3; i++)
    ad_calib_learn(&c, 690.0, 14400);
  double learned = ad_calib_surprise(&c, 600.0);
  if (!(learned < 3.0))
    fail_msg("600 scales after three whole values there: surprise %.2f",
             learned);
  /* the surprise still grows with the deviation */
  assert_true(ad_calib_surprise(&c, 900.0) >= learned);
}

/* Learns z as the series does: judged first, then learned within the
 * calibration's budget for rare deviations. */
static void learn_judged(ad_calib_t *c, double z, double memory) {
  ad_calib_learn_judged(c, z, ad_calib_surprise(c, z), memory, 1.0);
}

/* A climb (three hours of deviations growing from 3 to 6, each a little
 * beyond the last) does not become its own history: what it teaches is
 * rationed, so its next value is still clearly surprising, where learned
 * whole the climb made it routine. */
static void test_a_climb_is_rationed(void **state) {
  (void)state;
  double after[2];
  for (int rationed = 0; rationed <= 1; rationed++) {
    ad_calib_t c;
    ad_calib_init(&c);
    test_rng_t rng = {.state = 10};
    for (int i = 0; i < 10000; i++)
      ad_calib_learn(&c, fabs(test_rng_normal(&rng)), 10080);
    for (int i = 0; i < 180; i++) {
      double z = 3.0 + 3.0 * i / 180.0;
      if (rationed)
        learn_judged(&c, z, 10080);
      else
        ad_calib_learn(&c, z, 10080);
    }
    after[rationed] = ad_calib_surprise(&c, 6.0);
  }
  if (!(after[1] > after[0] + 0.5))
    fail_msg("surprise of the climb's next deviation: %.2f learned whole, "
             "%.2f rationed",
             after[0], after[1]);
}

/* Rare deviations that come one in twenty (a bursty series) are learned
 * whole: the budget refills faster than they spend it. */
static void test_occasional_rare_deviations_are_learned_whole(void **state) {
  (void)state;
  ad_calib_t whole, judged;
  ad_calib_init(&whole);
  ad_calib_init(&judged);
  test_rng_t rng = {.state = 11};
  for (int i = 0; i < 20000; i++) {
    double z = i % 20 == 0 ? 6.0 : fabs(test_rng_normal(&rng));
    ad_calib_learn(&whole, z, 10080);
    learn_judged(&judged, z, 10080);
  }
  assert_double_near(ad_calib_surprise(&judged, 6.0),
                     ad_calib_surprise(&whole, 6.0), 0.02);
  assert_true(judged.budget >= AD_CALIB_BUDGET_MAX - 1.0);
}

/* A budget out of its range is damage. */
static void test_budget_out_of_range_is_refused(void **state) {
  (void)state;
  ad_calib_t c;
  ad_calib_init(&c);
  assert_null(ad_calib_invalid(&c));
  c.budget = -1.0f;
  assert_non_null(ad_calib_invalid(&c));
  c.budget = (float)(2 * AD_CALIB_BUDGET_MAX);
  assert_non_null(ad_calib_invalid(&c));
  c.budget = NAN;
  assert_non_null(ad_calib_invalid(&c));
}

/* The weight: whole inside the band, falling beyond it, never nothing. */
static void test_learn_weight(void **state) {
  (void)state;
  assert_double_near(ad_learn_weight(2.0, 4.0), 1.0, 0);
  assert_double_near(ad_learn_weight(8.0, 4.0), 0.5, 1e-12);
  assert_double_near(ad_learn_weight(1e30, 4.0), AD_LEARN_MIN, 0);
  assert_double_near(ad_learn_weight(NAN, 4.0), 1.0, 0);
  assert_double_near(ad_learn_weight(8.0, NAN), 1.0, 0);
}

/* The band c holds now stays cached for every - 1 more values (here
 * deviations far past it), and is refreshed at the every-th: then it is
 * the deviation at the surprise asked for, and wider. */
static void assert_band_cached_for(ad_calib_t *c, int every) {
  double cached = ad_calib_band(c, 3.0);
  for (int i = 0; i < every - 1; i++)
    ad_calib_learn(c, 6.0, 10080.0);
  assert_double_near(ad_calib_band(c, 3.0), cached, 0);
  ad_calib_learn(c, 6.0, 10080.0);
  double refreshed = ad_calib_band(c, 3.0);
  assert_true(refreshed > cached);
  assert_double_near(refreshed, (float)ad_calib_deviation_at(c, 3.0), 0);
}

/* The cached band follows the history every 64 values while it is young
 * and every 256 once it holds 2,048 values' worth. */
static void test_band_refresh_cadence(void **state) {
  (void)state;
  ad_calib_t c;
  ad_calib_init(&c);
  learn_normal(&c, 1000, 1.0, 10080.0, 5);
  assert_band_cached_for(&c, 64);
  learn_normal(&c, 5000, 1.0, 10080.0, 6);
  assert_band_cached_for(&c, 256);
}

TEST_MAIN(cmocka_unit_test(test_prior_alone),
          cmocka_unit_test(test_weighted_incident_keeps_the_next_one_news),
          cmocka_unit_test(test_a_sliver_sets_no_floor),
          cmocka_unit_test(test_learn_weight),
          cmocka_unit_test(test_a_climb_is_rationed),
          cmocka_unit_test(test_occasional_rare_deviations_are_learned_whole),
          cmocka_unit_test(test_budget_out_of_range_is_refused),
          cmocka_unit_test(test_learns_the_series_own_tails),
          cmocka_unit_test(test_monotone_and_bounded),
          cmocka_unit_test(test_absurd_history_ends_and_is_refused),
          cmocka_unit_test(test_absurd_deviation_is_a_bounded_record),
          cmocka_unit_test(test_beyond_the_record),
          cmocka_unit_test(test_forgets_with_memory),
          cmocka_unit_test(test_deviation_at_inverts_surprise),
          cmocka_unit_test(test_bursty_history),
          cmocka_unit_test(test_band_refresh_cadence))
