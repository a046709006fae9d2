#!/bin/bash
# The CPU the anomaly plugin adds to collectd (DESIGN.md goal: <= 15 % at
# 20,000 value lists/s from collectd-tg on loopback). A collectd receiving
# collectd-tg's traffic over the network plugin is measured twice: with no
# write plugin (the baseline) and with the anomaly plugin; each run warms up
# (series created, forests trained) and then counts the collectd process's
# CPU time (user + system, /proc/PID/stat) over a window. Medians of RUNS.
#
# usage: bench/collectd_cpu.sh BUILD_DIR [RATE] [RUNS] [WARMUP_S] [WINDOW_S]
# Needs collectd-tg (Debian package collectd-utils).
set -euo pipefail
build=$(realpath "${1:?usage: collectd_cpu.sh BUILD_DIR [RATE] [RUNS] [WARMUP] [WINDOW]}")
rate=${2:-20000}
runs=${3:-3}
warmup=${4:-30}
window=${5:-60}
command -v collectd-tg >/dev/null || { echo "collectd-tg is needed: apt-get install collectd-utils" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/collectd-cpu.XXXXXX")
pids=""
trap 'kill $pids 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir -p "$work/plugins"
cp "$build/.libs/anomaly.so" "$work/plugins/"
for p in network logfile; do cp "/usr/lib/collectd/$p.so" "$work/plugins/"; done
port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
interval=10
lists=$((rate * interval))
ticks=$(getconf CLK_TCK)

run() { # run with_anomaly -> prints CPU % of one core over the window
  local conf="$work/collectd.conf"
  cat >"$conf" <<EOC
Hostname "receiver"
FQDNLookup false
BaseDir "$work"
PIDFile "$work/collectd.pid"
PluginDir "$work/plugins"
TypesDB "/usr/share/collectd/types.db"
Interval $interval
LoadPlugin logfile
<Plugin logfile>
  File "$work/collectd.log"
</Plugin>
LoadPlugin network
<Plugin network>
  Listen "127.0.0.1" "$port"
</Plugin>
EOC
  if [ "$1" = 1 ]; then
    cat >>"$conf" <<EOC
LoadPlugin anomaly
<Plugin anomaly>
  MaxSeries $((lists + 1000))
  StateDir "$work/state"
</Plugin>
EOC
  fi
  /usr/sbin/collectd -f -C "$conf" >/dev/null 2>&1 &
  local cpid=$!
  sleep 1
  collectd-tg -n "$lists" -H 1000 -p 20 -i "$interval" -d 127.0.0.1 -D "$port" >/dev/null 2>&1 &
  local tpid=$!
  pids="$cpid $tpid"
  sleep "$warmup"
  local a b
  a=$(awk '{print $14 + $15}' "/proc/$cpid/stat")
  sleep "$window"
  b=$(awk '{print $14 + $15}' "/proc/$cpid/stat")
  kill "$tpid" 2>/dev/null || true
  kill "$cpid"
  wait "$cpid" 2>/dev/null || true
  wait "$tpid" 2>/dev/null || true
  pids=""
  rm -rf "$work/state"
  echo "scale=2; 100 * ($b - $a) / $ticks / $window" | bc
}

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
base=() with=()
for r in $(seq 1 "$runs"); do
  base+=("$(run 0)")
  with+=("$(run 1)")
done
b=$(printf '%s\n' "${base[@]}" | median)
w=$(printf '%s\n' "${with[@]}" | median)
echo "collectd_cpu: $rate value lists/s from collectd-tg on loopback ($lists value lists, 1000 hosts, interval ${interval}s), warm-up ${warmup}s, window ${window}s, median of $runs"
echo "  collectd, no write plugin:   ${base[*]} -> $b % of a core"
echo "  collectd, anomaly plugin:    ${with[*]} -> $w % of a core"
echo "  added by anomaly:            $(echo "$w - $b" | bc) % of a core"
