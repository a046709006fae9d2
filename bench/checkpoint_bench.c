/* checkpoint_bench: what persistence costs. An engine of SERIES
 * series on hosts of 100 (one data source a value list, host forests
 * trained), then:
 *  - a checkpoint of it to a state directory: seconds and bytes;
 *  - loading that directory into a new engine: seconds;
 *  - the write path with and without checkpoints running beside it:
 *    values/s, and the latency of single submits (p50, p99, p99.99, max),
 *    the ratio against the run without checkpoints in the same command.
 * Medians of RUNS runs. The directory is under $TMPDIR (default /tmp),
 * removed at the end unless CHECKPOINT_BENCH_KEEP is set (to profile a
 * load, e.g. `collectd-anomaly replay --state DIR` of an empty CSV).
 *
 * usage: checkpoint_bench [SERIES] [VALUES] [RUNS] [THREADS] */
#include "bench_util.h"

#include "engine/ad_engine.h"
#include "state/ad_state.h"

#include <ftw.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOST_SERIES 100
#define LATENCY_EVERY 8

static int series_n, values_n, runs_n, threads_n;

static ad_engine_t *make_engine(void) {
  ad_config_t cfg;
  ad_config_defaults(&cfg);
  cfg.max_series = (size_t)series_n + 1;
  ad_sink_t sink = {0};
  return ad_engine_create(&cfg, &sink);
}

typedef struct {
  ad_engine_t *e;
  int first, count; /* series */
  int from, to;     /* value indices */
  double *lat;      /* latencies sampled (s) */
  size_t lat_n, lat_cap;
} writer_t;

static void *write_values(void *p) {
  writer_t *w = p;
  static const char *const ds[] = {"value"};
  uint64_t rng = 0x9E3779B97F4A7C15ULL ^ (uint64_t)w->first;
  for (int k = w->from; k < w->to; k++) {
    for (int s = w->first; s < w->first + w->count; s++) {
      char host[32], type[32];
      snprintf(host, sizeof(host), "host%d", s / HOST_SERIES);
      snprintf(type, sizeof(type), "t%d", s % HOST_SERIES);
      rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
      double v =
          50.0 + 10.0 * sin(k / 20.0 + s) + (double)(rng >> 11) * 0x1.0p-53;
      double t = 1700000000.0 + 60.0 * k;
      ad_ident_t id = {host, "bench", "", type, ""};
      ad_sample_t sample = {t, 60.0, t, 1, &v, ds, NULL, NULL};
      bool timed = w->lat != NULL && (s % LATENCY_EVERY) == 0;
      double start = timed ? bench_now() : 0.0;
      ad_engine_submit(w->e, &id, &sample);
      if (timed && w->lat_n < w->lat_cap)
        w->lat[w->lat_n++] = bench_now() - start;
    }
    if (w->first == 0)
      ad_engine_train(w->e, SIZE_MAX); /* forests as a trainer would */
  }
  return NULL;
}

/* Writes values [from, to) of every series with threads_n writers; returns
 * values/s; latencies sampled into lat (may be NULL). */
static double write_round(ad_engine_t *e, int from, int to, double *lat,
                          size_t *lat_n, size_t lat_cap) {
  writer_t w[16];
  pthread_t t[16];
  int per = series_n / threads_n;
  double start = bench_now();
  for (int i = 0; i < threads_n; i++) {
    /* whole hosts per writer, as collectd's write threads see them */
    w[i] = (writer_t){e,
                      i * per,
                      i == threads_n - 1 ? series_n - i * per : per,
                      from,
                      to,
                      lat ? lat + i * (lat_cap / threads_n) : NULL,
                      0,
                      lat_cap / threads_n};
    pthread_create(&t[i], NULL, write_values, &w[i]);
  }
  size_t n = 0;
  for (int i = 0; i < threads_n; i++) {
    pthread_join(t[i], NULL);
    if (lat != NULL) {
      memmove(lat + n, w[i].lat, w[i].lat_n * sizeof(*lat));
      n += w[i].lat_n;
    }
  }
  if (lat_n != NULL)
    *lat_n = n;
  return (double)series_n * (to - from) / (bench_now() - start);
}

