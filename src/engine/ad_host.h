/* ad_host: the roll-up of one host's series.
 *
 * Values of one host arrive spread over an interval and over several write
 * threads. The host groups them into ticks: a tick collects every value whose
 * data time falls into the same interval-long bucket, remembers the highest
 * series risk and the series behind it, and is closed when a value of a later
 * bucket arrives (or by the caller: replay closes one per CSV row; the plugin
 * closes ticks that went stale). Closing a tick yields the host's risk for
 * that interval, moves the host's level (hits, hysteresis) and produces the
 * host report and, on a level change, a notice.
 *
 * Ticks follow data time, not the wall clock, so replay and the daemon agree.
 *
 * The host forest: each series of the host's group gets a slot in the host's
 * view, a vector of the series' latest deviations (signed, in their own
 * scales); every closed tick the vector is scored by the host's isolation
 * forest, so that combinations no single series shows (CPU rising while
 * traffic falls) raise the host's risk, and the explanation names the
 * series that made the combination odd.
 *
 * Every function here expects the caller to hold h->lock, except create and
 * destroy. */
#ifndef AD_HOST_H
#define AD_HOST_H

#include "core/ad_config.h"
#include "core/ad_ident.h"
#include "detectors/ad_alert.h"
#include "detectors/ad_level.h"
#include "detectors/ad_model.h"
#include "detectors/ad_weekly.h"
#include "engine/ad_change.h"
#include "engine/ad_exhaust.h"
#include "engine/ad_notice.h"
#include "engine/ad_series.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

typedef struct {
  bool open;
  double bucket;   /* floor(time / interval) of the tick */
  double time;     /* newest data time seen in the tick */
  double interval; /* seconds */
  double arrival;  /* caller's clock at the last value folded in */
  double max_risk; /* highest series risk; NaN while nothing scored */
  unsigned scored; /* series values with a risk in the tick */
  char driver[AD_SERIES_NAME_MAX]; /* series with max_risk */
  uint64_t driver_key;             /* its key (0: a combination) */
  double observed;                 /* its value */
  double trend, usual_trend;       /* how fast it moves (ad_series) */
  uint8_t pattern;                 /* its pattern (ad_series_result_t) */
  ad_assessment_t assessment;      /* its assessment */
} ad_tick_t;

/* The host's last closed interval, as readiness quotes "now": its risk,
 * how each member judged its riskiest series, and that series. */
typedef struct {
  double time;                      /* data time (NaN: none yet) */
  double risk;                      /* the host's risk (NaN: nothing scored) */
  double confidence;                /* the assessment's */
  double member_risk[AD_DET_COUNT]; /* each member's score (NaN: none) */
  unsigned consensus;
  char driver[AD_SERIES_NAME_MAX]; /* the riskiest series ("": none) */
} ad_host_last_t;

typedef struct ad_host_s {
  struct ad_host_s *next; /* next host in the engine's bucket */
  pthread_mutex_t lock;
  char name[AD_NAME_MAX];
  atomic_uint series; /* series tracked; changed under the hosts lock */
  unsigned anomalous; /* series whose level is not OKAY */
  ad_alert_t alert;   /* the host's level and incidents */
  ad_tick_t tick;     /* the open tick */
  double last_report; /* time of the last report (NaN: none yet) */
  /* The open incident: the series that opened it and when (NaN: none) */
  char incident_series[AD_SERIES_NAME_MAX];
  double incident_start;
  uint64_t incident_key;    /* that series' key (0: none, a combination) */
  bool incident_outside;    /* that series is still anomalous (outside its
                               band): the incident stays open */
  ad_model_t model;         /* the host forest */
  ad_weekly_t weekly;       /* its hours of the week, for readiness */
  ad_host_last_t last;      /* its last closed interval */
  ad_change_watch_t change; /* the change watched, and past verdicts */
  ad_exhaust_t exhaust;     /* series heading for their ceiling */
  unsigned slots;           /* series with a slot in the view */
  unsigned slot_capacity;
  float *latest; /* slots: each series' latest deviation */
  char (*slot_name)[AD_SERIES_NAME_MAX]; /* slots: the series' names */
  uint64_t save_stamp; /* the checkpoint batch it is in (ad_engine_save's
                          own, used under its lock only) */
  size_t save_index;   /* its place in that batch */
} ad_host_t;

/* Creates a host with no series and an OKAY level. NULL when out of memory. */
ad_host_t *ad_host_create(const char *name);

/* A copy of h for a checkpoint: its name, level, forest (ad_model_copy)
 * and view, with no tick open and no lock taken. Bounded work: callers hold
 * h->lock. NULL when out of memory. */
ad_host_t *ad_host_copy(const ad_host_t *h);

/* Frees a host; NULL allowed. */
void ad_host_destroy(ad_host_t *h);

/* True when a value at data time `time` belongs to a later tick than the open
 * one, i.e. the open tick must be closed before folding it in. */
bool ad_host_tick_ends(const ad_host_t *h, double time, double interval);

/* Gives the series (id, data source ds: NULL for single-source value lists)
 * a slot in the host forest's view when there is room for one more (at most
 * max). Returns the slot, or AD_SLOT_NONE (full, or out of memory). */
int ad_host_assign_slot(ad_host_t *h, const ad_ident_t *id, const char *ds,
                        unsigned max);

/* Folds one series result into the open tick (opening one if needed).
 * id and ds name the series (ds NULL for single-source value lists), key
 * (not 0) identifies it cheaply; the name is only formatted when this series
 * becomes the tick's driver. Also keeps
 * h->anomalous in step with the series. Muted series do not raise the
 * host's risk. */
void ad_host_fold(ad_host_t *h, const ad_ident_t *id, const char *ds,
                  uint64_t key, double time, double interval, double arrival,
                  const ad_series_result_t *res);

/* Closes the open tick: scores the host's view with its forest (when
 * cfg->host_forest and the host has two slots or more), fills report, moves
 * the host's alert state, and when that has something to report fills notice
 * and returns true. *train_due is set when the host forest's training has
 * just fallen due. With no open tick returns false and sets report->time to
 * NaN. */
bool ad_host_close_tick(ad_host_t *h, const ad_config_t *cfg,
                        ad_host_report_t *report, ad_notice_t *notice,
                        bool *train_due);

#endif /* AD_HOST_H */
