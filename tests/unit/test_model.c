/* Unit tests: ad_reservoir (biased reservoir of fixed-point rows) and
 * ad_model (a forest that keeps learning: schedule, hand-over, drift). */
#include "test_util.h"

#include "detectors/ad_model.h"
#include "detectors/ad_reservoir.h"

#include <errno.h>
#include <string.h>

static void test_reservoir_fills_then_replaces(void **state) {
  (void)state;
  ad_reservoir_t *r = ad_reservoir_create(8, 2, 1);
  assert_non_null(r);
  float row[2];
  for (int i = 0; i < 8; i++) {
    row[0] = (float)i;
    row[1] = -1.5f;
    assert_int_equal(ad_reservoir_offer(r, row, 1.0), 1);
  }
  assert_int_equal(r->fill, 8);
  float out[16];
  assert_int_equal(ad_reservoir_rows(r, out), 8);
  for (int i = 0; i < 8; i++) {
    assert_double_near(out[2 * i], i, 1e-9);
    assert_double_near(out[2 * i + 1], -1.5, 1e-9);
  }
  /* Full: a taken row replaces one; none is taken at p = 0. */
  row[0] = 100.0f;
  assert_int_equal(ad_reservoir_offer(r, row, 0.0), 0);
  assert_int_equal(ad_reservoir_offer(r, row, 1.0), 1);
  ad_reservoir_rows(r, out);
  int found = 0;
  for (int i = 0; i < 8; i++)
    found += out[2 * i] > 62.0f; /* clamped to the fixed-point limit */
  assert_int_equal(found, 1);
  assert_int_equal(r->seen, 10);
  ad_reservoir_destroy(r);
  assert_null(ad_reservoir_create(0, 2, 1));
  assert_null(ad_reservoir_create(8, 0, 1));
}

/* With probability p a row joins; the reservoir then holds rows spread
 * over about capacity / p offers, old ones fading. */
static void test_reservoir_is_biased_to_recent_rows(void **state) {
  (void)state;
  ad_reservoir_t *r = ad_reservoir_create(100, 1, 7);
  float row;
  for (int i = 0; i < 20000; i++) {
    row = (float)(i / 1000); /* 0..19, one value per thousand offers */
    ad_reservoir_offer(r, &row, r->fill < r->capacity ? 1.0 : 0.1);
  }
  float out[100];
  ad_reservoir_rows(r, out);
  int recent = 0;
  for (int i = 0; i < 100; i++)
    recent += out[i] >= 17.0f; /* the last 3000 offers: 3 memories */
  assert_true(recent >= 85);
  ad_reservoir_destroy(r);
}

static const ad_model_params_t params = {.trees = 20,
                                         .sample_size = 32,
                                         .capacity = 64,
                                         .train_interval = 3600,
                                         .memory = 86400,
                                         .contamination = 0.0,
                                         .lag = 300};

/* Feeds x at t; trains at once when due (as replay does). Returns the
 * deviation. */
static double feed(ad_model_t *m, double t, const float *x, unsigned dim,
                   bool *was_due) {
  double deviation, score;
  bool due = ad_model_observe(m, &params, t, 60, x, dim, &deviation, &score);
  if (was_due != NULL)
    *was_due = due;
  if (due) {
    ad_model_job_t job;
    assert_int_equal(ad_model_take(m, &job), 0);
    ad_model_job_t again; /* taken once, not twice */
    assert_int_equal(ad_model_take(m, &again), ENOENT);
    ad_iforest_t *forest;
    assert_int_equal(ad_model_fit(&params, &job, &forest, NULL), 0);
    ad_model_install(m, &params, job.ticket, forest, NULL);
  }
  return deviation;
}

/* A young model's sample spreads over its whole life: after a day of
 * one-minute rows (memory 1 day), the first hour holds about 1/24 of the
 * sample, not the whole of it as a fill-then-rate reservoir would leave it
 * for days; and from then on the sample keeps following the last day. */
static void test_young_model_forgets_its_first_hours(void **state) {
  (void)state;
  ad_model_t m;
  ad_model_init(&m, 11);
  const double t0 = 1.7e9;
  for (int i = 0; i < 3 * 1440; i++) {
    float x[1] = {(float)i / 100}; /* its minute, within the fixed point */
    feed(&m, t0 + 60.0 * i, x, 1, NULL);
    if (i == 1439 || i == 3 * 1440 - 1) {
      float rows[64];
      size_t n = ad_reservoir_rows(m.reservoir, rows);
      assert_int_equal(n, 64);
      size_t first_hour = 0, last_day = 0;
      for (size_t k = 0; k < n; k++) {
        first_hour += rows[k] < 0.6f;
        last_day += rows[k] > (i - 1440) / 100.0f;
      }
      if (i == 1439 && first_hour > 12)
        fail_msg("after a day, %zu of 64 rows from the first hour", first_hour);
      if (i > 1439 && last_day < 32)
        fail_msg("after three days, only %zu of 64 rows from the last day",
                 last_day);
    }
  }
  ad_model_release(&m);
}

