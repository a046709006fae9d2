/* ad_query: live queries answered from the engine (see header). */
#include "patch/ad_query.h"

#include "core/ad_ident.h"
#include "core/ad_text.h"
#include "detectors/ad_outlook.h"
#include "engine/ad_explain.h"
#include "patch/ad_readiness_json.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static json_t *number(double v) {
  return isfinite(v) ? json_real(v) : json_null();
}

static json_t *error(const char *why) {
  return json_pack("{s:s}", "error", why);
}

/* What a query of one host needs, filled by the engine's visit. */
typedef struct {
  const ad_config_t *cfg;
  double now, at;
  const char *series; /* SERIES: the name asked about */
  int command;
  json_t *answer;
} host_query_t;

enum { CMD_ASSESS, CMD_READINESS, CMD_SERIES };

static json_t *pattern_json(const ad_series_t *s) {
  ad_behaviour_t b;
  ad_behaviour_of(&s->season, &s->drift, &b);
  json_t *o = ad_explain_pattern(&b);
  return o != NULL ? o : json_null();
}

static json_t *series_json(const ad_vlist_t *v, unsigned k, const char *name,
                           double now) {
  const ad_series_t *s = &v->series[k];
  ad_outlook_t o;
  bool known = ad_outlook_at(&s->season, &s->drift, now, &o);
  double expected = o.expected, scale = o.scale;
  char last[32];
  ad_explain_time(s->last_time, last, sizeof(last));
  ad_drift_estimate_t drift;
  bool trend = ad_drift_estimate(&s->drift, &drift) && drift.trusted;
  return json_pack(
      "{s:s, s:s, s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "series", name,
      "level", ad_level_name(ad_alert_level(&s->alert)), "values_learned",
      (json_int_t)s->window.seen, "last_value_at", last, "forecaster",
      s->season.seasonal_mode ? "seasonal" : "level", "expected",
      number(known ? expected : NAN), "lower",
      number(known ? expected - 3.0 * scale : NAN), "upper",
      number(known ? expected + 3.0 * scale : NAN), "trend_per_day",
      number(trend ? drift.slope * 86400.0 : NAN), "pattern", pattern_json(s));
}

static json_t *find_series(ad_vlist_t *const *vlists, size_t n,
                           const char *want, double now) {
  for (size_t i = 0; i < n; i++) {
    ad_ident_t id;
    ad_ident_of_key(vlists[i]->key, &id);
    const char *ds = vlists[i]->names;
    for (unsigned k = 0; k < vlists[i]->count; k++, ds += strlen(ds) + 1) {
      char name[AD_SERIES_NAME_MAX];
      ad_ident_series_name(&id, vlists[i]->count > 1 ? ds : NULL, name,
                           sizeof(name));
      if (strcmp(name, want) == 0)
        return series_json(vlists[i], k, name, now);
    }
  }
  return error("no such series");
}

static json_t *readiness(host_query_t *q, const ad_host_t *host,
                         ad_vlist_t *const *vlists, size_t n) {
  ad_busy_t *busy = malloc(sizeof(*busy));
  ad_readiness_t *r = malloc(sizeof(*r));
  json_t *o = NULL;
  if (busy != NULL && r != NULL) {
    ad_readiness_query_t rq = {.host = host,
                               .vlists = vlists,
                               .count = n,
                               .cfg = q->cfg,
                               .now = q->now,
                               .at = q->at,
                               .window = 7200};
    ad_readiness_assess(&rq, busy, r);
    o = ad_readiness_json(&rq, r, busy);
  }
  free(busy);
  free(r);
  if (o != NULL && q->command == CMD_ASSESS) {
    json_object_del(o, "patch_readiness");
    unsigned total = atomic_load(&host->series);
    json_object_set_new(
        o, "level", json_string(ad_level_name(ad_alert_level(&host->alert))));
    json_object_set_new(o, "anomalous_series", json_integer(host->anomalous));
    json_object_set_new(o, "total_series", json_integer(total));
  }
  return o;
}

static int visit(void *ctx, const ad_host_t *host, ad_vlist_t *const *vlists,
                 size_t n) {
  host_query_t *q = ctx;
  q->answer = q->command == CMD_SERIES
                  ? find_series(vlists, n, q->series, q->now)
                  : readiness(q, host, vlists, n);
  return q->answer != NULL ? 0 : ENOMEM;
}

