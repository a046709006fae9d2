/* A stand-in for the collectd daemon (see mock_collectd.h). */
#include "mock_collectd.h"

#include "collectd/core/daemon/utils_cache.h"
#include "collectd/core/daemon/utils_complain.h"
#include "collectd/core/utils/common/common.h"
#include "collectd/core/utils/metadata/meta_data.h"

#include "../unit/test_util.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

char *hostname_g = "mockhost";
cdtime_t interval_g = 10 * (((cdtime_t)1) << 30);

int (*mock_config_cb)(oconfig_item_t *);
plugin_init_cb mock_init_cb;
int (*mock_read_cb)(void);
plugin_write_cb mock_write_cb;
plugin_shutdown_cb mock_shutdown_cb;
plugin_flush_cb mock_flush_cb;
plugin_notification_cb mock_notification_cb;

static pthread_mutex_t mock_lock = PTHREAD_MUTEX_INITIALIZER;
static mock_value_t values[MOCK_MAX_VALUES];
static size_t value_count;
static mock_notification_t notifications[MOCK_MAX_NOTIFICATIONS];
static size_t notification_count;
#define MAX_LOG 512
static char logs[MAX_LOG][1024];
static int log_levels[MAX_LOG];
static size_t log_count;

void module_register(void); /* of the plugin under test */

/* BaseDir: a fresh temporary directory per test, all removed at exit. */
static char base_dir[64];
static char base_dirs[256][64];
static size_t base_dir_count;

static void remove_base_dirs(void) {
  for (size_t i = 0; i < base_dir_count; i++)
    test_remove_tree(base_dirs[i]);
}

