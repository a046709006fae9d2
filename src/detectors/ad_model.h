/* ad_model: an isolation forest that keeps learning: its reservoir of
 * recent feature vectors, the forest in force, the one being trained, when
 * to train next, and the calibration of its scores.
 *
 * Used twice: per value list (features from its data sources and their
 * recent history) and per host (the host's series together). The write path
 * calls ad_model_observe: O(trees x depth), no allocation, no training. When
 * a training falls due it only says so; a trainer (a background thread in
 * the plugin, the replay loop itself in the command) takes the rows under
 * the caller's lock (ad_model_take), fits without it (ad_model_fit), and
 * hands the forest back under the lock (ad_model_install).
 *
 * Schedule in data time, so that replay and the daemon agree: the first
 * training once the reservoir is half full, then every train_interval
 * seconds, earlier when the data has drifted (the forest has found most
 * recent values unusual for a while). A trained forest comes into force at
 * the first value lag seconds after the training fell due: the trainer has
 * that long; when it is late (an overloaded machine) the old forest simply
 * stays in force longer. */
#ifndef AD_MODEL_H
#define AD_MODEL_H

#include "detectors/ad_calib.h"
#include "detectors/ad_detector.h"
#include "detectors/ad_iforest.h"
#include "detectors/ad_relation.h"
#include "detectors/ad_reservoir.h"

#include <stdbool.h>
#include <stdint.h>

/* The lag callers give: at least a minute, or this many of the model's
 * steps. */
#define AD_MODEL_MIN_LAG 60.0
#define AD_MODEL_LAG_STEPS 5.0

typedef struct {
  unsigned trees;        /* per forest */
  unsigned sample_size;  /* rows per tree */
  unsigned capacity;     /* reservoir rows */
  double train_interval; /* seconds of data time between trainings */
  double memory;         /* seconds of data the reservoir spans */
  double contamination;  /* share of the reservoir left out as outliers */
  double lag;            /* seconds from due to in force */
} ad_model_params_t;

/* A host model's relations (ad_relation), allocated with the first
 * training that fits any: value lists' models never hold them. */
typedef struct {
  ad_relations_t in_force; /* fitted with the forest, in force with it */
  ad_relations_t pending;  /* ...and with the pending forest */
  ad_calib_t calib;        /* history of their breaks */
  bool led;                /* the last surprise was a relation's */
  bool broken;             /* ...and that relation is beyond its band */
} ad_model_relations_t;

typedef struct {
  ad_reservoir_t *reservoir;  /* NULL until the first value */
  ad_iforest_t *forest;       /* in force; NULL before the first training */
  ad_iforest_t *pending;      /* trained, in force from pending_from */
  double pending_from;        /* data time */
  double next_train;          /* data time the next training is due (NaN:
                                 when the reservoir is half full) */
  double due_time;            /* data time of the outstanding request */
  double first_time;          /* data time of the first row (NaN: none) */
  double drift;               /* EMA of recent scores beyond 0.6 (0..1) */
  double last_score;          /* the last score (NaN: none) */
  ad_calib_t calib;           /* history of the forest's deviations */
  double sustained;           /* short EMA of the deviations (NaN: none) */
  ad_calib_t calib_sustained; /* its history */
  ad_model_relations_t *relations; /* NULL: none */
  uint64_t seed;      /* reservoir and forest seeds derive from it */
  uint32_t trainings; /* forests trained */
  uint32_t ticket;    /* identifies the outstanding request */
  bool due;           /* a training is requested and not installed */
  bool taken;         /* ...and a trainer has its rows */
} ad_model_t;

/* A model's relations, none yet (NULL: out of memory); freed with the
 * model once it holds them (ad_model_release). */
ad_model_relations_t *ad_model_relations_create(void);

/* Resets m (nothing allocated yet). Cannot fail. */
void ad_model_init(ad_model_t *m, uint64_t seed);

/* Frees what m holds; m is then as after init. */
void ad_model_release(ad_model_t *m);

/* Makes dst a copy of src for a checkpoint: the reservoir and relations
 * copied, the forests shared (ad_iforest_share); a training a trainer has
 * taken counts as due again (the copy will not see it installed). Bounded
 * work: callers hold src's lock. Returns 0; ENOMEM (dst then holds no
 * reservoir, or no relations). */
int ad_model_copy(ad_model_t *dst, const ad_model_t *src);

