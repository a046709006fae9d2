/* ad_change_codec: a host's changes as JSON and back (see header). */
#include "state/ad_change_codec.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const ad_codec_field_t CHANGE[] = {
    AD_CODEC_FIELD(ad_change_t, time, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_change_t, until, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_change_t, watched, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_change_t, regressed, AD_CODEC_U32),
};
static const ad_codec_field_t WORST[] = {
    AD_CODEC_FIELD(ad_change_series_t, deviation, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_change_series_t, percent, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_change_series_t, before_percent, AD_CODEC_F64),
};
static const ad_codec_field_t SUMS[] = {
    AD_CODEC_FIELD(ad_change_slot_t, key, AD_CODEC_U64),
    AD_CODEC_FIELD(ad_change_slot_t, n, AD_CODEC_U32),
    AD_CODEC_FIELD(ad_change_slot_t, deviation, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_change_slot_t, value, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_change_slot_t, expected, AD_CODEC_F64_FINITE),
    AD_CODEC_FIELD(ad_change_slot_t, before, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_change_slot_t, moved, AD_CODEC_F64),
    AD_CODEC_FIELD(ad_change_slot_t, frozen, AD_CODEC_BOOL),
    AD_CODEC_FLOATS(ad_change_slot_t, forecast),
};

/* An object of the n fields at base plus obj[name] = text; NULL: ENOMEM. */
static json_t *object_of(const void *base, const ad_codec_field_t *fields,
                         size_t n, const char *name, const char *text) {
  json_t *o = json_object();
  if (o == NULL || ad_codec_encode(o, base, fields, n) != 0 ||
      json_object_set_new(o, name, json_string(text)) != 0) {
    json_decref(o);
    return NULL;
  }
  return o;
}

/* Appends item (NULL: out of memory) to list; ENOMEM. */
static int append(json_t *list, json_t *item) {
  return item != NULL && json_array_append_new(list, item) == 0 ? 0 : ENOMEM;
}

static json_t *encode_change(const ad_change_t *c) {
  json_t *o = object_of(c, CHANGE, COUNT(CHANGE), "what", c->what);
  json_t *worst = json_array();
  int rc = o != NULL && worst != NULL ? 0 : ENOMEM;
  unsigned named =
      c->regressed < AD_CHANGE_WORST ? c->regressed : AD_CHANGE_WORST;
  for (unsigned k = 0; rc == 0 && k < named; k++)
    rc = append(worst, object_of(&c->worst[k], WORST, COUNT(WORST), "series",
                                 c->worst[k].name));
  if (rc == 0 && json_object_set_new(o, "worst", worst) == 0)
    return o;
  if (rc != 0)
    json_decref(worst);
  json_decref(o);
  return NULL;
}

static json_t *encode_open(const ad_change_watch_t *w) {
  json_t *o = encode_change(&w->open);
  json_t *sums = json_array();
  int rc = o != NULL && sums != NULL ? 0 : ENOMEM;
  for (size_t i = 0; rc == 0 && i < w->capacity; i++)
    if (w->slot[i].key != 0 && (w->slot[i].n > 0 || w->slot[i].frozen))
      rc = append(sums, object_of(&w->slot[i], SUMS, COUNT(SUMS), "series",
                                  w->slot[i].name));
  if (rc == 0 && json_object_set_new(o, "sums", sums) == 0)
    return o;
  if (rc != 0)
    json_decref(sums);
  json_decref(o);
  return NULL;
}

int ad_change_encode(json_t *obj, const ad_change_watch_t *w) {
  json_t *list = json_array();
  int rc = list != NULL ? 0 : ENOMEM;
  for (unsigned i = 0; rc == 0 && i < w->count; i++)
    rc = append(list, encode_change(&w->history[i]));
  if (rc != 0 || json_object_set_new(obj, "changes", list) != 0)
    return ENOMEM;
  if (!ad_change_is_open(w))
    return 0;
  /* a copy without its table (out of memory) saves the change, no sums */
  json_t *open = w->slot != NULL ? encode_open(w) : encode_change(&w->open);
  return open != NULL && json_object_set_new(obj, "change_open", open) == 0
             ? 0
             : ENOMEM;
}

