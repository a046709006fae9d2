/* anomaly: collectd write plugin that runs every value list through the
 * anomaly-detection engine (src/core) and reports back through collectd:
 * notifications on level changes and the risk metrics anomaly/gauge-risk and
 * anomaly/percent-anomalous per host and interval.
 *
 * This file is glue only: it turns collectd.conf into an ad_config_t,
 * value lists into engine samples, and engine output into collectd
 * notifications and value lists.
 *
 * Threads:
 *  - write callback (any of collectd's write threads, concurrently): rates from
 *    collectd's cache, then ad_engine_submit; engine output is queued in the
 *    outbox. No I/O, no sleeping, no training here.
 *  - the worker thread (started in init): takes the outbox and dispatches
 *    (notification plugins may block: mail, exec, HTTP), and does the
 *    engine's housekeeping (expiry, stale intervals) once a second.
 *  - the trainer thread (started in init): fits the isolation forests that
 *    fell due (ad_engine_train); woken by the write path, which only says
 *    so, and every second in case. A flush (collectd's FLUSH) waits until
 *    it has nothing due.
 *  - the checkpoint thread (started in init when Persist is on and
 *    CheckpointInterval is not 0): writes what was learned to StateDir
 *    every CheckpointInterval (ad_state_checkpoint: copies under short
 *    locks, files written with no lock held). State is loaded in init,
 *    before the write callback takes values, and saved once more at
 *    shutdown.
 */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/configfile.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/daemon/utils_cache.h"
#include "collectd/core/utils/common/common.h"

#include "core/ad_config.h"
#include "core/ad_ratelog.h"
#include "core/ad_text.h"
#include "engine/ad_engine.h"
#include "engine/ad_explain.h"
#include "engine/ad_outbox.h"
#include "state/ad_state.h"

#include "an_http.h"
#include "an_socket.h"
#include "an_thread.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

#define AN_PLUGIN "anomaly"
/* Tag on everything we dispatch so our write callback skips it. */
#define AN_META_CREATED "anomaly:created"
#define AN_OUTBOX_CAPACITY 65536
#define AN_HOUSEKEEP_SECONDS 1.0
/* Data sources per value list we handle; collectd's types have at most a
 * handful, a longer list is skipped with a log line. */
#define AN_MAX_SOURCES 64

typedef struct {
  ad_config_t cfg;     /* built by the config callback(s) */
  ad_engine_t *engine; /* set by init */
  ad_outbox_t *outbox; /* set by init */
  atomic_bool ready;   /* write callback may use engine and outbox */
  an_thread_t worker;
  an_thread_t trainer;                   /* idle: it has nothing due */
  unsigned long drain_asked, drain_done; /* under trainer.lock: flush
                                            requests, and the last one the
                                            trainer answered */
  ad_state_t state;                      /* StateDir, owned while state_open */
  bool state_open;
  an_thread_t checkpointer;
  an_socket_t socket; /* live queries */
  an_http_t http;     /* ...and over HTTP (<HTTP>) */
  /* Refused input, counted on the write path and logged by the worker (no
   * logging, which is I/O, on a write thread). */
  atomic_ulong refused_full;    /* new series beyond MaxSeries */
  atomic_ulong refused_invalid; /* unusable identifiers or data sources */
  pthread_mutex_t refused_lock; /* guards the names */
  char refused_full_name[6 * DATA_MAX_NAME_LEN]; /* the latest of each */
  char refused_invalid_name[6 * DATA_MAX_NAME_LEN];
  ad_ratelog_t log_full; /* only touched by the worker (and shutdown) */
  ad_ratelog_t log_invalid;
  ad_ratelog_t log_dropped;
} an_ctx_t;

static an_ctx_t an_ctx = {
    .worker = AN_THREAD_INITIALIZER,
    .trainer = AN_THREAD_INITIALIZER,
    .checkpointer = AN_THREAD_INITIALIZER,
    .socket = AN_SOCKET_INITIALIZER,
    .http = AN_HTTP_INITIALIZER,
    .refused_lock = PTHREAD_MUTEX_INITIALIZER,
};
/* Repeated log lines: the first at once, then at most one a minute, one
 * every two, four ... minutes, one an hour at the rarest. */
#define AN_LOG_MIN_WAIT 60.0
#define AN_LOG_MAX_WAIT 3600.0
static bool an_config_initialised;

/* ---- configuration ---------------------------------------------------------
 */

/* The single value of ci as text, checked against the kind the key wants
 * (numbers as numbers, booleans as booleans, as collectd's own options). */
