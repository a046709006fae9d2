/* Unit tests: stg_names (statgrab plugin naming and filtering). */
#include "test_util.h"

#include "stg_names.h"

static void test_mount_instances_like_collectd_df(void **state) {
  (void)state;
  static const struct {
    const char *mount, *instance;
  } cases[] = {
      {"/", "root"},
      {"/home", "home"},
      {"/var/lib/docker", "var-lib-docker"},
      {"/boot/efi", "boot-efi"},
      {"relative/x", "relative-x"},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    char buf[128];
    assert_string_equal(stg_mount_instance(cases[i].mount, buf, sizeof(buf)),
                        cases[i].instance);
  }
  char tiny[4];
  assert_string_equal(stg_mount_instance("/abcdef", tiny, sizeof(tiny)), "abc");
}

static void test_pseudo_filesystems(void **state) {
  (void)state;
  static const struct {
    const char *type;
    bool pseudo;
  } cases[] = {{"proc", true},   {"sysfs", true}, {"cgroup2", true},
               {"squashfs", true}, {"ext4", false}, {"xfs", false},
               {"tmpfs", false}, {"nfs4", false}, {"", false}};
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
    assert_int_equal(stg_fs_is_pseudo(cases[i].type), cases[i].pseudo);
}

static void test_shadowed_mounts(void **state) {
  (void)state;
  const char *const mounts[] = {"/", "/boot", "/", "/home", "/boot"};
  const bool want[] = {true, true, false, false, false};
  for (size_t i = 0; i < ARRAY_SIZE(mounts); i++)
    assert_int_equal(stg_shadowed_later(mounts, ARRAY_SIZE(mounts), i),
                     want[i]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mount_instances_like_collectd_df),
      cmocka_unit_test(test_pseudo_filesystems),
      cmocka_unit_test(test_shadowed_mounts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
