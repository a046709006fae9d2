#!/bin/bash
# Parity: the same series through `collectd-anomaly replay` and through the
# real collectd daemon (unixsock PUTVAL with explicit timestamps) give the
# same notifications: same times, severities and messages, in order.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
daemon_test logfile unixsock exec

# Two series of one host, 1-minute data for a day and a half, with a spike,
# a lasting level shift and a dip; values written with fixed decimals so that
# collectd and replay parse the very same numbers.
start=$(( ($(date +%s) / 86400 - 3) * 86400 ))
python3 - "$start" >"$WORK/data.csv" <<'PY'
import math, random, sys
start = int(sys.argv[1])
rng = random.Random(7)
print("timestamp,test-a/gauge,test-b/gauge")
for i in range(2160):
    t = start + 60 * i
    a = 50 + 10 * math.sin(2 * math.pi * i / 1440) + rng.gauss(0, 1)
    b = 20 + rng.gauss(0, 0.5)
    if i == 900:
        a += 40           # a spike
    if 1300 <= i:
        b += 8            # a level shift that stays
    if 1800 <= i < 1810:
        a -= 30           # a dip
    print("%d,%.4f,%.4f" % (t, a, b))
PY

"$cmd" replay --host parity-host --events "$WORK/replay.jsonl" "$WORK/data.csv" >/dev/null
expected=$(wc -l <"$WORK/replay.jsonl")
[ "$expected" -ge 4 ] || fail "replay gave only $expected notifications; the test data is too tame"

{
  conf_header
  conf_feed_and_notify
  cat <<EOC
LoadPlugin anomaly
EOC
} >"$WORK/collectd.conf"
start_collectd
wait_for 15 test -S "$WORK/collectd.sock" || fail "collectd did not open its socket"

# Row by row, column by column, as collectd would receive them. Forests
# trained in the daemon come into force five intervals of data time after
# they fell due (replay trains at once): after each row the feed waits for
# collectd to take it and flushes the anomaly plugin, which returns once
# its trainer has trained what fell due (live data leaves it five minutes;
# a fast feed, none, on a slow machine).
feed_csv parity-host "$WORK/data.csv" || fail "feeding collectd failed"

count() { ls "$WORK/notifications" | wc -l; }
all_in() { [ "$(count)" -ge "$expected" ]; }
wait_for 120 all_in || fail "collectd sent $(count) notifications, replay $expected"
sleep 3 # anything more would be a difference too
stop_collectd || fail "collectd exited with status $?"

same_notifications "$WORK/replay.jsonl" "replay and the daemon"
grep -E '\[(error|warning)\]' "$WORK/collectd.log" && fail "errors or warnings were logged"
echo "PASS: parity: $expected notifications, identical in replay and collectd"
