/* ad_engine: the detector engine (see header).
 *
 * Data structures: a sharded table of value lists (ad_table), each holding the
 * series of its data sources, and a small hash map of hosts behind one mutex,
 * consulted only when a value list is created or removed and by
 * housekeeping. Each value list points at its host; a host lives as long as
 * it has series (host->series counts them, changed only under the hosts
 * lock, so a host cannot vanish while a new value list attaches to it).
 *
 * Lock order: shard -> hosts -> host. The write path takes the shard lock for
 * the series update and the host lock for the roll-up, handing over from one
 * to the other without a gap (see ad_engine_submit). */
#include "engine/ad_engine.h"
#include "engine/ad_host.h"
#include "state/ad_persist.h"
#include "engine/ad_queue.h"
#include "engine/ad_table.h"
#include "core/ad_text.h"
#include "engine/ad_vlist.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define HOST_BUCKETS 1024 /* power of two */
/* Value lists whose forest is due, waiting for the trainer; beyond it they
 * are found by a scan. */
#define TRAIN_QUEUE 65536
/* Key = the five fields, NUL separated. */
#define KEY_MAX (5 * AD_NAME_MAX)

struct ad_engine_s {
  ad_config_t cfg;
  ad_sink_t sink;
  ad_table_t *table;
  atomic_size_t series_count;
  pthread_mutex_t hosts_lock;
  ad_host_t *hosts[HOST_BUCKETS];
  size_t host_count;
  ad_queue_t due;            /* value lists whose forest is due */
  atomic_uint hosts_due;     /* host forests fallen due since last look */
  pthread_mutex_t save_lock; /* one checkpoint at a time */
  uint64_t save_stamp;       /* the last checkpoint batch (save_lock) */
};

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
  pthread_mutex_init(&e->hosts_lock, NULL);
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
  for (size_t b = 0; b < HOST_BUCKETS; b++) {
    for (ad_host_t *h = e->hosts[b], *next; h != NULL; h = next) {
      next = h->next;
      ad_host_destroy(h);
    }
  }
  pthread_mutex_destroy(&e->hosts_lock);
  pthread_mutex_destroy(&e->save_lock);
  ad_queue_destroy(&e->due);
  ad_config_release(&e->cfg);
  free(e);
}

const ad_config_t *ad_engine_config(const ad_engine_t *e) { return &e->cfg; }

/* ---- hosts ----------------------------------------------------------------
 */

static size_t host_bucket(const char *name) {
  return ad_table_hash(name, strlen(name)) & (HOST_BUCKETS - 1);
}

/* Finds a host; hosts_lock must be held. */
static ad_host_t *host_find(ad_engine_t *e, const char *name) {
  for (ad_host_t *h = e->hosts[host_bucket(name)]; h != NULL; h = h->next)
    if (strcmp(h->name, name) == 0)
      return h;
  return NULL;
}

/* Finds or creates a host and counts `series` more series on it. */
static ad_host_t *host_attach(ad_engine_t *e, const char *name,
                              unsigned series) {
  pthread_mutex_lock(&e->hosts_lock);
  ad_host_t *h = host_find(e, name);
  if (h == NULL) {
    h = ad_host_create(name);
    if (h != NULL) {
      size_t b = host_bucket(name);
      h->next = e->hosts[b];
      e->hosts[b] = h;
      e->host_count++;
    }
  }
  if (h != NULL)
    atomic_fetch_add(&h->series, series);
  pthread_mutex_unlock(&e->hosts_lock);
  return h;
}

/* Counts a value list's series less on its host; the host itself is removed
 * later by housekeeping, once it has no series and no open tick. */
static void host_detach(ad_engine_t *e, ad_vlist_t *v) {
  ad_host_t *h = v->host;
  pthread_mutex_lock(&e->hosts_lock);
  atomic_fetch_sub(&h->series, v->count);
  pthread_mutex_unlock(&e->hosts_lock);
  unsigned anomalous = 0;
  for (unsigned i = 0; i < v->count; i++)
    anomalous += ad_alert_anomalous(&v->series[i].alert);
  if (anomalous > 0) {
    pthread_mutex_lock(&h->lock);
    h->anomalous = h->anomalous > anomalous ? h->anomalous - anomalous : 0;
    pthread_mutex_unlock(&h->lock);
  }
}

