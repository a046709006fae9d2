/* collectd-anomaly replay: runs a CSV of history through the same engine the
 * anomaly plugin runs, and prints, for every input row, the host risk score
 * and the notification level the plugin would be in after that row.
 *
 * All columns are series of one host. Each row is one interval of that host:
 * its values are submitted, then the host's tick is closed, exactly what the
 * plugin does when the next interval's values arrive. */
#include "cli.h"

#include "core/ad_config.h"
#include "core/ad_text.h"
#include "engine/ad_engine.h"
#include "engine/ad_explain.h"
#include "offline/ad_csv.h"
#include "offline/ad_rate.h"

#include "state/ad_state.h"
#include <errno.h>

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HOUSEKEEP_EVERY 256 /* rows between expiry sweeps */

typedef struct {
  double risk;
  ad_level_t level;
  double observed;
  ad_assessment_t assessment;
  FILE *events;      /* --events: one JSON object per notice; NULL: none */
  int events_failed; /* errno of the first failed write, 0 if none */
} replay_state_t;

typedef struct {
  const char *column;
  ad_ds_kind_t kind;
} column_kind_t;

typedef struct {
  ad_config_t cfg;
  const char *host;
  const char *path;
  column_kind_t *kinds; /* --derive/--counter/--absolute, in order given */
  size_t kind_count;
  bool detail;        /* --detail: extra columns explaining each row */
  const char *events; /* --events FILE */
  const char *state;  /* --state DIR: load before, checkpoint after */
} replay_options_t;

static void replay_usage(FILE *out) {
  fputs(
      "usage: collectd-anomaly replay [OPTION]... FILE.csv\n"
      "\n"
      "Runs FILE.csv (header: timestamp, then one column per series of one\n"
      "host; timestamps in epoch seconds or YYYY-MM-DD HH:MM:SS UTC; empty or\n"
      "nan = missing) through the anomaly plugin's detectors and prints\n"
      "timestamp,score,level for every row. FILE may be - for stdin.\n"
      "\n"
      "  -s, --set KEY=VALUE   an anomaly plugin option, as in collectd.conf\n"
      "                        (e.g. --set Hits=2, --set 'Ignore=Plugin=df')\n"
      "      --host NAME       host name the series belong to (default "
      "replay)\n"
      "      --derive COLUMN   COLUMN holds a cumulative DERIVE counter\n"
      "      --counter COLUMN  COLUMN holds a wrapping COUNTER\n"
      "      --absolute COLUMN COLUMN holds per-interval ABSOLUTE amounts\n"
      "      --events FILE     write every notification (and muting) as one\n"
      "                        JSON object per line: the assessment the\n"
      "                        plugin attaches to its notification\n"
      "      --detail          extra columns: the riskiest series' value, the\n"
      "                        expectation and band, and per detector its\n"
      "                        deviation, surprise and risk\n"
      "      --state DIR       start from the state in DIR (a StateDir) and\n"
      "                        write the state learned back to it: a replay\n"
      "                        in parts learns what one replay learns\n"
      "  -h, --help            this text\n",
      out);
}

static void on_report(void *ctx, const ad_host_report_t *report) {
  replay_state_t *st = ctx;
  st->risk = report->risk;
  st->level = report->level;
  st->observed = report->observed;
  st->assessment = report->assessment;
}

static void on_notice(void *ctx, const ad_notice_t *notice) {
  replay_state_t *st = ctx;
  if (st->events == NULL || st->events_failed != 0)
    return;
  char *json = ad_explain_json(notice);
  if (json == NULL || fprintf(st->events, "%s\n", json) < 0)
    st->events_failed = json == NULL ? ENOMEM : errno;
  free(json);
}

static int add_kind(replay_options_t *o, const char *column,
                    ad_ds_kind_t kind) {
  column_kind_t *grown =
      realloc(o->kinds, (o->kind_count + 1) * sizeof(*grown));
  if (grown == NULL)
    return ENOMEM;
  o->kinds = grown;
  o->kinds[o->kind_count++] = (column_kind_t){.column = column, .kind = kind};
  return 0;
}

enum {
  OPT_HOST = 256,
  OPT_DERIVE,
  OPT_COUNTER,
  OPT_ABSOLUTE,
  OPT_DETAIL,
  OPT_EVENTS,
  OPT_STATE
};

/* Takes option c (getopt_long's) with its argument. Returns -1 to go on,
 * or an exit code. */
