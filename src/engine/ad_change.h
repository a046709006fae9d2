/* ad_change: did a change (a patch, a deploy) hurt its host? A change is
 * marked on a host (a notification of plugin "anomaly", type "change");
 * for ChangeWatch seconds of data time after it, every value of the host's
 * series is compared with what its seasonal forecaster expected for that
 * time: the forecaster learned the same hours before the change (its level
 * and its daily and weekly profiles), so one comparison answers both "what
 * the models expected" and "what these hours were like before". At the
 * end one verdict: the series whose mean deviation over the watch is at
 * least AD_CHANGE_SCALES of their own scales, and AD_CHANGE_PERCENT off
 * their expected level, are the regression, largest first; so are those
 * whose level moved for good by AD_CHANGE_PERCENT in the watch (a new
 * normal: the forecaster then expects the moved level, and would
 * otherwise hide the rest of the watch's shift).
 *
 * When the change is marked, each series' forecast for the whole watch is
 * taken from a copy of its forecaster (ad_change_freeze) and the watch's
 * values are compared with that: what the models expected before they saw
 * any of the changed values. A series without one (new in the watch)
 * is compared with its live forecast.
 *
 * The watch's per-series sums live in a table made when the change is
 * marked (off the write path), sized for twice the host's series then; the
 * write path only adds to it (O(1), no allocation, at most half the table
 * filled so probes stay short). Series beyond that are not watched. The
 * open watch and its sums are saved with the host's state, so a reboot
 * for the patch does not lose the verdict; the verdicts are kept in the
 * host's history of AD_CHANGE_HISTORY changes.
 *
 * Every function expects the host's lock held. */
#ifndef AD_CHANGE_H
#define AD_CHANGE_H

#include "engine/ad_notice.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AD_CHANGE_WHAT_MAX AD_NOTICE_AFTER_MAX
#define AD_CHANGE_SCALES 3.0
#define AD_CHANGE_PERCENT 5.0
#define AD_CHANGE_MIN_VALUES 3 /* a series' values in the watch to judge it */
#define AD_CHANGE_HISTORY 8
#define AD_CHANGE_WORST 3 /* series the verdict names */
/* Forecasts frozen at the change, evenly over the watch, both ends in. */
#define AD_CHANGE_POINTS 25

typedef struct {
  uint64_t key; /* the series (0: a free slot) */
  uint32_t n;
  double deviation, value, expected; /* sums */
  double before; /* its level just before the change: the sliding window's
                    expectation at its first value in the watch (NaN: none) */
  double moved;  /* % its level moved for good in the watch (a new normal
                    the forecaster then took as expected; NaN: none) */
  /* what the forecaster expected for the watch when the change was made:
   * expected value and scale at AD_CHANGE_POINTS times; the watch is
   * judged against these, not against a forecaster that goes on learning
   * from the changed values (and would absorb part of a shift) */
  bool frozen;
  float forecast[AD_CHANGE_POINTS][2];
  char name[AD_SERIES_NAME_MAX];
} ad_change_slot_t;

/* One series of a verdict. */
typedef struct {
  char name[AD_SERIES_NAME_MAX];
  double deviation;      /* mean, in the series' scales (signed) */
  double percent;        /* mean value against mean expected, % (NaN: none) */
  double before_percent; /* ...against its level before the change (NaN) */
} ad_change_series_t;

/* A change and, once its watch ended, its verdict. */
typedef struct {
  double time;  /* when it was marked (data time) */
  double until; /* the end of its watch */
  char what[AD_CHANGE_WHAT_MAX];
  bool judged;
  unsigned watched;   /* series judged */
  unsigned regressed; /* series in the regression */
  ad_change_series_t worst[AD_CHANGE_WORST];
} ad_change_t;

typedef struct {
  ad_change_t open;       /* the change being watched (open.time NaN: none) */
  ad_change_slot_t *slot; /* capacity slots (a power of 2), NULL: none */
  size_t capacity;
  size_t used; /* slots taken, at most capacity / 2 */
  ad_change_t history[AD_CHANGE_HISTORY]; /* newest first */
  unsigned count;                         /* in history */
} ad_change_watch_t;

/* No change watched, no history. Cannot fail. */
void ad_change_init(ad_change_watch_t *w);

