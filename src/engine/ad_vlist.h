/* ad_vlist: everything learned about one value list: its identifier, the
 * series of its data sources (ad_series, one per data source) and what is
 * shared between them.
 *
 * A value list is the unit collectd dispatches and the unit the engine looks
 * up: one hash and one shard lock per value list, whatever its number of data
 * sources. It is owned by the table (ad_table) and only touched with its
 * shard locked. It keeps a counted reference to its host (ad_host): its
 * series count on host->series. */
#ifndef AD_VLIST_H
#define AD_VLIST_H

#include "detectors/ad_model.h"
#include "engine/ad_series.h"

#include <stddef.h>
#include <stdint.h>

/* Data sources a value list may have (collectd's types have a handful). */
#define AD_VLIST_MAX_SOURCES 32

/* The value list's forest looks at its first AD_VLIST_FOREST_SOURCES data
 * sources: where each value lies and how far it moved, in the series' own
 * scale. */
#define AD_VLIST_FOREST_SOURCES 4

struct ad_host_s;

typedef struct ad_vlist_s {
  struct ad_vlist_s *next; /* next value list in the same table bucket */
  uint64_t hash;           /* hash of the identifier key */
  struct ad_host_s *host;  /* owning host */
  double last_arrival;     /* caller's clock at the last value */
  ad_model_t *model;       /* the value list's isolation forest, in this
                              allocation; NULL for a single data source or
                              with forests off */
  ad_series_t *series;     /* count series, in this allocation */
  const char *names;       /* count data source names, NUL separated */
  uint16_t key_len;        /* bytes of key, including the final NUL */
  uint16_t names_len;      /* bytes of names */
  uint8_t count;           /* data sources */
  uint8_t capacity;        /* ad_capacity_role_t of its type (UNKNOWN
                              until its first value) */
  float floor;             /* its type's finest step (ad_unit_floor) */
  char key[];              /* host\0plugin\0pi\0type\0ti\0, then names */
} ad_vlist_t;

/* A series' key for its host: the value list's hash and the data source's
 * index, never 0 (0 means none). */
static inline uint64_t ad_vlist_series_key(uint64_t hash, size_t source) {
  uint64_t key = hash ^ (0x9E3779B97F4A7C15ULL * (source + 1));
  return key != 0 ? key : 1;
}

/* One series of a value list, as ad_vlist_each_series hands it over: its
 * value list, its index there, the identifier, the data source's name
 * (NULL for a value list of one) and the series' name
 * ("plugin-pi/type-ti[:ds]"). */
typedef struct {
  const struct ad_vlist_s *vlist;
  unsigned index;
  const ad_ident_t *id;
  const char *ds;
  const char *name;
} ad_vlist_series_ref_t;

/* Calls fn(ctx, ref) for every series of the n value lists, in order. */
void ad_vlist_each_series(struct ad_vlist_s *const *vlists, size_t n,
                          void (*fn)(void *ctx,
                                     const ad_vlist_series_ref_t *ref),
                          void *ctx);

/* Allocates a value list for the identifier key (key_len bytes, the last a
 * NUL) with `count` data sources named by names[] (each shorter than
 * AD_NAME_MAX; NULL counts as ""). Returns NULL when out of memory or when
 * count is 0 or above AD_VLIST_MAX_SOURCES. */
ad_vlist_t *ad_vlist_create(const char *key, size_t key_len, uint64_t hash,
                            size_t count, const char *const *names,
                            const ad_config_t *cfg);

/* A copy of v for a checkpoint (ad_model_copy for its forest), sharing
 * nothing that v's owner may change; its host pointer is v's. Bounded work:
 * callers hold v's shard lock. NULL when out of memory. */
ad_vlist_t *ad_vlist_copy(const ad_vlist_t *v);

/* Frees a value list; NULL allowed. Does not touch its host. */
void ad_vlist_destroy(ad_vlist_t *v);

/* True when the value list's data sources are exactly these (count and
 * names, in order). */
bool ad_vlist_same_sources(const ad_vlist_t *v, size_t count,
                           const char *const *names);

/* The index of the data source named ds, or -1. */
int ad_vlist_source_index(const ad_vlist_t *v, const char *ds);

/* Bytes the value list occupies, series and forest included (state-size
 * benchmark). */
size_t ad_vlist_footprint(const ad_vlist_t *v);

/* Features of the value list's forest for this value (from the series'
 * steps): 2 per data source (at most AD_VLIST_FOREST_SOURCES): where it lies
 * against its expectation and how far it moved, in its scale. The time of
 * day is left to the seasonal forecaster: a forest trained on a few dozen
 * values cannot resolve it, and would only find every hour new. Returns
 * their number, or 0 when a data source has no observation (warming up,
 * missing value). */
unsigned ad_vlist_features(const ad_vlist_t *v, const ad_series_step_t *steps,
                           float *x);

/* The data sources' ranges from types.db: min[i]..max[i] (NaN: unbounded
 * on that side); either pointer NULL: not known. */
typedef struct {
  const double *min, *max;
} ad_vlist_range_t;

/* The value list's values at data time `time` (values[i] for data source
 * i; NaN: none), within `range` (the members' bands are held inside it):
 * every series' members score and learn its value, the
 * value list's forest scores their combination (and is offered it), and
 * each series' meta-classifier and level conclude, into res[0..count).
 * Returns true when the forest's training has just fallen due (the caller
 * queues it for the trainer). The shard must be locked. */
bool ad_vlist_observe(ad_vlist_t *v, const ad_config_t *cfg, double time,
                      const double *values, ad_vlist_range_t range,
                      ad_series_result_t *res);

/* The forest parameters for this value list (lag from its step). */
ad_model_params_t ad_vlist_model_params(const ad_vlist_t *v,
                                        const ad_config_t *cfg);

#endif /* AD_VLIST_H */
