/* Fuzz target: the anomaly plugin's configuration from KEY=VALUE pairs,
 * one a line, as collectd.conf and `--set` give them. A configuration the
 * checks accept must run: an engine is made of it and fed 200 values of
 * two value lists (one of two data sources, so that forests
 * train), then the save-and-restore invariant. */
#include "fuzz_util.h"

#include <stdlib.h>
#include <string.h>

#define MAX_PAIRS 32

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *text = malloc(size + 1);
  if (text == NULL)
    return 0;
  memcpy(text, data, size);
  text[size] = '\0';
  const char *pairs[MAX_PAIRS + 1];
  size_t n = 0;
  for (char *save = NULL, *line = strtok_r(text, "\n", &save);
       line != NULL && n < MAX_PAIRS; line = strtok_r(NULL, "\n", &save))
    pairs[n++] = line;
  pairs[n] = NULL;
  ad_engine_t *e = fuzz_engine(pairs, 1000);
  if (e != NULL) {
    static const char *const one[] = {"value"}, *const two[] = {"rx", "tx"};
    ad_ident_t gauge = {"h", "cpu", "0", "percent", "user"};
    ad_ident_t octets = {"h", "interface", "eth0", "if_octets", ""};
    uint64_t s = 88172645463325252ULL;
    for (int k = 0; k < 200; k++) {
      double t = 1.7e9 + 60.0 * k, v[2];
      for (int j = 0; j < 2; j++) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        v[j] = 50 + (double)(s % 1000) / 100.0 + (k == 150 ? 500 : 0);
      }
      ad_sample_t a = {.time = t,
                       .interval = 60,
                       .arrival = t,
                       .count = 1,
                       .values = v,
                       .ds_names = one};
      (void)ad_engine_submit(e, &gauge, &a);
      ad_sample_t b = a;
      b.count = 2;
      b.ds_names = two;
      (void)ad_engine_submit(e, &octets, &b);
      (void)ad_engine_train(e, SIZE_MAX);
      (void)ad_engine_flush_host(e, "h");
    }
    ad_engine_close_ticks(e);
    fuzz_check_round_trip(e, pairs, 1000);
  }
  ad_engine_destroy(e);
  free(text);
  return 0;
}
