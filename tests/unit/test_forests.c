/* Unit tests: the isolation forests inside the engine: the host forest
 * seeing a combination no single series shows, the value list forest
 * crediting the data source that broke a relation, and training while
 * values are scored on several threads (run under ThreadSanitizer by
 * test.sh). */
#include "test_config_util.h"
#include "test_util.h"

#include "engine/ad_engine.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define DAY_MINUTES 1440
#define SERIES 8

typedef struct {
  pthread_mutex_t lock;
  ad_notice_t notices[32];
  size_t notice_count;
  size_t series_notices;
  double normal_risk;  /* highest host risk on the normal days (after day 1) */
  double break_forest; /* highest host forest risk during the break */
  double break_series; /* highest series risk during the break */
  double break_from, break_until;
  bool combination_driven; /* a break report was driven by the forest */
} capture_t;

static void on_report(void *ctx, const ad_host_report_t *r) {
  capture_t *c = ctx;
  pthread_mutex_lock(&c->lock);
  bool in_break = r->time >= c->break_from && r->time < c->break_until;
  if (!in_break && r->time >= 1.7e9 + 60.0 * DAY_MINUTES)
    c->normal_risk = fmax(c->normal_risk, r->risk);
  if (in_break) {
    if (!isnan(r->forest_risk))
      c->break_forest = fmax(c->break_forest, r->forest_risk);
    if (!isnan(r->series_risk))
      c->break_series = fmax(c->break_series, r->series_risk);
  }
  pthread_mutex_unlock(&c->lock);
}

static void on_notice(void *ctx, const ad_notice_t *n) {
  capture_t *c = ctx;
  pthread_mutex_lock(&c->lock);
  if (n->scope == AD_SCOPE_SERIES)
    c->series_notices++;
  else if (c->notice_count < ARRAY_SIZE(c->notices))
    c->notices[c->notice_count++] = *n;
  pthread_mutex_unlock(&c->lock);
}

static capture_t *capture_new(void) {
  capture_t *c = calloc(1, sizeof(*c));
  assert_non_null(c);
  pthread_mutex_init(&c->lock, NULL);
  return c;
}

static void capture_free(capture_t *c) {
  pthread_mutex_destroy(&c->lock);
  free(c);
}

static ad_engine_t *engine_new(capture_t *c, const char *const *pairs) {
  ad_sink_t sink = {.host_report = on_report, .notice = on_notice, .ctx = c};
  return test_engine_from_pairs(pairs, &sink);
}

/* A host whose four CPU-side series and four network-side series are both
 * driven by one busy/idle state that changes at random every minute: each
 * series jumps between two levels all the time (so no single series ever
 * looks odd), and the two sides always agree. For an hour on the eighth day
 * the network side shows the opposite state: every value is still one of
 * its series' two usual levels, only the combination is new. */
static void feed_host(ad_engine_t *e, capture_t *c) {
  static const char *const plugins[SERIES] = {"cpu",       "cpu",     "load",
                                              "processes", "if-eth0", "if-eth0",
                                              "if-eth1",   "if-eth1"};
  static const char *const types[SERIES] = {
      "percent",   "percent",    "load",      "ps_state",
      "if_octets", "if_packets", "if_octets", "if_packets"};
  static const char *const instances[SERIES] = {"user", "system", "", "running",
                                                "",     "",       "", ""};
  static const double busy[SERIES] = {80, 30, 4, 12, 8e5, 900, 4e5, 500};
  static const double idle[SERIES] = {20, 8, 1, 3, 2e5, 200, 1e5, 100};
  static const char *const ds[] = {"value"};
  test_rng_t rng = {.state = 5};
  const int minutes = 8 * DAY_MINUTES, from = minutes - 600;
  c->break_from = 1.7e9 + 60.0 * from;
  c->break_until = c->break_from + 3600;
  for (int i = 0; i < minutes; i++) {
    bool state = test_rng_uniform(&rng) < 0.5;
    bool network = i >= from && i < from + 60 ? !state : state;
    for (int s = 0; s < SERIES; s++) {
      bool on = s < 4 ? state : network;
      double level = on ? busy[s] : idle[s];
      double value =
          level + 0.05 * (busy[s] - idle[s]) * (2 * test_rng_uniform(&rng) - 1);
      ad_ident_t id = {"db1", plugins[s], "", types[s], instances[s]};
      ad_sample_t sample = {.time = 1.7e9 + 60.0 * i,
                            .interval = 60,
                            .arrival = 1.7e9 + 60.0 * i,
                            .count = 1,
                            .values = &value,
                            .ds_names = ds};
      assert_int_equal(ad_engine_submit(e, &id, &sample), 0);
    }
    ad_engine_train(e, SIZE_MAX);
    ad_engine_flush_host(e, "db1");
  }
}