static int an_option_text(const oconfig_item_t *ci, const ad_config_key_t *key,
                          char *buf, size_t size) {
  if (ci->values_num != 1) {
    ERROR(AN_PLUGIN " plugin: Option \"%s\" needs exactly one value.", ci->key);
    return -1;
  }
  const oconfig_value_t *v = &ci->values[0];
  switch (key->kind) {
  case AD_KEY_NUMBER:
  case AD_KEY_INTEGER:
    if (v->type != OCONFIG_TYPE_NUMBER) {
      ERROR(AN_PLUGIN " plugin: Option \"%s\" expects %s, not a %s.", ci->key,
            key->kind == AD_KEY_INTEGER ? "a whole number" : "a number",
            v->type == OCONFIG_TYPE_STRING ? "string" : "boolean");
      return -1;
    }
    snprintf(buf, size, "%.17g", v->value.number);
    return 0;
  case AD_KEY_BOOLEAN:
    if (v->type == OCONFIG_TYPE_BOOLEAN) {
      sstrncpy(buf, v->value.boolean ? "true" : "false", size);
      return 0;
    }
    break;
  case AD_KEY_RULE:
  case AD_KEY_STRING:
  case AD_KEY_CAPACITY:
    if (v->type == OCONFIG_TYPE_STRING) {
      sstrncpy(buf, v->value.string, size);
      return 0;
    }
    break;
  }
  ERROR(AN_PLUGIN " plugin: Option \"%s\" expects %s.", ci->key,
        key->kind == AD_KEY_BOOLEAN  ? "true or false"
        : key->kind == AD_KEY_STRING ? "a string"
                                     : "a rule such as \"Plugin=cpu\"");
  return -1;
}

/* <Select> / <Ignore> block: each child is a field with one or more
 * patterns, e.g. Plugin "cpu" "memory". */
static int an_config_rule_block(const oconfig_item_t *ci, ad_rule_kind_t kind) {
  if (an_ctx.cfg.rules == NULL &&
      (an_ctx.cfg.rules = ad_rules_create()) == NULL)
    return -1;
  ad_rule_t *rule = ad_rules_add(an_ctx.cfg.rules, kind);
  if (rule == NULL)
    return -1;
  if (ci->children_num == 0) {
    ERROR(AN_PLUGIN " plugin: <%s> needs at least one of Host, Plugin, "
                    "PluginInstance, Type, TypeInstance.",
          ci->key);
    return -1;
  }
  for (int i = 0; i < ci->children_num; i++) {
    const oconfig_item_t *field = ci->children + i;
    if (field->values_num < 1) {
      ERROR(AN_PLUGIN " plugin: <%s> option \"%s\" needs a pattern.", ci->key,
            field->key);
      return -1;
    }
    for (int j = 0; j < field->values_num; j++) {
      if (field->values[j].type != OCONFIG_TYPE_STRING) {
        ERROR(AN_PLUGIN " plugin: <%s> option \"%s\" takes strings.", ci->key,
              field->key);
        return -1;
      }
      char err[256];
      if (ad_rule_add_pattern(rule, field->key, field->values[j].value.string,
                              err, sizeof(err)) != 0) {
        ERROR(AN_PLUGIN " plugin: <%s>: %s.", ci->key, err);
        return -1;
      }
    }
  }
  return 0;
}

/* <Capacity> block: Series "pattern" and Max number. */
static int an_config_capacity_block(const oconfig_item_t *ci) {
  const char *series = NULL;
  double max = NAN;
  for (int i = 0; i < ci->children_num; i++) {
    const oconfig_item_t *c = ci->children + i;
    bool one = c->values_num == 1;
    if (strcasecmp(c->key, "Series") == 0 && one &&
        c->values[0].type == OCONFIG_TYPE_STRING) {
      series = c->values[0].value.string;
    } else if (strcasecmp(c->key, "Max") == 0 && one &&
               c->values[0].type == OCONFIG_TYPE_NUMBER) {
      max = c->values[0].value.number;
    } else {
      ERROR(AN_PLUGIN " plugin: <Capacity>: unknown or malformed option "
                      "\"%s\" (Series \"pattern\", Max number).",
            c->key);
      return -1;
    }
  }
  if (series == NULL || isnan(max)) {
    ERROR(AN_PLUGIN " plugin: <Capacity> needs Series and Max.");
    return -1;
  }
  char text[1024], err[512];
  snprintf(text, sizeof(text), "%s %.17g", series, max);
  if (ad_config_set(&an_ctx.cfg, "Capacity", text, err, sizeof(err)) != 0) {
    ERROR(AN_PLUGIN " plugin: %s.", err);
    return -1;
  }
  return 0;
}

/* The port of <HTTP>: a number or a string of one, 1 to 65535. */
static int an_config_port(const oconfig_item_t *ci, unsigned *port) {
  const oconfig_value_t *v = ci->values;
  double p = NAN;
  if (ci->values_num == 1 && v->type == OCONFIG_TYPE_NUMBER)
    p = v->value.number;
  else if (ci->values_num == 1 && v->type == OCONFIG_TYPE_STRING)
    p = atof(v->value.string);
  if (!(p >= 1 && p <= 65535 && p == floor(p))) {
    ERROR(AN_PLUGIN " plugin: <HTTP> Port expects a port, 1 to 65535.");
    return -1;
  }
  *port = (unsigned)p;
  return 0;
}

