/* ad_table: the concurrent map from value list key to value list.
 *
 * collectd calls the write callback from several threads at once, so the map
 * is split into shards, each a chained hash table behind its own mutex. A
 * writer locks only the shard its key hashes to, for the time of one O(1)
 * update; the sweeper (expiry) walks shard by shard. Shards grow by doubling
 * when their load passes 1, under their own lock (amortised O(1)).
 *
 * Lock order across the engine: shard -> hosts table -> host. */
#ifndef AD_TABLE_H
#define AD_TABLE_H

#include "engine/ad_vlist.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct ad_table_s ad_table_t;

/* Creates an empty table. NULL when out of memory. */
ad_table_t *ad_table_create(void);

/* Frees the table; every remaining value list is passed to release (may be
 * NULL: then they are freed with ad_vlist_destroy). NULL table allowed. No
 * other thread may use the table. */
void ad_table_destroy(ad_table_t *t, void (*release)(ad_vlist_t *, void *),
                      void *ctx);

/* 64-bit FNV-1a of len bytes. */
uint64_t ad_table_hash(const char *key, size_t len);

/* Locks / unlocks the shard that owns hash. */
void ad_table_lock(ad_table_t *t, uint64_t hash);
void ad_table_unlock(ad_table_t *t, uint64_t hash);

/* Finds the value list with this key. The shard must be locked. NULL if absent.
 */
ad_vlist_t *ad_table_find(ad_table_t *t, uint64_t hash, const char *key,
                          size_t len);

/* The first value list in hash's bucket (the shard must be locked); the
 * rest follow by ->next, with other hashes mixed in. */
ad_vlist_t *ad_table_bucket(ad_table_t *t, uint64_t hash);

/* Inserts s (not yet in the table; its key must be absent). The shard of
 * s->hash must be locked. Cannot fail: when growing the shard fails it just
 * stays at its size. */
void ad_table_insert(ad_table_t *t, ad_vlist_t *s);

/* Unlinks v, which is in the table. The shard of v->hash must be locked. */
void ad_table_remove(ad_table_t *t, ad_vlist_t *v);

/* Visits every value list, one shard locked at a time. When expired returns
 * true it is unlinked and handed to release (with the shard still locked;
 * release must not take a shard lock). Returns the number removed. */
size_t ad_table_sweep(ad_table_t *t, bool (*expired)(ad_vlist_t *, void *),
                      void (*release)(ad_vlist_t *, void *), void *ctx);

/* Visits every value list, one shard locked at a time (visit must not
 * take a shard lock, nor remove anything). */
void ad_table_each(ad_table_t *t, void (*visit)(ad_vlist_t *, void *),
                   void *ctx);

/* Value lists in the table (racy snapshot; for reports and benchmarks). */
size_t ad_table_size(ad_table_t *t);

#endif /* AD_TABLE_H */
