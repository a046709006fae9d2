/* ad_iforest: isolation forest (see header). */
#include "detectors/ad_iforest.h"

#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EULER_GAMMA 0.5772156649015329
#define QUANT_MAX 65535.0
/* A node: split, then the feature in the top 7 bits and the offset of the
 * right child in the low 9. A leaf has feature LEAF_FEATURE and offset 0,
 * and in place of the split its whole path length, depth + c(size), in
 * 1/256: scoring reads LEAF_FEATURE as the highest value, so a leaf "goes
 * right" by 0 and stays where it is, and a walk needs no test for leaves.
 * Beside each node, in an array of their own, its extent. */
#define LEAF_FEATURE 127u
#define OFFSET_BITS 9
#define OFFSET_MASK ((1u << OFFSET_BITS) - 1u)
#define PATH_SCALE 256.0
#define Q_SLOTS (LEAF_FEATURE + 1)

typedef struct {
  uint16_t split;
  uint16_t packed;
} node_t;

/* Where a node's training rows lie on its split feature. Leaves read
 * [0, max]. */
typedef struct {
  uint16_t lo, hi;
} extent_t;

struct ad_iforest_s {
  atomic_uint holders; /* see ad_iforest_share */
  uint32_t dim, trees, sample_size, nodes, max_depth;
  float c_norm;         /* c(sample_size) */
  float *lo;            /* dim: the origin of each feature's scale */
  float *inv_step;      /* dim: quantisation steps per unit */
  uint32_t *tree_start; /* trees + 1: first node of each tree */
  node_t *node;         /* nodes, tree after tree, preorder */
  extent_t *extent;     /* one per node */
};

double ad_iforest_c(double n) {
  if (n <= 1.0)
    return 0.0;
  if (n <= 2.0)
    return 1.0;
  return 2.0 * (log(n - 1.0) + EULER_GAMMA) - 2.0 * (n - 1.0) / n;
}

int ad_iforest_params_valid(const ad_iforest_params_t *p) {
  if (p->trees < 1 || p->trees > AD_IFOREST_MAX_TREES)
    return EINVAL;
  if (p->sample_size < 2 || p->sample_size > AD_IFOREST_MAX_SAMPLE)
    return EINVAL;
  return 0;
}