/* <HTTP> Address "127.0.0.1" Port 9124 </HTTP>: the HTTP listener. */
static int an_config_http(const oconfig_item_t *ci) {
  ad_config_t *cfg = &an_ctx.cfg;
  cfg->http_port = AN_HTTP_DEFAULT_PORT;
  sstrncpy(cfg->http_address, "127.0.0.1", sizeof(cfg->http_address));
  for (int i = 0; i < ci->children_num; i++) {
    const oconfig_item_t *o = ci->children + i;
    if (strcasecmp(o->key, "Address") == 0 && o->values_num == 1 &&
        o->values[0].type == OCONFIG_TYPE_STRING &&
        strlen(o->values[0].value.string) < sizeof(cfg->http_address)) {
      sstrncpy(cfg->http_address, o->values[0].value.string,
               sizeof(cfg->http_address));
    } else if (strcasecmp(o->key, "Address") == 0) {
      ERROR(AN_PLUGIN " plugin: <HTTP> Address expects one string, an "
                      "address or a name of this machine.");
      return -1;
    } else if (strcasecmp(o->key, "Port") == 0) {
      if (an_config_port(o, &cfg->http_port) != 0)
        return -1;
    } else {
      char shown[4 * DATA_MAX_NAME_LEN];
      ERROR(AN_PLUGIN " plugin: <HTTP>: unknown option \"%s\" (Address, "
                      "Port).",
            ad_text_escape(shown, sizeof(shown), o->key, strlen(o->key)));
      return -1;
    }
  }
  return 0;
}

static int an_config_option(const oconfig_item_t *ci) {
  if (strcasecmp(ci->key, "HTTP") == 0)
    return an_config_http(ci);
  const ad_config_key_t *key = ad_config_key(ci->key);
  if (key == NULL) {
    ERROR(AN_PLUGIN " plugin: Unknown option \"%s\".", ci->key);
    return -1;
  }
  if (key->kind == AD_KEY_RULE && ci->values_num == 0)
    return an_config_rule_block(ci, ad_config_rule_kind(key));
  if (key->kind == AD_KEY_CAPACITY && ci->values_num == 0)
    return an_config_capacity_block(ci);
  if (ci->children_num > 0) {
    ERROR(AN_PLUGIN " plugin: Option \"%s\" is not a block.", ci->key);
    return -1;
  }
  char text[1024], err[512];
  if (an_option_text(ci, key, text, sizeof(text)) != 0)
    return -1;
  if (ad_config_set(&an_ctx.cfg, key->name, text, err, sizeof(err)) != 0) {
    ERROR(AN_PLUGIN " plugin: %s.", err);
    return -1;
  }
  return 0;
}

static int an_config(oconfig_item_t *ci) {
  if (!an_config_initialised) {
    ad_config_defaults(&an_ctx.cfg);
    an_config_initialised = true;
  }
  int status = 0;
  for (int i = 0; i < ci->children_num; i++) {
    if (an_config_option(ci->children + i) != 0)
      status = -1; /* keep going: report every bad option at once */
  }
  char err[512];
  if (status == 0 && ad_config_check(&an_ctx.cfg, err, sizeof(err)) != 0) {
    ERROR(AN_PLUGIN " plugin: %s.", err);
    status = -1;
  }
  return status;
}

/* ---- engine output -> collectd
 * ---------------------------------------------------- */

static void an_sink_report(void *ctx, const ad_host_report_t *report) {
  an_ctx_t *c = ctx;
  if (c->cfg.risk_metrics)
    (void)ad_outbox_push_report(c->outbox, report);
}

static void an_sink_notice(void *ctx, const ad_notice_t *notice) {
  an_ctx_t *c = ctx;
  (void)ad_outbox_push_notice(c->outbox, notice);
}

static void an_dispatch_gauge(value_list_t *vl, const char *type,
                              const char *type_instance, gauge_t value) {
  vl->values = &(value_t){.gauge = value};
  vl->values_len = 1;
  sstrncpy(vl->type, type, sizeof(vl->type));
  sstrncpy(vl->type_instance, type_instance, sizeof(vl->type_instance));
  plugin_dispatch_values(vl);
}

static void an_dispatch_report(const ad_host_report_t *r) {
  value_list_t vl = VALUE_LIST_INIT;
  vl.meta = meta_data_create();
  if (vl.meta != NULL)
    meta_data_add_boolean(vl.meta, AN_META_CREATED, true);
  vl.time = DOUBLE_TO_CDTIME_T(r->time);
  if (r->interval > 0)
    vl.interval = DOUBLE_TO_CDTIME_T(r->interval);
  sstrncpy(vl.host, r->host, sizeof(vl.host));
  sstrncpy(vl.plugin, AN_PLUGIN, sizeof(vl.plugin));
  an_dispatch_gauge(&vl, "gauge", "risk", r->gauge);
  an_dispatch_gauge(&vl, "percent", "anomalous", r->percent_anomalous);
  for (unsigned i = 0; i < r->timeleft_count; i++)
    an_dispatch_gauge(&vl, "timeleft", r->timeleft[i].instance,
                      r->timeleft[i].seconds);
  if (vl.meta != NULL)
    meta_data_destroy(vl.meta);
}

