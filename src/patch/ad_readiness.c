/* ad_readiness: the verdict on a change at a time (see header). */
#include "patch/ad_readiness.h"

#include "core/ad_units.h"
#include "detectors/ad_level.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const DAY_NAMES[7] = {"Mon", "Tue", "Wed", "Thu",
                                         "Fri", "Sat", "Sun"};

const char *ad_readiness_name(ad_readiness_status_t s) {
  return s == AD_NOT_READY ? "NOT READY"
         : s == AD_CAUTION ? "CAUTION"
                           : "READY";
}

char *ad_readiness_hour_name(int hour, char *buf, size_t size) {
  hour = ((hour % AD_WEEK_HOURS) + AD_WEEK_HOURS) % AD_WEEK_HOURS;
  snprintf(buf, size, "%s %02d:00", DAY_NAMES[hour / 24], hour % 24);
  return buf;
}

char *ad_readiness_window_name(const ad_readiness_t *r, char *buf,
                               size_t size) {
  buf[0] = '\0';
  if (!r->window_found)
    return buf;
  char from[16];
  ad_readiness_hour_name(ad_weekly_hour_of(r->window_start), from,
                         sizeof(from));
  int end = ad_weekly_hour_of(r->window_end) % 24;
  snprintf(buf, size, "%s-%02d:00 UTC", from, end);
  return buf;
}

char *ad_readiness_range_name(const ad_risky_range_t *g, char *buf,
                              size_t size) {
  char from[16], to[16];
  ad_readiness_hour_name(g->first_hour, from, sizeof(from));
  int last = g->first_hour + g->hours - 1; /* the range's last hour */
  if (last / 24 == g->first_hour / 24)     /* ends on the same day */
    snprintf(to, sizeof(to), "%02d:00", last % 24 + 1);
  else
    ad_readiness_hour_name(last + 1, to, sizeof(to));
  snprintf(buf, size, "%s-%s UTC", from, to);
  return buf;
}

/* Adds a reason (printf-style) and raises the status to at least s. */
__attribute__((format(printf, 3, 4))) static void
reason(ad_readiness_t *r, ad_readiness_status_t s, const char *fmt, ...) {
  if (s > r->status)
    r->status = s;
  if (r->reasons >= AD_READINESS_REASONS)
    return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->reason[r->reasons++], AD_READINESS_REASON_MAX, fmt, ap);
  va_end(ap);
}

/* "12 min", "3.5 h", "2.0 days" */
static void duration(double seconds, char *buf, size_t size) {
  if (!(seconds >= 0))
    seconds = 0;
  if (seconds < 5400)
    snprintf(buf, size, "%.0f min", seconds / 60);
  else if (seconds < 2 * 86400.0)
    snprintf(buf, size, "%.1f h", seconds / 3600);
  else
    snprintf(buf, size, "%.1f days", seconds / 86400);
}

static void clock_time(double t, char *buf, size_t size) {
  time_t s = (time_t)floor(t);
  struct tm tm;
  if (!isfinite(t) || gmtime_r(&s, &tm) == NULL)
    snprintf(buf, size, "?");
  else
    strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm);
}

/* Why hour h (as of data time at) is risky: AD_RISKY_* bits. */
static unsigned hour_risk(const ad_host_t *host, const ad_busy_t *busy, int h,
                          double at, ad_weekly_hour_t *wh) {
  *wh = ad_weekly_get(&host->weekly, h, at);
  unsigned why = 0;
  double incident_hours = wh->incident * wh->seen;
  if (wh->onsets >= AD_RISKY_ONSETS || incident_hours >= AD_RISKY_ONSETS)
    why |= AD_RISKY_INCIDENTS;
  if (wh->seen >= 0.5 && wh->mean_risk >= AD_RISKY_MEAN_RISK)
    why |= AD_RISKY_VARIABLE;
  if (ad_busy_hour(busy, h))
    why |= AD_RISKY_BUSY;
  return why;
}

/* The week's risky hours as ranges of the same reasons. */
static void risky_ranges(const ad_readiness_query_t *q, const ad_busy_t *busy,
                         double at, ad_readiness_t *r) {
  ad_risky_range_t *cur = NULL;
  for (int h = 0; h < AD_WEEK_HOURS; h++) {
    ad_weekly_hour_t wh;
    unsigned why = hour_risk(q->host, busy, h, at, &wh);
    if (why == 0) {
      cur = NULL;
      continue;
    }
    if (cur == NULL || cur->why != why) {
      if (r->ranges >= AD_RISKY_RANGES)
        return;
      cur = &r->range[r->ranges++];
      *cur = (ad_risky_range_t){.first_hour = h, .why = why};
    }
    cur->hours++;
    cur->onsets += wh.onsets;
    cur->incident_hours += wh.incident * wh.seen;
    if (isfinite(wh.mean_risk) && wh.mean_risk > cur->risk)
      cur->risk = wh.mean_risk;
    if (busy->departing[h] > cur->busy) {
      cur->busy = busy->departing[h];
      memcpy(cur->busiest, busy->series[h], sizeof(cur->busiest));
    }
  }
}

