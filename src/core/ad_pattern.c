/* ad_pattern: exact or /regex/ name patterns (see header). */
#include "core/ad_pattern.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char *text; /* exact text, or the regex source without slashes */
  bool is_regex;
  regex_t regex;
} pattern_t;

struct ad_pattern_list_s {
  pattern_t *items;
  size_t count;
};

ad_pattern_list_t *ad_pattern_list_create(void) {
  return calloc(1, sizeof(ad_pattern_list_t));
}

void ad_pattern_list_destroy(ad_pattern_list_t *list) {
  if (list == NULL)
    return;
  for (size_t i = 0; i < list->count; i++) {
    if (list->items[i].is_regex)
      regfree(&list->items[i].regex);
    free(list->items[i].text);
  }
  free(list->items);
  free(list);
}

static bool is_regex_syntax(const char *pattern, size_t len) {
  return len >= 2 && pattern[0] == '/' && pattern[len - 1] == '/';
}

int ad_pattern_list_add(ad_pattern_list_t *list, const char *pattern, char *err,
                        size_t err_size) {
  size_t len = strlen(pattern);
  pattern_t item = {.is_regex = is_regex_syntax(pattern, len)};
  item.text = item.is_regex ? strndup(pattern + 1, len - 2) : strdup(pattern);
  if (item.text == NULL)
    return ENOMEM;
  if (item.is_regex) {
    int status = regcomp(&item.regex, item.text, REG_EXTENDED | REG_NOSUB);
    if (status != 0) {
      if (err != NULL && err_size > 0) {
        char reason[128];
        regerror(status, &item.regex, reason, sizeof(reason));
        snprintf(err, err_size, "bad regular expression %s: %s", pattern,
                 reason);
      }
      free(item.text);
      return EINVAL;
    }
  }
  pattern_t *grown = realloc(list->items, (list->count + 1) * sizeof(*grown));
  if (grown == NULL) {
    if (item.is_regex)
      regfree(&item.regex);
    free(item.text);
    return ENOMEM;
  }
  list->items = grown;
  list->items[list->count++] = item;
  return 0;
}

size_t ad_pattern_list_size(const ad_pattern_list_t *list) {
  return list != NULL ? list->count : 0;
}

bool ad_pattern_list_match(const ad_pattern_list_t *list, const char *name) {
  if (list == NULL)
    return false;
  for (size_t i = 0; i < list->count; i++) {
    const pattern_t *p = &list->items[i];
    if (p->is_regex ? regexec(&p->regex, name, 0, NULL, 0) == 0
                    : strcmp(p->text, name) == 0)
      return true;
  }
  return false;
}

bool ad_pattern_list_selects(const ad_pattern_list_t *list,
                             bool ignore_selected, const char *name) {
  if (ad_pattern_list_size(list) == 0)
    return true;
  return ad_pattern_list_match(list, name) != ignore_selected;
}
