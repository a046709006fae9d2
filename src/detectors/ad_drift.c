/* ad_drift: the slow trend of a series (see header). */
#include "detectors/ad_drift.h"
#include "detectors/ad_detector.h"

#include <math.h>
#include <stddef.h>

/* The noises learn as running means over their first buckets, then with
 * a memory of a day of quarter hours. */
#define NOISE_MEMORY 96.0

/* No noise below this share of the level: a byte counter of 1e11 whose
 * quarter-hour means land on the same value still has a noise. */
#define RELATIVE_FLOOR 1e-9

void ad_drift_init(ad_drift_t *d) {
  ad_trend_init(&d->fit);
  d->first = d->open_start = NAN;
  d->open_sum = d->open_base = d->open_time_sum = 0.0;
  d->open_count = 0;
  d->buckets = 0;
  d->prev = NAN;
  d->noise = d->jitter = 0.0;
  d->pending = d->pending_time = NAN;
  d->steps = d->dropped = 0;
  d->err_flat = d->err_shaped = 0.0;
  d->fitted = d->restarts = 0;
  d->removed = 0.0;
  d->flat_share = 0.0f;
  d->open_varied = false;
  d->run = 0;
  d->run_sign = 0;
}

/* The shape is taken off in the share by which it has lately beaten the
 * buckets without it in root mean square: whole once it takes a fifth off
 * their residual. */
#define SHAPE_GAIN 0.2

double ad_drift_shape_weight(const ad_drift_t *d) {
  if (!(d->err_flat > 0))
    return 0.0;
  double flat = sqrt(d->err_flat), shaped = sqrt(d->err_shaped);
  double gain = (flat - shaped) / (SHAPE_GAIN * flat);
  return gain < 0 ? 0.0 : gain > 1 ? 1.0 : gain;
}

static void open_bucket(ad_drift_t *d, double time, double x) {
  d->open_start = floor(time / AD_DRIFT_BUCKET) * AD_DRIFT_BUCKET;
  d->open_base = x;
  d->open_sum = d->open_time_sum = 0.0;
  d->open_count = 0;
  d->open_varied = false;
}

bool ad_drift_add(ad_drift_t *d, double time, double x,
                  ad_drift_bucket_t *closed) {
  x = ad_value_bounded(x);
  if (isnan(x) || !isfinite(time) ||
      (!isnan(d->open_start) && !(time > d->open_start)))
    return false;
  bool done = false;
  if (!isnan(d->open_start) && time >= d->open_start + AD_DRIFT_BUCKET) {
    if (d->open_count > 0) {
      closed->mean = d->open_base + d->open_sum / d->open_count;
      closed->time = d->open_start + d->open_time_sum / d->open_count;
      done = true;
      double rate = 1.0 / ad_fmin((double)d->buckets + 1.0, NOISE_MEMORY);
      d->flat_share +=
          (float)(rate * ((d->open_varied ? 0.0 : 1.0) - d->flat_share));
    }
    d->open_start = NAN;
  }
  if (isnan(d->open_start))
    open_bucket(d, time, x);
  d->open_varied |= x != d->open_base;
  d->open_sum += x - d->open_base;
  d->open_time_sum += time - d->open_start;
  if (d->open_count < UINT32_MAX)
    d->open_count++;
  return done;
}

/* Where the line puts data time t (NaN: no line yet). */
static double line_at(const ad_drift_t *d, double t) {
  double level, slope;
  if (!ad_trend_level_slope(&d->fit, &level, &slope))
    return d->prev;
  return level + slope * (t - d->fit.last);
}

static double slope_of(const ad_drift_t *d) {
  double level, slope;
  return ad_trend_level_slope(&d->fit, &level, &slope) ? slope : 0.0;
}

static void learn_noise(double *noise, double deviation, uint32_t n) {
  double rate = 1.0 / ad_fmin((double)n + 1.0, NOISE_MEMORY);
  *noise += rate * (ad_fmin(fabs(deviation), 1e300) - *noise);
}

/* Fits one bucket, clipped to AD_DRIFT_CLIP noises from the line. */
static void fit_bucket(ad_drift_t *d, double time, double x, double floor) {
  double expected = line_at(d, time);
  double noise = ad_fmax(ad_fmax(d->noise, floor), RELATIVE_FLOOR * fabs(x));
  bool settled = d->fitted >= AD_DRIFT_MIN_BUCKETS;
  /* the noises learn from a settled line, and from the very first
   * buckets (a line started afresh keeps the ones it had: a young line
   * is no measure of them) */
  bool young = d->buckets < AD_DRIFT_MIN_BUCKETS;
  if (!isnan(expected) && (settled || young))
    learn_noise(&d->noise,
                settled ? ad_fmin(fabs(x - expected), 3.0 * noise)
                        : x - expected,
                d->buckets);
  if (!isnan(d->prev) && (settled || young)) {
    double jump = x - d->prev - slope_of(d) * (time - d->fit.last);
    learn_noise(&d->jitter, jump, d->buckets);
  }
  ad_trend_learn(&d->fit, AD_DRIFT_TIME, time, x,
                 settled ? AD_DRIFT_CLIP * noise : 0.0);
  d->prev = x;
  if (d->buckets < UINT32_MAX)
    d->buckets++;
  if (d->fitted < UINT32_MAX)
    d->fitted++;
}

