/* ad_notice: what the engine reports to its caller (the plugin glue, or the
 * replay command): a notice on every level change of a host or a series, and
 * a host report (the risk metrics) every time a host's interval closes.
 *
 * Both are plain value structs with copied strings, so a caller can queue them
 * and hand them to collectd later from another thread. */
#ifndef AD_NOTICE_H
#define AD_NOTICE_H

#include "core/ad_config.h"
#include "core/ad_ident.h"
#include "detectors/ad_alert.h"
#include "detectors/ad_level.h"
#include "detectors/ad_meta.h"
#include "engine/ad_exhaust.h"
#include "engine/ad_series.h"

#include <stdbool.h>

#define AD_MESSAGE_MAX 256       /* collectd's NOTIF_MAX_MSG_LEN */
#define AD_NOTICE_AFTER_MAX 128  /* a change's text (ad_change) */
#define AD_SERIES_NAME_MAX 320   /* "plugin-pi/type-ti:ds", truncated */
#define AD_REPORT_TIMELEFT_MAX 8 /* timeleft metrics a host report carries */

typedef enum {
  AD_SCOPE_HOST = 0,   /* about a whole host: plugin "anomaly" */
  AD_SCOPE_SERIES = 1, /* about one series: its own identifier */
} ad_scope_t;

typedef enum {
  AD_NOTICE_LEVEL = 0,      /* the level changed: a notification */
  AD_NOTICE_MUTED = 1,      /* a noisy series was muted: a log line */
  AD_NOTICE_UNMUTED = 2,    /* its mute ended: a log line */
  AD_NOTICE_NEW_NORMAL = 3, /* a series' level changed for good and is now
                               expected: a notification (OKAY) */
  AD_NOTICE_CHANGE = 4,     /* a change's watch ended: its verdict, a
                               notification (OKAY, or WARNING for a
                               regression; type "change") */
  AD_NOTICE_EXHAUSTION = 5, /* a series heading for its ceiling changed
                               level (ad_exhaust): a notification under
                               its own identifier */
} ad_notice_kind_t;

typedef struct {
  ad_notice_kind_t kind;
  ad_scope_t scope;
  double time;         /* data time of the value that changed the level */
  ad_level_t level;    /* the new level */
  ad_level_t previous; /* the level before */
  /* Identifier of the notification: for a host, host + plugin "anomaly". */
  char host[AD_NAME_MAX];
  char plugin[AD_NAME_MAX];
  char plugin_instance[AD_NAME_MAX];
  char type[AD_NAME_MAX];
  char type_instance[AD_NAME_MAX];
  char data_source[AD_NAME_MAX]; /* series scope: the data source's name */
  /* The series that drove the assessment and what was seen there. */
  char series[AD_SERIES_NAME_MAX];
  double observed;
  double trend;       /* units an hour it moves, when clear (NaN: not) */
  uint8_t pattern;    /* its pattern, ad_behaviour_kind_t + 1 (0: not
                         known) */
  double usual_trend; /* ...and what it usually moves then (NaN) */
  /* The host forest found the host's series together unusual: series and
   * partner are the two it credits most, with their deviations (signed, in
   * their own scales); observed is then NaN. */
  bool combination;
  char partner[AD_SERIES_NAME_MAX];
  double driver_z, partner_z;
  /* ...and when the two are a learned relation that broke, their
   * correlation (0: not a relation) */
  double relation_corr;
  double risk; /* the risk that set the level: for a host, its own */
  double normal_from, normal_to; /* AD_NOTICE_NEW_NORMAL: the levels */
  double held;                   /* ...and how long the shift held (s) */
  double moved;                  /* ...how long it moved, in steps, before
                                    (s; 0: one step) */
  /* Host scope, the OKAY that ends an incident: how long it lasted (s),
   * and `series` the one that opened it; 0 when not known (an incident
   * older than the plugin's start). */
  double lasted;
  ad_assessment_t assessment;
  unsigned anomalous; /* host scope: series currently not OKAY */
  unsigned total;     /* host scope: series tracked */
  /* A change was being watched on the host (ad_change): what it was, ""
   * when none; also AD_NOTICE_CHANGE's own change. */
  char after[AD_NOTICE_AFTER_MAX];
  /* AD_NOTICE_CHANGE: the series of the regression with their shifts,
   * "cpu/percent-user +38 % (+4.2 scales); ..." ("": none); anomalous and
   * total are then the series regressed and watched. */
  char regression[AD_MESSAGE_MAX];
  /* AD_NOTICE_EXHAUSTION: the time left (s; INFINITY: no longer heading
   * there), its 90 % interval, how fast it rises (units a second) and the
   * ceiling (of_whole: the sum of its parts, said as 100 %) */
  double left, left_low, left_high, rate, ceiling;
  bool of_whole;
  /* What the operator could do (ad_advice; "": nothing to suggest), also
   * at the message's end where it fits */
  char suggestion[AD_MESSAGE_MAX];
  char message[AD_MESSAGE_MAX];
} ad_notice_t;

