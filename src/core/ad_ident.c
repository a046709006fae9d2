/* ad_ident: value list identifiers (see header). */
#include "core/ad_ident.h"
#include "core/ad_text.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const char *const field_names[AD_FIELD_COUNT] = {
    "Host", "Plugin", "PluginInstance", "Type", "TypeInstance"};

const char *ad_ident_field(const ad_ident_t *id, ad_field_t f) {
  const char *v = NULL;
  switch (f) {
  case AD_FIELD_HOST:
    v = id->host;
    break;
  case AD_FIELD_PLUGIN:
    v = id->plugin;
    break;
  case AD_FIELD_PLUGIN_INSTANCE:
    v = id->plugin_instance;
    break;
  case AD_FIELD_TYPE:
    v = id->type;
    break;
  case AD_FIELD_TYPE_INSTANCE:
    v = id->type_instance;
    break;
  }
  return v != NULL ? v : "";
}

const char *ad_field_name(ad_field_t f) {
  return (unsigned)f < AD_FIELD_COUNT ? field_names[f] : "?";
}

int ad_field_parse(const char *name, ad_field_t *f) {
  for (int i = 0; i < AD_FIELD_COUNT; i++) {
    if (strcasecmp(name, field_names[i]) == 0) {
      *f = (ad_field_t)i;
      return 0;
    }
  }
  return EINVAL;
}

bool ad_ident_valid(const ad_ident_t *id) {
  for (int i = 0; i < AD_FIELD_COUNT; i++) {
    const char *v = ad_ident_field(id, (ad_field_t)i);
    size_t n = strnlen(v, AD_NAME_MAX);
    /* UTF-8, as JSON holds it: a name a state file could not keep would
     * cost its host every checkpoint */
    if (n >= AD_NAME_MAX || !ad_text_utf8(v, n))
      return false;
  }
  return ad_ident_field(id, AD_FIELD_HOST)[0] != '\0' &&
         ad_ident_field(id, AD_FIELD_PLUGIN)[0] != '\0' &&
         ad_ident_field(id, AD_FIELD_TYPE)[0] != '\0';
}

char *ad_ident_series_name(const ad_ident_t *id, const char *ds, char *buf,
                           size_t size) {
  if (size == 0)
    return buf;
  const char *pi = ad_ident_field(id, AD_FIELD_PLUGIN_INSTANCE);
  const char *ti = ad_ident_field(id, AD_FIELD_TYPE_INSTANCE);
  snprintf(buf, size, "%s%s%s/%s%s%s%s%s", ad_ident_field(id, AD_FIELD_PLUGIN),
           pi[0] ? "-" : "", pi, ad_ident_field(id, AD_FIELD_TYPE),
           ti[0] ? "-" : "", ti, ds != NULL ? ":" : "", ds != NULL ? ds : "");
  return ad_text_utf8_cut(buf);
}

/* Copies [start, start+len) into dst; false when it does not fit. */
static bool copy_part(char dst[AD_NAME_MAX], const char *start, size_t len) {
  if (len >= AD_NAME_MAX)
    return false;
  memcpy(dst, start, len);
  dst[len] = '\0';
  return true;
}

/* Splits "name[-instance]" at its first '-'. */
static bool split_instance(const char *start, size_t len, char *name,
                           char *instance) {
  const char *dash = memchr(start, '-', len);
  if (dash == NULL)
    return copy_part(name, start, len) && copy_part(instance, "", 0);
  return copy_part(name, start, (size_t)(dash - start)) &&
         copy_part(instance, dash + 1, len - (size_t)(dash - start) - 1);
}

int ad_ident_parse(const char *text, const char *host, ad_ident_buf_t *buf,
                   ad_ident_t *id) {
  const char *slash = strchr(text, '/');
  bool ok = copy_part(buf->field[AD_FIELD_HOST], host, strlen(host));
  if (ok && slash == NULL) {
    ok = copy_part(buf->field[AD_FIELD_PLUGIN], "replay", 6) &&
         copy_part(buf->field[AD_FIELD_PLUGIN_INSTANCE], "", 0) &&
         copy_part(buf->field[AD_FIELD_TYPE], "gauge", 5) &&
         copy_part(buf->field[AD_FIELD_TYPE_INSTANCE], text, strlen(text));
  } else if (ok) {
    ok = split_instance(text, (size_t)(slash - text),
                        buf->field[AD_FIELD_PLUGIN],
                        buf->field[AD_FIELD_PLUGIN_INSTANCE]) &&
         split_instance(slash + 1, strlen(slash + 1), buf->field[AD_FIELD_TYPE],
                        buf->field[AD_FIELD_TYPE_INSTANCE]);
  }
  *id = (ad_ident_t){
      .host = buf->field[AD_FIELD_HOST],
      .plugin = buf->field[AD_FIELD_PLUGIN],
      .plugin_instance = buf->field[AD_FIELD_PLUGIN_INSTANCE],
      .type = buf->field[AD_FIELD_TYPE],
      .type_instance = buf->field[AD_FIELD_TYPE_INSTANCE],
  };
  return ok && ad_ident_valid(id) ? 0 : EINVAL;
}

size_t ad_ident_key(const ad_ident_t *id, char *key) {
  size_t len = 0;
  for (int f = 0; f < AD_FIELD_COUNT; f++) {
    const char *v = ad_ident_field(id, (ad_field_t)f);
    size_t n = strnlen(v, AD_NAME_MAX - 1);
    memcpy(key + len, v, n);
    key[len + n] = '\0';
    len += n + 1;
  }
  return len;
}

void ad_ident_of_key(const char *key, ad_ident_t *id) {
  const char **fields[AD_FIELD_COUNT] = {&id->host, &id->plugin,
                                         &id->plugin_instance, &id->type,
                                         &id->type_instance};
  for (int f = 0; f < AD_FIELD_COUNT; f++, key += strlen(key) + 1)
    *fields[f] = key;
}
