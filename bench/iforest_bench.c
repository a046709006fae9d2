/* iforest_bench: fit and score time of ad_iforest on given data, for the
 * comparison with scikit-learn (bench/iforest_vs_sklearn.py runs both on the
 * same files).
 *
 * usage: iforest_bench TRAIN.csv TEST.csv SCORES.out TREES SAMPLE RUNS [single]
 * The CSV files hold one row of features per line, no header. Fits RUNS
 * forests (seeds 1..RUNS) and scores TEST with each (all rows in one batch,
 * or with "single" one call per row, as the write path scores); prints
 * "fit_ms score_ms bytes nodes" (medians) and writes the scores to
 * SCORES.out, a line per TEST row, a column per run. */
#include "detectors/ad_iforest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

/* Reads a numeric CSV; returns rows (and *dim) or 0 on error. */
static size_t read_csv(const char *path, float **out, size_t *dim) {
  FILE *f = fopen(path, "r");
  if (f == NULL) {
    fprintf(stderr, "iforest_bench: %s: %s\n", path, strerror(errno));
    return 0;
  }
  size_t cap = 1024, n = 0, d = 0;
  float *data = malloc(cap * sizeof(*data));
  char line[65536];
  size_t rows = 0;
  while (data != NULL && fgets(line, sizeof(line), f) != NULL) {
    size_t fields = 0;
    for (char *p = line, *end; *p != '\0' && *p != '\n'; p = end) {
      float v = strtof(p, &end);
      if (end == p)
        break;
      if (n == cap) {
        float *grown = realloc(data, 2 * cap * sizeof(*data));
        if (grown == NULL) {
          free(data);
          data = NULL;
          break;
        }
        data = grown;
        cap *= 2;
      }
      data[n++] = v;
      fields++;
      if (*end == ',')
        end++;
    }
    if (data == NULL || fields == 0)
      continue;
    if (d == 0)
      d = fields;
    if (fields != d) {
      fprintf(stderr, "iforest_bench: %s:%zu: %zu fields, expected %zu\n", path,
              rows + 1, fields, d);
      free(data);
      data = NULL;
      break;
    }
    rows++;
  }
  fclose(f);
  *out = data;
  *dim = d;
  return data != NULL ? rows : 0;
}

int main(int argc, char **argv) {
  if (argc != 7 && !(argc == 8 && strcmp(argv[7], "single") == 0)) {
    fprintf(stderr, "usage: iforest_bench TRAIN.csv TEST.csv SCORES.out "
                    "TREES SAMPLE RUNS [single]\n");
    return 2;
  }
  int single = argc == 8;
  float *train, *test;
  size_t dim, test_dim;
  size_t n = read_csv(argv[1], &train, &dim);
  size_t m = read_csv(argv[2], &test, &test_dim);
  int runs = atoi(argv[6]);
  if (n == 0 || m == 0 || dim != test_dim || runs < 1 || runs > 99)
    return 2;
  ad_iforest_params_t p = {.trees = (unsigned)atoi(argv[4]),
                           .sample_size = (unsigned)atoi(argv[5])};
  double *scores = malloc(m * (size_t)runs * sizeof(*scores));
  double fit_ms[99], score_ms[99];
  size_t bytes = 0, nodes = 0;
  double sink = 0.0;
  for (int r = 0; r < runs; r++) {
    ad_iforest_t *f;
    p.seed = (uint64_t)r + 1;
    double t0 = bench_now();
    int rc = ad_iforest_fit(&p, train, n, dim, &f);
    double t1 = bench_now();
    if (rc != 0) {
      fprintf(stderr, "iforest_bench: fit: %s\n", strerror(rc));
      return 1;
    }
    double *batch = malloc(m * sizeof(*batch));
    if (batch == NULL ||
        (!single && ad_iforest_score_batch(f, test, m, batch) != 0)) {
      fprintf(stderr, "iforest_bench: out of memory\n");
      return 1;
    }
    for (size_t i = 0; single && i < m; i++)
      batch[i] = ad_iforest_score(f, test + i * dim, NULL);
    for (size_t i = 0; i < m; i++) {
      scores[i * (size_t)runs + (size_t)r] = batch[i];
      sink += batch[i];
    }
    free(batch);
    double t2 = bench_now();
    fit_ms[r] = 1e3 * (t1 - t0);
    score_ms[r] = 1e3 * (t2 - t1);
    bytes = ad_iforest_bytes(f);
    nodes = ad_iforest_nodes(f);
    ad_iforest_free(f);
  }
  FILE *out = fopen(argv[3], "w");
  if (out == NULL) {
    fprintf(stderr, "iforest_bench: %s: %s\n", argv[3], strerror(errno));
    return 1;
  }
  for (size_t i = 0; i < m; i++)
    for (int r = 0; r < runs; r++)
      fprintf(out, "%.6f%c", scores[i * (size_t)runs + (size_t)r],
              r + 1 < runs ? ',' : '\n');
  fclose(out);
  printf("%.4f %.4f %zu %zu\n", bench_median(fit_ms, runs),
         bench_median(score_ms, runs), bytes, nodes);
  if (sink < 0)
    puts("");
  free(scores);
  free(train);
  free(test);
  return 0;
}
