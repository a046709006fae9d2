/* ad_outbox: bounded hand-off queue (see header). */
#include "engine/ad_outbox.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct ad_outbox_s {
  pthread_mutex_t lock;
  pthread_cond_t cond; /* signalled on push and stop */
  ad_out_item_t *head, *tail;
  size_t count, capacity, dropped;
  bool stopped;
};

ad_outbox_t *ad_outbox_create(size_t capacity) {
  ad_outbox_t *box = calloc(1, sizeof(*box));
  if (box == NULL)
    return NULL;
  pthread_condattr_t attr;
  pthread_condattr_init(&attr);
  pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
  pthread_cond_init(&box->cond, &attr);
  pthread_condattr_destroy(&attr);
  pthread_mutex_init(&box->lock, NULL);
  box->capacity = capacity;
  return box;
}

void ad_outbox_free_items(ad_out_item_t *items) {
  for (ad_out_item_t *next; items != NULL; items = next) {
    next = items->next;
    free(items);
  }
}

void ad_outbox_destroy(ad_outbox_t *box) {
  if (box == NULL)
    return;
  ad_outbox_free_items(box->head);
  pthread_cond_destroy(&box->cond);
  pthread_mutex_destroy(&box->lock);
  free(box);
}

/* Appends item, or frees it and counts a drop when full or stopped. */
static int push(ad_outbox_t *box, ad_out_item_t *item) {
  pthread_mutex_lock(&box->lock);
  if (box->stopped || box->count >= box->capacity) {
    box->dropped++;
    pthread_mutex_unlock(&box->lock);
    free(item);
    return ENOSPC;
  }
  item->next = NULL;
  if (box->tail != NULL)
    box->tail->next = item;
  else
    box->head = item;
  box->tail = item;
  box->count++;
  pthread_cond_signal(&box->cond);
  pthread_mutex_unlock(&box->lock);
  return 0;
}

int ad_outbox_push_report(ad_outbox_t *box, const ad_host_report_t *report) {
  ad_out_item_t *item = malloc(sizeof(*item));
  if (item == NULL)
    return ENOMEM;
  item->kind = AD_OUT_REPORT;
  item->u.report = *report;
  return push(box, item);
}

int ad_outbox_push_notice(ad_outbox_t *box, const ad_notice_t *notice) {
  ad_out_item_t *item = malloc(sizeof(*item));
  if (item == NULL)
    return ENOMEM;
  item->kind = AD_OUT_NOTICE;
  item->u.notice = *notice;
  return push(box, item);
}

ad_out_item_t *ad_outbox_take(ad_outbox_t *box, double timeout, bool *stopped) {
  struct timespec deadline;
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  double whole = floor(timeout);
  deadline.tv_sec += (time_t)whole;
  deadline.tv_nsec += (long)((timeout - whole) * 1e9);
  if (deadline.tv_nsec >= 1000000000L) {
    deadline.tv_sec++;
    deadline.tv_nsec -= 1000000000L;
  }
  pthread_mutex_lock(&box->lock);
  while (box->head == NULL && !box->stopped) {
    if (pthread_cond_timedwait(&box->cond, &box->lock, &deadline) == ETIMEDOUT)
      break;
  }
  ad_out_item_t *items = box->head;
  box->head = box->tail = NULL;
  box->count = 0;
  *stopped = box->stopped;
  pthread_mutex_unlock(&box->lock);
  return items;
}

void ad_outbox_stop(ad_outbox_t *box) {
  pthread_mutex_lock(&box->lock);
  box->stopped = true;
  pthread_cond_broadcast(&box->cond);
  pthread_mutex_unlock(&box->lock);
}

size_t ad_outbox_take_dropped(ad_outbox_t *box) {
  pthread_mutex_lock(&box->lock);
  size_t n = box->dropped;
  box->dropped = 0;
  pthread_mutex_unlock(&box->lock);
  return n;
}
