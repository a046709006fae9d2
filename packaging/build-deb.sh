#!/bin/bash
# Builds the .deb from the release tarball: packaging/build-deb.sh TARBALL OUTDIR
# (make deb does this). The tarball is unpacked as the Debian upstream
# source, packaging/debian becomes its debian/, dpkg-buildpackage -b runs;
# the .deb, .buildinfo and .changes land in OUTDIR.
set -euo pipefail
tarball=$(realpath "$1")
out=$(realpath "$2")
work=$(mktemp -d "${TMPDIR:-/tmp}/collectd-anomaly-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
name=$(basename "$tarball" .tar.gz)            # collectd-anomaly-0.1.0
version=${name#collectd-anomaly-}
cp "$tarball" "$work/collectd-anomaly_$version.orig.tar.gz"
tar -C "$work" -xzf "$tarball"
cp -r "$work/$name/packaging/debian" "$work/$name/debian"
(cd "$work/$name" && dpkg-buildpackage -us -uc -b)
mkdir -p "$out"
cp "$work"/*.deb "$work"/*.buildinfo "$work"/*.changes "$out/"
ls "$out"/*.deb
