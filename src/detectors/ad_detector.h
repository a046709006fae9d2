/* ad_detector: what every member of the ensemble reports for one value, and
 * the members' names. The meta-classifier (ad_meta) combines these. */
#ifndef AD_DETECTOR_H
#define AD_DETECTOR_H

#include <float.h>
#include <math.h>

typedef enum {
  AD_DET_SLIDING_WINDOW = 0,   /* sliding window + EMA: spikes and dips */
  AD_DET_SEASONAL = 1,         /* seasonal forecaster */
  AD_DET_ISOLATION_FOREST = 2, /* isolation forests */
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

/* Seconds in a day: the unit of the detectors' memories and rarities. */
#define AD_DAY 86400.0

/* Values are learned and scored as at most this large: beyond any real
 * metric (a 64-bit counter holds 1.8e19; its wrap read as a rate gives
 * about 3e17), far inside a float (what profiles and rings store) and with
 * squares far inside a double. A larger value is scored as this one: as
 * anomalous as can be, and no more influential. */
#define AD_VALUE_LIMIT 1e30

/* x as the detectors take it: NaN when it is not finite (no observation),
 * else at most AD_VALUE_LIMIT either way. */
static inline double ad_value_bounded(double x) {
  if (!isfinite(x)) /* (fmin would turn NaN into the limit) */
    return NAN;
  return x > AD_VALUE_LIMIT    ? AD_VALUE_LIMIT
         : x < -AD_VALUE_LIMIT ? -AD_VALUE_LIMIT
                               : x;
}

/* fmax and fmin, inline: gcc leaves libm's as calls (for their NaN rules),
 * and the ensemble made 55 and 33 of them a value (callgrind on
 * bench/series_steps), 6 % of its instructions. The same rules: a NaN
 * argument gives the other one, two NaNs a NaN; which zero comes out of
 * -0 and +0 is not fixed (as it is not for fmax). */
static inline double ad_fmax(double a, double b) {
  return a > b || isnan(b) ? a : b;
}

static inline double ad_fmin(double a, double b) {
  return a < b || isnan(b) ? a : b;
}

/* What the detectors learn stays within this either way: levels, scales,
 * records, profile bins are averages or small multiples of values of at
 * most AD_VALUE_LIMIT. A state file holding more is damaged. */
#define AD_STATE_LIMIT 1e33

/* x as a float, saturated: a double beyond a float's range has no float
 * (the conversion would be undefined). */
static inline float ad_float(double x) {
  return x > FLT_MAX ? FLT_MAX : x < -FLT_MAX ? -FLT_MAX : (float)x;
}

/* What a series tells its members about the value they are given. */
typedef struct {
  double weight;     /* 0..1: how much it teaches (less inside an incident) */
  double resolution; /* the step its values come in (ad_resolution; 0:
                        none): no scale is taken as finer than that, so
                        that one more zombie process or one more page on a
                        series that is constant for days is a change of a
                        scale or a few, not of millions */
} ad_learn_t;

/* How much a value teaches what a member has learned (its scales,
 * profiles, calibration), for a value `deviation` scales from the
 * expectation when the member's band (where its risk reaches WARNING) ends
 * at `band` scales: 1 inside the band; beyond it band / deviation, but at
 * least AD_LEARN_MIN: what the detector alarms on barely teaches it, so
 * one incident does not widen the bands it judges the next by, while
 * something that keeps happening is learned in the end (a bursty series'
 * bursts: many of them, each teaching a little). A NaN deviation or band
 * (no opinion yet) teaches fully. */
#define AD_LEARN_MIN 0.02
static inline double ad_learn_weight(double deviation, double band) {
  if (!(deviation > band) || !(band > 0))
    return 1.0;
  double w = band / deviation;
  return w > AD_LEARN_MIN ? w : AD_LEARN_MIN;
}

/* The detector's name as the assessment shape spells it ("sliding_window",
 * "seasonal", "isolation_forest"). Never NULL. */
const char *ad_detector_name(ad_detector_id_t id);

#endif /* AD_DETECTOR_H */
