/* ad_series: per-series ensemble state (see header). */
#include "engine/ad_series.h"
#include "detectors/ad_behaviour.h"
#include "detectors/ad_resolution.h"
#include "detectors/ad_risk.h"

#include <math.h>

/* log10(3): three views of the sliding window member. */
#define VIEWS_CORRECTION 0.47712125471966244
#define LOG10_2 0.30102999566398120
#include <stdlib.h>
#include <string.h>

static void new_normal(ad_series_t *s, const ad_config_t *cfg, double time,
                       ad_series_result_t *res);

void ad_series_init(ad_series_t *s) {
  memset(s, 0, sizeof(*s));
  s->last_time = NAN;
  s->last_value = NAN;
  s->resolution = NAN;
  s->host_slot = AD_SLOT_UNASSIGNED;
  s->normal_start = s->normal_from = s->normal_to = s->normal_notified = NAN;
  s->normal_began = NAN;
  ad_window_init(&s->window);
  ad_season_init(&s->season);
  ad_calib_init(&s->calib[AD_DET_SLIDING_WINDOW]);
  ad_calib_init(&s->calib[AD_DET_SEASONAL]);
  ad_calib_init(&s->calib_record);
  ad_calib_init(&s->calib_dispersion);
  ad_persistence_init(&s->persistence);
  ad_calib_init(&s->calib_persistence);
  ad_trend_init(&s->trend);
  ad_drift_init(&s->drift);
  s->capacity_max = NAN;
  ad_alert_init(&s->alert);
}

/* Values inside an open incident teach the members and their calibrations
 * this much of what they would otherwise (on top of each member's own
 * ad_learn_weight): what the detector alarms on must not become what it
 * judges the next incident by. A muted series is not in an incident: it
 * learns fully, so that what it keeps doing becomes ordinary. */
#define INCIDENT_WEIGHT 0.3

/* What the k-th value of an open incident teaches the calibrations:
 * INCIDENT_WEIGHT, less by INCIDENT_DECAY a value, so that an incident
 * however long teaches them at most INCIDENT_WEIGHT / (1 - INCIDENT_DECAY)
 * values' worth (1.5): a calibration of a few hundred values (a series in
 * its first days, or just after its forecaster changed mode) would
 * otherwise learn from an hour-long incident that such deviations are
 * ordinary, and miss the next. The members themselves learn at
 * INCIDENT_WEIGHT throughout: their scales must follow a series that has
 * really changed (the new-normal path). */
#define INCIDENT_DECAY 0.8

static double incident_lesson(double weight, uint32_t k) {
  return weight < 1.0 ? weight * pow(INCIDENT_DECAY, ad_fmin(k, 4096.0))
                      : weight;
}

/* The surprise of deviation z against c's history (NaN for NaN), which then
 * learns z at `weight` times ad_learn_weight of z against the band of c
 * (the deviation whose surprise is band_surprise): judged before it joins
 * the history. */
static double judge_then_learn(ad_calib_t *c, double z, double memory,
                               double band_surprise, double weight) {
  double surprise = ad_calib_surprise(c, z);
  if (!isnan(z)) {
    double band = ad_calib_band(c, band_surprise);
    double w = weight * ad_learn_weight(z, band);
    ad_calib_learn_judged(c, z, surprise, memory, w);
  }
  return surprise;
}

/* The sliding window member looks three ways (deviation, record,
 * dispersion), each calibrated on its own history; its surprise is the
 * largest, less log10 of the number of views, the price of looking three
 * times (a Sidak-style correction, so the member stays calibrated). */
static double fold_views(ad_series_t *s, double memory, double band_surprise,
                         double weight, double surprise,
                         const ad_window_views_t *views) {
  double record = judge_then_learn(&s->calib_record, views->record, memory,
                                   band_surprise, weight);
  double dispersion = judge_then_learn(&s->calib_dispersion, views->dispersion,
                                       memory, band_surprise, weight);
  double best = surprise;
  if (record > best)
    best = record;
  if (dispersion > best)
    best = dispersion;
  return ad_fmax(0.0, best - VIEWS_CORRECTION);
}

/* The seasonal member looks twice: at the value, and at its deviations
 * added up (ad_persistence), each calibrated on its own history; its
 * surprise is the larger, less log10(2). */
