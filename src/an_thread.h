/* an_thread: a background thread of a plugin that sleeps until it is
 * woken, asked to stop, or its time is up; one type for the anomaly
 * plugin's trainer, checkpointer and worker.
 *
 * Threads: an_thread_start, an_thread_stop and the owner's reads of
 * `running` belong to the thread that owns t (collectd's init and
 * shutdown). an_thread_wake may be called from any thread: it takes the
 * lock for a moment and never waits, so write callbacks may call it.
 * an_thread_wait and an_thread_stopping are for the thread itself. `lock`
 * also guards what the owner keeps beside t (its counters); `idle` is the
 * owner's to signal, and is broadcast at stop so that no one waits on it
 * for a thread that is gone. */
#ifndef AN_THREAD_H
#define AN_THREAD_H

#include <pthread.h>
#include <stdbool.h>

typedef struct {
  pthread_t thread;
  pthread_mutex_t lock; /* guards wake and stop (and the owner's fields) */
  pthread_cond_t cond;  /* wake or stop asked */
  pthread_cond_t idle;  /* the owner's: the thread has caught up */
  bool wake, stop;
  bool running; /* started and not yet joined */
} an_thread_t;

#define AN_THREAD_INITIALIZER                                                  \
  {                                                                            \
    .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER,       \
    .idle = PTHREAD_COND_INITIALIZER                                           \
  }

/* Starts main(arg) as collectd thread `name` (wake and stop cleared).
 * Returns 0 or the errno value of the failed creation (t->running false). */
int an_thread_start(an_thread_t *t, const char *name, void *(*main)(void *),
                    void *arg);

/* Asks the thread to look: an_thread_wait returns. */
void an_thread_wake(an_thread_t *t);

/* Sleeps until woken, asked to stop, or `seconds` passed; clears the wake.
 * Returns false when asked to stop (the thread should return). */
bool an_thread_wait(an_thread_t *t, double seconds);

/* Whether the thread has been asked to stop. */
bool an_thread_stopping(an_thread_t *t);

/* Asks the thread to stop, wakes it and everyone waiting on idle, and
 * joins it. Nothing when it is not running. */
void an_thread_stop(an_thread_t *t);

#endif /* AN_THREAD_H */
