/* ad_config: anomaly plugin configuration (see header). */
#include "core/ad_config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The generic setter (ad_config_set) stores a key's value in its field;
 * the few keys that set several fields name a function instead. */
#define FIELD(member, type)                                                    \
  .offset = offsetof(ad_config_t, member),                                     \
  .size = sizeof(((ad_config_t *)0)->member), .store = AD_STORE_##type
#define SEVERAL(fn) .store = AD_STORE_SEVERAL, .set_several = fn
#define RULE(rule_kind) .store = AD_STORE_RULE, .rule = rule_kind

static void set_warmup(ad_config_t *cfg, double n) {
  cfg->window.warmup = cfg->season.warmup = (unsigned)n;
}
static void set_train_interval(ad_config_t *cfg, double seconds) {
  cfg->vl_model.train_interval = cfg->host_model.train_interval = seconds;
}
static void set_train_memory(ad_config_t *cfg, double days) {
  cfg->vl_model.memory = cfg->host_model.memory = days * AD_DAY;
}
static void set_contamination(ad_config_t *cfg, double share) {
  cfg->vl_model.contamination = cfg->host_model.contamination = share;
}
/* a value list's reservoir holds two samples' worth */
static void set_vl_samples(ad_config_t *cfg, double n) {
  cfg->vl_model.sample_size = (unsigned)n;
  cfg->vl_model.capacity = 2 * (unsigned)n;
}
/* a host's forest is trained on its whole reservoir */
static void set_host_samples(ad_config_t *cfg, double n) {
  cfg->host_model.sample_size = cfg->host_model.capacity = (unsigned)n;
}

