/* ad_season: online seasonal forecaster (see header for the model). */
#include "detectors/ad_season.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define WEEK (7.0 * AD_DAY)
#define DAY_BIN (AD_DAY / AD_SEASON_DAY_BINS)
#define SCALE_BIN (AD_DAY / AD_SEASON_SCALE_BINS)
#define WEEK_BIN (WEEK / AD_SEASON_WEEK_BINS)
/* 1970-01-01 was a Thursday: shifting by three days puts Monday 00:00 UTC
 * at the start of the week profile. */
#define WEEK_OFFSET (3.0 * AD_DAY)
#define MAD_TO_SIGMA 1.2533141373155003
/* Residuals are clipped at this many scales before they teach the model, so
 * an anomaly does not become part of the profile it is judged against. */
#define LEARN_CLIP 4.0
/* An untrusted profile learns from residuals up to this many of the plain
 * forecaster's scales (which holds the pattern it has yet to learn): a
 * pattern is learned whole, one wild value is not. */
#define UNTRUSTED_CLIP 30.0
/* What error trackers take of an absurd residual (see tamed). */
#define ABSURD_SCALES 1e9
#define TRACK_CLIP 1000.0
/* After wild values in the warm-up, estimates further than this many
 * deviations from the clean ones were theirs (ad_season_settle). */
#define SETTLE_SCALES 10.0
/* A run of residuals beyond this many scales, all of one sign, is a shift
 * in the making (see shift_acceptance). */
#define SHIFT_Z 3.0
/* A run whose level has moved on by this many scales since its first
 * quarter is still moving (see shift_held). */
#define STILL_MOVING_Z 1.0
/* Error trackers remember about two days. */
#define ERROR_MEMORY (2.0 * AD_DAY)
/* Squared-error trackers, which decide whether the profiles are worth
 * using, remember a week: what a weekly pattern wins must still count when
 * the comparison is made. */
#define USEFUL_MEMORY (7.0 * AD_DAY)
/* A profile gets full weight when it cuts the forecast error by this share. */
#define USEFUL_GAIN 0.15
/* The seasonal model's level averages over at least this long, so that its
 * swing with the daily cycle stays a few percent of the cycle. */
#define SEASONAL_LEVEL_MIN_TIME (7.0 * AD_DAY)

typedef struct {
  int i0, i1;
  double f; /* weight of i1 */
} bin_pos_t;

/* Position of t on a cyclic profile of `bins` bins over `period` seconds,
 * between the two nearest bin centres. */
static bin_pos_t bin_pos(double t, double period, int bins, double offset) {
  /* floor rather than fmod, which walks the quotient's bits; the phase is
   * off by at most an ulp of t */
  double x = t + offset;
  double phase = x - period * floor(x / period);
  if (phase < 0)
    phase += period;
  if (phase >= period)
    phase -= period;
  if (!(phase >= 0 && phase < period)) /* t beyond a double's precision */
    phase = 0;
  double u = phase / (period / bins) - 0.5;
  double fl = floor(u);
  int i = (int)fl;
  bin_pos_t b = {.f = u - fl};
  b.i0 = (i % bins + bins) % bins;
  b.i1 = (b.i0 + 1) % bins;
  return b;
}

static double bin_read(const float *v, bin_pos_t b) {
  return (1.0 - b.f) * v[b.i0] + b.f * v[b.i1];
}

static void bin_learn(float *v, bin_pos_t b, double rate, double target_delta) {
  v[b.i0] = ad_float(v[b.i0] + rate * (1.0 - b.f) * target_delta);
  v[b.i1] = ad_float(v[b.i1] + rate * b.f * target_delta);
}

int ad_season_params_valid(const ad_season_params_t *p) {
  if (!(p->level_time > 0) || !(p->shift_acceptance > 0) ||
      !(p->day_memory >= 1) || !(p->week_memory >= 1))
    return EINVAL;
  return 0;
}

void ad_season_init(ad_season_t *s) {
  memset(s, 0, sizeof(*s));
  s->first_time = NAN;
  s->last_time = NAN;
  s->shift_start = NAN;
  s->plain_shift_start = NAN;
  s->shift_base = s->shift_recent = NAN;
  s->plain_shift_base = s->plain_shift_recent = NAN;
  s->shift_from = s->shift_to = NAN;
}

static double clamp01(double v) { return v < 0 ? 0 : v > 1 ? 1 : v; }

