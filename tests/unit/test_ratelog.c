/* Unit tests: ad_ratelog (repeat-limited log lines whose counts add up). */
#include "test_util.h"

#include "core/ad_ratelog.h"

#include <string.h>

static void test_lines_add_up_to_the_total(void **state) {
  (void)state;
  ad_ratelog_t r;
  ad_ratelog_init(&r, 60, 3600);
  test_rng_t rng = {.state = 9};
  uint64_t added = 0, told = 0, lines = 0;
  /* a flood for a day, counted every half second, in bursts */
  for (double t = 0; t < 86400; t += 0.5) {
    uint64_t n = (uint64_t)(test_rng_uniform(&rng) * 2000);
    ad_ratelog_add(&r, n, t);
    added += n;
    ad_ratelog_line_t line;
    if (ad_ratelog_take(&r, t, false, &line)) {
      told += line.count;
      lines++;
      assert_int_equal(line.total, told);
    }
  }
  ad_ratelog_line_t last;
  if (ad_ratelog_take(&r, 86400, true, &last))
    told += last.count;
  assert_int_equal(told, added);
  /* at once, then 60, 120, 240 ... 3600 s apart: about 30 in a day */
  assert_true(lines >= 20 && lines <= 32);
  assert_false(ad_ratelog_take(&r, 1e6, true, &last)); /* nothing pending */
}

static void test_first_at_once_then_rarer_then_at_once_again(void **state) {
  (void)state;
  ad_ratelog_t r;
  ad_ratelog_init(&r, 10, 40);
  ad_ratelog_line_t line;
  ad_ratelog_add(&r, 3, 100);
  assert_true(ad_ratelog_take(&r, 100.5, false, &line));
  assert_int_equal(line.count, 3);
  assert_double_near(line.seconds, 0.5, 1e-9);
  ad_ratelog_add(&r, 1, 101);
  assert_false(ad_ratelog_take(&r, 109, false, &line)); /* waits 10 s */
  assert_true(ad_ratelog_take(&r, 110.5, false, &line));
  assert_int_equal(line.count, 1);
  assert_double_near(line.seconds, 10, 1e-9);
  ad_ratelog_add(&r, 1, 111);
  assert_false(ad_ratelog_take(&r, 129, false, &line)); /* now 20 s */
  assert_true(ad_ratelog_take(&r, 131, false, &line));
  ad_ratelog_add(&r, 1, 132);
  assert_false(ad_ratelog_take(&r, 170, false, &line)); /* 40 s, the cap */
  assert_true(ad_ratelog_take(&r, 171, false, &line));
  ad_ratelog_add(&r, 1, 172);
  assert_true(ad_ratelog_take(&r, 172, true, &line)); /* forced */
  /* quiet for long: the next one is told at once, and the waits restart */
  ad_ratelog_add(&r, 5, 1000);
  assert_true(ad_ratelog_take(&r, 1000, false, &line));
  assert_int_equal(line.count, 5);
  assert_int_equal(line.total, 12);
  ad_ratelog_add(&r, 1, 1001);
  assert_false(ad_ratelog_take(&r, 1009, false, &line));
  assert_true(ad_ratelog_take(&r, 1010, false, &line));
}

static void test_spans_in_words(void **state) {
  (void)state;
  char out[16];
  assert_string_equal(ad_ratelog_span(0.42, out, sizeof(out)), "0.4 s");
  assert_string_equal(ad_ratelog_span(59, out, sizeof(out)), "59 s");
  assert_string_equal(ad_ratelog_span(300, out, sizeof(out)), "5.0 min");
  assert_string_equal(ad_ratelog_span(9000, out, sizeof(out)), "2.5 h");
  assert_string_equal(ad_ratelog_span(NAN, out, sizeof(out)), "0.0 s");
}

TEST_MAIN(cmocka_unit_test(test_lines_add_up_to_the_total),
          cmocka_unit_test(test_first_at_once_then_rarer_then_at_once_again),
          cmocka_unit_test(test_spans_in_words))
