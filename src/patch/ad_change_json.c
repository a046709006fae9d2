/* ad_change_json: a host's changes as JSON (see header). */
#include "patch/ad_change_json.h"

#include "engine/ad_explain.h"

#include <math.h>
#include <stdio.h>

static json_t *number(double v) {
  return isfinite(v) ? json_real(v) : json_null();
}

static json_t *regression(const ad_change_t *c) {
  json_t *list = json_array();
  unsigned named =
      c->regressed < AD_CHANGE_WORST ? c->regressed : AD_CHANGE_WORST;
  for (unsigned i = 0; list != NULL && i < named; i++) {
    const ad_change_series_t *s = &c->worst[i];
    json_t *o =
        json_pack("{s:s, s:o, s:o, s:o}", "series", s->name, "percent",
                  number(s->percent), "before_percent",
                  number(s->before_percent), "deviation", number(s->deviation));
    if (o == NULL || json_array_append_new(list, o) != 0) {
      json_decref(list);
      return NULL;
    }
  }
  return list;
}

static json_t *change(const ad_change_t *c) {
  char marked[32], until[32], text[AD_MESSAGE_MAX];
  ad_explain_time(c->time, marked, sizeof(marked));
  ad_explain_time(c->until, until, sizeof(until));
  const char *status = !c->judged         ? "watching"
                       : c->regressed > 0 ? "regression"
                                          : "no regression";
  if (c->judged)
    ad_change_verdict_text(c, text, sizeof(text));
  else
    snprintf(text, sizeof(text), "after \"%.80s\": watching until %s", c->what,
             until);
  return json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:o, s:s}", "what", c->what,
                   "marked", marked, "until", until, "status", status,
                   "watched_series", (int)c->watched, "regressed_series",
                   (int)c->regressed, "regression", regression(c), "text",
                   text);
}

json_t *ad_change_json(const ad_change_watch_t *w) {
  json_t *list = json_array();
  if (list != NULL && ad_change_is_open(w) &&
      json_array_append_new(list, change(&w->open)) != 0) {
    json_decref(list);
    return NULL;
  }
  for (unsigned i = 0; list != NULL && i < w->count; i++)
    if (json_array_append_new(list, change(&w->history[i])) != 0) {
      json_decref(list);
      return NULL;
    }
  return list;
}