static double clip(double v, double limit) {
  return ad_fmax(-limit, ad_fmin(limit, v));
}

/* A profile is trusted from one to two periods of data, ramping. */
static double time_gate(const ad_season_t *s, double period) {
  if (isnan(s->first_time))
    return 0.0;
  return clamp01((s->last_time - s->first_time - period) / period);
}

/* How much better a richer forecast did than a simpler one, recently, in
 * root mean square error: squares, so that a pattern that matters an hour
 * a week (a weekly job the plain forecast misses by a mile) counts. */
static double usefulness(double mse_simple, double mse_rich) {
  if (!(mse_simple > 0))
    return 0.0;
  double simple = sqrt(mse_simple), rich = sqrt(mse_rich);
  return clamp01((simple - rich) / (USEFUL_GAIN * simple));
}

double ad_season_day_weight(const ad_season_t *s) {
  return time_gate(s, AD_DAY) * usefulness(s->mse_plain, s->mse_full);
}

/* The weekly profile's weight, given the daily one's. */
static double week_weight(const ad_season_t *s, double day_weight) {
  return time_gate(s, WEEK) * day_weight;
}

double ad_season_week_weight(const ad_season_t *s) {
  return week_weight(s, ad_season_day_weight(s));
}

static double scale_floor(double level) {
  return 1e-3 * ad_fmax(fabs(level), 1e-3);
}

/* The weekly term counts only where it stands out from the noise: not at
 * all below WEEK_CUT residual scales, whole from twice that, ramping in
 * between. A weekly job or a quieter weekend (many scales) passes whole,
 * without a bias; what one week's noise taught a bin does not count. */
#define WEEK_CUT 1.0

static double week_term(double w, double sigma) {
  double cut = WEEK_CUT * sigma;
  return cut > 0 ? w * clamp01((fabs(w) - cut) / cut) : w;
}

/* The seasonal model's residual scale at a time of day. */
static bin_pos_t scale_pos(double t) {
  return bin_pos(t, AD_DAY, AD_SEASON_SCALE_BINS, 0.0);
}

static double seasonal_scale(const ad_season_t *s, bin_pos_t at) {
  double local = bin_read(s->day_scale, at);
  return ad_fmax(ad_fmax(local, 0.5 * s->scale), scale_floor(s->level));
}

/* Where a time falls on the three profiles: computed once a value, for the
 * forecast and for the learning after it. */
typedef struct {
  bin_pos_t day, week, scale;
} season_at_t;

static season_at_t season_at(double t) {
  return (season_at_t){.day = bin_pos(t, AD_DAY, AD_SEASON_DAY_BINS, 0.0),
                       .week =
                           bin_pos(t, WEEK, AD_SEASON_WEEK_BINS, WEEK_OFFSET),
                       .scale = scale_pos(t)};
}

static void forecast_at(const ad_season_t *s, const season_at_t *at,
                        double *expected, double *scale) {
  double wd = ad_season_day_weight(s), ww = week_weight(s, wd);
  double local = seasonal_scale(s, at->scale);
  double sigma = MAD_TO_SIGMA * local;
  double seasonal =
      s->level + bin_read(s->day, at->day) +
      (wd > 0 ? ww / wd : 0.0) * week_term(bin_read(s->week, at->week), sigma);
  /* Blend from the plain level forecast to the seasonal one as the profiles
   * earn trust. */
  *expected = (1.0 - wd) * s->plain + wd * seasonal;
  double plain_scale = ad_fmax(s->err_plain, scale_floor(s->plain));
  *scale = MAD_TO_SIGMA * ((1.0 - wd) * plain_scale + wd * local);
}

double ad_season_profile(const ad_season_t *s, double t) {
  if (s->seen == 0)
    return 0.0;
  season_at_t at = season_at(t);
  double day = time_gate(s, AD_DAY), week = time_gate(s, WEEK) * day;
  double sigma = MAD_TO_SIGMA * seasonal_scale(s, at.scale);
  return day * bin_read(s->day, at.day) +
         week * week_term(bin_read(s->week, at.week), sigma);
}

