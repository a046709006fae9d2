/* Benchmark: time to exhaustion (ad_drift, ad_timeleft, ad_exhaust) on
 * synthetic filesystems as collectd's df plugin reports them (used, free,
 * reserved, none here; 100 GiB, 5-minute values, noise of 20 MB), through
 * the engine
 * with the default configuration (ExhaustionHorizon 7 days,
 * ExhaustionCritical 1 day). Each run starts at a random level and time
 * of day and goes on until the disk is full or 21 days have passed.
 *
 * Kinds:
 *   linear    a steady fill of 2 to 10 GiB a day;
 *   daily     the same with a daily shape (writes by day: +-3 GiB);
 *   deletions a fill of 6 to 12 GiB a day with 15 GiB deleted every two
 *             days (net -1.5 to +4.5 a day: the deletions are steps; full
 *             when a peak of the sawtooth gets there), judged from the
 *             sixth day (three cleanups seen: before, nothing can know
 *             that they will come);
 *   runaway   flat for three days, then a log filling 40 GiB a day;
 *   wobble    no fill: a disk at 85 % with +-3 GiB a day, and memory that
 *             swings and wanders (a random walk held near 60 %).
 * Prints per kind the runs, the runs warned (a WARNING or FAILURE before
 * the disk is full), how early the first notice came (median days before
 * the crossing), the median and worst error of its time left against the
 * truth (when the generated fill without noise first reaches the size), the
 * runs whose 90 % interval held the truth, and the notices on the series that
 * never fill (false). No timing: the figures depend on nothing but the code.
 *
 *   bench/exhaustion [RUNS]   (default 20) */
#include "bench_util.h"

#include "core/ad_config.h"
#include "engine/ad_engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400.0
#define STEP 300.0
#define GIB 1073741824.0
#define SIZE 100.0 /* GiB */

typedef enum { LINEAR, DAILY, DELETIONS, RUNAWAY, WOBBLE, KINDS } kind_t;
static const char *const KIND_NAME[KINDS] = {"linear", "daily", "deletions",
                                             "runaway", "wobble"};

typedef struct {
  double judge_from;  /* notices before this data time are not judged */
  ad_notice_t latest; /* the latest exhaustion notice */
  int notices;        /* exhaustion notices of any series */
  bool first_seen;    /* the first WARNING or FAILURE */
  double first_time;  /* ...its data time */
  double first_left, first_low, first_high;
  char first_series[AD_SERIES_NAME_MAX];
} seen_t;

static void take_first(seen_t *s, const ad_notice_t *n) {
  s->first_seen = true;
  s->first_time = n->time > s->judge_from ? n->time : s->judge_from;
  s->first_left = n->left - (s->first_time - n->time);
  s->first_low = n->left_low - (s->first_time - n->time);
  s->first_high = n->left_high - (s->first_time - n->time);
  snprintf(s->first_series, sizeof(s->first_series), "%s", n->series);
}

static void on_notice(void *ctx, const ad_notice_t *n) {
  seen_t *s = ctx;
  if (n->kind != AD_NOTICE_EXHAUSTION)
    return;
  s->notices++;
  s->latest = *n;
  if (getenv("BENCH_SHOW") != NULL)
    printf("  %s %s\n", ad_level_name(n->level), n->message);
  if (!s->first_seen && n->level != AD_LEVEL_OKAY && n->time >= s->judge_from)
    take_first(s, n);
}

/* From judge_from on, the level notified before it counts as notified
 * then. */
static void judge_now(seen_t *s, double t) {
  if (!s->first_seen && t >= s->judge_from && s->notices > 0 &&
      s->latest.level != AD_LEVEL_OKAY)
    take_first(s, &s->latest);
}

static void submit(ad_engine_t *e, const char *plugin, const char *pi,
                   const char *type, const char *ti, double t, double v) {
  static const char *const ds[] = {"value"};
  ad_ident_t id = {.host = "bench",
                   .plugin = plugin,
                   .plugin_instance = pi,
                   .type = type,
                   .type_instance = ti};
  ad_sample_t s = {.time = t,
                   .interval = STEP,
                   .arrival = t,
                   .count = 1,
                   .values = &v,
                   .ds_names = ds};
  (void)ad_engine_submit(e, &id, &s);
}

static void submit_df(ad_engine_t *e, const char *pi, double t, double used) {
  submit(e, "df", pi, "df_complex", "used", t, used * GIB);
  submit(e, "df", pi, "df_complex", "free", t, (SIZE - used) * GIB);
  submit(e, "df", pi, "df_complex", "reserved", t, 0.0);
}

typedef struct {
  double start, rate, wave, deleted; /* GiB, GiB a day */
  double flat_days;                  /* runaway: days before it starts */
} fill_t;

/* Used GiB at t days into the run (deterministic part). */
static double used_at(const fill_t *f, double days, double hour) {
  double grown = f->rate * fmax(days - f->flat_days, 0.0);
  double deletions = f->deleted > 0 ? floor(days / 2.0) * f->deleted : 0.0;
  return f->start + grown - deletions +
         f->wave * sin(2 * M_PI * (hour - 9) / 24.0);
}

/* Days from `days` until the fill, as generated without its noise, first
 * reaches the size less the reserve (searched in 5-minute steps up to 90
 * days; INFINITY: not by then). With deletions it is a sawtooth's peak
 * that gets there first. */
static double truth_left(const fill_t *f, double days, double t0) {
  for (double d = days; d < days + 90; d += STEP / DAY) {
    double hour = fmod(t0 + d * DAY, DAY) / 3600.0;
    if (used_at(f, d, hour) >= SIZE)
      return d - days;
  }
  return INFINITY;
}

