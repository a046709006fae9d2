/* ad_capacity: which series have a ceiling they can run into, for time to
 * exhaustion. Two kinds:
 *  - parts of a whole that collectd reports as one type with a type
 *    instance per part: df_complex and df_inodes (used, free, reserved),
 *    memory (used, buffered, cached, free, slab...), swap (used, free,
 *    cached). The whole is the sum of the parts' latest values; the part
 *    "used" is the one that fills it;
 *  - a series whose data source has a maximum in types.db (percentages:
 *    100), unless its type instance names what is left rather than what
 *    is taken (free, idle, available...).
 * Pure. */
#ifndef AD_CAPACITY_H
#define AD_CAPACITY_H

#include "core/ad_ident.h"

typedef enum {
  AD_CAPACITY_UNKNOWN = 0, /* not looked at yet */
  AD_CAPACITY_NONE,        /* no ceiling */
  AD_CAPACITY_PART,        /* a part of a whole, not the one that fills */
  AD_CAPACITY_FILLER,      /* the part that fills its whole */
  AD_CAPACITY_MAXIMUM,     /* bounded by its data source's maximum, when
                              types.db gives one */
} ad_capacity_role_t;

/* The role of the value list id. Pure. */
ad_capacity_role_t ad_capacity_role(const ad_ident_t *id);

/* The user's ceilings (<Capacity> Series "/^myapp-queue/" Max 10000): a
 * series whose name ("plugin-pi/type-ti[:ds]") matches a rule's pattern
 * (ad_pattern: exact, or a regular expression between slashes) is bounded
 * by its Max, whatever its type; the first rule that matches counts. */
typedef struct ad_capacity_rules_s ad_capacity_rules_t;

/* Creates an empty list; NULL when out of memory. */
ad_capacity_rules_t *ad_capacity_rules_create(void);

/* Frees the list; NULL allowed. */
void ad_capacity_rules_destroy(ad_capacity_rules_t *rules);

/* Adds a rule: "PATTERN MAX" (the last word is the ceiling, a finite
 * number; the rest the pattern). Returns 0; EINVAL with err filled for a
 * bad pattern or number; ENOMEM. */
int ad_capacity_rules_parse(ad_capacity_rules_t *rules, const char *text,
                            char *err, size_t err_size);

/* The ceiling the first matching rule gives series (NaN: none; NULL
 * rules: none). Thread-safe. */
double ad_capacity_rules_max(const ad_capacity_rules_t *rules,
                             const char *series);

#endif /* AD_CAPACITY_H */
