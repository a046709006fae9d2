/* ad_alert: what gets notified, on top of the level state machine (ad_level).
 *
 * Operators want one notification per incident, not one per wobble:
 *  - Incidents: once a series or host is notified WARNING or FAILURE, its
 *    incident stays open while it is outside its band, and then until the
 *    level has been OKAY, and what is judged back inside its band, for
 *    IncidentGap seconds (data time) in a row, or for IncidentGapValues
 *    intervals if those come sooner (at a 2 s interval five minutes is
 *    150 values of evidence, and a second incident would be taken for the
 *    first one's relapse); only then is OKAY notified
 *    (a variance burst whose values cross the band now and then is one
 *    incident, not one per crossing). A relapse inside the
 *    gap continues the same incident and is not notified again; an
 *    escalation from WARNING to FAILURE is.
 *  - Muting: a chronically noisy series (more than MuteAbove incidents a day,
 *    as an exponentially weighted rate) is muted for MuteTime: no
 *    notifications, and it no longer raises its host's risk. Muting and
 *    unmuting are reported once each (a log line), never notified.
 * The notified level is what replay prints as `level`. */
#ifndef AD_ALERT_H
#define AD_ALERT_H

#include "detectors/ad_level.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
  ad_level_params_t levels;
  double incident_gap;          /* seconds of OKAY that end an incident */
  unsigned incident_gap_values; /* or intervals of it; 0: seconds only */
  double mute_above; /* incidents per day beyond which to mute; 0: never */
  double mute_time;  /* seconds a mute lasts */
} ad_alert_params_t;

typedef struct {
  ad_level_state_t raw;   /* risk -> level, with hits and hysteresis */
  unsigned char notified; /* ad_level_t: the level last notified */
  bool muted;
  double quiet_since;    /* data time raw turned OKAY in an incident; NaN */
  uint32_t quiet_values; /* observations after quiet_since's */
  double incident_rate;  /* incidents per day, exponentially weighted */
  double rate_time;      /* data time incident_rate was last decayed */
  double muted_until;    /* data time the mute ends */
} ad_alert_t;

typedef enum {
  AD_ALERT_NONE = 0,
  AD_ALERT_NOTIFY, /* notify `level` (previous in `previous`) */
  AD_ALERT_MUTED,  /* muting started: log it */
  AD_ALERT_UNMUTED /* muting ended: log it */
} ad_alert_event_t;

/* Resets to OKAY, no incident, not muted. Cannot fail. */
void ad_alert_init(ad_alert_t *a);

/* Feeds the risk observed at data time t (NaN: no observation, which still
 * lets an incident's quiet time run out). `outside`: what is judged is
 * still outside its band (a series' value outside its forecaster's band, a
 * host whose incident's series is still anomalous or outside): the level
 * does not come down, however low the risk, and an incident's quiet time
 * starts again, so that an incident is back to normal only once it really
 * is, and a change that keeps the value out while the risk wavers (its
 * detectors learning it) stays one incident. Returns what to report; for
 * AD_ALERT_NOTIFY, *level and *previous are set. Cannot fail. */
ad_alert_event_t ad_alert_update(ad_alert_t *a, const ad_alert_params_t *p,
                                 double t, double risk, bool outside,
                                 ad_level_t *level, ad_level_t *previous);

/* Incidents a day (the weighted rate, its time constant a day) as of data
 * time t: decayed from the last incident's time. Pure. */
double ad_alert_incident_rate(const ad_alert_t *a, double t);

/* The level to report now: the notified level (OKAY while muted). */
ad_level_t ad_alert_level(const ad_alert_t *a);

/* True while the raw level is above OKAY and not muted: the series counts
 * as anomalous for its host. */
bool ad_alert_anomalous(const ad_alert_t *a);

#endif /* AD_ALERT_H */
