/* Test helper: a checked configuration from KEY=VALUE pairs, as
 * `collectd-anomaly replay --set` takes them. */
#ifndef TEST_CONFIG_UTIL_H
#define TEST_CONFIG_UTIL_H

#include "core/ad_config.h"
#include "engine/ad_engine.h"
#include "test_util.h"

/* Defaults, then each pair of the NULL-terminated list (pairs may be NULL);
 * fails the test on a pair or a combination the configuration refuses. */
static inline void test_config_from_pairs(ad_config_t *cfg,
                                          const char *const *pairs) {
  ad_config_defaults(cfg);
  char err[256];
  for (size_t i = 0; pairs != NULL && pairs[i] != NULL; i++)
    if (ad_config_set_pair(cfg, pairs[i], err, sizeof(err)) != 0)
      fail_msg("%s: %s", pairs[i], err);
  assert_int_equal(ad_config_check(cfg, err, sizeof(err)), 0);
}

/* An engine of that configuration reporting to sink (NULL: nowhere); fails
 * the test when it cannot be made. */
static inline ad_engine_t *test_engine_from_pairs(const char *const *pairs,
                                                  const ad_sink_t *sink) {
  ad_config_t cfg;
  test_config_from_pairs(&cfg, pairs);
  ad_sink_t none = {0};
  ad_engine_t *e = ad_engine_create(&cfg, sink != NULL ? sink : &none);
  assert_non_null(e);
  return e;
}

/* Feeds e one gauge of host web1 (plugin, type, type instance; no plugin
 * instance) at data time t, 5-minute interval, arriving at t. Returns
 * ad_engine_submit's status. */
static inline int test_submit_gauge(ad_engine_t *e, const char *plugin,
                                    const char *type, const char *ti, double t,
                                    double value) {
  static const char *const ds[] = {"value"};
  ad_ident_t id = {.host = "web1",
                   .plugin = plugin,
                   .plugin_instance = "",
                   .type = type,
                   .type_instance = ti};
  ad_sample_t s = {.time = t,
                   .interval = 300,
                   .arrival = t,
                   .count = 1,
                   .values = &value,
                   .ds_names = ds};
  return ad_engine_submit(e, &id, &s);
}

#endif /* TEST_CONFIG_UTIL_H */
