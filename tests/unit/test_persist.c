/* Unit tests: a host's state saved and restored (ad_persist through
 * ad_persist_save / ad_persist_restore). An engine restored from a checkpoint
 * must go on exactly as the engine that was never stopped; a damaged or
 * hostile document must be refused with a reason and leave the engine as
 * it was; checkpoints must run beside writers (run under ThreadSanitizer). */
#include "test_config_util.h"
#include "test_util.h"

#include "engine/ad_engine.h"
#include "state/ad_persist.h"
#include "state/ad_state.h"

#include <errno.h>
#include <float.h>
#include <pthread.h>
#include <string.h>

#define STEP 60.0
#define DAY 86400.0

/* ---- capturing sink ---------------------------------------------------- */

typedef struct {
  double time, risk;
  int level;
} report_t;

typedef struct {
  report_t *reports;
  size_t reports_n, reports_cap;
  char **notices; /* "time series level" */
  size_t notices_n, notices_cap;
} capture_t;

static void on_report(void *ctx, const ad_host_report_t *r) {
  capture_t *c = ctx;
  if (c->reports_n == c->reports_cap) {
    c->reports_cap = c->reports_cap ? 2 * c->reports_cap : 1024;
    c->reports = realloc(c->reports, c->reports_cap * sizeof(*c->reports));
    assert_non_null(c->reports);
  }
  c->reports[c->reports_n++] =
      (report_t){.time = r->time, .risk = r->risk, .level = (int)r->level};
}

static void on_notice(void *ctx, const ad_notice_t *n) {
  capture_t *c = ctx;
  if (c->notices_n == c->notices_cap) {
    c->notices_cap = c->notices_cap ? 2 * c->notices_cap : 64;
    c->notices = realloc(c->notices, c->notices_cap * sizeof(*c->notices));
    assert_non_null(c->notices);
  }
  char line[1024];
  snprintf(line, sizeof(line), "%.0f %s %s %d %s", n->time, n->host, n->series,
           (int)n->level, n->message);
  c->notices[c->notices_n++] = strdup(line);
}

static void capture_free(capture_t *c) {
  for (size_t i = 0; i < c->notices_n; i++)
    free(c->notices[i]);
  free(c->notices);
  free(c->reports);
  memset(c, 0, sizeof(*c));
}

/* An engine of the default configuration (forests train every 6 hours of
 * data: several times within the test's days). */
static ad_engine_t *engine_new(capture_t *c) {
  ad_sink_t sink = {.host_report = on_report, .notice = on_notice, .ctx = c};
  return test_engine_from_pairs(NULL, &sink);
}

/* ---- a host's data ----------------------------------------------------- */

/* Step k of a host with four daily-seasonal gauges and a two-source
 * interface value list, with a spike and a broken relation late on. */
static void feed_step(ad_engine_t *e, const char *host, long k) {
  static const char *const one[] = {"value"};
  static const char *const two[] = {"rx", "tx"};
  static const char *const types[] = {"percent", "load", "memory", "users"};
  double t = 1700000000.0 + k * STEP;
  double day = sin(2.0 * M_PI * fmod(t, DAY) / DAY);
  test_rng_t rng = {.state = 0x9E3779B97F4A7C15ULL ^ (uint64_t)k};
  for (int i = 0; i < 4; i++) {
    double v = 50.0 + 20.0 * day * (i + 1) / 4.0 + 2.0 * test_rng_normal(&rng);
    if (i == 1 && k % 2000 == 1500)
      v += 80.0; /* a spike now and then */
    ad_ident_t id = {host, "gauge", "", types[i], ""};
    ad_sample_t s = {.time = t,
                     .interval = STEP,
                     .arrival = t,
                     .count = 1,
                     .values = &v,
                     .ds_names = one};
    assert_int_equal(ad_engine_submit(e, &id, &s), 0);
  }
  double rx = 1000.0 + 400.0 * day + 20.0 * test_rng_normal(&rng);
  double tx =
      k > 3400 && k < 3460 ? 100.0 : 0.5 * rx + 5.0 * test_rng_normal(&rng);
  double values[2] = {rx, tx};
  ad_ident_t id = {host, "interface", "eth0", "if_octets", ""};
  ad_sample_t s = {.time = t,
                   .interval = STEP,
                   .arrival = t,
                   .count = 2,
                   .values = values,
                   .ds_names = two};
  assert_int_equal(ad_engine_submit(e, &id, &s), 0);
  (void)ad_engine_train(e, SIZE_MAX);
  (void)ad_engine_flush_host(e, host);
}

