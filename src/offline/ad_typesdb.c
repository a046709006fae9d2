/* ad_typesdb: collectd's types.db (see header). */
#include "offline/ad_typesdb.h"
#include "engine/ad_vlist.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  char type[AD_NAME_MAX];
  unsigned count;
  char names[AD_VLIST_MAX_SOURCES][AD_NAME_MAX];
  ad_ds_kind_t kinds[AD_VLIST_MAX_SOURCES];
} typedef_t;

struct ad_typesdb_s {
  typedef_t *types;
  size_t n, capacity;
};

void ad_typesdb_free(ad_typesdb_t *db) {
  if (db == NULL)
    return;
  free(db->types);
  free(db);
}

size_t ad_typesdb_count(const ad_typesdb_t *db) {
  return db != NULL ? db->n : 0;
}

/* Parses "name ds:KIND:min:max, ds:KIND:min:max"; false when it is not. */
static bool parse_type_line(char *line, typedef_t *t) {
  char *save = NULL;
  char *name = strtok_r(line, " \t\r\n", &save);
  if (name == NULL || name[0] == '#' || strlen(name) >= AD_NAME_MAX)
    return false;
  strcpy(t->type, name);
  t->count = 0;
  for (char *spec = strtok_r(NULL, ", \t\r\n", &save); spec != NULL;
       spec = strtok_r(NULL, ", \t\r\n", &save)) {
    char *colon = strchr(spec, ':');
    if (colon == NULL || colon == spec || t->count == AD_VLIST_MAX_SOURCES ||
        (size_t)(colon - spec) >= AD_NAME_MAX)
      return false;
    char *kind = colon + 1, *end = strchr(kind, ':');
    if (end == NULL)
      return false;
    *colon = *end = '\0';
    strcpy(t->names[t->count], spec);
    if (ad_rate_kind_parse(kind, &t->kinds[t->count]) != 0)
      return false;
    t->count++;
  }
  return t->count > 0;
}

static int add(ad_typesdb_t *db, const typedef_t *t) {
  if (db->n == db->capacity) {
    size_t capacity = db->capacity ? 2 * db->capacity : 256;
    typedef_t *grown = realloc(db->types, capacity * sizeof(*grown));
    if (grown == NULL)
      return ENOMEM;
    db->types = grown;
    db->capacity = capacity;
  }
  db->types[db->n++] = *t;
  return 0;
}

ad_typesdb_t *ad_typesdb_read(FILE *fp, const char *name, char *err,
                              size_t err_size) {
  ad_typesdb_t *db = calloc(1, sizeof(*db));
  typedef_t *t = malloc(sizeof(*t));
  char *line = NULL;
  size_t cap = 0;
  int rc = db != NULL && t != NULL ? 0 : ENOMEM;
  ssize_t len;
  errno = 0;
  while (rc == 0 && (len = getline(&line, &cap, fp)) >= 0) {
    /* a NUL byte would cut the line: not a definition */
    if (memchr(line, '\0', (size_t)len) == NULL && parse_type_line(line, t))
      rc = add(db, t);
  }
  if (rc == 0 && ferror(fp))
    rc = errno != 0 ? errno : EIO;
  free(line);
  free(t);
  if (rc == ENOMEM)
    snprintf(err, err_size, "%s: out of memory", name);
  else if (rc != 0)
    snprintf(err, err_size, "%s: %s", name, strerror(rc));
  else if (db->n == 0)
    snprintf(err, err_size, "%s: not a types.db (no type defined in it)", name);
  if (rc != 0 || db->n == 0) {
    ad_typesdb_free(db);
    return NULL;
  }
  return db;
}

ad_typesdb_t *ad_typesdb_load(const char *path, char *err, size_t err_size) {
  FILE *fp = fopen(path, "r");
  if (fp == NULL) {
    snprintf(err, err_size, "%s: %s", path, strerror(errno));
    return NULL;
  }
  ad_typesdb_t *db = ad_typesdb_read(fp, path, err, err_size);
  fclose(fp);
  return db;
}

int ad_typesdb_kinds(const ad_typesdb_t *db, const char *type, unsigned count,
                     char names[][AD_NAME_MAX], ad_ds_kind_t *kinds) {
  for (size_t i = 0; db != NULL && i < db->n; i++) {
    const typedef_t *t = &db->types[i];
    if (strcmp(t->type, type) != 0 || t->count != count)
      continue;
    for (unsigned k = 0; k < count; k++)
      if (strcmp(t->names[k], names[k]) != 0)
        return ENOENT;
    memcpy(kinds, t->kinds, count * sizeof(*kinds));
    return 0;
  }
  return ENOENT;
}
