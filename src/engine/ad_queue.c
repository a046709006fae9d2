/* ad_queue: bounded key queue (see header). */
#include "engine/ad_queue.h"

#include <errno.h>
#include <stdlib.h>

int ad_queue_init(ad_queue_t *q, size_t capacity) {
  *q = (ad_queue_t){.capacity = capacity};
  q->keys = calloc(capacity > 0 ? capacity : 1, sizeof(*q->keys));
  if (q->keys == NULL)
    return ENOMEM;
  if (pthread_mutex_init(&q->lock, NULL) != 0) {
    free(q->keys);
    return ENOMEM;
  }
  return 0;
}

void ad_queue_destroy(ad_queue_t *q) {
  if (q->keys == NULL)
    return;
  pthread_mutex_destroy(&q->lock);
  free(q->keys);
  q->keys = NULL;
}

bool ad_queue_push(ad_queue_t *q, uint64_t key) {
  pthread_mutex_lock(&q->lock);
  bool ok = q->count < q->capacity;
  if (ok) {
    q->keys[(q->head + q->count) % q->capacity] = key;
    q->count++;
  } else {
    q->overflowed = true;
  }
  pthread_mutex_unlock(&q->lock);
  return ok;
}

bool ad_queue_pop(ad_queue_t *q, uint64_t *key) {
  pthread_mutex_lock(&q->lock);
  bool ok = q->count > 0;
  if (ok) {
    *key = q->keys[q->head];
    q->head = (q->head + 1) % q->capacity;
    q->count--;
  }
  pthread_mutex_unlock(&q->lock);
  return ok;
}

bool ad_queue_take_overflow(ad_queue_t *q) {
  pthread_mutex_lock(&q->lock);
  bool was = q->overflowed;
  q->overflowed = false;
  pthread_mutex_unlock(&q->lock);
  return was;
}
