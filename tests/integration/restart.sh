#!/bin/bash
# Restart continuity: what the detectors learned survives a
# restart, so the same data gives the same notifications with a restart
# half-way as without one:
#  - replay in three parts, each carrying on from the last one's --state,
#    prints and notifies exactly what one replay of the whole does;
#  - the real collectd, fed the first half over unixsock, stopped (SIGTERM:
#    the state is saved at shutdown), started again (loaded in init) and fed
#    the rest, notifies exactly what the replay of the whole does;
#  - collectd-anomaly state list/show/rollback read and change that state,
#    and a rollback is refused while collectd runs.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
daemon_test logfile unixsock exec

# Three series of one host, 1-minute data for two days, with a spike, a
# lasting level shift, a dip and a broken relation, in fixed decimals.
start=$(( ($(date +%s) / 86400 - 4) * 86400 ))
python3 - "$start" >"$WORK/data.csv" <<'PY'
import math, random, sys
start = int(sys.argv[1])
rng = random.Random(11)
print("timestamp,test-a/gauge,test-b/gauge,test-c/gauge")
for i in range(2880):
    t = start + 60 * i
    a = 50 + 10 * math.sin(2 * math.pi * i / 1440) + rng.gauss(0, 1)
    b = 20 + rng.gauss(0, 0.5)
    c = 0.5 * a + rng.gauss(0, 0.3)
    if i in (900, 2000):
        a += 40           # spikes, one in each half
    if 1300 <= i:
        b += 8            # a level shift that stays
    if 2400 <= i < 2410:
        a -= 30           # a dip
    if 2600 <= i < 2620:
        c = 25 + rng.gauss(0, 0.3)  # c stops following a
    print("%d,%.4f,%.4f,%.4f" % (t, a, b, c))
PY
rows=2880
cut=1700 # the restart, after the first spike and the shift began

# ---- replay: whole, and in three parts ------------------------------------
"$cmd" replay --host restart-host --events "$WORK/whole.jsonl" "$WORK/data.csv" \
  >"$WORK/whole.out" 2>/dev/null
total=$(wc -l <"$WORK/whole.jsonl")
head -1 "$WORK/data.csv" >"$WORK/head.csv"
part() { # part FIRST_ROW LAST_ROW (1-based data rows) > csv
  cat "$WORK/head.csv"
  sed -n "$(($1 + 1)),$(($2 + 1))p" "$WORK/data.csv"
}
part 1 1000 >"$WORK/p1.csv"
part 1001 $cut >"$WORK/p2.csv"
part $((cut + 1)) $rows >"$WORK/p3.csv"
: >"$WORK/parts.out"
: >"$WORK/parts.jsonl"
for p in 1 2 3; do
  "$cmd" replay --host restart-host --state "$WORK/replay-state" \
    --events "$WORK/p$p.jsonl" "$WORK/p$p.csv" >"$WORK/p$p.out" \
    || fail "replay of part $p failed"
  if [ $p = 1 ]; then cat "$WORK/p$p.out"; else tail -n +2 "$WORK/p$p.out"; fi \
    >>"$WORK/parts.out"
  cat "$WORK/p$p.jsonl" >>"$WORK/parts.jsonl"
done
after_cut=$(wc -l <"$WORK/p3.jsonl")
[ "$total" -ge 6 ] && [ "$after_cut" -ge 2 ] \
  || fail "the data is too tame: $total notifications, $after_cut after the cut"
cmp -s "$WORK/whole.out" "$WORK/parts.out" \
  || { diff "$WORK/whole.out" "$WORK/parts.out" | head >&2; fail "replay in parts printed something else"; }
cmp -s "$WORK/whole.jsonl" "$WORK/parts.jsonl" \
  || { diff "$WORK/whole.jsonl" "$WORK/parts.jsonl" | head >&2; fail "replay in parts notified something else"; }
echo "ok: replay in three parts = one replay ($total notifications, $after_cut after the last cut)"

# ---- the daemon, stopped and started half-way -----------------------------
write_state_conf

