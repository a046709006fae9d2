/* Unit tests: ad_csv (the replay CSV format). */
#include "test_util.h"

#include "offline/ad_csv.h"

#include <errno.h>
#include <string.h>

static void test_timestamps(void **state) {
  (void)state;
  static const struct {
    const char *text;
    int status;
    double time;
  } cases[] = {
      {"0", 0, 0},
      {"1700000000", 0, 1700000000},
      {"1700000000.25", 0, 1700000000.25},
      {"1970-01-01 00:00:00", 0, 0},
      {"2014-04-10 00:02:00", 0, 1397088120},
      {"2000-02-29 12:00:00", 0, 951825600},
      {"2015-09-01 13:45:00.000000", 0, 1441115100},
      {"2015-02-29 00:00:00", EINVAL, 0},
      {"2015-13-01 00:00:00", EINVAL, 0},
      {"2015-01-01T00:00:00", EINVAL, 0},
      {"2015-01-01 00:00", EINVAL, 0},
      /* an exponent in the fraction is not a fraction of a second */
      {"2020-01-01 00:00:00.9e999", EINVAL, 0},
      {"2020-01-01 00:00:00.5e3", EINVAL, 0},
      {"2020-01-01 00:00:00.", EINVAL, 0},
      {"2020-01-01 00:00:00.5", 0, 1577836800.5},
      {"2020-01-01 00:00:00.123456789012345", 0, 1577836800.123456789},
      {"2020-01-01 00:00:00 ", EINVAL, 0},
      /* no signs or spaces where digits belong, no dates before 1970 */
      {"+020-01-01 00:00:00", EINVAL, 0},
      {"2020-01-01 0:00:00 ", EINVAL, 0},
      {"0999-01-01 00:00:00", EINVAL, 0},
      {"1969-12-31 23:59:59", EINVAL, 0},
      {"9999-12-31 23:59:59", 0, 253402300799},
      {"253402300800", EINVAL, 0},
      {"1.6e12", EINVAL, 0},
      {"yesterday", EINVAL, 0},
      {"-5", EINVAL, 0},
      {"", EINVAL, 0},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    double t = -1;
    int status = ad_csv_parse_time(cases[i].text, &t);
    if (status != cases[i].status)
      fail_msg("\"%s\": status %d", cases[i].text, status);
    if (status == 0)
      assert_double_near(t, cases[i].time, 1e-6);
  }
}

static void test_values(void **state) {
  (void)state;
  static const struct {
    const char *text;
    int status;
    double value; /* NaN: missing */
  } cases[] = {
      {"1.5", 0, 1.5},    {"-3", 0, -3},       {"1e3", 0, 1000},
      {"", 0, NAN},       {"nan", 0, NAN},     {"NaN", 0, NAN},
      {"abc", EINVAL, 0}, {"1.5x", EINVAL, 0}, {"inf", EINVAL, 0},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    double v = 0;
    int status = ad_csv_parse_value(cases[i].text, &v);
    if (status != cases[i].status)
      fail_msg("\"%s\": status %d", cases[i].text, status);
    if (status == 0 && isnan(cases[i].value))
      assert_nan(v);
    else if (status == 0)
      assert_double_near(v, cases[i].value, 0);
  }
}

static ad_csv_t *open_bytes(const char *text, size_t len, FILE **fp, char *err,
                            size_t size) {
  *fp = fmemopen((void *)text, len, "r");
  assert_non_null(*fp);
  return ad_csv_open(*fp, "in.csv", err, size);
}

static ad_csv_t *open_text(const char *text, FILE **fp, char *err,
                           size_t size) {
  *fp = fmemopen((void *)text, strlen(text), "r");
  assert_non_null(*fp);
  return ad_csv_open(*fp, "in.csv", err, size);
}

static void test_reads_rows(void **state) {
  (void)state;
  const char *text = "timestamp,\"cpu/percent-user\",load/load\r\n"
                     "2015-01-01 00:00:00,1.5,nan\r\n"
                     "\n"
                     "2015-01-01 00:01:00, ,\"2\"\n";
  FILE *fp;
  char err[256];
  ad_csv_t *csv = open_text(text, &fp, err, sizeof(err));
  assert_non_null(csv);
  assert_int_equal(ad_csv_columns(csv), 2);
  assert_string_equal(ad_csv_column_name(csv, 0), "cpu/percent-user");
  double t, v[2];
  const char *tt;
  assert_int_equal(ad_csv_next(csv, &t, &tt, v, err, sizeof(err)), 1);
  assert_string_equal(tt, "2015-01-01 00:00:00");
  assert_double_near(v[0], 1.5, 0);
  assert_nan(v[1]);
  assert_int_equal(ad_csv_next(csv, &t, &tt, v, err, sizeof(err)), 1);
  assert_double_near(t, 1420070460, 0);
  assert_nan(v[0]);
  assert_double_near(v[1], 2, 0);
  assert_int_equal(ad_csv_line(csv), 4);
  assert_int_equal(ad_csv_next(csv, &t, &tt, v, err, sizeof(err)), 0);
  ad_csv_close(csv);
  fclose(fp);
}