/* splitmix64: small, fast, and the same sequence on every platform. */
static uint64_t next_random(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static uint32_t random_below(uint64_t *state, uint32_t n) {
  return (uint32_t)(next_random(state) % n);
}

static uint16_t quantise(const ad_iforest_t *f, size_t j, float x) {
  if (!isfinite(x))
    return 0;
  double q = ((double)x - f->lo[j]) * f->inv_step[j];
  return q <= 0.0 ? 0 : q >= QUANT_MAX ? (uint16_t)QUANT_MAX : (uint16_t)q;
}

/* ---- fitting ---------------------------------------------------------- */

typedef struct {
  const uint16_t *q; /* n x dim quantised training data */
  size_t dim;
  unsigned max_depth;
  uint64_t rng;
  node_t *out;      /* the trees being built */
  extent_t *extent; /* and their extents */
  size_t count;
} builder_t;

static void leaf(builder_t *b, size_t at, unsigned size, unsigned depth) {
  double h = (depth + ad_iforest_c(size)) * PATH_SCALE;
  b->out[at].split = (uint16_t)(h < 65535.0 ? lround(h) : 65535);
  b->out[at].packed = (uint16_t)(LEAF_FEATURE << OFFSET_BITS);
  b->extent[at] = (extent_t){0, UINT16_MAX};
}

/* Grows the subtree of rows idx[0..n) at depth; returns its node count. */
static size_t grow(builder_t *b, uint32_t *idx, unsigned n, unsigned depth) {
  size_t at = b->count++;
  if (n <= 1 || depth >= b->max_depth) {
    leaf(b, at, n, depth);
    return 1;
  }
  /* A random feature that varies in this node: features are tried from a
   * random one on; a node where none varies is a leaf. */
  size_t start = random_below(&b->rng, (uint32_t)b->dim);
  for (size_t k = 0; k < b->dim; k++) {
    size_t j = (start + k) % b->dim;
    uint16_t lo = UINT16_MAX, hi = 0;
    for (unsigned i = 0; i < n; i++) {
      uint16_t v = b->q[idx[i] * b->dim + j];
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    if (lo == hi)
      continue;
    /* left: values <= split, right: above; both sides non-empty */
    uint16_t split = (uint16_t)(lo + random_below(&b->rng, hi - lo));
    unsigned left = 0;
    for (unsigned i = 0; i < n; i++) {
      if (b->q[idx[i] * b->dim + j] <= split) {
        uint32_t t = idx[left];
        idx[left++] = idx[i];
        idx[i] = t;
      }
    }
    size_t left_nodes = grow(b, idx, left, depth + 1);
    grow(b, idx + left, n - left, depth + 1);
    b->extent[at].lo = lo;
    b->extent[at].hi = hi;
    b->out[at].split = split;
    b->out[at].packed =
        (uint16_t)((j << OFFSET_BITS) | ((1 + left_nodes) & OFFSET_MASK));
    return b->count - at;
  }
  leaf(b, at, n, depth);
  return 1;
}

static unsigned ceil_log2(unsigned n) {
  unsigned d = 0;
  while ((1u << d) < n)
    d++;
  return d;
}

/* The forest's single allocation, laid out for `nodes` nodes. */
static ad_iforest_t *allocate(size_t dim, size_t trees, size_t nodes) {
  size_t head = sizeof(ad_iforest_t) + 2 * dim * sizeof(float) +
                (trees + 1) * sizeof(uint32_t);
  head = (head + 3) / 4 * 4;
  ad_iforest_t *f = malloc(head + nodes * (sizeof(node_t) + sizeof(extent_t)));
  if (f == NULL)
    return NULL;
  atomic_init(&f->holders, 1);
  f->lo = (float *)(f + 1);
  f->inv_step = f->lo + dim;
  f->tree_start = (uint32_t *)(f->inv_step + dim);
  f->node = (node_t *)((char *)f + head);
  f->extent = (extent_t *)(f->node + nodes);
  return f;
}

/* Each feature's training range fills the middle half of the 16-bit
 * scale: a point up to half a range beyond it is still told apart, so
 * that a node can see it fall outside what its rows covered. Sets
 * scale->lo and inv_step, and q to the quantised rows. */
static void fit_scale(ad_iforest_t *scale, const float *data, size_t n,
                      size_t dim, uint16_t *q) {
  for (size_t j = 0; j < dim; j++) {
    float lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
      float v = data[i * dim + j];
      if (isfinite(v)) {
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
      }
    }
    if (!(lo <= hi))
      lo = hi = 0.0f;
    double span = (double)hi - lo;
    scale->lo[j] = (float)(lo - 0.5 * span);
    scale->inv_step[j] = span > 0 ? (float)(QUANT_MAX / (2.0 * span)) : 0.0f;
  }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; j < dim; j++)
      q[i * dim + j] = quantise(scale, j, data[i * dim + j]);
}

/* Grows `trees` trees of psi rows each out of the n rows in idx (an index
 * array, shuffled as it goes); starts[t] is tree t's first node,
 * starts[trees] the node count. */
static void grow_trees(builder_t *b, uint32_t *idx, size_t n, unsigned psi,
                       unsigned trees, uint32_t *starts) {
  for (size_t i = 0; i < n; i++)
    idx[i] = (uint32_t)i;
  for (unsigned t = 0; t < trees; t++) {
    /* A sample without replacement: the first psi places of a partial
     * Fisher-Yates shuffle of the (already shuffled) index array. */
    for (unsigned i = 0; i < psi; i++) {
      uint32_t k = i + random_below(&b->rng, (uint32_t)(n - i));
      uint32_t tmp = idx[i];
      idx[i] = idx[k];
      idx[k] = tmp;
    }
    starts[t] = (uint32_t)b->count;
    grow(b, idx, psi, 0);
  }
  starts[trees] = (uint32_t)b->count;
}

