/* engine_bench: what the anomaly plugin's write path costs.
 *
 * Series are gauges, HOST_SERIES to a host (so each host has a forest over
 * that many series); training is amortised in the timed runs (the forests
 * that fall due are trained after every round of values, on the timing
 * thread). Prints, as medians of RUNS runs:
 *  - baseline: the sliding window detector alone, values/s (the first
 *    member's math with no table, host or locking);
 *  - the ensemble of one series (every member, calibration, meta-classifier,
 *    levels) without the engine, values/s, and its ratio to the baseline;
 *  - engine, 1 thread: ad_engine_submit per value (hash, shard lock, series
 *    update, meta-classifier, levels, host roll-up), values/s, and its ratio
 *    to the baseline;
 *  - engine, T threads on disjoint series: total values/s;
 *  - memory: bytes per series (the series struct, and the allocator's view
 *    of 20,000 series after 400 values each: reservoirs full, forests
 *    trained), for single-source value lists and for two-source ones (which
 *    have a value list forest too).
 * Usage: engine_bench [SERIES] [VALUES_PER_SERIES] [RUNS] [THREADS]
 *                     [--no-state]
 * (--no-state leaves the memory figures out: for comparing two builds'
 * speed run after run, where they take most of the time).
 */
#include "detectors/ad_model.h"
#include "detectors/ad_window.h"
#include "engine/ad_engine.h"
#include "engine/ad_series.h"

#include <malloc.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

/* every value teaches fully; no resolution floor */
static const ad_learn_t LEARN_ALL = {.weight = 1.0, .resolution = 0.0};

static bool forests_off;

static ad_engine_t *make_engine(size_t max_series) {
  ad_config_t cfg;
  ad_config_defaults(&cfg);
  cfg.max_series = max_series;
  if (forests_off)
    cfg.forest = cfg.host_forest = false;
  ad_sink_t sink = {0};
  return ad_engine_create(&cfg, &sink);
}

#define HOST_SERIES 100

typedef struct {
  ad_engine_t *engine;
  int first_series, series, first_value, values;
  char (*plugins)[32];
  int sources; /* data sources per value list: 1 or 2 */
  bool train;  /* train what fell due after every round */
} job_t;

static void *run_job(void *p) {
  job_t *j = p;
  static const char *const two[] = {"rx", "tx"};
  static const char *const one[] = {"value"};
  uint64_t seed = 12345u + (uint64_t)j->first_series;
  int lists = j->series / j->sources;
  int first = j->first_series / j->sources;
  for (int v = j->first_value; v < j->first_value + j->values; v++) {
    for (int s = first; s < first + lists; s++) {
      double x[2] = {100.0 + bench_noise(&seed), 50.0 + bench_noise(&seed)};
      ad_ident_t id = {j->plugins[s / HOST_SERIES * HOST_SERIES], j->plugins[s],
                       "", "gauge", ""};
      ad_sample_t sample = {.time = 10.0 * v,
                            .interval = 10,
                            .arrival = 10.0 * v,
                            .count = (size_t)j->sources,
                            .values = x,
                            .ds_names = j->sources == 2 ? two : one};
      ad_engine_submit(j->engine, &id, &sample);
    }
    if (j->train)
      ad_engine_train(j->engine, SIZE_MAX);
  }
  return NULL;
}

static double bench_engine(int series, int values, int threads,
                           char (*plugins)[32]) {
  ad_engine_t *e = make_engine((size_t)series);
  pthread_t tid[64];
  job_t jobs[64];
  int per = series / threads;
  /* Series are created (allocated, first value) before the clock starts:
   * what is timed is the steady state. */
  job_t create = {e, 0, per * threads, 0, 1, plugins, 1, false};
  run_job(&create);
  double t0 = bench_now();
  for (int t = 0; t < threads; t++) {
    jobs[t] = (job_t){e, t * per, per, 1, values, plugins, 1, t == 0};
    pthread_create(&tid[t], NULL, run_job, &jobs[t]);
  }
  for (int t = 0; t < threads; t++)
    pthread_join(tid[t], NULL);
  double elapsed = bench_now() - t0;
  ad_engine_destroy(e);
  return (double)per * threads * values / elapsed;
}