static void test_host_forest_sees_what_no_series_does(void **state) {
  (void)state;
  capture_t *c = capture_new();
  const char *const pairs[] = {"NotifySeries=true", NULL};
  ad_engine_t *e = engine_new(c, pairs);
  feed_host(e, c);
  /* Normal days: the host is calm (far below WARNING). The break: its series
   * say nothing, the host forest finds the combination clearly more unusual
   * than anything in the week before. */
  print_message("host forest: normal %.3f, break: series %.3f, forest %.3f\n",
                c->normal_risk, c->break_series, c->break_forest);
  if (!(c->normal_risk < 0.15 && c->break_series < 0.1 &&
        c->break_forest >= 0.3))
    fail_msg("normal %.3f, break: series %.3f, forest %.3f", c->normal_risk,
             c->break_series, c->break_forest);
  assert_int_equal(c->series_notices, 0);
  ad_engine_destroy(e);

  /* With a WARNING threshold below what the forest found, the operator is
   * told, and the explanation names the broken relation: a series of each
   * side. */
  memset(c->notices, 0, sizeof(c->notices));
  c->notice_count = c->series_notices = 0;
  const char *const alert[] = {"NotifySeries=true", "WarningThreshold=0.2",
                               "Hysteresis=0.05", NULL};
  e = engine_new(c, alert);
  feed_host(e, c);
  assert_int_equal(c->series_notices, 0);
  assert_true(c->notice_count >= 1);
  const ad_notice_t *n = &c->notices[0];
  if (!(n->level != AD_LEVEL_OKAY && n->combination &&
        n->time >= c->break_from && n->time < c->break_until))
    fail_msg("first notice: %s", n->message);
  assert_non_null(strstr(n->message, "relation broken: "));
  bool network = strncmp(n->series, "if-", 3) == 0;
  bool partner_network = strncmp(n->partner, "if-", 3) == 0;
  if (network == partner_network)
    fail_msg("not one of each side: %s", n->message);
  assert_true(n->relation_corr >= AD_RELATION_MIN_CORR);
  assert_non_null(strstr(n->message, "by isolation_forest"));
  assert_true(n->assessment.member[AD_DET_ISOLATION_FOREST].score >= 0.2);
  ad_engine_destroy(e);
  capture_free(c);
}

/* A value list of two data sources that always move together (rx and tx of
 * a link: busy or idle), and for an hour on the eighth day do not: rx busy
 * while tx idles and the other way round. */
typedef struct {
  double host_break, host_normal;   /* host forest risk */
  double vlist_break, vlist_normal; /* value list forest raw score, mean */
  unsigned trainings;
  size_t series_notices;
} vlist_result_t;

static void vlist_run(const char *const *pairs, vlist_result_t *out) {
  capture_t *c = capture_new();
  ad_engine_t *e = engine_new(c, pairs);
  static const char *const ds[] = {"rx", "tx"};
  test_rng_t rng = {.state = 9};
  const int minutes = 8 * DAY_MINUTES, from = minutes - 600;
  c->break_from = 1.7e9 + 60.0 * from;
  c->break_until = c->break_from + 3600;
  double normal_sum = 0, break_sum = 0;
  int normal_n = 0, break_n = 0;
  for (int i = 0; i < minutes; i++) {
    bool busy = test_rng_uniform(&rng) < 0.5;
    bool tx = i >= from && i < from + 60 ? !busy : busy;
    double v[2] = {(busy ? 8e5 : 2e5) + 3e4 * (2 * test_rng_uniform(&rng) - 1),
                   (tx ? 4e5 : 1e5) + 1.5e4 * (2 * test_rng_uniform(&rng) - 1)};
    ad_ident_t id = {"gw", "interface", "eth0", "if_octets", ""};
    ad_sample_t sample = {.time = 1.7e9 + 60.0 * i,
                          .interval = 60,
                          .arrival = 1.7e9 + 60.0 * i,
                          .count = 2,
                          .values = v,
                          .ds_names = ds};
    assert_int_equal(ad_engine_submit(e, &id, &sample), 0);
    ad_engine_train(e, SIZE_MAX);
    ad_engine_flush_host(e, "gw");
    ad_series_info_t info;
    assert_int_equal(ad_engine_series_info(e, &id, "rx", &info), 0);
    if (!isnan(info.forest_score) && i >= DAY_MINUTES) {
      bool in_break = i >= from && i < from + 60;
      *(in_break ? &break_sum : &normal_sum) += info.forest_score;
      (*(in_break ? &break_n : &normal_n))++;
    }
    out->trainings = info.forest_trainings;
  }
  out->host_break = c->break_forest;
  out->host_normal = c->normal_risk;
  out->vlist_break = break_sum / break_n;
  out->vlist_normal = normal_sum / normal_n;
  out->series_notices = c->series_notices;
  ad_engine_destroy(e);
  capture_free(c);
}

