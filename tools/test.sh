#!/bin/sh
# The whole test suite: the dev build (unit, tool and tshark tests) and the
# sanitizer build (ASan + UBSan). Exits non-zero on any failure.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
for preset in dev asan; do
    echo "== $preset"
    cmake --preset "$preset" >/dev/null
    cmake --build --preset "$preset"
    ctest --preset "$preset"
done
