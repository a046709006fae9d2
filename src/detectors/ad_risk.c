/* ad_risk: surprise to risk (see header). */
#include "detectors/ad_risk.h"

#include <math.h>

double ad_risk(double rarity, double surprise, double values_per_day) {
  /* log10 of the days between such deviations: 1 / (p * values a day) */
  double days = surprise - log10(fmax(values_per_day, 1e-9));
  double risk = 0.5 + AD_RISK_PER_DECADE * (days - log10(rarity));
  return risk < 0 ? 0 : risk > 1 ? 1 : risk;
}

double ad_risk_surprise_at(double rarity, double risk, double values_per_day) {
  return (risk - 0.5) / AD_RISK_PER_DECADE + log10(rarity) +
         log10(fmax(values_per_day, 1e-9));
}
