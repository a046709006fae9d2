/* Unit tests: ad_explain (notices as JSON assessments), against golden
 * files in tests/golden/: byte for byte, keys sorted. */
#include "test_util.h"

#include "engine/ad_explain.h"

#include <stdlib.h>
#include <string.h>

#ifndef GOLDEN_DIR
#define GOLDEN_DIR "tests/golden"
#endif

static char *read_file(const char *name) {
  char path[512];
  snprintf(path, sizeof(path), "%s/%s", GOLDEN_DIR, name);
  FILE *fp = fopen(path, "r");
  if (fp == NULL)
    fail_msg("cannot open %s", path);
  static char buf[16384];
  size_t n = fread(buf, 1, sizeof(buf) - 1, fp);
  fclose(fp);
  while (n > 0 && buf[n - 1] == '\n')
    n--;
  buf[n] = '\0';
  return buf;
}

static ad_detector_output_t member(double dev, double surprise, double score,
                                   double conf, double expected, double band) {
  return (ad_detector_output_t){.deviation = dev,
                                .surprise = surprise,
                                .score = score,
                                .confidence = conf,
                                .expected = expected,
                                .lower = expected - band,
                                .upper = expected + band};
}

static ad_notice_t host_failure(void) {
  ad_notice_t n = {
      .kind = AD_NOTICE_LEVEL,
      .scope = AD_SCOPE_HOST,
      .time = 1425290400, /* 2015-03-02 10:00:00 UTC */
      .level = AD_LEVEL_FAILURE,
      .previous = AD_LEVEL_OKAY,
      .observed = 97.25,
      .pattern = AD_BEHAVIOUR_SEASONAL_DAILY + 1,
      .risk = 0.75,
      .anomalous = 2,
      .total = 57,
  };
  strcpy(n.host, "web1");
  strcpy(n.plugin, "anomaly");
  strcpy(n.series, "cpu/percent-user");
  n.assessment = (ad_assessment_t){
      .risk = 0.875,
      .confidence = 0.5,
      .level = AD_LEVEL_FAILURE,
      .votes = {0, 1, 1},
      .consensus = 1,
      .detected = 3,
  };
  n.assessment.member[AD_DET_SLIDING_WINDOW] =
      member(12.5, 6.25, 1.0, 0.75, 12.5, 8.5);
  n.assessment.member[AD_DET_SEASONAL] = member(4.5, 3.5, 0.5, 0.5, 14.0, 9.0);
  n.assessment.member[AD_DET_ISOLATION_FOREST] = AD_DETECTOR_OUTPUT_NONE;
  ad_notice_format(&n);
  return n;
}

static void test_host_failure_matches_golden(void **state) {
  (void)state;
  ad_notice_t n = host_failure();
  char *json = ad_explain_json(&n);
  assert_non_null(json);
  assert_string_equal(json, read_file("explain_host_failure.json"));
  free(json);
}

static void test_series_okay_and_muting(void **state) {
  (void)state;
  ad_notice_t n = host_failure();
  n.scope = AD_SCOPE_SERIES;
  strcpy(n.plugin, "cpu");
  strcpy(n.type, "percent");
  strcpy(n.type_instance, "user");
  strcpy(n.data_source, "value");
  n.level = AD_LEVEL_OKAY;
  n.previous = AD_LEVEL_FAILURE;
  char *json = ad_explain_json(&n);
  assert_non_null(json);
  /* OKAY: nothing expected to be anomalous; series notices have no counts */
  assert_non_null(strstr(json, "\"expected_anomalies\":[]"));
  assert_non_null(strstr(json, "\"anomalous_series\":null"));
  assert_non_null(strstr(json, "\"event\":\"notification\""));
  free(json);
  n.kind = AD_NOTICE_MUTED;
  json = ad_explain_json(&n);
  assert_non_null(strstr(json, "\"event\":\"muted\""));
  free(json);
}

static void test_hostile_names_are_escaped(void **state) {
  (void)state;
  ad_notice_t n = host_failure();
  strcpy(n.host, "a\"b\\\\c\n%s");
  char *json = ad_explain_json(&n);
  assert_non_null(json);
  assert_non_null(strstr(json, "\"host\":\"a\\\"b\\\\\\\\c\\n%s\""));
  free(json);
}

TEST_MAIN(cmocka_unit_test(test_host_failure_matches_golden),
          cmocka_unit_test(test_series_okay_and_muting),
          cmocka_unit_test(test_hostile_names_are_escaped))
