#!/bin/bash
# ./test.sh: set up what is missing, then run every test. Non-zero exit on
# any failure, and when no test ran.
#
#  1. gcc build (-Werror) and make check: cmocka unit tests of the core, glue
#     tests of both plugins, integration tests on the real collectd daemon;
#  2. the same with clang;
#  3. the threaded tests again under ThreadSanitizer (writers scoring while
#     the trainer publishes forests; the plugin's threads);
#  4. the whole suite again under AddressSanitizer, UndefinedBehaviorSanitizer
#     and LeakSanitizer, the integration tests with the runtime preloaded
#     into the real collectd (leaks are looked for in everything but the
#     daemon itself, which does not free its configuration at exit);
#  5. the fuzz targets (tests/fuzz, libFuzzer) over their corpora;
#  6. make distcheck (the release tarball builds and passes its tests);
#  7. the packages: .deb and .rpm built from the tarball, lintian, the .deb
#     installed, collectd run from it, removed and purged
#     (packaging/test-packages.sh; the install part needs root);
#  8. formatting (clang-format, LLVM style as collectd).
set -euo pipefail
cd "$(dirname "$0")"
. scripts/setup.sh
SETUP_PACKAGES="clang clang-format libclang-rt-14-dev python3 procps groff-base debhelper \
lintian rpm fakeroot libprotobuf-c1 libmicrohttpd12 libesmtp6 libcurl3-gnutls libyajl2 \
python3-yaml"
setup_install_packages

# Fails unless the suite in DIR ran tests and none failed, errored or was
# skipped (a skipped integration test means the daemon was not exercised).
check_suite() {
  local log="$1/test-suite.log"
  [ -f "$log" ] || { echo "FAIL: no $log: no tests ran" >&2; return 1; }
  local total fail error skip
  total=$(sed -n 's/^# TOTAL: *//p' "$log")
  fail=$(sed -n 's/^# FAIL: *//p' "$log")
  error=$(sed -n 's/^# ERROR: *//p' "$log")
  skip=$(sed -n 's/^# SKIP: *//p' "$log")
  if [ -z "$total" ] || [ "$total" -eq 0 ]; then
    echo "FAIL: no tests ran in $1" >&2
    return 1
  fi
  if [ "${fail:-0}" -ne 0 ] || [ "${error:-0}" -ne 0 ] || [ "${skip:-0}" -ne 0 ]; then
    echo "FAIL: $1: $total tests, $fail failed, $error errors, $skip skipped" >&2
    cat "$log" >&2
    return 1
  fi
  echo "==> $1: $total tests passed"
}

run_check() { # run_check DIR
  local status=0
  make -C "$1" -j"${JOBS:-$(nproc)}" check >"$1/check.out" 2>&1 || status=$?
  grep -E '^(PASS|FAIL|SKIP|ERROR|XPASS|XFAIL):' "$1/check.out" || true
  check_suite "$1" || status=1
  return $status
}

setup_build build/gcc CC=gcc
run_check build/gcc

setup_build build/clang CC=clang
run_check build/clang

# ThreadSanitizer reports make a test exit non-zero (exit code 66).
THREADED_TESTS="tests/unit/test_forests tests/unit/test_engine tests/unit/test_persist \
  tests/unit/test_outbox tests/glue/test_anomaly_plugin"
setup_build build/tsan CC=gcc CFLAGS="-O1 -g -fsanitize=thread" \
  LDFLAGS="-fsanitize=thread"
status=0
make -C build/tsan -j"${JOBS:-$(nproc)}" check TESTS="$THREADED_TESTS" \
  >build/tsan/check.out 2>&1 || status=$?
grep -E '^(PASS|FAIL|SKIP|ERROR):' build/tsan/check.out || true
check_suite build/tsan || status=1
[ "$status" -eq 0 ] || { echo "FAIL: ThreadSanitizer run" >&2; exit 1; }

# Sanitizer reports make a test fail (UBSan: exit at the first report).
setup_build build/asan CC=gcc \
  CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fsanitize=float-cast-overflow -fno-sanitize-recover=all" \
  LDFLAGS="-fsanitize=address,undefined"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
COLLECTD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
COLLECTD_ASAN_OPTIONS=detect_leaks=0
export COLLECTD_PRELOAD COLLECTD_ASAN_OPTIONS
status=0
run_check build/asan || status=$?
unset COLLECTD_PRELOAD COLLECTD_ASAN_OPTIONS ASAN_OPTIONS UBSAN_OPTIONS
[ "$status" -eq 0 ] || { echo "FAIL: sanitizer run" >&2; exit 1; }

echo "==> fuzz targets over their corpora"
scripts/fuzz.sh regress || { echo "FAIL: fuzz regression" >&2; exit 1; }

echo "==> make distcheck"
make -C build/gcc -s distcheck >build/gcc/distcheck.out 2>&1 || {
  tail -50 build/gcc/distcheck.out >&2
  echo "FAIL: make distcheck" >&2
  exit 1
}

echo "==> packages"
packaging/test-packages.sh build/gcc || { echo "FAIL: packages" >&2; exit 1; }

echo "==> clang-format"
sources=(src/*.[ch] src/*/*.[ch] tests/*/*.[ch] bench/*.c)
unformatted=$(clang-format --dry-run "${sources[@]}" 2>&1 | grep -c 'warning:' || true)
if [ "$unformatted" -ne 0 ]; then
  clang-format --dry-run "${sources[@]}" 2>&1 | head -40 >&2
  echo "FAIL: $unformatted formatting differences (run clang-format -i)" >&2
  exit 1
fi
echo "==> all tests passed"