static double fold_persistence(ad_series_t *s, double memory,
                               double band_surprise, double weight,
                               double value, double surprise,
                               const ad_detector_output_t *m) {
  double z = m->scale > 0 ? (value - m->expected) / m->scale : NAN;
  double sum = ad_persistence_update(&s->persistence, z);
  double lasting = judge_then_learn(&s->calib_persistence, sum, memory,
                                    band_surprise, weight);
  if (isnan(lasting))
    return surprise;
  return ad_fmax(0.0, ad_fmax(surprise, lasting) - LOG10_2);
}

/* The typical step between values: an EMA of the gaps, bounded so that one
 * long outage does not make the series look hourly. */
static void learn_step(ad_series_t *s, double time) {
  double gap = time - s->last_time;
  if (gap > 0 && gap < AD_DAY) {
    if (s->step > 0)
      s->step += (ad_fmin(gap, 4 * s->step) - s->step) / 16.0;
    else
      s->step = gap;
  }
  s->last_time = time;
}

/* What the members' updates mean for the rest of the series. */
static void after_members(ad_series_t *s, const ad_window_views_t *views) {
  /* The warm-up has just ended with wild values left out of the window's
   * estimates (ad_window): the forecaster settles on those too. */
  if (views->warmed && views->wild > 0)
    ad_season_settle(&s->season, s->window.mean, s->window.deviation);
  /* The forecaster switched between plain and seasonal: its deviations are
   * on a new footing, so their history starts again. */
  if (s->season.mode_changes != s->season_mode_seen) {
    s->season_mode_seen = s->season.mode_changes;
    ad_calib_init(&s->calib[AD_DET_SEASONAL]);
    ad_calib_init(&s->calib_record);
    ad_calib_init(&s->calib_dispersion);
    ad_calib_init(&s->calib_persistence);
    ad_persistence_init(&s->persistence);
  }
  /* The forecaster has taken over a shift: what was added up against the
   * old level is not a deviation from the new one. */
  if (s->season.shifts != s->shifts_seen)
    ad_persistence_init(&s->persistence);
}

/* The short trend (explanations) and the slow one (forecasts ahead, time
 * to exhaustion) learn the value; true when the slow one learned a
 * bucket. */
static bool learn_trends(ad_series_t *s, double time, double value,
                         double scale, const ad_learn_t *learning) {
  ad_trend_update(&s->trend, time, value, scale);
  ad_drift_bucket_t bucket;
  if (!ad_drift_add(&s->drift, time, value, &bucket))
    return false;
  ad_drift_learn(&s->drift, bucket.time, bucket.mean,
                 ad_season_profile(&s->season, bucket.time),
                 learning->resolution);
  return true;
}