/* The whole ensemble of one series (both members, calibration,
 * meta-classifier, levels) without the engine around it. */
static double bench_series(int series, int values) {
  ad_config_t cfg;
  ad_config_defaults(&cfg);
  ad_series_t *all = calloc((size_t)series, sizeof(*all));
  for (int s = 0; s < series; s++)
    ad_series_init(&all[s]);
  uint64_t seed = 2;
  double sink = 0, t0 = bench_now();
  for (int v = 1; v <= values; v++)
    for (int s = 0; s < series; s++) {
      ad_series_result_t res;
      ad_series_observe(&all[s], &cfg, 10.0 * v, 100.0 + bench_noise(&seed),
                        &res);
      sink += res.assessment.risk;
    }
  double elapsed = bench_now() - t0;
  free(all);
  if (sink < 0)
    puts("");
  return (double)series * values / elapsed;
}

static double bench_detector(int series, int values) {
  ad_window_params_t p = {.window = 16, .span = 64, .warmup = 32};
  ad_window_t *w = calloc((size_t)series, sizeof(*w));
  uint64_t seed = 1;
  double sink = 0, t0 = bench_now();
  for (int v = 0; v < values; v++)
    for (int s = 0; s < series; s++) {
      ad_detector_output_t out;
      ad_window_views_t views;
      ad_window_update(&w[s], &p, 100.0 + bench_noise(&seed), 4.0, &LEARN_ALL,
                       10080.0, &out, &views);
      sink += out.confidence;
    }
  double elapsed = bench_now() - t0;
  free(w);
  if (sink < 0)
    puts("");
  return (double)series * values / elapsed;
}

/* Fit time of a host forest with the default parameters on a full
 * reservoir of `dim` series (ad_model_fit: the relations between them, a
 * first forest, then again without the contaminated share), in
 * milliseconds. */
static double host_fit_ms(unsigned dim) {
  ad_config_t cfg;
  ad_config_defaults(&cfg);
  ad_model_params_t p = cfg.host_model;
  size_t n = p.capacity;
  uint64_t seed = 5;
  double t0 = bench_now();
  ad_model_job_t job = {
      .rows = malloc(n * dim * sizeof(float)), .n = n, .dim = dim, .seed = 1};
  for (size_t i = 0; i < n * dim; i++)
    job.rows[i] = (float)bench_noise(&seed);
  t0 = bench_now();
  ad_iforest_t *f = NULL;
  ad_relations_t relations;
  if (ad_model_fit(&p, &job, &f, &relations) != 0)
    return NAN;
  double ms = 1e3 * (bench_now() - t0);
  ad_iforest_free(f);
  return ms;
}

/* What a host forest's training holds its host's lock for (the write path
 * takes that lock for every value): ad_model_take copying a full reservoir
 * of `dim` series out, in microseconds, median of 201. */
static double host_take_us(unsigned dim) {
  ad_config_t cfg;
  ad_config_defaults(&cfg);
  ad_model_t m;
  ad_model_init(&m, 7);
  m.reservoir = ad_reservoir_create(cfg.host_model.capacity, dim, 3);
  float row[AD_IFOREST_MAX_DIM];
  uint64_t seed = 9;
  for (unsigned i = 0; i < cfg.host_model.capacity; i++) {
    for (unsigned j = 0; j < dim; j++)
      row[j] = (float)bench_noise(&seed);
    ad_reservoir_offer(m.reservoir, row, 1.0);
  }
  double us[201];
  for (int r = 0; r < 201; r++) {
    m.due = true;
    m.taken = false;
    ad_model_job_t job;
    double t0 = bench_now();
    int rc = ad_model_take(&m, &job);
    us[r] = 1e6 * (bench_now() - t0);
    if (rc == 0)
      free(job.rows);
  }
  ad_model_release(&m);
  return bench_median(us, 201);
}

/* Bytes the allocator holds for n series in value lists of `sources` data
 * sources, after 400 values each (reservoirs full, forests trained). */
