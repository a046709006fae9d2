#!/bin/bash
# The fuzz targets (tests/fuzz, libFuzzer): built with clang under
# AddressSanitizer and UndefinedBehaviorSanitizer into build/fuzz.
#
#   scripts/fuzz.sh build               configure build/fuzz, make fuzz
#   scripts/fuzz.sh regress             every target over its corpus once
#                                       (what ./test.sh runs: seconds)
#   scripts/fuzz.sh run EXECS [TARGET]  every target (or one) for EXECS
#                                       executions from its corpus, new
#                                       inputs into build/fuzz/found/; prints
#                                       executions, exec/s, coverage, crashes
#
# A crash or hang leaves its input in build/fuzz/artifacts/: add it to the
# target's corpus (tests/fuzz/corpus/TARGET/) and a test for it.
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS="fuzz_csv fuzz_state fuzz_state_json fuzz_history fuzz_config fuzz_query"
dir=build/fuzz
flags="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined"
flags="$flags -fsanitize=float-cast-overflow -fno-sanitize-recover=all"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

build() {
  # (again when configure.ac changed since)
  [ -x configure ] && [ configure -nt configure.ac ] || autoreconf -fi >/dev/null
  mkdir -p "$dir"
  if [ ! -f "$dir/Makefile" ] || [ configure -nt "$dir/config.status" ]; then
    (cd "$dir" && ../../configure -q --enable-werror CC=clang CFLAGS="$flags" \
      LDFLAGS="-fsanitize=address,undefined")
  fi
  make -C "$dir" -s -j"${JOBS:-$(nproc)}" fuzz >/dev/null
}

# Longest input a target is given: a few dozen rows of a CSV or a day file,
# a state file as large as the largest seed.
max_len() {
  case $1 in
  fuzz_state*) echo 20000 ;;
  *) echo 1024 ;;
  esac
}

# run TARGET ARGS...: the target with ARGS (corpora, options); crashes and
# hangs (-timeout, seconds an input) into $dir/artifacts
run() {
  local t=$1
  shift
  mkdir -p "$dir/artifacts"
  "$dir/tests/fuzz/$t" -artifact_prefix="$dir/artifacts/$t-" -timeout=30 \
    -rss_limit_mb=2048 -max_len="$(max_len "$t")" "$@"
}

case "${1:-}" in
build)
  build
  ;;
regress)
  build
  for t in $TARGETS; do
    corpus=tests/fuzz/corpus/$t
    n=$(ls "$corpus" | wc -l)
    [ "$n" -gt 0 ] || { echo "FAIL: $corpus is empty" >&2; exit 1; }
    run "$t" -runs=0 $(ls -d "$corpus"/*) >"$dir/$t.regress.log" 2>&1 \
      || { tail -40 "$dir/$t.regress.log" >&2; echo "FAIL: $t" >&2; exit 1; }
    echo "ok: $t: $n inputs of its corpus, no crash, no hang, no leak"
  done
  ;;
run)
  execs=${2:?usage: scripts/fuzz.sh run EXECS [TARGET]}
  build
  printf '%-16s %12s %9s %8s %8s %7s %s\n' target execs exec/s cov ft crashes seconds
  for t in ${3:-$TARGETS}; do
    mkdir -p "$dir/found/$t"
    start=$(date +%s)
    status=0
    run "$t" -runs="$execs" -print_final_stats=1 "$dir/found/$t" "tests/fuzz/corpus/$t" \
      >"$dir/$t.run.log" 2>&1 || status=$?
    end=$(date +%s)
    done=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/$t.run.log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/$t.run.log")
    cov=$(grep -o 'cov: [0-9]*' "$dir/$t.run.log" | tail -1 | cut -d' ' -f2)
    ft=$(grep -o 'ft: [0-9]*' "$dir/$t.run.log" | tail -1 | cut -d' ' -f2)
    crashes=$(ls "$dir/artifacts" 2>/dev/null | grep -c "^$t-" || true)
    printf '%-16s %12s %9s %8s %8s %7s %s\n' "$t" "${done:-?}" "${speed:-?}" \
      "${cov:-?}" "${ft:-?}" "$crashes" "$((end - start))"
    [ "$status" -eq 0 ] || { tail -40 "$dir/$t.run.log" >&2; exit 1; }
  done
  ;;
*)
  sed -n '2,15p' "$0" >&2
  exit 2
  ;;
esac
