/* The rrdtool plugin's files as histories (ad_history): DataDir/<host>/
 * <plugin[-instance]>/<type[-instance]>.rrd, read with librrd at the finest
 * resolution they keep. RRD files hold rates already: every data source is
 * read as a gauge. */
#include "cli.h"
#include "config.h"

#include "offline/ad_history.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HAVE_LIBRRD
#include <rrd.h>

/* Reads one .rrd file into a new history (NULL: skipped, said why). */
static ad_history_t *read_rrd(const char *path, const ad_history_source_t *src,
                              const char *name) {
  char msg[8192 + 512];
  time_t start = rrd_first_r(path, 0), end = rrd_last_r(path);
  if (start <= 0 || end <= 0) {
    snprintf(msg, sizeof(msg), "%s: not a readable RRD file (%s); skipped",
             path, rrd_get_error());
    rrd_clear_error();
    if (src->warn != NULL)
      src->warn(src->warn_ctx, msg);
    return NULL;
  }
  unsigned long step = 1, ds_count = 0;
  char **ds_names = NULL;
  rrd_value_t *data = NULL;
  if (rrd_fetch_r(path, "AVERAGE", &start, &end, &step, &ds_count, &ds_names,
                  &data) != 0) {
    snprintf(msg, sizeof(msg), "%s: %s; skipped", path, rrd_get_error());
    rrd_clear_error();
    if (src->warn != NULL)
      src->warn(src->warn_ctx, msg);
    return NULL;
  }
  ad_history_t *h = NULL;
  if (ds_count > 0 && ds_count <= AD_VLIST_MAX_SOURCES)
    h = ad_history_new(src->host, name, (unsigned)ds_count,
                       (const char *const *)ds_names, NULL);
  if (h == NULL) {
    snprintf(msg, sizeof(msg), "%s: not a usable value list; skipped", path);
    if (src->warn != NULL)
      src->warn(src->warn_ctx, msg);
  }
  size_t rows = step > 0 ? (size_t)(end - start) / step : 0;
  for (size_t i = 0; h != NULL && i < rows; i++) {
    double values[AD_VLIST_MAX_SOURCES];
    bool any = false;
    for (unsigned long k = 0; k < ds_count; k++) {
      values[k] = data[i * ds_count + k];
      any = any || !isnan(values[k]);
    }
    /* RRD rows are the interval ending at their time */
    if (any && ad_history_append(h, (double)start + (double)(i + 1) * step,
                                 values) == ENOMEM) {
      ad_history_free(h);
      h = NULL;
    }
  }
  for (unsigned long k = 0; k < ds_count; k++)
    rrd_freemem(ds_names[k]);
  rrd_freemem(ds_names);
  rrd_freemem(data);
  return h;
}

int cli_read_rrd_host(const char *host_dir, const ad_history_source_t *src,
                      ad_history_t ***out, size_t *n) {
  *out = NULL;
  *n = 0;
  DIR *top = opendir(host_dir);
  if (top == NULL)
    return errno;
  size_t capacity = 0;
  int rc = 0;
  for (struct dirent *p; rc == 0 && (p = readdir(top)) != NULL;) {
    if (p->d_name[0] == '.' || strcmp(p->d_name, "anomaly") == 0 ||
        strncmp(p->d_name, "anomaly-", 8) == 0)
      continue;
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/%s", host_dir, p->d_name);
    DIR *sub = opendir(dir);
    if (sub == NULL)
      continue;
    for (struct dirent *f; rc == 0 && (f = readdir(sub)) != NULL;) {
      size_t len = strlen(f->d_name);
      if (f->d_name[0] == '.' || len <= 4 ||
          strcmp(f->d_name + len - 4, ".rrd") != 0)
        continue;
      char path[4096 + 256], name[600];
      snprintf(path, sizeof(path), "%s/%s", dir, f->d_name);
      snprintf(name, sizeof(name), "%s/%.*s", p->d_name, (int)(len - 4),
               f->d_name);
      ad_history_t *h = read_rrd(path, src, name);
      if (h == NULL)
        continue;
      if (*n == capacity) {
        capacity = capacity ? 2 * capacity : 64;
        ad_history_t **grown = realloc(*out, capacity * sizeof(*grown));
        if (grown == NULL) {
          ad_history_free(h);
          rc = ENOMEM;
          break;
        }
        *out = grown;
      }
      (*out)[(*n)++] = h;
    }
    closedir(sub);
  }
  closedir(top);
  return rc;
}

#else

int cli_read_rrd_host(const char *host_dir, const ad_history_source_t *src,
                      ad_history_t ***out, size_t *n) {
  (void)host_dir;
  (void)src;
  *out = NULL;
  *n = 0;
  return ENOTSUP;
}

#endif