void ad_season_profile_spread(const ad_season_t *s, double *day, double *week) {
  *day = *week = 0.0;
  if (s->seen == 0)
    return;
  double sigma = MAD_TO_SIGMA * ad_fmax(s->scale, scale_floor(s->level));
  for (int i = 0; i < AD_SEASON_DAY_BINS; i++)
    *day += (double)s->day[i] * s->day[i] / AD_SEASON_DAY_BINS;
  for (int i = 0; i < AD_SEASON_WEEK_BINS; i++) {
    double w = week_term(s->week[i], sigma);
    *week += w * w / AD_SEASON_WEEK_BINS;
  }
  *day = sqrt(*day) * time_gate(s, AD_DAY);
  *week = sqrt(*week) * time_gate(s, WEEK) * time_gate(s, AD_DAY);
}

double ad_season_profile_peak(const ad_season_t *s) {
  if (s->seen == 0)
    return 0.0;
  double day = time_gate(s, AD_DAY), week = time_gate(s, WEEK) * day;
  double sigma = MAD_TO_SIGMA * ad_fmax(s->scale, scale_floor(s->level));
  double day_max = 0.0, week_max = 0.0;
  for (int i = 0; i < AD_SEASON_DAY_BINS; i++)
    day_max = ad_fmax(day_max, s->day[i]);
  for (int i = 0; i < AD_SEASON_WEEK_BINS; i++)
    week_max = ad_fmax(week_max, week_term(s->week[i], sigma));
  return day * day_max + week * week_max;
}

bool ad_season_forecast(const ad_season_t *s, double t, double *expected,
                        double *scale) {
  if (s->seen == 0)
    return false;
  season_at_t at = season_at(t);
  forecast_at(s, &at, expected, scale);
  return true;
}

/* A run of residuals beyond SHIFT_Z scales, all of one sign: where it
 * started, its previous residual (whose sign is the run's: a run breaks on
 * a sign change), and where its level was in its first quarter and lately
 * (a running mean, and an average over an eighth of shift_acceptance). */
typedef struct {
  double *start, *last, *base, *recent;
} shift_run_t;

static void run_begin(shift_run_t r, double t, double level) {
  *r.start = t;
  *r.base = *r.recent = level;
}

/* The run's level, which for a forecaster that chases the values (the
 * plain one) is the value itself, and for one that does not, its residual. */
static void run_follow(shift_run_t r, const ad_season_params_t *p, double t,
                       double dt, double level) {
  double age = t - *r.start;
  if (!isfinite(*r.base) || !isfinite(*r.recent)) {
    *r.base = *r.recent = level;
    return;
  }
  if (age > 0 && age <= p->shift_acceptance / 4.0)
    *r.base += (level - *r.base) * ad_fmin(1.0, dt / age);
  *r.recent +=
      (level - *r.recent) * (1.0 - exp(-dt / (p->shift_acceptance / 8.0)));
}

/* A run that has held for shift_acceptance seconds is a new normal: returns
 * true (and ends the run) when it has, unless its level is still moving
 * the run's way by STILL_MOVING_Z scales: then it is a climb, watched
 * afresh from now. */
static bool shift_held(shift_run_t r, const ad_season_params_t *p, double t,
                       double dt, double residual, double level, double scale) {
  bool beyond = fabs(residual) > SHIFT_Z * scale;
  bool same_sign = (residual > 0) == (*r.last > 0);
  *r.last = residual;
  if (!beyond || !same_sign) {
    if (beyond)
      run_begin(r, t, level);
    else
      *r.start = *r.base = *r.recent = NAN;
    return false;
  }
  if (isnan(*r.start)) {
    run_begin(r, t, level);
    return false;
  }
  run_follow(r, p, t, dt, level);
  if (t - *r.start < p->shift_acceptance)
    return false;
  double moved = (*r.recent - *r.base) * (residual > 0 ? 1.0 : -1.0);
  if (moved > STILL_MOVING_Z * scale) {
    run_begin(r, t, level);
    return false;
  }
  *r.start = *r.base = *r.recent = NAN;
  return true;
}

static void recentre(ad_season_t *s) {
  double day_mean = 0.0, week_mean = 0.0;
  for (int i = 0; i < AD_SEASON_DAY_BINS; i++)
    day_mean += s->day[i];
  for (int i = 0; i < AD_SEASON_WEEK_BINS; i++)
    week_mean += s->week[i];
  day_mean /= AD_SEASON_DAY_BINS;
  week_mean /= AD_SEASON_WEEK_BINS;
  for (int i = 0; i < AD_SEASON_DAY_BINS; i++)
    s->day[i] = ad_float(s->day[i] - day_mean);
  for (int i = 0; i < AD_SEASON_WEEK_BINS; i++)
    s->week[i] = ad_float(s->week[i] - week_mean);
  s->level += day_mean + week_mean;
}

