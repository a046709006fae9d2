/* Fuzz target: a state file as the loader reads it (JSON, the envelope,
 * the host), restored into an engine; whatever loads is fed values, must
 * run without hanging, and saves a file that loads whole (fuzz_util).
 * Built twice: fuzz_state takes the input as raw bytes, fuzz_state_json
 * mutates it at the JSON level (fuzz_mutate_json.c). */
#include "fuzz_util.h"

#include "state/ad_statehdr.h"

#include <math.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  json_error_t jerr;
  json_t *doc =
      json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
  if (doc == NULL)
    return 0;
  ad_statehdr_t hdr;
  char err[256];
  ad_engine_t *e = NULL;
  if (ad_statehdr_check(doc, "host", &hdr, err, sizeof(err)) == 0 &&
      (e = fuzz_engine(NULL, 4096)) != NULL) {
    ad_restore_stats_t stats;
    ad_codec_error_t why = {{0}};
    if (ad_persist_restore(e, doc, NAN, &stats, &why) == 0) {
      double last = ad_engine_host_last_time(
          e, json_string_value(
                 json_object_get(json_object_get(doc, "host"), "name")));
      double t0 = isfinite(last) && last > 0 && last < 1e11 ? last + 60 : 1.7e9;
      fuzz_feed_doc(e, doc, t0, 8, (uint64_t)size * 0x9E3779B97F4A7C15ULL);
      ad_engine_close_ticks(e);
      fuzz_check_round_trip(e, NULL, 4096);
    }
  }
  ad_engine_destroy(e);
  json_decref(doc);
  return 0;
}
