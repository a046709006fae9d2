#!/bin/bash
# Time to exhaustion on the real collectd:
#  - a 100 GiB filesystem filling 5 GiB a day, as collectd's df plugin
#    reports it (df-root/df_complex-used, -free, -reserved): 2.9 days of
#    5-minute history replayed into a StateDir, collectd loads it and is fed
#    the next 12 hours through unixsock;
#  - when about 7 days are left (65 GiB) one WARNING (and no second one
#    after collectd restarts, its state saved and loaded) under the series' own
#    identifier says when it will be full, how fast it fills and what to
#    do before then (also as meta data); the
#    anomaly/timeleft-df-root.df_complex-used metric (csv plugin) says the
#    same in seconds, and write_prometheus exposes it under the name the
#    shipped rules and dashboard use; a flat filesystem beside it gets
#    neither;
#  - the query endpoint's SERIES and state show give the trend and a
#    forecast that climbs with it; state patterns calls the filling one
#    trending up and the flat one stable.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
daemon_test logfile unixsock exec csv write_prometheus

end=$(( $(date +%s) / 300 * 300 ))
start=$(( end - 3 * 86400 - 43200 ))
python3 - "$start" "$end" "$WORK" <<'PY'
import random, sys
start, end, work = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
GIB = 1 << 30
rng = random.Random(7)
with open("%s/files1.csv" % work, "w") as f:
    print("timestamp,df-root/df_complex-used,df-root/df_complex-free,"
          "df-root/df_complex-reserved,df-data/df_complex-used,"
          "df-data/df_complex-free,df-data/df_complex-reserved", file=f)
    for t in range(start, end + 1, 300):
        used = 50 * GIB + 5 * GIB * (t - start) / 86400 + rng.gauss(0, 2e7)
        flat = 30 * GIB + rng.gauss(0, 2e7)
        print("%d,%.0f,%.0f,%.0f,%.0f,%.0f,%.0f" % (
            t, used, 95 * GIB - used, 5 * GIB, flat, 95 * GIB - flat, 5 * GIB), file=f)
PY
rows=$(($(wc -l <"$WORK/files1.csv") - 1))
history=$(( 2 * 288 + 259 ))  # 2.9 days: 64.5 GiB, 7.1 days left
head -n $((history + 1)) "$WORK/files1.csv" >"$WORK/history.csv"
"$cmd" replay --host files1 --state "$WORK/state" "$WORK/history.csv" >/dev/null \
  || fail "replay of the history failed"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
{
  conf_header
  conf_feed_and_notify
  cat <<EOC
LoadPlugin write_prometheus
<Plugin write_prometheus>
  Host "127.0.0.1"
  Port "$port"
  StalenessDelta 86400
</Plugin>
LoadPlugin csv
<Plugin csv>
  DataDir "$WORK/csv"
</Plugin>
LoadPlugin anomaly
<Plugin anomaly>
  StateDir "$WORK/state"
  CheckpointInterval 0
</Plugin>
EOC
} >"$WORK/collectd.conf"
start_collectd
wait_for 15 test -S "$WORK/collectd.sock" || fail "collectd did not open its socket"
wait_for 15 grep -q "loaded 1 hosts, 6 series" "$WORK/collectd.log" \
  || fail "the replayed state was not loaded: $(grep anomaly "$WORK/collectd.log")"
export FEED_INTERVAL=300 # the data's own
half=$(( rows - 72 )) # 6 hours before the end
feed_csv files1 "$WORK/files1.csv" $((history + 1)) "$half" || fail "feeding failed"

