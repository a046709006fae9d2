/* Allocation failures: the core's out-of-memory paths. The core is linked
 * with malloc, calloc, realloc, strdup and strndup wrapped (-Wl,--wrap),
 * and jansson given the same failing allocator, so that the Nth allocation
 * of a scenario fails; every scenario runs with N = 1, 2, ... until one run
 * sees no failure. Each run must end in error returns, never a crash; the
 * sanitizer build of ./test.sh runs this under LeakSanitizer, so nothing
 * may leak either. (jansson's test_chaos.c does the same for jansson.) */
#include "test_config_util.h"
#include "test_util.h"

#include "core/ad_config.h"
#include "engine/ad_engine.h"
#include "engine/ad_explain.h"
#include "offline/ad_csv.h"
#include "offline/ad_history.h"
#include "state/ad_persist.h"
#include "state/ad_state.h"

#include <errno.h>
#include <jansson.h>
#include <string.h>
#include <unistd.h>

/* ---- the failing allocator ------------------------------------------- */

void *__real_malloc(size_t size);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t size);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t size);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);

static unsigned long fail_at;   /* the allocation to fail (0: none) */
static unsigned long allocated; /* allocations so far in this run */
static bool failed;             /* this run failed one */

static bool fail_now(void) {
  if (fail_at == 0 || ++allocated != fail_at)
    return false;
  failed = true;
  return true;
}

void *__wrap_malloc(size_t size) {
  return fail_now() ? NULL : __real_malloc(size);
}
void *__wrap_calloc(size_t n, size_t size) {
  return fail_now() ? NULL : __real_calloc(n, size);
}
void *__wrap_realloc(void *p, size_t size) {
  return fail_now() ? NULL : __real_realloc(p, size);
}
char *__wrap_strdup(const char *s) {
  return fail_now() ? NULL : __real_strdup(s);
}
char *__wrap_strndup(const char *s, size_t n) {
  return fail_now() ? NULL : __real_strndup(s, n);
}

static void *json_malloc(size_t size) { return __wrap_malloc(size); }

/* Runs scenario with the 1st, 2nd, ... allocation failing until a run has
 * none left to fail; returns how many runs failed one. */
static unsigned long every_failure(void (*scenario)(void)) {
  unsigned long runs = 0;
  for (fail_at = 1;; fail_at++) {
    allocated = 0;
    failed = false;
    scenario();
    if (!failed)
      break;
    runs++;
  }
  fail_at = 0;
  return runs;
}

/* ---- scenarios ----------------------------------------------------------- */

static void submit_step(ad_engine_t *e, long k) {
  static const char *const one[] = {"value"}, *const two[] = {"rx", "tx"};
  double t = 1.7e9 + 60.0 * k;
  test_rng_t rng = {.state = 7 + (uint64_t)k};
  for (int h = 0; h < 2; h++) {
    const char *host = h == 0 ? "web1" : "db1";
    double v = 50 + test_rng_normal(&rng) + (k == 25 ? 80 : 0);
    ad_ident_t g = {host, "cpu", "0", "percent", "user"};
    ad_sample_t s = {.time = t,
                     .interval = 60,
                     .arrival = t,
                     .count = 1,
                     .values = &v,
                     .ds_names = one};
    (void)ad_engine_submit(e, &g, &s);
    double p[2] = {1000 + 10 * test_rng_normal(&rng), 500};
    ad_ident_t o = {host, "interface", "eth0", "if_octets", ""};
    s.count = 2;
    s.values = p;
    s.ds_names = two;
    (void)ad_engine_submit(e, &o, &s);
  }
  (void)ad_engine_train(e, SIZE_MAX);
  (void)ad_engine_flush_host(e, "web1");
}

static const char *const SMALL[] = {
    "HostForestTrees=2",  "HostForestSamples=16", "ValueListTrees=2",
    "ValueListSamples=4", "TrainInterval=600",    "MaxSeries=6",
    "WindowSize=4",       "WarmupValues=4",       NULL};

/* Notices become the assessment JSON, as the plugin and replay make it. */
static void explain(void *ctx, const ad_notice_t *n) {
  (void)ctx;
  free(ad_explain_json(n));
}

/* An engine (NULL when out of memory). */
static ad_engine_t *small_engine(void) {
  ad_config_t cfg;
  ad_config_defaults(&cfg);
  char err[256];
  for (size_t i = 0; SMALL[i] != NULL; i++)
    if (ad_config_set_pair(&cfg, SMALL[i], err, sizeof(err)) != 0) {
      ad_config_release(&cfg);
      return NULL;
    }
  ad_sink_t sink = {.notice = explain};
  ad_engine_t *e = ad_engine_create(&cfg, &sink);
  if (e == NULL)
    ad_config_release(&cfg);
  return e;
}

static int keep_text(void *ctx, const char *host, json_t *doc) {
  (void)host;
  char **text = ctx;
  if (*text == NULL)
    *text = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  return *text != NULL ? 0 : ENOMEM;
}

