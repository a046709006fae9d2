/* ad_trend: how fast a series is moving (see header). */
#include "detectors/ad_trend.h"
#include "detectors/ad_detector.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>

/* Weights below this are gone: after a gap of many AD_TREND_TIMEs the
 * line starts afresh instead of carrying sums of denormal weight. */
#define TREND_FORGOTTEN 1e-9
#define TREND_GAP 40.0 /* time constants */

void ad_trend_init(ad_trend_t *t) {
  t->weight = t->sum_x = t->sum_u = t->sum_uu = t->sum_ux = t->sum_xx = 0.0;
  t->origin = 0.0;
  t->last = NAN;
}

/* Ages every value by dt seconds and decays its weight. */
static inline void age(ad_trend_t *t, double tau, double dt) {
  t->sum_uu += -2.0 * dt * t->sum_u + dt * dt * t->weight;
  t->sum_ux -= dt * t->sum_x;
  t->sum_u -= dt * t->weight;
  double d = exp(-dt / tau);
  t->weight *= d;
  t->sum_x *= d;
  t->sum_u *= d;
  t->sum_uu *= d;
  t->sum_ux *= d;
  t->sum_xx *= d;
}

/* Where the line is now (at age 0): the weighted mean while there is no
 * spread of times to fit a line to. */
static double line_now(const ad_trend_t *t) {
  double mean_u = t->sum_u / t->weight, mean_x = t->sum_x / t->weight;
  double spread = t->sum_uu - t->sum_u * mean_u;
  if (!(spread > 0))
    return mean_x;
  double slope = (t->sum_ux - mean_u * t->sum_x) / spread;
  return mean_x - slope * mean_u;
}

/* Both learners share this; inlined, the short trend's constant time
 * constant folds into it (one value a value: the write path). */
static inline void learn(ad_trend_t *t, double tau, double time, double x,
                         double limit) {
  x = ad_value_bounded(x); /* squares of any finite value stay finite */
  if (isnan(x) || !isfinite(time) || !(tau > 0) ||
      (!isnan(t->last) && !(time > t->last)))
    return;
  /* a gap of TREND_GAP time constants forgets everything (and keeps the
   * squares of an absurd gap out of the sums) */
  if (!isnan(t->last) && time - t->last < TREND_GAP * tau)
    age(t, tau, time - t->last);
  else
    t->weight = 0.0;
  if (t->weight < TREND_FORGOTTEN) {
    ad_trend_init(t);
    t->origin = x;
  }
  x -= t->origin;
  if (t->weight > 0 && limit > 0) {
    /* the line's value now is bounded like a value: squares of what is
     * learned stay finite whatever the sums held */
    double now = ad_value_bounded(line_now(t));
    if (!isnan(now))
      x = ad_value_bounded(ad_fmax(now - limit, ad_fmin(now + limit, x)));
  }
  t->weight += 1.0;
  t->sum_x += x; /* at age 0: the sums with ages gain nothing */
  t->sum_xx += x * x;
  t->last = time;
}

void ad_trend_learn(ad_trend_t *t, double tau, double time, double x,
                    double limit) {
  learn(t, tau, time, x, limit);
}

void ad_trend_update(ad_trend_t *t, double time, double x, double scale) {
  learn(t, AD_TREND_TIME, time, x, scale > 0 ? AD_TREND_CLIP * scale : 0.0);
}

void ad_trend_offset(ad_trend_t *t, double delta) {
  /* the values are kept less the origin: moving it moves them all */
  if (isfinite(delta) && t->weight > 0)
    t->origin = ad_value_bounded(t->origin + delta);
}

bool ad_trend_level_slope(const ad_trend_t *t, double *level, double *slope) {
  if (!(t->weight > 2.0))
    return false;
  double mean_u = t->sum_u / t->weight;
  double spread = t->sum_uu - t->sum_u * mean_u;
  if (!(spread > 0))
    return false;
  *slope = (t->sum_ux - mean_u * t->sum_x) / spread;
  *level = t->origin + t->sum_x / t->weight - *slope * mean_u;
  return true;
}

bool ad_trend_line(const ad_trend_t *t, ad_trend_line_t *line) {
  *line = (ad_trend_line_t){NAN, NAN, NAN, NAN, NAN};
  double level, slope;
  if (!ad_trend_level_slope(t, &level, &slope))
    return false;
  double mean_u = t->sum_u / t->weight, mean_x = t->sum_x / t->weight;
  double spread = t->sum_uu - t->sum_u * mean_u; /* sum w (u - mean)^2 */
  double off = (t->sum_xx - t->sum_x * mean_x - slope * slope * spread) /
               t->weight; /* rounding can take it below zero */
  line->level = level;
  line->slope = slope;
  line->residual = sqrt(ad_fmax(off, 0.0));
  /* with weights at most 1, sigma / sqrt(spread) bounds the slope's
   * error */
  line->slope_se = line->residual / sqrt(spread);
  line->span = sqrt(spread / t->weight);
  return true;
}

double ad_trend_per_hour(const ad_trend_t *t, double scale) {
  if (!(t->weight > 2.0) || !(scale > 0))
    return NAN;
  double mean_u = t->sum_u / t->weight;
  double spread = t->sum_uu - t->sum_u * mean_u; /* sum w (u - mean)^2 */
  /* the line needs an hour's worth of times to lean on */
  if (!(spread > t->weight * AD_TREND_TIME * AD_TREND_TIME / 12.0))
    return NAN;
  double slope = (t->sum_ux - mean_u * t->sum_x) / spread;
  /* with weights at most 1, sigma / sqrt(spread) bounds its error */
  if (!(fabs(slope) > AD_TREND_Z * scale / sqrt(spread)))
    return NAN;
  /* the values' weighted spread about the line */
  double mean_x = t->sum_x / t->weight;
  double off =
      (t->sum_xx - t->sum_x * mean_x - slope * slope * spread) / t->weight;
  if (!(off <= AD_TREND_FIT * AD_TREND_FIT * scale * scale))
    return NAN;
  return slope * 3600.0;
}

/* a^2 <= b c, give or take rounding. */
static bool cauchy_schwarz(double a, double b, double c) {
  double bound = b * c;
  return a * a <= bound * (1.0 + 1e-9) + 1e-300 || !isfinite(bound);
}

const char *ad_trend_invalid(const ad_trend_t *t) {
  if (!(t->weight >= 0) || !isfinite(t->weight) || !isfinite(t->sum_x) ||
      !isfinite(t->sum_u) || !isfinite(t->sum_uu) || !isfinite(t->sum_ux) ||
      !isfinite(t->sum_xx) || !isfinite(t->origin) || isinf(t->last))
    return "trend: a sum out of range";
  if (t->sum_u > 0 || t->sum_uu < 0 || t->sum_xx < 0 ||
      (t->weight > 0 && isnan(t->last)))
    return "trend: sums that do not go together";
  /* weighted sums of one set of values and ages obey Cauchy-Schwarz (a
   * file's sum_ux of -1e300 beside modest others does not) */
  if (!cauchy_schwarz(t->sum_u, t->weight, t->sum_uu) ||
      !cauchy_schwarz(t->sum_x, t->weight, t->sum_xx) ||
      !cauchy_schwarz(t->sum_ux, t->sum_uu, t->sum_xx))
    return "trend: sums that do not go together";
  return NULL;
}
