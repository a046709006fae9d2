/* ad_rate: turns cumulative counters into rates the way collectd does for
 * its COUNTER, DERIVE and ABSOLUTE data sources, for data read from files
 * (replay, training) where collectd's value cache is not there to do it.
 *
 * COUNTER wraps: a value below the previous one is taken as a wrap at 2^32
 * when the previous value fitted in 32 bits, else at 2^64 (collectd's
 * counter_diff). DERIVE may go down (negative rate). ABSOLUTE values are
 * per-interval amounts, divided by the time since the previous value.
 * The first value of a series has no rate ("no observation"). */
#ifndef AD_RATE_H
#define AD_RATE_H

#include <stdbool.h>

typedef enum {
  AD_DS_GAUGE = 0,
  AD_DS_COUNTER,
  AD_DS_DERIVE,
  AD_DS_ABSOLUTE,
} ad_ds_kind_t;

typedef struct {
  double last_raw;  /* previous raw value */
  double last_time; /* its time */
  bool primed;      /* a previous value exists */
} ad_rate_t;

/* Parses "gauge", "counter", "derive", "absolute" (case-insensitive).
 * Returns 0 or EINVAL. */
int ad_rate_kind_parse(const char *name, ad_ds_kind_t *kind);

/* Forgets the previous value. Cannot fail. */
void ad_rate_init(ad_rate_t *r);

/* Converts raw (at `time`, seconds) to a rate in *rate. Returns 0 with a
 * rate; EAGAIN for the first value (or after a missing one), *rate NaN;
 * EINVAL when time does not advance or raw is NaN, *rate NaN (the state then
 * restarts from this value if it is a number). GAUGE passes raw through. */
int ad_rate_update(ad_rate_t *r, ad_ds_kind_t kind, double raw, double time,
                   double *rate);

#endif /* AD_RATE_H */