static void feed(ad_engine_t *e, long from, long to) {
  for (long k = from; k < to; k++) {
    feed_step(e, "web1", k);
    feed_step(e, "db1", k);
  }
}

/* ---- keeping checkpoints in memory ------------------------------------- */

typedef struct {
  char *text[32]; /* each host's document, as text (the file's form) */
  size_t n;
} docs_t;

static int keep_doc(void *ctx, const char *host, json_t *doc) {
  docs_t *d = ctx;
  assert_true(d->n < ARRAY_SIZE(d->text));
  assert_string_equal(
      json_string_value(json_object_get(json_object_get(doc, "host"), "name")),
      host);
  d->text[d->n++] = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(doc);
  return 0;
}

static void docs_free(docs_t *d) {
  for (size_t i = 0; i < d->n; i++)
    free(d->text[i]);
  d->n = 0;
}

static int cmp_text(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Text of every host's state, sorted (a comparison's form). */
static char *state_text(ad_engine_t *e) {
  docs_t d = {0};
  ad_save_stats_t stats;
  assert_int_equal(ad_persist_save(e, keep_doc, &d, &stats), 0);
  qsort(d.text, d.n, sizeof(d.text[0]), cmp_text);
  size_t len = 1;
  for (size_t i = 0; i < d.n; i++)
    len += strlen(d.text[i]) + 1;
  char *all = calloc(1, len);
  for (size_t i = 0; i < d.n; i++) {
    strcat(all, d.text[i]);
    strcat(all, "\n");
  }
  docs_free(&d);
  return all;
}

static void restore_text(ad_engine_t *e, const char *text,
                         ad_restore_stats_t *stats) {
  json_error_t jerr;
  json_t *doc = json_loads(text, 0, &jerr);
  assert_non_null(doc);
  ad_codec_error_t err = {{0}};
  int rc = ad_persist_restore(e, doc, NAN, stats, &err);
  if (rc != 0)
    fail_msg("restore: %d %s", rc, err.text);
  json_decref(doc);
}

/* ---- tests ------------------------------------------------------------- */

