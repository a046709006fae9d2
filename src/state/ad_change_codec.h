/* ad_change_codec: a host's changes (ad_change_watch_t) as JSON and back,
 * for its state: "changes", the verdicts of past changes newest first, and
 * "change_open", the change being watched with each series' sums so far
 * (absent when none). Layout in docs/state-format.md.
 *
 * Reading trusts nothing: a verdict or sum that fails its checks is left
 * out and counted, the rest is kept. */
#ifndef AD_CHANGE_CODEC_H
#define AD_CHANGE_CODEC_H

#include "engine/ad_change.h"
#include "state/ad_codec.h"

#include <jansson.h>

/* Sets obj's "changes" and, when a change is watched, "change_open" from
 * w. Returns 0; ENOMEM. */
int ad_change_encode(json_t *obj, const ad_change_watch_t *w);

/* Reads obj's "changes" and "change_open" (either may be missing: nothing
 * of it) into w (initialised, empty), its table sized for `series` series.
 * Returns the number of parts left out as damaged, the first reason in
 * why; ENOMEM leaves the open watch out and counts it. */
size_t ad_change_decode(const json_t *obj, ad_change_watch_t *w, size_t series,
                        ad_codec_error_t *why);

#endif /* AD_CHANGE_CODEC_H */
