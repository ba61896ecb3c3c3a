#!/bin/bash
# shellcheck source-path=SCRIPTDIR
# SPDX-License-Identifier: GPL-2.0-or-later
# Valgrind memcheck of Debian's tshark with the plugin (a normal build, not
# the sanitizer one) over every capture: no error whose stack passes through
# the plugin, and no leak of memory the plugin allocated. No suppressions:
# errors elsewhere (GLib's exit-time leaks) are counted and listed, not
# failed. A leak allocated by Wireshark itself inside a dissector the plugin
# called (the allocation stack reaches libwireshark before ws.so) is listed,
# not failed: the websocket dissector leaks fragment_add_seq_next blocks on
# some corrupted streams just the same when Decode As hands it them and no
# plugin is loaded (seen on an editcap -E mutation of the merged captures).
#
#   tests/robustness/valgrind-tshark.sh [seeds]     (default 1)
#
# tshark's start-up under memcheck is the slow part, so it is paid once per
# run: run 1 is all captures merged into one file (merge-captures.py keeps
# their connections apart; mergecap would fold them together), -V -2, with
# the captures' index.tsv arguments; runs 2.. are `editcap -E 0.02 --seed i`
# mutations of that file (i = 1..seeds). About 15-30 s per run on 2 cores.
#
# The plugin is built in build/valgrind-tshark (or $WS1002_VALGRIND_BUILD)
# with -z nodelete, and valgrind keeps its debug information: Wireshark
# unloads plugins at exit, which would otherwise turn the plugin's
# registration data (reachable from its static arrays for the life of the
# process) into "definitely lost" blocks with anonymous frames.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=common.sh
. "$top/tests/robustness/common.sh"

seeds=${1:-1}
build=${WS1002_VALGRIND_BUILD:-$top/build/valgrind-tshark}
start=$SECONDS
command -v valgrind >/dev/null || rb_die "valgrind not found (Debian: valgrind)"

echo "valgrind-tshark: building the plugin in $build"
mkdir -p "$build"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWS1002_SANITIZE=OFF \
    -DWS1002_BUILD_TESTS=OFF -DWS1002_BUILD_TOOLS=OFF \
    -DCMAKE_MODULE_LINKER_FLAGS=-Wl,-z,nodelete >"$build/build.log" 2>&1 ||
    { cat "$build/build.log" >&2; exit 2; }
cmake --build "$build" -j2 --target ws1002_plugin >>"$build/build.log" 2>&1 ||
    { tail -n 30 "$build/build.log" >&2; exit 2; }
rm -f "$build/build.log"

rb_work_dir
rb_home "$build/plugin/ws.so"
mapfile -t caps < <(rb_captures)
[ "${#caps[@]}" -gt 0 ] || rb_die "no captures under captures/"
merged=$rb_work/merged.pcapng
(cd "$top/captures" && rb_python "$top/tests/robustness/merge-captures.py" "$merged" "${caps[@]}")
args="-V -2 $(for c in "${caps[@]}"; do rb_capture_args "$c"; done | tr '\n' ' ')"
chmod a+r "$merged"
chmod a+rwx "$rb_work"

fail=0
total_errors=0
for ((i = 0; i <= seeds; i++)); do
    input=$merged
    what="merged captures"
    if [ "$i" -gt 0 ]; then
        input=$rb_work/m$i.pcapng
        editcap -E 0.02 --seed "$i" "$merged" "$input" >/dev/null
        chmod a+r "$input"
        what="merged captures, editcap -E 0.02 --seed $i"
    fi
    xml=$rb_work/vg$i.xml
    rc=0
    # shellcheck disable=SC2086 # args is a list of words
    rb_as_user valgrind --tool=memcheck --keep-debuginfo=yes --leak-check=full \
        --show-leak-kinds=definite,possible --num-callers=50 --xml=yes --xml-file="$xml" \
        tshark -r "$input" $args >/dev/null 2>"$rb_work/vg$i.err" || rc=$?
    if [ "$rc" -ne 0 ] || [ ! -s "$xml" ]; then
        echo "FAIL run $i ($what): tshark under valgrind exited with $rc" >&2
        tail -n 20 "$rb_work/vg$i.err" >&2
        fail=1
        continue
    fi
    # Errors whose stack has a frame in ws.so (the plugin, core included);
    # for a leak, only if ws.so comes before libwireshark, read from the
    # allocation outward.
    if ! verdict=$(rb_python - "$xml" <<'PY'
import sys
import xml.etree.ElementTree as ET

errors = plugin = 0
kinds = {}
for e in ET.parse(sys.argv[1]).getroot().iter("error"):
    errors += 1
    kind = e.findtext("kind")
    kinds[kind] = kinds.get(kind, 0) + 1
    frames = [f for s in e.findall("stack") for f in s.iter("frame")]
    objs = [(f.findtext("obj") or "").rsplit("/", 1)[-1] for f in frames]
    if "ws.so" not in objs:
        continue
    owner = next((o for o in objs if o == "ws.so" or o.startswith("libwireshark")), "ws.so")
    what = e.findtext("what") or e.findtext("xwhat/text") or kind
    if kind.startswith("Leak_") and owner != "ws.so":
        print("  Wireshark's leak, in a dissector the plugin called: %s" % what, file=sys.stderr)
        continue
    plugin += 1
    print("  plugin error: %s" % what, file=sys.stderr)
    for f in frames[:15]:
        print("    %s %s:%s (%s)" % (f.findtext("fn") or "?", f.findtext("file") or "?",
                                    f.findtext("line") or "?",
                                    (f.findtext("obj") or "?").rsplit("/", 1)[-1]),
              file=sys.stderr)
print("%d %d %s" % (errors, plugin,
                    ",".join("%s:%d" % kv for kv in sorted(kinds.items())) or "none"))
sys.exit(1 if plugin else 0)
PY
    ); then
        fail=1
        echo "FAIL run $i ($what): errors through the plugin (above)" >&2
    fi
    read -r n_err n_plugin kinds <<<"$verdict"
    total_errors=$((total_errors + n_err))
    echo "valgrind-tshark: run $i ($what): $n_plugin errors through the plugin;" \
        "$n_err memcheck errors in all ($kinds)"
done
echo "valgrind-tshark: $((seeds + 1)) runs over ${#caps[@]} captures in $((SECONDS - start)) s," \
    "$total_errors memcheck errors in all (tshark and GLib unless listed above)"
exit $fail
