/* ad_readiness: is it safe to change (patch, deploy, reboot) a host at a
 * given time? The verdict comes from what the engine already keeps of the
 * host: its level and open incident, the risk of its last interval and the
 * series behind it, how often it had incidents lately, its hours of the
 * week (ad_weekly: when incidents opened, how risky each hour has been) and
 * when its series are busy (ad_busy, from their seasonal profiles).
 *
 *  NOT READY  an incident is open, or the last interval's risk is HIGH;
 *  CAUTION    the risk is MEDIUM, series are anomalous, the data is stale,
 *             incidents came often lately, the hour asked about is risky
 *             (incidents opened then in past weeks, its risk has been
 *             high, or the host is busy then), too little is known, a
 *             change is still watched (ad_change) or the last one
 *             regressed in the past AD_REGRESSION_RECENT;
 *  READY      none of these.
 *
 * Asked about a later time (`at` more than an hour after the host's last
 * data), only the hours of the week and what is known count: an incident
 * open now says nothing about next Tuesday.
 *
 * The next good window is the earliest run of `window` seconds of whole
 * hours, within a week from `at`, in which no hour is risky and whose past
 * risk is within AD_WINDOW_SLACK of the quietest such run. */
#ifndef AD_READINESS_H
#define AD_READINESS_H

#include "core/ad_config.h"
#include "engine/ad_host.h"
#include "engine/ad_vlist.h"
#include "patch/ad_busy.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
  AD_READY = 0,
  AD_CAUTION = 1,
  AD_NOT_READY = 2,
} ad_readiness_status_t;

/* Why an hour of the week is risky (bits). */
#define AD_RISKY_INCIDENTS 1u /* incidents opened or lasted then */
#define AD_RISKY_VARIABLE 2u  /* its risk has been high */
#define AD_RISKY_BUSY 4u      /* many series away from their level */

/* Past incidents (decayed, ad_weekly) at an hour that make it risky: two
 * recent weeks' worth, or three spread over a month. */
#define AD_RISKY_ONSETS 1.0
/* Past mean risk that makes an hour risky. */
#define AD_RISKY_MEAN_RISK 0.3
/* Hours learned (decayed) below which the host is too little known. */
#define AD_READINESS_MIN_HOURS 24.0
/* Incidents a day (the host's weighted rate) that make it unstable. */
#define AD_UNSTABLE_PER_DAY 1.0
/* How much more past risk than the quietest window a good one may have. */
#define AD_WINDOW_SLACK 0.05

/* How long a change's regression keeps the host at CAUTION (seconds). */
#define AD_REGRESSION_RECENT (7 * 86400.0)

#define AD_READINESS_REASONS 8
#define AD_READINESS_REASON_MAX 200
#define AD_RISKY_RANGES 24

/* A run of risky hours with the same reasons. */
typedef struct {
  int first_hour; /* hour of the week of its start, 0 = Monday 00:00 UTC */
  int hours;      /* its length */
  unsigned why;   /* AD_RISKY_* */
  double onsets;  /* incidents opened in it in past weeks (decayed) */
  double incident_hours; /* hours spent inside incidents then (decayed) */
  double risk;           /* its highest past mean risk */
  unsigned busy; /* most series away from their level in one of its hours */
  char busiest[AD_SERIES_NAME_MAX]; /* the furthest of them */
} ad_risky_range_t;

typedef struct {
  double at;  /* the time asked about (data time, seconds) */
  bool ahead; /* a later time: only the hours of the week count */
  ad_readiness_status_t status;
  unsigned reasons;
  char reason[AD_READINESS_REASONS][AD_READINESS_REASON_MAX];
  double predicted_risk; /* the last interval's, or the hour's past mean */
  double confidence;     /* [0,1]: how much is known */
  double learned_hours;  /* hours of the host learned (decayed) */
  bool window_found;
  double window_start, window_end; /* data times */
  double window_risk;              /* its past mean risk (NaN: not seen) */
  unsigned ranges;
  ad_risky_range_t range[AD_RISKY_RANGES]; /* in hour-of-week order */
  unsigned risky_at;                       /* AD_RISKY_* of the hour `at` */
} ad_readiness_t;

typedef struct {
  const ad_host_t *host;     /* a copy (ad_host_copy) or decoded */
  ad_vlist_t *const *vlists; /* its value lists */
  size_t count;
  const ad_config_t *cfg; /* levels */
  double now;             /* the clock: data time of "now" */
  double at;              /* the time asked about (NaN: now) */
  double window;          /* seconds a change needs watching */
} ad_readiness_query_t;

/* Judges q into out; busy is scratch space (it is large). Cannot fail. */
void ad_readiness_assess(const ad_readiness_query_t *q, ad_busy_t *busy,
                         ad_readiness_t *out);

/* "READY", "CAUTION", "NOT READY". */
const char *ad_readiness_name(ad_readiness_status_t s);

/* An hour of the week as "Mon 09:00" into buf. Returns buf. */
char *ad_readiness_hour_name(int hour, char *buf, size_t size);

/* The window as "Tue 03:00-05:00 UTC" into buf ("" when none). */
char *ad_readiness_window_name(const ad_readiness_t *r, char *buf, size_t size);

/* A range of hours as "Mon 09:00-10:00 UTC" or "Sun 22:00-Mon 02:00 UTC"
 * into buf. Returns buf. */
char *ad_readiness_range_name(const ad_risky_range_t *g, char *buf,
                              size_t size);

/* Times readiness answers about: up to the year 5138, at most 30 years
 * ahead (a TIME outside is refused; an `at` outside is taken as now). */
#define AD_READINESS_TIME_MAX 1e11
#define AD_READINESS_AHEAD_MAX (30 * 365.25 * 86400.0)

/* "90", "90s", "30m", "2h", "1d" as seconds; NaN when it is none of
 * these or more than AD_READINESS_AHEAD_MAX. */
double ad_readiness_parse_duration(const char *s);

/* A time asked about: epoch seconds, "YYYY-MM-DD HH:MM[:SS]" (UTC) or
 * "+DURATION" from now. NaN when it is none of these. */
double ad_readiness_parse_time(const char *s, double now);

#endif /* AD_READINESS_H */
