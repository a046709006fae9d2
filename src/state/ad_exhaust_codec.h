/* ad_exhaust_codec: a host's series heading for their ceiling
 * (ad_exhaust_t) as JSON and back, for its state: "exhaustion", one object
 * per series watched, so that a restart neither notifies a level again nor
 * forgets one it notified. Layout in docs/state-format.md.
 *
 * Reading trusts nothing: an entry that fails its checks (a level out of
 * range, a metric name that is not a plain type instance) is left out and
 * counted, the rest is kept. */
#ifndef AD_EXHAUST_CODEC_H
#define AD_EXHAUST_CODEC_H

#include "engine/ad_exhaust.h"
#include "state/ad_codec.h"

#include <jansson.h>

/* Sets obj's "exhaustion" from x (absent when x watches nothing). Returns
 * 0; ENOMEM. */
int ad_exhaust_encode(json_t *obj, const ad_exhaust_t *x);

/* Reads obj's "exhaustion" (missing: nothing) into x (initialised, empty).
 * Returns the number of entries left out as damaged, the first reason in
 * why; out of memory, all are left out and counted. */
size_t ad_exhaust_decode(const json_t *obj, ad_exhaust_t *x,
                         ad_codec_error_t *why);

#endif /* AD_EXHAUST_CODEC_H */
