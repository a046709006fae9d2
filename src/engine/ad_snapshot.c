/* ad_snapshot: the engine's state out and in (ad_engine_save and
 * ad_engine_adopt; see ad_engine.h): copies taken under short locks for a
 * checkpoint, and hosts a state reader made put in place. What the copies
 * become on disk is src/state's job. */
#include "engine/ad_engine_private.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char name[AD_NAME_MAX];
  unsigned series;
  ad_host_t *copy;     /* NULL: gone, or out of memory */
  ad_vlist_t **vlists; /* copies */
  size_t count, capacity;
  bool failed;
} save_group_t;

typedef struct {
  uint64_t stamp;
  save_group_t *groups;
} save_ctx_t;

/* Table walk: copies the value lists of the batch's hosts (shard locked). */
static void save_collect(ad_vlist_t *v, void *ctx) {
  save_ctx_t *c = ctx;
  if (v->host->save_stamp != c->stamp)
    return;
  save_group_t *g = &c->groups[v->host->save_index];
  if (g->failed)
    return;
  if (g->count == g->capacity) {
    size_t capacity = g->capacity > 0 ? 2 * g->capacity : 16;
    ad_vlist_t **grown = realloc(g->vlists, capacity * sizeof(*grown));
    if (grown == NULL) {
      g->failed = true;
      return;
    }
    g->vlists = grown;
    g->capacity = capacity;
  }
  ad_vlist_t *copy = ad_vlist_copy(v);
  if (copy == NULL)
    g->failed = true;
  else
    g->vlists[g->count++] = copy;
}

static void save_group_free(save_group_t *g) {
  for (size_t i = 0; i < g->count; i++)
    ad_vlist_destroy(g->vlists[i]);
  free(g->vlists);
  ad_host_destroy(g->copy);
  memset(g, 0, sizeof(*g));
}

/* Copies the hosts groups[0..n) and their value lists, and hands them to
 * write. */
