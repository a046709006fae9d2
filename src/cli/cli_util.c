/* Helpers shared by the subcommands: error output, terminal progress,
 * the state directory, a query to the daemon's socket. */
#include "cli.h"
#include "config.h"
#include "state/ad_state.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

void cli_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fputs("collectd-anomaly: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

static double monotonic_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void cli_progress_start(cli_progress_t *p, const char *what) {
  *p = (cli_progress_t){.enabled = isatty(STDERR_FILENO) == 1,
                        .last_shown = monotonic_seconds(),
                        .what = what};
}

void cli_progress_update(cli_progress_t *p, size_t done) {
  if (!p->enabled || (done & 1023) != 0)
    return;
  double now = monotonic_seconds();
  if (now - p->last_shown < 0.25)
    return;
  p->last_shown = now;
  fprintf(stderr, "\r%s: %zu rows", p->what, done);
  fflush(stderr);
}

void cli_progress_finish(cli_progress_t *p, size_t done) {
  if (!p->enabled)
    return;
  fprintf(stderr, "\r%s: %zu rows, done\n", p->what, done);
}

static void state_log(void *ctx, ad_state_severity_t severity,
                      const char *msg) {
  (void)ctx;
  cli_error("%s%s", severity == AD_STATE_INFO ? "" : "state: ", msg);
}

int cli_state_open(struct ad_state_s *st, const char *dir, unsigned versions) {
  char err[1200];
  ad_state_options_t opt = {dir, versions, "collectd-anomaly " AD_VERSION,
                            state_log, NULL};
  int rc = ad_state_open(st, &opt, err, sizeof(err));
  if (rc != 0)
    cli_error("%s", err);
  return rc;
}

char *cli_query(const char *path, const char *request, char *err,
                size_t err_size) {
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  if (strlen(path) >= sizeof(addr.sun_path)) {
    snprintf(err, err_size, "path too long for a socket");
    return NULL;
  }
  memcpy(addr.sun_path, path, strlen(path) + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct timeval tv = {.tv_sec = CLI_QUERY_TIMEOUT};
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) ||
      setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) ||
      connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
    snprintf(err, err_size, "%s (is collectd running, with a socket there?)",
             strerror(errno));
    if (fd >= 0)
      close(fd);
    return NULL;
  }
  FILE *io = fdopen(fd, "r+");
  char *line = NULL;
  size_t size = 0;
  if (io == NULL || fprintf(io, "%s\n", request) < 0 || fflush(io) != 0 ||
      getline(&line, &size, io) <= 0) {
    snprintf(err, err_size, "no answer: %s", strerror(errno));
    free(line);
    line = NULL;
  } else {
    line[strcspn(line, "\n")] = '\0';
  }
  if (io != NULL)
    fclose(io);
  else
    close(fd);
  return line;
}
