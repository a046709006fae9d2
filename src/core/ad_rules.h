/* ad_rules: which value lists the anomaly plugin looks at.
 *
 * A rule names patterns (exact or /regex/, see ad_pattern) for any of the
 * five identifier fields; it matches a value list when every field it names
 * matches one of that field's patterns. A rule list holds Select and Ignore
 * rules: a value list is selected when there are no Select rules or one of
 * them matches, and no Ignore rule matches. Host group rules, apart, say
 * which value lists the host forest looks at together.
 *
 * Text form (replay's --set and the docs): "Plugin=cpu TypeInstance=/^idle$/",
 * fields separated by blanks. Matching is thread-safe once built. */
#ifndef AD_RULES_H
#define AD_RULES_H

#include "core/ad_ident.h"

#include <stdbool.h>
#include <stddef.h>

typedef enum {
  AD_RULE_SELECT = 0,
  AD_RULE_IGNORE = 1,
  AD_RULE_HOST_GROUP = 2, /* which series make up the host forest's view */
} ad_rule_kind_t;

#define AD_RULE_KINDS 3

typedef struct ad_rules_s ad_rules_t;
typedef struct ad_rule_s ad_rule_t;

/* Creates an empty list (selects everything). NULL when out of memory. */
ad_rules_t *ad_rules_create(void);

/* Frees the list and its rules; NULL is allowed. */
void ad_rules_destroy(ad_rules_t *rules);

/* Appends an empty rule of the given kind and returns it (owned by the list),
 * or NULL when out of memory. An empty rule matches everything. */
ad_rule_t *ad_rules_add(ad_rules_t *rules, ad_rule_kind_t kind);

/* Adds a pattern for the field called field_name ("Host", "Plugin", ...).
 * Returns 0, EINVAL (unknown field or bad regex; err says which) or ENOMEM. */
int ad_rule_add_pattern(ad_rule_t *rule, const char *field_name,
                        const char *pattern, char *err, size_t err_size);

/* Parses the text form into a new rule of the given kind. Returns 0, EINVAL
 * (err says why; the list is unchanged) or ENOMEM. */
int ad_rules_parse(ad_rules_t *rules, ad_rule_kind_t kind, const char *text,
                   char *err, size_t err_size);

/* True when the value list id is selected (see above). NULL rules select
 * everything. Host group rules play no part. */
bool ad_rules_select(const ad_rules_t *rules, const ad_ident_t *id);

/* True when the value list id belongs to its host's group for the host
 * forest: when there are no host group rules or one of them matches. */
bool ad_rules_host_group(const ad_rules_t *rules, const ad_ident_t *id);

/* Number of rules of the given kind. */
size_t ad_rules_count(const ad_rules_t *rules, ad_rule_kind_t kind);

#endif /* AD_RULES_H */