/* A residual as the error trackers take it: beyond ABSURD_SCALES of unit
 * (the larger of the scales and the level's own size) no metric's noise
 * goes, but a counter's wrap read as a rate does (3e17 on a series of 20):
 * it counts as TRACK_CLIP units. Anything less counts whole, so that a
 * quiet series learns from its first blips (thousands of its scales). */
static double tamed(double r, double unit) {
  return fabs(r) > ABSURD_SCALES * unit ? clip(r, TRACK_CLIP * unit) : r;
}

/* Error trackers decide whether the profiles are worth using; they start
 * as running averages so that the first hours already count. Past the
 * warm-up they take residuals up to TRACK_CLIP of their scales. */
static void track_errors(ad_season_t *s, const ad_season_params_t *p, double t,
                         double dt, double r_plain, double r_full,
                         double plain_scale, double seasonal) {
  double a_err = dt / ad_fmax(ad_fmin(ERROR_MEMORY, t - s->first_time), dt);
  double a_mse = dt / ad_fmax(ad_fmin(USEFUL_MEMORY, t - s->first_time), dt);
  if (s->seen >= p->warmup) {
    double unit = ad_fmax(ad_fmax(seasonal, plain_scale), fabs(s->plain));
    r_plain = tamed(r_plain, unit);
    r_full = tamed(r_full, unit);
  }
  if (s->seen == 1) {
    s->err_plain = fabs(r_plain);
    s->err_full = fabs(r_full);
    s->mse_plain = r_plain * r_plain;
    s->mse_full = r_full * r_full;
  } else if (s->seen > 1) {
    s->err_plain += a_err * (fabs(r_plain) - s->err_plain);
    s->err_full += a_err * (fabs(r_full) - s->err_full);
    s->mse_plain += a_mse * (r_plain * r_plain - s->mse_plain);
    s->mse_full += a_mse * (r_full * r_full - s->mse_full);
  }
}

/* The daily and weekly profiles learn residual r at bins day and week, per
 * second of data: early on as a running average over the periods seen,
 * later with a memory of day_memory / week_memory. */
static void learn_profiles(ad_season_t *s, const ad_season_params_t *p,
                           double t, double dt, bin_pos_t day, bin_pos_t week,
                           double r) {
  double days = (t - s->first_time) / AD_DAY, weeks = days / 7.0;
  double a_day = ad_fmin(dt, DAY_BIN) /
                 (DAY_BIN * ad_fmin(p->day_memory, ad_fmax(1.0, days)));
  double a_week = ad_fmin(dt, WEEK_BIN) /
                  (WEEK_BIN * ad_fmin(p->week_memory, ad_fmax(1.0, weeks)));
  bin_learn(s->day, day, ad_fmin(a_day, 0.5), r);
  bin_learn(s->week, week, ad_fmin(a_week, 0.5), r);
  /* Keep the profiles zero-mean, their average belongs to the level: once
   * an hour of data, which keeps this O(1) amortised. */
  if (floor(t / 3600.0) != floor((t - dt) / 3600.0))
    recentre(s);
}

/* The seasonal model's residual scale, by half hour (at) and overall,
 * learns the residual r_full, bounded by a few seasonal scales. */
static void learn_scale(ad_season_t *s, const ad_season_params_t *p, double t,
                        double dt, bin_pos_t at, double r_full, double seasonal,
                        double weight) {
  double spread = ad_fmin(fabs(r_full), 3.0 * LEARN_CLIP * seasonal);
  double a_scale =
      weight * ad_fmin(dt, SCALE_BIN) / (SCALE_BIN * p->day_memory);
  if (s->seen == 1) {
    s->scale = spread;
    for (int i = 0; i < AD_SEASON_SCALE_BINS; i++)
      s->day_scale[i] = ad_float(spread);
  } else if (s->seen > 1) {
    bin_learn(s->day_scale, at, ad_fmin(a_scale, 0.5),
              spread - bin_read(s->day_scale, at));
    /* interpolated learning can take a bin below zero: a scale is not */
    s->day_scale[at.i0] = fmaxf(s->day_scale[at.i0], 0.0f);
    s->day_scale[at.i1] = fmaxf(s->day_scale[at.i1], 0.0f);
    s->scale += weight * dt /
                ad_fmax(ad_fmin(ERROR_MEMORY, t - s->first_time), dt) *
                (spread - s->scale);
  }
}

