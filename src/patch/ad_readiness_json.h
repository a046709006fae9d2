/* ad_readiness_json: a readiness verdict as JSON, in the assessment shape of
 * the design (what `collectd-anomaly readiness --json` prints and the query
 * socket answers):
 *
 *   {"host": ..., "patch_time": "2026-12-08T03:00:00Z", "epoch": ...,
 *    "predicted_risk_level": "LOW", "risk": 0.03, "confidence": 0.9,
 *    "expected_anomalies": [{"series": ..., "why": ...}],
 *    "model_votes": {"HIGH": 0, "MEDIUM": 0, "LOW": 3},
 *    "individual_predictions": {"sliding_window": {"risk": ...,
 *        "detected": false}, "seasonal": {...}, "isolation_forest": {...}},
 *    "consensus_models": 3, "learned_hours": 504.0,
 *    "patch_readiness": {"status": "READY", "reasons": [...],
 *        "next_window": {"start": ..., "end": ..., "text": "Tue
 *        03:00-05:00 UTC", "risk": 0.02} | null,
 *        "risky_hours": [{"from": "Mon 09:00", "to": "Mon 10:00",
 *        "span": "Mon 09:00-10:00 UTC",
 *        "hour_of_week": 9, "hours": 1, "reasons": ["incidents"],
 *        "incidents": 1.7, "incident_hours": 0.9, "risk": 0.12, "busy_series":
 * 0, "busiest": null}],
 *        "changes": [...] (ad_change_json)}}
 *
 * Unknown numbers are null. */
#ifndef AD_READINESS_JSON_H
#define AD_READINESS_JSON_H

#include "patch/ad_readiness.h"

#include <jansson.h>

/* The verdict r on q's host (busy: the profile ad_readiness_assess made)
 * as a new JSON object; NULL when out of memory. */
json_t *ad_readiness_json(const ad_readiness_query_t *q,
                          const ad_readiness_t *r, const ad_busy_t *busy);

#endif /* AD_READINESS_JSON_H */
