#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-or-later
# The plugin built with AddressSanitizer + UndefinedBehaviorSanitizer, loaded
# into Debian's (uninstrumented) tshark, over every capture and over mutations
# of them. Zero sanitizer reports, zero crashes and exit status 0 required.
#
#   tests/robustness/asan-tshark.sh [seeds]      (default 100)
#
# - Builds the plugin with -DWS1002_SANITIZE=ON in build/asan-tshark (or
#   $WS1002_ASAN_BUILD), linked -z nodelete so that it stays mapped at exit
#   (LeakSanitizer then still sees its static data and can name its frames).
# - tshark is not instrumented: the ASan runtime is preloaded (gcc's
#   libasan.so). Leak checking stays on; a leak counts only if its stack
#   passes through the plugin (tshark's own exit-time leaks are counted, not
#   failed).
# - Every capture runs once with -V -2 and its captures/index.tsv arguments.
# - All captures merged into one file (merge-captures.py keeps their
#   connections apart) run two more ways: with every boolean ws.* preference
#   flipped from its default (strictness on, the mid-stream heuristic off)
#   and the mid-stream server port set; and -2 -z expert with every captured
#   server port decoded as websocket (the HTTP handshake then reaches the
#   frame parsers too).
# - Mutations: seed i (1..N) runs `editcap -E 0.02 --seed i` over the merged
#   file, which mutates every capture in it at once, then tshark the
#   (i mod 3)th of the three ways above: a failure reproduces from its seed.
# - Two tshark at a time; no new run starts after $ASAN_TSHARK_SECONDS
#   (default 150) so the script stays within about 3 minutes; the summary
#   says how many ran.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=common.sh
. "$top/tests/robustness/common.sh"

seeds=${1:-100}
build=${WS1002_ASAN_BUILD:-$top/build/asan-tshark}
budget=${ASAN_TSHARK_SECONDS:-150}
jobs=${JOBS:-2}
per_run=60 # seconds; a hung tshark counts as a failure (exit status 124)
cc=${CC_ASAN:-gcc}
plugin_re='ws\.so|packet-ws[-a-z]*\.c|ws_stats\.c|/plugin/plugin\.c|wsv_[a-z]*\.c'
start=$SECONDS

command -v editcap >/dev/null || rb_die "editcap not found (Debian: wireshark-common)"
asan_rt=$("$cc" -print-file-name=libasan.so)
[ -f "$asan_rt" ] || rb_die "no ASan runtime from $cc -print-file-name=libasan.so (Debian: libasan8)"

echo "asan-tshark: building the sanitizer plugin in $build"
mkdir -p "$build"
cmake -S "$top" -B "$build" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Debug \
    -DWS1002_SANITIZE=ON -DWS1002_BUILD_TESTS=OFF -DWS1002_BUILD_TOOLS=OFF \
    -DCMAKE_MODULE_LINKER_FLAGS=-Wl,-z,nodelete >"$build/build.log" 2>&1 ||
    { cat "$build/build.log" >&2; exit 2; }
cmake --build "$build" -j2 --target ws1002_plugin >>"$build/build.log" 2>&1 ||
    { tail -n 30 "$build/build.log" >&2; exit 2; }
rm -f "$build/build.log"

rb_work_dir
rb_home "$build/plugin/ws.so"
mkdir -p "$rb_work/in" "$rb_work/log"
asan_base="abort_on_error=1:exitcode=0:detect_leaks=1:symbolize=1"
ubsan="UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:abort_on_error=1"
# asan [extra ASan options] -- CMD...: run CMD as the test user with the
# sanitizer runtime preloaded.
asan() {
    local opts=$asan_base
    while [ "$1" != -- ]; do
        opts=$opts:$1
        shift
    done
    shift
    rb_as_user LD_PRELOAD="$asan_rt" ASAN_OPTIONS="$opts" "$ubsan" "$@"
}

