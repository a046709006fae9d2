/* ad_config: anomaly plugin configuration (see header). */
#include "core/ad_config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Where each key lands in ad_config_t. Kept beside the table so that adding a
 * key is one table row plus one case here. */
typedef enum {
  K_WARNING,
  K_FAILURE,
  K_HYSTERESIS,
  K_HITS,
  K_INCIDENT_GAP,
  K_MUTE_ABOVE,
  K_MUTE_TIME,
  K_WINDOW,
  K_SPAN,
  K_WARMUP,
  K_WEIGHT_SW,
  K_WEIGHT_SEASONAL,
  K_WEIGHT_FOREST,
  K_FOREST,
  K_HOST_FOREST,
  K_TRAIN_INTERVAL,
  K_TRAIN_MEMORY,
  K_CONTAMINATION,
  K_VL_TREES,
  K_VL_SAMPLES,
  K_HOST_TREES,
  K_HOST_SAMPLES,
  K_HOST_SERIES_MAX,
  K_LEVEL_TIME,
  K_SHIFT_ACCEPTANCE,
  K_DAY_MEMORY,
  K_WEEK_MEMORY,
  K_CALIBRATION_MEMORY,
  K_RISK_RARITY,
  K_MAX_SERIES,
  K_SERIES_TIMEOUT,
  K_NOTIFY_HOST,
  K_NOTIFY_SERIES,
  K_NOTIFY_NEW_NORMAL,
  K_NEW_NORMAL_TIME,
  K_RISK_METRICS,
  K_PERSIST,
  K_STATE_DIR,
  K_CHECKPOINT_INTERVAL,
  K_STATE_VERSIONS,
  K_SELECT,
  K_IGNORE,
  K_HOST_GROUP,
} key_id_t;

