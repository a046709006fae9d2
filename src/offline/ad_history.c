/* ad_history: stored values fed through an engine (see header). */
#include "offline/ad_history.h"
#include "core/ad_text.h"
#include "offline/ad_csv.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define DATE_SUFFIX 11 /* "-YYYY-MM-DD" */

ad_history_t *ad_history_new(const char *host, const char *name, unsigned count,
                             const char *const *ds_names,
                             const ad_ds_kind_t *kinds) {
  if (count == 0 || count > AD_VLIST_MAX_SOURCES || strchr(name, '/') == NULL)
    return NULL;
  ad_history_t *h = calloc(1, sizeof(*h));
  if (h == NULL)
    return NULL;
  ad_ident_t id;
  if (ad_ident_parse(name, host, &h->id, &id) != 0 || !ad_ident_valid(&id)) {
    free(h);
    return NULL;
  }
  h->count = count;
  for (unsigned i = 0; i < count; i++) {
    if (strlen(ds_names[i]) >= AD_NAME_MAX) {
      free(h);
      return NULL;
    }
    strcpy(h->names[i], ds_names[i]);
    h->kinds[i] = kinds != NULL ? kinds[i] : AD_DS_GAUGE;
  }
  return h;
}

void ad_history_free(ad_history_t *h) {
  if (h == NULL)
    return;
  free(h->times);
  free(h->values);
  free(h);
}

int ad_history_append(ad_history_t *h, double time, const double *values) {
  if (!isfinite(time) || (h->rows > 0 && !(time > h->times[h->rows - 1])))
    return EINVAL;
  if (h->rows == h->capacity) {
    size_t capacity = h->capacity ? 2 * h->capacity : 1024;
    double *t = realloc(h->times, capacity * sizeof(*t));
    if (t == NULL)
      return ENOMEM;
    h->times = t;
    double *v = realloc(h->values, capacity * h->count * sizeof(*v));
    if (v == NULL)
      return ENOMEM;
    h->values = v;
    h->capacity = capacity;
  }
  h->times[h->rows] = time;
  memcpy(h->values + h->rows * h->count, values, h->count * sizeof(*values));
  h->rows++;
  return 0;
}

/* ---- the csv plugin's files -------------------------------------------- */

typedef struct {
  char plugin[AD_NAME_MAX]; /* directory: plugin[-instance] */
  char base[AD_NAME_MAX];   /* file without the date: type[-instance] */
  char date[DATE_SUFFIX];   /* YYYY-MM-DD */
} day_file_t;

static int cmp_day_files(const void *a, const void *b) {
  const day_file_t *x = a, *y = b;
  int c = strcmp(x->plugin, y->plugin);
  if (c == 0)
    c = strcmp(x->base, y->base);
  return c != 0 ? c : strcmp(x->date, y->date);
}