const char *mock_base_dir(void) {
  if (base_dir[0] == '\0') {
    const char *tmp = getenv("TMPDIR");
    snprintf(base_dir, sizeof(base_dir), "%s/anomaly-glue-XXXXXX",
             tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
    if (mkdtemp(base_dir) == NULL)
      return NULL;
    if (base_dir_count == 0)
      atexit(remove_base_dirs);
    if (base_dir_count < 256)
      memcpy(base_dirs[base_dir_count++], base_dir, sizeof(base_dir));
  }
  return base_dir;
}

const char *global_option_get(const char *option) {
  return strcasecmp(option, "BaseDir") == 0 ? mock_base_dir() : NULL;
}

int mock_setup_plugin(void **state) {
  (void)state;
  mock_reset();
  base_dir[0] = '\0'; /* a new BaseDir for the next test */
  module_register();
  return 0;
}

void mock_reset(void) {
  pthread_mutex_lock(&mock_lock);
  value_count = notification_count = log_count = 0;
  pthread_mutex_unlock(&mock_lock);
}

size_t mock_values(mock_value_t *out, size_t max) {
  pthread_mutex_lock(&mock_lock);
  size_t n = value_count;
  memcpy(out, values, (n < max ? n : max) * sizeof(*out));
  pthread_mutex_unlock(&mock_lock);
  return n;
}

size_t mock_notifications(mock_notification_t *out, size_t max) {
  pthread_mutex_lock(&mock_lock);
  size_t n = notification_count;
  memcpy(out, notifications, (n < max ? n : max) * sizeof(*out));
  pthread_mutex_unlock(&mock_lock);
  return n;
}

const char *mock_notification_meta(const mock_notification_t *n,
                                   const char *name) {
  for (size_t i = 0; i < n->meta_count; i++)
    if (strcmp(n->meta_name[i], name) == 0)
      return n->meta_text[i];
  return NULL;
}

bool mock_log_contains(const char *text) {
  pthread_mutex_lock(&mock_lock);
  bool found = false;
  for (size_t i = 0; i < log_count && !found; i++)
    found = strstr(logs[i], text) != NULL;
  pthread_mutex_unlock(&mock_lock);
  return found;
}

size_t mock_log_each(const char *text, void (*fn)(void *ctx, const char *msg),
                     void *ctx) {
  pthread_mutex_lock(&mock_lock);
  size_t n = 0;
  for (size_t i = 0; i < log_count; i++)
    if (strstr(logs[i], text) != NULL) {
      fn(ctx, logs[i]);
      n++;
    }
  pthread_mutex_unlock(&mock_lock);
  return n;
}

size_t mock_log_count(int level) {
  pthread_mutex_lock(&mock_lock);
  size_t n = 0;
  for (size_t i = 0; i < log_count; i++)
    if (log_levels[i] <= level)
      n++;
  pthread_mutex_unlock(&mock_lock);
  return n;
}

/* ---- registration -----------------------------------------------------------
 */

int plugin_register_complex_config(const char *type,
                                   int (*callback)(oconfig_item_t *)) {
  (void)type;
  mock_config_cb = callback;
  return 0;
}
int plugin_register_init(const char *name, plugin_init_cb callback) {
  (void)name;
  mock_init_cb = callback;
  return 0;
}
int plugin_register_read(const char *name, int (*callback)(void)) {
  (void)name;
  mock_read_cb = callback;
  return 0;
}
int plugin_register_write(const char *name, plugin_write_cb callback,
                          user_data_t const *ud) {
  (void)name;
  (void)ud;
  mock_write_cb = callback;
  return 0;
}
int plugin_register_flush(const char *name, plugin_flush_cb callback,
                          user_data_t const *ud) {
  (void)name;
  (void)ud;
  mock_flush_cb = callback;
  return 0;
}
int plugin_register_notification(const char *name,
                                 plugin_notification_cb callback,
                                 user_data_t const *ud) {
  (void)name;
  (void)ud;
  mock_notification_cb = callback;
  return 0;
}
int plugin_register_shutdown(const char *name, plugin_shutdown_cb callback) {
  (void)name;
  mock_shutdown_cb = callback;
  return 0;
}
int plugin_thread_create(pthread_t *thread, void *(*start)(void *), void *arg,
                         char const *name) {
  (void)name;
  return pthread_create(thread, NULL, start, arg);
}

/* ---- meta data (only what the plugins use) ---------------------------------
 */

struct meta_data_s {
  char key[64];
  bool value;
  bool set;
};

meta_data_t *meta_data_create(void) { return calloc(1, sizeof(meta_data_t)); }
void meta_data_destroy(meta_data_t *md) { free(md); }
int meta_data_add_boolean(meta_data_t *md, const char *key, bool value) {
  sstrncpy(md->key, key, sizeof(md->key));
  md->value = value;
  md->set = true;
  return 0;
}
int meta_data_get_boolean(meta_data_t *md, const char *key, bool *value) {
  if (md == NULL || !md->set || strcmp(md->key, key) != 0)
    return -ENOENT;
  *value = md->value;
  return 0;
}

/* ---- dispatch
 * ------------------------------------------------------------------ */

int plugin_dispatch_values(value_list_t const *vl) {
  pthread_mutex_lock(&mock_lock);
  if (value_count < MOCK_MAX_VALUES) {
    mock_value_t *v = &values[value_count++];
    memset(v, 0, sizeof(*v));
    sstrncpy(v->host, vl->host[0] ? vl->host : hostname_g, sizeof(v->host));
    sstrncpy(v->plugin, vl->plugin, sizeof(v->plugin));
    sstrncpy(v->plugin_instance, vl->plugin_instance,
             sizeof(v->plugin_instance));
    sstrncpy(v->type, vl->type, sizeof(v->type));
    sstrncpy(v->type_instance, vl->type_instance, sizeof(v->type_instance));
    v->count = vl->values_len < 8 ? vl->values_len : 8;
    memcpy(v->values, vl->values, v->count * sizeof(value_t));
    v->time = vl->time;
    v->interval = vl->interval;
    bool tagged = false;
    v->tagged =
        vl->meta != NULL &&
        meta_data_get_boolean(vl->meta, "anomaly:created", &tagged) == 0 &&
        tagged;
  }
  pthread_mutex_unlock(&mock_lock);
  return 0;
}

static int meta_add(notification_t *n, const char *name,
                    enum notification_meta_type_e type, const char *text) {
  notification_meta_t *m = calloc(1, sizeof(*m));
  if (m == NULL)
    return -1;
  sstrncpy(m->name, name, sizeof(m->name));
  m->type = type;
  m->nm_value.nm_string = strdup(text); /* every type kept as text here */
  notification_meta_t **tail = &n->meta;
  while (*tail != NULL)
    tail = &(*tail)->next;
  *tail = m;
  return 0;
}

int plugin_notification_meta_add_string(notification_t *n, const char *name,
                                        const char *value) {
  return meta_add(n, name, NM_TYPE_STRING, value);
}
int plugin_notification_meta_add_signed_int(notification_t *n, const char *name,
                                            int64_t value) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%" PRIi64, value);
  return meta_add(n, name, NM_TYPE_SIGNED_INT, buf);
}
int plugin_notification_meta_add_unsigned_int(notification_t *n,
                                              const char *name,
                                              uint64_t value) {
  char buf[32];
  snprintf(buf, sizeof(buf), "%" PRIu64, value);
  return meta_add(n, name, NM_TYPE_UNSIGNED_INT, buf);
}
int plugin_notification_meta_add_double(notification_t *n, const char *name,
                                        double value) {
  char buf[64];
  snprintf(buf, sizeof(buf), "%.17g", value);
  return meta_add(n, name, NM_TYPE_DOUBLE, buf);
}
int plugin_notification_meta_free(notification_meta_t *n) {
  while (n != NULL) {
    notification_meta_t *next = n->next;
    free((char *)n->nm_value.nm_string);
    free(n);
    n = next;
  }
  return 0;
}