/* Values, forests trained, a checkpoint and a restore of it. */
static void engine_scenario(void) {
  ad_engine_t *e = small_engine();
  if (e == NULL)
    return;
  for (long k = 0; k < 30; k++)
    submit_step(e, k);
  char *text = NULL;
  ad_save_stats_t saved;
  (void)ad_persist_save(e, keep_text, &text, &saved);
  (void)ad_engine_housekeep(e, 1.7e9 + 60.0 * 30 + 1e6);
  ad_engine_destroy(e);
  json_error_t jerr;
  json_t *doc = text != NULL ? json_loads(text, 0, &jerr) : NULL;
  free(text);
  ad_engine_t *back = doc != NULL ? small_engine() : NULL;
  if (back != NULL) {
    ad_restore_stats_t stats;
    ad_codec_error_t why = {{0}};
    (void)ad_persist_restore(back, doc, NAN, &stats, &why);
    submit_step(back, 300);
  }
  ad_engine_destroy(back);
  json_decref(doc);
}

static void test_engine_out_of_memory(void **state) {
  (void)state;
  /* forests trained and saved: thousands of allocations */
  assert_true(every_failure(engine_scenario) > 1000);
}

/* The state directory: a checkpoint written and loaded back. */
static char state_dir[64];

static void state_scenario(void) {
  ad_engine_t *e = small_engine();
  ad_state_t st;
  char err[256];
  if (e == NULL ||
      ad_state_open(&st,
                    &(ad_state_options_t){state_dir, 2, "test", NULL, NULL},
                    err, sizeof(err))) {
    ad_engine_destroy(e);
    return;
  }
  for (long k = 0; k < 20; k++)
    submit_step(e, k);
  ad_save_stats_t saved;
  (void)ad_state_checkpoint(&st, e, &saved);
  ad_engine_destroy(e);
  ad_engine_t *back = small_engine();
  ad_state_load_stats_t loaded;
  if (back != NULL)
    (void)ad_state_load(&st, back, NAN, &loaded);
  ad_engine_destroy(back);
  ad_state_close(&st);
}

static void test_state_out_of_memory(void **state) {
  (void)state;
  /* thousands of checkpoints, each file synced: on tmpfs when there is one */
  snprintf(state_dir, sizeof(state_dir), "%s/ad-alloc-XXXXXX",
           access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
  assert_non_null(mkdtemp(state_dir));
  assert_true(every_failure(state_scenario) > 1000);
  test_remove_tree(state_dir);
}

/* The readers: a replay CSV, types.db and a csv plugin day file. */
static void readers_scenario(void) {
  static const char csv_text[] =
      "timestamp,cpu/percent-user,\"load/load\"\n1,2,3\n2,,4\nnot,a,row\n";
  FILE *fp = fmemopen((void *)csv_text, sizeof(csv_text) - 1, "r");
  char err[256];
  ad_csv_t *csv = ad_csv_open(fp, "in.csv", err, sizeof(err));
  double t, v[2];
  const char *tt;
  while (csv != NULL && ad_csv_next(csv, &t, &tt, v, err, sizeof(err)) == 1)
    ;
  ad_csv_close(csv);
  fclose(fp);
  static const char types[] = "if_octets rx:DERIVE:0:U, tx:DERIVE:0:U\n"
                              "gauge value:GAUGE:U:U\n";
  fp = fmemopen((void *)types, sizeof(types) - 1, "r");
  ad_typesdb_t *db = ad_typesdb_read(fp, "types.db", err, sizeof(err));
  fclose(fp);
  static const char day[] = "epoch,rx,tx\n1700000000,1,2\n1700000060,3,4\n";
  fp = fmemopen((void *)day, sizeof(day) - 1, "r");
  ad_history_t *h = NULL;
  ad_history_source_t src = {"h", db, false, NULL, NULL};
  (void)ad_history_read_day(fp, "day", &src, "interface-eth0", "if_octets", &h);
  fclose(fp);
  ad_engine_t *e = h != NULL ? small_engine() : NULL;
  if (e != NULL)
    (void)ad_history_feed(e, &h, 1, NULL, NULL);
  ad_engine_destroy(e);
  ad_history_free(h);
  ad_typesdb_free(db);
}

static void test_readers_out_of_memory(void **state) {
  (void)state;
  assert_true(every_failure(readers_scenario) > 10);
}

/* Configuration with rules (patterns, regular expressions). */
static void config_scenario(void) {
  ad_config_t cfg;
  ad_config_defaults(&cfg);
  char err[256];
  static const char *const pairs[] = {"Select=Plugin=/^(cpu|df)$/",
                                      "Ignore=TypeInstance=idle",
                                      "HostGroup=Plugin=interface", "Hits=2"};
  for (size_t i = 0; i < ARRAY_SIZE(pairs); i++)
    (void)ad_config_set_pair(&cfg, pairs[i], err, sizeof(err));
  (void)ad_config_check(&cfg, err, sizeof(err));
  ad_config_release(&cfg);
}

static void test_config_out_of_memory(void **state) {
  (void)state;
  assert_true(every_failure(config_scenario) > 3);
}

static int setup(void **state) {
  (void)state;
  json_set_alloc_funcs(json_malloc, free);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_engine_out_of_memory),
      cmocka_unit_test(test_state_out_of_memory),
      cmocka_unit_test(test_readers_out_of_memory),
      cmocka_unit_test(test_config_out_of_memory),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
