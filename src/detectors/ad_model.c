/* ad_model: a continually trained isolation forest (see header). */
#include "detectors/ad_model.h"
#include "detectors/ad_risk.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A score above this counts toward drift; drift above DRIFT_SHARE (half of
 * the last hour's values) asks for an early training, at most every
 * DRIFT_SPACING of the training interval. */
#define DRIFT_SCORE 0.6
#define DRIFT_SHARE 0.5
#define DRIFT_TIME 3600.0
#define DRIFT_SPACING 0.125
/* The deviation handed to calibration: 0 for an ordinary score (0.5 and
 * below: the average path length or longer), DEVIATION_SLOPE per unit of
 * score above it, so that the range where anomalies are told from the
 * ordinary (0.6 to 0.95) spans several of calibration's bins and its prior
 * (an exponential tail) is of the right order at a cold start. */
#define DEVIATION_SLOPE 20.0
/* The surprise at which a relation's break is beyond its band (not learned
 * from there): one in ten thousand. */
#define RELATION_BAND 4.0
/* The first training waits for this many rows at least. */
#define MIN_ROWS 16

void ad_model_init(ad_model_t *m, uint64_t seed) {
  memset(m, 0, sizeof(*m));
  m->pending_from = NAN;
  m->next_train = NAN;
  m->last_score = NAN;
  m->due_time = NAN;
  m->first_time = NAN;
  m->seed = seed;
  m->sustained = NAN;
  ad_calib_init_bounded(&m->calib);
  ad_calib_init_bounded(&m->calib_sustained);
}

ad_model_relations_t *ad_model_relations_create(void) {
  ad_model_relations_t *r = malloc(sizeof(*r));
  if (r != NULL) {
    ad_relations_init(&r->in_force);
    ad_relations_init(&r->pending);
    ad_calib_init(&r->calib);
    r->led = r->broken = false;
  }
  return r;
}

void ad_model_release(ad_model_t *m) {
  ad_reservoir_destroy(m->reservoir);
  ad_iforest_free(m->forest);
  ad_iforest_free(m->pending);
  free(m->relations);
  ad_model_init(m, m->seed);
}

int ad_model_copy(ad_model_t *dst, const ad_model_t *src) {
  *dst = *src;
  dst->taken = false;
  dst->reservoir = NULL;
  dst->relations = NULL;
  if (src->relations != NULL) {
    dst->relations = malloc(sizeof(*dst->relations));
    if (dst->relations == NULL)
      return ENOMEM;
    *dst->relations = *src->relations;
  }
  if (src->forest != NULL)
    dst->forest = ad_iforest_share(src->forest);
  if (src->pending != NULL)
    dst->pending = ad_iforest_share(src->pending);
  if (src->reservoir != NULL) {
    size_t bytes =
        ad_reservoir_bytes(src->reservoir->capacity, src->reservoir->dim);
    dst->reservoir = malloc(bytes);
    if (dst->reservoir == NULL)
      return ENOMEM;
    memcpy(dst->reservoir, src->reservoir, bytes);
  }
  return 0;
}

/* A reservoir of the new width, holding the old one's rows (the new
 * features 0: "ordinary"). Keeps the old one when out of memory. */
static void widen(ad_model_t *m, unsigned dim) {
  ad_reservoir_t *old = m->reservoir;
  ad_reservoir_t *r = ad_reservoir_create(old->capacity, dim, old->rng);
  if (r == NULL)
    return;
  for (size_t i = 0; i < old->fill; i++)
    for (unsigned j = 0; j < old->dim; j++)
      r->rows[i * dim + j] = old->rows[i * old->dim + j];
  r->fill = old->fill;
  r->seen = old->seen;
  m->reservoir = r;
  ad_reservoir_destroy(old);
}

static void request(ad_model_t *m, const ad_model_params_t *p, double t) {
  m->due = true;
  m->ticket++;
  m->due_time = t;
  m->next_train = t + p->train_interval;
}