typedef struct {
  char host[AD_NAME_MAX];
  double time;              /* data time of the interval's newest value */
  double interval;          /* seconds */
  double risk;              /* [0,1]; 0 when nothing was scored */
  double gauge;             /* [0,1]: what anomaly/gauge-risk reports: the
                               risk, held at least at the threshold of the
                               host's notified level while its incident is
                               open, so that alert rules on the gauge agree
                               with the notifications */
  double series_risk;       /* from the riskiest series (NaN: none scored) */
  double forest_risk;       /* from the host forest (NaN: none) */
  double percent_anomalous; /* 0..100: share of series not OKAY */
  unsigned anomalous;       /* series not OKAY */
  unsigned total;           /* series tracked */
  unsigned scored;          /* series scored in the interval */
  ad_level_t level;         /* the host's level after the interval */
  /* The interval's riskiest series: what it saw and how each member judged
   * it (for explanations and replay --detail). */
  double observed;
  ad_assessment_t assessment;
  /* The host's series heading for their ceiling (ad_exhaust): the time
   * left of each, for the anomaly/timeleft-NAME metrics. */
  unsigned timeleft_count;
  struct {
    char instance[AD_NAME_MAX]; /* the metric's type instance */
    double seconds;
  } timeleft[AD_REPORT_TIMELEFT_MAX];
} ad_host_report_t;

/* Writes n->message from the other fields: what was seen against what was
 * expected, the risk and the detectors that fired, within AD_MESSAGE_MAX
 * bytes. Cannot fail. */
void ad_notice_format(ad_notice_t *n);

/* Copies src into the fixed buffer dst of AD_NAME_MAX bytes (truncating).
 * NULL src reads as "". */
void ad_notice_copy_name(char dst[AD_NAME_MAX], const char *src);

/* The kind of notice an alert event makes (a level change, a mute, its
 * end); AD_ALERT_NONE makes none (LEVEL is returned). */
ad_notice_kind_t ad_notice_kind(ad_alert_event_t event);

/* A series' notice under its own identifier (id, data source ds, named with
 * it when the value list has several): its level changed, or it was muted
 * or unmuted (res->event). Formatted. Cannot fail. */
void ad_notice_series(ad_notice_t *n, const ad_ident_t *id, const char *ds,
                      bool multi_source, double time,
                      const ad_series_result_t *res);

/* A series' new normal (res->new_normal), the same way. */
void ad_notice_new_normal(ad_notice_t *n, const ad_ident_t *id, const char *ds,
                          bool multi_source, double time,
                          const ad_series_result_t *res);

/* Names n by the series' own identifier (id, data source ds, named with
 * it when multi_source) and formats it. Cannot fail. */
void ad_notice_identify(ad_notice_t *n, const ad_ident_t *id, const char *ds,
                        bool multi_source);

/* A series' exhaustion level change (ev), the same way. */
void ad_notice_exhaustion(ad_notice_t *n, const ad_ident_t *id, const char *ds,
                          bool multi_source, double time,
                          const ad_exhaust_event_t *ev);

/* Writes an AD_NOTICE_EXHAUSTION's message (ad_notice_format does it for
 * every kind). Cannot fail. */
void ad_notice_format_exhaustion(ad_notice_t *n);

/* Seconds as a person says them: "40 s", "23 min", "2.5 h", "3.1 days". */
void ad_notice_duration(char *out, size_t size, double seconds);

/* True when cfg wants n sent: a host's level change with NotifyHost, a
 * series' with NotifySeries, a new normal with NotifyNewNormal; mutes and
 * their ends always (they become log lines). */
bool ad_notice_wanted(const ad_notice_t *n, const ad_config_t *cfg);

#endif /* AD_NOTICE_H */
