/* an_thread: a plugin's background thread (see header). */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"

#include "an_thread.h"

#include <errno.h>
#include <math.h>
#include <time.h>

int an_thread_start(an_thread_t *t, const char *name, void *(*main)(void *),
                    void *arg) {
  pthread_mutex_lock(&t->lock);
  t->wake = t->stop = false;
  pthread_mutex_unlock(&t->lock);
  int status = plugin_thread_create(&t->thread, main, arg, name);
  t->running = status == 0;
  return status;
}

void an_thread_wake(an_thread_t *t) {
  pthread_mutex_lock(&t->lock);
  t->wake = true;
  pthread_cond_signal(&t->cond);
  pthread_mutex_unlock(&t->lock);
}

/* Now plus seconds on the clock condition variables use. */
static struct timespec deadline(double seconds) {
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  double whole = floor(seconds);
  until.tv_sec += (time_t)whole;
  until.tv_nsec += (long)((seconds - whole) * 1e9);
  if (until.tv_nsec >= 1000000000L) {
    until.tv_sec++;
    until.tv_nsec -= 1000000000L;
  }
  return until;
}

bool an_thread_wait(an_thread_t *t, double seconds) {
  struct timespec until = deadline(seconds);
  pthread_mutex_lock(&t->lock);
  while (!t->wake && !t->stop &&
         pthread_cond_timedwait(&t->cond, &t->lock, &until) != ETIMEDOUT)
    ;
  bool go_on = !t->stop;
  t->wake = false;
  pthread_mutex_unlock(&t->lock);
  return go_on;
}

bool an_thread_stopping(an_thread_t *t) {
  pthread_mutex_lock(&t->lock);
  bool stop = t->stop;
  pthread_mutex_unlock(&t->lock);
  return stop;
}

void an_thread_stop(an_thread_t *t) {
  if (!t->running)
    return;
  pthread_mutex_lock(&t->lock);
  t->stop = true;
  pthread_cond_signal(&t->cond);
  pthread_cond_broadcast(&t->idle);
  pthread_mutex_unlock(&t->lock);
  pthread_join(t->thread, NULL);
  t->running = false;
}
