/* ad_behaviour: the pattern of a series (see header). */
#include "detectors/ad_behaviour.h"
#include "detectors/ad_detector.h"

#include <math.h>

/* "Sparse": at least this share of quarter hours all one value... */
#define SPARSE_SHARE 0.5
/* ...but not so many that it is simply constant. */
#define CONSTANT_SHARE 0.98

static const char *const NAMES[AD_BEHAVIOUR_KINDS] = {
    "learning",         "stable",
    "trending up",      "trending down",
    "seasonal (daily)", "seasonal (weekly)",
    "volatile",         "sparse"};

const char *ad_behaviour_name(ad_behaviour_kind_t kind) {
  return (unsigned)kind < AD_BEHAVIOUR_KINDS ? NAMES[kind] : NAMES[0];
}

static double clamp01(double v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

/* The evidence, whatever the verdict. */
static void evidence(const ad_season_t *s, const ad_drift_t *d,
                     const ad_drift_estimate_t *e, bool have,
                     ad_behaviour_t *out) {
  out->flat_share = d->flat_share;
  out->slope_per_day = have && e->trusted ? e->slope * AD_DAY : NAN;
  out->seasonal_share =
      d->err_flat > 0 ? clamp01(1.0 - d->err_shaped / d->err_flat) : 0.0;
  double level = have ? fabs(e->level) : 0.0;
  double scatter = s->scale; /* per value, after the forecast */
  out->dispersion = level > 0 ? scatter / level : scatter > 0 ? INFINITY : 0.0;
}

void ad_behaviour_of(const ad_season_t *s, const ad_drift_t *d,
                     ad_behaviour_t *out) {
  ad_drift_estimate_t e;
  bool have = ad_drift_estimate(d, &e);
  evidence(s, d, &e, have, out);
  out->kind = AD_BEHAVIOUR_LEARNING;
  out->strength = 0.0;
  if (d->buckets < AD_DAY / AD_DRIFT_BUCKET || !have)
    return;
  double moved = isfinite(out->slope_per_day) ? fabs(out->slope_per_day) : 0;
  if (out->flat_share >= SPARSE_SHARE && out->flat_share < CONSTANT_SHARE) {
    out->kind = AD_BEHAVIOUR_SPARSE;
    out->strength = clamp01((out->flat_share - SPARSE_SHARE) /
                            (CONSTANT_SHARE - SPARSE_SHARE));
  } else if (moved > 2.0 * e.noise) {
    out->kind =
        e.slope > 0 ? AD_BEHAVIOUR_TRENDING_UP : AD_BEHAVIOUR_TRENDING_DOWN;
    out->strength = moved / (moved + 2.0 * e.noise);
  } else if (out->seasonal_share >= AD_BEHAVIOUR_SEASONAL_SHARE) {
    double day, week;
    ad_season_profile_spread(s, &day, &week);
    out->kind =
        week > day ? AD_BEHAVIOUR_SEASONAL_WEEKLY : AD_BEHAVIOUR_SEASONAL_DAILY;
    out->strength = out->seasonal_share;
  } else if (out->dispersion >= AD_BEHAVIOUR_VOLATILE_SCATTER) {
    out->kind = AD_BEHAVIOUR_VOLATILE;
    out->strength =
        clamp01(out->dispersion / (2 * AD_BEHAVIOUR_VOLATILE_SCATTER));
  } else {
    out->kind = AD_BEHAVIOUR_STABLE;
    out->strength = 1.0 - out->dispersion / AD_BEHAVIOUR_VOLATILE_SCATTER;
  }
}
