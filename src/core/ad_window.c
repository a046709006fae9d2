/* ad_window: sliding window + EMA detector (see header for the model). */
#include "ad_window.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>

/* Residuals are clipped at this many deviations before they update the
 * baseline: the Huber trick that keeps one spike from dragging it along. */
#define CLIP_DEVIATIONS 3.0
#define SPREAD_CLIP_DEVIATIONS 10.0
#define DEVIATION_SPAN_FACTOR 4.0
/* The unclipped spread learns this much slower still, and floors the scale
 * at SPREAD_FLOOR of itself: a series that is zero for hours between bursts
 * must not end up with a scale of nothing. */
#define SPREAD_SPAN_FACTOR 16.0
#define SPREAD_FLOOR 0.1
/* Mean absolute deviation -> standard deviation for Gaussian noise. */
#define MAD_TO_SIGMA 1.2533141373155003
int ad_window_params_valid(const ad_window_params_t *p) {
  if (p->window < 2 || p->window > AD_WINDOW_MAX)
    return EINVAL;
  if (p->span < 2)
    return EINVAL;
  if (p->warmup < p->window)
    return EINVAL;
  return 0;
}

void ad_window_init(ad_window_t *w) { *w = (ad_window_t){0}; }

/* A scale floor for series that have been (nearly) constant, so that their
 * first movement is large but finite, and exact zeros stay quiet. */
static double scale_floor(double mean) { return 1e-3 * fmax(fabs(mean), 1e-3); }

static void ring_push(ad_window_t *w, unsigned window, double x) {
  if (w->fill == window) {
    w->ring_sum -= w->ring[w->head];
  } else {
    w->fill++;
  }
  w->ring[w->head] = (float)x;
  w->ring_sum += (float)x;
  w->head = (uint16_t)((w->head + 1) % window);
  /* Re-add the ring once per turn so rounding cannot accumulate: O(1)
   * amortised. */
  if (w->head == 0) {
    double sum = 0.0;
    for (unsigned i = 0; i < w->fill; i++)
      sum += w->ring[i];
    w->ring_sum = sum;
  }
}

/* Counts the run of values beyond the clip on one side of the mean. */
static void run_update(ad_window_t *w, double x, double clip) {
  int side = x > w->mean + clip ? 1 : x < w->mean - clip ? -1 : 0;
  if (side == 0 || (w->run > 0) != (side > 0)) {
    w->run = 0;
    w->run_sum = 0.0;
  }
  if (side != 0) {
    w->run = (int16_t)(w->run + side);
    w->run_sum += x;
  }
}

/* The run has lasted a whole window: the baseline moves to the run's mean
 * and the window restarts from there, so the shift is scored for one window
 * and then accepted. The deviation is kept: the noise around the new level
 * is judged on the old level's scale until it shows its own. */
static void accept_shift(ad_window_t *w) {
  w->mean = w->run_sum / abs(w->run);
  for (unsigned i = 0; i < w->fill; i++)
    w->ring[i] = (float)w->mean;
  w->ring_sum = w->fill * (double)(float)w->mean;
  w->run = 0;
  w->run_sum = 0.0;
}

static void absorb(ad_window_t *w, const ad_window_params_t *p, double x,
                   double sigma) {
  /* During warm-up the mean is a plain running mean so that it converges
   * fast; afterwards it is an EMA with clipped residuals. */
  double alpha = 2.0 / (p->span + 1.0);
  if (w->seen < p->warmup) {
    double cumulative = 1.0 / (w->seen + 1.0);
    if (cumulative > alpha)
      alpha = cumulative;
  }
  double residual = x - w->mean;
  double spread = fabs(residual);
  if (w->seen >= p->warmup) {
    run_update(w, x, CLIP_DEVIATIONS * sigma);
    /* The mean takes residuals clipped at a few deviations (one spike barely
     * moves it); the deviation takes them clipped much later, so a series
     * whose normal life is bursty learns that bursts are ordinary. */
    residual =
        fmax(-CLIP_DEVIATIONS * sigma, fmin(CLIP_DEVIATIONS * sigma, residual));
    spread = fmin(spread, SPREAD_CLIP_DEVIATIONS * sigma);
  }
  w->mean += alpha * residual;
  if (w->run != 0 && abs(w->run) >= (int)p->window)
    accept_shift(w);
  /* The deviation learns four times slower than the mean: a scale estimate
   * from few values is noisy, and an underestimated scale is what turns
   * ordinary noise into false alarms. */
  double deviation_alpha =
      w->seen < p->warmup ? alpha : alpha / DEVIATION_SPAN_FACTOR;
  if (w->seen > 0) {
    w->deviation += deviation_alpha * (spread - w->deviation);
    double spread_alpha =
        w->seen < p->warmup ? alpha : alpha / SPREAD_SPAN_FACTOR;
    w->spread += spread_alpha * (fabs(x - w->mean) - w->spread);
  }
  if (w->seen < UINT32_MAX)
    w->seen++;
}

