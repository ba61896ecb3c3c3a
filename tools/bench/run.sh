#!/bin/bash
# shellcheck source-path=SCRIPTDIR/../..
# SPDX-License-Identifier: GPL-2.0-or-later
# What the plugin costs inside tshark (issue 14): the same tshark with and
# without the plugin, side by side, on a WebSocket capture, a capture without
# WebSocket and an empty one (tools/bench/gen_captures.py). A benchmark, not a
# test: nothing runs it in CI.
#
#   tools/bench/run.sh [--quick] [--plugin PATH] [--baseline-plugin PATH]
#                      [--out DIR] [--rounds N] [--jobs N] [--modes LIST]
#
# It builds nothing. Build the plugin first, optimised:
#   cmake --preset release && cmake --build --preset release
# --plugin            the ws.so to measure (default build/release/plugin/ws.so)
# --baseline-plugin   another build to compare with: three columns (without,
#                     baseline, with) and the cost of each
# --out               results and cached captures (default build/bench):
#                     results.md (also printed), results.tsv (raw numbers),
#                     callgrind/VARIANT.CAPTURE.MODE.out (callgrind_annotate)
# --quick             captures a tenth of the size, callgrind only
# --rounds N          wall-time and peak-RSS rounds (default 5; --quick: 0)
# --jobs N            callgrind runs at a time (default 2)
# --modes LIST        some of the modes r,Y,T,2 (default all four), e.g. r,Y
#                     for a faster look
#
# Each variant runs tshark with its own HOME (identical but for the plugin in
# the personal plugin folder), unprivileged (as nobody when run as root:
# Wireshark ignores personal plugins as root), with an empty extcap folder.
# Modes: -r, -r -Y websocket, -r -T fields -e frame.number, -2 -r -Y
# websocket; all with -n, output to /dev/null. Measured:
#   - instructions per packet: callgrind's total (Ir) minus the same mode on
#     the empty capture (start-up), divided by the packets;
#   - wall time and CPU time (user + system): medians over interleaved rounds
#     (each round runs every variant, in rotating order), start-up included;
#   - peak RSS: GNU time's maximum resident set size, the lowest of the rounds;
#     on the WebSocket capture also the plugin's extra bytes per frame.
# Fails unless every variant's tshark dissects the expected number of
# WebSocket frames, each plugin is the ws.so that loaded (tshark -G plugins),
# no ws.so loads without one, the plugin is active on the WebSocket capture and
# reports nothing (ws.rule) there, and nothing of ws or websocket shows on the
# capture without WebSocket.
# Needs tshark, valgrind, GNU time (/usr/bin/time), python3 with scapy.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/robustness/common.sh
. "$top/tests/robustness/common.sh"

cmdline="tools/bench/run.sh${*:+ $*}"
usage="usage: run.sh [--quick] [--plugin PATH] [--baseline-plugin PATH] [--out DIR]"
usage="$usage [--rounds N] [--jobs N] [--modes LIST]"
quick=0
plugin=$top/build/release/plugin/ws.so
baseline=
out=$top/build/bench
rounds=
jobs=2
modes=r,Y,T,2
while [ $# -gt 0 ]; do
    case $1 in
    --quick) quick=1 ;;
    --plugin | --baseline-plugin | --out | --rounds | --jobs | --modes)
        [ $# -ge 2 ] || rb_die "$1 needs a value ($usage)"
        case $1 in
        --plugin) plugin=$2 ;;
        --baseline-plugin) baseline=$2 ;;
        --out) out=$2 ;;
        --rounds) rounds=$2 ;;
        --jobs) jobs=$2 ;;
        --modes) modes=$2 ;;
        esac
        shift ;;
    *) rb_die "unknown argument $1 ($usage)" ;;
    esac
    shift
done
rounds=${rounds:-$((quick ? 0 : 5))}
case $rounds$jobs in *[!0-9]*) rb_die "--rounds and --jobs take numbers" ;; esac
[ "$jobs" -ge 1 ] || rb_die "--jobs must be at least 1"
IFS=, read -r -a modes <<<"$modes"
for m in "${modes[@]}"; do
    case $m in r | Y | T | 2) ;; *) rb_die "unknown mode $m (--modes takes some of r,Y,T,2)" ;; esac
done

for tool in tshark valgrind; do
    command -v "$tool" >/dev/null || rb_die "$tool not found (Debian: apt-get install $tool)"
done
[ -x /usr/bin/time ] || rb_die "GNU time not found at /usr/bin/time (Debian: apt-get install time)"
abs() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
variants=(without)
sos=("")
if [ -n "$baseline" ]; then
    [ -f "$baseline" ] || rb_die "no baseline plugin at $baseline"
    variants+=(baseline)
    sos+=("$(abs "$baseline")")
