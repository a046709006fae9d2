/* ad_query: the anomaly plugin's live queries, one request line in, one
 * JSON object out (the plugin's socket serves them; the command asks them):
 *
 *   LIST                   {"hosts": [{"host", "series", "anomalous",
 *                           "level", "risk", "time", "driver"}]}
 *   ASSESS HOST            the host's last interval in the assessment shape
 *                          (ad_readiness_json without patch_readiness),
 *                          with "level", "anomalous_series", "total_series"
 *   READINESS HOST [TIME]  ad_readiness_json; TIME as --at takes it
 *   SERIES HOST/NAME       one series ("plugin[-pi]/type[-ti][:ds]"): its
 *                          level, values learned, last value's time, and
 *                          what its forecaster expects now with its band
 *
 * Commands are case-insensitive; anything else, an unknown host or series,
 * a line of AD_QUERY_LINE_MAX bytes or more or one that is not UTF-8 is
 * answered {"error": "..."} without echoing the request. Answers are built
 * from copies taken under the engine's short locks. */
#ifndef AD_QUERY_H
#define AD_QUERY_H

#include "engine/ad_engine.h"

#define AD_QUERY_LINE_MAX 1024
#define AD_QUERY_HOSTS_MAX 100000 /* hosts LIST names at most */

/* The answer to `line` (without its newline) about e, `now` the wall clock
 * in seconds: one line of JSON (no newline) for free(). NULL only when out
 * of memory. */
char *ad_query_answer(ad_engine_t *e, const char *line, double now);

#endif /* AD_QUERY_H */
