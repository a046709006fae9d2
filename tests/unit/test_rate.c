/* Unit tests: ad_rate (counters to rates, as collectd computes them). */
#include "test_util.h"

#include "offline/ad_rate.h"

#include <errno.h>

static void test_rates_table(void **state) {
  (void)state;
  static const struct {
    const char *name;
    ad_ds_kind_t kind;
    double raw[4], time[4];
    int status[4];
    double rate[4]; /* NaN where no rate */
  } cases[] = {
      {"gauge passes through",
       AD_DS_GAUGE,
       {5, 7, NAN, 1},
       {0, 10, 20, 30},
       {0, 0, EINVAL, 0},
       {5, 7, NAN, 1}},
      {"derive: first value has no rate",
       AD_DS_DERIVE,
       {100, 200, 350, 300},
       {0, 10, 20, 30},
       {EAGAIN, 0, 0, 0},
       {NAN, 10, 15, -5}},
      {"counter wraps at 2^32",
       AD_DS_COUNTER,
       {4294967000.0, 4294967295.0, 100.0, 1100.0},
       {0, 10, 20, 30},
       {EAGAIN, 0, 0, 0},
       {NAN, 29.5, 10.1, 100}},
      {"counter wraps at 2^64",
       AD_DS_COUNTER,
       /* 2^64 - 4096, 2^64 - 2048: representable doubles near 2^64 */
       {18446744073709547520.0, 18446744073709549568.0, 2048.0, 2048.0},
       {0, 1, 2, 3},
       {EAGAIN, 0, 0, 0},
       {NAN, 2048, 4096, 0}},
      {"absolute divides by the interval",
       AD_DS_ABSOLUTE,
       {0, 50, 30, 0},
       {0, 10, 20, 30},
       {EAGAIN, 0, 0, 0},
       {NAN, 5, 3, 0}},
      {"a gap restarts the difference",
       AD_DS_DERIVE,
       {10, NAN, 50, 70},
       {0, 10, 20, 30},
       {EAGAIN, EINVAL, EAGAIN, 0},
       {NAN, NAN, NAN, 2}},
      {"time must advance",
       AD_DS_DERIVE,
       {10, 20, 30, 50},
       {0, 10, 10, 20},
       {EAGAIN, 0, EINVAL, 0},
       {NAN, 1, NAN, 2}},
  };
  for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
    ad_rate_t r;
    ad_rate_init(&r);
    for (int i = 0; i < 4; i++) {
      double rate = 0;
      int status = ad_rate_update(&r, cases[c].kind, cases[c].raw[i],
                                  cases[c].time[i], &rate);
      if (status != cases[c].status[i])
        fail_msg("%s, value %d: status %d, expected %d", cases[c].name, i,
                 status, cases[c].status[i]);
      if (isnan(cases[c].rate[i]))
        assert_nan(rate);
      else if (fabs(rate - cases[c].rate[i]) > 1e-9 * fmax(1, cases[c].rate[i]))
        fail_msg("%s, value %d: rate %.17g, expected %.17g", cases[c].name, i,
                 rate, cases[c].rate[i]);
    }
  }
}

static void test_kind_names(void **state) {
  (void)state;
  ad_ds_kind_t k;
  assert_int_equal(ad_rate_kind_parse("DERIVE", &k), 0);
  assert_int_equal(k, AD_DS_DERIVE);
  assert_int_equal(ad_rate_kind_parse("absolute", &k), 0);
  assert_int_equal(k, AD_DS_ABSOLUTE);
  assert_int_equal(ad_rate_kind_parse("rate", &k), EINVAL);
}

TEST_MAIN(cmocka_unit_test(test_rates_table), cmocka_unit_test(test_kind_names))
