/* ad_outlook: a series' expectation ahead (see header). */
#include "detectors/ad_outlook.h"

#include <math.h>

bool ad_outlook_at(const ad_season_t *s, const ad_drift_t *d, double t,
                   ad_outlook_t *out) {
  out->trend = false;
  if (!ad_season_forecast(s, t, &out->expected, &out->scale))
    return false;
  ad_drift_estimate_t e;
  if (!ad_drift_estimate(d, &e) || !e.trusted)
    return true;
  /* behind the newest bucket the line is as good as its level: the
   * forecaster's own expectation is the better one there */
  double ahead = fmax(t - e.time, 0.0);
  out->expected = e.level + e.slope * ahead + e.shape * ad_season_profile(s, t);
  double drift = e.slope_se * ahead;
  out->scale = sqrt(out->scale * out->scale + drift * drift);
  out->trend = true;
  return true;
}
