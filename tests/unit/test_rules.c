/* Unit tests: ad_pattern (exact or /regex/ names) and ad_rules
 * (Select/Ignore over identifier fields). */
#include "test_util.h"

#include "core/ad_pattern.h"
#include "core/ad_rules.h"

#include <errno.h>
#include <string.h>

static void test_patterns(void **state) {
  (void)state;
  ad_pattern_list_t *list = ad_pattern_list_create();
  char err[128];
  assert_int_equal(ad_pattern_list_add(list, "eth0", err, sizeof(err)), 0);
  assert_int_equal(
      ad_pattern_list_add(list, "/^wlan[0-9]+$/", err, sizeof(err)), 0);
  assert_int_equal(ad_pattern_list_add(list, "/[/", err, sizeof(err)), EINVAL);
  assert_non_null(strstr(err, "bad regular expression /[/"));
  assert_int_equal(ad_pattern_list_size(list), 2);
  static const struct {
    const char *name;
    bool match;
  } cases[] = {{"eth0", true},  {"eth01", false},  {"wlan3", true},
               {"wlan", false}, {"xwlan1", false}, {"", false},
               {"/", false}};
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
    assert_int_equal(ad_pattern_list_match(list, cases[i].name),
                     cases[i].match);
  /* select/ignore semantics of collectd's ignore lists */
  assert_true(ad_pattern_list_selects(list, false, "eth0"));
  assert_false(ad_pattern_list_selects(list, false, "lo"));
  assert_false(ad_pattern_list_selects(list, true, "eth0"));
  assert_true(ad_pattern_list_selects(list, true, "lo"));
  assert_true(ad_pattern_list_selects(NULL, false, "anything"));
  ad_pattern_list_destroy(list);
}

static ad_ident_t ident(const char *host, const char *plugin, const char *pi,
                        const char *type, const char *ti) {
  return (ad_ident_t){.host = host,
                      .plugin = plugin,
                      .plugin_instance = pi,
                      .type = type,
                      .type_instance = ti};
}

static void test_select_and_ignore(void **state) {
  (void)state;
  ad_rules_t *rules = ad_rules_create();
  char err[256];
  assert_true(ad_rules_select(rules, &(ad_ident_t){"h", "cpu", "", "x", ""}));
  assert_int_equal(ad_rules_parse(rules, AD_RULE_SELECT,
                                  "Plugin=cpu Plugin=/^(load|memory)$/", err,
                                  sizeof(err)),
                   0);
  assert_int_equal(ad_rules_parse(rules, AD_RULE_IGNORE,
                                  "Plugin=cpu TypeInstance=idle", err,
                                  sizeof(err)),
                   0);
  assert_int_equal(
      ad_rules_parse(rules, AD_RULE_IGNORE, "Host=/^test-/", err, sizeof(err)),
      0);
  static const struct {
    ad_ident_t id;
    bool selected;
  } cases[] = {
      {{"web1", "cpu", "", "percent", "user"}, true},
      {{"web1", "cpu", "", "percent", "idle"}, false},
      {{"web1", "memory", "", "memory", "idle"}, true},
      {{"web1", "load", "", "load", ""}, true},
      {{"web1", "df", "root", "df_complex", "used"}, false},
      {{"test-1", "cpu", "", "percent", "user"}, false},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++)
    if (ad_rules_select(rules, &cases[i].id) != cases[i].selected)
      fail_msg("case %zu: %s/%s/%s", i, cases[i].id.host, cases[i].id.plugin,
               cases[i].id.type_instance);
  assert_int_equal(ad_rules_count(rules, AD_RULE_SELECT), 1);
  assert_int_equal(ad_rules_count(rules, AD_RULE_IGNORE), 2);
  ad_rules_destroy(rules);
}

static void test_ignore_only(void **state) {
  (void)state;
  ad_rules_t *rules = ad_rules_create();
  ad_rule_t *rule = ad_rules_add(rules, AD_RULE_IGNORE);
  char err[128];
  assert_int_equal(ad_rule_add_pattern(rule, "plugin", "df", err, sizeof(err)),
                   0);
  ad_ident_t cpu = ident("h", "cpu", "", "percent", "user");
  ad_ident_t df = ident("h", "df", "root", "df_complex", "free");
  assert_true(ad_rules_select(rules, &cpu));
  assert_false(ad_rules_select(rules, &df));
  assert_int_equal(ad_rule_add_pattern(rule, "Colour", "red", err, sizeof(err)),
                   EINVAL);
  assert_non_null(strstr(err, "unknown field \"Colour\""));
  ad_rules_destroy(rules);
}

/* The host forest's group: its own kind of rule, which plays no part in
 * what is selected. */