fi
[ -f "$plugin" ] ||
    rb_die "no plugin at $plugin (build: cmake --preset release && cmake --build --preset release)"
variants+=(with)
sos+=("$(abs "$plugin")")
mkdir -p "$out"
out=$(abs "$out")
start=$SECONDS

# ---- captures (cached in OUT, regenerated when a generator changed) --------
size=$([ "$quick" -eq 1 ] && echo quick || echo full)
capdir=$out/captures/$size
gens=("$top/tools/bench/gen_captures.py" "$top/captures/gen.py" "$top/captures/wsframe.py")
stale=0
[ -f "$capdir/index.tsv" ] || stale=1
for g in "${gens[@]}"; do
    [ "$stale" -eq 1 ] || [ ! "$g" -nt "$capdir/index.tsv" ] || stale=1
done
if [ "$stale" -eq 1 ]; then
    rm -rf "$capdir"
    genargs=(--out "$capdir")
    [ "$quick" -eq 0 ] || genargs+=(--quick)
    rb_python "$top/tools/bench/gen_captures.py" "${genargs[@]}" >&2
fi
declare -A packets frames
while IFS=$'\t' read -r name n f; do
    packets[$name]=$n
    frames[$name]=$f
done < <(grep -v '^#' "$capdir/index.tsv" | tail -n +2)
caps=(ws nows empty)
for c in "${caps[@]}"; do
    [ -n "${packets[$c]:-}" ] || rb_die "$capdir/index.tsv lists no capture $c"
done

# ---- homes: identical but for the plugin -------------------------------------
rb_work_dir
trap 'exit 130' INT TERM
tversion=$(tshark --version 2>/dev/null | awk 'NR == 1 { print $3 }')
series=$(echo "$tversion" | sed -n 's/^\([0-9]*\.[0-9]*\)\..*/\1/p')
[ -n "$series" ] || rb_die "cannot tell tshark's version"
mkdir -p "$rb_work/extcap" "$rb_work/cap" "$rb_work/cg" "$rb_work/wall"
for c in "${caps[@]}"; do cp "$capdir/$c.pcapng" "$rb_work/cap/"; done
declare -A home
for i in "${!variants[@]}"; do
    h=$rb_work/home-$i
    home[${variants[$i]}]=$h
    mkdir -p "$h/.local/lib/wireshark/plugins/$series/epan" "$h/.config/wireshark"
    [ -z "${sos[$i]}" ] || cp "${sos[$i]}" "$h/.local/lib/wireshark/plugins/$series/epan/ws.so"
done
chmod -R a+rX "$rb_work"
chmod a+rwx "$rb_work/cg"

# run_as VARIANT CMD...: run CMD as nobody (when root) with VARIANT's HOME.
run_as() {
    rb_user_prefix "${home[$1]}"
    shift
    "${rb_prefix[@]}" "$@"
}

# Wireshark seeds its hash maps (wmem_map) from GLib's g_random_int, which
# reads /dev/urandom: from one run to the next, callgrind's count for the same
# command moves by up to 1% (collision chains). As root, every measured tshark
# runs in a private mount namespace where /dev/urandom reads zeros, so that
# the seeds, and the counts, are the same every time (within 0.01%).
seeds=random
if [ "$(id -u)" -eq 0 ] && unshare -m sh -c 'mount --bind /dev/zero /dev/urandom' 2>/dev/null; then
    seeds=fixed
fi
# measure_prefix VARIANT: set the array mprefix to the prefix of a measured run.
measure_prefix() {
    rb_user_prefix "${home[$1]}"
    mprefix=("${rb_prefix[@]}")
    [ "$seeds" = random ] || mprefix=(unshare -m sh -c \
        'mount --bind /dev/zero /dev/urandom && exec "$@"' sh "${mprefix[@]}")
}

# ---- checks: the right plugin loaded, the captures dissect as expected -------
# count: the values in tshark -T fields output; lines: the lines of any output.
count() { tr ',\t' '\n' | grep -c . || true; }
lines() { grep -c . || true; }
for i in "${!variants[@]}"; do
    v=${variants[$i]}
    loaded=$(run_as "$v" tshark -G plugins 2>/dev/null |
        awk -F '\t' '$1 ~ /^ws\.so/ { print $4 }')
    if [ -z "${sos[$i]}" ]; then
        [ -z "$loaded" ] || rb_die "a ws.so loads without the plugin ($loaded): uninstall it first"
    else
        [ "$loaded" = "${home[$v]}/.local/lib/wireshark/plugins/$series/epan/ws.so" ] ||
            rb_die "$v: tshark did not load ${sos[$i]} (loaded: ${loaded:-nothing};" \
                "built for another Wireshark?)"
    fi
    f=$rb_work/cap/ws.pcapng
    n=$(run_as "$v" tshark -n -r "$f" -Y websocket -T fields -e websocket.opcode 2>/dev/null |
        count)
    [ "$n" -eq "${frames[ws]}" ] ||
        rb_die "$v: tshark dissects $n WebSocket frames in ws.pcapng, not ${frames[ws]}"
    n=$(run_as "$v" tshark -n -r "$rb_work/cap/nows.pcapng" -Y 'websocket || ws' 2>/dev/null |
        lines)
    [ "$n" -eq 0 ] || rb_die "$v: $n packets of nows.pcapng show websocket or ws items"
    [ -n "${sos[$i]}" ] || continue
    n=$(run_as "$v" tshark -n -r "$f" -Y ws 2>/dev/null | lines)
    [ "$n" -gt 0 ] || rb_die "$v: the plugin adds no ws item to ws.pcapng"
    n=$(run_as "$v" tshark -n -r "$f" -Y ws.rule -T fields -e ws.rule 2>/dev/null | count)
    [ "$n" -eq 0 ] || rb_die "$v: the plugin reports $n findings (ws.rule) on clean traffic"
