/* ad_persist: a host's learned state to JSON and back (see header). */
#include "state/ad_persist.h"
#include "detectors/ad_resolution.h"
#include "engine/ad_table.h"
#include "state/ad_change_codec.h"
#include "state/ad_exhaust_codec.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- field tables ------------------------------------------------------ */

static const ad_codec_field_t WINDOW[] = {
    AD_CODEC_FIELD(ad_window_t, mean, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_window_t, deviation, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_window_t, spread, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_window_t, ring_sum, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_window_t, record_max, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_window_t, record_min, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_window_t, recent, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_window_t, run_sum, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_window_t, seen, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_window_t, run, AD_CODEC_I16),
    AD_CODEC_FIELD(ad_window_t, head, AD_CODEC_U16),
    AD_CODEC_FIELD(ad_window_t, fill, AD_CODEC_U16),
    AD_CODEC_FLOATS(ad_window_t, ring),
};

static const ad_codec_field_t SEASON[] = {
    AD_CODEC_FIELD(ad_season_t, first_time, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_season_t, last_time, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_season_t, level, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_season_t, plain, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_season_t, scale, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_season_t, err_plain, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_season_t, err_full, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_season_t, mse_plain, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_season_t, mse_full, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_season_t, shift_start, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_season_t, shift_last, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_season_t, plain_shift_start, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_season_t, plain_shift_last, AD_CODEC_F64_FINITE),
    AD_CODEC_ADDED(ad_season_t, shift_base, AD_CODEC_F64),
    AD_CODEC_ADDED(ad_season_t, shift_recent, AD_CODEC_F64),
    AD_CODEC_ADDED(ad_season_t, plain_shift_base, AD_CODEC_F64),
    AD_CODEC_ADDED(ad_season_t, plain_shift_recent, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_season_t, seen, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_season_t, mode_changes, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_season_t, seasonal_mode, AD_CODEC_BOOL),
    AD_CODEC_FIELD(ad_season_t, shifts, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_season_t, shift_from, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_season_t, shift_to, AD_CODEC_F64),
    AD_CODEC_FLOATS(ad_season_t, day),
    AD_CODEC_FLOATS(ad_season_t, day_scale),
    AD_CODEC_FLOATS(ad_season_t, week),
};

static const ad_codec_field_t CALIB[] = {
    AD_CODEC_FLOATS(ad_calib_t, mass),
    AD_CODEC_FIELD(ad_calib_t, gain, AD_CODEC_F32),
    AD_CODEC_FIELD(ad_calib_t, total, AD_CODEC_F32),
    AD_CODEC_FIELD(ad_calib_t, band, AD_CODEC_F32),
    AD_CODEC_FIELD(ad_calib_t, seen, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_calib_t, band_seen, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_calib_t, top, AD_CODEC_I8),
    AD_CODEC_FIELD(ad_calib_t, bounded, AD_CODEC_U8),
    AD_CODEC_FIELD(ad_calib_t, exponent, AD_CODEC_F32),
    AD_CODEC_ADDED(ad_calib_t, budget, AD_CODEC_F32),
};

static const ad_codec_field_t ALERT[] = {
    AD_CODEC_FIELD(ad_alert_t, raw.level, AD_CODEC_U8),
    AD_CODEC_FIELD(ad_alert_t, raw.pending, AD_CODEC_I8),
    AD_CODEC_FIELD(ad_alert_t, raw.streak, AD_CODEC_U16),
    AD_CODEC_FIELD(ad_alert_t, notified, AD_CODEC_U8),
    AD_CODEC_FIELD(ad_alert_t, muted, AD_CODEC_BOOL),
    AD_CODEC_FIELD(ad_alert_t, quiet_since, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_alert_t, incident_rate, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_alert_t, rate_time, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_alert_t, muted_until, AD_CODEC_F64),
    AD_CODEC_ADDED(ad_alert_t, quiet_values, AD_CODEC_U32),
};

static const ad_codec_field_t PERSISTENCE[] = {
    AD_CODEC_FIELD(ad_persistence_t, up, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_persistence_t, down, AD_CODEC_F64_FINITE),
};

static const ad_codec_field_t TREND[] = {
    AD_CODEC_FIELD(ad_trend_t, weight, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_trend_t, sum_x, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_trend_t, sum_u, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_trend_t, sum_uu, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_trend_t, sum_ux, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_trend_t, sum_xx, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_trend_t, origin, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_trend_t, last, AD_CODEC_F64),
};

static const ad_codec_field_t DRIFT[] = {
    AD_CODEC_FIELD(ad_drift_t, first, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_drift_t, open_start, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_drift_t, open_sum, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_drift_t, open_base, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_drift_t, open_time_sum, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_drift_t, open_count, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_drift_t, buckets, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_drift_t, prev, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_drift_t, noise, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_drift_t, jitter, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_drift_t, pending, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_drift_t, pending_time, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_drift_t, steps, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_drift_t, dropped, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_drift_t, err_flat, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_drift_t, err_shaped, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_drift_t, fitted, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_drift_t, restarts, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_drift_t, run, AD_CODEC_U8),
    AD_CODEC_FIELD(ad_drift_t, run_sign, AD_CODEC_I8),
    AD_CODEC_FIELD(ad_drift_t, removed, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_drift_t, flat_share, AD_CODEC_F32),
    AD_CODEC_FIELD(ad_drift_t, open_varied, AD_CODEC_BOOL),
};

static const ad_codec_field_t SERIES[] = {
    AD_CODEC_FIELD(ad_series_t, last_time, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_series_t, last_value, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_series_t, step, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_series_t, season_mode_seen, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_series_t, shifts_seen, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_series_t, normal_start, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_series_t, normal_from, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_series_t, normal_to, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_series_t, normal_notified, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_series_t, host_slot, AD_CODEC_I16),
    AD_CODEC_ADDED(ad_series_t, resolution, AD_CODEC_F64),
    AD_CODEC_ADDED(ad_series_t, normal_began, AD_CODEC_F64),
    AD_CODEC_ADDED(ad_series_t, incident_values, AD_CODEC_U32),
};

static const ad_codec_field_t MODEL[] = {
    AD_CODEC_FIELD(ad_model_t, pending_from, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_model_t, next_train, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_model_t, due_time, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_model_t, first_time, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_model_t, drift, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_model_t, last_score, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_model_t, sustained, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_model_t, seed, AD_CODEC_U64),
    AD_CODEC_FIELD(ad_model_t, trainings, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_model_t, ticket, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_model_t, due, AD_CODEC_BOOL),
};

