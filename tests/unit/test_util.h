/* Helpers shared by the cmocka tests. cmocka 1.1's assert_float_equal casts
 * to float, so doubles are compared here. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <ftw.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#define assert_double_near(a, b, eps)                                          \
  do {                                                                         \
    double a_ = (a), b_ = (b), eps_ = (eps);                                   \
    if (!(fabs(a_ - b_) <= eps_))                                              \
      fail_msg("%s = %.17g, expected %.17g (+- %g)", #a, a_, b_, eps_);        \
  } while (0)

#define assert_nan(a)                                                          \
  do {                                                                         \
    double a_ = (a);                                                           \
    if (!isnan(a_))                                                            \
      fail_msg("%s = %.17g, expected NaN", #a, a_);                            \
  } while (0)

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* The main of a test file that runs its tests, given as cmocka_unit_test
 * entries, with no group set-up. */
#define TEST_MAIN(...)                                                         \
  int main(void) {                                                             \
    const struct CMUnitTest tests[] = {__VA_ARGS__};                           \
    return cmocka_run_group_tests(tests, NULL, NULL);                          \
  }

/* Deterministic noise for synthetic series: xorshift64* mapped to a
 * standard normal with Box-Muller. */
typedef struct {
  uint64_t state;
} test_rng_t;

static inline double test_rng_uniform(test_rng_t *r) {
  r->state ^= r->state >> 12;
  r->state ^= r->state << 25;
  r->state ^= r->state >> 27;
  return ((r->state * 2685821657736338717ULL) >> 11) * 0x1.0p-53;
}

static inline double test_rng_normal(test_rng_t *r) {
  double u1 = test_rng_uniform(r), u2 = test_rng_uniform(r);
  if (u1 < 1e-300)
    u1 = 1e-300;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

static inline int test_remove_entry(const char *path, const struct stat *sb,
                                    int flag, struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

/* Removes path and everything under it (a test's scratch directory).
 * Returns 0 or -1. */
static inline int test_remove_tree(const char *path) {
  return nftw(path, test_remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#endif /* TEST_UTIL_H */