feed() { # feed FIRST_ROW LAST_ROW
  feed_csv restart-host "$WORK/data.csv" "$1" "$2" || fail "feeding collectd failed"
}
count() { ls "$WORK/notifications" | wc -l; }
at_least() { [ "$(count)" -ge "$1" ]; }
cut_time=$(sed -n "$((cut + 1))p" "$WORK/data.csv" | cut -d, -f1)
before_cut=$(python3 -c '
import json, sys
print(sum(1 for l in open(sys.argv[1]) if json.loads(l)["epoch"] <= int(sys.argv[2])))' \
  "$WORK/whole.jsonl" "$cut_time")

start_collectd
wait_for 15 test -S "$WORK/collectd.sock" || fail "collectd did not open its socket"
feed 1 $cut
wait_for 120 at_least "$before_cut" || fail "first run: $(count) notifications, replay $before_cut"
sleep 1
stop_collectd || fail "collectd exited with status $?"
grep -q "state saved at shutdown: 1 hosts, 3 series" "$WORK/collectd.log" \
  || fail "no state saved at shutdown"
# the files say which program wrote them: this project's version, not the
# daemon's
version=$("$cmd" --version | cut -d' ' -f2)
python3 - "$WORK/state" "collectd anomaly plugin $version" <<'PY' \
  || fail "the state file does not name the plugin's version ($version)"
import json, os, sys
files = [f for f in os.listdir(sys.argv[1]) if f.endswith(".json")]
writers = {json.load(open(os.path.join(sys.argv[1], f)))["writer"] for f in files}
assert writers == {sys.argv[2]}, writers
PY

# the state, as the command sees it; a rollback waits for collectd to stop
"$cmd" state -d "$WORK/state" list >"$WORK/list.out" || fail "state list failed"
grep -Eq '^restart-host +3 +3 ' "$WORK/list.out" || { cat "$WORK/list.out" >&2; fail "state list"; }
"$cmd" state -d "$WORK/state" show restart-host --hours 2 >"$WORK/show.json" \
  || fail "state show failed"
python3 - "$WORK/show.json" <<'PY' || fail "state show is not what was learned"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["host"] == "restart-host" and d["series_count"] == 3, d
assert d["detectors"]["season"] == 1
for s in d["series_detail"]:
    assert s["values_learned"] == 1700, s
    assert len(s["expect"]) == 2, s
    for p in s["expect"]:
        assert p["low"] <= p["value"] <= p["high"]
PY

start_collectd
wait_for 15 test -S "$WORK/collectd.sock" || fail "collectd did not restart"
reloaded() { grep -q "loaded 1 hosts, 3 series" "$WORK/collectd.log"; }
wait_for 15 reloaded || fail "state not loaded"
if "$cmd" state -d "$WORK/state" rollback restart-host 2>"$WORK/rollback.err"; then
  fail "rollback ran while collectd holds the state directory"
fi
grep -q "in use by another process" "$WORK/rollback.err" || fail "rollback: $(cat "$WORK/rollback.err")"
feed $((cut + 1)) $rows
wait_for 120 at_least "$total" || fail "collectd sent $(count) notifications, replay $total"
sleep 3 # anything more would be a difference too
stop_collectd || fail "collectd exited with status $?"

same_notifications "$WORK/whole.jsonl" "collectd restarted half-way and one replay of the whole"
grep -E '\[(error|warning)\]' "$WORK/collectd.log" && fail "errors or warnings were logged"

# rollback, collectd stopped: the previous checkpoint (the first run's)
# becomes current, the one it replaced is kept as version 1
"$cmd" state -d "$WORK/state" rollback restart-host >/dev/null || fail "rollback failed"
"$cmd" state -d "$WORK/state" show restart-host | grep -q '"values_learned": 1700' \
  || fail "rollback did not bring back the first run's state"
"$cmd" state -d "$WORK/state" show restart-host --version 1 | grep -q '"values_learned": 2880' \
  || fail "the replaced state is not kept as version 1"
# remove: a host gone for good is no longer loaded, its files kept aside
"$cmd" state -d "$WORK/state" remove restart-host >/dev/null || fail "state remove failed"
"$cmd" state -d "$WORK/state" list | grep -q '^restart-host' && fail "removed host still listed"
[ "$(ls "$WORK/state/removed" | grep -c '^host-restart-host-')" -ge 2 ] \
  || fail "the removed files are not kept: $(ls "$WORK/state/removed")"
echo "PASS: restart: replay in parts and collectd restarted half-way give the same $total notifications; state list, show, rollback, remove"