/* A run of AD_DRIFT_RUN buckets AD_DRIFT_STEP noises off, all on one side: the
 * line no longer describes the series (a runaway log, a new job filling
 * the disk): it starts afresh from here, learning unclipped until it has
 * AD_DRIFT_MIN_BUCKETS again. True when it did. */
static bool restart_on_run(ad_drift_t *d, double time, double x, double floor) {
  double expected = line_at(d, time);
  double noise = ad_fmax(ad_fmax(d->noise, floor), RELATIVE_FLOOR * fabs(x));
  double r = isnan(expected) ? 0.0 : x - expected;
  double far = AD_DRIFT_STEP * noise;
  int sign = r > far ? 1 : r < -far ? -1 : 0;
  /* not before a day of buckets: until the seasonal shape is known a
   * daily cycle runs off any line for hours */
  bool known = d->buckets >= AD_DRIFT_TIME / AD_DRIFT_BUCKET;
  if (d->fitted < AD_DRIFT_MIN_BUCKETS || !known || sign == 0 ||
      sign != d->run_sign) {
    d->run_sign = (int8_t)sign;
    d->run = sign != 0 && d->fitted >= AD_DRIFT_MIN_BUCKETS;
    return false;
  }
  if (++d->run < AD_DRIFT_RUN)
    return false;
  ad_trend_init(&d->fit);
  d->fitted = 0;
  d->run = 0;
  d->run_sign = 0;
  d->pending = NAN;
  if (d->restarts < UINT32_MAX)
    d->restarts++;
  return true;
}

/* How well the line does with and without the shape (raw bucket x): the
 * residuals bounded at a few noises, so one wild bucket does not decide. */
static void judge_shape(ad_drift_t *d, double time, double x, double shape,
                        double noise) {
  double expected = line_at(d, time);
  if (isnan(expected) || !isfinite(shape))
    return;
  double limit = 3.0 * AD_DRIFT_CLIP * noise;
  double flat = ad_fmin(fabs(x - expected), limit);
  double shaped = ad_fmin(fabs(x - shape - expected), limit);
  double rate = 1.0 / ad_fmin((double)d->buckets + 1.0, NOISE_MEMORY);
  d->err_flat += rate * (flat * flat - d->err_flat);
  d->err_shaped += rate * (shaped * shaped - d->err_shaped);
}

void ad_drift_learn(ad_drift_t *d, double time, double x, double shape,
                    double floor) {
  x = ad_value_bounded(x);
  if (isnan(x) || !isfinite(time) ||
      (!isnan(d->fit.last) && !(time > d->fit.last)))
    return;
  if (isnan(d->first))
    d->first = time;
  if (!isnan(d->fit.last))
    d->removed *= exp(-(time - d->fit.last) / AD_DRIFT_REMOVED_TIME);
  shape = isfinite(shape) ? shape : 0.0;
  /* the line is the level under the shape, whatever share of it was
   * taken off so far: x is judged against it with and without the shape */
  judge_shape(d, time, x, shape,
              ad_fmax(ad_fmax(d->noise, floor), RELATIVE_FLOOR * fabs(x)));
  x -= ad_drift_shape_weight(d) * shape;
  double jitter = ad_fmax(ad_fmax(d->jitter, floor), RELATIVE_FLOOR * fabs(x));
  double limit = AD_DRIFT_STEP * jitter;
  if (!isnan(d->pending)) {
    double from_pending =
        x - d->pending - slope_of(d) * (time - d->pending_time);
    if (fabs(from_pending) <= limit) {
      /* the jump held: a new level, the slope goes on from there */
      double jump = d->pending - line_at(d, d->pending_time);
      ad_trend_offset(&d->fit, jump);
      if (jump < 0) /* what cleanups take away, on average */
        d->removed += jump;
      d->prev += jump;
      if (d->steps < UINT32_MAX)
        d->steps++;
      fit_bucket(d, d->pending_time, d->pending, floor);
    } else if (d->dropped < UINT32_MAX) {
      d->dropped++; /* it came back, or jumped again: not a level */
    }
    d->pending = NAN;
  }
  if (restart_on_run(d, time, x, floor)) {
    fit_bucket(d, time, x, floor);
    return;
  }
  bool settled = d->fitted >= AD_DRIFT_MIN_BUCKETS;
  double jump =
      isnan(d->prev) ? 0.0 : x - d->prev - slope_of(d) * (time - d->fit.last);
  if (settled && fabs(jump) > limit) {
    d->pending = x;
    d->pending_time = time;
    return;
  }
  fit_bucket(d, time, x, floor);
}

