/* collectd-anomaly state: what the anomaly plugin has learned, per host, as
 * its StateDir holds it: list the hosts, show one (JSON: its models, their
 * versions, how much they have seen, when they were trained and what they
 * expect for the coming hours), roll one back to a previous checkpoint. */
#include "cli.h"
#include "host_file.h"

#include "core/ad_config.h"
#include "detectors/ad_outlook.h"
#include "engine/ad_explain.h"
#include "patch/ad_change_json.h"
#include "state/ad_persist.h"
#include "state/ad_state.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_HOURS 168

static void state_usage(FILE *out) {
  fputs("usage: collectd-anomaly state [-d DIR] list\n"
        "       collectd-anomaly state [-d DIR] show HOST [--version N] "
        "[--hours H]\n"
        "       collectd-anomaly state [-d DIR] patterns HOST\n"
        "       collectd-anomaly state [-d DIR] rollback HOST [--version N]\n"
        "       collectd-anomaly state [-d DIR] remove HOST\n"
        "\n"
        "What the anomaly plugin has learned, from its StateDir.\n"
        "  list      one line per host: series, when saved, versions kept\n"
        "  show      one host as JSON: its models, versions, values seen,\n"
        "            trainings, and what each series expects for the next\n"
        "            H hours (default 6)\n"
        "  patterns  HOST's series by pattern: stable, trending up or down,\n"
        "            seasonal (daily, weekly), volatile, sparse, with how\n"
        "            clearly and the evidence\n"
        "  rollback  make version N (default 1, the previous checkpoint) the\n"
        "            current state of HOST; collectd must be stopped (the\n"
        "            state directory is locked while it runs)\n"
        "  remove    forget HOST (gone for good): its files move to removed/,\n"
        "            kept but no longer loaded; collectd must be stopped\n"
        "\n"
        "  -d, --state-dir DIR  the StateDir (default " DEFAULT_STATE_DIR ")\n"
        "      --version N      a previous version (1 = newest)\n"
        "      --hours H        forecast horizon of show, 1 to 168\n"
        "  -h, --help           this text\n",
        out);
}

/* A time as the notifications' JSON gives it, "-" for none. */
static void iso_time(double t, char *out, size_t size) {
  ad_explain_time(t, out, size);
  if (out[0] == '\0')
    snprintf(out, size, "-");
}

static unsigned count_versions(const char *dir, const char *host) {
  unsigned n = 0;
  for (unsigned v = 1; v <= 100; v++) {
    char name[AD_STATEFILE_NAME_MAX + 1], path[1200];
    if (ad_state_host_file(host, v, name, sizeof(name)) != 0)
      break;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    struct stat sb;
    if (stat(path, &sb) != 0)
      break;
    n++;
  }
  return n;
}

/* ---- list -------------------------------------------------------------- */

typedef struct {
  const char *dir;
  size_t hosts, damaged;
} list_ctx_t;

static int list_one(void *ctx, const char *name) {
  list_ctx_t *c = ctx;
  json_t *doc;
  ad_statehdr_t hdr;
  char err[512];
  int rc = ad_state_read(c->dir, name, &doc, &hdr, err, sizeof(err));
  if (rc != 0) {
    printf("%-24s %s (%s)\n", "?", name, err);
    c->damaged++;
    return 0;
  }
  size_t series = 0,
         vlists = json_array_size(json_object_get(doc, "value_lists"));
  for (size_t i = 0; i < vlists; i++)
    series += json_array_size(json_object_get(
        json_array_get(json_object_get(doc, "value_lists"), i), "series"));
  char saved[32];
  iso_time(hdr.created, saved, sizeof(saved));
  printf("%-24s %7zu %7zu  %s %8u  %s\n", hdr.identifier, vlists, series, saved,
         count_versions(c->dir, hdr.identifier), name);
  c->hosts++;
  json_decref(doc);
  return 0;
}

static int state_list(const char *dir) {
  printf("%-24s %7s %7s  %-20s %8s  %s\n", "HOST", "VLISTS", "SERIES",
         "SAVED (UTC)", "VERSIONS", "FILE");
  list_ctx_t c = {.dir = dir};
  int rc = ad_state_each_host_file(dir, list_one, &c);
  if (rc != 0) {
    cli_error("%s: %s", dir, strerror(rc));
    return CLI_EXIT_FAILURE;
  }
  if (c.damaged > 0)
    cli_error("%zu files could not be read (shown with \"?\"); collectd sets "
              "them aside when it starts",
              c.damaged);
  return c.damaged > 0 ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
}

