/* ad_window: sliding window + EMA detector (see header for the model). */
#include "detectors/ad_window.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdbool.h>
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
/* Bursts teach the spread up to this many of its scale (see absorb). */
#define BURST_CLIP 1000.0
/* At the end of the warm-up, a value is wild when leaving it out shrinks
 * the warm-up's mean absolute deviation this much; at most WILD_MAX are. */
#define WILD_FACTOR 3.0
#define WILD_MAX 3u
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
static double scale_floor(double mean) {
  return 1e-3 * ad_fmax(fabs(mean), 1e-3);
}

/* Ring slots in use: during the warm-up all of them, so that the warm-up's
 * values can be looked at together when it ends (settle); then the
 * window's. */
static unsigned ring_capacity(const ad_window_t *w,
                              const ad_window_params_t *p) {
  return w->seen < p->warmup ? AD_WINDOW_MAX : p->window;
}

/* The ring's sum, in slot order: ring_sum is always exactly this, so that
 * what is saved is what a load recomputes (a running sum would carry the
 * rounding of values long gone: 1e30 + 10 - 1e30 is 0). */
static double ring_total(const ad_window_t *w) {
  double sum = 0.0;
  for (unsigned i = 0; i < w->fill; i++)
    sum += w->ring[i];
  return sum;
}

static void ring_push(ad_window_t *w, unsigned capacity, double x) {
  if (w->fill < capacity)
    w->fill++;
  w->ring[w->head] = ad_float(x);
  w->head = (uint16_t)((w->head + 1) % capacity);
  w->ring_sum = ring_total(w);
}

/* The ring's values oldest first into v (capacity the ring's); returns
 * how many. */
static unsigned ring_values(const ad_window_t *w, unsigned capacity,
                            double *v) {
  unsigned n = w->fill < capacity ? w->fill : capacity;
  for (unsigned i = 0; i < n; i++)
    v[i] = w->ring[(w->head + capacity - n + i) % capacity];
  return n;
}

/* Refills the ring with the last of the n values v (oldest first) for a
 * ring of `capacity` slots. */
static void ring_refill(ad_window_t *w, unsigned capacity, const double *v,
                        unsigned n) {
  unsigned keep = n < capacity ? n : capacity;
  w->fill = (uint16_t)keep;
  w->head = (uint16_t)(keep % capacity);
  for (unsigned i = 0; i < keep; i++)
    w->ring[i] = ad_float(v[n - keep + i]);
  for (unsigned i = keep; i < AD_WINDOW_MAX; i++)
    w->ring[i] = 0.0f;
  w->ring_sum = ring_total(w);
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
    w->ring[i] = ad_float(w->mean);
  w->ring_sum = ring_total(w);
  w->run = 0;
  w->run_sum = 0.0;
}

/* Mean and mean absolute deviation of the values v[0..n) not excluded. */
static void moments(const double *v, const bool *out, unsigned n, double *mean,
                    double *dev) {
  double sum = 0.0, ad = 0.0;
  unsigned k = 0;
  for (unsigned i = 0; i < n; i++)
    if (!out[i]) {
      sum += v[i];
      k++;
    }
  *mean = k > 0 ? sum / k : 0.0;
  for (unsigned i = 0; i < n; i++)
    if (!out[i])
      ad += fabs(v[i] - *mean);
  *dev = k > 0 ? ad / k : 0.0;
}

/* Marks in out the values that alone make the warm-up look wild: the k
 * farthest (each the farthest from the mean of the rest), for the smallest
 * k up to WILD_MAX whose leaving out shrinks the mean absolute deviation
 * more than WILD_FACTOR-fold. A bursty series' bursts are many: leaving a
 * few out changes little, and nothing is marked. Returns k, or 0. */
static unsigned find_wild(const double *v, unsigned n, bool *out) {
  if (n <= 4 * WILD_MAX)
    return 0;
  double mean, dev;
  moments(v, out, n, &mean, &dev);
  for (unsigned k = 1; k <= WILD_MAX; k++) {
    double rest_mean, rest_dev;
    moments(v, out, n, &rest_mean, &rest_dev);
    unsigned far = n;
    for (unsigned i = 0; i < n; i++)
      if (!out[i] &&
          (far == n || fabs(v[i] - rest_mean) > fabs(v[far] - rest_mean)))
        far = i;
    out[far] = true;
    moments(v, out, n, &rest_mean, &rest_dev);
    if (dev > WILD_FACTOR * ad_fmax(rest_dev, scale_floor(rest_mean)))
      return k;
  }
  for (unsigned i = 0; i < n; i++)
    out[i] = false;
  return 0;
}

