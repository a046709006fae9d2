/* ad_codec: structs to JSON and back (see header). */
#include "state/ad_codec.h"

#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ad_codec_fail(ad_codec_error_t *err, const char *fmt, ...) {
  if (err->text[0] == '\0') {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->text, sizeof(err->text), fmt, ap);
    va_end(ap);
  }
  return EINVAL;
}

int ad_codec_within(ad_codec_error_t *err, const char *where, int rc) {
  if (rc != 0 && err->text[0] != '\0') {
    /* "where." in front of a field's name ("where.field: reason"), "where: "
     * in front of a bare reason; the end cut off if need be */
    bool named = strstr(err->text, ": ") != NULL;
    size_t w = strlen(where) + (named ? 0 : 1), cap = sizeof(err->text) - 1;
    if (w + 1 >= cap)
      return rc;
    size_t keep = strlen(err->text);
    if (keep > cap - w - 1)
      keep = cap - w - 1;
    memmove(err->text + w + 1, err->text, keep);
    memcpy(err->text, where, strlen(where));
    if (named) {
      err->text[w] = '.';
    } else {
      err->text[w - 1] = ':';
      err->text[w] = ' ';
    }
    err->text[w + 1 + keep] = '\0';
  }
  return rc;
}

/* ---- numbers ----------------------------------------------------------- */

json_t *ad_codec_number_new(double x) {
  if (isnan(x))
    return json_null();
  if (isinf(x))
    return json_string(x > 0 ? "inf" : "-inf");
  return json_real(x);
}

bool ad_codec_number(const json_t *v, double *out) {
  if (json_is_null(v)) {
    *out = NAN;
    return true;
  }
  if (json_is_number(v)) {
    *out = json_number_value(v);
    return isfinite(*out);
  }
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    if (strcmp(s, "inf") == 0 || strcmp(s, "-inf") == 0) {
      *out = s[0] == '-' ? -INFINITY : INFINITY;
      return true;
    }
  }
  return false;
}

static json_t *encode_one(const ad_codec_field_t *f, const char *p) {
  switch (f->kind) {
  case AD_CODEC_F64:
  case AD_CODEC_F64_FINITE: {
    double x;
    memcpy(&x, p, sizeof(x));
    return ad_codec_number_new(x);
  }
  case AD_CODEC_F32: {
    float x;
    memcpy(&x, p, sizeof(x));
    return ad_codec_number_new(x);
  }
  case AD_CODEC_U64: {
    uint64_t x;
    memcpy(&x, p, sizeof(x));
    char hex[17];
    snprintf(hex, sizeof(hex), "%016" PRIx64, x);
    return json_string(hex);
  }
  case AD_CODEC_U32: {
    uint32_t x;
    memcpy(&x, p, sizeof(x));
    return json_integer((json_int_t)x);
  }
  case AD_CODEC_U16: {
    uint16_t x;
    memcpy(&x, p, sizeof(x));
    return json_integer((json_int_t)x);
  }
  case AD_CODEC_U8:
    return json_integer((json_int_t)(uint8_t)*p);
  case AD_CODEC_I16: {
    int16_t x;
    memcpy(&x, p, sizeof(x));
    return json_integer((json_int_t)x);
  }
  case AD_CODEC_I8:
    return json_integer((json_int_t)(int8_t)*p);
  case AD_CODEC_BOOL: {
    bool x;
    memcpy(&x, p, sizeof(x));
    return json_boolean(x);
  }
  case AD_CODEC_F32_ARRAY:
    break;
  }
  return NULL;
}

int ad_codec_encode(json_t *obj, const void *base,
                    const ad_codec_field_t *fields, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const ad_codec_field_t *f = &fields[i];
    const char *p = (const char *)base + f->offset;
    if (f->kind == AD_CODEC_F32_ARRAY) {
      if (ad_codec_put_array(obj, f->name, p, f->count, sizeof(float)) != 0)
        return ENOMEM;
      continue;
    }
    if (json_object_set_new(obj, f->name, encode_one(f, p)) != 0)
      return ENOMEM;
  }
  return 0;
}

static int integer_in(const json_t *v, const char *name, json_int_t lo,
                      json_int_t hi, json_int_t *out, ad_codec_error_t *err) {
  if (!json_is_integer(v))
    return ad_codec_fail(err, "%s: not an integer", name);
  *out = json_integer_value(v);
  if (*out < lo || *out > hi)
    return ad_codec_fail(err, "%s: %lld out of range", name, (long long)*out);
  return 0;
}