/* What the host is like now: its incident, risk, series, data. */
static void judge_now(const ad_readiness_query_t *q, ad_readiness_t *r) {
  const ad_host_t *h = q->host;
  const ad_level_params_t *lv = &q->cfg->levels;
  char when[40], how_long[24];
  ad_level_t level = ad_alert_level(&h->alert);
  if (level != AD_LEVEL_OKAY) {
    if (isfinite(h->incident_start)) {
      clock_time(h->incident_start, when, sizeof(when));
      duration(q->now - h->incident_start, how_long, sizeof(how_long));
      reason(r, AD_NOT_READY, "open incident: %s since %s (%s), opened by %s",
             ad_level_name(level), when, how_long,
             h->incident_series[0] ? h->incident_series : "the host's series");
    } else {
      reason(r, AD_NOT_READY, "open incident: %s", ad_level_name(level));
    }
  }
  double risk = h->last.risk;
  const char *driver = h->last.driver[0] ? h->last.driver : "no series";
  if (risk >= lv->failure)
    reason(r, AD_NOT_READY, "current risk %.2f (HIGH), driven by %s", risk,
           driver);
  else if (risk >= lv->warning)
    reason(r, AD_CAUTION, "current risk %.2f (MEDIUM), driven by %s", risk,
           driver);
  unsigned total = atomic_load(&h->series);
  if (h->anomalous > 0)
    reason(r, AD_CAUTION, "%u of %u series anomalous", h->anomalous, total);
  double interval = h->tick.interval > 0 ? h->tick.interval : 10.0;
  double stale = fmax(3 * interval, 600.0);
  if (!isfinite(h->last.time)) {
    reason(r, AD_CAUTION, "no interval of this host scored yet");
  } else if (q->now - h->last.time > stale) {
    clock_time(h->last.time, when, sizeof(when));
    duration(q->now - h->last.time, how_long, sizeof(how_long));
    reason(r, AD_CAUTION, "no data since %s (%s ago): its state now is unknown",
           when, how_long);
  }
  double rate = ad_alert_incident_rate(&h->alert, q->now);
  if (rate >= AD_UNSTABLE_PER_DAY)
    reason(r, AD_CAUTION, "unstable lately: %.1f incidents a day", rate);
}

/* A change still watched, or the last one's regression. */
static void judge_changes(const ad_readiness_query_t *q, ad_readiness_t *r) {
  const ad_change_watch_t *w = &q->host->change;
  char when[40], until[40];
  if (ad_change_is_open(w)) {
    clock_time(w->open.time, when, sizeof(when));
    clock_time(w->open.until, until, sizeof(until));
    reason(r, AD_CAUTION,
           "change \"%.60s\" of %s is watched until %s: another change "
           "now would blur its verdict",
           w->open.what, when, until);
  }
  if (w->count == 0 || w->history[0].regressed == 0 ||
      !(q->now - w->history[0].until < AD_REGRESSION_RECENT))
    return;
  const ad_change_t *c = &w->history[0];
  char by[32];
  ad_change_series_text(&c->worst[0], by, sizeof(by));
  clock_time(c->time, when, sizeof(when));
  reason(r, AD_CAUTION,
         "the last change, \"%.60s\" of %s, regressed: %s %s (%u series)",
         c->what, when, c->worst[0].name, by, c->regressed);
}

/* The hour asked about. */
static void judge_hour(const ad_readiness_query_t *q, const ad_busy_t *busy,
                       ad_readiness_t *r) {
  int h = ad_weekly_hour_of(r->at);
  ad_weekly_hour_t wh;
  r->risky_at = hour_risk(q->host, busy, h, r->at, &wh);
  char name[16];
  ad_readiness_hour_name(h, name, sizeof(name));
  if (r->risky_at & AD_RISKY_INCIDENTS)
    reason(r, AD_CAUTION,
           "%s UTC is a risky hour: in past weeks %.1f incidents opened "
           "then, %.1f h spent inside one (recent weeks weigh most)",
           name, wh.onsets, wh.incident * wh.seen);
  if (r->risky_at & AD_RISKY_VARIABLE)
    reason(r, AD_CAUTION, "%s UTC has been unsettled: mean risk %.2f then",
           name, wh.mean_risk);
  if (r->risky_at & AD_RISKY_BUSY)
    reason(r, AD_CAUTION,
           "%s UTC is a busy hour: %u series busier than usual "
           "(furthest %s, %.0f scales)",
           name, busy->departing[h], busy->series[h], busy->furthest[h]);
  if (r->learned_hours < AD_READINESS_MIN_HOURS)
    reason(r, AD_CAUTION,
           "only %.1f h of this host learned: its risky hours are not known "
           "yet",
           r->learned_hours);
}

