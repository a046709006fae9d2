/* ad_statehdr: the state files' envelope (see header). */
#include "state/ad_statehdr.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

json_t *ad_statehdr_new(const char *kind, const char *identifier,
                        double created, const char *writer) {
  if (kind == NULL || identifier == NULL || writer == NULL)
    return NULL;
  return json_pack("{s:s, s:i, s:s, s:s, s:f, s:s}", "format", AD_STATE_FORMAT,
                   "version", AD_STATE_VERSION, "kind", kind, "identifier",
                   identifier, "created", created, "writer", writer);
}

static int refuse(char *err, size_t err_size, int rc, const char *what) {
  if (err != NULL && err_size > 0)
    snprintf(err, err_size, "%s", what);
  return rc;
}

int ad_statehdr_check(const json_t *root, const char *kind, ad_statehdr_t *hdr,
                      char *err, size_t err_size) {
  memset(hdr, 0, sizeof(*hdr));
  if (!json_is_object(root))
    return refuse(err, err_size, EINVAL, "not a JSON object");
  const json_t *format = json_object_get(root, "format");
  if (!json_is_string(format) ||
      strcmp(json_string_value(format), AD_STATE_FORMAT) != 0)
    return refuse(err, err_size, EINVAL,
                  "not a collectd-anomaly state file (no \"format\")");
  const json_t *version = json_object_get(root, "version");
  if (!json_is_integer(version))
    return refuse(err, err_size, EINVAL,
                  "\"version\" missing or not an integer");
  hdr->version = (long)json_integer_value(version);
  if (hdr->version != AD_STATE_VERSION) {
    if (err != NULL && err_size > 0)
      snprintf(err, err_size, "format version %lld, this build reads %d",
               (long long)json_integer_value(version), AD_STATE_VERSION);
    return ENOTSUP;
  }
  const json_t *k = json_object_get(root, "kind");
  if (!json_is_string(k) || strcmp(json_string_value(k), kind) != 0) {
    if (err != NULL && err_size > 0)
      snprintf(err, err_size, "not a \"%s\" state file", kind);
    return EINVAL;
  }
  const json_t *id = json_object_get(root, "identifier");
  if (!json_is_string(id))
    return refuse(err, err_size, EINVAL,
                  "\"identifier\" missing or not a string");
  const json_t *created = json_object_get(root, "created");
  if (!json_is_number(created) || !isfinite(json_number_value(created)))
    return refuse(err, err_size, EINVAL, "\"created\" missing or not a time");
  hdr->kind = json_string_value(k);
  hdr->identifier = json_string_value(id);
  hdr->created = json_number_value(created);
  return 0;
}
