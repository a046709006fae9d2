#!/bin/bash
# The layers of src/ hold: every file of a layer folder includes only the
# folders its README.md allows ("May include: ..."), names the folder of
# every header it includes, and nothing but the plugins (src/*.c) includes
# collectd. A copy of the tree with one include running upwards
# must be refused, so that the check itself is known to work.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

# check SRC: prints each include that breaks a layer; exit 1 when any does
check() {
  local src=$1 bad=0
  for readme in "$src"/*/README.md; do
    local dir folder allowed
    dir=$(dirname "$readme")
    folder=$(basename "$dir")
    allowed=$(sed -n 's/^May include: //p' "$readme" | tr -d ' ' | tr ',' '\n')
    [ -n "$allowed" ] || { echo "$readme: no \"May include:\" line"; bad=1; continue; }
    for f in "$dir"/*.[ch]; do
      while IFS= read -r inc; do
        local target=${inc%%/*}
        if [ "$target" = "$inc" ]; then
          # no folder: autoconf's config.h, or a header of the folder itself
          # where the folder's README allows it (the command's cli.h)
          [ "$inc" = config.h ] && continue
          [ "$folder" = cli ] && [ -f "$dir/$inc" ] && continue
          echo "${f#$src/}: includes \"$inc\" without its folder"
          bad=1
        elif ! grep -qx "$target" <<<"$allowed"; then
          echo "${f#$src/}: includes \"$inc\"; $folder/ may include: $(echo $allowed)"
          bad=1
        fi
      done < <(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f")
    done
  done
  for f in "$src"/*/*.[ch]; do
    if grep -q '^#include "collectd/' "$f"; then
      echo "${f#$src/}: includes collectd, which only the plugins may"
      bad=1
    fi
  done
  for dir in "$src"/*/; do
    [ -f "$dir/README.md" ] || { echo "${dir#$src/}: no README.md"; bad=1; }
  done
  return $bad
}

out=$(check "$top_srcdir/src") || fail "layers broken:
$out"

# the check refuses an include that runs upwards
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
cp -r "$top_srcdir/src" "$copy/src"
sed -i '0,/^#include "detectors\/ad_window.h"/s//#include "engine\/ad_series.h"/' \
  "$copy/src/detectors/ad_window.c"
grep -q '^#include "engine/ad_series.h"' "$copy/src/detectors/ad_window.c" \
  || fail "could not plant an upward include"
if out=$(check "$copy/src"); then
  fail "an include from detectors/ into engine/ was not refused"
fi
grep -q 'detectors/ad_window.c: includes "engine/ad_series.h"' <<<"$out" \
  || fail "the planted include was refused for another reason: $out"
n=$(ls "$top_srcdir"/src/*/*.[ch] | wc -l)
echo "PASS: layers: $n files of $(ls -d "$top_srcdir"/src/*/ | wc -l) folders include only what their README allows"
