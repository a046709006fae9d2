/* ad_exhaust_notice: the notification of a series heading for its ceiling
 * (ad_exhaust): "will reach 100 % in about 3.2 days (90 % interval
 * 2.6-4.1 days) at +5 GiB/day". */
#include "core/ad_text.h"
#include "core/ad_units.h"
#include "engine/ad_notice.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>

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
                     .assessment = {.risk = NAN},
                     .left = ev->left.seconds,
                     .left_low = ev->left.low,
                     .left_high = ev->left.high,
                     .rate = ev->left.rate,
                     .ceiling = ev->ceiling,
                     .of_whole = ev->of_whole};
  ad_notice_identify(n, id, ds, multi_source);
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
    char left[24], low[24], high[24] = "", rate[24];
    ad_notice_duration(left, sizeof(left), n->left);
    ad_notice_duration(low, sizeof(low), n->left_low);
    if (isfinite(n->left_high))
      ad_notice_duration(high, sizeof(high), n->left_high);
    ad_unit_format(rate, sizeof(rate), n->rate * 86400.0, unit);
    rc = snprintf(n->message, sizeof(n->message),
                  "Host %s: %s will reach %s in about %s (90 %% interval "
                  "%s-%s) at +%s/day",
                  host, series, ceiling, left, low, high[0] ? high : "never",
                  rate);
  }
  if (rc < 0)
    n->message[0] = '\0';
}
