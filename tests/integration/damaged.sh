#!/bin/bash
# Damaged state files (issue 5): a StateDir whose files are empty,
# truncated, not JSON, of another format, an unknown version, another kind,
# of wrong types, with huge numbers, or named for another host. collectd
# starts, logs each one with its name and reason, moves it to damaged/
# (kept, never deleted), starts those hosts afresh, loads the good one, and
# goes on working.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
require_collectd
command -v python3 >/dev/null || fail "python3 is needed"
cmd="$top_builddir/src/collectd-anomaly"
make_workdir
install_plugins logfile unixsock

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
grep -q "loaded 1 hosts, 2 series" "$WORK/collectd.log" || fail "the good host was not loaded"
grep -q "9 set aside as damaged" "$WORK/collectd.log" || fail "not every damaged file was set aside"
expect_reason() { # HOST REASON
  local name
  name=$(ls "$WORK/state/damaged" | grep -E "^host-$1-" | sed 's/\.json\..*/.json/')
  [ -n "$name" ] || fail "$1: not moved to damaged/"
  grep "state file $WORK/state/$name: .*$2.*moved to $WORK/state/damaged/$name" \
    "$WORK/collectd.log" >/dev/null || fail "$1: no log line naming $name with \"$2\""
}
expect_reason empty "empty"
expect_reason truncated "not JSON"
expect_reason notjson "not JSON"
expect_reason format "not a collectd-anomaly state file"
expect_reason version "format version 99, this build reads 1"
expect_reason kind "not a \"host\" state file"
expect_reason types "value_lists\\[0\\].series\\[0\\].window: not an object"
expect_reason huge "window.fill: not an integer"
expect_reason misnamed "not its host's"
[ "$(stat -c %a "$WORK/state/damaged")" = 700 ] || fail "damaged/ is not mode 0700"
# still working: a value for a damaged host starts it afresh
python3 "$here/putval.py" "$WORK/collectd.sock" types/test-a/gauge 60 <<<"1700100000 5" \
  || fail "collectd stopped taking values"
stop_collectd || fail "collectd exited with status $?"
grep -q "state saved at shutdown: 2 hosts, 3 series" "$WORK/collectd.log" \
  || fail "the state was not saved at shutdown"
echo "PASS: damaged: 9 kinds of damaged state files logged and set aside, collectd went on"
