/* ad_change: a change's watch and verdict (see header). */
#include "engine/ad_change.h"

#include "core/ad_text.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ad_change_t none(void) {
  return (ad_change_t){.time = NAN, .until = NAN};
}

void ad_change_init(ad_change_watch_t *w) {
  memset(w, 0, sizeof(*w));
  w->open = none();
}

void ad_change_release(ad_change_watch_t *w) {
  free(w->slot);
  w->slot = NULL;
  w->capacity = w->used = 0;
}

bool ad_change_is_open(const ad_change_watch_t *w) {
  return isfinite(w->open.time) && !w->open.judged;
}

bool ad_change_watching(const ad_change_watch_t *w, double t) {
  return w->slot != NULL && t >= w->open.time && t < w->open.until;
}

static int by_deviation(const void *a, const void *b) {
  double x = fabs(((const ad_change_series_t *)a)->deviation);
  double y = fabs(((const ad_change_series_t *)b)->deviation);
  return (x < y) - (x > y);
}

/* One series' shifts into *c; true when they make it part of the
 * regression. */
static bool judge_series(const ad_change_slot_t *s, ad_change_series_t *c) {
  *c = (ad_change_series_t){
      .deviation = s->deviation / s->n, .percent = NAN, .before_percent = NAN};
  double expected = s->expected / s->n, mean = s->value / s->n;
  if (fabs(expected) > 0)
    c->percent = 100.0 * (mean - expected) / fabs(expected);
  if (fabs(s->before) > 0) /* NaN compares false */
    c->before_percent = 100.0 * (mean - s->before) / fabs(s->before);
  if (fabs(s->moved) >= AD_CHANGE_PERCENT) { /* NaN compares false */
    if (!(fabs(c->percent) >= fabs(s->moved)))
      c->percent = s->moved;
    return true;
  }
  return fabs(c->deviation) >= AD_CHANGE_SCALES &&
         !(isfinite(c->percent) && !(fabs(c->percent) >= AD_CHANGE_PERCENT));
}

/* Judges the open watch into *done and frees its table. */
static void judge(ad_change_watch_t *w, ad_change_t *done) {
  *done = w->open;
  done->judged = true;
  ad_change_series_t worst[AD_CHANGE_WORST + 1];
  unsigned kept = 0;
  for (size_t i = 0; i < w->capacity; i++) {
    const ad_change_slot_t *s = &w->slot[i];
    if (s->key == 0 || s->n < AD_CHANGE_MIN_VALUES)
      continue;
    done->watched++;
    ad_change_series_t c;
    if (!judge_series(s, &c))
      continue;
    done->regressed++;
    memcpy(c.name, s->name, sizeof(c.name));
    worst[kept] = c; /* kept <= AD_CHANGE_WORST: the array has one more */
    qsort(worst, kept + 1, sizeof(*worst), by_deviation);
    if (kept < AD_CHANGE_WORST)
      kept++;
  }
  memcpy(done->worst, worst, kept * sizeof(*worst));
  ad_change_release(w);
  w->open = none();
  memmove(&w->history[1], &w->history[0],
          (AD_CHANGE_HISTORY - 1) * sizeof(w->history[0]));
  w->history[0] = *done;
  if (w->count < AD_CHANGE_HISTORY)
    w->count++;
}

/* A table for `series` series at half load; false when out of memory. */
static bool make_table(ad_change_watch_t *w, size_t series) {
  size_t capacity = 16;
  while (capacity < 2 * series + 8 && capacity < ((size_t)1 << 24))
    capacity *= 2;
  w->slot = calloc(capacity, sizeof(*w->slot));
  w->capacity = w->slot != NULL ? capacity : 0;
  w->used = 0;
  return w->slot != NULL;
}

bool ad_change_begin(ad_change_watch_t *w, double t, double watch,
                     const char *what, size_t series, ad_change_t *ended,
                     int *err) {
  *err = 0;
  bool was_open = w->slot != NULL;
  if (was_open)
    judge(w, ended);
  w->open = none();
  if (!make_table(w, series)) {
    *err = ENOMEM;
    return was_open;
  }
  w->open.time = t;
  w->open.until = t + watch;
  /* from a notification: anyone's text */
  ad_text_escape(w->open.what, sizeof(w->open.what), what, strlen(what));
  return was_open;
}

bool ad_change_resume(ad_change_watch_t *w, const ad_change_t *open,
                      size_t series, int *err) {
  *err = 0;
  if (open->judged || !isfinite(open->time) || !isfinite(open->until) ||
      !(open->time < open->until)) {
    *err = EINVAL;
    return false;
  }
  ad_change_release(w);
  if (!make_table(w, series)) {
    *err = ENOMEM;
    return false;
  }
  w->open = *open;
  w->open.watched = w->open.regressed = 0;
  return true;
}

