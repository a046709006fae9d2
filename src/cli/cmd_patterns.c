/* collectd-anomaly state patterns HOST: a host's series by pattern
 * (ad_behaviour), from its StateDir: which are stable, trending, seasonal,
 * volatile or sparse, how clearly, and the evidence. */
#include "cli.h"
#include "host_file.h"

#include "core/ad_text.h"
#include "core/ad_units.h"
#include "detectors/ad_behaviour.h"
#include "engine/ad_vlist.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char name[AD_SERIES_NAME_MAX];
  ad_behaviour_t b;
} row_t;

typedef struct {
  row_t *rows;
  size_t n, capacity;
} rows_t;

static void collect(void *ctx, const ad_vlist_series_ref_t *ref) {
  rows_t *r = ctx;
  if (r->n >= r->capacity)
    return;
  const ad_series_t *s = &ref->vlist->series[ref->index];
  row_t *row = &r->rows[r->n++];
  snprintf(row->name, sizeof(row->name), "%s", ref->name);
  ad_behaviour_of(&s->season, &s->drift, &row->b);
}

/* By pattern, the clearest first, then by name. */
static int by_pattern(const void *a, const void *b) {
  const row_t *x = a, *y = b;
  if (x->b.kind != y->b.kind)
    return x->b.kind < y->b.kind ? -1 : 1;
  if (x->b.strength != y->b.strength)
    return x->b.strength > y->b.strength ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* "slope +5 GiB/day", "seasonal share 0.82", "scatter 0.31 of its level",
 * "flat 73 % of quarter hours": what made the verdict. */
static void evidence(const row_t *r, char *out, size_t size) {
  const ad_behaviour_t *b = &r->b;
  char rate[24];
  switch (b->kind) {
  case AD_BEHAVIOUR_TRENDING_UP:
  case AD_BEHAVIOUR_TRENDING_DOWN:
    ad_unit_format(rate, sizeof(rate), fabs(b->slope_per_day),
                   ad_unit_of_series(r->name));
    snprintf(out, size, "%c%s/day", b->slope_per_day < 0 ? '-' : '+', rate);
    break;
  case AD_BEHAVIOUR_SEASONAL_DAILY:
  case AD_BEHAVIOUR_SEASONAL_WEEKLY:
    snprintf(out, size, "the shape takes %.0f %% of the variance",
             100 * b->seasonal_share);
    break;
  case AD_BEHAVIOUR_SPARSE:
    snprintf(out, size, "%.0f %% of quarter hours one value",
             100 * b->flat_share);
    break;
  case AD_BEHAVIOUR_VOLATILE:
  case AD_BEHAVIOUR_STABLE:
    if (isfinite(b->dispersion))
      snprintf(out, size, "scatter %.2g of its level", b->dispersion);
    else
      snprintf(out, size, "scatter about a level of 0");
    break;
  case AD_BEHAVIOUR_LEARNING:
    snprintf(out, size, "less than a day learned");
    break;
  }
}

int cli_state_patterns(const char *dir, const char *host) {
  cli_host_file_t f;
  int rc = cli_host_file_read(dir, host, 0, &f);
  if (rc != CLI_EXIT_OK)
    return rc;
  rows_t r = {.capacity = f.p.series};
  r.rows = calloc(r.capacity + 1, sizeof(*r.rows));
  if (r.rows == NULL) {
    cli_host_file_free(&f);
    cli_error("out of memory");
    return CLI_EXIT_FAILURE;
  }
  ad_vlist_each_series(f.p.vlists, f.p.count, collect, &r);
  qsort(r.rows, r.n, sizeof(*r.rows), by_pattern);
  printf("%-18s %8s  %-50s %s\n", "PATTERN", "STRENGTH", "SERIES", "EVIDENCE");
  for (size_t i = 0; i < r.n; i++) {
    char why[80], shown[160];
    evidence(&r.rows[i], why, sizeof(why));
    ad_text_escape(shown, sizeof(shown), r.rows[i].name, SIZE_MAX);
    printf("%-18s %8.2f  %-50s %s\n", ad_behaviour_name(r.rows[i].b.kind),
           r.rows[i].b.strength, shown, why);
  }
  free(r.rows);
  cli_host_file_free(&f);
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_error("writing the output failed");
    return CLI_EXIT_FAILURE;
  }
  return CLI_EXIT_OK;
}
