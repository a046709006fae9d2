#!/bin/bash
# Change analysis on the real collectd: did the patch hurt?
#  - three days of 5-minute history of two hosts replayed into a StateDir;
#    collectd loads it and is fed the next hours through unixsock;
#  - `collectd-anomaly change` announces a change on each through unixsock
#    (a PUTNOTIF the plugin takes as a marker) and confirms the watch
#    through the plugin's query socket;
#  - web1's CPU then runs 50 % above its usual day: at the watch's end one
#    WARNING names cpu/percent-user, the alarms in between say they
#    followed the change; web2 is unchanged and collectd restarts in the
#    middle of its watch (a reboot for the patch): its verdict still comes,
#    "no regression", over the whole watch;
#  - readiness lists the verdicts and is at CAUTION for web1's regression;
#    state show has them after collectd stopped;
#  - bad usage exits 2, an unreachable collectd 1; a change on an unknown
#    host is logged as not watched.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
daemon_test logfile unixsock exec

end=$(( $(date +%s) / 300 * 300 ))
marked=$(( end - 2 * 3600 - 1800 ))   # the change, 2.5 h before the end
python3 - "$end" "$marked" "$WORK" <<'PY'
import math, random, sys
end, marked, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
for host, seed, factor in (("web1", 1, 1.5), ("web2", 2, 1.0)):
    rng = random.Random(seed)
    with open("%s/%s.csv" % (work, host), "w") as f:
        print("timestamp,cpu/percent-user,users/users,memory/memory-used", file=f)
        for t in range(end - 3 * 86400, end + 1, 300):
            day = math.sin(2 * math.pi * (t % 86400) / 86400)
            cpu = 30 + 10 * day + rng.gauss(0, 1)
            if marked <= t < marked + 7200:
                cpu *= factor
            load = 20 + 5 * day + rng.gauss(0, 0.5)
            mem = 4e9 + rng.gauss(0, 1e7)
            print("%d,%.3f,%.3f,%.0f" % (t, cpu, load, mem), file=f)
PY
rows=$(($(wc -l <"$WORK/web1.csv") - 1))
before=$(( rows - (end - marked) / 300 - 13 )) # replayed: up to an hour before
for host in web1 web2; do
  head -n $((before + 1)) "$WORK/$host.csv" >"$WORK/$host-history.csv"
  "$cmd" replay --host "$host" --state "$WORK/state" "$WORK/$host-history.csv" >/dev/null \
    || fail "replay of $host's history failed"
done

write_state_conf
start_collectd
wait_for 15 test -S "$WORK/collectd.sock" || fail "collectd did not open its socket"
wait_for 15 grep -q "loaded 2 hosts, 6 series" "$WORK/collectd.log" \
  || fail "the replayed state was not loaded"
export FEED_INTERVAL=300 # the data's own
marker_row=$(( (marked - (end - 3 * 86400)) / 300 + 1 ))
for host in web1 web2; do
  feed_csv "$host" "$WORK/$host.csv" $((before + 1)) $((marker_row - 1)) \
    || fail "feeding $host failed"
done

# the change announced, as a deploy tool would
for host in web1 web2; do
  "$cmd" change "$host" "openssl 3.0.15 \"fips\"" --socket "$WORK/collectd.sock" \
    --time "$marked" --query "$WORK/anomaly.sock" >"$WORK/change-$host.out" \
    || { cat "$WORK/change-$host.out" >&2; fail "collectd-anomaly change $host failed"; }
  grep -q "^the anomaly plugin watches $host until " "$WORK/change-$host.out" \
    || { cat "$WORK/change-$host.out" >&2; fail "the watch on $host was not confirmed"; }
done
grep -qF 'change on web1: "openssl 3.0.15 "fips""; watching it for 120 minutes' \
  "$WORK/collectd.log" || fail "the marker was not logged: $(grep change "$WORK/collectd.log")"
"$cmd" change nobody "x" --socket "$WORK/collectd.sock" --query off >/dev/null \
  || fail "a change on an unknown host was refused by collectd"
wait_for 10 grep -q 'change on nobody: "x" not watched: no such host (yet)' "$WORK/collectd.log" \
  || fail "a change on an unknown host is not logged"