/* A new normal: the plain forecaster takes over a shift that has held.
 * The seasonal level does not jump: a weekend or a daily pattern would
 * look like shift after shift and never be learned. After a real shift
 * the plain forecast does better, and the blend moves to it (see
 * ad_season_day_weight) until the seasonal level has caught up. */
static void take_shifts(ad_season_t *s, const ad_season_params_t *p, double t,
                        double dt, double x, double r_plain, double r_full,
                        double plain_scale, double seasonal) {
  shift_run_t plain_run = {&s->plain_shift_start, &s->plain_shift_last,
                           &s->plain_shift_base, &s->plain_shift_recent};
  shift_run_t seasonal_run = {&s->shift_start, &s->shift_last, &s->shift_base,
                              &s->shift_recent};
  bool plain_shift = shift_held(plain_run, p, t, dt, r_plain, x, plain_scale);
  double plain_before = s->plain;
  if (plain_shift)
    s->plain += r_plain;
  /* What is news for the operator: the forecast in use was off, one-sided,
   * for shift_acceptance, and is now moved to the new level. For a series
   * the profiles carry, a shift of the plain forecaster is just its daily
   * pattern; there it is the seasonal forecast's own run that counts. */
  bool seasonal_shift =
      shift_held(seasonal_run, p, t, dt, r_full, r_full, seasonal);
  if (s->seasonal_mode ? seasonal_shift : plain_shift) {
    s->shift_from = s->seasonal_mode ? x - r_full : plain_before;
    s->shift_to = s->seasonal_mode ? x : s->plain;
    s->shifts++;
  }
}

static void learn(ad_season_t *s, const ad_season_params_t *p, double t,
                  const season_at_t *pos, double x, double weight,
                  double resolution) {
  double dt = isnan(s->last_time) ? 0.0 : ad_fmin(t - s->last_time, AD_DAY);
  if (s->seen == 0) {
    s->level = s->plain = x;
    s->first_time = t;
  }
  bin_pos_t day = pos->day, week = pos->week, at = pos->scale;
  double r_plain = x - s->plain;
  double r_full =
      x - (s->level + bin_read(s->day, day) + bin_read(s->week, week));
  double plain_scale = ad_fmax(
      MAD_TO_SIGMA * ad_fmax(s->err_plain, scale_floor(s->plain)), resolution);
  double seasonal = ad_fmax(MAD_TO_SIGMA * seasonal_scale(s, at), resolution);
  track_errors(s, p, t, dt, r_plain, r_full, plain_scale, seasonal);

  /* Outliers teach little: residuals are clipped at a few scales; while the
   * profile is still untrusted, much later (it has to learn the pattern,
   * which at first looks like nothing but outliers). */
  double wd = ad_season_day_weight(s);
  double untrusted = UNTRUSTED_CLIP * ad_fmax(plain_scale, seasonal);
  double r =
      clip(r_full, wd > 0.0 ? ad_fmin(LEARN_CLIP * seasonal / wd, untrusted)
                            : untrusted);
  double rp = weight * clip(r_plain, LEARN_CLIP * plain_scale);
  /* The seasonal model's level moves slowly (at least a day) so that the
   * profiles carry the daily cycle; the plain forecaster follows LevelTime. */
  s->level +=
      (1.0 - exp(-dt / ad_fmax(p->level_time, SEASONAL_LEVEL_MIN_TIME))) *
      weight * r;
  s->plain += (1.0 - exp(-dt / p->level_time)) * rp;
  /* The profiles learn the clipped residual whole, even in an incident: a
   * job that runs at the same hour again is to be expected from its second
   * run on, which a weighted lesson would put off by weeks; their clip
   * bounds what one incident leaves in them. */
  learn_profiles(s, p, t, dt, day, week, r);
  learn_scale(s, p, t, dt, at, r_full, seasonal, weight);
  take_shifts(s, p, t, dt, x, r_plain, r_full, plain_scale, seasonal);
}

