/* ad_bucket: a token bucket, the request rate of the plugin's query
 * listeners (the Unix socket and HTTP): `rate` requests a second on
 * average, bursts of up to `rate`. The caller supplies the clock and
 * serialises the calls. */
#ifndef AD_BUCKET_H
#define AD_BUCKET_H

#include <stdbool.h>

typedef struct {
  double rate;     /* tokens a second, and the most held */
  double tokens;   /* held now */
  double refilled; /* the clock at the last take (NaN: never) */
} ad_bucket_t;

/* A full bucket of rate (> 0) tokens a second. */
void ad_bucket_init(ad_bucket_t *b, double rate);

/* Takes one token at time now (seconds, monotonic); false when none is
 * left. A clock that goes back refills nothing. */
bool ad_bucket_take(ad_bucket_t *b, double now);

#endif /* AD_BUCKET_H */