/* How many independent buckets the line's weight is worth: residuals that
 * move slowly from bucket to bucket (a daily cycle not taken off, a level
 * that wanders) say less than as many independent ones. From the
 * Durbin-Watson ratio, read off the noises: jitter (the residuals'
 * bucket-to-bucket change) squared against noise (their size) squared, 2
 * for independent residuals, near 0 for smooth ones; the weight times
 * DW / (4 - DW) is what an AR(1) of that ratio is worth. */
static double independent(const ad_drift_t *d) {
  double dw =
      d->noise > 0 ? d->jitter * d->jitter / (d->noise * d->noise) : 2.0;
  dw = ad_fmin(dw, 2.0);
  return ad_fmax(d->fit.weight * dw / (4.0 - dw), 1.0);
}

bool ad_drift_estimate(const ad_drift_t *d, ad_drift_estimate_t *e) {
  *e = (ad_drift_estimate_t){.time = NAN,
                             .level = NAN,
                             .slope = NAN,
                             .slope_se = NAN,
                             .net_slope = NAN,
                             .noise = NAN,
                             .jitter = NAN};
  ad_trend_line_t line;
  if (d->fitted < AD_DRIFT_MIN_BUCKETS || !ad_trend_line(&d->fit, &line))
    return false;
  e->time = d->fit.last;
  e->level = line.level;
  e->slope = line.slope;
  /* the steps' sum over the time it has had to gather them (a young
   * drift has not seen a whole memory's cleanups) */
  double gathered = AD_DRIFT_REMOVED_TIME *
                    (1.0 - exp(-fmax(d->fit.last - d->first, AD_DRIFT_BUCKET) /
                               AD_DRIFT_REMOVED_TIME));
  e->net_slope = line.slope + d->removed / gathered;
  e->noise = d->noise;
  e->jitter = d->jitter;
  e->shape = ad_drift_shape_weight(d);
  /* the spread of the buckets about the line, or their noise when the
   * clip kept the fit tighter than the buckets are */
  double spread = ad_fmax(line.residual, d->noise);
  e->slope_se =
      line.span > 0 ? spread / (line.span * sqrt(independent(d))) : INFINITY;
  /* a slope its buckets' scatter does not explain (counted as the
   * independent buckets it is worth: a wandering level, whose neighbouring
   * buckets are alike, is worth few), and never in a series' first day:
   * its daily cycle is not known yet, and a morning's rise looks like a
   * runaway; trusted with a day's worth of times to lean on (the spread
   * of a day filled evenly) */
  e->span = line.span * sqrt(12.0);
  bool seen_a_day = d->buckets >= AD_DRIFT_TIME / AD_DRIFT_BUCKET;
  e->significant = seen_a_day && fabs(line.slope) > AD_DRIFT_Z * e->slope_se;
  e->trusted = e->significant && e->span >= AD_DRIFT_TIME;
  return true;
}

const char *ad_drift_invalid(const ad_drift_t *d) {
  const char *fit = ad_trend_invalid(&d->fit);
  if (fit != NULL)
    return fit;
  if (!isfinite(d->open_sum) || !isfinite(d->open_base) ||
      !isfinite(d->open_time_sum) || !(d->noise >= 0) || !isfinite(d->noise) ||
      !(d->jitter >= 0) || !isfinite(d->jitter) || isinf(d->prev) ||
      isinf(d->pending) || isinf(d->first) || isinf(d->open_start) ||
      isinf(d->pending_time) || !(d->removed <= 0) || !isfinite(d->removed) ||
      !(d->err_flat >= 0) || !isfinite(d->err_flat) || !(d->err_shaped >= 0) ||
      !isfinite(d->err_shaped) || !(d->flat_share >= 0) ||
      !(d->flat_share <= 1))
    return "drift: a number out of range";
  if (d->fitted > d->buckets || d->run_sign < -1 || d->run_sign > 1)
    return "drift: counts that do not go together";
  if (d->open_time_sum < 0 ||
      (d->open_count > 0 &&
       (isnan(d->open_start) ||
        d->open_time_sum > AD_DRIFT_BUCKET * d->open_count)))
    return "drift: an open bucket that does not add up";
  return NULL;
}
