/* ad_level: OKAY / WARNING / FAILURE with hits and hysteresis (see header). */
#include "detectors/ad_level.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <strings.h>

static const char *const level_names[AD_LEVEL_COUNT] = {"OKAY", "WARNING",
                                                        "FAILURE"};
static const char *const risk_names[AD_LEVEL_COUNT] = {"LOW", "MEDIUM", "HIGH"};

const char *ad_level_name(ad_level_t level) {
  return (unsigned)level < AD_LEVEL_COUNT ? level_names[level] : "UNKNOWN";
}

const char *ad_level_risk_name(ad_level_t level) {
  return (unsigned)level < AD_LEVEL_COUNT ? risk_names[level] : "UNKNOWN";
}

int ad_level_parse(const char *name, ad_level_t *level) {
  for (int i = 0; i < AD_LEVEL_COUNT; i++) {
    if (strcasecmp(name, level_names[i]) == 0) {
      *level = (ad_level_t)i;
      return 0;
    }
  }
  return EINVAL;
}

static ad_level_t classify(double risk, double warning, double failure) {
  if (risk >= failure)
    return AD_LEVEL_FAILURE;
  if (risk >= warning)
    return AD_LEVEL_WARNING;
  return AD_LEVEL_OKAY;
}

ad_level_t ad_level_of_risk(const ad_level_params_t *p, double risk) {
  if (isnan(risk))
    return AD_LEVEL_OKAY;
  return classify(risk, p->warning, p->failure);
}

ad_level_t ad_level_target(const ad_level_params_t *p, double risk,
                           ad_level_t current) {
  ad_level_t plain = classify(risk, p->warning, p->failure);
  if (plain >= current)
    return plain;
  /* Going down: the thresholds are lowered by the hysteresis, and the level
   * never drops below what the plain thresholds say. */
  ad_level_t lowered =
      classify(risk, p->warning - p->hysteresis, p->failure - p->hysteresis);
  ad_level_t held = lowered < current ? lowered : current;
  return held > plain ? held : plain;
}

void ad_level_init(ad_level_state_t *st) {
  *st = (ad_level_state_t){.level = AD_LEVEL_OKAY};
}

bool ad_level_update(ad_level_state_t *st, const ad_level_params_t *p,
                     double risk, ad_level_t *previous) {
  if (isnan(risk))
    return false;
  ad_level_t current = (ad_level_t)st->level;
  ad_level_t target = ad_level_target(p, risk, current);
  if (target == current) {
    st->pending = 0;
    st->streak = 0;
    return false;
  }
  int8_t direction = target > current ? 1 : -1;
  if (st->pending != direction) {
    st->pending = direction;
    st->streak = 0;
  }
  if (st->streak < UINT16_MAX)
    st->streak++;
  unsigned needed = p->hits > 0 ? p->hits : 1;
  if (st->streak < needed)
    return false;
  if (previous != NULL)
    *previous = current;
  st->level = (uint8_t)target;
  st->pending = 0;
  st->streak = 0;
  return true;
}
