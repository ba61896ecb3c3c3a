# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by record.sh and record_chromium.sh (sourced, not run): the checks,
# the clean-up of everything started, and one bounded dumpcap recording.
# The caller sets `here` (this folder), `out` (where captures go) and `me`
# (its name, for messages) first.

LIMIT=240 # seconds: upper bound for any one capture

die() { echo "$me: $*" >&2; exit 1; }

# require TOOL...: root (dumpcap on lo) and these commands.
require() {
    local tool
    [ "$(id -u)" -eq 0 ] || die "run as root (dumpcap on the loopback interface)"
    for tool in dumpcap timeout "$@"; do
        command -v "$tool" >/dev/null || die "needs $tool"
    done
}

# find_python MODULE...: the python3 that imports them (the first on PATH
# may be another installation than Debian's); sets $python.
find_python() {
    local p imports
    imports=$(printf 'import %s;' "$@")
    python=""
    for p in ${PYTHON:-} python3 /usr/bin/python3; do
        if command -v "$p" >/dev/null && "$p" -c "$imports" 2>/dev/null; then
            python=$p
            return 0
        fi
    done
    die "needs a python3 with: $* (Debian: python3-<module>)"
}

mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    pids=()
    rm -rf "$work"
}
trap cleanup EXIT

wait_for() { # file pattern seconds: wait until the file holds the pattern
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    die "timed out waiting for '$2' in $1"
}

# capture NAME PORT SERVERLOG COMMAND...: record COMMAND's traffic to PORT.
# SERVERLOG names the receiver's log in $work (SERVERLOG.log, one JSON line
# per connection) whose first line and new lines go to NAME.server.jsonl;
# "-": the command writes NAME.server.jsonl itself. A key log written to
# $work/NAME.keys is installed beside the capture.
capture() {
    local name=$1 port=$2 slog=$3
    shift 3
    local file="$out/$name.pcapng" before=0 cap rc=0
    echo "== $name (tcp port $port)"
    rm -f "$file" "$out/$name.keys"
    dumpcap -q -i lo -f "tcp port $port" -a "duration:$LIMIT" -w "$work/$name.pcapng" \
        2>"$work/$name.dumpcap" &
    cap=$!
    pids+=("$cap")
    wait_for "$work/$name.dumpcap" "Capturing on" 10
    sleep 0.5
    [ "$slog" = - ] || before=$(wc -l <"$work/$slog.log")
    timeout "$((LIMIT - 30))" "$@" || rc=$?
    sleep 0.5
    kill -INT "$cap"
    wait "$cap" || true
    install -m 0644 "$work/$name.pcapng" "$file"
    [ ! -f "$work/$name.keys" ] || install -m 0644 "$work/$name.keys" "$out/$name.keys"
    if [ "$slog" != - ]; then
        # The receiver's first line (versions), then its lines for this capture.
        { head -n 1 "$work/$slog.log"; tail -n +"$((before + 1))" "$work/$slog.log"; } \
            >"$out/$name.server.jsonl"
    fi
    [ "$rc" -eq 0 ] || die "$name: '$*' failed with status $rc"
}

npm_ci() { (cd "$here/node" && timeout 300 npm ci --no-audit --no-fund --loglevel=error); }
