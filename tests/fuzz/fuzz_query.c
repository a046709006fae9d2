/* Fuzz target: a request line on the anomaly plugin's query socket
 * (ad_query), against an engine holding one host of two value lists that
 * has seen values and had an incident. Every line gets a JSON answer:
 * an object that parses, with "error" or the command's keys. */
#include "fuzz_util.h"

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
  char *answer = ad_query_answer(engine, line, 1.7e9 + 6000);
  free(line);
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
