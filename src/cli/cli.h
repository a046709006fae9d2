/* The collectd-anomaly command: one function per subcommand, plus helpers
 * they share. Exit codes: 0 success, 1 failure of the work itself, 2 bad
 * usage or bad input. */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "offline/ad_history.h"

#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILURE 1
#define CLI_EXIT_USAGE 2

/* Debian's collectd BaseDir, and the plugin's default StateDir under it. */
#define DEFAULT_STATE_DIR "/var/lib/collectd/anomaly"
/* The anomaly plugin's default SocketFile (under BaseDir), and the
 * unixsock plugin's SocketFile in Debian's collectd.conf. */
#define DEFAULT_QUERY_SOCKET "/var/lib/collectd/anomaly.sock"
#define DEFAULT_UNIXSOCK "/var/run/collectd-unixsock"

/* `collectd-anomaly replay ...`; argv[0] is "replay". */
int cli_replay(int argc, char **argv);

/* `collectd-anomaly state ...`: list, show and roll back saved state. */
int cli_state(int argc, char **argv);

/* `collectd-anomaly train ...`: state from the csv or rrdtool plugin's
 * files. */
int cli_train(int argc, char **argv);

/* `collectd-anomaly state patterns HOST`: the host's series by pattern,
 * from the StateDir dir. Returns a CLI_EXIT_ status. */
int cli_state_patterns(const char *dir, const char *host);

/* Reads the rrdtool plugin's files of one host (rrd_history.c): one
 * history per .rrd file, skipped files told to src->warn (src->db and
 * src->rates_stored do not apply: RRD files hold rates). Returns 0;
 * ENOTSUP when built without librrd; another errno value. */
int cli_read_rrd_host(const char *host_dir, const ad_history_source_t *src,
                      ad_history_t ***out, size_t *n);

/* `collectd-anomaly readiness HOST ...`: is it safe to patch HOST now?
 * Exit status 0 READY, 1 CAUTION, 2 NOT READY, 3 bad usage, 4 failure (its
 * own codes: a deploy script tests them). */
int cli_readiness(int argc, char **argv);

/* `collectd-anomaly change HOST WHAT ...`: announces a change (a patch, a
 * deploy) to collectd through its unixsock plugin, as a notification the
 * anomaly plugin watches the host after. */
int cli_change(int argc, char **argv);

/* `collectd-anomaly options`: the plugin's option table (Markdown). */
int cli_options(int argc, char **argv);

/* Opens the state directory dir for a command (the lock taken: EBUSY when
 * collectd runs with it), its messages on stderr. Prints why when it
 * cannot. Returns 0 or an errno value. */
struct ad_state_s;
int cli_state_open(struct ad_state_s *st, const char *dir, unsigned versions);

/* Sends one request line to the anomaly plugin's query socket at path and
 * returns its one-line answer (without the newline) for free(); NULL with
 * the reason in err when the socket cannot be reached or does not answer
 * within CLI_QUERY_TIMEOUT seconds. */
#define CLI_QUERY_TIMEOUT 10
char *cli_query(const char *path, const char *request, char *err,
                size_t err_size);

/* Prints "collectd-anomaly: <message>" to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Progress on stderr for long runs, only when stderr is a terminal; updated
 * at most a few times per second. */
typedef struct {
  bool enabled;
  double last_shown;
  const char *what;
} cli_progress_t;

void cli_progress_start(cli_progress_t *p, const char *what);
void cli_progress_update(cli_progress_t *p, size_t done);
void cli_progress_finish(cli_progress_t *p, size_t done);

#endif /* CLI_H */
