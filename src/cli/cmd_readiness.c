/* collectd-anomaly readiness: is it safe to patch this host now (or at
 * --at)? The verdict from the host's saved state (src/patch), as text or
 * JSON, with an exit status a deploy script can test:
 * 0 READY, 1 CAUTION, 2 NOT READY, 3 bad usage, 4 the state could not be
 * read. */
#include "cli.h"
#include "host_file.h"

#include "patch/ad_readiness.h"
#include "patch/ad_readiness_json.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_STATE_DIR "/var/lib/collectd/anomaly"
#define EXIT_USAGE 3
#define EXIT_FAILURE_READ 4

static void readiness_usage(FILE *out) {
  fputs("usage: collectd-anomaly readiness HOST [--json] [-d STATEDIR] "
        "[--at TIME]\n"
        "       [--window DURATION]\n"
        "\n"
        "Is it safe to patch HOST now? Prints READY, CAUTION or NOT READY,\n"
        "the reasons, the host's risky hours of the week and the next good\n"
        "window, from what the anomaly plugin has learned (its StateDir; read\n"
        "only, so it works while collectd runs).\n"
        "\n"
        "  -d, --state-dir DIR  the StateDir (default " DEFAULT_STATE_DIR ")\n"
        "      --at TIME        ask about TIME instead of now: epoch seconds,\n"
        "                       \"YYYY-MM-DD HH:MM[:SS]\" (UTC) or +N[mhd]\n"
        "      --window DURATION  how long the change needs watching, for\n"
        "                       the next good window (default 2h)\n"
        "      --json           the assessment as JSON\n"
        "  -h, --help           this text\n"
        "\n"
        "Exit status: 0 READY, 1 CAUTION, 2 NOT READY, 3 bad usage, 4 the\n"
        "state could not be read. In a script:\n"
        "  collectd-anomaly readiness web1 && apt-get upgrade\n",
        out);
}

/* "90", "90s", "30m", "2h", "1d": seconds; NaN when it is none of these. */
static double parse_duration(const char *s) {
  char *end;
  double v = strtod(s, &end);
  if (end == s || !(v >= 0) || !isfinite(v))
    return NAN;
  double unit = *end == '\0' || strcmp(end, "s") == 0 ? 1
                : strcmp(end, "m") == 0               ? 60
                : strcmp(end, "h") == 0               ? 3600
                : strcmp(end, "d") == 0               ? 86400
                                                      : NAN;
  return v * unit;
}

/* --at: epoch seconds, a UTC date and time, or +DURATION from now. */
static double parse_time(const char *s, double now) {
  if (s[0] == '+') {
    double d = parse_duration(s + 1);
    return isnan(d) ? NAN : now + d;
  }
  struct tm tm;
  memset(&tm, 0, sizeof(tm));
  const char *end = strptime(s, "%Y-%m-%d %H:%M", &tm);
  if (end != NULL && *end == ':')
    end = strptime(end, ":%S", &tm);
  if (end != NULL && *end == '\0')
    return (double)timegm(&tm);
  char *stop;
  double v = strtod(s, &stop);
  return stop != s && *stop == '\0' && isfinite(v) && v > 0 ? v : NAN;
}

