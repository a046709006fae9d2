/* ad_state: the state directory (see header). */
#include "state/ad_state.h"
#include "core/ad_text.h"
#include "state/ad_persist.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HOST_KIND "host"

static void say(const ad_state_t *st, ad_state_severity_t severity,
                const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(const ad_state_t *st, ad_state_severity_t severity,
                const char *fmt, ...) {
  if (st->log == NULL)
    return;
  char shown[1024];
  va_list ap;
  va_start(ap, fmt);
  /* host names and reasons come from files: nothing raw reaches a log */
  ad_text_vformat(shown, sizeof(shown), fmt, ap);
  va_end(ap);
  st->log(st->log_ctx, severity, shown);
}

/* mkdir -p, new directories of mode 0700. */
static int make_dirs(const char *dir) {
  char path[sizeof(((ad_state_t *)0)->dir)];
  size_t len = strlen(dir);
  if (len == 0 || len >= sizeof(path))
    return EINVAL;
  memcpy(path, dir, len + 1);
  for (char *p = path + 1;; p++) {
    if (*p == '/' || *p == '\0') {
      char c = *p;
      *p = '\0';
      if (mkdir(path, 0700) != 0 && errno != EEXIST)
        return errno;
      *p = c;
      if (c == '\0')
        break;
    }
  }
  struct stat sb;
  if (stat(dir, &sb) != 0)
    return errno;
  return S_ISDIR(sb.st_mode) ? 0 : ENOTDIR;
}

int ad_state_open(ad_state_t *st, const ad_state_options_t *opt, char *err,
                  size_t err_size) {
  memset(st, 0, sizeof(*st));
  st->lock_fd = -1;
  const char *dir = opt->dir;
  if (dir == NULL || strlen(dir) >= sizeof(st->dir)) {
    snprintf(err, err_size, "state directory name too long");
    return EINVAL;
  }
  snprintf(st->dir, sizeof(st->dir), "%s", dir);
  snprintf(st->writer, sizeof(st->writer), "%s", opt->writer);
  st->versions = opt->versions;
  st->log = opt->log;
  st->log_ctx = opt->log_ctx;
  int rc = make_dirs(dir);
  if (rc != 0) {
    snprintf(err, err_size, "cannot create %s: %s", dir, strerror(rc));
    return rc;
  }
  char path[sizeof(st->dir) + sizeof(AD_STATE_LOCK) + 1];
  snprintf(path, sizeof(path), "%s/%s", dir, AD_STATE_LOCK);
  int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    rc = errno;
    snprintf(err, err_size, "cannot open %s: %s", path, strerror(rc));
    return rc;
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    rc = errno == EWOULDBLOCK ? EBUSY : errno;
    snprintf(err, err_size, "%s is in use by another process (%s)", dir,
             rc == EBUSY ? "a running collectd, or a collectd-anomaly command"
                         : strerror(rc));
    close(fd);
    return rc;
  }
  st->lock_fd = fd;
  return 0;
}

void ad_state_close(ad_state_t *st) {
  if (st == NULL || st->lock_fd < 0)
    return;
  close(st->lock_fd); /* lets go of the flock */
  st->lock_fd = -1;
}

int ad_state_host_file(const char *host, unsigned version, char *out,
                       size_t out_size) {
  char current[AD_STATEFILE_NAME_MAX + 1];
  int rc = ad_statefile_name(HOST_KIND, host, current, sizeof(current));
  if (rc != 0)
    return rc;
  if (version == 0) {
    if (out_size <= strlen(current))
      return EINVAL;
    memcpy(out, current, strlen(current) + 1);
    return 0;
  }
  return ad_statefile_version_name(current, version, out, out_size);
}

/* ---- reading ----------------------------------------------------------- */

