# Shared helpers for the integration tests (sourced). They run the real
# collectd daemon from a temporary directory with the freshly built plugins.
# Environment (set by make check, or by hand):
#   top_builddir, top_srcdir  the build and source trees
#   COLLECTD                  the daemon (default /usr/sbin/collectd)
set -eu

COLLECTD=${COLLECTD:-/usr/sbin/collectd}
COLLECTD_PLUGIN_DIR=${COLLECTD_PLUGIN_DIR:-/usr/lib/collectd}
TYPES_DB=${TYPES_DB:-/usr/share/collectd/types.db}
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# Runs the daemon with ARGS. In a sanitizer build (./test.sh sets
# COLLECTD_PRELOAD) the sanitizer runtime is preloaded: our plugins carry
# its instrumentation, and collectd itself does not. Leaks are not looked
# for in the daemon (COLLECTD_ASAN_OPTIONS): collectd does not free its
# configuration at exit; the plugin's own leaks are looked for in the glue
# tests, which run its whole life under LeakSanitizer.
run_collectd() {
  LD_PRELOAD="${COLLECTD_PRELOAD:-${LD_PRELOAD:-}}" \
    ASAN_OPTIONS="${COLLECTD_ASAN_OPTIONS:-${ASAN_OPTIONS:-}}" "$COLLECTD" "$@"
}

# The same in the background, $! its process (a function run with & would
# be a subshell: a signal to $! would not reach collectd).
spawn_collectd() {
  LD_PRELOAD="${COLLECTD_PRELOAD:-${LD_PRELOAD:-}}" \
    ASAN_OPTIONS="${COLLECTD_ASAN_OPTIONS:-${ASAN_OPTIONS:-}}" "$COLLECTD" "$@" &
}

# The command under test.
cmd="$top_builddir/src/collectd-anomaly"

# Skip (exit 77, automake's code) when the daemon is not installed.
require_collectd() {
  [ -x "$COLLECTD" ] || { echo "SKIP: no collectd at $COLLECTD"; exit 77; }
}

# A scratch directory, removed on exit unless KEEP_TEST_DIR is set.
make_workdir() {
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/collectd-anomaly-test.XXXXXX")
  chmod 755 "$WORK"
  if [ -z "${KEEP_TEST_DIR:-}" ]; then
    trap 'stop_collectd; rm -rf "$WORK"' EXIT
  else
    trap 'stop_collectd; echo "kept $WORK" >&2' EXIT
  fi
}

# Copies our plugins and the named stock plugins into $WORK/plugins: collectd
# loads from one PluginDir and refuses symlinks.
install_plugins() {
  mkdir -p "$WORK/plugins"
  for p in anomaly statgrab; do
    cp "$top_builddir/.libs/$p.so" "$WORK/plugins/$p.so"
  done
  for p in "$@"; do
    cp "$COLLECTD_PLUGIN_DIR/$p.so" "$WORK/plugins/$p.so"
  done
}

# The start of a test on the daemon: skipped without collectd, failed
# without python3 (which talks to unixsock and makes the data), $WORK made
# with our plugins and the named stock plugins in it.
daemon_test() {
  require_collectd
  command -v python3 >/dev/null || fail "python3 is needed"
  make_workdir
  install_plugins "$@"
}