static void print_text(const ad_readiness_query_t *q, const ad_readiness_t *r) {
  char when[64], window[64];
  time_t t = (time_t)floor(r->at);
  struct tm tm;
  if (gmtime_r(&t, &tm) == NULL ||
      strftime(when, sizeof(when), "%a %Y-%m-%d %H:%M UTC", &tm) == 0)
    snprintf(when, sizeof(when), "?");
  printf("%s: %s at %s", q->host->name, ad_readiness_name(r->status), when);
  if (isfinite(r->predicted_risk))
    printf(" (risk %.2f, confidence %.2f)\n", r->predicted_risk, r->confidence);
  else
    printf(" (risk not known, confidence %.2f)\n", r->confidence);
  for (unsigned i = 0; i < r->reasons; i++)
    printf("  - %s\n", r->reason[i]);
  if (r->reasons == 0)
    printf("  - no open incident, no series anomalous, not a risky hour\n");
  if (!r->window_found)
    printf("next good window: none in the coming week\n");
  else if (isfinite(r->window_risk))
    printf("next good window: %s (risk in past weeks %.2f)\n",
           ad_readiness_window_name(r, window, sizeof(window)), r->window_risk);
  else
    printf("next good window: %s (not seen in past weeks)\n",
           ad_readiness_window_name(r, window, sizeof(window)));
  for (unsigned i = 0; i < r->ranges; i++) {
    const ad_risky_range_t *g = &r->range[i];
    char span[48];
    ad_readiness_range_name(g, span, sizeof(span));
    printf("risky hours: %s:", span);
    if (g->why & AD_RISKY_INCIDENTS)
      printf(" incidents (%.1f opened, %.1f h inside, in past weeks)",
             g->onsets, g->incident_hours);
    if (g->why & AD_RISKY_VARIABLE)
      printf(" unsettled (mean risk %.2f)", g->risk);
    if (g->why & AD_RISKY_BUSY)
      printf(" busy (%u series, %s furthest)", g->busy, g->busiest);
    putchar('\n');
  }
}

/* The verdict on the host file f, printed; returns the exit status. */
static int judge(cli_host_file_t *f, double now, double at, double window,
                 bool json) {
  ad_busy_t *busy = malloc(sizeof(*busy));
  ad_readiness_t *r = malloc(sizeof(*r));
  if (busy == NULL || r == NULL) {
    free(busy);
    free(r);
    cli_error("out of memory");
    return EXIT_FAILURE_READ;
  }
  ad_readiness_query_t q = {.host = f->p.host,
                            .vlists = f->p.vlists,
                            .count = f->p.count,
                            .cfg = &f->cfg,
                            .now = now,
                            .at = at,
                            .window = window};
  ad_readiness_assess(&q, busy, r);
  int status = (int)r->status;
  if (json) {
    json_t *o = ad_readiness_json(&q, r, busy);
    if (o == NULL || json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS)) {
      cli_error("out of memory");
      status = EXIT_FAILURE_READ;
    }
    fputc('\n', stdout);
    json_decref(o);
  } else {
    print_text(&q, r);
  }
  free(busy);
  free(r);
  return status;
}

int cli_readiness(int argc, char **argv) {
  enum { OPT_AT = 256, OPT_WINDOW, OPT_JSON };
  static const struct option longopts[] = {
      {"state-dir", required_argument, NULL, 'd'},
      {"at", required_argument, NULL, OPT_AT},
      {"window", required_argument, NULL, OPT_WINDOW},
      {"json", no_argument, NULL, OPT_JSON},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *dir = DEFAULT_STATE_DIR, *at_text = NULL;
  double window = 7200;
  bool json = false;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
    switch (c) {
    case 'd':
      dir = optarg;
      break;
    case OPT_AT:
      at_text = optarg;
      break;
    case OPT_WINDOW:
      window = parse_duration(optarg);
      if (!(window >= 60 && window <= 86400)) {
        cli_error("--window expects 1m to 24h (30m, 2h, ...), got \"%s\"",
                  optarg);
        return EXIT_USAGE;
      }
      break;
    case OPT_JSON:
      json = true;
      break;
    case 'h':
      readiness_usage(stdout);
      return CLI_EXIT_OK;
    default:
      readiness_usage(stderr);
      return EXIT_USAGE;
    }
  }
  if (optind + 1 != argc) {
    readiness_usage(stderr);
    return EXIT_USAGE;
  }
  double now = (double)time(NULL), at = NAN;
  if (at_text != NULL) {
    at = parse_time(at_text, now);
    if (isnan(at)) {
      cli_error("--at expects epoch seconds, \"YYYY-MM-DD HH:MM[:SS]\" (UTC) "
                "or +N[mhd], got \"%s\"",
                at_text);
      return EXIT_USAGE;
    }
  }
  cli_host_file_t f;
  int rc = cli_host_file_read(dir, argv[optind], 0, &f);
  if (rc != CLI_EXIT_OK)
    return rc == CLI_EXIT_USAGE ? EXIT_USAGE : EXIT_FAILURE_READ;
  rc = judge(&f, now, at, window, json);
  cli_host_file_free(&f);
  return rc;
}
