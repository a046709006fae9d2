/* Unit tests: ad_history, the csv plugin's files and types.db read as
 * collectd wrote them, bad lines named by file and line, and values fed in
 * time order across value lists. */
#include "test_config_util.h"
#include "test_util.h"

#include "offline/ad_history.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[64];

static void write_file(const char *rel, const char *text) {
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", root, rel);
  FILE *fp = fopen(path, "w");
  assert_non_null(fp);
  fputs(text, fp);
  fclose(fp);
}

static int setup(void **state) {
  (void)state;
  snprintf(root, sizeof(root), "/tmp/test-history-XXXXXX");
  assert_non_null(mkdtemp(root));
  char path[512];
  const char *dirs[] = {"h1", "h1/interface-eth0", "h1/load", "h1/anomaly",
                        "h1/cpu-0"};
  for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
    snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
    assert_int_equal(mkdir(path, 0700), 0);
  }
  write_file("types.db", "# comment\n"
                         "if_octets  rx:DERIVE:0:U, tx:DERIVE:0:U\n"
                         "load  shortterm:GAUGE:0:5000, midterm:GAUGE:0:5000, "
                         "longterm:GAUGE:0:5000\n"
                         "percent value:GAUGE:0:100.1\n");
  /* two days of a counter, the second day's file listed first */
  write_file("h1/interface-eth0/if_octets-2024-01-02",
             "epoch,rx,tx\n1704153600.000,3000,600\n1704153660.000,4200,"
             "840\n");
  write_file("h1/interface-eth0/if_octets-2024-01-01",
             "epoch,rx,tx\n1704153480.000,1000,200\n1704153540.000,2000,400\n");
  write_file("h1/load/load-2024-01-01", "epoch,shortterm,midterm,longterm\n"
                                        "1704153480.000,0.5,0.4,0.3\n"
                                        "garbage\n"
                                        "1704153540.000,0.6,0.4,0.3\n"
                                        "1704153500.000,0.6,0.4,0.3\n"
                                        "1704153600.000,nan,0.4,0.3\n");
  write_file("h1/anomaly/gauge-risk-2024-01-01", "epoch,value\n1,0.5\n");
  write_file("h1/cpu-0/percent-user-2024-01-01", "not,a,csv,header\n1,2\n");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  test_remove_tree(root);
  return 0;
}

typedef struct {
  char lines[8][1024];
  size_t n;
} warnings_t;

static void keep_warning(void *ctx, const char *msg) {
  warnings_t *w = ctx;
  if (w->n < ARRAY_SIZE(w->lines))
    snprintf(w->lines[w->n++], sizeof(w->lines[0]), "%s", msg);
}

static bool warned(const warnings_t *w, const char *a, const char *b) {
  for (size_t i = 0; i < w->n; i++)
    if (strstr(w->lines[i], a) != NULL && strstr(w->lines[i], b) != NULL)
      return true;
  return false;
}

static void test_types_db(void **state) {
  (void)state;
  char path[512], err[256];
  snprintf(path, sizeof(path), "%s/types.db", root);
  ad_typesdb_t *db = ad_typesdb_load(path, err, sizeof(err));
  assert_non_null(db);
  char names[2][AD_NAME_MAX] = {"rx", "tx"};
  ad_ds_kind_t kinds[2];
  assert_int_equal(ad_typesdb_kinds(db, "if_octets", 2, names, kinds), 0);
  assert_int_equal(kinds[0], AD_DS_DERIVE);
  assert_int_equal(kinds[1], AD_DS_DERIVE);
  char other[2][AD_NAME_MAX] = {"rx", "bytes"};
  assert_int_equal(ad_typesdb_kinds(db, "if_octets", 2, other, kinds), ENOENT);
  assert_int_equal(ad_typesdb_kinds(db, "nosuchtype", 2, names, kinds), ENOENT);
  ad_typesdb_free(db);
  assert_null(ad_typesdb_load("/nonexistent/types.db", err, sizeof(err)));
  assert_non_null(strstr(err, "/nonexistent/types.db"));
  /* what is not a types.db is refused, not taken for one without types */
  assert_null(ad_typesdb_load(root, err, sizeof(err)));
  assert_non_null(strstr(err, "Is a directory"));
  char text[] = "# nothing but comments\n\nnot a definition\n";
  FILE *fp = fmemopen(text, strlen(text), "r");
  assert_null(ad_typesdb_read(fp, "comments.db", err, sizeof(err)));
  assert_string_equal(err,
                      "comments.db: not a types.db (no type defined in it)");
  fclose(fp);
  /* a line of 10,000 bytes is one line, and a NUL byte is no definition */
  static char big[12000];
  memset(big, ' ', sizeof(big));
  memcpy(big, "gauge value:GAUGE:U:U", 21);
  memcpy(big + 10000, "\nderive value:DERIVE:0:U\nbad a:GAUGE\0:U:U\n", 43);
  fp = fmemopen(big, 10043, "r");
  db = ad_typesdb_read(fp, "big.db", err, sizeof(err));
  assert_non_null(db);
  assert_int_equal(ad_typesdb_count(db), 2);
  ad_typesdb_free(db);
  fclose(fp);
}

