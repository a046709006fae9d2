/* ad_relation: relations between a host's series that break (see header). */
#include "detectors/ad_relation.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void ad_relations_init(ad_relations_t *r) { memset(r, 0, sizeof(*r)); }

/* A feature as summed: finite, within what any feature can be. */
static double clean(float x) {
  double v = isfinite(x) ? x : 0.0;
  return fmax(-AD_RELATION_RANGE, fmin(AD_RELATION_RANGE, v));
}

/* The mean and standard deviation of v[0..n), then again without the
 * values beyond AD_RELATION_TRIM of the first: a few far-off values must
 * not set the scale a relation is measured in, nor widen its noise. */
static void trimmed(const double *v, size_t n, double *mean, double *sd) {
  double cut = INFINITY;
  *mean = *sd = 0.0;
  for (int pass = 0; pass < 2; pass++) {
    double sum = 0.0, sum2 = 0.0, centre = *mean;
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
      if (fabs(v[i] - centre) <= cut) {
        sum += v[i];
        sum2 += v[i] * v[i];
        kept++;
      }
    }
    if (kept < 2)
      break;
    *mean = sum / (double)kept;
    *sd = sqrt(fmax(0.0, sum2 / (double)kept - *mean * *mean));
    cut = AD_RELATION_TRIM * *sd;
  }
}

/* A feature standardised, at most AD_RELATION_CLIP either way. */
static double standardised(float x, double centre, double spread) {
  double z = (clean(x) - centre) / spread;
  return fmax(-AD_RELATION_CLIP, fmin(AD_RELATION_CLIP, z));
}

/* u - sign v for relation p and features x. */
static double gap(const ad_relation_t *p, const float *x) {
  return standardised(x[p->a], p->mean_a, p->sd_a) -
         p->sign * standardised(x[p->b], p->mean_b, p->sd_b);
}

double ad_relation_signed_break(const ad_relation_t *p, const float *x) {
  if (!(p->noise > 0))
    return NAN;
  return (gap(p, x) - p->offset) / p->noise;
}

/* The offset and noise of relation p over the sample: the trimmed mean
 * and standard deviation of u - sign v, from z (n rows of dim standardised
 * features) into scratch (n values). */
static void fit_noise(ad_relation_t *p, const float *z, size_t n, unsigned dim,
                      double *scratch) {
  for (size_t i = 0; i < n; i++)
    scratch[i] = z[i * dim + p->a] - p->sign * z[i * dim + p->b];
  double offset, noise;
  trimmed(scratch, n, &offset, &noise);
  p->offset = (float)offset;
  p->noise = (float)fmax(noise, AD_RELATION_NOISE_MIN);
}

/* Keeps candidate c among the strongest AD_RELATION_MAX. */
static void keep_strongest(ad_relations_t *out, const ad_relation_t *c) {
  unsigned at = out->count;
  if (at == AD_RELATION_MAX) {
    unsigned weakest = 0;
    for (unsigned k = 1; k < at; k++)
      if (fabsf(out->pair[k].corr) < fabsf(out->pair[weakest].corr))
        weakest = k;
    if (fabsf(out->pair[weakest].corr) >= fabsf(c->corr))
      return;
    at = weakest;
  } else {
    out->count++;
  }
  out->pair[at] = *c;
}

/* The correlation of standardised features a and b (columns of z, n rows
 * of dim), over the rows where neither is beyond AD_RELATION_TRIM: a few
 * far-off values must not hide a relation. */
static double correlation(const float *z, size_t n, unsigned dim, unsigned a,
                          unsigned b) {
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  size_t kept = 0;
  for (size_t i = 0; i < n; i++) {
    double u = z[i * dim + a], v = z[i * dim + b];
    if (fabs(u) > AD_RELATION_TRIM || fabs(v) > AD_RELATION_TRIM)
      continue;
    kept++;
    sa += u;
    sb += v;
    saa += u * u;
    sbb += v * v;
    sab += u * v;
  }
  if (kept < 2)
    return 0.0;
  double m = (double)kept, va = saa / m - (sa / m) * (sa / m),
         vb = sbb / m - (sb / m) * (sb / m);
  if (!(va > 0 && vb > 0))
    return 0.0;
  return (sab / m - (sa / m) * (sb / m)) / sqrt(va * vb);
}

