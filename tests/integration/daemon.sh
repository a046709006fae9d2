#!/bin/bash
# Integration test on the real collectd daemon, on loopback:
#  - both plugins load and start cleanly;
#  - statgrab values appear under collectd's native names (csv plugin);
#  - a series with a known spike, fed through the unixsock plugin with
#    explicit timestamps, produces a FAILURE notification from the anomaly
#    plugin with its meta data (exec plugin) and an OKAY after recovery;
#  - the risk metrics anomaly/gauge-risk and anomaly/percent-anomalous are
#    written, high at the spike;
#  - collectd stops cleanly on SIGTERM, and nothing was logged as an error.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
daemon_test logfile csv unixsock exec

{
  conf_header
  conf_feed_and_notify
  cat <<EOC
LoadPlugin csv
<Plugin csv>
  DataDir "$WORK/csv"
</Plugin>
LoadPlugin statgrab
LoadPlugin anomaly
<Plugin anomaly>
  Hits 1
  IncidentGap 10
  <Ignore>
    Host "integration-host"
  </Ignore>
</Plugin>
EOC
} >"$WORK/collectd.conf"

start_collectd
wait_for 15 test -S "$WORK/collectd.sock" || {
  cat "$WORK/stdout.log" "$WORK/collectd.log" 2>/dev/null
  fail "collectd did not open its socket"
}

# 300 values one second apart, ten minutes in the past: noise around 100,
# then a three-value spike at index 250.
t0=$(( $(date +%s) - 600 ))
spike_time=$(( t0 + 250 ))
awk -v t0="$t0" 'BEGIN {
  srand(1);
  for (i = 0; i < 300; i++) {
    v = 100 + (rand() + rand() + rand() - 1.5) * 2;
    if (i >= 250 && i < 253) v = 1000;
    printf "%d %.3f\n", t0 + i, v;
  }
}' | python3 "$here/putval.py" "$WORK/collectd.sock" spikehost/test-spike/gauge 1

# a load (types.db: 0 to 5000 each) near 0 with a spike: the band its
# message quotes must stop at 0, as the type does
awk -v t0="$t0" 'BEGIN {
  srand(2);
  for (i = 0; i < 300; i++) {
    v = (rand() + rand() + rand()) * 0.2;
    if (i >= 250 && i < 253) v = 40;
    printf "%d %.3f:%.3f:%.3f\n", t0 + i, v, v, v;
  }
}' | python3 "$here/putval.py" "$WORK/collectd.sock" loadhost/load/load 1

