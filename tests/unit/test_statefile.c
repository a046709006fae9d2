/* State files: atomic writes of mode 0600, safe names from hostile
 * identifiers, bounded reads, damaged files kept aside. */
#include "state/ad_statefile.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct {
  char dir[64];
} fixture_t;

static int setup(void **state) {
  fixture_t *f = calloc(1, sizeof(*f));
  if (f == NULL)
    return -1;
  snprintf(f->dir, sizeof(f->dir), "/tmp/ad-statefile-XXXXXX");
  if (mkdtemp(f->dir) == NULL)
    return -1;
  *state = f;
  return 0;
}

static void remove_tree(const char *path) {
  DIR *d = opendir(path);
  if (d != NULL) {
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        continue;
      char sub[512];
      snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
      remove_tree(sub);
    }
    closedir(d);
    rmdir(path);
  } else {
    unlink(path);
  }
}

static int teardown(void **state) {
  fixture_t *f = *state;
  remove_tree(f->dir);
  free(f);
  return 0;
}

/* Entries of dir other than . and .. */
static int entries(const char *dir) {
  DIR *d = opendir(dir);
  if (d == NULL)
    return -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  closedir(d);
  return n;
}

static void test_write_then_read(void **state) {
  fixture_t *f = *state;
  char err[256];
  const char text[] = "{\"format\": 1}";
  assert_int_equal(ad_statefile_write(f->dir, "host-a.json", text, strlen(text),
                                      0, err, sizeof(err)),
                   0);
  char path[128];
  snprintf(path, sizeof(path), "%s/host-a.json", f->dir);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0600);
  assert_int_equal(entries(f->dir), 1); /* no temporary file left */

  char *data;
  size_t len;
  assert_int_equal(ad_statefile_read(f->dir, "host-a.json", 1024, &data, &len),
                   0);
  assert_int_equal(len, strlen(text));
  assert_string_equal(data, text);
  free(data);

  /* replaced whole, and a leftover temporary file (a crash mid-write) is
   * neither read nor left behind */
  snprintf(path, sizeof(path), "%s/.host-a.json.tmp", f->dir);
  FILE *junk = fopen(path, "w");
  assert_non_null(junk);
  fputs("half a checkpoint", junk);
  fclose(junk);
  assert_int_equal(
      ad_statefile_write(f->dir, "host-a.json", "{}", 2, 0, err, sizeof(err)),
      0);
  assert_int_equal(ad_statefile_read(f->dir, "host-a.json", 1024, &data, &len),
                   0);
  assert_string_equal(data, "{}");
  free(data);
  assert_int_equal(entries(f->dir), 1);

  /* too large for the caller's bound */
  assert_int_equal(ad_statefile_read(f->dir, "host-a.json", 1, &data, &len),
                   EFBIG);
  assert_null(data);
  assert_int_equal(ad_statefile_read(f->dir, "host-b.json", 1024, &data, &len),
                   ENOENT);
}

static void test_write_failure_names_the_step(void **state) {
  fixture_t *f = *state;
  char err[256] = "";
  char missing[128];
  snprintf(missing, sizeof(missing), "%s/no-such-dir", f->dir);
  assert_int_equal(
      ad_statefile_write(missing, "host-a.json", "{}", 2, 0, err, sizeof(err)),
      ENOENT);
  assert_non_null(strstr(err, "no-such-dir"));
}

static void test_unsafe_names_refused(void **state) {
  fixture_t *f = *state;
  static const char *const bad[] = {
      "",        ".",   "..", "../x",        "a/b",
      ".hidden", "a b", "%n", "caf\xc3\xa9", NULL};
  char err[128];
  char *data;
  size_t len;
  for (size_t i = 0; bad[i] != NULL; i++) {
    assert_false(ad_statefile_name_valid(bad[i]));
    assert_int_equal(
        ad_statefile_write(f->dir, bad[i], "x", 1, 0, err, sizeof(err)),
        EINVAL);
    assert_int_equal(ad_statefile_read(f->dir, bad[i], 10, &data, &len),
                     EINVAL);
    assert_int_equal(ad_statefile_set_aside(f->dir, bad[i], 1, NULL, 0),
                     EINVAL);
  }
  char longest[AD_STATEFILE_NAME_MAX + 2];
  memset(longest, 'a', sizeof(longest) - 1);
  longest[sizeof(longest) - 1] = '\0';
  assert_false(ad_statefile_name_valid(longest));
  longest[AD_STATEFILE_NAME_MAX] = '\0';
  assert_true(ad_statefile_name_valid(longest));
  assert_int_equal(entries(f->dir), 0);
}

