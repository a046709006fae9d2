/* Unit tests: ad_relation (relations between a host's series that break). */
#include "test_util.h"

#include "detectors/ad_relation.h"

#include <errno.h>
#include <stdlib.h>

#define ROWS 512
#define DIM 4

/* Four features: 0 and 1 move together, 2 against 0, 3 on its own; each a
 * common load plus a little noise of its own. Every `outlier`-th row (0:
 * none) has feature 1 far off its relation. */
static float *sample(test_rng_t *rng, int outlier) {
  float *rows = malloc(ROWS * DIM * sizeof(*rows));
  assert_non_null(rows);
  for (int i = 0; i < ROWS; i++) {
    double load = 2.0 * test_rng_normal(rng);
    float *x = rows + i * DIM;
    x[0] = (float)(load + 0.2 * test_rng_normal(rng));
    x[1] = (float)(0.5 * load + 0.1 * test_rng_normal(rng));
    x[2] = (float)(-load + 0.3 * test_rng_normal(rng));
    x[3] = (float)test_rng_normal(rng);
    if (outlier > 0 && i % outlier == 0)
      x[1] += 6.0f;
  }
  return rows;
}

static const ad_relation_t *find(const ad_relations_t *r, int a, int b) {
  for (unsigned k = 0; k < r->count; k++)
    if (r->pair[k].a == a && r->pair[k].b == b)
      return &r->pair[k];
  return NULL;
}

/* The related pairs are found with their sign, the unrelated feature is in
 * none, and what is fitted passes the loader's checks. */
static void test_relations_found_with_their_sign(void **state) {
  (void)state;
  test_rng_t rng = {.state = 1};
  float *rows = sample(&rng, 0);
  ad_relations_t r;
  assert_int_equal(ad_relations_fit(rows, ROWS, DIM, &r), 0);
  assert_int_equal(r.count, 3); /* 0-1, 0-2, 1-2 */
  assert_non_null(find(&r, 0, 1));
  assert_int_equal(find(&r, 0, 1)->sign, 1);
  assert_int_equal(find(&r, 0, 2)->sign, -1);
  assert_int_equal(find(&r, 1, 2)->sign, -1);
  for (unsigned k = 0; k < r.count; k++)
    assert_true(r.pair[k].a != 3 && r.pair[k].b != 3);
  assert_null(ad_relations_invalid(&r, DIM));
  free(rows);
}

/* A point far out along the relation is no break; one a little off it,
 * each feature within its usual range, is a large one, and names its
 * relation. */
static void test_off_the_relation_is_a_break(void **state) {
  (void)state;
  test_rng_t rng = {.state = 2};
  float *rows = sample(&rng, 0);
  ad_relations_t r;
  assert_int_equal(ad_relations_fit(rows, ROWS, DIM, &r), 0);
  int which;
  const float along[DIM] = {5.0f, 2.5f, -5.0f, 0.0f};
  assert_true(ad_relations_break(&r, along, DIM, &which) < 3.0);
  const float off[DIM] = {2.0f, -1.0f, -2.0f, 0.0f}; /* 1 against 0 and 2 */
  double broken = ad_relations_break(&r, off, DIM, &which);
  if (!(broken > 10.0))
    fail_msg("break %.2f", broken);
  assert_true(which >= 0 && r.pair[which].b == 1);
  assert_true(ad_relation_signed_break(&r.pair[which], off) != 0);
  free(rows);
}

/* Outliers in the sample (one row in 50 far off) do not widen the relation
 * they break: its noise stays within 1.5 times that of a clean sample. */
static void test_outliers_do_not_widen_a_relation(void **state) {
  (void)state;
  test_rng_t a = {.state = 3}, b = {.state = 3};
  float *clean = sample(&a, 0), *dirty = sample(&b, 50);
  ad_relations_t rc, rd;
  assert_int_equal(ad_relations_fit(clean, ROWS, DIM, &rc), 0);
  assert_int_equal(ad_relations_fit(dirty, ROWS, DIM, &rd), 0);
  const ad_relation_t *pc = find(&rc, 0, 1), *pd = find(&rd, 0, 1);
  assert_non_null(pc);
  assert_non_null(pd);
  if (!(pd->noise < 1.5 * pc->noise))
    fail_msg("noise %.3f clean, %.3f with outliers", pc->noise, pd->noise);
  free(clean);
  free(dirty);
}

/* Degenerate input: no rows, one feature, a constant feature, NaN and
 * infinite values cost nothing and give no relation or a finite one; a
 * point without the relation's features is skipped. */
static void test_degenerate_input(void **state) {
  (void)state;
  ad_relations_t r;
  float rows[8 * 2] = {0};
  assert_int_equal(ad_relations_fit(rows, 0, 2, &r), 0);
  assert_int_equal(r.count, 0);
  for (int i = 0; i < 8; i++) {
    rows[2 * i] = 1.0f; /* constant */
    rows[2 * i + 1] = (float)i;
  }
  assert_int_equal(ad_relations_fit(rows, 8, 2, &r), 0);
  assert_int_equal(r.count, 0);
  for (int i = 0; i < 8; i++)
    rows[2 * i] = i == 3 ? NAN : i == 5 ? INFINITY : (float)i;
  assert_int_equal(ad_relations_fit(rows, 8, 2, &r), 0);
  assert_null(ad_relations_invalid(&r, 2));
  int which;
  const float x[2] = {1.0f, 1.0f};
  double broken = ad_relations_break(&r, x, 1, &which);
  assert_true(isnan(broken));
  assert_int_equal(which, -1);
  assert_int_equal(ad_relations_fit(rows, 8, 300, &r), EINVAL);
}

/* What a file may hold is checked: indexes, signs, statistics. */
static void test_invalid_relations_are_named(void **state) {
  (void)state;
  test_rng_t rng = {.state = 4};
  float *rows = sample(&rng, 0);
  ad_relations_t r;
  assert_int_equal(ad_relations_fit(rows, ROWS, DIM, &r), 0);
  ad_relations_t bad = r;
  bad.pair[0].b = DIM;
  assert_non_null(ad_relations_invalid(&bad, DIM));
  bad = r;
  bad.pair[0].noise = 0.0f;
  assert_non_null(ad_relations_invalid(&bad, DIM));
  bad = r;
  bad.pair[0].sign = 0;
  assert_non_null(ad_relations_invalid(&bad, DIM));
  bad = r;
  bad.count = AD_RELATION_MAX + 1;
  assert_non_null(ad_relations_invalid(&bad, DIM));
  free(rows);
}

TEST_MAIN(cmocka_unit_test(test_relations_found_with_their_sign),
          cmocka_unit_test(test_off_the_relation_is_a_break),
          cmocka_unit_test(test_outliers_do_not_widen_a_relation),
          cmocka_unit_test(test_degenerate_input),
          cmocka_unit_test(test_invalid_relations_are_named))