static void test_restart_continues_exactly(void **state) {
  (void)state;
  const long half = 2600, end = 4400; /* ~3 days; the late events after */
  capture_t whole = {0}, second = {0};
  ad_engine_t *a = engine_new(&whole);
  feed(a, 0, half);
  size_t reports_before = whole.reports_n, notices_before = whole.notices_n;

  /* a second engine, stopped at half and restarted from its checkpoint */
  capture_t first = {0};
  ad_engine_t *b = engine_new(&first);
  feed(b, 0, half);
  docs_t d = {0};
  ad_save_stats_t saved;
  assert_int_equal(ad_persist_save(b, keep_doc, &d, &saved), 0);
  /* rx and tx go together: the host forests learned that relation, and
   * it is saved with them */
  for (size_t i = 0; i < d.n; i++)
    assert_non_null(strstr(d.text[i], "\"relations\":[{"));
  assert_int_equal(saved.hosts, 2);
  assert_int_equal(saved.value_lists, 10);
  assert_int_equal(saved.series, 12);
  assert_int_equal(saved.failed, 0);
  ad_engine_destroy(b);
  capture_free(&first);

  ad_engine_t *c = engine_new(&second);
  for (size_t i = 0; i < d.n; i++) {
    ad_restore_stats_t restored;
    restore_text(c, d.text[i], &restored);
    assert_int_equal(restored.value_lists, 5);
    assert_int_equal(restored.series, 6);
    assert_int_equal(restored.reset, 0);
  }
  docs_free(&d);
  assert_int_equal(ad_engine_series_count(c), 12);
  assert_int_equal(ad_engine_host_count(c), 2);

  /* what was saved is what the running engine holds */
  char *state_a = state_text(a), *state_c = state_text(c);
  assert_string_equal(state_a, state_c);
  free(state_a);
  free(state_c);

  feed(a, half, end);
  feed(c, half, end);
  /* the forests were in play, and something was notified after the
   * restart: the comparison below is not of two silent engines */
  ad_series_info_t info;
  ad_ident_t ifid = {"web1", "interface", "eth0", "if_octets", ""};
  assert_int_equal(ad_engine_series_info(c, &ifid, "rx", &info), 0);
  assert_true(info.forest_trainings >= 2);
  assert_true(second.notices_n > 0);

  assert_int_equal(second.reports_n, whole.reports_n - reports_before);
  for (size_t i = 0; i < second.reports_n; i++) {
    const report_t *x = &whole.reports[reports_before + i],
                   *y = &second.reports[i];
    if (x->time != y->time || x->level != y->level ||
        !(x->risk == y->risk || (isnan(x->risk) && isnan(y->risk))))
      fail_msg("report %zu: %.0f %.17g %d vs %.0f %.17g %d", i, x->time,
               x->risk, x->level, y->time, y->risk, y->level);
  }
  assert_int_equal(second.notices_n, whole.notices_n - notices_before);
  for (size_t i = 0; i < second.notices_n; i++)
    assert_string_equal(second.notices[i], whole.notices[notices_before + i]);

  state_a = state_text(a);
  state_c = state_text(c);
  assert_string_equal(state_a, state_c);
  free(state_a);
  free(state_c);
  ad_engine_destroy(a);
  ad_engine_destroy(c);
  capture_free(&whole);
  capture_free(&second);
}

/* Submits one value of gauge `type` (and a two-source value list beside
 * it) of host h at step k. */
static void submit_hostile(ad_engine_t *e, const char *type, long k, double v) {
  static const char *const one[] = {"value"};
  static const char *const two[] = {"rx", "tx"};
  double t = 1700000000.0 + k * STEP, pair[2] = {v, -v};
  ad_ident_t id = {"h", "gauge", "", type, ""};
  ad_sample_t s = {.time = t,
                   .interval = STEP,
                   .arrival = t,
                   .count = 1,
                   .values = &v,
                   .ds_names = one};
  assert_int_equal(ad_engine_submit(e, &id, &s), 0);
  ad_ident_t pid = {"h", "interface", type, "if_octets", ""};
  s.count = 2;
  s.values = pair;
  s.ds_names = two;
  assert_int_equal(ad_engine_submit(e, &pid, &s), 0);
}

/* What the encoder writes, the decoder accepts, whatever finite values the
 * detectors saw: huge ones in the warm-up and after (1e40 after 100 values
 * of ~10 made a host's file unloadable), the largest and smallest doubles,
 * a counter's wrap; checkpointed at every phase, each document restores
 * with nothing damaged, and the restored engine saves the same again. */
static void test_hostile_values_save_what_loads(void **state) {
  (void)state;
  static const double hostile[] = {1e40,   3e17,   DBL_MAX, -DBL_MAX, 5e-324,
                                   -1e308, 3.5e38, 1e-300,  0.0};
  capture_t cap = {0};
  ad_engine_t *e = engine_new(&cap);
  test_rng_t rng = {.state = 77};
  for (long k = 0; k < 3000; k++) {
    for (size_t h = 0; h < ARRAY_SIZE(hostile); h++) {
      char type[16];
      snprintf(type, sizeof(type), "t%zu", h);
      /* a hostile value in the warm-up, after 100 values, and now and then */
      bool wild = k == 5 || k == 100 || k % 997 == 0;
      submit_hostile(e, type, k,
                     wild ? hostile[h] : 10 + test_rng_normal(&rng));
    }
    (void)ad_engine_train(e, SIZE_MAX);
    (void)ad_engine_flush_host(e, "h");
    if (k % 500 != 101)
      continue;
    char *text = state_text(e);
    capture_t c2 = {0};
    ad_engine_t *back = engine_new(&c2);
    ad_restore_stats_t stats;
    restore_text(back, text, &stats);
    if (stats.damaged != 0)
      fail_msg("step %ld: %zu parts damaged: %s", k, stats.damaged,
               stats.damage.text);
    assert_int_equal(stats.series, 3 * ARRAY_SIZE(hostile));
    char *again = state_text(back);
    assert_string_equal(again, text);
    free(again);
    free(text);
    ad_engine_destroy(back);
    capture_free(&c2);
  }
  ad_engine_destroy(e);
  capture_free(&cap);
}

