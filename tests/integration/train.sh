#!/bin/bash
# Training from history: collectd-anomaly train reads what
# collectd stored and builds the state the plugin would have learned live.
#  - the real collectd, with the csv and rrdtool plugins writing and the
#    anomaly plugin learning, is fed two days of a host's values (gauges
#    and a DERIVE counter) over unixsock and stopped: its learned state is
#    saved;
#  - `train --csv` on the csv plugin's files gives the very same state
#    (every model, number for number, but the file's time and the wall-clock
#    arrival times);
#  - `train --rrd` on the rrdtool plugin's files gives a state the plugin
#    loads, with every value list of the host.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
daemon_test logfile unixsock csv rrdtool

start=$(( ($(date +%s) / 86400 - 4) * 86400 ))
rows=2880
{
  conf_header
  conf_log
  conf_unixsock
  cat <<EOC
LoadPlugin csv
<Plugin csv>
  DataDir "$WORK/csv"
  StoreRates false
</Plugin>
LoadPlugin rrdtool
<Plugin rrdtool>
  DataDir "$WORK/rrd"
</Plugin>
LoadPlugin anomaly
<Plugin anomaly>
  StateDir "$WORK/live"
  CheckpointInterval 0
</Plugin>
EOC
} >"$WORK/collectd.conf"
start_collectd
wait_for 15 test -S "$WORK/collectd.sock" || fail "collectd did not open its socket"

# value lists in name order, as train feeds values of one time
python3 - "$WORK/collectd.sock" "$start" "$rows" "$here" <<'PY' || fail "feeding collectd failed"
import math, random, socket, sys, time
path, start, rows = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
sys.path.insert(0, sys.argv[4])
from putval import connect, sync
rng = random.Random(13)
sock, reader = connect(path)
rx = tx = 10**9
def put(ident, t, values):
    sock.sendall(("PUTVAL train-host/%s interval=60 %d:%s\n" % (ident, t, values)).encode())
    answer = reader.readline()
    if not answer.startswith("0 "):
        sys.exit("collectd refused a value: " + answer)
for i in range(rows):
    t = start + 60 * i
    a = 50 + 10 * math.sin(2 * math.pi * i / 1440) + rng.gauss(0, 1)
    if i == 2000:
        a += 40
    rx += int(6000 + 3000 * math.sin(2 * math.pi * i / 1440) + rng.gauss(0, 200))
    tx += int(3000 + 1500 * math.sin(2 * math.pi * i / 1440) + rng.gauss(0, 100))
    put("interface-eth0/if_octets", t, "%d:%d" % (rx, tx))
    put("test-a/gauge", t, "%.4f" % a)
    put("test-b/gauge", t, "%.4f" % (20 + rng.gauss(0, 0.5)))
    # the daemon's trainer must install each forest within the five
    # intervals of data after it falls due: each row is taken and the
    # trainer caught up before the next, whatever the machine's speed
    sync(sock, reader, "train-host", t)
PY
stop_collectd || fail "collectd exited with status $?"
grep -q "state saved at shutdown: 1 hosts, 4 series" "$WORK/collectd.log" \
  || fail "the live state was not saved"
ls "$WORK/csv/train-host/interface-eth0/" | grep -q '^if_octets-' || fail "no csv files"

# without types.db the counter would be learned as a gauge: refused
status=0
"$cmd" train --csv "$WORK/csv" -d "$WORK/untyped" --types-db "$WORK/csv" \
  >/dev/null 2>"$WORK/untyped.err" || status=$?
[ "$status" -eq 2 ] || fail "train without a readable types.db exited $status"
grep -q "counters would be learned as gauges" "$WORK/untyped.err" \
  || fail "train without types.db: $(cat "$WORK/untyped.err")"
[ ! -e "$WORK/untyped" ] || fail "train without types.db wrote a state"

"$cmd" train --csv "$WORK/csv" -d "$WORK/trained" >"$WORK/train.out" 2>"$WORK/train.err" \
  || { cat "$WORK/train.err" >&2; fail "train --csv failed"; }
grep -q "^train-host: 3 value lists, 4 series" "$WORK/train.out" || fail "train: $(cat "$WORK/train.out")"
python3 - "$WORK/live" "$WORK/trained" <<'PY' || fail "train --csv learned something else than collectd did live"
import json, os, sys
def load(d):
    f = [x for x in os.listdir(d) if x.startswith("host-train-host-") and x.endswith(".json")]
    doc = json.load(open(os.path.join(d, f[0])))
    for k in ("created", "writer"):
        doc.pop(k)
    for v in doc["value_lists"]:
        v.pop("last_arrival", None)
    return doc
def diff(a, b, path):
    if type(a) != type(b):
        return path
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return path + "/" + k
            d = diff(a[k], b[k], path + "/" + k)
            if d: return d
    elif isinstance(a, list):
        if len(a) != len(b):
            return path + " (length)"
        for i, (x, y) in enumerate(zip(a, b)):
            d = diff(x, y, "%s[%d]" % (path, i))
            if d: return d
    elif a != b:
        return "%s: %r vs %r" % (path, a, b)
    return None
live, trained = load(sys.argv[1]), load(sys.argv[2])
d = diff(live, trained, "")
if d:
    sys.exit("first difference at " + d)
forests = [v["forest"]["trainings"] for v in live["value_lists"] if "forest" in v]
assert forests and forests[0] >= 2, "the value list forest was not trained"
assert live["host"]["forest"]["trainings"] >= 1, "the host forest was not trained"
PY
echo "ok: train --csv = what collectd learned live"

"$cmd" train --rrd "$WORK/rrd" -d "$WORK/from-rrd" --host train-host >"$WORK/rrd.out" 2>"$WORK/rrd.err" \
  || { cat "$WORK/rrd.err" >&2; fail "train --rrd failed"; }
grep -q "^train-host: 3 value lists, 4 series" "$WORK/rrd.out" || fail "train --rrd: $(cat "$WORK/rrd.out")"
"$cmd" state -d "$WORK/from-rrd" show train-host >"$WORK/rrd.json" || fail "state show of the RRD state"
python3 - "$WORK/rrd.json" <<'PY' || fail "the state from RRD files is not a learned state"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["series_count"] == 4, d["series_count"]
assert all(s["values_learned"] >= 1000 for s in d["series_detail"]), d["series_detail"]
PY
# and the plugin loads it
sed -i "s|StateDir \"$WORK/live\"|StateDir \"$WORK/from-rrd\"|" "$WORK/collectd.conf"
: >"$WORK/collectd.log"
start_collectd
loaded() { grep -q "anomaly plugin: loaded" "$WORK/collectd.log"; }
wait_for 15 loaded || fail "collectd did not start with the RRD state"
grep -q "loaded 1 hosts, 4 series" "$WORK/collectd.log" || fail "$(grep anomaly "$WORK/collectd.log")"
stop_collectd || fail "collectd exited with status $?"
echo "PASS: train: --csv learns exactly what collectd learned live; --rrd gives a state collectd loads"