static void test_host_group(void **state) {
  (void)state;
  ad_rules_t *rules = ad_rules_create();
  char err[128];
  ad_ident_t cpu = ident("web1", "cpu", "", "percent", "user");
  ad_ident_t df = ident("web1", "df", "root", "df_complex", "used");
  assert_true(ad_rules_host_group(rules, &df)); /* no group: everything */
  assert_int_equal(ad_rules_parse(rules, AD_RULE_HOST_GROUP,
                                  "Plugin=/^(cpu|load|interface)$/", err,
                                  sizeof(err)),
                   0);
  assert_true(ad_rules_host_group(rules, &cpu));
  assert_false(ad_rules_host_group(rules, &df));
  /* still selected: the group rule is not a Select */
  assert_true(ad_rules_select(rules, &df));
  assert_int_equal(ad_rules_count(rules, AD_RULE_HOST_GROUP), 1);
  assert_int_equal(ad_rules_count(rules, AD_RULE_SELECT), 0);
  ad_rules_destroy(rules);
  assert_true(ad_rules_host_group(NULL, &df));
}

static void test_parse_errors_leave_rules_unchanged(void **state) {
  (void)state;
  static const struct {
    const char *text;
    const char *error;
  } cases[] = {
      {"", "empty rule"},
      {"Plugin", "expected FIELD=PATTERN, got \"Plugin\""},
      {"=cpu", "expected FIELD=PATTERN"},
      {"Plugin=", "expected FIELD=PATTERN"},
      {"Plugin=cpu Nope=1", "unknown field \"Nope\""},
      {"Type=/(/", "bad regular expression"},
  };
  ad_rules_t *rules = ad_rules_create();
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    char err[256] = "";
    assert_int_equal(
        ad_rules_parse(rules, AD_RULE_SELECT, cases[i].text, err, sizeof(err)),
        EINVAL);
    if (strstr(err, cases[i].error) == NULL)
      fail_msg("\"%s\": error \"%s\"", cases[i].text, err);
  }
  assert_int_equal(ad_rules_count(rules, AD_RULE_SELECT), 0);
  ad_ident_t any = ident("h", "p", "", "t", "");
  assert_true(ad_rules_select(rules, &any));
  ad_rules_destroy(rules);
}

static void test_ident_parse(void **state) {
  (void)state;
  static const struct {
    const char *text;
    int status;
    const char *plugin, *pi, *type, *ti;
  } cases[] = {
      {"cpu-0/percent-user", 0, "cpu", "0", "percent", "user"},
      {"load/load", 0, "load", "", "load", ""},
      {"df-var-lib/df_complex-used", 0, "df", "var-lib", "df_complex", "used"},
      {"value", 0, "replay", "", "gauge", "value"},
      {"/gauge", EINVAL, "", "", "gauge", ""},
      {"cpu/", EINVAL, "cpu", "", "", ""},
  };
  for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
    ad_ident_buf_t buf;
    ad_ident_t id;
    int status = ad_ident_parse(cases[i].text, "h1", &buf, &id);
    if (status != cases[i].status)
      fail_msg("\"%s\": status %d", cases[i].text, status);
    if (status != 0)
      continue;
    assert_string_equal(id.host, "h1");
    assert_string_equal(id.plugin, cases[i].plugin);
    assert_string_equal(id.plugin_instance, cases[i].pi);
    assert_string_equal(id.type, cases[i].type);
    assert_string_equal(id.type_instance, cases[i].ti);
  }
  char long_name[300];
  memset(long_name, 'x', sizeof(long_name) - 1);
  long_name[sizeof(long_name) - 1] = '\0';
  ad_ident_buf_t buf;
  ad_ident_t id;
  assert_int_equal(ad_ident_parse(long_name, "h1", &buf, &id), EINVAL);
}

static void test_series_names(void **state) {
  (void)state;
  char buf[64];
  ad_ident_t id = ident("h", "interface", "eth0", "if_octets", "");
  assert_string_equal(ad_ident_series_name(&id, "rx", buf, sizeof(buf)),
                      "interface-eth0/if_octets:rx");
  id = ident("h", "cpu", "", "percent", "user");
  assert_string_equal(ad_ident_series_name(&id, NULL, buf, sizeof(buf)),
                      "cpu/percent-user");
  char tiny[8];
  ad_ident_series_name(&id, NULL, tiny, sizeof(tiny));
  assert_int_equal(strlen(tiny), 7);
}

TEST_MAIN(cmocka_unit_test(test_patterns),
          cmocka_unit_test(test_select_and_ignore),
          cmocka_unit_test(test_ignore_only), cmocka_unit_test(test_host_group),
          cmocka_unit_test(test_parse_errors_leave_rules_unchanged),
          cmocka_unit_test(test_ident_parse),
          cmocka_unit_test(test_series_names))