static void test_names_from_hostile_identifiers(void **state) {
  (void)state;
  static const char *const ids[] = {
      "web1.example.com",
      "../../etc/passwd",
      "%n%n%s%s",
      "WEB1",
      "a very long host name that goes on and on and on beyond any limit "
      "that a file name of ours would allow at all, really",
      "",
      "\xff\xfe",
      NULL};
  char names[8][AD_STATEFILE_NAME_MAX + 1];
  size_t n = 0;
  for (; ids[n] != NULL; n++) {
    assert_int_equal(
        ad_statefile_name("host", ids[n], names[n], sizeof(names[n])), 0);
    assert_true(ad_statefile_name_valid(names[n]));
    assert_int_equal(strncmp(names[n], "host-", 5), 0);
    assert_null(strchr(names[n], '/'));
    assert_null(strchr(names[n], '%'));
    for (size_t k = 0; k < n; k++) /* different identifiers, names */
      assert_string_not_equal(names[n], names[k]);
  }
  char again[AD_STATEFILE_NAME_MAX + 1];
  assert_int_equal(ad_statefile_name("host", ids[0], again, sizeof(again)), 0);
  assert_string_equal(again, names[0]); /* stable */
  assert_non_null(strstr(again, "web1examplecom"));
  assert_int_equal(ad_statefile_name("host", "x", again, 10), EINVAL);
  assert_int_equal(ad_statefile_name("../h", "x", again, sizeof(again)),
                   EINVAL);
}

