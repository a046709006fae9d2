/* an_socket: the anomaly plugin's query socket. A Unix stream socket
 * (mode 0660, its group SocketGroup, as collectd's unixsock does) served by
 * one background thread: one request a line, one JSON answer a line
 * (ad_query). Bounded: lines of AD_QUERY_LINE_MAX bytes, AN_SOCKET_RATE
 * requests a second in all (more are answered "busy"), a client idle for
 * AN_SOCKET_TIMEOUT seconds is let go. The engine is read through copies
 * under its short locks: the write path never waits on a query. */
#ifndef AN_SOCKET_H
#define AN_SOCKET_H

#include "core/ad_bucket.h"
#include "engine/ad_engine.h"

#include "an_thread.h"

#define AN_SOCKET_RATE 50.0
#define AN_SOCKET_TIMEOUT 2.0

typedef struct {
  an_thread_t thread;
  int fd; /* listening; -1: none */
  char path[108];
  ad_engine_t *engine;
  ad_bucket_t bucket; /* the request rate */
} an_socket_t;

#define AN_SOCKET_INITIALIZER                                                  \
  { .thread = AN_THREAD_INITIALIZER, .fd = -1 }

/* Listens on path (group: its group, "" for the process's) and starts the
 * thread. Returns 0, or an errno value with the reason logged (the plugin
 * goes on without queries). */
int an_socket_start(an_socket_t *s, ad_engine_t *e, const char *path,
                    const char *group);

/* Stops the thread and removes the socket; an unstarted one allowed. */
void an_socket_stop(an_socket_t *s);

#endif /* AN_SOCKET_H */
