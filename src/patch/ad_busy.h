/* ad_busy: when a host is busy. For every hour of the week, how many of its
 * series are then far from their usual level by their own seasonal
 * profiles (a backup that runs Sundays at 02:00 lifts the disks' traffic and
 * the CPU's wait then, week after week), and which one departs furthest.
 *
 * A series is busy at an hour when its forecast for that hour is more than
 * AD_BUSY_SCALES of its noise scales at that hour above the median of its
 * forecasts over the week (below, for what measures spare capacity: idle
 * CPU, free memory or disk): a series with no learned profile forecasts its
 * level all week and never departs. An hour is busy when more series depart
 * than at most hours of the week (AD_BUSY_RATIO times the median count, and at
 * least one): a web server busy every afternoon is busy in the afternoons, not
 * all week. */
#ifndef AD_BUSY_H
#define AD_BUSY_H

#include "detectors/ad_weekly.h"
#include "engine/ad_notice.h"
#include "engine/ad_vlist.h"

#include <stdbool.h>
#include <stddef.h>

#define AD_BUSY_SCALES 3.0
#define AD_BUSY_RATIO 2.0

typedef struct {
  unsigned departing[AD_WEEK_HOURS]; /* series away from their level */
  float furthest[AD_WEEK_HOURS];     /* the furthest one's distance, in
                                        its scales (0: none) */
  char series[AD_WEEK_HOURS][AD_SERIES_NAME_MAX]; /* and its name */
  unsigned seasonal;                              /* series with a profile */
  double median;                                  /* median of departing[] */
} ad_busy_t;

/* Fills b from the n value lists' seasonal forecasts for the week that
 * holds data time `at`. Bounded work: 168 forecasts a series. Cannot
 * fail. */
void ad_busy_profile(ad_vlist_t *const *vlists, size_t n, double at,
                     ad_busy_t *b);

/* True when hour `hour` (0..167) of b is busy. */
bool ad_busy_hour(const ad_busy_t *b, int hour);

#endif /* AD_BUSY_H */