static int save_batch(ad_engine_t *e, save_group_t *groups, size_t n,
                      ad_engine_writer_t write, void *ctx,
                      ad_save_stats_t *stats) {
  save_ctx_t c = {.stamp = ++e->save_stamp, .groups = groups};
  for (size_t i = 0; i < n; i++) {
    /* holding its own lock, the host cannot be freed, and new value lists
     * can attach to other hosts while this one is copied */
    ad_host_t *h = ad_hosts_lock(&e->hosts, groups[i].name);
    if (h == NULL)
      continue; /* gone since the list was made */
    h->save_stamp = c.stamp;
    h->save_index = i;
    groups[i].copy = ad_host_copy(h);
    groups[i].failed = groups[i].copy == NULL;
    pthread_mutex_unlock(&h->lock);
  }
  ad_table_each(e->table, save_collect, &c);
  int rc = 0;
  for (size_t i = 0; i < n; i++) {
    save_group_t *g = &groups[i];
    int status = g->copy != NULL && !g->failed
                     ? write(ctx, g->copy, g->vlists, g->count)
                     : ENOMEM;
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

int ad_engine_save(ad_engine_t *e, ad_engine_writer_t write, void *ctx,
                   ad_save_stats_t *stats) {
  *stats = (ad_save_stats_t){0};
  pthread_mutex_lock(&e->save_lock);
  size_t n = ad_hosts_count(&e->hosts);
  save_group_t *groups = n > 0 ? calloc(n, sizeof(*groups)) : NULL;
  char(*names)[AD_NAME_MAX] = n > 0 ? calloc(n, sizeof(*names)) : NULL;
  unsigned *series = n > 0 ? calloc(n, sizeof(*series)) : NULL;
  size_t listed = groups != NULL && names != NULL && series != NULL
                      ? ad_hosts_list(&e->hosts, names, series, n)
                      : 0;
  for (size_t i = 0; i < listed; i++) {
    memcpy(groups[i].name, names[i], AD_NAME_MAX);
    groups[i].series = series[i];
  }
  free(names);
  free(series);
  int rc = n > 0 && listed == 0 ? ENOMEM : 0;
  /* Batches of whole hosts, about AD_ENGINE_SAVE_BATCH series each: the
   * copies of one batch are what a checkpoint holds in memory at once. */
  for (size_t first = 0; first < listed;) {
    size_t last = first, total = 0;
    while (last < listed && (last == first || total + groups[last].series <=
                                                  AD_ENGINE_SAVE_BATCH))
      total += groups[last++].series;
    int status = save_batch(e, groups + first, last - first, write, ctx, stats);
    if (rc == 0)
      rc = status;
    first = last;
  }
  free(groups);
  pthread_mutex_unlock(&e->save_lock);
  return rc;
}

/* The forecasts of a host's series for a change's watch, from copies. */
typedef struct {
  ad_change_t open;
  size_t n, capacity;
  uint64_t *key;
  char (*name)[AD_SERIES_NAME_MAX];
  float (*forecast)[AD_CHANGE_POINTS][2];
} freezing_t;

static bool forecast_watch(const ad_change_t *open, const ad_series_t *s,
                           float out[AD_CHANGE_POINTS][2]) {
  for (int k = 0; k < AD_CHANGE_POINTS; k++) {
    double expected, scale;
    if (!ad_season_forecast(&s->season, ad_change_point_time(open, k),
                            &expected, &scale))
      return false;
    out[k][0] = (float)expected;
    out[k][1] = (float)scale;
  }
  return true;
}

static void collect_series(void *ctx, const ad_vlist_series_ref_t *r) {
  freezing_t *f = ctx;
  if (!forecast_watch(&f->open, &r->vlist->series[r->index], f->forecast[f->n]))
    return;
  f->key[f->n] = ad_vlist_series_key(r->vlist->hash, r->index);
  snprintf(f->name[f->n], sizeof(f->name[f->n]), "%s", r->name);
  f->n++;
}

static int collect_forecasts(void *ctx, const ad_host_t *host,
                             ad_vlist_t *const *vlists, size_t n) {
  (void)host;
  freezing_t *f = ctx;
  size_t series = 0;
  for (size_t i = 0; i < n; i++)
    series += vlists[i]->count;
  f->key = calloc(series + 1, sizeof(*f->key));
  f->name = calloc(series + 1, sizeof(*f->name));
  f->forecast = calloc(series + 1, sizeof(*f->forecast));
  if (f->key == NULL || f->name == NULL || f->forecast == NULL)
    return ENOMEM;
  ad_vlist_each_series(vlists, n, collect_series, f);
  return 0;
}

/* Gives the host's watch begun at f->open.time what its forecasters
 * expect for it, from copies (no lock held while they are worked out). */
static void freeze_forecasts(ad_engine_t *e, const char *host, freezing_t *f) {
  if (ad_engine_visit_host(e, host, collect_forecasts, f) == 0) {
    ad_host_t *h = ad_hosts_lock(&e->hosts, host);
    for (size_t i = 0; h != NULL && i < f->n; i++)
      (void)ad_change_freeze(&h->change, f->open.time, f->key[i], f->name[i],
                             (const float(*)[2])f->forecast[i]);
    if (h != NULL)
      pthread_mutex_unlock(&h->lock);
  }
  free(f->key);
  free(f->name);
  free(f->forecast);
}

int ad_engine_mark_change(ad_engine_t *e, const char *host, double time,
                          const char *what) {
  if (!isfinite(time))
    return EINVAL;
  ad_host_t *h = ad_hosts_lock(&e->hosts, host);
  if (h == NULL)
    return ENOENT;
  ad_change_t ended;
  int err;
  bool was_open = ad_change_begin(&h->change, time, e->cfg.change_watch, what,
                                  atomic_load(&h->series), &ended, &err);
  freezing_t f = {.open = h->change.open};
  char name[AD_NAME_MAX];
  memcpy(name, h->name, sizeof(name));
  pthread_mutex_unlock(&h->lock);
  if (was_open) {
    ad_notice_t n;
    ad_change_notice(&ended, name, &n);
    if (ad_notice_wanted(&n, &e->cfg))
      ad_engine_emit_notice(e, &n);
  }
  if (err == 0)
    freeze_forecasts(e, name, &f);
  return err;
}

int ad_engine_visit_host(ad_engine_t *e, const char *name,
                         ad_engine_writer_t visit, void *ctx) {
  save_group_t group = {0};
  ad_notice_copy_name(group.name, name);
  ad_save_stats_t stats = {0};
  pthread_mutex_lock(&e->save_lock);
  int rc = save_batch(e, &group, 1, visit, ctx, &stats);
  pthread_mutex_unlock(&e->save_lock);
  if (rc == 0 && stats.hosts == 0)
    rc = ENOENT;
  return rc;
}

size_t ad_engine_list_hosts(ad_engine_t *e, ad_host_summary_t *out,
                            size_t max) {
  char(*names)[AD_NAME_MAX] = max > 0 ? calloc(max, sizeof(*names)) : NULL;
  unsigned *series = max > 0 ? calloc(max, sizeof(*series)) : NULL;
  size_t listed = names != NULL && series != NULL
                      ? ad_hosts_list(&e->hosts, names, series, max)
                      : 0;
  size_t n = 0;
  for (size_t i = 0; i < listed; i++) {
    ad_host_t *h = ad_hosts_lock(&e->hosts, names[i]);
    if (h == NULL)
      continue; /* gone since the list was made */
    ad_host_summary_t *o = &out[n++];
    memcpy(o->name, h->name, sizeof(o->name));
    o->series = atomic_load(&h->series);
    o->anomalous = h->anomalous < o->series ? h->anomalous : o->series;
    o->level = ad_alert_level(&h->alert);
    o->risk = h->last.risk;
    o->time = h->last.time;
    memcpy(o->driver, h->last.driver, sizeof(o->driver));
    pthread_mutex_unlock(&h->lock);
  }
  free(names);
  free(series);
  return n;
}

/* Puts v in the table unless its key is there or MaxSeries is reached;
 * returns false when it is not (then v is for the caller to free). */
static bool adopt_vlist(ad_engine_t *e, ad_vlist_t *v, double now,
                        unsigned *anomalous, bool *due) {
  bool room = atomic_fetch_add(&e->series_count, v->count) + v->count <=
              e->cfg.max_series;
  ad_table_lock(e->table, v->hash);
  bool fresh =
      room && ad_table_find(e->table, v->hash, v->key, v->key_len) == NULL;
  if (fresh) {
    if (!isnan(now))
      v->last_arrival = now;
    for (unsigned k = 0; k < v->count; k++)
      *anomalous += ad_alert_anomalous(&v->series[k].alert);
    ad_table_insert(e->table, v);
    if (v->model != NULL && v->model->due) {
      ad_queue_push(&e->due, v->hash);
      *due = true;
    }
  }
  ad_table_unlock(e->table, v->hash);
  if (!fresh)
    atomic_fetch_sub(&e->series_count, v->count);
  return fresh;
}

int ad_engine_adopt(ad_engine_t *e, ad_host_t *h, ad_vlist_t **vlists, size_t n,
                    double now, ad_adopt_stats_t *stats) {
  *stats = (ad_adopt_stats_t){0};
  unsigned series = 0;
  for (size_t i = 0; i < n; i++)
    series += vlists[i]->count;
  if (ad_hosts_add(&e->hosts, h, series) != 0) {
    for (size_t i = 0; i < n; i++)
      ad_vlist_destroy(vlists[i]);
    ad_host_destroy(h);
    return EEXIST;
  }
  unsigned anomalous = 0, dropped = 0;
  bool due = false;
  for (size_t i = 0; i < n; i++) {
    ad_vlist_t *v = vlists[i];
    if (adopt_vlist(e, v, now, &anomalous, &due)) {
      stats->value_lists++;
      stats->series += v->count;
    } else {
      dropped += v->count;
      stats->skipped++;
      ad_vlist_destroy(v);
    }
  }
  /* the dropped series are counted off last: until then housekeeping
   * cannot free the host */
  pthread_mutex_lock(&h->lock);
  h->anomalous = anomalous;
  if (h->model.due) {
    atomic_fetch_add(&e->hosts_due, 1);
    due = true;
  }
  pthread_mutex_unlock(&h->lock);
  ad_hosts_detach(&e->hosts, h, dropped);
  if (due)
    ad_engine_emit_training_due(e);
  return 0;
}
