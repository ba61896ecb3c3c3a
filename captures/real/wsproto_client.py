#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""A clean session from a wsproto client (Debian python3-wsproto 1.2.0).

    wsproto_client.py URL        # e.g. ws://127.0.0.1:9106/clean

wsproto offers permessage-deflate with its defaults, "permessage-deflate;
client_max_window_bits=15; server_max_window_bits=15"; the websocket-driver
server (node/driver_server.js) answers a bare "permessage-deflate", which is
legal: 15 is the default window (RFC 7692 §7.1.2.1). Two connections, one
after the other, both compressed: a text, a text in three fragments, a Ping, a 66000-byte binary message and a
4-byte code point, each echoed; connection 1 is closed by the client with
1000, connection 2 by the server ("please close"). Every wait is bounded;
the exit status says whether both sessions completed.

Loopback only; plain sockets under wsproto's sans-I/O connection.
"""

import json
import socket
import sys
import time
from urllib.parse import urlparse

from wsproto import ConnectionType, WSConnection
from wsproto.events import (AcceptConnection, BytesMessage, CloseConnection, Message, Ping, Pong,
                            RejectConnection, Request, TextMessage)
from wsproto.extensions import PerMessageDeflate

BIG = bytes((i * 7) & 0xFF for i in range(66000))
SERVER_MESSAGES = 1  # driver_server.js's own text on /clean


class Session:
    def __init__(self, host, port, path):
        self.sock = socket.create_connection((host, port), timeout=5)
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.events = []
        self.closed = None
        self.send(Request(host="%s:%d" % (host, port), target=path,
                          extensions=[PerMessageDeflate()]))

    def send(self, event):
        self.sock.sendall(self.ws.send(event))

    def pump(self, until, timeout=5.0):
        """Read and handle events until until() or `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while not until():
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no progress within %.0f s" % timeout)
            self.sock.settimeout(left)
            data = self.sock.recv(65536)
            self.ws.receive_data(data or None)
            for ev in self.ws.events():
                self.events.append(ev)
                if isinstance(ev, Ping):
                    self.send(ev.response())
                elif isinstance(ev, CloseConnection):
                    self.closed = self.closed or ev  # not wsproto's 1006 at EOF
                    if self.ws.state.name != "CLOSED":
                        self.send(ev.response())
                elif isinstance(ev, RejectConnection):
                    raise RuntimeError("upgrade refused: %d" % ev.status_code)
            if not data:
                return

    def messages(self):
        return [e for e in self.events if isinstance(e, Message) and e.message_finished]


def session(url, server_closes):
    u = urlparse(url)
    if not u.hostname.startswith("127."):
        sys.exit("wsproto_client.py: loopback addresses only")
    s = Session(u.hostname, u.port, u.path)
    s.pump(lambda: any(isinstance(e, AcceptConnection) for e in s.events))
    s.send(TextMessage(data="hello from wsproto, compressed"))
    # wsproto sends text as str: the fragments split between code points
    s.send(TextMessage(data="fragments: ", message_finished=False))
    s.send(TextMessage(data="price \u20ac", message_finished=False))
    s.send(TextMessage(data=" 5"))
    s.send(Ping(payload=b"client ping"))
    s.send(BytesMessage(data=BIG))
    s.send(TextMessage(data="\u00e9t\u00e9 \U0001F600 bye"))
    want = SERVER_MESSAGES + 4
    s.pump(lambda: len(s.messages()) >= want and any(isinstance(e, Pong) for e in s.events))
    if server_closes:
        s.send(TextMessage(data="please close"))
    else:
        s.send(CloseConnection(code=1000, reason="client bye"))
    s.pump(lambda: s.closed is not None)
    # The server closes TCP first; wait for it (bounded).
    try:
        s.pump(lambda: False, timeout=2.0)
    except (TimeoutError, OSError):
        pass
    s.sock.close()
    print(json.dumps({"server_closes": server_closes, "code": s.closed.code,
                      "reason": s.closed.reason, "messages": len(s.messages())}))
    return s.closed.code == 1000


def main(url):
    ok = session(url, False)
    ok = session(url, True) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
