/* State files: atomic writes of mode 0600, safe names from hostile
 * identifiers, bounded reads, damaged files kept aside. */
#include "core/ad_statefile.h"

#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
                                      err, sizeof(err)),
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
      ad_statefile_write(f->dir, "host-a.json", "{}", 2, err, sizeof(err)), 0);
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
      ad_statefile_write(missing, "host-a.json", "{}", 2, err, sizeof(err)),
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
        ad_statefile_write(f->dir, bad[i], "x", 1, err, sizeof(err)), EINVAL);
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
  assert_int_equal(
      ad_statefile_write(f->dir, "host-a.json", "{trunc", 6, err, sizeof(err)),
      0);
  assert_int_equal(
      ad_statefile_set_aside(f->dir, "host-a.json", 42, moved, sizeof(moved)),
      0);
  assert_non_null(strstr(moved, "/damaged/host-a.json.42"));
  /* the same name damaged again in the same second: kept too */
  assert_int_equal(
      ad_statefile_write(f->dir, "host-a.json", "{trunc2", 7, err, sizeof(err)),
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_write_then_read, setup, teardown),
      cmocka_unit_test_setup_teardown(test_write_failure_names_the_step, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_unsafe_names_refused, setup,
                                      teardown),
      cmocka_unit_test(test_names_from_hostile_identifiers),
      cmocka_unit_test_setup_teardown(test_set_aside_keeps_damaged_files, setup,
                                      teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
