#!/bin/sh
# Instructions the ensemble of one series takes a value, counted by
# valgrind (cachegrind, no cache simulation): a figure that does not move
# with the machine's load, for comparing two builds' compute.
#   usage: bench/instructions.sh [SERIES_STEPS]   (default bench/series_steps)
# Two counts are differenced, so start-up and the first values drop out:
#   young:   values 1,000 to 2,000 of 20 series (the bands still settling)
#   settled: values 6,000 to 16,000 (4 to 11 days of 1-minute data)
set -eu
bin=${1:-bench/series_steps}
command -v valgrind >/dev/null || { echo "instructions.sh: needs valgrind (apt-get install valgrind)" >&2; exit 2; }
count() {
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
    "$bin" 20 "$1" 2>&1 >/dev/null | awk '/I *refs/ { gsub(",", "", $4); print $4 }'
}
per_value() { # FROM TO
  a=$(count "$1"); b=$(count "$2")
  echo $(( (b - a) / (20 * ($2 - $1)) ))
}
echo "ensemble of one series, instructions a value:"
echo "  young   (values 1,000-2,000)   $(per_value 1000 2000)"
echo "  settled (values 6,000-16,000)  $(per_value 6000 16000)"
