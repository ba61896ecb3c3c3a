#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Re-record the captures of real WebSocket implementations (see README.md).
#
#   sudo captures/real/record.sh [OUTDIR]      # default OUTDIR: this folder
#
# As root (dumpcap on lo). Installs ws with `npm ci` into node/, starts the
# two receivers on loopback (Python websockets on 127.0.0.1:9101, Node ws on
# 127.0.0.1:9102), records four captures with dumpcap (one capture filter per
# server port, each bounded by -a duration), stops everything it started,
# then runs derive.py to write the expectation files, index.tsv and the
# reaction table in README.md. Needs: dumpcap, node + npm, python3 with
# websockets (Debian: python3-websockets) and scapy (python3-scapy).
#
# Recorded captures are not byte-identical from one run to the next (ports,
# timestamps, TCP timing): always commit them together with what derive.py
# writes, and check the result with derive.py --tshark (README.md).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
PY_PORT=9101
NODE_PORT=9102
LIMIT=240 # seconds: upper bound for any one capture

die() { echo "record.sh: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "run as root (dumpcap on the loopback interface)"
for tool in dumpcap node npm timeout; do
    command -v "$tool" >/dev/null || die "needs $tool"
done

# The python3 that has websockets and scapy: the first on PATH may be another
# installation than Debian's.
python=""
for p in ${PYTHON:-} python3 /usr/bin/python3; do
    if command -v "$p" >/dev/null && "$p" -c 'import websockets, scapy' 2>/dev/null; then
        python=$p
        break
    fi
done
[ -n "$python" ] || die "needs a python3 with websockets and scapy (apt-get install python3-websockets python3-scapy)"

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
    rm -rf "$work"
}
trap cleanup EXIT

(cd "$here/node" && timeout 300 npm ci --no-audit --no-fund --loglevel=error)

wait_for() { # file pattern seconds: wait until the file holds the pattern
    local i
    for ((i = 0; i < $3 * 10; i++)); do
        grep -q "$2" "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    die "timed out waiting for '$2' in $1"
}

# The receivers. Their logs (one JSON line per connection: the error each one
# raised) are cut per capture below.
"$python" "$here/websockets_server.py" "$PY_PORT" >"$work/websockets.log" 2>"$work/websockets.err" &
pids+=($!)
(cd "$here/node" && exec node server.js "$NODE_PORT") >"$work/ws.log" 2>"$work/ws.err" &
pids+=($!)
wait_for "$work/websockets.log" listening 10
wait_for "$work/ws.log" listening 10

# capture NAME PORT SERVERLOG COMMAND...: record COMMAND's traffic to PORT.
capture() {
    local name=$1 port=$2 slog=$3
    shift 3
    local file="$out/$name.pcapng" before cap rc=0
    echo "== $name (tcp port $port)"
    rm -f "$file"
    dumpcap -q -i lo -f "tcp port $port" -a "duration:$LIMIT" -w "$work/$name.pcapng" \
        2>"$work/$name.dumpcap" &
    cap=$!
    pids+=("$cap")
    wait_for "$work/$name.dumpcap" "Capturing on" 10
    sleep 0.5
    before=$(wc -l <"$work/$slog.log")
    timeout "$((LIMIT - 30))" "$@" || rc=$?
    sleep 0.5
    kill -INT "$cap"
    wait "$cap" || true
    install -m 0644 "$work/$name.pcapng" "$file"
    # The receiver's first line (versions), then its lines for this capture.
    { head -n 1 "$work/$slog.log"; tail -n +"$((before + 1))" "$work/$slog.log"; } >"$out/$name.server.jsonl"
    [ "$rc" -eq 0 ] || die "$name: '$*' failed with status $rc"
}

capture violations-websockets "$PY_PORT" websockets \
    "$python" "$here/peer.py" --port "$PY_PORT" --log "$work/peer-websockets.jsonl"
capture violations-ws "$NODE_PORT" ws \
    "$python" "$here/peer.py" --port "$NODE_PORT" --log "$work/peer-ws.jsonl"
capture clean-ws-client-websockets-server "$PY_PORT" websockets \
    node "$here/node/client.js" "ws://127.0.0.1:$PY_PORT/clean"
capture clean-websockets-client-ws-server "$NODE_PORT" ws \
    "$python" "$here/websockets_client.py" "ws://127.0.0.1:$NODE_PORT/clean"

cleanup
pids=()
trap - EXIT

"$python" "$here/derive.py" "$out"
