/* ad_trend: how fast a series is moving, for the explanation (a leak is
 * reported with its slope: "rising 42 M/h"). It does not score: a climb is
 * found by the members (a trend view calibrated like them learnt every leak
 * within the hour); this only says, once one is found, how steep it is.
 *
 * A least-squares line through the values against their data time, each
 * value weighted by e^(-age / AD_TREND_TIME) (the sums are kept decayed, so
 * this is O(1) a value and indifferent to the interval). Its slope is
 * trusted when it is AD_TREND_Z of its standard error beyond zero for a
 * series of the given noise, once an AD_TREND_TIME of data has been seen,
 * and while the values stay within AD_TREND_FIT of that noise of the line
 * (a step, or a drop after a climb, is not a slope). Bounded influence: a
 * value counts at most AD_TREND_CLIP scales from where the line is now (one
 * wild value moves the slope by a bounded amount).
 * Values are summed less the first one, so that a large level (bytes) keeps
 * its small changes. 64 bytes. */
#ifndef AD_TREND_H
#define AD_TREND_H

#include <stdbool.h>

#define AD_TREND_TIME 3600.0 /* seconds */
#define AD_TREND_Z 4.0
#define AD_TREND_CLIP 8.0
#define AD_TREND_FIT 2.0

typedef struct {
  double weight; /* sum of the weights (0: nothing yet) */
  double sum_x;  /* weighted sums of the values, */
  double sum_u;  /* of their ages (negative seconds before `last`), */
  double sum_uu; /* of the ages squared, */
  double sum_ux; /* of age times value, */
  double sum_xx; /* and of the values squared */
  double origin; /* the value they are summed less */
  double last;   /* data time of the newest value (NaN: none) */
} ad_trend_t;

/* Nothing seen. Cannot fail. */
void ad_trend_init(ad_trend_t *t);

/* Adds x (bounded to AD_VALUE_LIMIT) at data time `time`, clipped to
 * AD_TREND_CLIP * scale from the line (scale > 0; otherwise unclipped);
 * after a gap of 40 AD_TREND_TIMEs the line starts afresh. A NaN or
 * infinite x, or a time not after the newest, changes nothing. Cannot
 * fail. */
void ad_trend_update(ad_trend_t *t, double time, double x, double scale);

/* ad_trend_update with time constant tau (> 0) instead of AD_TREND_TIME
 * and a clip of `limit` units from the line (0: none). The sums are aged
 * with tau: one ad_trend_t is always learned with the same tau. */
void ad_trend_learn(ad_trend_t *t, double tau, double time, double x,
                    double limit);

/* Moves every value learned so far by delta (a step taken as a change of
 * level, not of slope: the line keeps its slope and goes on from the new
 * level). A non-finite delta changes nothing. Cannot fail. */
void ad_trend_offset(ad_trend_t *t, double delta);

/* The weighted least-squares line through the values. */
typedef struct {
  double level;    /* the line at the newest value's time */
  double slope;    /* units a second */
  double slope_se; /* its standard error, from the spread about the line */
  double residual; /* root mean square of the values about the line */
  double span;     /* seconds: root mean square spread of the weighted
                      times (0.29 of a span uniformly filled) */
} ad_trend_line_t;

/* The line's level at the newest value's time and its slope (units a
 * second), as ad_trend_line gives them, without the rest (cheaper).
 * Returns false, leaving them, when ad_trend_line would. Pure. */
bool ad_trend_level_slope(const ad_trend_t *t, double *level, double *slope);

/* Fills line and returns true once more than two values' weight and a
 * spread of times are there; otherwise all NaN and false. Pure. */
bool ad_trend_line(const ad_trend_t *t, ad_trend_line_t *line);

/* The slope in units per hour when it is trusted (see above) for values of
 * noise `scale`; NaN otherwise. Pure. */
double ad_trend_per_hour(const ad_trend_t *t, double scale);

/* What is wrong with t read from a file (NULL: nothing). Pure. */
const char *ad_trend_invalid(const ad_trend_t *t);

#endif /* AD_TREND_H */
