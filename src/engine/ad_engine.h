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
 * series or host appears (and once a host, when the first of its series
 * heads for its ceiling: ad_exhaust's table). ad_engine_flush_host and
 * ad_engine_housekeep may run concurrently with submit. Sink callbacks are
 * invoked with no engine lock held, on the calling thread. */
#ifndef AD_ENGINE_H
#define AD_ENGINE_H

#include "core/ad_config.h"
#include "core/ad_ident.h"
#include "engine/ad_notice.h"

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
  /* The data sources' ranges as types.db gives them (NaN: unbounded);
   * NULL: not known. The bands messages quote stay inside them. */
  const double *ds_min, *ds_max;
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
 * (empty host/plugin/type, a field of AD_NAME_MAX bytes or more, or a field
 * or data source name that is not UTF-8), when the time, arrival or
 * interval is not finite or the interval negative, when there are no or
 * more than AD_VLIST_MAX_SOURCES (32) data sources or a data source name is
 * too long: nothing is done; ENOSPC when the value list is
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
 * same clock as ad_sample_t.arrival; sends the verdict of every change
 * whose watch has ended (ad_engine_mark_change). Returns the number of
 * series dropped. */
size_t ad_engine_housekeep(ad_engine_t *e, double now);

/* Closes every host's open tick now, reporting as when a later value closes
 * it (at shutdown, before the last checkpoint: a restarted daemon then goes
 * on from where an uninterrupted one would). */
void ad_engine_close_ticks(ad_engine_t *e);

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

/* ---- state (checkpoints) -------------------------------------------------
 *
 * A checkpoint copies what was learned host by host, in batches of about
 * AD_ENGINE_SAVE_BATCH series: the batch's hosts under their locks, then
 * their value lists one table shard at a time, each lock held only for the
 * copies (bounded memcpy work, no I/O, no encoding); the copies are handed
 * to the writer with no lock held (src/state encodes and writes them). The
 * write path goes on meanwhile; what a host's state holds is each value
 * list as it was at some moment during the checkpoint. */
#define AD_ENGINE_SAVE_BATCH 4096

struct ad_host_s;
struct ad_vlist_s;

/* Receives one host's state: copies of the host (ad_host_copy) and of its n
 * value lists (ad_vlist_copy), borrowed for the call. Returns 0 or an errno
 * value (counted, the checkpoint goes on with the next host). */
typedef int (*ad_engine_writer_t)(void *ctx, const struct ad_host_s *host,
                                  struct ad_vlist_s *const *vlists, size_t n);

typedef struct {
  size_t hosts;       /* hosts written */
  size_t value_lists; /* value lists in them */
  size_t series;      /* series in them */
  size_t failed;      /* hosts not written (out of memory, writer error) */
} ad_save_stats_t;

/* Hands every host's state to write (one call per host). Only one
 * checkpoint runs at a time (a second waits). Thread-safe with the write
 * path, training and housekeeping. Returns 0; the first writer error or
 * ENOMEM when some host was not written (the others were). */
int ad_engine_save(ad_engine_t *e, ad_engine_writer_t write, void *ctx,
                   ad_save_stats_t *stats);

typedef struct {
  size_t value_lists; /* value lists added */
  size_t series;      /* series in them */
  size_t skipped;     /* value lists dropped: already tracked, or beyond
                         MaxSeries */
} ad_adopt_stats_t;

/* Adds host (made by a state reader, in no engine) and its n value lists
 * (pointing at it), taking every one of them over whatever the outcome.
 * Value lists get `now` as their last arrival (NaN: keep theirs), so that
 * housekeeping gives a restarted daemon's series the usual SeriesTimeout to
 * come back; forests that were due are queued for training. Returns 0;
 * EEXIST when a host of that name is tracked already (all of them freed). */
int ad_engine_adopt(ad_engine_t *e, struct ad_host_s *host,
                    struct ad_vlist_s **vlists, size_t n, double now,
                    ad_adopt_stats_t *stats);

/* Hands copies of the named host and its value lists to visit, as a
 * checkpoint does for every host (the same short locks, no lock held during
 * the call): for queries. Returns visit's return; ENOENT when there is no
 * such host; ENOMEM. */
int ad_engine_visit_host(ad_engine_t *e, const char *name,
                         ad_engine_writer_t visit, void *ctx);

/* Marks a change `what` (a patch, a deploy: untrusted text, escaped) on
 * the named host at data time `time`: its series are watched for
 * ChangeWatch seconds, then a verdict notice goes to the sink (from
 * ad_engine_housekeep). A change marked while another is watched ends
 * that one's watch early (its verdict is sent now). Not for the write
 * path: allocates. Returns 0; ENOENT for an unknown host; EINVAL for a
 * time that is not finite; ENOMEM. */
int ad_engine_mark_change(ad_engine_t *e, const char *host, double time,
                          const char *what);

/* One line of a host list. */
typedef struct {
  char name[AD_NAME_MAX];
  unsigned series, anomalous;
  ad_level_t level;                /* its notified level */
  double risk, time;               /* its last interval (NaN: none) */
  char driver[AD_SERIES_NAME_MAX]; /* that interval's riskiest series */
} ad_host_summary_t;

/* At most max hosts, each read under its own lock. Returns how many were
 * written to out (0 also when out of memory). */
size_t ad_engine_list_hosts(ad_engine_t *e, ad_host_summary_t *out, size_t max);

/* Data time of the named host's last report, NaN when there is none or no
 * such host (replay carries on after a restored state from there). */
double ad_engine_host_last_time(ad_engine_t *e, const char *host);

/* Series and hosts tracked (racy snapshots). */
size_t ad_engine_series_count(ad_engine_t *e);
size_t ad_engine_host_count(ad_engine_t *e);

#endif /* AD_ENGINE_H */
