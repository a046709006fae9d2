/* ad_engine: the detector engine shared by the anomaly plugin and the
 * collectd-anomaly command. It owns the series table and the hosts, runs each
 * value through its series' ensemble and its value list's forest, rolls
 * series up into hosts (and their forests), and reports level changes
 * (notices) and per-interval host reports through a sink. Forests are
 * trained by ad_engine_train, off the write path.
 *
 * Threads: ad_engine_submit may be called from many threads at once (it is
 * collectd's write callback path): it does O(1) work per value under a shard
 * lock and a host lock, no I/O, no sleeping, and allocates only when a new
 * series or host appears. ad_engine_flush_host and ad_engine_housekeep may run
 * concurrently with submit. Sink callbacks are invoked with no engine lock
 * held, on the calling thread. */
#ifndef AD_ENGINE_H
#define AD_ENGINE_H

#include "ad_config.h"
#include "ad_ident.h"
#include "ad_notice.h"

#include <stddef.h>

typedef struct ad_engine_s ad_engine_t;

typedef struct {
  /* A host's interval closed: the risk metrics. May be NULL. */
  void (*host_report)(void *ctx, const ad_host_report_t *report);
  /* A host's or a series' level changed. May be NULL. */
  void (*notice)(void *ctx, const ad_notice_t *notice);
  /* A forest's training has fallen due: the trainer should call
   * ad_engine_train soon. Called on the write path with no engine lock
   * held; must not block. May be NULL. */
  void (*training_due)(void *ctx);
  void *ctx;
} ad_sink_t;

typedef struct {
  double time;          /* data time, seconds since the epoch */
  double interval;      /* seconds between values of this value list (> 0) */
  double arrival;       /* caller's clock (seconds) when the values arrived */
  size_t count;         /* data sources */
  const double *values; /* count rates or gauges; NaN = missing */
  const char *const *ds_names; /* count data source names */
} ad_sample_t;

/* Creates an engine. cfg must pass ad_config_check; the engine takes over
 * what cfg owns (its rules): on success the caller must not release cfg, on
 * failure (NULL: out of memory) cfg is untouched. sink is copied. */
ad_engine_t *ad_engine_create(ad_config_t *cfg, const ad_sink_t *sink);

/* Frees the engine and everything it learned; NULL allowed. No other call may
 * be running. */
void ad_engine_destroy(ad_engine_t *e);

/* The engine's configuration (read-only). */
const ad_config_t *ad_engine_config(const ad_engine_t *e);

/* Feeds one value list. Returns 0; EINVAL when the identifier is invalid
 * (empty host/plugin/type or a field of AD_NAME_MAX bytes or more), when
 * there are no or more than AD_VLIST_MAX_SOURCES (64) data sources or a data
 * source name is too long: nothing is done; ENOSPC when the value list is
 * new and its series would pass MaxSeries (it is not tracked); ENOMEM when it
 * could not be allocated. Value lists not selected by the rules are ignored
 * (0). A known value list arriving with other data sources than before is
 * started afresh. */
int ad_engine_submit(ad_engine_t *e, const ad_ident_t *id,
                     const ad_sample_t *sample);

/* Trains the forests whose training has fallen due, at most max_jobs of
 * them; returns how many it trained. Fitting runs with no engine lock held
 * (a shard or host lock is held only to copy a training sample out and to
 * hand the forest back), so it may run on its own thread beside submit; at
 * most one thread may call it at a time. Out of memory, a job is dropped
 * and asked for again later. */
size_t ad_engine_train(ad_engine_t *e, size_t max_jobs);

/* Closes the open tick of the named host, if any (replay: after each row).
 * Reports go to the sink. Returns 0, or ENOENT for an unknown host. */
int ad_engine_flush_host(ad_engine_t *e, const char *host);

/* Periodic upkeep, off the write path: drops series whose last value arrived
 * more than SeriesTimeout before `now` (and hosts left without series), and
 * closes host ticks that saw no value for two intervals. `now` is on the
 * same clock as ad_sample_t.arrival. Returns the number of series dropped. */
size_t ad_engine_housekeep(ad_engine_t *e, double now);

typedef struct {
  unsigned long values_learned; /* values absorbed by the detectors */
  ad_level_t level;             /* the series' own level */
  double last_time;             /* data time of the last value (NaN: none) */
  unsigned forest_trainings;    /* its value list's forest: trainings */
  double forest_score;          /* ...and its last score (NaN: none) */
} ad_series_info_t;

/* Looks one series up (data source ds of value list id). Returns 0 and fills
 * info, or ENOENT. */
int ad_engine_series_info(ad_engine_t *e, const ad_ident_t *id, const char *ds,
                          ad_series_info_t *info);

/* Series and hosts tracked (racy snapshots). */
size_t ad_engine_series_count(ad_engine_t *e);
size_t ad_engine_host_count(ad_engine_t *e);

#endif /* AD_ENGINE_H */
