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

COLLECTD_PID=""
start_collectd() {
  "$COLLECTD" -f -C "$WORK/collectd.conf" >"$WORK/stdout.log" 2>&1 &
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
