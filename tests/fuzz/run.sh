#!/bin/sh
# Fuzz the validator core for a bounded time.
#   tests/fuzz/run.sh [seconds-per-target]     (default 60; 0: build and replay only)
# Builds the libFuzzer targets with clang (ASan + UBSan) in build/fuzz (or
# $WS1002_FUZZ_BUILD), replays the committed corpus and regression inputs,
# then runs fuzz_feed, fuzz_feed_varied, fuzz_handshake and fuzz_heur one
# after the other, each for the given time (CI: 30 s each, 2 minutes in all),
# and prints how many inputs each executed. New corpus entries go to
# build/fuzz/corpus-run/<kind> and are kept between runs; a crash is written
# to build/fuzz/artifacts/ and makes the script exit non-zero.
# Environment: CC_FUZZ (default clang-14, else clang), FUZZ_MAX_LEN (16384),
# FUZZ_TARGETS (default: all four, e.g. "fuzz_heur fuzz_handshake").
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
secs=${1:-60}
build=${WS1002_FUZZ_BUILD:-$top/build/fuzz}
max_len=${FUZZ_MAX_LEN:-16384}
cc=${CC_FUZZ:-}
if [ -z "$cc" ]; then
    for c in clang-14 clang; do
        if command -v "$c" >/dev/null 2>&1; then
            cc=$c
            break
        fi
    done
fi
[ -n "$cc" ] || { echo "run.sh: no clang found (Debian: clang-14 libclang-rt-14-dev)" >&2; exit 2; }

mkdir -p "$build"
cmake -S "$top" -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DWS1002_BUILD_FUZZ=ON -DWS1002_BUILD_TESTS=ON -DWS1002_BUILD_PLUGIN=OFF \
    -DWS1002_BUILD_TOOLS=OFF >"$build/configure.log" 2>&1 ||
    { cat "$build/configure.log" >&2; exit 2; }
rm -f "$build/configure.log"
# target:corpus folder:dictionary
all="fuzz_feed:feed:ws.dict fuzz_feed_varied:varied:ws.dict
fuzz_handshake:handshake:handshake.dict fuzz_heur:heur:ws.dict"
targets=${FUZZ_TARGETS:-fuzz_feed fuzz_feed_varied fuzz_handshake fuzz_heur}
runs=
for t in $targets; do
    entry=
    for e in $all; do
        case $e in "$t":*) entry=$e ;; esac
    done
    [ -n "$entry" ] || { echo "run.sh: no fuzz target $t" >&2; exit 2; }
    runs="$runs $entry"
done
# shellcheck disable=SC2086
cmake --build "$build" -j2 --target $targets >/dev/null

status=0
total=0
mkdir -p "$build/artifacts"
for entry in $runs; do
    t=${entry%%:*}
    rest=${entry#*:}
    kind=${rest%%:*}
    dict=${rest#*:}
    bin=$build/tests/fuzz/$t
    log=$build/$t.log
    # The committed inputs first: a known crash must fail even with seconds=0.
    if ! "$bin" -runs=0 "$top/tests/fuzz/corpus/$kind" "$top/tests/fuzz/regressions/$kind" \
        >"$log" 2>&1; then
        echo "$t: FAILED on a committed input:" >&2
        tail -n 40 "$log" >&2
        status=1
        continue
    fi
    [ "$secs" -gt 0 ] || { echo "$t: corpus and regressions replayed"; continue; }
    work=$build/corpus-run/$kind
    mkdir -p "$work"
    if "$bin" "$work" "$top/tests/fuzz/corpus/$kind" -max_total_time="$secs" -max_len="$max_len" \
        -timeout=10 -rss_limit_mb=1024 -use_value_profile=1 -dict="$top/tests/fuzz/$dict" \
        -print_final_stats=1 \
        -artifact_prefix="$build/artifacts/$t-" >"$log" 2>&1; then
        execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
        echo "$t: $execs executions in ${secs}s, no crash (corpus: $(find "$work" -type f | wc -l) new files)"
        total=$((total + ${execs:-0}))
    else
        echo "$t: CRASH (log $log):" >&2
        grep -E 'ERROR|invariant|runtime error|SUMMARY|Test unit written' "$log" | head -n 20 >&2
        echo "Reproduce: $bin <artifact>; FUZZ_VERBOSE=1 $build/tests/fuzz/${t}_replay <artifact>" >&2
        echo "Then copy the artifact to tests/fuzz/regressions/$kind/." >&2
        status=1
    fi
done
[ "$secs" -gt 0 ] && echo "fuzz: $total executions in all"
exit $status
