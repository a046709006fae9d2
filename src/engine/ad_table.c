/* ad_table: sharded concurrent hash map of value lists (see header). */
#include "engine/ad_table.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SHARD_COUNT 64 /* power of two; enough for 5 write threads */
#define INITIAL_BUCKETS 16

typedef struct {
  pthread_mutex_t lock;
  ad_vlist_t **buckets;
  size_t bucket_count; /* power of two */
  size_t size;
} shard_t;

struct ad_table_s {
  shard_t shard[SHARD_COUNT];
};

uint64_t ad_table_hash(const char *key, size_t len) {
  uint64_t h = 14695981039346656037ULL;
  for (size_t i = 0; i < len; i++) {
    h ^= (unsigned char)key[i];
    h *= 1099511628211ULL;
  }
  return h;
}

/* The low bits pick the bucket, the high bits the shard, so the two choices
 * are independent. */
static shard_t *shard_of(ad_table_t *t, uint64_t hash) {
  return &t->shard[(hash >> 58) & (SHARD_COUNT - 1)];
}

ad_table_t *ad_table_create(void) {
  ad_table_t *t = calloc(1, sizeof(*t));
  if (t == NULL)
    return NULL;
  for (size_t i = 0; i < SHARD_COUNT; i++) {
    shard_t *sh = &t->shard[i];
    sh->buckets = calloc(INITIAL_BUCKETS, sizeof(*sh->buckets));
    if (sh->buckets == NULL) {
      for (size_t j = 0; j < i; j++) {
        pthread_mutex_destroy(&t->shard[j].lock);
        free(t->shard[j].buckets);
      }
      free(t);
      return NULL;
    }
    sh->bucket_count = INITIAL_BUCKETS;
    pthread_mutex_init(&sh->lock, NULL);
  }
  return t;
}

void ad_table_destroy(ad_table_t *t, void (*release)(ad_vlist_t *, void *),
                      void *ctx) {
  if (t == NULL)
    return;
  for (size_t i = 0; i < SHARD_COUNT; i++) {
    shard_t *sh = &t->shard[i];
    for (size_t b = 0; b < sh->bucket_count; b++) {
      for (ad_vlist_t *s = sh->buckets[b], *next; s != NULL; s = next) {
        next = s->next;
        if (release != NULL)
          release(s, ctx);
        else
          ad_vlist_destroy(s);
      }
    }
    free(sh->buckets);
    pthread_mutex_destroy(&sh->lock);
  }
  free(t);
}

void ad_table_lock(ad_table_t *t, uint64_t hash) {
  pthread_mutex_lock(&shard_of(t, hash)->lock);
}

void ad_table_unlock(ad_table_t *t, uint64_t hash) {
  pthread_mutex_unlock(&shard_of(t, hash)->lock);
}

ad_vlist_t *ad_table_find(ad_table_t *t, uint64_t hash, const char *key,
                          size_t len) {
  shard_t *sh = shard_of(t, hash);
  for (ad_vlist_t *s = sh->buckets[hash & (sh->bucket_count - 1)]; s != NULL;
       s = s->next) {
    if (s->hash == hash && s->key_len == len && memcmp(s->key, key, len) == 0)
      return s;
  }
  return NULL;
}

ad_vlist_t *ad_table_bucket(ad_table_t *t, uint64_t hash) {
  shard_t *sh = shard_of(t, hash);
  return sh->buckets[hash & (sh->bucket_count - 1)];
}

static void shard_grow(shard_t *sh) {
  size_t count = sh->bucket_count * 2;
  ad_vlist_t **buckets = calloc(count, sizeof(*buckets));
  if (buckets == NULL)
    return; /* keep working at the current size */
  for (size_t b = 0; b < sh->bucket_count; b++) {
    for (ad_vlist_t *s = sh->buckets[b], *next; s != NULL; s = next) {
      next = s->next;
      size_t nb = s->hash & (count - 1);
      s->next = buckets[nb];
      buckets[nb] = s;
    }
  }
  free(sh->buckets);
  sh->buckets = buckets;
  sh->bucket_count = count;
}

void ad_table_insert(ad_table_t *t, ad_vlist_t *s) {
  shard_t *sh = shard_of(t, s->hash);
  if (sh->size >= sh->bucket_count)
    shard_grow(sh);
  size_t b = s->hash & (sh->bucket_count - 1);
  s->next = sh->buckets[b];
  sh->buckets[b] = s;
  sh->size++;
}

void ad_table_remove(ad_table_t *t, ad_vlist_t *v) {
  shard_t *sh = shard_of(t, v->hash);
  for (ad_vlist_t **link = &sh->buckets[v->hash & (sh->bucket_count - 1)];
       *link != NULL; link = &(*link)->next) {
    if (*link == v) {
      *link = v->next;
      sh->size--;
      return;
    }
  }
}

size_t ad_table_sweep(ad_table_t *t, bool (*expired)(ad_vlist_t *, void *),
                      void (*release)(ad_vlist_t *, void *), void *ctx) {
  size_t removed = 0;
  for (size_t i = 0; i < SHARD_COUNT; i++) {
    shard_t *sh = &t->shard[i];
    pthread_mutex_lock(&sh->lock);
    for (size_t b = 0; b < sh->bucket_count; b++) {
      ad_vlist_t **link = &sh->buckets[b];
      while (*link != NULL) {
        ad_vlist_t *s = *link;
        if (expired(s, ctx)) {
          *link = s->next;
          sh->size--;
          removed++;
          release(s, ctx);
        } else {
          link = &s->next;
        }
      }
    }
    pthread_mutex_unlock(&sh->lock);
  }
  return removed;
}

void ad_table_each(ad_table_t *t, void (*visit)(ad_vlist_t *, void *),
                   void *ctx) {
  for (size_t i = 0; i < SHARD_COUNT; i++) {
    shard_t *sh = &t->shard[i];
    pthread_mutex_lock(&sh->lock);
    for (size_t b = 0; b < sh->bucket_count; b++)
      for (ad_vlist_t *v = sh->buckets[b]; v != NULL; v = v->next)
        visit(v, ctx);
    pthread_mutex_unlock(&sh->lock);
  }
}

size_t ad_table_size(ad_table_t *t) {
  size_t total = 0;
  for (size_t i = 0; i < SHARD_COUNT; i++) {
    pthread_mutex_lock(&t->shard[i].lock);
    total += t->shard[i].size;
    pthread_mutex_unlock(&t->shard[i].lock);
  }
  return total;
}