/* A state loaded and saved again is the same file, whatever order the
 * value lists were created in: with a few hundred of them, some share a
 * bucket of the table, where a restore inserts them in another order than
 * the write path did. */
static void test_saved_again_is_the_same_file(void **state) {
  (void)state;
  capture_t cap = {0};
  ad_engine_t *e = engine_new(&cap);
  static const char *const one[] = {"value"};
  for (long k = 0; k < 3; k++)
    for (int i = 0; i < 600; i++) {
      char type[16];
      snprintf(type, sizeof(type), "t%d", (i * 7919) % 600);
      double v = i + k, t = 1700000000.0 + k * STEP;
      ad_ident_t id = {"h", "gauge", "", type, ""};
      ad_sample_t s = {.time = t,
                       .interval = STEP,
                       .arrival = t,
                       .count = 1,
                       .values = &v,
                       .ds_names = one};
      assert_int_equal(ad_engine_submit(e, &id, &s), 0);
    }
  char *text = state_text(e);
  capture_t c2 = {0};
  ad_engine_t *back = engine_new(&c2);
  ad_restore_stats_t stats;
  restore_text(back, text, &stats);
  assert_int_equal(stats.value_lists, 600);
  char *again = state_text(back);
  assert_string_equal(again, text);
  free(again);
  free(text);
  ad_engine_destroy(back);
  ad_engine_destroy(e);
  capture_free(&c2);
  capture_free(&cap);
}

/* A saved document of one host (web1), the forests trained. */
static json_t *saved_doc(void) {
  capture_t cap = {0};
  ad_engine_t *e = engine_new(&cap);
  for (long k = 0; k < 1500; k++)
    feed_step(e, "web1", k);
  docs_t d = {0};
  ad_save_stats_t saved;
  assert_int_equal(ad_persist_save(e, keep_doc, &d, &saved), 0);
  assert_int_equal(d.n, 1);
  json_error_t jerr;
  json_t *doc = json_loads(d.text[0], 0, &jerr);
  assert_non_null(doc);
  docs_free(&d);
  ad_engine_destroy(e);
  capture_free(&cap);
  return doc;
}

/* Follows a path of object members and array indices ("value_lists/0/x"). */
static json_t *at(json_t *doc, const char *path) {
  char buf[256];
  snprintf(buf, sizeof(buf), "%s", path);
  json_t *v = doc;
  for (char *save = NULL, *part = strtok_r(buf, "/", &save); part != NULL;
       part = strtok_r(NULL, "/", &save))
    v = json_is_array(v) ? json_array_get(v, strtoul(part, NULL, 10))
                         : json_object_get(v, part);
  return v;
}

/* What a damaged document costs: all of it (no usable host), one part of
 * it (started afresh or dropped, the rest kept), or nothing. */
typedef enum { WHOLE, PART, NOTHING } cost_t;

