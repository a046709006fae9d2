/* ad_weekly: a host's hours of the week (see header). */
#include "detectors/ad_weekly.h"

#include <math.h>
#include <string.h>

/* The epoch was a Thursday: Monday 00:00 UTC is 72 hours before it. */
#define EPOCH_HOUR_OF_WEEK 72.0

void ad_weekly_init(ad_weekly_t *w) { memset(w, 0, sizeof(*w)); }

int ad_weekly_hour_of(double t) {
  if (!isfinite(t))
    return -1;
  double h = fmod(floor(t / 3600.0) + EPOCH_HOUR_OF_WEEK, AD_WEEK_HOURS);
  if (h < 0)
    h += AD_WEEK_HOURS;
  return (int)h % AD_WEEK_HOURS;
}

/* The week (counted from the one holding the epoch's Monday, from 1) of
 * data time t: what the bins record as "as of". */
static double week_of(double t) {
  return floor((t / 3600.0 + EPOCH_HOUR_OF_WEEK) / AD_WEEK_HOURS) + 1.0;
}

/* What evidence recorded in week `from` keeps by week `to`. */
static double kept(double from, double to) {
  double weeks = to - from;
  if (!(weeks > 0))
    return 1.0;
  if (weeks > 200) /* nothing left worth a float */
    return 0.0;
  return pow(AD_WEEKLY_KEEP, weeks);
}

void ad_weekly_fold(ad_weekly_t *w, double t, double seconds, double risk,
                    bool in_incident, bool onset) {
  int h = ad_weekly_hour_of(t);
  if (h < 0 || !(seconds >= 0)) /* NaN seconds: nothing to count */
    return;
  double hours = fmin(seconds, 3600.0) / 3600.0;
  double week = week_of(t);
  if (week > w->week[h]) {
    double k = kept(w->week[h], week);
    w->seen[h] = (float)(w->seen[h] * k);
    w->risk[h] = (float)(w->risk[h] * k);
    w->incident[h] = (float)(w->incident[h] * k);
    w->onsets[h] = (float)(w->onsets[h] * k);
    w->week[h] = (float)week;
  }
  w->seen[h] += (float)hours;
  if (isfinite(risk))
    w->risk[h] += (float)(fmin(fmax(risk, 0.0), 1.0) * hours);
  if (in_incident)
    w->incident[h] += (float)hours;
  if (onset)
    w->onsets[h] += 1.0f;
}

ad_weekly_hour_t ad_weekly_get(const ad_weekly_t *w, int hour, double now) {
  ad_weekly_hour_t out = {.mean_risk = NAN};
  if (hour < 0 || hour >= AD_WEEK_HOURS)
    return out;
  double k = isfinite(now) ? kept(w->week[hour], week_of(now)) : 1.0;
  out.seen = w->seen[hour] * k;
  out.onsets = w->onsets[hour] * k;
  if (w->seen[hour] > 0) {
    /* ratios: the decay cancels out */
    out.mean_risk = fmin(w->risk[hour] / w->seen[hour], 1.0);
    out.incident = fmin(w->incident[hour] / w->seen[hour], 1.0);
  }
  return out;
}

double ad_weekly_seen(const ad_weekly_t *w, double now) {
  double sum = 0;
  for (int h = 0; h < AD_WEEK_HOURS; h++)
    sum += ad_weekly_get(w, h, now).seen;
  return sum;
}

const char *ad_weekly_invalid(const ad_weekly_t *w) {
  for (int h = 0; h < AD_WEEK_HOURS; h++) {
    const float v[] = {w->seen[h], w->risk[h], w->incident[h], w->onsets[h],
                       w->week[h]};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
      if (!isfinite(v[i]) || v[i] < 0)
        return "a negative or non-finite number";
    /* a float's rounding may put a sum a hair above what it was added to */
    if (w->risk[h] > w->seen[h] * 1.001f + 1e-3f ||
        w->incident[h] > w->seen[h] * 1.001f + 1e-3f)
      return "more risk or incident time than hours observed";
  }
  return NULL;
}
