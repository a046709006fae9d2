/* ad_bucket: a token bucket (see header). */
#include "core/ad_bucket.h"

#include <math.h>

void ad_bucket_init(ad_bucket_t *b, double rate) {
  b->rate = rate;
  b->tokens = rate;
  b->refilled = NAN;
}

bool ad_bucket_take(ad_bucket_t *b, double now) {
  if (isfinite(b->refilled) && now > b->refilled)
    b->tokens = fmin(b->rate, b->tokens + (now - b->refilled) * b->rate);
  if (!isfinite(b->refilled) || now > b->refilled)
    b->refilled = now;
  if (!(b->tokens >= 1))
    return false;
  b->tokens -= 1;
  return true;
}
