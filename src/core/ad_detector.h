/* ad_detector: what every member of the ensemble reports for one value, and
 * the members' names. The meta-classifier (ad_meta) combines these. */
#ifndef AD_DETECTOR_H
#define AD_DETECTOR_H

typedef enum {
  AD_DET_SLIDING_WINDOW = 0,   /* sliding window + EMA: spikes and dips */
  AD_DET_SEASONAL = 1,         /* seasonal forecaster (issue 3) */
  AD_DET_ISOLATION_FOREST = 2, /* isolation forest (issue 4) */
} ad_detector_id_t;

#define AD_DET_COUNT 3

typedef struct {
  double deviation;  /* raw: distance from the expectation in the detector's
                        own scale units; NaN = no opinion */
  double surprise;   /* -log10 of how often this series deviates this much
                        (ad_calib); NaN = no opinion */
  double score;      /* [0,1] from the surprise; NaN = no opinion */
  double confidence; /* [0,1]: how much history stands behind the score */
  double expected;   /* the value the detector expected; NaN if none */
  double lower;      /* lower edge of its band of ordinary values */
  double upper;      /* upper edge of its band of ordinary values */
  double scale;      /* the detector's scale unit (NaN if none) */
} ad_detector_output_t;

/* An output that says nothing: score NaN, confidence 0, no expectation. */
#define AD_DETECTOR_OUTPUT_NONE                                                \
  ((ad_detector_output_t){.deviation = NAN,                                    \
                          .surprise = NAN,                                     \
                          .score = NAN,                                        \
                          .confidence = 0.0,                                   \
                          .expected = NAN,                                     \
                          .lower = NAN,                                        \
                          .upper = NAN,                                        \
                          .scale = NAN})

/* The detector's name as the assessment shape spells it ("sliding_window",
 * "seasonal", "isolation_forest"). Never NULL. */
const char *ad_detector_name(ad_detector_id_t id);

#endif /* AD_DETECTOR_H */
