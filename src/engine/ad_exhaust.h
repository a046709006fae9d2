/* ad_exhaust: a host's series that head for their ceiling (ad_capacity):
 * time to exhaustion, its notified level and the timeleft metric.
 *
 * Parts of a whole (df_complex-used, -free, -reserved) are kept with
 * their latest values, so that the part that fills is judged against
 * their sum; a series bounded by its data source's maximum is kept once
 * it heads there. Each time a filler's slow trend (ad_drift) learns a
 * bucket, its time left is worked out (ad_timeleft) and its level moves:
 * WARNING when the crossing is within ExhaustionHorizon, FAILURE within
 * ExhaustionCritical, OKAY when the trend stops or turns, with hysteresis
 * (up after two buckets in a row, down after four, and only below 1.5
 * times the threshold it crossed): one notification a change, not one a
 * bucket. At most AD_EXHAUST_ENTRIES series a host (the rest are not
 * watched).
 *
 * Lives in its host and is only touched with the host locked. */
#ifndef AD_EXHAUST_H
#define AD_EXHAUST_H

#include "core/ad_capacity.h"
#include "core/ad_config.h"
#include "core/ad_ident.h"
#include "detectors/ad_level.h"
#include "detectors/ad_timeleft.h"

#include <stdbool.h>
#include <stdint.h>

#define AD_EXHAUST_ENTRIES 48

typedef struct {
  uint64_t key;          /* the series' key (0: a free entry) */
  uint64_t whole;        /* its whole: hash of plugin, instance and type (0:
                            bounded by its maximum) */
  double value;          /* its latest value */
  double time;           /* ...and when */
  bool filler;           /* it fills (is judged), or only counts in its whole */
  ad_level_t level;      /* notified */
  ad_level_t pending;    /* a level it is moving to... */
  uint8_t pending_count; /* ...for this many buckets in a row */
  double estimated;      /* data time of the last time left (NaN: none) */
  ad_timeleft_t left;    /* ...and what it was */
  double ceiling;        /* ...against this ceiling */
  char metric[AD_NAME_MAX]; /* type instance of its timeleft metric */
} ad_exhaust_entry_t;

typedef struct {
  unsigned count;              /* entries in use */
  ad_exhaust_entry_t *entries; /* AD_EXHAUST_ENTRIES (NULL: none yet) */
} ad_exhaust_t;

/* One series' value as the write path folds it in. */
typedef struct {
  ad_capacity_role_t role;
  uint64_t key, whole;
  const ad_ident_t *id;
  const char *ds; /* its data source, NULL for a value list of one */
  double time, value;
  double maximum; /* its data source's types.db maximum (NaN: none) */
  const ad_drift_estimate_t *drift; /* a fresh estimate (NULL: none) */
  double peak; /* how far above the trend's line its daily and weekly
                  shape takes it at the highest (0: none): the line is
                  full that much before the ceiling */
} ad_exhaust_input_t;

/* What a fold says: a level change to notify. */
typedef struct {
  bool changed;
  ad_level_t level, previous;
  ad_timeleft_t left; /* the time left (seconds INFINITY: none) */
  double ceiling;
  bool of_whole; /* the ceiling is the sum of its parts (said as 100 %) */
} ad_exhaust_event_t;

/* Empty. Cannot fail. */
void ad_exhaust_init(ad_exhaust_t *x);

/* Frees the entries. */
void ad_exhaust_free(ad_exhaust_t *x);

/* Copies src into dst (a checkpoint's host copy). Returns 0 or ENOMEM. */
int ad_exhaust_copy(ad_exhaust_t *dst, const ad_exhaust_t *src);

/* Folds one value in (see above); fills ev (ev->changed: notify).
 * Allocates the entries the first time a series is kept (a new series);
 * out of memory, the series is not watched. */
void ad_exhaust_fold(ad_exhaust_t *x, const ad_config_t *cfg,
                     const ad_exhaust_input_t *in, ad_exhaust_event_t *ev);

/* Calls fn for each filler with a time left estimated within the last
 * hour before `now` that is finite: for the timeleft metrics. */
void ad_exhaust_each_left(const ad_exhaust_t *x, double now,
                          void (*fn)(void *ctx, const ad_exhaust_entry_t *e),
                          void *ctx);

#endif /* AD_EXHAUST_H */
