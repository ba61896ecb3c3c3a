#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# The GUI test: the real Wireshark (Qt) under Xvfb with the plugin and the
# profile ws1002 as a package installs them, on captures/demo.pcapng. It
# opens the main window on the violating frame 7 with its ws item expanded,
# Statistics > WebSocket ws1002 and the Configuration Profiles dialog, then,
# in a second run, Expert Information; it takes a screenshot of each, and
# fails unless:
#   - tshark, with the same folders, lists ws.so from the personal plugin folder;
#   - every window appeared (the statistics window exists only if the plugin
#     registered it: Wireshark refuses an unknown -z);
#   - Wireshark copied the global profile ws1002 to the personal profiles when
#     it was selected (-C ws1002), and the packet list shows the profile's
#     colors for a must-fail frame and a failure Close;
#   - the violating frame's details show the ws item and it expanded;
#   - the statistics list connections and Expert Information an error.
#
#   tests/gui/screenshots.sh [--build DIR] [--out DIR] [--update DIR]
#     --build DIR   the build tree with the plugin (default: build/dev)
#     --out DIR     keep the raw screenshots there (default: thrown away)
#     --update DIR  write the screenshots for the README into DIR (docs/):
#                   gui-wireshark.png, gui-expert.png, gui-stats.png,
#                   gui-profiles.png, reduced to a 128-colour palette
#
# The plugin and the profile are staged with `cmake --install --component
# plugin` (what the .deb holds) into a temporary prefix; Wireshark reads the
# profile from there as a global profile (WIRESHARK_DATA_DIR) and the plugin
# from a temporary HOME. As root, Wireshark runs as nobody (root ignores
# personal plugin folders). Needs Debian's wireshark (Qt), xvfb, xdotool and
# imagemagick; without them it fails, naming the packages.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$top/build/dev
out=
update=
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --update) update=$2; shift 2 ;;
    *) echo "usage: $0 [--build DIR] [--out DIR] [--update DIR]" >&2; exit 2 ;;
    esac
done
wait_limit=${WS1002_GUI_WAIT:-60} # seconds for each window to appear

fail() {
    echo "FAIL: $*" >&2
    exit 1
}
log() {
    echo "gui: $*"
}

missing=
for tool in wireshark:wireshark tshark:tshark Xvfb:xvfb xdotool:xdotool import:imagemagick \
    convert:imagemagick cmake:cmake setpriv:util-linux; do
    command -v "${tool%%:*}" >/dev/null || missing="$missing ${tool#*:}"
done
[ -z "$missing" ] || fail "missing programs; install the Debian packages:$missing"
[ -f "$build/CMakeCache.txt" ] || fail "no build tree at $build (cmake --preset dev first)"

