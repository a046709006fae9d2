/* ad_notice: notices and host reports (see header). */
#include "engine/ad_notice.h"
#include "core/ad_text.h"
#include "core/ad_units.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void ad_notice_copy_name(char dst[AD_NAME_MAX], const char *src) {
  if (src == NULL)
    src = "";
  size_t len = strnlen(src, AD_NAME_MAX - 1);
  memcpy(dst, src, len);
  dst[len] = '\0';
}

/* Names as the message shows them: escaped (a name from the network may
 * hold a newline or a terminal escape) and cut to at most `width` bytes at
 * a character boundary, so that the numbers always fit in the 256 bytes
 * collectd allows. */
#define SHOWN(var, name, width)                                                \
  char var[(width) + 1];                                                       \
  ad_text_escape(var, sizeof(var), (name), SIZE_MAX)

/* "expected 12.5 % (4..21 %)": the member's expectation and its band, as
 * the type allows them (no negative bytes, no 130 %), a unit both ends of
 * the band share said once. */
static void format_expectation(char *out, size_t size,
                               const ad_detector_output_t *m, ad_unit_t unit) {
  double lo = m->lower, hi = m->upper;
  ad_unit_clamp(unit, &lo, &hi);
  char e[24], l[24], h[24];
  ad_unit_format(l, sizeof(l), lo, unit);
  ad_unit_format(h, sizeof(h), hi, unit);
  char *lu = strchr(l, ' '), *hu = strchr(h, ' ');
  if (lu != NULL && hu != NULL && strcmp(lu, hu) == 0)
    *lu = '\0';
  snprintf(out, size, "expected %s (%s..%s)",
           ad_unit_format(e, sizeof(e), m->expected, unit), l, h);
}

void ad_notice_duration(char *out, size_t size, double seconds) {
  if (seconds < 90)
    snprintf(out, size, "%.0f s", seconds);
  else if (seconds < 5400)
    snprintf(out, size, "%.0f min", seconds / 60.0);
  else if (seconds < 2 * 86400)
    snprintf(out, size, "%.1f h", seconds / 3600.0);
  else
    snprintf(out, size, "%.1f days", seconds / 86400.0);
}

/* ", rising 42 M/h (usually flat)": how fast the value moves, when that is
 * clear and it moves the way it deviates (a leak, a filling disk), and
 * whether the forecaster expects it flat at this time of day; nothing
 * otherwise. */
static void format_trend(char *out, size_t size, const ad_notice_t *n,
                         const ad_detector_output_t *m, ad_unit_t unit) {
  out[0] = '\0';
  if (!isfinite(n->trend) || n->trend == 0 || m == NULL ||
      !isfinite(n->observed) || !isfinite(m->expected) ||
      (n->trend > 0) != (n->observed > m->expected))
    return;
  char rate[24];
  ad_unit_format(rate, sizeof(rate), fabs(n->trend), unit);
  bool flat =
      isfinite(n->usual_trend) && fabs(n->usual_trend) < 0.25 * fabs(n->trend);
  snprintf(out, size, ", %s %s/h%s", n->trend > 0 ? "rising" : "falling", rate,
           flat ? " (usually flat)" : "");
}

/* "has a new normal: 2.2 G, was 2 G (held for 180 min)"; a change that
 * came in steps says how long it moved before it held. */
static void format_new_normal(ad_notice_t *n, const char *host,
                              const char *series, ad_unit_t unit) {
  char now[24], was[24], moved[48] = "";
  if (n->moved > 0) {
    char span[24];
    ad_notice_duration(span, sizeof(span), n->moved);
    snprintf(moved, sizeof(moved), "%s over %s, then ",
             n->normal_to > n->normal_from ? "rose" : "fell", span);
  }
  if (snprintf(n->message, sizeof(n->message),
               "Host %s: %s has a new normal: %s, was %s (%sheld for %.0f "
               "min); expected from now on",
               host, series,
               ad_unit_format(now, sizeof(now), n->normal_to, unit),
               ad_unit_format(was, sizeof(was), n->normal_from, unit), moved,
               n->held / 60.0) < 0)
    n->message[0] = '\0';
}

/* The host forest's notice: the series it credits most, with their
 * deviations in their own scales; a learned relation that broke says so. */
static void format_combination(ad_notice_t *n, const char *verdict,
                               const char *share) {
  SHOWN(short_host, n->host, 40);
  SHOWN(driver, n->series, 55);
  SHOWN(other, n->partner, 55);
  char partner[140] = "";
  if (n->partner[0] != '\0')
    snprintf(partner, sizeof(partner), " with %s (%+.1f)", other, n->partner_z);
  /* deviations in the series' own scales */
  const char *what = "unusual combination";
  char usual[40] = "";
  if (n->relation_corr != 0 && n->partner[0] != '\0') {
    what = "relation broken";
    snprintf(usual, sizeof(usual), ", usually %s (r %.2f)",
             n->relation_corr > 0 ? "together" : "opposite", n->relation_corr);
  }
  if (snprintf(n->message, sizeof(n->message),
               "Host %s%s: %s: %s (%+.1f)%s%s; %s%s", short_host,
               n->level == AD_LEVEL_OKAY ? " back to normal" : "", what, driver,
               n->driver_z, partner, usual, verdict, share) < 0)
    n->message[0] = '\0';
}

