/* The state files' envelope: written as documented, read back, and every
 * kind of wrong envelope refused with a reason. */
#include "test_util.h"

#include "state/ad_statehdr.h"

#include <errno.h>
#include <string.h>

static void test_round_trip(void **state) {
  (void)state;
  json_t *root = ad_statehdr_new("host", "web1", 1763900000.5, "test 1.0");
  assert_non_null(root);
  char *text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
  assert_string_equal(text,
                      "{\"created\":1763900000.5,\"format\":\"collectd-anomaly-"
                      "state\",\"identifier\":\"web1\",\"kind\":\"host\","
                      "\"version\":1,\"writer\":\"test 1.0\"}");
  free(text);
  ad_statehdr_t hdr;
  char err[128];
  assert_int_equal(ad_statehdr_check(root, "host", &hdr, err, sizeof(err)), 0);
  assert_string_equal(hdr.kind, "host");
  assert_string_equal(hdr.identifier, "web1");
  assert_true(hdr.created == 1763900000.5);
  assert_int_equal(hdr.version, 1);
  json_decref(root);
}

static void test_wrong_envelopes(void **state) {
  (void)state;
  static const struct {
    const char *json;
    int rc;
    const char *reason; /* part of the message */
  } cases[] = {
      {"[1, 2]", EINVAL, "not a JSON object"},
      {"{}", EINVAL, "format"},
      {"{\"format\": \"something-else\", \"version\": 1}", EINVAL, "format"},
      {"{\"format\": \"collectd-anomaly-state\"}", EINVAL, "version"},
      {"{\"format\": \"collectd-anomaly-state\", \"version\": \"1\"}", EINVAL,
       "version"},
      {"{\"format\": \"collectd-anomaly-state\", \"version\": 2}", ENOTSUP,
       "version 2"},
      {"{\"format\": \"collectd-anomaly-state\", \"version\": "
       "99999999999999}",
       ENOTSUP, "version 99999999999999"},
      {"{\"format\": \"collectd-anomaly-state\", \"version\": 1, \"kind\": "
       "\"series\", \"identifier\": \"a\", \"created\": 1}",
       EINVAL, "\"host\""},
      {"{\"format\": \"collectd-anomaly-state\", \"version\": 1, \"kind\": "
       "\"host\", \"identifier\": 7, \"created\": 1}",
       EINVAL, "identifier"},
      {"{\"format\": \"collectd-anomaly-state\", \"version\": 1, \"kind\": "
       "\"host\", \"identifier\": \"a\", \"created\": \"yesterday\"}",
       EINVAL, "created"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    json_error_t jerr;
    json_t *root = json_loads(cases[i].json, 0, &jerr);
    assert_non_null(root);
    ad_statehdr_t hdr;
    char err[128] = "";
    int rc = ad_statehdr_check(root, "host", &hdr, err, sizeof(err));
    if (rc != cases[i].rc || strstr(err, cases[i].reason) == NULL)
      fail_msg("%s: rc %d, \"%s\"", cases[i].json, rc, err);
    json_decref(root);
  }
}

TEST_MAIN(cmocka_unit_test(test_round_trip),
          cmocka_unit_test(test_wrong_envelopes))
