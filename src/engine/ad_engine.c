/* ad_engine: the engine's life and its write path (see header;
 * ad_engine_private.h for the data structures and the lock order). */
#include "core/ad_text.h"
#include "engine/ad_advice.h"
#include "engine/ad_engine_private.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Value lists whose forest is due, waiting for the trainer; beyond it they
 * are found by a scan. */
#define TRAIN_QUEUE 65536

ad_engine_t *ad_engine_create(ad_config_t *cfg, const ad_sink_t *sink) {
  ad_engine_t *e = calloc(1, sizeof(*e));
  if (e == NULL)
    return NULL;
  e->table = ad_table_create();
  if (e->table == NULL) {
    free(e);
    return NULL;
  }
  /* a value list is queued once at most: no more room than series */
  size_t queue = cfg->max_series < TRAIN_QUEUE ? cfg->max_series : TRAIN_QUEUE;
  if (ad_queue_init(&e->due, queue > 16 ? queue : 16) != 0) {
    ad_table_destroy(e->table, NULL, NULL);
    free(e);
    return NULL;
  }
  ad_hosts_init(&e->hosts);
  pthread_mutex_init(&e->save_lock, NULL);
  atomic_init(&e->series_count, 0);
  atomic_init(&e->hosts_due, 0);
  e->sink = *sink;
  e->cfg = *cfg;
  cfg->rules = NULL; /* now owned by the engine */
  return e;
}

void ad_engine_destroy(ad_engine_t *e) {
  if (e == NULL)
    return;
  ad_table_destroy(e->table, NULL, NULL);
  ad_hosts_destroy(&e->hosts);
  pthread_mutex_destroy(&e->save_lock);
  ad_queue_destroy(&e->due);
  ad_config_release(&e->cfg);
  free(e);
}

const ad_config_t *ad_engine_config(const ad_engine_t *e) { return &e->cfg; }

/* ---- what the engine shares between its files ---------------------------- */

void ad_engine_emit_report(ad_engine_t *e, const ad_host_report_t *r) {
  if (e->sink.host_report != NULL)
    e->sink.host_report(e->sink.ctx, r);
}

void ad_engine_emit_notice(ad_engine_t *e, const ad_notice_t *n) {
  if (e->sink.notice == NULL)
    return;
  /* the suggestion comes last, on what was finally said */
  ad_notice_t advised = *n;
  ad_advice_apply(&advised);
  e->sink.notice(e->sink.ctx, &advised);
}

void ad_engine_emit_training_due(ad_engine_t *e) {
  if (e->sink.training_due != NULL)
    e->sink.training_due(e->sink.ctx);
}

bool ad_engine_close_tick(ad_engine_t *e, ad_host_t *h,
                          ad_host_report_t *report, ad_notice_t *notice,
                          bool *due) {
  bool changed = ad_host_close_tick(h, &e->cfg, report, notice, due);
  if (*due)
    atomic_fetch_add(&e->hosts_due, 1);
  return changed;
}

void ad_engine_release_vlist(ad_engine_t *e, ad_vlist_t *v) {
  ad_host_t *h = v->host;
  ad_hosts_detach(&e->hosts, h, v->count);
  unsigned anomalous = 0;
  for (unsigned i = 0; i < v->count; i++)
    anomalous += ad_alert_anomalous(&v->series[i].alert);
  if (anomalous > 0) {
    pthread_mutex_lock(&h->lock);
    h->anomalous = h->anomalous > anomalous ? h->anomalous - anomalous : 0;
    pthread_mutex_unlock(&h->lock);
  }
  atomic_fetch_sub(&e->series_count, v->count);
  ad_vlist_destroy(v);
}

/* ---- the write path --------------------------------------------------------
 */

/* Creates the value list for key (shard locked). Returns NULL and sets
 * *status to ENOSPC or ENOMEM when it cannot. */