static void warn(const ad_history_source_t *src, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void warn(const ad_history_source_t *src, const char *fmt, ...) {
  if (src->warn == NULL)
    return;
  char shown[1024];
  va_list ap;
  va_start(ap, fmt);
  /* names and cells come from files: nothing raw reaches the terminal */
  ad_text_vformat(shown, sizeof(shown), fmt, ap);
  va_end(ap);
  src->warn(src->warn_ctx, shown);
}

/* "<base>-YYYY-MM-DD": splits off the date. */
static bool split_day_file(const char *name, day_file_t *f) {
  size_t n = strlen(name);
  if (n <= DATE_SUFFIX || n - DATE_SUFFIX >= AD_NAME_MAX)
    return false;
  const char *d = name + n - DATE_SUFFIX;
  static const char shape[] = "-dddd-dd-dd";
  for (size_t i = 0; i < DATE_SUFFIX; i++)
    if (shape[i] == 'd' ? !isdigit((unsigned char)d[i]) : d[i] != '-')
      return false;
  memcpy(f->base, name, n - DATE_SUFFIX);
  f->base[n - DATE_SUFFIX] = '\0';
  memcpy(f->date, d + 1, DATE_SUFFIX - 1);
  f->date[DATE_SUFFIX - 1] = '\0';
  return true;
}

/* Collects the day files under host_dir (two levels). */
static int list_day_files(const char *host_dir, day_file_t **out, size_t *n,
                          char *err, size_t err_size) {
  *out = NULL;
  *n = 0;
  DIR *top = opendir(host_dir);
  if (top == NULL) {
    int e = errno;
    snprintf(err, err_size, "%s: %s", host_dir, strerror(e));
    return e;
  }
  size_t capacity = 0;
  int rc = 0;
  for (struct dirent *p; rc == 0 && (p = readdir(top)) != NULL;) {
    if (p->d_name[0] == '.' || strlen(p->d_name) >= AD_NAME_MAX ||
        strcmp(p->d_name, "anomaly") == 0 ||
        strncmp(p->d_name, "anomaly-", 8) == 0) /* our own output */
      continue;
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", host_dir, p->d_name);
    DIR *sub = opendir(path);
    if (sub == NULL)
      continue; /* not a directory */
    for (struct dirent *f; rc == 0 && (f = readdir(sub)) != NULL;) {
      day_file_t day;
      if (f->d_name[0] == '.' || !split_day_file(f->d_name, &day))
        continue;
      strcpy(day.plugin, p->d_name);
      if (*n == capacity) {
        capacity = capacity ? 2 * capacity : 64;
        day_file_t *grown = realloc(*out, capacity * sizeof(*grown));
        if (grown == NULL) {
          rc = ENOMEM;
          break;
        }
        *out = grown;
      }
      (*out)[(*n)++] = day;
    }
    closedir(sub);
  }
  closedir(top);
  if (rc != 0) {
    snprintf(err, err_size, "out of memory");
    free(*out);
    *out = NULL;
    *n = 0;
    return rc;
  }
  if (*n > 0)
    qsort(*out, *n, sizeof(**out), cmp_day_files);
  return 0;
}

/* Splits a header "epoch,ds,..." into names; returns their count, 0 when
 * it is not such a header. */
static unsigned parse_header(char *line, char names[][AD_NAME_MAX]) {
  line[strcspn(line, "\r\n")] = '\0';
  char *save = NULL;
  char *first = strtok_r(line, ",", &save);
  if (first == NULL || strcmp(first, "epoch") != 0)
    return 0;
  unsigned n = 0;
  for (char *name = strtok_r(NULL, ",", &save); name != NULL;
       name = strtok_r(NULL, ",", &save)) {
    if (n == AD_VLIST_MAX_SOURCES || strlen(name) >= AD_NAME_MAX)
      return 0;
    strcpy(names[n++], name);
  }
  return n;
}

/* Reads the next line of fp into *line (getline's buffer), without its end
 * of line. Returns 1, 0 at the end, -1 for a line holding a NUL byte (it is
 * not text: refused whole rather than cut short). */
static int next_line(FILE *fp, char **line, size_t *cap) {
  ssize_t n = getline(line, cap, fp);
  if (n < 0)
    return 0;
  if (memchr(*line, '\0', (size_t)n) != NULL)
    return -1;
  (*line)[strcspn(*line, "\r\n")] = '\0';
  return 1;
}

/* Parses a row "epoch,v1,...,vcount" in place; false when it is not one. */
static bool parse_row(char *line, unsigned count, double *t, double *values) {
  char *save = NULL, *cell = strtok_r(line, ",", &save);
  bool ok = cell != NULL && ad_csv_parse_time(cell, t) == 0;
  unsigned k = 0;
  for (cell = strtok_r(NULL, ",", &save); ok && cell != NULL;
       cell = strtok_r(NULL, ",", &save))
    ok = k < count && ad_csv_parse_value(cell, &values[k++]) == 0;
  return ok && k == count;
}

/* Makes the history of a day file's value list from its header's names,
 * the kinds from types.db. NULL (warned) when it is not usable. */
static ad_history_t *history_for(const char *path,
                                 const ad_history_source_t *src,
                                 const char *plugin_dir, const char *base,
                                 unsigned count, char names[][AD_NAME_MAX]) {
  ad_ds_kind_t kinds[AD_VLIST_MAX_SOURCES];
  for (unsigned i = 0; i < count; i++)
    kinds[i] = AD_DS_GAUGE;
  char type[AD_NAME_MAX];
  snprintf(type, sizeof(type), "%.*s", (int)strcspn(base, "-"), base);
  if (!src->rates_stored &&
      ad_typesdb_kinds(src->db, type, count, names, kinds) != 0)
    warn(src,
         "%s: type \"%s\" with these data sources is not in types.db; read "
         "as gauges",
         path, type);
  char name[2 * AD_NAME_MAX + 2];
  snprintf(name, sizeof(name), "%s/%s", plugin_dir, base);
  const char *ptrs[AD_VLIST_MAX_SOURCES];
  for (unsigned i = 0; i < count; i++)
    ptrs[i] = names[i];
  ad_history_t *h = ad_history_new(src->host, name, count, ptrs, kinds);
  if (h == NULL)
    warn(src, "%s: not a usable value list; skipped", path);
  return h;
}

int ad_history_read_day(FILE *fp, const char *path,
                        const ad_history_source_t *src, const char *plugin_dir,
                        const char *base, ad_history_t **h) {
  char *line = NULL;
  size_t cap = 0;
  char names[AD_VLIST_MAX_SOURCES][AD_NAME_MAX];
  unsigned count =
      next_line(fp, &line, &cap) > 0 ? parse_header(line, names) : 0;
  if (count == 0) {
    warn(src, "%s:1: not a csv plugin file (no \"epoch,...\" header); skipped",
         path);
  } else if (*h != NULL && count != (*h)->count) {
    warn(src, "%s:1: %u data sources where earlier days had %u; skipped", path,
         count, (*h)->count);
    count = 0;
  } else if (*h == NULL && (*h = history_for(path, src, plugin_dir, base, count,
                                             names)) == NULL) {
    count = 0;
  }
  size_t lineno = 1, bad = 0, first_bad = 0;
  double values[AD_VLIST_MAX_SOURCES], t;
  int rc = 0, status;
  while (count > 0 && rc == 0 && (status = next_line(fp, &line, &cap)) != 0) {
    lineno++;
    bool ok = status > 0 && parse_row(line, count, &t, values);
    if (ok && (rc = ad_history_append(*h, t, values)) == EINVAL) {
      ok = false; /* not after the previous row */
      rc = 0;
    }
    if (!ok && bad++ == 0)
      first_bad = lineno;
  }
  free(line);
  if (bad > 0)
    warn(src, "%s:%zu: %zu lines not \"epoch,value...\" in time order; skipped",
         path, first_bad, bad);
  return rc;
}

/* Appends a day file's rows to h (created on the first file). */
static int read_day_file(const char *path, const ad_history_source_t *src,
                         const day_file_t *day, ad_history_t **h) {
  FILE *fp = fopen(path, "r");
  if (fp == NULL) {
    warn(src, "%s: %s; skipped", path, strerror(errno));
    return 0;
  }
  int rc = ad_history_read_day(fp, path, src, day->plugin, day->base, h);
  fclose(fp);
  return rc;
}

int ad_history_read_csv_host(const char *host_dir,
                             const ad_history_source_t *src,
                             ad_history_t ***out, size_t *n, char *err,
                             size_t err_size) {
  *out = NULL;
  *n = 0;
  day_file_t *days;
  size_t count;
  int rc = list_day_files(host_dir, &days, &count, err, err_size);
  if (rc != 0)
    return rc;
  ad_history_t **list = count > 0 ? calloc(count, sizeof(*list)) : NULL;
  if (count > 0 && list == NULL) {
    free(days);
    snprintf(err, err_size, "out of memory");
    return ENOMEM;
  }
  size_t made = 0;
  ad_history_t *current = NULL;
  for (size_t i = 0; rc == 0 && i < count; i++) {
    bool same = i > 0 && strcmp(days[i].plugin, days[i - 1].plugin) == 0 &&
                strcmp(days[i].base, days[i - 1].base) == 0;
    if (!same && current != NULL) {
      list[made++] = current;
      current = NULL;
    }
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s/%s-%s", host_dir, days[i].plugin,
             days[i].base, days[i].date);
    rc = read_day_file(path, src, &days[i], &current);
  }
  if (current != NULL)
    list[made++] = current;
  free(days);
  if (rc != 0) {
    for (size_t i = 0; i < made; i++)
      ad_history_free(list[i]);
    free(list);
    snprintf(err, err_size, "out of memory");
    return rc;
  }
  *out = list;
  *n = made;
  return 0;
}