int ad_state_read(const char *dir, const char *name, json_t **doc,
                  ad_statehdr_t *hdr, char *err, size_t err_size) {
  *doc = NULL;
  char *data;
  size_t len;
  int rc = ad_statefile_read(dir, name, AD_STATE_FILE_MAX, &data, &len);
  if (rc == EFBIG) {
    snprintf(err, err_size, "larger than %u MB", AD_STATE_FILE_MAX >> 20);
    return EFBIG;
  }
  if (rc != 0) {
    snprintf(err, err_size, "%s", strerror(rc));
    return rc;
  }
  if (len == 0) {
    free(data);
    snprintf(err, err_size, "empty");
    return EINVAL;
  }
  json_error_t jerr;
  json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
  free(data);
  if (root == NULL) {
    snprintf(err, err_size, "not JSON (line %d, column %d: %s)", jerr.line,
             jerr.column, jerr.text);
    return EINVAL;
  }
  rc = ad_statehdr_check(root, HOST_KIND, hdr, err, err_size);
  if (rc == 0) {
    const char *inside = json_string_value(
        json_object_get(json_object_get(root, "host"), "name"));
    /* the current file of its host, or one of its versions (".N") */
    char expected[AD_STATEFILE_NAME_MAX + 1];
    size_t n = 0;
    bool named = ad_state_host_file(hdr->identifier, 0, expected,
                                    sizeof(expected)) == 0 &&
                 strncmp(name, expected, n = strlen(expected)) == 0 &&
                 (name[n] == '\0' ||
                  (name[n] == '.' &&
                   strspn(name + n + 1, "0123456789") == strlen(name + n + 1)));
    if (inside == NULL || strcmp(inside, hdr->identifier) != 0) {
      snprintf(err, err_size, "host.name is not the file's identifier");
      rc = EINVAL;
    } else if (!named) {
      snprintf(err, err_size, "the file's name is not its host's (%s)",
               expected);
      rc = EINVAL;
    }
  }
  if (rc != 0) {
    json_decref(root);
    return rc;
  }
  *doc = root;
  return 0;
}

