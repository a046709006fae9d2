/* ad_hosts: the registry of hosts (see header). */
#include "engine/ad_hosts.h"
#include "engine/ad_table.h"

#include <errno.h>
#include <stdatomic.h>
#include <string.h>

static size_t bucket_of(const char *name) {
  return ad_table_hash(name, strlen(name)) & (AD_HOSTS_BUCKETS - 1);
}

/* The host `name`; the registry's lock must be held. */
static ad_host_t *find(ad_hosts_t *hs, const char *name) {
  for (ad_host_t *h = hs->bucket[bucket_of(name)]; h != NULL; h = h->next)
    if (strcmp(h->name, name) == 0)
      return h;
  return NULL;
}

static void link_host(ad_hosts_t *hs, ad_host_t *h) {
  size_t b = bucket_of(h->name);
  h->next = hs->bucket[b];
  hs->bucket[b] = h;
  hs->count++;
}

void ad_hosts_init(ad_hosts_t *hs) {
  memset(hs, 0, sizeof(*hs));
  pthread_mutex_init(&hs->lock, NULL);
}

void ad_hosts_destroy(ad_hosts_t *hs) {
  for (size_t b = 0; b < AD_HOSTS_BUCKETS; b++)
    for (ad_host_t *h = hs->bucket[b], *next; h != NULL; h = next) {
      next = h->next;
      ad_host_destroy(h);
    }
  pthread_mutex_destroy(&hs->lock);
}

ad_host_t *ad_hosts_attach(ad_hosts_t *hs, const char *name, unsigned series) {
  pthread_mutex_lock(&hs->lock);
  ad_host_t *h = find(hs, name);
  if (h == NULL && (h = ad_host_create(name)) != NULL)
    link_host(hs, h);
  if (h != NULL)
    atomic_fetch_add(&h->series, series);
  pthread_mutex_unlock(&hs->lock);
  return h;
}

void ad_hosts_detach(ad_hosts_t *hs, ad_host_t *h, unsigned series) {
  pthread_mutex_lock(&hs->lock);
  atomic_fetch_sub(&h->series, series);
  pthread_mutex_unlock(&hs->lock);
}

int ad_hosts_add(ad_hosts_t *hs, ad_host_t *h, unsigned series) {
  pthread_mutex_lock(&hs->lock);
  int rc = find(hs, h->name) != NULL ? EEXIST : 0;
  if (rc == 0) {
    /* counted before its value lists are in: housekeeping leaves it alone */
    atomic_store(&h->series, series);
    link_host(hs, h);
  }
  pthread_mutex_unlock(&hs->lock);
  return rc;
}

ad_host_t *ad_hosts_lock(ad_hosts_t *hs, const char *name) {
  pthread_mutex_lock(&hs->lock);
  ad_host_t *h = find(hs, name);
  if (h != NULL)
    pthread_mutex_lock(&h->lock);
  pthread_mutex_unlock(&hs->lock);
  return h;
}

size_t ad_hosts_count(ad_hosts_t *hs) {
  pthread_mutex_lock(&hs->lock);
  size_t n = hs->count;
  pthread_mutex_unlock(&hs->lock);
  return n;
}

size_t ad_hosts_list(ad_hosts_t *hs, char (*names)[AD_NAME_MAX],
                     unsigned *series, size_t max) {
  size_t n = 0;
  pthread_mutex_lock(&hs->lock);
  for (size_t b = 0; b < AD_HOSTS_BUCKETS; b++)
    for (ad_host_t *h = hs->bucket[b]; h != NULL && n < max; h = h->next) {
      memcpy(names[n], h->name, AD_NAME_MAX);
      series[n++] = atomic_load(&h->series);
    }
  pthread_mutex_unlock(&hs->lock);
  return n;
}

void ad_hosts_sweep(ad_hosts_t *hs, void (*visit)(ad_host_t *h, void *ctx),
                    void *ctx, ad_host_t **dead) {
  pthread_mutex_lock(&hs->lock);
  for (size_t b = 0; b < AD_HOSTS_BUCKETS; b++) {
    ad_host_t **link = &hs->bucket[b];
    while (*link != NULL) {
      ad_host_t *h = *link;
      pthread_mutex_lock(&h->lock);
      visit(h, ctx);
      bool empty = atomic_load(&h->series) == 0 && !h->tick.open;
      pthread_mutex_unlock(&h->lock);
      if (empty) {
        *link = h->next;
        h->next = *dead;
        *dead = h;
        hs->count--;
      } else {
        link = &h->next;
      }
    }
  }
  pthread_mutex_unlock(&hs->lock);
}

bool ad_hosts_find_from(ad_hosts_t *hs, size_t *from,
                        bool (*take)(ad_host_t *h, void *ctx), void *ctx,
                        char name[AD_NAME_MAX]) {
  bool taken = false;
  pthread_mutex_lock(&hs->lock);
  for (; *from < AD_HOSTS_BUCKETS && !taken; (*from)++) {
    for (ad_host_t *h = hs->bucket[*from]; h != NULL && !taken; h = h->next) {
      pthread_mutex_lock(&h->lock);
      if (take(h, ctx)) {
        memcpy(name, h->name, AD_NAME_MAX);
        taken = true;
      }
      pthread_mutex_unlock(&h->lock);
    }
    if (taken)
      break; /* the bucket may hold more: searched again next time */
  }
  pthread_mutex_unlock(&hs->lock);
  return taken;
}