/* The grown forest in an exact allocation; NULL when out of memory. */
static ad_iforest_t *pack(const ad_iforest_t *scale, const builder_t *b,
                          unsigned trees, unsigned psi,
                          const uint32_t *starts) {
  size_t dim = b->dim;
  ad_iforest_t *f = allocate(dim, trees, b->count);
  if (f == NULL)
    return NULL;
  f->dim = (uint32_t)dim;
  f->trees = trees;
  f->sample_size = psi;
  f->max_depth = b->max_depth;
  f->nodes = (uint32_t)b->count;
  f->c_norm = (float)ad_iforest_c(psi);
  memcpy(f->lo, scale->lo, dim * sizeof(float));
  memcpy(f->inv_step, scale->inv_step, dim * sizeof(float));
  memcpy(f->tree_start, starts, (trees + 1) * sizeof(uint32_t));
  memcpy(f->node, b->out, b->count * sizeof(*b->out));
  memcpy(f->extent, b->extent, b->count * sizeof(*b->extent));
  return f;
}

int ad_iforest_fit(const ad_iforest_params_t *p, const float *data, size_t n,
                   size_t dim, ad_iforest_t **out) {
  *out = NULL;
  if (ad_iforest_params_valid(p) != 0 || n < 2 || dim == 0 ||
      dim > AD_IFOREST_MAX_DIM || n > UINT32_MAX)
    return EINVAL;
  unsigned psi = p->sample_size < n ? p->sample_size : (unsigned)n;
  unsigned max_depth = ceil_log2(psi);
  size_t max_nodes = p->trees * (2 * (size_t)psi - 1);
  /* Grown in scratch space, then copied into an exact allocation. */
  ad_iforest_t *scale = allocate(dim, p->trees, 0);
  node_t *nodes = malloc(max_nodes * sizeof(*nodes));
  extent_t *extents = malloc(max_nodes * sizeof(*extents));
  uint16_t *q = malloc(n * dim * sizeof(*q));
  uint32_t *idx = malloc(n * sizeof(*idx));
  uint32_t *starts = malloc((p->trees + 1) * sizeof(*starts));
  int rc = ENOMEM;
  if (scale == NULL || nodes == NULL || extents == NULL || q == NULL ||
      idx == NULL || starts == NULL)
    goto done;

  fit_scale(scale, data, n, dim, q);
  builder_t b = {.q = q,
                 .dim = dim,
                 .max_depth = max_depth,
                 .rng = p->seed,
                 .out = nodes,
                 .extent = extents};
  grow_trees(&b, idx, n, psi, p->trees, starts);
  ad_iforest_t *f = pack(scale, &b, p->trees, psi, starts);
  if (f == NULL)
    goto done;
  *out = f;
  rc = 0;
done:
  free(scale);
  free(nodes);
  free(extents);
  free(q);
  free(idx);
  free(starts);
  return rc;
}

void ad_iforest_free(ad_iforest_t *f) {
  if (f != NULL && atomic_fetch_sub(&f->holders, 1) == 1)
    free(f);
}

ad_iforest_t *ad_iforest_share(ad_iforest_t *f) {
  atomic_fetch_add(&f->holders, 1);
  return f;
}

/* ---- images ----------------------------------------------------------- */

void ad_iforest_export(const ad_iforest_t *f, ad_iforest_image_t *img) {
  _Static_assert(sizeof(node_t) == 2 * sizeof(uint16_t), "node layout");
  _Static_assert(sizeof(extent_t) == 2 * sizeof(uint16_t), "extent layout");
  *img = (ad_iforest_image_t){.dim = f->dim,
                              .trees = f->trees,
                              .sample_size = f->sample_size,
                              .nodes = f->nodes,
                              .max_depth = f->max_depth,
                              .lo = f->lo,
                              .inv_step = f->inv_step,
                              .tree_start = f->tree_start,
                              .node = (const uint16_t *)f->node,
                              .extent = (const uint16_t *)f->extent};
}

