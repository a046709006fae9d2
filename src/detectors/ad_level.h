/* ad_level: the OKAY / WARNING / FAILURE state machine behind every
 * notification, with collectd threshold-plugin semantics.
 *
 * A risk score in [0,1] is classified against two thresholds (LOW < warning
 * <= MEDIUM < failure <= HIGH). Two guards keep the state from flapping:
 *  - Hysteresis: a level is left downwards only once the risk falls below
 *    its threshold minus the hysteresis.
 *  - Hits: a change of level needs that many consecutive observations
 *    pointing the same way (up or down). Unlike collectd's threshold plugin
 *    this also applies on the way back to OKAY (collectd#1900).
 * A NaN risk is "no observation": it neither moves the state nor breaks a run
 * of hits. */
#ifndef AD_LEVEL_H
#define AD_LEVEL_H

#include <stdbool.h>
#include <stdint.h>

typedef enum {
  AD_LEVEL_OKAY = 0,    /* risk LOW */
  AD_LEVEL_WARNING = 1, /* risk MEDIUM */
  AD_LEVEL_FAILURE = 2, /* risk HIGH */
} ad_level_t;

#define AD_LEVEL_COUNT 3

typedef struct {
  double warning;    /* risk at which MEDIUM / WARNING starts */
  double failure;    /* risk at which HIGH / FAILURE starts */
  double hysteresis; /* how far below a threshold the risk must fall */
  unsigned hits;     /* consecutive observations needed to change level */
} ad_level_params_t;

typedef struct {
  uint8_t level;   /* ad_level_t: the current (notified) level */
  int8_t pending;  /* direction of the current run: +1 up, -1 down, 0 none */
  uint16_t streak; /* length of the current run */
} ad_level_state_t;

/* Notification severity name of a level: "OKAY", "WARNING", "FAILURE".
 * Never NULL. */
const char *ad_level_name(ad_level_t level);

/* Risk level name of a level: "LOW", "MEDIUM", "HIGH". Never NULL. */
const char *ad_level_risk_name(ad_level_t level);

/* Parses "OKAY"/"WARNING"/"FAILURE" (case-insensitive). Returns 0 and sets
 * *level, or EINVAL. */
int ad_level_parse(const char *name, ad_level_t *level);

/* Classifies a risk without state: LOW, MEDIUM or HIGH by the thresholds.
 * NaN classifies as OKAY. */
ad_level_t ad_level_of_risk(const ad_level_params_t *p, double risk);

/* The level a risk points to from the level `current`, with hysteresis
 * applied to downward moves. */
ad_level_t ad_level_target(const ad_level_params_t *p, double risk,
                           ad_level_t current);

/* Puts a state at OKAY with no run in progress. Cannot fail. */
void ad_level_init(ad_level_state_t *st);

/* Feeds one risk observation. Returns true when the level changed; then
 * *previous (if not NULL) holds the old level and st->level the new one.
 * Cannot fail. */
bool ad_level_update(ad_level_state_t *st, const ad_level_params_t *p,
                     double risk, ad_level_t *previous);

#endif /* AD_LEVEL_H */
