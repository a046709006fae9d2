#!/bin/bash
# The README's table of anomaly plugin options is the one the code prints
# (collectd-anomaly options), so documentation and parser cannot disagree.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
readme="$top_srcdir/README.md"
documented=$(sed -n '/<!-- options:anomaly:begin -->/,/<!-- options:anomaly:end -->/p' "$readme" | sed '1d;$d')
[ -n "$documented" ] || fail "no options table in README.md"
actual=$("$cmd" options)
if [ "$documented" != "$actual" ]; then
  diff <(printf '%s\n' "$documented") <(printf '%s\n' "$actual") >&2 || true
  fail "README.md's option table differs from 'collectd-anomaly options'"
fi
echo "ok: README options table matches the code"

# The man pages are generated from the README (scripts/mkman.py): they build
# without a troff warning, and carry every option and every command.
for page in collectd-anomaly.1 collectd-anomaly.conf.5; do
  man="$top_builddir/docs/$page"
  [ -s "$man" ] || fail "$page was not generated"
  warnings=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$man" 2>&1)
  [ -z "$warnings" ] || fail "$page: $warnings"
done
conf_page=$(LC_ALL=C.UTF-8 groff -man -Tascii -P-cbou "$top_builddir/docs/collectd-anomaly.conf.5" 2>/dev/null)
for option in $("$cmd" options | sed -n 's/^| `\([A-Za-z]*\)`.*/\1/p'); do
  grep -q "^ *$option\b" <<<"$conf_page" || fail "collectd-anomaly.conf(5) lacks $option"
done
command_page=$(LC_ALL=C.UTF-8 groff -man -Tascii -P-cbou "$top_builddir/docs/collectd-anomaly.1" 2>/dev/null)
for command in replay train state readiness; do
  grep -q "COLLECTD-ANOMALY $(tr a-z A-Z <<<"$command")" <<<"$command_page" \
    || fail "collectd-anomaly(1) lacks the $command command"
done
echo "PASS: the man pages are the README's, without troff warnings"
