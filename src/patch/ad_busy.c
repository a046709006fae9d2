/* ad_busy: when a host's series stand away from their level (see header). */
#include "patch/ad_busy.h"

#include "core/ad_ident.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_value(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median_of(const double *v, size_t n) {
  double sorted[AD_WEEK_HOURS];
  memcpy(sorted, v, n * sizeof(*v));
  qsort(sorted, n, sizeof(*sorted), by_value);
  return n % 2 ? sorted[n / 2] : 0.5 * (sorted[n / 2 - 1] + sorted[n / 2]);
}

/* Data time of the middle of hour `hour` of the week holding `at`. */
static double hour_time(double at, int hour) {
  double week_start =
      (floor((at / 3600.0 + 72.0) / AD_WEEK_HOURS) * AD_WEEK_HOURS - 72.0) *
      3600.0;
  return week_start + hour * 3600.0 + 1800.0;
}

/* +1 for a series that rises when the host is busier (CPU use, traffic,
 * load), -1 for one that falls (idle CPU, free memory or disk). */
static double busier(const ad_ident_t *id, const char *ds) {
  static const char *const spare[] = {"idle", "free"};
  for (size_t i = 0; i < sizeof(spare) / sizeof(spare[0]); i++)
    if (strstr(id->type_instance, spare[i]) != NULL ||
        (ds != NULL && strstr(ds, spare[i]) != NULL))
      return -1.0;
  return 1.0;
}

/* Adds one series' departures to b. */
static void add_series(const ad_series_t *s, const char *name, double sign,
                       double at, ad_busy_t *b) {
  double f[AD_WEEK_HOURS], scale[AD_WEEK_HOURS];
  for (int h = 0; h < AD_WEEK_HOURS; h++)
    if (!ad_season_forecast(&s->season, hour_time(at, h), &f[h], &scale[h]) ||
        !isfinite(f[h]) || !(scale[h] > 0) || !isfinite(scale[h]))
      return;
  if (s->season.seasonal_mode)
    b->seasonal++;
  double med = median_of(f, AD_WEEK_HOURS);
  for (int h = 0; h < AD_WEEK_HOURS; h++) {
    /* in the hour's own noise: a job that is not sure to run then moves
     * less than its height */
    double d = sign * (f[h] - med) / scale[h];
    if (!(d >= AD_BUSY_SCALES))
      continue;
    b->departing[h]++;
    if (d > b->furthest[h]) {
      b->furthest[h] = (float)d;
      snprintf(b->series[h], sizeof(b->series[h]), "%s", name);
    }
  }
}

typedef struct {
  double at;
  ad_busy_t *busy;
} profiling_t;

static void profile_series(void *ctx, const ad_vlist_series_ref_t *r) {
  profiling_t *p = ctx;
  add_series(&r->vlist->series[r->index], r->name, busier(r->id, r->ds), p->at,
             p->busy);
}

void ad_busy_profile(ad_vlist_t *const *vlists, size_t n, double at,
                     ad_busy_t *b) {
  memset(b, 0, sizeof(*b));
  if (!isfinite(at))
    return;
  profiling_t p = {.at = at, .busy = b};
  ad_vlist_each_series(vlists, n, profile_series, &p);
  double counts[AD_WEEK_HOURS];
  for (int h = 0; h < AD_WEEK_HOURS; h++)
    counts[h] = b->departing[h];
  b->median = median_of(counts, AD_WEEK_HOURS);
}

bool ad_busy_hour(const ad_busy_t *b, int hour) {
  if (hour < 0 || hour >= AD_WEEK_HOURS)
    return false;
  unsigned n = b->departing[hour];
  return n >= 1 && n >= AD_BUSY_RATIO * b->median;
}
