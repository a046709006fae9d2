/* ad_csv: streaming reader for the replay CSV format (see header). */
#include "offline/ad_csv.h"
#include "core/ad_text.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct ad_csv_s {
  FILE *fp;
  char *name;
  size_t line_no;
  char *line; /* current line (getline buffer) */
  size_t line_cap;
  char **fields; /* pointers into line after splitting */
  size_t field_cap;
  size_t columns; /* series columns */
  char **column_names;
  double last_time;
  bool have_time;
  bool went_back; /* the last row's time did not advance */
};

static void fail(const ad_csv_t *csv, char *err, size_t err_size,
                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void fail(const ad_csv_t *csv, char *err, size_t err_size,
                 const char *fmt, ...) {
  if (err == NULL || err_size == 0)
    return;
  int n = snprintf(err, err_size, "%s:%zu: ", csv->name, csv->line_no);
  if (n < 0 || (size_t)n >= err_size)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err + n, err_size - (size_t)n, fmt, ap);
  va_end(ap);
}

/* ---- parsing of single cells ----------------------------------------------
 */

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so no timezone or libc quirk is involved. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  unsigned yoe = (unsigned)(y - era * 400);
  unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static bool leap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The number of the n digits at text, or -1 when they are not all digits
 * (sscanf's %d would take a sign, spaces or fewer digits). */
static int digits(const char *text, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    if (text[i] < '0' || text[i] > '9')
      return -1;
    v = 10 * v + (text[i] - '0');
  }
  return v;
}

/* Latest time accepted: 10000-01-01 00:00:00 UTC. Later "epoch seconds"
 * are almost always milliseconds. */
#define TIME_MAX 253402300800.0

static const char *parse_calendar(const char *text, double *time) {
  static const char shape[] = "dddd-dd-dd dd:dd:dd";
  for (size_t i = 0; i < sizeof(shape) - 1; i++)
    if (shape[i] == 'd' ? text[i] < '0' || text[i] > '9' : text[i] != shape[i])
      return "not YYYY-MM-DD HH:MM:SS";
  int year = digits(text, 4), month = digits(text + 5, 2),
      day = digits(text + 8, 2), hour = digits(text + 11, 2),
      minute = digits(text + 14, 2), second = digits(text + 17, 2);
  static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 ||
      day > mdays[month - 1] + (month == 2 && leap(year)) || hour > 23 ||
      minute > 59 || second > 60)
    return "no such date or time of day";
  if (year < 1970)
    return "before 1970";
  /* the fraction: digits only (strtod would take an exponent) */
  const char *rest = text + sizeof(shape) - 1;
  double fraction = 0.0, unit = 0.1;
  if (*rest == '.') {
    size_t n = strspn(rest + 1, "0123456789");
    if (n == 0 || rest[1 + n] != '\0')
      return "the fraction of a second must be digits";
    for (size_t i = 1; i <= n && unit > 1e-12; i++, unit /= 10)
      fraction += (rest[i] - '0') * unit;
  } else if (*rest != '\0') {
    return "text after the time";
  }
  int64_t days = days_from_civil(year, (unsigned)month, (unsigned)day);
  *time =
      (double)(days * 86400 + hour * 3600 + minute * 60 + second) + fraction;
  return NULL;
}

/* Parses a timestamp; returns NULL, or what is wrong with it. */
static const char *parse_time(const char *text, double *time) {
  if (strchr(text, '-') != NULL && strchr(text, ':') != NULL)
    return parse_calendar(text, time);
  char *end = NULL;
  errno = 0;
  double v = strtod(text, &end);
  if (end == text || *end != '\0' || errno != 0 || !isfinite(v))
    return "not a number of seconds";
  if (v < 0)
    return "before 1970";
  if (v >= TIME_MAX)
    return "after the year 9999 (milliseconds instead of seconds?)";
  *time = v;
  return NULL;
}