done
echo "run.sh: checks passed: ${frames[ws]} WebSocket frames dissected by every variant," \
    "plugins loaded, nothing reported ($((SECONDS - start)) s)" >&2

# tshark_args CAPTURE MODE: set the array targs.
tshark_args() {
    local f=$rb_work/cap/$1.pcapng
    case $2 in
    r) targs=(-n -r "$f") ;;
    Y) targs=(-n -r "$f" -Y websocket) ;;
    T) targs=(-n -r "$f" -T fields -e frame.number) ;;
    2) targs=(-n -2 -r "$f" -Y websocket) ;;
    esac
}

# ---- callgrind ---------------------------------------------------------------
# callgrind_one VARIANT CAPTURE MODE: cg/V.C.M.out, and V.C.M.rc (exit status).
callgrind_one() {
    local base=$rb_work/cg/$1.$2.$3 rc=0
    tshark_args "$2" "$3"
    measure_prefix "$1"
    "${mprefix[@]}" valgrind --tool=callgrind --callgrind-out-file="$base.out" \
        tshark "${targs[@]}" \
        >/dev/null 2>"$base.log" || rc=$?
    echo "$rc" >"$base.rc"
}
running=0
for c in "${caps[@]}"; do
    for m in "${modes[@]}"; do
        for v in "${variants[@]}"; do
            callgrind_one "$v" "$c" "$m" &
            running=$((running + 1))
            if [ "$running" -ge "$jobs" ]; then
                wait -n
                running=$((running - 1))
            fi
        done
    done
done
wait
echo "run.sh: callgrind done ($((SECONDS - start)) s)" >&2
# self_cost FILE: the instructions spent in ws.so's own functions (callees in
# other objects not counted), from a callgrind out file: cost lines belong to
# the last ob= (names are given once, then referred to by id, also by cob=);
# the line after calls= is the inclusive cost of a call, skipped.
self_cost() {
    awk '
    function obj(s,   id, rest) {
        if (!match(s, /^\([0-9]+\)/)) return s
        id = substr(s, 1, RLENGTH)
        rest = substr(s, RLENGTH + 2)
        if (rest != "") names[id] = rest
        return names[id]
    }
    /^cob=/ { obj(substr($0, 5)); next }
    /^ob=/ { cur = obj(substr($0, 4)); next }
    /^calls=/ { skip = 1; next }
    /^[0-9+*-]/ {
        if (skip) skip = 0
        else if (cur ~ /\/ws\.so$/) total += $NF
    }
    END { printf "%d\n", total }' "$1"
}
declare -A ir self
for c in "${caps[@]}"; do
    for m in "${modes[@]}"; do
        for v in "${variants[@]}"; do
            base=$rb_work/cg/$v.$c.$m
            if [ "$(cat "$base.rc")" -ne 0 ]; then
                tail -n 20 "$base.log" >&2
                rb_die "$v: valgrind tshark on $c ($m) exited with $(cat "$base.rc")"
            fi
            ir[$v.$c.$m]=$(awk '/^summary:/ { print $2 }' "$base.out")
            [ -n "${ir[$v.$c.$m]}" ] || rb_die "no instruction total in $base.out"
            [ "$v" = without ] || self[$v.$c.$m]=$(self_cost "$base.out")
        done
    done
