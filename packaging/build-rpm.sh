#!/bin/bash
# Builds the .rpm from the release tarball: packaging/build-rpm.sh TARBALL
# OUTDIR (make rpm does this). On Debian the build dependencies are Debian
# packages the rpm database does not know: NODEPS=1 adds --nodeps.
set -euo pipefail
tarball=$(realpath "$1")
out=$(realpath "$2")
work=$(mktemp -d "${TMPDIR:-/tmp}/collectd-anomaly-rpm.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work"/{BUILD,RPMS,SOURCES,SPECS,SRPMS}
cp "$tarball" "$work/SOURCES/"
name=$(basename "$tarball" .tar.gz)
tar -C "$work" -xzf "$tarball" "$name/packaging/rpm/collectd-anomaly.spec"
rpmbuild -bb ${NODEPS:+--nodeps} --define "_topdir $work" \
  "$work/$name/packaging/rpm/collectd-anomaly.spec"
mkdir -p "$out"
find "$work/RPMS" -name '*.rpm' -exec cp {} "$out/" \;
ls "$out"/*.rpm
