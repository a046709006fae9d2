/* ad_reservoir: biased reservoir of fixed-point rows (see header). */
#include "detectors/ad_reservoir.h"

#include <math.h>
#include <stdlib.h>

#define FIXED_SCALE 512.0

/* splitmix64, as in ad_iforest: the same sequence everywhere. */
static uint64_t next_random(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* A uniform double in [0, 1). */
static double uniform(uint64_t *state) {
  return (double)(next_random(state) >> 11) * 0x1.0p-53;
}

size_t ad_reservoir_bytes(unsigned capacity, unsigned dim) {
  return sizeof(ad_reservoir_t) + (size_t)capacity * dim * sizeof(int16_t);
}

ad_reservoir_t *ad_reservoir_create(unsigned capacity, unsigned dim,
                                    uint64_t seed) {
  if (capacity == 0 || capacity > UINT16_MAX || dim == 0 || dim > UINT8_MAX)
    return NULL;
  ad_reservoir_t *r = calloc(1, ad_reservoir_bytes(capacity, dim));
  if (r == NULL)
    return NULL;
  r->rng = seed;
  r->capacity = (uint16_t)capacity;
  r->dim = (uint8_t)dim;
  return r;
}

void ad_reservoir_destroy(ad_reservoir_t *r) { free(r); }

static int16_t to_fixed(float v) {
  if (!isfinite(v))
    return 0;
  double c = fmax(-AD_RESERVOIR_LIMIT, fmin(AD_RESERVOIR_LIMIT, v));
  return (int16_t)lround(c * FIXED_SCALE);
}

int ad_reservoir_offer(ad_reservoir_t *r, const float *row, double p) {
  if (r->seen < UINT32_MAX)
    r->seen++;
  if (!(p >= 1.0) && !(uniform(&r->rng) < p))
    return 0;
  size_t slot = r->fill < r->capacity
                    ? r->fill++
                    : (size_t)(next_random(&r->rng) % r->capacity);
  int16_t *dst = r->rows + slot * r->dim;
  for (unsigned j = 0; j < r->dim; j++)
    dst[j] = to_fixed(row[j]);
  return 1;
}

size_t ad_reservoir_rows(const ad_reservoir_t *r, float *out) {
  size_t n = (size_t)r->fill * r->dim;
  for (size_t i = 0; i < n; i++)
    out[i] = (float)(r->rows[i] / FIXED_SCALE);
  return r->fill;
}