static int an_severity(ad_level_t level) {
  switch (level) {
  case AD_LEVEL_OKAY:
    return NOTIF_OKAY;
  case AD_LEVEL_WARNING:
    return NOTIF_WARNING;
  case AD_LEVEL_FAILURE:
    break;
  }
  return NOTIF_FAILURE;
}

/* Adds a double unless it is NaN (meta readers choke on "nan"). */
static void an_meta_double(notification_t *n, const char *name, double v) {
  if (!isnan(v))
    plugin_notification_meta_add_double(n, name, v);
}

/* Muting is news for the operator's log, not an alert. */
static void an_log_muting(const ad_notice_t *x) {
  char raw[7 * DATA_MAX_NAME_LEN], name[4 * sizeof(raw)];
  format_name(raw, sizeof(raw), x->host, x->plugin, x->plugin_instance, x->type,
              x->type_instance);
  size_t len = strlen(raw);
  if (x->data_source[0] != '\0')
    snprintf(raw + len, sizeof(raw) - len, ":%s", x->data_source);
  ad_text_escape(name, sizeof(name), raw, sizeof(raw));
  if (x->kind == AD_NOTICE_MUTED)
    INFO(AN_PLUGIN " plugin: %s is muted: it had more than MuteAbove "
                   "incidents a day; it is learned from but not notified for "
                   "MuteTime.",
         name);
  else
    INFO(AN_PLUGIN " plugin: %s is no longer muted.", name);
}

static void an_dispatch_notice(const ad_notice_t *x) {
  if (x->kind == AD_NOTICE_MUTED || x->kind == AD_NOTICE_UNMUTED) {
    an_log_muting(x);
    return;
  }
  notification_t n = {
      .severity = an_severity(x->level),
      .time = DOUBLE_TO_CDTIME_T(x->time),
  };
  sstrncpy(n.message, x->message, sizeof(n.message));
  sstrncpy(n.host, x->host, sizeof(n.host));
  sstrncpy(n.plugin, x->plugin, sizeof(n.plugin));
  sstrncpy(n.plugin_instance, x->plugin_instance, sizeof(n.plugin_instance));
  sstrncpy(n.type, x->type, sizeof(n.type));
  sstrncpy(n.type_instance, x->type_instance, sizeof(n.type_instance));

  const ad_assessment_t *a = &x->assessment;
  char detectors[64];
  ad_meta_detected_names(a, detectors, sizeof(detectors));
  an_meta_double(&n, "risk", isnan(x->risk) ? 0.0 : x->risk);
  plugin_notification_meta_add_string(&n, "level",
                                      ad_level_risk_name(x->level));
  plugin_notification_meta_add_string(&n, "previous_level",
                                      ad_level_risk_name(x->previous));
  an_meta_double(&n, "confidence", a->confidence);
  plugin_notification_meta_add_signed_int(&n, "consensus", a->consensus);
  plugin_notification_meta_add_string(&n, "detectors", detectors);
  plugin_notification_meta_add_string(&n, "series", x->series);
  if (x->kind == AD_NOTICE_CHANGE)
    plugin_notification_meta_add_string(&n, "event", "change");
  if (x->after[0] != '\0')
    plugin_notification_meta_add_string(&n, "change", x->after);
  if (x->suggestion[0] != '\0')
    plugin_notification_meta_add_string(&n, "suggestion", x->suggestion);
  if (x->regression[0] != '\0')
    plugin_notification_meta_add_string(&n, "regression", x->regression);
  if (x->kind == AD_NOTICE_EXHAUSTION) {
    plugin_notification_meta_add_string(&n, "event", "exhaustion");
    an_meta_double(&n, "time_left", isfinite(x->left) ? x->left : NAN);
    an_meta_double(&n, "time_left_low",
                   isfinite(x->left_low) ? x->left_low : NAN);
    an_meta_double(&n, "time_left_high",
                   isfinite(x->left_high) ? x->left_high : NAN);
    an_meta_double(&n, "rate_per_day", x->rate * 86400.0);
    an_meta_double(&n, "ceiling", x->ceiling);
  }
  if (x->kind == AD_NOTICE_NEW_NORMAL) {
    plugin_notification_meta_add_string(&n, "event", "new_normal");
    an_meta_double(&n, "normal", x->normal_to);
    an_meta_double(&n, "previous_normal", x->normal_from);
  }
  an_meta_double(&n, "observed", x->observed);
  for (int i = 0; i < AD_DET_COUNT; i++) {
    if (isnan(a->member[i].expected))
      continue;
    an_meta_double(&n, "expected", a->member[i].expected);
    an_meta_double(&n, "lower", a->member[i].lower);
    an_meta_double(&n, "upper", a->member[i].upper);
    break;
  }
  if (x->scope == AD_SCOPE_HOST) {
    plugin_notification_meta_add_unsigned_int(&n, "anomalous_series",
                                              x->anomalous);
    plugin_notification_meta_add_unsigned_int(&n, "total_series", x->total);
  } else {
    plugin_notification_meta_add_string(&n, "DataSource", x->data_source);
  }
  /* The whole assessment, for consumers that read JSON (exec scripts,
   * write_http); the same object replay --events writes. */
  char *assessment = ad_explain_json(x);
  if (assessment != NULL)
    plugin_notification_meta_add_string(&n, "assessment", assessment);
  free(assessment);
  plugin_dispatch_notification(&n);
  if (n.meta != NULL)
    plugin_notification_meta_free(n.meta);
}