static const ad_config_key_t keys[] = {
    {"WarningThreshold", AD_KEY_NUMBER, 0, 1, "0.4",
     "Risk at which a host or series becomes MEDIUM risk and a "
     "WARNING notification is sent.",
     FIELD(levels.warning, DOUBLE)},
    {"FailureThreshold", AD_KEY_NUMBER, 0, 1, "0.6",
     "Risk at which a host or series becomes HIGH risk and a "
     "FAILURE notification is sent.",
     FIELD(levels.failure, DOUBLE)},
    {"Hysteresis", AD_KEY_NUMBER, 0, 0.5, "0.1",
     "A level is left downwards only when the risk falls "
     "this far below its threshold.",
     FIELD(levels.hysteresis, DOUBLE)},
    {"Hits", AD_KEY_INTEGER, 1, 1000, "1",
     "Consecutive observations pointing to another level before "
     "the level changes (both up and down).",
     FIELD(levels.hits, UNSIGNED)},
    {"IncidentGap", AD_KEY_NUMBER, 0, 1e6, "300",
     "Seconds a host or series must stay OKAY, back "
     "inside its band, before its incident ends and OKAY "
     "is notified; relapses within it are the same "
     "incident and not notified again.",
     FIELD(incident_gap, DOUBLE)},
    {"IncidentGapValues", AD_KEY_INTEGER, 0, 1000000, "30",
     "Intervals in a row OKAY and back inside the band "
     "that end an incident before IncidentGap has passed, "
     "so that a fast interval (2 s) gets its OKAY within "
     "a minute (0: IncidentGap alone).",
     FIELD(incident_gap_values, UNSIGNED)},
    {"MuteAbove", AD_KEY_NUMBER, 0, 10000, "12",
     "Incidents per day beyond which a chronically noisy "
     "series is muted (logged, not notified; 0 never "
     "mutes).",
     FIELD(mute_above, DOUBLE)},
    {"MuteTime", AD_KEY_NUMBER, 60, 1e8, "86400",
     "Seconds a muted series stays muted.", FIELD(mute_time, DOUBLE)},
    {"WindowSize", AD_KEY_INTEGER, 2, AD_WINDOW_MAX, "16",
     "Length in values of the sliding window whose mean is "
     "compared with the baseline.",
     FIELD(window.window, UNSIGNED)},
    {"SmoothingSpan", AD_KEY_INTEGER, 2, 1000000, "64",
     "Span in values of the exponential moving average baseline "
     "(alpha = 2 / (span + 1)).",
     FIELD(window.span, UNSIGNED)},
    {"WarmupValues", AD_KEY_INTEGER, 2, 1000000, "32",
     "Values a series is only learned from before it is scored; "
     "at least WindowSize.",
     SEVERAL(set_warmup)},
    {"WeightSlidingWindow", AD_KEY_NUMBER, 0, 1, "0.35",
     "Meta-classifier weight of the sliding window + EMA "
     "detector.",
     FIELD(weights[AD_DET_SLIDING_WINDOW], DOUBLE)},
    {"WeightSeasonal", AD_KEY_NUMBER, 0, 1, "0.35",
     "Meta-classifier weight of the seasonal "
     "forecaster.",
     FIELD(weights[AD_DET_SEASONAL], DOUBLE)},
    {"WeightIsolationForest", AD_KEY_NUMBER, 0, 1, "0.30",
     "Meta-classifier weight of the isolation forests "
     "(per value list, and per host in the host's "
     "risk).",
     FIELD(weights[AD_DET_ISOLATION_FOREST], DOUBLE)},
    {"IsolationForest", AD_KEY_BOOLEAN, 0, 1, "true",
     "An isolation forest per value list of two or more data "
     "sources, over where each lies against its expectation "
     "and how far it moved.",
     FIELD(forest, BOOL)},
    {"HostForest", AD_KEY_BOOLEAN, 0, 1, "true",
     "An isolation forest per host over its series "
     "together: combinations no single series shows.",
     FIELD(host_forest, BOOL)},
    {"TrainInterval", AD_KEY_NUMBER, 60, 1e7, "21600",
     "Seconds of data between trainings of a forest "
     "(earlier when the data has drifted); training "
     "runs off the write path.",
     SEVERAL(set_train_interval)},
    {"TrainMemory", AD_KEY_NUMBER, 0.01, 365, "7",
     "Days of history a forest's training sample "
     "spans.",
     SEVERAL(set_train_memory)},
    {"Contamination", AD_KEY_NUMBER, 0, 0.25, "0.01",
     "Share of a training sample taken for anomalies "
     "and left out, so that past anomalies do not "
     "become normal.",
     SEVERAL(set_contamination)},
    {"ValueListTrees", AD_KEY_INTEGER, 1, AD_IFOREST_MAX_TREES, "10",
     "Trees of a value list's forest.", FIELD(vl_model.trees, UNSIGNED)},
    {"ValueListSamples", AD_KEY_INTEGER, 4, AD_IFOREST_MAX_SAMPLE, "32",
     "Rows per tree of a value list's forest; its "
     "training sample holds twice as many values.",
     SEVERAL(set_vl_samples)},
    {"HostForestTrees", AD_KEY_INTEGER, 1, AD_IFOREST_MAX_TREES, "50",
     "Trees of a host's forest.", FIELD(host_model.trees, UNSIGNED)},
    {"HostForestSamples", AD_KEY_INTEGER, 16, AD_IFOREST_MAX_SAMPLE, "256",
     "Training sample of a host's forest, in intervals "
     "(also rows per tree).",
     SEVERAL(set_host_samples)},
    {"HostForestMaxSeries", AD_KEY_INTEGER, 2, AD_IFOREST_MAX_DIM, "64",
     "Series a host's forest looks at together, at "
     "most (the first ones seen of its group).",
     FIELD(host_forest_series, UNSIGNED)},
    {"LevelTime", AD_KEY_NUMBER, 60, 1e7, "14400",
     "Seconds over which the seasonal forecaster's level "
     "follows the data: how fast a gradual change becomes "
     "normal.",
     FIELD(season.level_time, DOUBLE)},
    {"ShiftAcceptance", AD_KEY_NUMBER, 60, 1e7, "3600",
     "Seconds a level shift must hold before the "
     "forecaster takes it as the new normal.",
     FIELD(season.shift_acceptance, DOUBLE)},
    {"DailyMemory", AD_KEY_NUMBER, 1, 365, "7",
     "Days the daily profile remembers.", FIELD(season.day_memory, DOUBLE)},
    {"WeeklyMemory", AD_KEY_NUMBER, 1, 52, "1",
     "Weeks the weekly profile remembers: with 1, a "
     "weekly job is expected from its first recurrence "
     "on, and a weekday that behaved oddly once is "
     "forgotten the week after.",
     FIELD(season.week_memory, DOUBLE)},
    {"CalibrationDays", AD_KEY_NUMBER, 0.1, 3650, "7",
     "Days of each detector's own history that its "
     "deviations are judged against: the rarest "
     "thing it can vouch for is about once in this "
     "long.",
     FIELD(calibration_days, DOUBLE)},
    {"RiskRarity", AD_KEY_NUMBER, 0.01, 1e6, "10",
     "Days that, on average, pass between deviations this "
     "unusual for this series, for a risk of 0.5; each "
     "tenfold rarer adds 0.2 (defaults: WARNING about once "
     "in 3 days, FAILURE once a month). A host's riskiest "
     "series counts a tenfold less rare per tenfold more "
     "series it has.",
     FIELD(risk_rarity, DOUBLE)},
    {"MaxSeries", AD_KEY_INTEGER, 1, 100000000, "100000",
     "Series (data sources of value lists) tracked at most; "
     "new series beyond it are refused with a log line.",
     FIELD(max_series, SIZE)},
    {"SeriesTimeout", AD_KEY_NUMBER, 1, 1e9, "86400",
     "Seconds without values after which a series and "
     "what was learned about it are dropped.",
     FIELD(series_timeout, DOUBLE)},
    {"NotifyHost", AD_KEY_BOOLEAN, 0, 1, "true",
     "Send a notification (plugin anomaly) when a host's "
     "level changes.",
     FIELD(notify_host, BOOL)},
    {"NotifySeries", AD_KEY_BOOLEAN, 0, 1, "false",
     "Send a notification, under the series' own "
     "identifier, when a series' level changes.",
     FIELD(notify_series, BOOL)},
    {"NotifyNewNormal", AD_KEY_BOOLEAN, 0, 1, "true",
     "Send one notification (OKAY, under the "
     "series' identifier) when a series' level has "
     "changed for good and, after ShiftAcceptance, "
     "is expected from then on.",
     FIELD(notify_new_normal, BOOL)},
    {"NewNormalTime", AD_KEY_NUMBER, 60, 1e7, "10800",
     "Seconds a level shift must have held still, from "
     "its start or its last step, before it is notified "
     "as a new normal "
     "(at least ShiftAcceptance); one that goes back "
     "before is not news.",
     FIELD(new_normal_time, DOUBLE)},
    {"RiskMetrics", AD_KEY_BOOLEAN, 0, 1, "true",
     "Dispatch anomaly/gauge-risk and "
     "anomaly/percent-anomalous for every host every "
     "interval.",
     FIELD(risk_metrics, BOOL)},
    {"Persist", AD_KEY_BOOLEAN, 0, 1, "true",
     "Keep what was learned across restarts: checkpoints to "
     "StateDir, loaded at start.",
     FIELD(persist, BOOL)},
    {"StateDir", AD_KEY_STRING, 0, 0, "",
     "Directory of the checkpoints (created, mode 0700); "
     "default: anomaly under collectd's BaseDir.",
     FIELD(state_dir, TEXT)},
    {"CheckpointInterval", AD_KEY_NUMBER, 0, 1e7, "1800",
     "Seconds between checkpoints, written by a "
     "background thread; 0: at shutdown only.",
     FIELD(checkpoint_interval, DOUBLE)},
    {"StateVersions", AD_KEY_INTEGER, 0, AD_STATE_VERSIONS_MAX, "3",
     "Previous checkpoints kept per host, for "
     "collectd-anomaly state rollback.",
     FIELD(state_versions, UNSIGNED)},
    {"ChangeWatch", AD_KEY_NUMBER, 300, 7 * 86400, "7200",
     "Seconds after a change marker (a notification of "
     "plugin anomaly, type change) in which each series is "
     "compared with what its forecaster expected; then one "
     "verdict: regression or not.",
     FIELD(change_watch, DOUBLE)},
    {"ExhaustionHorizon", AD_KEY_NUMBER, 0, 365 * 86400, "604800",
     "Seconds ahead within which a series heading for its "
     "ceiling (a disk its size, memory its total) gets a "
     "WARNING notification with the time left; 0: never.",
     FIELD(exhaustion_horizon, DOUBLE)},
    {"ExhaustionCritical", AD_KEY_NUMBER, 0, 365 * 86400, "86400",
     "Seconds ahead within which that notification is a "
     "FAILURE.",
     FIELD(exhaustion_critical, DOUBLE)},
    {"Capacity", AD_KEY_CAPACITY, 0, 0, "",
     "A ceiling for series its type does not bound: a block "
     "of Series (a name or /regex/ on plugin-pi/type-ti[:ds]) "
     "and Max; repeatable, the first match counts.",
     .store = AD_STORE_CAPACITY},
    {"SocketFile", AD_KEY_STRING, 0, 0, "",
     "Unix socket answering live queries (LIST, ASSESS, "
     "READINESS, SERIES; JSON), mode 0660; default: "
     "anomaly.sock under collectd's BaseDir; \"off\": none.",
     FIELD(socket_file, TEXT)},
    {"SocketGroup", AD_KEY_STRING, 0, 0, "",
     "Group owning SocketFile (default: collectd's own).",
     FIELD(socket_group, TEXT)},
    {"Select", AD_KEY_RULE, 0, 0, "",
     "Only look at value lists matching one of these rules "
     "(default: all).",
     RULE(AD_RULE_SELECT)},
    {"Ignore", AD_KEY_RULE, 0, 0, "",
     "Never look at value lists matching one of these rules.",
     RULE(AD_RULE_IGNORE)},
    {"HostForestSeries", AD_KEY_RULE, 0, 0, "",
     "The series a host's forest looks at together: value "
     "lists matching one of these rules (default: all "
     "selected).",
     RULE(AD_RULE_HOST_GROUP)},
};