static ad_vlist_t *vlist_create(ad_engine_t *e, const ad_ident_t *id,
                                const char *key, size_t len, uint64_t hash,
                                const ad_sample_t *sample, int *status) {
  size_t count = sample->count;
  if (atomic_fetch_add(&e->series_count, count) + count > e->cfg.max_series) {
    atomic_fetch_sub(&e->series_count, count);
    *status = ENOSPC;
    return NULL;
  }
  ad_vlist_t *v =
      ad_vlist_create(key, len, hash, count, sample->ds_names, &e->cfg);
  ad_host_t *h =
      v != NULL ? ad_hosts_attach(&e->hosts, id->host, (unsigned)count) : NULL;
  if (h == NULL) {
    ad_vlist_destroy(v);
    atomic_fetch_sub(&e->series_count, count);
    *status = ENOMEM;
    return NULL;
  }
  v->host = h;
  ad_table_insert(e->table, v);
  return v;
}

/* Gives the value list's series their slots in the host forest's view, the
 * first time they are seen (shard and host locked). */
static void assign_slots(ad_engine_t *e, ad_host_t *h, ad_vlist_t *v,
                         const ad_ident_t *id, bool multi,
                         ad_series_result_t *res) {
  const char *name = v->names;
  for (unsigned i = 0; i < v->count; i++, name += strlen(name) + 1) {
    ad_series_t *s = &v->series[i];
    if (s->host_slot == AD_SLOT_UNASSIGNED)
      s->host_slot =
          (int16_t)(ad_rules_host_group(e->cfg.rules, id)
                        ? ad_host_assign_slot(h, id, multi ? name : NULL,
                                              e->cfg.host_forest_series)
                        : AD_SLOT_NONE);
    res[i].slot = s->host_slot;
  }
}

/* What makes a sample unusable (EINVAL), before anything is looked up. */
static bool sample_valid(const ad_ident_t *id, const ad_sample_t *sample) {
  if (!ad_ident_valid(id) || sample->count == 0 ||
      sample->count > AD_VLIST_MAX_SOURCES)
    return false;
  /* the detectors' clocks: a time that is not finite would stop them for
   * good (nothing is ever after infinity) */
  if (!isfinite(sample->time) || !isfinite(sample->arrival) ||
      !isfinite(sample->interval) || sample->interval < 0)
    return false;
  for (size_t i = 0; i < sample->count; i++) {
    const char *ds = sample->ds_names[i];
    size_t n = ds != NULL ? strnlen(ds, AD_NAME_MAX) : 0;
    if (n >= AD_NAME_MAX || (ds != NULL && !ad_text_utf8(ds, n)))
      return false;
  }
  return true;
}

/* The value list of key, made or started afresh as the sample needs (shard
 * locked). NULL with *status ENOSPC or ENOMEM. */
static ad_vlist_t *vlist_for(ad_engine_t *e, const ad_ident_t *id,
                             const char *key, size_t len, uint64_t hash,
                             const ad_sample_t *sample, int *status) {
  ad_vlist_t *v = ad_table_find(e->table, hash, key, len);
  if (v != NULL && !ad_vlist_same_sources(v, sample->count, sample->ds_names)) {
    /* The type's data sources changed (another types.db on a sender): what
     * was learned about the old ones no longer applies. */
    ad_table_remove(e->table, v);
    ad_engine_release_vlist(e, v);
    v = NULL;
  }
  return v != NULL ? v : vlist_create(e, id, key, len, hash, sample, status);
}

/* The series' notices of one sample, sent (no lock held). */
static void emit_series(ad_engine_t *e, const ad_ident_t *id,
                        const ad_sample_t *sample,
                        const ad_series_result_t *res, const char *after) {
  bool multi = sample->count > 1;
  for (size_t i = 0; i < sample->count; i++) {
    const char *ds = sample->ds_names[i] != NULL ? sample->ds_names[i] : "";
    ad_notice_t notice;
    if (res[i].new_normal) {
      ad_notice_new_normal(&notice, id, ds, multi, sample->time, &res[i]);
      ad_change_label(&notice, after);
      if (ad_notice_wanted(&notice, &e->cfg))
        ad_engine_emit_notice(e, &notice);
    }
    if (res[i].event != AD_ALERT_NONE) {
      ad_notice_series(&notice, id, ds, multi, sample->time, &res[i]);
      ad_change_label(&notice, after);
      if (ad_notice_wanted(&notice, &e->cfg))
        ad_engine_emit_notice(e, &notice);
    }
  }
}