/* Checks the subtree at node `at` (below `end`) at depth: returns its node
 * count, 0 when it is malformed. Depth is bounded by max_depth (at most 8),
 * so the recursion is too. */
static size_t check_subtree(const ad_iforest_image_t *img, size_t at,
                            size_t end, unsigned depth) {
  if (at >= end)
    return 0;
  unsigned feature = img->node[2 * at + 1] >> OFFSET_BITS;
  unsigned offset = img->node[2 * at + 1] & OFFSET_MASK;
  if (feature == LEAF_FEATURE)
    return offset == 0 ? 1 : 0;
  uint16_t lo = img->extent[2 * at], hi = img->extent[2 * at + 1];
  if (feature >= img->dim || depth >= img->max_depth || lo > hi)
    return 0;
  size_t left = check_subtree(img, at + 1, end, depth + 1);
  if (left == 0 || offset != 1 + left)
    return 0;
  size_t right = check_subtree(img, at + offset, end, depth + 1);
  return right == 0 ? 0 : 1 + left + right;
}

static int image_invalid(char *err, size_t err_size, const char *why) {
  snprintf(err, err_size, "%s", why);
  return EINVAL;
}

int ad_iforest_import(const ad_iforest_image_t *img, ad_iforest_t **out,
                      char *err, size_t err_size) {
  *out = NULL;
  if (img->dim == 0 || img->dim > AD_IFOREST_MAX_DIM)
    return image_invalid(err, err_size, "features out of range");
  if (img->trees == 0 || img->trees > AD_IFOREST_MAX_TREES)
    return image_invalid(err, err_size, "trees out of range");
  if (img->sample_size < 2 || img->sample_size > AD_IFOREST_MAX_SAMPLE ||
      img->max_depth != ceil_log2(img->sample_size))
    return image_invalid(err, err_size, "sample size or depth out of range");
  if (img->nodes < img->trees ||
      img->nodes > img->trees * (2 * (size_t)img->sample_size - 1))
    return image_invalid(err, err_size, "node count out of range");
  for (uint32_t j = 0; j < img->dim; j++)
    if (!isfinite(img->lo[j]) || !isfinite(img->inv_step[j]) ||
        img->inv_step[j] < 0)
      return image_invalid(err, err_size, "feature scale not finite");
  if (img->tree_start[0] != 0 || img->tree_start[img->trees] != img->nodes)
    return image_invalid(err, err_size, "trees do not cover the nodes");
  for (uint32_t t = 0; t < img->trees; t++) {
    size_t at = img->tree_start[t], end = img->tree_start[t + 1];
    if (end <= at || end > img->nodes ||
        check_subtree(img, at, end, 0) != end - at)
      return image_invalid(err, err_size, "malformed tree");
  }
  ad_iforest_t *f = allocate(img->dim, img->trees, img->nodes);
  if (f == NULL)
    return ENOMEM;
  f->dim = img->dim;
  f->trees = img->trees;
  f->sample_size = img->sample_size;
  f->max_depth = img->max_depth;
  f->nodes = img->nodes;
  f->c_norm = (float)ad_iforest_c(img->sample_size);
  memcpy(f->lo, img->lo, img->dim * sizeof(float));
  memcpy(f->inv_step, img->inv_step, img->dim * sizeof(float));
  memcpy(f->tree_start, img->tree_start, (img->trees + 1) * sizeof(uint32_t));
  memcpy(f->node, img->node, img->nodes * sizeof(node_t));
  memcpy(f->extent, img->extent, img->nodes * sizeof(extent_t));
  *out = f;
  return 0;
}

/* ---- scoring ---------------------------------------------------------- */

/* Credits the cuts of one tree's path (see the header): within a path the
 * last cut counts 1, the one before 1/2, ...; a tree counts by how much
 * shorter than average the path was: the trees that isolated x early are the
 * ones that saw what is odd about it (a tree that never cut the odd feature
 * says nothing). */
