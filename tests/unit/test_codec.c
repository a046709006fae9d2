/* Unit tests: ad_codec, struct fields to JSON and back, exact, with every
 * out-of-type value refused by name. */
#include "test_util.h"

#include "state/ad_codec.h"

#include <errno.h>
#include <string.h>

typedef struct {
  double d, nan, set;
  float f;
  uint64_t big;
  uint32_t u32;
  uint16_t u16;
  uint8_t u8;
  int16_t i16;
  int8_t i8;
  bool flag;
  float ring[5];
} sample_t;

static const ad_codec_field_t FIELDS[] = {
    AD_CODEC_FIELD(sample_t, d, AD_CODEC_F64),
    AD_CODEC_FIELD(sample_t, nan, AD_CODEC_F64),
    AD_CODEC_FIELD(sample_t, set, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(sample_t, f, AD_CODEC_F32),
    AD_CODEC_FIELD(sample_t, big, AD_CODEC_U64),
    AD_CODEC_FIELD(sample_t, u32, AD_CODEC_U32),
    AD_CODEC_FIELD(sample_t, u16, AD_CODEC_U16),
    AD_CODEC_FIELD(sample_t, u8, AD_CODEC_U8),
    AD_CODEC_FIELD(sample_t, i16, AD_CODEC_I16),
    AD_CODEC_FIELD(sample_t, i8, AD_CODEC_I8),
    AD_CODEC_FIELD(sample_t, flag, AD_CODEC_BOOL),
    AD_CODEC_FLOATS(sample_t, ring),
};

static const sample_t SAMPLE = {.d = 0.1 + 0.2,
                                .nan = NAN,
                                .set = -1e300,
                                .f = 1.0f / 3.0f,
                                .big = 0xFEDCBA9876543210ULL,
                                .u32 = 4000000000u,
                                .u16 = 65535,
                                .u8 = 255,
                                .i16 = -32768,
                                .i8 = -128,
                                .flag = true,
                                .ring = {1.5f, -2.25f, 3e-30f, 0.0f, 7e20f}};

static void test_round_trip_is_exact(void **state) {
  (void)state;
  json_t *o = json_object();
  assert_int_equal(ad_codec_encode(o, &SAMPLE, FIELDS, ARRAY_SIZE(FIELDS)), 0);
  char *text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(o);
  assert_non_null(strstr(text, "\"nan\":null"));
  assert_non_null(strstr(text, "\"big\":\"fedcba9876543210\""));
  json_error_t jerr;
  o = json_loads(text, 0, &jerr);
  free(text);
  sample_t back;
  memset(&back, 0xAA, sizeof(back));
  ad_codec_error_t err = {{0}};
  assert_int_equal(ad_codec_decode(o, &back, FIELDS, ARRAY_SIZE(FIELDS), &err),
                   0);
  json_decref(o);
  assert_true(back.d == SAMPLE.d);
  assert_nan(back.nan);
  assert_true(back.set == -1e300);
  assert_true(back.f == SAMPLE.f);
  assert_true(back.big == SAMPLE.big);
  assert_int_equal(back.u32, SAMPLE.u32);
  assert_int_equal(back.u16, 65535);
  assert_int_equal(back.u8, 255);
  assert_int_equal(back.i16, -32768);
  assert_int_equal(back.i8, -128);
  assert_true(back.flag);
  assert_memory_equal(back.ring, SAMPLE.ring, sizeof(back.ring));
}

static void test_arrays_of_every_length(void **state) {
  (void)state;
  uint16_t data[7], back[7];
  for (size_t n = 0; n <= 7; n++) { /* every padding case */
    for (size_t i = 0; i < n; i++)
      data[i] = (uint16_t)(0x0102 * (i + 1) + 0x8000);
    json_t *o = json_object();
    assert_int_equal(ad_codec_put_array(o, "a", data, n, sizeof(uint16_t)), 0);
    assert_int_equal(ad_codec_array_length(o, "a", sizeof(uint16_t)), (long)n);
    ad_codec_error_t err = {{0}};
    assert_int_equal(
        ad_codec_get_array(o, "a", back, n, sizeof(uint16_t), &err), 0);
    assert_memory_equal(back, data, n * sizeof(uint16_t));
    if (n == 1) /* little-endian bytes 0x02 0x81: "AoE=" */
      assert_string_equal(json_string_value(json_object_get(o, "a")), "AoE=");
    json_decref(o);
  }
}

static void test_wrong_values_named(void **state) {
  (void)state;
  static const struct {
    const char *member, *json, *reason;
  } cases[] = {
      {"d", "\"1\"", "d: not a number"},
      {"f", "1e39", "f: beyond a float"},
      {"f", "null", "f: not finite"},
      {"f", "\"inf\"", "f: not finite"},
      {"d", "\"inf\"", "d: not finite"},
      {"d", "\"-inf\"", "d: not finite"},
      {"set", "null", "set: not finite"},
      {"big", "\"12\"", "big: not 16 hex digits"},
      {"big", "\"FEDCBA9876543210\"", "big: not 16 hex digits"},
      {"u32", "-1", "u32: -1 out of range"},
      {"u32", "4294967296", "u32: 4294967296 out of range"},
      {"u16", "1.5", "u16: not an integer"},
      {"u8", "256", "u8: 256 out of range"},
      {"i16", "32768", "i16: 32768 out of range"},
      {"i8", "-129", "i8: -129 out of range"},
      {"flag", "1", "flag: not true or false"},
      {"ring", "\"AAAAAA==\"", "ring: 1 elements, expected 5"},
      {"ring", "\"AAA\"", "ring: missing or not an array"},
      {"ring", "\"AAAAAAAAAAAAAAAAAAAAAAAA@AA=\"", "ring: not base64"},
      {"ring", "\"AACAfwAAAAAAAAAAAAAAAAAAAAA=\"",
       "ring: a value is not finite"},
      {"ring", "[1,2,3,4,5]", "ring: missing or not an array"},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    json_t *o = json_object();
    ad_codec_encode(o, &SAMPLE, FIELDS, ARRAY_SIZE(FIELDS));
    json_error_t jerr;
    json_object_set_new(o, cases[i].member,
                        json_loads(cases[i].json, JSON_DECODE_ANY, &jerr));
    sample_t back;
    ad_codec_error_t err = {{0}};
    assert_int_equal(
        ad_codec_decode(o, &back, FIELDS, ARRAY_SIZE(FIELDS), &err), EINVAL);
    if (strstr(err.text, cases[i].reason) == NULL)
      fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.text, cases[i].reason);
    json_decref(o);
  }
  json_t *o = json_object();
  sample_t back;
  ad_codec_error_t err = {{0}};
  assert_int_equal(ad_codec_decode(o, &back, FIELDS, ARRAY_SIZE(FIELDS), &err),
                   EINVAL);
  assert_string_equal(err.text, "d: missing");
  assert_int_equal(ad_codec_within(&err, "outer", EINVAL), EINVAL);
  assert_string_equal(err.text, "outer.d: missing");
  json_decref(o);
}

TEST_MAIN(cmocka_unit_test(test_round_trip_is_exact),
          cmocka_unit_test(test_arrays_of_every_length),
          cmocka_unit_test(test_wrong_values_named))
