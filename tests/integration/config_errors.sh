#!/bin/bash
# Bad configuration is refused by the real daemon with a message that names
# the option: collectd -T (load, configure, init and read once, then stop)
# must fail and say why,
# and a good configuration must pass the same check.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
daemon_test

check() { # check EXPECTED-STATUS EXPECTED-TEXT PLUGIN BLOCK-BODY
  local want=$1 text=$2 plugin=$3 body=$4
  { conf_header; printf 'LoadPlugin %s\n<Plugin %s>\n%s\n</Plugin>\n' "$plugin" "$plugin" "$body"; } \
    >"$WORK/collectd.conf"
  local status=0
  run_collectd -T -C "$WORK/collectd.conf" >"$WORK/out.log" 2>&1 || status=$?
  if [ "$want" = ok ]; then
    [ "$status" -eq 0 ] || { cat "$WORK/out.log"; fail "valid config refused: $body"; }
  else
    [ "$status" -ne 0 ] || fail "bad config accepted: $body"
    grep -qF -- "$text" "$WORK/out.log" || {
      cat "$WORK/out.log"
      fail "no message '$text' for: $body"
    }
  fi
}

check ok "" anomaly 'Hits 2
  WarningThreshold 0.5
  FailureThreshold 0.7
  NotifySeries true
  <Ignore>
    Plugin "df" "/^swap/"
  </Ignore>
  Select "Host=/^web/"'
check bad 'anomaly plugin: Unknown option "Bogus".' anomaly 'Bogus 1'
check bad 'anomaly plugin: Option "Hits" expects a whole number, not a string.' anomaly 'Hits "three"'
check bad 'anomaly plugin: Hits expects a whole number between 1 and 1000, got "0".' anomaly 'Hits 0'
check bad 'anomaly plugin: Option "NotifyHost" expects true or false.' anomaly 'NotifyHost 1'
check bad 'anomaly plugin: WarningThreshold (0.9) must be below FailureThreshold (0.6).' anomaly 'WarningThreshold 0.9'
check bad 'anomaly plugin: <Ignore>: unknown field "Colour"' anomaly '<Ignore>
    Colour "red"
  </Ignore>'
check bad 'anomaly plugin: <Select>: bad regular expression /(/' anomaly '<Select>
    Plugin "/(/"
  </Select>'
check ok "" statgrab 'ReportInodes true
  Interface "lo"
  IgnoreSelectedInterface true
  Disk "/^loop/"
  IgnoreSelectedDisk true'
check bad 'statgrab plugin: Unknown option "Frobnicate".' statgrab 'Frobnicate true'
check bad 'statgrab plugin: Option "MountPoint": bad regular expression' statgrab 'MountPoint "/[/"'
echo "PASS: config errors are refused and named"
