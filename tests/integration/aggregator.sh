#!/bin/bash
# The aggregator set-up: two collectd daemons on loopback, an
# agent that only collects and forwards over the network plugin, and an
# aggregator that receives and runs the anomaly plugin. An anomaly injected
# on the agent is notified by the aggregator, under the agent's host name,
# and the aggregator dispatches the agent's risk metrics; a change marker
# sent to the agent is watched by the aggregator.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
daemon_test logfile unixsock exec network csv
port=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# The agent: values arrive over its unixsock (standing in for its read
# plugins) and leave over the network plugin, nothing else.
mkdir -p "$WORK/agent"
cat >"$WORK/agent/collectd.conf" <<EOC
Hostname "agent-host"
FQDNLookup false
BaseDir "$WORK/agent"
PIDFile "$WORK/agent/collectd.pid"
PluginDir "$WORK/plugins"
TypesDB "$TYPES_DB"
Interval 1
WriteThreads 1
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$WORK/agent/collectd.log"
</Plugin>
LoadPlugin unixsock
<Plugin unixsock>
  SocketFile "$WORK/agent/collectd.sock"
  SocketGroup "$(id -gn)"
</Plugin>
LoadPlugin network
<Plugin network>
  Server "127.0.0.1" "$port"
</Plugin>
EOC

# The aggregator: receives, runs anomaly, notifies through exec, and writes
# what it dispatches (the risk metrics) with the csv plugin.
{
  conf_header | sed 's/"integration-host"/"aggregator-host"/'
  conf_feed_and_notify
  cat <<EOC
LoadPlugin network
<Plugin network>
  Listen "127.0.0.1" "$port"
</Plugin>
LoadPlugin csv
<Plugin csv>
  DataDir "$WORK/csv"
</Plugin>
LoadPlugin anomaly
<Plugin anomaly>
  StateDir "$WORK/state"
</Plugin>
EOC
} >"$WORK/collectd.conf"
start_collectd
wait_for 15 test -S "$WORK/collectd.sock" || fail "the aggregator did not start"
spawn_collectd -f -C "$WORK/agent/collectd.conf" >"$WORK/agent/stdout.log" 2>&1
AGENT_PID=$!
trap 'kill "$AGENT_PID" 2>/dev/null || true; stop_collectd || true; [ -n "${KEEP_TEST_DIR:-}" ] || rm -rf "$WORK"' EXIT
wait_for 15 test -S "$WORK/agent/collectd.sock" || fail "the agent did not start"

# a day of one-minute CPU on the agent, ordinary, then a spike
start=$(( ($(date +%s) / 86400 - 3) * 86400 ))
python3 - "$start" >"$WORK/data.csv" <<'PY'
import math, random, sys
start = int(sys.argv[1])
rng = random.Random(3)
print("timestamp,cpu-0/percent-user")
for i in range(1500):
    v = 20 + 5 * math.sin(2 * math.pi * i / 1440) + rng.gauss(0, 1)
    if 1400 <= i < 1405:
        v += 60
    print("%d,%.3f" % (start + 60 * i, v))
PY
python3 "$here/putval.py" --csv "$WORK/agent/collectd.sock" agent-host "$WORK/data.csv" \
  || fail "feeding the agent failed"

failure_from_agent() {
  grep -l '^Severity: FAILURE' "$WORK"/notifications/* 2>/dev/null |
    xargs -r grep -l '^Host: agent-host' | grep -q .
}
wait_for 30 failure_from_agent || {
  ls -l "$WORK/notifications" >&2
  grep -h anomaly "$WORK/collectd.log" >&2
  fail "the aggregator sent no FAILURE about agent-host"
}
file=$(grep -l '^Severity: FAILURE' "$WORK"/notifications/* | xargs grep -l '^Host: agent-host' | head -1)
grep -q '^Plugin: anomaly' "$file" || fail "the notification is not the anomaly plugin's"
grep -q 'Host agent-host: cpu-0/percent-user = ' "$file" || fail "unexpected message: $(cat "$file")"
ls "$WORK/csv/agent-host/anomaly/" 2>/dev/null | grep -q '^gauge-risk-' \
  || fail "no risk metrics for agent-host on the aggregator"
# a change announced on the agent reaches the aggregator's anomaly plugin
"$cmd" change agent-host "kernel 6.1.119" --socket "$WORK/agent/collectd.sock" --query off \
  >/dev/null || fail "collectd-anomaly change on the agent failed"
wait_for 30 grep -q 'change on agent-host: "kernel 6.1.119"; watching it for 120 minutes' \
  "$WORK/collectd.log" || fail "the change marker did not reach the aggregator"
grep -E '\[error\]' "$WORK/collectd.log" && fail "the aggregator logged errors"
kill "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null || true
stop_collectd || fail "the aggregator exited with status $?"
grep -q "state saved at shutdown: 1 hosts, 1 series" "$WORK/collectd.log" \
  || fail "the aggregator did not keep the agent's state: $(grep anomaly "$WORK/collectd.log")"
echo "PASS: aggregator: an anomaly on agent-host, forwarded over the network plugin, notified by the aggregator under agent-host; a change marker sent to the agent watched by the aggregator"
