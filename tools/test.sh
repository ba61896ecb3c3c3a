#!/bin/sh
# The whole test suite. Exits non-zero on the first failure.
#  1. the dev build: unit, tool, capture and tshark tests (Wireshark of the host)
#  2. the sanitizer build (ASan + UBSan): the core, its tools and unit tests
#  3. the fuzz targets, each for WS1002_FUZZ_SECONDS (default 30)
#  4. the plugin under ASan inside tshark over every capture and mutations of
#     them, and under valgrind memcheck
#  5. the hostile captures: peak memory and the note each one gets
#  6. as root only: the plugin built, tested and packaged against the other
#     Wireshark series in debootstrap chroots (tests/versions/run.sh)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
t0=$(date +%s)
t=$t0
# Each step's time, so that a slow CI run says where the time went.
step() {
    now=$(date +%s)
    echo "== $1 ($((now - t)) s)"
    t=$now
}
for preset in dev asan; do
    echo "== $preset"
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset"
    ctest --preset "$preset"
    step "$preset: done"
done
echo "== fuzz"
tests/fuzz/run.sh "${WS1002_FUZZ_SECONDS:-30}"
step "fuzz: done"
echo "== plugin under ASan in tshark"
tests/robustness/asan-tshark.sh
step "ASan in tshark: done"
echo "== plugin under valgrind in tshark"
tests/robustness/valgrind-tshark.sh
step "valgrind in tshark: done"
echo "== hostile captures: memory, notes"
tests/robustness/hostile.sh --ci
step "hostile captures: done"
if [ "$(id -u)" -eq 0 ]; then
    echo "== other Wireshark series"
    tests/versions/run.sh ${WS1002_VERSIONS:-trixie sid bookworm}
    step "other Wireshark series: done"
else
    echo "== other Wireshark series: skipped (needs root for the chroots)"
fi
echo "== all passed in $(($(date +%s) - t0)) s"