# same_notifications JSONL WHAT: the notifications replay --events wrote to
# JSONL and those the daemon's exec plugin wrote to $WORK/notifications/
# (one file each) are the same: time (whole seconds), severity and message,
# in time order; else fails, saying WHAT disagreed.
same_notifications() {
  local from_replay from_daemon
  from_replay=$(python3 -c '
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    print("%d %s %s" % (d["epoch"], d["severity"], d["message"]))' "$1")
  from_daemon=$(for f in "$WORK"/notifications/*; do
    awk '/^Severity:/ {s = $2} /^Time:/ {t = int($2)} /^$/ {body = 1; next}
         body && NF {m = $0} END {print t, s, m}' "$f"
  done | sort -n)
  if [ "$from_replay" != "$from_daemon" ]; then
    diff <(printf '%s\n' "$from_replay") <(printf '%s\n' "$from_daemon") >&2 || true
    fail "$2 disagree"
  fi
}

# The global part of a test collectd.conf.
conf_header() {
  cat <<EOC
Hostname "integration-host"
FQDNLookup false
BaseDir "$WORK"
PIDFile "$WORK/collectd.pid"
PluginDir "$WORK/plugins"
TypesDB "$TYPES_DB"
Interval 1
EOC
}

# collectd.conf parts shared by the tests.
# The log, at info with severities, in $WORK/collectd.log.
conf_log() {
  cat <<EOC
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$WORK/collectd.log"
  Timestamp true
  PrintSeverity true
</Plugin>
EOC
}

# The unixsock plugin at $WORK/collectd.sock, and one write thread: values
# of one identifier pushed in a burst could otherwise be reordered and
# dropped as "Value too old", and the tests count exactly.
conf_unixsock() {
  cat <<EOC
WriteThreads 1
LoadPlugin unixsock
<Plugin unixsock>
  SocketFile "$WORK/collectd.sock"
  SocketGroup "$(id -gn)"
</Plugin>
EOC
}

# For tests that feed values through unixsock and collect notifications
# with the exec plugin: one file per notification in $WORK/notifications
# (exec runs them concurrently, and refuses to run them as root).
conf_feed_and_notify() {
  local run_as
  run_as=$(id -un)
  [ "$(id -u)" -eq 0 ] && run_as=nobody
  mkdir -p -m 1777 "$WORK/notifications"
  cat >"$WORK/notify.sh" <<EOS
#!/bin/sh
cat > "$WORK/notifications/\$(date +%s%N).\$\$"
EOS
  chmod 755 "$WORK/notify.sh"
  conf_log
  conf_unixsock
  cat <<EOC
LoadPlugin exec
<Plugin exec>
  NotificationExec "$run_as" "$WORK/notify.sh"
</Plugin>
EOC
}

# write_state_conf [LINES]: $WORK/collectd.conf for a test that feeds
# values and collects notifications, the anomaly plugin keeping its state
# in $WORK/state and saving it at shutdown only; LINES go into its
# <Plugin anomaly> block.
write_state_conf() {
  {
    conf_header
    conf_feed_and_notify
    cat <<EOC
LoadPlugin anomaly
<Plugin anomaly>
  StateDir "$WORK/state"
  CheckpointInterval 0
${1:-}
</Plugin>
EOC
  } >"$WORK/collectd.conf"
}

# feed_csv HOST CSV [FIRST LAST]: sends the replay CSV's data rows FIRST to
# LAST (1-based; default all) to collectd over unixsock, row by row, column
# by column, with their timestamps, each row taken and the anomaly plugin's
# trainer caught up before the next (putval.py's sync: what live data's
# minutes would leave it).
feed_csv() {
  python3 "$(dirname "${BASH_SOURCE[0]}")/putval.py" --csv "$WORK/collectd.sock" "$@"
}

COLLECTD_PID=""
start_collectd() {
  spawn_collectd -f -C "$WORK/collectd.conf" >"$WORK/stdout.log" 2>&1
  COLLECTD_PID=$!
}

stop_collectd() {
  if [ -n "$COLLECTD_PID" ] && kill -0 "$COLLECTD_PID" 2>/dev/null; then
    kill -TERM "$COLLECTD_PID"
    local status=0
    wait "$COLLECTD_PID" || status=$?
    COLLECTD_PID=""
    return $status
  fi
  COLLECTD_PID=""
  return 0
}

# wait_for SECONDS COMMAND...: polls until COMMAND succeeds.
wait_for() {
  local deadline=$(( $(date +%s) + $1 ))
  shift
  until "$@"; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# expect_exit CODE COMMAND ARGS...: runs `$cmd COMMAND ARGS...`, its output
# in $WORK/err.out, and fails the test unless it exits with CODE.
expect_exit() {
  local want=$1 got=0
  shift
  "$cmd" "$@" >"$WORK/err.out" 2>&1 || got=$?
  [ "$got" -eq "$want" ] || { cat "$WORK/err.out" >&2; fail "$*: exit $got, expected $want"; }
}