#define KEY_COUNT (sizeof(keys) / sizeof(keys[0]))

const ad_config_key_t *ad_config_keys(size_t *count) {
  *count = KEY_COUNT;
  return keys;
}

const ad_config_key_t *ad_config_key(const char *name) {
  for (size_t i = 0; i < KEY_COUNT; i++)
    if (strcasecmp(name, keys[i].name) == 0)
      return &keys[i];
  return NULL;
}

static int parse_number(const ad_config_key_t *k, const char *text, double *out,
                        char *err, size_t err_size) {
  char *end = NULL;
  errno = 0;
  double v = strtod(text, &end);
  bool integral = k->kind == AD_KEY_INTEGER;
  if (end == text || *end != '\0' || errno != 0 || !isfinite(v) ||
      (integral && v != floor(v)) || v < k->min || v > k->max) {
    snprintf(err, err_size, "%s expects %s between %g and %g, got \"%s\"",
             k->name, integral ? "a whole number" : "a number", k->min, k->max,
             text);
    return EINVAL;
  }
  *out = v;
  return 0;
}

static int parse_boolean(const ad_config_key_t *k, const char *text, bool *out,
                         char *err, size_t err_size) {
  static const char *const truthy[] = {"true", "yes", "on", "1"};
  static const char *const falsy[] = {"false", "no", "off", "0"};
  for (size_t i = 0; i < 4; i++) {
    if (strcasecmp(text, truthy[i]) == 0) {
      *out = true;
      return 0;
    }
    if (strcasecmp(text, falsy[i]) == 0) {
      *out = false;
      return 0;
    }
  }
  snprintf(err, err_size, "%s expects true or false, got \"%s\"", k->name,
           text);
  return EINVAL;
}

