/* ad_season: the seasonal forecaster, second member of the ensemble (the role
 * Prophet plays in the seed documents), online and in bounded state.
 *
 * Model, additive, learned from timestamps:
 *
 *   expected(t) = level(t) + day(time of day of t) + week(hour of week of t)
 *
 *  - level: the deseasonalised level, a slow exponential average in time (at
 *    least a week, so that it does not swallow the daily cycle). It does not
 *    jump: a weekend or a daily pattern would look like shift after shift.
 *  - day: 96 quarter-hour bins; week: 168 hour bins on top of it (what is
 *    special about Monday 11:00 beyond any 11:00), learned from the first
 *    week on with a memory of WeeklyMemory weeks, so a weekly job is
 *    expected from its first recurrence. The weekly term counts only where
 *    it stands out from the residual noise (one week's noise in a bin is
 *    not a pattern). Bins are read and learned with linear interpolation
 *    between neighbours, so curves stay smooth; learning rates are per
 *    second of data, so 1 s and 1 h intervals learn at the same pace in
 *    days, and gaps are harmless.
 *  - scale: the mean absolute residual per half hour of day, so a value
 *    that is ordinary in the noisy afternoon can be anomalous at 03:00.
 *
 * Beside it runs a plain forecaster: an exponential average over LevelTime
 * that takes over a level shift once it has held for ShiftAcceptance (a new
 * normal after a deploy, accepted within the hour, not after weeks of
 * alarms); a run that is still moving when it has held that long (a leak,
 * a filling disk) is a climb, not a new level: it is watched for another
 * ShiftAcceptance instead, and only a level that has stopped moving is
 * taken over. The seasonal terms are used only once they have earned it: a
 * profile is trusted from one period of data, fully after two, and only
 * while the seasonal forecast beats the plain one on root mean square error
 * over the last week; until then (and after a shift, until the seasonal
 * level has caught up) the forecast is the plain one, and the confidence
 * says so. mode_changes counts the switches, for callers that calibrate
 * the deviations. While a profile is not trusted yet it learns from
 * unclipped residuals, so a strong pattern is learned in days rather than
 * resisted as an outlier; afterwards residuals are clipped at a few scales,
 * so an anomaly does not become part of the profile it is judged against.
 *
 * Score: the raw deviation |value - expected| / scale, for the series to
 * calibrate (ad_calib), as out->deviation; plus expected value and band.
 * About 1.6 KB per series. */
#ifndef AD_SEASON_H
#define AD_SEASON_H

#include "detectors/ad_detector.h"

#include <stdbool.h>
#include <stdint.h>

#define AD_SEASON_DAY_BINS 96   /* quarter hours */
#define AD_SEASON_SCALE_BINS 48 /* half hours: the noise changes slowly */
#define AD_SEASON_WEEK_BINS 168 /* hours */

typedef struct {
  double level_time;       /* seconds: time constant of the level */
  double shift_acceptance; /* seconds a shift must hold to be taken over */
  double day_memory;       /* days the daily profile remembers */
  double week_memory;      /* weeks the weekly profile remembers */
  unsigned warmup;         /* values before the first score */
} ad_season_params_t;

typedef struct {
  double first_time;  /* data time of the first value */
  double last_time;   /* data time of the last value */
  double level;       /* deseasonalised level */
  double plain;       /* level-only forecaster (the comparison) */
  double scale;       /* mean absolute residual, all hours */
  double err_plain;   /* recent mean |residual| of the level-only forecast */
  double err_full;    /* recent mean |residual| of the seasonal forecast */
  double mse_plain;   /* recent mean squared residual, level-only */
  double mse_full;    /* recent mean squared residual, seasonal */
  double shift_start; /* run of one-sided seasonal residuals: start */
  double shift_last;  /* the run's previous residual */
  double plain_shift_start; /* the same for the plain forecaster */
  double plain_shift_last;
  double shift_base;       /* where the run was in its first quarter */
  double shift_recent;     /* and lately: a run still moving is a climb */
  double plain_shift_base; /* the same for the plain forecaster */
  double plain_shift_recent;
  uint32_t seen;         /* values learned, saturating */
  uint32_t mode_changes; /* times the forecast switched between the plain
                            and the seasonal forecaster (its deviations then
                            mean something else: callers restart their
                            calibration) */
  bool seasonal_mode;    /* the profiles carry the forecast (weight >= 0.5) */
  uint32_t shifts;       /* level shifts taken as the new normal */
  double shift_from;     /* the last one: the level before... */
  double shift_to;       /* ...and after */
  float day[AD_SEASON_DAY_BINS];
  float day_scale[AD_SEASON_SCALE_BINS];
  float week[AD_SEASON_WEEK_BINS];
} ad_season_t;

/* Resets to "nothing seen". Cannot fail. */
void ad_season_init(ad_season_t *s);

/* Returns 0 when p is usable, EINVAL otherwise. */
int ad_season_params_valid(const ad_season_params_t *p);

/* What is wrong with s, read from a file (NULL: nothing): negative scales
 * or errors, times out of order, a first time missing. Pure. */
const char *ad_season_invalid(const ad_season_t *s);

/* Forecasts the value at data time t and scores x against it
 * (out->deviation: the raw deviation in scale units, NaN while warming up;
 * out->expected, lower, upper: the forecast and its band at band_z scales),
 * then learns x: its levels and scales at the weight `learning` gives
 * (less inside an incident; no scale below learning's resolution), its
 * profiles from the clipped residual, whole, so that a job seen twice is
 * expected (a weighted lesson would put that off by weeks, and the clip
 * bounds what one incident leaves in them); a lasting shift is still taken
 * over (ShiftAcceptance), whatever the weight.
 * A NaN or infinite x only yields the forecast. Times should increase; a
 * value not after the previous one is scored but not learned. */
void ad_season_update(ad_season_t *s, const ad_season_params_t *p, double t,
                      double x, double band_z, const ad_learn_t *learning,
                      ad_detector_output_t *out);

/* Forecast for data time t without learning: expected value and scale.
 * Returns false while nothing has been learned. */
bool ad_season_forecast(const ad_season_t *s, double t, double *expected,
                        double *scale);

/* What the daily and weekly profiles add to the level at data time t, as
 * far as the data's length trusts them (from one period, whole from two),
 * whether or not they beat the plain forecast (on a series with a trend
 * they do not, its level lagging: ad_drift judges the shape itself). Pure. */
double ad_season_profile(const ad_season_t *s, double t);

/* At most how far above the level the profiles take the series at their
 * highest (ad_season_profile's largest, at most: the day's and the week's
 * peaks added, whether or not they coincide), 0 or more. Pure; a loop
 * over the bins. */
double ad_season_profile_peak(const ad_season_t *s);

/* The root mean square of the daily profile and of the weekly terms on
 * top of it, as far as the data's length trusts them (0 before). Pure; a
 * loop over the bins. */
void ad_season_profile_spread(const ad_season_t *s, double *day, double *week);

/* The end of the warm-up, with a robust level and mean absolute deviation
 * of the last values (the sliding window's, ad_window): every estimate
 * further than a few deviations from them (what one wild value during the
 * warm-up did) takes them instead; profile bins are clipped to as much.
 * Estimates within are left as they are. Cannot fail. */
void ad_season_settle(ad_season_t *s, double level, double deviation);

/* Weight (0..1) the daily and weekly profiles currently get. */
double ad_season_day_weight(const ad_season_t *s);
double ad_season_week_weight(const ad_season_t *s);

#endif /* AD_SEASON_H */
