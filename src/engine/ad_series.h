/* ad_series: everything learned about one series (one data source of one
 * value list): the ensemble members' state and the series' own level.
 *
 * A series lives inside its value list (ad_vlist) and is only touched with
 * the value list's shard locked. */
#ifndef AD_SERIES_H
#define AD_SERIES_H

#include "core/ad_config.h"
#include "detectors/ad_alert.h"
#include "detectors/ad_calib.h"
#include "detectors/ad_drift.h"
#include "detectors/ad_level.h"
#include "detectors/ad_meta.h"
#include "detectors/ad_persistence.h"
#include "detectors/ad_season.h"
#include "detectors/ad_trend.h"
#include "detectors/ad_window.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* host_slot: not looked at yet, or not part of its host's forest. */
#define AD_SLOT_UNASSIGNED (-1)
#define AD_SLOT_NONE (-2)

/* The members a series runs itself, AD_DET_SLIDING_WINDOW and
 * AD_DET_SEASONAL (ids 0 and 1): each has its calibration in calib[id]. */
#define AD_SERIES_MEMBERS 2

typedef struct ad_series_s {
  double last_time;   /* data time of the last value */
  double last_value;  /* the last value (NaN: none yet) */
  double step;        /* typical seconds between values (EMA) */
  double resolution;  /* the step its values come in (ad_resolution; NaN:
                         none seen yet) */
  ad_window_t window; /* sliding window + EMA member */
  ad_season_t season; /* seasonal forecaster member */
  ad_calib_t calib[AD_SERIES_MEMBERS]; /* their deviations' history */
  ad_calib_t calib_record;             /* the sliding window's further views */
  ad_calib_t calib_dispersion;
  ad_persistence_t persistence;  /* the forecaster's deviations added up */
  ad_calib_t calib_persistence;  /* their history */
  ad_trend_t trend;              /* how fast it moves, for explanations */
  ad_drift_t drift;              /* its slow trend, for forecasts ahead and
                                    time to exhaustion */
  uint32_t season_mode_seen;     /* season.mode_changes the seasonal member's
                                    calibration belongs to */
  uint32_t shifts_seen;          /* season.shifts already looked at */
  double normal_start;           /* a shift taken over, not yet news: when it
                                    began (NaN: none) */
  double normal_from, normal_to; /* ...its levels */
  double normal_began;           /* when the change began: before
                                    normal_start if it moved in steps */
  double normal_notified;        /* data time of the last new-normal news */
  ad_alert_t alert;              /* the series' own level, incidents, muting */
  uint32_t incident_values;      /* values since its incident opened (0:
                                    none open) */
  int16_t host_slot;             /* its place in the host forest's view, or
                                    AD_SLOT_UNASSIGNED / AD_SLOT_NONE */
  float capacity_max;            /* its ceiling from a Capacity rule (NaN:
                                    none; set with its value list's
                                    capacity role) */
} ad_series_t;

typedef struct {
  double value;               /* the value observed (NaN: none) */
  double z;                   /* its deviation from the sliding window's
                                 expectation in its scale, signed (NaN:
                                 none) */
  int slot;                   /* its slot in the host forest's view, or
                                 AD_SLOT_NONE */
  ad_assessment_t assessment; /* the ensemble's view of it */
  ad_alert_event_t event;     /* what to report about the series */
  ad_level_t level;           /* notified level after this value */
  ad_level_t previous;        /* notified level before, for AD_ALERT_NOTIFY */
  bool was_anomalous;         /* counted anomalous for its host before... */
  bool anomalous;             /* ...and after this value */
  bool outside;               /* the value is outside the forecaster's band
                                 (the series is not back yet) */
  double trend;               /* units an hour it moves, when that is
                                 clear (ad_trend; NaN: not) */
  double usual_trend;         /* what the forecaster expects it to move an
                                 hour at this time (NaN: no forecast) */
  uint8_t pattern;            /* ad_behaviour_kind_t + 1, for the messages,
                                 so only for a value that may be notified
                                 (0: not known) */
  bool muted;                 /* muted: it does not raise its host's risk */
  bool new_normal;            /* its level changed for good and is now
                                 expected: from normal_from to normal_to,
                                 held for normal_held seconds, having
                                 moved for normal_moved seconds (more
                                 than ShiftAcceptance: in steps) */
  double normal_from, normal_to, normal_held, normal_moved;
  bool drift_learned; /* a bucket of the slow trend was learned with this
                         value (its estimate has something new to say) */
} ad_series_result_t;

/* Resets a series to "nothing learned". Cannot fail. */
void ad_series_init(ad_series_t *s);

/* What one value did to a series' members, between the two phases of
 * ad_series_update and ad_series_conclude. */
typedef struct {
  ad_detector_output_t member[AD_DET_COUNT]; /* calibrated member outputs */
  double value;                              /* the value */
  double per_day;     /* values a day the series delivers */
  double z;           /* (value - sliding window expectation) / its scale */
  double delta;       /* (value - previous value) / that scale */
  bool drift_learned; /* the slow trend learned a bucket */
} ad_series_step_t;

/* Phase one: the members score and learn the value (NaN: no observation) at
 * data time `time`; their outputs, calibrated, go to st, with what the
 * value list's forest needs (z, delta). No scale is finer than `floor` (the
 * series' unit's, ad_unit_floor; 0: none) or than the step its values come
 * in. The shard must be locked. */
void ad_series_update(ad_series_t *s, const ad_config_t *cfg, double time,
                      double value, double floor, ad_series_step_t *st);

/* Phase two: with the forest member's calibrated output (NULL: none), the
 * meta-classifier's verdict and the series' level. Fills res. */
void ad_series_conclude(ad_series_t *s, const ad_config_t *cfg, double time,
                        ad_series_step_t *st,
                        const ad_detector_output_t *forest,
                        ad_series_result_t *res);

/* Both phases without a forest, no unit floor. Cannot fail. The shard must
 * be locked. */
void ad_series_observe(ad_series_t *s, const ad_config_t *cfg, double time,
                       double value, ad_series_result_t *res);

/* Values a day the series delivers, from its typical step (one a minute
 * until it has shown its step). */
double ad_series_values_per_day(const ad_series_t *s);

#endif /* AD_SERIES_H */
