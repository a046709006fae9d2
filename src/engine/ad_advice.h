/* ad_advice: what the operator could do about a notice, from one table:
 * a short, specific suggestion per kind of notice (a filling disk: find
 * what grows, rotate or extend before the date; a new normal: confirm the
 * change or roll it back; a relation break: look at the series that moved
 * most first; an anomaly: where to look for its kind of series; after a
 * change: whether to roll it back). */
#ifndef AD_ADVICE_H
#define AD_ADVICE_H

#include "engine/ad_notice.h"

#include <stddef.h>

/* The suggestion for n into out (size bytes, "" when there is none: an
 * OKAY, a mute), its names escaped. Cannot fail. */
void ad_advice_for(const ad_notice_t *n, char *out, size_t size);

/* Fills n->suggestion and, where it fits in AD_MESSAGE_MAX, appends it to
 * n->message ("...; suggested: ..."). Cannot fail. */
void ad_advice_apply(ad_notice_t *n);

#endif /* AD_ADVICE_H */