/* The end of the warm-up (all of its values in the ring): what a few wild
 * values did to the running averages is undone. When leaving out one to
 * WILD_MAX values (find_wild) is what makes the warm-up calm, every
 * estimate is made again from the others, and the wild ones stand in the
 * window as the calm mean; otherwise (on clean or bursty data) nothing
 * changes. Then the ring takes the window's size. Returns the number of
 * values left out. */
static unsigned settle(ad_window_t *w, const ad_window_params_t *p) {
  double v[AD_WINDOW_MAX];
  bool out[AD_WINDOW_MAX] = {false};
  unsigned n = ring_values(w, AD_WINDOW_MAX, v);
  unsigned wild = find_wild(v, n, out);
  if (wild > 0) {
    double mean, dev;
    moments(v, out, n, &mean, &dev);
    w->mean = mean;
    w->deviation = w->spread = w->recent = dev;
    w->record_max = w->record_min = mean;
    for (unsigned i = 0; i < n; i++) {
      if (out[i])
        v[i] = mean;
      w->record_max = ad_fmax(w->record_max, v[i]);
      w->record_min = ad_fmin(w->record_min, v[i]);
    }
  }
  ring_refill(w, p->window, v, n);
  return wild;
}

/* Learns x; returns true when it ended the warm-up, with the wild values
 * settle left out in *wild. */
static bool absorb(ad_window_t *w, const ad_window_params_t *p, double x,
                   double sigma, double weight, unsigned *wild) {
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
  bool warm = w->seen >= p->warmup;
  if (warm) {
    /* inside an incident the values teach less (the caller's weight) */
    alpha *= weight;
    run_update(w, x, CLIP_DEVIATIONS * sigma);
    /* The mean takes residuals clipped at a few deviations (one spike barely
     * moves it); the deviation takes them clipped much later, so a series
     * whose normal life is bursty learns that bursts are ordinary. */
    residual = ad_fmax(-CLIP_DEVIATIONS * sigma,
                       ad_fmin(CLIP_DEVIATIONS * sigma, residual));
    spread = ad_fmin(spread, SPREAD_CLIP_DEVIATIONS * sigma);
  }
  w->mean += alpha * residual;
  if (w->run != 0 && abs(w->run) >= (int)p->window)
    accept_shift(w);
  /* The deviation learns four times slower than the mean: a scale estimate
   * from few values is noisy, and an underestimated scale is what turns
   * ordinary noise into false alarms. */
  double deviation_alpha = warm ? alpha / DEVIATION_SPAN_FACTOR : alpha;
  if (w->seen > 0) {
    w->deviation += deviation_alpha * (spread - w->deviation);
    /* The spread takes bursts whole up to BURST_CLIP of the larger of the
     * scale and itself: a bursty series' scale still grows to its bursts
     * (threefold a value at most), while one value of 3e17 (a counter's
     * wrap) cannot make it 3e17 / 500 and blind the series for days. */
    double burst = fabs(x - w->mean);
    if (warm)
      burst = ad_fmin(burst, BURST_CLIP * ad_fmax(sigma, w->spread));
    double spread_alpha = warm ? alpha / SPREAD_SPAN_FACTOR : alpha;
    w->spread += spread_alpha * (burst - w->spread);
  }
  if (w->seen < UINT32_MAX)
    w->seen++;
  if (w->seen != p->warmup)
    return false;
  *wild = settle(w, p);
  return true;
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
  bool warm = w->seen >= p->warmup;
  double far = SPREAD_CLIP_DEVIATIONS * sigma;
  w->recent +=
      alpha * ((warm ? ad_fmin(fabs(x - w->mean), far) : fabs(x - w->mean)) -
               w->recent);
  if (warm) {
    double range = ad_fmax(w->record_max - w->record_min, sigma);
    double beyond = ad_fmax(x - w->record_max, w->record_min - x);
    views->record = ad_fmax(beyond, 0.0) / range;
    /* Spreads compared with a floor of a tenth of the scale, so that two
     * flat stretches are not an infinite ratio. */
    double floor = 0.1 * sigma / MAD_TO_SIGMA;
    views->dispersion = fabs(log((w->recent + floor) / (w->deviation + floor)));
  }
  /* The records relax toward the mean by 1/record_memory of their distance
   * per value. */
  double relax = 1.0 / ad_fmax(record_memory, 16.0);
  /* a record is kept at most SPREAD_CLIP_DEVIATIONS from the mean: one wild
   * value must not make every later high look ordinary */
  double high = warm ? ad_fmin(x, w->mean + far) : x;
  double low = warm ? ad_fmax(x, w->mean - far) : x;
  w->record_max =
      ad_fmax(high, w->record_max - relax * (w->record_max - w->mean));
  w->record_min =
      ad_fmin(low, w->record_min + relax * (w->mean - w->record_min));
}