/* Past mean risk of the run of n hours from data time start; NaN when
 * none of them was seen. -1 when one of them is risky. */
static double run_risk(const ad_readiness_query_t *q, const ad_busy_t *busy,
                       double start, int n) {
  double sum = 0, seen = 0;
  for (int i = 0; i < n; i++) {
    int h = ad_weekly_hour_of(start + 3600.0 * i);
    ad_weekly_hour_t wh;
    if (hour_risk(q->host, busy, h, start, &wh) != 0)
      return -1;
    if (isfinite(wh.mean_risk)) {
      sum += wh.mean_risk;
      seen++;
    }
  }
  return seen > 0 ? sum / seen : NAN;
}

static void next_window(const ad_readiness_query_t *q, const ad_busy_t *busy,
                        ad_readiness_t *r) {
  int n = (int)fmax(1, fmin(24, ceil(q->window / 3600.0)));
  /* the hour under way counts when nothing stands against now */
  double first = floor(r->at / 3600.0) * 3600.0;
  if (r->status != AD_READY)
    first += 3600.0;
  double risk[AD_WEEK_HOURS], lowest = INFINITY;
  for (int i = 0; i < AD_WEEK_HOURS; i++) {
    risk[i] = run_risk(q, busy, first + 3600.0 * i, n);
    double v = isnan(risk[i]) ? 0 : risk[i];
    if (risk[i] != -1 && v < lowest)
      lowest = v;
  }
  for (int i = 0; i < AD_WEEK_HOURS; i++) {
    double v = isnan(risk[i]) ? 0 : risk[i];
    if (risk[i] == -1 || v > lowest + AD_WINDOW_SLACK)
      continue;
    r->window_found = true;
    r->window_start = first + 3600.0 * i;
    r->window_end = r->window_start + 3600.0 * n;
    r->window_risk = risk[i];
    return;
  }
}

void ad_readiness_assess(const ad_readiness_query_t *q, ad_busy_t *busy,
                         ad_readiness_t *out) {
  const ad_host_t *h = q->host;
  *out = (ad_readiness_t){.status = AD_READY, .window_risk = NAN};
  double last = isfinite(h->last.time) ? h->last.time : q->now;
  double now = isfinite(q->now) ? fmax(q->now, last) : last;
  out->at = q->at > 0 && q->at <= AD_READINESS_TIME_MAX ? q->at : now;
  out->ahead = out->at > now + 3600.0;
  out->learned_hours = ad_weekly_seen(&h->weekly, out->at);
  ad_busy_profile(q->vlists, q->count, out->at, busy);
  if (!out->ahead) {
    judge_now(q, out);
    judge_changes(q, out);
  }
  judge_hour(q, busy, out);
  risky_ranges(q, busy, out->at, out);
  ad_weekly_hour_t wh =
      ad_weekly_get(&h->weekly, ad_weekly_hour_of(out->at), out->at);
  out->predicted_risk =
      out->ahead || !isfinite(h->last.risk) ? wh.mean_risk : h->last.risk;
  double known = fmin(1.0, out->learned_hours / AD_WEEK_HOURS);
  out->confidence = out->ahead || !isfinite(h->last.confidence)
                        ? known
                        : 0.5 * (known + h->last.confidence);
  next_window(q, busy, out);
}

double ad_readiness_parse_duration(const char *s) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || !(v >= 0) || !isfinite(v))
    return NAN;
  double unit = *end == '\0' || strcmp(end, "s") == 0 ? 1
                : strcmp(end, "m") == 0               ? 60
                : strcmp(end, "h") == 0               ? 3600
                : strcmp(end, "d") == 0               ? 86400
                                                      : NAN;
  double d = v * unit;
  return d <= AD_READINESS_AHEAD_MAX ? d : NAN;
}

/* t when it is a time readiness can be asked about, else NaN. */
static double sane_time(double t) {
  return t > 0 && t <= AD_READINESS_TIME_MAX ? t : NAN;
}

double ad_readiness_parse_time(const char *s, double now) {
  if (s[0] == '+') {
    double d = ad_readiness_parse_duration(s + 1);
    return isnan(d) ? NAN : sane_time(now + d);
  }
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  const char *end = strptime(s, "%Y-%m-%d %H:%M", &tm);
  if (end != NULL && *end == ':')
    end = strptime(end, ":%S", &tm);
  if (end != NULL && *end == '\0')
    return sane_time((double)timegm(&tm));
  char *stop;
  double v = strtod(s, &stop);
  return stop != s && *stop == '\0' ? sane_time(v) : NAN;
}
