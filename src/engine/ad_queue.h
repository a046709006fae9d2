/* ad_queue: a bounded queue of 64-bit keys (value list hashes whose forest
 * is due for training), from the write threads to the trainer.
 *
 * Push never blocks beyond a short mutex and never allocates: when the
 * queue is full the key is dropped and the queue remembers it overflowed,
 * so that the trainer can fall back to a full scan. */
#ifndef AD_QUEUE_H
#define AD_QUEUE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  pthread_mutex_t lock;
  uint64_t *keys;
  size_t capacity, head, count;
  bool overflowed;
} ad_queue_t;

/* Initialises an empty queue of `capacity` keys. Returns 0 or ENOMEM. */
int ad_queue_init(ad_queue_t *q, size_t capacity);

/* Frees the queue's memory. */
void ad_queue_destroy(ad_queue_t *q);

/* Appends key; false (and the overflow mark set) when full. */
bool ad_queue_push(ad_queue_t *q, uint64_t key);

/* Takes the oldest key; false when empty. */
bool ad_queue_pop(ad_queue_t *q, uint64_t *key);

/* True once if the queue overflowed since the last call (and clears it). */
bool ad_queue_take_overflow(ad_queue_t *q);

#endif /* AD_QUEUE_H */
