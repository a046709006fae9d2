/* Shared by the fuzz targets (libFuzzer): a small engine, and the invariant
 * every target ends with, that what an engine saves is what a new engine
 * restores whole and saves again unchanged. A broken invariant aborts,
 * which libFuzzer reports as a crash with the input that broke it. */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include "core/ad_config.h"
#include "engine/ad_engine.h"
#include "state/ad_persist.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point, one per target. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An engine of the default configuration but for small forests and the
 * pairs (NULL terminated; may be NULL), with room for max_series series.
 * NULL when the pairs are refused. */
ad_engine_t *fuzz_engine(const char *const *pairs, size_t max_series);

/* Pairs for a short warm-up (4 values), for the readers' targets. */
extern const char *const FUZZ_QUICK[];

/* Saves e, restores every host into a new engine of e's configuration
 * (pairs and max_series as given to fuzz_engine), checks that nothing is
 * damaged and that the new engine saves the very same text; aborts
 * otherwise. */
void fuzz_check_round_trip(ad_engine_t *e, const char *const *pairs,
                           size_t max_series);

/* Feeds `steps` values a minute apart from data time t0 into every series
 * named in doc (a host's saved state), values taken from seed. */
void fuzz_feed_doc(ad_engine_t *e, const json_t *doc, double t0, int steps,
                   uint64_t seed);

#endif /* FUZZ_UTIL_H */
