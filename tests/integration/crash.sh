#!/bin/bash
# Crash safety: collectd killed with SIGKILL while it checkpoints,
# over and over; every time it starts again the whole state loads, nothing
# is set aside as damaged. CheckpointInterval is a hundredth of a second, so
# the checkpoint thread is writing nearly all the time a kill lands.
# CRASH_ROUNDS overrides the number of rounds (default 100).
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
daemon_test logfile
rounds=${CRASH_ROUNDS:-100}
hosts=8

# A state to start from: eight hosts of three series, a day of data each,
# forests trained (replay --state writes what the plugin loads).
python3 - >"$WORK/data.csv" <<'PY'
import math, random
rng = random.Random(5)
print("timestamp,test-a/gauge,test-b/gauge,test-c/gauge")
for i in range(1440):
    a = 50 + 10 * math.sin(2 * math.pi * i / 1440) + rng.gauss(0, 1)
    print("%d,%.4f,%.4f,%.4f" % (1700000000 + 60 * i, a, 20 + rng.gauss(0, 0.5),
                                 0.5 * a + rng.gauss(0, 0.3)))
PY
for h in $(seq 1 $hosts); do
  "$cmd" replay --host "host$h" --state "$WORK/state" "$WORK/data.csv" >/dev/null \
    || fail "replay for host$h failed"
done
series=$((hosts * 3))

{
  conf_header
  conf_log
  cat <<EOC
LoadPlugin anomaly
<Plugin anomaly>
  StateDir "$WORK/state"
  CheckpointInterval 0.01
  StateVersions 2
</Plugin>
EOC
} >"$WORK/collectd.conf"

loaded_all() { grep -q "loaded $hosts hosts, $series series" "$WORK/collectd.log"; }
checkpointed() { grep -q "checkpoint: $hosts hosts" "$WORK/collectd.log"; }
mid_write=0
for round in $(seq 1 "$rounds"); do
  : >"$WORK/collectd.log"
  start_collectd
  wait_for 15 loaded_all || { cat "$WORK/collectd.log" >&2; fail "round $round: the state did not load whole"; }
  grep -q "set aside as damaged" "$WORK/collectd.log" && ! grep -q "0 set aside as damaged" "$WORK/collectd.log" \
    && fail "round $round: a file was set aside"
  wait_for 15 checkpointed || fail "round $round: no checkpoint"
  sleep "0.0$((RANDOM % 10))"
  kill -KILL "$COLLECTD_PID"
  wait "$COLLECTD_PID" 2>/dev/null || true
  COLLECTD_PID=""
  ls -A "$WORK/state" | grep -q '\.tmp$' && mid_write=$((mid_write + 1))
done
[ -d "$WORK/state/damaged" ] && fail "files were set aside: $(ls "$WORK/state/damaged")"
"$cmd" state -d "$WORK/state" list >"$WORK/list.out" || { cat "$WORK/list.out" >&2; fail "state list after the kills"; }
[ "$(grep -c '^host' "$WORK/list.out")" -eq "$hosts" ] || fail "state list: $(cat "$WORK/list.out")"
[ "$mid_write" -gt 0 ] || fail "no kill landed in the middle of a write: the test proves nothing"
echo "PASS: crash: $rounds SIGKILLs during checkpoints ($mid_write in the middle of a file's write); the state loaded whole every time"
