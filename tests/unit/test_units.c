/* Unit tests: ad_units (units of collectd types, human numbers). */
#include "test_util.h"

#include "core/ad_units.h"

#include <string.h>

static void test_unit_of_series(void **state) {
  (void)state;
  static const struct {
    const char *series;
    ad_unit_t unit;
  } cases[] = {
      {"cpu/percent-user", AD_UNIT_PERCENT},
      {"df-root/df_complex-used", AD_UNIT_BYTES},
      {"memory/memory-used", AD_UNIT_BYTES},
      {"interface-eth0/if_octets:rx", AD_UNIT_BYTES_RATE},
      {"interface-lo/if_packets:tx", AD_UNIT_COUNT_RATE},
      {"processes/ps_state-zombies", AD_UNIT_COUNT},
      {"load/load:shortterm", AD_UNIT_NONE},
      {"latency", AD_UNIT_NONE}, /* a replay column */
      {"percent", AD_UNIT_NONE}, /* no plugin part: not a collectd name */
      {"a/percentage", AD_UNIT_NONE},
      {"", AD_UNIT_NONE},
      {NULL, AD_UNIT_NONE},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
    if (ad_unit_of_series(cases[i].series) != cases[i].unit)
      fail_msg("%s: unit %d, not %d",
               cases[i].series ? cases[i].series : "(null)",
               ad_unit_of_series(cases[i].series), cases[i].unit);
}

static void test_format(void **state) {
  (void)state;
  static const struct {
    double x;
    ad_unit_t unit;
    const char *shown;
  } cases[] = {
      {649000, AD_UNIT_NONE, "649 k"},
      {6.492e5, AD_UNIT_COUNT_RATE, "649.2 k/s"},
      {9999, AD_UNIT_NONE, "9999"},
      {100.084, AD_UNIT_COUNT, "100.1"},
      {12, AD_UNIT_COUNT_RATE, "12/s"},
      {3435973837.0, AD_UNIT_BYTES, "3.2 GiB"},
      {8192, AD_UNIT_BYTES, "8 KiB"},
      {512, AD_UNIT_BYTES, "512 B"},
      {1.5 * 1024 * 1024, AD_UNIT_BYTES_RATE, "1.5 MiB/s"},
      {12.5, AD_UNIT_PERCENT, "12.5 %"},
      {-3.5e7, AD_UNIT_NONE, "-35 M"},
      {1e30, AD_UNIT_NONE, "1e+12 E"},
      {NAN, AD_UNIT_BYTES, "nan"},
      {INFINITY, AD_UNIT_NONE, "inf"},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    char buf[24];
    ad_unit_format(buf, sizeof(buf), cases[i].x, cases[i].unit);
    if (strcmp(buf, cases[i].shown) != 0)
      fail_msg("%g: \"%s\", not \"%s\"", cases[i].x, buf, cases[i].shown);
  }
  char tiny[4];
  ad_unit_format(tiny, sizeof(tiny), 123456.0, AD_UNIT_BYTES);
  assert_int_equal(strlen(tiny), 3); /* cut, terminated */
}

static void test_floor(void **state) {
  (void)state;
  assert_double_near(ad_unit_floor(ad_unit_of_type("df_complex")), 4096, 0);
  assert_double_near(ad_unit_floor(ad_unit_of_type("if_octets")), 1024, 0);
  assert_double_near(ad_unit_floor(ad_unit_of_type("ps_state")), 1, 0);
  assert_double_near(ad_unit_floor(ad_unit_of_type("percent")), 0.1, 0);
  assert_double_near(ad_unit_floor(ad_unit_of_type("gauge")), 0, 0);
  assert_double_near(ad_unit_floor(ad_unit_of_type(NULL)), 0, 0);
}

static void test_clamp(void **state) {
  (void)state;
  double lo = -54, hi = 165;
  ad_unit_clamp(AD_UNIT_PERCENT, &lo, &hi);
  assert_double_near(lo, 0, 0);
  assert_double_near(hi, 100, 0);
  lo = -1.676e5, hi = 1.676e5;
  ad_unit_clamp(AD_UNIT_BYTES, &lo, &hi);
  assert_double_near(lo, 0, 0);
  assert_double_near(hi, 1.676e5, 0);
  lo = -5, hi = 5;
  ad_unit_clamp(AD_UNIT_NONE, &lo, &hi); /* a plain number may be negative */
  assert_double_near(lo, -5, 0);
}

/* A types.db range: NaN is no bound on that side, and a band not known
 * (NaN edges) stays not known. */
static void test_band_hold(void **state) {
  (void)state;
  double lo = -5.3, hi = 7.5;
  ad_band_hold(&lo, &hi, 0, 5000);
  assert_double_near(lo, 0, 0);
  assert_double_near(hi, 7.5, 0);
  lo = 4990, hi = 5010;
  ad_band_hold(&lo, &hi, 0, 5000);
  assert_double_near(lo, 4990, 0);
  assert_double_near(hi, 5000, 0);
  lo = -300, hi = 400;
  ad_band_hold(&lo, &hi, NAN, NAN);
  assert_double_near(lo, -300, 0);
  assert_double_near(hi, 400, 0);
  lo = NAN, hi = NAN;
  ad_band_hold(&lo, &hi, 0, 100);
  assert_true(isnan(lo) && isnan(hi));
}

TEST_MAIN(cmocka_unit_test(test_unit_of_series), cmocka_unit_test(test_format),
          cmocka_unit_test(test_floor), cmocka_unit_test(test_clamp),
          cmocka_unit_test(test_band_hold))
