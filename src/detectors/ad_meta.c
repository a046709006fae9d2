/* ad_meta: weighted meta-classifier (see header). */
#include "detectors/ad_meta.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static const char *const detector_names[AD_DET_COUNT] = {
    "sliding_window", "seasonal", "isolation_forest"};

const char *ad_detector_name(ad_detector_id_t id) {
  return (unsigned)id < AD_DET_COUNT ? detector_names[id] : "unknown";
}

/* The risk is the members' weighted power mean with exponent 4, a soft
 * maximum: one member that is sure (a contextual anomaly only the seasonal
 * forecaster can see) carries the risk most of the way (0.84 of its own with
 * two equal members), agreement carries it all the way, and the weights
 * still decide whose word counts more. A plain weighted average let a member
 * blind to the anomaly cancel the one that sees it. */
void ad_meta_combine(const double weights[AD_DET_COUNT],
                     const ad_level_params_t *levels,
                     const ad_detector_output_t member[AD_DET_COUNT],
                     ad_assessment_t *out) {
  *out = (ad_assessment_t){.risk = NAN, .level = AD_LEVEL_OKAY};
  double weight_sum = 0.0, risk_sum = 0.0, confidence_sum = 0.0;

  for (int i = 0; i < AD_DET_COUNT; i++) {
    out->member[i] = member[i];
    if (isnan(member[i].score) || !(weights[i] > 0.0))
      continue;
    ad_level_t vote = ad_level_of_risk(levels, member[i].score);
    out->votes[vote]++;
    if (vote != AD_LEVEL_OKAY)
      out->detected |= 1u << i;
    weight_sum += weights[i];
    double r = member[i].score * member[i].score;
    risk_sum += weights[i] * r * r; /* score^COMBINE_EXPONENT */
    confidence_sum += weights[i] * member[i].confidence;
  }
  if (weight_sum <= 0.0)
    return;
  out->risk = sqrt(sqrt(risk_sum / weight_sum));
  if (out->risk > 1.0)
    out->risk = 1.0;
  out->level = ad_level_of_risk(levels, out->risk);
  out->consensus = out->votes[out->level];
  /* Confidence: the members' own confidence, discounted when they disagree
   * about the level. */
  unsigned voters = out->votes[0] + out->votes[1] + out->votes[2];
  double agreement = voters > 0 ? (double)out->consensus / voters : 0.0;
  out->confidence = (confidence_sum / weight_sum) * (0.5 + 0.5 * agreement);
}

char *ad_meta_detected_names(const ad_assessment_t *a, char *buf, size_t size) {
  if (size == 0)
    return buf;
  buf[0] = '\0';
  size_t used = 0;
  for (int i = 0; i < AD_DET_COUNT; i++) {
    if (!(a->detected & (1u << i)))
      continue;
    int n = snprintf(buf + used, size - used, "%s%s", used > 0 ? "," : "",
                     detector_names[i]);
    if (n < 0 || (size_t)n >= size - used)
      break;
    used += (size_t)n;
  }
  return buf;
}

const ad_detector_output_t *ad_meta_explaining(const ad_assessment_t *a) {
  const ad_detector_output_t *best = NULL;
  for (int i = 0; i < AD_DET_COUNT; i++) {
    const ad_detector_output_t *m = &a->member[i];
    if (isnan(m->expected))
      continue;
    if (best == NULL || (!isnan(m->score) && m->score > best->score))
      best = m;
  }
  return best;
}
