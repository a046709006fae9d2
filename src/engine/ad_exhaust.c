/* ad_exhaust: a host's series heading for their ceiling (see header). */
#include "engine/ad_exhaust.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Buckets in a row a level must be called for before it is notified:
 * raising, and lowering. */
#define RAISE_AFTER 2
#define LOWER_AFTER 4
/* A level is left only once the time left is this far beyond the
 * threshold that set it. */
#define HYSTERESIS 1.5
/* Parts of a whole older than this (s) no longer count in it. */
#define PART_STALE 3600.0

void ad_exhaust_init(ad_exhaust_t *x) {
  x->count = 0;
  x->entries = NULL;
}

void ad_exhaust_free(ad_exhaust_t *x) {
  free(x->entries);
  ad_exhaust_init(x);
}

int ad_exhaust_copy(ad_exhaust_t *dst, const ad_exhaust_t *src) {
  ad_exhaust_init(dst);
  if (src->entries == NULL)
    return 0;
  dst->entries = malloc(AD_EXHAUST_ENTRIES * sizeof(*dst->entries));
  if (dst->entries == NULL)
    return ENOMEM;
  memcpy(dst->entries, src->entries, src->count * sizeof(*dst->entries));
  dst->count = src->count;
  return 0;
}

static ad_exhaust_entry_t *find(ad_exhaust_t *x, uint64_t key) {
  for (unsigned i = 0; i < x->count; i++)
    if (x->entries[i].key == key)
      return &x->entries[i];
  return NULL;
}

/* The timeleft metric's type instance: the series' name with '/' and ':'
 * as '.', so "df-root/df_complex-used" gives "df-root.df_complex-used". */
static void metric_name(char out[AD_NAME_MAX], const ad_ident_t *id,
                        const char *ds) {
  char name[AD_NAME_MAX * 3];
  ad_ident_series_name(id, ds, name, sizeof(name));
  size_t i = 0;
  for (; name[i] != '\0' && i + 1 < AD_NAME_MAX; i++)
    out[i] = name[i] == '/' || name[i] == ':' ? '.' : name[i];
  out[i] = '\0';
}

static ad_exhaust_entry_t *add(ad_exhaust_t *x, const ad_exhaust_input_t *in) {
  if (x->entries == NULL &&
      (x->entries = malloc(AD_EXHAUST_ENTRIES * sizeof(*x->entries))) == NULL)
    return NULL;
  if (x->count >= AD_EXHAUST_ENTRIES)
    return NULL;
  ad_exhaust_entry_t *e = &x->entries[x->count++];
  *e = (ad_exhaust_entry_t){.key = in->key,
                            .whole = in->whole,
                            .filler = in->role != AD_CAPACITY_PART,
                            .level = AD_LEVEL_OKAY,
                            .pending = AD_LEVEL_OKAY,
                            .estimated = NAN,
                            .ceiling = NAN};
  e->left.seconds = INFINITY;
  metric_name(e->metric, in->id, in->ds);
  return e;
}

/* The sum of the whole's parts seen lately (NaN: none). */
static double whole_of(const ad_exhaust_t *x, uint64_t whole, double time) {
  double sum = 0.0;
  bool any = false;
  for (unsigned i = 0; i < x->count; i++) {
    const ad_exhaust_entry_t *e = &x->entries[i];
    if (e->whole == whole && fabs(time - e->time) <= PART_STALE &&
        isfinite(e->value)) {
      sum += e->value;
      any = true;
    }
  }
  return any ? sum : NAN;
}

/* The level the time left calls for, given the level notified. */
static ad_level_t called_for(const ad_config_t *cfg, ad_level_t level,
                             double left) {
  double warn = cfg->exhaustion_horizon, fail = cfg->exhaustion_critical;
  if (!(warn > 0))
    return AD_LEVEL_OKAY;
  if (left <= fail || (level == AD_LEVEL_FAILURE && left <= HYSTERESIS * fail))
    return AD_LEVEL_FAILURE;
  if (left <= warn || (level != AD_LEVEL_OKAY && left <= HYSTERESIS * warn))
    return AD_LEVEL_WARNING;
  return AD_LEVEL_OKAY;
}

/* Moves e's level towards `want`; true when it changed. */
static bool move_level(ad_exhaust_entry_t *e, ad_level_t want) {
  if (want == e->level) {
    e->pending_count = 0;
    return false;
  }
  if (want != e->pending) {
    e->pending = want;
    e->pending_count = 0;
  }
  if (e->pending_count < UINT8_MAX)
    e->pending_count++;
  if (e->pending_count < (want > e->level ? RAISE_AFTER : LOWER_AFTER))
    return false;
  e->level = want;
  e->pending_count = 0;
  return true;
}

static void judge(ad_exhaust_t *x, const ad_config_t *cfg,
                  ad_exhaust_entry_t *e, const ad_exhaust_input_t *in,
                  ad_exhaust_event_t *ev) {
  double ceiling =
      e->whole != 0 ? whole_of(x, e->whole, in->time) : in->maximum;
  ad_timeleft_t left;
  double peak = isfinite(in->peak) && in->peak > 0 ? in->peak : 0.0;
  if (!(ceiling > 0) ||
      !ad_timeleft(in->drift, ceiling - peak, in->time, &left))
    left = (ad_timeleft_t){INFINITY, INFINITY, INFINITY, NAN, NAN};
  e->left = left;
  e->ceiling = ceiling;
  e->estimated = in->time;
  ad_level_t before = e->level;
  if (move_level(e, called_for(cfg, e->level, left.seconds))) {
    *ev = (ad_exhaust_event_t){.changed = true,
                               .level = e->level,
                               .previous = before,
                               .left = left,
                               .ceiling = ceiling,
                               .of_whole = e->whole != 0};
  }
}

void ad_exhaust_fold(ad_exhaust_t *x, const ad_config_t *cfg,
                     const ad_exhaust_input_t *in, ad_exhaust_event_t *ev) {
  ev->changed = false;
  if (in->role <= AD_CAPACITY_NONE || isnan(in->value))
    return;
  ad_exhaust_entry_t *e = find(x, in->key);
  if (e == NULL) {
    /* a bounded series is kept once it heads for its maximum */
    ad_timeleft_t left;
    if (in->role == AD_CAPACITY_MAXIMUM &&
        (in->drift == NULL || !isfinite(in->maximum) ||
         !ad_timeleft(in->drift, in->maximum - in->peak, in->time, &left) ||
         !(left.seconds <= cfg->exhaustion_horizon)))
      return;
    if ((e = add(x, in)) == NULL)
      return;
  }
  e->value = in->value;
  e->time = in->time;
  if (e->filler && in->drift != NULL)
    judge(x, cfg, e, in, ev);
}

void ad_exhaust_each_left(const ad_exhaust_t *x, double now,
                          void (*fn)(void *ctx, const ad_exhaust_entry_t *e),
                          void *ctx) {
  for (unsigned i = 0; i < x->count; i++) {
    const ad_exhaust_entry_t *e = &x->entries[i];
    if (e->filler && isfinite(e->left.seconds) && now - e->estimated <= 3600.0)
      fn(ctx, e);
  }
}
