/* ad_vlist: value lists and their series (see header). */
#include "engine/ad_vlist.h"
#include "core/ad_ident.h"
#include "core/ad_units.h"
#include "engine/ad_notice.h"

#include <math.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One allocation: the header with its key and names, padded, then the
 * series. */
static size_t series_offset(size_t key_len, size_t names_len) {
  size_t head = sizeof(ad_vlist_t) + key_len + names_len;
  size_t align = alignof(ad_series_t);
  return (head + align - 1) / align * align;
}

/* Bytes of the allocation, and where the model lies in it (0: none). */
static size_t allocation_bytes(size_t key_len, size_t names_len, size_t count,
                               bool forest, size_t *model_at) {
  size_t offset = series_offset(key_len, names_len);
  size_t at = offset + count * sizeof(ad_series_t);
  at = (at + alignof(ad_model_t) - 1) / alignof(ad_model_t) *
       alignof(ad_model_t);
  *model_at = forest ? at : 0;
  return forest ? at + sizeof(ad_model_t)
                : offset + count * sizeof(ad_series_t);
}

ad_vlist_t *ad_vlist_create(const char *key, size_t key_len, uint64_t hash,
                            size_t count, const char *const *names,
                            const ad_config_t *cfg) {
  (void)cfg;
  if (count == 0 || count > AD_VLIST_MAX_SOURCES || key_len == 0 ||
      key_len > UINT16_MAX)
    return NULL;
  size_t names_len = 0;
  for (size_t i = 0; i < count; i++) {
    const char *name = names[i] != NULL ? names[i] : "";
    size_t n = strnlen(name, AD_NAME_MAX);
    if (n >= AD_NAME_MAX)
      return NULL;
    names_len += n + 1;
  }
  size_t offset = series_offset(key_len, names_len);
  /* A value list of one data source has no forest of its own (its series
   * are seen by their host's). */
  bool forest = count >= 2 && cfg != NULL && cfg->forest;
  size_t model_at;
  ad_vlist_t *v =
      calloc(1, allocation_bytes(key_len, names_len, count, forest, &model_at));
  if (v == NULL)
    return NULL;
  v->hash = hash;
  v->key_len = (uint16_t)key_len;
  v->names_len = (uint16_t)names_len;
  v->count = (uint8_t)count;
  memcpy(v->key, key, key_len);
  char *out = v->key + key_len;
  v->names = out;
  for (size_t i = 0; i < count; i++) {
    const char *name = names[i] != NULL ? names[i] : "";
    size_t n = strlen(name);
    memcpy(out, name, n + 1);
    out += n + 1;
  }
  /* the type is the fourth field of the key */
  const char *type = v->key;
  for (int f = 0; f < 3 && type < v->key + key_len; f++)
    type += strlen(type) + 1;
  v->floor = type < v->key + key_len
                 ? (float)ad_unit_floor(ad_unit_of_type(type))
                 : 0.0f;
  v->series = (ad_series_t *)((char *)v + offset);
  for (size_t i = 0; i < count; i++)
    ad_series_init(&v->series[i]);
  if (forest) {
    v->model = (ad_model_t *)((char *)v + model_at);
    ad_model_init(v->model, hash);
  }
  return v;
}

ad_vlist_t *ad_vlist_copy(const ad_vlist_t *v) {
  size_t model_at;
  size_t bytes = allocation_bytes(v->key_len, v->names_len, v->count,
                                  v->model != NULL, &model_at);
  ad_vlist_t *c = malloc(bytes);
  if (c == NULL)
    return NULL;
  memcpy(c, v, bytes);
  c->next = NULL;
  c->names = c->key + c->key_len;
  c->series =
      (ad_series_t *)((char *)c + series_offset(c->key_len, c->names_len));
  if (v->model != NULL) {
    c->model = (ad_model_t *)((char *)c + model_at);
    if (ad_model_copy(c->model, v->model) != 0) {
      ad_vlist_destroy(c);
      return NULL;
    }
  }
  return c;
}

void ad_vlist_destroy(ad_vlist_t *v) {
  if (v == NULL)
    return;
  if (v->model != NULL)
    ad_model_release(v->model);
  free(v);
}

unsigned ad_vlist_features(const ad_vlist_t *v, const ad_series_step_t *steps,
                           float *x) {
  unsigned sources =
      v->count < AD_VLIST_FOREST_SOURCES ? v->count : AD_VLIST_FOREST_SOURCES;
  unsigned n = 0;
  for (unsigned i = 0; i < sources; i++) {
    if (isnan(steps[i].z))
      return 0;
    /* in scale units, as the reservoir keeps them: beyond its limit, all
     * is far (and a float) */
    double z = steps[i].z, delta = isnan(steps[i].delta) ? 0.0 : steps[i].delta;
    x[n++] = (float)fmax(-AD_RESERVOIR_LIMIT, fmin(AD_RESERVOIR_LIMIT, z));
    x[n++] = (float)fmax(-AD_RESERVOIR_LIMIT, fmin(AD_RESERVOIR_LIMIT, delta));
  }
  return n;
}