/* Copies the string obj[name] into out (size bytes); false when it is not
 * a string without NUL that fits. */
static bool get_text(const json_t *obj, const char *name, char *out,
                     size_t size) {
  const json_t *v = json_object_get(obj, name);
  if (!json_is_string(v) || json_string_length(v) >= size ||
      strlen(json_string_value(v)) != json_string_length(v))
    return false;
  memcpy(out, json_string_value(v), json_string_length(v) + 1);
  return true;
}

/* One change (a verdict when `judged`); EINVAL with the reason. */
static int decode_change(const json_t *o, bool judged, ad_change_t *c,
                         ad_codec_error_t *why) {
  memset(c, 0, sizeof(*c));
  const json_t *worst = json_object_get(o, "worst");
  if (ad_codec_decode(o, c, CHANGE, COUNT(CHANGE), why) != 0)
    return EINVAL;
  if (!get_text(o, "what", c->what, sizeof(c->what)))
    return ad_codec_fail(why, "what: missing or too long");
  if (!(c->time < c->until) || c->regressed > c->watched ||
      !json_is_array(worst))
    return ad_codec_fail(why, "not a change");
  c->judged = judged;
  size_t named = json_array_size(worst);
  if (named > AD_CHANGE_WORST || named > c->regressed)
    return ad_codec_fail(why, "worst: %zu series", named);
  for (size_t k = 0; k < named; k++) {
    const json_t *s = json_array_get(worst, k);
    if (ad_codec_within(
            why, "worst",
            ad_codec_decode(s, &c->worst[k], WORST, COUNT(WORST), why)) != 0)
      return EINVAL;
    if (!get_text(s, "series", c->worst[k].name, sizeof(c->worst[k].name)))
      return ad_codec_fail(why, "worst: series: missing");
  }
  return 0;
}

/* Reads the open watch's sums into w; returns the ones left out. */
static size_t decode_sums(const json_t *sums, ad_change_watch_t *w,
                          ad_codec_error_t *why) {
  size_t bad = 0;
  for (size_t i = 0; i < json_array_size(sums); i++) {
    const json_t *s = json_array_get(sums, i);
    ad_change_slot_t slot = {0};
    if (ad_codec_decode(s, &slot, SUMS, COUNT(SUMS), why) != 0 ||
        !get_text(s, "series", slot.name, sizeof(slot.name)) ||
        !ad_change_restore(w, &slot)) {
      ad_codec_fail(why, "change_open: sums[%zu]: not a series' sums", i);
      bad++;
    }
  }
  return bad;
}

size_t ad_change_decode(const json_t *obj, ad_change_watch_t *w, size_t series,
                        ad_codec_error_t *why) {
  size_t bad = 0;
  const json_t *changes = json_object_get(obj, "changes");
  for (size_t i = 0; i < json_array_size(changes); i++) {
    ad_change_t c;
    if (w->count >= AD_CHANGE_HISTORY ||
        ad_codec_within(
            why, "changes",
            decode_change(json_array_get(changes, i), true, &c, why)) != 0) {
      ad_codec_fail(why, "changes: more than %d", AD_CHANGE_HISTORY);
      bad++;
      continue;
    }
    w->history[w->count++] = c;
  }
  const json_t *open = json_object_get(obj, "change_open");
  if (open == NULL)
    return bad;
  ad_change_t c;
  int err = 0;
  const json_t *sums = json_object_get(open, "sums");
  if (json_array_size(sums) > series)
    series = json_array_size(sums);
  if (ad_codec_within(why, "change_open",
                      decode_change(open, false, &c, why)) != 0 ||
      !ad_change_resume(w, &c, series, &err)) {
    if (err == ENOMEM)
      ad_codec_fail(why, "change_open: out of memory");
    return bad + 1;
  }
  return bad + decode_sums(sums, w, why);
}
