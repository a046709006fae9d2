#!/bin/bash
# Hostile values and names on the real collectd: after 20 ordinary values
# one of 1e39 (and one of 1.7e308) arrives; collectd stops and starts
# again: the host's state loads whole, nothing is set aside. A calibration
# edited to an absurd total costs that series only, and collectd stops when
# told. A name with a terminal escape beyond MaxSeries is refused and
# logged escaped, and the refusal counts in the log add up to what was
# sent; a name that is not UTF-8 is refused and logged escaped.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
daemon_test logfile unixsock
{
  conf_header
  conf_log
  conf_unixsock
  cat <<EOC
LoadPlugin anomaly
<Plugin anomaly>
  StateDir "$WORK/state"
  CheckpointInterval 0
  MaxSeries 2
</Plugin>
EOC
} >"$WORK/collectd.conf"
start_collectd
wait_for 15 test -S "$WORK/collectd.sock" || fail "collectd did not open its socket"
t=$(( $(date +%s) - 86400 ))
{
  for i in $(seq 0 19); do echo "$((t + 60 * i)) 1$((i % 3))"; done
  echo "$((t + 1200)) 1e39"
  for i in $(seq 21 40); do echo "$((t + 60 * i)) 1$((i % 3))"; done
  echo "$((t + 2460)) 1.7e308"
  for i in $(seq 42 60); do echo "$((t + 60 * i)) 1$((i % 3))"; done
} | python3 "$here/putval.py" "$WORK/collectd.sock" h/cpu/gauge 60 >/dev/null \
  || fail "feeding collectd failed"
python3 "$here/putval.py" "$WORK/collectd.sock" h/mem/gauge 60 <<<"$t 5" >/dev/null \
  || fail "feeding collectd failed"
# 25 values of new series beyond MaxSeries, named with an escape sequence
for i in $(seq 1 25); do echo "$((t + 60 * i)) 1"; done |
  python3 "$here/putval.py" "$WORK/collectd.sock" "$(printf 'h/evil\033[2J/gauge')" 60 >/dev/null \
  || fail "feeding collectd failed"
# a name that is not UTF-8 (no state file could hold it): refused, escaped
python3 "$here/putval.py" "$WORK/collectd.sock" "$(printf 'h/caf\351/gauge')" 60 <<<"$t 1" >/dev/null \
  || fail "feeding collectd failed"
stop_collectd || fail "collectd exited with status $?"
grep -q 'value lists could not be tracked .* latest: h/caf\\xe9/gauge' "$WORK/collectd.log" \
  || fail "the name that is not UTF-8 was not refused: $(grep anomaly "$WORK/collectd.log")"
grep -q "state saved at shutdown: 1 hosts, 2 series" "$WORK/collectd.log" \
  || fail "the state was not saved: $(grep anomaly "$WORK/collectd.log")"
grep -q $'\033' "$WORK/collectd.log" && fail "an escape sequence reached the log raw"
grep -q 'latest: h/evil\\x1b\[2J/gauge' "$WORK/collectd.log" \
  || fail "the refused name is not in the log, escaped: $(grep MaxSeries "$WORK/collectd.log")"
refused=$(sed -n 's/.*reached: \([0-9]*\) values of new series.*/\1/p' "$WORK/collectd.log" |
  awk '{ n += $1 } END { print n + 0 }')
[ "$refused" -eq 25 ] || fail "the log counts $refused refused values, 25 were sent"

: >"$WORK/collectd.log"
start_collectd
loaded() { grep -q "anomaly plugin: loaded" "$WORK/collectd.log"; }
wait_for 15 loaded || fail "the anomaly plugin did not start again"
grep -q "loaded 1 hosts, 2 series .* 0 set aside as damaged, 0 loaded without their damaged parts" \
  "$WORK/collectd.log" || fail "the state did not load whole: $(grep anomaly "$WORK/collectd.log")"
[ ! -e "$WORK/state/damaged" ] || fail "something was set aside: $(ls "$WORK/state/damaged")"
stop_collectd || fail "collectd exited with status $?"

# A calibration whose total is 3.4e38 (finite; it once spun a write thread
# for ever, holding its lock through SIGTERM): that series starts afresh,
# values go on, collectd stops when told.
python3 - "$WORK/state" <<'PY' || fail "editing the state failed"
import json, os, sys
d = sys.argv[1]
name = next(f for f in os.listdir(d) if f.startswith("host-h-") and f.endswith(".json"))
doc = json.load(open(os.path.join(d, name)))
series = next(v for v in doc["value_lists"] if v["plugin"] == "cpu")["series"][0]
series["calib"][0]["total"] = 3.4e38
json.dump(doc, open(os.path.join(d, name), "w"))
PY
: >"$WORK/collectd.log"
start_collectd
wait_for 15 loaded || fail "the anomaly plugin did not start a third time"
grep -q "1 damaged part started afresh (first: value_lists\[[0-9]\].series\[0\].calib.total: out of range)" \
  "$WORK/collectd.log" || fail "the absurd calibration was not refused: $(grep anomaly "$WORK/collectd.log")"
for i in $(seq 61 120); do echo "$((t + 60 * i)) 1$((i % 3))"; done |
  python3 "$here/putval.py" "$WORK/collectd.sock" h/cpu/gauge 60 >/dev/null \
  || fail "collectd stopped taking values"
stop_collectd || fail "collectd exited with status $?"
grep -q "state saved at shutdown: 1 hosts, 2 series" "$WORK/collectd.log" \
  || fail "the state was not saved: $(grep anomaly "$WORK/collectd.log")"
echo "PASS: hostile: values of 1e39 and 1.7e308 saved a state that loads whole; an escaped name, refusals counted; an absurd calibration costs its series only"