/* ---- sink helpers
 * ------------------------------------------------------------ */

static void emit_report(ad_engine_t *e, const ad_host_report_t *r) {
  if (e->sink.host_report != NULL)
    e->sink.host_report(e->sink.ctx, r);
}

static void emit_notice(ad_engine_t *e, const ad_notice_t *n) {
  if (e->sink.notice != NULL)
    e->sink.notice(e->sink.ctx, n);
}

static void emit_training_due(ad_engine_t *e) {
  if (e->sink.training_due != NULL)
    e->sink.training_due(e->sink.ctx);
}

/* Closes h's tick (h->lock held); notes a host forest falling due. */
static bool close_tick(ad_engine_t *e, ad_host_t *h, ad_host_report_t *report,
                       ad_notice_t *notice, bool *due) {
  bool changed = ad_host_close_tick(h, &e->cfg, report, notice, due);
  if (*due)
    atomic_fetch_add(&e->hosts_due, 1);
  return changed;
}

/* Closes h's tick (h->lock held by the caller) and reports after unlocking. */
static void close_and_unlock(ad_engine_t *e, ad_host_t *h) {
  ad_host_report_t report;
  ad_notice_t notice;
  bool due;
  bool changed = close_tick(e, h, &report, &notice, &due);
  pthread_mutex_unlock(&h->lock);
  if (due)
    emit_training_due(e);
  if (isnan(report.time))
    return;
  emit_report(e, &report);
  if (changed && (e->cfg.notify_host || notice.kind != AD_NOTICE_LEVEL))
    emit_notice(e, &notice);
}

/* ---- the write path
 * ------------------------------------------------------------ */

/* Builds "host\0plugin\0pi\0type\0ti\0" into key; returns its length. */
static size_t key_prefix(const ad_ident_t *id, char *key) {
  size_t len = 0;
  for (int f = 0; f < AD_FIELD_COUNT; f++) {
    const char *v = ad_ident_field(id, (ad_field_t)f);
    size_t n = strlen(v); /* < AD_NAME_MAX: checked by ad_ident_valid */
    memcpy(key + len, v, n + 1);
    len += n + 1;
  }
  return len;
}

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
  ad_host_t *h = v != NULL ? host_attach(e, id->host, (unsigned)count) : NULL;
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

/* Forgets a value list (shard locked, v unlinked or about to be). */
static void vlist_release(ad_engine_t *e, ad_vlist_t *v) {
  host_detach(e, v);
  atomic_fetch_sub(&e->series_count, v->count);
  ad_vlist_destroy(v);
}

/* Names a series notice by the series' own identifier, and words it. */
static void series_identify(const ad_ident_t *id, const char *ds,
                            bool multi_source, ad_notice_t *n) {
  ad_notice_copy_name(n->host, id->host);
  ad_notice_copy_name(n->plugin, id->plugin);
  ad_notice_copy_name(n->plugin_instance, id->plugin_instance);
  ad_notice_copy_name(n->type, id->type);
  ad_notice_copy_name(n->type_instance, id->type_instance);
  ad_notice_copy_name(n->data_source, ds);
  ad_ident_series_name(id, multi_source ? ds : NULL, n->series,
                       sizeof(n->series));
  ad_notice_format(n);
}

static void series_notice(const ad_ident_t *id, const char *ds,
                          bool multi_source, double time,
                          const ad_series_result_t *res, ad_notice_t *n) {
  *n = (ad_notice_t){
      .kind = res->event == AD_ALERT_NOTIFY  ? AD_NOTICE_LEVEL
              : res->event == AD_ALERT_MUTED ? AD_NOTICE_MUTED
                                             : AD_NOTICE_UNMUTED,
      .scope = AD_SCOPE_SERIES,
      .time = time,
      .level = res->level,
      .previous = res->previous,
      .observed = res->value,
      .risk = res->assessment.risk,
      .assessment = res->assessment,
  };
  series_identify(id, ds, multi_source, n);
}

