#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The Python websockets receiver: an echo server on loopback.

Defaults as shipped (permessage-deflate on, 1 MiB max_size), except that the
keepalive Ping is off (it would add frames at random times) and the close
timeout is 1 s (bounded runs). On the path /clean it first talks itself (a
fragmented text message and a Ping), so that a clean session exercises the
server-to-client direction too; the text message "please close" makes it
close with 1000. Every connection's outcome (close code,
exception) is logged as one JSON line on stdout.

    websockets_server.py PORT      # runs until SIGTERM or SIGINT

Needs Debian's python3-websockets (10.4).
"""

import asyncio
import json
import signal
import sys

import websockets


def log(**kw):
    print(json.dumps(kw, sort_keys=True), flush=True)


async def handler(ws):
    peer_port = ws.remote_address[1]
    case = ws.request_headers.get("X-Ws1002-Case", "")
    try:
        if ws.path == "/clean":
            await ws.send(["fragmented ", "text from ", "the server \u20ac"])
            pong = await ws.ping(b"server ping")
            await asyncio.wait_for(pong, 2)
        async for msg in ws:
            if msg == "please close":
                await ws.close(1000, "server bye")
                break
            await ws.send(msg)
    except websockets.ConnectionClosed:
        pass
    except Exception as e:  # logged, never fatal for the server
        log(event="handler-error", peer_port=peer_port, error=repr(e))
    exc = getattr(ws, "transfer_data_exc", None)
    log(event="closed", peer_port=peer_port, case=case, path=ws.path,
        extensions=ws.response_headers.get("Sec-WebSocket-Extensions"),
        close_code=ws.close_code, close_reason=ws.close_reason,
        error=None if exc is None else "%s: %s" % (type(exc).__name__, exc))


async def main(port):
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with websockets.serve(handler, "127.0.0.1", port, ping_interval=None,
                                close_timeout=1):
        log(event="listening", port=port, version=websockets.__version__,
            python=sys.version.split()[0])
        await stop


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
