/* ad_explain: a notice as a JSON object in the assessment shape of the seed
 * documents, the same for a notification's meta data (plugin) and for
 * `collectd-anomaly replay --events`:
 *
 *   {"event": "notification", "time": "2015-03-02T10:00:00Z", "epoch": ...,
 *    "host": ..., "plugin": ..., "plugin_instance": ..., "type": ...,
 *    "type_instance": ..., "data_source": ..., "scope": "host"|"series",
 *    "severity": "FAILURE", "previous_severity": "OKAY", "message": ...,
 *    "predicted_risk_level": "HIGH", "previous_risk_level": "LOW",
 *    "risk": 0.83, "confidence": 0.71,
 *    "expected_anomalies": [DRIVER] (empty for OKAY),
 *    "driver": {"series": ..., "observed": ..., "expected": ..., "lower": ...,
 *               "upper": ..., "risk": ..., "detectors": [...]},
 *    "model_votes": {"HIGH": 1, "MEDIUM": 1, "LOW": 0},
 *    "individual_predictions": {"sliding_window": {"risk": ..., "confidence":
 *        ..., "detected": [...], "deviation": ..., "surprise": ...,
 *        "expected": ..., "lower": ..., "upper": ...}, "seasonal": {...},
 *        "isolation_forest": {...}},
 *    "consensus_models": 2, "anomalous_series": 1, "total_series": 57}
 *    (the series counts are null for a series' own notice)
 *
 * "event" is "muted" or "unmuted" for muting notices. Numbers that are not
 * known are null. Keys are sorted, so output is stable byte for byte. */
#ifndef AD_EXPLAIN_H
#define AD_EXPLAIN_H

#include "detectors/ad_behaviour.h"
#include "engine/ad_notice.h"

#include <jansson.h>

/* The notice as compact JSON (one line, no newline). Returns a string the
 * caller frees with free(), or NULL when out of memory. */
char *ad_explain_json(const ad_notice_t *n);

/* A series' pattern (ad_behaviour) as a new JSON object: {"pattern":
 * "seasonal (daily)", "strength": 0.8, "slope_per_day": null,
 * "seasonal_share": 0.8, "dispersion": 0.02, "flat_share": 0.0}. NULL when
 * out of memory. */
json_t *ad_explain_pattern(const ad_behaviour_t *b);

/* epoch as ISO 8601 UTC ("2026-11-23T04:54:08Z") into buf; empty when it
 * cannot be represented (NaN, out of range). Cannot fail. */
void ad_explain_time(double epoch, char *buf, size_t size);

#endif /* AD_EXPLAIN_H */
