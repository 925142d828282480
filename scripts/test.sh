#!/bin/sh
# Install what is needed, build with warnings as errors, and run every test:
#   1. the unit, golden, conformance and differential tests (ctest)
#   2. the same tests built with AddressSanitizer + UBSan
#   3. each libFuzzer harness for FUZZ_SECONDS (default 30), seeded from the
#      shared corpus
# Environment: SKIP_DEPS=1 skips the apt-get step, FUZZ_SECONDS=N.
set -eu
cd "$(dirname "$0")/.."
[ "${SKIP_DEPS:-0}" = 1 ] || ./scripts/install-deps.sh
JOBS=$(nproc)
FUZZ_SECONDS=${FUZZ_SECONDS:-30}

echo "== build (warnings are errors)"
cmake -S . -B build-ci -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMS_WERROR=ON >/dev/null
cmake --build build-ci -j"$JOBS"
echo "== tests"
ctest --test-dir build-ci --output-on-failure -j"$JOBS"

echo "== tests under AddressSanitizer + UBSan"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DMS_WERROR=ON -DMS_SANITIZE=ON \
    -DMS_BENCH=OFF >/dev/null
cmake --build build-asan -j"$JOBS"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$JOBS"

echo "== fuzzers (${FUZZ_SECONDS}s each)"
cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMS_WERROR=ON -DMS_FUZZ=ON -DMS_TESTS=OFF -DMS_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$JOBS"
./scripts/fuzz.sh build-fuzz "$FUZZ_SECONDS"
echo "== all tests passed"
