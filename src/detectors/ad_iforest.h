/* ad_iforest: an isolation forest (Liu, Ting and Zhou, 2008), the third
 * member of the ensemble: what no single series shows, found as points that
 * random axis-parallel cuts isolate in few steps.
 *
 * Fit: each tree is grown on a sample of sample_size rows drawn without
 * replacement, cutting a random feature at a uniformly random value between
 * the node's minimum and maximum, down to depth ceil(log2(sample_size)).
 * Score: s(x) = 2^(-E[h(x)] / c(sample_size)), h the depth at which x lands
 * plus c(leaf size), c(n) the average path length of an unsuccessful search
 * in a binary search tree of n keys. About 0.5 and below is ordinary, near
 * 1 isolated at once. Deterministic for a seed.
 *
 * Points the forest was not trained on: the classic algorithm walks a point
 * that lies beyond the rows of a node as if it were the outermost row, so a
 * point far off a relation between features (CPU high while traffic is low,
 * each in its own range) scores no higher than the relation's own ends.
 * Here each node also keeps the extent of its rows on its split feature,
 * and a point beyond it by d (the rows spanning w) counts as cut off at
 * that node with probability d / (d + w), the chance a cut over the
 * widened range would have fallen in the gap; the path length is the
 * expectation. On the training rows themselves nothing changes.
 *
 * Layout: the forest is one immutable allocation (so that a trainer can
 * publish a new one by a pointer swap). Features are quantised to 16 bits,
 * their training range filling the middle half of the scale (room to see a
 * point beyond it); a node is 4 bytes (split, feature and the offset of its
 * right child; the left child follows it) plus 4 for its extent, trees are
 * stored in preorder. Scoring quantises the point once and walks integer
 * comparisons.
 *
 * Attribution: every score can say which features isolated the point: each
 * tree credits the features it cut on along the point's path, the last cut
 * (the one that isolated it) most, each earlier one half as much; credits
 * are averaged over trees and sum to 1. */
#ifndef AD_IFOREST_H
#define AD_IFOREST_H

#include <stddef.h>
#include <stdint.h>

#define AD_IFOREST_MAX_DIM 127    /* features */
#define AD_IFOREST_MAX_SAMPLE 256 /* rows per tree */
#define AD_IFOREST_MAX_TREES 1024

typedef struct {
  unsigned trees;       /* 1..AD_IFOREST_MAX_TREES */
  unsigned sample_size; /* rows per tree, 2..AD_IFOREST_MAX_SAMPLE (fewer
                           when the data has fewer) */
  uint64_t seed;        /* same seed, same data: same forest */
} ad_iforest_params_t;

typedef struct ad_iforest_s ad_iforest_t;

/* Fits a forest on n rows of dim features (row-major, data[i * dim + j]).
 * Non-finite values count as the feature's lowest value. Returns 0 and
 * sets *out; EINVAL when p is invalid, n < 2, or dim is 0 or above
 * AD_IFOREST_MAX_DIM; ENOMEM. The caller frees *out with ad_iforest_free. */
int ad_iforest_fit(const ad_iforest_params_t *p, const float *data, size_t n,
                   size_t dim, ad_iforest_t **out);

/* Lets go of a forest: it is freed when its last holder lets go (see
 * ad_iforest_share). NULL allowed. */
void ad_iforest_free(ad_iforest_t *f);

/* One more holder of f (a checkpoint's snapshot): a forest never changes
 * once fitted, so a holder may read it while another frees its own hold.
 * Returns f. Thread-safe; cannot fail. */
ad_iforest_t *ad_iforest_share(ad_iforest_t *f);

/* A forest laid open for saving and loading: the arrays are the forest's
 * own (export) or the caller's (import). */
typedef struct {
  uint32_t dim, trees, sample_size, nodes, max_depth;
  const float *lo;            /* dim */
  const float *inv_step;      /* dim */
  const uint32_t *tree_start; /* trees + 1 */
  const uint16_t *node;       /* 2 x nodes: split, packed */
  const uint16_t *extent;     /* 2 x nodes: lo, hi */
} ad_iforest_image_t;

/* Fills img with views into f (valid while f is held). Cannot fail. */
void ad_iforest_export(const ad_iforest_t *f, ad_iforest_image_t *img);

/* Builds a forest from an image, which need not be trusted: every tree must
 * be a well-formed tree of the image's depth over its own nodes, every cut
 * on a feature below dim, every number finite. Returns 0; EINVAL with a
 * reason in err when it is not; ENOMEM. */
int ad_iforest_import(const ad_iforest_image_t *img, ad_iforest_t **out,
                      char *err, size_t err_size);

/* Anomaly score of x (dim features) in (0, 1]. When attribution is not NULL
 * it receives dim shares summing to 1 (the features that isolated x). Pure:
 * safe from any number of threads at once. */
double ad_iforest_score(const ad_iforest_t *f, const float *x,
                        float *attribution);

/* Scores n points (row-major, dim features each) into scores[n]: the same
 * values as ad_iforest_score, faster for many points (tree by tree, so a
 * tree stays in cache). Returns 0 or ENOMEM. */
int ad_iforest_score_batch(const ad_iforest_t *f, const float *x, size_t n,
                           double *scores);

/* Mean path length of x, before normalisation (for tests and benchmarks). */
double ad_iforest_path_length(const ad_iforest_t *f, const float *x);

/* Features, trees, rows per tree, nodes and bytes of a forest. */
size_t ad_iforest_dim(const ad_iforest_t *f);
size_t ad_iforest_trees(const ad_iforest_t *f);
size_t ad_iforest_sample_size(const ad_iforest_t *f);
size_t ad_iforest_nodes(const ad_iforest_t *f);
size_t ad_iforest_bytes(const ad_iforest_t *f);

/* c(n): average path length of an unsuccessful search among n keys. */
double ad_iforest_c(double n);

/* Returns 0 when p is usable, EINVAL otherwise. */
int ad_iforest_params_valid(const ad_iforest_params_t *p);

#endif /* AD_IFOREST_H */
