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
#include <unistd.h>

#define EXIT_USAGE 3
#define EXIT_FAILURE_READ 4

static void readiness_usage(FILE *out) {
  fputs("usage: collectd-anomaly readiness HOST [--json] [-d STATEDIR | "
        "--socket PATH]\n"
        "       [--at TIME] [--window DURATION]\n"
        "\n"
        "Is it safe to patch HOST now? Prints READY, CAUTION or NOT READY,\n"
        "the reasons, the host's risky hours of the week and the next good\n"
        "window, from what the anomaly plugin has learned: asked of the\n"
        "running daemon through its query socket, or read from its StateDir\n"
        "(read only, so it works while collectd runs). Without -d or\n"
        "--socket, the daemon at " DEFAULT_QUERY_SOCKET " when it is there.\n"
        "\n"
        "  -d, --state-dir DIR  the StateDir (default " DEFAULT_STATE_DIR ")\n"
        "      --socket PATH    the anomaly plugin's SocketFile\n"
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

static double num(const json_t *o, const char *key) {
  const json_t *v = json_object_get(o, key);
  return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *text(const json_t *o, const char *key) {
  const char *v = json_string_value(json_object_get(o, key));
  return v != NULL ? v : "?";
}

/* The verdict as text, from its JSON (the same whether it came from the
 * StateDir or from the daemon's socket). */
static void print_text(const json_t *o) {
  const json_t *pr = json_object_get(o, "patch_readiness");
  char when[64] = "?";
  double at = num(o, "epoch");
  time_t t = isfinite(at) ? (time_t)floor(at) : 0;
  struct tm tm;
  if (isfinite(at) && gmtime_r(&t, &tm) != NULL)
    strftime(when, sizeof(when), "%a %Y-%m-%d %H:%M UTC", &tm);
  printf("%s: %s at %s", text(o, "host"), text(pr, "status"), when);
  if (isfinite(num(o, "risk")))
    printf(" (risk %.2f, confidence %.2f)\n", num(o, "risk"),
           num(o, "confidence"));
  else
    printf(" (risk not known, confidence %.2f)\n", num(o, "confidence"));
  const json_t *reasons = json_object_get(pr, "reasons");
  for (size_t i = 0; i < json_array_size(reasons); i++)
    printf("  - %s\n", json_string_value(json_array_get(reasons, i)));
  if (json_array_size(reasons) == 0)
    printf("  - no open incident, no series anomalous, not a risky hour\n");
  const json_t *w = json_object_get(pr, "next_window");
  if (!json_is_object(w))
    printf("next good window: none in the coming week\n");
  else if (isfinite(num(w, "risk")))
    printf("next good window: %s (risk in past weeks %.2f)\n", text(w, "text"),
           num(w, "risk"));
  else
    printf("next good window: %s (not seen in past weeks)\n", text(w, "text"));
  const json_t *hours = json_object_get(pr, "risky_hours");
  for (size_t i = 0; i < json_array_size(hours); i++) {
    const json_t *g = json_array_get(hours, i), *why;
    size_t k;
    printf("risky hours: %s:", text(g, "span"));
    json_array_foreach(json_object_get(g, "reasons"), k, why) {
      const char *r = json_string_value(why);
      if (r != NULL && strcmp(r, "incidents") == 0)
        printf(" incidents (%.1f opened, %.1f h inside, in past weeks)",
               num(g, "incidents"), num(g, "incident_hours"));
      else if (r != NULL && strcmp(r, "variable") == 0)
        printf(" unsettled (mean risk %.2f)", num(g, "risk"));
      else if (r != NULL && strcmp(r, "busy") == 0)
        printf(" busy (%.0f series, %s furthest)", num(g, "busy_series"),
               text(g, "busiest"));
    }
    putchar('\n');
  }
  const json_t *changes = json_object_get(pr, "changes");
  for (size_t i = 0; i < json_array_size(changes); i++) {
    const json_t *c = json_array_get(changes, i);
    printf("change of %s: %s\n", text(c, "marked"), text(c, "text"));
  }
}

/* Prints the verdict o (text or JSON); returns the exit status its
 * status means. */
static int report(const json_t *o, bool json) {
  const char *status = json_string_value(
      json_object_get(json_object_get(o, "patch_readiness"), "status"));
  if (status == NULL) {
    const char *why = json_string_value(json_object_get(o, "error"));
    cli_error("%s", why != NULL ? why : "no verdict in the answer");
    return EXIT_FAILURE_READ;
  }
  if (json) {
    json_dumpf(o, stdout, JSON_INDENT(2) | JSON_SORT_KEYS);
    fputc('\n', stdout);
  } else {
    print_text(o);
  }
  return strcmp(status, "READY") == 0       ? 0
         : strcmp(status, "CAUTION") == 0   ? 1
         : strcmp(status, "NOT READY") == 0 ? 2
                                            : EXIT_FAILURE_READ;
}

/* The verdict on the host file f, as JSON (NULL: out of memory). */
static json_t *judge(cli_host_file_t *f, double now, double at, double window) {
  ad_busy_t *busy = malloc(sizeof(*busy));
  ad_readiness_t *r = malloc(sizeof(*r));
  json_t *o = NULL;
  if (busy != NULL && r != NULL) {
    ad_readiness_query_t q = {.host = f->p.host,
                              .vlists = f->p.vlists,
                              .count = f->p.count,
                              .cfg = &f->cfg,
                              .now = now,
                              .at = at,
                              .window = window};
    ad_readiness_assess(&q, busy, r);
    o = ad_readiness_json(&q, r, busy);
  }
  free(busy);
  free(r);
  return o;
}

/* Asks the daemon through its socket: READINESS HOST [AT]. NULL with the
 * reason printed when it cannot. */
static json_t *ask(const char *path, const char *host, double at) {
  char request[AD_NAME_MAX + 64], err[256];
  if (isfinite(at))
    snprintf(request, sizeof(request), "READINESS %s %.0f", host, at);
  else
    snprintf(request, sizeof(request), "READINESS %s", host);
  char *line = cli_query(path, request, err, sizeof(err));
  if (line == NULL) {
    cli_error("%s: %s", path, err);
    return NULL;
  }
  json_error_t jerr;
  json_t *o = json_loads(line, 0, &jerr);
  free(line);
  if (o == NULL)
    cli_error("%s: the answer is not JSON: %s", path, jerr.text);
  return o;
}

/* The verdict on host, from the daemon (socket_path, or the default socket
 * when neither it nor dir is given and it exists) or from the StateDir,
 * printed; returns the exit status. */
static int answer(const char *dir, const char *socket_path, const char *host,
                  double now, double at, double window, bool json) {
  /* the daemon when asked for, or when it answers at its usual place */
  if (socket_path == NULL && dir == NULL &&
      access(DEFAULT_QUERY_SOCKET, F_OK) == 0)
    socket_path = DEFAULT_QUERY_SOCKET;
  json_t *o;
  if (socket_path != NULL) {
    o = ask(socket_path, host, at);
    if (o == NULL)
      return EXIT_FAILURE_READ;
  } else {
    cli_host_file_t f;
    int rc =
        cli_host_file_read(dir != NULL ? dir : DEFAULT_STATE_DIR, host, 0, &f);
    if (rc != CLI_EXIT_OK)
      return rc == CLI_EXIT_USAGE ? EXIT_USAGE : EXIT_FAILURE_READ;
    o = judge(&f, now, at, window);
    cli_host_file_free(&f);
    if (o == NULL) {
      cli_error("out of memory");
      return EXIT_FAILURE_READ;
    }
  }
  int rc = report(o, json);
  json_decref(o);
  return rc;
}

int cli_readiness(int argc, char **argv) {
  enum { OPT_AT = 256, OPT_WINDOW, OPT_JSON, OPT_SOCKET };
  static const struct option longopts[] = {
      {"state-dir", required_argument, NULL, 'd'},
      {"at", required_argument, NULL, OPT_AT},
      {"window", required_argument, NULL, OPT_WINDOW},
      {"json", no_argument, NULL, OPT_JSON},
      {"socket", required_argument, NULL, OPT_SOCKET},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *dir = NULL, *socket_path = NULL, *at_text = NULL;
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
      window = ad_readiness_parse_duration(optarg);
      if (!(window >= 60 && window <= 86400)) {
        cli_error("--window expects 1m to 24h (30m, 2h, ...), got \"%s\"",
                  optarg);
        return EXIT_USAGE;
      }
      break;
    case OPT_JSON:
      json = true;
      break;
    case OPT_SOCKET:
      socket_path = optarg;
      break;
    case 'h':
      readiness_usage(stdout);
      return CLI_EXIT_OK;
    default:
      readiness_usage(stderr);
      return EXIT_USAGE;
    }
  }
  if (optind + 1 != argc || (dir != NULL && socket_path != NULL)) {
    readiness_usage(stderr);
    return EXIT_USAGE;
  }
  double now = (double)time(NULL), at = NAN;
  if (at_text != NULL) {
    at = ad_readiness_parse_time(at_text, now);
    if (isnan(at)) {
      cli_error("--at expects epoch seconds, \"YYYY-MM-DD HH:MM[:SS]\" (UTC) "
                "or +N[mhd], got \"%s\"",
                at_text);
      return EXIT_USAGE;
    }
  }
  const char *host = argv[optind];
  if (strchr(host, ' ') != NULL || strchr(host, '\n') != NULL ||
      strlen(host) >= AD_NAME_MAX) {
    cli_error("\"%s\" is not a host name", host);
    return EXIT_USAGE;
  }
  return answer(dir, socket_path, host, now, at, window, json);
}
