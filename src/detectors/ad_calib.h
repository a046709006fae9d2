/* ad_calib: turns a detector's raw deviation into how unusual it is for this
 * series: a tail probability against the series' own history of deviations
 * (the idea of Numenta's anomaly likelihood). One threshold then serves
 * quiet and noisy series alike: a deviation of 6 scales is routine on a
 * bursty series and a once-a-month event on a smooth one.
 *
 * History is a decayed histogram of deviations on log-spaced bins (memory in
 * values), O(1) per update. For a cold start it is blended with a prior
 * worth a few dozen values: exponential tails, P(deviation > z) = e^-z,
 * heavier than Gaussian because real metrics are. Beyond the largest deviation
 * in the history the tail is extrapolated as a power law (ten times the largest
 * seen is a hundred times rarer), so a far outlier is still told apart from one
 * just above the record, without trusting a fitted tail that bursty series do
 * not have. Nor is the tail heavier anywhere than extrapolated so from the
 * last bin with a third of a value above it: a far deviation learned as a
 * sliver of a value (an incident's, at ad_learn_weight) does not make every
 * deviation below it as common as that sliver.
 *
 * The result is a surprise, -log10(p): 2 means one in a hundred, 4 one in
 * ten thousand.
 *
 * The tail learns at a bounded rate (ad_calib_learn_judged): a deviation
 * rarer than AD_CALIB_RATION_SURPRISE spends one of a budget that refills
 * by AD_CALIB_BUDGET_REFILL a value up to AD_CALIB_BUDGET_MAX, and once the
 * budget is spent counts AD_CALIB_RATIONED_WEIGHT of what it would. A
 * burst of up to twenty rare values, or one value in ten rare, is learned
 * whole: a bursty series learns how bursty it is. A run of hundreds teaches
 * about a seventh of itself while it stays that rare: a climb (a leak),
 * each value a little beyond the last, cannot become within hours the
 * history it is judged against. (A deviation that stays the same is learned
 * down to that rarity, and from there on like any other.) */
#ifndef AD_CALIB_H
#define AD_CALIB_H

#include <stdint.h>

#define AD_CALIB_BINS 48
#define AD_CALIB_MAX_SURPRISE 12.0

typedef struct {
  float mass[AD_CALIB_BINS]; /* decayed counts, scaled by 1/gain */
  float gain;                /* weight of the next value (lazy decay) */
  float total;               /* sum of mass */
  float band;                /* cached ad_calib_deviation_at(band surprise) */
  uint32_t seen;             /* values learned, saturating */
  uint32_t band_seen;        /* seen when band was computed */
  int8_t top;                /* highest bin holding history, -1: none */
  uint8_t bounded;           /* deviations of a bounded score: the tail
                                past the record falls exponentially */
  float exponent;            /* fitted tail exponent past the record (0:
                                none yet) */
  float budget;              /* rare deviations still learned whole, 0..
                                AD_CALIB_BUDGET_MAX */
} ad_calib_t;

#define AD_CALIB_RATION_SURPRISE 2.5 /* rarer than one value in ~300 */
#define AD_CALIB_BUDGET_MAX 20.0
#define AD_CALIB_BUDGET_REFILL 0.1
#define AD_CALIB_RATIONED_WEIGHT 0.05

/* Resets to the prior alone. Cannot fail. */
void ad_calib_init(ad_calib_t *c);

/* The same for deviations that come from a bounded score (an isolation
 * forest's): past the record the tail falls exponentially, at the rate the
 * history's upper tail falls, rather than as a power law, which would grant
 * a bounded score a tail it cannot have. */
void ad_calib_init_bounded(ad_calib_t *c);

/* Surprise of raw deviation z in [0, AD_CALIB_MAX_SURPRISE]; NaN for NaN.
 * Pure: does not learn. */
double ad_calib_surprise(const ad_calib_t *c, double z);

/* Learns z (NaN ignored) with a memory of about `memory` values. */
void ad_calib_learn(ad_calib_t *c, double z, double memory);

/* The same, z counted as `weight` of a value (0..1; the decay of the
 * history is that of a whole value): what the detector alarms on teaches
 * its calibration little (ad_learn_weight), or else one incident makes the
 * next one look ordinary. */
void ad_calib_learn_weighted(ad_calib_t *c, double z, double memory,
                             double weight);

/* The same for a z already judged at `surprise` (ad_calib_surprise, before
 * learning it): a rare z is learned within the budget (see above). NaN z
 * or surprise: nothing learned, the budget unchanged. */
void ad_calib_learn_judged(ad_calib_t *c, double z, double surprise,
                           double memory, double weight);

/* The smallest deviation whose surprise reaches `surprise`, to 0.1%. */
double ad_calib_deviation_at(const ad_calib_t *c, double surprise);

/* The deviation at `surprise`, cached and refreshed every 64 values learned
 * (every 256 once the history holds 2,048 values' worth): the edge of the
 * band of ordinary values, for explanations. */
double ad_calib_band(ad_calib_t *c, double surprise);

/* What is wrong with c as read from a file (NULL: nothing): ranges, and
 * the relations between fields (total against the masses, no mass above
 * the top bin, the lazy gain within its bounds), so that whatever passes
 * keeps every computation on it finite and every loop short. Pure. */
const char *ad_calib_invalid(const ad_calib_t *c);

/* The tail probability the prior alone gives z: e^-z. */
double ad_calib_prior_tail(double z);

#endif /* AD_CALIB_H */
