/* A libFuzzer custom mutator for state files: the input is parsed as JSON
 * and one of its values is changed the way damage or a hostile hand would:
 * a number made extreme, negative, off by one, infinite or null; an
 * element of a base64 array of floats or integers set to an extreme;
 * a member removed, a string emptied. Inputs that do not parse are left to
 * libFuzzer's own byte mutations. Linked into fuzz_state_json. */
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* libFuzzer's own mutation, and the hook it calls instead when defined. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed);

typedef struct {
  uint64_t s;
} rng_t;

static uint64_t next(rng_t *r) {
  r->s ^= r->s >> 12;
  r->s ^= r->s << 25;
  r->s ^= r->s >> 27;
  return r->s * 2685821657736338717ULL;
}

/* A place in the document: parent and key (object) or index (array). */
typedef struct {
  json_t *parent;
  const char *key;
  size_t index;
} place_t;

#define MAX_PLACES 4096

typedef struct {
  place_t at[MAX_PLACES];
  size_t n;
} places_t;

static void collect(json_t *v, places_t *p, int depth) {
  if (depth > 16)
    return;
  if (json_is_object(v)) {
    const char *key;
    json_t *child;
    json_object_foreach(v, key, child) {
      if (p->n < MAX_PLACES)
        p->at[p->n++] = (place_t){.parent = v, .key = key};
      collect(child, p, depth + 1);
    }
  } else if (json_is_array(v)) {
    for (size_t i = 0; i < json_array_size(v); i++) {
      if (p->n < MAX_PLACES)
        p->at[p->n++] = (place_t){.parent = v, .index = i};
      collect(json_array_get(v, i), p, depth + 1);
    }
  }
}

static const double EXTREME[] = {3.4e38, -3.4e38,      1e300, -1e300, 1.7e308,
                                 1e-300, 5e-324,       -1,    0,      1e40,
                                 65535,  4294967296.0, 1e13,  3e17};

static json_t *extreme_number(rng_t *r, json_t *old) {
  uint64_t k = next(r) % 8;
  double x = json_is_number(old) ? json_number_value(old) : 0;
  if (k == 0)
    return json_null();
  if (k == 1)
    return json_string(next(r) % 2 ? "inf" : "-inf");
  if (k == 2 && json_is_integer(old))
    return json_integer(json_integer_value(old) + (next(r) % 2 ? 1 : -1));
  if (k == 3)
    return json_real(-x);
  if (k == 4)
    return json_real(x * (double)(1 + next(r) % 1000));
  return json_real(EXTREME[next(r) % (sizeof(EXTREME) / sizeof(EXTREME[0]))]);
}

static const char B64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Sets one 4-byte (or 2-byte) element of a base64 string to an extreme;
 * NULL when the string is not base64 of whole 3-byte groups. */
static json_t *mutate_base64(rng_t *r, const char *s) {
  size_t len = strlen(s);
  if (len < 8 || len % 4 != 0 || len > 65536)
    return NULL;
  size_t bytes = len / 4 * 3;
  unsigned char *b = malloc(bytes);
  if (b == NULL)
    return NULL;
  size_t o = 0;
  for (size_t i = 0; i < len; i += 4) {
    uint32_t v = 0;
    for (int k = 0; k < 4; k++) {
      const char *at = s[i + k] == '=' ? B64 : strchr(B64, s[i + k]);
      if (at == NULL || s[i + k] == '\0') {
        free(b);
        return NULL;
      }
      v = v << 6 | (uint32_t)(at - B64);
    }
    for (int k = 0; k < 3; k++)
      b[o++] = (unsigned char)(v >> (16 - 8 * k));
  }
  size_t elem = next(r) % 2 ? 4 : 2, at = next(r) % (bytes / elem) * elem;
  if (elem == 4) {
    static const float F[] = {INFINITY, -INFINITY, NAN,   3.4e38f,
                              -3.4e38f, 1e-45f,    -1.0f, 1e30f};
    float f = F[next(r) % (sizeof(F) / sizeof(F[0]))];
    memcpy(b + at, &f, 4);
  } else {
    uint16_t u = (uint16_t)next(r);
    memcpy(b + at, &u, 2);
  }
  char *out = malloc(len + 1);
  if (out == NULL) {
    free(b);
    return NULL;
  }
  for (size_t i = 0, w = 0; i < bytes; i += 3) {
    uint32_t v = (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8 | b[i + 2];
    for (int k = 0; k < 4; k++)
      out[w++] = B64[(v >> (18 - 6 * k)) & 63];
  }
  out[len] = '\0';
  /* keep the original padding */
  for (size_t i = len; i-- > 0 && s[i] == '=';)
    out[i] = '=';
  json_t *j = json_string(out);
  free(out);
  free(b);
  return j;
}

static json_t *replacement(rng_t *r, json_t *old) {
  if (json_is_string(old)) {
    json_t *b = mutate_base64(r, json_string_value(old));
    if (b != NULL)
      return b;
    return next(r) % 2 ? json_string("") : extreme_number(r, old);
  }
  if (json_is_number(old) || json_is_null(old))
    return extreme_number(r, old);
  if (json_is_boolean(old))
    return json_integer(2);
  return json_null();
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
                               unsigned int seed) {
  json_error_t jerr;
  json_t *doc = json_loadb((const char *)data, size, 0, &jerr);
  if (doc == NULL)
    return LLVMFuzzerMutate(data, size, max_size);
  static places_t places;
  places.n = 0;
  collect(doc, &places, 0);
  rng_t r = {.s = seed * 0x9E3779B97F4A7C15ULL + 1};
  place_t *p = places.n > 0 ? &places.at[next(&r) % places.n] : NULL;
  json_t *old = p == NULL        ? NULL
                : p->key != NULL ? json_object_get(p->parent, p->key)
                                 : json_array_get(p->parent, p->index);
  if (old != NULL && p->key != NULL && next(&r) % 16 == 0)
    json_object_del(p->parent, p->key);
  else if (old != NULL && p->key != NULL)
    json_object_set_new(p->parent, p->key, replacement(&r, old));
  else if (old != NULL)
    json_array_set_new(p->parent, p->index, replacement(&r, old));
  char *text = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  size_t len = text != NULL ? strlen(text) : 0;
  if (text == NULL || len > max_size) {
    free(text);
    return LLVMFuzzerMutate(data, size, max_size);
  }
  memcpy(data, text, len);
  free(text);
  return len;
}
