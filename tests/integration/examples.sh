#!/bin/bash
# The example configurations (conf/): every fragment is accepted by the real
# collectd with our plugins and the stock ones it names; the exec example's
# script turns a notification into its line; the Prometheus rules and the
# Grafana dashboard parse, and the metric names they use are those
# write_prometheus exposes for the anomaly plugin's risk metrics.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
daemon_test logfile unixsock network exec notify_email write_http write_prometheus
conf="$top_srcdir/conf"

fragments=$(cd "$conf" && ls single-host.conf aggregator/*.conf notify/*.conf collectd.conf.d/anomaly.conf.example)
for fragment in $fragments; do
  sed -e "s|/var/lib/collectd/anomaly|$WORK/state|" \
      -e "s|/usr/share/doc/collectd-anomaly/examples/|$conf/|" \
      -e "s|\"9103\"|\"$((20000 + RANDOM % 20000))\"|" -e "s|aggregator.example.org|127.0.0.1|" \
      "$conf/$fragment" >"$WORK/fragment.conf"
  { conf_header; echo "Include \"$WORK/fragment.conf\""; } >"$WORK/collectd.conf"
  run_collectd -T -C "$WORK/collectd.conf" >"$WORK/t.out" 2>&1 \
    || { cat "$WORK/t.out" >&2; fail "collectd -T refuses conf/$fragment"; }
  grep -Ei 'error|unknown|failed' "$WORK/t.out" && fail "conf/$fragment: collectd complained"
done
echo "ok: $(wc -w <<<"$fragments") example fragments configured, initialised and read once by collectd -T"

# the exec example's script, given a notification as collectd's exec plugin
# writes it
ANOMALY_NOTIFY_OUT="$WORK/notify.out" "$conf/notify/anomaly-notify.sh" <<'EON'
Severity: FAILURE
Time: 1763900000.000
Host: web1
Plugin: anomaly
Type: gauge
TypeInstance: risk

Host web1: cpu-0/percent-user = 97.2, expected 12.4 (3.1..21.7); risk 0.93 HIGH by sliding_window,seasonal; 1 of 57 series anomalous
EON
grep -qx 'anomaly FAILURE host=web1: Host web1: cpu-0/percent-user = 97.2, expected 12.4 (3.1..21.7); risk 0.93 HIGH by sliding_window,seasonal; 1 of 57 series anomalous' \
  "$WORK/notify.out" || fail "anomaly-notify.sh wrote: $(cat "$WORK/notify.out")"
echo "ok: the exec example's script"

# write_prometheus with the anomaly plugin: the names the rules and the
# dashboard use are the ones exposed
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
sed "s|\"9103\"|\"$port\"|" "$conf/notify/prometheus.conf" >"$WORK/prometheus.conf"
{
  conf_header
  conf_log
  conf_unixsock
  echo "Include \"$WORK/prometheus.conf\""
  printf 'LoadPlugin anomaly\n<Plugin anomaly>\n  Persist false\n</Plugin>\n'
} >"$WORK/collectd.conf"
start_collectd
wait_for 15 test -S "$WORK/collectd.sock" || fail "collectd did not start"
now=$(date +%s)
for i in $(seq 0 20); do echo "$((now - 30 + i)) $((i % 5))"; done |
  python3 "$here/putval.py" "$WORK/collectd.sock" prom-host/test/gauge 1 >/dev/null
exposed() {
  python3 - "$port" >"$WORK/metrics.txt" <<'PY'
import sys, urllib.request
print(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=5).read().decode())
PY
  grep -q '^collectd_anomaly_gauge{anomaly="risk",instance="prom-host"}' "$WORK/metrics.txt"
}
wait_for 20 exposed || { head -40 "$WORK/metrics.txt" >&2; fail "no collectd_anomaly_gauge for prom-host"; }
grep -q '^collectd_anomaly_percent{anomaly="anomalous",instance="prom-host"}' "$WORK/metrics.txt" \
  || fail "no collectd_anomaly_percent"
stop_collectd || fail "collectd exited with status $?"
python3 - "$conf/notify/prometheus-rules.yml" "$conf/notify/grafana-dashboard.json" <<'PY' \
  || fail "the rules or the dashboard do not use the exposed names"
import json, re, sys
rules, dashboard = open(sys.argv[1]).read(), json.load(open(sys.argv[2]))
try:
    import yaml
    doc = yaml.safe_load(rules)
    exprs = [r["expr"] for g in doc["groups"] for r in g["rules"]]
except ImportError:  # python3-yaml absent: the expressions by pattern
    exprs = re.findall(r"expr: (.*)", rules)
exprs += [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
names = set(re.findall(r"collectd_anomaly_\w+", " ".join(exprs)))
# (collectd_anomaly_timeleft is exposed only for a series heading for its
# ceiling: tests/integration/exhaustion.sh sees it exposed)
assert names == {"collectd_anomaly_gauge", "collectd_anomaly_percent",
                 "collectd_anomaly_timeleft"}, names
for e in exprs:
    for m in re.findall(r'collectd_anomaly_(gauge|percent)\{([^}]*)\}', e):
        want = 'anomaly="risk"' if m[0] == "gauge" else 'anomaly="anomalous"'
        assert want in m[1], e
PY
echo "PASS: examples: fragments accepted, exec script, Prometheus names as exposed"
