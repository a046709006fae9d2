/* ad_timeleft: time to a ceiling (see header). */
#include "detectors/ad_timeleft.h"

#include <math.h>

/* The furthest ahead a crossing is looked for: beyond, never. */
#define HORIZON (10 * 365 * 86400.0)
/* Steps of the search: a grid growing by GROWTH from one bucket, then
 * halvings of the bracket found (both bounded). */
#define GROWTH 1.1
#define HALVINGS 48

/* Where the trend's line, shifted by `sign` times its 90 % uncertainty,
 * stands h seconds after the estimate, less the ceiling. */
static double above(const ad_drift_estimate_t *e, double ceiling, double h,
                    int sign) {
  double drift = e->slope_se * h;
  double walk = e->jitter * e->jitter * h / AD_DRIFT_BUCKET;
  double u = AD_TIMELEFT_Z * sqrt(drift * drift + (walk > 0 ? walk : 0.0));
  return e->level + e->net_slope * h + sign * u - ceiling;
}

/* Seconds after the estimate when the shifted line first reaches the
 * ceiling (INFINITY: not within HORIZON). */
static double crossing(const ad_drift_estimate_t *e, double ceiling, int sign) {
  if (above(e, ceiling, 0.0, sign) >= 0)
    return 0.0;
  double lo = 0.0, hi = AD_DRIFT_BUCKET;
  while (above(e, ceiling, hi, sign) < 0) {
    if (hi > HORIZON)
      return INFINITY;
    lo = hi;
    hi *= GROWTH;
  }
  for (int i = 0; i < HALVINGS; i++) {
    double mid = 0.5 * (lo + hi);
    if (above(e, ceiling, mid, sign) < 0)
      lo = mid;
    else
      hi = mid;
  }
  return hi;
}

bool ad_timeleft(const ad_drift_estimate_t *e, double ceiling, double now,
                 ad_timeleft_t *out) {
  *out = (ad_timeleft_t){INFINITY, INFINITY, INFINITY, NAN, NAN};
  if (!e->significant || !(e->net_slope > 0) || !isfinite(ceiling) ||
      !isfinite(now) || !isfinite(e->level) || !isfinite(e->slope_se) ||
      !isfinite(e->jitter))
    return false;
  double ahead = fmax(now - e->time, 0.0);
  out->rate = e->net_slope;
  out->level = e->level + e->net_slope * ahead;
  out->seconds = fmax((ceiling - e->level) / e->net_slope - ahead, 0.0);
  out->low = fmax(crossing(e, ceiling, +1) - ahead, 0.0);
  out->high = fmax(crossing(e, ceiling, -1) - ahead, 0.0);
  /* a line seen for less than a day is not taken further than a few
   * times as far as it was seen */
  return e->trusted || out->seconds <= AD_TIMELEFT_REACH * e->span;
}
