#!/bin/bash
# collectd-anomaly readiness: "is it safe to patch this host now?" from
# what was learned.
#  - four weeks of history, with a backup every Sunday at 02:00 UTC and
#    incidents on three Mondays at 09:00, replayed into a StateDir: both
#    show among the host's risky hours; asked about next Monday 09:15 the
#    answer is CAUTION (exit 1), about a quiet hour READY (exit 0);
#  - the real collectd loads that state, is fed the last hours through
#    unixsock ending in a CPU burn that is still on: readiness reads the
#    StateDir while collectd runs (read only, never refused), and after
#    collectd stopped (the state saved at shutdown) says NOT READY (exit 2),
#    naming the open incident; --json has the assessment shape; the
#    plugin's query socket answers LIST, ASSESS, READINESS and SERIES while
#    collectd runs (readiness --socket: NOT READY during the burn) and
#    answers bad requests with an error, the daemon unaffected;
#  - bad usage exits 3, an unknown host 4.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
daemon_test logfile unixsock exec

# 15-minute data, ending at the last quarter hour before now
end=$(( $(date +%s) / 900 * 900 ))
python3 - "$end" >"$WORK/data.csv" <<'PY'
import random, sys
end = int(sys.argv[1])
rng = random.Random(5)
rows = 4 * 7 * 96
print("timestamp,cpu/percent-user,disk-sda/gauge-writes,memory/memory-used")
for i in range(rows):
    t = end - 900 * (rows - 1 - i)
    how = (t // 3600 + 72) % 168      # hour of the week, Monday 00:00 = 0
    weeks_ago = (end - t) // (7 * 86400)
    cpu = 20 + rng.gauss(0, 1.5)
    disk = 2000 + rng.gauss(0, 100)
    mem = 4e9 + rng.gauss(0, 2e7)
    if how == 146:                    # Sunday 02:00: the backup
        disk = 40000 + rng.gauss(0, 2000)
        cpu += 25
    if how == 9 and weeks_ago >= 1 and t % 3600 < 1800:  # Mondays 09:00
        cpu, mem = 95 + rng.gauss(0, 2), 7e9
    print("%d,%.3f,%.1f,%.0f" % (t, cpu, disk, mem))
PY
rows=$(($(wc -l <"$WORK/data.csv") - 1))
tail_rows=12 # fed to the daemon: the last three hours
head -n $((rows - tail_rows + 1)) "$WORK/data.csv" >"$WORK/history.csv"
"$cmd" replay --host web1 --state "$WORK/state" "$WORK/history.csv" >/dev/null \
  || fail "replay of the history failed"

# the next Monday 09:15 and the next Tuesday 03:30, UTC
read -r monday tuesday < <(python3 - "$end" <<'PY'
import sys
end = int(sys.argv[1])
def next_at(how, minute):
    t = end // 3600 * 3600
    while (t // 3600 + 72) % 168 != how:
        t += 3600
    return t + 60 * minute
print(next_at(9, 15), next_at(27, 30))
PY
)

status=0
"$cmd" readiness web1 -d "$WORK/state" --at "$monday" >"$WORK/monday.out" || status=$?
[ "$status" -eq 1 ] || { cat "$WORK/monday.out" >&2; fail "Monday 09:15: exit $status, expected 1 (CAUTION)"; }
grep -q "^web1: CAUTION at Mon " "$WORK/monday.out" || fail "Monday: $(head -1 "$WORK/monday.out")"
grep -q "Mon 09:00 UTC is a risky hour: in past weeks .* incidents opened" "$WORK/monday.out" \
  || { cat "$WORK/monday.out" >&2; fail "Monday 09:00 not named as a risky hour"; }
grep -q "^risky hours: Mon 09:00-10:00 UTC: incidents" "$WORK/monday.out" \
  || { cat "$WORK/monday.out" >&2; fail "Monday's incidents not among the risky hours"; }
grep -Eq "^risky hours: Sun 02:00-03:00 UTC:.* busy \(([2-9]|[1-9][0-9]+) series" "$WORK/monday.out" \
  || { cat "$WORK/monday.out" >&2; fail "Sunday's backup not among the risky hours"; }
grep -Eq "^next good window: Mon 1[0-9]:00-[0-9]{2}:00 UTC \(risk in past weeks 0\.[0-9]+\)" "$WORK/monday.out" \
  || { cat "$WORK/monday.out" >&2; fail "the next good window is not after the risky hour"; }
status=0
"$cmd" readiness web1 -d "$WORK/state" --at "$tuesday" >"$WORK/tuesday.out" || status=$?
[ "$status" -eq 0 ] || { cat "$WORK/tuesday.out" >&2; fail "Tuesday 03:30: exit $status, expected 0 (READY)"; }
echo "ok: from replayed history, Monday 09:15 CAUTION (exit 1), Tuesday 03:30 READY (exit 0); both risky hours shown"

# ---- the daemon: the state loaded, the last hours fed, a burn still on ----
# the HTTP listener on a free loopback port
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
write_state_conf "  <HTTP>
    Address \"127.0.0.1\"
    Port $port
  </HTTP>"
python3 - "$WORK/data.csv" "$tail_rows" >"$WORK/tail.csv" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
n = int(sys.argv[2])
print(lines[0])
for k, line in enumerate(lines[-n:]):
    f = line.split(",")
    if k >= n - 3:     # the last 45 minutes: the CPU burns
        f[1] = "99.000"
    print(",".join(f))
PY
start_collectd
wait_for 15 test -S "$WORK/collectd.sock" || fail "collectd did not open its socket"
loaded() { grep -q "loaded 1 hosts, 3 series" "$WORK/collectd.log"; }
wait_for 15 loaded || fail "the replayed state was not loaded"
feed_csv web1 "$WORK/tail.csv" || fail "feeding collectd failed"
failure() { grep -lq "^Severity: FAILURE" "$WORK"/notifications/* 2>/dev/null; }
wait_for 60 failure || fail "no FAILURE notified for the burn"
status=0
"$cmd" readiness web1 -d "$WORK/state" >"$WORK/running.out" 2>&1 || status=$?
[ "$status" -le 2 ] || { cat "$WORK/running.out" >&2; fail "readiness -d while collectd runs: exit $status"; }

# the live answer, through the plugin's query socket (BaseDir/anomaly.sock)
sock="$WORK/anomaly.sock"
[ -S "$sock" ] || fail "no query socket at $sock"
[ "$(stat -c %a "$sock")" = 660 ] || fail "the query socket's mode is $(stat -c %a "$sock"), not 660"
status=0
"$cmd" readiness web1 --socket "$sock" >"$WORK/live.out" || status=$?
[ "$status" -eq 2 ] || { cat "$WORK/live.out" >&2; fail "readiness --socket during the burn: exit $status, expected 2"; }
grep -q "open incident: FAILURE since .*, opened by cpu/percent-user" "$WORK/live.out" \
  || { cat "$WORK/live.out" >&2; fail "the live answer does not name the open incident"; }
python3 - "$sock" <<'PY' || fail "the query socket's answers"
import json, socket, sys
path = sys.argv[1]
def ask(*lines, raw=None):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(path)
    s.sendall(raw if raw is not None else "".join(l + "\n" for l in lines).encode())
    f = s.makefile("rb")
    out = [json.loads(f.readline()) for _ in range(max(1, len(lines)))]
    s.close()
    return out
hosts = ask("LIST")[0]["hosts"]
assert [h["host"] for h in hosts] == ["web1"] and hosts[0]["level"] == "FAILURE", hosts
assert hosts[0]["series"] == 3 and hosts[0]["driver"] == "cpu/percent-user", hosts
a, r, se = ask("ASSESS web1", "readiness web1 +7d", "SERIES web1/memory/memory-used")
assert a["level"] == "FAILURE" and a["predicted_risk_level"] == "HIGH", a
assert "patch_readiness" not in a and a["total_series"] == 3, a
assert r["ahead"] and r["patch_readiness"]["status"] in ("READY", "CAUTION"), r
assert se["series"] == "memory/memory-used" and se["lower"] < se["expected"] < se["upper"], se
assert se["values_learned"] > 2600, se
# bad requests: answered with an error, nothing echoed, the daemon unaffected
bad = ask("", "FROBNICATE", "ASSESS nobody", "SERIES web1/no/such", "ASSESS", "LIST a b c",
          "READINESS web1 soon", "ASSESS " + "x" * 200)
assert all("error" in b for b in bad), bad
assert ask(raw=b"ASSESS \xff\xfe\n")[0]["error"] == "request is not UTF-8"
assert ask(raw=b"A" * 5000)[0]["error"] == "request too long"
assert ask("LIST")[0]["hosts"][0]["host"] == "web1"
print("ok: LIST, ASSESS, READINESS, SERIES and bad requests on the query socket")
PY
# the same answers over HTTP
python3 - "$sock" "$port" <<'PY' || fail "the HTTP listener's answers"
import json, socket, sys, urllib.error, urllib.request
path, port = sys.argv[1], int(sys.argv[2])
base = "http://127.0.0.1:%d" % port
def get(url, method="GET"):
    req = urllib.request.Request(base + url, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get("Content-Type"), json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), json.loads(e.read())
def ask(line):
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(30)
    s.connect(path)
    s.sendall((line + "\n").encode())
    answer = json.loads(s.makefile("rb").readline())
    s.close()
    return answer
status, kind, hosts = get("/anomaly")
assert status == 200 and kind == "application/json", (status, kind)
assert hosts == ask("LIST"), (hosts, ask("LIST"))
status, _, a = get("/anomaly/web1")
assert status == 200 and a["level"] == "FAILURE", a
status, _, r = get("/readiness/web1")
assert status == 200 and r["patch_readiness"]["status"] == "NOT READY", r
assert r["patch_readiness"] == ask("READINESS web1")["patch_readiness"]
status, _, r = get("/readiness/web1?at=%2B7d")
assert status == 200 and r["ahead"], r
status, _, se = get("/series/web1/memory/memory-used")
assert status == 200 and se["series"] == "memory/memory-used", se
for url, want in (("/anomaly/nobody", 404), ("/series/web1/no/such", 404), ("/", 404),
                  ("/anomaly/web1%20LIST", 400), ("/readiness/web1?at=soon", 400),
                  ("/anomaly/" + "x" * 3000, 400)):
    status, _, e = get(url)
    assert status == want and "error" in e, (url, status, e)
status, _, e = get("/anomaly", method="POST")
assert status == 405 and "error" in e, (status, e)
assert get("/anomaly")[0] == 200
print("ok: /anomaly, /anomaly/HOST, /readiness/HOST, /series/... over HTTP as on the socket; 404, 400, 405")
PY
stop_collectd || fail "collectd exited with status $?"
[ ! -e "$sock" ] || fail "the query socket was left behind at shutdown"
grep -E '\[(error|warning)\]' "$WORK/collectd.log" && fail "errors or warnings were logged"

status=0
"$cmd" readiness web1 -d "$WORK/state" >"$WORK/now.out" || status=$?
[ "$status" -eq 2 ] || { cat "$WORK/now.out" >&2; fail "after the burn: exit $status, expected 2 (NOT READY)"; }
grep -q "^web1: NOT READY at " "$WORK/now.out" || fail "now: $(head -1 "$WORK/now.out")"
grep -q "open incident: FAILURE since .*, opened by cpu/percent-user" "$WORK/now.out" \
  || { cat "$WORK/now.out" >&2; fail "the open incident is not named"; }
status=0
"$cmd" readiness web1 -d "$WORK/state" --json >"$WORK/now.json" || status=$?
[ "$status" -eq 2 ] || fail "--json: exit $status, expected 2"
python3 - "$WORK/now.json" <<'PY' || fail "--json is not the assessment shape"
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("patch_time", "predicted_risk_level", "expected_anomalies", "confidence",
          "model_votes", "individual_predictions", "consensus_models", "patch_readiness"):
    assert k in d, k
assert d["host"] == "web1" and d["predicted_risk_level"] in ("MEDIUM", "HIGH"), d
pr = d["patch_readiness"]
assert pr["status"] == "NOT READY", pr
assert any("open incident" in r for r in pr["reasons"]), pr["reasons"]
assert pr["next_window"] is None or pr["next_window"]["text"].endswith("UTC")
hours = {(h["from"], tuple(h["reasons"])) for h in pr["risky_hours"]}
assert any(f == "Mon 09:00" and "incidents" in r for f, r in hours), hours
assert set(d["individual_predictions"]) == {"sliding_window", "seasonal", "isolation_forest"}
assert sum(d["model_votes"].values()) >= 1, d["model_votes"]
PY
# the shipped deploy hook refuses to run its command on NOT READY
hook="$top_srcdir/conf/deploy/patch-when-ready.sh"
status=0
COLLECTD_ANOMALY="$cmd" READINESS_ARGS="-d $WORK/state" \
  "$hook" web1 touch "$WORK/patched" >"$WORK/hook.out" 2>&1 || status=$?
[ "$status" -eq 2 ] && [ ! -e "$WORK/patched" ] \
  || { cat "$WORK/hook.out" >&2; fail "the deploy hook: exit $status on NOT READY"; }
grep -q "web1 is not ready (status 2): not running touch" "$WORK/hook.out" \
  || { cat "$WORK/hook.out" >&2; fail "the deploy hook does not say why"; }
echo "ok: the daemon loaded the replayed state, burned: NOT READY (exit 2) with the open incident, from the StateDir after it stopped"

# ---- usage and errors -------------------------------------------------------
expect_exit 3 readiness
expect_exit 3 readiness web1 -d "$WORK/state" --at "next tuesday"
grep -q -- '--at expects' "$WORK/err.out" || fail "a bad --at is not explained"
expect_exit 3 readiness web1 -d "$WORK/state" --window 0
expect_exit 3 readiness web1 --no-such-option
expect_exit 4 readiness nobody -d "$WORK/state"
grep -q "no such host" "$WORK/err.out" || fail "an unknown host is not explained: $(cat "$WORK/err.out")"
expect_exit 4 readiness web1 -d "$WORK/no-such-dir"
echo "PASS: readiness: risky hours learned from history, CAUTION / READY / NOT READY with exit 1 / 0 / 2, from a StateDir written by replay and by collectd; bad usage 3, unknown host 4"