static void credit(const ad_iforest_t *f, const uint8_t *path, unsigned depth,
                   double h, float *attribution) {
  if (depth == 0)
    return;
  double tree = fmax(f->c_norm - h, 0.0) + 1e-3;
  double weight = 1.0, sum = 0.0;
  for (unsigned k = depth; k-- > 0; weight *= 0.5)
    sum += weight;
  weight = tree / sum;
  for (unsigned k = depth; k-- > 0; weight *= 0.5)
    attribution[path[k]] += (float)weight;
}

/* Quantises x into q (Q_SLOTS entries; the leaf slot reads highest). */
static void quantise_point(const ad_iforest_t *f, const float *x, uint16_t *q) {
  for (size_t j = 0; j < f->dim; j++)
    q[j] = quantise(f, j, x[j]);
  q[LEAF_FEATURE] = UINT16_MAX;
}

/* One step down a tree (a leaf stays where it is), with arithmetic instead
 * of a branch: left and right are a coin toss the branch predictor would
 * lose half the time. */
static inline const node_t *descend(const node_t *n, const uint16_t *q) {
  uint32_t packed = n->packed;
  uint32_t right = (uint32_t)(q[packed >> OFFSET_BITS] > n->split);
  /* 1 to go left, the offset to go right (0 in a leaf: 1 + (0 - 1)) */
  uint32_t step = 1u + (((packed & OFFSET_MASK) - 1u) & (0u - right));
  return n + step;
}

/* A walk in progress. A point beyond the extent of a node's rows (by d,
 * the rows spanning w) would, had it been among them, have been cut off
 * from them right there with probability d / (d + w), the chance that a
 * uniform cut over the widened range falls in the gap: so much of the walk
 * ends at this depth; the rest goes on as if the point were the outermost
 * row. The path length is the expectation over both. */
typedef struct {
  const node_t *node;
  float stay;   /* probability the point is not yet cut off */
  float length; /* path length accumulated from cut-offs */
  unsigned depth;
} walker_t;

static inline void step(const ad_iforest_t *f, walker_t *w, const uint16_t *q) {
  const node_t *n = w->node;
  uint32_t feature = n->packed >> OFFSET_BITS;
  const extent_t *e = &f->extent[n - f->node];
  int32_t v = q[feature];
  int32_t gap = (int32_t)e->lo - v > v - (int32_t)e->hi ? (int32_t)e->lo - v
                                                        : v - (int32_t)e->hi;
  float beyond = gap > 0 ? (float)gap : 0.0f;
  float cut = beyond / (beyond + (float)(e->hi - e->lo) + 1.0f);
  unsigned inner = feature != LEAF_FEATURE;
  w->depth += inner;
  w->length += w->stay * cut * (float)w->depth;
  w->stay *= 1.0f - cut;
  w->node = descend(n, q);
}

static inline double finish(const walker_t *w) {
  return w->length + w->stay * (w->node->split / PATH_SCALE);
}

static inline walker_t start(const ad_iforest_t *f, uint32_t t) {
  return (walker_t){.node = f->node + f->tree_start[t], .stay = 1.0f};
}

/* Walks tree t with x, recording the features cut; returns the path
 * length. */
static double trace(const ad_iforest_t *f, uint32_t t, const uint16_t *q,
                    uint8_t *path, unsigned *cuts) {
  walker_t w = start(f, t);
  while ((w.node->packed >> OFFSET_BITS) != LEAF_FEATURE) {
    path[w.depth] = (uint8_t)(w.node->packed >> OFFSET_BITS);
    step(f, &w, q);
  }
  *cuts = w.depth;
  return finish(&w);
}

/* Walks every tree; returns the mean path length. Without attribution the
 * trees are walked four at a time in lockstep for max_depth steps: one walk
 * is a chain of dependent loads, four independent ones keep the processor
 * busy. */