/* A series' level changed for good: a notice under its own identifier. */
static void new_normal_notice(const ad_ident_t *id, const char *ds,
                              bool multi_source, double time,
                              const ad_series_result_t *res, ad_notice_t *n) {
  *n = (ad_notice_t){.kind = AD_NOTICE_NEW_NORMAL,
                     .scope = AD_SCOPE_SERIES,
                     .time = time,
                     .level = AD_LEVEL_OKAY,
                     .previous = AD_LEVEL_OKAY,
                     .observed = res->value,
                     .risk = 0.0,
                     .normal_from = res->normal_from,
                     .normal_to = res->normal_to,
                     .held = res->normal_held,
                     .assessment = res->assessment};
  series_identify(id, ds, multi_source, n);
}

/* The value list's forest on this value: each series' forest member (NONE
 * when the forest has no opinion, or when this series is not what made the
 * value list odd). Returns true when its training has just fallen due. */
static bool vlist_forest(ad_engine_t *e, ad_vlist_t *v,
                         const ad_series_step_t *steps, double t,
                         ad_detector_output_t *out) {
  for (unsigned i = 0; i < v->count; i++)
    out[i] = AD_DETECTOR_OUTPUT_NONE;
  /* A value list of one data source has nothing for a forest to combine
   * that its series' own members do not already see (where it lies, how it
   * moved): it has no forest (ad_vlist), its series join their host's. */
  if (v->model == NULL || !(e->cfg.weights[AD_DET_ISOLATION_FOREST] > 0))
    return false;
  float x[2 * AD_VLIST_FOREST_SOURCES];
  unsigned dim = ad_vlist_features(v, steps, x);
  if (dim == 0)
    return false;
  ad_model_params_t params = ad_vlist_model_params(v, &e->cfg);
  double per_day = steps[0].per_day;
  double deviation, score;
  bool due = ad_model_observe(v->model, &params, t, 86400.0 / per_day, x, dim,
                              &deviation, &score);
  ad_detector_output_t m = AD_DETECTOR_OUTPUT_NONE;
  double surprise =
      ad_model_surprise(v->model, deviation, e->cfg.calibration_days * per_day);
  if (!isnan(surprise)) {
    m.deviation = deviation;
    m.surprise = surprise;
    m.score = ad_config_risk(&e->cfg, surprise, per_day);
    m.confidence = ad_model_confidence(v->model);
  }
  /* The forest looks for one thing, combinations the other members cannot
   * see; finding none is no evidence that all is well, so below the
   * warning level it abstains rather than dilute the others' verdict. */
  if (isnan(m.score) || m.score < e->cfg.levels.warning)
    return due;
  /* Several data sources: the forest's finding counts for the series it
   * credits, at least half their fair share, not for the bystanders. */
  float shares[2 * AD_VLIST_FOREST_SOURCES];
  bool split = v->count > 1 && m.score >= e->cfg.levels.warning &&
               ad_model_attribute(v->model, x, dim, shares);
  unsigned sources = dim / 2;
  double total = 0.0;
  for (unsigned i = 0; split && i < sources; i++)
    total += shares[2 * i] + shares[2 * i + 1];
  for (unsigned i = 0; i < v->count; i++) {
    if (split && total > 0) {
      double own = i < sources ? shares[2 * i] + shares[2 * i + 1] : 0.0;
      if (own < 0.5 * total / sources)
        continue;
    }
    out[i] = m;
  }
  return due;
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

int ad_engine_submit(ad_engine_t *e, const ad_ident_t *id,
                     const ad_sample_t *sample) {
  if (!ad_ident_valid(id))
    return EINVAL;
  if (sample->count == 0 || sample->count > AD_VLIST_MAX_SOURCES)
    return EINVAL;
  /* the detectors' clocks: a time that is not finite would stop them for
   * good (nothing is ever after infinity) */
  if (!isfinite(sample->time) || !isfinite(sample->arrival) ||
      !isfinite(sample->interval) || sample->interval < 0)
    return EINVAL;
  for (size_t i = 0; i < sample->count; i++) {
    const char *ds = sample->ds_names[i];
    size_t n = ds != NULL ? strnlen(ds, AD_NAME_MAX) : 0;
    if (n >= AD_NAME_MAX || (ds != NULL && !ad_text_utf8(ds, n)))
      return EINVAL;
  }
  if (!ad_rules_select(e->cfg.rules, id))
    return 0;
  char key[KEY_MAX];
  size_t len = key_prefix(id, key);
  uint64_t hash = ad_table_hash(key, len);
  bool multi = sample->count > 1;
  int status = 0;

  ad_table_lock(e->table, hash);
  ad_vlist_t *v = ad_table_find(e->table, hash, key, len);
  if (v != NULL && !ad_vlist_same_sources(v, sample->count, sample->ds_names)) {
    /* The type's data sources changed (another types.db on a sender): what
     * was learned about the old ones no longer applies. */
    ad_table_remove(e->table, v);
    vlist_release(e, v);
    v = NULL;
  }
  if (v == NULL)
    v = vlist_create(e, id, key, len, hash, sample, &status);
  if (v == NULL) {
    ad_table_unlock(e->table, hash);
    return status;
  }
  v->last_arrival = sample->arrival;
  size_t count = sample->count;
  ad_series_step_t steps[AD_VLIST_MAX_SOURCES];
  for (size_t i = 0; i < count; i++)
    ad_series_update(&v->series[i], &e->cfg, sample->time, sample->values[i],
                     &steps[i]);
  ad_detector_output_t forest[AD_VLIST_MAX_SOURCES];
  bool vlist_due = vlist_forest(e, v, steps, sample->time, forest);
  ad_series_result_t res[AD_VLIST_MAX_SOURCES];
  for (size_t i = 0; i < count; i++)
    ad_series_conclude(&v->series[i], &e->cfg, sample->time, &steps[i],
                       &forest[i], &res[i]);
  /* Take the host lock before letting go of the shard: while v is in the
   * table its host has series, and once we hold the host lock with a tick
   * open, housekeeping cannot free the host under us. */
  ad_host_t *h = v->host;
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
    host_changed = close_tick(e, h, &report, &host_notice, &host_due);
  }
  for (size_t i = 0; i < count; i++)
    ad_host_fold(h, id, multi ? sample->ds_names[i] : NULL, sample->time,
                 sample->interval, sample->arrival, &res[i]);
  pthread_mutex_unlock(&h->lock);
  if (vlist_due || host_due)
    emit_training_due(e);

  if (closed) {
    emit_report(e, &report);
    if (host_changed &&
        (e->cfg.notify_host || host_notice.kind != AD_NOTICE_LEVEL))
      emit_notice(e, &host_notice);
  }
  for (size_t i = 0; i < sample->count; i++) {
    if (res[i].new_normal && e->cfg.notify_new_normal) {
      const char *ds = sample->ds_names[i] != NULL ? sample->ds_names[i] : "";
      ad_notice_t notice;
      new_normal_notice(id, ds, multi, sample->time, &res[i], &notice);
      emit_notice(e, &notice);
    }
    if (res[i].event != AD_ALERT_NONE &&
        (e->cfg.notify_series || res[i].event != AD_ALERT_NOTIFY)) {
      const char *ds = sample->ds_names[i] != NULL ? sample->ds_names[i] : "";
      ad_notice_t notice;
      series_notice(id, ds, multi, sample->time, &res[i], &notice);
      emit_notice(e, &notice);
    }
  }
  return status;
}

