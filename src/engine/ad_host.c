/* ad_host: per-host ticks and level (see header). */
#include "engine/ad_host.h"
#include "core/ad_config.h"
#include "core/ad_text.h"
#include "detectors/ad_risk.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

ad_host_t *ad_host_create(const char *name) {
  ad_host_t *h = calloc(1, sizeof(*h));
  if (h == NULL)
    return NULL;
  if (pthread_mutex_init(&h->lock, NULL) != 0) {
    free(h);
    return NULL;
  }
  ad_notice_copy_name(h->name, name);
  atomic_init(&h->series, 0);
  h->last_report = NAN;
  h->incident_start = NAN;
  ad_alert_init(&h->alert);
  ad_weekly_init(&h->weekly);
  ad_change_init(&h->change);
  ad_exhaust_init(&h->exhaust);
  h->last = (ad_host_last_t){.time = NAN, .risk = NAN, .confidence = NAN};
  for (int i = 0; i < AD_DET_COUNT; i++)
    h->last.member_risk[i] = NAN;
  /* A seed from the name: the same host gets the same forests in replay and
   * in the daemon. */
  uint64_t seed = 1469598103934665603ULL;
  for (const char *c = h->name; *c != '\0'; c++)
    seed = (seed ^ (unsigned char)*c) * 1099511628211ULL;
  ad_model_init(&h->model, seed);
  return h;
}

ad_host_t *ad_host_copy(const ad_host_t *h) {
  ad_host_t *c = ad_host_create(h->name);
  if (c == NULL)
    return NULL;
  atomic_store(&c->series, atomic_load(&h->series));
  c->anomalous = h->anomalous;
  c->alert = h->alert;
  c->last_report = h->last_report;
  c->tick.interval = h->tick.interval;
  c->weekly = h->weekly;
  c->last = h->last;
  memcpy(c->incident_series, h->incident_series, sizeof(c->incident_series));
  c->incident_start = h->incident_start;
  int rc = ad_model_copy(&c->model, &h->model);
  if (rc == 0)
    rc = ad_change_copy(&c->change, &h->change);
  if (rc == 0)
    rc = ad_exhaust_copy(&c->exhaust, &h->exhaust);
  if (rc == 0 && h->slots > 0) {
    c->latest = malloc(h->slots * sizeof(*c->latest));
    c->slot_name = malloc(h->slots * sizeof(*c->slot_name));
    if (c->latest != NULL && c->slot_name != NULL) {
      memcpy(c->latest, h->latest, h->slots * sizeof(*c->latest));
      memcpy(c->slot_name, h->slot_name, h->slots * sizeof(*c->slot_name));
      c->slots = c->slot_capacity = h->slots;
    } else {
      rc = ENOMEM;
    }
  }
  if (rc != 0) {
    ad_host_destroy(c);
    return NULL;
  }
  return c;
}

void ad_host_destroy(ad_host_t *h) {
  if (h == NULL)
    return;
  ad_model_release(&h->model);
  ad_change_release(&h->change);
  ad_exhaust_free(&h->exhaust);
  free(h->latest);
  free(h->slot_name);
  pthread_mutex_destroy(&h->lock);
  free(h);
}

int ad_host_assign_slot(ad_host_t *h, const ad_ident_t *id, const char *ds,
                        unsigned max) {
  if (h->slots >= max || h->slots >= AD_IFOREST_MAX_DIM)
    return AD_SLOT_NONE;
  if (h->slots == h->slot_capacity) {
    /* grows by eight: hosts are created with none */
    unsigned capacity = h->slot_capacity + 8;
    float *latest = realloc(h->latest, capacity * sizeof(*latest));
    if (latest == NULL)
      return AD_SLOT_NONE;
    h->latest = latest;
    char(*names)[AD_SERIES_NAME_MAX] =
        realloc(h->slot_name, capacity * sizeof(*names));
    if (names == NULL)
      return AD_SLOT_NONE;
    h->slot_name = names;
    h->slot_capacity = capacity;
  }
  unsigned slot = h->slots++;
  h->latest[slot] = 0.0f; /* ordinary until it says otherwise */
  ad_ident_series_name(id, ds, h->slot_name[slot], AD_SERIES_NAME_MAX);
  return (int)slot;
}

static double bucket_of(double time, double interval) {
  return interval > 0.0 ? floor(time / interval) : time;
}

bool ad_host_tick_ends(const ad_host_t *h, double time, double interval) {
  return h->tick.open && bucket_of(time, interval) > h->tick.bucket;
}

static void tick_open(ad_tick_t *t, double time, double interval) {
  t->open = true;
  t->bucket = bucket_of(time, interval);
  t->time = time;
  t->interval = interval;
  t->max_risk = NAN;
  t->scored = 0;
  t->driver[0] = '\0';
  t->driver_key = 0;
  t->observed = NAN;
  t->trend = t->usual_trend = NAN;
}

