/* ad_state: the state directory (StateDir): one file per host, written by
 * checkpoints and read at start, by the anomaly plugin and by the
 * collectd-anomaly command alike.
 *
 * Layout: host-<readable>-<hash>.json per host (ad_statefile_name), its
 * previous versions beside it as .json.1 (newest) .. .json.N, damaged files
 * under damaged/, and a lock file: one process at a time owns the
 * directory (a second collectd, or a rollback while collectd runs, is told
 * so instead of overwriting the other's work). */
#ifndef AD_STATE_H
#define AD_STATE_H

#include "engine/ad_engine.h"
#include "state/ad_statefile.h"
#include "state/ad_statehdr.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Largest state file read (a damaged or hostile one cannot exhaust
 * memory): a host of some ten thousand series. */
#define AD_STATE_FILE_MAX (256u << 20)

#define AD_STATE_LOCK ".lock"

typedef enum {
  AD_STATE_INFO,
  AD_STATE_WARNING,
  AD_STATE_ERROR,
} ad_state_severity_t;

/* Where the state directory's messages go (the plugin's log, the
 * command's stderr). msg is complete, without the plugin prefix. */
typedef void (*ad_state_log_t)(void *ctx, ad_state_severity_t severity,
                               const char *msg);

typedef struct ad_state_s {
  char dir[1024];
  unsigned versions;  /* previous versions kept per host */
  char writer[64];    /* what writes: program and version */
  ad_state_log_t log; /* may be NULL */
  void *log_ctx;
  int lock_fd; /* -1: not owned */
} ad_state_t;

/* How a state directory is opened. */
typedef struct {
  const char *dir;    /* created with its parents, mode 0700 */
  unsigned versions;  /* previous versions kept per host */
  const char *writer; /* written into every file: program and version */
  ad_state_log_t log; /* may be NULL */
  void *log_ctx;
} ad_state_options_t;

/* Opens the state directory opt->dir and takes its lock. Returns 0; EBUSY
 * when another process holds it; another errno value when the directory
 * cannot be made or opened (err says which). */
int ad_state_open(ad_state_t *st, const ad_state_options_t *opt, char *err,
                  size_t err_size);

/* Lets go of the lock. NULL or an unopened state allowed. */
void ad_state_close(ad_state_t *st);

typedef struct {
  size_t files;   /* host files found */
  size_t hosts;   /* hosts restored */
  size_t series;  /* series in them */
  size_t damaged; /* files set aside */
  size_t partly;  /* files loaded without their damaged parts */
  size_t skipped; /* files left alone: unreadable, or a host already in */
  unsigned reset; /* AD_PERSIST_RESET_* of any host */
} ad_state_load_stats_t;

/* Loads every host file of the directory into e (ad_persist_restore with
 * `now`), on a few threads at once when there are many files (the log
 * callback may then be called from several threads). A file that is empty,
 * truncated, not JSON, of another format, version or kind, or refused by
 * ad_persist_restore is moved to damaged/ with a log line naming it and the
 * reason; its host starts afresh. A file with damaged parts (a series, a
 * forest) is loaded without them (they start afresh), with a log line
 * naming the first and a copy kept in damaged/. Returns 0 (damaged files
 * are not an error); an errno value when the directory cannot be read. */
int ad_state_load(ad_state_t *st, ad_engine_t *e, double now,
                  ad_state_load_stats_t *stats);

/* Writes a checkpoint of e: every host's file replaced atomically, the
 * previous one kept as a version. Returns 0, or the first error (logged;
 * the other hosts are written). */
int ad_state_checkpoint(ad_state_t *st, ad_engine_t *e, ad_save_stats_t *stats);

/* The file name of host's state (version 0: the current file). Returns 0;
 * EINVAL. out holds AD_STATEFILE_NAME_MAX + 1 bytes at least. */
int ad_state_host_file(const char *host, unsigned version, char *out,
                       size_t out_size);

/* Reads and checks a host file (current or version): *doc receives it (new
 * reference) and *hdr its envelope (pointing into *doc). Returns 0; ENOENT;
 * EINVAL / ENOTSUP / EFBIG with the reason in err when it is damaged;
 * another errno value when it cannot be read. */
int ad_state_read(const char *dir, const char *name, json_t **doc,
                  ad_statehdr_t *hdr, char *err, size_t err_size);

/* Calls fn with the name of every current host file of dir, in name order.
 * Returns 0, fn's first non-zero return, or an errno value. */
int ad_state_each_host_file(const char *dir,
                            int (*fn)(void *ctx, const char *name), void *ctx);

/* Makes version `version` (1 = the newest previous one) of host's state
 * the current one; the current one is kept as version 1 (the others move
 * down). Returns 0; ENOENT when there is no such version; EINVAL when it is
 * damaged (err says why); another errno value. */
int ad_state_rollback(ad_state_t *st, const char *host, unsigned version,
                      char *err, size_t err_size);

/* Forgets host: its current file and versions move to removed/ (kept, no
 * longer loaded). For a host that is gone for good. Returns 0; ENOENT when
 * there is no file of it; another errno value (err says which). */
int ad_state_remove(ad_state_t *st, const char *host, size_t *files, char *err,
                    size_t err_size);

#endif /* AD_STATE_H */