/* ---- training
 * ------------------------------------------------------------ */

/* Trains one value list with this hash whose forest is due: copies its
 * sample under the shard lock, fits without it, and hands the forest back
 * under the lock if the value list is still there. Returns 1 when it
 * trained one. */
static size_t train_vlist(ad_engine_t *e, uint64_t hash) {
  char key[KEY_MAX];
  size_t len = 0;
  ad_model_job_t job;
  ad_model_params_t params;
  bool taken = false;
  ad_table_lock(e->table, hash);
  for (ad_vlist_t *v = ad_table_bucket(e->table, hash); v != NULL && !taken;
       v = v->next) {
    if (v->hash == hash && v->model != NULL &&
        ad_model_take(v->model, &job) == 0) {
      len = v->key_len;
      memcpy(key, v->key, len);
      params = ad_vlist_model_params(v, &e->cfg);
      taken = true;
    }
  }
  ad_table_unlock(e->table, hash);
  if (!taken)
    return 0;
  ad_iforest_t *forest = NULL;
  int rc = ad_model_fit(&params, &job, &forest);
  ad_table_lock(e->table, hash);
  ad_vlist_t *v = ad_table_find(e->table, hash, key, len);
  if (v != NULL && v->model != NULL && rc == 0)
    ad_model_install(v->model, &params, job.ticket, forest);
  else if (v != NULL && v->model != NULL) {
    ad_model_abandon(v->model, &params, job.ticket);
    ad_iforest_free(forest);
  } else {
    ad_iforest_free(forest);
  }
  ad_table_unlock(e->table, hash);
  return rc == 0;
}

