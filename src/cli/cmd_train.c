/* collectd-anomaly train: builds the anomaly plugin's state from what
 * collectd already stored (the csv plugin's or the rrdtool plugin's files),
 * host by host, into a StateDir the plugin loads: a new host is useful on
 * day one. The values go through the very code the plugin runs, in the
 * order collectd would have delivered them (ad_history_feed). */
#include "cli.h"

#include "core/ad_config.h"
#include "offline/ad_history.h"
#include "state/ad_state.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_TYPES_DB "/usr/share/collectd/types.db"

typedef struct {
  ad_config_t cfg;
  const char *state_dir;
  const char *csv_dir;
  const char *rrd_dir;
  const char *types_db;
  bool store_rates;
  const char **hosts;
  size_t host_count;
} train_options_t;

static void train_usage(FILE *out) {
  fputs(
      "usage: collectd-anomaly train (--csv DIR | --rrd DIR) [OPTION]...\n"
      "\n"
      "Builds the anomaly plugin's state from what collectd stored, so that\n"
      "its detectors start with the history learned: every host under DIR\n"
      "(or the --host ones) is run through the plugin's detectors and\n"
      "written to the StateDir, its previous state kept as a version. Stop\n"
      "collectd first (the state directory is locked while it runs).\n"
      "\n"
      "      --csv DIR         the csv plugin's DataDir (DIR/HOST/PLUGIN/\n"
      "                        TYPE-YYYY-MM-DD)\n"
      "      --rrd DIR         the rrdtool plugin's DataDir (DIR/HOST/PLUGIN/\n"
      "                        TYPE.rrd)\n"
      "      --host NAME       only this host (repeatable)\n"
      "  -d, --state-dir DIR   the StateDir (default " DEFAULT_STATE_DIR ")\n"
      "  -s, --set KEY=VALUE   an anomaly plugin option, as in collectd.conf:\n"
      "                        give the ones the plugin runs with\n"
      "      --types-db FILE   data source types (default " DEFAULT_TYPES_DB
      ")\n"
      "      --store-rates     the csv plugin had StoreRates true: counters\n"
      "                        are stored as rates already\n"
      "  -h, --help            this text\n",
      out);
}

static int parse_train_options(int argc, char **argv, train_options_t *o) {
  enum { OPT_CSV = 256, OPT_RRD, OPT_HOST, OPT_TYPES_DB, OPT_STORE_RATES };
  static const struct option longopts[] = {
      {"csv", required_argument, NULL, OPT_CSV},
      {"rrd", required_argument, NULL, OPT_RRD},
      {"host", required_argument, NULL, OPT_HOST},
      {"state-dir", required_argument, NULL, 'd'},
      {"set", required_argument, NULL, 's'},
      {"types-db", required_argument, NULL, OPT_TYPES_DB},
      {"store-rates", no_argument, NULL, OPT_STORE_RATES},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  char err[512];
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "d:s:h", longopts, NULL)) != -1) {
    switch (c) {
    case OPT_CSV:
      o->csv_dir = optarg;
      break;
    case OPT_RRD:
      o->rrd_dir = optarg;
      break;
    case OPT_HOST: {
      const char **grown =
          realloc(o->hosts, (o->host_count + 1) * sizeof(*grown));
      if (grown == NULL)
        return CLI_EXIT_FAILURE;
      o->hosts = grown;
      o->hosts[o->host_count++] = optarg;
      break;
    }
    case 'd':
      o->state_dir = optarg;
      break;
    case 's':
      if (ad_config_set_pair(&o->cfg, optarg, err, sizeof(err)) != 0) {
        cli_error("--set %s: %s", optarg, err);
        return CLI_EXIT_USAGE;
      }
      break;
    case OPT_TYPES_DB:
      o->types_db = optarg;
      break;
    case OPT_STORE_RATES:
      o->store_rates = true;
      break;
    case 'h':
      train_usage(stdout);
      return CLI_EXIT_OK;
    default:
      train_usage(stderr);
      return CLI_EXIT_USAGE;
    }
  }
  if ((o->csv_dir == NULL) == (o->rrd_dir == NULL) || optind != argc) {
    cli_error("give one of --csv DIR or --rrd DIR, and nothing else");
    train_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  if (ad_config_check(&o->cfg, err, sizeof(err)) != 0) {
    cli_error("%s", err);
    return CLI_EXIT_USAGE;
  }
  if (o->state_dir == NULL)
    o->state_dir =
        o->cfg.state_dir[0] != '\0' ? o->cfg.state_dir : DEFAULT_STATE_DIR;
  return -1;
}

static void warn_stderr(void *ctx, const char *msg) {
  (void)ctx;
  cli_error("%s", msg);
}

typedef struct {
  cli_progress_t bar;
} progress_t;

static void show_progress(void *ctx, size_t rows) {
  progress_t *p = ctx;
  cli_progress_update(&p->bar, rows & ~(size_t)1023);
}

