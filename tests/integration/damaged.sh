#!/bin/bash
# Damaged state files: a StateDir whose files are empty, truncated, not
# JSON, of another format, an unknown version, another kind, or named for
# another host, and two whose one series has a field of a wrong type or a
# huge number. collectd starts, logs each file with its name and reason;
# the seven it cannot use at all are moved to damaged/ (kept, never
# deleted) and their hosts start afresh; the two with one damaged series
# are loaded without it (it starts afresh, the other series keeps what it
# learned) and a copy of each is kept in damaged/; the good one loads; and
# collectd goes on working.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
daemon_test logfile unixsock

python3 - >"$WORK/data.csv" <<'PY'
import random
rng = random.Random(3)
print("timestamp,test-a/gauge,test-b/gauge")
for i in range(600):
    print("%d,%.4f,%.4f" % (1700000000 + 60 * i, 50 + rng.gauss(0, 1), 20 + rng.gauss(0, 1)))
PY
kinds="empty truncated notjson format version kind types huge misnamed"
for h in good $kinds; do
  "$cmd" replay --host "$h" --state "$WORK/state" "$WORK/data.csv" >/dev/null \
    || fail "replay for $h failed"
done
file_of() { ls "$WORK/state" | grep -E "^host-$1-[0-9a-f]{16}\.json$"; }
python3 - "$WORK/state" $kinds <<'PY'
import json, os, sys
d = sys.argv[1]
def path(host):
    return os.path.join(d, next(f for f in os.listdir(d)
        if f.startswith("host-%s-" % host) and f.endswith(".json")))
def edit(host, change):
    p = path(host)
    doc = json.load(open(p))
    change(doc)
    open(p, "w").write(json.dumps(doc))
open(path("empty"), "w").close()
p = path("truncated"); text = open(p).read(); open(p, "w").write(text[: len(text) // 2])
open(path("notjson"), "w").write("this is not JSON\n")
edit("format", lambda d: d.update(format="something-else"))
edit("version", lambda d: d.update(version=99))
edit("kind", lambda d: d.update(kind="series"))
edit("types", lambda d: d["value_lists"][0]["series"][0].update(window="full"))
edit("huge", lambda d: d["value_lists"][0]["series"][0]["window"].update(fill=1e300))
edit("misnamed", lambda d: (d.update(identifier="someone-else"), d["host"].update(name="someone-else")))
PY

{
  conf_header
  conf_log
  conf_unixsock
  cat <<EOC
LoadPlugin anomaly
<Plugin anomaly>
  StateDir "$WORK/state"
</Plugin>
EOC
} >"$WORK/collectd.conf"
start_collectd
wait_for 15 test -S "$WORK/collectd.sock" || { cat "$WORK/collectd.log" >&2; fail "collectd did not start"; }
loaded() { grep -q "anomaly plugin: loaded" "$WORK/collectd.log"; }
wait_for 15 loaded || fail "the anomaly plugin did not start"
grep -q "loaded 3 hosts, 6 series" "$WORK/collectd.log" || fail "the good hosts were not loaded"
grep -q "7 set aside as damaged, 2 loaded without their damaged parts" "$WORK/collectd.log" \
  || fail "not every damaged file was set aside"
expect_reason() { # HOST REASON
  local name
  name=$(ls "$WORK/state/damaged" | grep -E "^host-$1-" | sed 's/\.json\..*/.json/')
  [ -n "$name" ] || fail "$1: not moved to damaged/"
  grep "state file $WORK/state/$name: .*$2.*moved to $WORK/state/damaged/$name" \
    "$WORK/collectd.log" >/dev/null || fail "$1: no log line naming $name with \"$2\""
  [ ! -e "$WORK/state/$name" ] || fail "$1: still in the state directory"
}
expect_part() { # HOST REASON: loaded without the damaged series, a copy kept
  local name
  name=$(file_of "$1")
  [ -n "$name" ] || fail "$1: its file is gone"
  grep "state file $WORK/state/$name: 1 damaged part started afresh (first: $2); the rest of host \"$1\" is loaded, 2 series; a copy is kept as $WORK/state/damaged/$name\." \
    "$WORK/collectd.log" >/dev/null || fail "$1: no log line naming $name with \"$2\""
  ls "$WORK/state/damaged" | grep -q "^$name\." || fail "$1: no copy in damaged/"
}
expect_reason empty "empty"
expect_reason truncated "not JSON"
expect_reason notjson "not JSON"
expect_reason format "not a collectd-anomaly state file"
expect_reason version "format version 99, this build reads 1"
expect_reason kind "not a \"host\" state file"
expect_reason misnamed "not its host's"
expect_part types "value_lists\[0\].series\[0\].window: not an object"
expect_part huge "value_lists\[0\].series\[0\].window.fill: not an integer"
[ "$(stat -c %a "$WORK/state/damaged")" = 700 ] || fail "damaged/ is not mode 0700"
# still working: a value for the host of a damaged series goes on
python3 "$here/putval.py" "$WORK/collectd.sock" types/test-a/gauge 60 <<<"1700100000 5" \
  || fail "collectd stopped taking values"
stop_collectd || fail "collectd exited with status $?"
grep -q "state saved at shutdown: 3 hosts, 6 series" "$WORK/collectd.log" \
  || fail "the state was not saved at shutdown"
echo "PASS: damaged: 7 kinds of unusable state files logged and set aside, 2 with a damaged series loaded without it, collectd went on"