/* The queue overflowed: value lists whose forest is due are found by a
 * scan (table sweep that removes nothing) and queued again. */
static bool requeue_due(ad_vlist_t *v, void *ctx) {
  ad_engine_t *e = ctx;
  if (v->model != NULL && v->model->due && !v->model->taken)
    ad_queue_push(&e->due, v->hash);
  return false;
}

static void release_nothing(ad_vlist_t *v, void *ctx) {
  (void)v;
  (void)ctx;
}

/* Trains the host forests that are due, found by one pass over the hosts:
 * the next job's search goes on from the bucket where the last one was
 * found, so that hosts falling due together (they share a schedule) cost
 * one pass, not one pass each. */
static size_t train_hosts(ad_engine_t *e, size_t max_jobs) {
  size_t done = 0, bucket = 0;
  while (done < max_jobs) {
    char name[AD_NAME_MAX];
    ad_model_job_t job;
    bool taken = false;
    pthread_mutex_lock(&e->hosts_lock);
    for (; bucket < HOST_BUCKETS; bucket++) {
      for (ad_host_t *h = e->hosts[bucket]; h != NULL && !taken; h = h->next) {
        pthread_mutex_lock(&h->lock);
        if (ad_model_take(&h->model, &job) == 0) {
          memcpy(name, h->name, sizeof(name));
          taken = true;
        }
        pthread_mutex_unlock(&h->lock);
      }
      if (taken)
        break; /* this bucket may hold more: searched again next time */
    }
    pthread_mutex_unlock(&e->hosts_lock);
    if (!taken)
      break;
    ad_model_params_t params = e->cfg.host_model;
    ad_iforest_t *forest = NULL;
    int rc = ad_model_fit(&params, &job, &forest);
    pthread_mutex_lock(&e->hosts_lock);
    ad_host_t *h = host_find(e, name);
    if (h != NULL) {
      pthread_mutex_lock(&h->lock);
      params.lag =
          fmax(AD_MODEL_MIN_LAG, AD_MODEL_LAG_STEPS * h->tick.interval);
      if (rc == 0) {
        ad_model_install(&h->model, &params, job.ticket, forest);
        forest = NULL;
      } else {
        ad_model_abandon(&h->model, &params, job.ticket);
      }
      pthread_mutex_unlock(&h->lock);
    }
    pthread_mutex_unlock(&e->hosts_lock);
    ad_iforest_free(forest);
    done++;
  }
  return done;
}

size_t ad_engine_train(ad_engine_t *e, size_t max_jobs) {
  size_t done = 0;
  if (ad_queue_take_overflow(&e->due))
    ad_table_sweep(e->table, requeue_due, release_nothing, e);
  uint64_t hash;
  while (done < max_jobs && ad_queue_pop(&e->due, &hash))
    done += train_vlist(e, hash);
  if (done < max_jobs && atomic_exchange(&e->hosts_due, 0) > 0) {
    size_t budget = max_jobs - done;
    size_t hosts = train_hosts(e, budget);
    done += hosts;
    if (hosts == budget)
      atomic_fetch_add(&e->hosts_due, 1); /* maybe more: look again */
  }
  return done;
}

int ad_engine_flush_host(ad_engine_t *e, const char *host) {
  pthread_mutex_lock(&e->hosts_lock);
  ad_host_t *h = host_find(e, host);
  if (h == NULL) {
    pthread_mutex_unlock(&e->hosts_lock);
    return ENOENT;
  }
  pthread_mutex_lock(&h->lock);
  pthread_mutex_unlock(&e->hosts_lock);
  close_and_unlock(e, h);
  return 0;
}

