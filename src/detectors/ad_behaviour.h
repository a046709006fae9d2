/* ad_behaviour: the pattern of a series, for operators and capacity
 * planning: stable, trending up or down, seasonal (daily or weekly),
 * volatile or sparse, with a strength (0..1) and the evidence, read off
 * what its forecaster (ad_season) and slow trend (ad_drift) learned.
 *
 * In this order, the first that holds:
 *  - learning: less than a day of buckets;
 *  - sparse: at least half of the recent quarter hours were all one value
 *    (a template's rate at 0, a counter that rarely moves), but not all;
 *  - trending: the slow trend is trusted and moves more than twice its
 *    noise a day;
 *  - seasonal: the seasonal shape takes at least AD_BEHAVIOUR_SEASONAL_SHARE of
 *    the buckets' squared distance from the line off; weekly when the
 *    weekly terms are larger than the daily profile;
 *  - volatile: its values scatter about the forecast (the forecaster's
 *    mean absolute residual) by at least AD_BEHAVIOUR_VOLATILE_SCATTER of
 *    its level (or the level is nil and they scatter at all);
 *  - stable: otherwise. Pure. */
#ifndef AD_BEHAVIOUR_H
#define AD_BEHAVIOUR_H

#include "detectors/ad_drift.h"
#include "detectors/ad_season.h"

#include <stdbool.h>

#define AD_BEHAVIOUR_SEASONAL_SHARE 0.3
#define AD_BEHAVIOUR_VOLATILE_SCATTER 0.25

typedef enum {
  AD_BEHAVIOUR_LEARNING = 0,
  AD_BEHAVIOUR_STABLE,
  AD_BEHAVIOUR_TRENDING_UP,
  AD_BEHAVIOUR_TRENDING_DOWN,
  AD_BEHAVIOUR_SEASONAL_DAILY,
  AD_BEHAVIOUR_SEASONAL_WEEKLY,
  AD_BEHAVIOUR_VOLATILE,
  AD_BEHAVIOUR_SPARSE,
} ad_behaviour_kind_t;

#define AD_BEHAVIOUR_KINDS 8

typedef struct {
  ad_behaviour_kind_t kind;
  double strength;       /* 0..1: how clearly */
  double slope_per_day;  /* the trend (NaN: none trusted) */
  double seasonal_share; /* 0..1: of the squared residual the shape takes */
  double dispersion;     /* the values' scatter about the forecast over
                            the level's size */
  double flat_share;     /* 0..1: quarter hours of one value */
} ad_behaviour_t;

/* The pattern of the series whose forecaster is s and slow trend d.
 * Cannot fail. */
void ad_behaviour_of(const ad_season_t *s, const ad_drift_t *d,
                     ad_behaviour_t *out);

/* "stable", "trending up", "seasonal (daily)", ...; "learning". Never
 * NULL. */
const char *ad_behaviour_name(ad_behaviour_kind_t kind);

#endif /* AD_BEHAVIOUR_H */