static bool host_file_name(const char *name) {
  size_t n = strlen(name);
  return ad_statefile_name_valid(name) && strncmp(name, "host-", 5) == 0 &&
         n > 10 && strcmp(name + n - 5, ".json") == 0;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int ad_state_each_host_file(const char *dir,
                            int (*fn)(void *ctx, const char *name), void *ctx) {
  DIR *d = opendir(dir);
  if (d == NULL)
    return errno;
  char **names = NULL;
  size_t n = 0, capacity = 0;
  int rc = 0;
  for (struct dirent *ent; (ent = readdir(d)) != NULL;) {
    if (!host_file_name(ent->d_name))
      continue;
    if (n == capacity) {
      capacity = capacity ? 2 * capacity : 64;
      char **grown = realloc(names, capacity * sizeof(*names));
      if (grown == NULL) {
        rc = ENOMEM;
        break;
      }
      names = grown;
    }
    if ((names[n] = strdup(ent->d_name)) == NULL) {
      rc = ENOMEM;
      break;
    }
    n++;
  }
  closedir(d);
  if (rc == 0 && n > 0)
    qsort(names, n, sizeof(*names), cmp_names);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = fn(ctx, names[i]);
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
  return rc;
}

/* ---- loading ----------------------------------------------------------- */

typedef struct {
  ad_state_t *st;
  ad_engine_t *engine;
  double now;
  ad_state_load_stats_t *stats;
} load_ctx_t;

static void set_aside(load_ctx_t *c, const char *name, const char *reason) {
  char moved[1200];
  int rc = ad_statefile_set_aside(c->st->dir, name, (long)time(NULL), moved,
                                  sizeof(moved));
  c->stats->damaged++;
  if (rc == 0)
    say(c->st, AD_STATE_ERROR,
        "state file %s/%s: %s; moved to %s, what it held starts afresh",
        c->st->dir, name, reason, moved);
  else
    say(c->st, AD_STATE_ERROR,
        "state file %s/%s: %s; what it held starts afresh (could not move it "
        "aside: %s)",
        c->st->dir, name, reason, strerror(rc));
}

/* A file loaded without its damaged parts: said, and a copy kept (the
 * next checkpoint replaces the file). */
static void keep_damaged(load_ctx_t *c, const char *name, const char *host,
                         const ad_restore_stats_t *r) {
  c->stats->partly++;
  char kept[1200] = "";
  int rc = ad_statefile_keep_copy(c->st->dir, name, (long)time(NULL), kept,
                                  sizeof(kept));
  char lost[96] = "";
  if (r->dropped_series > 0)
    snprintf(lost, sizeof(lost),
             ", %zu series of value lists that cannot be placed are lost",
             r->dropped_series);
  say(c->st, AD_STATE_WARNING,
      "state file %s/%s: %zu damaged %s started afresh (first: %s)%s; "
      "the rest of host \"%s\" is loaded, %zu series; %s%s",
      c->st->dir, name, r->damaged, r->damaged == 1 ? "part" : "parts",
      r->damage.text, lost, host, r->series,
      rc == 0 ? "a copy is kept as " : "no copy could be kept: ",
      rc == 0 ? kept : strerror(rc));
}

static int load_one(void *ctx, const char *name) {
  load_ctx_t *c = ctx;
  c->stats->files++;
  json_t *doc;
  ad_statehdr_t hdr;
  char err[512];
  int rc = ad_state_read(c->st->dir, name, &doc, &hdr, err, sizeof(err));
  if (rc == EINVAL || rc == ENOTSUP || rc == EFBIG) {
    set_aside(c, name, err);
    return 0;
  }
  if (rc != 0) {
    c->stats->skipped++;
    say(c->st, AD_STATE_ERROR, "state file %s/%s: cannot read it: %s",
        c->st->dir, name, err);
    return 0;
  }
  ad_restore_stats_t restored;
  ad_codec_error_t why = {{0}};
  rc = ad_persist_restore(c->engine, doc, c->now, &restored, &why);
  if (rc == EINVAL) {
    set_aside(c, name, why.text);
  } else if (rc == EEXIST) {
    c->stats->skipped++;
    say(c->st, AD_STATE_WARNING,
        "state file %s/%s: host \"%s\" is loaded already; file left alone",
        c->st->dir, name, hdr.identifier);
  } else if (rc != 0) {
    c->stats->skipped++;
    say(c->st, AD_STATE_ERROR, "state file %s/%s: %s", c->st->dir, name,
        strerror(rc));
  } else {
    c->stats->hosts++;
    c->stats->series += restored.series;
    c->stats->reset |= restored.reset;
    if (restored.damaged > 0)
      keep_damaged(c, name, hdr.identifier, &restored);
    if (restored.skipped > 0)
      say(c->st, AD_STATE_WARNING,
          "state file %s/%s: %zu value lists not restored (tracked already, "
          "or beyond MaxSeries)",
          c->st->dir, name, restored.skipped);
  }
  json_decref(doc);
  return 0;
}

/* The host files to load, shared by the loader threads. */
typedef struct {
  char **names;
  size_t n, capacity;
  atomic_size_t next; /* the next one to take */
} file_list_t;

static int collect_name(void *ctx, const char *name) {
  file_list_t *l = ctx;
  if (l->n == l->capacity) {
    size_t capacity = l->capacity ? 2 * l->capacity : 64;
    char **grown = realloc(l->names, capacity * sizeof(*grown));
    if (grown == NULL)
      return ENOMEM;
    l->names = grown;
    l->capacity = capacity;
  }
  if ((l->names[l->n] = strdup(name)) == NULL)
    return ENOMEM;
  l->n++;
  return 0;
}

typedef struct {
  load_ctx_t ctx;
  ad_state_load_stats_t stats; /* this thread's */
  file_list_t *files;
} loader_t;

static void *loader_main(void *arg) {
  loader_t *l = arg;
  for (size_t i; (i = atomic_fetch_add(&l->files->next, 1)) < l->files->n;)
    (void)load_one(&l->ctx, l->files->names[i]);
  return NULL;
}

/* Host files are independent: a few threads parse and restore them at once
 * (a large state's load is mostly JSON parsing), on at most this many. */
#define LOADERS_MAX 8

int ad_state_load(ad_state_t *st, ad_engine_t *e, double now,
                  ad_state_load_stats_t *stats) {
  *stats = (ad_state_load_stats_t){0};
  file_list_t files = {0};
  atomic_init(&files.next, 0);
  int rc = ad_state_each_host_file(st->dir, collect_name, &files);
  if (rc != 0)
    say(st, AD_STATE_ERROR, "cannot read state directory %s: %s", st->dir,
        strerror(rc));
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  size_t threads = cpus > 1 ? (size_t)cpus : 1;
  if (threads > LOADERS_MAX)
    threads = LOADERS_MAX;
  if (threads > files.n / 4 + 1) /* a few files: not worth threads */
    threads = files.n / 4 + 1;
  loader_t loaders[LOADERS_MAX];
  pthread_t tids[LOADERS_MAX];
  size_t started = 0;
  for (size_t t = 0; t < threads; t++) {
    loaders[t] = (loader_t){.files = &files};
    loaders[t].ctx = (load_ctx_t){
        .st = st, .engine = e, .now = now, .stats = &loaders[t].stats};
    if (t > 0 && pthread_create(&tids[t], NULL, loader_main, &loaders[t]) != 0)
      break;
    started++;
  }
  loader_main(&loaders[0]); /* this thread loads too */
  for (size_t t = 1; t < started; t++)
    pthread_join(tids[t], NULL);
  for (size_t t = 0; t < started; t++) {
    const ad_state_load_stats_t *s = &loaders[t].stats;
    stats->files += s->files;
    stats->hosts += s->hosts;
    stats->series += s->series;
    stats->damaged += s->damaged;
    stats->partly += s->partly;
    stats->skipped += s->skipped;
    stats->reset |= s->reset;
  }
  for (size_t i = 0; i < files.n; i++)
    free(files.names[i]);
  free(files.names);
  if (stats->reset != 0)
    say(st, AD_STATE_WARNING,
        "state in %s was saved by another detector version or with another "
        "WindowSize: the members concerned start afresh%s%s%s%s",
        st->dir, stats->reset & AD_PERSIST_RESET_WINDOW ? " (window)" : "",
        stats->reset & AD_PERSIST_RESET_SEASON ? " (seasonal)" : "",
        stats->reset & AD_PERSIST_RESET_CALIBRATION ? " (calibration)" : "",
        stats->reset & AD_PERSIST_RESET_FOREST ? " (forests)" : "");
  return rc;
}

/* ---- writing ----------------------------------------------------------- */

typedef struct {
  ad_state_t *st;
  double now;
  size_t failed;
  char first_error[512];
} save_ctx_t;

/* Writes text as host's file, the current one kept as a version. */
static int write_host(ad_state_t *st, const char *host, const char *text,
                      size_t len, char *err, size_t err_size) {
  char name[AD_STATEFILE_NAME_MAX + 1];
  int rc = ad_state_host_file(host, 0, name, sizeof(name));
  if (rc != 0) {
    snprintf(err, err_size, "no file name for host");
    return rc;
  }
  return ad_statefile_write(st->dir, name, text, len, st->versions, err,
                            err_size);
}

static int save_host(void *ctx, const char *host, json_t *doc) {
  save_ctx_t *c = ctx;
  json_t *file = ad_statehdr_new(HOST_KIND, host, c->now, c->st->writer);
  char *text = NULL;
  int rc = ENOMEM;
  char err[512] = "out of memory";
  if (file != NULL && json_object_update(file, doc) == 0 &&
      (text = json_dumps(file, JSON_COMPACT)) != NULL)
    rc = write_host(c->st, host, text, strlen(text), err, sizeof(err));
  if (rc != 0 && c->failed++ == 0)
    snprintf(c->first_error, sizeof(c->first_error), "%s", err);
  free(text);
  json_decref(file);
  json_decref(doc);
  return rc;
}

int ad_state_checkpoint(ad_state_t *st, ad_engine_t *e,
                        ad_save_stats_t *stats) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  save_ctx_t c = {.st = st, .now = (double)ts.tv_sec + ts.tv_nsec * 1e-9};
  int rc = ad_persist_save(e, save_host, &c, stats);
  if (rc != 0)
    say(st, AD_STATE_ERROR,
        "checkpoint to %s: %zu of %zu hosts not written (first: %s); their "
        "previous files are kept",
        st->dir, stats->failed, stats->failed + stats->hosts,
        c.failed > 0 ? c.first_error : strerror(rc));
  return rc;
}