mapfile -t caps < <(rb_captures)
[ "${#caps[@]}" -gt 0 ] || rb_die "no captures under captures/"
for c in "${caps[@]}"; do
    mkdir -p "$rb_work/in/$(dirname "$c")"
    cp "$top/captures/$c" "$rb_work/in/$c"
done
merged=$rb_work/in/merged.pcapng
(cd "$top/captures" && rb_python "$top/tests/robustness/merge-captures.py" "$merged" "${caps[@]}") \
    >/dev/null
chmod -R a+rX "$rb_work/in"
all_args=$(for c in "${caps[@]}"; do rb_capture_args "$c"; done | tr '\n' ' ')

# The plugin must load and find something, or every run below proves nothing.
prefs=$(asan -- timeout 60 tshark -G defaultprefs 2>/dev/null) || true
echo "asan-tshark: ws.* preferences: $(grep -c '^#ws\.' <<<"$prefs")"
grep -q '^#ws\.' <<<"$prefs" || rb_die "the plugin did not load into tshark (no ws.* preferences)"
demo_rules=$(asan -- timeout 60 tshark -r "$rb_work/in/${caps[0]}" -Y ws -T fields -e ws.role 2>&1 | wc -l)
[ "$demo_rules" -gt 0 ] || rb_die "the plugin added no ws item to ${caps[0]}"

# Way 1: every boolean preference of the plugin flipped, and the server port
# of the mid-stream capture.
prefs_on=$(sed -n -e 's/^#\(ws\.[a-z0-9_]*\): FALSE$/-o \1:TRUE/p' \
    -e 's/^#\(ws\.[a-z0-9_]*\): TRUE$/-o \1:FALSE/p' <<<"$prefs" | tr '\n' ' ')
if grep -q '^#ws\.midstream_server_port:' <<<"$prefs"; then
    port=$(rb_capture_args segmentation/midstream.pcapng | sed -n 's/.*tcp\.port==\([0-9]*\).*/\1/p')
    prefs_on="$prefs_on -o ws.midstream_server_port:${port:-9002}"
fi
# Way 2: every server port of the captures (SYN targets and Decode As ports).
ports=$(for c in "${caps[@]}"; do
    tshark -r "$top/captures/$c" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' \
        -T fields -e tcp.dstport 2>/dev/null
    rb_capture_args "$c" | sed -n 's/.*tcp\.port==\([0-9]*\).*/\1/p'
done | sort -un)
forced=""
for p in $ports; do forced="$forced -d tcp.port==$p,websocket"; done

way_args() { # way [capture-name]
    case $1 in
    0) echo "-V -2 $(if [ -n "${2:-}" ]; then rb_capture_args "$2"; else echo "$all_args"; fi)" ;;
    1) echo "-V -2 $all_args $prefs_on" ;;
    2) echo "-2 -z expert $forced" ;;
    esac
}

# Jobs: id <TAB> input <TAB> arguments <TAB> how to reproduce
joblist=$rb_work/jobs
: >"$joblist"
for c in "${caps[@]}"; do
    printf 'cap.%s\t%s\t%s\t%s\n' "${c//\//_}" "$rb_work/in/$c" "$(way_args 0 "$c")" "captures/$c" >>"$joblist"
done
merge_how="(cd captures && tests/robustness/merge-captures.py merged.pcapng ${caps[*]})"
for w in 1 2; do
    printf 'all.%d\t%s\t%s\t%s\n' "$w" "$merged" "$(way_args $w)" "$merge_how" >>"$joblist"
done
for ((i = 1; i <= seeds; i++)); do
    printf 'seed%d\t%s\t%s\t%s\n' "$i" "$rb_work/in/m$i.pcapng" "$(way_args $((i % 3)))" \
        "$merge_how; editcap -E 0.02 --seed $i merged.pcapng m$i.pcapng" >>"$joblist"
done

