/* ad_typesdb: collectd's types.db, for data read from files (the csv
 * plugin's DataDir): which data sources of a type are counters that must be
 * turned into rates, and which are gauges. Lines are "type ds:KIND:min:max,
 * ds:KIND:min:max..." as types.db(5) describes; comments and blank lines are
 * skipped, and so are lines that are not such definitions (types.db files
 * of other collectd versions add their own). */
#ifndef AD_TYPESDB_H
#define AD_TYPESDB_H

#include "core/ad_ident.h"
#include "offline/ad_rate.h"

#include <stddef.h>
#include <stdio.h>

typedef struct ad_typesdb_s ad_typesdb_t;

/* Reads a types.db from fp (not closed), named `name` in errors. NULL with
 * a reason in err when it cannot be read or defines no type at all (then it
 * is not a types.db, and counters would silently be read as gauges), or
 * when memory runs out. */
ad_typesdb_t *ad_typesdb_read(FILE *fp, const char *name, char *err,
                              size_t err_size);

/* The same from the file at path. */
ad_typesdb_t *ad_typesdb_load(const char *path, char *err, size_t err_size);

/* Frees; NULL allowed. */
void ad_typesdb_free(ad_typesdb_t *db);

/* Types defined. */
size_t ad_typesdb_count(const ad_typesdb_t *db);

/* The kinds of type's data sources, which must be exactly `names`. Returns
 * 0; ENOENT when the type is unknown or its data sources differ (db NULL:
 * every type is unknown). */
int ad_typesdb_kinds(const ad_typesdb_t *db, const char *type, unsigned count,
                     char names[][AD_NAME_MAX], ad_ds_kind_t *kinds);

#endif /* AD_TYPESDB_H */
