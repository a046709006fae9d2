/* ad_persistence: sustained deviation, added up (a two-sided CUSUM that
 * forgets). A nightly job that does not run, a latency a few of its scales
 * too high for an hour, a slow leak: no single value is far enough out to
 * be news, but many in a row on one side are. The seasonal forecaster's
 * signed deviations (in its scale) are added up on each side, each less an
 * allowance of AD_PERSIST_ALLOWANCE scales, never below zero, the sum so far
 * kept at AD_PERSIST_KEEP a value: a run of deviations of d scales settles
 * at (d - 1) / 0.2, about five values' worth, and after an incident the sum
 * is gone within a few values (a plain CUSUM that forgets nothing kept
 * scores high for hours after an incident: 22 NAB points lost). What
 * ordinary noise does to the sums is learned by the series' own
 * calibration, like every other view, so an autocorrelated series whose
 * sums often reach 10 is not news at 10. Bounded influence: a deviation
 * counts at most AD_PERSIST_CLIP scales, so one spike adds no more than a
 * run's step, and the sums stop at AD_PERSIST_MAX. O(1), 16 bytes. */
#ifndef AD_PERSISTENCE_H
#define AD_PERSISTENCE_H

#define AD_PERSIST_ALLOWANCE 1.0
#define AD_PERSIST_CLIP 4.0
#define AD_PERSIST_MAX 1e4
#define AD_PERSIST_KEEP 0.8

typedef struct {
  double up;   /* sum of the excesses above the expectation */
  double down; /* and below */
} ad_persistence_t;

/* Nothing added up. Cannot fail. */
void ad_persistence_init(ad_persistence_t *p);

/* Adds the signed deviation z (NaN: nothing, the sums unchanged) and
 * returns the larger sum after it (NaN for a NaN z). Cannot fail. */
double ad_persistence_update(ad_persistence_t *p, double z);

/* What is wrong with p read from a file (NULL: nothing). Pure. */
const char *ad_persistence_invalid(const ad_persistence_t *p);

#endif /* AD_PERSISTENCE_H */