static int set_rule(ad_config_t *cfg, const ad_config_key_t *k,
                    ad_rule_kind_t kind, const char *text, char *err,
                    size_t err_size) {
  if (cfg->rules == NULL) {
    cfg->rules = ad_rules_create();
    if (cfg->rules == NULL)
      return ENOMEM;
  }
  char reason[256] = "";
  int status = ad_rules_parse(cfg->rules, kind, text, reason, sizeof(reason));
  if (status == EINVAL)
    snprintf(err, err_size, "%s: %s", k->name, reason);
  return status;
}

/* Stores a parsed value where k says. */
static void store(ad_config_t *cfg, const ad_config_key_t *k, double number,
                  bool flag) {
  char *field = (char *)cfg + k->offset;
  switch (k->store) {
  case AD_STORE_DOUBLE:
    *(double *)(void *)field = number;
    break;
  case AD_STORE_UNSIGNED:
    *(unsigned *)(void *)field = (unsigned)number;
    break;
  case AD_STORE_SIZE:
    *(size_t *)(void *)field = (size_t)number;
    break;
  case AD_STORE_BOOL:
    *(bool *)(void *)field = flag;
    break;
  case AD_STORE_SEVERAL:
    k->set_several(cfg, number);
    break;
  case AD_STORE_TEXT:
  case AD_STORE_RULE:
  case AD_STORE_CAPACITY:
    break; /* set_text, set_rule and set_capacity */
  }
}

static int set_capacity(ad_config_t *cfg, const char *text, char *err,
                        size_t err_size) {
  if (cfg->capacity == NULL &&
      (cfg->capacity = ad_capacity_rules_create()) == NULL)
    return ENOMEM;
  return ad_capacity_rules_parse(cfg->capacity, text, err, err_size);
}

static int set_text(ad_config_t *cfg, const ad_config_key_t *k,
                    const char *text, char *err, size_t err_size) {
  if (strlen(text) >= k->size) {
    snprintf(err, err_size, "%s: longer than %zu bytes", k->name, k->size - 1);
    return EINVAL;
  }
  memcpy((char *)cfg + k->offset, text, strlen(text) + 1);
  return 0;
}

