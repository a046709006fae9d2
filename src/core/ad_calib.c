/* ad_calib: calibration of raw deviations into surprises (see header). */
#include "ad_calib.h"

#include <math.h>
#include <string.h>

/* Bin k covers [Z0 (R^k - 1), Z0 (R^(k+1) - 1)): fine near 0, coarse far
 * out; the last bin reaches past 4 million. */
#define Z0 0.2
#define R 1.3
/* Weight, in values, of the prior. */
#define PRIOR_VALUES 30.0
/* Past the record the tail is a power law whose exponent is fitted to the
 * history's upper tail; without enough tail to fit, this one. */
#define TAIL_EXPONENT 2.0
/* Exponents are kept at least this: a tail cannot fall slower. */
#define MIN_TAIL_EXPONENT 1.0
/* Rescale the lazy-decay gain before floats lose precision. */
#define GAIN_LIMIT 1e6f

static double edge(int k) { return Z0 * (pow(R, k) - 1.0); }

static int bin_of(double z) {
  int k = (int)floor(log1p(z / Z0) / log(R));
  return k < 0 ? 0 : k >= AD_CALIB_BINS ? AD_CALIB_BINS - 1 : k;
}

void ad_calib_init(ad_calib_t *c) {
  memset(c, 0, sizeof(*c));
  c->gain = 1.0f;
}

double ad_calib_prior_tail(double z) { return exp(-z); }

/* Mass at or above the lower edge of bin b. */
static double mass_from(const ad_calib_t *c, int b) {
  double tail = 0.0;
  for (int k = b; k < AD_CALIB_BINS; k++)
    tail += c->mass[k];
  return tail;
}

/* The highest bin holding history (-1: none). */
static int top_bin(const ad_calib_t *c) {
  for (int k = AD_CALIB_BINS - 1; k >= 0; k--)
    if (c->mass[k] > 0)
      return k;
  return -1;
}

/* P(deviation >= z) under history and prior together, z inside the
 * histogram's range. Inside a bin the tail is interpolated log-linearly
 * between the bin's edges (densities fall steeply in the tails; a linear
 * interpolation would call a 3-sigma deviation twice as common as it is). */
static double tail_probability(const ad_calib_t *c, double z, double values) {
  int b = bin_of(z);
  double lo = edge(b), hi = edge(b + 1);
  double f = z >= hi ? 1.0 : (z - lo) / (hi - lo);
  double at_lo =
      mass_from(c, b) / c->gain + PRIOR_VALUES * ad_calib_prior_tail(lo);
  double at_hi = (b + 1 < AD_CALIB_BINS ? mass_from(c, b + 1) / c->gain : 0.0) +
                 PRIOR_VALUES * ad_calib_prior_tail(hi);
  double tail = at_hi > 0 ? exp((1.0 - f) * log(at_lo) + f * log(at_hi))
                          : (1.0 - f) * at_lo;
  return tail / (values + PRIOR_VALUES);
}

static double to_surprise(double p) {
  if (!(p > 0))
    return AD_CALIB_MAX_SURPRISE;
  double s = -log10(p);
  return s < 0 ? 0 : s > AD_CALIB_MAX_SURPRISE ? AD_CALIB_MAX_SURPRISE : s;
}

/* The history's own P(deviation >= z), prior left out, interpolated as in
 * tail_probability. */
static double history_tail(const ad_calib_t *c, double z, double values) {
  int b = bin_of(z);
  double lo = edge(b), hi = edge(b + 1);
  double f = z >= hi ? 1.0 : (z - lo) / (hi - lo);
  double at_lo = mass_from(c, b) / c->gain;
  double at_hi = b + 1 < AD_CALIB_BINS ? mass_from(c, b + 1) / c->gain : 0.0;
  double tail = at_hi > 0 ? exp((1.0 - f) * log(at_lo) + f * log(at_hi))
                          : (1.0 - f) * at_lo;
  return tail / values;
}

