/* ad_codec: plain C structs to JSON and back, by tables of fields, for the
 * state files (ad_persist). Every number read is checked against its C type
 * (a file may be damaged or hostile); what a value means is checked by the
 * module that owns the struct.
 *
 * Encodings: doubles and floats as JSON numbers, NaN as null and infinities
 * as "inf" / "-inf" (JSON has neither); 64-bit integers as 16 hex digits
 * (JSON numbers lose them); arrays of numbers as base64 of their
 * little-endian bytes, which is compact and exact.
 *
 * Decoding refuses infinities in every field: nothing learned is ever
 * infinite, so one read back means damage (or a bug the encoder must not
 * hide). NaN, "none", is accepted where the kind allows it. */
#ifndef AD_CODEC_H
#define AD_CODEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef enum {
  AD_CODEC_F64,        /* a finite double, or NaN (null: none) */
  AD_CODEC_F64_FINITE, /* a finite double */
  AD_CODEC_F32,        /* a finite float */
  AD_CODEC_U64,
  AD_CODEC_U32,
  AD_CODEC_U16,
  AD_CODEC_U8,
  AD_CODEC_I16,
  AD_CODEC_I8,
  AD_CODEC_BOOL,
  AD_CODEC_F32_ARRAY, /* count floats, finite */
} ad_codec_kind_t;

typedef struct {
  const char *name;
  ad_codec_kind_t kind;
  size_t offset;
  size_t count;  /* elements of an array; 1 otherwise */
  bool optional; /* added after files were written: when missing, the
                    field keeps the value it had ("nothing learned") */
} ad_codec_field_t;

#define AD_CODEC_FIELD(type, member, kind)                                     \
  { #member, kind, offsetof(type, member), 1, false }
#define AD_CODEC_ADDED(type, member, kind)                                     \
  { #member, kind, offsetof(type, member), 1, true }
#define AD_CODEC_FLOATS(type, member)                                          \
  {                                                                            \
#member, AD_CODEC_F32_ARRAY, offsetof(type, member),                       \
        sizeof(((type *)0)->member) / sizeof(float), false                     \
  }

/* The first thing found wrong while decoding, with where it was. */
typedef struct {
  char text[200];
} ad_codec_error_t;

/* Records a reason (printf-style) unless one is recorded already. Returns
 * EINVAL, for `return ad_codec_fail(...)`. */
int ad_codec_fail(ad_codec_error_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefixes the recorded reason with "where: " (nested objects say where
 * they were). Returns rc. */
int ad_codec_within(ad_codec_error_t *err, const char *where, int rc);

/* Sets the n fields of the struct at base as members of obj. Returns 0;
 * ENOMEM. */
int ad_codec_encode(json_t *obj, const void *base,
                    const ad_codec_field_t *fields, size_t n);

/* Reads the n fields from obj into the struct at base: every one must be
 * present and of its type and range. Returns 0, or EINVAL with the reason in
 * err (the struct then partly written). */
int ad_codec_decode(const json_t *obj, void *base,
                    const ad_codec_field_t *fields, size_t n,
                    ad_codec_error_t *err);

/* Sets obj[name] to base64 of count little-endian elements of elem_size
 * (2, 4 or 8) bytes at data. Returns 0; ENOMEM. */
int ad_codec_put_array(json_t *obj, const char *name, const void *data,
                       size_t count, size_t elem_size);

/* Reads obj[name] as written by ad_codec_put_array: exactly count elements
 * of elem_size bytes into data. Returns 0; EINVAL with the reason in err. */
int ad_codec_get_array(const json_t *obj, const char *name, void *data,
                       size_t count, size_t elem_size, ad_codec_error_t *err);

/* The number of elem_size elements obj[name] holds (so that a caller can
 * size an array before reading it), or -1 when it is not such an array. */
long ad_codec_array_length(const json_t *obj, const char *name,
                           size_t elem_size);

/* A double from a JSON value as ad_codec encodes it. False when it is not
 * one. */
bool ad_codec_number(const json_t *v, double *out);

/* The JSON value ad_codec encodes x as (new reference; NULL when out of
 * memory). */
json_t *ad_codec_number_new(double x);

#endif /* AD_CODEC_H */
