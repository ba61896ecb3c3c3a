# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the robustness scripts (bash): a throw-away HOME holding the
# plugin, and tshark run from it. Wireshark ignores personal plugin folders
# when run as root, so as root tshark runs as nobody (as in tools/ws-tshark).
# Sourcing scripts set: top (repository root).
: "${top:?set top to the repository root before sourcing common.sh}"

rb_die() {
    echo "$(basename "$0"): $*" >&2
    exit 2
}

# rb_work_dir: a temporary folder readable by nobody, removed on exit; sets
# rb_work.
rb_work_dir() {
    rb_work=$(mktemp -d "${TMPDIR:-/tmp}/ws1002-robustness.XXXXXX")
    chmod 755 "$rb_work"
    trap 'rm -rf "$rb_work"' EXIT
}

# rb_home PLUGIN: install PLUGIN as the personal plugin of a new HOME under
# $rb_work; sets rb_home_dir. An empty extcap folder keeps tshark from
# starting the extcap tools (androiddump hangs under a preloaded ASan).
rb_home() {
    local series
    series=$(tshark --version 2>/dev/null | sed -n '1s/.* \([0-9]*\.[0-9]*\)\.[0-9].*/\1/p')
    [ -n "$series" ] || rb_die "cannot tell tshark's version (is tshark installed?)"
    rb_home_dir=$rb_work/home
    mkdir -p "$rb_home_dir/.local/lib/wireshark/plugins/$series/epan"
    cp "$1" "$rb_home_dir/.local/lib/wireshark/plugins/$series/epan/ws.so"
    mkdir -p "$rb_work/extcap"
    chmod -R a+rX "$rb_home_dir" "$rb_work/extcap"
}

# rb_user_prefix HOME: set the array rb_prefix to the command prefix that
# runs a program as nobody (if root) with that HOME and no extcap tools.
rb_user_prefix() {
    rb_prefix=(env HOME="$1" WIRESHARK_EXTCAP_DIR="$rb_work/extcap")
    if [ "$(id -u)" -eq 0 ]; then
        rb_prefix=(setpriv --reuid=nobody --regid=nogroup --clear-groups "${rb_prefix[@]}")
    fi
}

# rb_as_user [VAR=VALUE...] CMD...: run CMD as nobody (if root) with
# HOME=$rb_home_dir and the given variables (passed to env).
rb_as_user() {
    rb_user_prefix "$rb_home_dir"
    "${rb_prefix[@]}" "$@"
}

# rb_captures: every capture under captures/, sorted, relative to captures/.
rb_captures() {
    (cd "$top/captures" && find . -name '*.pcapng' | sed 's|^\./||' | LC_ALL=C sort)
}

# rb_capture_args NAME.pcapng: the extra tshark arguments the captures'
# index.tsv files give for a capture (e.g. Decode As for a mid-stream
# capture): captures/index.tsv names it by its path, captures/DIR/index.tsv by
# its name in DIR.
rb_capture_args() {
    local name=${1%.pcapng} dir
    dir=$(dirname "$name")
    {
        [ ! -f "$top/captures/index.tsv" ] ||
            awk -F '\t' -v n="$name" '$1 == n { print $2 }' "$top/captures/index.tsv"
        [ "$dir" = . ] || [ ! -f "$top/captures/$dir/index.tsv" ] ||
            awk -F '\t' -v n="${name##*/}" '$1 == n { print $2 }' "$top/captures/$dir/index.tsv"
    } | head -n 1
}

# rb_python SCRIPT ARGS...: run a python script with a python3 that has
# scapy (Debian's python3-scapy; another python3 may come first in PATH).
rb_python() {
    local py
    for py in python3 /usr/bin/python3; do
        if "$py" -c 'import scapy' 2>/dev/null; then
            "$py" "$@"
            return
        fi
    done
    rb_die "no python3 with scapy (Debian: python3-scapy)"
}