void ad_notice_format(ad_notice_t *n) {
  if (n->kind == AD_NOTICE_EXHAUSTION) {
    ad_notice_format_exhaustion(n);
    return;
  }
  SHOWN(host, n->host, 60);
  SHOWN(series, n->series, 90);
  ad_unit_t unit = ad_unit_of_series(n->series);
  if (n->kind == AD_NOTICE_NEW_NORMAL) {
    format_new_normal(n, host, series, unit);
    return;
  }
  const ad_assessment_t *a = &n->assessment;
  char detectors[64];
  ad_meta_detected_names(a, detectors, sizeof(detectors));
  const ad_detector_output_t *m = ad_meta_explaining(a);
  /* An OKAY quotes the forecaster's expectation: its band is the one the
   * series is back inside (ad_series), while the sliding window may still
   * expect what the incident was. */
  if (n->level == AD_LEVEL_OKAY && !isnan(a->member[AD_DET_SEASONAL].expected))
    m = &a->member[AD_DET_SEASONAL];
  char expectation[96] = "no expectation yet";
  if (m != NULL)
    format_expectation(expectation, sizeof(expectation), m, unit);
  double risk = isnan(n->risk) ? 0.0 : n->risk;
  if (n->level == AD_LEVEL_OKAY && n->lasted > 0) {
    char lasted[24];
    ad_notice_duration(lasted, sizeof(lasted), n->lasted);
    if (snprintf(n->message, sizeof(n->message),
                 "Host %s back to normal after %s: the incident began at %s; "
                 "risk %.2f %s; %u of %u series anomalous",
                 host, lasted, series, risk, ad_level_risk_name(n->level),
                 n->anomalous, n->total) < 0)
      n->message[0] = '\0';
    return;
  }

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
    format_combination(n, verdict, share);
    return;
  }
  char now[24], trend[80] = "";
  if (n->level != AD_LEVEL_OKAY)
    format_trend(trend, sizeof(trend), n, m, unit);
  if (snprintf(n->message, sizeof(n->message), "Host %s%s: %s = %s%s, %s; %s%s",
               host, n->level == AD_LEVEL_OKAY ? " back to normal" : "", series,
               ad_unit_format(now, sizeof(now), n->observed, unit), trend,
               expectation, verdict, share) < 0)
    n->message[0] = '\0';
}

ad_notice_kind_t ad_notice_kind(ad_alert_event_t event) {
  return event == AD_ALERT_MUTED     ? AD_NOTICE_MUTED
         : event == AD_ALERT_UNMUTED ? AD_NOTICE_UNMUTED
                                     : AD_NOTICE_LEVEL;
}

/* Names a series' notice by the series' own identifier, and words it. */
void ad_notice_identify(ad_notice_t *n, const ad_ident_t *id, const char *ds,
                        bool multi_source) {
  ad_notice_copy_name(n->host, id->host);
  ad_notice_copy_name(n->plugin, id->plugin);
  ad_notice_copy_name(n->plugin_instance, id->plugin_instance);
  ad_notice_copy_name(n->type, id->type);
  ad_notice_copy_name(n->type_instance, id->type_instance);
  ad_notice_copy_name(n->data_source, ds);
  ad_ident_series_name(id, multi_source ? ds : NULL, n->series,
                       sizeof(n->series));
  ad_notice_format(n);
}

void ad_notice_series(ad_notice_t *n, const ad_ident_t *id, const char *ds,
                      bool multi_source, double time,
                      const ad_series_result_t *res) {
  *n = (ad_notice_t){
      .kind = ad_notice_kind(res->event),
      .scope = AD_SCOPE_SERIES,
      .time = time,
      .level = res->level,
      .previous = res->previous,
      .observed = res->value,
      .trend = res->trend,
      .usual_trend = res->usual_trend,
      .pattern = res->pattern,
      .risk = res->assessment.risk,
      .assessment = res->assessment,
  };
  ad_notice_identify(n, id, ds, multi_source);
}

void ad_notice_new_normal(ad_notice_t *n, const ad_ident_t *id, const char *ds,
                          bool multi_source, double time,
                          const ad_series_result_t *res) {
  *n = (ad_notice_t){.kind = AD_NOTICE_NEW_NORMAL,
                     .scope = AD_SCOPE_SERIES,
                     .time = time,
                     .level = AD_LEVEL_OKAY,
                     .previous = AD_LEVEL_OKAY,
                     .observed = res->value,
                     .trend = NAN,
                     .usual_trend = NAN,
                     .risk = 0.0,
                     .normal_from = res->normal_from,
                     .normal_to = res->normal_to,
                     .held = res->normal_held,
                     .moved = res->normal_moved,
                     .assessment = res->assessment};
  ad_notice_identify(n, id, ds, multi_source);
}

bool ad_notice_wanted(const ad_notice_t *n, const ad_config_t *cfg) {
  switch (n->kind) {
  case AD_NOTICE_LEVEL:
    return n->scope == AD_SCOPE_HOST ? cfg->notify_host : cfg->notify_series;
  case AD_NOTICE_NEW_NORMAL:
    return cfg->notify_new_normal;
  case AD_NOTICE_CHANGE:
    return cfg->notify_host;
  case AD_NOTICE_EXHAUSTION:
    return cfg->exhaustion_horizon > 0;
  case AD_NOTICE_MUTED:
  case AD_NOTICE_UNMUTED:
    break;
  }
  return true;
}
