/* ad_alert: incidents and muting on top of levels (see header). */
#include "detectors/ad_alert.h"
#include "detectors/ad_detector.h"

#include <math.h>
#include <stddef.h>

void ad_alert_init(ad_alert_t *a) {
  *a = (ad_alert_t){.notified = AD_LEVEL_OKAY,
                    .quiet_since = NAN,
                    .rate_time = NAN,
                    .muted_until = NAN};
  ad_level_init(&a->raw);
}

ad_level_t ad_alert_level(const ad_alert_t *a) {
  return a->muted ? AD_LEVEL_OKAY : (ad_level_t)a->notified;
}

bool ad_alert_anomalous(const ad_alert_t *a) {
  return !a->muted && a->raw.level != AD_LEVEL_OKAY;
}

double ad_alert_incident_rate(const ad_alert_t *a, double t) {
  if (isnan(a->rate_time) || !(t > a->rate_time))
    return a->incident_rate;
  return a->incident_rate * exp(-(t - a->rate_time) / AD_DAY);
}

/* Decays the incident rate to time t and adds `incidents`. */
static void count_incidents(ad_alert_t *a, double t, double incidents) {
  if (!isnan(a->rate_time) && t > a->rate_time)
    a->incident_rate *= exp(-(t - a->rate_time) / AD_DAY);
  if (isnan(a->rate_time) || t > a->rate_time)
    a->rate_time = t;
  a->incident_rate += incidents; /* per day: the decay constant is a day */
}

/* The quiet run has lasted as many intervals as end an incident: counted
 * like its seconds, from the observation that started it. */
static bool enough_values(const ad_alert_t *a, const ad_alert_params_t *p) {
  return p->incident_gap_values > 0 &&
         a->quiet_values >= p->incident_gap_values;
}

ad_alert_event_t ad_alert_update(ad_alert_t *a, const ad_alert_params_t *p,
                                 double t, double risk, bool outside,
                                 ad_level_t *level, ad_level_t *previous) {
  /* still outside: a risk that would take the level down is no
   * observation (it neither moves the level nor breaks a run of hits) */
  if (outside && !isnan(risk) &&
      ad_level_target(&p->levels, risk, (ad_level_t)a->raw.level) <
          (ad_level_t)a->raw.level)
    risk = NAN;
  if (a->muted) {
    if (t >= a->muted_until) {
      a->muted = false;
      a->incident_rate = 0.0;
      ad_level_init(&a->raw);
      a->notified = AD_LEVEL_OKAY;
      a->quiet_since = NAN;
      return AD_ALERT_UNMUTED;
    }
    (void)ad_level_update(&a->raw, &p->levels, risk, NULL);
    return AD_ALERT_NONE;
  }
  (void)ad_level_update(&a->raw, &p->levels, risk, NULL);
  ad_level_t raw = (ad_level_t)a->raw.level;
  ad_level_t notified = (ad_level_t)a->notified;

  if (raw > notified) {
    /* A new incident, or an escalation inside one. */
    if (notified == AD_LEVEL_OKAY) {
      count_incidents(a, t, 1.0);
      if (p->mute_above > 0 && a->incident_rate > p->mute_above) {
        a->muted = true;
        a->muted_until = t + p->mute_time;
        a->notified = AD_LEVEL_OKAY;
        a->quiet_since = NAN;
        return AD_ALERT_MUTED;
      }
    }
    a->quiet_since = NAN;
    a->notified = (unsigned char)raw;
    *level = raw;
    *previous = notified;
    return AD_ALERT_NOTIFY;
  }
  if (notified == AD_LEVEL_OKAY)
    return AD_ALERT_NONE;
  if (raw != AD_LEVEL_OKAY || outside) {
    /* still (or again) anomalous, or not back inside the band (whatever
     * the risk): the same incident, and the quiet gap starts again */
    a->quiet_since = NAN;
    return AD_ALERT_NONE;
  }
  if (isnan(a->quiet_since)) {
    a->quiet_since = t;
    a->quiet_values = 0;
  } else if (!isnan(risk) && a->quiet_values < UINT32_MAX) {
    a->quiet_values++;
  }
  if (t - a->quiet_since < p->incident_gap && !enough_values(a, p))
    return AD_ALERT_NONE;
  a->notified = AD_LEVEL_OKAY;
  a->quiet_since = NAN;
  *level = AD_LEVEL_OKAY;
  *previous = notified;
  return AD_ALERT_NOTIFY;
}
