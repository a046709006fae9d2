#!/bin/sh
# A deploy hook: runs COMMAND only when collectd-anomaly says the host is
# READY for a change; otherwise prints why and the next good window, and
# exits with readiness's status (1 CAUTION, 2 NOT READY, 3-4 errors).
# Before COMMAND runs, the change is announced to collectd (collectd-anomaly
# change, through the unixsock plugin): for ChangeWatch the anomaly plugin
# compares the host with what it expected, then notifies "no regression"
# or "regression: ..." like any other notification.
#
#   patch-when-ready.sh [--force-caution] HOST COMMAND [ARG]...
#   patch-when-ready.sh web1 apt-get -y upgrade
#
# --force-caution runs COMMAND on CAUTION too (after printing the reasons).
# The verdict comes from the anomaly plugin's query socket when collectd
# runs on this machine, else from its StateDir; set READINESS_ARGS to pass
# other options (e.g. READINESS_ARGS="--socket /run/collectd/anomaly.sock"
# or "-d /var/lib/collectd/anomaly"), COLLECTD_ANOMALY to use another
# binary. The change is announced as CHANGE_WHAT (default: COMMAND and its
# arguments), with CHANGE_ARGS passed to collectd-anomaly change (e.g.
# CHANGE_ARGS="--socket /run/collectd-unixsock"); CHANGE_WHAT=off skips it.
# A change that cannot be announced is reported and does not stop COMMAND.
set -u
force=false
if [ "${1:-}" = "--force-caution" ]; then
  force=true
  shift
fi
if [ $# -lt 2 ]; then
  echo "usage: $0 [--force-caution] HOST COMMAND [ARG]..." >&2
  exit 3
fi
host=$1
shift
# shellcheck disable=SC2086 # READINESS_ARGS is a list of options
"${COLLECTD_ANOMALY:-collectd-anomaly}" readiness "$host" ${READINESS_ARGS:-}
status=$?
case $status in
0) ;;
1) if [ "$force" = true ]; then
     echo "$0: $host: CAUTION, going ahead (--force-caution)" >&2
   else
     echo "$0: $host is not READY (CAUTION): not running $1" >&2
     exit 1
   fi ;;
*) echo "$0: $host is not ready (status $status): not running $1" >&2
   exit "$status" ;;
esac
what=${CHANGE_WHAT:-$*}
if [ "$what" != off ]; then
  # shellcheck disable=SC2086 # CHANGE_ARGS is a list of options
  "${COLLECTD_ANOMALY:-collectd-anomaly}" change "$host" "$what" ${CHANGE_ARGS:-} \
    || echo "$0: $host: the change could not be announced; running $1 anyway" >&2
fi
exec "$@"