static int remove_entry(const char *path, const struct stat *sb, int flag,
                        struct FTW *ftw) {
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static size_t dir_bytes;
static int add_size(const char *path, const struct stat *sb, int flag,
                    struct FTW *ftw) {
  (void)path;
  (void)ftw;
  if (flag == FTW_F && strstr(path, ".json.") == NULL)
    dir_bytes += (size_t)sb->st_size;
  return 0;
}

typedef struct {
  ad_state_t *st;
  ad_engine_t *e;
  atomic_bool stop;
  int done;
} checkpointer_t;

static void *checkpoint_loop(void *p) {
  checkpointer_t *c = p;
  while (!atomic_load(&c->stop)) {
    ad_save_stats_t stats;
    ad_state_checkpoint(c->st, c->e, &stats);
    c->done++;
  }
  return NULL;
}

static double percentile(double *v, size_t n, double q) {
  qsort(v, n, sizeof(*v), bench_cmp_double);
  size_t i = (size_t)(q * (double)(n - 1));
  return n > 0 ? v[i] : NAN;
}

int main(int argc, char **argv) {
  series_n = argc > 1 ? atoi(argv[1]) : 100000;
  values_n = argc > 2 ? atoi(argv[2]) : 200;
  runs_n = argc > 3 ? atoi(argv[3]) : 3;
  threads_n = argc > 4 ? atoi(argv[4]) : 2;
  if (series_n < HOST_SERIES || values_n < 20 || runs_n < 1 || threads_n < 1 ||
      threads_n > 16) {
    fprintf(stderr, "usage: checkpoint_bench [SERIES>=100] [VALUES>=20] "
                    "[RUNS] [THREADS<=16]\n");
    return 2;
  }
  const char *tmp = getenv("TMPDIR");
  char dir[512];
  snprintf(dir, sizeof(dir), "%s/checkpoint-bench-XXXXXX",
           tmp != NULL ? tmp : "/tmp");
  if (mkdtemp(dir) == NULL) {
    perror(dir);
    return 1;
  }
  ad_engine_t *e = make_engine();
  double warm = bench_now();
  write_round(e, 0, values_n, NULL, NULL, 0);
  printf("checkpoint_bench: %d series on %d hosts, %d values each (learned "
         "in %.1f s), %d writer threads, median of %d runs\n",
         series_n, series_n / HOST_SERIES, values_n, bench_now() - warm,
         threads_n, runs_n);

  char err[512];
  ad_state_t st;
  ad_state_options_t opt = {dir, 0, "checkpoint_bench", NULL, NULL};
  if (ad_state_open(&st, &opt, err, sizeof(err)) != 0) {
    fprintf(stderr, "%s\n", err);
    return 1;
  }
  double save[16], load[16];
  ad_save_stats_t saved = {0};
  for (int r = 0; r < runs_n && r < 16; r++) {
    double t0 = bench_now();
    ad_state_checkpoint(&st, e, &saved);
    save[r] = bench_now() - t0;
    ad_engine_t *fresh = make_engine();
    ad_state_load_stats_t loaded;
    t0 = bench_now();
    ad_state_load(&st, fresh, NAN, &loaded);
    load[r] = bench_now() - t0;
    if (loaded.series != saved.series)
      fprintf(stderr, "loaded %zu series of %zu\n", loaded.series,
              saved.series);
    ad_engine_destroy(fresh);
  }
  nftw(dir, add_size, 16, FTW_PHYS);
  int n = runs_n < 16 ? runs_n : 16;
  printf("  checkpoint of %zu hosts, %zu series  %8.2f s  (%.0f series/s; "
         "%.1f MB, %.0f bytes a series)\n",
         saved.hosts, saved.series, bench_median(save, n),
         saved.series / bench_median(save, n), dir_bytes / 1e6,
         (double)dir_bytes / (double)saved.series);
  printf("  load into a new engine             %8.2f s  (%.0f series/s)\n",
         bench_median(load, n), saved.series / bench_median(load, n));

  /* the write path, alone and beside a checkpoint loop */
  int per_round = 20;
  size_t cap = (size_t)series_n * per_round / LATENCY_EVERY + 64;
  double *lat = malloc(cap * sizeof(*lat));
  double rate[2][16], p50[2][16], p99[2][16], p9999[2][16], worst[2][16];
  int checkpoints = 0, k = values_n;
  for (int r = 0; r < n; r++) {
    for (int beside = 0; beside < 2; beside++) {
      checkpointer_t c = {.st = &st, .e = e};
      atomic_init(&c.stop, false);
      pthread_t t;
      if (beside)
        pthread_create(&t, NULL, checkpoint_loop, &c);
      size_t lat_n = 0;
      rate[beside][r] = write_round(e, k, k + per_round, lat, &lat_n, cap);
      k += per_round;
      if (beside) {
        atomic_store(&c.stop, true);
        pthread_join(t, NULL);
        checkpoints += c.done;
      }
      p50[beside][r] = percentile(lat, lat_n, 0.5) * 1e6;
      p99[beside][r] = percentile(lat, lat_n, 0.99) * 1e6;
      p9999[beside][r] = percentile(lat, lat_n, 0.9999) * 1e6;
      worst[beside][r] = lat_n > 0 ? lat[lat_n - 1] * 1e6 : NAN;
    }
  }
  for (int beside = 0; beside < 2; beside++)
    printf("  writes, %s %10.0f values/s (%.2fx)  submit p50 %.2f us, "
           "p99 %.2f us, p99.99 %.1f us, max %.0f us\n",
           beside ? "checkpoints beside" : "no checkpoint     ",
           bench_median(rate[beside], n),
           bench_median(rate[beside], n) / bench_median(rate[0], n),
           bench_median(p50[beside], n), bench_median(p99[beside], n),
           bench_median(p9999[beside], n), bench_median(worst[beside], n));
  printf("  (%d checkpoints ran beside the writes)\n", checkpoints);
  free(lat);
  ad_state_close(&st);
  ad_engine_destroy(e);
  if (getenv("CHECKPOINT_BENCH_KEEP") != NULL)
    printf("  state directory kept: %s\n", dir);
  else
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  return 0;
}