static const ad_codec_field_t RELATION[] = {
    AD_CODEC_FIELD(ad_relation_t, a, AD_CODEC_U8),
    AD_CODEC_FIELD(ad_relation_t, b, AD_CODEC_U8),
    AD_CODEC_FIELD(ad_relation_t, sign, AD_CODEC_I8),
    AD_CODEC_FIELD(ad_relation_t, mean_a, AD_CODEC_F32),
    AD_CODEC_FIELD(ad_relation_t, mean_b, AD_CODEC_F32),
    AD_CODEC_FIELD(ad_relation_t, sd_a, AD_CODEC_F32),
    AD_CODEC_FIELD(ad_relation_t, sd_b, AD_CODEC_F32),
    AD_CODEC_FIELD(ad_relation_t, corr, AD_CODEC_F32),
    AD_CODEC_FIELD(ad_relation_t, offset, AD_CODEC_F32),
    AD_CODEC_FIELD(ad_relation_t, noise, AD_CODEC_F32),
};

static const ad_codec_field_t RESERVOIR[] = {
    AD_CODEC_FIELD(ad_reservoir_t, rng, AD_CODEC_U64),
    AD_CODEC_FIELD(ad_reservoir_t, seen, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_reservoir_t, capacity, AD_CODEC_U16),
    AD_CODEC_FIELD(ad_reservoir_t, fill, AD_CODEC_U16),
    AD_CODEC_FIELD(ad_reservoir_t, dim, AD_CODEC_U8),
};

static const ad_codec_field_t FOREST[] = {
    AD_CODEC_FIELD(ad_iforest_image_t, dim, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_iforest_image_t, trees, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_iforest_image_t, sample_size, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_iforest_image_t, nodes, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_iforest_image_t, max_depth, AD_CODEC_U32),
};

static const ad_codec_field_t HOST[] = {
    AD_CODEC_FIELD(ad_host_t, last_report, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_host_t, tick.interval, AD_CODEC_F64_FINITE),
    /* Keys of 14 bytes or more before the first long number would meet
     * jansson 2.14's lexer, which reads past a string token whose buffer
     * could not grow (out of memory): the host's own keys stay short. */
    {"incident_at", AD_CODEC_F64, offsetof(ad_host_t, incident_start), 1, true},
};

static const ad_codec_field_t WEEKLY[] = {
    AD_CODEC_FLOATS(ad_weekly_t, seen),
    AD_CODEC_FLOATS(ad_weekly_t, risk),
    AD_CODEC_FLOATS(ad_weekly_t, incident),
    AD_CODEC_FLOATS(ad_weekly_t, onsets),
    AD_CODEC_FLOATS(ad_weekly_t, week),
};

/* The members' scores under their names, not an index (short: see HOST). */
#define MEMBER_RISK(name, i)                                                   \
  { name, AD_CODEC_F64, offsetof(ad_host_last_t, member_risk[i]), 1, false }
static const ad_codec_field_t LAST[] = {
    AD_CODEC_FIELD(ad_host_last_t, time, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_host_last_t, risk, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_host_last_t, confidence, AD_CODEC_F64),
    MEMBER_RISK("window", AD_DET_SLIDING_WINDOW),
    MEMBER_RISK("seasonal", AD_DET_SEASONAL),
    MEMBER_RISK("forest", AD_DET_ISOLATION_FOREST),
    AD_CODEC_FIELD(ad_host_last_t, consensus, AD_CODEC_U32),
};

/* ---- encoding ---------------------------------------------------------- */

/* Sets obj[name] to a new object of the struct's fields. */
static int put_struct(json_t *obj, const char *name, const void *base,
                      const ad_codec_field_t *fields, size_t n) {
  json_t *o = json_object();
  if (o == NULL || ad_codec_encode(o, base, fields, n) != 0) {
    json_decref(o);
    return ENOMEM;
  }
  /* (set_new takes o, on failure too) */
  return json_object_set_new(obj, name, o) == 0 ? 0 : ENOMEM;
}

/* Sets obj[name] to *value, which is taken (NULL afterwards), on failure
 * too. Returns 0 or ENOMEM. */
static int put_taken(json_t *obj, const char *name, json_t **value) {
  json_t *v = *value;
  *value = NULL;
  return json_object_set_new(obj, name, v) == 0 ? 0 : ENOMEM;
}