/* Trains one host from its directory and writes its state. */
static int train_host(const train_options_t *o, ad_state_t *st,
                      const ad_typesdb_t *db, const char *data_dir,
                      const char *host) {
  char host_dir[4096];
  snprintf(host_dir, sizeof(host_dir), "%s/%s", data_dir, host);
  ad_history_t **list = NULL;
  size_t n = 0;
  char err[1024] = "";
  ad_history_source_t src = {host, db, o->store_rates, warn_stderr, NULL};
  int rc = o->csv_dir != NULL ? ad_history_read_csv_host(host_dir, &src, &list,
                                                         &n, err, sizeof(err))
                              : cli_read_rrd_host(host_dir, &src, &list, &n);
  if (rc == ENOTSUP) {
    cli_error("this build has no librrd: --rrd is not available");
    return CLI_EXIT_FAILURE;
  }
  if (rc != 0) {
    cli_error("%s: %s", host_dir, err[0] != '\0' ? err : strerror(rc));
    return CLI_EXIT_FAILURE;
  }
  int code = CLI_EXIT_OK;
  ad_config_t cfg = o->cfg;
  cfg.rules = NULL; /* the engine would take them over: shared, not owned */
  ad_sink_t sink = {0};
  ad_engine_t *e = n > 0 ? ad_engine_create(&cfg, &sink) : NULL;
  if (n > 0 && e == NULL) {
    cli_error("out of memory");
    code = CLI_EXIT_FAILURE;
  } else if (n == 0) {
    cli_error("%s: no values found; nothing written for %s", host_dir, host);
  } else {
    progress_t p;
    char what[600];
    snprintf(what, sizeof(what), "train %s", host);
    cli_progress_start(&p.bar, what);
    size_t values = ad_history_feed(e, list, n, show_progress, &p);
    cli_progress_finish(&p.bar, values);
    ad_save_stats_t saved;
    if (ad_state_checkpoint(st, e, &saved) != 0)
      code = CLI_EXIT_FAILURE;
    else
      printf("%s: %zu value lists, %zu series, %zu values learned\n", host,
             saved.value_lists, saved.series, values);
  }
  ad_engine_destroy(e);
  for (size_t i = 0; i < n; i++)
    ad_history_free(list[i]);
  free(list);
  return code;
}

int cli_train(int argc, char **argv) {
  train_options_t o = {.types_db = DEFAULT_TYPES_DB};
  ad_config_defaults(&o.cfg);
  int code = parse_train_options(argc, argv, &o);
  if (code >= 0) {
    ad_config_release(&o.cfg);
    free(o.hosts);
    return code;
  }
  const char *data_dir = o.csv_dir != NULL ? o.csv_dir : o.rrd_dir;
  char err[1024];
  ad_typesdb_t *db = NULL;
  /* Without the types, counters would be learned as gauges ever rising:
   * models of nothing, written over the state that was there. */
  if (o.csv_dir != NULL && !o.store_rates &&
      (db = ad_typesdb_load(o.types_db, err, sizeof(err))) == NULL) {
    cli_error("--types-db %s; without it counters would be learned as "
              "gauges: give collectd's types.db with --types-db FILE, or "
              "--store-rates if the csv plugin stored rates",
              err);
    code = CLI_EXIT_USAGE;
    goto out;
  }
  ad_state_t st;
  if (cli_state_open(&st, o.state_dir, o.cfg.state_versions) != 0) {
    code = CLI_EXIT_FAILURE;
    goto out;
  }
  code = CLI_EXIT_OK;
  if (o.host_count > 0) {
    for (size_t i = 0; i < o.host_count; i++)
      if (train_host(&o, &st, db, data_dir, o.hosts[i]) != CLI_EXIT_OK)
        code = CLI_EXIT_FAILURE;
  } else {
    DIR *d = opendir(data_dir);
    if (d == NULL) {
      cli_error("%s: %s", data_dir, strerror(errno));
      code = CLI_EXIT_FAILURE;
    }
    size_t hosts = 0;
    for (struct dirent *ent; d != NULL && (ent = readdir(d)) != NULL;) {
      char path[4096];
      struct stat sb;
      snprintf(path, sizeof(path), "%s/%s", data_dir, ent->d_name);
      if (ent->d_name[0] == '.' || stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        continue;
      hosts++;
      if (train_host(&o, &st, db, data_dir, ent->d_name) != CLI_EXIT_OK)
        code = CLI_EXIT_FAILURE;
    }
    if (d != NULL)
      closedir(d);
    if (d != NULL && hosts == 0) {
      cli_error("%s: no host directories", data_dir);
      code = CLI_EXIT_FAILURE;
    }
  }
  ad_state_close(&st);
out:
  ad_typesdb_free(db);
  ad_config_release(&o.cfg);
  free(o.hosts);
  return code;
}
