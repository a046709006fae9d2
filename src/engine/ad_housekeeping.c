/* ad_housekeeping: the engine's upkeep off the write path
 * (ad_engine_housekeep, ad_engine_close_ticks; see ad_engine.h): value
 * lists that stopped reporting expire, host intervals that saw no value for
 * a while close, changes whose watch has ended get their verdict, hosts
 * left with nothing go. */
#include "engine/ad_engine_private.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
  ad_engine_t *engine;
  double now;
  size_t dropped; /* series */
} expiry_t;

static bool vlist_expired(ad_vlist_t *v, void *ctx) {
  const expiry_t *c = ctx;
  return c->now - v->last_arrival > c->engine->cfg.series_timeout;
}

static void vlist_expire(ad_vlist_t *v, void *ctx) {
  expiry_t *c = ctx;
  c->dropped += v->count;
  ad_engine_release_vlist(c->engine, v);
}

/* The hosts' ticks to close: which, and what closing them said (reports go
 * out after the sweep, with no lock held). */
typedef struct {
  ad_engine_t *engine;
  bool all;   /* every open tick (shutdown), not only the stale ones */
  double now; /* the caller's clock, for staleness */
  size_t n, capacity;
  ad_host_report_t *reports;
  ad_notice_t *notices;
  bool *changed;
  ad_notice_t *verdicts; /* changes whose watch ended */
  size_t verdict_count;
} closing_t;

/* A tick is stale when no value came for two of its intervals (at least a
 * second): the host has stopped sending, or sends no more this interval. */
static bool tick_stale(const ad_tick_t *t, double now) {
  double grace = 2.0 * t->interval;
  if (grace < 1.0)
    grace = 1.0;
  return t->open && now - t->arrival > grace;
}

static void close_if_due(ad_host_t *h, void *ctx) {
  closing_t *c = ctx;
  ad_change_t done;
  if (c->verdict_count < c->capacity &&
      ad_change_due(&h->change, h->last_report, &done))
    ad_change_notice(&done, h->name, &c->verdicts[c->verdict_count++]);
  bool due = c->all ? h->tick.open : tick_stale(&h->tick, c->now);
  if (!due || c->n >= c->capacity)
    return;
  bool forest_due;
  c->changed[c->n] = ad_engine_close_tick(c->engine, h, &c->reports[c->n],
                                          &c->notices[c->n], &forest_due);
  c->n++;
}

/* Closes the ticks (every open one with all) and unlinks hosts left with
 * nothing, then reports and frees with no lock held. */
static void close_ticks(ad_engine_t *e, bool all, double now) {
  size_t capacity = ad_hosts_count(&e->hosts);
  closing_t c = {.engine = e, .all = all, .now = now};
  if (capacity > 0) {
    c.reports = calloc(capacity, sizeof(*c.reports));
    c.notices = calloc(capacity, sizeof(*c.notices));
    c.changed = calloc(capacity, sizeof(*c.changed));
    c.verdicts = calloc(capacity, sizeof(*c.verdicts));
    if (c.reports != NULL && c.notices != NULL && c.changed != NULL &&
        c.verdicts != NULL)
      c.capacity = capacity; /* out of memory: the ticks wait, hosts go */
  }
  ad_host_t *dead = NULL;
  ad_hosts_sweep(&e->hosts, close_if_due, &c, &dead);
  for (size_t i = 0; i < c.n; i++) {
    ad_engine_emit_report(e, &c.reports[i]);
    if (c.changed[i] && ad_notice_wanted(&c.notices[i], &e->cfg))
      ad_engine_emit_notice(e, &c.notices[i]);
  }
  for (size_t i = 0; i < c.verdict_count; i++)
    if (ad_notice_wanted(&c.verdicts[i], &e->cfg))
      ad_engine_emit_notice(e, &c.verdicts[i]);
  for (ad_host_t *h = dead, *next; h != NULL; h = next) {
    next = h->next;
    ad_host_destroy(h);
  }
  free(c.reports);
  free(c.notices);
  free(c.changed);
  free(c.verdicts);
}

size_t ad_engine_housekeep(ad_engine_t *e, double now) {
  expiry_t ctx = {.engine = e, .now = now};
  ad_table_sweep(e->table, vlist_expired, vlist_expire, &ctx);
  close_ticks(e, false, now);
  return ctx.dropped;
}

void ad_engine_close_ticks(ad_engine_t *e) { close_ticks(e, true, 0.0); }