bool ad_model_observe(ad_model_t *m, const ad_model_params_t *p, double t,
                      double step, const float *x, unsigned dim,
                      double *deviation, double *score) {
  *deviation = *score = NAN;
  if (m->pending != NULL && t >= m->pending_from) {
    ad_iforest_free(m->forest);
    m->forest = m->pending;
    m->pending = NULL;
    if (m->relations != NULL) {
      m->relations->in_force = m->relations->pending;
      ad_relations_init(&m->relations->pending);
    }
  }
  if (m->forest != NULL) {
    double s = ad_iforest_score(m->forest, x, NULL);
    *score = m->last_score = s;
    *deviation = fmax(0.0, DEVIATION_SLOPE * (s - 0.5));
    double a = step > 0 ? fmin(1.0, step / DRIFT_TIME) : 0.01;
    m->drift += a * ((s > DRIFT_SCORE ? 1.0 : 0.0) - m->drift);
  }

  if (m->reservoir == NULL)
    m->reservoir = ad_reservoir_create(p->capacity, dim, m->seed);
  else if (dim > m->reservoir->dim)
    widen(m, dim);
  ad_reservoir_t *r = m->reservoir;
  if (r == NULL)
    return false;
  /* Every row until full; then as many as keep the sample spread evenly
   * over the model's life until its life is longer than `memory`, and over
   * the last `memory` seconds from then on. So the first hours, when the
   * series' scales are still settling, fade from the sample as fast as they
   * can instead of dominating it for `memory`. */
  if (isnan(m->first_time))
    m->first_time = t;
  double span = fmin(p->memory, fmax(step, t - m->first_time));
  double take =
      r->fill < r->capacity || !(step > 0) ? 1.0 : r->capacity * step / span;
  ad_reservoir_offer(r, x, take);

  if (m->due)
    return false;
  bool due;
  if (isnan(m->next_train)) {
    unsigned first = r->capacity / 2 > MIN_ROWS ? r->capacity / 2 : MIN_ROWS;
    due = r->fill >= (first < r->capacity ? first : r->capacity);
  } else {
    due = t >= m->next_train ||
          (m->drift > DRIFT_SHARE &&
           t >= m->due_time + DRIFT_SPACING * p->train_interval);
  }
  if (due)
    request(m, p, t);
  return due;
}

bool ad_model_attribute(const ad_model_t *m, const float *x, unsigned dim,
                        float *shares) {
  if (m->forest == NULL)
    return false;
  size_t fdim = ad_iforest_dim(m->forest);
  for (unsigned j = (unsigned)fdim; j < dim; j++)
    shares[j] = 0.0f;
  ad_iforest_score(m->forest, x, shares);
  return true;
}

double ad_model_relation(const ad_model_t *m, const float *x, unsigned dim,
                         int *which) {
  *which = -1;
  if (m->relations == NULL)
    return NAN;
  return ad_relations_break(&m->relations->in_force, x, dim, which);
}

/* The surprise of a relation's break, then learned if it is inside the
 * band of its calibration: a break is an event, not the relation's noise,
 * so it teaches nothing, and stays as surprising while it lasts; a
 * relation that has changed for good is fitted anew at the next training
 * (ad_relations_fit on the sample then). */
static double relation_surprise(ad_model_relations_t *r, double relation,
                                double memory) {
  ad_calib_t *c = &r->calib;
  double surprise = ad_calib_surprise(c, relation);
  r->broken = relation > ad_calib_band(c, RELATION_BAND);
  if (!r->broken)
    ad_calib_learn(c, relation, memory);
  return surprise;
}

double ad_model_surprise(ad_model_t *m, double deviation, double relation,
                         double memory) {
  if (isnan(deviation))
    return NAN;
  m->sustained =
      isnan(m->sustained)
          ? deviation
          : m->sustained + (deviation - m->sustained) / AD_MODEL_SUSTAIN;
  double now = ad_calib_surprise(&m->calib, deviation);
  double lasting = ad_calib_surprise(&m->calib_sustained, m->sustained);
  ad_calib_learn(&m->calib, deviation, memory);
  ad_calib_learn(&m->calib_sustained, m->sustained, memory);
  double best = fmax(now, lasting), looks = 2.0;
  ad_model_relations_t *r = m->relations;
  if (r != NULL)
    r->led = r->broken = false;
  if (r != NULL && !isnan(relation)) {
    double broken = relation_surprise(r, relation, memory);
    r->led = broken > best;
    best = fmax(best, broken);
    looks = 3.0;
  }
  return fmax(0.0, best - log10(looks));
}

double ad_model_confidence(const ad_model_t *m) {
  if (m->forest == NULL || m->reservoir == NULL)
    return 0.0;
  return (double)m->reservoir->fill / m->reservoir->capacity;
}

