/* ad_meta: the meta-classifier. Combines the ensemble members' outputs for
 * one value into an assessment: a weighted risk in [0,1] (a weighted power
 * mean of the members' calibrated scores, see ad_meta.c), the members' votes
 * (each member's own score classified LOW / MEDIUM / HIGH), the consensus
 * (members voting with the combined level), a confidence and which members
 * detected something.
 *
 * Members without an opinion (NaN score) do not vote and their weight is
 * spread over the others, so the ensemble works while some members are still
 * warming up, and while only the first member exists. */
#ifndef AD_META_H
#define AD_META_H

#include "detectors/ad_detector.h"
#include "detectors/ad_level.h"

#include <stddef.h>

typedef struct {
  double risk;       /* weighted risk in [0,1]; NaN when no member scored */
  double confidence; /* [0,1] */
  ad_level_t level;  /* risk classified by the thresholds, no hits/hysteresis */
  unsigned votes[AD_LEVEL_COUNT]; /* members voting LOW, MEDIUM, HIGH */
  unsigned consensus;             /* members voting `level` */
  unsigned detected;              /* bit i: member i scored MEDIUM or more */
  ad_detector_output_t member[AD_DET_COUNT];
} ad_assessment_t;

/* Combines member outputs with the given non-negative weights. Members whose
 * weight is 0 are reported but neither vote nor weigh. Cannot fail; with no
 * scoring member the risk is NaN and the level OKAY. */
void ad_meta_combine(const double weights[AD_DET_COUNT],
                     const ad_level_params_t *levels,
                     const ad_detector_output_t member[AD_DET_COUNT],
                     ad_assessment_t *out);

/* Writes the names of the detecting members, comma separated, into buf (at
 * most size bytes, always NUL-terminated). Returns buf. */
char *ad_meta_detected_names(const ad_assessment_t *a, char *buf, size_t size);

/* The member whose band explains the expectation to the operator: the
 * highest-scoring member with an expectation, NULL when none has one. The
 * notification's message and the assessment JSON both use it, so they
 * quote the same band. */
const ad_detector_output_t *ad_meta_explaining(const ad_assessment_t *a);

#endif /* AD_META_H */
