/* ad_config: the anomaly plugin's configuration, shared by the plugin
 * (collectd.conf) and the collectd-anomaly command (--set KEY=VALUE), so both
 * accept exactly the same keys with the same defaults and limits.
 *
 * Keys are described by one table (ad_config_keys) that also feeds the
 * documentation and says where each value goes (the field's offset and
 * type), so that one setter serves every key. Setting a key goes through
 * four steps: look up (an unknown key names itself), parse (the value's
 * type), range check, and a final cross-field validation (ad_config_check)
 * before use. */
#ifndef AD_CONFIG_H
#define AD_CONFIG_H

#include "core/ad_capacity.h"
#include "core/ad_rules.h"
#include "detectors/ad_alert.h"
#include "detectors/ad_detector.h"
#include "detectors/ad_level.h"
#include "detectors/ad_model.h"
#include "detectors/ad_season.h"
#include "detectors/ad_window.h"

#include <stdbool.h>
#include <stddef.h>

/* Longest StateDir, with its NUL. */
#define AD_STATE_DIR_MAX 1024
/* Previous versions kept per host, at most (StateVersions' range). */
#define AD_STATE_VERSIONS_MAX 100

struct ad_config_s {
  ad_level_params_t levels;      /* thresholds, hysteresis, hits */
  double incident_gap;           /* seconds of OKAY that end an incident */
  unsigned incident_gap_values;  /* or intervals of it; 0: seconds only */
  double mute_above;             /* incidents per day that mute a series */
  double mute_time;              /* seconds a mute lasts */
  ad_window_params_t window;     /* sliding window + EMA detector */
  ad_season_params_t season;     /* seasonal forecaster */
  double calibration_days;       /* days a detector's history remembers */
  double risk_rarity;            /* days between such deviations: risk 0.5 */
  double weights[AD_DET_COUNT];  /* meta-classifier weights */
  bool forest;                   /* isolation forest per value list */
  bool host_forest;              /* isolation forest per host */
  ad_model_params_t vl_model;    /* the value lists' forests */
  ad_model_params_t host_model;  /* the hosts' forests */
  unsigned host_forest_series;   /* series a host forest looks at, at most */
  size_t max_series;             /* series tracked at most */
  double series_timeout;         /* seconds without values before expiry */
  bool notify_host;              /* host-level notifications */
  bool notify_series;            /* per-series notifications */
  bool notify_new_normal;        /* a notification when a shift is accepted */
  double new_normal_time;        /* seconds a shift holds before it is news */
  bool risk_metrics;             /* dispatch anomaly/gauge-risk and co. */
  ad_rules_t *rules;             /* Select/Ignore; NULL selects everything */
  ad_capacity_rules_t *capacity; /* the user's ceilings (NULL: none) */
  bool persist;                  /* keep what was learned across restarts */
  char state_dir[AD_STATE_DIR_MAX]; /* "": the default (the plugin's: under
                                       collectd's BaseDir) */
  double checkpoint_interval;       /* seconds between checkpoints; 0: at
                                       shutdown only */
  unsigned state_versions;          /* previous checkpoints kept per host */
  double change_watch;              /* seconds a change is watched */
  double exhaustion_horizon;  /* seconds ahead a ceiling's crossing is news
                                 (WARNING); 0: never */
  double exhaustion_critical; /* ...and a FAILURE */
  char socket_file[108];      /* the query socket (a sun_path); "":
                                 the default, "off": none */
  char socket_group[64];      /* its group; "": the process's */
  /* The HTTP listener (<HTTP> block, set by the plugin): address and
   * port; port 0: none. */
  char http_address[64];
  unsigned http_port;
};

typedef enum {
  AD_KEY_NUMBER,   /* a real number */
  AD_KEY_INTEGER,  /* a whole number */
  AD_KEY_BOOLEAN,  /* true/false, yes/no, on/off */
  AD_KEY_RULE,     /* a Select/Ignore rule */
  AD_KEY_STRING,   /* text (a path) */
  AD_KEY_CAPACITY, /* a ceiling: "PATTERN MAX" (<Capacity> Series, Max) */
} ad_key_kind_t;

/* Where ad_config_set puts a key's value. */
typedef enum {
  AD_STORE_DOUBLE,   /* a double at offset */
  AD_STORE_UNSIGNED, /* an unsigned at offset */
  AD_STORE_SIZE,     /* a size_t at offset */
  AD_STORE_BOOL,     /* a bool at offset */
  AD_STORE_TEXT,     /* a char[size] at offset */
  AD_STORE_RULE,     /* a rule of kind `rule`, added to rules */
  AD_STORE_SEVERAL,  /* set_several sets the fields */
  AD_STORE_CAPACITY, /* a rule added to capacity */
} ad_key_store_t;

typedef struct ad_config_s ad_config_t;

typedef struct {
  const char *name; /* as written in collectd.conf */
  ad_key_kind_t kind;
  double min, max;      /* accepted range for numbers */
  const char *fallback; /* default, as text */
  const char *doc;      /* one-paragraph description */
  /* where the value goes */
  size_t offset, size; /* of the field in ad_config_t */
  ad_key_store_t store;
  ad_rule_kind_t rule; /* AD_STORE_RULE: the kind of rule */
  void (*set_several)(ad_config_t *cfg, double value); /* AD_STORE_SEVERAL */
} ad_config_key_t;

/* The key table; *count receives its length. Static storage. */
const ad_config_key_t *ad_config_keys(size_t *count);

/* Looks a key up by name (case-insensitive). NULL when unknown. */
const ad_config_key_t *ad_config_key(const char *name);

/* The kind of rule a rule key (AD_KEY_RULE) adds. */
ad_rule_kind_t ad_config_rule_kind(const ad_config_key_t *key);

/* Fills cfg with the defaults (no rules). Cannot fail. */
void ad_config_defaults(ad_config_t *cfg);

/* Sets key to the value given as text. Returns 0; EINVAL with err holding a
 * sentence that names the key and what was expected (cfg unchanged); or
 * ENOMEM. */
int ad_config_set(ad_config_t *cfg, const char *key, const char *value,
                  char *err, size_t err_size);

/* Parses "KEY=VALUE" (replay's --set) and sets it like ad_config_set. */
int ad_config_set_pair(ad_config_t *cfg, const char *pair, char *err,
                       size_t err_size);

/* Cross-field checks (warning below failure, hysteresis below warning,
 * warm-up at least one window, some weight positive). Returns 0 or EINVAL
 * with err naming the keys involved. */
int ad_config_check(const ad_config_t *cfg, char *err, size_t err_size);

/* The alerting parameters (levels, incidents, muting) of cfg. */
ad_alert_params_t ad_config_alert_params(const ad_config_t *cfg);

/* Frees what cfg owns (its rules) and leaves the defaults. NULL allowed. */
void ad_config_release(ad_config_t *cfg);

#endif /* AD_CONFIG_H */
