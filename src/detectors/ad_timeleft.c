/* ad_timeleft: time to a ceiling (see header). */
#include "detectors/ad_timeleft.h"

#include <math.h>

/* Seconds until level reaches ceiling at rate, from `ahead` seconds past
 * the estimate (INFINITY when it never does). */
static double crossing(double level, double ceiling, double rate,
                       double ahead) {
  if (!(rate > 0))
    return INFINITY;
  return fmax((ceiling - level) / rate - ahead, 0.0);
}

bool ad_timeleft(const ad_drift_estimate_t *e, double ceiling, double now,
                 ad_timeleft_t *out) {
  *out = (ad_timeleft_t){INFINITY, INFINITY, INFINITY, NAN, NAN};
  if (!e->trusted || !(e->slope > 0) || !isfinite(ceiling) || !isfinite(now))
    return false;
  double ahead = fmax(now - e->time, 0.0);
  double margin = AD_TIMELEFT_Z * e->slope_se;
  out->rate = e->slope;
  out->level = e->level + e->slope * ahead;
  out->seconds = crossing(e->level, ceiling, e->slope, ahead);
  out->low = crossing(e->level, ceiling, e->slope + margin, ahead);
  out->high = crossing(e->level, ceiling, e->slope - margin, ahead);
  /* a line seen for less than a day is not taken further than a few
   * times as far as it was seen */
  return e->trusted || out->seconds <= AD_TIMELEFT_REACH * e->span;
}
