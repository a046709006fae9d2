/* ad_notice: notices and host reports (see header). */
#include "ad_notice.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void ad_notice_copy_name(char dst[AD_NAME_MAX], const char *src) {
  if (src == NULL)
    src = "";
  size_t len = strnlen(src, AD_NAME_MAX - 1);
  memcpy(dst, src, len);
  dst[len] = '\0';
}

void ad_notice_format(ad_notice_t *n) {
  if (n->kind == AD_NOTICE_NEW_NORMAL) {
    if (snprintf(n->message, sizeof(n->message),
                 "Host %.60s: %.90s has a new normal: %.4g, was %.4g (held "
                 "for %.0f min); expected from now on",
                 n->host, n->series, n->normal_to, n->normal_from,
                 n->held / 60.0) < 0)
      n->message[0] = '\0';
    return;
  }
  const ad_assessment_t *a = &n->assessment;
  char detectors[64];
  ad_meta_detected_names(a, detectors, sizeof(detectors));
  const ad_detector_output_t *m = ad_meta_explaining(a);
  char expectation[96] = "no expectation yet";
  if (m != NULL)
    snprintf(expectation, sizeof(expectation), "expected %.4g (%.4g..%.4g)",
             m->expected, m->lower, m->upper);
  double risk = isnan(n->risk) ? 0.0 : n->risk;

  char verdict[96];
  if (n->level == AD_LEVEL_OKAY)
    snprintf(verdict, sizeof(verdict), "risk %.2f %s", risk,
             ad_level_risk_name(n->level));
  else
    snprintf(verdict, sizeof(verdict), "risk %.2f %s by %s", risk,
             ad_level_risk_name(n->level), detectors[0] ? detectors : "none");
  char share[48] = "";
  if (n->scope == AD_SCOPE_HOST)
    snprintf(share, sizeof(share), "; %u of %u series anomalous", n->anomalous,
             n->total);
  if (n->combination) {
    char partner[140] = "";
    if (n->partner[0] != '\0')
      snprintf(partner, sizeof(partner), " with %.55s (%+.1f)", n->partner,
               n->partner_z);
    /* deviations in the series' own scales */
    if (snprintf(n->message, sizeof(n->message),
                 "Host %.40s%s: unusual combination: %.55s (%+.1f)%s; %s%s",
                 n->host, n->level == AD_LEVEL_OKAY ? " back to normal" : "",
                 n->series, n->driver_z, partner, verdict, share) < 0)
      n->message[0] = '\0';
    return;
  }
  /* Names are bounded (%.Ns) so that the numbers always fit in the 256 bytes
   * collectd allows. */
  if (snprintf(n->message, sizeof(n->message),
               "Host %.60s%s: %.90s = %.4g, %s; %s%s", n->host,
               n->level == AD_LEVEL_OKAY ? " back to normal" : "", n->series,
               n->observed, expectation, verdict, share) < 0)
    n->message[0] = '\0';
}
