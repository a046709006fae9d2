#!/bin/bash
# The plugins only use daemon symbols that /usr/sbin/collectd exports (some
# installed headers declare functions the daemon does not export; using one
# links fine and fails at LoadPlugin), and export nothing but
# module_register.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
require_collectd
command -v nm >/dev/null || { echo "SKIP: no nm"; exit 77; }

provided=$(mktemp)
trap 'rm -f "$provided"' EXIT
nm -D --defined-only "$COLLECTD" | awk '{print $3}' >"$provided"
for p in anomaly statgrab; do
  so="$top_builddir/.libs/$p.so"
  # libraries the plugin links against provide their own symbols
  for lib in $(ldd "$so" | awk '$2 == "=>" && $3 ~ /^\// {print $3}'); do
    nm -D --defined-only "$lib" | awk '{print $3}' | sed 's/@.*//' >>"$provided"
  done
  exported=$(nm -D --defined-only "$so" | awk '$2 == "T" {print $3}')
  [ "$exported" = "module_register" ] || fail "$p.so exports: $exported"
  for sym in $(nm -D --undefined-only "$so" | awk '{print $2}' | sed 's/@.*//'); do
    case "$sym" in _*) continue ;; esac
    grep -qx "$sym" "$provided" || fail "$p.so uses $sym, which nothing loaded exports"
  done
done
echo "PASS: plugin symbols"