ad_model_params_t ad_vlist_model_params(const ad_vlist_t *v,
                                        const ad_config_t *cfg) {
  ad_model_params_t p = cfg->vl_model;
  double step = v->series[0].step > 0 ? v->series[0].step : 60.0;
  p.lag = fmax(AD_MODEL_MIN_LAG, AD_MODEL_LAG_STEPS * step);
  return p;
}

bool ad_vlist_same_sources(const ad_vlist_t *v, size_t count,
                           const char *const *names) {
  if (count != v->count)
    return false;
  const char *name = v->names;
  for (size_t i = 0; i < count; i++) {
    const char *given = names[i] != NULL ? names[i] : "";
    if (strcmp(name, given) != 0)
      return false;
    name += strlen(name) + 1;
  }
  return true;
}

int ad_vlist_source_index(const ad_vlist_t *v, const char *ds) {
  const char *name = v->names;
  for (int i = 0; i < v->count; i++) {
    if (strcmp(name, ds) == 0)
      return i;
    name += strlen(name) + 1;
  }
  return -1;
}

size_t ad_vlist_footprint(const ad_vlist_t *v) {
  size_t bytes =
      series_offset(v->key_len, v->names_len) + v->count * sizeof(ad_series_t);
  if (v->model != NULL)
    bytes += sizeof(ad_model_t) + ad_model_bytes(v->model);
  return bytes;
}

/* The value list's forest on this value: each series' forest member (NONE
 * when the forest has no opinion, or when this series is not what made the
 * value list odd). Returns true when its training has just fallen due. */
static bool forest_members(ad_vlist_t *v, const ad_config_t *cfg,
                           const ad_series_step_t *steps, double t,
                           ad_detector_output_t *out) {
  for (unsigned i = 0; i < v->count; i++)
    out[i] = AD_DETECTOR_OUTPUT_NONE;
  /* A value list of one data source has nothing for a forest to combine
   * that its series' own members do not already see (where it lies, how it
   * moved): it has no forest, its series join their host's. */
  if (v->model == NULL || !(cfg->weights[AD_DET_ISOLATION_FOREST] > 0))
    return false;
  float x[2 * AD_VLIST_FOREST_SOURCES];
  unsigned dim = ad_vlist_features(v, steps, x);
  if (dim == 0)
    return false;
  ad_model_params_t params = ad_vlist_model_params(v, cfg);
  double per_day = steps[0].per_day;
  double deviation, score;
  bool due = ad_model_observe(v->model, &params, t, AD_DAY / per_day, x, dim,
                              &deviation, &score);
  ad_detector_output_t m =
      ad_model_member(v->model, deviation, NAN, cfg->calibration_days * per_day,
                      cfg->risk_rarity, per_day);
  /* The forest looks for one thing, combinations the other members cannot
   * see; finding none is no evidence that all is well, so below the
   * warning level it abstains rather than dilute the others' verdict. */
  if (isnan(m.score) || m.score < cfg->levels.warning)
    return due;
  /* Several data sources: the forest's finding counts for the series it
   * credits, at least half their fair share, not for the bystanders. */
  float shares[2 * AD_VLIST_FOREST_SOURCES];
  bool split = v->count > 1 && ad_model_attribute(v->model, x, dim, shares);
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

/* The members' bands held inside the data source's range: a load's band
 * does not go below 0 because its noise is wide, nor a temperature's past
 * what its sensor reads. Only the band is held, never what was learned. */
static void hold_bands(ad_series_step_t *st, double min, double max) {
  for (int i = 0; i < AD_DET_COUNT; i++)
    ad_band_hold(&st->member[i].lower, &st->member[i].upper, min, max);
}

bool ad_vlist_observe(ad_vlist_t *v, const ad_config_t *cfg, double time,
                      const double *values, ad_vlist_range_t range,
                      ad_series_result_t *res) {
  ad_series_step_t steps[AD_VLIST_MAX_SOURCES];
  for (unsigned i = 0; i < v->count; i++) {
    ad_series_update(&v->series[i], cfg, time, values[i], v->floor, &steps[i]);
    if (range.min != NULL && range.max != NULL)
      hold_bands(&steps[i], range.min[i], range.max[i]);
  }
  ad_detector_output_t forest[AD_VLIST_MAX_SOURCES];
  bool due = forest_members(v, cfg, steps, time, forest);
  for (unsigned i = 0; i < v->count; i++)
    ad_series_conclude(&v->series[i], cfg, time, &steps[i], &forest[i],
                       &res[i]);
  return due;
}

void ad_vlist_each_series(ad_vlist_t *const *vlists, size_t n,
                          void (*fn)(void *ctx,
                                     const ad_vlist_series_ref_t *ref),
                          void *ctx) {
  for (size_t i = 0; i < n; i++) {
    const ad_vlist_t *v = vlists[i];
    ad_ident_t id;
    ad_ident_of_key(v->key, &id);
    const char *ds = v->names;
    for (unsigned k = 0; k < v->count; k++, ds += strlen(ds) + 1) {
      char name[AD_SERIES_NAME_MAX];
      const char *source = v->count > 1 ? ds : NULL;
      ad_ident_series_name(&id, source, name, sizeof(name));
      ad_vlist_series_ref_t ref = {v, k, &id, source, name};
      fn(ctx, &ref);
    }
  }
}
