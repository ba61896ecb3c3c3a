#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The Python websockets receiver for the probe tests: an echo server on
127.0.0.1, with the settings of captures/real/websockets_server.py (defaults
as shipped, keepalive Ping off, close timeout 1 s), so that the reactions
recorded in captures/real hold. With a certificate and key it serves wss://.
It listens on a free port and prints {"listening": PORT} when ready.

    websockets_server.py [CERT KEY]      # runs until SIGTERM

Needs Debian's python3-websockets (10.4).
"""

import asyncio
import json
import signal
import ssl
import sys

import websockets


async def echo(ws):
    try:
        async for msg in ws:
            await ws.send(msg)
    except websockets.ConnectionClosed:
        pass


async def main(argv):
    ctx = None
    if len(argv) == 2:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(argv[0], argv[1])
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with websockets.serve(echo, "127.0.0.1", 0, ssl=ctx, ping_interval=None,
                                close_timeout=1) as server:
        port = server.sockets[0].getsockname()[1]
        print(json.dumps({"listening": port}), flush=True)
        await stop


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