static double walk(const ad_iforest_t *f, const float *x, float *attribution) {
  uint16_t q[Q_SLOTS];
  quantise_point(f, x, q);
  double total = 0.0;
  uint32_t t = 0;
  if (attribution != NULL) {
    memset(attribution, 0, f->dim * sizeof(*attribution));
    for (; t < f->trees; t++) {
      uint8_t path[16];
      unsigned cuts;
      double h = trace(f, t, q, path, &cuts);
      total += h;
      credit(f, path, cuts, h, attribution);
    }
    float sum = 0.0f;
    for (size_t j = 0; j < f->dim; j++)
      sum += attribution[j];
    for (size_t j = 0; j < f->dim && sum > 0; j++)
      attribution[j] /= sum;
    return total / f->trees;
  }
  for (; t + 4 <= f->trees; t += 4) {
    walker_t w0 = start(f, t), w1 = start(f, t + 1), w2 = start(f, t + 2),
             w3 = start(f, t + 3);
    for (unsigned k = 0; k < f->max_depth; k++) {
      step(f, &w0, q);
      step(f, &w1, q);
      step(f, &w2, q);
      step(f, &w3, q);
    }
    total += finish(&w0) + finish(&w1) + finish(&w2) + finish(&w3);
  }
  for (; t < f->trees; t++) {
    walker_t w = start(f, t);
    for (unsigned k = 0; k < f->max_depth; k++)
      step(f, &w, q);
    total += finish(&w);
  }
  return total / f->trees;
}

double ad_iforest_path_length(const ad_iforest_t *f, const float *x) {
  return walk(f, x, NULL);
}

double ad_iforest_score(const ad_iforest_t *f, const float *x,
                        float *attribution) {
  double h = walk(f, x, attribution);
  return f->c_norm > 0 ? pow(2.0, -h / f->c_norm) : 0.5;
}

int ad_iforest_score_batch(const ad_iforest_t *f, const float *x, size_t n,
                           double *scores) {
  /* Tree by tree over a block of points, so that a tree stays in the
   * first-level cache while the points walk it, four in lockstep. */
  enum { BLOCK = 64 };
  uint16_t(*q)[Q_SLOTS] = malloc(BLOCK * sizeof(*q));
  if (q == NULL)
    return ENOMEM;
  double h[BLOCK];
  for (size_t first = 0; first < n; first += BLOCK) {
    size_t m = n - first < BLOCK ? n - first : BLOCK;
    for (size_t i = 0; i < m; i++) {
      quantise_point(f, x + (first + i) * f->dim, q[i]);
      h[i] = 0;
    }
    for (uint32_t t = 0; t < f->trees; t++) {
      size_t i = 0;
      for (; i + 4 <= m; i += 4) {
        walker_t w0 = start(f, t), w1 = start(f, t), w2 = start(f, t),
                 w3 = start(f, t);
        for (unsigned k = 0; k < f->max_depth; k++) {
          step(f, &w0, q[i]);
          step(f, &w1, q[i + 1]);
          step(f, &w2, q[i + 2]);
          step(f, &w3, q[i + 3]);
        }
        h[i] += finish(&w0);
        h[i + 1] += finish(&w1);
        h[i + 2] += finish(&w2);
        h[i + 3] += finish(&w3);
      }
      for (; i < m; i++) {
        walker_t w = start(f, t);
        for (unsigned k = 0; k < f->max_depth; k++)
          step(f, &w, q[i]);
        h[i] += finish(&w);
      }
    }
    for (size_t i = 0; i < m; i++) {
      double mean = h[i] / f->trees;
      scores[first + i] = f->c_norm > 0 ? pow(2.0, -mean / f->c_norm) : 0.5;
    }
  }
  free(q);
  return 0;
}

size_t ad_iforest_dim(const ad_iforest_t *f) { return f->dim; }
size_t ad_iforest_trees(const ad_iforest_t *f) { return f->trees; }
size_t ad_iforest_sample_size(const ad_iforest_t *f) { return f->sample_size; }
size_t ad_iforest_nodes(const ad_iforest_t *f) { return f->nodes; }

size_t ad_iforest_bytes(const ad_iforest_t *f) {
  return (char *)(f->extent + f->nodes) - (char *)f;
}