static int decode_one(const ad_codec_field_t *f, const json_t *v, char *p,
                      ad_codec_error_t *err) {
  json_int_t i = 0;
  switch (f->kind) {
  case AD_CODEC_F64:
  case AD_CODEC_F64_FINITE: {
    double x;
    if (!ad_codec_number(v, &x))
      return ad_codec_fail(err, "%s: not a number", f->name);
    if (isinf(x) || (isnan(x) && f->kind == AD_CODEC_F64_FINITE))
      return ad_codec_fail(err, "%s: not finite", f->name);
    memcpy(p, &x, sizeof(x));
    return 0;
  }
  case AD_CODEC_F32: {
    double x;
    if (!ad_codec_number(v, &x))
      return ad_codec_fail(err, "%s: not a number", f->name);
    if (!isfinite(x))
      return ad_codec_fail(err, "%s: not finite", f->name);
    if (fabs(x) > FLT_MAX)
      return ad_codec_fail(err, "%s: beyond a float", f->name);
    float y = (float)x;
    memcpy(p, &y, sizeof(y));
    return 0;
  }
  case AD_CODEC_U64: {
    const char *s = json_string_value(v);
    if (s == NULL || strlen(s) != 16 || strspn(s, "0123456789abcdef") != 16)
      return ad_codec_fail(err, "%s: not 16 hex digits", f->name);
    uint64_t x = strtoull(s, NULL, 16);
    memcpy(p, &x, sizeof(x));
    return 0;
  }
  case AD_CODEC_U32:
    if (integer_in(v, f->name, 0, UINT32_MAX, &i, err) != 0)
      return EINVAL;
    memcpy(p, &(uint32_t){(uint32_t)i}, sizeof(uint32_t));
    return 0;
  case AD_CODEC_U16:
    if (integer_in(v, f->name, 0, UINT16_MAX, &i, err) != 0)
      return EINVAL;
    memcpy(p, &(uint16_t){(uint16_t)i}, sizeof(uint16_t));
    return 0;
  case AD_CODEC_U8:
    if (integer_in(v, f->name, 0, UINT8_MAX, &i, err) != 0)
      return EINVAL;
    *p = (char)(uint8_t)i;
    return 0;
  case AD_CODEC_I16:
    if (integer_in(v, f->name, INT16_MIN, INT16_MAX, &i, err) != 0)
      return EINVAL;
    memcpy(p, &(int16_t){(int16_t)i}, sizeof(int16_t));
    return 0;
  case AD_CODEC_I8:
    if (integer_in(v, f->name, INT8_MIN, INT8_MAX, &i, err) != 0)
      return EINVAL;
    *p = (char)(int8_t)i;
    return 0;
  case AD_CODEC_BOOL:
    if (!json_is_boolean(v))
      return ad_codec_fail(err, "%s: not true or false", f->name);
    memcpy(p, &(bool){json_is_true(v)}, sizeof(bool));
    return 0;
  case AD_CODEC_F32_ARRAY:
    break;
  }
  return ad_codec_fail(err, "%s: unknown kind", f->name);
}

int ad_codec_decode(const json_t *obj, void *base,
                    const ad_codec_field_t *fields, size_t n,
                    ad_codec_error_t *err) {
  if (!json_is_object(obj))
    return ad_codec_fail(err, "not an object");
  for (size_t i = 0; i < n; i++) {
    const ad_codec_field_t *f = &fields[i];
    char *p = (char *)base + f->offset;
    if (f->kind == AD_CODEC_F32_ARRAY) {
      if (ad_codec_get_array(obj, f->name, p, f->count, sizeof(float), err))
        return EINVAL;
      float *x = (float *)(void *)p;
      for (size_t k = 0; k < f->count; k++)
        if (!isfinite(x[k]))
          return ad_codec_fail(err, "%s: a value is not finite", f->name);
      continue;
    }
    const json_t *v = json_object_get(obj, f->name);
    if (v == NULL && f->optional)
      continue;
    if (v == NULL)
      return ad_codec_fail(err, "%s: missing", f->name);
    if (decode_one(f, v, p, err) != 0)
      return EINVAL;
  }
  return 0;
}