done
rm -rf "$out/callgrind"
mkdir -p "$out/callgrind"
cp "$rb_work"/cg/*.out "$out/callgrind/"

# ---- wall time and peak RSS --------------------------------------------------
declare -A wall cpu rss
median() {
    sort -n | awk '{ a[NR] = $1 }
        END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
if [ "$rounds" -gt 0 ]; then
    nv=${#variants[@]}
    for ((r = 0; r < rounds; r++)); do
        for c in "${caps[@]}"; do
            for m in "${modes[@]}"; do
                tshark_args "$c" "$m"
                for ((k = 0; k < nv; k++)); do
                    v=${variants[$(((k + r) % nv))]}
                    t0=$(date +%s%N)
                    measure_prefix "$v"
                    if ! /usr/bin/time -f '%M %U %S' -o "$rb_work/wall/time" "${mprefix[@]}" \
                        tshark "${targs[@]}" >/dev/null 2>"$rb_work/wall/err"; then
                        tail -n 5 "$rb_work/wall/err" >&2
                        rb_die "$v: tshark failed on $c ($m)"
                    fi
                    t1=$(date +%s%N)
                    echo $(((t1 - t0) / 1000)) >>"$rb_work/wall/$v.$c.$m.us"
                    read -r kib user sys < <(tail -n 1 "$rb_work/wall/time")
                    echo "$kib" >>"$rb_work/wall/$v.$c.$m.kib"
                    awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d\n", (u + s) * 1e6 }' \
                        >>"$rb_work/wall/$v.$c.$m.cpu"
                done
            done
        done
        echo "run.sh: wall-time round $((r + 1))/$rounds done ($((SECONDS - start)) s)" >&2
    done
    for c in "${caps[@]}"; do
        for m in "${modes[@]}"; do
            for v in "${variants[@]}"; do
                wall[$v.$c.$m]=$(median <"$rb_work/wall/$v.$c.$m.us")
                cpu[$v.$c.$m]=$(median <"$rb_work/wall/$v.$c.$m.cpu")
                rss[$v.$c.$m]=$(sort -n "$rb_work/wall/$v.$c.$m.kib" | head -n 1)
            done
        done
    done
fi

# ---- results -----------------------------------------------------------------
tsv=$out/results.tsv
per_packet() { awk -v a="$1" -v b="$2" -v n="$3" 'BEGIN { printf "%.1f", (a - b) / n }'; }
# put METRIC CAPTURE MODE VARIANT VALUE: one row of results.tsv.
put() { printf '%s\t%s\t%s\t%s\t%s\n' "$@"; }
{
    echo "# $cmdline; tshark $tversion; $size captures"
    put metric capture mode variant value
    for c in "${caps[@]}"; do
        put packets "$c" - - "${packets[$c]}"
        put ws_frames "$c" - - "${frames[$c]}"
    done
    for c in "${caps[@]}"; do
        for m in "${modes[@]}"; do
            for v in "${variants[@]}"; do
                put ir_total "$c" "$m" "$v" "${ir[$v.$c.$m]}"
                [ "$c" = empty ] || put ir_per_packet "$c" "$m" "$v" \
                    "$(per_packet "${ir[$v.$c.$m]}" "${ir[$v.empty.$m]}" "${packets[$c]}")"
                if [ "$v" != without ]; then
                    put ir_self_plugin "$c" "$m" "$v" "${self[$v.$c.$m]}"
                    [ "$c" = empty ] || put ir_self_plugin_per_packet "$c" "$m" "$v" \
                        "$(per_packet "${self[$v.$c.$m]}" "${self[$v.empty.$m]}" "${packets[$c]}")"
                fi
                if [ "$rounds" -gt 0 ]; then
                    put wall_us_median "$c" "$m" "$v" "${wall[$v.$c.$m]}"
                    put cpu_us_median "$c" "$m" "$v" "${cpu[$v.$c.$m]}"
                    put rss_kib_min "$c" "$m" "$v" "${rss[$v.$c.$m]}"
                fi
            done
        done
    done
} >"$tsv"

# The Markdown tables (tools/bench/table.awk), then the command.
rel() { case $1 in "$top"/*) echo "${1#"$top"/}" ;; *) echo "$1" ;; esac; }
sum12() { sha256sum <"$1" | cut -c1-12; }
intro="tshark with and without ws1002, ws.pcapng: ${packets[ws]} packets, ${frames[ws]} WebSocket"
intro="$intro frames; no-WebSocket capture: ${packets[nows]} packets; hash seeds: $seeds;"
intro="$intro plugin: \`$(rel "${sos[-1]}")\` (sha256 $(sum12 "${sos[-1]}"))"
[ -z "$baseline" ] || intro="$intro; baseline: \`$(rel "${sos[1]}")\` (sha256 $(sum12 "${sos[1]}"))"
awk -F '\t' -v variants="${variants[*]}" -v modes="${modes[*]}" -v rounds="$rounds" \
    -v intro="$intro." -f "$top/tools/bench/table.awk" "$tsv" >"$out/results.md"
{
    echo
    echo "Reproduce: \`$cmdline\`" \
        "(tshark $tversion, $(nproc) CPUs, $((SECONDS - start)) s)."
} >>"$out/results.md"
cat "$out/results.md"
echo "run.sh: results in $out/results.md and results.tsv; callgrind files in $out/callgrind/" >&2
