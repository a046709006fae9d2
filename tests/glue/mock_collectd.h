/* A stand-in for the collectd daemon, for the plugin glue tests: it defines
 * every daemon symbol the plugins import and records what they register,
 * dispatch and log, so tests can drive a plugin's callbacks and check its
 * output without a daemon. Thread-safe (the anomaly plugin dispatches from
 * its own thread). */
#ifndef MOCK_COLLECTD_H
#define MOCK_COLLECTD_H

#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"

#define MOCK_MAX_VALUES 8192
#define MOCK_MAX_NOTIFICATIONS 64
#define MOCK_MAX_META 32

typedef struct {
  char host[DATA_MAX_NAME_LEN], plugin[DATA_MAX_NAME_LEN];
  char plugin_instance[DATA_MAX_NAME_LEN], type[DATA_MAX_NAME_LEN];
  char type_instance[DATA_MAX_NAME_LEN];
  value_t values[8];
  size_t count;
  cdtime_t time, interval;
  bool tagged; /* carried meta "anomaly:created" = true */
} mock_value_t;

typedef struct {
  int severity;
  cdtime_t time;
  char message[NOTIF_MAX_MSG_LEN];
  char host[DATA_MAX_NAME_LEN], plugin[DATA_MAX_NAME_LEN];
  char plugin_instance[DATA_MAX_NAME_LEN], type[DATA_MAX_NAME_LEN];
  char type_instance[DATA_MAX_NAME_LEN];
  char meta_name[MOCK_MAX_META][DATA_MAX_NAME_LEN];
  char meta_text[MOCK_MAX_META][4096]; /* value printed as text */
  size_t meta_count;
} mock_notification_t;

/* What the plugin registered. */
extern int (*mock_config_cb)(oconfig_item_t *);
extern plugin_init_cb mock_init_cb;
extern int (*mock_read_cb)(void);
extern plugin_write_cb mock_write_cb;
extern plugin_shutdown_cb mock_shutdown_cb;
extern plugin_flush_cb mock_flush_cb;
extern plugin_notification_cb mock_notification_cb;

/* Forgets everything recorded (not the registrations). */
void mock_reset(void);

/* cmocka set-up of a glue test: the mock reset and the plugin under test
 * registered (its module_register). */
int mock_setup_plugin(void **state);

/* Copies of the recorded values and notifications; the return value is the
 * number recorded (at most max copied). */
size_t mock_values(mock_value_t *out, size_t max);
size_t mock_notifications(mock_notification_t *out, size_t max);

/* Meta data value of a recorded notification as text, or NULL. */
const char *mock_notification_meta(const mock_notification_t *n,
                                   const char *name);

/* The BaseDir global_option_get gives: a temporary directory of this test
 * (made on first use, removed at exit). */
const char *mock_base_dir(void);

/* True when any logged message contains text. */
bool mock_log_contains(const char *text);

/* Calls fn with every logged message that contains text (under the mock's
 * lock: fn must not log); returns how many there were. */
size_t mock_log_each(const char *text, void (*fn)(void *ctx, const char *msg),
                     void *ctx);

/* Number of messages logged at `level` or more severe (LOG_ERR < LOG_INFO). */
size_t mock_log_count(int level);

/* oconfig helpers: build a config tree on the heap; mock_config_free frees. */
oconfig_item_t *mock_config_block(const char *key, size_t children);
void mock_config_number(oconfig_item_t *parent, size_t i, const char *key,
                        double value);
void mock_config_boolean(oconfig_item_t *parent, size_t i, const char *key,
                         bool value);
void mock_config_string(oconfig_item_t *parent, size_t i, const char *key,
                        const char *value);
oconfig_item_t *mock_config_child_block(oconfig_item_t *parent, size_t i,
                                        const char *key, size_t children);
void mock_config_free(oconfig_item_t *root);

/* Hands root to the registered config callback, frees it, returns the
 * callback's status. */
int mock_configure(oconfig_item_t *root);

#endif /* MOCK_COLLECTD_H */
