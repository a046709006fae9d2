/* ad_ratelog: repeat-limited counts (see header). */
#include "core/ad_ratelog.h"

#include <math.h>
#include <stdio.h>

void ad_ratelog_init(ad_ratelog_t *r, double min_wait, double max_wait) {
  *r = (ad_ratelog_t){.min_wait = min_wait,
                      .max_wait = max_wait,
                      .wait = min_wait,
                      .last_line = NAN,
                      .since = NAN};
}

void ad_ratelog_add(ad_ratelog_t *r, uint64_t n, double now) {
  if (n == 0)
    return;
  if (r->pending == 0)
    r->since = now;
  r->pending += n;
  r->total += n;
}

bool ad_ratelog_take(ad_ratelog_t *r, double now, bool force,
                     ad_ratelog_line_t *line) {
  if (r->pending == 0)
    return false;
  bool first = isnan(r->last_line);
  double quiet = first ? INFINITY : now - r->last_line;
  if (!force && quiet < r->wait)
    return false;
  /* after a quiet spell of twice the wait, the next line comes as soon as
   * a first one; while it goes on, ever more rarely */
  if (!first && r->since - r->last_line >= 2.0 * r->wait)
    r->wait = r->min_wait;
  else if (!first)
    r->wait = fmin(2.0 * r->wait, r->max_wait);
  *line = (ad_ratelog_line_t){
      .count = r->pending,
      .total = r->total,
      .seconds = first ? now - r->since : now - r->last_line,
  };
  r->pending = 0;
  r->last_line = now;
  return true;
}

char *ad_ratelog_span(double seconds, char *out, unsigned out_size) {
  if (!(seconds >= 0))
    seconds = 0;
  if (seconds < 10)
    snprintf(out, out_size, "%.1f s", seconds);
  else if (seconds < 120)
    snprintf(out, out_size, "%.0f s", seconds);
  else if (seconds < 7200)
    snprintf(out, out_size, "%.1f min", seconds / 60);
  else
    snprintf(out, out_size, "%.1f h", seconds / 3600);
  return out;
}