int plugin_dispatch_notification(const notification_t *n) {
  pthread_mutex_lock(&mock_lock);
  if (notification_count < MOCK_MAX_NOTIFICATIONS) {
    mock_notification_t *c = &notifications[notification_count++];
    memset(c, 0, sizeof(*c));
    c->severity = n->severity;
    c->time = n->time;
    sstrncpy(c->message, n->message, sizeof(c->message));
    sstrncpy(c->host, n->host, sizeof(c->host));
    sstrncpy(c->plugin, n->plugin, sizeof(c->plugin));
    sstrncpy(c->plugin_instance, n->plugin_instance,
             sizeof(c->plugin_instance));
    sstrncpy(c->type, n->type, sizeof(c->type));
    sstrncpy(c->type_instance, n->type_instance, sizeof(c->type_instance));
    for (notification_meta_t *m = n->meta;
         m != NULL && c->meta_count < MOCK_MAX_META; m = m->next) {
      sstrncpy(c->meta_name[c->meta_count], m->name, DATA_MAX_NAME_LEN);
      sstrncpy(c->meta_text[c->meta_count], m->nm_value.nm_string,
               sizeof(c->meta_text[0]));
      c->meta_count++;
    }
  }
  pthread_mutex_unlock(&mock_lock);
  return 0;
}

/* ---- the value cache: rates as collectd computes them
 * ------------------------- */

typedef struct {
  char name[6 * DATA_MAX_NAME_LEN];
  value_t last[8];
  cdtime_t time;
} rate_entry_t;
static rate_entry_t rate_cache[256];
static size_t rate_cache_count;

gauge_t *uc_get_rate(const data_set_t *ds, const value_list_t *vl) {
  gauge_t *rates = calloc(ds->ds_num, sizeof(*rates));
  if (rates == NULL)
    return NULL;
  char name[6 * DATA_MAX_NAME_LEN];
  FORMAT_VL(name, sizeof(name), vl);
  pthread_mutex_lock(&mock_lock);
  rate_entry_t *e = NULL;
  for (size_t i = 0; i < rate_cache_count && e == NULL; i++)
    if (strcmp(rate_cache[i].name, name) == 0)
      e = &rate_cache[i];
  bool first = e == NULL;
  if (first && rate_cache_count < 256) {
    e = &rate_cache[rate_cache_count++];
    sstrncpy(e->name, name, sizeof(e->name));
  }
  for (size_t i = 0; i < ds->ds_num; i++) {
    if (ds->ds[i].type == DS_TYPE_GAUGE)
      rates[i] = vl->values[i].gauge;
    else if (first || e == NULL || vl->time <= e->time)
      rates[i] = NAN; /* the first value of a counter has no rate */
    else
      rates[i] = (double)(vl->values[i].derive - e->last[i].derive) /
                 CDTIME_T_TO_DOUBLE(vl->time - e->time);
  }
  if (e != NULL) {
    memcpy(e->last, vl->values,
           (ds->ds_num < 8 ? ds->ds_num : 8) * sizeof(value_t));
    e->time = vl->time;
  }
  pthread_mutex_unlock(&mock_lock);
  return rates;
}

/* ---- logging and utilities
 * -------------------------------------------------------- */

__attribute__((format(printf, 2, 0))) static void
mock_vlog(int level, const char *format, va_list ap) {
  char msg[1024];
  vsnprintf(msg, sizeof(msg), format, ap);
  pthread_mutex_lock(&mock_lock);
  if (log_count < MAX_LOG) {
    sstrncpy(logs[log_count], msg, sizeof(logs[0]));
    log_levels[log_count++] = level;
  }
  pthread_mutex_unlock(&mock_lock);
  if (getenv("MOCK_LOG") != NULL)
    fprintf(stderr, "log[%d]: %s\n", level, msg);
}

void plugin_log(int level, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  mock_vlog(level, format, ap);
  va_end(ap);
}

void daemon_log(int level, const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  mock_vlog(level, format, ap);
  va_end(ap);
}

