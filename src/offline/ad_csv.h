/* ad_csv: the replay CSV format (README: collectd-anomaly replay): a header
 * `timestamp` followed by one column per series, then one row per point in
 * time. Timestamps are epoch seconds (fractions allowed) or
 * `YYYY-MM-DD HH:MM:SS[.ffffff]` in UTC.
 * They should increase; real exports repeat or step back (clock changes), so
 * such rows are still returned and ad_csv_time_went_back says so. An empty cell
 * or `nan` is a missing value. Fields may be double-quoted ("" inside quotes is
 * a quote).
 *
 * Every error is reported as "FILE:LINE: reason". The reader streams: memory
 * is one line and one row of values, whatever the file size. */
#ifndef AD_CSV_H
#define AD_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct ad_csv_s ad_csv_t;

/* Opens a reader on fp (not closed by the reader), named `name` in errors,
 * and reads the header. Returns NULL with err filled ("FILE:LINE: reason")
 * when the header is missing or malformed or memory runs out. */
ad_csv_t *ad_csv_open(FILE *fp, const char *name, char *err, size_t err_size);

/* Frees the reader; NULL allowed. */
void ad_csv_close(ad_csv_t *csv);

/* Number of series columns (header fields after `timestamp`). */
size_t ad_csv_columns(const ad_csv_t *csv);

/* Name of series column i (0-based, after `timestamp`). Borrowed. */
const char *ad_csv_column_name(const ad_csv_t *csv, size_t i);

/* Reads the next row: *time (epoch seconds), *time_text (the timestamp as
 * written; borrowed until the next call), and values[0..columns-1] (NaN for
 * missing). Returns 1 for a row, 0 at end of file, -1 on error with err
 * filled. Blank lines are skipped. */
int ad_csv_next(ad_csv_t *csv, double *time, const char **time_text,
                double *values, char *err, size_t err_size);

/* True when the last row's timestamp was not after the previous row's. */
bool ad_csv_time_went_back(const ad_csv_t *csv);

/* The name the reader was opened with. Borrowed. */
const char *ad_csv_name(const ad_csv_t *csv);

/* Line number of the last line read (1-based; the header is line 1). */
size_t ad_csv_line(const ad_csv_t *csv);

/* Parses a timestamp as described above. Returns 0 or EINVAL. */
int ad_csv_parse_time(const char *text, double *time);

/* Parses a cell: a number, or empty / nan (any case) for NaN. Returns 0 or
 * EINVAL. */
int ad_csv_parse_value(const char *text, double *value);

#endif /* AD_CSV_H */
