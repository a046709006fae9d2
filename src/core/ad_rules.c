/* ad_rules: Select / Ignore rules over identifier fields (see header). */
#include "core/ad_rules.h"
#include "core/ad_pattern.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ad_rule_s {
  ad_rule_kind_t kind;
  ad_pattern_list_t *field[AD_FIELD_COUNT]; /* NULL: field not constrained */
  struct ad_rule_s *next;
};

struct ad_rules_s {
  ad_rule_t *head;
  ad_rule_t *tail;
  size_t count[AD_RULE_KINDS];
};

ad_rules_t *ad_rules_create(void) { return calloc(1, sizeof(ad_rules_t)); }

static void rule_destroy(ad_rule_t *rule) {
  for (int f = 0; f < AD_FIELD_COUNT; f++)
    ad_pattern_list_destroy(rule->field[f]);
  free(rule);
}

void ad_rules_destroy(ad_rules_t *rules) {
  if (rules == NULL)
    return;
  for (ad_rule_t *r = rules->head, *next; r != NULL; r = next) {
    next = r->next;
    rule_destroy(r);
  }
  free(rules);
}

ad_rule_t *ad_rules_add(ad_rules_t *rules, ad_rule_kind_t kind) {
  ad_rule_t *rule = calloc(1, sizeof(*rule));
  if (rule == NULL)
    return NULL;
  rule->kind = kind;
  if (rules->tail != NULL)
    rules->tail->next = rule;
  else
    rules->head = rule;
  rules->tail = rule;
  rules->count[kind]++;
  return rule;
}

/* Unlinks and frees the last rule (used to undo a failed parse). */
static void rules_drop_last(ad_rules_t *rules) {
  ad_rule_t *last = rules->tail, *prev = NULL;
  for (ad_rule_t *r = rules->head; r != last; r = r->next)
    prev = r;
  if (prev != NULL)
    prev->next = NULL;
  else
    rules->head = NULL;
  rules->tail = prev;
  rules->count[last->kind]--;
  rule_destroy(last);
}

int ad_rule_add_pattern(ad_rule_t *rule, const char *field_name,
                        const char *pattern, char *err, size_t err_size) {
  ad_field_t f;
  if (ad_field_parse(field_name, &f) != 0) {
    if (err != NULL)
      snprintf(err, err_size,
               "unknown field \"%s\" (expected Host, Plugin, PluginInstance, "
               "Type or TypeInstance)",
               field_name);
    return EINVAL;
  }
  if (rule->field[f] == NULL) {
    rule->field[f] = ad_pattern_list_create();
    if (rule->field[f] == NULL)
      return ENOMEM;
  }
  return ad_pattern_list_add(rule->field[f], pattern, err, err_size);
}

int ad_rules_parse(ad_rules_t *rules, ad_rule_kind_t kind, const char *text,
                   char *err, size_t err_size) {
  char *copy = strdup(text);
  if (copy == NULL)
    return ENOMEM;
  ad_rule_t *rule = ad_rules_add(rules, kind);
  if (rule == NULL) {
    free(copy);
    return ENOMEM;
  }
  int status = 0, terms = 0;
  char *saveptr = NULL;
  for (char *term = strtok_r(copy, " \t", &saveptr);
       term != NULL && status == 0; term = strtok_r(NULL, " \t", &saveptr)) {
    char *eq = strchr(term, '=');
    if (eq == NULL || eq == term || eq[1] == '\0') {
      snprintf(err, err_size, "expected FIELD=PATTERN, got \"%s\"", term);
      status = EINVAL;
      break;
    }
    *eq = '\0';
    status = ad_rule_add_pattern(rule, term, eq + 1, err, err_size);
    terms++;
  }
  if (status == 0 && terms == 0) {
    snprintf(err, err_size, "empty rule (expected FIELD=PATTERN ...)");
    status = EINVAL;
  }
  if (status != 0)
    rules_drop_last(rules);
  free(copy);
  return status;
}

static bool rule_matches(const ad_rule_t *rule, const ad_ident_t *id) {
  for (int f = 0; f < AD_FIELD_COUNT; f++) {
    if (rule->field[f] != NULL &&
        !ad_pattern_list_match(rule->field[f], ad_ident_field(id, f)))
      return false;
  }
  return true;
}

bool ad_rules_select(const ad_rules_t *rules, const ad_ident_t *id) {
  if (rules == NULL)
    return true;
  bool selected = rules->count[AD_RULE_SELECT] == 0;
  for (const ad_rule_t *r = rules->head; r != NULL; r = r->next) {
    if (r->kind == AD_RULE_HOST_GROUP || !rule_matches(r, id))
      continue;
    if (r->kind == AD_RULE_IGNORE)
      return false;
    selected = true;
  }
  return selected;
}

bool ad_rules_host_group(const ad_rules_t *rules, const ad_ident_t *id) {
  if (rules == NULL || rules->count[AD_RULE_HOST_GROUP] == 0)
    return true;
  for (const ad_rule_t *r = rules->head; r != NULL; r = r->next)
    if (r->kind == AD_RULE_HOST_GROUP && rule_matches(r, id))
      return true;
  return false;
}

size_t ad_rules_count(const ad_rules_t *rules, ad_rule_kind_t kind) {
  return rules != NULL ? rules->count[kind] : 0;
}
