#!/bin/bash
# ./demo.sh: set up what is missing, build, and run the Debian collectd in the
# foreground with the statgrab and anomaly plugins (conf/demo.conf). Values,
# risk metrics and notifications are printed as they happen; Ctrl-C stops it.
#
# To provoke an anomaly while it runs, in a second terminal:
#   ./demo.sh burn [SECONDS]   load every CPU for SECONDS (default 60)
set -euo pipefail
cd "$(dirname "$0")"

if [ "${1:-}" = "burn" ]; then
  seconds=${2:-60}
  cpus=$(nproc)
  echo "burning $cpus CPUs for $seconds s (Ctrl-C stops early)"
  pids=""
  for _ in $(seq "$cpus"); do
    timeout "$seconds" sh -c 'while :; do :; done' &
    pids="$pids $!"
  done
  trap 'kill $pids 2>/dev/null' INT TERM
  wait
  exit 0
fi

. scripts/setup.sh
setup_install_packages
setup_build build/gcc

demo_dir="$PWD/build/demo"
mkdir -p "$demo_dir/plugins"
# collectd loads plugins from one directory and refuses symlinks: copy ours
# and the stock ones the demo uses.
cp build/gcc/.libs/anomaly.so build/gcc/.libs/statgrab.so "$demo_dir/plugins/"
for p in logfile csv match_regex; do
  cp "/usr/lib/collectd/$p.so" "$demo_dir/plugins/"
done
sed -e "s|@DEMO_DIR@|$demo_dir|g" -e "s|@TYPES_DB@|/usr/share/collectd/types.db|g" \
  conf/demo.conf >"$demo_dir/collectd.conf"

cat <<EOT

  collectd-anomaly demo: collectd $(/usr/sbin/collectd -h | sed -n 's/^collectd \([^,]*\),.*/\1/p') with statgrab and anomaly.
  Config: $demo_dir/collectd.conf

  Each series learns for 150 values (5 minutes at Interval 2) before it is
  scored; the host's risk is printed every interval (PUTVAL .../gauge-risk),
  notifications as lines with "Notification:".
  To provoke one, run in another terminal:   ./demo.sh burn 60
  Ctrl-C stops collectd.

EOT
exec /usr/sbin/collectd -f -C "$demo_dir/collectd.conf"