void ad_series_update(ad_series_t *s, const ad_config_t *cfg, double time,
                      double observed, double floor, ad_series_step_t *st) {
  ad_detector_output_t *member = st->member;
  for (int i = 0; i < AD_DET_COUNT; i++)
    member[i] = AD_DETECTOR_OUTPUT_NONE;
  st->value = observed;
  st->z = st->delta = NAN;
  st->drift_learned = false;
  double value = ad_value_bounded(observed);

  if (!isnan(value))
    learn_step(s, time);
  double per_day = ad_series_values_per_day(s);
  st->per_day = per_day;
  /* Calibration remembers a span of time, whatever the interval. */
  double memory = cfg->calibration_days * per_day;
  /* The band edge: the deviation at which a member's risk reaches WARNING. */
  ad_risk_scale_t risk_scale = ad_risk_scale(cfg->risk_rarity, per_day);
  double band_surprise =
      ad_risk_surprise_at_scaled(&risk_scale, cfg->levels.warning);
  /* inside an incident from its first value to its OKAY, not only while
   * the risk is high: the values between two excursions of a burst are the
   * burst too */
  bool in_incident = ad_alert_anomalous(&s->alert) ||
                     ad_alert_level(&s->alert) != AD_LEVEL_OKAY;
  double weight = in_incident ? INCIDENT_WEIGHT : 1.0;
  if (!isnan(value))
    s->incident_values = weight < 1.0 && s->incident_values < UINT32_MAX
                             ? s->incident_values + 1
                             : 0;
  double lesson = incident_lesson(weight, s->incident_values);
  s->resolution = ad_resolution_learn(s->resolution, value);
  ad_learn_t learning = {
      .weight = weight,
      .resolution = ad_fmax(floor, isnan(s->resolution) ? 0.0 : s->resolution)};
  ad_window_views_t views;
  ad_window_update(
      &s->window, &cfg->window, value,
      ad_calib_band(&s->calib[AD_DET_SLIDING_WINDOW], band_surprise), &learning,
      memory, &member[AD_DET_SLIDING_WINDOW], &views);
  ad_season_update(&s->season, &cfg->season, time, value,
                   ad_calib_band(&s->calib[AD_DET_SEASONAL], band_surprise),
                   &learning, &member[AD_DET_SEASONAL]);
  after_members(s, &views);
  for (int i = AD_DET_SLIDING_WINDOW; i <= AD_DET_SEASONAL; i++) {
    ad_detector_output_t *m = &member[i];
    if (isnan(m->deviation))
      continue;
    /* Judged against the series' own history, before joining it. */
    m->surprise = judge_then_learn(&s->calib[i], m->deviation, memory,
                                   band_surprise, lesson);
    if (i == AD_DET_SLIDING_WINDOW)
      m->surprise =
          fold_views(s, memory, band_surprise, lesson, m->surprise, &views);
    if (i == AD_DET_SEASONAL)
      m->surprise = fold_persistence(s, memory, band_surprise, lesson, value,
                                     m->surprise, m);
    m->score = ad_risk_scaled(&risk_scale, m->surprise);
  }

  /* The forests' view of the value: where it lies against what the
   * seasonal forecaster expected, and how far it moved, in that member's
   * scale (signed: a forest can tell up from down and see two series move
   * apart). The forecaster's expectation follows the daily and weekly
   * pattern and changes of level slowly, so the view stays comparable over
   * the week a forest's sample spans. */
  const ad_detector_output_t *fc = &member[AD_DET_SEASONAL];
  st->drift_learned = learn_trends(s, time, value, fc->scale, &learning);
  if (!isnan(fc->deviation) && fc->scale > 0) {
    st->z = (value - fc->expected) / fc->scale;
    if (!isnan(s->last_value))
      st->delta = (value - s->last_value) / fc->scale;
  }
  if (!isnan(value))
    s->last_value = value;
}

/* How fast the series moves, when that is clear, and what its forecaster
 * expects it to move an hour at this time (its daily shape): for the
 * messages, so only for a value that may be notified (anomalous, or risky
 * enough to drive its host's notification). */
static void explain_trend(const ad_series_t *s, const ad_config_t *cfg,
                          double time, double scale, ad_series_result_t *res) {
  res->trend = res->usual_trend = NAN;
  if (!res->anomalous && res->event == AD_ALERT_NONE &&
      !(res->assessment.risk >= cfg->levels.warning))
    return;
  res->trend = ad_trend_per_hour(&s->trend, scale);
  ad_behaviour_t pattern;
  ad_behaviour_of(&s->season, &s->drift, &pattern);
  res->pattern = (uint8_t)(pattern.kind + 1);
  double now, before, unused;
  if (!isnan(res->trend) &&
      ad_season_forecast(&s->season, time, &now, &unused) &&
      ad_season_forecast(&s->season, time - 3600.0, &before, &unused))
    res->usual_trend = now - before;
}

void ad_series_conclude(ad_series_t *s, const ad_config_t *cfg, double time,
                        ad_series_step_t *st,
                        const ad_detector_output_t *forest,
                        ad_series_result_t *res) {
  if (forest != NULL)
    st->member[AD_DET_ISOLATION_FOREST] = *forest;
  *res = (ad_series_result_t){.value = st->value,
                              .z = st->z,
                              .slot = s->host_slot,
                              .was_anomalous = ad_alert_anomalous(&s->alert)};
  ad_meta_combine(cfg->weights, &cfg->levels, st->member, &res->assessment);
  ad_alert_params_t alert = ad_config_alert_params(cfg);
  res->previous = ad_alert_level(&s->alert);
  /* the value is back when it is inside the forecaster's band */
  const ad_detector_output_t *fc = &st->member[AD_DET_SEASONAL];
  bool outside =
      !isnan(st->value) && (st->value < fc->lower || st->value > fc->upper);
  res->outside = outside;
  res->event = ad_alert_update(&s->alert, &alert, time, res->assessment.risk,
                               outside, &res->level, &res->previous);
  res->level = ad_alert_level(&s->alert);
  res->anomalous = ad_alert_anomalous(&s->alert);
  explain_trend(s, cfg, time, fc->scale, res);
  res->drift_learned = st->drift_learned;
  res->muted = s->alert.muted;
  new_normal(s, cfg, time, res);
}