static void test_schedule_and_hand_over(void **state) {
  (void)state;
  ad_model_t m;
  ad_model_init(&m, 3);
  test_rng_t rng = {.state = 3};
  float x[2];
  double t = 0;
  int first_due = -1;
  for (int i = 0; i < 32; i++, t += 60) {
    x[0] = (float)test_rng_normal(&rng);
    x[1] = (float)test_rng_normal(&rng);
    bool due;
    double d = feed(&m, t, x, 2, &due);
    assert_nan(d); /* no forest yet */
    if (due && first_due < 0)
      first_due = i;
  }
  /* the first training once the reservoir is half full (32 of 64) */
  assert_int_equal(first_due, 31);
  assert_int_equal(m.trainings, 1);
  /* the trained forest comes into force `lag` seconds later */
  assert_null(m.forest);
  assert_non_null(m.pending);
  for (int i = 0; i < 5; i++, t += 60) {
    double d = feed(&m, t, x, 2, NULL);
    assert_true(i < 4 ? isnan(d) : !isnan(d));
  }
  assert_non_null(m.forest);
  /* then every train_interval of data time */
  int trainings = (int)m.trainings;
  for (int i = 0; i < 120; i++, t += 60) {
    x[0] = (float)test_rng_normal(&rng);
    feed(&m, t, x, 2, NULL);
  }
  assert_int_equal(m.trainings, (unsigned)trainings + 2);
  /* an outlier scores higher than an ordinary row */
  float far[2] = {8.0f, -8.0f}, near[2] = {0.0f, 0.0f};
  double dev_far, dev_near, s;
  ad_model_observe(&m, &params, t, 60, far, 2, &dev_far, &s);
  ad_model_observe(&m, &params, t + 60, 60, near, 2, &dev_near, &s);
  assert_true(dev_far > dev_near + 3.0);
  ad_model_release(&m);
  assert_null(m.forest);
  assert_null(m.reservoir);
}

static void test_drift_asks_for_training_early(void **state) {
  (void)state;
  ad_model_t m;
  ad_model_init(&m, 4);
  test_rng_t rng = {.state = 4};
  float x[1];
  double t = 0;
  for (int i = 0; i < 60; i++, t += 60) {
    x[0] = (float)test_rng_normal(&rng);
    feed(&m, t, x, 1, NULL);
  }
  unsigned before = m.trainings;
  /* a new normal far away: most values score high, and the forest is
   * retrained well before the hour is up */
  int trained_after = -1;
  for (int i = 0; i < 60 && trained_after < 0; i++, t += 60) {
    x[0] = 20.0f + (float)test_rng_normal(&rng);
    feed(&m, t, x, 1, NULL);
    if (m.trainings > before)
      trained_after = i;
  }
  assert_true(trained_after > 0 && trained_after < 50);
  ad_model_release(&m);
}

static void test_abandoned_job_is_asked_again(void **state) {
  (void)state;
  ad_model_t m;
  ad_model_init(&m, 5);
  float x[1] = {1.0f};
  double d, s;
  bool due = false;
  double t = 0;
  for (int i = 0; i < 32 && !due; i++, t += 60)
    due = ad_model_observe(&m, &params, t, 60, x, 1, &d, &s);
  assert_true(due);
  ad_model_job_t job;
  assert_int_equal(ad_model_take(&m, &job), 0);
  free(job.rows);
  ad_model_abandon(&m, &params, job.ticket);
  assert_false(m.due);
  /* asked again an eighth of the interval later */
  bool again = false;
  int waited = 0;
  for (; !again && waited < 100; waited++, t += 60)
    again = ad_model_observe(&m, &params, t, 60, x, 1, &d, &s);
  assert_true(again);
  assert_int_equal(waited, 8);
  /* a forest for an old ticket is not installed */
  ad_iforest_t *forest;
  float rows[4] = {1, 2, 3, 4};
  ad_iforest_params_t fp = {.trees = 2, .sample_size = 4, .seed = 1};
  assert_int_equal(ad_iforest_fit(&fp, rows, 4, 1, &forest), 0);
  ad_model_install(&m, &params, job.ticket, forest, NULL);
  assert_null(m.pending);
  ad_model_release(&m);
}

/* Contamination: the rows the first forest finds most isolated are left
 * out, so anomalies in the sample (here 5% of it, all alike) do not become
 * normal. */
static void test_contamination_leaves_outliers_out(void **state) {
  (void)state;
  enum { N = 200 };
  float rows[N];
  test_rng_t rng = {.state = 6};
  for (int i = 0; i < N; i++)
    rows[i] = i < 10 ? 6.0f : (float)test_rng_normal(&rng);
  ad_model_params_t p = params;
  p.sample_size = 128;
  ad_iforest_t *dirty, *clean;
  float *copy = malloc(sizeof(rows));
  memcpy(copy, rows, sizeof(rows));
  ad_model_job_t job = {.rows = copy, .n = N, .dim = 1, .seed = 9};
  assert_int_equal(ad_model_fit(&p, &job, &dirty, NULL), 0);
  p.contamination = 0.05;
  copy = malloc(sizeof(rows));
  memcpy(copy, rows, sizeof(rows));
  job = (ad_model_job_t){.rows = copy, .n = N, .dim = 1, .seed = 9};
  assert_int_equal(ad_model_fit(&p, &job, &clean, NULL), 0);
  float x = 6.0f;
  double s_clean = ad_iforest_score(clean, &x, NULL);
  double s_dirty = ad_iforest_score(dirty, &x, NULL);
  if (!(s_clean > s_dirty + 0.05))
    fail_msg("an anomaly like those in the sample scores %.3f, %.3f when "
             "they were left out",
             s_dirty, s_clean);
  ad_iforest_free(dirty);
  ad_iforest_free(clean);
}

TEST_MAIN(cmocka_unit_test(test_reservoir_fills_then_replaces),
          cmocka_unit_test(test_reservoir_is_biased_to_recent_rows),
          cmocka_unit_test(test_young_model_forgets_its_first_hours),
          cmocka_unit_test(test_schedule_and_hand_over),
          cmocka_unit_test(test_drift_asks_for_training_early),
          cmocka_unit_test(test_abandoned_job_is_asked_again),
          cmocka_unit_test(test_contamination_leaves_outliers_out))
