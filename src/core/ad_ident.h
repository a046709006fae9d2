/* ad_ident: the identifier of a collectd value list (host, plugin, plugin
 * instance, type, type instance), as borrowed strings. Identifiers can come
 * from the network: every consumer treats them as hostile data (length
 * checked, never a format string, never a path). */
#ifndef AD_IDENT_H
#define AD_IDENT_H

#include <stdbool.h>
#include <stddef.h>

/* Longest field including its NUL, as collectd's DATA_MAX_NAME_LEN. */
#define AD_NAME_MAX 128

typedef enum {
  AD_FIELD_HOST = 0,
  AD_FIELD_PLUGIN,
  AD_FIELD_PLUGIN_INSTANCE,
  AD_FIELD_TYPE,
  AD_FIELD_TYPE_INSTANCE,
} ad_field_t;

#define AD_FIELD_COUNT 5

typedef struct {
  const char *host;
  const char *plugin;
  const char *plugin_instance; /* "" when none */
  const char *type;
  const char *type_instance; /* "" when none */
} ad_ident_t;

/* The field with index f (NULL fields read as ""). Never NULL. */
const char *ad_ident_field(const ad_ident_t *id, ad_field_t f);

/* A value list's key, its identity in the engine: the five fields in
 * order, each followed by a NUL. */
#define AD_IDENT_KEY_MAX (AD_FIELD_COUNT * AD_NAME_MAX)

/* Writes id's key into key (AD_IDENT_KEY_MAX bytes); returns its length,
 * the last NUL included. Every field of id must be shorter than
 * AD_NAME_MAX (ad_ident_valid). */
size_t ad_ident_key(const ad_ident_t *id, char *key);

/* The identifier a key holds: pointers into key. */
void ad_ident_of_key(const char *key, ad_ident_t *id);

/* collectd's config name of a field ("Host", "Plugin", "PluginInstance",
 * "Type", "TypeInstance"). Never NULL. */
const char *ad_field_name(ad_field_t f);

/* Looks a field up by its config name (case-insensitive). Returns 0 and sets
 * *f, or EINVAL. */
int ad_field_parse(const char *name, ad_field_t *f);

/* True when host, plugin and type are non-empty and every field is shorter
 * than AD_NAME_MAX and UTF-8. */
bool ad_ident_valid(const ad_ident_t *id);

/* Writes "plugin[-instance]/type[-instance]" and, when ds is not NULL, ":ds"
 * into buf (always NUL-terminated, truncated to size). Returns buf. */
char *ad_ident_series_name(const ad_ident_t *id, const char *ds, char *buf,
                           size_t size);

/* Storage for an identifier parsed from text (ad_ident_parse). */
typedef struct {
  char field[AD_FIELD_COUNT][AD_NAME_MAX];
} ad_ident_buf_t;

/* Parses a series name as used for replay columns into buf and points *id
 * at it: "plugin[-instance]/type[-instance]" (collectd's notation without the
 * host), or any other name N as plugin "replay", type "gauge", type
 * instance N. The host is set to `host`. Returns 0, or EINVAL when a field
 * would be empty or AD_NAME_MAX bytes or longer. */
int ad_ident_parse(const char *text, const char *host, ad_ident_buf_t *buf,
                   ad_ident_t *id);

#endif /* AD_IDENT_H */