/* Days of history before a level change is news: until the profiles have
 * seen a few days, a daily pattern looks like shift after shift. */
#define NEW_NORMAL_HISTORY (3 * AD_DAY)

/* A shift the forecaster took over (ad_season, after ShiftAcceptance) is
 * news once it has held for NewNormalTime from its start: a shift back
 * before that (a job of a few hours) cancels it. A further shift the same
 * way (a leak, a filling disk: the forecaster takes over a climb step by
 * step) is the same change still under way: its clock starts again, so a
 * level is only called normal once it has stopped moving. At most one a
 * day. */
/* A level that has gone on beyond a change by this share of it is still
 * moving. */
#define STILL_MOVING 0.25

static void take_shift(ad_series_t *s, const ad_config_t *cfg, double time) {
  double from = s->season.shift_from, to = s->season.shift_to;
  double began = time - cfg->season.shift_acceptance;
  if (!isnan(s->normal_start)) {
    if (fabs(to - s->normal_from) < fabs(to - s->normal_to)) {
      s->normal_start = NAN; /* back towards where it came from */
    } else {
      s->normal_to = to;
      s->normal_start = began;
    }
    return;
  }
  bool old_enough = time - s->season.first_time >= NEW_NORMAL_HISTORY;
  bool quiet = isnan(s->normal_notified) || time - s->normal_notified >= AD_DAY;
  if (old_enough && quiet) {
    s->normal_start = s->normal_began = began;
    s->normal_from = from;
    s->normal_to = to;
  }
}

static void new_normal(ad_series_t *s, const ad_config_t *cfg, double time,
                       ad_series_result_t *res) {
  if (s->season.shifts != s->shifts_seen) {
    s->shifts_seen = s->season.shifts;
    take_shift(s, cfg, time);
  }
  /* the values of the last window are back nearer the old level than the
   * new, or have gone on beyond it by more than a quarter of the change
   * (a climb the forecaster follows without a further shift): news only
   * once it has held still (a series whose forecast is its level; a
   * seasonal one's values move with its day and only a shift tells) */
  bool due =
      !isnan(s->normal_start) && time - s->normal_start >= cfg->new_normal_time;
  if (!isnan(s->normal_start) && !s->season.seasonal_mode &&
      s->window.fill > 0) {
    double recent = s->window.ring_sum / s->window.fill;
    double change = s->normal_to - s->normal_from;
    if (fabs(recent - s->normal_from) < fabs(recent - s->normal_to)) {
      s->normal_start = NAN;
    } else if (due && (recent - s->normal_to) * change >
                          STILL_MOVING * change * change) {
      s->normal_to = recent;
      s->normal_start = time - cfg->season.shift_acceptance;
    }
  }
  if (!isnan(s->normal_start) &&
      time - s->normal_start >= cfg->new_normal_time) {
    res->new_normal = true;
    res->normal_from = s->normal_from;
    res->normal_to = s->normal_to;
    res->normal_held = time - s->normal_start;
    res->normal_moved =
        isnan(s->normal_began) ? 0.0 : s->normal_start - s->normal_began;
    s->normal_notified = time;
    s->normal_start = NAN;
  }
}

void ad_series_observe(ad_series_t *s, const ad_config_t *cfg, double time,
                       double value, ad_series_result_t *res) {
  ad_series_step_t st;
  ad_series_update(s, cfg, time, value, 0.0, &st);
  ad_series_conclude(s, cfg, time, &st, NULL, res);
}

double ad_series_values_per_day(const ad_series_t *s) {
  return s->step > 0 ? AD_DAY / s->step : 1440.0;
}
