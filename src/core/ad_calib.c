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
/* Beyond the record, p falls as (record / z)^TAIL_EXPONENT. */
#define TAIL_EXPONENT 2.0
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

/* Mass at or above z, interpolating linearly inside z's bin. */
static double mass_above(const ad_calib_t *c, double z) {
  int b = bin_of(z);
  double lo = edge(b), hi = edge(b + 1);
  double frac = z >= hi ? 0.0 : (hi - z) / (hi - lo);
  double tail = frac * c->mass[b];
  for (int k = b + 1; k < AD_CALIB_BINS; k++)
    tail += c->mass[k];
  return tail;
}

/* The lower edge of the highest bin holding history (-1: none). */
static int top_bin(const ad_calib_t *c) {
  for (int k = AD_CALIB_BINS - 1; k >= 0; k--)
    if (c->mass[k] > 0)
      return k;
  return -1;
}

double ad_calib_surprise(const ad_calib_t *c, double z) {
  if (isnan(z))
    return NAN;
  if (z <= 0)
    return 0.0;
  double values = c->total / c->gain; /* history in values */
  double p =
      (mass_above(c, z) / c->gain + PRIOR_VALUES * ad_calib_prior_tail(z)) /
      (values + PRIOR_VALUES);
  /* Past the record of a long enough history, extrapolate its tail. */
  int top = top_bin(c);
  if (values >= 100.0 && top >= 0) {
    double record = edge(top + 1);
    if (z > record) {
      double at_record = (c->mass[top] / c->gain) / (values + PRIOR_VALUES);
      p = fmin(p, at_record * pow(record / z, TAIL_EXPONENT));
    }
  }
  if (!(p > 0))
    return AD_CALIB_MAX_SURPRISE;
  double s = -log10(p);
  return s < 0 ? 0 : s > AD_CALIB_MAX_SURPRISE ? AD_CALIB_MAX_SURPRISE : s;
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
