#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Record the Chromium captures and the wsproto session (see README.md):
# Chromium headless as the client of the crafted server (every server-side
# violation) and of the Node ws server (clean sessions), over ws:// and over
# wss:// (TLS, Chromium's key log committed beside the capture); and a
# wsproto client with the websocket-driver server (clean).
#
#   sudo captures/real/record_chromium.sh [OUTDIR]     # default OUTDIR: this folder
#
# As root (dumpcap on lo). Needs: dumpcap, chromium, openssl, node + npm,
# python3 with scapy (derive.py) and wsproto (Debian python3-wsproto).
# Loopback only; Chromium runs with a fresh profile and its background
# networking off. Ports: 9103 crafted server, 9104 crafted server over TLS,
# 9102 ws server, 9105 ws server over TLS, 9106 websocket-driver server,
# 9110 the page, 9119 Chromium's DevTools (never captured).
#
# It then runs derive.py over the whole folder, which rewrites every
# expectation file, index.tsv and the tables in README.md.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
me=record_chromium.sh
. "$here/record_common.sh"
require chromium openssl node npm
find_python scapy wsproto
npm_ci

# A certificate for 127.0.0.1, made now and thrown away with $work (Chromium
# runs with --ignore-certificate-errors; the key log decrypts anyway).
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1" -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null

(cd "$here/node" && exec node server.js 9102) >"$work/ws.log" 2>"$work/ws.err" &
pids+=($!)
(cd "$here/node" && exec node server.js 9105 "$work/cert.pem" "$work/key.pem") \
    >"$work/wss.log" 2>"$work/wss.err" &
pids+=($!)
(cd "$here/node" && exec node driver_server.js 9106) >"$work/driver.log" 2>"$work/driver.err" &
pids+=($!)
wait_for "$work/ws.log" listening 10
wait_for "$work/wss.log" listening 10
wait_for "$work/driver.log" listening 10

crafted=("$python" "$here/crafted_server.py")
capture violations-chromium 9103 - \
    "${crafted[@]}" violations --ws-port 9103 --out "$out" --name violations-chromium
capture violations-chromium-wss 9104 - \
    "${crafted[@]}" violations --ws-port 9104 --tls "$work/cert.pem" "$work/key.pem" \
    --keylog "$work/violations-chromium-wss.keys" --out "$out" --name violations-chromium-wss
capture clean-chromium-client-ws-server 9102 ws \
    "${crafted[@]}" clean --url ws://127.0.0.1:9102/clean --out "$out" \
    --name clean-chromium-client-ws-server
capture clean-chromium-client-ws-server-wss 9105 wss \
    "${crafted[@]}" clean --url wss://127.0.0.1:9105/clean \
    --keylog "$work/clean-chromium-client-ws-server-wss.keys" --out "$out" \
    --name clean-chromium-client-ws-server-wss
capture clean-wsproto-client-websocket-driver-server 9106 driver \
    "$python" "$here/wsproto_client.py" ws://127.0.0.1:9106/clean

cleanup
trap - EXIT

"$python" "$here/derive.py" "$out"
