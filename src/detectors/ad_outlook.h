/* ad_outlook: what a series is expected to be at a time ahead, for
 * `state show --hours`, the query endpoint and busy hours: the seasonal
 * forecaster's shape (ad_season) on the slow trend's line (ad_drift) once
 * that trend is trusted, with an interval that widens with the slope's
 * uncertainty the further ahead it looks; the seasonal forecast alone
 * otherwise. Pure. */
#ifndef AD_OUTLOOK_H
#define AD_OUTLOOK_H

#include "detectors/ad_drift.h"
#include "detectors/ad_season.h"

#include <stdbool.h>

typedef struct {
  double expected; /* the value expected */
  double scale;    /* one standard deviation of the values about it */
  bool trend;      /* the trend's line carries it */
} ad_outlook_t;

/* The outlook for data time t. Returns false while the forecaster has
 * learned nothing. */
bool ad_outlook_at(const ad_season_t *s, const ad_drift_t *d, double t,
                   ad_outlook_t *out);

#endif /* AD_OUTLOOK_H */