static void test_damage_costs_only_the_damaged_part(void **state) {
  (void)state;
  json_t *good = saved_doc();
  /* the interface value list: find it (order follows the table) */
  int vl = -1;
  for (size_t i = 0; i < json_array_size(at(good, "value_lists")); i++)
    if (json_object_get(json_array_get(at(good, "value_lists"), i), "forest") !=
        NULL)
      vl = (int)i;
  assert_true(vl >= 0);
  assert_true(json_is_object(
      at(good, "host/forest/forest"))); /* the host forest was trained */
  char vlp[64];
  snprintf(vlp, sizeof(vlp), "value_lists/%d", vl);

  static const struct {
    const char *parent; /* "VL" stands for the interface value list */
    const char *member;
    const char *value; /* JSON; NULL: remove the member */
    cost_t cost;
    const char *reason; /* where and why, as logged */
  } cases[] = {
      {"", "host", NULL, WHOLE, "host: missing"},
      {"", "value_lists", "{}", WHOLE, "value_lists: not an array"},
      {"host", "name", "42", WHOLE, "host.name"},
      {"host", "name", "\"\"", WHOLE, ""}, /* an empty host name */
      {"host/alert", "notified", "7", PART, "host.alert: level out of range"},
      {"host/alert", "incident_rate", "\"many\"", PART, "not a number"},
      {"host/alert", "incident_rate", "-1", PART, "incident_rate: negative"},
      {"host", "slot_latest", "\"AAAA\"", PART, "host.slot_latest"},
      {"host", "slot_names", "[1, 2, 3, 4, 5, 6]", PART,
       "slot_names: not names"},
      {"host/forest", "seed", "12", PART,
       "host.forest.seed: not 16 hex digits"},
      {"host/forest/reservoir", "fill", "70000", PART, "70000 out of range"},
      {"host/forest/reservoir", "dim", "120", PART, "reservoir.rows"},
      {"host/forest/reservoir", "rows", "\"!!!!\"", PART, "rows"},
      {"host/forest/forest", "nodes", "4000000000", PART, "out of range"},
      {"host/forest/forest", "node", "\"AAAAAAAAAAAA\"", PART, "node"},
      {"host/forest/forest", "max_depth", "30", PART, "depth"},
      {"host/forest/forest", "dim", "0", PART, "out of range"},
      {"host/forest/calib", "top", "48", PART, "top"},
      {"host/forest/calib", "gain", "-1", PART, "gain"},
      {"host/forest/calib", "mass", "\"AAAA\"", PART, "mass"},
      /* relations between fields, not only types */
      {"host/forest/calib", "total", "3.4e38", PART,
       "host.forest.calib.total: out of range"},
      {"host/forest/calib", "total", "12345", PART,
       "total: not the sum of the masses"},
      {"host/forest", "drift", "2", PART, "drift: out of range"},
      {"VL", "plugin", "\"\"", PART, "identifier"},
      {"VL", "plugin", "\"../../etc\"", NOTHING, ""}, /* a name, not a path */
      {"VL", "sources", "[\"rx\"]", PART, "sources"},
      {"VL", "series", "7", PART, "sources"},
      {"VL/series/0", "host_slot", "-3", PART, "host_slot"},
      {"VL/series/0", "host_slot", "100", PART, "host_slot"},
      {"VL/series/0", "step", "-60", PART, "series[0].step: out of range"},
      /* a field added after files were written: missing loads as "none
       * seen yet"; a value that is no step of the ladder is damage */
      {"VL/series/0", "resolution", NULL, NOTHING, ""},
      {"VL/series/0", "resolution", "3", PART, "not a step of the ladder"},
      {"VL/series/0", "persistence", NULL, NOTHING, ""},
      {"VL/series/0", "calib_persistence", NULL, NOTHING, ""},
      {"VL/series/0/persistence", "up", "-1", PART, "a sum out of range"},
      {"VL/series/0/persistence", "down", "\"x\"", PART, "down"},
      {"VL/series/0/calib_persistence", "top", "48", PART, "top"},
      {"VL/series/0/season", "level", "1e300", PART, "beyond any value"},
      {"VL/series/0/window", "mean", "-1e40", PART, "beyond any value"},
      {"VL/series/0/window", "head", "40", PART, "ring position"},
      {"VL/series/0/window", "head", "31", NOTHING, ""}, /* refitted */
      {"VL/series/0/window", "fill", "1e300", PART, "not an integer"},
      {"VL/series/0/window", "ring", "\"AAAA\"", PART, "ring"},
      {"VL/series/0/window", "ring_sum", "1e30", PART, "ring_sum"},
      {"VL/series/0/window", "deviation", "-1", PART, "scale is negative"},
      {"VL/series/0/window", "mean", "\"inf\"", PART, "mean: not finite"},
      {"VL/series/0/window", "mean", "null", PART, "mean: not finite"},
      {"VL/series/0/season", "day", "\"//////////8=\"", PART, "day"},
      {"VL/series/0/season", "err_plain", "-2", PART, "error is negative"},
      {"VL/series/0/season", "first_time", "null", PART, "out of order"},
      {"VL/series/0/alert", "raw.pending", "2", PART, "level"},
      /* the slow trend (added after 0.1.0: missing is learned afresh) */
      {"VL/series/0", "drift", NULL, NOTHING, ""},
      {"VL/series/0/drift", "noise", "-1", PART,
       "drift: a number out of "
       "range"},
      {"VL/series/0/drift", "flat_share", "2", PART, "drift"},
      {"VL/series/0/drift_fit", "sum_uu", "-1", PART, "drift"},
      /* the exhaustion watch: an entry that fails its checks goes alone */
      {"host", "exhaustion", "{}", PART, "exhaustion: not an array"},
      {"host", "exhaustion",
       "[{\"key\": \"0000000000000007\", \"whole\": \"0000000000000000\", "
       "\"value\": 1, \"time\": 1, \"filler\": true, \"level\": 9, "
       "\"pending\": 0, \"pending_count\": 0, \"estimated\": null, "
       "\"ceiling\": 100, \"metric\": \"df-root.df_complex-used\"}]",
       PART, "exhaustion: a key, level or metric out of range"},
      {"host", "exhaustion",
       "[{\"key\": \"0000000000000007\", \"whole\": \"0000000000000000\", "
       "\"value\": 1, \"time\": 1, \"filler\": true, \"level\": 1, "
       "\"pending\": 0, \"pending_count\": 0, \"estimated\": null, "
       "\"ceiling\": 100, \"metric\": \"../../etc/passwd\"}]",
       PART, "exhaustion: a key, level or metric out of range"},
      {"host", "exhaustion",
       "[{\"key\": \"0000000000000007\", \"whole\": \"0000000000000000\", "
       "\"value\": 1, \"time\": 1, \"filler\": true, \"level\": 1, "
       "\"pending\": 0, \"pending_count\": 0, \"estimated\": null, "
       "\"ceiling\": 100, \"metric\": \"df-root.df_complex-used\"}]",
       NOTHING, ""},
      {"VL/series/0", "calib", "[]", PART, "calib"},
      {"VL/forest/forest", "dim", "3", PART, "forest.forest.lo"},
      {"VL/forest", "forest", "@host/forest/forest", PART,
       "features do not match"},
      {"VL/forest/forest", "tree_start", "\"AAAAAA==\"", PART, "tree_start"},
      {"VL/forest", "due", "\"yes\"", PART, "due"},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    json_t *doc = json_deep_copy(good);
    char parent[128];
    if (strncmp(cases[i].parent, "VL", 2) == 0)
      snprintf(parent, sizeof(parent), "%s%s", vlp, cases[i].parent + 2);
    else
      snprintf(parent, sizeof(parent), "%s", cases[i].parent);
    json_t *p = parent[0] != '\0' ? at(doc, parent) : doc;
    assert_non_null(p);
    if (cases[i].value == NULL) {
      json_object_del(p, cases[i].member);
    } else if (cases[i].value[0] == '@') { /* a copy of another member */
      json_object_set_new(p, cases[i].member,
                          json_deep_copy(at(good, cases[i].value + 1)));
    } else {
      json_error_t jerr;
      json_t *v = json_loads(cases[i].value, JSON_DECODE_ANY, &jerr);
      assert_non_null(v);
      json_object_set_new(p, cases[i].member, v);
    }
    capture_t cap = {0};
    ad_engine_t *e = engine_new(&cap);
    ad_restore_stats_t stats;
    ad_codec_error_t err = {{0}};
    int rc = ad_persist_restore(e, doc, NAN, &stats, &err);
    const char *why = cases[i].cost == WHOLE ? err.text : stats.damage.text;
    if (rc != (cases[i].cost == WHOLE ? EINVAL : 0))
      fail_msg("case %zu (%s %s): rc %d", i, cases[i].parent, cases[i].member,
               rc);
    if (strstr(why, cases[i].reason) == NULL)
      fail_msg("case %zu (%s %s): reason \"%s\" lacks \"%s\"", i,
               cases[i].parent, cases[i].member, why, cases[i].reason);
    if (cases[i].cost == WHOLE) {
      assert_int_equal(ad_engine_host_count(e), 0);
      assert_int_equal(ad_engine_series_count(e), 0);
    } else {
      if (stats.damaged != (cases[i].cost == PART))
        fail_msg("case %zu: %zu parts damaged", i, stats.damaged);
      /* what was not damaged is all there: the load series keeps what it
       * learned whatever else was damaged */
      assert_int_equal(ad_engine_series_count(e), 6 - stats.dropped_series);
      ad_ident_t id = {"web1", "gauge", "", "load", ""};
      ad_series_info_t info;
      assert_int_equal(ad_engine_series_info(e, &id, "value", &info), 0);
      assert_true(info.values_learned > 100);
    }
    ad_engine_destroy(e);
    capture_free(&cap);
    json_decref(doc);
  }
  json_decref(good);
}