/* Scores the two further views, then moves the records. */
static void views_update(ad_window_t *w, const ad_window_params_t *p, double x,
                         double sigma, double record_memory,
                         ad_window_views_t *views) {
  if (w->seen == 0) {
    w->record_max = w->record_min = x;
    w->recent = 0.0;
  }
  double alpha = 2.0 / (p->window + 1.0);
  w->recent += alpha * (fabs(x - w->mean) - w->recent);
  if (w->seen >= p->warmup) {
    double range = fmax(w->record_max - w->record_min, sigma);
    double beyond = fmax(x - w->record_max, w->record_min - x);
    views->record = fmax(beyond, 0.0) / range;
    /* Spreads compared with a floor of a tenth of the scale, so that two
     * flat stretches are not an infinite ratio. */
    double floor = 0.1 * sigma / MAD_TO_SIGMA;
    views->dispersion = fabs(log((w->recent + floor) / (w->deviation + floor)));
  }
  /* The records relax toward the mean by 1/record_memory of their distance
   * per value. */
  double relax = 1.0 / fmax(record_memory, 16.0);
  w->record_max = fmax(x, w->record_max - relax * (w->record_max - w->mean));
  w->record_min = fmin(x, w->record_min + relax * (w->mean - w->record_min));
}

void ad_window_update(ad_window_t *w, const ad_window_params_t *p, double x,
                      double band_z, double record_memory,
                      ad_detector_output_t *out, ad_window_views_t *views) {
  *out = AD_DETECTOR_OUTPUT_NONE;
  *views = (ad_window_views_t){.record = NAN, .dispersion = NAN};
  if (isnan(x) || isinf(x))
    return;
  if (w->seen == 0)
    w->mean = x;
  double sigma =
      fmax(MAD_TO_SIGMA * fmax(w->deviation, SPREAD_FLOOR * w->spread),
           scale_floor(w->mean));
  /* The window holds winsorised values: a lone spike adds at most a few
   * deviations to the window mean, so it alarms once, not for a whole
   * window; a lasting shift still moves the window mean fully. */
  double clip = CLIP_DEVIATIONS * sigma;
  ring_push(w, p->window,
            w->seen >= p->warmup ? fmax(w->mean - clip, fmin(w->mean + clip, x))
                                 : x);
  if (w->seen >= p->warmup) {
    double z_point = fabs(x - w->mean) / sigma;
    /* The window mean's own noise is sigma / sqrt(n); the extra factor 2
     * allows for the autocorrelation real metrics have. */
    double window_mean = w->ring_sum / w->fill;
    double z_window =
        fabs(window_mean - w->mean) / (2.0 * sigma / sqrt((double)w->fill));
    double band = band_z * sigma;
    *out = (ad_detector_output_t){
        .deviation = fmax(z_point, z_window),
        .surprise = NAN,
        .score = NAN,
        .confidence = 1.0 - exp(-(double)(w->seen - p->warmup + 1) / p->span),
        .expected = w->mean,
        .lower = w->mean - band,
        .upper = w->mean + band,
        .scale = sigma,
    };
  }
  views_update(w, p, x, sigma, record_memory, views);
  absorb(w, p, x, sigma);
}