int ad_csv_parse_time(const char *text, double *time) {
  return parse_time(text, time) == NULL ? 0 : EINVAL;
}

int ad_csv_parse_value(const char *text, double *value) {
  if (text[0] == '\0' || strcasecmp(text, "nan") == 0) {
    *value = NAN;
    return 0;
  }
  char *end = NULL;
  errno = 0;
  double v = strtod(text, &end);
  if (end == text || *end != '\0' || !isfinite(v) || errno == ERANGE)
    return EINVAL;
  *value = v;
  return 0;
}

/* ---- lines and fields
 * --------------------------------------------------------- */

static char *trim(char *s) {
  while (isspace((unsigned char)*s))
    s++;
  size_t n = strlen(s);
  while (n > 0 && isspace((unsigned char)s[n - 1]))
    s[--n] = '\0';
  return s;
}

/* Reads the next line into csv->line, without its end of line. Returns 1, 0
 * at end of file, -1 on a read error (err filled). A NUL byte is an error:
 * it would silently cut the line short. */
static int read_line(ad_csv_t *csv, char *err, size_t err_size) {
  errno = 0;
  ssize_t n = getline(&csv->line, &csv->line_cap, csv->fp);
  if (n < 0) {
    if (!ferror(csv->fp))
      return 0;
    csv->line_no++;
    fail(csv, err, err_size, "read error: %s", strerror(errno));
    return -1;
  }
  csv->line_no++;
  const char *nul = memchr(csv->line, '\0', (size_t)n);
  if (nul != NULL) {
    fail(csv, err, err_size, "a NUL byte at column %zu (not a text file?)",
         (size_t)(nul - csv->line) + 1);
    return -1;
  }
  while (n > 0 && (csv->line[n - 1] == '\n' || csv->line[n - 1] == '\r'))
    csv->line[--n] = '\0';
  return 1;
}

/* A cell for an error message: escaped, at most 64 bytes of it. */
static const char *shown(const char *cell, char *buf, size_t size) {
  return ad_text_escape(buf, size, cell, 64);
}

/* Splits csv->line in place at commas, honouring double quotes. Returns the
 * number of fields, or 0 with err filled. */
static size_t split(ad_csv_t *csv, char *err, size_t err_size) {
  size_t count = 0;
  char *src = csv->line, *dst = csv->line;
  for (;;) {
    if (count == csv->field_cap) {
      size_t cap = csv->field_cap ? 2 * csv->field_cap : 16;
      char **grown = realloc(csv->fields, cap * sizeof(*grown));
      if (grown == NULL) {
        fail(csv, err, err_size, "out of memory");
        return 0;
      }
      csv->fields = grown;
      csv->field_cap = cap;
    }
    char *start = dst;
    while (*src == ' ' || *src == '\t')
      src++;
    if (*src == '"') {
      src++;
      for (;;) {
        if (*src == '\0') {
          fail(csv, err, err_size, "unterminated quoted field");
          return 0;
        }
        if (*src == '"' && src[1] == '"') {
          *dst++ = '"';
          src += 2;
        } else if (*src == '"') {
          src++;
          break;
        } else {
          *dst++ = *src++;
        }
      }
      while (*src == ' ' || *src == '\t')
        src++;
      if (*src != ',' && *src != '\0') {
        fail(csv, err, err_size, "text after a closing quote");
        return 0;
      }
    } else {
      while (*src != ',' && *src != '\0')
        *dst++ = *src++;
    }
    bool last = *src == '\0';
    *dst++ = '\0';
    src++;
    csv->fields[count++] = trim(start);
    if (last)
      return count;
  }
}

/* ---- the reader
 * ------------------------------------------------------------------- */

