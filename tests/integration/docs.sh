#!/bin/bash
# The README's table of anomaly plugin options is the one the code prints
# (collectd-anomaly options), so documentation and parser cannot disagree.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cmd="$top_builddir/src/collectd-anomaly"
readme="$top_srcdir/README.md"
documented=$(sed -n '/<!-- options:anomaly:begin -->/,/<!-- options:anomaly:end -->/p' "$readme" | sed '1d;$d')
[ -n "$documented" ] || fail "no options table in README.md"
actual=$("$cmd" options)
if [ "$documented" != "$actual" ]; then
  diff <(printf '%s\n' "$documented") <(printf '%s\n' "$actual") >&2 || true
  fail "README.md's option table differs from 'collectd-anomaly options'"
fi
echo "PASS: README options table matches the code"