/* A value list's role for time to exhaustion (ad_capacity), looked up
 * once, its whole's hash, and its series' fresh slow-trend estimates
 * (drift[i] where res[i].drift_learned; shard locked). */
typedef struct {
  ad_capacity_role_t role;
  uint64_t whole;
  const ad_drift_estimate_t *drift;
  double *peak;    /* ...and their seasonal shapes' peaks */
  double *maximum; /* their ceilings: a Capacity rule's, or types.db's */
} capacity_t;

/* The value list's role, looked up once: a Capacity rule's ceiling for a
 * series makes it bounded by that, whatever its type. */
static void learn_role(const ad_config_t *cfg, ad_vlist_t *v,
                       const ad_ident_t *id) {
  ad_capacity_role_t role = ad_capacity_role(id);
  const char *ds = v->names;
  for (unsigned i = 0; cfg->capacity != NULL && i < v->count;
       i++, ds += strlen(ds) + 1) {
    char name[AD_SERIES_NAME_MAX];
    ad_ident_series_name(id, v->count > 1 ? ds : NULL, name, sizeof(name));
    v->series[i].capacity_max =
        (float)ad_capacity_rules_max(cfg->capacity, name);
    if (!isnan(v->series[i].capacity_max))
      role = AD_CAPACITY_MAXIMUM;
  }
  v->capacity = (uint8_t)role;
}

static capacity_t capacity_of(const ad_engine_t *e, ad_vlist_t *v,
                              const ad_ident_t *id, const ad_sample_t *sample,
                              ad_series_result_t *res,
                              ad_drift_estimate_t *drift, double *peak,
                              double *maximum) {
  if (v->capacity == AD_CAPACITY_UNKNOWN)
    learn_role(&e->cfg, v, id);
  capacity_t c = {.role = (ad_capacity_role_t)v->capacity,
                  .drift = drift,
                  .peak = peak,
                  .maximum = maximum};
  if (c.role <= AD_CAPACITY_NONE)
    return c;
  /* a series bounded by its maximum is news only when its slow trend has
   * something new to say (once a quarter hour): the rest of the time
   * nothing is folded, so the write path pays one test */
  bool fresh = false;
  for (unsigned i = 0; i < v->count; i++)
    fresh |= res[i].drift_learned;
  if (c.role == AD_CAPACITY_MAXIMUM && !fresh) {
    c.role = AD_CAPACITY_NONE;
    return c;
  }
  bool bounded = c.role != AD_CAPACITY_MAXIMUM;
  for (unsigned i = 0; i < v->count; i++) {
    maximum[i] = !isnan(v->series[i].capacity_max) ? v->series[i].capacity_max
                 : sample->ds_max != NULL          ? sample->ds_max[i]
                                                   : NAN;
    bounded |= isfinite(maximum[i]);
  }
  if (!bounded) { /* no ceiling to head for: nothing to fold */
    c.role = AD_CAPACITY_NONE;
    return c;
  }
  for (unsigned i = 0; i < v->count; i++) {
    const ad_series_t *s = &v->series[i];
    /* only a series that can fill is judged, and only a rising one has
     * its seasonal peak looked up (a loop over the profiles) */
    if (res[i].drift_learned)
      res[i].drift_learned =
          c.role != AD_CAPACITY_PART && ad_drift_estimate(&s->drift, &drift[i]);
    c.peak[i] =
        res[i].drift_learned && drift[i].significant && drift[i].net_slope > 0
            ? drift[i].shape * ad_season_profile_peak(&s->season)
            : 0.0;
  }
  if (c.role == AD_CAPACITY_PART || c.role == AD_CAPACITY_FILLER) {
    /* plugin, plugin instance and type: the key less host and type
     * instance */
    const char *from = v->key + strlen(v->key) + 1, *to = from;
    for (int i = 0; i < 3; i++)
      to += strlen(to) + 1;
    c.whole = ad_table_hash(from, (size_t)(to - from));
  }
  return c;
}