/* Scores x (dim features, dim <= AD_IFOREST_MAX_DIM) at data time t with
 * the forest in force: *deviation = 20 (score - 0.5), at least 0, NaN
 * without a forest;
 * *score the raw score (NaN without). Then offers x to the reservoir (taken
 * with probability capacity / (memory / step), every row until the
 * reservoir is full) and moves the schedule. Returns true when a training
 * has just fallen due (the caller tells its trainer). ENOMEM-safe: when the
 * reservoir cannot be allocated the model stays without one and keeps
 * returning NaN. dim must stay the same for a model, or grow (the reservoir
 * then grows, old rows padded with 0). */
bool ad_model_observe(ad_model_t *m, const ad_model_params_t *p, double t,
                      double step, const float *x, unsigned dim,
                      double *deviation, double *score);

/* The largest break of the relations in force for x (ad_relations_break;
 * NaN: none), the relation's index in *which (-1: none). Pure. */
double ad_model_relation(const ad_model_t *m, const float *x, unsigned dim,
                         int *which);

/* How unusual this deviation is for this forest (the surprise, -log10 of a
 * tail probability, ad_calib), judged on its own histories remembering
 * about `memory` values: the deviation now, the deviation sustained (a
 * short average over AD_MODEL_SUSTAIN values: one odd interval is common
 * enough, twenty in a row are not, and a broken relation between series
 * rarely heals in one interval) and, unless NaN, the largest break of a
 * relation (ad_model_relation). Returns the largest less log10 of the
 * number of looks (a Sidak-style correction); then learns, a relation's
 * break beyond its band at ad_learn_weight. NaN deviation: NaN, nothing
 * learned. */
#define AD_MODEL_SUSTAIN 5.0
double ad_model_surprise(ad_model_t *m, double deviation, double relation,
                         double memory);

/* The forest as an ensemble member for the deviation ad_model_observe gave
 * and the relations' break (NaN: none; learned by ad_model_surprise, with a
 * memory of `memory` values): its
 * surprise, the risk of that (ad_risk, for a series of values_per_day
 * values a day and a risk of 0.5 every `rarity` days) and the confidence;
 * AD_DETECTOR_OUTPUT_NONE while the forest says nothing. */
ad_detector_output_t ad_model_member(ad_model_t *m, double deviation,
                                     double relation, double memory,
                                     double rarity, double values_per_day);

/* The attribution of x by the forest in force (dim shares), or false when
 * there is no forest. */
bool ad_model_attribute(const ad_model_t *m, const float *x, unsigned dim,
                        float *shares);

typedef struct {
  float *rows; /* n x dim, owned by the job */
  size_t n;
  unsigned dim;
  uint32_t ticket;
  uint64_t seed;
} ad_model_job_t;

/* How much stands behind the forest's scores (0..1): 0 without a forest,
 * then the reservoir's fill. */
double ad_model_confidence(const ad_model_t *m);

/* Under the caller's lock: when a training is due and no trainer has taken
 * it, copies the reservoir into job (allocating) and returns 0; ENOENT when
 * there is nothing to take; ENOMEM. */
int ad_model_take(ad_model_t *m, ad_model_job_t *job);

/* Without any lock: fits a forest on the job's rows. With contamination c,
 * the c share of rows a first forest finds most isolated is left out and the
 * forest fitted again on the rest. With relations not NULL, the relations
 * between the features too (ad_relations_fit, on all rows). Frees the
 * job's rows. Returns 0 and *forest, or an errno. */
int ad_model_fit(const ad_model_params_t *p, ad_model_job_t *job,
                 ad_iforest_t **forest, ad_relations_t *relations);

/* Under the caller's lock: installs forest and relations (NULL: none) for
 * the request `ticket` (to come into force at due time + lag); a forest for
 * an outdated ticket is freed. Relations need m->relations, allocated here
 * the first time (out of memory: the forest alone is installed). */
void ad_model_install(ad_model_t *m, const ad_model_params_t *p,
                      uint32_t ticket, ad_iforest_t *forest,
                      const ad_relations_t *relations);

/* Under the caller's lock: the trainer could not fit the job `ticket`: the
 * request is dropped and made again later (an eighth of the interval). */
void ad_model_abandon(ad_model_t *m, const ad_model_params_t *p,
                      uint32_t ticket);

/* Bytes held (reservoir, forests, relations), for the state-size
 * benchmark. */
size_t ad_model_bytes(const ad_model_t *m);

#endif /* AD_MODEL_H */
