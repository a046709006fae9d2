/* Benchmark: how well the change verdict (ad_change) tells a regression
 * from none. A host of four 5-minute series with a daily shape: CPU
 * (30 +- 10 % a day), a request rate, memory (near constant) and a
 * counter of sessions; five days learned, a change marked at a time of
 * day that varies with the seed, then ChangeWatch (2 h). The CPU alone
 * moves by SHIFT % after the change, as a step or as a ramp reaching it at
 * the watch's end; every other series is unchanged. Prints, per shift and
 * form, the runs whose verdict names the CPU (detected), the runs whose
 * verdict names any other series (false), and over the runs the median
 * percent the verdict quoted. Beside it, the baseline an operator could
 * write by hand (in PromQL, avg_over_time over 2h against the same with
 * offset 1d): each series' mean over the watch against its mean over the
 * same two hours a day before, flagged when they differ by 5 % and by 3
 * standard errors (Welch). No timing: the figures depend on nothing but
 * the code.
 *
 *   bench/change_verdict [RUNS]   (default 40) */
#include "bench_util.h"

#include "core/ad_config.h"
#include "engine/ad_engine.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400.0
#define STEP 300.0

#define SERIES 4
#define WATCHED 24 /* values in the watch */

typedef struct {
  ad_notice_t verdict;
  int verdicts;
  /* each series' values in the watch, and a day before it */
  double now[SERIES][WATCHED], day_before[SERIES][WATCHED];
} seen_t;

/* The by-hand baseline on series i: flagged? */
static bool baseline_flags(const seen_t *s, int i) {
  double m[2] = {0, 0}, v[2] = {0, 0};
  const double *x[2] = {s->now[i], s->day_before[i]};
  for (int k = 0; k < 2; k++) {
    for (int j = 0; j < WATCHED; j++)
      m[k] += x[k][j] / WATCHED;
    for (int j = 0; j < WATCHED; j++)
      v[k] += (x[k][j] - m[k]) * (x[k][j] - m[k]) / (WATCHED - 1);
  }
  double se = sqrt(v[0] / WATCHED + v[1] / WATCHED);
  return fabs(m[0] - m[1]) >= 0.05 * fabs(m[1]) && fabs(m[0] - m[1]) >= 3 * se;
}

static void on_notice(void *ctx, const ad_notice_t *n) {
  seen_t *s = ctx;
  if (n->kind == AD_NOTICE_CHANGE) {
    s->verdict = *n;
    s->verdicts++;
  }
}

static void feed(ad_engine_t *e, const char *plugin, const char *type,
                 const char *ti, double t, double value) {
  static const char *const ds[] = {"value"};
  ad_ident_t id = {"web1", plugin, "", type, ti};
  ad_sample_t s = {.time = t,
                   .interval = STEP,
                   .arrival = t,
                   .count = 1,
                   .values = &value,
                   .ds_names = ds};
  ad_engine_submit(e, &id, &s);
}

/* One run: the verdict into *seen. shift in percent; ramp: linear over
 * the watch instead of a step. */
static void run(uint64_t seed, double shift, bool ramp, seen_t *seen) {
  ad_config_t cfg;
  ad_config_defaults(&cfg);
  ad_sink_t sink = {.notice = on_notice, .ctx = seen};
  ad_engine_t *e = ad_engine_create(&cfg, &sink);
  if (e == NULL)
    exit(1);
  uint64_t rng = seed * 7919 + 1;
  double start = 1.7e9 - fmod(1.7e9, DAY);
  double marked = start + 5 * DAY + STEP * (double)(seed * 37 % 288);
  double watch = cfg.change_watch;
  for (double t = start; t < marked + watch + 4 * STEP; t += STEP) {
    double day = sin(2 * M_PI * fmod(t, DAY) / DAY);
    double cpu = 30 + 10 * day + 2 * bench_noise(&rng);
    double into = (t - marked) / watch;
    if (into >= 0 && into < 1)
      cpu *= 1 + shift / 100 * (ramp ? into : 1);
    double x[SERIES] = {cpu, 800 + 300 * day + 60 * bench_noise(&rng),
                        4e9 + 2e7 * bench_noise(&rng),
                        round(20 + 5 * day + 2 * bench_noise(&rng))};
    feed(e, "cpu", "percent", "user", t, x[0]);
    feed(e, "nginx", "requests", "", t, x[1]);
    feed(e, "memory", "memory", "used", t, x[2]);
    feed(e, "users", "users", "", t, x[3]);
    int j = (int)floor((t - marked) / STEP);
    for (int i = 0; i < SERIES && j >= 0 && j < WATCHED; i++)
      seen->now[i][j] = x[i];
    j = (int)floor((t - marked + DAY) / STEP);
    for (int i = 0; i < SERIES && j >= 0 && j < WATCHED; i++)
      seen->day_before[i][j] = x[i];
    if (t == marked)
      ad_engine_mark_change(e, "web1", t, "bench");
    ad_engine_housekeep(e, t);
  }
  ad_engine_destroy(e);
}

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 40;
  if (runs < 1 || runs > 100000) {
    fprintf(stderr, "usage: %s [RUNS]\n", argv[0]);
    return 2;
  }
  static const double shifts[] = {0, 5, 10, 20, 40};
  double *quoted = calloc((size_t)runs, sizeof(*quoted));
  printf("change verdicts, %d runs each (4 series, 2 h watch, CPU moved):\n",
         runs);
  printf("  %-6s %-5s %9s %6s %10s %14s | %-9s %6s\n", "shift", "form",
         "detected", "false", "no verdict", "median quoted", "day-before",
         "false");
  for (size_t i = 0; i < sizeof(shifts) / sizeof(shifts[0]); i++)
    for (int ramp = 0; ramp < (shifts[i] > 0 ? 2 : 1); ramp++) {
      int detected = 0, wrong = 0, missing = 0, q = 0, by_hand = 0,
          by_hand_wrong = 0;
      for (int r = 0; r < runs; r++) {
        static seen_t seen;
        memset(&seen, 0, sizeof(seen));
        run((uint64_t)r, shifts[i], ramp, &seen);
        by_hand += baseline_flags(&seen, 0);
        for (int k = 1; k < SERIES; k++)
          if (baseline_flags(&seen, k)) {
            by_hand_wrong++;
            break;
          }
        if (seen.verdicts != 1) {
          missing++;
          continue;
        }
        const char *detail = seen.verdict.regression;
        bool cpu = strstr(detail, "cpu/percent-user") != NULL;
        detected += cpu;
        /* another series named: every name is followed by " +" or " -" */
        int named = 0;
        for (const char *p = detail; (p = strstr(p, " (")) != NULL; p++)
          named++;
        wrong += named > (cpu ? 1 : 0);
        const char *at = strstr(detail, "cpu/percent-user ");
        if (at != NULL)
          quoted[q++] = atof(at + strlen("cpu/percent-user "));
      }
      char median[16] = "-";
      if (q > 0)
        snprintf(median, sizeof(median), "%+.0f %%", bench_median(quoted, q));
      printf("  %+4.0f %%  %-5s %5d/%-3d %6d %10d %14s | %5d/%-3d %6d\n",
             shifts[i], ramp ? "ramp" : "step", detected, runs, wrong, missing,
             median, by_hand, runs, by_hand_wrong);
    }
  free(quoted);
  return 0;
}
