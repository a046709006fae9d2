/* ad_change_json: a host's changes as JSON, for readiness --json, the query
 * socket and state show: the change being watched first, then the past
 * verdicts, newest first:
 *
 *   [{"what": "openssl 3.0.15", "marked": "2026-12-03T14:00:00Z",
 *     "until": "2026-12-03T16:00:00Z", "status": "watching" | "no
 *     regression" | "regression", "watched_series": 12,
 *     "regressed_series": 1, "regression": [{"series": "cpu/percent-user",
 *     "percent": 38.2, "before_percent": 35.0, "deviation": 4.1}],
 *     "text": "after \"openssl
 *     3.0.15\": regression: cpu/percent-user +38 % against expected (1
 *     series)"}]
 *
 * percent is against what the forecaster expected for the watch's times,
 * before_percent against the series' level just before the change; null
 * for a level of 0 or none known. */
#ifndef AD_CHANGE_JSON_H
#define AD_CHANGE_JSON_H

#include "engine/ad_change.h"

#include <jansson.h>

/* The list for w; NULL when out of memory. */
json_t *ad_change_json(const ad_change_watch_t *w);

#endif /* AD_CHANGE_JSON_H */