has_okay() { grep -ls '^Severity: OKAY' "$WORK"/notifications/* >/dev/null 2>&1; }
has_load() { grep -lsx 'Host: loadhost' "$WORK"/notifications/* >/dev/null 2>&1; }
has_cpu() { ls "$WORK"/csv/integration-host/cpu/percent-user-* >/dev/null 2>&1; }
wait_for 30 has_okay || {
  cat "$WORK/collectd.log"
  fail "no OKAY notification after the spike"
}
wait_for 15 has_cpu || fail "no statgrab CPU values"
wait_for 30 has_load || fail "no notification about the load's spike"
# every interval's risk is written, the last one once it goes stale (2 s)
risk_rows() { cat "$WORK"/csv/spikehost/anomaly/gauge-risk-* 2>/dev/null | grep -c '^[0-9]'; }
all_risks() { [ "$(risk_rows)" -ge 300 ]; }
wait_for 20 all_risks || fail "only $(risk_rows) of 300 risk values written"
stop_collectd || fail "collectd exited with status $?"

# --- notifications --------------------------------------------------------------
notes=$(for f in $(grep -lx 'Host: spikehost' "$WORK"/notifications/* | sort); do cat "$f"; echo "=="; done)
load_notes=$(for f in $(grep -lx 'Host: loadhost' "$WORK"/notifications/* | sort); do cat "$f"; echo "=="; done)
printf '%s\n' "$load_notes" | grep -q 'load/load:[a-z]* = 40, expected [^(]* (0\.\.' \
  || fail "the load's band is not held at 0 as its type is: $load_notes"
failure=$(printf '%s\n' "$notes" | awk '/^Severity: FAILURE/,/^==$/')
[ -n "$failure" ] || fail "no FAILURE notification: $notes"
for line in "Host: spikehost" "Plugin: anomaly" "level: HIGH" \
            "series: test-spike/gauge"; do
  printf '%s\n' "$failure" | grep -qx "$line" || fail "FAILURE notification lacks '$line': $failure"
done
printf '%s\n' "$failure" | grep '^assessment: ' | sed 's/^assessment: //' |
  python3 -c 'import json, sys; d = json.load(sys.stdin); assert d["predicted_risk_level"] == "HIGH" and d["driver"]["series"] == "test-spike/gauge", d' \
  || fail "FAILURE notification lacks a valid JSON assessment"
printf '%s\n' "$failure" | grep -q "^detectors: .*sliding_window" \
  || fail "FAILURE notification does not name the sliding window detector"
for meta in risk confidence consensus observed expected; do
  printf '%s\n' "$failure" | grep -q "^$meta: " || fail "FAILURE notification lacks meta '$meta'"
done
printf '%s\n' "$failure" | grep -q "test-spike/gauge = 1000, expected" \
  || fail "message does not say seen against expected: $failure"
printf '%s\n' "$failure" | grep -q "^Time: $spike_time" \
  || fail "FAILURE not at the spike's time $spike_time: $failure"
okay=$(printf '%s\n' "$notes" | awk '/^Severity: OKAY/,/^==$/')
printf '%s\n' "$okay" | grep -qx "Host: spikehost" || fail "OKAY is not about spikehost"
count=$(printf '%s\n' "$notes" | grep -c '^Severity: ')
[ "$count" -eq 2 ] || fail "expected exactly FAILURE and OKAY, got $count notifications: $notes"

# --- risk metrics -------------------------------------------------------------
risk=$(cat "$WORK"/csv/spikehost/anomaly/gauge-risk-*)
pct=$(cat "$WORK"/csv/spikehost/anomaly/percent-anomalous-*)
printf '%s\n' "$risk" | awk -F, -v t="$spike_time" '/^[0-9]/ && int($1) == t && $2 >= 0.6 {ok = 1} END {exit !ok}' \
  || fail "risk at the spike is not HIGH"
printf '%s\n' "$risk" | awk -F, -v t="$spike_time" '/^[0-9]/ && int($1) < t - 5 && $2 >= 0.4 {bad = 1} END {exit bad}' \
  || fail "risk was raised before the spike"
printf '%s\n' "$pct" | awk -F, -v t="$spike_time" '/^[0-9]/ && int($1) == t && $2 == 100 {ok = 1} END {exit !ok}' \
  || fail "percent-anomalous at the spike is not 100"

# --- statgrab under collectd's native names ---------------------------------------
for f in cpu/percent-user cpu/percent-idle memory/memory-used memory/memory-free \
         swap/swap-used load/load df-root/df_complex-used df-root/df_complex-free \
         interface-lo/if_octets interface-lo/if_packets interface-lo/if_errors \
         processes/ps_state-running users/users contextswitch/contextswitch; do
  ls "$WORK"/csv/integration-host/$f-* >/dev/null 2>&1 || fail "no statgrab values for $f"
done
ls -d "$WORK"/csv/integration-host/disk-* >/dev/null 2>&1 || fail "no disk values"
# the Ignore rule kept the anomaly plugin off this host's own series
[ ! -d "$WORK/csv/integration-host/anomaly" ] || fail "Ignore Host was not honoured"

# --- clean start and stop ------------------------------------------------------------
grep -q "anomaly plugin: watching up to" "$WORK/collectd.log" || fail "anomaly did not start"
grep -q "Exiting normally" "$WORK/collectd.log" || fail "collectd did not exit normally"
if grep -E '\[(error|warning)\]|Value too old' "$WORK/collectd.log"; then
  fail "errors, warnings or dropped values were logged"
fi
echo "PASS: daemon: notifications, risk metrics, statgrab names, clean stop"