/* ---- show -------------------------------------------------------------- */

static json_t *model_json(const ad_model_t *m) {
  char due[32], trained[32];
  iso_time(m->next_train, due, sizeof(due));
  /* due_time is the data time of the last request: once installed, when
   * the forest now trained was trained */
  iso_time(m->trainings > 0 && !m->due ? m->due_time : NAN, trained,
           sizeof(trained));
  return json_pack(
      "{s:i, s:s, s:i, s:i, s:b, s:b, s:s, s:o}", "trainings",
      (int)m->trainings, "trained_at", trained, "samples",
      m->reservoir != NULL ? (int)m->reservoir->fill : 0, "features",
      m->forest != NULL ? (int)ad_iforest_dim(m->forest) : 0, "in_force",
      m->forest != NULL, "training_due", m->due, "next_training", due,
      "last_score",
      isnan(m->last_score) ? json_null() : json_real(m->last_score));
}

static json_t *expectation(const ad_series_t *s, int hours) {
  json_t *points = json_array();
  double from = isnan(s->last_time) ? NAN : ceil(s->last_time / 3600) * 3600;
  for (int h = 0; points != NULL && !isnan(from) && h < hours; h++) {
    double t = from + 3600.0 * h;
    ad_outlook_t o;
    if (!ad_outlook_at(&s->season, &s->drift, t, &o))
      break;
    double expected = o.expected, scale = o.scale;
    char when[32];
    iso_time(t, when, sizeof(when));
    json_array_append_new(points, json_pack("{s:s, s:f, s:f, s:f}", "time",
                                            when, "value", expected, "low",
                                            expected - 3.0 * scale, "high",
                                            expected + 3.0 * scale));
  }
  return points;
}

static json_t *vlist_series_json(const ad_vlist_t *v, int hours) {
  json_t *list = json_array();
  ad_ident_t id;
  ad_ident_of_key(v->key, &id);
  const char *ds = v->names;
  for (unsigned i = 0; i < v->count; i++, ds += strlen(ds) + 1) {
    const ad_series_t *s = &v->series[i];
    char name[AD_SERIES_NAME_MAX], last[32];
    ad_ident_series_name(&id, v->count > 1 ? ds : NULL, name, sizeof(name));
    iso_time(s->last_time, last, sizeof(last));
    json_t *o =
        json_pack("{s:s, s:i, s:s, s:s, s:s, s:o}", "series", name,
                  "values_learned", (int)s->window.seen, "last_value_at", last,
                  "level", ad_level_name(ad_alert_level(&s->alert)),
                  "forecaster", s->season.seasonal_mode ? "seasonal" : "level",
                  "expect", expectation(s, hours));
    ad_drift_estimate_t drift;
    json_object_set_new(o, "trend_per_day",
                        ad_drift_estimate(&s->drift, &drift) && drift.trusted
                            ? json_real(drift.slope * 86400.0)
                            : json_null());
    ad_behaviour_t pattern;
    ad_behaviour_of(&s->season, &s->drift, &pattern);
    json_object_set_new(o, "pattern", ad_explain_pattern(&pattern));
    if (v->model != NULL)
      json_object_set_new(o, "value_list_forest", model_json(v->model));
    json_array_append_new(list, o);
  }
  return list;
}

static int state_show(const char *dir, const char *host, unsigned version,
                      int hours) {
  cli_host_file_t f;
  int rc = cli_host_file_read(dir, host, version, &f);
  if (rc != CLI_EXIT_OK)
    return rc;
  json_t *doc = f.doc;
  ad_statehdr_t hdr = f.hdr;
  ad_persist_host_t p = f.p;
  const char *name = f.name;
  char created[32];
  iso_time(hdr.created, created, sizeof(created));
  json_t *series = json_array();
  for (size_t i = 0; series != NULL && i < p.count; i++) {
    json_t *some = vlist_series_json(p.vlists[i], hours);
    json_array_extend(series, some); /* copies what some holds */
    json_decref(some);
  }
  json_t *slots = json_array();
  for (unsigned i = 0; i < p.host->slots; i++)
    json_array_append_new(slots, json_string(p.host->slot_name[i]));
  json_t *out = json_pack(
      "{s:s, s:s, s:i, s:s, s:s, s:i, s:O, s:O, s:s, s:o, s:{s:o, s:o}, "
      "s:i, s:o}",
      "host", hdr.identifier, "file", name, "version", (int)version, "saved",
      created, "writer",
      json_string_value(json_object_get(doc, "writer")) != NULL
          ? json_string_value(json_object_get(doc, "writer"))
          : "?",
      "format_version", (int)hdr.version, "detectors",
      json_object_get(doc, "detectors"), "parameters",
      json_object_get(doc, "parameters"), "level",
      ad_level_name(ad_alert_level(&p.host->alert)), "changes",
      ad_change_json(&p.host->change), "host_forest", "model",
      model_json(&p.host->model), "series", slots, "series_count",
      (int)p.series, "series_detail", series);
  cli_host_file_free(&f);
  if (out == NULL) {
    cli_error("out of memory");
    return CLI_EXIT_FAILURE;
  }
  json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
  fputc('\n', stdout);
  json_decref(out);
  return CLI_EXIT_OK;
}