void ad_season_update(ad_season_t *s, const ad_season_params_t *p, double t,
                      double x, double band_z, const ad_learn_t *learning,
                      ad_detector_output_t *out) {
  *out = AD_DETECTOR_OUTPUT_NONE;
  double expected, scale;
  season_at_t at = season_at(t);
  bool have = s->seen > 0;
  if (have) {
    forecast_at(s, &at, &expected, &scale);
    scale = ad_fmax(scale, learning->resolution);
    out->expected = expected;
    out->lower = expected - band_z * scale;
    out->upper = expected + band_z * scale;
    out->scale = scale;
  }
  x = ad_value_bounded(x);
  if (isnan(x))
    return;
  if (!isnan(s->last_time) && !(t > s->last_time))
    return; /* out of order: not learned, not scored */
  if (have && s->seen >= p->warmup) {
    double residual = x - expected;
    out->deviation = fabs(residual) / scale;
    double trust = ad_fmax(ad_season_day_weight(s), 0.0);
    out->confidence =
        ad_fmin(1.0, (double)s->seen / (4.0 * p->warmup)) * (0.5 + 0.5 * trust);
  }
  learn(s, p, t, &at, x, learning->weight, learning->resolution);
  s->last_time = t;
  bool seasonal_mode = ad_season_day_weight(s) >= 0.5;
  if (seasonal_mode != s->seasonal_mode) {
    s->seasonal_mode = seasonal_mode;
    s->mode_changes++;
  }
  if (s->seen < UINT32_MAX)
    s->seen++;
}

/* True when every one of the n values at v is within +-limit. */
static bool all_within(const float *v, int n, double limit) {
  for (int i = 0; i < n; i++)
    if (!(fabs(v[i]) <= limit))
      return false;
  return true;
}

const char *ad_season_invalid(const ad_season_t *s) {
  if (!(s->scale >= 0) || !(s->err_plain >= 0) || !(s->err_full >= 0) ||
      !(s->mse_plain >= 0) || !(s->mse_full >= 0))
    return "a scale or error is negative";
  const double limit = AD_STATE_LIMIT;
  if (!(fabs(s->level) <= limit) || !(fabs(s->plain) <= limit) ||
      !(s->scale <= limit) || !(s->err_plain <= limit) ||
      !(s->err_full <= limit) || !(s->mse_plain <= limit * limit) ||
      !(s->mse_full <= limit * limit) || fabs(s->shift_from) > limit ||
      fabs(s->shift_to) > limit || fabs(s->shift_last) > limit ||
      fabs(s->plain_shift_last) > limit)
    return "a level or scale beyond any value";
  if (!all_within(s->day, AD_SEASON_DAY_BINS, limit) ||
      !all_within(s->week, AD_SEASON_WEEK_BINS, limit) ||
      !all_within(s->day_scale, AD_SEASON_SCALE_BINS, limit))
    return "a profile beyond any value";
  if (s->seen > 0 && (isnan(s->first_time) || isnan(s->last_time) ||
                      !(s->first_time <= s->last_time)))
    return "first_time or last_time: out of order";
  for (int i = 0; i < AD_SEASON_SCALE_BINS; i++)
    if (!(s->day_scale[i] >= 0))
      return "day_scale: negative";
  return NULL;
}

/* Clips every bin of v (n bins) to +-limit. */
static void clip_bins(float *v, int n, double limit) {
  for (int i = 0; i < n; i++)
    v[i] = ad_float(clip(v[i], limit));
}

void ad_season_settle(ad_season_t *s, double level, double deviation) {
  double unit = ad_fmax(deviation, scale_floor(level));
  double bound = SETTLE_SCALES * unit, sq = MAD_TO_SIGMA * deviation;
  if (fabs(s->level - level) > bound)
    s->level = level;
  if (fabs(s->plain - level) > bound)
    s->plain = level;
  if (s->err_plain > bound)
    s->err_plain = deviation;
  if (s->err_full > bound)
    s->err_full = deviation;
  if (s->scale > bound)
    s->scale = deviation;
  if (s->mse_plain > bound * bound)
    s->mse_plain = sq * sq;
  if (s->mse_full > bound * bound)
    s->mse_full = sq * sq;
  for (int i = 0; i < AD_SEASON_SCALE_BINS; i++)
    if (s->day_scale[i] > bound)
      s->day_scale[i] = ad_float(deviation);
  clip_bins(s->day, AD_SEASON_DAY_BINS, bound);
  clip_bins(s->week, AD_SEASON_WEEK_BINS, bound);
}
