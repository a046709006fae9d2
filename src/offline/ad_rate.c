/* ad_rate: counter/derive/absolute to rate (see header). */
#include "offline/ad_rate.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <strings.h>

int ad_rate_kind_parse(const char *name, ad_ds_kind_t *kind) {
  static const char *const names[] = {"gauge", "counter", "derive", "absolute"};
  for (int i = 0; i < 4; i++) {
    if (strcasecmp(name, names[i]) == 0) {
      *kind = (ad_ds_kind_t)i;
      return 0;
    }
  }
  return EINVAL;
}

void ad_rate_init(ad_rate_t *r) { *r = (ad_rate_t){.last_time = NAN}; }

/* Counter difference with wrap-around, as collectd's counter_diff. */
static double counter_diff(double old_value, double new_value) {
  if (new_value >= old_value)
    return new_value - old_value;
  if (old_value <= (double)UINT32_MAX)
    return (4294967296.0 - old_value) + new_value;
  return (18446744073709551616.0 - old_value) + new_value;
}

int ad_rate_update(ad_rate_t *r, ad_ds_kind_t kind, double raw, double time,
                   double *rate) {
  *rate = NAN;
  if (kind == AD_DS_GAUGE) {
    *rate = raw;
    return isnan(raw) ? EINVAL : 0;
  }
  if (isnan(raw)) {
    r->primed = false; /* a gap: the next value starts a new difference */
    return EINVAL;
  }
  if (!r->primed) {
    r->primed = true;
    r->last_raw = raw;
    r->last_time = time;
    return EAGAIN;
  }
  double dt = time - r->last_time;
  if (!(dt > 0.0)) {
    r->last_raw = raw;
    r->last_time = time;
    return EINVAL;
  }
  double diff = 0.0;
  switch (kind) {
  case AD_DS_COUNTER:
    diff = counter_diff(r->last_raw, raw);
    break;
  case AD_DS_DERIVE:
    diff = raw - r->last_raw;
    break;
  case AD_DS_ABSOLUTE:
    diff = raw;
    break;
  case AD_DS_GAUGE:
    break;
  }
  r->last_raw = raw;
  r->last_time = time;
  *rate = diff / dt;
  return 0;
}