void ad_host_fold(ad_host_t *h, const ad_ident_t *id, const char *ds,
                  uint64_t key, double time, double interval, double arrival,
                  const ad_series_result_t *res) {
  if (res->anomalous && !res->was_anomalous)
    h->anomalous++;
  else if (!res->anomalous && res->was_anomalous && h->anomalous > 0)
    h->anomalous--;
  if (res->slot >= 0 && (unsigned)res->slot < h->slots && !isnan(res->z))
    h->latest[res->slot] =
        (float)fmax(-AD_RESERVOIR_LIMIT, fmin(AD_RESERVOIR_LIMIT, res->z));
  /* while an incident is open: is the series that opened it still
   * anomalous, or its value still outside its band (not back yet)? */
  if (!isnan(h->incident_start) && key != 0 && key == h->incident_key)
    h->incident_outside = res->anomalous || res->outside;
  if (h->change.slot != NULL) {
    const ad_detector_output_t *m = res->assessment.member;
    /* signed, so that noise around the forecast cancels in the mean */
    double dev = copysign(m[AD_DET_SEASONAL].deviation,
                          res->value - m[AD_DET_SEASONAL].expected);
    ad_change_value_t v = {.deviation = dev,
                           .value = res->value,
                           .expected = m[AD_DET_SEASONAL].expected,
                           .recent = m[AD_DET_SLIDING_WINDOW].expected,
                           .normal_from =
                               res->new_normal ? res->normal_from : NAN,
                           .normal_to = res->new_normal ? res->normal_to : NAN};
    ad_change_observe(&h->change, key, id, ds, time, &v);
  }
  ad_tick_t *t = &h->tick;
  if (!t->open)
    tick_open(t, time, interval);
  /* A late value (older bucket) still counts, in the open tick. */
  if (time > t->time)
    t->time = time;
  t->arrival = arrival;
  double risk = res->assessment.risk;
  if (isnan(risk) || res->muted)
    return;
  t->scored++;
  if (isnan(t->max_risk) || risk > t->max_risk) {
    t->max_risk = risk;
    t->observed = res->value;
    t->trend = res->trend;
    t->usual_trend = res->usual_trend;
    t->pattern = res->pattern;
    t->assessment = res->assessment;
    ad_ident_series_name(id, ds, t->driver, sizeof(t->driver));
    t->driver_key = key;
  }
}

/* The series that make the combination: the slot the forest credits most,
 * and as its partner the most credited one that moved the other way (the
 * other side of a broken relation: CPU up, traffic down), or else the next
 * most credited. */
static void top_slots(const ad_host_t *h, int *first, int *second) {
  float shares[AD_IFOREST_MAX_DIM];
  *first = *second = -1;
  if (!ad_model_attribute(&h->model, h->latest, h->slots, shares))
    return;
  for (unsigned j = 0; j < h->slots; j++)
    if (*first < 0 || shares[j] > shares[*first])
      *first = (int)j;
  bool up = h->latest[*first] > 0;
  int opposite = -1;
  for (unsigned j = 0; j < h->slots; j++) {
    if ((int)j == *first)
      continue;
    if ((h->latest[j] > 0) != up &&
        (opposite < 0 || shares[j] > shares[opposite]))
      opposite = (int)j;
    if (*second < 0 || shares[j] > shares[*second])
      *second = (int)j;
  }
  if (opposite >= 0)
    *second = opposite;
}

/* Scores the host's view with its forest: the forest member's calibrated
 * output (NONE while the forest says nothing). */
static ad_detector_output_t host_forest(ad_host_t *h, const ad_config_t *cfg,
                                        const ad_tick_t *t, bool *train_due,
                                        int *relation) {
  *relation = -1;
  if (!cfg->host_forest || h->slots < 2 ||
      !(cfg->weights[AD_DET_ISOLATION_FOREST] > 0))
    return AD_DETECTOR_OUTPUT_NONE;
  ad_model_params_t params = cfg->host_model;
  params.lag = fmax(AD_MODEL_MIN_LAG, AD_MODEL_LAG_STEPS * t->interval);
  double deviation, score;
  *train_due = ad_model_observe(&h->model, &params, t->time, t->interval,
                                h->latest, h->slots, &deviation, &score);
  double broken = ad_model_relation(&h->model, h->latest, h->slots, relation);
  double per_day = t->interval > 0 ? AD_DAY / t->interval : 1440.0;
  return ad_model_member(&h->model, deviation, broken,
                         cfg->calibration_days * per_day, cfg->risk_rarity,
                         per_day);
}