# web2's host reboots in its watch: an hour fed, collectd restarted, the rest
half=$(( marker_row + 12 ))
feed_csv web1 "$WORK/web1.csv" "$marker_row" "$rows" || fail "feeding web1 failed"
feed_csv web2 "$WORK/web2.csv" "$marker_row" "$half" || fail "feeding web2 failed"
regression() { grep -l "^TypeInstance: verdict" "$WORK"/notifications/* 2>/dev/null | xargs -r grep -l "^Host: web1" | grep .; }
wait_for 60 regression >/dev/null || fail "no verdict notified for web1"
file=$(regression | head -1)
grep -q '^Severity: WARNING' "$file" || { cat "$file" >&2; fail "web1's verdict is not a WARNING"; }
grep -q '^web1: after "openssl 3.0.15 "fips"": regression: cpu/percent-user +[0-9]* % against expected (1 series)' "$file" \
  || { cat "$file" >&2; fail "web1's verdict does not name the CPU"; }
grep -l '(after "openssl 3.0.15' "$WORK"/notifications/* | xargs -r grep -L "^Type: change" | grep -q . \
  || fail "no alarm in web1's watch says it followed the change"
"$cmd" readiness web1 --socket "$WORK/anomaly.sock" >"$WORK/ready1.out" || true
grep -q "the last change, \"openssl 3.0.15 .*\" of .*, regressed: cpu/percent-user +" "$WORK/ready1.out" \
  || { cat "$WORK/ready1.out" >&2; fail "readiness does not name web1's regression"; }
grep -q '^change of .*: after "openssl 3.0.15 .*": regression: cpu/percent-user' "$WORK/ready1.out" \
  || { cat "$WORK/ready1.out" >&2; fail "readiness does not list web1's change"; }
stop_collectd || fail "collectd exited with status $?"
grep -q '"status": "watching"' <("$cmd" state -d "$WORK/state" show web2) \
  || fail "web2's open watch was not saved at shutdown"

loads=$(grep -c "loaded 2 hosts, 6 series" "$WORK/collectd.log")
start_collectd
reloaded() { [ "$(grep -c "loaded 2 hosts, 6 series" "$WORK/collectd.log")" -gt "$loads" ]; }
wait_for 15 reloaded || fail "the state was not loaded again"
wait_for 15 test -S "$WORK/collectd.sock" || fail "collectd did not open its socket again"
feed_csv web2 "$WORK/web2.csv" $((half + 1)) "$rows" || fail "feeding web2 failed"
calm() { grep -l "^TypeInstance: verdict" "$WORK"/notifications/* 2>/dev/null | xargs -r grep -l "^Host: web2" | grep .; }
wait_for 60 calm >/dev/null || fail "no verdict notified for web2 after the restart"
file=$(calm | head -1)
grep -q '^Severity: OKAY' "$file" || { cat "$file" >&2; fail "web2's verdict is not OKAY"; }
grep -q '^web2: after "openssl 3.0.15 "fips"": no regression (3 series, 2.0 h)' "$file" \
  || { cat "$file" >&2; fail "web2's verdict: $(tail -1 "$file")"; }
stop_collectd || fail "collectd exited with status $?"
echo "ok: web1's regression named, web2 unchanged across a restart: no regression"

"$cmd" state -d "$WORK/state" show web1 >"$WORK/show.json"
python3 - "$WORK/show.json" <<'PY' || fail "state show does not have web1's verdict"
import json, sys
c = json.load(open(sys.argv[1]))["changes"]
assert len(c) == 1 and c[0]["status"] == "regression", c
assert c[0]["regression"][0]["series"] == "cpu/percent-user", c
assert c[0]["regression"][0]["percent"] > 20, c
PY

expect_exit 2 change
expect_exit 2 change web1
expect_exit 2 change web1 "$(printf 'two\nlines')"
expect_exit 2 change "web 1" x
expect_exit 2 change web1 x --time soon
expect_exit 1 change web1 x --socket "$WORK/no-such.sock"
grep -q "no-such.sock" "$WORK/err.out" || fail "an unreachable collectd is not explained"
echo "PASS: change: a marker through unixsock, a regression named at the watch's end, no regression across a restart, verdicts in readiness and state show; bad usage 2, no collectd 1"
