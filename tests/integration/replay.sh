#!/bin/bash
# collectd-anomaly replay: the CSV contract of DESIGN.md, --set with the
# plugin's own keys, counters, and bad input reported as FILE:LINE: reason.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ -x "$cmd" ] || fail "no $cmd"
make_workdir

# 500 rows, two series of one host; a one-row spike in cpu at row 400.
awk 'BEGIN {
  srand(2);
  print "timestamp,cpu/percent-user,load/load";
  for (i = 0; i < 500; i++) {
    u = 20 + (rand() + rand() + rand() - 1.5) * 2;
    if (i == 400) u = 95;
    printf "%d,%.3f,%.3f\n", 1700000000 + 60 * i, u, 1 + rand() * 0.1;
  }
}' >"$WORK/spike.csv"

"$cmd" replay "$WORK/spike.csv" >"$WORK/out.csv"
head -1 "$WORK/out.csv" | grep -qx 'timestamp,score,level' || fail "bad output header"
[ "$(wc -l <"$WORK/out.csv")" -eq 501 ] || fail "not one output row per input row"
# timestamps are echoed, scores are in [0,1], levels are notification states
paste -d, <(cut -d, -f1 "$WORK/spike.csv") <(cut -d, -f1 "$WORK/out.csv") |
  awk -F, '$1 != $2 {exit 1}' || fail "timestamps not echoed"
awk -F, 'NR > 1 && ($2 < 0 || $2 > 1 || $3 !~ /^(OKAY|WARNING|FAILURE)$/) {exit 1}' \
  "$WORK/out.csv" || fail "score or level out of contract"
onsets() { awk -F, 'NR > 2 && $3 != "OKAY" && prev == "OKAY" {print NR - 2} {prev = $3}' "$1"; }
[ "$(onsets "$WORK/out.csv")" = "400" ] || fail "onsets: $(onsets "$WORK/out.csv"), expected row 400"
sed -n '402p' "$WORK/out.csv" | grep -q ',FAILURE$' || fail "row 400 is not FAILURE"
# the incident ends once the series has been back inside its band (from row
# 401) for IncidentGap (5 minutes, 5 rows); with a gap of 900 s, 15 rows
sed -n '407p' "$WORK/out.csv" | grep -q ',FAILURE$' || fail "incident ended early"
sed -n '408p' "$WORK/out.csv" | grep -q ',OKAY$' || fail "no recovery at row 406"
"$cmd" replay --set IncidentGap=900 "$WORK/spike.csv" >"$WORK/gap.csv"
sed -n '417p' "$WORK/gap.csv" | grep -q ',FAILURE$' || fail "IncidentGap=900: ended early"
sed -n '418p' "$WORK/gap.csv" | grep -q ',OKAY$' || fail "IncidentGap=900: no recovery at row 416"

# The same data with calendar timestamps gives the same answers.
awk -F, 'NR == 1 {print; next} {
  cmd = "date -u -d @" $1 " +\"%Y-%m-%d %H:%M:%S\""; cmd | getline t; close(cmd);
  $1 = t; print }' OFS=, "$WORK/spike.csv" >"$WORK/dates.csv"
"$cmd" replay "$WORK/dates.csv" | cut -d, -f2,3 >"$WORK/dates.out"
cut -d, -f2,3 "$WORK/out.csv" | cmp -s - "$WORK/dates.out" || fail "calendar timestamps differ"

# --set takes the plugin's keys: two hits are needed, a one-row spike is not
# enough; an Ignore rule removes the series; the input on stdin works too.
[ -z "$("$cmd" replay --set Hits=2 "$WORK/spike.csv" | onsets /dev/stdin)" ] \
  || fail "--set Hits=2 did not apply"
[ -z "$("$cmd" replay --set 'Ignore=Plugin=cpu' - <"$WORK/spike.csv" | onsets /dev/stdin)" ] \
  || fail "--set Ignore did not apply"

# A missing value where the spike was is no observation.
sed '402s/,95.000,/,nan,/' "$WORK/spike.csv" >"$WORK/gap.csv"
[ -z "$("$cmd" replay "$WORK/gap.csv" | onsets /dev/stdin)" ] || fail "NaN was scored"

# A cumulative counter column becomes a rate (--derive): a burst in the rate.
awk 'BEGIN { print "timestamp,interface-eth0/if_octets"; c = 1e9;
  for (i = 0; i < 300; i++) { c += (i == 250 ? 5e6 : 1e4 + (i % 7) * 100); printf "%d,%d\n", 10 * i, c } }' \
  >"$WORK/counter.csv"
[ "$("$cmd" replay --derive interface-eth0/if_octets "$WORK/counter.csv" | onsets /dev/stdin)" = "250" ] \
  || fail "--derive: the rate burst was not found at row 250"

# Bad input: non-zero exit and FILE:LINE: reason.
expect_error() { # expect_error TEXT ARGS...
  local text=$1 status=0
  shift
  "$cmd" replay "$@" >"$WORK/stdout" 2>"$WORK/stderr" || status=$?
  [ "$status" -ne 0 ] || fail "replay $* succeeded"
  grep -qF -- "$text" "$WORK/stderr" || fail "replay $*: no '$text' in: $(cat "$WORK/stderr")"
}
printf 'timestamp,a\n1,1\n2,oops\n' >"$WORK/bad_value.csv"
expect_error "$WORK/bad_value.csv:3: column \"a\": \"oops\" is not a number" "$WORK/bad_value.csv"
printf 'time,a\n1,1\n' >"$WORK/bad_header.csv"
expect_error "$WORK/bad_header.csv:1: the header must be" "$WORK/bad_header.csv"
printf 'timestamp,a\n1,1\n2,1,1\n' >"$WORK/bad_fields.csv"
expect_error "$WORK/bad_fields.csv:3: expected 2 fields like the header, found 3" "$WORK/bad_fields.csv"
printf 'timestamp,a\n2015-02-30 00:00:00,1\n' >"$WORK/bad_time.csv"
expect_error "$WORK/bad_time.csv:2: bad timestamp" "$WORK/bad_time.csv"
expect_error "$WORK/missing.csv: No such file or directory" "$WORK/missing.csv"
expect_error '--set Bogus=1: unknown option "Bogus"' --set Bogus=1 "$WORK/spike.csv"
expect_error '--set Hits=abc: Hits expects a whole number' --set Hits=abc "$WORK/spike.csv"
expect_error 'WarningThreshold (0.7) must be below FailureThreshold' --set WarningThreshold=0.7 "$WORK/spike.csv"
expect_error 'replay needs a CSV file'
expect_error 'no column "nope"' --derive nope "$WORK/spike.csv"
echo "PASS: replay"