static void test_restore_twice_and_other_versions(void **state) {
  (void)state;
  json_t *doc = saved_doc();
  capture_t cap = {0};
  ad_engine_t *e = engine_new(&cap);
  ad_restore_stats_t stats;
  ad_codec_error_t err = {{0}};
  if (ad_persist_restore(e, doc, NAN, &stats, &err) != 0)
    fail_msg("restore: %s", err.text);
  assert_int_equal(stats.series, 6);
  assert_int_equal(ad_persist_restore(e, doc, NAN, &stats, &err), EEXIST);
  assert_int_equal(ad_engine_series_count(e), 6);
  ad_engine_destroy(e);

  /* a newer sliding window layout: the windows start afresh, the rest is
   * kept */
  json_object_set_new(json_object_get(doc, "detectors"), "window",
                      json_integer(AD_PERSIST_WINDOW_VERSION + 1));
  e = engine_new(&cap);
  assert_int_equal(ad_persist_restore(e, doc, NAN, &stats, &err), 0);
  assert_int_equal(stats.reset, AD_PERSIST_RESET_WINDOW);
  ad_ident_t id = {"web1", "gauge", "", "load", ""};
  ad_series_info_t info;
  assert_int_equal(ad_engine_series_info(e, &id, "value", &info), 0);
  assert_int_equal(info.values_learned, 0); /* the window's count */
  ad_ident_t ifid = {"web1", "interface", "eth0", "if_octets", ""};
  assert_int_equal(ad_engine_series_info(e, &ifid, "rx", &info), 0);
  assert_true(info.forest_trainings >= 1); /* the forest was kept */
  ad_engine_destroy(e);
  capture_free(&cap);
  json_decref(doc);
}