run_job() { # id input args
    local id=$1 input=$2 args=$3 rc=0
    case $id in
    seed*)
        editcap -E 0.02 --seed "${id#seed}" "$merged" "$input" >/dev/null 2>&1
        chmod a+r "$input"
        ;;
    esac
    # shellcheck disable=SC2086 # args is a list of words
    asan -- timeout "$per_run" tshark -r "$input" $args >/dev/null 2>"$rb_work/log/$id.err" || rc=$?
    echo "$rc" >"$rb_work/log/$id.rc"
    case $id in seed*) rm -f "$input" ;; esac
}

ran=0
ran_mut=0
skipped=0
running=0
while IFS=$'\t' read -r id input args how; do
    if ((SECONDS - start >= budget)); then
        skipped=$((skipped + 1))
        continue
    fi
    if ((running >= jobs)); then
        wait -n || true
        running=$((running - 1))
    fi
    run_job "$id" "$input" "$args" &
    running=$((running + 1))
    ran=$((ran + 1))
    case $id in seed*) ran_mut=$((ran_mut + 1)) ;; esac
done <"$joblist"
wait

# Verdicts.
fail=0
reports=0
crashes=0
plugin_leaks=0
other_leaks=0
while IFS=$'\t' read -r id input args how; do
    [ -f "$rb_work/log/$id.rc" ] || continue
    rc=$(cat "$rb_work/log/$id.rc")
    err=$rb_work/log/$id.err
    bad=""
    if grep -qE 'ERROR: AddressSanitizer|runtime error:|AddressSanitizer:DEADLYSIGNAL' "$err"; then
        reports=$((reports + 1))
        bad="sanitizer report"
    elif [ "$rc" -ne 0 ]; then
        crashes=$((crashes + 1))
        bad="exit status $rc"
    fi
    if grep -q 'ERROR: LeakSanitizer' "$err"; then
        # Name the frames properly (slow unwinder) before judging.
        case $id in seed*)
            editcap -E 0.02 --seed "${id#seed}" "$merged" "$input" >/dev/null 2>&1
            chmod a+r "$input" ;;
        esac
        # shellcheck disable=SC2086
        asan fast_unwind_on_malloc=0 -- timeout "$per_run" tshark -r "$input" $args \
            >/dev/null 2>"$err.slow" || true
        if awk -v re="$plugin_re" '/leak of/ { blk = 1; hit = 0 } blk && $0 ~ re { hit = 1 }
               blk && /^$/ { if (hit) found = 1; blk = 0 } END { exit !(found || hit) }' "$err.slow"; then
            plugin_leaks=$((plugin_leaks + 1))
            bad="${bad:+$bad, }leak through the plugin"
            err=$err.slow
        else
            other_leaks=$((other_leaks + 1))
        fi
    fi
    if [ -n "$bad" ]; then
        fail=1
        echo "FAIL $id: $bad" >&2
        echo "  reproduce: $how; tshark -r <file> $args  (plugin: $build/plugin/ws.so," \
            "LD_PRELOAD=$asan_rt)" >&2
        grep -E 'ERROR|runtime error|SUMMARY|#[0-9]+ ' "$err" | head -n 25 | sed 's/^/  /' >&2
    fi
done <"$joblist"

echo "asan-tshark: $((ran - ran_mut)) runs over the ${#caps[@]} captures (each, then merged 2 more" \
    "ways) and $ran_mut of $seeds mutated merged files (editcap -E 0.02, seeds 1-$seeds, each" \
    "mutating all ${#caps[@]} captures: $((ran_mut * ${#caps[@]})) mutated captures) in" \
    "$((SECONDS - start)) s: $reports sanitizer reports, $crashes crashes/non-zero exits," \
    "$plugin_leaks leaks through the plugin ($other_leaks runs with tshark-only leaks)"
[ "$skipped" -eq 0 ] || echo "asan-tshark: time bound reached, $skipped runs not started"
exit $fail