/* ---- housekeeping
 * ------------------------------------------------------------ */

typedef struct {
  ad_engine_t *engine;
  double now;
  size_t dropped; /* series */
} sweep_ctx_t;

static void dropped_series(sweep_ctx_t *c, size_t n) { c->dropped += n; }

static bool vlist_expired(ad_vlist_t *v, void *ctx) {
  const sweep_ctx_t *c = ctx;
  return c->now - v->last_arrival > c->engine->cfg.series_timeout;
}

static void vlist_expire(ad_vlist_t *v, void *ctx) {
  sweep_ctx_t *c = ctx;
  dropped_series(c, v->count);
  vlist_release(c->engine, v);
}

/* A tick is stale when no value came for two of its intervals (at least a
 * second): the host has stopped sending, or sends no more this interval. */
static bool tick_stale(const ad_tick_t *t, double now) {
  double grace = 2.0 * t->interval;
  if (grace < 1.0)
    grace = 1.0;
  return t->open && now - t->arrival > grace;
}

/* Closes stale ticks and unlinks hosts without series. Hosts to report on and
 * hosts to free are collected first, because reports go out with no lock
 * held. */
static void hosts_sweep(ad_engine_t *e, double now, bool close_all) {
  pthread_mutex_lock(&e->hosts_lock);
  size_t capacity = e->host_count;
  ad_host_report_t *reports =
      capacity > 0 ? calloc(capacity, sizeof(*reports)) : NULL;
  ad_notice_t *notices =
      capacity > 0 ? calloc(capacity, sizeof(*notices)) : NULL;
  bool *changed = capacity > 0 ? calloc(capacity, sizeof(*changed)) : NULL;
  size_t n = 0;
  ad_host_t *dead = NULL;
  for (size_t b = 0; b < HOST_BUCKETS; b++) {
    ad_host_t **link = &e->hosts[b];
    while (*link != NULL) {
      ad_host_t *h = *link;
      pthread_mutex_lock(&h->lock);
      if ((tick_stale(&h->tick, now) || (close_all && h->tick.open)) &&
          n < capacity && reports != NULL && notices != NULL &&
          changed != NULL) {
        bool due;
        changed[n] = close_tick(e, h, &reports[n], &notices[n], &due);
        n++;
      }
      bool empty = atomic_load(&h->series) == 0 && !h->tick.open;
      pthread_mutex_unlock(&h->lock);
      if (empty) {
        *link = h->next;
        h->next = dead;
        dead = h;
        e->host_count--;
      } else {
        link = &h->next;
      }
    }
  }
  pthread_mutex_unlock(&e->hosts_lock);
  for (size_t i = 0; i < n; i++) {
    emit_report(e, &reports[i]);
    if (changed[i] &&
        (e->cfg.notify_host || notices[i].kind != AD_NOTICE_LEVEL))
      emit_notice(e, &notices[i]);
  }
  for (ad_host_t *h = dead, *next; h != NULL; h = next) {
    next = h->next;
    ad_host_destroy(h);
  }
  free(reports);
  free(notices);
  free(changed);
}

size_t ad_engine_housekeep(ad_engine_t *e, double now) {
  sweep_ctx_t ctx = {.engine = e, .now = now};
  ad_table_sweep(e->table, vlist_expired, vlist_expire, &ctx);
  hosts_sweep(e, now, false);
  return ctx.dropped;
}

void ad_engine_close_ticks(ad_engine_t *e) { hosts_sweep(e, NAN, true); }

