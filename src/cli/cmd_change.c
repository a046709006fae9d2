/* collectd-anomaly change HOST WHAT: announces a change (a patch, a
 * deploy) the collectd way, a notification through the unixsock plugin:
 *   PUTNOTIF host="web1" plugin="anomaly" type="change" severity=okay
 *            time=... message="openssl 3.0.15"
 * which the anomaly plugin takes as the start of the change's watch (and
 * the network plugin forwards to an aggregator like any notification).
 * When the anomaly plugin's query socket is there, the command then asks
 * it whether the change is watched, and says so. */
#include "cli.h"

#include "core/ad_ident.h"
#include "patch/ad_readiness.h"

#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WHAT_MAX 255 /* collectd's NOTIF_MAX_MSG_LEN, less its NUL */

static void change_usage(FILE *out) {
  fputs("usage: collectd-anomaly change HOST WHAT [--socket PATH] "
        "[--time TIME] [--query PATH]\n"
        "Announces a change on HOST (WHAT: \"openssl 3.0.15\", a deploy "
        "id) to\ncollectd through its unixsock plugin. The anomaly plugin "
        "then compares\nthe host's series with what it expected for "
        "ChangeWatch (default 2 h) and\nnotifies \"no regression\" or "
        "\"regression: ...\" at the end.\n"
        "  -s, --socket PATH  the unixsock plugin's SocketFile "
        "(default " DEFAULT_UNIXSOCK ")\n"
        "      --time TIME    when the change was made: epoch seconds,\n"
        "                     \"YYYY-MM-DD HH:MM[:SS]\" (UTC); default now\n"
        "      --query PATH   the anomaly plugin's SocketFile, asked whether\n"
        "                     the change is watched "
        "(default " DEFAULT_QUERY_SOCKET ",\n"
        "                     when it is there; \"off\": do not ask)\n"
        "Exit status: 0 sent, 1 collectd could not be told, 2 bad usage.\n",
        out);
}

/* Whether text can go into a PUTNOTIF line: no control characters (a
 * newline would end the command), within max bytes. */
static bool sendable(const char *text, size_t max) {
  size_t n = strlen(text);
  if (n == 0 || n > max)
    return false;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)text[i] < 0x20 || text[i] == 0x7f)
      return false;
  return true;
}

/* text as a quoted PUTNOTIF value into out: quotes and backslashes
 * escaped. False when it does not fit. */
static bool quoted(const char *text, char *out, size_t size) {
  size_t k = 0;
  if (size < 3)
    return false;
  out[k++] = '"';
  for (const char *c = text; *c != '\0'; c++) {
    if (k + 4 > size)
      return false;
    if (*c == '"' || *c == '\\')
      out[k++] = '\\';
    out[k++] = *c;
  }
  out[k++] = '"';
  out[k] = '\0';
  return true;
}

/* Asks the query socket whether host's change of time t is watched;
 * prints what it says. */
static void confirm(const char *path, const char *host, double t) {
  char request[AD_NAME_MAX + 16], err[256];
  snprintf(request, sizeof(request), "READINESS %s", host);
  char *line = cli_query(path, request, err, sizeof(err));
  json_t *o = line != NULL ? json_loads(line, 0, NULL) : NULL;
  free(line);
  const json_t *changes =
      json_object_get(json_object_get(o, "patch_readiness"), "changes");
  const json_t *c = json_array_get(changes, 0);
  const char *status = json_string_value(json_object_get(c, "status"));
  const char *until = json_string_value(json_object_get(c, "until"));
  if (status != NULL && strcmp(status, "watching") == 0 && until != NULL)
    printf("the anomaly plugin watches %s until %s\n", host, until);
  else if (json_is_string(json_object_get(o, "error")))
    printf("the anomaly plugin does not watch it: %s\n",
           json_string_value(json_object_get(o, "error")));
  else
    printf("the anomaly plugin did not confirm the watch (%s)\n",
           o == NULL ? err : "no change open");
  (void)t;
  json_decref(o);
}

static int send_change(const char *sock, const char *query, const char *host,
                       const char *what, double t) {
  char qhost[2 * AD_NAME_MAX + 3], qwhat[2 * WHAT_MAX + 3];
  char request[sizeof(qhost) + sizeof(qwhat) + 128], err[256];
  quoted(host, qhost, sizeof(qhost));
  quoted(what, qwhat, sizeof(qwhat));
  snprintf(request, sizeof(request),
           "PUTNOTIF host=%s plugin=anomaly type=change severity=okay "
           "time=%.0f message=%s",
           qhost, t, qwhat);
  char *line = cli_query(sock, request, err, sizeof(err));
  if (line == NULL) {
    cli_error("%s: %s", sock, err);
    return CLI_EXIT_FAILURE;
  }
  /* unixsock answers "0 Success" or "-1 <why>" */
  bool ok = strncmp(line, "0 ", 2) == 0;
  if (!ok)
    cli_error("collectd refused the notification: %s", line);
  free(line);
  if (!ok)
    return CLI_EXIT_FAILURE;
  printf("change on %s sent to collectd: \"%s\"\n", host, what);
  if (strcmp(query, "off") != 0 && access(query, F_OK) == 0)
    confirm(query, host, t);
  return CLI_EXIT_OK;
}

int cli_change(int argc, char **argv) {
  enum { OPT_TIME = 256, OPT_QUERY };
  static const struct option longopts[] = {
      {"socket", required_argument, NULL, 's'},
      {"time", required_argument, NULL, OPT_TIME},
      {"query", required_argument, NULL, OPT_QUERY},
      {"help", no_argument, NULL, 'h'},
      {NULL, 0, NULL, 0},
  };
  const char *sock = DEFAULT_UNIXSOCK, *query = DEFAULT_QUERY_SOCKET;
  double t = (double)time(NULL);
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "s:h", longopts, NULL)) != -1) {
    if (c == 's') {
      sock = optarg;
    } else if (c == OPT_QUERY) {
      query = optarg;
    } else if (c == OPT_TIME) {
      t = ad_readiness_parse_time(optarg, (double)time(NULL));
      if (isnan(t)) {
        cli_error("--time expects epoch seconds or \"YYYY-MM-DD HH:MM[:SS]\" "
                  "(UTC), got \"%s\"",
                  optarg);
        return CLI_EXIT_USAGE;
      }
    } else {
      change_usage(c == 'h' ? stdout : stderr);
      return c == 'h' ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
  }
  if (optind + 2 != argc) {
    change_usage(stderr);
    return CLI_EXIT_USAGE;
  }
  const char *host = argv[optind], *what = argv[optind + 1];
  if (!sendable(host, AD_NAME_MAX - 1) || strchr(host, ' ') != NULL) {
    cli_error("\"%s\" is not a host name", host);
    return CLI_EXIT_USAGE;
  }
  if (!sendable(what, WHAT_MAX)) {
    cli_error("WHAT must be 1 to %d bytes without control characters",
              WHAT_MAX);
    return CLI_EXIT_USAGE;
  }
  return send_change(sock, query, host, what, t);
}
