/* ad_units: what a series' numbers are, from its collectd type, for
 * messages an operator reads at a glance: "3.2 GiB", "649 k/s", "12.5 %"
 * instead of 3.435e+09, and bands that stop where the type does (no
 * negative bytes, no 130 %). The stock types.db types with a unit are
 * known by name; anything else is a plain number, shown with SI prefixes
 * once it is large. */
#ifndef AD_UNITS_H
#define AD_UNITS_H

#include <stddef.h>

typedef enum {
  AD_UNIT_NONE = 0,   /* a plain number */
  AD_UNIT_PERCENT,    /* 0..100 */
  AD_UNIT_BYTES,      /* >= 0, IEC prefixes */
  AD_UNIT_BYTES_RATE, /* bytes a second */
  AD_UNIT_COUNT,      /* >= 0, whole things (processes, users) */
  AD_UNIT_COUNT_RATE, /* things a second (packets, forks, operations) */
} ad_unit_t;

/* The unit of the type in a series name as the engine writes it
 * ("plugin-pi/type-ti:ds"; any prefix before the last '/' is the plugin
 * part). AD_UNIT_NONE for a name without a known type (a replay column).
 * NULL reads as "". Pure. */
ad_unit_t ad_unit_of_series(const char *series);

/* The unit of a collectd type name ("if_octets"); AD_UNIT_NONE for a type
 * without a known unit. NULL reads as "". Pure. */
ad_unit_t ad_unit_of_type(const char *type);

/* The finest step a value of the unit is worth telling apart: a page for
 * bytes (4096), a KiB/s for byte rates, one for counts and count rates,
 * a tenth of a point for percentages; 0 for a plain number. A series'
 * scale is never taken as finer (quiet series stay quiet). */
double ad_unit_floor(ad_unit_t unit);

/* x with its unit in a few characters: three significant digits, a
 * prefix (k, M, G, T; KiB, MiB, GiB, TiB for bytes) and the unit's sign
 * ("%", "B", "/s", "B/s"); NaN as "nan". Writes at most size bytes
 * (size >= 16 always suffices). Returns buf. */
char *ad_unit_format(char *buf, size_t size, double x, ad_unit_t unit);

/* lo and hi (a band) held inside min..max (a NaN bound: none on that
 * side; a NaN edge stays NaN). Cannot fail. */
void ad_band_hold(double *lo, double *hi, double min, double max);

/* lo and hi (a band) held inside the unit's range: 0.. for bytes, counts
 * and rates, 0..100 for percentages. Cannot fail. */
void ad_unit_clamp(ad_unit_t unit, double *lo, double *hi);

#endif /* AD_UNITS_H */