static void an_dispatch_items(ad_out_item_t *items) {
  for (ad_out_item_t *it = items; it != NULL; it = it->next) {
    if (it->kind == AD_OUT_REPORT)
      an_dispatch_report(&it->u.report);
    else
      an_dispatch_notice(&it->u.notice);
  }
}

/* Counts what the write path refused since the last call, and logs it when
 * a line is due (force: whatever the wait, at shutdown). Worker thread. */
static void an_log_refusals(an_ctx_t *c, bool force) {
  double now = CDTIME_T_TO_DOUBLE(cdtime());
  ad_ratelog_add(&c->log_full, atomic_exchange(&c->refused_full, 0), now);
  ad_ratelog_add(&c->log_invalid, atomic_exchange(&c->refused_invalid, 0), now);
  ad_ratelog_add(&c->log_dropped, ad_outbox_take_dropped(c->outbox), now);
  char full[4 * sizeof(c->refused_full_name)], span[16];
  char invalid[4 * sizeof(c->refused_invalid_name)];
  pthread_mutex_lock(&c->refused_lock);
  ad_text_escape(full, sizeof(full), c->refused_full_name,
                 sizeof(c->refused_full_name));
  ad_text_escape(invalid, sizeof(invalid), c->refused_invalid_name,
                 sizeof(c->refused_invalid_name));
  pthread_mutex_unlock(&c->refused_lock);
  ad_ratelog_line_t line;
  if (ad_ratelog_take(&c->log_full, now, force, &line))
    WARNING(AN_PLUGIN " plugin: MaxSeries (%zu) reached: %" PRIu64
                      " values of new series were not tracked in the last %s "
                      "(%" PRIu64 " since the start; latest: %s).",
            ad_engine_config(c->engine)->max_series, line.count,
            ad_ratelog_span(line.seconds, span, sizeof(span)), line.total,
            full);
  if (ad_ratelog_take(&c->log_invalid, now, force, &line))
    WARNING(AN_PLUGIN " plugin: %" PRIu64 " value lists could not be tracked "
                      "in the last %s (%" PRIu64 " since the start; latest: "
                      "%s): identifier or data source too long, empty or not "
                      "UTF-8, too many data sources, or a time that is not "
                      "finite.",
            line.count, ad_ratelog_span(line.seconds, span, sizeof(span)),
            line.total, invalid);
  if (ad_ratelog_take(&c->log_dropped, now, force, &line))
    WARNING(AN_PLUGIN " plugin: %" PRIu64 " reports or notifications were "
                      "dropped in the last %s because the dispatch queue was "
                      "full (%" PRIu64 " since the start).",
            line.count, ad_ratelog_span(line.seconds, span, sizeof(span)),
            line.total);
}

/* The write path says a forest fell due: wake the trainer (a short lock,
 * no waiting). */
static void an_sink_training_due(void *ctx) {
  an_ctx_t *c = ctx;
  an_thread_wake(&c->trainer);
}

/* Trains what fell due, a few forests at a time so that a stop request is
 * seen soon; sleeps until woken, or a second. Once nothing is due, answers
 * the flush requests made before it looked. */
static void *an_trainer_main(void *arg) {
  an_ctx_t *c = arg;
  an_thread_t *t = &c->trainer;
  while (an_thread_wait(t, 1.0)) {
    pthread_mutex_lock(&t->lock);
    unsigned long asked = c->drain_asked;
    pthread_mutex_unlock(&t->lock);
    while (ad_engine_train(c->engine, 16) > 0)
      if (an_thread_stopping(t))
        return NULL;
    pthread_mutex_lock(&t->lock);
    c->drain_done = asked;
    pthread_cond_broadcast(&t->idle);
    pthread_mutex_unlock(&t->lock);
  }
  return NULL;
}

/* Longest a flush waits for the trainer. */
#define AN_FLUSH_WAIT 60

/* FLUSH (collectdctl flush plugin=anomaly, unixsock): returns once every
 * forest that had fallen due when it was asked is trained and in place, so
 * that a feed of recorded values can keep pace with the trainer whatever
 * the machine's speed. Runs on the flushing thread, never a write thread;
 * waits AN_FLUSH_WAIT seconds at most. */