/* Frees the watch's table. */
void ad_change_release(ad_change_watch_t *w);

/* Starts watching a change `what` marked at data time t for `watch`
 * seconds, on a host of `series` series. A watch still open is judged
 * first: *ended receives it (and true is returned) for its notice.
 * Returns false and sets *err (ENOMEM) when the table cannot be made. */
bool ad_change_begin(ad_change_watch_t *w, double t, double watch,
                     const char *what, size_t series, ad_change_t *ended,
                     int *err);

/* Reopens a saved watch `open` (not judged, time < until) with a table
 * for `series` series, the history kept. Returns false and sets *err
 * (EINVAL: not an open watch; ENOMEM). */
bool ad_change_resume(ad_change_watch_t *w, const ad_change_t *open,
                      size_t series, int *err);

/* Puts back one series' saved sums into the open watch. Returns false when
 * they are not sums (n of 0, a non-finite sum, key 0) or the table is as
 * full as it may be. */
bool ad_change_restore(ad_change_watch_t *w, const ad_change_slot_t *saved);

/* Data time of the watch's forecast point k (0 .. AD_CHANGE_POINTS - 1). */
double ad_change_point_time(const ad_change_t *open, int k);

/* Gives series key (named name) of the open watch begun at data time
 * `marked` its forecast at the watch's points (expected, scale; scale >
 * 0). Returns false when that watch is no longer open, the forecast is
 * not finite, or the table is as full as it may be. */
bool ad_change_freeze(ad_change_watch_t *w, double marked, uint64_t key,
                      const char *name,
                      const float forecast[AD_CHANGE_POINTS][2]);

/* Copies src into dst (which holds nothing): the open watch with its
 * table and the history. Returns 0, or ENOMEM with dst holding everything
 * but the table. */
int ad_change_copy(ad_change_watch_t *dst, const ad_change_watch_t *src);

/* What one value of a series says about the change. */
typedef struct {
  double deviation; /* from the seasonal forecast, in scales (signed) */
  double value;
  double expected; /* the seasonal forecast */
  double recent;   /* the sliding window's expectation (NaN: none) */
  /* the series' level changed for good with this value (a new normal):
   * from, to; NaN when not */
  double normal_from, normal_to;
} ad_change_value_t;

/* Adds one value of series key (named by id/ds when it is first seen) at
 * data time t. Ignored outside the watch or with a non-finite deviation,
 * value or expectation. */
void ad_change_observe(ad_change_watch_t *w, uint64_t key, const ad_ident_t *id,
                       const char *ds, double t, const ad_change_value_t *v);

/* When the open watch has ended by data time t: judges it into *done,
 * keeps it in the history, frees the table and returns true. */
bool ad_change_due(ad_change_watch_t *w, double t, ad_change_t *done);

/* True while a change is watched at data time t. */
bool ad_change_watching(const ad_change_watch_t *w, double t);

/* True when a change is marked and not judged yet (in a copy without its
 * table too). */
bool ad_change_is_open(const ad_change_watch_t *w);

/* The verdict as a host notice (kind AD_NOTICE_CHANGE): OKAY for no
 * regression, WARNING for one, and its message:
 *   web1: after "openssl 3.0.15": no regression (12 series, 2.0 h)
 *   web1: after "openssl 3.0.15": regression: cpu/percent-user +38 %
 *   against expected (3 series) */
void ad_change_notice(const ad_change_t *c, const char *host, ad_notice_t *n);

/* The verdict c without its host, into buf:
 *   after "openssl 3.0.15": no regression (12 series, 2.0 h)
 *   after "openssl 3.0.15": regression: cpu/percent-user +38 % against
 *   expected (3 series) */
void ad_change_verdict_text(const ad_change_t *c, char *buf, size_t size);

/* Labels notice n as following change `what` (escaped text; "" or NULL:
 * none): n->after, and " (after "what")" at the end of its message when it
 * fits whole. */
void ad_change_label(ad_notice_t *n, const char *what);

/* "-3.1 %" / "+38 %" style: the percentage of s, or its deviation in
 * scales when there is no expected level. */
void ad_change_series_text(const ad_change_series_t *s, char *buf, size_t size);

#endif /* AD_CHANGE_H */
