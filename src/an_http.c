/* an_http: the HTTP listener (see header). */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/utils/common/common.h"

#include "an_http.h"
#include "core/ad_text.h"
#include "patch/ad_http_route.h"
#include "patch/ad_query.h"

#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <time.h>

#define AN_PLUGIN "anomaly"

static double monotonic(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Queues text (malloc'd, taken over; NULL: out of memory) with status. */
static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status,
                             char *text) {
  if (text == NULL)
    return MHD_NO;
  struct MHD_Response *r = MHD_create_response_from_buffer(
      strlen(text), text, MHD_RESPMEM_MUST_FREE);
  if (r == NULL) {
    free(text);
    return MHD_NO;
  }
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
  if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
    MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
  enum MHD_Result ok = MHD_queue_response(conn, status, r);
  MHD_destroy_response(r);
  return ok;
}

static char *error_json(const char *why) {
  char *text = malloc(strlen(why) + 16);
  if (text != NULL)
    sprintf(text, "{\"error\":\"%s\"}\n", why);
  return text;
}

/* The answer with its newline, for reply. */
static char *with_newline(char *answer) {
  if (answer == NULL)
    return NULL;
  size_t n = strlen(answer);
  char *text = realloc(answer, n + 2);
  if (text == NULL) {
    free(answer);
    return NULL;
  }
  memcpy(text + n, "\n", 2);
  return text;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn,
                              const char *url, const char *method,
                              const char *version, const char *upload_data,
                              size_t *upload_size, void **con_cls) {
  (void)version;
  (void)upload_data;
  (void)upload_size;
  (void)con_cls;
  an_http_t *h = cls;
  if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
      strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
    return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
                 error_json("only GET and HEAD"));
  if (!ad_bucket_take(&h->bucket, monotonic()))
    return reply(conn, MHD_HTTP_TOO_MANY_REQUESTS,
                 error_json("busy: at most 50 requests a second"));
  const char *at =
      MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "at");
  char request[AD_QUERY_LINE_MAX];
  int status = ad_http_route(url, at, request, sizeof(request));
  if (status == 404)
    return reply(conn, MHD_HTTP_NOT_FOUND,
                 error_json("not found: /anomaly, /anomaly/HOST, "
                            "/readiness/HOST[?at=TIME], /series/HOST/NAME"));
  if (status != 200)
    return reply(conn, MHD_HTTP_BAD_REQUEST, error_json("bad request"));
  char *answer = ad_query_answer(h->engine, request, (double)time(NULL));
  if (answer == NULL)
    return MHD_NO;
  unsigned code = (unsigned)ad_http_status(answer);
  return reply(conn, code, with_newline(answer));
}

/* The first address of name:port for listening; NULL with the reason
 * logged. */
static struct addrinfo *resolve(const char *name, unsigned port) {
  char service[16];
  snprintf(service, sizeof(service), "%u", port);
  struct addrinfo hints = {.ai_family = AF_UNSPEC,
                           .ai_socktype = SOCK_STREAM,
                           .ai_flags = AI_PASSIVE};
  struct addrinfo *ai = NULL;
  int rc = getaddrinfo(name, service, &hints, &ai);
  if (rc != 0) {
    char shown[256];
    ERROR(AN_PLUGIN " plugin: <HTTP> Address \"%s\": %s; no HTTP listener.",
          ad_text_escape(shown, sizeof(shown), name, strlen(name)),
          gai_strerror(rc));
    return NULL;
  }
  return ai;
}

/* True for 127.0.0.0/8 and ::1. */
static bool loopback(const struct sockaddr *sa) {
  if (sa->sa_family == AF_INET)
    return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) ==
           127;
  return sa->sa_family == AF_INET6 &&
         IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
}

int an_http_start(an_http_t *h, ad_engine_t *e, const char *address,
                  unsigned port) {
  struct addrinfo *ai = resolve(address, port);
  if (ai == NULL)
    return EINVAL;
  h->engine = e;
  ad_bucket_init(&h->bucket, AN_HTTP_RATE);
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
  if (ai->ai_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  h->daemon = MHD_start_daemon(
      flags, (uint16_t)port, NULL, NULL, handle, h, MHD_OPTION_SOCK_ADDR,
      ai->ai_addr, MHD_OPTION_CONNECTION_LIMIT, (unsigned)AN_HTTP_CONNECTIONS,
      MHD_OPTION_PER_IP_CONNECTION_LIMIT, 4u, MHD_OPTION_CONNECTION_TIMEOUT, 2u,
      MHD_OPTION_END);
  char shown[256];
  ad_text_escape(shown, sizeof(shown), address, strlen(address));
  bool local = loopback(ai->ai_addr);
  freeaddrinfo(ai);
  if (h->daemon == NULL) {
    ERROR(AN_PLUGIN " plugin: cannot listen for HTTP on %s port %u (in use, "
                    "or not an address of this machine); no HTTP listener.",
          shown, port);
    return EADDRINUSE;
  }
  INFO(AN_PLUGIN " plugin: answering HTTP queries on %s port %u "
                 "(/anomaly, /readiness/HOST; no authentication).",
       shown, port);
  if (!local)
    WARNING(AN_PLUGIN " plugin: the HTTP listener on %s is not on loopback: "
                      "anyone who reaches it reads what the plugin learned of "
                      "every host (it has no authentication; put it behind a "
                      "proxy that has).",
            shown);
  return 0;
}

void an_http_stop(an_http_t *h) {
  if (h->daemon != NULL)
    MHD_stop_daemon(h->daemon);
  h->daemon = NULL;
}