static int an_flush(cdtime_t timeout, const char *identifier,
                    user_data_t __attribute__((unused)) * ud) {
  (void)timeout;
  (void)identifier;
  an_ctx_t *c = &an_ctx;
  an_thread_t *t = &c->trainer;
  if (!atomic_load(&c->ready) || !t->running)
    return 0;
  struct timespec until;
  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += AN_FLUSH_WAIT;
  pthread_mutex_lock(&t->lock);
  unsigned long ticket = ++c->drain_asked;
  t->wake = true;
  pthread_cond_signal(&t->cond);
  int status = 0;
  while (c->drain_done < ticket && !t->stop && status == 0)
    status = pthread_cond_timedwait(&t->idle, &t->lock, &until);
  bool done = c->drain_done >= ticket;
  pthread_mutex_unlock(&t->lock);
  if (!done)
    WARNING(AN_PLUGIN " plugin: flush: the trainer did not finish within "
                      "%d s.",
            AN_FLUSH_WAIT);
  return done ? 0 : -1;
}

static void *an_worker_main(void *arg) {
  an_ctx_t *c = arg;
  double last_housekeep = 0.0;
  for (;;) {
    bool stopped = false;
    ad_out_item_t *items = ad_outbox_take(c->outbox, 0.5, &stopped);
    an_dispatch_items(items);
    ad_outbox_free_items(items);
    if (stopped)
      break;
    double now = CDTIME_T_TO_DOUBLE(cdtime());
    if (now - last_housekeep >= AN_HOUSEKEEP_SECONDS) {
      last_housekeep = now;
      (void)ad_engine_housekeep(c->engine, now);
    }
    an_log_refusals(c, false);
  }
  return NULL;
}

/* ---- state (StateDir)
 * ------------------------------------------------------------ */

static void an_state_log(void *ctx, ad_state_severity_t severity,
                         const char *msg) {
  (void)ctx;
  int level = severity == AD_STATE_ERROR     ? LOG_ERR
              : severity == AD_STATE_WARNING ? LOG_WARNING
                                             : LOG_INFO;
  plugin_log(level, AN_PLUGIN " plugin: %s.", msg);
}

static void an_checkpoint(an_ctx_t *c, const char *when) {
  cdtime_t start = cdtime();
  ad_save_stats_t stats;
  if (ad_state_checkpoint(&c->state, c->engine, &stats) == 0)
    INFO(AN_PLUGIN " plugin: %s: %zu hosts, %zu series written to %s in "
                   "%.3f s.",
         when, stats.hosts, stats.series, c->state.dir,
         CDTIME_T_TO_DOUBLE(cdtime() - start));
}

static void *an_checkpointer_main(void *arg) {
  an_ctx_t *c = arg;
  double interval = ad_engine_config(c->engine)->checkpoint_interval;
  while (an_thread_wait(&c->checkpointer, interval))
    an_checkpoint(c, "checkpoint");
  return NULL;
}

/* Opens StateDir and loads it into the engine (init, before the write
 * callback takes values). Without a usable directory detection goes on,
 * learning from scratch, and says so. */
static void an_state_start(an_ctx_t *c) {
  const ad_config_t *cfg = ad_engine_config(c->engine);
  if (!cfg->persist)
    return;
  char dir[AD_STATE_DIR_MAX];
  if (cfg->state_dir[0] != '\0') {
    sstrncpy(dir, cfg->state_dir, sizeof(dir));
  } else {
    const char *base = global_option_get("BaseDir");
    snprintf(dir, sizeof(dir), "%s/%s", base != NULL ? base : ".", AN_PLUGIN);
  }
  char err[1024];
  ad_state_options_t opt = {dir, cfg->state_versions,
                            "collectd anomaly plugin " AD_VERSION, an_state_log,
                            c};
  int status = ad_state_open(&c->state, &opt, err, sizeof(err));
  if (status != 0) {
    ERROR(AN_PLUGIN " plugin: StateDir: %s; what is learned will not be "
                    "kept across restarts.",
          err);
    return;
  }
  c->state_open = true;
  cdtime_t start = cdtime();
  ad_state_load_stats_t loaded;
  (void)ad_state_load(&c->state, c->engine, CDTIME_T_TO_DOUBLE(start), &loaded);
  INFO(AN_PLUGIN " plugin: loaded %zu hosts, %zu series from %s in %.3f s "
                 "(%zu files, %zu set aside as damaged, %zu loaded without "
                 "their damaged parts).",
       loaded.hosts, loaded.series, dir, CDTIME_T_TO_DOUBLE(cdtime() - start),
       loaded.files, loaded.damaged, loaded.partly);
  if (cfg->checkpoint_interval > 0) {
    status = an_thread_start(&c->checkpointer, "anomaly ckpt",
                             an_checkpointer_main, c);
    if (status != 0)
      ERROR(AN_PLUGIN " plugin: starting the checkpoint thread failed: %s; "
                      "state is saved at shutdown only.",
            STRERROR(status));
  }
}