/* ---- checkpoints beside writers (ThreadSanitizer) ---------------------- */

typedef struct {
  ad_engine_t *e;
  const char *host;
  long steps;
} writer_t;

static void *writer_main(void *p) {
  writer_t *w = p;
  static const char *const one[] = {"value"};
  static const char *const two[] = {"rx", "tx"};
  for (long k = 0; k < w->steps; k++) {
    double t = 1700000000.0 + k * 10.0, v = (double)(k % 17);
    double values[2] = {v, 2 * v};
    ad_ident_t id1 = {w->host, "cpu", "0", "percent", "user"};
    ad_ident_t id2 = {w->host, "interface", "eth0", "if_octets", ""};
    ad_sample_t s1 = {t, 10.0, t, 1, &v, one, NULL, NULL};
    ad_sample_t s2 = {t, 10.0, t, 2, values, two, NULL, NULL};
    ad_engine_submit(w->e, &id1, &s1);
    ad_engine_submit(w->e, &id2, &s2);
    if (k % 64 == 0)
      ad_engine_train(w->e, 4);
  }
  return NULL;
}

static int count_doc(void *ctx, const char *host, json_t *doc) {
  (void)host;
  size_t *n = ctx;
  char *text = json_dumps(doc, JSON_COMPACT);
  assert_non_null(text);
  free(text);
  json_decref(doc);
  (*n)++;
  return 0;
}

