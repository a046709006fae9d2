/* ad_host: per-host ticks and level (see header). */
#include "ad_host.h"
#include "ad_config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

ad_host_t *ad_host_create(const char *name) {
  ad_host_t *h = calloc(1, sizeof(*h));
  if (h == NULL)
    return NULL;
  if (pthread_mutex_init(&h->lock, NULL) != 0) {
    free(h);
    return NULL;
  }
  ad_notice_copy_name(h->name, name);
  atomic_init(&h->series, 0);
  h->last_report = NAN;
  ad_alert_init(&h->alert);
  return h;
}

void ad_host_destroy(ad_host_t *h) {
  if (h == NULL)
    return;
  pthread_mutex_destroy(&h->lock);
  free(h);
}

static double bucket_of(double time, double interval) {
  return interval > 0.0 ? floor(time / interval) : time;
}

bool ad_host_tick_ends(const ad_host_t *h, double time, double interval) {
  return h->tick.open && bucket_of(time, interval) > h->tick.bucket;
}

static void tick_open(ad_tick_t *t, double time, double interval) {
  t->open = true;
  t->bucket = bucket_of(time, interval);
  t->time = time;
  t->interval = interval;
  t->max_risk = NAN;
  t->scored = 0;
  t->driver[0] = '\0';
  t->observed = NAN;
}

void ad_host_fold(ad_host_t *h, const ad_ident_t *id, const char *ds,
                  double time, double interval, double arrival,
                  const ad_series_result_t *res) {
  if (res->anomalous && !res->was_anomalous)
    h->anomalous++;
  else if (!res->anomalous && res->was_anomalous && h->anomalous > 0)
    h->anomalous--;
  ad_tick_t *t = &h->tick;
  if (!t->open)
    tick_open(t, time, interval);
  /* A late value (older bucket) still counts, in the open tick. */
  if (time > t->time)
    t->time = time;
  t->arrival = arrival;
  double risk = res->assessment.risk;
  if (isnan(risk) || res->muted)
    return;
  t->scored++;
  if (isnan(t->max_risk) || risk > t->max_risk) {
    t->max_risk = risk;
    t->observed = res->value;
    t->assessment = res->assessment;
    ad_ident_series_name(id, ds, t->driver, sizeof(t->driver));
  }
}

bool ad_host_close_tick(ad_host_t *h, const ad_alert_params_t *alert,
                        ad_host_report_t *report, ad_notice_t *notice) {
  ad_tick_t *t = &h->tick;
  *report = (ad_host_report_t){.time = NAN};
  if (!t->open)
    return false;
  t->open = false;
  /* Among n series, a deviation that is once-a-month for one of them is
   * n times more frequent for the host: the riskiest series' risk loses
   * what n times less rare costs, so that a host with a hundred quiet
   * series is not notified a hundred times as often as one series. */
  double host_risk = t->max_risk;
  if (!isnan(host_risk) && t->scored > 1)
    host_risk = fmax(0.0, host_risk - AD_RISK_PER_DECADE * log10(t->scored));
  ad_level_t level = AD_LEVEL_OKAY, previous = ad_alert_level(&h->alert);
  ad_alert_event_t event =
      ad_alert_update(&h->alert, alert, t->time, host_risk, &level, &previous);
  unsigned total = atomic_load(&h->series);
  unsigned anomalous = h->anomalous < total ? h->anomalous : total;

  ad_notice_copy_name(report->host, h->name);
  /* Report times must increase per host (collectd's cache refuses a value
   * that is not newer), even when a late value reopened an old bucket. */
  report->time = t->time;
  if (!isnan(h->last_report) && !(report->time > h->last_report))
    report->time = h->last_report + 1e-3;
  h->last_report = report->time;
  report->interval = t->interval;
  report->risk = isnan(host_risk) ? 0.0 : host_risk;
  report->total = total;
  report->anomalous = anomalous;
  report->percent_anomalous = total > 0 ? 100.0 * anomalous / total : 0.0;
  report->scored = t->scored;
  report->level = ad_alert_level(&h->alert);
  report->observed = t->observed;
  report->assessment = t->assessment;
  if (event == AD_ALERT_NONE)
    return false;

  *notice = (ad_notice_t){
      .kind = event == AD_ALERT_NOTIFY  ? AD_NOTICE_LEVEL
              : event == AD_ALERT_MUTED ? AD_NOTICE_MUTED
                                        : AD_NOTICE_UNMUTED,
      .scope = AD_SCOPE_HOST,
      .time = t->time,
      .level = report->level,
      .previous = previous,
      .observed = t->observed,
      .risk = host_risk,
      .assessment = t->assessment,
      .anomalous = anomalous,
      .total = total,
  };
  ad_notice_copy_name(notice->host, h->name);
  ad_notice_copy_name(notice->plugin, "anomaly");
  memcpy(notice->series, t->driver, sizeof(notice->series));
  ad_notice_format(notice);
  return true;
}