tmp=$(mktemp -d)
chmod 755 "$tmp"
xvfb_pid=
ws_pid=
cleanup() {
    [ -z "$ws_pid" ] || kill "$ws_pid" 2>/dev/null || true
    [ -z "$xvfb_pid" ] || kill "$xvfb_pid" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# ---- the package's files, the folders Wireshark reads ------------------------

cmake --install "$build" --component plugin --prefix "$tmp/usr" >/dev/null
so=$(find "$tmp/usr" -path '*/wireshark/plugins/*/epan/ws.so' | head -n 1)
[ -n "$so" ] || fail "cmake --install put no ws.so under $tmp/usr (is the plugin built?)"
series=$(basename "$(dirname "$(dirname "$so")")")
profile=$tmp/usr/share/wireshark/profiles/ws1002
[ -f "$profile/preferences" ] || fail "cmake --install put no profile ws1002 in share/wireshark/profiles"

home=$tmp/home
mkdir -p "$home/.local/lib/wireshark/plugins/$series/epan" "$home/.config/wireshark" "$tmp/run"
cp "$so" "$home/.local/lib/wireshark/plugins/$series/epan/ws.so"
# The main window where the screenshots expect it.
printf '%s\n' "gui.geometry_main_x: 0" "gui.geometry_main_y: 0" "gui.geometry_main_width: 1280" \
    "gui.geometry_main_height: 800" "gui.geometry_main_maximized: FALSE" \
    >"$home/.config/wireshark/recent_common"
# Wireshark's data folder with the package's profile among the global ones.
global=$(tshark -G folders 2>/dev/null | sed -n 's/^Global configuration:[[:space:]]*//p')
[ -d "$global" ] || fail "cannot find Wireshark's data folder (tshark -G folders)"
data=$tmp/data
mkdir -p "$data/profiles"
for e in "$global"/*; do
    [ "$(basename "$e")" = profiles ] || ln -s "$e" "$data/"
done
for p in "$global"/profiles/*; do
    [ -e "$p" ] && [ "$(basename "$p")" != ws1002 ] && ln -s "$p" "$data/profiles/"
done
ln -s "$profile" "$data/profiles/ws1002"
cp "$top/captures/demo.pcapng" "$tmp/demo.pcapng"
chmod -R a+rX "$tmp"
chmod -R a+rwX "$home"

as_user=()
if [ "$(id -u)" -eq 0 ]; then
    as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
    chown nobody:nogroup "$tmp/run"
fi
chmod 700 "$tmp/run"
env_common=(env -i "HOME=$home" "PATH=$PATH" "LC_ALL=C.UTF-8" "WIRESHARK_DATA_DIR=$data"
    "XDG_RUNTIME_DIR=$tmp/run")

plugins=$("${as_user[@]}" "${env_common[@]}" tshark -G plugins 2>/dev/null || true)
grep -q "^ws\.so.*$home" <<<"$plugins" || fail "tshark does not list ws.so from $home:
$plugins"
log "plugin: $(grep '^ws\.so' <<<"$plugins" | tr -s '\t' ' ')"

# ---- Xvfb and Wireshark --------------------------------------------------------

exec 3>"$tmp/display"
Xvfb -displayfd 3 -screen 0 2600x1300x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xvfb_pid=$!
exec 3>&-
for _ in $(seq 50); do
    [ -s "$tmp/display" ] && break
    sleep 0.2
done
[ -s "$tmp/display" ] || fail "Xvfb did not start: $(cat "$tmp/xvfb.log")"
DISPLAY=":$(tr -d '[:space:]' <"$tmp/display")"
export DISPLAY
log "Xvfb on $DISPLAY"

# Wireshark on the demo capture with the profile ws1002 and the arguments
# given; Expert Information and the statistics each get their own run, as
# two dialogs opened at once by -z retap the capture over each other.
start=$SECONDS
wireshark_start() {
    "${as_user[@]}" "${env_common[@]}" "DISPLAY=$DISPLAY" wireshark -C ws1002 \
        -r "$tmp/demo.pcapng" "$@" >"$tmp/wireshark.log" 2>&1 &
    ws_pid=$!
}
wireshark_stop() {
    kill "$ws_pid" 2>/dev/null || true
    wait "$ws_pid" 2>/dev/null || true
    ws_pid=
}

# The id of the first window whose name matches $1, waiting up to the limit.
window() {
    local id deadline=$((SECONDS + wait_limit))
    while [ $SECONDS -lt $deadline ]; do
        kill -0 "$ws_pid" 2>/dev/null || fail "Wireshark exited: $(cat "$tmp/wireshark.log")"
        id=$(xdotool search --onlyvisible --name "$1" 2>/dev/null | head -n 1 || true)
        if [ -n "$id" ]; then
            echo "$id"
            return
        fi
        sleep 0.5
    done
    fail "no window named '$1' after ${wait_limit}s: $(cat "$tmp/wireshark.log")"
}

wireshark_start -g 7 -z ws1002,tree
main=$(window '^demo\.pcapng$')
stats=$(window 'WebSocket ws1002')
log "main window and statistics open after $((SECONDS - start))s"
[ -f "$home/.config/wireshark/profiles/ws1002/preferences" ] ||
    fail "Wireshark did not copy the global profile ws1002 to the personal profiles"
log "profile ws1002 selected (copied from the global profiles)"
xdotool windowmove "$stats" 0 850 windowsize "$stats" 1280 200
sleep 2

shots=$tmp/shots
mkdir -p "$shots"
# How many pixels of colour $2 (r,g,b) the image $1 has in column $3.
column_rows() {
    convert "$1" -crop "1x10000+$3+0" +repage txt:- | grep -n "($2)" | cut -d: -f1 || true
}
count_colour() {
    convert "$1" -fill black +opaque "rgb($2)" -fill white -opaque "rgb($2)" \
        -format '%[fx:round(mean*w*h)]' info:
}

# The packet list: the profile's colors (must fail, failure Close).
import -window "$main" "$shots/before.png"
for c in "255,179,179:must-fail" "224,208,255:failure Close"; do
    [ "$(count_colour "$shots/before.png" "${c%%:*}")" -gt 0 ] ||
        fail "no ${c#*:} row in the packet list (profile coloring rules not in force?)"
done
# The violating frame's ws item: red (an error) in the details pane. Select it
# and expand its subtrees.
ws_row=$(column_rows "$shots/before.png" "255,92,92" 300 | head -n 1)
[ -n "$ws_row" ] || fail "no ws item with an error in the details of frame 7 (plugin not loaded?)"
xdotool mousemove --window "$main" 300 "$((ws_row - 1))" click 1
sleep 0.5
xdotool key shift+Right
sleep 1
import -window "$main" "$shots/wireshark.png"
below=$(column_rows "$shots/wireshark.png" "255,92,92" 300 | awk -v y="$ws_row" '$1 > y + 8' | head -n 1)
[ -n "$below" ] || fail "the ws item of frame 7 did not expand (no finding under it)"
log "frame 7: ws item at y=$ws_row, expanded"
import -window "$stats" "$shots/stats.png"
# The first rows of the table, under its header, hold text.
convert "$shots/stats.png" -crop 1200x50+12+34 +repage "$shots/stats-rows.png"
[ "$(count_colour "$shots/stats-rows.png" "0,0,0")" -gt 100 ] ||
    fail "the statistics window lists no connection"

# Edit > Configuration Profiles lists ws1002 among the global profiles.
xdotool mousemove --window "$main" 600 300 click 1
sleep 0.3
xdotool key ctrl+shift+a
profiles=$(window 'Configuration Profiles')
xdotool windowmove "$profiles" 1300 400
sleep 1
import -window "$profiles" "$shots/profiles.png"
xdotool key Escape
wireshark_stop

wireshark_start -z expert
expert=$(window 'Expert Information')
xdotool windowmove "$expert" 0 0 windowsize "$expert" 1100 330
sleep 2
import -window "$expert" "$shots/expert.png"
[ "$(count_colour "$shots/expert.png" "255,92,92")" -gt 0 ] ||
    fail "Expert Information lists no error"
wireshark_stop
log "all windows checked after $((SECONDS - start))s"

if [ -n "$out" ]; then
    mkdir -p "$out"
    cp "$shots"/wireshark.png "$shots"/expert.png "$shots"/stats.png "$shots"/profiles.png "$out/"
    log "screenshots in $out"
fi
if [ -n "$update" ]; then
    mkdir -p "$update"
    for s in wireshark expert stats profiles; do
        convert "$shots/$s.png" -colors 128 "PNG8:$update/gui-$s.png"
    done
    log "wrote $update/gui-{wireshark,expert,stats,profiles}.png"
fi
echo "gui: ok"