int ad_state_rollback(ad_state_t *st, const char *host, unsigned version,
                      char *err, size_t err_size) {
  char name[AD_STATEFILE_NAME_MAX + 1], from[AD_STATEFILE_NAME_MAX + 1];
  if (version == 0 || ad_state_host_file(host, 0, name, sizeof(name)) != 0 ||
      ad_state_host_file(host, version, from, sizeof(from)) != 0) {
    snprintf(err, err_size, "no such version");
    return EINVAL;
  }
  json_t *doc;
  ad_statehdr_t hdr;
  char why[512];
  int rc = ad_state_read(st->dir, from, &doc, &hdr, why, sizeof(why));
  if (rc == ENOENT) {
    snprintf(err, err_size, "%s/%s: no such version", st->dir, from);
    return ENOENT;
  }
  if (rc != 0) {
    snprintf(err, err_size, "%s/%s: %s", st->dir, from, why);
    return rc == ENOTSUP || rc == EFBIG ? EINVAL : rc;
  }
  char *text = json_dumps(doc, JSON_COMPACT);
  json_decref(doc);
  if (text == NULL) {
    snprintf(err, err_size, "out of memory");
    return ENOMEM;
  }
  rc = write_host(st, host, text, strlen(text), err, err_size);
  free(text);
  return rc;
}

int ad_state_remove(ad_state_t *st, const char *host, size_t *files, char *err,
                    size_t err_size) {
  *files = 0;
  long now = (long)time(NULL);
  /* the versions first, the current file last: interrupted, the host
   * still loads */
  for (unsigned v = AD_STATE_VERSIONS_MAX + 1; v-- > 0;) {
    char name[AD_STATEFILE_NAME_MAX + 1];
    if (ad_state_host_file(host, v, name, sizeof(name)) != 0) {
      snprintf(err, err_size, "no state file name for host");
      return EINVAL;
    }
    int rc = ad_statefile_retire(st->dir, name, now, NULL, 0);
    if (rc == ENOENT)
      continue;
    if (rc != 0) {
      snprintf(err, err_size, "%s/%s: %s", st->dir, name, strerror(rc));
      return rc;
    }
    (*files)++;
  }
  if (*files == 0) {
    snprintf(err, err_size, "%s: no state of host \"%s\"", st->dir, host);
    return ENOENT;
  }
  return 0;
}