/* The sample's series folded into the host's exhaustion watch (host
 * locked). */
static void fold_capacity(ad_engine_t *e, ad_host_t *h, const capacity_t *c,
                          const ad_ident_t *id, const ad_sample_t *sample,
                          uint64_t hash, const ad_series_result_t *res,
                          ad_exhaust_event_t *events) {
  bool multi = sample->count > 1;
  for (size_t i = 0; i < sample->count; i++) {
    ad_exhaust_input_t in = {.role = c->role,
                             .key = ad_vlist_series_key(hash, i),
                             .whole = c->whole,
                             .id = id,
                             .ds = multi ? sample->ds_names[i] : NULL,
                             .time = sample->time,
                             .value = res[i].value,
                             .maximum = c->maximum[i],
                             .drift =
                                 res[i].drift_learned ? &c->drift[i] : NULL,
                             .peak = res[i].drift_learned ? c->peak[i] : 0.0};
    ad_exhaust_fold(&h->exhaust, &e->cfg, &in, &events[i]);
  }
}

static void emit_exhaustion(ad_engine_t *e, const ad_ident_t *id,
                            const ad_sample_t *sample,
                            const ad_exhaust_event_t *events) {
  bool multi = sample->count > 1;
  for (size_t i = 0; i < sample->count; i++) {
    if (!events[i].changed)
      continue;
    ad_notice_t n;
    const char *ds = sample->ds_names[i] != NULL ? sample->ds_names[i] : "";
    ad_notice_exhaustion(&n, id, ds, multi, sample->time, &events[i]);
    if (ad_notice_wanted(&n, &e->cfg))
      ad_engine_emit_notice(e, &n);
  }
}

int ad_engine_submit(ad_engine_t *e, const ad_ident_t *id,
                     const ad_sample_t *sample) {
  if (!sample_valid(id, sample))
    return EINVAL;
  if (!ad_rules_select(e->cfg.rules, id))
    return 0;
  char key[AD_IDENT_KEY_MAX];
  size_t len = ad_ident_key(id, key);
  uint64_t hash = ad_table_hash(key, len);
  bool multi = sample->count > 1;
  int status = 0;

  ad_table_lock(e->table, hash);
  ad_vlist_t *v = vlist_for(e, id, key, len, hash, sample, &status);
  if (v == NULL) {
    ad_table_unlock(e->table, hash);
    return status;
  }
  v->last_arrival = sample->arrival;
  ad_series_result_t res[AD_VLIST_MAX_SOURCES];
  bool vlist_due =
      ad_vlist_observe(v, &e->cfg, sample->time, sample->values,
                       (ad_vlist_range_t){sample->ds_min, sample->ds_max}, res);
  /* Take the host lock before letting go of the shard: while v is in the
   * table its host has series, and once we hold the host lock with a tick
   * open, housekeeping cannot free the host under us. */
  ad_host_t *h = v->host;
  ad_drift_estimate_t drift[AD_VLIST_MAX_SOURCES];
  double peak[AD_VLIST_MAX_SOURCES], maximum[AD_VLIST_MAX_SOURCES];
  capacity_t capacity =
      capacity_of(e, v, id, sample, res, drift, peak, maximum);
  pthread_mutex_lock(&h->lock);
  if (e->cfg.host_forest)
    assign_slots(e, h, v, id, multi, res);
  ad_table_unlock(e->table, hash);
  if (vlist_due)
    ad_queue_push(&e->due, hash);

  ad_host_report_t report;
  ad_notice_t host_notice;
  bool closed = false, host_changed = false, host_due = false;
  if (ad_host_tick_ends(h, sample->time, sample->interval)) {
    closed = true;
    host_changed = ad_engine_close_tick(e, h, &report, &host_notice, &host_due);
  }
  for (size_t i = 0; i < sample->count; i++)
    ad_host_fold(h, id, multi ? sample->ds_names[i] : NULL,
                 ad_vlist_series_key(hash, i), sample->time, sample->interval,
                 sample->arrival, &res[i]);
  ad_exhaust_event_t exhausted[AD_VLIST_MAX_SOURCES];
  if (capacity.role > AD_CAPACITY_NONE)
    fold_capacity(e, h, &capacity, id, sample, hash, res, exhausted);
  char after[AD_NOTICE_AFTER_MAX];
  after[0] = '\0'; /* not a 128-byte memset per value */
  if (ad_change_watching(&h->change, sample->time))
    memcpy(after, h->change.open.what, sizeof(after));
  pthread_mutex_unlock(&h->lock);
  if (vlist_due || host_due)
    ad_engine_emit_training_due(e);

  if (closed) {
    ad_engine_emit_report(e, &report);
    if (host_changed && ad_notice_wanted(&host_notice, &e->cfg))
      ad_engine_emit_notice(e, &host_notice);
  }
  emit_series(e, id, sample, res, after);
  if (capacity.role > AD_CAPACITY_NONE)
    emit_exhaustion(e, id, sample, exhausted);
  return status;
}

