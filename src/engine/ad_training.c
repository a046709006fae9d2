/* ad_training: the engine's forests fitted off the write path
 * (ad_engine_train; see ad_engine.h). A job's sample is copied out under the
 * shard or host lock, fitted with no lock held, and the forest handed back
 * under the lock if its owner is still there (ad_model). */
#include "engine/ad_engine_private.h"

#include <math.h>
#include <string.h>

/* Trains one value list with this hash whose forest is due. Returns 1 when
 * it trained one. */
static size_t train_vlist(ad_engine_t *e, uint64_t hash) {
  char key[AD_IDENT_KEY_MAX];
  size_t len = 0;
  ad_model_job_t job;
  ad_model_params_t params;
  bool taken = false;
  ad_table_lock(e->table, hash);
  for (ad_vlist_t *v = ad_table_bucket(e->table, hash); v != NULL && !taken;
       v = v->next) {
    if (v->hash == hash && v->model != NULL &&
        ad_model_take(v->model, &job) == 0) {
      len = v->key_len;
      memcpy(key, v->key, len);
      params = ad_vlist_model_params(v, &e->cfg);
      taken = true;
    }
  }
  ad_table_unlock(e->table, hash);
  if (!taken)
    return 0;
  ad_iforest_t *forest = NULL;
  int rc = ad_model_fit(&params, &job, &forest, NULL);
  ad_table_lock(e->table, hash);
  ad_vlist_t *v = ad_table_find(e->table, hash, key, len);
  if (v != NULL && v->model != NULL && rc == 0) {
    ad_model_install(v->model, &params, job.ticket, forest, NULL);
    forest = NULL;
  } else if (v != NULL && v->model != NULL) {
    ad_model_abandon(v->model, &params, job.ticket);
  }
  ad_table_unlock(e->table, hash);
  ad_iforest_free(forest);
  return rc == 0;
}

/* The queue overflowed: value lists whose forest is due are found by a
 * walk of the table and queued again. */
static void requeue_due(ad_vlist_t *v, void *ctx) {
  ad_engine_t *e = ctx;
  if (v->model != NULL && v->model->due && !v->model->taken)
    ad_queue_push(&e->due, v->hash);
}

static bool take_job(ad_host_t *h, void *ctx) {
  return ad_model_take(&h->model, ctx) == 0;
}

/* Trains the host forests that are due, found by one pass over the hosts:
 * the next job's search goes on from the bucket where the last one was
 * found, so that hosts falling due together (they share a schedule) cost
 * one pass, not one pass each. */
static size_t train_hosts(ad_engine_t *e, size_t max_jobs) {
  size_t done = 0, bucket = 0;
  char name[AD_NAME_MAX];
  ad_model_job_t job;
  while (done < max_jobs &&
         ad_hosts_find_from(&e->hosts, &bucket, take_job, &job, name)) {
    ad_model_params_t params = e->cfg.host_model;
    ad_iforest_t *forest = NULL;
    ad_relations_t relations;
    int rc = ad_model_fit(&params, &job, &forest, &relations);
    ad_host_t *h = ad_hosts_lock(&e->hosts, name);
    if (h != NULL) {
      params.lag =
          fmax(AD_MODEL_MIN_LAG, AD_MODEL_LAG_STEPS * h->tick.interval);
      if (rc == 0) {
        ad_model_install(&h->model, &params, job.ticket, forest, &relations);
        forest = NULL;
      } else {
        ad_model_abandon(&h->model, &params, job.ticket);
      }
      pthread_mutex_unlock(&h->lock);
    }
    ad_iforest_free(forest);
    done++;
  }
  return done;
}

size_t ad_engine_train(ad_engine_t *e, size_t max_jobs) {
  size_t done = 0;
  if (ad_queue_take_overflow(&e->due))
    ad_table_each(e->table, requeue_due, e);
  uint64_t hash;
  while (done < max_jobs && ad_queue_pop(&e->due, &hash))
    done += train_vlist(e, hash);
  if (done < max_jobs && atomic_exchange(&e->hosts_due, 0) > 0) {
    size_t budget = max_jobs - done;
    size_t hosts = train_hosts(e, budget);
    done += hosts;
    if (hosts == budget)
      atomic_fetch_add(&e->hosts_due, 1); /* maybe more: look again */
  }
  return done;
}