static void test_checkpoints_beside_writers(void **state) {
  (void)state;
  capture_t cap = {0};
  const char *const pairs[] = {"TrainInterval=3600", NULL};
  ad_engine_t *e = test_engine_from_pairs(pairs, NULL);
  writer_t w[3] = {{e, "a", 3000}, {e, "b", 3000}, {e, "c", 3000}};
  pthread_t t[3];
  for (int i = 0; i < 3; i++)
    pthread_create(&t[i], NULL, writer_main, &w[i]);
  size_t docs = 0;
  for (int round = 0; round < 20; round++) {
    ad_save_stats_t stats;
    assert_int_equal(ad_persist_save(e, count_doc, &docs, &stats), 0);
  }
  for (int i = 0; i < 3; i++)
    pthread_join(t[i], NULL);
  ad_save_stats_t stats;
  size_t last = 0;
  assert_int_equal(ad_persist_save(e, count_doc, &last, &stats), 0);
  assert_int_equal(stats.hosts, 3);
  assert_int_equal(stats.series, 9);
  ad_engine_destroy(e);
  capture_free(&cap);
}

/* The state directory: a checkpoint of many hosts, loaded (on several
 * threads) into a new engine, gives back the very state. */
static void test_state_directory_round_trip(void **state) {
  (void)state;
  char dir[] = "/tmp/test-persist-XXXXXX";
  assert_non_null(mkdtemp(dir));
  capture_t cap = {0};
  ad_engine_t *e = engine_new(&cap);
  char host[16];
  for (int h = 0; h < 24; h++) {
    snprintf(host, sizeof(host), "host%02d", h);
    for (long k = 0; k < 200; k++)
      feed_step(e, host, k);
  }
  ad_state_t st;
  char err[256];
  assert_int_equal(
      ad_state_open(&st, &(ad_state_options_t){dir, 2, "test", NULL, NULL}, err,
                    sizeof(err)),
      0);
  ad_save_stats_t saved;
  assert_int_equal(ad_state_checkpoint(&st, e, &saved), 0);
  assert_int_equal(saved.hosts, 24);
  ad_engine_t *back = engine_new(&cap);
  ad_state_load_stats_t loaded;
  assert_int_equal(ad_state_load(&st, back, NAN, &loaded), 0);
  assert_int_equal(loaded.files, 24);
  assert_int_equal(loaded.hosts, 24);
  assert_int_equal(loaded.series, 24 * 6);
  assert_int_equal(loaded.damaged, 0);
  char *a = state_text(e), *b = state_text(back);
  assert_string_equal(a, b);
  free(a);
  free(b);
  ad_state_close(&st);
  ad_engine_destroy(e);
  ad_engine_destroy(back);
  capture_free(&cap);
  assert_int_equal(test_remove_tree(dir), 0);
}

TEST_MAIN(cmocka_unit_test(test_restart_continues_exactly),
          cmocka_unit_test(test_hostile_values_save_what_loads),
          cmocka_unit_test(test_saved_again_is_the_same_file),
          cmocka_unit_test(test_damage_costs_only_the_damaged_part),
          cmocka_unit_test(test_restore_twice_and_other_versions),
          cmocka_unit_test(test_checkpoints_beside_writers),
          cmocka_unit_test(test_state_directory_round_trip))
