/* Benchmark helper: what a series' forecaster expects ahead, for
 * bench/forecast_accuracy.py. Reads "epoch,value" lines from stdin (a
 * header or a bad line is skipped), learns each value as the anomaly
 * plugin does (ad_series, default configuration), and at every origin
 * (every EVERY hours of data time from FIRST hours after the first value)
 * prints "origin,hours,expected" for each horizon of HOURS..., from the
 * series' outlook (ad_outlook: seasonal shape on its slow trend).
 *
 *   bench/forecast_points EVERY FIRST HOURS... < series.csv */
#include "core/ad_config.h"
#include "detectors/ad_outlook.h"
#include "engine/ad_series.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_HORIZONS 16

static void outlooks(const ad_series_t *s, double origin, const double *hours,
                     int n) {
  for (int i = 0; i < n; i++) {
    ad_outlook_t o;
    if (ad_outlook_at(&s->season, &s->drift, origin + 3600.0 * hours[i], &o))
      printf("%.0f,%g,%.10g\n", origin, hours[i], o.expected);
  }
}

int main(int argc, char **argv) {
  if (argc < 4 || argc - 3 > MAX_HORIZONS) {
    fprintf(stderr, "usage: bench/forecast_points EVERY FIRST HOURS... < "
                    "series.csv\n");
    return 2;
  }
  double every = atof(argv[1]) * 3600.0, first = atof(argv[2]) * 3600.0;
  double hours[MAX_HORIZONS];
  int n = argc - 3;
  for (int i = 0; i < n; i++)
    hours[i] = atof(argv[3 + i]);
  ad_config_t cfg;
  ad_config_defaults(&cfg);
  ad_series_t *s = malloc(sizeof(*s));
  if (s == NULL || !(every > 0))
    return 1;
  ad_series_init(s);
  char line[256];
  double start = NAN, next = NAN;
  while (fgets(line, sizeof(line), stdin) != NULL) {
    char *end;
    double t = strtod(line, &end);
    if (end == line || *end != ',')
      continue;
    double x = strtod(end + 1, NULL);
    if (isnan(start)) {
      start = t;
      next = t + first;
    }
    /* the origins passed before this value: forecasts from what was
     * learned up to them */
    while (t >= next) {
      if (getenv("FORECAST_DEBUG") != NULL) {
        ad_drift_estimate_t e;
        bool ok = ad_drift_estimate(&s->drift, &e);
        fprintf(stderr,
                "origin %.0f: estimate %d trusted %d sig %d slope/day %.4g "
                "se %.3g shape %.2f span %.0f h wd %.2f restarts %u steps %u "
                "noise %.3g jitter %.3g\n",
                next, ok, e.trusted, e.significant, e.slope * 86400,
                e.slope_se * 86400, e.shape, e.span / 3600,
                ad_season_day_weight(&s->season), s->drift.restarts,
                s->drift.steps, e.noise, e.jitter);
      }
      outlooks(s, next, hours, n);
      next += every;
    }
    ad_series_result_t res;
    ad_series_observe(s, &cfg, t, x, &res);
  }
  free(s);
  ad_config_release(&cfg);
  return 0;
}