int ad_engine_flush_host(ad_engine_t *e, const char *host) {
  ad_host_t *h = ad_hosts_lock(&e->hosts, host);
  if (h == NULL)
    return ENOENT;
  ad_host_report_t report;
  ad_notice_t notice;
  bool due;
  bool changed = ad_engine_close_tick(e, h, &report, &notice, &due);
  pthread_mutex_unlock(&h->lock);
  if (due)
    ad_engine_emit_training_due(e);
  if (!isnan(report.time)) {
    ad_engine_emit_report(e, &report);
    if (changed && ad_notice_wanted(&notice, &e->cfg))
      ad_engine_emit_notice(e, &notice);
  }
  return 0;
}

/* ---- questions ------------------------------------------------------------
 */

int ad_engine_series_info(ad_engine_t *e, const ad_ident_t *id, const char *ds,
                          ad_series_info_t *info) {
  if (!ad_ident_valid(id) || strnlen(ds, AD_NAME_MAX) >= AD_NAME_MAX)
    return ENOENT;
  char key[AD_IDENT_KEY_MAX];
  size_t len = ad_ident_key(id, key);
  uint64_t hash = ad_table_hash(key, len);
  ad_table_lock(e->table, hash);
  ad_vlist_t *v = ad_table_find(e->table, hash, key, len);
  int i = v != NULL ? ad_vlist_source_index(v, ds) : -1;
  if (i >= 0) {
    const ad_series_t *s = &v->series[i];
    *info = (ad_series_info_t){
        .values_learned = s->window.seen,
        .level = ad_alert_level(&s->alert),
        .last_time = s->last_time,
        .forest_trainings = v->model != NULL ? v->model->trainings : 0,
        .forest_score = v->model != NULL ? v->model->last_score : NAN};
  }
  ad_table_unlock(e->table, hash);
  return i >= 0 ? 0 : ENOENT;
}

double ad_engine_host_last_time(ad_engine_t *e, const char *host) {
  ad_host_t *h = ad_hosts_lock(&e->hosts, host);
  if (h == NULL)
    return NAN;
  double t = h->last_report;
  pthread_mutex_unlock(&h->lock);
  return t;
}

size_t ad_engine_series_count(ad_engine_t *e) {
  return atomic_load(&e->series_count);
}

size_t ad_engine_host_count(ad_engine_t *e) {
  return ad_hosts_count(&e->hosts);
}