int ad_engine_series_info(ad_engine_t *e, const ad_ident_t *id, const char *ds,
                          ad_series_info_t *info) {
  if (!ad_ident_valid(id) || strnlen(ds, AD_NAME_MAX) >= AD_NAME_MAX)
    return ENOENT;
  char key[KEY_MAX];
  size_t len = key_prefix(id, key);
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

/* ---- state
 * ------------------------------------------------------------ */

typedef struct {
  char name[AD_NAME_MAX];
  size_t series;
  ad_host_t *copy;     /* NULL: gone, or out of memory */
  ad_vlist_t **vlists; /* copies */
  size_t count, capacity;
  bool failed;
} save_group_t;

typedef struct {
  uint64_t stamp;
  save_group_t *groups;
} save_ctx_t;

/* Table sweep: copies the value lists of the batch's hosts (shard locked). */
static bool save_collect(ad_vlist_t *v, void *ctx) {
  save_ctx_t *c = ctx;
  if (v->host->save_stamp != c->stamp)
    return false;
  save_group_t *g = &c->groups[v->host->save_index];
  if (g->failed)
    return false;
  if (g->count == g->capacity) {
    size_t capacity = g->capacity > 0 ? 2 * g->capacity : 16;
    ad_vlist_t **grown = realloc(g->vlists, capacity * sizeof(*grown));
    if (grown == NULL) {
      g->failed = true;
      return false;
    }
    g->vlists = grown;
    g->capacity = capacity;
  }
  ad_vlist_t *copy = ad_vlist_copy(v);
  if (copy == NULL)
    g->failed = true;
  else
    g->vlists[g->count++] = copy;
  return false;
}

static void save_group_free(save_group_t *g) {
  for (size_t i = 0; i < g->count; i++)
    ad_vlist_destroy(g->vlists[i]);
  free(g->vlists);
  ad_host_destroy(g->copy);
  memset(g, 0, sizeof(*g));
}

/* Copies, encodes and writes the hosts groups[0..n). */
static int save_batch(ad_engine_t *e, save_group_t *groups, size_t n,
                      ad_state_writer_t write, void *ctx,
                      ad_save_stats_t *stats) {
  save_ctx_t c = {.stamp = ++e->save_stamp, .groups = groups};
  for (size_t i = 0; i < n; i++) {
    /* the hosts lock only to find it: holding its own lock, the host cannot
     * be freed (as in ad_engine_flush_host), and new value lists can attach
     * to other hosts while this one is copied */
    pthread_mutex_lock(&e->hosts_lock);
    ad_host_t *h = host_find(e, groups[i].name);
    if (h != NULL)
      pthread_mutex_lock(&h->lock);
    pthread_mutex_unlock(&e->hosts_lock);
    if (h == NULL)
      continue; /* gone since the list was made */
    h->save_stamp = c.stamp;
    h->save_index = i;
    groups[i].copy = ad_host_copy(h);
    groups[i].failed = groups[i].copy == NULL;
    pthread_mutex_unlock(&h->lock);
  }
  ad_table_sweep(e->table, save_collect, release_nothing, &c);
  int rc = 0;
  for (size_t i = 0; i < n; i++) {
    save_group_t *g = &groups[i];
    json_t *doc = g->copy != NULL && !g->failed
                      ? ad_persist_encode(g->copy, g->vlists, g->count, &e->cfg)
                      : NULL;
    int status = doc != NULL ? write(ctx, g->name, doc) : ENOMEM;
    if (g->copy == NULL && !g->failed)
      status = 0; /* the host went away: nothing to write */
    else if (status == 0) {
      stats->hosts++;
      stats->value_lists += g->count;
      for (size_t k = 0; k < g->count; k++)
        stats->series += g->vlists[k]->count;
    }
    if (status != 0) {
      stats->failed++;
      if (rc == 0)
        rc = status;
    }
    save_group_free(g);
  }
  return rc;
}

int ad_engine_save(ad_engine_t *e, ad_state_writer_t write, void *ctx,
                   ad_save_stats_t *stats) {
  *stats = (ad_save_stats_t){0};
  pthread_mutex_lock(&e->save_lock);
  pthread_mutex_lock(&e->hosts_lock);
  size_t n = e->host_count;
  save_group_t *groups = n > 0 ? calloc(n, sizeof(*groups)) : NULL;
  size_t listed = 0;
  for (size_t b = 0; groups != NULL && b < HOST_BUCKETS; b++)
    for (ad_host_t *h = e->hosts[b]; h != NULL && listed < n; h = h->next) {
      memcpy(groups[listed].name, h->name, AD_NAME_MAX);
      groups[listed++].series = atomic_load(&h->series);
    }
  pthread_mutex_unlock(&e->hosts_lock);
  int rc = n > 0 && groups == NULL ? ENOMEM : 0;
  /* Batches of whole hosts, about AD_ENGINE_SAVE_BATCH series each: the
   * copies of one batch are what a checkpoint holds in memory at once. */
  for (size_t first = 0; first < listed;) {
    size_t last = first, series = 0;
    while (last < listed && (last == first || series + groups[last].series <=
                                                  AD_ENGINE_SAVE_BATCH))
      series += groups[last++].series;
    int status = save_batch(e, groups + first, last - first, write, ctx, stats);
    if (rc == 0)
      rc = status;
    first = last;
  }
  free(groups);
  pthread_mutex_unlock(&e->save_lock);
  return rc;
}

int ad_engine_restore(ad_engine_t *e, const json_t *doc, double now,
                      ad_restore_stats_t *stats, ad_codec_error_t *err) {
  *stats = (ad_restore_stats_t){0};
  ad_persist_host_t p;
  int rc = ad_persist_decode(doc, &e->cfg, &p, err);
  if (rc != 0)
    return rc;
  stats->reset = p.reset;
  stats->damaged = p.damaged;
  stats->dropped_series = p.dropped_series;
  stats->damage = p.damage;
  ad_host_t *h = p.host;
  pthread_mutex_lock(&e->hosts_lock);
  if (host_find(e, h->name) != NULL) {
    pthread_mutex_unlock(&e->hosts_lock);
    ad_persist_host_free(&p);
    return EEXIST;
  }
  /* Counted before its value lists are in: housekeeping leaves it alone. */
  atomic_store(&h->series, (unsigned)p.series);
  size_t b = host_bucket(h->name);
  h->next = e->hosts[b];
  e->hosts[b] = h;
  e->host_count++;
  p.host = NULL;
  pthread_mutex_unlock(&e->hosts_lock);

  unsigned anomalous = 0, dropped = 0;
  bool due = false;
  for (size_t i = 0; i < p.count; i++) {
    ad_vlist_t *v = p.vlists[i];
    p.vlists[i] = NULL;
    bool room = atomic_fetch_add(&e->series_count, v->count) + v->count <=
                e->cfg.max_series;
    ad_table_lock(e->table, v->hash);
    bool fresh =
        room && ad_table_find(e->table, v->hash, v->key, v->key_len) == NULL;
    if (fresh) {
      if (!isnan(now))
        v->last_arrival = now;
      for (unsigned k = 0; k < v->count; k++)
        anomalous += ad_alert_anomalous(&v->series[k].alert);
      ad_table_insert(e->table, v);
      if (v->model != NULL && v->model->due) {
        ad_queue_push(&e->due, v->hash);
        due = true;
      }
      stats->value_lists++;
      stats->series += v->count;
    }
    ad_table_unlock(e->table, v->hash);
    if (!fresh) {
      atomic_fetch_sub(&e->series_count, v->count);
      dropped += v->count;
      stats->skipped++;
      ad_vlist_destroy(v);
    }
  }
  pthread_mutex_lock(&e->hosts_lock);
  atomic_fetch_sub(&h->series, dropped);
  pthread_mutex_lock(&h->lock);
  h->anomalous = anomalous;
  if (h->model.due) {
    atomic_fetch_add(&e->hosts_due, 1);
    due = true;
  }
  pthread_mutex_unlock(&h->lock);
  pthread_mutex_unlock(&e->hosts_lock);
  ad_persist_host_free(&p);
  if (due)
    emit_training_due(e);
  return 0;
}

double ad_engine_host_last_time(ad_engine_t *e, const char *host) {
  double t = NAN;
  pthread_mutex_lock(&e->hosts_lock);
  ad_host_t *h = host_find(e, host);
  if (h != NULL) {
    pthread_mutex_lock(&h->lock);
    t = h->last_report;
    pthread_mutex_unlock(&h->lock);
  }
  pthread_mutex_unlock(&e->hosts_lock);
  return t;
}

size_t ad_engine_series_count(ad_engine_t *e) {
  return atomic_load(&e->series_count);
}

size_t ad_engine_host_count(ad_engine_t *e) {
  pthread_mutex_lock(&e->hosts_lock);
  size_t n = e->host_count;
  pthread_mutex_unlock(&e->hosts_lock);
  return n;
}