/* ---- feeding ----------------------------------------------------------- */

/* A min-heap of (time, history index): the next row to feed. */
typedef struct {
  double time;
  size_t index;
} next_t;

static bool before(const next_t *a, const next_t *b) {
  return a->time < b->time || (a->time == b->time && a->index < b->index);
}

static void sift_down(next_t *heap, size_t n, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && before(&heap[l], &heap[m]))
      m = l;
    if (r < n && before(&heap[r], &heap[m]))
      m = r;
    if (m == i)
      return;
    next_t t = heap[i];
    heap[i] = heap[m];
    heap[m] = t;
    i = m;
  }
}

size_t ad_history_feed(ad_engine_t *e, ad_history_t *const *list, size_t n,
                       void (*progress)(void *ctx, size_t rows), void *ctx) {
  next_t *heap = calloc(n > 0 ? n : 1, sizeof(*heap));
  size_t *cursor = calloc(n > 0 ? n : 1, sizeof(*cursor));
  ad_rate_t(*rates)[AD_VLIST_MAX_SOURCES] =
      calloc(n > 0 ? n : 1, sizeof(*rates));
  if (heap == NULL || cursor == NULL || rates == NULL) {
    free(heap);
    free(cursor);
    free(rates);
    return 0;
  }
  size_t live = 0, fed = 0, rows = 0;
  for (size_t i = 0; i < n; i++) {
    for (unsigned k = 0; k < AD_VLIST_MAX_SOURCES; k++)
      ad_rate_init(&rates[i][k]);
    if (list[i]->rows > 0)
      heap[live++] = (next_t){list[i]->times[0], i};
  }
  for (size_t i = live; i-- > 0;)
    sift_down(heap, live, i);
  double current = NAN;
  while (live > 0) {
    next_t top = heap[0];
    const ad_history_t *h = list[top.index];
    size_t r = cursor[top.index]++;
    if (!isnan(current) && top.time > current)
      (void)ad_engine_train(e, SIZE_MAX); /* as the trainer would by now */
    current = top.time;
    /* collectd's interval for the value list: its step between rows */
    double interval = r > 0         ? h->times[r] - h->times[r - 1]
                      : h->rows > 1 ? h->times[1] - h->times[0]
                                    : 10.0;
    double values[AD_VLIST_MAX_SOURCES];
    const char *names[AD_VLIST_MAX_SOURCES];
    for (unsigned k = 0; k < h->count; k++) {
      names[k] = h->names[k];
      values[k] = NAN;
      (void)ad_rate_update(&rates[top.index][k], h->kinds[k],
                           h->values[r * h->count + k], top.time, &values[k]);
    }
    ad_ident_t id = {h->id.field[0], h->id.field[1], h->id.field[2],
                     h->id.field[3], h->id.field[4]};
    ad_sample_t sample = {.time = top.time,
                          .interval = interval,
                          .arrival = top.time,
                          .count = h->count,
                          .values = values,
                          .ds_names = names};
    if (ad_engine_submit(e, &id, &sample) == 0)
      fed += h->count;
    if (cursor[top.index] < h->rows) {
      heap[0].time = h->times[cursor[top.index]];
    } else {
      heap[0] = heap[--live];
    }
    sift_down(heap, live, 0);
    if (progress != NULL && (++rows & 0xFFFF) == 0)
      progress(ctx, rows);
  }
  (void)ad_engine_train(e, SIZE_MAX);
  ad_engine_close_ticks(e);
  if (progress != NULL)
    progress(ctx, rows);
  free(heap);
  free(cursor);
  free(rates);
  return fed;
}
