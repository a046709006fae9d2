/* ad_exhaust_notice: the notification of a series heading for its ceiling
 * (ad_exhaust): "will reach 100 % in about 3.2 days (90 % interval
 * 2.6-4.1 days) at +5 GiB/day". */
#include "core/ad_text.h"
#include "core/ad_units.h"
#include "engine/ad_notice.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void ad_notice_exhaustion(ad_notice_t *n, const ad_ident_t *id, const char *ds,
                          bool multi_source, double time,
                          const ad_exhaust_event_t *ev) {
  *n = (ad_notice_t){.kind = AD_NOTICE_EXHAUSTION,
                     .scope = AD_SCOPE_SERIES,
                     .time = time,
                     .level = ev->level,
                     .previous = ev->previous,
                     .observed = ev->left.level,
                     .trend = NAN,
                     .usual_trend = NAN,
                     .risk = ev->level == AD_LEVEL_FAILURE   ? 1.0
                             : ev->level == AD_LEVEL_WARNING ? 0.5
                                                             : 0.0,
                     .assessment = {.risk = NAN, .confidence = NAN},
                     .left = ev->left.seconds,
                     .left_low = ev->left.low,
                     .left_high = ev->left.high,
                     .rate = ev->left.rate,
                     .ceiling = ev->ceiling,
                     .of_whole = ev->of_whole};
  for (int i = 0; i < AD_DET_COUNT; i++)
    n->assessment.member[i] = AD_DETECTOR_OUTPUT_NONE; /* no member's */
  ad_notice_identify(n, id, ds, multi_source);
}

/* "2.6-4.1 days": an interval, its unit said once when both ends share
 * it; "from 2.6 days" when it has no end. */
static void interval_text(char *out, size_t size, double low, double high) {
  char l[24], h[24];
  ad_notice_duration(l, sizeof(l), low);
  if (!isfinite(high)) {
    snprintf(out, size, "from %s", l);
    return;
  }
  ad_notice_duration(h, sizeof(h), high);
  char *lu = strchr(l, ' '), *hu = strchr(h, ' ');
  if (lu != NULL && hu != NULL && strcmp(lu, hu) == 0)
    *lu = '\0';
  snprintf(out, size, "%s-%s", l, h);
}

/* "100 %" for a whole, else the ceiling in the series' unit. */
static void ceiling_text(char *out, size_t size, const ad_notice_t *n,
                         ad_unit_t unit) {
  if (n->of_whole)
    snprintf(out, size, "100 %%");
  else
    ad_unit_format(out, size, n->ceiling, unit);
}

void ad_notice_format_exhaustion(ad_notice_t *n) {
  char host[61], series[91], ceiling[24];
  ad_text_escape(host, sizeof(host), n->host, SIZE_MAX);
  ad_text_escape(series, sizeof(series), n->series, SIZE_MAX);
  ad_unit_t unit = ad_unit_of_series(n->series);
  ceiling_text(ceiling, sizeof(ceiling), n, unit);
  int rc;
  if (n->level == AD_LEVEL_OKAY) {
    char left[24] = "";
    if (isfinite(n->left))
      ad_notice_duration(left, sizeof(left), n->left);
    rc = snprintf(n->message, sizeof(n->message),
                  "Host %s: %s no longer heading for %s soon (%s%s)", host,
                  series, ceiling, left[0] ? "time left " : "no rising trend",
                  left);
  } else {
    char left[24], interval[56], rate[24];
    ad_notice_duration(left, sizeof(left), n->left);
    interval_text(interval, sizeof(interval), n->left_low, n->left_high);
    ad_unit_format(rate, sizeof(rate), n->rate * 86400.0, unit);
    rc = snprintf(n->message, sizeof(n->message),
                  "Host %s: %s will reach %s in about %s (90 %% interval "
                  "%s) at +%s/day",
                  host, series, ceiling, left, interval, rate);
  }
  if (rc < 0)
    n->message[0] = '\0';
}
