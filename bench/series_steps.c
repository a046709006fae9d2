/* series_steps: SERIES series of 1-minute gauge data, VALUES values each,
 * through the ensemble of one series (ad_series_observe: every member,
 * calibration, meta-classifier, levels; no engine), with nothing else
 * done. For counting the instructions the ensemble takes a value under
 * valgrind (bench/instructions.sh), which unlike a timing does not depend
 * on what else the machine is doing. The data: a level of 100, noise of
 * +-1.5, an hour at +10 every day (so the seasonal member has a profile
 * to learn and its calibrations a tail).
 * Usage: series_steps SERIES VALUES; prints a checksum of the risks. */
#include "core/ad_config.h"
#include "engine/ad_series.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"

int main(int argc, char **argv) {
  long series = argc == 3 ? atol(argv[1]) : 0;
  long values = argc == 3 ? atol(argv[2]) : 0;
  if (series < 1 || series > 100000 || values < 1 || values > 10000000) {
    fprintf(stderr, "usage: series_steps SERIES VALUES\n");
    return 2;
  }
  ad_config_t cfg;
  ad_config_defaults(&cfg);
  ad_series_t *all = calloc((size_t)series, sizeof(*all));
  if (all == NULL)
    return 1;
  for (long s = 0; s < series; s++)
    ad_series_init(&all[s]);
  uint64_t seed = 2;
  double sum = 0.0;
  for (long v = 1; v <= values; v++)
    for (long s = 0; s < series; s++) {
      double job = v % 1440 < 60 ? 10.0 : 0.0;
      ad_series_result_t res;
      ad_series_observe(&all[s], &cfg, 60.0 * v,
                        100.0 + 3.0 * bench_noise(&seed) + job, &res);
      if (!isnan(res.assessment.risk))
        sum += res.assessment.risk;
    }
  printf("%.6f\n", sum);
  free(all);
  return 0;
}