void c_complain(int level, c_complain_t *c, const char *format, ...) {
  c->interval = 1; /* active, as after a real complaint */
  va_list ap;
  va_start(ap, format);
  mock_vlog(level, format, ap);
  va_end(ap);
}

void c_do_release(int level, c_complain_t *c, const char *format, ...) {
  c->interval = 0;
  va_list ap;
  va_start(ap, format);
  mock_vlog(level, format, ap);
  va_end(ap);
}

cdtime_t cdtime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return TIMESPEC_TO_CDTIME_T(&ts);
}

char *sstrncpy(char *dest, const char *src, size_t n) {
  if (n == 0)
    return dest;
  size_t len = strnlen(src, n - 1);
  memcpy(dest, src, len);
  dest[len] = '\0';
  return dest;
}

char *sstrerror(int errnum, char *buf, size_t buflen) {
  snprintf(buf, buflen, "%s", strerror(errnum));
  return buf;
}

int format_name(char *ret, int ret_len, const char *hostname,
                const char *plugin, const char *plugin_instance,
                const char *type, const char *type_instance) {
  snprintf(ret, (size_t)ret_len, "%s/%s%s%s/%s%s%s", hostname, plugin,
           plugin_instance && *plugin_instance ? "-" : "",
           plugin_instance ? plugin_instance : "", type,
           type_instance && *type_instance ? "-" : "",
           type_instance ? type_instance : "");
  return 0;
}

int cf_util_get_boolean(const oconfig_item_t *ci, bool *ret_bool) {
  if (ci->values_num != 1 || (ci->values[0].type != OCONFIG_TYPE_BOOLEAN &&
                              ci->values[0].type != OCONFIG_TYPE_STRING)) {
    plugin_log(LOG_ERR,
               "The `%s' option requires exactly one boolean argument.",
               ci->key);
    return -1;
  }
  if (ci->values[0].type == OCONFIG_TYPE_BOOLEAN) {
    *ret_bool = ci->values[0].value.boolean != 0;
    return 0;
  }
  const char *s = ci->values[0].value.string;
  if (IS_TRUE(s))
    *ret_bool = true;
  else if (IS_FALSE(s))
    *ret_bool = false;
  else {
    plugin_log(LOG_ERR, "Cannot parse string \"%s\" as boolean.", s);
    return -1;
  }
  return 0;
}

/* ---- config trees
 * ------------------------------------------------------------------ */

oconfig_item_t *mock_config_block(const char *key, size_t children) {
  oconfig_item_t *ci = calloc(1, sizeof(*ci));
  ci->key = strdup(key);
  ci->children = calloc(children, sizeof(*ci->children));
  ci->children_num = (int)children;
  return ci;
}

static oconfig_item_t *child(oconfig_item_t *parent, size_t i, const char *key,
                             int type) {
  oconfig_item_t *c = &parent->children[i];
  c->key = strdup(key);
  c->parent = parent;
  c->values = calloc(1, sizeof(*c->values));
  c->values_num = 1;
  c->values[0].type = type;
  return c;
}

void mock_config_number(oconfig_item_t *parent, size_t i, const char *key,
                        double value) {
  child(parent, i, key, OCONFIG_TYPE_NUMBER)->values[0].value.number = value;
}
void mock_config_boolean(oconfig_item_t *parent, size_t i, const char *key,
                         bool value) {
  child(parent, i, key, OCONFIG_TYPE_BOOLEAN)->values[0].value.boolean = value;
}
void mock_config_string(oconfig_item_t *parent, size_t i, const char *key,
                        const char *value) {
  child(parent, i, key, OCONFIG_TYPE_STRING)->values[0].value.string =
      strdup(value);
}
oconfig_item_t *mock_config_child_block(oconfig_item_t *parent, size_t i,
                                        const char *key, size_t children) {
  oconfig_item_t *c = &parent->children[i];
  c->key = strdup(key);
  c->parent = parent;
  c->children = calloc(children, sizeof(*c->children));
  c->children_num = (int)children;
  return c;
}

static void free_item(oconfig_item_t *ci) {
  free(ci->key);
  for (int i = 0; i < ci->values_num; i++)
    if (ci->values[i].type == OCONFIG_TYPE_STRING)
      free(ci->values[i].value.string);
  free(ci->values);
  for (int i = 0; i < ci->children_num; i++)
    free_item(&ci->children[i]);
  free(ci->children);
}

void mock_config_free(oconfig_item_t *root) {
  if (root == NULL)
    return;
  free_item(root);
  free(root);
}

int mock_configure(oconfig_item_t *root) {
  int status = mock_config_cb(root);
  mock_config_free(root);
  return status;
}