static json_t *encode_forest(const ad_iforest_t *f) {
  if (f == NULL)
    return json_null();
  ad_iforest_image_t img;
  ad_iforest_export(f, &img);
  json_t *o = json_object();
  if (o == NULL || ad_codec_encode(o, &img, FOREST, COUNT(FOREST)) != 0 ||
      ad_codec_put_array(o, "lo", img.lo, img.dim, sizeof(float)) != 0 ||
      ad_codec_put_array(o, "inv_step", img.inv_step, img.dim, sizeof(float)) !=
          0 ||
      ad_codec_put_array(o, "tree_start", img.tree_start, img.trees + 1,
                         sizeof(uint32_t)) != 0 ||
      ad_codec_put_array(o, "node", img.node, 2 * (size_t)img.nodes,
                         sizeof(uint16_t)) != 0 ||
      ad_codec_put_array(o, "extent", img.extent, 2 * (size_t)img.nodes,
                         sizeof(uint16_t)) != 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

static json_t *encode_reservoir(const ad_reservoir_t *r) {
  if (r == NULL)
    return json_null();
  json_t *o = json_object();
  if (o == NULL || ad_codec_encode(o, r, RESERVOIR, COUNT(RESERVOIR)) != 0 ||
      ad_codec_put_array(o, "rows", r->rows, (size_t)r->fill * r->dim,
                         sizeof(int16_t)) != 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* obj[name] = the relations as an array of objects. */
static int put_relations(json_t *obj, const char *name,
                         const ad_relations_t *r) {
  json_t *a = json_array();
  for (unsigned k = 0; a != NULL && k < r->count; k++) {
    json_t *p = json_object();
    if (p == NULL ||
        ad_codec_encode(p, &r->pair[k], RELATION, COUNT(RELATION)) != 0 ||
        json_array_append_new(a, p) != 0) {
      json_decref(p);
      json_decref(a);
      a = NULL;
    }
  }
  return a == NULL ? ENOMEM : json_object_set_new(obj, name, a) != 0;
}

/* A host model's relations, with their calibration: written only when the
 * model has any, so that a value list's model (which has none) is as
 * before. */
static int put_model_relations(json_t *o, const ad_model_t *m) {
  const ad_model_relations_t *r = m->relations;
  if (r == NULL)
    return 0;
  return put_relations(o, "relations", &r->in_force) ||
         put_relations(o, "pending_relations", &r->pending) ||
         put_struct(o, "calib_relation", &r->calib, CALIB, COUNT(CALIB));
}

static json_t *encode_model(const ad_model_t *m) {
  json_t *o = json_object();
  if (o == NULL || ad_codec_encode(o, m, MODEL, COUNT(MODEL)) != 0 ||
      put_model_relations(o, m) != 0 ||
      put_struct(o, "calib", &m->calib, CALIB, COUNT(CALIB)) != 0 ||
      put_struct(o, "calib_sustained", &m->calib_sustained, CALIB,
                 COUNT(CALIB)) != 0 ||
      json_object_set_new(o, "reservoir", encode_reservoir(m->reservoir)) ||
      json_object_set_new(o, "forest", encode_forest(m->forest)) ||
      json_object_set_new(o, "pending", encode_forest(m->pending))) {
    json_decref(o);
    return NULL;
  }
  return o;
}

static json_t *encode_series(const ad_series_t *s) {
  json_t *o = json_object();
  json_t *calib = json_array();
  for (int i = 0; calib != NULL && i < AD_SERIES_MEMBERS; i++) {
    json_t *c = json_object();
    bool made =
        c != NULL && ad_codec_encode(c, &s->calib[i], CALIB, COUNT(CALIB)) == 0;
    if (!made)
      json_decref(c);
    if (!made || json_array_append_new(calib, c) != 0) { /* c taken */
      json_decref(calib);
      calib = NULL;
    }
  }
  if (o == NULL || calib == NULL ||
      ad_codec_encode(o, s, SERIES, COUNT(SERIES)) != 0 ||
      put_taken(o, "calib", &calib) != 0 ||
      put_struct(o, "window", &s->window, WINDOW, COUNT(WINDOW)) != 0 ||
      put_struct(o, "season", &s->season, SEASON, COUNT(SEASON)) != 0 ||
      put_struct(o, "calib_record", &s->calib_record, CALIB, COUNT(CALIB)) ||
      put_struct(o, "calib_dispersion", &s->calib_dispersion, CALIB,
                 COUNT(CALIB)) != 0 ||
      put_struct(o, "persistence", &s->persistence, PERSISTENCE,
                 COUNT(PERSISTENCE)) != 0 ||
      put_struct(o, "calib_persistence", &s->calib_persistence, CALIB,
                 COUNT(CALIB)) != 0 ||
      put_struct(o, "trend", &s->trend, TREND, COUNT(TREND)) != 0 ||
      put_struct(o, "drift", &s->drift, DRIFT, COUNT(DRIFT)) != 0 ||
      put_struct(o, "drift_fit", &s->drift.fit, TREND, COUNT(TREND)) != 0 ||
      put_struct(o, "alert", &s->alert, ALERT, COUNT(ALERT)) != 0) {
    json_decref(calib); /* NULL once taken */
    json_decref(o);
    return NULL;
  }
  return o;
}

/* A value list's identifier fields under its host, by AD_FIELD_* - 1. */
static const char *const VLIST_FIELDS[] = {"plugin", "plugin_instance", "type",
                                           "type_instance"};

static json_t *encode_vlist(const ad_vlist_t *v) {
  json_t *o = json_object();
  json_t *sources = json_array();
  json_t *series = json_array();
  if (o == NULL || sources == NULL || series == NULL)
    goto fail;
  ad_ident_t id;
  ad_ident_of_key(v->key, &id);
  for (size_t f = 0; f < COUNT(VLIST_FIELDS); f++) {
    const char *field = ad_ident_field(&id, (ad_field_t)(f + 1));
    if (json_object_set_new(o, VLIST_FIELDS[f], json_string(field)) != 0)
      goto fail;
  }
  const char *name = v->names;
  for (unsigned i = 0; i < v->count; i++, name += strlen(name) + 1)
    if (json_array_append_new(sources, json_string(name)) != 0 ||
        json_array_append_new(series, encode_series(&v->series[i])) != 0)
      goto fail;
  if (json_object_set_new(o, "sources", sources) != 0) {
    sources = NULL;
    goto fail;
  }
  sources = NULL;
  if (json_object_set_new(o, "series", series) != 0) {
    series = NULL;
    goto fail;
  }
  series = NULL;
  if (v->model != NULL &&
      json_object_set_new(o, "forest", encode_model(v->model)) != 0)
    goto fail;
  return o;
fail:
  json_decref(sources);
  json_decref(series);
  json_decref(o);
  return NULL;
}

static json_t *encode_host(const ad_host_t *h) {
  json_t *o = json_object();
  json_t *names = json_array();
  if (o == NULL || names == NULL)
    goto fail;
  for (unsigned i = 0; i < h->slots; i++)
    if (json_array_append_new(names, json_string(h->slot_name[i])) != 0)
      goto fail;
  if (json_object_set_new(o, "name", json_string(h->name)) != 0 ||
      ad_codec_encode(o, h, HOST, COUNT(HOST)) != 0 ||
      put_struct(o, "alert", &h->alert, ALERT, COUNT(ALERT)) != 0 ||
      put_struct(o, "weekly", &h->weekly, WEEKLY, COUNT(WEEKLY)) != 0 ||
      put_struct(o, "last", &h->last, LAST, COUNT(LAST)) != 0 ||
      json_object_set_new(json_object_get(o, "last"), "driver",
                          json_string(h->last.driver)) != 0 ||
      ad_change_encode(o, &h->change) != 0 ||
      ad_exhaust_encode(o, &h->exhaust) != 0 ||
      json_object_set_new(o, "incident_of", json_string(h->incident_series)) !=
          0 ||
      json_object_set_new(o, "forest", encode_model(&h->model)) != 0 ||
      ad_codec_put_array(o, "slot_latest", h->latest, h->slots,
                         sizeof(float)) != 0)
    goto fail;
  if (json_object_set_new(o, "slot_names", names) != 0) {
    names = NULL;
    goto fail;
  }
  return o;
fail:
  json_decref(names);
  json_decref(o);
  return NULL;
}

/* Value lists in key order: a state loaded and saved again is the same
 * file, whatever order the table holds them in. */
static int by_key(const void *a, const void *b) {
  const ad_vlist_t *x = *(ad_vlist_t *const *)a, *y = *(ad_vlist_t *const *)b;
  size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
  int c = memcmp(x->key, y->key, n);
  return c != 0 ? c : (x->key_len > y->key_len) - (x->key_len < y->key_len);
}

/* The value lists as a JSON array, in key order; NULL when out of memory. */
static json_t *encode_vlists(ad_vlist_t *const *vlists, size_t n) {
  ad_vlist_t **sorted = malloc((n > 0 ? n : 1) * sizeof(*sorted));
  json_t *list = sorted != NULL ? json_array() : NULL;
  if (list != NULL && n > 0) {
    memcpy(sorted, vlists, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), by_key);
  }
  for (size_t i = 0; list != NULL && i < n; i++)
    if (json_array_append_new(list, encode_vlist(sorted[i])) != 0) {
      json_decref(list);
      list = NULL;
    }
  free(sorted);
  return list;
}

json_t *ad_persist_encode(const ad_host_t *h, ad_vlist_t *const *vlists,
                          size_t n, const ad_config_t *cfg) {
  json_t *doc = json_object();
  json_t *list = encode_vlists(vlists, n);
  /* window is structural (checked on load); the rest says what the state
   * was learned with */
  json_t *params = json_pack(
      "{s:I, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:I, s:I, s:f}",
      "window", (json_int_t)cfg->window.window, "span",
      (json_int_t)cfg->window.span, "warmup", (json_int_t)cfg->window.warmup,
      "level_time", cfg->season.level_time, "shift_acceptance",
      cfg->season.shift_acceptance, "day_memory", cfg->season.day_memory,
      "week_memory", cfg->season.week_memory, "calibration_days",
      cfg->calibration_days, "value_list_trees",
      (json_int_t)cfg->vl_model.trees, "host_forest_trees",
      (json_int_t)cfg->host_model.trees, "host_forest_samples",
      (json_int_t)cfg->host_model.sample_size, "host_forest_max_series",
      (json_int_t)cfg->host_forest_series, "train_interval",
      cfg->vl_model.train_interval);
  json_t *detectors = json_pack(
      "{s:i, s:i, s:i, s:i}", "window", AD_PERSIST_WINDOW_VERSION, "season",
      AD_PERSIST_SEASON_VERSION, "calibration", AD_PERSIST_CALIBRATION_VERSION,
      "forest", AD_PERSIST_FOREST_VERSION);
  if (doc == NULL || list == NULL || params == NULL || detectors == NULL)
    goto fail;
  json_t *host = encode_host(h);
  if (host == NULL || put_taken(doc, "host", &host) != 0 ||
      put_taken(doc, "parameters", &params) != 0 ||
      put_taken(doc, "detectors", &detectors) != 0 ||
      put_taken(doc, "value_lists", &list) != 0)
    goto fail;
  return doc;
fail:
  json_decref(params);
  json_decref(detectors);
  json_decref(list);
  json_decref(doc);
  return NULL;
}

/* ---- decoding ----------------------------------------------------------
 *
 * Strict within a part, forgiving between parts: a series, a forest or the
 * host's own state that fails a check starts afresh (noted as damage), a
 * value list whose identifier is unusable is dropped; the rest of the host
 * is kept. Only a document that names no host is refused whole. */

/* Decodes obj[name] into the struct at base. */
static int get_struct(const json_t *obj, const char *name, void *base,
                      const ad_codec_field_t *fields, size_t n,
                      ad_codec_error_t *err) {
  const json_t *o = json_object_get(obj, name);
  if (o == NULL)
    return ad_codec_fail(err, "%s: missing", name);
  return ad_codec_within(err, name, ad_codec_decode(o, base, fields, n, err));
}

/* The owner's verdict on a decoded struct as a decoding error. */
static int judged(const char *why, ad_codec_error_t *err) {
  return why == NULL ? 0 : ad_codec_fail(err, "%s", why);
}

static int decode_calib(const json_t *o, ad_calib_t *c, ad_codec_error_t *err) {
  c->budget = (float)AD_CALIB_BUDGET_MAX; /* a file from before budgets */
  if (ad_codec_decode(o, c, CALIB, COUNT(CALIB), err) != 0)
    return EINVAL;
  return judged(ad_calib_invalid(c), err);
}

static int get_calib(const json_t *obj, const char *name, ad_calib_t *c,
                     ad_codec_error_t *err) {
  const json_t *o = json_object_get(obj, name);
  if (o == NULL)
    return ad_codec_fail(err, "%s: missing", name);
  return ad_codec_within(err, name, decode_calib(o, c, err));
}

static const char *alert_invalid(const ad_alert_t *a) {
  if (a->raw.level >= AD_LEVEL_COUNT || a->notified >= AD_LEVEL_COUNT ||
      a->raw.pending < -1 || a->raw.pending > 1)
    return "level out of range";
  if (!(a->incident_rate >= 0))
    return "incident_rate: negative";
  return NULL;
}

static int get_alert(const json_t *obj, ad_alert_t *a, ad_codec_error_t *err) {
  if (get_struct(obj, "alert", a, ALERT, COUNT(ALERT), err) != 0)
    return EINVAL;
  return ad_codec_within(err, "alert", judged(alert_invalid(a), err));
}

static int decode_forest(const json_t *o, ad_iforest_t **out,
                         ad_codec_error_t *err) {
  *out = NULL;
  if (json_is_null(o))
    return 0;
  ad_iforest_image_t img;
  if (ad_codec_decode(o, &img, FOREST, COUNT(FOREST), err) != 0)
    return EINVAL;
  if (img.dim == 0 || img.dim > AD_IFOREST_MAX_DIM || img.trees == 0 ||
      img.trees > AD_IFOREST_MAX_TREES ||
      img.nodes > img.trees * (2u * AD_IFOREST_MAX_SAMPLE - 1))
    return ad_codec_fail(err, "size out of range");
  float *lo = malloc(img.dim * sizeof(float));
  float *inv_step = malloc(img.dim * sizeof(float));
  uint32_t *starts = malloc((img.trees + 1) * sizeof(uint32_t));
  uint16_t *nodes = malloc(2 * (size_t)img.nodes * sizeof(uint16_t) + 1);
  uint16_t *extents = malloc(2 * (size_t)img.nodes * sizeof(uint16_t) + 1);
  int rc = ENOMEM;
  if (lo != NULL && inv_step != NULL && starts != NULL && nodes != NULL &&
      extents != NULL) {
    rc = ad_codec_get_array(o, "lo", lo, img.dim, sizeof(float), err) ||
                 ad_codec_get_array(o, "inv_step", inv_step, img.dim,
                                    sizeof(float), err) ||
                 ad_codec_get_array(o, "tree_start", starts, img.trees + 1,
                                    sizeof(uint32_t), err) ||
                 ad_codec_get_array(o, "node", nodes, 2 * (size_t)img.nodes,
                                    sizeof(uint16_t), err) ||
                 ad_codec_get_array(o, "extent", extents, 2 * (size_t)img.nodes,
                                    sizeof(uint16_t), err)
             ? EINVAL
             : 0;
  }
  if (rc == 0) {
    img.lo = lo;
    img.inv_step = inv_step;
    img.tree_start = starts;
    img.node = nodes;
    img.extent = extents;
    char why[96];
    rc = ad_iforest_import(&img, out, why, sizeof(why));
    if (rc == EINVAL)
      ad_codec_fail(err, "%s", why);
  }
  free(lo);
  free(inv_step);
  free(starts);
  free(nodes);
  free(extents);
  return rc;
}

static int decode_reservoir(const json_t *o, ad_reservoir_t **out,
                            ad_codec_error_t *err) {
  *out = NULL;
  if (json_is_null(o))
    return 0;
  ad_reservoir_t head;
  if (ad_codec_decode(o, &head, RESERVOIR, COUNT(RESERVOIR), err) != 0)
    return EINVAL;
  if (head.capacity == 0 || head.dim == 0 || head.dim > AD_IFOREST_MAX_DIM ||
      head.fill > head.capacity)
    return ad_codec_fail(err, "size out of range");
  ad_reservoir_t *r = ad_reservoir_create(head.capacity, head.dim, head.rng);
  if (r == NULL)
    return ENOMEM;
  r->seen = head.seen;
  r->fill = head.fill;
  if (ad_codec_get_array(o, "rows", r->rows, (size_t)r->fill * r->dim,
                         sizeof(int16_t), err) != 0) {
    ad_reservoir_destroy(r);
    return EINVAL;
  }
  *out = r;
  return 0;
}

static const char *model_invalid(const ad_model_t *m) {
  if (!(m->drift >= 0 && m->drift <= 1))
    return "drift: out of range";
  /* scores are 0..1, their deviations 20 (score - 0.5) at most 10 */
  if (!(m->sustained >= 0 && m->sustained <= 10) && !isnan(m->sustained))
    return "sustained: out of range";
  if (!(m->last_score >= 0 && m->last_score <= 1) && !isnan(m->last_score))
    return "last_score: out of range";
  return NULL;
}

/* How many features a decoded model's rows may have. */
typedef enum {
  FEATURES_EXACTLY, /* a value list's: its sources' */
  FEATURES_AT_MOST, /* a host's view, which only grows */
} features_rule_t;

/* Decodes obj[name], when there, into r (relations of dim features). */
static int get_relations(const json_t *obj, const char *name, ad_relations_t *r,
                         size_t dim, ad_codec_error_t *err) {
  ad_relations_init(r);
  const json_t *a = json_object_get(obj, name);
  if (a == NULL)
    return 0;
  if (!json_is_array(a) || json_array_size(a) > AD_RELATION_MAX)
    return ad_codec_fail(err, "%s: not an array of at most %d", name,
                         AD_RELATION_MAX);
  for (size_t k = 0; k < json_array_size(a); k++)
    if (ad_codec_within(err, name,
                        ad_codec_decode(json_array_get(a, k), &r->pair[k],
                                        RELATION, COUNT(RELATION), err)) != 0)
      return EINVAL;
  r->count = (uint8_t)json_array_size(a);
  return ad_codec_within(err, name,
                         judged(ad_relations_invalid(r, (unsigned)dim), err));
}

static int get_model_relations(const json_t *o, ad_model_t *m, size_t dim,
                               ad_codec_error_t *err) {
  if (json_object_get(o, "relations") == NULL)
    return 0;
  ad_model_relations_t *r = ad_model_relations_create();
  if (r == NULL)
    return ENOMEM;
  m->relations = r; /* freed with the model on any failure */
  int rc = get_relations(o, "relations", &r->in_force, dim, err);
  if (rc == 0)
    rc = get_relations(o, "pending_relations", &r->pending, dim, err);
  if (rc == 0)
    rc = get_calib(o, "calib_relation", &r->calib, err);
  return rc;
}

/* Decodes a model whose rows have `dim` features, exactly or at most. */
static int decode_model(const json_t *o, ad_model_t *m, size_t dim,
                        features_rule_t rule, ad_codec_error_t *err) {
  uint64_t seed = m->seed;
  ad_model_release(m);
  int rc = ad_codec_decode(o, m, MODEL, COUNT(MODEL), err);
  m->reservoir = NULL;
  m->forest = m->pending = NULL;
  m->taken = false;
  if (rc == 0)
    rc = judged(model_invalid(m), err);
  if (rc == 0)
    rc = get_calib(o, "calib", &m->calib, err);
  if (rc == 0)
    rc = get_calib(o, "calib_sustained", &m->calib_sustained, err);
  if (rc == 0)
    rc = get_model_relations(o, m, dim, err);
  if (rc == 0)
    rc = ad_codec_within(
        err, "reservoir",
        decode_reservoir(json_object_get(o, "reservoir"), &m->reservoir, err));
  if (rc == 0)
    rc = ad_codec_within(
        err, "forest",
        decode_forest(json_object_get(o, "forest"), &m->forest, err));
  if (rc == 0)
    rc = ad_codec_within(
        err, "pending",
        decode_forest(json_object_get(o, "pending"), &m->pending, err));
  if (rc == 0) {
    size_t limit = dim;
    size_t rdim = m->reservoir != NULL ? m->reservoir->dim : 0;
    size_t fdim = m->forest != NULL ? ad_iforest_dim(m->forest) : 0;
    size_t pdim = m->pending != NULL ? ad_iforest_dim(m->pending) : 0;
    bool exact = rule == FEATURES_EXACTLY;
    if (rdim > limit || fdim > limit || pdim > limit ||
        (exact &&
         ((rdim != 0 && rdim != limit) || (fdim != 0 && fdim != limit) ||
          (pdim != 0 && pdim != limit))))
      rc = ad_codec_fail(err, "features do not match the value list");
  }
  if (rc != 0) {
    ad_model_release(m);
    ad_model_init(m, seed);
  }
  return rc;
}

/* A series' window; with another WindowSize (reset) its ring cannot be
 * judged and is not kept. */
static int decode_window(const json_t *o, ad_window_t *w,
                         const ad_config_t *cfg, unsigned reset,
                         ad_codec_error_t *err) {
  if (get_struct(o, "window", w, WINDOW, COUNT(WINDOW), err) != 0)
    return EINVAL;
  if (reset & AD_PERSIST_RESET_WINDOW) {
    ad_window_init(w);
    return 0;
  }
  int rc = ad_codec_within(err, "window",
                           judged(ad_window_invalid(w, &cfg->window), err));
  if (rc == 0)
    ad_window_fit(w, &cfg->window);
  return rc;
}

static int decode_series(const json_t *o, ad_series_t *s,
                         const ad_config_t *cfg, unsigned reset,
                         ad_codec_error_t *err) {
  ad_series_init(s);
  int rc = ad_codec_decode(o, s, SERIES, COUNT(SERIES), err);
  if (rc == 0 && !(s->step >= 0 && s->step <= 4 * AD_DAY))
    rc = ad_codec_fail(err, "step: out of range");
  if (rc == 0 && (fabs(s->last_value) > AD_STATE_LIMIT ||
                  fabs(s->normal_from) > AD_STATE_LIMIT ||
                  fabs(s->normal_to) > AD_STATE_LIMIT ||
                  fabs(s->normal_began) > AD_STATE_LIMIT))
    rc = ad_codec_fail(err, "a value beyond any value");
  if (rc == 0 && s->host_slot < AD_SLOT_NONE)
    rc = ad_codec_fail(err, "host_slot: out of range");
  if (rc == 0)
    rc = judged(ad_resolution_invalid(s->resolution), err);
  if (rc == 0)
    rc = decode_window(o, &s->window, cfg, reset, err);
  if (rc == 0)
    rc = get_struct(o, "season", &s->season, SEASON, COUNT(SEASON), err);
  if (rc == 0)
    rc = ad_codec_within(err, "season",
                         judged(ad_season_invalid(&s->season), err));
  const json_t *calib = json_object_get(o, "calib");
  if (rc == 0 &&
      (!json_is_array(calib) || json_array_size(calib) != AD_SERIES_MEMBERS))
    rc = ad_codec_fail(err, "calib: not one per member");
  for (size_t i = 0; rc == 0 && i < AD_SERIES_MEMBERS; i++)
    rc = ad_codec_within(
        err, "calib",
        decode_calib(json_array_get(calib, i), &s->calib[i], err));
  if (rc == 0)
    rc = get_calib(o, "calib_record", &s->calib_record, err);
  if (rc == 0)
    rc = get_calib(o, "calib_dispersion", &s->calib_dispersion, err);
  /* (added after 0.1.0: a file without them loads as nothing added up) */
  if (rc == 0 && json_object_get(o, "persistence") != NULL)
    rc = get_struct(o, "persistence", &s->persistence, PERSISTENCE,
                    COUNT(PERSISTENCE), err);
  if (rc == 0)
    rc = ad_codec_within(err, "persistence",
                         judged(ad_persistence_invalid(&s->persistence), err));
  if (rc == 0 && json_object_get(o, "calib_persistence") != NULL)
    rc = get_calib(o, "calib_persistence", &s->calib_persistence, err);
  /* (added after 0.1.0: a file without it starts the averages afresh) */
  if (rc == 0 && json_object_get(o, "trend") != NULL)
    rc = get_struct(o, "trend", &s->trend, TREND, COUNT(TREND), err);
  if (rc == 0)
    rc =
        ad_codec_within(err, "trend", judged(ad_trend_invalid(&s->trend), err));
  /* (added after 0.1.0: a file without it learns the slow trend afresh) */
  if (rc == 0 && json_object_get(o, "drift") != NULL &&
      json_object_get(o, "drift_fit") != NULL) {
    rc = get_struct(o, "drift", &s->drift, DRIFT, COUNT(DRIFT), err);
    if (rc == 0)
      rc = get_struct(o, "drift_fit", &s->drift.fit, TREND, COUNT(TREND), err);
  }
  if (rc == 0)
    rc =
        ad_codec_within(err, "drift", judged(ad_drift_invalid(&s->drift), err));
  if (rc == 0)
    rc = get_alert(o, &s->alert, err);
  if (rc != 0)
    return rc;
  if (reset & AD_PERSIST_RESET_SEASON) {
    ad_season_init(&s->season);
    s->season_mode_seen = 0;
  }
  if (reset & AD_PERSIST_RESET_CALIBRATION) {
    for (size_t i = 0; i < AD_SERIES_MEMBERS; i++)
      ad_calib_init(&s->calib[i]);
    ad_calib_init(&s->calib_record);
    ad_calib_init(&s->calib_dispersion);
    ad_calib_init(&s->calib_persistence);
  }
  if (reset & AD_PERSIST_RESET_SEASON)
    ad_persistence_init(&s->persistence);
  return 0;
}

/* A part that failed its checks starts afresh: counted, the first kept
 * with where it was ("value_lists[2].series[0]" + "season.day: ..."). */
static void damaged(ad_persist_host_t *out, const char *where,
                    ad_codec_error_t *why) {
  out->damaged++;
  if (out->damage.text[0] == '\0') {
    out->damage = *why;
    ad_codec_within(&out->damage, where, EINVAL);
  }
  why->text[0] = '\0';
}

/* Copies the JSON string obj[name] (shorter than AD_NAME_MAX) into out. */
static int get_name(const json_t *obj, const char *name, char *out,
                    ad_codec_error_t *err) {
  const json_t *v = json_object_get(obj, name);
  if (!json_is_string(v) || json_string_length(v) >= AD_NAME_MAX ||
      strlen(json_string_value(v)) != json_string_length(v))
    return ad_codec_fail(err, "%s: missing or not a name", name);
  memcpy(out, json_string_value(v), json_string_length(v) + 1);
  return 0;
}

/* The value list's identifier (under host) and data source names, as the
 * key and names ad_vlist_create takes. */
static int decode_identity(const json_t *o, const ad_host_t *host, char *key,
                           size_t *key_len, const char **names, size_t *count,
                           ad_codec_error_t *err) {
  ad_ident_buf_t buf;
  memcpy(buf.field[AD_FIELD_HOST], host->name, AD_NAME_MAX);
  if (!json_is_object(o))
    return ad_codec_fail(err, "not an object");
  for (size_t f = 0; f < COUNT(VLIST_FIELDS); f++)
    if (get_name(o, VLIST_FIELDS[f], buf.field[f + 1], err) != 0)
      return EINVAL;
  ad_ident_t id = {buf.field[0], buf.field[1], buf.field[2], buf.field[3],
                   buf.field[4]};
  if (!ad_ident_valid(&id))
    return ad_codec_fail(err, "not a valid identifier");
  const json_t *sources = json_object_get(o, "sources");
  const json_t *series = json_object_get(o, "series");
  *count = json_array_size(sources);
  if (!json_is_array(sources) || *count == 0 || *count > AD_VLIST_MAX_SOURCES ||
      !json_is_array(series) || json_array_size(series) != *count)
    return ad_codec_fail(err, "sources: not 1 to %d names, one per series",
                         AD_VLIST_MAX_SOURCES);
  for (size_t i = 0; i < *count; i++) {
    const json_t *n = json_array_get(sources, i);
    names[i] = json_string_value(n);
    if (names[i] == NULL || json_string_length(n) >= AD_NAME_MAX ||
        strlen(names[i]) != json_string_length(n))
      return ad_codec_fail(err, "sources: not names");
  }
  *key_len = ad_ident_key(&id, key);
  return 0;
}

/* Decodes value list `index`: its series and forest, each part that fails
 * its checks started afresh (out->damaged). EINVAL with the reason in err
 * when its identifier is unusable (the value list is then dropped);
 * ENOMEM. */
static int decode_vlist(const json_t *o, size_t index, ad_host_t *host,
                        const ad_config_t *cfg, unsigned reset,
                        ad_persist_host_t *out, ad_vlist_t **made,
                        ad_codec_error_t *err) {
  *made = NULL;
  char key[AD_IDENT_KEY_MAX];
  size_t key_len = 0, count = 0;
  const char *names[AD_VLIST_MAX_SOURCES];
  if (decode_identity(o, host, key, &key_len, names, &count, err) != 0)
    return EINVAL;
  ad_vlist_t *v = ad_vlist_create(key, key_len, ad_table_hash(key, key_len),
                                  count, names, cfg);
  if (v == NULL)
    return ENOMEM;
  v->host = host;
  const json_t *series = json_object_get(o, "series");
  for (size_t i = 0; i < count; i++) {
    ad_codec_error_t why = {{0}};
    if (decode_series(json_array_get(series, i), &v->series[i], cfg, reset,
                      &why) == 0 &&
        (out->view_reset || v->series[i].host_slot < (int)host->slots))
      continue; /* (slots of a view started afresh: fit_slots) */
    if (why.text[0] == '\0')
      ad_codec_fail(&why, "host_slot: beyond the host's view");
    char where[64];
    snprintf(where, sizeof(where), "value_lists[%zu].series[%zu]", index, i);
    damaged(out, where, &why);
    ad_series_init(&v->series[i]);
  }
  const json_t *forest = json_object_get(o, "forest");
  if (v->model != NULL && forest != NULL &&
      !(reset & AD_PERSIST_RESET_FOREST)) {
    unsigned sources_seen = count < AD_VLIST_FOREST_SOURCES
                                ? (unsigned)count
                                : AD_VLIST_FOREST_SOURCES;
    ad_codec_error_t why = {{0}};
    if (decode_model(forest, v->model, 2 * sources_seen, FEATURES_EXACTLY,
                     &why) != 0) {
      char where[48];
      snprintf(where, sizeof(where), "value_lists[%zu].forest", index);
      damaged(out, where, &why);
    }
  }
  *made = v;
  return 0;
}

/* The host's view of its series: their names and latest positions. */
static int decode_view(const json_t *o, ad_host_t *h, const ad_config_t *cfg,
                       ad_codec_error_t *err) {
  const json_t *names = json_object_get(o, "slot_names");
  size_t slots = json_array_size(names);
  unsigned most = cfg->host_forest_series < AD_IFOREST_MAX_DIM
                      ? cfg->host_forest_series
                      : AD_IFOREST_MAX_DIM;
  if (!json_is_array(names) || slots > most)
    return ad_codec_fail(err, "slot_names: not an array of at most %u names",
                         most);
  if (slots == 0)
    return 0;
  h->latest = malloc(slots * sizeof(*h->latest));
  h->slot_name = calloc(slots, sizeof(*h->slot_name));
  if (h->latest == NULL || h->slot_name == NULL)
    return ENOMEM;
  h->slot_capacity = (unsigned)slots;
  if (ad_codec_get_array(o, "slot_latest", h->latest, slots, sizeof(float),
                         err) != 0)
    return EINVAL;
  for (size_t i = 0; i < slots; i++) {
    const json_t *n = json_array_get(names, i);
    if (!json_is_string(n) || json_string_length(n) >= AD_SERIES_NAME_MAX)
      return ad_codec_fail(err, "slot_names: not names");
    memcpy(h->slot_name[i], json_string_value(n), json_string_length(n) + 1);
    if (!isfinite(h->latest[i]))
      return ad_codec_fail(err, "slot_latest: not finite");
  }
  h->slots = (unsigned)slots;
  return 0;
}

/* Forgets a host's view: its series take new slots as they come. */
static void drop_view(ad_host_t *h) {
  free(h->latest);
  free(h->slot_name);
  h->latest = NULL;
  h->slot_name = NULL;
  h->slots = h->slot_capacity = 0;
  ad_model_release(&h->model);
}

/* Copies the JSON string obj[name], when there is one shorter than size,
 * into out; leaves out alone otherwise. */
static void get_text(const json_t *obj, const char *name, char *out,
                     size_t size) {
  const json_t *v = json_object_get(obj, name);
  if (json_is_string(v) && json_string_length(v) < size &&
      strlen(json_string_value(v)) == json_string_length(v))
    memcpy(out, json_string_value(v), json_string_length(v) + 1);
}

/* What readiness reads of the host (files from before it have none of
 * it: nothing learned yet): its hours of the week, its last interval and
 * its open incident's series. A damaged part starts afresh. */
static void decode_readiness(const json_t *o, ad_host_t *h,
                             ad_persist_host_t *out, ad_codec_error_t *why) {
  const json_t *weekly = json_object_get(o, "weekly");
  if (weekly != NULL &&
      (ad_codec_within(why, "weekly",
                       ad_codec_decode(weekly, &h->weekly, WEEKLY,
                                       COUNT(WEEKLY), why)) != 0 ||
       ad_codec_within(why, "weekly",
                       judged(ad_weekly_invalid(&h->weekly), why)) != 0)) {
    damaged(out, "host", why);
    ad_weekly_init(&h->weekly);
  }
  const json_t *last = json_object_get(o, "last");
  if (last != NULL) {
    ad_host_last_t saved = h->last;
    if (ad_codec_within(
            why, "last",
            ad_codec_decode(last, &h->last, LAST, COUNT(LAST), why)) != 0) {
      damaged(out, "host", why);
      h->last = saved;
    } else {
      get_text(last, "driver", h->last.driver, sizeof(h->last.driver));
    }
  }
  get_text(o, "incident_of", h->incident_series, sizeof(h->incident_series));
}

/* Decodes the host: its name (EINVAL: nothing can be kept without it), its
 * level, view and forest (each that fails its checks started afresh). */
static int decode_host(const json_t *o, const ad_config_t *cfg, unsigned reset,
                       ad_persist_host_t *out, ad_codec_error_t *err) {
  char name[AD_NAME_MAX];
  if (!json_is_object(o))
    return ad_codec_fail(err, "not an object");
  if (get_name(o, "name", name, err) != 0)
    return EINVAL;
  if (name[0] == '\0')
    return ad_codec_fail(err, "name: empty");
  ad_host_t *h = ad_host_create(name);
  if (h == NULL)
    return ENOMEM;
  out->host = h;
  ad_codec_error_t why = {{0}};
  int rc = ad_codec_decode(o, h, HOST, COUNT(HOST), &why);
  if (rc == 0 && !(h->tick.interval >= 0))
    rc = ad_codec_fail(&why, "tick.interval: out of range");
  if (rc == 0)
    rc = get_alert(o, &h->alert, &why);
  if (rc != 0) {
    damaged(out, "host", &why);
    h->last_report = NAN;
    h->tick.interval = 0;
    h->incident_start = NAN;
    ad_alert_init(&h->alert);
  }
  decode_readiness(o, h, out, &why);
  rc = decode_view(o, h, cfg, &why);
  if (rc == ENOMEM)
    return ENOMEM;
  if (rc != 0) {
    damaged(out, "host", &why);
    drop_view(h);
    out->view_reset = true;
    return 0; /* its forest was of that view */
  }
  const json_t *forest = json_object_get(o, "forest");
  if (forest == NULL)
    ad_codec_fail(&why, "forest: missing");
  else if (!(reset & AD_PERSIST_RESET_FOREST))
    ad_codec_within(
        &why, "forest",
        decode_model(forest, &h->model, h->slots, FEATURES_AT_MOST, &why));
  if (why.text[0] != '\0')
    damaged(out, "host", &why);
  return 0;
}

/* Members whose saved state does not fit this build or this configuration:
 * they start afresh. */
static unsigned members_to_reset(const json_t *doc, const ad_config_t *cfg) {
  static const struct {
    const char *name;
    int version;
    unsigned bit;
  } members[] = {
      {"window", AD_PERSIST_WINDOW_VERSION, AD_PERSIST_RESET_WINDOW},
      {"season", AD_PERSIST_SEASON_VERSION, AD_PERSIST_RESET_SEASON},
      {"calibration", AD_PERSIST_CALIBRATION_VERSION,
       AD_PERSIST_RESET_CALIBRATION},
      {"forest", AD_PERSIST_FOREST_VERSION, AD_PERSIST_RESET_FOREST},
  };
  unsigned reset = 0;
  const json_t *detectors = json_object_get(doc, "detectors");
  for (size_t i = 0; i < COUNT(members); i++) {
    const json_t *v = json_object_get(detectors, members[i].name);
    if (!json_is_integer(v) || json_integer_value(v) != members[i].version)
      reset |= members[i].bit;
  }
  const json_t *window =
      json_object_get(json_object_get(doc, "parameters"), "window");
  if (!json_is_integer(window) ||
      json_integer_value(window) != (json_int_t)cfg->window.window)
    reset |= AD_PERSIST_RESET_WINDOW;
  return reset;
}

void ad_persist_host_free(ad_persist_host_t *p) {
  for (size_t i = 0; p->vlists != NULL && i < p->count; i++)
    ad_vlist_destroy(p->vlists[i]);
  free(p->vlists);
  ad_host_destroy(p->host);
  memset(p, 0, sizeof(*p));
}

/* Series of the host's view whose slot the view no longer has start over
 * with no slot (they take a new one as they come). */
static void fit_slots(ad_persist_host_t *out) {
  for (size_t i = 0; i < out->count; i++)
    for (unsigned k = 0; k < out->vlists[i]->count; k++) {
      ad_series_t *s = &out->vlists[i]->series[k];
      if (s->host_slot >= (int)out->host->slots)
        s->host_slot = AD_SLOT_UNASSIGNED;
    }
}

static int decode_vlists(const json_t *list, const ad_config_t *cfg,
                         unsigned reset, ad_persist_host_t *out) {
  size_t n = json_array_size(list);
  out->vlists = n > 0 ? calloc(n, sizeof(*out->vlists)) : NULL;
  if (n > 0 && out->vlists == NULL)
    return ENOMEM;
  for (size_t i = 0; i < n; i++) {
    ad_codec_error_t why = {{0}};
    const json_t *o = json_array_get(list, i);
    int rc = decode_vlist(o, i, out->host, cfg, reset, out,
                          &out->vlists[out->count], &why);
    if (rc == ENOMEM)
      return ENOMEM;
    if (rc != 0) {
      char where[48];
      snprintf(where, sizeof(where), "value_lists[%zu]", i);
      size_t sources = json_array_size(json_object_get(o, "sources"));
      size_t series = json_array_size(json_object_get(o, "series"));
      out->dropped_series += sources > series ? sources : series;
      damaged(out, where, &why);
      continue;
    }
    out->series += out->vlists[out->count++]->count;
  }
  return 0;
}

/* The host's changes, once its series are counted (an open watch's table
 * is sized for them). */
static void decode_changes(const json_t *host, ad_persist_host_t *out) {
  ad_codec_error_t why = {{0}};
  size_t bad = ad_change_decode(host, &out->host->change, out->series, &why);
  if (bad > 0) {
    damaged(out, "host", &why);
    out->damaged += bad - 1;
  }
  ad_codec_error_t why_exhaust = {{0}};
  bad = ad_exhaust_decode(host, &out->host->exhaust, &why_exhaust);
  if (bad > 0) {
    damaged(out, "host", &why_exhaust);
    out->damaged += bad - 1;
  }
}

int ad_persist_decode(const json_t *doc, const ad_config_t *cfg,
                      ad_persist_host_t *out, ad_codec_error_t *err) {
  memset(out, 0, sizeof(*out));
  if (!json_is_object(doc))
    return ad_codec_fail(err, "not an object");
  unsigned reset = members_to_reset(doc, cfg);
  if (json_object_get(doc, "host") == NULL)
    return ad_codec_fail(err, "host: missing");
  int rc = ad_codec_within(
      err, "host",
      decode_host(json_object_get(doc, "host"), cfg, reset, out, err));
  const json_t *list = json_object_get(doc, "value_lists");
  if (rc == 0 && !json_is_array(list))
    rc = ad_codec_fail(err, "value_lists: not an array");
  if (rc == 0)
    rc = decode_vlists(list, cfg, reset, out);
  if (rc != 0) {
    ad_persist_host_free(out);
    return rc;
  }
  fit_slots(out);
  decode_changes(json_object_get(doc, "host"), out);
  if (reset & AD_PERSIST_RESET_FOREST) {
    /* the view's slots stay (series keep theirs); its forest starts over */
    ad_model_release(&out->host->model);
  }
  out->reset = reset;
  return 0;
}

/* ---- an engine's state as documents ---------------------------------- */

typedef struct {
  ad_persist_writer_t write;
  void *ctx;
  const ad_config_t *cfg;
} encoding_t;

static int encode_copies(void *ctx, const ad_host_t *host,
                         ad_vlist_t *const *vlists, size_t n) {
  const encoding_t *c = ctx;
  json_t *doc = ad_persist_encode(host, vlists, n, c->cfg);
  return doc != NULL ? c->write(c->ctx, host->name, doc) : ENOMEM;
}

int ad_persist_save(ad_engine_t *e, ad_persist_writer_t write, void *ctx,
                    ad_save_stats_t *stats) {
  encoding_t c = {.write = write, .ctx = ctx, .cfg = ad_engine_config(e)};
  return ad_engine_save(e, encode_copies, &c, stats);
}

int ad_persist_restore(ad_engine_t *e, const json_t *doc, double now,
                       ad_restore_stats_t *stats, ad_codec_error_t *err) {
  *stats = (ad_restore_stats_t){0};
  ad_persist_host_t p;
  int rc = ad_persist_decode(doc, ad_engine_config(e), &p, err);
  if (rc != 0)
    return rc;
  stats->reset = p.reset;
  stats->damaged = p.damaged;
  stats->dropped_series = p.dropped_series;
  stats->damage = p.damage;
  ad_adopt_stats_t adopted;
  rc = ad_engine_adopt(e, p.host, p.vlists, p.count, now, &adopted);
  p.host = NULL; /* taken over, whatever the outcome */
  p.count = 0;
  ad_persist_host_free(&p);
  stats->value_lists = adopted.value_lists;
  stats->series = adopted.series;
  stats->skipped = adopted.skipped;
  return rc;
}