/* What a closed interval says about its host. */
typedef struct {
  double risk;          /* the host's (NaN: nothing scored) */
  double series_risk;   /* the riskiest series', for the host's size */
  double forest_risk;   /* the host forest's (NaN: none) */
  int first, second;    /* slots the forest credits most (-1: none), when it
                           sets the risk at WARNING or above */
  double relation_corr; /* ...when they are a broken relation, its
                           correlation (0: none) */
} host_judgement_t;

/* The two series behind the host forest's verdict: when a broken relation
 * was its most surprising look, that relation's pair, the one further from
 * its usual place first; otherwise the forest's attribution (top_slots). */
static void explaining_slots(const ad_host_t *h, int relation,
                             host_judgement_t *j) {
  const ad_model_relations_t *mr = h->model.relations;
  int *first = &j->first, *second = &j->second;
  if (mr != NULL && mr->led && relation >= 0 && relation < mr->in_force.count) {
    const ad_relation_t *p = &mr->in_force.pair[relation];
    j->relation_corr = p->corr;
    *first = (int)ad_relation_leader(p, h->latest);
    *second = *first == p->a ? p->b : p->a;
    return;
  }
  top_slots(h, first, second);
}

/* Judges interval t: the riskiest series for the host's size, or the host
 * forest when it finds the combination rarer; the forest's judgement then
 * becomes the tick's assessment and explanation. */
static host_judgement_t judge_tick(ad_host_t *h, const ad_config_t *cfg,
                                   ad_tick_t *t, bool *train_due) {
  /* Among n series, a deviation that is once-a-month for one of them is
   * n times more frequent for the host: the riskiest series' risk loses
   * what n times less rare costs, so that a host with a hundred quiet
   * series is not notified a hundred times as often as one series. */
  host_judgement_t j = {.risk = t->max_risk, .first = -1, .second = -1};
  if (!isnan(j.risk) && t->scored > 1)
    j.risk = fmax(0.0, j.risk - AD_RISK_PER_DECADE * log10(t->scored));
  j.series_risk = j.risk;
  int relation;
  ad_detector_output_t forest = host_forest(h, cfg, t, train_due, &relation);
  j.forest_risk = forest.score;
  if (!isnan(forest.score) && (isnan(j.risk) || forest.score > j.risk)) {
    j.risk = forest.score;
    if (forest.score >= cfg->levels.warning)
      explaining_slots(h, relation, &j);
  }
  if (j.first >= 0) {
    ad_detector_output_t members[AD_DET_COUNT] = {
        AD_DETECTOR_OUTPUT_NONE, AD_DETECTOR_OUTPUT_NONE, forest};
    ad_meta_combine(cfg->weights, &cfg->levels, members, &t->assessment);
    memcpy(t->driver, h->slot_name[j.first], sizeof(t->driver));
    t->driver_key = 0;
    t->observed = NAN;
    t->trend = t->usual_trend = NAN;
    t->pattern = 0;
  }
  return j;
}

/* The gauge: the risk, but while an incident is open at least the
 * threshold of its level: an interval of low risk inside an incident (the
 * level's hysteresis, the incident gap) does not read as "all clear" to a
 * rule on the gauge while the notification still says FAILURE. */
static double held_risk(double risk, ad_level_t level,
                        const ad_level_params_t *levels) {
  double floor = level == AD_LEVEL_FAILURE   ? levels->failure
                 : level == AD_LEVEL_WARNING ? levels->warning
                                             : 0.0;
  return fmax(risk, floor);
}

static void fill_report(ad_host_t *h, const ad_config_t *cfg,
                        const ad_tick_t *t, const host_judgement_t *j,
                        unsigned total, unsigned anomalous,
                        ad_host_report_t *report) {
  ad_notice_copy_name(report->host, h->name);
  /* Report times must increase per host (collectd's cache refuses a value
   * that is not newer), even when a late value reopened an old bucket. */
  report->time = t->time;
  if (!isnan(h->last_report) && !(report->time > h->last_report))
    report->time = h->last_report + 1e-3;
  h->last_report = report->time;
  report->interval = t->interval;
  report->risk = isnan(j->risk) ? 0.0 : j->risk;
  report->series_risk = j->series_risk;
  report->forest_risk = j->forest_risk;
  report->total = total;
  report->anomalous = anomalous;
  report->percent_anomalous = total > 0 ? 100.0 * anomalous / total : 0.0;
  report->scored = t->scored;
  report->level = ad_alert_level(&h->alert);
  report->gauge = held_risk(report->risk, report->level, &cfg->levels);
  report->observed = t->observed;
  report->assessment = t->assessment;
}