int ad_model_take(ad_model_t *m, ad_model_job_t *job) {
  if (!m->due || m->taken || m->reservoir == NULL || m->reservoir->fill < 2)
    return ENOENT;
  const ad_reservoir_t *r = m->reservoir;
  float *rows = malloc((size_t)r->fill * r->dim * sizeof(*rows));
  if (rows == NULL)
    return ENOMEM;
  *job = (ad_model_job_t){
      .rows = rows,
      .n = ad_reservoir_rows(r, rows),
      .dim = r->dim,
      .ticket = m->ticket,
      .seed = m->seed ^ (0x9E3779B97F4A7C15ULL * (m->trainings + 1u)),
  };
  m->taken = true;
  return 0;
}

void ad_model_abandon(ad_model_t *m, const ad_model_params_t *p,
                      uint32_t ticket) {
  if (!m->due || ticket != m->ticket)
    return;
  m->due = m->taken = false;
  m->next_train = m->due_time + DRIFT_SPACING * p->train_interval;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int ad_model_fit(const ad_model_params_t *p, ad_model_job_t *job,
                 ad_iforest_t **forest, ad_relations_t *relations) {
  if (relations != NULL) {
    int rc = ad_relations_fit(job->rows, job->n, job->dim, relations);
    if (rc != 0) {
      free(job->rows);
      job->rows = NULL;
      return rc;
    }
  }
  ad_iforest_params_t fp = {
      .trees = p->trees, .sample_size = p->sample_size, .seed = job->seed};
  int rc = ad_iforest_fit(&fp, job->rows, job->n, job->dim, forest);
  size_t drop = (size_t)(p->contamination * job->n);
  if (rc == 0 && drop > 0 && job->n - drop >= 2) {
    /* Leave the most isolated rows out and fit again: anomalies in the
     * history must not become part of what is normal. */
    double *scores = malloc(job->n * sizeof(*scores));
    double *sorted = malloc(job->n * sizeof(*sorted));
    if (scores != NULL && sorted != NULL &&
        ad_iforest_score_batch(*forest, job->rows, job->n, scores) == 0) {
      memcpy(sorted, scores, job->n * sizeof(*sorted));
      qsort(sorted, job->n, sizeof(*sorted), cmp_double);
      double cut = sorted[job->n - drop];
      size_t kept = 0;
      for (size_t i = 0; i < job->n; i++)
        if (scores[i] < cut && kept < job->n - drop) {
          memmove(job->rows + kept * job->dim, job->rows + i * job->dim,
                  job->dim * sizeof(*job->rows));
          kept++;
        }
      ad_iforest_t *clean;
      if (kept >= 2 &&
          ad_iforest_fit(&fp, job->rows, kept, job->dim, &clean) == 0) {
        ad_iforest_free(*forest);
        *forest = clean;
      }
    }
    free(scores);
    free(sorted);
  }
  free(job->rows);
  job->rows = NULL;
  return rc;
}

void ad_model_install(ad_model_t *m, const ad_model_params_t *p,
                      uint32_t ticket, ad_iforest_t *forest,
                      const ad_relations_t *relations) {
  if (!m->due || ticket != m->ticket) {
    ad_iforest_free(forest);
    return;
  }
  ad_iforest_free(m->pending);
  m->pending = forest;
  if (relations != NULL && relations->count > 0 && m->relations == NULL)
    m->relations = ad_model_relations_create();
  if (m->relations != NULL) {
    if (relations != NULL)
      m->relations->pending = *relations;
    else
      ad_relations_init(&m->relations->pending);
  }
  m->pending_from = m->due_time + p->lag;
  m->due = m->taken = false;
  m->trainings++;
  m->drift = 0.0;
}

size_t ad_model_bytes(const ad_model_t *m) {
  size_t bytes = 0;
  if (m->reservoir != NULL)
    bytes += ad_reservoir_bytes(m->reservoir->capacity, m->reservoir->dim);
  if (m->forest != NULL)
    bytes += ad_iforest_bytes(m->forest);
  if (m->pending != NULL)
    bytes += ad_iforest_bytes(m->pending);
  if (m->relations != NULL)
    bytes += sizeof(*m->relations);
  return bytes;
}

ad_detector_output_t ad_model_member(ad_model_t *m, double deviation,
                                     double relation, double memory,
                                     double rarity, double values_per_day) {
  ad_detector_output_t out = AD_DETECTOR_OUTPUT_NONE;
  double surprise = ad_model_surprise(m, deviation, relation, memory);
  if (!isnan(surprise)) {
    out.deviation = deviation;
    out.surprise = surprise;
    out.score = ad_risk(rarity, surprise, values_per_day);
    out.confidence = ad_model_confidence(m);
  }
  return out;
}
