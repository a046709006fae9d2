/* ad_history: what collectd already stored, as value lists in time order,
 * for `collectd-anomaly train`: read from the csv plugin's directory tree
 * (DataDir/<host>/<plugin[-instance]>/<type[-instance]>-YYYY-MM-DD, header
 * "epoch,<data source>...") or filled by another reader (RRD files), then
 * fed through an engine as collectd would have fed it live: all of a host's
 * value lists merged by time, counters turned into rates as collectd's
 * cache does, forests trained as they fall due, the last interval closed. */
#ifndef AD_HISTORY_H
#define AD_HISTORY_H

#include "core/ad_ident.h"
#include "engine/ad_engine.h"
#include "engine/ad_vlist.h"
#include "offline/ad_rate.h"
#include "offline/ad_typesdb.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* One value list's stored values. */
typedef struct ad_history_s {
  ad_ident_buf_t id;
  unsigned count;                                /* data sources */
  char names[AD_VLIST_MAX_SOURCES][AD_NAME_MAX]; /* their names */
  ad_ds_kind_t kinds[AD_VLIST_MAX_SOURCES];      /* how they are stored */
  double *times;                                 /* rows, ascending */
  double *values;                                /* rows x count */
  size_t rows, capacity;
} ad_history_t;

/* A new empty history of value list `name` ("plugin[-pi]/type[-ti]") of
 * host, with count data sources. NULL when out of memory or invalid. */
ad_history_t *ad_history_new(const char *host, const char *name, unsigned count,
                             const char *const *ds_names,
                             const ad_ds_kind_t *kinds);

/* Frees; NULL allowed. */
void ad_history_free(ad_history_t *h);

/* Appends a row (count values; NaN: missing). Rows must come in time order;
 * one not after the last is refused (EINVAL). Returns 0; ENOMEM. */
int ad_history_append(ad_history_t *h, double time, const double *values);

/* ---- the csv plugin's files -------------------------------------------- */

/* Receives a complaint about input that was skipped (a bad line, a file
 * that is not the csv plugin's), naming file and line. May be NULL. */
typedef void (*ad_history_warn_t)(void *ctx, const char *msg);

/* Whose files are read and how their data sources are taken. */
typedef struct {
  const char *host;       /* the host the files belong to */
  const ad_typesdb_t *db; /* counters or gauges as types.db says; NULL:
                             all gauges */
  bool rates_stored;      /* the csv plugin's StoreRates: all gauges */
  ad_history_warn_t warn; /* skipped input; NULL: not told */
  void *warn_ctx;
} ad_history_source_t;

/* Reads the csv plugin's files of one host (host_dir = DataDir/<host>):
 * one history per value list, its day files joined in order, sorted by
 * name. The anomaly plugin's own output is skipped. Returns 0 with *out
 * (n entries, free each and the array); an errno value with a reason in
 * err when the directory cannot be read. */
int ad_history_read_csv_host(const char *host_dir,
                             const ad_history_source_t *src,
                             ad_history_t ***out, size_t *n, char *err,
                             size_t err_size);

/* Appends the rows of one csv plugin day file, read from fp (not closed;
 * named path in warnings), of value list plugin_dir/base ("plugin[-pi]",
 * "type[-ti]") to *h, which is made from the file's header when it is
 * NULL. A file that is not the csv plugin's, or whose data sources differ
 * from *h's, is skipped with a warning; so are lines that are not rows in
 * time order (counted, the first named by its line number). Returns 0;
 * ENOMEM. */
int ad_history_read_day(FILE *fp, const char *path,
                        const ad_history_source_t *src, const char *plugin_dir,
                        const char *base, ad_history_t **h);

/* ---- feeding ----------------------------------------------------------- */

/* Feeds the histories (of one host or several) through e in time order,
 * value lists of the same time in the order given, as collectd would have
 * delivered them; trains what falls due at once, and closes the open
 * intervals at the end. progress (may be NULL) is told the rows done.
 * Returns the number of values fed. */
size_t ad_history_feed(ad_engine_t *e, ad_history_t *const *list, size_t n,
                       void (*progress)(void *ctx, size_t rows), void *ctx);

#endif /* AD_HISTORY_H */