int ad_config_set(ad_config_t *cfg, const char *key, const char *value,
                  char *err, size_t err_size) {
  const ad_config_key_t *k = ad_config_key(key);
  if (k == NULL) {
    snprintf(err, err_size, "unknown option \"%s\"", key);
    return EINVAL;
  }
  if (k->store == AD_STORE_RULE)
    return set_rule(cfg, k, k->rule, value, err, err_size);
  if (k->store == AD_STORE_TEXT)
    return set_text(cfg, k, value, err, err_size);
  if (k->store == AD_STORE_CAPACITY)
    return set_capacity(cfg, value, err, err_size);
  double number = 0.0;
  bool flag = false;
  int status = k->kind == AD_KEY_BOOLEAN
                   ? parse_boolean(k, value, &flag, err, err_size)
                   : parse_number(k, value, &number, err, err_size);
  if (status == 0)
    store(cfg, k, number, flag);
  return status;
}

int ad_config_set_pair(ad_config_t *cfg, const char *pair, char *err,
                       size_t err_size) {
  const char *eq = strchr(pair, '=');
  if (eq == NULL || eq == pair) {
    snprintf(err, err_size, "expected KEY=VALUE, got \"%s\"", pair);
    return EINVAL;
  }
  char key[64];
  size_t len = (size_t)(eq - pair);
  if (len >= sizeof(key)) {
    snprintf(err, err_size, "unknown option \"%.*s\"", (int)len, pair);
    return EINVAL;
  }
  memcpy(key, pair, len);
  key[len] = '\0';
  return ad_config_set(cfg, key, eq + 1, err, err_size);
}

void ad_config_defaults(ad_config_t *cfg) {
  *cfg = (ad_config_t){0};
  snprintf(cfg->http_address, sizeof(cfg->http_address), "127.0.0.1");
  char err[256];
  for (size_t i = 0; i < KEY_COUNT; i++) {
    if (keys[i].kind != AD_KEY_RULE && keys[i].kind != AD_KEY_CAPACITY)
      (void)ad_config_set(cfg, keys[i].name, keys[i].fallback, err,
                          sizeof(err));
  }
}

ad_rule_kind_t ad_config_rule_kind(const ad_config_key_t *key) {
  return key->rule;
}

int ad_config_check(const ad_config_t *cfg, char *err, size_t err_size) {
  const ad_level_params_t *l = &cfg->levels;
  if (!(l->warning < l->failure)) {
    snprintf(err, err_size,
             "WarningThreshold (%g) must be below FailureThreshold (%g)",
             l->warning, l->failure);
    return EINVAL;
  }
  if (!(l->hysteresis < l->warning)) {
    snprintf(err, err_size,
             "Hysteresis (%g) must be below WarningThreshold (%g)",
             l->hysteresis, l->warning);
    return EINVAL;
  }
  if (cfg->window.warmup < cfg->window.window) {
    snprintf(err, err_size,
             "WarmupValues (%u) must be at least WindowSize (%u)",
             cfg->window.warmup, cfg->window.window);
    return EINVAL;
  }
  if (cfg->new_normal_time < cfg->season.shift_acceptance) {
    snprintf(err, err_size,
             "NewNormalTime (%g) must be at least ShiftAcceptance (%g)",
             cfg->new_normal_time, cfg->season.shift_acceptance);
    return EINVAL;
  }
  if (cfg->exhaustion_critical > cfg->exhaustion_horizon) {
    snprintf(err, err_size,
             "ExhaustionCritical (%g) must be at most ExhaustionHorizon (%g)",
             cfg->exhaustion_critical, cfg->exhaustion_horizon);
    return EINVAL;
  }
  double total = 0.0;
  for (int i = 0; i < AD_DET_COUNT; i++)
    total += cfg->weights[i];
  if (!(total > 0.0)) {
    snprintf(err, err_size, "at least one detector weight must be positive");
    return EINVAL;
  }
  return 0;
}

ad_alert_params_t ad_config_alert_params(const ad_config_t *cfg) {
  return (ad_alert_params_t){.levels = cfg->levels,
                             .incident_gap = cfg->incident_gap,
                             .incident_gap_values = cfg->incident_gap_values,
                             .mute_above = cfg->mute_above,
                             .mute_time = cfg->mute_time};
}

void ad_config_release(ad_config_t *cfg) {
  if (cfg == NULL)
    return;
  ad_rules_destroy(cfg->rules);
  ad_capacity_rules_destroy(cfg->capacity);
  ad_config_defaults(cfg);
}
