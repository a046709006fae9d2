/* ad_timeleft: when a rising series reaches its ceiling (a disk its size,
 * memory its total), from its slow trend (ad_drift) at its net rate (less
 * what regular cleanups take away): the line's crossing,
 * and a 90 % interval where the line, give or take its uncertainty, gets
 * there: the slope's standard error times the time ahead, and a random
 * walk of the buckets' jitter (a fill rate that wanders), added in
 * quadrature. Pure; bounded work (a grid and bisection, at most a few
 * hundred steps). */
#ifndef AD_TIMELEFT_H
#define AD_TIMELEFT_H

#include "detectors/ad_drift.h"

#include <stdbool.h>

/* z of a two-sided 90 % interval */
#define AD_TIMELEFT_Z 1.645
/* a trend seen for less than a day (ad_drift: trusted) projects at most
 * this many times the time it was seen over */
#define AD_TIMELEFT_REACH 3.0

typedef struct {
  double seconds;   /* from `now` to the crossing (0: at or past it) */
  double low, high; /* its 90 % interval (high: INFINITY when the slope
                       may be nil) */
  double rate;      /* units a second it rises */
  double level;     /* where the line is now */
} ad_timeleft_t;

/* The time left from data time `now` until the trend e reaches `ceiling`
 * (finite). Returns false when it does not head there: no trusted trend,
 * or one that is not rising, or a trend of less than a day that would
 * have to be taken beyond AD_TIMELEFT_REACH times its span (out is
 * filled all the same). Cannot fail. */
bool ad_timeleft(const ad_drift_estimate_t *e, double ceiling, double now,
                 ad_timeleft_t *out);

#endif /* AD_TIMELEFT_H */