static void test_day_file_lines(void **state) {
  (void)state;
  /* a NUL byte makes a line unusable, not a shorter line; a very long line
   * is one bad line, not several */
  static char text[20000];
  size_t n = (size_t)snprintf(text, sizeof(text),
                              "epoch,value\n1704153480,1\n1704153540,2");
  text[n++] = '\0';
  n += (size_t)snprintf(text + n, sizeof(text) - n, "9\n1704153600,");
  memset(text + n, '7', 12000);
  n += 12000;
  n += (size_t)snprintf(text + n, sizeof(text) - n, "\n1704153660,4\n");
  FILE *fp = fmemopen(text, n, "r");
  warnings_t w = {0};
  ad_history_t *h = NULL;
  ad_history_source_t src = {"h1", NULL, true, keep_warning, &w};
  assert_int_equal(ad_history_read_day(fp, "d/h1/test/gauge-2024-01-02", &src,
                                       "test", "gauge", &h),
                   0);
  fclose(fp);
  assert_non_null(h);
  assert_int_equal(h->rows, 2);
  assert_true(h->values[1] == 4.0);
  assert_true(warned(&w, "gauge-2024-01-02:3:", "2 lines"));
  ad_history_free(h);
}

static void test_csv_plugin_files(void **state) {
  (void)state;
  char path[512], err[256], host_dir[512];
  snprintf(path, sizeof(path), "%s/types.db", root);
  snprintf(host_dir, sizeof(host_dir), "%s/h1", root);
  ad_typesdb_t *db = ad_typesdb_load(path, err, sizeof(err));
  warnings_t w = {0};
  ad_history_t **list;
  size_t n;
  ad_history_source_t src = {"h1", db, false, keep_warning, &w};
  assert_int_equal(
      ad_history_read_csv_host(host_dir, &src, &list, &n, err, sizeof(err)), 0);
  assert_int_equal(n, 2); /* anomaly's own output and the bad file skipped */
  assert_string_equal(list[0]->id.field[AD_FIELD_PLUGIN], "interface");
  assert_string_equal(list[0]->id.field[AD_FIELD_PLUGIN_INSTANCE], "eth0");
  assert_string_equal(list[0]->id.field[AD_FIELD_TYPE], "if_octets");
  assert_int_equal(list[0]->kinds[0], AD_DS_DERIVE);
  assert_int_equal(list[0]->rows, 4); /* both days, in date order */
  assert_true(list[0]->times[0] == 1704153480.0);
  assert_true(list[0]->times[3] == 1704153660.0);
  assert_true(list[0]->values[2 * 3 + 1] == 840.0);
  assert_string_equal(list[1]->id.field[AD_FIELD_PLUGIN], "load");
  assert_int_equal(list[1]->count, 3);
  assert_int_equal(list[1]->rows, 3); /* garbage and a step back skipped */
  assert_nan(list[1]->values[2 * 3]);
  assert_true(warned(&w, "h1/load/load-2024-01-01:3:", "2 lines"));
  assert_true(warned(
      &w, "h1/cpu-0/percent-user-2024-01-01:1:", "not a csv plugin file"));

  /* fed in time order: the counter becomes a rate, the load a gauge */
  ad_engine_t *e = test_engine_from_pairs(NULL, NULL);
  assert_int_equal(ad_history_feed(e, list, n, NULL, NULL), 2 * 4 + 3 * 3);
  ad_ident_t id = {"h1", "interface", "eth0", "if_octets", ""};
  ad_series_info_t info;
  assert_int_equal(ad_engine_series_info(e, &id, "rx", &info), 0);
  assert_int_equal(info.values_learned, 3); /* the first is no rate */
  ad_ident_t load = {"h1", "load", "", "load", ""};
  assert_int_equal(ad_engine_series_info(e, &load, "shortterm", &info), 0);
  assert_int_equal(info.values_learned, 2); /* NaN is no observation */
  assert_int_equal(ad_engine_host_count(e), 1);
  ad_engine_destroy(e);
  for (size_t i = 0; i < n; i++)
    ad_history_free(list[i]);
  free(list);
  ad_typesdb_free(db);

  /* StoreRates true: everything is a gauge already */
  w.n = 0;
  src = (ad_history_source_t){"h1", NULL, true, keep_warning, &w};
  assert_int_equal(
      ad_history_read_csv_host(host_dir, &src, &list, &n, err, sizeof(err)), 0);
  assert_int_equal(list[0]->kinds[0], AD_DS_GAUGE);
  for (size_t i = 0; i < n; i++)
    ad_history_free(list[i]);
  free(list);
  src = (ad_history_source_t){"h1", NULL, true, NULL, NULL};
  assert_int_equal(ad_history_read_csv_host("/nonexistent", &src, &list, &n,
                                            err, sizeof(err)),
                   ENOENT);
}

static void test_append_refuses_going_back(void **state) {
  (void)state;
  const char *names[] = {"value"};
  ad_history_t *h = ad_history_new("h", "cpu-0/percent-user", 1, names, NULL);
  assert_non_null(h);
  double v = 1.0;
  assert_int_equal(ad_history_append(h, 10.0, &v), 0);
  assert_int_equal(ad_history_append(h, 10.0, &v), EINVAL);
  assert_int_equal(ad_history_append(h, NAN, &v), EINVAL);
  assert_int_equal(ad_history_append(h, 20.0, &v), 0);
  assert_int_equal(h->rows, 2);
  ad_history_free(h);
  assert_null(ad_history_new("h", "no-slash", 1, names, NULL));
  assert_null(ad_history_new("h", "/gauge", 1, names, NULL));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_types_db),
      cmocka_unit_test(test_csv_plugin_files),
      cmocka_unit_test(test_day_file_lines),
      cmocka_unit_test(test_append_refuses_going_back),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