/* The query socket: SocketFile, by default anomaly.sock under BaseDir. */
static void an_socket_open(an_ctx_t *c) {
  const ad_config_t *cfg = ad_engine_config(c->engine);
  if (strcasecmp(cfg->socket_file, "off") == 0)
    return;
  char path[sizeof(cfg->socket_file) + 64];
  if (cfg->socket_file[0] != '\0') {
    sstrncpy(path, cfg->socket_file, sizeof(path));
  } else {
    const char *base = global_option_get("BaseDir");
    if (base == NULL || base[0] == '\0')
      return;
    snprintf(path, sizeof(path), "%s/%s.sock", base, AN_PLUGIN);
  }
  (void)an_socket_start(&c->socket, c->engine, path, cfg->socket_group);
}

/* ---- lifecycle
 * ------------------------------------------------------------------- */

static int an_init(void) {
  if (atomic_load(&an_ctx.ready))
    return 0;
  if (!an_config_initialised) {
    ad_config_defaults(&an_ctx.cfg);
    an_config_initialised = true;
  }
  ad_ratelog_init(&an_ctx.log_full, AN_LOG_MIN_WAIT, AN_LOG_MAX_WAIT);
  ad_ratelog_init(&an_ctx.log_invalid, AN_LOG_MIN_WAIT, AN_LOG_MAX_WAIT);
  ad_ratelog_init(&an_ctx.log_dropped, AN_LOG_MIN_WAIT, AN_LOG_MAX_WAIT);
  an_ctx.outbox = ad_outbox_create(AN_OUTBOX_CAPACITY);
  ad_sink_t sink = {.host_report = an_sink_report,
                    .notice = an_sink_notice,
                    .training_due = an_sink_training_due,
                    .ctx = &an_ctx};
  if (an_ctx.outbox != NULL)
    an_ctx.engine = ad_engine_create(&an_ctx.cfg, &sink);
  if (an_ctx.engine == NULL) {
    ERROR(AN_PLUGIN " plugin: out of memory while starting.");
    ad_outbox_destroy(an_ctx.outbox);
    an_ctx.outbox = NULL;
    return -1;
  }
  int status = an_thread_start(&an_ctx.worker, "anomaly worker", an_worker_main,
                               &an_ctx);
  if (status != 0) {
    ERROR(AN_PLUGIN " plugin: starting the worker thread failed: %s",
          STRERROR(status));
    ad_engine_destroy(an_ctx.engine);
    ad_outbox_destroy(an_ctx.outbox);
    an_ctx.engine = NULL;
    an_ctx.outbox = NULL;
    return -1;
  }
  an_state_start(&an_ctx);
  status = an_thread_start(&an_ctx.trainer, "anomaly trainer", an_trainer_main,
                           &an_ctx);
  if (status != 0) /* detection goes on without forests being trained */
    ERROR(AN_PLUGIN " plugin: starting the trainer thread failed: %s; the "
                    "isolation forests will not be trained.",
          STRERROR(status));
  an_socket_open(&an_ctx);
  const ad_config_t *live = ad_engine_config(an_ctx.engine);
  if (live->http_port > 0)
    (void)an_http_start(&an_ctx.http, an_ctx.engine, live->http_address,
                        live->http_port);
  atomic_store(&an_ctx.ready, true);
  const ad_config_t *cfg = ad_engine_config(an_ctx.engine);
  INFO(AN_PLUGIN " plugin: watching up to %zu series; WARNING at risk %.2f, "
                 "FAILURE at %.2f, Hits %u.",
       cfg->max_series, cfg->levels.warning, cfg->levels.failure,
       cfg->levels.hits);
  return 0;
}

static int an_shutdown(void) {
  atomic_store(&an_ctx.ready, false);
  an_socket_stop(&an_ctx.socket);
  an_http_stop(&an_ctx.http);
  an_thread_stop(&an_ctx.trainer);
  an_thread_stop(&an_ctx.checkpointer);
  if (an_ctx.engine != NULL)
    ad_engine_close_ticks(an_ctx.engine); /* reported by the worker below */
  if (an_ctx.worker.running) {
    ad_outbox_stop(an_ctx.outbox); /* the worker stops when it is empty */
    an_thread_stop(&an_ctx.worker);
    an_log_refusals(&an_ctx, true);
  }
  if (an_ctx.state_open) {
    an_checkpoint(&an_ctx, "state saved at shutdown");
    ad_state_close(&an_ctx.state);
    an_ctx.state_open = false;
  }
  ad_engine_destroy(an_ctx.engine);
  ad_outbox_destroy(an_ctx.outbox);
  an_ctx.engine = NULL;
  an_ctx.outbox = NULL;
  ad_config_release(&an_ctx.cfg);
  an_config_initialised = false;
  return 0;
}

/* ---- the write path
 * ------------------------------------------------------------- */