static const ad_config_key_t keys[] = {
    [K_WARNING] = {"WarningThreshold", AD_KEY_NUMBER, 0, 1, "0.4",
                   "Risk at which a host or series becomes MEDIUM risk and a "
                   "WARNING notification is sent."},
    [K_FAILURE] = {"FailureThreshold", AD_KEY_NUMBER, 0, 1, "0.6",
                   "Risk at which a host or series becomes HIGH risk and a "
                   "FAILURE notification is sent."},
    [K_HYSTERESIS] = {"Hysteresis", AD_KEY_NUMBER, 0, 0.5, "0.1",
                      "A level is left downwards only when the risk falls "
                      "this far below its threshold."},
    [K_HITS] = {"Hits", AD_KEY_INTEGER, 1, 1000, "1",
                "Consecutive observations pointing to another level before "
                "the level changes (both up and down)."},
    [K_INCIDENT_GAP] = {"IncidentGap", AD_KEY_NUMBER, 0, 1e6, "900",
                        "Seconds a host or series must stay OKAY before its "
                        "incident ends and OKAY is notified; relapses "
                        "within it are the same incident and not notified "
                        "again."},
    [K_MUTE_ABOVE] = {"MuteAbove", AD_KEY_NUMBER, 0, 10000, "12",
                      "Incidents per day beyond which a chronically noisy "
                      "series is muted (logged, not notified; 0 never "
                      "mutes)."},
    [K_MUTE_TIME] = {"MuteTime", AD_KEY_NUMBER, 60, 1e8, "86400",
                     "Seconds a muted series stays muted."},
    [K_WINDOW] = {"WindowSize", AD_KEY_INTEGER, 2, AD_WINDOW_MAX, "16",
                  "Length in values of the sliding window whose mean is "
                  "compared with the baseline."},
    [K_SPAN] = {"SmoothingSpan", AD_KEY_INTEGER, 2, 1000000, "64",
                "Span in values of the exponential moving average baseline "
                "(alpha = 2 / (span + 1))."},
    [K_WARMUP] = {"WarmupValues", AD_KEY_INTEGER, 2, 1000000, "32",
                  "Values a series is only learned from before it is scored; "
                  "at least WindowSize."},
    [K_WEIGHT_SW] = {"WeightSlidingWindow", AD_KEY_NUMBER, 0, 1, "0.35",
                     "Meta-classifier weight of the sliding window + EMA "
                     "detector."},
    [K_WEIGHT_SEASONAL] = {"WeightSeasonal", AD_KEY_NUMBER, 0, 1, "0.35",
                           "Meta-classifier weight of the seasonal "
                           "forecaster."},
    [K_WEIGHT_FOREST] = {"WeightIsolationForest", AD_KEY_NUMBER, 0, 1, "0.30",
                         "Meta-classifier weight of the isolation forests "
                         "(per value list, and per host in the host's "
                         "risk)."},
    [K_FOREST] = {"IsolationForest", AD_KEY_BOOLEAN, 0, 1, "true",
                  "An isolation forest per value list of two or more data "
                  "sources, over where each lies against its expectation "
                  "and how far it moved."},
    [K_HOST_FOREST] = {"HostForest", AD_KEY_BOOLEAN, 0, 1, "true",
                       "An isolation forest per host over its series "
                       "together: combinations no single series shows."},
    [K_TRAIN_INTERVAL] = {"TrainInterval", AD_KEY_NUMBER, 60, 1e7, "21600",
                          "Seconds of data between trainings of a forest "
                          "(earlier when the data has drifted); training "
                          "runs off the write path."},
    [K_TRAIN_MEMORY] = {"TrainMemory", AD_KEY_NUMBER, 0.01, 365, "7",
                        "Days of history a forest's training sample "
                        "spans."},
    [K_CONTAMINATION] = {"Contamination", AD_KEY_NUMBER, 0, 0.25, "0.01",
                         "Share of a training sample taken for anomalies "
                         "and left out, so that past anomalies do not "
                         "become normal."},
    [K_VL_TREES] = {"ValueListTrees", AD_KEY_INTEGER, 1, AD_IFOREST_MAX_TREES,
                    "10", "Trees of a value list's forest."},
    [K_VL_SAMPLES] = {"ValueListSamples", AD_KEY_INTEGER, 4,
                      AD_IFOREST_MAX_SAMPLE, "32",
                      "Rows per tree of a value list's forest; its "
                      "training sample holds twice as many values."},
    [K_HOST_TREES] = {"HostForestTrees", AD_KEY_INTEGER, 1,
                      AD_IFOREST_MAX_TREES, "50", "Trees of a host's forest."},
    [K_HOST_SAMPLES] = {"HostForestSamples", AD_KEY_INTEGER, 16,
                        AD_IFOREST_MAX_SAMPLE, "256",
                        "Training sample of a host's forest, in intervals "
                        "(also rows per tree)."},
    [K_HOST_SERIES_MAX] = {"HostForestMaxSeries", AD_KEY_INTEGER, 2,
                           AD_IFOREST_MAX_DIM, "64",
                           "Series a host's forest looks at together, at "
                           "most (the first ones seen of its group)."},
    [K_LEVEL_TIME] = {"LevelTime", AD_KEY_NUMBER, 60, 1e7, "14400",
                      "Seconds over which the seasonal forecaster's level "
                      "follows the data: how fast a gradual change becomes "
                      "normal."},
    [K_SHIFT_ACCEPTANCE] = {"ShiftAcceptance", AD_KEY_NUMBER, 60, 1e7, "3600",
                            "Seconds a level shift must hold before the "
                            "forecaster takes it as the new normal."},
    [K_DAY_MEMORY] = {"DailyMemory", AD_KEY_NUMBER, 1, 365, "7",
                      "Days the daily profile remembers."},
    [K_WEEK_MEMORY] = {"WeeklyMemory", AD_KEY_NUMBER, 1, 52, "1",
                       "Weeks the weekly profile remembers: with 1, a "
                       "weekly job is expected from its first recurrence "
                       "on, and a weekday that behaved oddly once is "
                       "forgotten the week after."},
    [K_CALIBRATION_MEMORY] = {"CalibrationDays", AD_KEY_NUMBER, 0.1, 3650, "7",
                              "Days of each detector's own history that its "
                              "deviations are judged against: the rarest "
                              "thing it can vouch for is about once in this "
                              "long."},
    [K_RISK_RARITY] = {"RiskRarity", AD_KEY_NUMBER, 0.01, 1e6, "10",
                       "Days that, on average, pass between deviations this "
                       "unusual for this series, for a risk of 0.5; each "
                       "tenfold rarer adds 0.2 (defaults: WARNING about once "
                       "in 3 days, FAILURE once a month). A host's riskiest "
                       "series counts a tenfold less rare per tenfold more "
                       "series it has."},
    [K_MAX_SERIES] = {"MaxSeries", AD_KEY_INTEGER, 1, 100000000, "100000",
                      "Series (data sources of value lists) tracked at most; "
                      "new series beyond it are refused with a log line."},
    [K_SERIES_TIMEOUT] = {"SeriesTimeout", AD_KEY_NUMBER, 1, 1e9, "86400",
                          "Seconds without values after which a series and "
                          "what was learned about it are dropped."},
    [K_NOTIFY_HOST] = {"NotifyHost", AD_KEY_BOOLEAN, 0, 1, "true",
                       "Send a notification (plugin anomaly) when a host's "
                       "level changes."},
    [K_NOTIFY_SERIES] = {"NotifySeries", AD_KEY_BOOLEAN, 0, 1, "false",
                         "Send a notification, under the series' own "
                         "identifier, when a series' level changes."},
    [K_NOTIFY_NEW_NORMAL] = {"NotifyNewNormal", AD_KEY_BOOLEAN, 0, 1, "true",
                             "Send one notification (OKAY, under the "
                             "series' identifier) when a series' level has "
                             "changed for good and, after ShiftAcceptance, "
                             "is expected from then on."},
    [K_NEW_NORMAL_TIME] = {"NewNormalTime", AD_KEY_NUMBER, 60, 1e7, "10800",
                           "Seconds a level shift must have held, from its "
                           "start, before it is notified as a new normal "
                           "(at least ShiftAcceptance); one that goes back "
                           "before is not news."},
    [K_RISK_METRICS] = {"RiskMetrics", AD_KEY_BOOLEAN, 0, 1, "true",
                        "Dispatch anomaly/gauge-risk and "
                        "anomaly/percent-anomalous for every host every "
                        "interval."},
    [K_PERSIST] = {"Persist", AD_KEY_BOOLEAN, 0, 1, "true",
                   "Keep what was learned across restarts: checkpoints to "
                   "StateDir, loaded at start."},
    [K_STATE_DIR] = {"StateDir", AD_KEY_STRING, 0, 0, "",
                     "Directory of the checkpoints (created, mode 0700); "
                     "default: anomaly under collectd's BaseDir."},
    [K_CHECKPOINT_INTERVAL] = {"CheckpointInterval", AD_KEY_NUMBER, 0, 1e7,
                               "1800",
                               "Seconds between checkpoints, written by a "
                               "background thread; 0: at shutdown only."},
    [K_STATE_VERSIONS] = {"StateVersions", AD_KEY_INTEGER, 0,
                          AD_STATE_VERSIONS_MAX, "3",
                          "Previous checkpoints kept per host, for "
                          "collectd-anomaly state rollback."},
    [K_SELECT] = {"Select", AD_KEY_RULE, 0, 0, "",
                  "Only look at value lists matching one of these rules "
                  "(default: all)."},
    [K_IGNORE] = {"Ignore", AD_KEY_RULE, 0, 0, "",
                  "Never look at value lists matching one of these rules."},
    [K_HOST_GROUP] = {"HostForestSeries", AD_KEY_RULE, 0, 0, "",
                      "The series a host's forest looks at together: value "
                      "lists matching one of these rules (default: all "
                      "selected)."},
};

