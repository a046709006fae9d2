/* ad_units: units of collectd types, human numbers (see header). */
#include "core/ad_units.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const struct {
  const char *type;
  ad_unit_t unit;
} TYPES[] = {
    {"percent", AD_UNIT_PERCENT},
    {"percent_bytes", AD_UNIT_PERCENT},
    {"percent_inodes", AD_UNIT_PERCENT},
    {"bytes", AD_UNIT_BYTES},
    {"df_complex", AD_UNIT_BYTES},
    {"memory", AD_UNIT_BYTES},
    {"swap", AD_UNIT_BYTES},
    {"cache_size", AD_UNIT_BYTES},
    {"if_octets", AD_UNIT_BYTES_RATE},
    {"disk_octets", AD_UNIT_BYTES_RATE},
    {"io_octets", AD_UNIT_BYTES_RATE},
    {"swap_io", AD_UNIT_BYTES_RATE},
    {"ps_state", AD_UNIT_COUNT},
    {"users", AD_UNIT_COUNT},
    {"processes", AD_UNIT_COUNT},
    {"threads", AD_UNIT_COUNT},
    {"df_inodes", AD_UNIT_COUNT},
    {"if_packets", AD_UNIT_COUNT_RATE},
    {"if_errors", AD_UNIT_COUNT_RATE},
    {"if_dropped", AD_UNIT_COUNT_RATE},
    {"disk_ops", AD_UNIT_COUNT_RATE},
    {"disk_merged", AD_UNIT_COUNT_RATE},
    {"contextswitch", AD_UNIT_COUNT_RATE},
    {"fork_rate", AD_UNIT_COUNT_RATE},
};

/* The unit of the type spelled by the first len bytes at type. */
static ad_unit_t unit_of(const char *type, size_t len) {
  for (size_t i = 0; i < sizeof(TYPES) / sizeof(TYPES[0]); i++)
    if (strlen(TYPES[i].type) == len && strncmp(TYPES[i].type, type, len) == 0)
      return TYPES[i].unit;
  return AD_UNIT_NONE;
}

ad_unit_t ad_unit_of_type(const char *type) {
  return type != NULL ? unit_of(type, strlen(type)) : AD_UNIT_NONE;
}

ad_unit_t ad_unit_of_series(const char *series) {
  const char *slash = series != NULL ? strrchr(series, '/') : NULL;
  if (slash == NULL)
    return AD_UNIT_NONE; /* no plugin part: not a collectd name */
  return unit_of(slash + 1, strcspn(slash + 1, "-:"));
}

double ad_unit_floor(ad_unit_t unit) {
  switch (unit) {
  case AD_UNIT_BYTES:
    return 4096.0;
  case AD_UNIT_BYTES_RATE:
    return 1024.0;
  case AD_UNIT_COUNT:
  case AD_UNIT_COUNT_RATE:
    return 1.0;
  case AD_UNIT_PERCENT:
    return 0.1;
  default:
    return 0.0;
  }
}

static const char *suffix(ad_unit_t unit) {
  switch (unit) {
  case AD_UNIT_PERCENT:
    return "%";
  case AD_UNIT_BYTES:
    return "B";
  case AD_UNIT_BYTES_RATE:
    return "B/s";
  case AD_UNIT_COUNT_RATE:
    return "/s";
  default:
    return "";
  }
}

char *ad_unit_format(char *buf, size_t size, double x, ad_unit_t unit) {
  if (size == 0)
    return buf;
  if (!isfinite(x)) {
    snprintf(buf, size, "%s", isnan(x) ? "nan" : x > 0 ? "inf" : "-inf");
    return buf;
  }
  static const char *const SI[] = {"", "k", "M", "G", "T", "P", "E"};
  static const char *const IEC[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  bool iec = unit == AD_UNIT_BYTES || unit == AD_UNIT_BYTES_RATE;
  double base = iec ? 1024.0 : 1000.0, v = x;
  int k = 0;
  /* plain numbers stay plain below 10000; percentages always */
  if (unit != AD_UNIT_PERCENT && fabs(v) >= (iec ? base : 10000.0))
    while (fabs(v) >= base && k < 6) {
      v /= base;
      k++;
    }
  const char *prefix = iec ? IEC[k] : SI[k], *unit_suffix = suffix(unit);
  /* a space between the number and a unit or prefix: "3.2 GiB", "649 k";
   * none before a bare "/s" ("12/s") */
  bool space =
      prefix[0] != '\0' || (unit_suffix[0] != '\0' && unit_suffix[0] != '/');
  snprintf(buf, size, "%.4g%s%s%s", v, space ? " " : "", prefix, unit_suffix);
  return buf;
}

/* x inside min..max, either bound NaN for none; a NaN x stays NaN. */
static double held(double x, double min, double max) {
  if (x < min)
    return min;
  return x > max ? max : x;
}

void ad_band_hold(double *lo, double *hi, double min, double max) {
  *lo = held(*lo, min, max);
  *hi = held(*hi, min, max);
}

void ad_unit_clamp(ad_unit_t unit, double *lo, double *hi) {
  if (unit != AD_UNIT_NONE)
    ad_band_hold(lo, hi, 0.0, unit == AD_UNIT_PERCENT ? 100.0 : NAN);
}
