/* ad_resolution: the step a series' values come in (see header). */
#include "detectors/ad_resolution.h"

#include <math.h>
#include <stddef.h>

/* Each step a whole multiple of the next, so that "a multiple of every
 * value seen" only ever moves down the ladder. */
static const double LADDER[] = {4096, 1024, 256, 64,   16,   4,    2,
                                1,    0.5,  0.1, 0.05, 0.01, 0.001};
#define STEPS (sizeof(LADDER) / sizeof(LADDER[0]))

/* x is a whole multiple of q, to the precision a double holds x with. */
static int multiple_of(double x, double q) {
  double r = x / q;
  return fabs(r - nearbyint(r)) <= 1e-9 * fmax(1.0, fabs(r));
}

double ad_resolution_learn(double resolution, double x) {
  if (!isfinite(x) || x == 0.0 || resolution == 0.0)
    return resolution;
  size_t i = 0;
  if (!isnan(resolution))
    while (i < STEPS && LADDER[i] > resolution)
      i++;
  while (i < STEPS && !multiple_of(x, LADDER[i]))
    i++;
  return i < STEPS ? LADDER[i] : 0.0;
}

const char *ad_resolution_invalid(double resolution) {
  if (isnan(resolution) || resolution == 0.0)
    return NULL;
  for (size_t i = 0; i < STEPS; i++)
    if (resolution == LADDER[i])
      return NULL;
  return "resolution: not a step of the ladder";
}
