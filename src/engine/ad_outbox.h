/* ad_outbox: hands engine output (host reports and notices) from the threads
 * that produce it (collectd's write threads) to the one thread that passes it
 * on to collectd. plugin_dispatch_notification runs every notification
 * plugin synchronously (mail, exec, HTTP...), which must never happen on a
 * write thread; the outbox makes the write path's share a short locked list
 * append.
 *
 * Bounded: beyond `capacity` queued items new ones are dropped and counted,
 * so a stuck consumer costs lost reports, never unbounded memory. */
#ifndef AD_OUTBOX_H
#define AD_OUTBOX_H

#include "engine/ad_notice.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum { AD_OUT_REPORT = 0, AD_OUT_NOTICE = 1 } ad_out_kind_t;

typedef struct ad_out_item_s {
  struct ad_out_item_s *next;
  ad_out_kind_t kind;
  union {
    ad_host_report_t report;
    ad_notice_t notice;
  } u;
} ad_out_item_t;

typedef struct ad_outbox_s ad_outbox_t;

/* Creates an outbox holding at most capacity items. NULL when out of memory. */
ad_outbox_t *ad_outbox_create(size_t capacity);

/* Frees the outbox and anything still queued; NULL allowed. No thread may be
 * using it. */
void ad_outbox_destroy(ad_outbox_t *box);

/* Queue a copy of a report / notice. Return 0; ENOSPC when the outbox is full
 * or stopped (the item is dropped and counted); ENOMEM. Never block beyond
 * the list lock. */
int ad_outbox_push_report(ad_outbox_t *box, const ad_host_report_t *report);
int ad_outbox_push_notice(ad_outbox_t *box, const ad_notice_t *notice);

/* Takes everything queued, oldest first, waiting up to timeout seconds for
 * something to arrive. Returns the list (NULL if none; caller frees with
 * ad_outbox_free_items). *stopped is set once ad_outbox_stop was called. */
ad_out_item_t *ad_outbox_take(ad_outbox_t *box, double timeout, bool *stopped);

/* Frees a list returned by ad_outbox_take; NULL allowed. */
void ad_outbox_free_items(ad_out_item_t *items);

/* Wakes a waiting consumer and refuses further pushes. */
void ad_outbox_stop(ad_outbox_t *box);

/* Items dropped since the last call (the counter is reset). */
size_t ad_outbox_take_dropped(ad_outbox_t *box);

#endif /* AD_OUTBOX_H */
