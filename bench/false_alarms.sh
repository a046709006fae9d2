#!/bin/bash
# False notifications on anomaly-free data: every notification onset (OKAY to
# WARNING or FAILURE) on data that holds no anomaly is a false one.
#
# usage: bench/false_alarms.sh REPLAY_COMMAND [ARG...]
#   e.g. bench/false_alarms.sh build/gcc/src/collectd-anomaly replay
# Replays the NAB files without anomalies and 30 days of each kind of
# synthetic series (bench/synthetic.py, 1-minute data) and prints onsets per
# series-day: after the first day (warm-up), and after the first week
# (steady state: the weekly profile has seen a week).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
nab="$here/../../shared/data/nab/data"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 "$here/synthetic.py" "$work/synthetic" --days 30 --step 60

count() { # count COMMAND...: prints "onsets days onsets_after_week days"
  "$@" | awk -F, 'NR == 2 { first = $1 } NR > 1 {
      if (prev == "OKAY" && $3 != "OKAY" && $1 - first >= 86400) n++;
      if (prev == "OKAY" && $3 != "OKAY" && $1 - first >= 7 * 86400) w++;
      prev = $3; last = $1 }
    END { d = (last - first) / 86400;
          printf "%d %.2f %d %.2f\n", n, d - 1, w, (d > 7 ? d - 7 : 0) }'
}
rate() { if [ "$(echo "$2 > 0" | bc)" = 1 ]; then echo "$1 / $2" | bc -l; else echo 0; fi; }
epoch_csv() { # NAB files have calendar timestamps; the awk above wants epochs
  python3 -c '
import calendar, sys, time
lines = open(sys.argv[1]).read().split("\n")
print(lines[0])
for line in lines[1:]:
    if line:
        t, v = line.split(",", 1)
        print("%d,%s" % (calendar.timegm(time.strptime(t[:19], "%Y-%m-%d %H:%M:%S")), v))
' "$1"
}
total_onsets=0
total_days=0
week_onsets=0
week_days=0
printf '%-40s %7s %7s %8s | %7s %7s %8s\n' series onsets days per_day onsets days per_day
printf '%-40s %24s | %24s\n' "" "after day 1" "after day 7"
for f in "$nab"/artificialNoAnomaly/*.csv "$nab"/realAWSCloudwatch/ec2_cpu_utilization_c6585a.csv \
         "$work"/synthetic/*.csv; do
  name=$(basename "$f" .csv)
  if [[ "$f" == "$nab"/* ]]; then
    epoch_csv "$f" >"$work/$name.csv"
    f="$work/$name.csv"
  fi
  read -r onsets days wonsets wdays < <(count "$@" "$f")
  printf '%-40s %7d %7.2f %8.3f | %7d %7.2f %8.3f\n' "$name" "$onsets" "$days" \
    "$(rate "$onsets" "$days")" "$wonsets" "$wdays" "$(rate "$wonsets" "$wdays")"
  total_onsets=$((total_onsets + onsets))
  total_days=$(echo "$total_days + $days" | bc -l)
  week_onsets=$((week_onsets + wonsets))
  week_days=$(echo "$week_days + $wdays" | bc -l)
done
printf '%-40s %7d %7.2f %8.3f | %7d %7.2f %8.3f\n' "TOTAL per series" "$total_onsets" "$total_days" \
  "$(rate "$total_onsets" "$total_days")" "$week_onsets" "$week_days" "$(rate "$week_onsets" "$week_days")"

# All synthetic series as one host (one column each): the host's own
# notifications, which is what an operator receives by default.
paste -d, "$work"/synthetic/*.csv | awk -F, -v n="$(ls "$work"/synthetic/*.csv | wc -l)" '
  NR == 1 { printf "timestamp"; for (i = 1; i <= n; i++) printf ",synthetic/gauge-%d", i; print ""; next }
  { printf "%s", $1; for (i = 1; i <= n; i++) printf ",%s", $(2 * i); print "" }' >"$work/host.csv"
read -r onsets days wonsets wdays < <(count "$@" "$work/host.csv")
printf '%-40s %7d %7.2f %8.3f | %7d %7.2f %8.3f\n' "one host of $(ls "$work"/synthetic/*.csv | wc -l) synthetic series" \
  "$onsets" "$days" "$(rate "$onsets" "$days")" "$wonsets" "$wdays" "$(rate "$wonsets" "$wdays")"
