/* ad_exhaust_codec: a host's exhaustion watch in its state (see header). */
#include "state/ad_exhaust_codec.h"
#include "core/ad_text.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const ad_codec_field_t ENTRY[] = {
    AD_CODEC_FIELD(ad_exhaust_entry_t, key, AD_CODEC_U64),
    AD_CODEC_FIELD(ad_exhaust_entry_t, whole, AD_CODEC_U64),
    AD_CODEC_FIELD(ad_exhaust_entry_t, value, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_exhaust_entry_t, time, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_exhaust_entry_t, filler, AD_CODEC_BOOL),
    AD_CODEC_FIELD(ad_exhaust_entry_t, level, AD_CODEC_U8),
    AD_CODEC_FIELD(ad_exhaust_entry_t, pending, AD_CODEC_U8),
    AD_CODEC_FIELD(ad_exhaust_entry_t, pending_count, AD_CODEC_U8),
    AD_CODEC_FIELD(ad_exhaust_entry_t, estimated, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_exhaust_entry_t, ceiling, AD_CODEC_F64),
};
#define ENTRY_FIELDS (sizeof(ENTRY) / sizeof(ENTRY[0]))

int ad_exhaust_encode(json_t *obj, const ad_exhaust_t *x) {
  if (x->count == 0)
    return 0;
  json_t *list = json_array();
  if (list == NULL || json_object_set_new(obj, "exhaustion", list) != 0)
    return ENOMEM;
  for (unsigned i = 0; i < x->count; i++) {
    const ad_exhaust_entry_t *e = &x->entries[i];
    json_t *o = json_object();
    if (o == NULL || json_array_append_new(list, o) != 0 ||
        ad_codec_encode(o, e, ENTRY, ENTRY_FIELDS) != 0 ||
        json_object_set_new(o, "metric", json_string(e->metric)) != 0)
      return ENOMEM;
  }
  return 0;
}

/* A type instance as the engine makes it (ad_ident_series_name with '/'
 * and ':' as '.'): UTF-8 without control characters or '/'. */
static bool plain_metric(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= AD_NAME_MAX || !ad_text_utf8(s, n))
    return false;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f || s[i] == '/')
      return false;
  return true;
}

static int decode_entry(const json_t *o, ad_exhaust_entry_t *e,
                        ad_codec_error_t *why) {
  memset(e, 0, sizeof(*e));
  if (!json_is_object(o))
    return ad_codec_fail(why, "not an object");
  int rc = ad_codec_decode(o, e, ENTRY, ENTRY_FIELDS, why);
  if (rc != 0)
    return rc;
  const char *metric = json_string_value(json_object_get(o, "metric"));
  if (e->key == 0 || e->level > AD_LEVEL_FAILURE ||
      e->pending > AD_LEVEL_FAILURE || metric == NULL || !plain_metric(metric))
    return ad_codec_fail(why, "a key, level or metric out of range");
  memcpy(e->metric, metric, strlen(metric) + 1);
  e->left = (ad_timeleft_t){INFINITY, INFINITY, INFINITY, NAN, NAN};
  return 0;
}

size_t ad_exhaust_decode(const json_t *obj, ad_exhaust_t *x,
                         ad_codec_error_t *why) {
  ad_exhaust_init(x);
  const json_t *list = json_object_get(obj, "exhaustion");
  if (list == NULL)
    return 0;
  if (!json_is_array(list)) {
    ad_codec_fail(why, "exhaustion: not an array");
    return 1;
  }
  size_t n = json_array_size(list), bad = 0;
  if (n == 0)
    return 0;
  x->entries = malloc(AD_EXHAUST_ENTRIES * sizeof(*x->entries));
  if (x->entries == NULL)
    return n;
  for (size_t i = 0; i < n; i++) {
    ad_exhaust_entry_t e;
    bool duplicate = false;
    int rc =
        x->count >= AD_EXHAUST_ENTRIES
            ? ad_codec_fail(why, "exhaustion: more than %d entries",
                            AD_EXHAUST_ENTRIES)
            : ad_codec_within(why, "exhaustion",
                              decode_entry(json_array_get(list, i), &e, why));
    for (unsigned j = 0; rc == 0 && j < x->count; j++)
      duplicate |= x->entries[j].key == e.key;
    if (rc == 0 && duplicate)
      rc = ad_codec_fail(why, "exhaustion: a series twice");
    if (rc != 0) {
      bad++;
      continue;
    }
    x->entries[x->count++] = e;
  }
  return bad;
}
