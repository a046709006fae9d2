/* Shared by the fuzz targets (see fuzz_util.h). */
#include "fuzz_util.h"

#include "engine/ad_vlist.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Forests of the fuzz targets: small, so that an input trains them in
 * microseconds (what is fuzzed is their handling, not their size; the
 * configuration target may ask for any size). */
static const char *const SMALL_FORESTS[] = {
    "HostForestTrees=3", "HostForestSamples=16", "ValueListTrees=2",
    "ValueListSamples=4", NULL};

/* The readers' targets: a short warm-up too, so that a few dozen rows reach
 * every member and train the forests. */
const char *const FUZZ_QUICK[] = {"WindowSize=4", "WarmupValues=4", NULL};

/* The configuration of small forests, made once (a configuration without
 * rules owns nothing: a copy is a configuration). */
static const ad_config_t *small_config(void) {
  static ad_config_t cfg;
  static bool made;
  if (!made) {
    ad_config_defaults(&cfg);
    char err[256];
    for (size_t i = 0; SMALL_FORESTS[i] != NULL; i++)
      if (ad_config_set_pair(&cfg, SMALL_FORESTS[i], err, sizeof(err)) != 0)
        abort();
    made = true;
  }
  return &cfg;
}

ad_engine_t *fuzz_engine(const char *const *pairs, size_t max_series) {
  ad_config_t cfg = *small_config();
  char err[256], pair[64];
  snprintf(pair, sizeof(pair), "MaxSeries=%zu", max_series);
  int rc = ad_config_set_pair(&cfg, pair, err, sizeof(err));
  for (size_t i = 0; rc == 0 && pairs != NULL && pairs[i] != NULL; i++)
    rc = ad_config_set_pair(&cfg, pairs[i], err, sizeof(err));
  if (rc == 0)
    rc = ad_config_check(&cfg, err, sizeof(err));
  ad_sink_t sink = {0};
  ad_engine_t *e = rc == 0 ? ad_engine_create(&cfg, &sink) : NULL;
  if (e == NULL)
    ad_config_release(&cfg);
  return e;
}

/* Every host's document as text, sorted, one a line. */
typedef struct {
  char **text;
  size_t n, cap;
} texts_t;

static int keep(void *ctx, const char *host, json_t *doc) {
  (void)host;
  texts_t *t = ctx;
  if (t->n == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 8;
    t->text = realloc(t->text, t->cap * sizeof(*t->text));
    if (t->text == NULL)
      abort();
  }
  t->text[t->n++] = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(doc);
  return 0;
}

static int by_text(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static texts_t save_all(ad_engine_t *e) {
  texts_t t = {0};
  ad_save_stats_t stats;
  if (ad_persist_save(e, keep, &t, &stats) != 0)
    abort(); /* nothing but memory may fail here */
  if (t.n > 0)
    qsort(t.text, t.n, sizeof(*t.text), by_text);
  return t;
}

static void texts_free(texts_t *t) {
  for (size_t i = 0; i < t->n; i++)
    free(t->text[i]);
  free(t->text);
}

void fuzz_check_round_trip(ad_engine_t *e, const char *const *pairs,
                           size_t max_series) {
  texts_t first = save_all(e);
  ad_engine_t *back = fuzz_engine(pairs, max_series);
  if (back == NULL)
    abort();
  for (size_t i = 0; i < first.n; i++) {
    json_error_t jerr;
    json_t *doc = json_loads(first.text[i], JSON_REJECT_DUPLICATES, &jerr);
    ad_restore_stats_t stats;
    ad_codec_error_t why = {{0}};
    if (doc == NULL || ad_persist_restore(back, doc, NAN, &stats, &why) != 0 ||
        stats.damaged != 0) {
      fprintf(stderr, "saved state does not load: %s%s\n", why.text,
              stats.damage.text);
      abort();
    }
    json_decref(doc);
  }
  texts_t second = save_all(back);
  if (second.n != first.n)
    abort();
  for (size_t i = 0; i < first.n; i++)
    if (strcmp(first.text[i], second.text[i]) != 0) {
      fprintf(stderr, "saved again, the state differs\n");
      abort();
    }
  texts_free(&first);
  texts_free(&second);
  ad_engine_destroy(back);
}

/* xorshift64*: the fed values. */
static double next_value(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  uint64_t r = *s * 2685821657736338717ULL;
  /* mostly ordinary, now and then extreme */
  switch (r >> 61) {
  case 0:
    return (double)(int64_t)r * 1e10;
  case 1:
    return NAN;
  default:
    return 10.0 + (double)(r >> 40) / (double)(1u << 24);
  }
}

void fuzz_feed_doc(ad_engine_t *e, const json_t *doc, double t0, int steps,
                   uint64_t seed) {
  const json_t *host = json_object_get(doc, "host");
  const char *name = json_string_value(json_object_get(host, "name"));
  const json_t *list = json_object_get(doc, "value_lists");
  if (name == NULL || !json_is_array(list))
    return;
  uint64_t s = seed | 1;
  for (int k = 0; k < steps; k++) {
    double t = t0 + 60.0 * k;
    for (size_t i = 0; i < json_array_size(list) && i < 64; i++) {
      const json_t *v = json_array_get(list, i);
      const json_t *sources = json_object_get(v, "sources");
      const char *names[AD_VLIST_MAX_SOURCES];
      double values[AD_VLIST_MAX_SOURCES];
      size_t n = json_array_size(sources);
      if (n == 0 || n > AD_VLIST_MAX_SOURCES)
        continue;
      for (size_t j = 0; j < n; j++) {
        names[j] = json_string_value(json_array_get(sources, j));
        values[j] = next_value(&s);
      }
      ad_ident_t id = {name, json_string_value(json_object_get(v, "plugin")),
                       json_string_value(json_object_get(v, "plugin_instance")),
                       json_string_value(json_object_get(v, "type")),
                       json_string_value(json_object_get(v, "type_instance"))};
      if (id.plugin == NULL || id.plugin_instance == NULL || id.type == NULL ||
          id.type_instance == NULL)
        continue;
      for (size_t j = 0; j < n; j++)
        if (names[j] == NULL)
          names[j] = "";
      ad_sample_t sample = {.time = t,
                            .interval = 60,
                            .arrival = t,
                            .count = n,
                            .values = values,
                            .ds_names = names};
      (void)ad_engine_submit(e, &id, &sample);
    }
    (void)ad_engine_train(e, SIZE_MAX);
    (void)ad_engine_flush_host(e, name);
  }
}
