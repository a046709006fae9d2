/* an_http: the anomaly plugin's optional HTTP listener, through
 * libmicrohttpd (as collectd's write_prometheus): GET /anomaly,
 * /anomaly/HOST, /readiness/HOST[?at=TIME] and /series/HOST/NAME answered
 * with the query socket's JSON (ad_http_route, ad_query). One thread,
 * AN_HTTP_CONNECTIONS connections at most (4 from one address), a
 * connection idle for 2 s closed, AN_HTTP_RATE requests a second in all
 * (more: 429). No authentication: whoever reaches the address reads what
 * the plugin learned of every host. */
#ifndef AN_HTTP_H
#define AN_HTTP_H

#include "core/ad_bucket.h"
#include "engine/ad_engine.h"

#define AN_HTTP_RATE 50.0
#define AN_HTTP_CONNECTIONS 16
#define AN_HTTP_DEFAULT_PORT 9124

typedef struct {
  struct MHD_Daemon *daemon; /* NULL: not listening */
  ad_engine_t *engine;
  ad_bucket_t bucket;
} an_http_t;

#define AN_HTTP_INITIALIZER                                                    \
  { .daemon = NULL }

/* Listens on address (a numeric IPv4 or IPv6 address, or a name that
 * resolves to one) and port, and starts the thread. Returns 0, or an
 * errno value with the reason logged (the plugin goes on without it). */
int an_http_start(an_http_t *h, ad_engine_t *e, const char *address,
                  unsigned port);

/* Stops the listener; an unstarted one allowed. */
void an_http_stop(an_http_t *h);

#endif /* AN_HTTP_H */
