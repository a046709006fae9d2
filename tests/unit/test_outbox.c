/* Unit tests: ad_outbox (bounded hand-off from write threads). */
#include "test_util.h"

#include "engine/ad_outbox.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

static ad_host_report_t report(double risk) {
  ad_host_report_t r = {.risk = risk, .time = risk};
  strcpy(r.host, "h");
  return r;
}

static void test_fifo_and_kinds(void **state) {
  (void)state;
  ad_outbox_t *box = ad_outbox_create(10);
  ad_notice_t n = {.level = AD_LEVEL_WARNING};
  strcpy(n.message, "hello");
  ad_host_report_t r1 = report(0.1), r2 = report(0.2);
  assert_int_equal(ad_outbox_push_report(box, &r1), 0);
  assert_int_equal(ad_outbox_push_notice(box, &n), 0);
  assert_int_equal(ad_outbox_push_report(box, &r2), 0);
  bool stopped = true;
  ad_out_item_t *items = ad_outbox_take(box, 0.0, &stopped);
  assert_false(stopped);
  assert_non_null(items);
  assert_int_equal(items->kind, AD_OUT_REPORT);
  assert_double_near(items->u.report.risk, 0.1, 0);
  assert_int_equal(items->next->kind, AD_OUT_NOTICE);
  assert_string_equal(items->next->u.notice.message, "hello");
  assert_double_near(items->next->next->u.report.risk, 0.2, 0);
  assert_null(items->next->next->next);
  ad_outbox_free_items(items);
  assert_null(ad_outbox_take(box, 0.01, &stopped));
  ad_outbox_destroy(box);
}

static void test_bounded_and_counts_drops(void **state) {
  (void)state;
  ad_outbox_t *box = ad_outbox_create(3);
  ad_host_report_t r = report(0.5);
  for (int i = 0; i < 5; i++)
    assert_int_equal(ad_outbox_push_report(box, &r), i < 3 ? 0 : ENOSPC);
  assert_int_equal(ad_outbox_take_dropped(box), 2);
  assert_int_equal(ad_outbox_take_dropped(box), 0);
  bool stopped;
  ad_out_item_t *items = ad_outbox_take(box, 0, &stopped);
  int n = 0;
  for (ad_out_item_t *it = items; it; it = it->next)
    n++;
  assert_int_equal(n, 3);
  ad_outbox_free_items(items);
  /* room again after taking */
  assert_int_equal(ad_outbox_push_report(box, &r), 0);
  ad_outbox_destroy(box); /* frees what is still queued */
}

static void *stopper(void *p) {
  ad_outbox_stop(p);
  return NULL;
}

static void test_stop_wakes_consumer(void **state) {
  (void)state;
  ad_outbox_t *box = ad_outbox_create(3);
  pthread_t t;
  pthread_create(&t, NULL, stopper, box);
  bool stopped = false;
  /* would wait 30 s without the stop */
  ad_out_item_t *items = ad_outbox_take(box, 30.0, &stopped);
  pthread_join(t, NULL);
  assert_true(stopped);
  assert_null(items);
  ad_host_report_t r = report(1);
  assert_int_equal(ad_outbox_push_report(box, &r), ENOSPC);
  ad_outbox_destroy(box);
}

TEST_MAIN(cmocka_unit_test(test_fifo_and_kinds),
          cmocka_unit_test(test_bounded_and_counts_drops),
          cmocka_unit_test(test_stop_wakes_consumer))
