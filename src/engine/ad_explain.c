/* ad_explain: notices as JSON assessments (see header). */
#include "engine/ad_explain.h"
#include "detectors/ad_behaviour.h"

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
  case AD_NOTICE_CHANGE:
    return "change";
  case AD_NOTICE_EXHAUSTION:
    return "exhaustion";
  case AD_NOTICE_LEVEL:
    break;
  }
  return "notification";
}

json_t *ad_explain_pattern(const ad_behaviour_t *b) {
  return json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "pattern",
                   ad_behaviour_name(b->kind), "strength", number(b->strength),
                   "slope_per_day", number(b->slope_per_day), "seasonal_share",
                   number(b->seasonal_share), "dispersion",
                   number(b->dispersion), "flat_share", number(b->flat_share));
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

/* What is built below is all there or not at all: out of memory, one part
 * missing fails the whole (the caller gets NULL, never half an
 * assessment). `ok` turns false at the first part that could not be
 * made. */
typedef struct {
  bool ok;
} build_t;

/* Sets obj[key] to value (stolen; NULL: out of memory). */
static void put(build_t *b, json_t *obj, const char *key, json_t *value) {
  if (obj == NULL || value == NULL || json_object_set_new(obj, key, value))
    b->ok = false;
  if (obj == NULL)
    json_decref(value);
}

/* Appends value (stolen) to list. */
static void append(build_t *b, json_t *list, json_t *value) {
  if (list == NULL || value == NULL || json_array_append_new(list, value))
    b->ok = false;
  if (list == NULL)
    json_decref(value);
}

/* The names of the members that detected something, as a JSON array. */
static json_t *detector_list(build_t *b, const ad_assessment_t *a) {
  json_t *list = json_array();
  for (int i = 0; i < AD_DET_COUNT; i++)
    if (a->detected & (1u << i))
      append(b, list, json_string(ad_detector_name((ad_detector_id_t)i)));
  return list;
}

static json_t *member_json(build_t *b, const ad_notice_t *n, int i) {
  const ad_detector_output_t *m = &n->assessment.member[i];
  json_t *detected = json_array();
  if (n->assessment.detected & (1u << i))
    append(b, detected, json_string(n->series));
  /* "o" steals each value, on failure too */
  return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "risk",
                   number(m->score), "confidence", number(m->confidence),
                   "detected", detected, "deviation", number(m->deviation),
                   "surprise", number(m->surprise), "expected",
                   number(m->expected), "lower", number(m->lower), "upper",
                   number(m->upper));
}

/* The series that drove the assessment: what it showed against what was
 * expected. */
static json_t *driver_json(build_t *b, const ad_notice_t *n) {
  const ad_assessment_t *a = &n->assessment;
  const ad_detector_output_t *m = ad_meta_explaining(a);
  json_t *d = json_object();
  put(b, d, "series", json_string(n->series));
  put(b, d, "observed", number(n->observed));
  put(b, d, "expected", number(m ? m->expected : NAN));
  put(b, d, "lower", number(m ? m->lower : NAN));
  put(b, d, "upper", number(m ? m->upper : NAN));
  put(b, d, "risk", number(a->risk));
  put(b, d, "detectors", detector_list(b, a));
  put(b, d, "pattern",
      n->pattern > 0 ? json_string(ad_behaviour_name(
                           (ad_behaviour_kind_t)(n->pattern - 1)))
                     : json_null());
  if (n->combination) {
    /* the host forest: the series it credits most, with their deviations
     * (signed, in their own scales) */
    json_t *combination = json_array();
    const char *names[2] = {n->series, n->partner};
    double deviations[2] = {n->driver_z, n->partner_z};
    for (int i = 0; i < 2; i++) {
      if (names[i][0] == '\0')
        continue;
      json_t *item = json_object();
      put(b, item, "series", json_string(names[i]));
      put(b, item, "deviation", number(deviations[i]));
      append(b, combination, item);
    }
    put(b, d, "combination", combination);
  }
  return d;
}

char *ad_explain_json(const ad_notice_t *n) {
  const ad_assessment_t *a = &n->assessment;
  build_t b = {.ok = true};
  json_t *root = json_object();
  char when[32];
  ad_explain_time(n->time, when, sizeof(when));
  put(&b, root, "event", json_string(event_name(n->kind)));
  put(&b, root, "time", json_string(when));
  put(&b, root, "epoch", number(n->time));
  put(&b, root, "host", json_string(n->host));
  put(&b, root, "plugin", json_string(n->plugin));
  put(&b, root, "plugin_instance", json_string(n->plugin_instance));
  put(&b, root, "type", json_string(n->type));
  put(&b, root, "type_instance", json_string(n->type_instance));
  put(&b, root, "data_source", json_string(n->data_source));
  put(&b, root, "scope",
      json_string(n->scope == AD_SCOPE_HOST ? "host" : "series"));
  put(&b, root, "severity", json_string(ad_level_name(n->level)));
  put(&b, root, "previous_severity", json_string(ad_level_name(n->previous)));
  put(&b, root, "predicted_risk_level",
      json_string(ad_level_risk_name(n->level)));
  put(&b, root, "previous_risk_level",
      json_string(ad_level_risk_name(n->previous)));
  put(&b, root, "message", json_string(n->message));
  put(&b, root, "suggestion",
      n->suggestion[0] != '\0' ? json_string(n->suggestion) : json_null());
  put(&b, root, "after_change",
      n->after[0] != '\0' ? json_string(n->after) : json_null());
  if (n->kind == AD_NOTICE_CHANGE)
    put(&b, root, "regression", json_string(n->regression));
  if (n->kind == AD_NOTICE_EXHAUSTION) {
    json_t *left = json_object();
    put(&b, left, "seconds", number(n->left));
    put(&b, left, "low", number(n->left_low));
    put(&b, left, "high", number(n->left_high));
    put(&b, left, "rate_per_day", number(n->rate * 86400.0));
    put(&b, left, "ceiling", number(n->ceiling));
    put(&b, left, "level", number(n->observed));
    put(&b, root, "time_left", left);
  }
  put(&b, root, "risk", number(isnan(n->risk) ? 0.0 : n->risk));
  put(&b, root, "confidence", number(a->confidence));
  put(&b, root, "consensus_models", json_integer(a->consensus));

  json_t *driver = driver_json(&b, n);
  json_t *expected = json_array();
  if (n->level != AD_LEVEL_OKAY && driver != NULL)
    append(&b, expected, json_incref(driver));
  put(&b, root, "expected_anomalies", expected);
  put(&b, root, "driver", driver);

  json_t *votes = json_object();
  put(&b, votes, "HIGH", json_integer(a->votes[AD_LEVEL_FAILURE]));
  put(&b, votes, "MEDIUM", json_integer(a->votes[AD_LEVEL_WARNING]));
  put(&b, votes, "LOW", json_integer(a->votes[AD_LEVEL_OKAY]));
  put(&b, root, "model_votes", votes);
  json_t *predictions = json_object();
  for (int i = 0; i < AD_DET_COUNT; i++)
    put(&b, predictions, ad_detector_name((ad_detector_id_t)i),
        member_json(&b, n, i));
  put(&b, root, "individual_predictions", predictions);
  bool host = n->scope == AD_SCOPE_HOST;
  put(&b, root, "anomalous_series",
      host ? json_integer(n->anomalous) : json_null());
  put(&b, root, "total_series", host ? json_integer(n->total) : json_null());

  char *text = b.ok ? json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(root);
  return text;
}
