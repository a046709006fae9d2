/* ad_window: the sliding window + EMA detector, first member of the
 * ensemble. It catches short spikes and dips and sudden jumps.
 *
 * Model: an exponentially weighted mean and mean absolute deviation form the
 * baseline. Their updates are Huber-clipped at a few deviations, so a spike
 * barely moves the baseline (robust to outliers), while a lasting shift is
 * absorbed gradually. A short ring of the last `window` values (winsorised at
 * the same few deviations) gives a second view, the window mean against the
 * baseline, which catches a shift that is too small for any single point but
 * persists over the window, while a lone spike cannot hold it up.
 * The raw deviation is the larger of the two, in baseline deviations; the
 * series calibrates it (ad_calib). Two more views come with it, calibrated
 * separately by the series:
 *  - record: how far beyond the range this series has shown (a slowly
 *    relaxing max and min) the value lies, in units of that range: a new
 *    all-time high, or low, is news even inside a noisy series;
 *  - dispersion: |ln| of the ratio of the recent spread to the long-run
 *    one: a flat series that starts to oscillate, or a noisy one that goes
 *    flat (a signal that died).
 * A new normal: when a whole window of consecutive values lies beyond the
 * clip on the same side, the level has shifted rather than spiked; the
 * baseline jumps to the run's mean instead of crawling there over many
 * spans while every value scores high (and floods the calibration with
 * large deviations, which would blunt the next real anomaly).
 * O(1) per value; fixed-size state.
 *
 * Warm-up: for the first `warmup` values the detector only learns and scores
 * NaN ("no observation"); the ring keeps the last AD_WINDOW_MAX of them.
 * When it ends, a few values that alone make the warm-up look wild (one
 * value of 1e30 among values of 10) are left out and the estimates made
 * again from the others: no single value, in the warm-up or after, moves
 * what is learned by more than a bounded step.
 *
 * How it learns: the mean from residuals clipped at CLIP_DEVIATIONS, the
 * deviation from residuals clipped at SPREAD_CLIP_DEVIATIONS, the slow
 * spread from bursts clipped at BURST_CLIP of itself; inside an incident
 * all three at the caller's reduced weight. Unlike the other members it
 * does not also weigh each value by how far beyond its band it lies: its
 * scale must grow to a bursty series' bursts, or every burst alarms (on
 * NAB that cost 15 points of score); its clipping and the shift
 * acceptance above bound what an incident does to it instead. */
#ifndef AD_WINDOW_H
#define AD_WINDOW_H

#include "detectors/ad_detector.h"

#include <stdbool.h>
#include <stdint.h>

#define AD_WINDOW_MAX 32 /* largest supported window, in values */

typedef struct {
  unsigned window; /* ring length, 2..AD_WINDOW_MAX */
  unsigned span;   /* EMA span in values: alpha = 2 / (span + 1) */
  unsigned warmup; /* values learned before the first score */
} ad_window_params_t;

typedef struct {
  double mean;       /* baseline: clipped EMA of the values */
  double deviation;  /* clipped EMA of |value - mean| */
  double spread;     /* slow, unclipped EMA of |value - mean|: bursts
                        included, so a bursty series keeps a scale */
  double ring_sum;   /* sum of the values in the ring, exactly (in slot
                        order): what a load recomputes */
  double record_max; /* slowly relaxing maximum of the values seen */
  double record_min; /* and minimum */
  double recent;     /* short EMA (one window) of |value - mean| */
  double run_sum;    /* sum of the values of the current run */
  uint32_t seen;     /* values absorbed, saturating */
  int16_t run;       /* consecutive values beyond the clip on one side:
                        positive above the mean, negative below */
  uint16_t head;     /* next ring slot to write */
  uint16_t fill;     /* values in the ring */
  float ring[AD_WINDOW_MAX];
} ad_window_t;

/* Resets a detector to "nothing seen". Cannot fail. */
void ad_window_init(ad_window_t *w);

/* The detector's further views of a value (NaN: none yet). */
typedef struct {
  double record;     /* beyond the record, in units of the recorded range */
  double dispersion; /* |ln(recent spread / long-run spread)| */
  bool warmed;       /* this value ended the warm-up... */
  unsigned wild;     /* ...and this many of its values were left out as
                        wild: estimates were made again without them */
} ad_window_views_t;

/* Scores x against the state (out->deviation, and expected, lower, upper
 * with a band of band_z deviations; views->record and dispersion), then
 * absorbs it at the weight `learning` gives (less inside an incident);
 * the scale is never below learning's resolution. Records are forgotten over
 * about record_memory values (the caller's calibration memory: a record is news
 * for as long as the rarity of things is judged). A NaN x is skipped (outputs
 * say nothing, state unchanged). p must be valid (see ad_window_params_valid).
 * Cannot fail. */
void ad_window_update(ad_window_t *w, const ad_window_params_t *p, double x,
                      double band_z, const ad_learn_t *learning,
                      double record_memory, ad_detector_output_t *out,
                      ad_window_views_t *views);

/* Returns 0 when p is usable, EINVAL otherwise. */
int ad_window_params_valid(const ad_window_params_t *p);

/* What is wrong with w, read from a file, for parameters p (NULL:
 * nothing): the ring's position and fill, scales that are negative, a run
 * longer than a window, records that cross, a ring sum that is not the
 * ring's. Pure. */
const char *ad_window_invalid(const ad_window_t *w,
                              const ad_window_params_t *p);

/* Fits the ring of a w that passed ad_window_invalid to parameters p
 * (saved with another WarmupValues: the ring's layout differs between the
 * warm-up and after). Cannot fail. */
void ad_window_fit(ad_window_t *w, const ad_window_params_t *p);

#endif /* AD_WINDOW_H */
