/* ad_relation: relations between a host's series that break. CPU that goes
 * with traffic, latency with load: each moves over its whole range, so a
 * value far from the other's is within its own usual range (each series on
 * its own sees nothing), and an isolation forest, which cuts one feature at
 * a time, needs many cuts to isolate a point just off a tight diagonal. A
 * relation says it in one number: with u and v the two series' deviations
 * standardised over the training sample, d = u - s v (s the sign of their
 * correlation) is near its mean while they move together; d's distance
 * from that mean over its standard deviation in the sample is the break, in the
 * same kind of unit as every other deviation, calibrated the same way by the
 * caller.
 *
 * Fitted off the write path (ad_model_fit) on the forest's training sample:
 * every pair of features, the AD_RELATION_MAX with the strongest
 * correlation of at least AD_RELATION_MIN_CORR kept. Bounded influence:
 * features are standardised and clipped at AD_RELATION_CLIP before
 * anything is summed, and
 * the spread of d is fitted again without the rows beyond AD_RELATION_TRIM
 * of its first estimate, so the anomalies in a sample do not widen the
 * relation they break (many far-off rows can take its correlation below
 * AD_RELATION_MIN_CORR: it is then left out, never made looser). Scoring is
 * O(AD_RELATION_MAX). */
#ifndef AD_RELATION_H
#define AD_RELATION_H

#include <stddef.h>
#include <stdint.h>

#define AD_RELATION_MAX 8
#define AD_RELATION_MIN_CORR 0.8
#define AD_RELATION_CLIP 8.0
/* Features beyond this either way are taken as this (the host forest's are
 * already within it, see AD_RESERVOIR_LIMIT). */
#define AD_RELATION_RANGE 64.0
#define AD_RELATION_TRIM 4.0
/* The noise of a relation is at least this (in standard deviations of its
 * series): two series that are copies of each other still need a move
 * of a twentieth of their spread to break. */
#define AD_RELATION_NOISE_MIN 0.05

typedef struct {
  uint8_t a, b;         /* feature indexes, a < b */
  int8_t sign;          /* +1: they rise together; -1: one falls */
  float mean_a, mean_b; /* over the sample */
  float sd_a, sd_b;     /* > 0 */
  float corr;           /* their correlation, |corr| >= AD_RELATION_MIN_CORR */
  float offset;         /* mean of u - sign v */
  float noise;          /* its standard deviation, at least
                           AD_RELATION_NOISE_MIN */
} ad_relation_t;

typedef struct {
  uint8_t count; /* relations held, <= AD_RELATION_MAX */
  ad_relation_t pair[AD_RELATION_MAX];
} ad_relations_t;

/* No relations. Cannot fail. */
void ad_relations_init(ad_relations_t *r);

/* Fits the relations of n rows of dim features (row-major, dim <= 255).
 * Returns 0 (out->count may be 0: nothing related), EINVAL for dim > 255,
 * ENOMEM. Pure otherwise: rows are not changed. O(n dim^2). */
int ad_relations_fit(const float *rows, size_t n, unsigned dim,
                     ad_relations_t *out);

/* The largest break among the relations for x (dim features; a relation
 * whose features x does not have is skipped), in units of its noise, and
 * in *which the relation's index (-1 and NaN: no relation). Pure. */
double ad_relations_break(const ad_relations_t *r, const float *x, unsigned dim,
                          int *which);

/* The break of relation p for x, signed: positive when a is high for b (a
 * rose against b, or b fell). Pure; NaN without a noise. */
double ad_relation_signed_break(const ad_relation_t *p, const float *x);

/* Which of relation p's two features is further from its usual place for
 * x (a or b): the one that moved, for explanations. Pure. */
unsigned ad_relation_leader(const ad_relation_t *p, const float *x);

/* What is wrong with r read from a file, for dim features (NULL: nothing).
 * Pure. */
const char *ad_relations_invalid(const ad_relations_t *r, unsigned dim);

#endif /* AD_RELATION_H */