void ad_window_update(ad_window_t *w, const ad_window_params_t *p, double x,
                      double band_z, const ad_learn_t *learning,
                      double record_memory, ad_detector_output_t *out,
                      ad_window_views_t *views) {
  *out = AD_DETECTOR_OUTPUT_NONE;
  *views = (ad_window_views_t){.record = NAN, .dispersion = NAN, .wild = 0};
  x = ad_value_bounded(x);
  if (isnan(x))
    return;
  if (w->seen == 0)
    w->mean = x;
  double sigma =
      ad_fmax(MAD_TO_SIGMA * ad_fmax(w->deviation, SPREAD_FLOOR * w->spread),
              ad_fmax(scale_floor(w->mean), learning->resolution));
  /* The window holds winsorised values: a lone spike adds at most a few
   * deviations to the window mean, so it alarms once, not for a whole
   * window; a lasting shift still moves the window mean fully. */
  double clip = CLIP_DEVIATIONS * sigma;
  ring_push(w, ring_capacity(w, p),
            w->seen >= p->warmup
                ? ad_fmax(w->mean - clip, ad_fmin(w->mean + clip, x))
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
        .deviation = ad_fmax(z_point, z_window),
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
  views->warmed = absorb(w, p, x, sigma, learning->weight, &views->wild);
}

const char *ad_window_invalid(const ad_window_t *w,
                              const ad_window_params_t *p) {
  if (w->head >= AD_WINDOW_MAX || w->fill > AD_WINDOW_MAX || w->fill > w->seen)
    return "ring position out of range";
  if (!(w->deviation >= 0) || !(w->spread >= 0) || !(w->recent >= 0))
    return "a scale is negative";
  if (abs(w->run) > (int)p->window)
    return "run: longer than a window";
  if (w->seen > 0 && !(w->record_min <= w->record_max))
    return "records cross";
  const double limit = AD_STATE_LIMIT;
  if (!(fabs(w->mean) <= limit) || !(w->deviation <= limit) ||
      !(w->spread <= limit) || !(w->recent <= limit) ||
      !(fabs(w->record_max) <= limit) || !(fabs(w->record_min) <= limit) ||
      !(fabs(w->run_sum) <= AD_WINDOW_MAX * limit))
    return "a level or scale beyond any value";
  for (unsigned i = 0; i < AD_WINDOW_MAX; i++)
    if (!(fabs(w->ring[i]) <= limit))
      return "ring: a value beyond any value";
  if (w->ring_sum != ring_total(w))
    return "ring_sum: not the ring's sum";
  return NULL;
}

void ad_window_fit(ad_window_t *w, const ad_window_params_t *p) {
  unsigned capacity = ring_capacity(w, p);
  if (w->head < capacity && w->fill <= capacity &&
      (w->fill == capacity || w->head == w->fill))
    return;
  /* saved with other parameters: its values in slot order */
  double v[AD_WINDOW_MAX];
  unsigned n = w->fill < AD_WINDOW_MAX ? w->fill : AD_WINDOW_MAX;
  for (unsigned i = 0; i < n; i++)
    v[i] = w->ring[i];
  ring_refill(w, capacity, v, n);
}
