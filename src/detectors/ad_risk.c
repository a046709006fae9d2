/* ad_risk: surprise to risk (see header). */
#include "detectors/ad_risk.h"

#include <math.h>

ad_risk_scale_t ad_risk_scale(double rarity, double values_per_day) {
  return (ad_risk_scale_t){.log_rarity = log10(rarity),
                           .log_per_day = log10(fmax(values_per_day, 1e-9))};
}

double ad_risk_scaled(const ad_risk_scale_t *k, double surprise) {
  /* log10 of the days between such deviations: 1 / (p * values a day) */
  double days = surprise - k->log_per_day;
  double risk = 0.5 + AD_RISK_PER_DECADE * (days - k->log_rarity);
  return risk < 0 ? 0 : risk > 1 ? 1 : risk;
}

double ad_risk_surprise_at_scaled(const ad_risk_scale_t *k, double risk) {
  return (risk - 0.5) / AD_RISK_PER_DECADE + k->log_rarity + k->log_per_day;
}

double ad_risk(double rarity, double surprise, double values_per_day) {
  ad_risk_scale_t k = ad_risk_scale(rarity, values_per_day);
  return ad_risk_scaled(&k, surprise);
}
