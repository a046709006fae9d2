/* ad_risk: how unusual a deviation is, in days, and what risk that is.
 *
 * A member's surprise (ad_calib) is -log10 of how often the series deviates
 * that much per value. Divided by the values a day, that is how many days
 * pass, on average, between such deviations; the risk is 0.5 where that is
 * `rarity` days (the option RiskRarity), and each tenfold rarer adds
 * AD_RISK_PER_DECADE, in [0, 1]. So one threshold serves series of any
 * interval: a once-a-month deviation is the same risk at 10 s and at 1 h. */
#ifndef AD_RISK_H
#define AD_RISK_H

/* Risk added per tenfold rarer deviation. */
#define AD_RISK_PER_DECADE 0.2

/* The risk of a deviation of surprise `surprise` in a series of
 * values_per_day values a day, for a risk of 0.5 every `rarity` days. Pure. */
double ad_risk(double rarity, double surprise, double values_per_day);

/* The logarithms ad_risk takes, taken once (a series' members share them
 * for each value): ad_risk_scaled(ad_risk_scale(r, v), s) equals
 * ad_risk(r, s, v) to the bit. */
typedef struct {
  double log_rarity;  /* log10(rarity) */
  double log_per_day; /* log10(values a day), at least that of 1e-9 */
} ad_risk_scale_t;

ad_risk_scale_t ad_risk_scale(double rarity, double values_per_day);
double ad_risk_scaled(const ad_risk_scale_t *k, double surprise);

/* The inverse: the surprise at which the risk reaches `risk`. Pure. */
double ad_risk_surprise_at_scaled(const ad_risk_scale_t *k, double risk);

#endif /* AD_RISK_H */
