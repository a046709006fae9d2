/* ad_readiness_json: a verdict in the assessment shape (see header). */
#include "patch/ad_readiness_json.h"

#include "engine/ad_explain.h"
#include "patch/ad_change_json.h"

#include <math.h>

static json_t *number(double v) {
  return isfinite(v) ? json_real(v) : json_null();
}

static const char *const MEMBERS[AD_DET_COUNT] = {"sliding_window", "seasonal",
                                                  "isolation_forest"};

static const char *risk_level(const ad_level_params_t *lv, double risk) {
  static const char *const names[] = {"LOW", "MEDIUM", "HIGH"};
  return isfinite(risk) ? names[ad_level_of_risk(lv, risk)] : "LOW";
}

/* Sets obj[key] = v (stolen); false when out of memory. */
static bool put(json_t *obj, const char *key, json_t *v) {
  return v != NULL && json_object_set_new(obj, key, v) == 0;
}

static bool add(json_t *list, json_t *v) {
  return v != NULL && json_array_append_new(list, v) == 0;
}

/* The members' judgement of the last interval (not known ahead). */
static bool put_members(json_t *o, const ad_readiness_query_t *q,
                        const ad_readiness_t *r) {
  const ad_level_params_t *lv = &q->cfg->levels;
  json_t *pred = json_object(), *votes = json_object();
  unsigned count[AD_LEVEL_COUNT] = {0};
  bool ok = pred != NULL && votes != NULL;
  for (int i = 0; ok && i < AD_DET_COUNT; i++) {
    double risk = r->ahead ? NAN : q->host->last.member_risk[i];
    if (isfinite(risk))
      count[ad_level_of_risk(lv, risk)]++;
    ok = put(pred, MEMBERS[i],
             json_pack("{s:o, s:b}", "risk", number(risk), "detected",
                       isfinite(risk) && risk >= lv->warning));
  }
  ok = ok && put(votes, "HIGH", json_integer(count[AD_LEVEL_FAILURE])) &&
       put(votes, "MEDIUM", json_integer(count[AD_LEVEL_WARNING])) &&
       put(votes, "LOW", json_integer(count[AD_LEVEL_OKAY]));
  unsigned consensus = r->ahead ? 0 : q->host->last.consensus;
  ok = ok && put(o, "individual_predictions", pred) &&
       put(o, "model_votes", votes) &&
       put(o, "consensus_models", json_integer(consensus));
  if (!ok) {
    json_decref(pred);
    json_decref(votes);
  }
  return ok;
}

/* What is expected to be anomalous at the time: the series driving a risk
 * now, the busiest series of a busy hour. */
static json_t *expected(const ad_readiness_query_t *q, const ad_readiness_t *r,
                        const ad_busy_t *busy) {
  json_t *list = json_array();
  const ad_host_t *h = q->host;
  if (list == NULL)
    return NULL;
  if (!r->ahead && h->last.driver[0] && h->last.risk >= q->cfg->levels.warning)
    add(list, json_pack("{s:s, s:s, s:o}", "series", h->last.driver, "why",
                        "current risk", "risk", number(h->last.risk)));
  int hour = ad_weekly_hour_of(r->at);
  if ((r->risky_at & AD_RISKY_BUSY) && busy->series[hour][0])
    add(list, json_pack("{s:s, s:s, s:f}", "series", busy->series[hour], "why",
                        "busy hour", "scales", (double)busy->furthest[hour]));
  return list;
}

static json_t *range_json(const ad_risky_range_t *g) {
  char from[16], to[16], span[48];
  ad_readiness_range_name(g, span, sizeof(span));
  ad_readiness_hour_name(g->first_hour, from, sizeof(from));
  ad_readiness_hour_name(g->first_hour + g->hours, to, sizeof(to));
  json_t *why = json_array();
  if (g->why & AD_RISKY_INCIDENTS)
    add(why, json_string("incidents"));
  if (g->why & AD_RISKY_VARIABLE)
    add(why, json_string("variable"));
  if (g->why & AD_RISKY_BUSY)
    add(why, json_string("busy"));
  return json_pack("{s:s, s:s, s:s, s:i, s:i, s:o, s:f, s:f, s:f, s:i, s:o}",
                   "from", from, "to", to, "span", span, "hour_of_week",
                   g->first_hour, "hours", g->hours, "reasons", why,
                   "incidents", g->onsets, "incident_hours", g->incident_hours,
                   "risk", g->risk, "busy_series", (int)g->busy, "busiest",
                   g->busiest[0] ? json_string(g->busiest) : json_null());
}

static json_t *readiness(const ad_readiness_query_t *q,
                         const ad_readiness_t *r) {
  json_t *reasons = json_array(), *hours = json_array();
  for (unsigned i = 0; reasons != NULL && i < r->reasons; i++)
    add(reasons, json_string(r->reason[i]));
  for (unsigned i = 0; hours != NULL && i < r->ranges; i++)
    add(hours, range_json(&r->range[i]));
  json_t *window = json_null();
  if (r->window_found) {
    char start[32], end[32], text[64];
    ad_explain_time(r->window_start, start, sizeof(start));
    ad_explain_time(r->window_end, end, sizeof(end));
    ad_readiness_window_name(r, text, sizeof(text));
    window = json_pack("{s:s, s:s, s:s, s:o}", "start", start, "end", end,
                       "text", text, "risk", number(r->window_risk));
  }
  return json_pack("{s:s, s:o, s:o, s:o, s:o}", "status",
                   ad_readiness_name(r->status), "reasons", reasons,
                   "next_window", window, "risky_hours", hours, "changes",
                   ad_change_json(&q->host->change));
}

json_t *ad_readiness_json(const ad_readiness_query_t *q,
                          const ad_readiness_t *r, const ad_busy_t *busy) {
  char when[32];
  ad_explain_time(r->at, when, sizeof(when));
  json_t *o = json_pack(
      "{s:s, s:s, s:f, s:s, s:o, s:o, s:o, s:f, s:b}", "host", q->host->name,
      "patch_time", when, "epoch", r->at, "predicted_risk_level",
      risk_level(&q->cfg->levels, r->predicted_risk), "risk",
      number(r->predicted_risk), "confidence", number(r->confidence),
      "expected_anomalies", expected(q, r, busy), "learned_hours",
      r->learned_hours, "ahead", r->ahead);
  if (o == NULL || !put_members(o, q, r) ||
      !put(o, "patch_readiness", readiness(q, r))) {
    json_decref(o);
    return NULL;
  }
  return o;
}