static double bytes_per_series(int n, int sources, char (*plugins)[32]) {
  struct mallinfo2 before = mallinfo2();
  ad_engine_t *e = make_engine((size_t)n);
  job_t job = {e, 0, n, 0, 400, plugins, sources, true};
  run_job(&job);
  struct mallinfo2 after = mallinfo2();
  double per = (double)(after.uordblks - before.uordblks) / n;
  ad_engine_destroy(e);
  return per;
}

int main(int argc, char **argv) {
  int series = argc > 1 ? atoi(argv[1]) : 10000;
  int values = argc > 2 ? atoi(argv[2]) : 100;
  int runs = argc > 3 ? atoi(argv[3]) : 5;
  int threads = argc > 4 ? atoi(argv[4]) : 2;
  bool state = !(argc > 5 && strcmp(argv[5], "--no-state") == 0);
  if (argc > 6 || (argc > 5 && state)) {
    fprintf(stderr, "engine_bench: unknown argument %s\n", argv[argc - 1]);
    return 2;
  }
  if (series < threads || values < 1 || runs < 1 || threads < 1 ||
      threads > 64 || runs > 99) {
    fprintf(stderr, "usage: engine_bench [SERIES] [VALUES] [RUNS] [THREADS] "
                    "[--no-state]\n");
    return 2;
  }
  int mem_series = 20000;
  if (series > mem_series)
    mem_series = series;
  char(*plugins)[32] = calloc((size_t)mem_series, sizeof(*plugins));
  for (int s = 0; s < mem_series; s++)
    snprintf(plugins[s], sizeof(plugins[s]), "p%d", s);

  double base[99], ensemble[99], one[99], many[99], bare[99], fit[99];
  for (int r = 0; r < runs; r++) {
    base[r] = bench_detector(series, values);
    ensemble[r] = bench_series(series, values);
    one[r] = bench_engine(series, values, 1, plugins);
    many[r] = bench_engine(series, values, threads, plugins);
    forests_off = true;
    bare[r] = bench_engine(series, values, 1, plugins);
    forests_off = false;
    fit[r] = host_fit_ms(64);
  }
  double b = bench_median(base, runs), en = bench_median(ensemble, runs),
         o = bench_median(one, runs), m = bench_median(many, runs),
         nf = bench_median(bare, runs), ft = bench_median(fit, runs);
  printf("engine_bench: %d series x %d values, median of %d runs\n", series,
         values, runs);
  printf("  baseline: detector alone          %12.0f values/s\n", b);
  printf("  ensemble of one series, no engine %12.0f values/s  (%.2fx the "
         "baseline's time per value)\n",
         en, b / en);
  printf("  engine, 1 thread                  %12.0f values/s  (%.2fx the "
         "baseline's time per value)\n",
         o, b / o);
  printf("  engine, %d threads (disjoint)      %12.0f values/s  (%.2fx one "
         "thread)\n",
         threads, m, m / o);
  printf("  engine, 1 thread, forests off     %12.0f values/s  (the forests "
         "cost %.0f ns a value)\n",
         nf, 1e9 / o - 1e9 / nf);
  printf("  host forest fit, 64 series        %12.2f ms (256 intervals, "
         "%u trees, contamination refit)\n",
         ft, 50u);
  printf("  host forest take, 64 series       %12.1f us (reservoir copied "
         "out under the host's lock, once a training)\n",
         host_take_us(64));
  if (!state) {
    free(plugins);
    return 0;
  }
  printf("  state: series struct              %12zu bytes\n",
         sizeof(ad_series_t));
  printf("  state: allocator, %d series, 1 source a value list  %8.0f "
         "bytes/series\n",
         mem_series, bytes_per_series(mem_series, 1, plugins));
  printf("  state: allocator, %d series, 2 sources a value list %8.0f "
         "bytes/series\n",
         mem_series, bytes_per_series(mem_series, 2, plugins));
  printf("  (series, keys, table, hosts and their forests, value list "
         "forests; %d series a host)\n",
         HOST_SERIES);
  free(plugins);
  return 0;
}