warned() { grep -l "^Type: df_complex" "$WORK"/notifications/* 2>/dev/null | xargs -r grep -l "will reach"; }
wait_for 30 warned >/dev/null || fail "no exhaustion notification: $(ls "$WORK/notifications")"
# a restart (the state saved at shutdown, loaded again) does not warn again
stop_collectd || fail "collectd exited with status $?"
loads=$(grep -c "loaded 1 hosts, 6 series" "$WORK/collectd.log")
start_collectd
reloaded() { [ "$(grep -c "loaded 1 hosts, 6 series" "$WORK/collectd.log")" -gt "$loads" ]; }
wait_for 15 reloaded || fail "the state was not loaded again"
wait_for 15 test -S "$WORK/collectd.sock" || fail "collectd did not open its socket again"
feed_csv files1 "$WORK/files1.csv" $((half + 1)) "$rows" || fail "feeding the rest failed"
[ "$(warned | wc -l)" -eq 1 ] || fail "$(warned | wc -l) exhaustion notifications, not one"
file=$(warned)
grep -q '^Severity: WARNING' "$file" || { cat "$file" >&2; fail "not a WARNING"; }
grep -q '^PluginInstance: root' "$file" || { cat "$file" >&2; fail "not the filling filesystem"; }
grep -q '^TypeInstance: used' "$file" || { cat "$file" >&2; fail "not the used part"; }
grep -Eq '^Host files1: df-root/df_complex-used will reach 100 % in about [67]\.[0-9] days \(90 % interval [0-9.]+( (days|h))?-[0-9.]+ days\) at \+[45]\.[0-9]+ GiB/day; suggested: find what grows \(du -x -d2 / \| sort -h\), rotate or delete it, or extend the filesystem before [A-Z][a-z]{2} [0-9]{2} [A-Z][a-z]{2} [0-9:]{5} UTC$' "$file" \
  || { cat "$file" >&2; fail "the message does not say when, how fast and what to do"; }
grep -q '^suggestion: find what grows' "$file" || { cat "$file" >&2; fail "no suggestion in the meta data"; }
grep -l "PluginInstance: data" "$WORK"/notifications/* 2>/dev/null | xargs -r grep -l "will reach" | grep -q . \
  && fail "the flat filesystem was said to fill up"

metric() { cat "$WORK"/csv/files1/anomaly/timeleft-df-root.df_complex-used-* 2>/dev/null | grep '^[0-9]' | tail -1; }
wait_for 15 metric >/dev/null || fail "no timeleft metric: $(ls "$WORK"/csv/files1/anomaly/)"
python3 - "$(metric)" <<'PY' || fail "timeleft is not the time left: $(metric)"
import sys
seconds = float(sys.argv[1].split(",")[1])
# 67 GiB used at the end, 33 to go at 5 a day: 6.6 days
assert abs(seconds / 86400 - 6.6) < 0.7, seconds / 86400
PY
ls "$WORK"/csv/files1/anomaly/timeleft-df-data* >/dev/null 2>&1 \
  && fail "the flat filesystem has a time left"
python3 - "$port" >"$WORK/metrics.txt" <<'PY' || fail "write_prometheus did not answer"
import sys, urllib.request
print(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read().decode())
PY
grep -q '^collectd_anomaly_timeleft{anomaly="df-root.df_complex-used",instance="files1"} ' "$WORK/metrics.txt" \
  || { grep timeleft "$WORK/metrics.txt" >&2; fail "write_prometheus does not expose the time left as the rules expect"; }
grep -q 'collectd_anomaly_timeleft{anomaly="df-data' "$WORK/metrics.txt" \
  && fail "write_prometheus exposes a time left for the flat filesystem"

printf 'SERIES files1/df-root/df_complex-used\n' | python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read()); print(s.makefile().readline())' "$WORK/anomaly.sock" >"$WORK/series.json" \
  || fail "the query socket did not answer"
python3 - "$WORK/series.json" <<'PY' || fail "SERIES has no trend: $(cat "$WORK/series.json")"
import json, sys
o = json.load(open(sys.argv[1]))
assert abs(o["trend_per_day"] / (1 << 30) - 5) < 0.5, o
PY
stop_collectd || fail "collectd exited with status $?"

"$cmd" state -d "$WORK/state" show files1 --hours 48 >"$WORK/show.json"
python3 - "$WORK/show.json" <<'PY' || fail "state show does not follow the trend"
import json, sys
host = json.load(open(sys.argv[1]))
s = [s for s in host["series_detail"] if s["series"] == "df-root/df_complex-used"]
assert s, "no df-root/df_complex-used in state show"
e = s[0]["expect"]
assert len(e) == 48, len(e)
rise = (e[-1]["value"] - e[0]["value"]) / (1 << 30) * 24 / 47  # a day
assert 4 < rise < 6, rise
assert e[-1]["high"] - e[-1]["low"] > e[0]["high"] - e[0]["low"], e
assert abs(s[0]["trend_per_day"] / (1 << 30) - 5) < 0.5, s[0]["trend_per_day"]
PY
"$cmd" state -d "$WORK/state" patterns files1 >"$WORK/patterns.out" \
  || fail "state patterns failed"
grep -Eq '^trending up +[0-9.]+  df-root/df_complex-used +\+[45](\.[0-9]+)? GiB/day$' "$WORK/patterns.out" \
  || { cat "$WORK/patterns.out" >&2; fail "the filling filesystem is not trending up"; }
grep -Eq '^stable +[0-9.]+  df-data/df_complex-used ' "$WORK/patterns.out" \
  || { cat "$WORK/patterns.out" >&2; fail "the flat filesystem is not stable"; }
expect_exit 1 state -d "$WORK/state" patterns nobody
echo "PASS: exhaustion: a filling filesystem warned once with its time left and rate, timeleft metric written, a flat one quiet; the trend in SERIES and state show"
