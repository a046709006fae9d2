/* ad_hosts: the engine's registry of hosts, a small hash map of ad_host_t
 * behind one mutex. It is consulted when a value list is created or
 * removed, by housekeeping, training and checkpoints, never per value: the
 * write path holds a value list's host pointer (v->host).
 *
 * A host lives as long as it has series (host->series counts them, changed
 * only under the registry's lock, so a host cannot vanish while a new value
 * list attaches to it) or an open tick; housekeeping unlinks it after that.
 *
 * Lock order: shard -> registry -> host. */
#ifndef AD_HOSTS_H
#define AD_HOSTS_H

#include "engine/ad_host.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#define AD_HOSTS_BUCKETS 1024 /* power of two */

typedef struct {
  pthread_mutex_t lock;
  ad_host_t *bucket[AD_HOSTS_BUCKETS];
  size_t count;
} ad_hosts_t;

/* An empty registry. Cannot fail. */
void ad_hosts_init(ad_hosts_t *hs);

/* Frees every host and the lock. No other thread may use hs. */
void ad_hosts_destroy(ad_hosts_t *hs);

/* Finds or creates the host `name` and counts `series` more series on it.
 * NULL when it had to be created and memory ran out. */
ad_host_t *ad_hosts_attach(ad_hosts_t *hs, const char *name, unsigned series);

/* Counts `series` fewer series on h (it stays until housekeeping). */
void ad_hosts_detach(ad_hosts_t *hs, ad_host_t *h, unsigned series);

/* Adds h (made elsewhere: a restored host, not in any registry) with
 * `series` series counted. Returns 0; EEXIST when a host of its name is
 * there already (h untouched, not added). */
int ad_hosts_add(ad_hosts_t *hs, ad_host_t *h, unsigned series);

/* The host `name` with its lock held (the registry's released: holding its
 * own lock, the host cannot be freed), or NULL when there is none. */
ad_host_t *ad_hosts_lock(ad_hosts_t *hs, const char *name);

/* Hosts in the registry (a snapshot). */
size_t ad_hosts_count(ad_hosts_t *hs);

/* The names and series counts of at most max hosts (a snapshot); returns
 * how many were written. */
size_t ad_hosts_list(ad_hosts_t *hs, char (*names)[AD_NAME_MAX],
                     unsigned *series, size_t max);

/* Calls visit(h, ctx) for every host with its lock held, then unlinks the
 * hosts left with no series and no open tick, chained by ->next onto
 * *dead for the caller to free (with no lock held). */
void ad_hosts_sweep(ad_hosts_t *hs, void (*visit)(ad_host_t *h, void *ctx),
                    void *ctx, ad_host_t **dead);

/* From bucket *from on, the first host for which take(h, ctx) (called with
 * its lock held) returns true: its name goes to name and *from stays at its
 * bucket (which may hold more). False when there is none left. */
bool ad_hosts_find_from(ad_hosts_t *hs, size_t *from,
                        bool (*take)(ad_host_t *h, void *ctx), void *ctx,
                        char name[AD_NAME_MAX]);

#endif /* AD_HOSTS_H */
