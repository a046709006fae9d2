/* ad_drift: the slow trend of a series (level and slope over days), for
 * forecasts ahead and time to exhaustion ("full in about 3.2 days").
 *
 * Values are averaged over AD_DRIFT_BUCKET (a quarter hour; a value that
 * comes less often is a bucket of its own). The caller hands each bucket's
 * mean to ad_drift_learn with the seasonal shape its forecaster knows for
 * that time (ad_season_profile); the drift takes as much of the shape off
 * as has lately brought its buckets nearer its line (a daily cycle is not
 * a trend, but a shape that does not fit is not taken off), and fits a
 * least-squares line weighted e^(-age / AD_DRIFT_TIME) (ad_trend) to what
 * is left.
 *
 * Bounded influence, as everywhere in the detectors:
 *  - a bucket counts at most AD_DRIFT_CLIP of the drift's noise (its
 *    buckets' mean distance from the line) away from the line, so one wild
 *    quarter hour moves the slope by a bounded amount;
 *  - a step (a bucket that jumps AD_DRIFT_STEP of the buckets' usual
 *    jitter from the one before, and a next bucket that stays there: files
 *    deleted, a volume extended, a service restarted) moves the line's
 *    level, not its slope; a bucket that jumps and comes back is dropped;
 *    steps down are also summed (decayed over AD_DRIFT_REMOVED_TIME), so
 *    that a disk cleaned up every night fills at its net rate;
 *  - only AD_DRIFT_RUN buckets in a row AD_DRIFT_STEP noises off the
 *    line, on one side (an hour: a runaway log, a new job), start it
 *    afresh from them (not in the first day, whose daily cycle is not
 *    known yet).
 *
 * The slope is significant (ad_drift_estimate) when it stands AD_DRIFT_Z
 * standard errors from zero, the error counting residuals that move
 * slowly from bucket to bucket as fewer independent ones (memory that
 * wanders is not filling up, a daily cycle not taken off is no trend);
 * trusted once the line also leans on a day of data.
 * O(1) a value (an addition) and a bucket. 208 bytes. */
#ifndef AD_DRIFT_H
#define AD_DRIFT_H

#include "detectors/ad_trend.h"

#include <stdbool.h>
#include <stdint.h>

#define AD_DRIFT_BUCKET 900.0   /* seconds a bucket covers */
#define AD_DRIFT_TIME 86400.0   /* seconds: the fit's memory */
#define AD_DRIFT_CLIP 4.0       /* noises from the line a bucket counts */
#define AD_DRIFT_STEP 8.0       /* jitters a step jumps */
#define AD_DRIFT_Z 4.0          /* standard errors a trusted slope stands */
#define AD_DRIFT_MIN_BUCKETS 16 /* buckets on a line before any estimate */
#define AD_DRIFT_REMOVED_TIME (7 * 86400.0) /* memory of steps down */
#define AD_DRIFT_RUN 4 /* buckets far off the line that restart it */

typedef struct {
  /* what every value touches, together (one cache line) */
  double open_start;    /* start of the bucket being filled (NaN: none) */
  double open_sum;      /* its values, summed less open_base... */
  double open_base;     /* ...its first value */
  double open_time_sum; /* seconds after open_start, summed */
  uint32_t open_count;  /* its values */
  bool open_varied;     /* the open bucket's values differ */
  /* what a closed bucket touches */
  uint32_t buckets;    /* buckets learned, saturating */
  float flat_share;    /* share of recent buckets whose values were all
                          the same (0..1: a sparse or constant series) */
  ad_trend_t fit;      /* the buckets' line */
  double first;        /* data time of the first bucket (NaN: none) */
  double prev;         /* the last bucket learned (NaN: none) */
  double noise;        /* mean |bucket - line| */
  double jitter;       /* mean |bucket - previous - slope * dt| */
  double pending;      /* a bucket that jumped, awaiting the next (NaN) */
  double pending_time; /* ...its data time */
  uint32_t steps;      /* steps taken as changes of level */
  uint32_t dropped;    /* buckets dropped as lone jumps */
  double err_flat;     /* mean squared bucket residual without the
                          shape... */
  double err_shaped;   /* ...and with it taken off */
  uint32_t fitted;     /* buckets on the current line */
  uint32_t restarts;   /* lines started afresh */
  uint8_t run;         /* buckets in a row far off the line... */
  int8_t run_sign;     /* ...on this side (0: none) */
  double removed;      /* steps down (cleanups), summed with a memory of
                          AD_DRIFT_REMOVED_TIME (<= 0) */
} ad_drift_t;

/* A bucket closed by ad_drift_add: its mean value and mean data time. */
typedef struct {
  double time, mean;
} ad_drift_bucket_t;

/* What the drift says now. */
typedef struct {
  double time;      /* data time of the newest bucket learned */
  double level;     /* the line there */
  double slope;     /* units a second */
  double slope_se;  /* its standard error */
  double net_slope; /* the slope less what steps down took away lately,
                       per second (regular cleanups: the rate it really
                       fills at, over their cycle) */
  double noise;     /* the buckets' mean distance from the line */
  double jitter;    /* ...and from the bucket before, less the slope */
  double shape;     /* 0..1: the share of the seasonal shape on the line */
  double span;      /* seconds of data the line leans on (a span filled
                       evenly that spreads as far) */
  bool significant; /* the slope is real, over that span */
  bool trusted;     /* ...and the span is a day or more (see above) */
} ad_drift_estimate_t;

/* Nothing seen. Cannot fail. */
void ad_drift_init(ad_drift_t *d);

/* Adds x (bounded to AD_VALUE_LIMIT) at data time `time` to the open
 * bucket. When `time` lies beyond that bucket, the bucket is closed first:
 * returns true with it in *closed, for the caller to pass to
 * ad_drift_learn with its seasonal shape. A NaN or infinite x, or a time
 * not after the open bucket's start, adds nothing (false). Cannot fail. */
bool ad_drift_add(ad_drift_t *d, double time, double x,
                  ad_drift_bucket_t *closed);

/* Learns a closed bucket's mean x at data time `time`, where the seasonal
 * forecaster expects `shape` above its level (0: none): no noise below
 * `floor` (the series' resolution; 0: none). Buckets must come in time
 * order (others are ignored). Cannot fail. */
void ad_drift_learn(ad_drift_t *d, double time, double x, double shape,
                    double floor);

/* The share (0..1) of the seasonal shape the drift takes off. Pure. */
double ad_drift_shape_weight(const ad_drift_t *d);

/* Fills e and returns true once AD_DRIFT_MIN_BUCKETS buckets are learned
 * and a line fits them; otherwise false (e->trusted false). Pure. */
bool ad_drift_estimate(const ad_drift_t *d, ad_drift_estimate_t *e);

/* What is wrong with d read from a file (NULL: nothing). Pure. */
const char *ad_drift_invalid(const ad_drift_t *d);

#endif /* AD_DRIFT_H */