int ad_relations_fit(const float *rows, size_t n, unsigned dim,
                     ad_relations_t *out) {
  ad_relations_init(out);
  if (dim > 255)
    return EINVAL;
  if (n < 2 || dim < 2)
    return 0;
  double *mean = malloc((2 * dim + n) * sizeof(*mean));
  float *z = malloc(n * dim * sizeof(*z));
  if (mean == NULL || z == NULL) {
    free(mean);
    free(z);
    return ENOMEM;
  }
  double *sd = mean + dim, *scratch = sd + dim;
  for (unsigned j = 0; j < dim; j++) {
    for (size_t i = 0; i < n; i++)
      scratch[i] = clean(rows[i * dim + j]);
    trimmed(scratch, n, &mean[j], &sd[j]);
  }
  /* standardised once, so that each of the dim^2 / 2 pairs is a pass of
   * multiply-adds */
  for (size_t i = 0; i < n * dim; i++)
    z[i] = sd[i % dim] > 0
               ? (float)standardised(rows[i], mean[i % dim], sd[i % dim])
               : 0.0f;
  for (unsigned a = 0; a < dim; a++) {
    for (unsigned b = a + 1; b < dim && sd[a] > 0; b++) {
      if (!(sd[b] > 0))
        continue;
      double corr = correlation(z, n, dim, a, b);
      if (!(fabs(corr) >= AD_RELATION_MIN_CORR))
        continue;
      ad_relation_t c = {.a = (uint8_t)a,
                         .b = (uint8_t)b,
                         .sign = corr > 0 ? 1 : -1,
                         .mean_a = (float)mean[a],
                         .mean_b = (float)mean[b],
                         .sd_a = (float)sd[a],
                         .sd_b = (float)sd[b],
                         .corr = (float)fmin(1.0, fmax(-1.0, corr))};
      fit_noise(&c, z, n, dim, scratch);
      keep_strongest(out, &c);
    }
  }
  free(z);
  free(mean);
  return 0;
}

unsigned ad_relation_leader(const ad_relation_t *p, const float *x) {
  double u = fabs(standardised(x[p->a], p->mean_a, p->sd_a));
  double v = fabs(standardised(x[p->b], p->mean_b, p->sd_b));
  return u >= v ? p->a : p->b;
}

double ad_relations_break(const ad_relations_t *r, const float *x, unsigned dim,
                          int *which) {
  double worst = NAN;
  *which = -1;
  for (unsigned k = 0; k < r->count && k < AD_RELATION_MAX; k++) {
    const ad_relation_t *p = &r->pair[k];
    if (p->b >= dim)
      continue;
    double d = fabs(ad_relation_signed_break(p, x));
    if (!isnan(d) && (isnan(worst) || d > worst)) {
      worst = d;
      *which = (int)k;
    }
  }
  return worst;
}

const char *ad_relations_invalid(const ad_relations_t *r, unsigned dim) {
  if (r->count > AD_RELATION_MAX)
    return "relations: too many";
  for (unsigned k = 0; k < r->count; k++) {
    const ad_relation_t *p = &r->pair[k];
    if (!(p->a < p->b) || p->b >= dim || (p->sign != 1 && p->sign != -1))
      return "relations: a feature out of range";
    if (!(fabsf(p->mean_a) <= AD_RELATION_RANGE) ||
        !(fabsf(p->mean_b) <= AD_RELATION_RANGE) || !(p->sd_a > 0) ||
        !(p->sd_b > 0) || !(p->sd_a <= 2 * AD_RELATION_RANGE) ||
        !(p->sd_b <= 2 * AD_RELATION_RANGE) ||
        !(p->noise >= AD_RELATION_NOISE_MIN) ||
        !(fabsf(p->offset) <= 2 * AD_RELATION_CLIP) ||
        !(p->noise <= 4 * AD_RELATION_CLIP) || !(fabsf(p->corr) <= 1.0f))
      return "relations: a statistic out of range";
  }
  return NULL;
}
