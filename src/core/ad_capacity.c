/* ad_capacity: series with a ceiling (see header). */
#include "core/ad_capacity.h"

#include "core/ad_pattern.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct capacity_rule_s {
  struct capacity_rule_s *next;
  ad_pattern_list_t *pattern;
  double max;
} capacity_rule_t;

struct ad_capacity_rules_s {
  capacity_rule_t *first, *last;
};

ad_capacity_rules_t *ad_capacity_rules_create(void) {
  return calloc(1, sizeof(ad_capacity_rules_t));
}

void ad_capacity_rules_destroy(ad_capacity_rules_t *rules) {
  if (rules == NULL)
    return;
  for (capacity_rule_t *r = rules->first, *next; r != NULL; r = next) {
    next = r->next;
    ad_pattern_list_destroy(r->pattern);
    free(r);
  }
  free(rules);
}

int ad_capacity_rules_parse(ad_capacity_rules_t *rules, const char *text,
                            char *err, size_t err_size) {
  const char *space = strrchr(text, ' ');
  char *end = NULL;
  double max = space != NULL ? strtod(space + 1, &end) : NAN;
  if (space == NULL || end == space + 1 || *end != '\0' || !isfinite(max)) {
    snprintf(err, err_size,
             "Capacity expects a series pattern and a ceiling, such as "
             "\"/^myapp-queue/ 10000\"");
    return EINVAL;
  }
  size_t n = (size_t)(space - text);
  char *pattern = malloc(n + 1);
  capacity_rule_t *r = calloc(1, sizeof(*r));
  if (pattern == NULL || r == NULL ||
      (r->pattern = ad_pattern_list_create()) == NULL) {
    free(pattern);
    free(r);
    return ENOMEM;
  }
  memcpy(pattern, text, n);
  pattern[n] = '\0';
  int status =
      n > 0 ? ad_pattern_list_add(r->pattern, pattern, err, err_size) : EINVAL;
  if (n == 0)
    snprintf(err, err_size, "Capacity: the series pattern is empty");
  free(pattern);
  if (status != 0) {
    ad_pattern_list_destroy(r->pattern);
    free(r);
    return status;
  }
  r->max = max;
  if (rules->last != NULL)
    rules->last->next = r;
  else
    rules->first = r;
  rules->last = r;
  return 0;
}

double ad_capacity_rules_max(const ad_capacity_rules_t *rules,
                             const char *series) {
  for (const capacity_rule_t *r = rules != NULL ? rules->first : NULL;
       r != NULL; r = r->next)
    if (ad_pattern_list_match(r->pattern, series))
      return r->max;
  return NAN;
}

/* collectd's types whose type instances are the parts of one whole */
static const char *const WHOLES[] = {"df_complex", "df_inodes", "memory",
                                     "swap"};

/* type instances that say what is left, not what is taken */
static const char *const LEFT[] = {"free", "idle", "available", "unused",
                                   "reserved"};

static int listed(const char *s, const char *const *list, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(s, list[i]) == 0)
      return 1;
  return 0;
}

ad_capacity_role_t ad_capacity_role(const ad_ident_t *id) {
  const char *type = ad_ident_field(id, AD_FIELD_TYPE);
  const char *ti = ad_ident_field(id, AD_FIELD_TYPE_INSTANCE);
  if (listed(type, WHOLES, sizeof(WHOLES) / sizeof(WHOLES[0])))
    return strcmp(ti, "used") == 0 ? AD_CAPACITY_FILLER : AD_CAPACITY_PART;
  if (listed(ti, LEFT, sizeof(LEFT) / sizeof(LEFT[0])))
    return AD_CAPACITY_NONE;
  return AD_CAPACITY_MAXIMUM;
}