typedef struct {
  int runs, warned, covered, false_notices, never_full;
  double lead[256], error[256];
  int leads;
} tally_t;

static void run_fill(kind_t kind, uint64_t seed, tally_t *tl) {
  uint64_t rng = seed * 7919 + 17;
  fill_t f = {.start = 30 + 30 * (bench_noise(&rng) + 0.5)};
  if (kind == DELETIONS)
    f.start = 20 + 10 * (bench_noise(&rng) + 0.5);
  f.rate = 2 + 8 * (bench_noise(&rng) + 0.5);
  if (kind == DAILY)
    f.wave = 3;
  if (kind == DELETIONS) {
    f.rate = 6 + 6 * (bench_noise(&rng) + 0.5);
    f.deleted = 15;
  }
  if (kind == RUNAWAY) {
    f.rate = 40;
    f.flat_days = 3;
  }
  seen_t seen = {0};
  ad_sink_t sink = {.notice = on_notice, .ctx = &seen};
  ad_config_t cfg;
  ad_config_defaults(&cfg);
  ad_engine_t *e = ad_engine_create(&cfg, &sink);
  double t0 = 1.7e9 + floor(DAY * (bench_noise(&rng) + 0.5) / STEP) * STEP;
  /* cleanups are judged once three have been seen */
  seen.judge_from = kind == DELETIONS ? t0 + 6.01 * DAY : t0;
  double full = NAN;
  for (double t = t0; t < t0 + 21 * DAY; t += STEP) {
    double days = (t - t0) / DAY, hour = fmod(t, DAY) / 3600.0;
    double used = used_at(&f, days, hour) + 0.02 * bench_noise(&rng);
    if (used >= SIZE) {
      full = t;
      break;
    }
    submit_df(e, "root", t, used);
    judge_now(&seen, t);
  }
  ad_engine_destroy(e);
  tl->runs++;
  if (!seen.first_seen || !(isnan(full) || seen.first_time < full))
    return;
  tl->warned++;
  double at = (seen.first_time - t0) / DAY;
  double truth = truth_left(&f, at, t0) * DAY;
  if (!isfinite(truth)) { /* a fill its cleanups keep in check */
    tl->never_full++;
    return;
  }
  if (tl->leads < 256) {
    tl->lead[tl->leads] = truth / DAY;
    tl->error[tl->leads++] = fabs(seen.first_left - truth) / truth * 100;
  }
  if (seen.first_low <= truth && truth <= seen.first_high)
    tl->covered++;
}

/* No fill: a disk at 85 % with a daily swing, and memory that swings and
 * wanders. Every exhaustion notice is false. */
static void run_wobble(uint64_t seed, tally_t *tl) {
  uint64_t rng = seed * 104729 + 3;
  seen_t seen = {0};
  ad_sink_t sink = {.notice = on_notice, .ctx = &seen};
  ad_config_t cfg;
  ad_config_defaults(&cfg);
  ad_engine_t *e = ad_engine_create(&cfg, &sink);
  double walk = 0, t0 = 1.7e9;
  for (double t = t0; t < t0 + 21 * DAY; t += STEP) {
    double hour = fmod(t, DAY) / 3600.0;
    double wave = sin(2 * M_PI * (hour - 9) / 24.0);
    submit_df(e, "root", t, 85 + 3 * wave + 0.02 * bench_noise(&rng));
    walk = 0.995 * walk + 0.05 * bench_noise(&rng);
    double mem = (9.6 + 2 * wave + walk) * GIB;
    submit(e, "memory", "", "memory", "used", t, mem);
    submit(e, "memory", "", "memory", "free", t, 16 * GIB - mem);
  }
  ad_engine_destroy(e);
  tl->runs++;
  tl->false_notices += seen.notices;
}

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 20;
  if (runs < 1 || runs > 256) {
    fprintf(stderr, "usage: bench/exhaustion [RUNS (1..256)]\n");
    return 2;
  }
  printf("time to exhaustion, %d runs a kind (100 GiB, 5-minute values; "
         "ExhaustionHorizon 7 days)\n",
         runs);
  printf("%-10s %5s %7s %14s %17s %9s %6s\n", "kind", "runs", "warned",
         "lead (days)", "error % (median)", "(worst)", "in 90%");
  for (int k = 0; k < KINDS; k++) {
    tally_t tl = {0};
    for (int r = 0; r < runs; r++) {
      if (k == WOBBLE)
        run_wobble((uint64_t)r + 1, &tl);
      else
        run_fill((kind_t)k, (uint64_t)r + 1, &tl);
    }
    if (k == WOBBLE) {
      printf("%-10s %5d %7s %14s %17s %9s %6s  false notices: %d\n",
             KIND_NAME[k], tl.runs, "-", "-", "-", "-", "-", tl.false_notices);
      continue;
    }
    double worst = 0;
    for (int i = 0; i < tl.leads; i++)
      worst = fmax(worst, tl.error[i]);
    double lead = tl.leads ? bench_median(tl.lead, tl.leads) : NAN;
    double err = tl.leads ? bench_median(tl.error, tl.leads) : NAN;
    printf("%-10s %5d %7d %14.2f %17.1f %9.1f %6d", KIND_NAME[k], tl.runs,
           tl.warned, lead, err, worst, tl.covered);
    if (tl.never_full > 0)
      printf("  warned but never full: %d", tl.never_full);
    fputc('\n', stdout);
  }
  return 0;
}
