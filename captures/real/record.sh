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
me=record.sh
PY_PORT=9101
NODE_PORT=9102
. "$here/record_common.sh"
require node npm
find_python websockets scapy
npm_ci

# The receivers. Their logs (one JSON line per connection: the error each one
# raised) are cut per capture below.
"$python" "$here/websockets_server.py" "$PY_PORT" >"$work/websockets.log" 2>"$work/websockets.err" &
pids+=($!)
(cd "$here/node" && exec node server.js "$NODE_PORT") >"$work/ws.log" 2>"$work/ws.err" &
pids+=($!)
wait_for "$work/websockets.log" listening 10
wait_for "$work/ws.log" listening 10

capture violations-websockets "$PY_PORT" websockets \
    "$python" "$here/peer.py" --port "$PY_PORT" --log "$work/peer-websockets.jsonl"
capture violations-ws "$NODE_PORT" ws \
    "$python" "$here/peer.py" --port "$NODE_PORT" --log "$work/peer-ws.jsonl"
capture clean-ws-client-websockets-server "$PY_PORT" websockets \
    node "$here/node/client.js" "ws://127.0.0.1:$PY_PORT/clean"
capture clean-websockets-client-ws-server "$NODE_PORT" ws \
    "$python" "$here/websockets_client.py" "ws://127.0.0.1:$NODE_PORT/clean"

cleanup
trap - EXIT

"$python" "$here/derive.py" "$out"
