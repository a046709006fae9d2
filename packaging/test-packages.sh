#!/bin/bash
# Package test: builds the .deb and the .rpm from the release
# tarball, checks them (lintian; the rpm's file list), installs the .deb on
# this machine, runs collectd from the installed files with the installed
# example enabled and statgrab loaded, sees both plugins load and values
# flow (the anomaly plugin's risk metrics written by the csv plugin), and
# removes and purges the package, leaving nothing behind.
#
# usage: packaging/test-packages.sh BUILD_DIR   (a configured build tree)
# Needs root for the install (apt-get); without it, the build and checks
# run and the install is skipped, saying so. An installed collectd-anomaly
# is left alone (the install part is skipped).
set -euo pipefail
build=$(realpath "$1")
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/collectd-anomaly-pkg.XXXXXX")
chmod 755 "$work"
collectd_pid=""
cleanup() {
  [ -n "$collectd_pid" ] && kill "$collectd_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

rm -rf "$build/packages"
make -C "$build" -s deb >"$work/deb.log" 2>&1 || { tail -30 "$work/deb.log" >&2; fail "make deb"; }
make -C "$build" -s rpm >"$work/rpm.log" 2>&1 || { tail -30 "$work/rpm.log" >&2; fail "make rpm"; }
deb=$(ls "$build"/packages/collectd-anomaly_*_*.deb)
rpm=$(ls "$build"/packages/collectd-anomaly-[0-9]*.rpm)
echo "ok: built $(basename "$deb") and $(basename "$rpm")"

# lintian: no error; the one warning is explained in packaging/README.md
lintian "$build"/packages/collectd-anomaly_*.changes >"$work/lintian.out" 2>&1 || true
grep -v 'not recommended' "$work/lintian.out" | grep -vE '^W: collectd-anomaly: initial-upload-closes-no-bugs ' \
  | grep -E '^[EW]:' && fail "lintian: $(cat "$work/lintian.out")"
echo "ok: lintian: no errors, no unexplained warnings"

# the same contents in both packages
expect="bin/collectd-anomaly collectd/anomaly.so collectd/statgrab.so man1/collectd-anomaly.1 man5/collectd-anomaly.conf.5 anomaly.conf.example README.md aggregator/aggregator.conf notify/anomaly-notify.sh notify/grafana-dashboard.json"
deb_files=$(dpkg -c "$deb")
rpm_files=$(rpm -qlp "$rpm" 2>/dev/null)
for f in $expect; do
  grep -q "$f" <<<"$deb_files" || fail "the .deb lacks $f"
  grep -q "$f" <<<"$rpm_files" || fail "the .rpm lacks $f"
done
echo "ok: .deb and .rpm hold the plugins, the command, the man pages, the example, the docs"

if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: installing the .deb needs root"; exit 0
fi
if dpkg -s collectd-anomaly >/dev/null 2>&1; then
  echo "SKIP: collectd-anomaly is installed on this machine already; not touching it"; exit 0
fi
apt-get install -y -qq "$deb" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; fail "installing the .deb"; }
for f in /usr/lib/collectd/anomaly.so /usr/lib/collectd/statgrab.so /usr/bin/collectd-anomaly \
         /etc/collectd/collectd.conf.d/anomaly.conf.example; do
  [ -e "$f" ] || fail "$f not installed"
done
man -w collectd-anomaly.conf >/dev/null 2>&1 || [ -e /usr/share/man/man5/collectd-anomaly.conf.5.gz ] \
  || fail "man page not installed"
/usr/bin/collectd-anomaly --version | grep -q '^collectd-anomaly ' || fail "the installed command does not run"

# collectd from the installed files: the example enabled (its StateDir moved
# into the test's directory), statgrab loaded, the csv plugin showing what
# flows
sed -e 's|^#LoadPlugin statgrab|LoadPlugin statgrab|' \
    -e "s|StateDir \"/var/lib/collectd/anomaly\"|StateDir \"$work/state\"|" \
    /etc/collectd/collectd.conf.d/anomaly.conf.example >"$work/anomaly.conf"
cat >"$work/collectd.conf" <<EOC
Hostname "package-test"
FQDNLookup false
BaseDir "$work"
PIDFile "$work/collectd.pid"
PluginDir "/usr/lib/collectd"
TypesDB "/usr/share/collectd/types.db"
Interval 1
LoadPlugin logfile
<Plugin logfile>
  LogLevel info
  File "$work/collectd.log"
</Plugin>
LoadPlugin csv
<Plugin csv>
  DataDir "$work/csv"
</Plugin>
Include "$work/anomaly.conf"
EOC
/usr/sbin/collectd -t -C "$work/collectd.conf" || fail "collectd -t refuses the example"
/usr/sbin/collectd -f -C "$work/collectd.conf" >"$work/stdout.log" 2>&1 &
collectd_pid=$!
flowing() {
  ls "$work/csv/package-test/anomaly/" 2>/dev/null | grep -q '^gauge-risk-' &&
    ls "$work/csv/package-test/" 2>/dev/null | grep -q '^cpu$'
}
for _ in $(seq 1 60); do flowing && break; sleep 0.5; done
flowing || { cat "$work/collectd.log" >&2; fail "no values from statgrab or no risk metrics from anomaly"; }
grep -q 'plugin "anomaly" successfully loaded' "$work/collectd.log" || fail "anomaly not loaded"
grep -q 'plugin "statgrab" successfully loaded' "$work/collectd.log" || fail "statgrab not loaded"
kill "$collectd_pid"
wait "$collectd_pid" || true
collectd_pid=""
grep -q 'anomaly plugin: state saved at shutdown' "$work/collectd.log" || fail "no state saved"
echo "ok: collectd ran from the installed files: both plugins loaded, values and risk metrics flowing"

dpkg -r collectd-anomaly >"$work/remove.log" 2>&1 || { cat "$work/remove.log" >&2; fail "dpkg -r"; }
for f in /usr/lib/collectd/anomaly.so /usr/lib/collectd/statgrab.so /usr/bin/collectd-anomaly; do
  [ -e "$f" ] && fail "$f left after removal"
done
dpkg --purge collectd-anomaly >"$work/purge.log" 2>&1 || { cat "$work/purge.log" >&2; fail "dpkg --purge"; }
[ -e /etc/collectd/collectd.conf.d/anomaly.conf.example ] && fail "the example left after purge"
dpkg -s collectd-anomaly >/dev/null 2>&1 && fail "still known to dpkg after purge"
echo "PASS: packages: built, lintian-clean, installed, collectd ran from them, removed and purged cleanly"
