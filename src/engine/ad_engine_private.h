/* ad_engine_private: what the engine's files share (ad_engine.c: the write
 * path; ad_training.c: fitting forests; ad_housekeeping.c: expiry and stale
 * intervals; ad_snapshot.c: copies for checkpoints, restored hosts). Not for
 * use outside src/engine/.
 *
 * Data structures: a sharded table of value lists (ad_table), each holding
 * the series of its data sources, and the registry of hosts (ad_hosts).
 * Each value list points at its host.
 *
 * Lock order: shard -> registry -> host. The write path takes the shard lock
 * for the series update and the host lock for the roll-up, handing over from
 * one to the other without a gap (see ad_engine_submit). */
#ifndef AD_ENGINE_PRIVATE_H
#define AD_ENGINE_PRIVATE_H

#include "engine/ad_engine.h"
#include "engine/ad_hosts.h"
#include "engine/ad_queue.h"
#include "engine/ad_table.h"
#include "engine/ad_vlist.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct ad_engine_s {
  ad_config_t cfg;
  ad_sink_t sink;
  ad_table_t *table;
  atomic_size_t series_count;
  ad_hosts_t hosts;
  ad_queue_t due;            /* value lists whose forest is due */
  atomic_uint hosts_due;     /* host forests fallen due since last look */
  pthread_mutex_t save_lock; /* one checkpoint at a time */
  uint64_t save_stamp;       /* the last checkpoint batch (save_lock) */
};

/* The sink's callbacks, each when the caller set it. No engine lock may be
 * held. */
void ad_engine_emit_report(ad_engine_t *e, const ad_host_report_t *r);
void ad_engine_emit_notice(ad_engine_t *e, const ad_notice_t *n);
void ad_engine_emit_training_due(ad_engine_t *e);

/* Closes h's tick (h->lock held); counts a host forest falling due. Returns
 * true when the host's level changed (notice filled). */
bool ad_engine_close_tick(ad_engine_t *e, ad_host_t *h,
                          ad_host_report_t *report, ad_notice_t *notice,
                          bool *due);

/* Forgets a value list (its shard locked, v unlinked or about to be): its
 * series leave its host and the engine's count, and it is freed. */
void ad_engine_release_vlist(ad_engine_t *e, ad_vlist_t *v);

#endif /* AD_ENGINE_PRIVATE_H */
