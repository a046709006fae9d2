/* ad_persistence: sustained deviation, added up (see header). */
#include "detectors/ad_persistence.h"
#include "detectors/ad_detector.h"

#include <math.h>
#include <stddef.h>

void ad_persistence_init(ad_persistence_t *p) { p->up = p->down = 0.0; }

/* One side's sum after adding the excess e. */
static double add(double sum, double e) {
  return ad_fmin(AD_PERSIST_MAX, ad_fmax(0.0, AD_PERSIST_KEEP * sum + e -
                                                  AD_PERSIST_ALLOWANCE));
}

double ad_persistence_update(ad_persistence_t *p, double z) {
  if (isnan(z))
    return NAN;
  double e = ad_fmax(-AD_PERSIST_CLIP, ad_fmin(AD_PERSIST_CLIP, z));
  p->up = add(p->up, e);
  p->down = add(p->down, -e);
  return ad_fmax(p->up, p->down);
}

const char *ad_persistence_invalid(const ad_persistence_t *p) {
  if (!(p->up >= 0 && p->up <= AD_PERSIST_MAX) ||
      !(p->down >= 0 && p->down <= AD_PERSIST_MAX))
    return "persistence: a sum out of range";
  return NULL;
}