static void test_set_aside_keeps_damaged_files(void **state) {
  fixture_t *f = *state;
  char err[128], moved[256], moved2[256];
  assert_int_equal(ad_statefile_write(f->dir, "host-a.json", "{trunc", 6, 0,
                                      err, sizeof(err)),
                   0);
  assert_int_equal(
      ad_statefile_set_aside(f->dir, "host-a.json", 42, moved, sizeof(moved)),
      0);
  assert_non_null(strstr(moved, "/damaged/host-a.json.42"));
  /* the same name damaged again in the same second: kept too */
  assert_int_equal(ad_statefile_write(f->dir, "host-a.json", "{trunc2", 7, 0,
                                      err, sizeof(err)),
                   0);
  assert_int_equal(
      ad_statefile_set_aside(f->dir, "host-a.json", 42, moved2, sizeof(moved2)),
      0);
  assert_string_not_equal(moved, moved2);
  char damaged[128];
  snprintf(damaged, sizeof(damaged), "%s/damaged", f->dir);
  assert_int_equal(entries(damaged), 2);
  struct stat st;
  assert_int_equal(stat(damaged, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0700);
  char *data;
  size_t len;
  assert_int_equal(ad_statefile_read(f->dir, "host-a.json", 100, &data, &len),
                   ENOENT);
  assert_int_equal(ad_statefile_set_aside(f->dir, "host-a.json", 42, NULL, 0),
                   ENOENT);
}

/* The content of dir/name, "" when there is none. */
static const char *content(const fixture_t *f, const char *name, char *buf,
                           size_t size) {
  char *data;
  size_t len;
  buf[0] = '\0';
  if (ad_statefile_read(f->dir, name, size - 1, &data, &len) == 0) {
    snprintf(buf, size, "%s", data);
    free(data);
  }
  return buf;
}

/* Writes text with `versions` versions kept while the process may write
 * files of at most limit bytes (a full disk, for this process only). */
static int write_limited(const fixture_t *f, const char *text,
                         unsigned versions, rlim_t limit, char *err,
                         size_t size) {
  struct rlimit old;
  assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
  struct rlimit small = {.rlim_cur = limit, .rlim_max = old.rlim_max};
  void (*was)(int) = signal(SIGXFSZ, SIG_IGN); /* write fails with EFBIG */
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
  int rc = ad_statefile_write(f->dir, "host-a.json", text, strlen(text),
                              versions, err, size);
  assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
  signal(SIGXFSZ, was);
  return rc;
}

static void test_versions_move_only_after_a_good_write(void **state) {
  fixture_t *f = *state;
  char err[256], a[64], b[64], c[64];
  static const char *const good[] = {"{\"v\":1}", "{\"v\":2}", "{\"v\":3}"};
  for (size_t i = 0; i < 3; i++)
    assert_int_equal(
        write_limited(f, good[i], 2, RLIM_INFINITY, err, sizeof(err)), 0);
  assert_string_equal(content(f, "host-a.json", a, sizeof(a)), "{\"v\":3}");
  assert_string_equal(content(f, "host-a.json.1", b, sizeof(b)), "{\"v\":2}");
  assert_string_equal(content(f, "host-a.json.2", c, sizeof(c)), "{\"v\":1}");
  /* the disk fills: checkpoint after checkpoint fails, nothing is lost */
  const char big[] =
      "{\"v\":4, \"padding\": \"................................\"}";
  for (int attempt = 0; attempt < 3; attempt++) {
    err[0] = '\0';
    assert_int_equal(write_limited(f, big, 2, 16, err, sizeof(err)), EFBIG);
    assert_non_null(strstr(err, "cannot write"));
    assert_string_equal(content(f, "host-a.json", a, sizeof(a)), "{\"v\":3}");
    assert_string_equal(content(f, "host-a.json.1", b, sizeof(b)), "{\"v\":2}");
    assert_string_equal(content(f, "host-a.json.2", c, sizeof(c)), "{\"v\":1}");
    assert_int_equal(entries(f->dir), 3); /* no temporary file left */
  }
  /* room again: the versions move down one */
  assert_int_equal(
      write_limited(f, "{\"v\":5}", 2, RLIM_INFINITY, err, sizeof(err)), 0);
  assert_string_equal(content(f, "host-a.json", a, sizeof(a)), "{\"v\":5}");
  assert_string_equal(content(f, "host-a.json.1", b, sizeof(b)), "{\"v\":3}");
  assert_string_equal(content(f, "host-a.json.2", c, sizeof(c)), "{\"v\":2}");
  /* three different files, not links to one */
  struct stat s0, s1, s2;
  char path[160];
  snprintf(path, sizeof(path), "%s/host-a.json", f->dir);
  assert_int_equal(stat(path, &s0), 0);
  snprintf(path, sizeof(path), "%s/host-a.json.1", f->dir);
  assert_int_equal(stat(path, &s1), 0);
  snprintf(path, sizeof(path), "%s/host-a.json.2", f->dir);
  assert_int_equal(stat(path, &s2), 0);
  assert_true(s0.st_ino != s1.st_ino && s1.st_ino != s2.st_ino);
  assert_int_equal(s0.st_nlink, 1);
  /* a stale link of an interrupted rotation is not mistaken for anything */
  snprintf(path, sizeof(path), "%s/.host-a.json.prev", f->dir);
  FILE *stale = fopen(path, "w");
  assert_non_null(stale);
  fclose(stale);
  assert_int_equal(
      write_limited(f, "{\"v\":6}", 1, RLIM_INFINITY, err, sizeof(err)), 0);
  assert_string_equal(content(f, "host-a.json.1", b, sizeof(b)), "{\"v\":5}");
  assert_int_equal(entries(f->dir), 3); /* .json, .json.1 and the old .2 */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_write_then_read, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_failure_names_the_step, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_unsafe_names_refused, setup,
                                      teardown),
      cmocka_unit_test(test_names_from_hostile_identifiers),
      cmocka_unit_test_setup_teardown(
          test_versions_move_only_after_a_good_write, setup, teardown),
      cmocka_unit_test_setup_teardown(test_set_aside_keeps_damaged_files, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