/* ---- arrays: base64 of little-endian bytes ----------------------------- */

static const char B64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static bool host_little_endian(void) {
  const uint16_t one = 1;
  unsigned char first;
  memcpy(&first, &one, 1);
  return first == 1;
}

/* Reverses each element's bytes in place when the host is big-endian:
 * host order <-> little-endian. */
static void to_or_from_le(unsigned char *bytes, size_t count,
                          size_t elem_size) {
  if (host_little_endian())
    return;
  for (size_t i = 0; i < count; i++) {
    unsigned char *e = bytes + i * elem_size;
    for (size_t a = 0, b = elem_size - 1; a < b; a++, b--) {
      unsigned char t = e[a];
      e[a] = e[b];
      e[b] = t;
    }
  }
}

int ad_codec_put_array(json_t *obj, const char *name, const void *data,
                       size_t count, size_t elem_size) {
  size_t bytes = count * elem_size;
  size_t len = (bytes + 2) / 3 * 4;
  unsigned char *d = malloc(bytes + 1);
  char *text = malloc(len + 1);
  if (d == NULL || text == NULL) {
    free(d);
    free(text);
    return ENOMEM;
  }
  if (bytes > 0)
    memcpy(d, data, bytes);
  to_or_from_le(d, count, elem_size);
  size_t o = 0;
  for (size_t i = 0; i < bytes; i += 3) {
    uint32_t v = (uint32_t)d[i] << 16;
    if (i + 1 < bytes)
      v |= (uint32_t)d[i + 1] << 8;
    if (i + 2 < bytes)
      v |= d[i + 2];
    text[o++] = B64[(v >> 18) & 63];
    text[o++] = B64[(v >> 12) & 63];
    text[o++] = i + 1 < bytes ? B64[(v >> 6) & 63] : '=';
    text[o++] = i + 2 < bytes ? B64[v & 63] : '=';
  }
  text[o] = '\0';
  int rc =
      json_object_set_new(obj, name, json_stringn(text, o)) == 0 ? 0 : ENOMEM;
  free(d);
  free(text);
  return rc;
}

static int b64_value(char c) {
  const char *at = c != '\0' ? strchr(B64, c) : NULL;
  return at != NULL ? (int)(at - B64) : -1;
}

long ad_codec_array_length(const json_t *obj, const char *name,
                           size_t elem_size) {
  const json_t *v = json_object_get(obj, name);
  if (!json_is_string(v))
    return -1;
  size_t len = json_string_length(v);
  const char *s = json_string_value(v);
  if (len % 4 != 0)
    return -1;
  size_t bytes = len / 4 * 3;
  if (len > 0 && s[len - 1] == '=')
    bytes--;
  if (len > 1 && s[len - 2] == '=')
    bytes--;
  return bytes % elem_size == 0 ? (long)(bytes / elem_size) : -1;
}

int ad_codec_get_array(const json_t *obj, const char *name, void *data,
                       size_t count, size_t elem_size, ad_codec_error_t *err) {
  long have = ad_codec_array_length(obj, name, elem_size);
  if (have < 0)
    return ad_codec_fail(err, "%s: missing or not an array in base64", name);
  if ((size_t)have != count)
    return ad_codec_fail(err, "%s: %ld elements, expected %zu", name, have,
                         count);
  const json_t *text = json_object_get(obj, name);
  const char *s = json_string_value(text);
  size_t len = json_string_length(text);
  size_t bytes = count * elem_size;
  unsigned char *out = data;
  size_t o = 0;
  for (size_t i = 0; o < bytes; i += 4) {
    int q[4];
    for (int k = 0; k < 4; k++) {
      /* padding only at the end, where ad_codec_array_length counted it */
      bool padding = s[i + k] == '=' && i + 4 == len && k >= 2;
      q[k] = padding ? 0 : b64_value(s[i + k]);
      if (q[k] < 0)
        return ad_codec_fail(err, "%s: not base64", name);
    }
    uint32_t v = (uint32_t)q[0] << 18 | (uint32_t)q[1] << 12 |
                 (uint32_t)q[2] << 6 | (uint32_t)q[3];
    for (int k = 0; k < 3 && o < bytes; k++)
      out[o++] = (unsigned char)(v >> (16 - 8 * k));
  }
  to_or_from_le(out, count, elem_size);
  return 0;
}
