#!/bin/bash
# Same behaviour, two builds: replays every NAB file through both commands
# (replay, --detail, and --events), trains a state from a csv plugin tree
# with both, and replays three files with --state in two parts with both;
# every output and every state file must be byte-identical, but for the
# state files' creation time and writer. For changes that must not change
# what the detectors do (a refactoring).
#
# usage: scripts/equivalence.sh BEFORE AFTER
#   BEFORE, AFTER: collectd-anomaly binaries, e.g. a worktree of the last
#   commit built beside this one
set -euo pipefail
[ $# -eq 2 ] || { sed -n '2,11p' "$0" >&2; exit 2; }
before=$1 after=$2
here=$(cd "$(dirname "$0")/.." && pwd)
nab="$here/../shared/data/nab/data"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
differ=0
same() { # same WHAT FILE_A FILE_B
  if ! cmp -s "$2" "$3"; then
    echo "DIFFERENT: $1" >&2
    diff "$2" "$3" | head -5 >&2
    differ=$((differ + 1))
  fi
}
# the state files without their envelope's time and writer
strip() {
  python3 -c '
import json, sys
for p in sys.argv[1:]:
    d = json.load(open(p))
    d.pop("created", None)
    d.pop("writer", None)
    print(p.split("/")[-1], json.dumps(d, sort_keys=True))' "$@"
}

files=0
for f in "$nab"/*/*.csv; do
  name=$(basename "$(dirname "$f")")-$(basename "$f" .csv)
  for build in before after; do
    cmd=${!build}
    "$cmd" replay --detail --events "$work/$build-$name.events" "$f" \
      >"$work/$build-$name.out" 2>"$work/$build-$name.err"
  done
  same "replay $name" "$work/before-$name.out" "$work/after-$name.out"
  same "events $name" "$work/before-$name.events" "$work/after-$name.events"
  same "messages $name" "$work/before-$name.err" "$work/after-$name.err"
  files=$((files + 1))
done

# state: replays in two parts, and train from a csv plugin tree
python3 - "$work/tree" <<'PY'
import math, os, random, sys
rng = random.Random(11)
base = os.path.join(sys.argv[1], "eq-host")
for d in ("interface-eth0", "load", "cpu-0"):
    os.makedirs(os.path.join(base, d))
rx = tx = 10 ** 9
with open(os.path.join(base, "interface-eth0", "if_octets-2023-11-15"), "w") as f, \
     open(os.path.join(base, "load", "load-2023-11-15"), "w") as g, \
     open(os.path.join(base, "cpu-0", "percent-user-2023-11-15"), "w") as h:
    f.write("epoch,rx,tx\n"); g.write("epoch,shortterm,midterm,longterm\n"); h.write("epoch,value\n")
    for i in range(1400):
        t = 1700006400 + 60 * i
        rx += int(6000 + 3000 * math.sin(i / 200) + rng.gauss(0, 200))
        tx += int(3000 + 1500 * math.sin(i / 200) + rng.gauss(0, 100)) + (40000 if 900 < i < 930 else 0)
        f.write("%d,%d,%d\n" % (t, rx, tx))
        g.write("%d,%.2f,%.2f,%.2f\n" % (t, 1 + rng.gauss(0, 0.1), 1, 1))
        h.write("%d,%.3f\n" % (t, 30 + 10 * math.sin(i / 100) + rng.gauss(0, 1)))
PY
for build in before after; do
  cmd=${!build}
  "$cmd" train --csv "$work/tree" -d "$work/$build-trained" >/dev/null
  for f in realKnownCause/machine_temperature_system_failure realTweets/Twitter_volume_AAPL \
           artificialWithAnomaly/art_daily_jumpsup; do
    head -3000 "$nab/$f.csv" >"$work/part1.csv"
    { head -1 "$nab/$f.csv"; tail -n +3001 "$nab/$f.csv"; } >"$work/part2.csv"
    for part in part1 part2; do
      "$cmd" replay --host "$(basename "$f")" --state "$work/$build-parts" \
        "$work/$part.csv" >/dev/null 2>&1
    done
  done
done
for d in trained parts; do
  strip "$work"/before-$d/host-*.json* >"$work/before-$d.states"
  strip "$work"/after-$d/host-*.json* >"$work/after-$d.states"
  same "state files ($d)" "$work/before-$d.states" "$work/after-$d.states"
done
states=$(cat "$work/before-trained.states" "$work/before-parts.states" | wc -l)
if [ "$differ" -gt 0 ]; then
  echo "FAIL: $differ of $((files * 3 + 2)) comparisons differ" >&2
  exit 1
fi
echo "ok: $files NAB files (replay with --detail, events, messages) and $states state files identical"
