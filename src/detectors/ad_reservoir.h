/* ad_reservoir: a sample of recent feature vectors for training a forest.
 *
 * A biased reservoir (Aggarwal, 2006): each offered row is taken with
 * probability p (the caller's choice: capacity / values per memory span);
 * a taken row fills a free slot, or, once full, replaces a random one. Old
 * rows so fade out exponentially: the reservoir holds about the last
 * capacity / p rows' worth of history, spread over it, in fixed memory.
 *
 * Rows are stored as 16-bit fixed point: features are clamped to
 * +-AD_RESERVOIR_LIMIT and kept to 1/512 (features are deviations in
 * scales, so this is far below their noise). Deterministic: the random
 * choices come from a seed. One allocation. */
#ifndef AD_RESERVOIR_H
#define AD_RESERVOIR_H

#include <stddef.h>
#include <stdint.h>

#define AD_RESERVOIR_LIMIT 63.0

typedef struct {
  uint64_t rng;      /* random state */
  uint32_t seen;     /* rows offered, saturating */
  uint16_t capacity; /* rows */
  uint16_t fill;     /* rows held */
  uint8_t dim;       /* features per row */
  int16_t rows[];    /* capacity x dim */
} ad_reservoir_t;

/* Allocates an empty reservoir; NULL when out of memory or when capacity or
 * dim is 0. */
ad_reservoir_t *ad_reservoir_create(unsigned capacity, unsigned dim,
                                    uint64_t seed);

/* Frees; NULL allowed. */
void ad_reservoir_destroy(ad_reservoir_t *r);

/* Offers one row of dim features (NaN counts as 0); it is taken with
 * probability p (clamped to [0, 1]). Returns 1 when taken, 0 otherwise. */
int ad_reservoir_offer(ad_reservoir_t *r, const float *row, double p);

/* Copies the rows held into out (fill x dim floats). Returns fill. */
size_t ad_reservoir_rows(const ad_reservoir_t *r, float *out);

/* Bytes of a reservoir of this shape. */
size_t ad_reservoir_bytes(unsigned capacity, unsigned dim);

#endif /* AD_RESERVOIR_H */
