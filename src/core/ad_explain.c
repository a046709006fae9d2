/* ad_explain: notices as JSON assessments (see header). */
#include "ad_explain.h"

#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/* A number, or null when it is not one (NaN, infinities). */
static json_t *number(double v) {
  return isfinite(v) ? json_real(v) : json_null();
}

static const char *event_name(ad_notice_kind_t kind) {
  switch (kind) {
  case AD_NOTICE_MUTED:
    return "muted";
  case AD_NOTICE_UNMUTED:
    return "unmuted";
  case AD_NOTICE_NEW_NORMAL:
    return "new_normal";
  case AD_NOTICE_LEVEL:
    break;
  }
  return "notification";
}

void ad_explain_time(double epoch, char *buf, size_t size) {
  buf[0] = '\0';
  if (!isfinite(epoch))
    return;
  time_t t = (time_t)floor(epoch);
  struct tm tm;
  if (gmtime_r(&t, &tm) != NULL)
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The names of the members that detected something, as a JSON array. */
static json_t *detector_list(const ad_assessment_t *a) {
  json_t *list = json_array();
  for (int i = 0; list != NULL && i < AD_DET_COUNT; i++)
    if (a->detected & (1u << i))
      json_array_append_new(list,
                            json_string(ad_detector_name((ad_detector_id_t)i)));
  return list;
}

static json_t *member_json(const ad_notice_t *n, int i) {
  const ad_detector_output_t *m = &n->assessment.member[i];
  json_t *detected = json_array();
  if (detected != NULL && (n->assessment.detected & (1u << i)))
    json_array_append_new(detected, json_string(n->series));
  return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "risk",
                   number(m->score), "confidence", number(m->confidence),
                   "detected", detected != NULL ? detected : json_array(),
                   "deviation", number(m->deviation), "surprise",
                   number(m->surprise), "expected", number(m->expected),
                   "lower", number(m->lower), "upper", number(m->upper));
}

static void put(json_t *obj, const char *key, json_t *value) {
  if (value != NULL)
    json_object_set_new(obj, key, value);
}

/* The series that drove the assessment: what it showed against what was
 * expected. */
static json_t *driver_json(const ad_notice_t *n) {
  const ad_assessment_t *a = &n->assessment;
  const ad_detector_output_t *m = ad_meta_explaining(a);
  json_t *d = json_object();
  if (d == NULL)
    return NULL;
  put(d, "series", json_string(n->series));
  put(d, "observed", number(n->observed));
  put(d, "expected", number(m ? m->expected : NAN));
  put(d, "lower", number(m ? m->lower : NAN));
  put(d, "upper", number(m ? m->upper : NAN));
  put(d, "risk", number(a->risk));
  put(d, "detectors", detector_list(a));
  if (n->combination) {
    /* the host forest: the series it credits most, with their deviations
     * (signed, in their own scales) */
    json_t *combination = json_array();
    const char *names[2] = {n->series, n->partner};
    double deviations[2] = {n->driver_z, n->partner_z};
    for (int i = 0; i < 2 && combination != NULL; i++) {
      if (names[i][0] == '\0')
        continue;
      json_t *item = json_object();
      if (item == NULL)
        continue;
      put(item, "series", json_string(names[i]));
      put(item, "deviation", number(deviations[i]));
      json_array_append_new(combination, item);
    }
    put(d, "combination", combination);
  }
  return d;
}

char *ad_explain_json(const ad_notice_t *n) {
  const ad_assessment_t *a = &n->assessment;
  json_t *root = json_object();
  if (root == NULL)
    return NULL;
  char when[32];
  ad_explain_time(n->time, when, sizeof(when));
  put(root, "event", json_string(event_name(n->kind)));
  put(root, "time", json_string(when));
  put(root, "epoch", number(n->time));
  put(root, "host", json_string(n->host));
  put(root, "plugin", json_string(n->plugin));
  put(root, "plugin_instance", json_string(n->plugin_instance));
  put(root, "type", json_string(n->type));
  put(root, "type_instance", json_string(n->type_instance));
  put(root, "data_source", json_string(n->data_source));
  put(root, "scope",
      json_string(n->scope == AD_SCOPE_HOST ? "host" : "series"));
  put(root, "severity", json_string(ad_level_name(n->level)));
  put(root, "previous_severity", json_string(ad_level_name(n->previous)));
  put(root, "predicted_risk_level", json_string(ad_level_risk_name(n->level)));
  put(root, "previous_risk_level",
      json_string(ad_level_risk_name(n->previous)));
  put(root, "message", json_string(n->message));
  put(root, "risk", number(isnan(n->risk) ? 0.0 : n->risk));
  put(root, "confidence", number(a->confidence));
  put(root, "consensus_models", json_integer(a->consensus));

  json_t *driver = driver_json(n);
  json_t *expected = json_array();
  if (expected != NULL && driver != NULL && n->level != AD_LEVEL_OKAY)
    json_array_append(expected, driver);
  put(root, "expected_anomalies", expected);
  put(root, "driver", driver);

  json_t *votes = json_object();
  if (votes != NULL) {
    put(votes, "HIGH", json_integer(a->votes[AD_LEVEL_FAILURE]));
    put(votes, "MEDIUM", json_integer(a->votes[AD_LEVEL_WARNING]));
    put(votes, "LOW", json_integer(a->votes[AD_LEVEL_OKAY]));
  }
  put(root, "model_votes", votes);
  json_t *predictions = json_object();
  for (int i = 0; predictions != NULL && i < AD_DET_COUNT; i++)
    put(predictions, ad_detector_name((ad_detector_id_t)i), member_json(n, i));
  put(root, "individual_predictions", predictions);
  bool host = n->scope == AD_SCOPE_HOST;
  put(root, "anomalous_series",
      host ? json_integer(n->anomalous) : json_null());
  put(root, "total_series", host ? json_integer(n->total) : json_null());

  char *text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(root);
  return text;
}
