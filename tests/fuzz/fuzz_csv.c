/* Fuzz target: the replay CSV reader and the engine fed from it, as
 * `collectd-anomaly replay` does (every other column a DERIVE counter),
 * then the save-and-restore invariant. */
#include "fuzz_util.h"

#include "core/ad_ident.h"
#include "offline/ad_csv.h"
#include "offline/ad_rate.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_COLUMNS 16
#define MAX_ROWS 400 /* bounded work an input */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FILE *fp = fmemopen((void *)data, size, "r");
  if (fp == NULL || size == 0) {
    if (fp != NULL)
      fclose(fp);
    return 0;
  }
  char err[512];
  ad_csv_t *csv = ad_csv_open(fp, "fuzz.csv", err, sizeof(err));
  size_t n = csv != NULL ? ad_csv_columns(csv) : 0;
  ad_engine_t *e =
      n > 0 && n <= MAX_COLUMNS ? fuzz_engine(FUZZ_QUICK, 64) : NULL;
  ad_ident_buf_t names[MAX_COLUMNS];
  ad_ident_t ids[MAX_COLUMNS];
  ad_rate_t rates[MAX_COLUMNS];
  for (size_t i = 0; e != NULL && i < n; i++) {
    if (ad_ident_parse(ad_csv_column_name(csv, i), "fuzz", &names[i],
                       &ids[i]) != 0) {
      ad_engine_destroy(e);
      e = NULL;
    }
    ad_rate_init(&rates[i]);
  }
  static const char *const ds[] = {"value"};
  double time, values[MAX_COLUMNS];
  const char *text;
  for (int row = 0;
       e != NULL && row < MAX_ROWS &&
       ad_csv_next(csv, &time, &text, values, err, sizeof(err)) == 1;
       row++) {
    for (size_t i = 0; i < n; i++) {
      double v = values[i];
      if (i % 2 == 1)
        (void)ad_rate_update(&rates[i], AD_DS_DERIVE, values[i], time, &v);
      ad_sample_t s = {.time = time,
                       .interval = 60,
                       .arrival = time,
                       .count = 1,
                       .values = &v,
                       .ds_names = ds};
      (void)ad_engine_submit(e, &ids[i], &s);
    }
    (void)ad_engine_train(e, SIZE_MAX);
    (void)ad_engine_flush_host(e, "fuzz");
    if (row % 256 == 255)
      (void)ad_engine_housekeep(e, time);
  }
  if (e != NULL) {
    ad_engine_close_ticks(e);
    fuzz_check_round_trip(e, FUZZ_QUICK, 64);
  }
  ad_engine_destroy(e);
  ad_csv_close(csv);
  fclose(fp);
  return 0;
}