/* A relation inside one value list (rx against tx). The value list's own
 * forest, trained on a few dozen values, scores the broken relation higher
 * than the usual one, though not high enough to speak (it abstains below
 * WARNING); the host forest, where rx and tx each have a slot, sees it
 * clearly above anything of the six ordinary days, which stay well below
 * WARNING (0.4; the relation between rx and tx, looked at beside the
 * forest, takes the ordinary days from about 0.2 to 0.25). No series
 * notices. */
static void test_value_list_relation(void **state) {
  (void)state;
  vlist_result_t r;
  const char *const pairs[] = {"NotifySeries=true", NULL};
  vlist_run(pairs, &r);
  print_message("value list forest: %u trainings, mean score %.3f normal, "
                "%.3f in the break; host forest risk %.3f / %.3f\n",
                r.trainings, r.vlist_normal, r.vlist_break, r.host_normal,
                r.host_break);
  if (!(r.trainings >= 20 && r.vlist_break > r.vlist_normal + 0.08 &&
        r.host_break >= 0.3 && r.host_normal < 0.3 &&
        r.host_break > r.host_normal + 0.1 && r.series_notices == 0))
    fail_msg("value list forest: %u trainings, mean score %.3f normal, "
             "%.3f in the break; host forest risk %.3f normal, %.3f in the "
             "break; %zu series notices",
             r.trainings, r.vlist_normal, r.vlist_break, r.host_normal,
             r.host_break, r.series_notices);
}

/* Writers on several threads while a trainer fits and hands over forests:
 * nothing may be torn or lost (test.sh runs this under ThreadSanitizer). */
#define WRITERS 3
#define LISTS_PER_WRITER 40

typedef struct {
  ad_engine_t *engine;
  int writer;
  atomic_int *running;
} writer_t;

static void *writer_main(void *arg) {
  writer_t *w = arg;
  static const char *const ds[] = {"rx", "tx"};
  test_rng_t rng = {.state = 100u + (unsigned)w->writer};
  char host[16], instance[16];
  snprintf(host, sizeof(host), "h%d", w->writer % 2);
  for (int i = 0; i < 1500; i++) {
    for (int l = 0; l < LISTS_PER_WRITER; l++) {
      snprintf(instance, sizeof(instance), "w%d-%d", w->writer, l);
      double busy = test_rng_uniform(&rng) < 0.5 ? 1.0 : 0.0;
      double v[2] = {100 + 50 * busy + test_rng_normal(&rng),
                     40 + 20 * busy + test_rng_normal(&rng)};
      ad_ident_t id = {host, "interface", instance, "if_octets", ""};
      ad_sample_t sample = {.time = 1.7e9 + 10.0 * i,
                            .interval = 10,
                            .arrival = 1.7e9 + 10.0 * i,
                            .count = 2,
                            .values = v,
                            .ds_names = ds};
      assert_int_equal(ad_engine_submit(w->engine, &id, &sample), 0);
    }
  }
  atomic_fetch_sub(w->running, 1);
  return NULL;
}

static void test_training_beside_scoring_threads(void **state) {
  (void)state;
  capture_t *c = capture_new();
  const char *const pairs[] = {"TrainInterval=600", NULL};
  ad_engine_t *e = engine_new(c, pairs);
  atomic_int running;
  atomic_init(&running, WRITERS);
  pthread_t threads[WRITERS];
  writer_t writers[WRITERS];
  for (int w = 0; w < WRITERS; w++) {
    writers[w] = (writer_t){e, w, &running};
    assert_int_equal(
        pthread_create(&threads[w], NULL, writer_main, &writers[w]), 0);
  }
  size_t trained = 0;
  while (atomic_load(&running) > 0)
    trained += ad_engine_train(e, 8);
  for (int w = 0; w < WRITERS; w++)
    pthread_join(threads[w], NULL);
  trained += ad_engine_train(e, SIZE_MAX);
  /* every value list's forest was trained, more than once */
  assert_true(trained >= WRITERS * LISTS_PER_WRITER * 2);
  for (int w = 0; w < WRITERS; w++) {
    char host[16], instance[16];
    snprintf(host, sizeof(host), "h%d", w % 2);
    snprintf(instance, sizeof(instance), "w%d-%d", w, LISTS_PER_WRITER - 1);
    ad_ident_t id = {host, "interface", instance, "if_octets", ""};
    ad_series_info_t info;
    assert_int_equal(ad_engine_series_info(e, &id, "tx", &info), 0);
    assert_int_equal(info.values_learned, 1500);
    assert_true(info.forest_trainings >= 2);
    assert_false(isnan(info.forest_score));
  }
  ad_engine_destroy(e);
  capture_free(c);
}

TEST_MAIN(cmocka_unit_test(test_host_forest_sees_what_no_series_does),
          cmocka_unit_test(test_value_list_relation),
          cmocka_unit_test(test_training_beside_scoring_threads))