/* The slot of key; a free one taken for it when `take` and the table is
 * not half full; NULL otherwise. At most capacity probes; at half load
 * they are few. */
static ad_change_slot_t *slot_of(ad_change_watch_t *w, uint64_t key,
                                 bool take) {
  size_t mask = w->capacity - 1;
  for (size_t probe = 0, i = key & mask; probe < w->capacity;
       probe++, i = (i + 1) & mask) {
    ad_change_slot_t *s = &w->slot[i];
    if (s->key == key)
      return s;
    if (s->key != 0)
      continue;
    if (!take || 2 * w->used >= w->capacity)
      return NULL;
    w->used++;
    s->key = key;
    return s;
  }
  return NULL;
}

/* A frozen forecast fit to judge against: finite, positive scales. */
static bool forecast_valid(const float forecast[AD_CHANGE_POINTS][2]) {
  for (int k = 0; k < AD_CHANGE_POINTS; k++)
    if (!isfinite(forecast[k][0]) || !isfinite(forecast[k][1]) ||
        !(forecast[k][1] > 0))
      return false;
  return true;
}

bool ad_change_restore(ad_change_watch_t *w, const ad_change_slot_t *saved) {
  if (w->slot == NULL || saved->key == 0 || (saved->n == 0 && !saved->frozen) ||
      !isfinite(saved->deviation) || !isfinite(saved->value) ||
      !isfinite(saved->expected) ||
      (saved->frozen && !forecast_valid(saved->forecast)))
    return false;
  ad_change_slot_t *s = slot_of(w, saved->key, true);
  if (s == NULL || s->n != 0)
    return false;
  *s = *saved;
  s->name[sizeof(s->name) - 1] = '\0';
  return true;
}

int ad_change_copy(ad_change_watch_t *dst, const ad_change_watch_t *src) {
  *dst = *src;
  dst->slot = NULL;
  dst->capacity = dst->used = 0;
  if (src->slot == NULL)
    return 0;
  dst->slot = malloc(src->capacity * sizeof(*src->slot));
  if (dst->slot == NULL)
    return ENOMEM;
  memcpy(dst->slot, src->slot, src->capacity * sizeof(*src->slot));
  dst->capacity = src->capacity;
  dst->used = src->used;
  return 0;
}

double ad_change_point_time(const ad_change_t *open, int k) {
  return open->time +
         (open->until - open->time) * k / (double)(AD_CHANGE_POINTS - 1);
}

bool ad_change_freeze(ad_change_watch_t *w, double marked, uint64_t key,
                      const char *name,
                      const float forecast[AD_CHANGE_POINTS][2]) {
  if (w->slot == NULL || !(w->open.time == marked) || key == 0 ||
      !forecast_valid(forecast))
    return false;
  ad_change_slot_t *s = slot_of(w, key, true);
  if (s == NULL)
    return false;
  if (s->n == 0)
    snprintf(s->name, sizeof(s->name), "%s", name);
  memcpy(s->forecast, forecast, sizeof(s->forecast));
  s->frozen = true;
  return true;
}

/* The frozen forecast at t, between the points about it. */
static void frozen_at(const ad_change_watch_t *w, const ad_change_slot_t *s,
                      double t, double *expected, double *scale) {
  double span = w->open.until - w->open.time;
  double pos = (t - w->open.time) / span * (AD_CHANGE_POINTS - 1);
  int k = (int)fmin(fmax(floor(pos), 0), AD_CHANGE_POINTS - 2);
  double f = fmin(fmax(pos - k, 0), 1);
  *expected =
      s->forecast[k][0] + f * (s->forecast[k + 1][0] - s->forecast[k][0]);
  *scale = s->forecast[k][1] + f * (s->forecast[k + 1][1] - s->forecast[k][1]);
}

void ad_change_observe(ad_change_watch_t *w, uint64_t key, const ad_ident_t *id,
                       const char *ds, double t, const ad_change_value_t *v) {
  if (!ad_change_watching(w, t) || key == 0 || !isfinite(v->deviation) ||
      !isfinite(v->value) || !isfinite(v->expected))
    return;
  ad_change_slot_t *s = slot_of(w, key, true);
  if (s == NULL)
    return; /* a series that came after the table was made, and too many */
  if (s->n == 0) {
    if (!s->frozen)
      ad_ident_series_name(id, ds, s->name, sizeof(s->name));
    s->before = isfinite(v->recent) ? v->recent : NAN;
    s->moved = NAN;
  }
  if (isfinite(v->normal_from) && isfinite(v->normal_to) &&
      fabs(v->normal_from) > 0)
    s->moved = 100.0 * (v->normal_to - v->normal_from) / fabs(v->normal_from);
  double deviation = v->deviation, expected = v->expected, scale;
  if (s->frozen) {
    frozen_at(w, s, t, &expected, &scale);
    deviation = (v->value - expected) / scale;
  }
  s->n++;
  s->deviation += deviation;
  s->value += v->value;
  s->expected += expected;
}

