/* Unit tests: ad_http_route (the HTTP listener's paths as query requests)
 * and ad_http_status; ad_bucket (the listeners' request rate). */
#include "test_util.h"

#include "core/ad_bucket.h"
#include "patch/ad_http_route.h"

#include <math.h>
#include <string.h>

static void expect(const char *path, const char *at, int status,
                   const char *request) {
  char buf[256];
  int got = ad_http_route(path, at, buf, sizeof(buf));
  if (got != status || strcmp(buf, request) != 0)
    fail_msg("%s?at=%s: %d \"%s\", expected %d \"%s\"", path,
             at ? at : "(none)", got, buf, status, request);
}

static void test_routes(void **state) {
  (void)state;
  expect("/anomaly", NULL, 200, "LIST");
  expect("/anomaly/", NULL, 200, "LIST");
  expect("/anomaly/web1", NULL, 200, "ASSESS web1");
  expect("/anomaly/web1/", NULL, 200, "ASSESS web1");
  expect("/readiness/web1", NULL, 200, "READINESS web1");
  expect("/readiness/web1", "+2h", 200, "READINESS web1 +2h");
  expect("/series/web1/cpu-0/percent-user", NULL, 200,
         "SERIES web1/cpu-0/percent-user");
  /* nothing else, and no words smuggled into a request */
  expect("/", NULL, 404, "");
  expect("/anomalyx", NULL, 404, "");
  expect("/anomaly/web1/cpu", NULL, 404, "");
  expect("/readiness/", NULL, 404, "");
  expect("/series/web1", NULL, 404, "");
  expect("/anomaly", "+2h", 404, "");
  expect("/anomaly/web1 LIST", NULL, 400, "");
  expect("/readiness/web1", "+2h LIST", 400, "");
  expect("/readiness/web1", "", 400, "");
  expect("/anomaly/a\nb", NULL, 400, "");
  char long_path[2000];
  memset(long_path, 'a', sizeof(long_path) - 1);
  long_path[0] = '/';
  long_path[sizeof(long_path) - 1] = '\0';
  expect(long_path, NULL, 400, "");
  char small[8];
  assert_int_equal(ad_http_route("/readiness/web1", NULL, small, sizeof(small)),
                   400);
  assert_string_equal(small, "");
}

static void test_status(void **state) {
  (void)state;
  assert_int_equal(ad_http_status("{\"hosts\":[]}"), 200);
  assert_int_equal(ad_http_status("{\"error\":\"unknown host\"}"), 404);
  assert_int_equal(ad_http_status("{\"error\":\"no such series\"}"), 404);
  assert_int_equal(ad_http_status("{\"error\":\"request too long\"}"), 400);
}

static void test_bucket(void **state) {
  (void)state;
  ad_bucket_t b;
  ad_bucket_init(&b, 5);
  for (int i = 0; i < 5; i++) /* a burst of the rate */
    assert_true(ad_bucket_take(&b, 100.0));
  assert_false(ad_bucket_take(&b, 100.0));
  assert_false(ad_bucket_take(&b, 100.1)); /* half a token back */
  assert_true(ad_bucket_take(&b, 100.2));
  assert_false(ad_bucket_take(&b, 50.0));  /* a clock gone back: nothing */
  assert_true(ad_bucket_take(&b, 1100.0)); /* refilled, at most the rate */
  for (int i = 0; i < 4; i++)
    assert_true(ad_bucket_take(&b, 1100.0));
  assert_false(ad_bucket_take(&b, 1100.0));
  assert_false(ad_bucket_take(&b, NAN));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_routes),
      cmocka_unit_test(test_status),
      cmocka_unit_test(test_bucket),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
