/* Glue tests: the statgrab plugin's callbacks with the daemon mocked and the
 * real libstatgrab underneath: configuration, naming as collectd's native
 * plugins, types from the stock types.db, first CPU sample, ignore lists. */
#include "../../src/statgrab_plugin.c"

#include "mock_collectd.h"

#include "../unit/test_util.h"

#ifndef TYPES_DB
#define TYPES_DB "/usr/share/collectd/types.db"
#endif

static int teardown(void **state) {
  (void)state;
  mock_shutdown_cb();
  /* back to the defaults for the next test */
  for (int g = 0; g < STG_GROUP_COUNT; g++)
    stg.report[g] = true;
  stg.report_inodes = false;
  stg.interfaces.ignore_selected = false;
  return 0;
}

/* Number of data sources of a type in types.db, 0 if the type is unknown. */
static size_t types_db_sources(const char *type) {
  FILE *fp = fopen(TYPES_DB, "r");
  if (fp == NULL)
    fail_msg("cannot open %s", TYPES_DB);
  char line[1024];
  size_t sources = 0;
  while (fgets(line, sizeof(line), fp) != NULL) {
    char name[128];
    if (line[0] == '#' || sscanf(line, "%127s", name) != 1 ||
        strcmp(name, type) != 0)
      continue;
    sources = 1;
    for (char *c = line; *c; c++)
      sources += *c == ',';
    break;
  }
  fclose(fp);
  return sources;
}

static bool dispatched(const mock_value_t *v, size_t n, const char *plugin,
                       const char *type, const char *type_instance) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(v[i].plugin, plugin) == 0 && strcmp(v[i].type, type) == 0 &&
        strcmp(v[i].type_instance, type_instance) == 0)
      return true;
  return false;
}

static void test_unknown_and_bad_options(void **state) {
  (void)state;
  oconfig_item_t *root = mock_config_block("Plugin", 3);
  mock_config_boolean(root, 0, "ReportCPU", true);
  mock_config_boolean(root, 1, "Frobnicate", true);
  mock_config_string(root, 2, "Interface", "/[/");
  assert_int_not_equal(mock_configure(root), 0);
  assert_true(
      mock_log_contains("statgrab plugin: Unknown option \"Frobnicate\"."));
  assert_true(
      mock_log_contains("Option \"Interface\": bad regular expression"));
  root = mock_config_block("Plugin", 1);
  mock_config_number(root, 0, "Disk", 3);
  assert_int_not_equal(mock_configure(root), 0);
  assert_true(mock_log_contains("Option \"Disk\" takes strings"));
}

static void test_native_names_and_types(void **state) {
  (void)state;
  oconfig_item_t *root = mock_config_block("Plugin", 3);
  mock_config_string(root, 0, "Interface", "lo");
  mock_config_boolean(root, 1, "IgnoreSelectedInterface", true);
  mock_config_boolean(root, 2, "ReportInodes", true);
  assert_int_equal(mock_configure(root), 0);
  assert_int_equal(mock_init_cb(), 0);

  static mock_value_t v[MOCK_MAX_VALUES];
  assert_int_equal(mock_read_cb(), 0);
  size_t first = mock_values(v, MOCK_MAX_VALUES);
  /* the first read has no CPU interval to report */
  assert_false(dispatched(v, first, "cpu", "percent", "user"));
  assert_true(dispatched(v, first, "memory", "memory", "used"));

  usleep(300 * 1000);
  mock_reset();
  assert_int_equal(mock_read_cb(), 0);
  size_t n = mock_values(v, MOCK_MAX_VALUES);
  static const char *const expected[][3] = {
      {"cpu", "percent", "user"},
      {"cpu", "percent", "system"},
      {"cpu", "percent", "wait"},
      {"cpu", "percent", "idle"},
      {"memory", "memory", "used"},
      {"memory", "memory", "cached"},
      {"memory", "memory", "free"},
      {"swap", "swap", "used"},
      {"swap", "swap", "free"},
      {"load", "load", ""},
      {"processes", "ps_state", "running"},
      {"processes", "ps_state", "sleeping"},
      {"processes", "ps_state", "zombies"},
      {"users", "users", ""},
      {"contextswitch", "contextswitch", ""},
      {"df", "df_complex", "used"},
      {"df", "df_complex", "free"},
  };
  for (size_t i = 0; i < ARRAY_SIZE(expected); i++)
    if (!dispatched(v, n, expected[i][0], expected[i][1], expected[i][2]))
      fail_msg("nothing dispatched as %s/%s-%s", expected[i][0], expected[i][1],
               expected[i][2]);

  double cpu_total = 0;
  bool root_fs = false;
  for (size_t i = 0; i < n; i++) {
    /* every value list has a stock type with the right number of values */
    size_t sources = types_db_sources(v[i].type);
    if (sources == 0 || sources != v[i].count)
      fail_msg("%s/%s: type has %zu sources in types.db, %zu dispatched",
               v[i].plugin, v[i].type, sources, v[i].count);
    assert_string_equal(v[i].host, "mockhost");
    if (strcmp(v[i].plugin, "cpu") == 0)
      cpu_total += v[i].values[0].gauge;
    if (strcmp(v[i].plugin, "interface") == 0)
      assert_string_not_equal(v[i].plugin_instance, "lo");
    if (strcmp(v[i].plugin, "df") == 0) {
      assert_true(v[i].plugin_instance[0] != '/' &&
                  strchr(v[i].plugin_instance, '/') == NULL);
      root_fs = root_fs || strcmp(v[i].plugin_instance, "root") == 0;
    }
    /* one snapshot, one timestamp */
    assert_true(v[i].time == v[0].time);
  }
  assert_double_near(cpu_total, 100.0, 1e-6);
  assert_true(root_fs);
}

static void test_groups_can_be_switched_off(void **state) {
  (void)state;
  oconfig_item_t *root = mock_config_block("Plugin", STG_GROUP_COUNT);
  for (int g = 0; g < STG_GROUP_COUNT; g++)
    mock_config_boolean(root, (size_t)g, stg_group_keys[g], g == STG_LOAD);
  assert_int_equal(mock_configure(root), 0);
  assert_int_equal(mock_init_cb(), 0);
  assert_int_equal(mock_read_cb(), 0);
  static mock_value_t v[16];
  assert_int_equal(mock_values(v, 16), 1);
  assert_string_equal(v[0].plugin, "load");
  assert_int_equal(v[0].count, 3);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_unknown_and_bad_options,
                                      mock_setup_plugin, teardown),
      cmocka_unit_test_setup_teardown(test_native_names_and_types,
                                      mock_setup_plugin, teardown),
      cmocka_unit_test_setup_teardown(test_groups_can_be_switched_off,
                                      mock_setup_plugin, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