#define KEY_COUNT (sizeof(keys) / sizeof(keys[0]))

const ad_config_key_t *ad_config_keys(size_t *count) {
  *count = KEY_COUNT;
  return keys;
}

static int key_index(const char *name) {
  for (size_t i = 0; i < KEY_COUNT; i++)
    if (strcasecmp(name, keys[i].name) == 0)
      return (int)i;
  return -1;
}

const ad_config_key_t *ad_config_key(const char *name) {
  int i = key_index(name);
  return i >= 0 ? &keys[i] : NULL;
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

int ad_config_set(ad_config_t *cfg, const char *key, const char *value,
                  char *err, size_t err_size) {
  int id = key_index(key);
  if (id < 0) {
    snprintf(err, err_size, "unknown option \"%s\"", key);
    return EINVAL;
  }
  const ad_config_key_t *k = &keys[id];
  double number = 0.0;
  bool flag = false;
  int status = 0;
  if (k->kind == AD_KEY_NUMBER || k->kind == AD_KEY_INTEGER)
    status = parse_number(k, value, &number, err, err_size);
  else if (k->kind == AD_KEY_BOOLEAN)
    status = parse_boolean(k, value, &flag, err, err_size);
  if (status != 0)
    return status;

  switch ((key_id_t)id) {
  case K_WARNING:
    cfg->levels.warning = number;
    break;
  case K_FAILURE:
    cfg->levels.failure = number;
    break;
  case K_HYSTERESIS:
    cfg->levels.hysteresis = number;
    break;
  case K_HITS:
    cfg->levels.hits = (unsigned)number;
    break;
  case K_INCIDENT_GAP:
    cfg->incident_gap = number;
    break;
  case K_MUTE_ABOVE:
    cfg->mute_above = number;
    break;
  case K_MUTE_TIME:
    cfg->mute_time = number;
    break;
  case K_WINDOW:
    cfg->window.window = (unsigned)number;
    break;
  case K_SPAN:
    cfg->window.span = (unsigned)number;
    break;
  case K_WARMUP:
    cfg->window.warmup = (unsigned)number;
    cfg->season.warmup = (unsigned)number;
    break;
  case K_WEIGHT_SW:
    cfg->weights[AD_DET_SLIDING_WINDOW] = number;
    break;
  case K_WEIGHT_SEASONAL:
    cfg->weights[AD_DET_SEASONAL] = number;
    break;
  case K_WEIGHT_FOREST:
    cfg->weights[AD_DET_ISOLATION_FOREST] = number;
    break;
  case K_FOREST:
    cfg->forest = flag;
    break;
  case K_HOST_FOREST:
    cfg->host_forest = flag;
    break;
  case K_TRAIN_INTERVAL:
    cfg->vl_model.train_interval = cfg->host_model.train_interval = number;
    break;
  case K_TRAIN_MEMORY:
    cfg->vl_model.memory = cfg->host_model.memory = number * AD_DAY;
    break;
  case K_CONTAMINATION:
    cfg->vl_model.contamination = cfg->host_model.contamination = number;
    break;
  case K_VL_TREES:
    cfg->vl_model.trees = (unsigned)number;
    break;
  case K_VL_SAMPLES:
    cfg->vl_model.sample_size = (unsigned)number;
    cfg->vl_model.capacity = 2 * (unsigned)number;
    break;
  case K_HOST_TREES:
    cfg->host_model.trees = (unsigned)number;
    break;
  case K_HOST_SAMPLES:
    cfg->host_model.sample_size = cfg->host_model.capacity = (unsigned)number;
    break;
  case K_HOST_SERIES_MAX:
    cfg->host_forest_series = (unsigned)number;
    break;
  case K_LEVEL_TIME:
    cfg->season.level_time = number;
    break;
  case K_SHIFT_ACCEPTANCE:
    cfg->season.shift_acceptance = number;
    break;
  case K_DAY_MEMORY:
    cfg->season.day_memory = number;
    break;
  case K_WEEK_MEMORY:
    cfg->season.week_memory = number;
    break;
  case K_CALIBRATION_MEMORY:
    cfg->calibration_days = number;
    break;
  case K_RISK_RARITY:
    cfg->risk_rarity = number;
    break;
  case K_MAX_SERIES:
    cfg->max_series = (size_t)number;
    break;
  case K_SERIES_TIMEOUT:
    cfg->series_timeout = number;
    break;
  case K_NOTIFY_HOST:
    cfg->notify_host = flag;
    break;
  case K_NOTIFY_SERIES:
    cfg->notify_series = flag;
    break;
  case K_NOTIFY_NEW_NORMAL:
    cfg->notify_new_normal = flag;
    break;
  case K_NEW_NORMAL_TIME:
    cfg->new_normal_time = number;
    break;
  case K_RISK_METRICS:
    cfg->risk_metrics = flag;
    break;
  case K_PERSIST:
    cfg->persist = flag;
    break;
  case K_STATE_DIR:
    if (strlen(value) >= sizeof(cfg->state_dir)) {
      snprintf(err, err_size, "%s: longer than %zu bytes", k->name,
               sizeof(cfg->state_dir) - 1);
      return EINVAL;
    }
    snprintf(cfg->state_dir, sizeof(cfg->state_dir), "%s", value);
    break;
  case K_CHECKPOINT_INTERVAL:
    cfg->checkpoint_interval = number;
    break;
  case K_STATE_VERSIONS:
    cfg->state_versions = (unsigned)number;
    break;
  case K_SELECT:
    return set_rule(cfg, k, AD_RULE_SELECT, value, err, err_size);
  case K_IGNORE:
    return set_rule(cfg, k, AD_RULE_IGNORE, value, err, err_size);
  case K_HOST_GROUP:
    return set_rule(cfg, k, AD_RULE_HOST_GROUP, value, err, err_size);
  }
  return 0;
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
  char err[256];
  for (size_t i = 0; i < KEY_COUNT; i++) {
    if (keys[i].kind != AD_KEY_RULE)
      (void)ad_config_set(cfg, keys[i].name, keys[i].fallback, err,
                          sizeof(err));
  }
}

ad_rule_kind_t ad_config_rule_kind(const ad_config_key_t *key) {
  if (key == &keys[K_IGNORE])
    return AD_RULE_IGNORE;
  if (key == &keys[K_HOST_GROUP])
    return AD_RULE_HOST_GROUP;
  return AD_RULE_SELECT;
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
                             .mute_above = cfg->mute_above,
                             .mute_time = cfg->mute_time};
}

void ad_config_release(ad_config_t *cfg) {
  if (cfg == NULL)
    return;
  ad_rules_destroy(cfg->rules);
  ad_config_defaults(cfg);
}