bool ad_change_due(ad_change_watch_t *w, double t, ad_change_t *done) {
  if (w->slot == NULL || !(t >= w->open.until))
    return false;
  judge(w, done);
  return true;
}

void ad_change_label(ad_notice_t *n, const char *what) {
  if (what == NULL || what[0] == '\0')
    return;
  snprintf(n->after, sizeof(n->after), "%s", what);
  size_t len = strlen(n->message);
  char label[AD_NOTICE_AFTER_MAX + 16];
  int need = snprintf(label, sizeof(label), " (after \"%s\")", n->after);
  if (need > 0 && len + (size_t)need < sizeof(n->message))
    memcpy(n->message + len, label, (size_t)need + 1);
}

void ad_change_series_text(const ad_change_series_t *s, char *buf,
                           size_t size) {
  if (isfinite(s->percent))
    snprintf(buf, size, "%+.0f %%", s->percent);
  else
    snprintf(buf, size, "%+.1f scales", s->deviation);
}

/* The named series of a regression, with both shifts, "; " between. */
static void describe_regression(const ad_change_t *c, char *buf, size_t size) {
  buf[0] = '\0';
  size_t len = 0;
  unsigned named =
      c->regressed < AD_CHANGE_WORST ? c->regressed : AD_CHANGE_WORST;
  for (unsigned i = 0; i < named && len < size; i++) {
    const ad_change_series_t *s = &c->worst[i];
    char by[32], before[48] = "";
    ad_change_series_text(s, by, sizeof(by));
    if (isfinite(s->before_percent))
      snprintf(before, sizeof(before), ", %+.0f %% on the level before",
               s->before_percent);
    int n = snprintf(buf + len, size - len, "%s%s %s (%+.1f scales%s)",
                     i > 0 ? "; " : "", s->name, by, s->deviation, before);
    if (n < 0)
      break;
    len += (size_t)n;
  }
  ad_text_utf8_cut(buf);
}

void ad_change_notice(const ad_change_t *c, const char *host, ad_notice_t *n) {
  memset(n, 0, sizeof(*n));
  n->kind = AD_NOTICE_CHANGE;
  n->scope = AD_SCOPE_HOST;
  n->time = c->until;
  n->level = c->regressed > 0 ? AD_LEVEL_WARNING : AD_LEVEL_OKAY;
  n->previous = AD_LEVEL_OKAY;
  n->observed = n->trend = n->usual_trend = NAN;
  n->risk = NAN;
  for (int i = 0; i < AD_DET_COUNT; i++)
    n->assessment.member[i] = AD_DETECTOR_OUTPUT_NONE;
  n->assessment.risk = NAN;
  ad_notice_copy_name(n->host, host);
  ad_notice_copy_name(n->plugin, "anomaly");
  ad_notice_copy_name(n->type, "change");
  ad_notice_copy_name(n->type_instance, "verdict");
  snprintf(n->after, sizeof(n->after), "%s", c->what);
  n->anomalous = c->regressed;
  n->total = c->watched;
  describe_regression(c, n->regression, sizeof(n->regression));
  if (c->regressed > 0)
    ad_notice_copy_name(n->series, c->worst[0].name);
  int k = snprintf(n->message, sizeof(n->message), "%.100s: ", host);
  ad_text_utf8_cut(n->message);
  k = (int)strlen(n->message);
  ad_change_verdict_text(c, n->message + k, sizeof(n->message) - (size_t)k);
}

void ad_change_verdict_text(const ad_change_t *c, char *buf, size_t size) {
  if (c->regressed == 0) {
    snprintf(buf, size, "after \"%.80s\": no regression (%u series, %.1f h)",
             c->what, c->watched, (c->until - c->time) / 3600.0);
    ad_text_utf8_cut(buf);
    return;
  }
  int len = snprintf(buf, size, "after \"%.80s\": regression:", c->what);
  unsigned named =
      c->regressed < AD_CHANGE_WORST ? c->regressed : AD_CHANGE_WORST;
  for (unsigned i = 0; i < named && len > 0 && (size_t)len < size; i++) {
    char by[32];
    ad_change_series_text(&c->worst[i], by, sizeof(by));
    len += snprintf(buf + len, size - (size_t)len, "%s %s %s", i > 0 ? "," : "",
                    c->worst[i].name, by);
  }
  if (len > 0 && (size_t)len < size)
    snprintf(buf + len, size - (size_t)len, " against expected (%u series)",
             c->regressed);
  ad_text_utf8_cut(buf);
}
