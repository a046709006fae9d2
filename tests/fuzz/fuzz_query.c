/* Fuzz target: a request line on the anomaly plugin's query socket
 * (ad_query), or an HTTP path (a line starting with "/", "?at=" before its
 * argument) through ad_http_route, against an engine holding one host of
 * two value lists that has seen values, had an incident and a change.
 * Every line gets a JSON answer: an object that parses, with "error" or
 * the command's keys; every route, a status of 200, 400 or 404. */
#include "fuzz_util.h"

#include "patch/ad_http_route.h"
#include "patch/ad_query.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static ad_engine_t *engine;

static ad_engine_t *make_engine(void) {
  ad_engine_t *e = fuzz_engine(FUZZ_QUICK, 1000);
  if (e == NULL)
    abort();
  static const char *const one[] = {"value"}, *const two[] = {"rx", "tx"};
  ad_ident_t gauge = {"web1", "cpu", "0", "percent", "user"};
  ad_ident_t octets = {"web1", "interface", "eth0", "if_octets", ""};
  for (int k = 0; k < 100; k++) {
    double t = 1.7e9 + 60.0 * k,
           v[2] = {50 + k % 7 + (k > 90 ? 500 : 0), 1000 + k % 5};
    ad_sample_t a = {.time = t,
                     .interval = 60,
                     .arrival = t,
                     .count = 1,
                     .values = v,
                     .ds_names = one};
    ad_sample_t b = {.time = t,
                     .interval = 60,
                     .arrival = t,
                     .count = 2,
                     .values = v,
                     .ds_names = two};
    ad_engine_submit(e, &gauge, &a);
    ad_engine_submit(e, &octets, &b);
    ad_engine_flush_host(e, "web1");
    if (k == 50)
      ad_engine_mark_change(e, "web1", t, "openssl 3.0.15");
  }
  return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (engine == NULL)
    engine = make_engine();
  char *line = malloc(size + 1);
  if (line == NULL)
    return 0;
  memcpy(line, data, size);
  line[size] = '\0'; /* the socket hands over up to the first newline */
  char request[AD_QUERY_LINE_MAX];
  const char *query = line;
  if (line[0] == '/') { /* an HTTP path */
    char *at = strstr(line, "?at=");
    if (at != NULL) {
      *at = '\0';
      at += 4;
    }
    int status = ad_http_route(line, at, request, sizeof(request));
    if (status != 200 && status != 400 && status != 404)
      abort();
    if (status != 200) {
      free(line);
      return 0;
    }
    query = request;
  }
  char *answer = ad_query_answer(engine, query, 1.7e9 + 6000);
  free(line);
  if (answer != NULL) {
    int status = ad_http_status(answer);
    if (status != 200 && status != 400 && status != 404)
      abort();
  }
  if (answer == NULL)
    return 0; /* out of memory */
  json_error_t err;
  json_t *o = json_loads(answer, 0, &err);
  if (!json_is_object(o) || strchr(answer, '\n') != NULL)
    abort();
  json_decref(o);
  free(answer);
  return 0;
}