/* The deviation beyond which a share `share` of the history lies. */
static double history_quantile(const ad_calib_t *c, double share,
                               double values) {
  double lo = 0.0, hi = edge(AD_CALIB_BINS);
  for (int i = 0; i < 50; i++) {
    double mid = 0.5 * (lo + hi);
    if (history_tail(c, mid, values) > share)
      lo = mid;
    else
      hi = mid;
  }
  return hi;
}

double ad_calib_surprise(const ad_calib_t *c, double z) {

  if (isnan(z))
    return NAN;
  if (z <= 0)
    return 0.0;
  double values = c->total / c->gain; /* history in values */
  /* In the history's highest occupied bin and past it, where the few
   * values up there say little, the tail is extrapolated from that bin's
   * lower edge as a power law, with the exponent at which the series' own
   * upper tail falls (see below): steep for a
   * Gaussian-like series (a record ten times further is news), gentle for
   * a heavy-tailed one (where such records are a fact of life). */
  int top = top_bin(c);
  double anchor = top >= 0 ? edge(top) : 0.0;
  if (values < 100.0 || top <= 0 || z <= anchor)
    return to_surprise(tail_probability(c, z, values));
  /* The tail exponent is Hill's estimate over the top of the history (the
   * prior left out: its exponential tail would flatten a short history's):
   * 1 / mean log(x / u) over the values x above u, u the quantile with the
   * top 1% above it (but at least 20 values, at most 10%), bins standing in
   * for values at their geometric middles. The thinner the top slice, the
   * better a light (Gaussian-like) tail shows how fast it falls. */
  double at_anchor = history_tail(c, anchor, values);
  double exponent = TAIL_EXPONENT;
  double u = history_quantile(c, fmax(0.01, fmin(0.1, 20.0 / values)), values);
  if (u > 0 && u < anchor) {
    double sum = 0.0, mass = 0.0;
    for (int k = bin_of(u); k <= top; k++) {
      double lo = fmax(edge(k), u), hi = edge(k + 1);
      double m = c->mass[k] / c->gain;
      if (k == bin_of(u))
        m *= (hi - lo) / (edge(k + 1) - edge(k));
      sum += m * log(sqrt(lo * hi) / u);
      mass += m;
    }
    if (sum > 0)
      exponent = mass / sum;
  }
  exponent = fmax(MIN_TAIL_EXPONENT, exponent);
  /* mixed with the prior by weight, as inside the history's range */
  double p = (values * at_anchor * pow(anchor / z, exponent) +
              PRIOR_VALUES * ad_calib_prior_tail(z)) /
             (values + PRIOR_VALUES);
  return to_surprise(p);
}

void ad_calib_learn(ad_calib_t *c, double z, double memory) {
  if (isnan(z))
    return;
  c->mass[bin_of(z < 0 ? 0 : z)] += c->gain;
  c->total += c->gain;
  /* Instead of multiplying every bin by (1 - 1/memory), later values weigh
   * more; rescaled now and then. */
  c->gain /= (float)(1.0 - 1.0 / fmax(memory, 2.0));
  if (c->gain > GAIN_LIMIT) {
    for (int k = 0; k < AD_CALIB_BINS; k++)
      c->mass[k] /= c->gain;
    c->total /= c->gain;
    c->gain = 1.0f;
  }
  if (c->seen < UINT32_MAX)
    c->seen++;
}

double ad_calib_deviation_at(const ad_calib_t *c, double surprise) {
  double lo = 0.0, hi = 1.0;
  while (ad_calib_surprise(c, hi) < surprise && hi < 1e6)
    hi *= 2.0;
  for (int i = 0; i < 40; i++) {
    double mid = 0.5 * (lo + hi);
    if (ad_calib_surprise(c, mid) < surprise)
      lo = mid;
    else
      hi = mid;
  }
  return hi;
}

double ad_calib_band(ad_calib_t *c, double surprise) {
  if (c->band <= 0.0f || (c->seen & 63) == 0)
    c->band = (float)ad_calib_deviation_at(c, surprise);
  return c->band;
}