static int take_option(replay_options_t *o, int c, char *arg) {
  char err[512];
  int status = 0;
  switch (c) {
  case 's':
    if (ad_config_set_pair(&o->cfg, arg, err, sizeof(err)) != 0) {
      cli_error("--set %s: %s", arg, err);
      return CLI_EXIT_USAGE;
    }
    break;
  case OPT_HOST:
    o->host = arg;
    break;
  case OPT_DERIVE:
  case OPT_COUNTER:
  case OPT_ABSOLUTE:
    status = add_kind(o, arg,
                      c == OPT_DERIVE    ? AD_DS_DERIVE
                      : c == OPT_COUNTER ? AD_DS_COUNTER
                                         : AD_DS_ABSOLUTE);
    break;
  case OPT_DETAIL:
    o->detail = true;
    break;
  case OPT_EVENTS:
    o->events = arg;
    break;
  case OPT_STATE:
    o->state = arg;
    break;
  case 'h':
    replay_usage(stdout);
    return CLI_EXIT_OK;
  default:
    replay_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  if (status != 0) {
    cli_error("out of memory");
    return CLI_EXIT_FAILURE;
  }
  return -1;
}

/* Parses the command line into o. Returns -1 to go on, or an exit code. */
static int parse_options(int argc, char **argv, replay_options_t *o) {
  static const struct option longopts[] = {
      {"set", required_argument, NULL, 's'},
      {"host", required_argument, NULL, OPT_HOST},
      {"derive", required_argument, NULL, OPT_DERIVE},
      {"counter", required_argument, NULL, OPT_COUNTER},
      {"absolute", required_argument, NULL, OPT_ABSOLUTE},
      {"detail", no_argument, NULL, OPT_DETAIL},
      {"events", required_argument, NULL, OPT_EVENTS},
      {"state", required_argument, NULL, OPT_STATE},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  int c, code = -1;
  optind = 1;
  while (code < 0 && (c = getopt_long(argc, argv, "s:h", longopts, NULL)) != -1)
    code = take_option(o, c, optarg);
  if (code >= 0)
    return code;
  if (optind != argc - 1) {
    cli_error(optind == argc ? "replay needs a CSV file"
                             : "replay takes one CSV file");
    replay_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  o->path = argv[optind];
  char err[512];
  if (ad_config_check(&o->cfg, err, sizeof(err)) != 0) {
    cli_error("%s", err);
    return CLI_EXIT_USAGE;
  }
  return -1;
}

/* Series and rate state of the CSV's columns. */
typedef struct {
  size_t count;
  ad_ident_buf_t *names;
  ad_ident_t *ids;
  ad_ds_kind_t *kinds;
  ad_rate_t *rates;
  double *values;
} columns_t;

static void columns_free(columns_t *c) {
  free(c->names);
  free(c->ids);
  free(c->kinds);
  free(c->rates);
  free(c->values);
}

static int columns_setup(columns_t *c, const ad_csv_t *csv,
                         const replay_options_t *o) {
  c->count = ad_csv_columns(csv);
  c->names = calloc(c->count, sizeof(*c->names));
  c->ids = calloc(c->count, sizeof(*c->ids));
  c->kinds = calloc(c->count, sizeof(*c->kinds));
  c->rates = calloc(c->count, sizeof(*c->rates));
  c->values = calloc(c->count, sizeof(*c->values));
  if (!c->names || !c->ids || !c->kinds || !c->rates || !c->values) {
    cli_error("out of memory");
    return CLI_EXIT_FAILURE;
  }
  for (size_t i = 0; i < c->count; i++) {
    const char *name = ad_csv_column_name(csv, i);
    if (ad_ident_parse(name, o->host, &c->names[i], &c->ids[i]) != 0) {
      char shown[300];
      cli_error("%s:1: column \"%s\" is not a usable series name "
                "(plugin[-instance]/type[-instance], UTF-8, fields under %d "
                "bytes)",
                o->path, ad_text_escape(shown, sizeof(shown), name, 64),
                AD_NAME_MAX);
      return CLI_EXIT_USAGE;
    }
    ad_rate_init(&c->rates[i]);
  }
  for (size_t k = 0; k < o->kind_count; k++) {
    size_t i = 0;
    while (i < c->count &&
           strcmp(ad_csv_column_name(csv, i), o->kinds[k].column) != 0)
      i++;
    if (i == c->count) {
      cli_error("%s:1: no column \"%s\" (named by --derive/--counter/"
                "--absolute)",
                o->path, o->kinds[k].column);
      return CLI_EXIT_USAGE;
    }
    c->kinds[i] = o->kinds[k].kind;
  }
  return -1;
}

/* --detail: the columns after score and level. */
static void print_detail_header(void) {
  fputs(",observed,expected,lower,upper", stdout);
  for (int i = 0; i < AD_DET_COUNT; i++) {
    const char *n = ad_detector_name((ad_detector_id_t)i);
    printf(",%s_deviation,%s_surprise,%s_risk", n, n, n);
  }
}

/* --detail: the row's observation, band and members. */
static void print_detail(const replay_state_t *st) {
  const ad_assessment_t *a = &st->assessment;
  double expected = NAN, lower = NAN, upper = NAN;
  for (int i = 0; i < AD_DET_COUNT && isnan(expected); i++) {
    expected = a->member[i].expected;
    lower = a->member[i].lower;
    upper = a->member[i].upper;
  }
  printf(",%.6g,%.6g,%.6g,%.6g", st->observed, expected, lower, upper);
  for (int i = 0; i < AD_DET_COUNT; i++)
    printf(",%.4g,%.4g,%.4g", a->member[i].deviation, a->member[i].surprise,
           a->member[i].score);
}

/* Replays every row; returns an exit code. */
static int replay_rows(ad_csv_t *csv, columns_t *c, ad_engine_t *engine,
                       replay_state_t *st, const char *host, bool detail,
                       double previous) {
  static const char *const ds_name[] = {"value"};
  char err[512];
  cli_progress_t progress;
  cli_progress_start(&progress, "replay");
  fputs("timestamp,score,level", stdout);
  if (detail)
    print_detail_header();
  fputc('\n', stdout);
  double time = NAN;
  const char *time_text = NULL;
  size_t rows = 0;
  bool warned_full = false;
  unsigned warned_order = 0;
  int status;
  while ((status = ad_csv_next(csv, &time, &time_text, c->values, err,
                               sizeof(err))) == 1) {
    if (ad_csv_time_went_back(csv) && warned_order++ == 0)
      cli_error("%s:%zu: timestamp does not advance; rows are replayed in "
                "file order (reported once per file)",
                ad_csv_name(csv), ad_csv_line(csv));
    double interval =
        isnan(previous) || time <= previous ? 0.0 : time - previous;
    for (size_t i = 0; i < c->count; i++) {
      double value = c->values[i];
      if (c->kinds[i] != AD_DS_GAUGE)
        (void)ad_rate_update(&c->rates[i], c->kinds[i], c->values[i], time,
                             &value);
      ad_sample_t sample = {.time = time,
                            .interval = interval,
                            .arrival = time,
                            .count = 1,
                            .values = &value,
                            .ds_names = ds_name};
      if (ad_engine_submit(engine, &c->ids[i], &sample) == ENOSPC &&
          !warned_full) {
        cli_error("MaxSeries reached: some columns are not tracked");
        warned_full = true;
      }
    }
    /* Forests fall due in data time and train at once: the daemon's trainer
     * thread does the same work a little later in wall time, and both put
     * the new forest in force at the same data time (ad_model). */
    (void)ad_engine_train(engine, SIZE_MAX);
    st->risk = 0.0;
    st->observed = NAN;
    ad_detector_output_t none = AD_DETECTOR_OUTPUT_NONE;
    for (int i = 0; i < AD_DET_COUNT; i++)
      st->assessment.member[i] = none;
    (void)ad_engine_flush_host(engine, host);
    printf("%s,%.6f,%s", time_text, st->risk, ad_level_name(st->level));
    if (detail)
      print_detail(st);
    fputc('\n', stdout);
    previous = time;
    if (++rows % HOUSEKEEP_EVERY == 0)
      ad_engine_housekeep(engine, time);
    cli_progress_update(&progress, rows);
  }
  cli_progress_finish(&progress, rows);
  if (status < 0) {
    fflush(stdout);
    cli_error("%s", err);
    return CLI_EXIT_USAGE;
  }
  if (fflush(stdout) != 0 || ferror(stdout)) {
    cli_error("writing the output failed: %s", strerror(errno));
    return CLI_EXIT_FAILURE;
  }
  return CLI_EXIT_OK;
}

/* What a replay holds open. */
typedef struct {
  FILE *fp;
  ad_csv_t *csv;
  columns_t columns;
  ad_engine_t *engine;
  replay_state_t state;
  ad_state_t dir; /* --state, while dir_open */
  bool dir_open;
} replay_t;

/* Opens the CSV, its columns, --events and the engine. Returns -1 to go
 * on, or an exit code. */
static int replay_open(replay_t *r, replay_options_t *o) {
  r->fp = strcmp(o->path, "-") == 0 ? stdin : fopen(o->path, "r");
  if (r->fp == NULL) {
    cli_error("%s: %s", o->path, strerror(errno));
    return CLI_EXIT_USAGE;
  }
  char err[512];
  r->csv = ad_csv_open(r->fp, o->path, err, sizeof(err));
  if (r->csv == NULL) {
    cli_error("%s", err);
    return CLI_EXIT_USAGE;
  }
  int code = columns_setup(&r->columns, r->csv, o);
  if (code >= 0)
    return code;
  if (o->events != NULL && (r->state.events = fopen(o->events, "w")) == NULL) {
    cli_error("%s: %s", o->events, strerror(errno));
    return CLI_EXIT_FAILURE;
  }
  ad_sink_t sink = {
      .host_report = on_report, .notice = on_notice, .ctx = &r->state};
  r->engine = ad_engine_create(&o->cfg, &sink);
  if (r->engine == NULL) {
    cli_error("out of memory");
    return CLI_EXIT_FAILURE;
  }
  return -1;
}

/* --state (or --set StateDir=): carries on from what an earlier replay or
 * the plugin learned. *previous: the host's last report time (NaN: none).
 * Returns -1 to go on, or an exit code. */
static int replay_load(replay_t *r, const replay_options_t *o,
                       double *previous) {
  const char *dir = o->state != NULL              ? o->state
                    : o->cfg.state_dir[0] != '\0' ? o->cfg.state_dir
                                                  : NULL;
  *previous = NAN;
  if (dir == NULL)
    return -1;
  if (cli_state_open(&r->dir, dir, o->cfg.state_versions) != 0)
    return CLI_EXIT_FAILURE;
  r->dir_open = true;
  ad_state_load_stats_t loaded;
  if (ad_state_load(&r->dir, r->engine, NAN, &loaded) != 0)
    return CLI_EXIT_FAILURE;
  *previous = ad_engine_host_last_time(r->engine, o->host);
  return -1;
}

/* After the rows: keeps what was learned (--state), closes --events.
 * Returns the exit code. */
static int replay_finish(replay_t *r, const replay_options_t *o, int code) {
  if (r->dir_open && code == CLI_EXIT_OK) {
    ad_save_stats_t saved;
    if (ad_state_checkpoint(&r->dir, r->engine, &saved) != 0)
      code = CLI_EXIT_FAILURE;
  }
  if (r->state.events != NULL) {
    if (fclose(r->state.events) != 0 && r->state.events_failed == 0)
      r->state.events_failed = errno;
    r->state.events = NULL;
    if (r->state.events_failed != 0 && code == CLI_EXIT_OK) {
      cli_error("%s: %s", o->events, strerror(r->state.events_failed));
      code = CLI_EXIT_FAILURE;
    }
  }
  return code;
}

static void replay_close(replay_t *r) {
  if (r->dir_open)
    ad_state_close(&r->dir);
  if (r->state.events != NULL)
    fclose(r->state.events);
  ad_engine_destroy(r->engine);
  columns_free(&r->columns);
  ad_csv_close(r->csv);
  if (r->fp != NULL && r->fp != stdin)
    fclose(r->fp);
}

int cli_replay(int argc, char **argv) {
  replay_options_t o = {.host = "replay"};
  ad_config_defaults(&o.cfg);
  replay_t r = {.state = {.level = AD_LEVEL_OKAY}};
  double previous = NAN;
  int code = parse_options(argc, argv, &o);
  if (code < 0)
    code = replay_open(&r, &o);
  if (code < 0)
    code = replay_load(&r, &o, &previous);
  if (code < 0) {
    static char buffer[1 << 16];
    setvbuf(stdout, buffer, _IOFBF, sizeof(buffer));
    code = replay_rows(r.csv, &r.columns, r.engine, &r.state, o.host, o.detail,
                       previous);
    code = replay_finish(&r, &o, code);
  }
  replay_close(&r);
  ad_config_release(&o.cfg);
  free(o.kinds);
  return code;
}
