/* ad_ratelog: repeat-limited log lines whose counts add up. Something that
 * can happen thousands of times a second (a refused value, a dropped
 * notification) is counted where it happens and told in a line now and
 * then: the first at once, then after waits that double from min_wait up
 * to max_wait, back to min_wait after a quiet spell. Every count goes into
 * exactly one line: the lines' counts add up to the total (a final line is
 * forced at shutdown), so an operator can trust the numbers.
 *
 * Not thread-safe: one thread adds and takes (the plugin's worker, which
 * collects the write path's atomic counters). Pure: time comes from the
 * caller. */
#ifndef AD_RATELOG_H
#define AD_RATELOG_H

#include <stdbool.h>
#include <stdint.h>

typedef struct {
  double min_wait, max_wait; /* seconds between lines */
  double wait;               /* the current wait */
  double last_line;          /* time of the last line (NaN: none yet) */
  double since;              /* time of the first count of `pending` */
  uint64_t pending;          /* counted since the last line */
  uint64_t total;            /* counted in all */
} ad_ratelog_t;

/* What one line tells. */
typedef struct {
  uint64_t count; /* since the previous line */
  uint64_t total; /* in all, this line's included */
  double seconds; /* the time those `count` span: since the previous line,
                     or since the first of them when there is none */
} ad_ratelog_line_t;

/* Starts with nothing counted. min_wait > 0, max_wait >= min_wait. Cannot
 * fail. */
void ad_ratelog_init(ad_ratelog_t *r, double min_wait, double max_wait);

/* Counts n more at time now. Cannot fail. */
void ad_ratelog_add(ad_ratelog_t *r, uint64_t n, double now);

/* True when a line is due at time now (force: whatever the wait, as at
 * shutdown), with what it tells in *line; what it tells is then no longer
 * pending. False when nothing is pending or the wait is not over. */
bool ad_ratelog_take(ad_ratelog_t *r, double now, bool force,
                     ad_ratelog_line_t *line);

/* A time span in words for a log line ("0.4 s", "12 s", "5.0 min",
 * "2.5 h"); out holds 16 bytes at least. Returns out. */
char *ad_ratelog_span(double seconds, char *out, unsigned out_size);

#endif /* AD_RATELOG_H */
