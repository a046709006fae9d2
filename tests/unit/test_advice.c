/* Unit tests: ad_advice (a suggestion for every kind of notice, from one
 * table; in the message only where it fits). */
#include "test_util.h"

#include "engine/ad_advice.h"

#include <string.h>

static ad_notice_t notice(ad_notice_kind_t kind, ad_level_t level,
                          const char *series) {
  ad_notice_t n = {.kind = kind, .level = level, .time = 1765000000};
  snprintf(n.series, sizeof(n.series), "%s", series);
  snprintf(n.host, sizeof(n.host), "web1");
  snprintf(n.message, sizeof(n.message), "Host web1: something");
  return n;
}

static void assert_advice(const ad_notice_t *n, const char *part) {
  char out[AD_MESSAGE_MAX];
  ad_advice_for(n, out, sizeof(out));
  if (strstr(out, part) == NULL)
    fail_msg("suggestion \"%s\" lacks \"%s\"", out, part);
}

static void test_exhaustion_says_what_and_by_when(void **state) {
  (void)state;
  ad_notice_t n = notice(AD_NOTICE_EXHAUSTION, AD_LEVEL_WARNING,
                         "df-var-log/df_complex-used");
  snprintf(n.type, sizeof(n.type), "df_complex");
  snprintf(n.plugin_instance, sizeof(n.plugin_instance), "var-log");
  n.left = 3.2 * 86400;
  assert_advice(&n, "find what grows (du -x -d2 /var/log ");
  assert_advice(&n, "extend the filesystem before Tue 09 Dec 10:34 UTC");
  snprintf(n.type, sizeof(n.type), "df_inodes");
  assert_advice(&n, "many small files");
  snprintf(n.type, sizeof(n.type), "memory");
  assert_advice(&n, "ps aux --sort=-rss");
  snprintf(n.type, sizeof(n.type), "percent");
  assert_advice(&n, "plan more capacity");
  n.level = AD_LEVEL_OKAY;
  char out[AD_MESSAGE_MAX];
  ad_advice_for(&n, out, sizeof(out));
  assert_string_equal(out, "");
}

static void test_each_kind_has_its_own(void **state) {
  (void)state;
  ad_notice_t n =
      notice(AD_NOTICE_NEW_NORMAL, AD_LEVEL_OKAY, "cpu/percent-user");
  assert_advice(&n, "confirm the change that moved it, or roll it back");
  n = notice(AD_NOTICE_CHANGE, AD_LEVEL_WARNING, "");
  snprintf(n.after, sizeof(n.after), "openssl 3.0.15");
  assert_advice(&n, "roll \"openssl 3.0.15\" back");
  n = notice(AD_NOTICE_LEVEL, AD_LEVEL_FAILURE, "cpu/percent-user");
  assert_advice(&n, "top, pidstat");
  n = notice(AD_NOTICE_LEVEL, AD_LEVEL_WARNING, "interface-eth0/if_octets:rx");
  assert_advice(&n, "iftop");
  n = notice(AD_NOTICE_LEVEL, AD_LEVEL_WARNING, "myapp/gauge-queue");
  assert_advice(&n, "compare with recent changes");
  snprintf(n.after, sizeof(n.after), "deploy 42");
  assert_advice(&n, "it followed \"deploy 42\": roll that back");
  n = notice(AD_NOTICE_MUTED, AD_LEVEL_WARNING, "cpu/percent-user");
  char out[AD_MESSAGE_MAX];
  ad_advice_for(&n, out, sizeof(out));
  assert_string_equal(out, "");
}

/* A broken relation: the series that moved most is to be looked at. */
static void test_a_relation_names_who_moved_most(void **state) {
  (void)state;
  ad_notice_t n = notice(AD_NOTICE_LEVEL, AD_LEVEL_WARNING, "cpu/percent-user");
  n.combination = true;
  snprintf(n.partner, sizeof(n.partner), "interface-eth0/if_octets:tx");
  n.driver_z = 1.5;
  n.partner_z = -6.0;
  n.relation_corr = 0.9;
  assert_advice(&n, "look at interface-eth0/if_octets:tx first: it moved "
                    "most, cpu/percent-user usually moves with it");
}

/* Names are escaped; the message takes the suggestion only when it fits,
 * the suggestion field always has it. */
static void test_escaped_and_bounded(void **state) {
  (void)state;
  ad_notice_t n = notice(AD_NOTICE_CHANGE, AD_LEVEL_WARNING, "");
  snprintf(n.after, sizeof(n.after), "evil\n\033[2Jname");
  char out[AD_MESSAGE_MAX];
  ad_advice_for(&n, out, sizeof(out));
  assert_null(strchr(out, '\n'));
  assert_null(strchr(out, '\033'));
  ad_advice_apply(&n);
  assert_non_null(strstr(n.message, "; suggested: roll \""));
  n = notice(AD_NOTICE_NEW_NORMAL, AD_LEVEL_OKAY, "cpu/percent-user");
  memset(n.message, 'x', 240);
  n.message[240] = '\0';
  ad_advice_apply(&n);
  assert_int_equal(strlen(n.message), 240);
  assert_non_null(strstr(n.suggestion, "confirm the change"));
}

TEST_MAIN(cmocka_unit_test(test_exhaustion_says_what_and_by_when),
          cmocka_unit_test(test_each_kind_has_its_own),
          cmocka_unit_test(test_a_relation_names_who_moved_most),
          cmocka_unit_test(test_escaped_and_bounded))