/* ---- remove ------------------------------------------------------------ */

static int state_remove(const char *dir, const char *host) {
  ad_state_t st;
  if (cli_state_open(&st, dir, 0) != 0)
    return CLI_EXIT_FAILURE;
  char err[1200];
  size_t files;
  int rc = ad_state_remove(&st, host, &files, err, sizeof(err));
  ad_state_close(&st);
  if (rc != 0) {
    cli_error("%s", err);
    return CLI_EXIT_FAILURE;
  }
  printf("%s: %zu files moved to %s/%s (kept, no longer loaded)\n", host, files,
         dir, AD_STATEFILE_REMOVED);
  return CLI_EXIT_OK;
}

/* ---- rollback ---------------------------------------------------------- */

static int state_rollback(const char *dir, const char *host, unsigned version) {
  ad_state_t st;
  ad_config_t cfg;
  ad_config_defaults(&cfg);
  /* keep as many versions as are there now, at least the default */
  unsigned keep = count_versions(dir, host);
  if (keep < cfg.state_versions)
    keep = cfg.state_versions;
  if (cli_state_open(&st, dir, keep) != 0)
    return CLI_EXIT_FAILURE;
  char err[1200];
  int rc = ad_state_rollback(&st, host, version, err, sizeof(err));
  ad_state_close(&st);
  if (rc != 0) {
    cli_error("%s", err);
    return CLI_EXIT_FAILURE;
  }
  printf("%s: version %u is now the current state; the state it replaced is "
         "version 1. Start collectd to use it.\n",
         host, version);
  return CLI_EXIT_OK;
}

int cli_state(int argc, char **argv) {
  enum { OPT_VERSION = 256, OPT_HOURS };
  static const struct option longopts[] = {
      {"state-dir", required_argument, NULL, 'd'},
      {"version", required_argument, NULL, OPT_VERSION},
      {"hours", required_argument, NULL, OPT_HOURS},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *dir = DEFAULT_STATE_DIR;
  long version = -1, hours = 6;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
    char *end;
    switch (c) {
    case 'd':
      dir = optarg;
      break;
    case OPT_VERSION:
      version = strtol(optarg, &end, 10);
      if (*end != '\0' || version < 1 || version > 100) {
        cli_error("--version expects 1 to 100, got \"%s\"", optarg);
        return CLI_EXIT_USAGE;
      }
      break;
    case OPT_HOURS:
      hours = strtol(optarg, &end, 10);
      if (*end != '\0' || hours < 1 || hours > MAX_HOURS) {
        cli_error("--hours expects 1 to %d, got \"%s\"", MAX_HOURS, optarg);
        return CLI_EXIT_USAGE;
      }
      break;
    case 'h':
      state_usage(stdout);
      return CLI_EXIT_OK;
    default:
      state_usage(stderr);
      return CLI_EXIT_USAGE;
    }
  }
  const char *action = optind < argc ? argv[optind] : NULL;
  const char *host = optind + 1 < argc ? argv[optind + 1] : NULL;
  if (action != NULL && strcmp(action, "list") == 0 && host == NULL)
    return state_list(dir);
  if (action != NULL && strcmp(action, "show") == 0 && host != NULL &&
      optind + 2 == argc)
    return state_show(dir, host, version < 0 ? 0 : (unsigned)version,
                      (int)hours);
  if (action != NULL && strcmp(action, "patterns") == 0 && host != NULL &&
      optind + 2 == argc)
    return cli_state_patterns(dir, host);
  if (action != NULL && strcmp(action, "remove") == 0 && host != NULL &&
      optind + 2 == argc)
    return state_remove(dir, host);
  if (action != NULL && strcmp(action, "rollback") == 0 && host != NULL &&
      optind + 2 == argc)
    return state_rollback(dir, host, version < 0 ? 1 : (unsigned)version);
  state_usage(stderr);
  return CLI_EXIT_USAGE;
}