static bool an_is_own_output(const value_list_t *vl) {
  /* By plugin name too: meta data does not travel over the network plugin,
   * and an aggregator must not score the risk its agents computed. */
  if (strcmp(vl->plugin, AN_PLUGIN) == 0)
    return true;
  bool created = false;
  if (vl->meta != NULL &&
      meta_data_get_boolean(vl->meta, AN_META_CREATED, &created) == 0)
    return created;
  return false;
}

/* Counts a refused value list for the worker to log; keeps its name. */
static void an_count_refusal(int status, const value_list_t *vl) {
  bool full = status == ENOSPC;
  atomic_fetch_add(full ? &an_ctx.refused_full : &an_ctx.refused_invalid, 1);
  char name[sizeof(an_ctx.refused_full_name)];
  FORMAT_VL(name, sizeof(name), vl);
  pthread_mutex_lock(&an_ctx.refused_lock);
  sstrncpy(full ? an_ctx.refused_full_name : an_ctx.refused_invalid_name, name,
           sizeof(name));
  pthread_mutex_unlock(&an_ctx.refused_lock);
}

static int an_write(const data_set_t *ds, const value_list_t *vl,
                    user_data_t __attribute__((unused)) * ud) {
  if (!atomic_load(&an_ctx.ready) || an_is_own_output(vl))
    return 0;
  if (ds->ds_num > AN_MAX_SOURCES) {
    an_count_refusal(E2BIG, vl);
    return 0;
  }
  /* collectd's cache turns COUNTER, DERIVE and ABSOLUTE into rates; the
   * first value of a counter comes back NaN, which is "no observation". */
  gauge_t *rates = uc_get_rate(ds, vl);
  if (rates == NULL)
    return 0;
  const char *names[AN_MAX_SOURCES];
  double min[AN_MAX_SOURCES], max[AN_MAX_SOURCES];
  for (size_t i = 0; i < ds->ds_num; i++) {
    names[i] = ds->ds[i].name;
    min[i] = ds->ds[i].min; /* NaN where types.db says U */
    max[i] = ds->ds[i].max;
  }
  ad_ident_t id = {.host = vl->host,
                   .plugin = vl->plugin,
                   .plugin_instance = vl->plugin_instance,
                   .type = vl->type,
                   .type_instance = vl->type_instance};
  ad_sample_t sample = {
      .time = CDTIME_T_TO_DOUBLE(vl->time),
      .interval = CDTIME_T_TO_DOUBLE(vl->interval),
      .arrival = CDTIME_T_TO_DOUBLE(cdtime()),
      .count = ds->ds_num,
      .values = rates,
      .ds_names = names,
      .ds_min = min,
      .ds_max = max,
  };
  int status = ad_engine_submit(an_ctx.engine, &id, &sample);
  sfree(rates);
  if (status != 0)
    an_count_refusal(status, vl);
  return 0;
}

/* ---- change markers
 * ------------------------------------------------------------- */

/* A notification of plugin "anomaly", type "change" (PUTNOTIF through
 * unixsock, or any plugin) marks a change on its host; the plugin's own
 * verdicts (type instance "verdict") and everything else pass by. Runs on
 * the dispatching thread: short work under the host's lock, no I/O. */
static int an_notification(const notification_t *n, user_data_t *ud) {
  (void)ud;
  if (!atomic_load(&an_ctx.ready) || strcmp(n->plugin, AN_PLUGIN) != 0 ||
      strcmp(n->type, "change") != 0 ||
      strcmp(n->type_instance, "verdict") == 0)
    return 0;
  double t =
      n->time > 0 ? CDTIME_T_TO_DOUBLE(n->time) : CDTIME_T_TO_DOUBLE(cdtime());
  int status = ad_engine_mark_change(an_ctx.engine, n->host, t, n->message);
  char host[4 * DATA_MAX_NAME_LEN], what[4 * NOTIF_MAX_MSG_LEN];
  ad_text_escape(host, sizeof(host), n->host, sizeof(n->host));
  ad_text_escape(what, sizeof(what), n->message, sizeof(n->message));
  if (status == 0)
    INFO(AN_PLUGIN " plugin: change on %s: \"%s\"; watching it for %.0f "
                   "minutes.",
         host, what, ad_engine_config(an_ctx.engine)->change_watch / 60);
  else
    WARNING(AN_PLUGIN " plugin: change on %s: \"%s\" not watched: %s.", host,
            what, status == ENOENT ? "no such host (yet)" : STRERROR(status));
  return 0;
}

void module_register(void) {
  plugin_register_complex_config(AN_PLUGIN, an_config);
  plugin_register_init(AN_PLUGIN, an_init);
  plugin_register_write(AN_PLUGIN, an_write, NULL);
  plugin_register_flush(AN_PLUGIN, an_flush, NULL);
  plugin_register_shutdown(AN_PLUGIN, an_shutdown);
  plugin_register_notification(AN_PLUGIN, an_notification, NULL);
}