static void test_errors_name_file_and_line(void **state) {
  (void)state;
  static const struct {
    const char *text;
    const char *error; /* NULL: the header is fine, the error is in a row */
    const char *row_error;
  } cases[] = {
      {"", "in.csv:1: empty file: no header", NULL},
      {"time,a\n", "in.csv:1: the header must be", NULL},
      {"timestamp\n", "in.csv:1: the header must be", NULL},
      {"timestamp,a,\n", "in.csv:1: column 3 of the header has no name", NULL},
      {"timestamp,\"a\n", "in.csv:1: unterminated quoted field", NULL},
      {"timestamp,a\n1,2\n2,3,4\n", NULL,
       "in.csv:3: expected 2 fields like the header, found 3"},
      {"timestamp,a\n1,2\nnoon,3\n", NULL, "in.csv:3: bad timestamp \"noon\""},
      {"timestamp,a\n1,2\n2,x\n", NULL,
       "in.csv:3: column \"a\": \"x\" is not a number"},
      {"timestamp,a\n1,2\n2020-01-01 00:00:00.9e999,3\n", NULL,
       "in.csv:3: bad timestamp \"2020-01-01 00:00:00.9e999\": the fraction "
       "of a second must be digits"},
      {"timestamp,a\n0999-01-01 00:00:00,3\n", NULL,
       "in.csv:2: bad timestamp \"0999-01-01 00:00:00\": before 1970"},
      /* what is not printable is shown escaped */
      {"timestamp,a\n1,2\n2,\x1b[2J\n", NULL,
       "in.csv:3: column \"a\": \"\\x1b[2J\" is not a number"},
  };
  for (size_t c = 0; c < ARRAY_SIZE(cases); c++) {
    FILE *fp;
    char err[256] = "";
    ad_csv_t *csv = open_text(cases[c].text, &fp, err, sizeof(err));
    if (cases[c].error != NULL) {
      assert_null(csv);
      if (strncmp(err, cases[c].error, strlen(cases[c].error)) != 0)
        fail_msg("case %zu: error \"%s\"", c, err);
    } else {
      assert_non_null(csv);
      double t, v[1];
      const char *tt;
      int status;
      while ((status = ad_csv_next(csv, &t, &tt, v, err, sizeof(err))) == 1)
        ;
      assert_int_equal(status, -1);
      if (strncmp(err, cases[c].row_error, strlen(cases[c].row_error)) != 0)
        fail_msg("case %zu: error \"%s\"", c, err);
    }
    ad_csv_close(csv);
    fclose(fp);
  }
}

static void test_nul_byte_is_an_error(void **state) {
  (void)state;
  static const char text[] = "timestamp,a\n1,2\n2,3\0garbage\n3,4\n";
  FILE *fp;
  char err[256] = "";
  ad_csv_t *csv = open_bytes(text, sizeof(text) - 1, &fp, err, sizeof(err));
  assert_non_null(csv);
  double t, v[1];
  const char *tt;
  assert_int_equal(ad_csv_next(csv, &t, &tt, v, err, sizeof(err)), 1);
  assert_int_equal(ad_csv_next(csv, &t, &tt, v, err, sizeof(err)), -1);
  assert_string_equal(err,
                      "in.csv:3: a NUL byte at column 4 (not a text file?)");
  ad_csv_close(csv);
  fclose(fp);
  static const char header[] = "timestamp,a\0b\n1,2\n";
  csv = open_bytes(header, sizeof(header) - 1, &fp, err, sizeof(err));
  assert_null(csv);
  assert_string_equal(err,
                      "in.csv:1: a NUL byte at column 12 (not a text file?)");
  fclose(fp);
}

static void test_time_going_back_is_flagged_not_fatal(void **state) {
  (void)state;
  const char *text = "timestamp,a\n10,1\n20,1\n20,1\n15,1\n30,1\n";
  FILE *fp;
  char err[256];
  ad_csv_t *csv = open_text(text, &fp, err, sizeof(err));
  double t, v[1];
  const char *tt;
  const bool want[] = {false, false, true, true, false};
  for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
    assert_int_equal(ad_csv_next(csv, &t, &tt, v, err, sizeof(err)), 1);
    assert_int_equal(ad_csv_time_went_back(csv), want[i]);
  }
  ad_csv_close(csv);
  fclose(fp);
}

TEST_MAIN(cmocka_unit_test(test_timestamps), cmocka_unit_test(test_values),
          cmocka_unit_test(test_reads_rows),
          cmocka_unit_test(test_errors_name_file_and_line),
          cmocka_unit_test(test_nul_byte_is_an_error),
          cmocka_unit_test(test_time_going_back_is_flagged_not_fatal))
