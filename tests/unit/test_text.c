/* Unit tests: ad_text (escaping untrusted text for logs and messages). */
#include "test_util.h"

#include "core/ad_text.h"

#include <string.h>

static void test_escapes_what_is_not_printable(void **state) {
  (void)state;
  static const struct {
    const char *in;
    const char *out;
  } cases[] = {
      {"web1", "web1"},
      {"a b-c_d.e/f:g", "a b-c_d.e/f:g"},
      {"line\nforged", "line\\x0aforged"},
      {"\x1b[2Jclear", "\\x1b[2Jclear"},
      {"back\\slash", "back\\\\slash"},
      {"tab\tand\rcr\x7f", "tab\\x09and\\x0dcr\\x7f"},
      {"caf\xc3\xa9", "caf\xc3\xa9"},               /* UTF-8 kept */
      {"\xe2\x82\xac 5", "\xe2\x82\xac 5"},         /* a three-byte character */
      {"bad\xc3", "bad\\xc3"},                      /* cut sequence */
      {"\xc0\xaf", "\\xc0\\xaf"},                   /* overlong '/' */
      {"\xed\xa0\x80", "\\xed\\xa0\\x80"},          /* a surrogate */
      {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"}, /* beyond U+10FFFF */
      {"%n%s", "%n%s"}, /* harmless once it is never a format */
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    char out[64];
    ad_text_escape(out, sizeof(out), cases[i].in, SIZE_MAX);
    if (strcmp(out, cases[i].out) != 0)
      fail_msg("case %zu: \"%s\"", i, out);
    assert_int_equal(ad_text_clean(cases[i].in, strlen(cases[i].in)),
                     strcmp(cases[i].in, cases[i].out) == 0);
  }
}

static void test_cuts_at_a_character_boundary(void **state) {
  (void)state;
  char out[8];
  /* "ab" fits, "\x0a" (4 bytes) would need 7 with the NUL: cut before it */
  ad_text_escape(out, 6, "ab\ncd", SIZE_MAX);
  assert_string_equal(out, "ab");
  ad_text_escape(out, sizeof(out), "abcdefghij", 3);
  assert_string_equal(out, "abc");
  ad_text_escape(out, 4, "\xe2\x82\xac", SIZE_MAX);
  assert_string_equal(out, "\xe2\x82\xac");
  ad_text_escape(out, 3, "\xe2\x82\xac", SIZE_MAX);
  assert_string_equal(out, "");
  ad_text_escape(out, sizeof(out), NULL, 5);
  assert_string_equal(out, "");
  out[0] = 'x';
  ad_text_escape(out, 0, "abc", SIZE_MAX); /* nothing written */
  assert_int_equal(out[0], 'x');
}

static void test_utf8(void **state) {
  (void)state;
  assert_true(ad_text_utf8("plain", 5));
  assert_true(ad_text_utf8("caf\xc3\xa9", 5));
  assert_false(ad_text_utf8("caf\xe9", 4)); /* Latin-1 */
  assert_false(ad_text_utf8("\xff\xff", 2));
  assert_false(ad_text_utf8("\xc3", 1));
  static const struct {
    const char *in, *out;
  } cuts[] = {
      {"abc", "abc"},
      {"ab\xc3\xa9", "ab\xc3\xa9"},
      {"ab\xc3", "ab"},
      {"ab\xe2\x82", "ab"},
      {"ab\xe2\x82\xac", "ab\xe2\x82\xac"},
      {"ab\xf0\x9f\x98", "ab"},
      {"\x82", ""},
      {"", ""},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cuts); i++) {
    char buf[16];
    snprintf(buf, sizeof(buf), "%s", cuts[i].in);
    if (strcmp(ad_text_utf8_cut(buf), cuts[i].out) != 0)
      fail_msg("cut %zu: \"%s\"", i, buf);
  }
}

static char *format(char *out, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static char *format(char *out, size_t size, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  ad_text_vformat(out, size, fmt, ap);
  va_end(ap);
  return out;
}

/* What is formatted in is escaped: a name from a file cannot forge a line. */
static void test_formats_and_escapes(void **state) {
  (void)state;
  char out[64];
  assert_string_equal(
      format(out, sizeof(out), "%s: %d lines skipped", "h1\nFAKE\x1b[2J", 3),
      "h1\\x0aFAKE\\x1b[2J: 3 lines skipped");
  assert_string_equal(format(out, 8, "%s", "abcdefghij"), "abcdefg");
}

TEST_MAIN(cmocka_unit_test(test_escapes_what_is_not_printable),
          cmocka_unit_test(test_formats_and_escapes),
          cmocka_unit_test(test_cuts_at_a_character_boundary),
          cmocka_unit_test(test_utf8))
