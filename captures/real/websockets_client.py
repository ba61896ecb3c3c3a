#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A clean session from a Python websockets client: the false-positive control.

    websockets_client.py URL        # e.g. ws://127.0.0.1:9102/clean

Two connections, one after the other. 1: permessage-deflate (websockets'
default offer): a text, a text in three fragments, a Ping, a 66000-byte
binary message, then Close 1000 from the client. 2: no extension: the same
messages uncompressed, then "please close", which makes the server close with
1000. The ws server on /clean first sends a fragmented text message, a Ping
and an uncompressed text. Every step has a timeout; the exit status says
whether both sessions completed.

Needs Debian's python3-websockets (10.4).
"""

import asyncio
import json
import sys

import websockets

BIG = bytes((i * 7) & 0xFF for i in range(66000))
SERVER_MESSAGES = 2  # the ws server's fragmented text and its uncompressed text


async def session(url, pmd):
    async with websockets.connect(url, compression="deflate" if pmd else None,
                                  ping_interval=None, close_timeout=1) as ws:
        await ws.send("hello from websockets")
        await ws.send(["frag", "mented \u00e9", "t\u00e9 text"])
        pong = await ws.ping(b"client ping")
        await asyncio.wait_for(pong, 2)
        await ws.send(BIG)
        await ws.send("\U0001F600 bye")
        got = 0
        while got < SERVER_MESSAGES + 4:
            await asyncio.wait_for(ws.recv(), 2)
            got += 1
        if pmd:
            await ws.close(1000, "client bye")
        else:
            await ws.send("please close")
            await asyncio.wait_for(ws.wait_closed(), 3)
        print(json.dumps({"pmd": pmd, "code": ws.close_code, "reason": ws.close_reason,
                          "messages": got}))
        return ws.close_code == 1000


async def main(url):
    ok = await asyncio.wait_for(session(url, True), 10)
    ok = await asyncio.wait_for(session(url, False), 10) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