ad_csv_t *ad_csv_open(FILE *fp, const char *name, char *err, size_t err_size) {
  ad_csv_t *csv = calloc(1, sizeof(*csv));
  if (csv == NULL)
    return NULL;
  csv->fp = fp;
  csv->name = strdup(name);
  if (csv->name == NULL) {
    free(csv);
    return NULL;
  }
  int status = read_line(csv, err, err_size);
  if (status <= 0) {
    csv->line_no = 1;
    if (status == 0)
      fail(csv, err, err_size, "empty file: no header");
    ad_csv_close(csv);
    return NULL;
  }
  size_t n = split(csv, err, err_size);
  if (n == 0) {
    ad_csv_close(csv);
    return NULL;
  }
  if (strcasecmp(csv->fields[0], "timestamp") != 0 || n < 2) {
    fail(csv, err, err_size,
         "the header must be \"timestamp\" followed by at least one series "
         "column");
    ad_csv_close(csv);
    return NULL;
  }
  csv->columns = n - 1;
  csv->column_names = calloc(csv->columns, sizeof(char *));
  for (size_t i = 0; csv->column_names != NULL && i < csv->columns; i++) {
    const char *col = csv->fields[i + 1];
    if (col[0] == '\0') {
      fail(csv, err, err_size, "column %zu of the header has no name", i + 2);
      ad_csv_close(csv);
      return NULL;
    }
    csv->column_names[i] = strdup(col);
    if (csv->column_names[i] == NULL)
      break;
  }
  if (csv->column_names == NULL ||
      csv->column_names[csv->columns - 1] == NULL) {
    fail(csv, err, err_size, "out of memory");
    ad_csv_close(csv);
    return NULL;
  }
  return csv;
}

void ad_csv_close(ad_csv_t *csv) {
  if (csv == NULL)
    return;
  for (size_t i = 0; csv->column_names != NULL && i < csv->columns; i++)
    free(csv->column_names[i]);
  free(csv->column_names);
  free(csv->fields);
  free(csv->line);
  free(csv->name);
  free(csv);
}

size_t ad_csv_columns(const ad_csv_t *csv) { return csv->columns; }

const char *ad_csv_column_name(const ad_csv_t *csv, size_t i) {
  return i < csv->columns ? csv->column_names[i] : NULL;
}

size_t ad_csv_line(const ad_csv_t *csv) { return csv->line_no; }

int ad_csv_next(ad_csv_t *csv, double *time, const char **time_text,
                double *values, char *err, size_t err_size) {
  for (;;) {
    int status = read_line(csv, err, err_size);
    if (status < 0)
      return -1;
    if (status == 0)
      return 0;
    if (trim(csv->line)[0] != '\0')
      break;
  }
  size_t n = split(csv, err, err_size);
  if (n == 0)
    return -1;
  if (n != csv->columns + 1) {
    fail(csv, err, err_size, "expected %zu fields like the header, found %zu",
         csv->columns + 1, n);
    return -1;
  }
  double t;
  const char *why = parse_time(csv->fields[0], &t);
  char cell[300], column[300];
  if (why != NULL) {
    fail(csv, err, err_size,
         "bad timestamp \"%s\": %s (expected epoch seconds or YYYY-MM-DD "
         "HH:MM:SS[.fraction], UTC)",
         shown(csv->fields[0], cell, sizeof(cell)), why);
    return -1;
  }
  for (size_t i = 0; i < csv->columns; i++) {
    if (ad_csv_parse_value(csv->fields[i + 1], &values[i]) != 0) {
      fail(csv, err, err_size, "column \"%s\": \"%s\" is not a number",
           shown(csv->column_names[i], column, sizeof(column)),
           shown(csv->fields[i + 1], cell, sizeof(cell)));
      return -1;
    }
  }
  csv->went_back = csv->have_time && !(t > csv->last_time);
  csv->last_time = t;
  csv->have_time = true;
  *time = t;
  *time_text = csv->fields[0];
  return 1;
}

bool ad_csv_time_went_back(const ad_csv_t *csv) { return csv->went_back; }

const char *ad_csv_name(const ad_csv_t *csv) { return csv->name; }