static void fill_notice(const ad_host_t *h, const ad_tick_t *t,
                        const host_judgement_t *j, ad_alert_event_t event,
                        ad_level_t previous, const ad_host_report_t *report,
                        ad_notice_t *notice) {
  *notice = (ad_notice_t){
      .kind = ad_notice_kind(event),
      .scope = AD_SCOPE_HOST,
      .time = t->time,
      .level = report->level,
      .previous = previous,
      .observed = t->observed,
      .trend = t->trend,
      .usual_trend = t->usual_trend,
      .pattern = t->pattern,
      .risk = j->risk,
      .assessment = t->assessment,
      .anomalous = report->anomalous,
      .total = report->total,
  };
  ad_notice_copy_name(notice->host, h->name);
  ad_notice_copy_name(notice->plugin, "anomaly");
  memcpy(notice->series, t->driver, sizeof(notice->series));
  if (j->first >= 0) {
    notice->combination = true;
    notice->driver_z = h->latest[j->first];
    if (j->second >= 0) {
      memcpy(notice->partner, h->slot_name[j->second], sizeof(notice->partner));
      notice->partner_z = h->latest[j->second];
      notice->relation_corr = j->relation_corr;
    }
  }
  ad_notice_format(notice);
}

/* An incident opens: its series and time are remembered. It ends: the OKAY
 * names that series and says how long it lasted (not the series that
 * happens to be riskiest as it ends, which may have nothing to do with
 * it), and is written again. */
static void remember_incident(ad_host_t *h, const ad_tick_t *t,
                              ad_notice_t *notice) {
  if (notice->kind != AD_NOTICE_LEVEL)
    return;
  if (notice->previous == AD_LEVEL_OKAY && notice->level != AD_LEVEL_OKAY) {
    memcpy(h->incident_series, notice->series, sizeof(h->incident_series));
    h->incident_start = t->time;
    h->incident_key = t->driver_key;
    h->incident_outside = t->driver_key != 0;
  } else if (notice->level == AD_LEVEL_OKAY) {
    if (!isnan(h->incident_start)) {
      memcpy(notice->series, h->incident_series, sizeof(notice->series));
      notice->lasted = fmax(t->time - h->incident_start, 0.0);
      notice->combination = false;
      ad_notice_format(notice);
    }
    h->incident_start = NAN;
  }
}

/* What readiness learns from a closed interval: its hour of the week and
 * the host's last interval. */
static void learn_interval(ad_host_t *h, const ad_tick_t *t,
                           const host_judgement_t *j,
                           const ad_host_report_t *report, bool onset) {
  ad_weekly_fold(&h->weekly, t->time, t->interval, j->risk,
                 report->level != AD_LEVEL_OKAY, onset);
  ad_host_last_t *last = &h->last;
  last->time = report->time;
  last->risk = j->risk;
  last->confidence = t->assessment.confidence;
  for (int i = 0; i < AD_DET_COUNT; i++)
    last->member_risk[i] = t->assessment.member[i].score;
  last->consensus = t->assessment.consensus;
  memcpy(last->driver, t->driver, sizeof(last->driver));
}

static void add_timeleft(void *ctx, const ad_exhaust_entry_t *e) {
  ad_host_report_t *r = ctx;
  if (r->timeleft_count >= AD_REPORT_TIMELEFT_MAX)
    return;
  memcpy(r->timeleft[r->timeleft_count].instance, e->metric, sizeof(e->metric));
  r->timeleft[r->timeleft_count++].seconds = e->left.seconds;
}

bool ad_host_close_tick(ad_host_t *h, const ad_config_t *cfg,
                        ad_host_report_t *report, ad_notice_t *notice,
                        bool *train_due) {
  ad_tick_t *t = &h->tick;
  *report = (ad_host_report_t){.time = NAN};
  *train_due = false;
  if (!t->open)
    return false;
  t->open = false;
  host_judgement_t j = judge_tick(h, cfg, t, train_due);
  const ad_alert_params_t alert = ad_config_alert_params(cfg);
  ad_level_t level = AD_LEVEL_OKAY, previous = ad_alert_level(&h->alert);
  /* the incident's series is still out, or a relation still broken */
  bool outside = !isnan(h->incident_start) &&
                 (h->incident_outside ||
                  (h->model.relations != NULL && h->model.relations->broken));
  ad_alert_event_t event = ad_alert_update(&h->alert, &alert, t->time, j.risk,
                                           outside, &level, &previous);
  unsigned total = atomic_load(&h->series);
  unsigned anomalous = h->anomalous < total ? h->anomalous : total;
  fill_report(h, cfg, t, &j, total, anomalous, report);
  ad_exhaust_each_left(&h->exhaust, t->time, add_timeleft, report);
  bool onset = event == AD_ALERT_NOTIFY && previous == AD_LEVEL_OKAY &&
               level != AD_LEVEL_OKAY;
  learn_interval(h, t, &j, report, onset);
  if (event == AD_ALERT_NONE)
    return false;
  fill_notice(h, t, &j, event, previous, report, notice);
  remember_incident(h, t, notice);
  if (ad_change_watching(&h->change, t->time))
    ad_change_label(notice, h->change.open.what);
  return true;
}