static json_t *list(ad_engine_t *e) {
  size_t max = ad_engine_host_count(e) + 16;
  if (max > AD_QUERY_HOSTS_MAX)
    max = AD_QUERY_HOSTS_MAX;
  ad_host_summary_t *s = calloc(max, sizeof(*s));
  json_t *hosts = json_array();
  if (s == NULL || hosts == NULL) {
    free(s);
    json_decref(hosts);
    return NULL;
  }
  size_t n = ad_engine_list_hosts(e, s, max);
  for (size_t i = 0; i < n; i++) {
    char when[32];
    ad_explain_time(s[i].time, when, sizeof(when));
    json_t *h =
        json_pack("{s:s, s:i, s:i, s:s, s:o, s:s, s:s}", "host", s[i].name,
                  "series", (int)s[i].series, "anomalous", (int)s[i].anomalous,
                  "level", ad_level_name(s[i].level), "risk", number(s[i].risk),
                  "time", when, "driver", s[i].driver);
    if (h == NULL || json_array_append_new(hosts, h) != 0) {
      free(s);
      json_decref(hosts);
      return NULL;
    }
  }
  free(s);
  return json_pack("{s:o}", "hosts", hosts);
}

/* Splits line into at most 3 words (in buf); returns how many, -1 when
 * there are more. */
static int words(const char *line, char *buf, size_t size, char *w[3]) {
  snprintf(buf, size, "%s", line);
  int n = 0;
  for (char *save = NULL, *t = strtok_r(buf, " \t\r", &save); t != NULL;
       t = strtok_r(NULL, " \t\r", &save)) {
    if (n == 3)
      return -1;
    w[n++] = t;
  }
  return n;
}

static json_t *about_host(ad_engine_t *e, int command, const char *host,
                          const char *series, double now, double at) {
  if (strlen(host) >= AD_NAME_MAX)
    return error("host name too long");
  host_query_t q = {.cfg = ad_engine_config(e),
                    .now = now,
                    .at = at,
                    .series = series,
                    .command = command};
  int rc = ad_engine_visit_host(e, host, visit, &q);
  if (rc == ENOENT)
    return error("unknown host");
  return rc == 0 ? q.answer : NULL;
}

static json_t *answer(ad_engine_t *e, const char *line, double now) {
  size_t len = strlen(line);
  if (len >= AD_QUERY_LINE_MAX)
    return error("request too long");
  if (!ad_text_utf8(line, len))
    return error("request is not UTF-8");
  char buf[AD_QUERY_LINE_MAX];
  char *w[3] = {NULL, NULL, NULL};
  int n = words(line, buf, sizeof(buf), w);
  if (n <= 0)
    return error("empty or too many words: LIST, ASSESS HOST, READINESS "
                 "HOST [TIME], SERIES HOST/NAME");
  if (strcasecmp(w[0], "LIST") == 0 && n == 1)
    return list(e);
  if (strcasecmp(w[0], "ASSESS") == 0 && n == 2)
    return about_host(e, CMD_ASSESS, w[1], NULL, now, NAN);
  if (strcasecmp(w[0], "READINESS") == 0 && (n == 2 || n == 3)) {
    double at = n == 3 ? ad_readiness_parse_time(w[2], now) : NAN;
    if (n == 3 && isnan(at))
      return error("TIME: epoch seconds or +N[smhd]");
    return about_host(e, CMD_READINESS, w[1], NULL, now, at);
  }
  if (strcasecmp(w[0], "SERIES") == 0 && n == 2) {
    char *slash = strchr(w[1], '/');
    if (slash == NULL || slash == w[1])
      return error("SERIES HOST/plugin[-instance]/type[-instance][:ds]");
    *slash = '\0';
    return about_host(e, CMD_SERIES, w[1], slash + 1, now, NAN);
  }
  return error("unknown command: LIST, ASSESS HOST, READINESS HOST [TIME], "
               "SERIES HOST/NAME");
}

char *ad_query_answer(ad_engine_t *e, const char *line, double now) {
  json_t *o = answer(e, line, now);
  char *text = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  json_decref(o);
  return text;
}
