/* Unit tests: ad_persistence (sustained deviation, added up). */
#include "test_util.h"

#include "detectors/ad_persistence.h"

/* A run of d scales on one side settles near (d - 1) / (1 - keep); noise
 * around zero keeps both sums small; the other side stays at zero. */
static void test_a_run_adds_up_and_noise_does_not(void **state) {
  (void)state;
  ad_persistence_t p;
  ad_persistence_init(&p);
  test_rng_t rng = {.state = 3};
  double noise = 0.0;
  for (int i = 0; i < 10000; i++)
    noise =
        fmax(noise, ad_persistence_update(&p, 2 * test_rng_uniform(&rng) - 1));
  assert_true(noise < 1.0); /* |z| < 1 is within the allowance */
  double sum = 0.0;
  for (int i = 0; i < 60; i++)
    sum = ad_persistence_update(&p, -3.0);
  assert_double_near(sum, 2.0 / (1.0 - AD_PERSIST_KEEP), 1e-3);
  assert_double_near(p.up, 0.0, 0);
  assert_double_near(p.down, sum, 0);
  /* and it is forgotten within a few values once the run ends */
  for (int i = 0; i < 10; i++)
    sum = ad_persistence_update(&p, 0.0);
  assert_double_near(sum, 0.0, 0);
}

/* One spike adds no more than a value of AD_PERSIST_CLIP scales; NaN
 * changes nothing; whatever the input, the sums stay in range. */
static void test_bounded_influence(void **state) {
  (void)state;
  ad_persistence_t p;
  ad_persistence_init(&p);
  assert_double_near(ad_persistence_update(&p, 1e30),
                     AD_PERSIST_CLIP - AD_PERSIST_ALLOWANCE, 0);
  assert_true(isnan(ad_persistence_update(&p, NAN)));
  assert_double_near(p.up, AD_PERSIST_CLIP - AD_PERSIST_ALLOWANCE, 0);
  for (int i = 0; i < 1000; i++)
    ad_persistence_update(&p, i % 2 ? -1e300 : 1e300);
  assert_null(ad_persistence_invalid(&p));
  p.up = -1;
  assert_non_null(ad_persistence_invalid(&p));
  p.up = NAN;
  assert_non_null(ad_persistence_invalid(&p));
}

TEST_MAIN(cmocka_unit_test(test_a_run_adds_up_and_noise_does_not),
          cmocka_unit_test(test_bounded_influence))
