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
  } cases[] = {{"proc", true},     {"sysfs", true}, {"cgroup2", true},
               {"squashfs", true}, {"ext4", false}, {"xfs", false},
               {"tmpfs", false},   {"nfs4", false}, {"", false}};
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

static void test_cpu_percents_add_up(void **state) {
  (void)state;
  const unsigned long long ticks[STG_CPU_STATES] = {30, 10, 5, 0, 0, 155};
  double pct[STG_CPU_STATES];
  assert_true(stg_cpu_percents(ticks, pct));
  assert_double_near(pct[0], 15.0, 1e-12);
  assert_double_near(pct[5], 77.5, 1e-12);
  double sum = 0;
  for (int i = 0; i < STG_CPU_STATES; i++)
    sum += pct[i];
  assert_double_near(sum, 100.0, 1e-9);
  const unsigned long long none[STG_CPU_STATES] = {0};
  pct[0] = -1;
  assert_false(stg_cpu_percents(none, pct));
  assert_double_near(pct[0], -1, 0);
  assert_string_equal(stg_cpu_state_names[2], "wait");
}

TEST_MAIN(cmocka_unit_test(test_mount_instances_like_collectd_df),
          cmocka_unit_test(test_pseudo_filesystems),
          cmocka_unit_test(test_shadowed_mounts),
          cmocka_unit_test(test_cpu_percents_add_up))
