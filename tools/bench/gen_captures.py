#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write the captures of the plugin-cost benchmark (tools/bench/run.sh, issue 14).

Not test captures: they are generated into a build folder, never committed.
Built on captures/gen.py (its TCP connections, frames, deflater and pcapng
writer), so every connection has a three-way handshake, correct sequence and
acknowledgement numbers and checksums. A fixed pseudo-random generator
(splitmix64) and fixed addresses, keys and timestamps make two runs write the
same bytes (--check verifies it).

  ws.pcapng     ~10,000 legal WebSocket frames on 5 connections, each opened
                by a captured Upgrade: ports 80 and 8080 (HTTP's ports) and
                40001, 40002 (found by HTTP's heuristic), permessage-deflate on
                two of them (raw deflate with context takeover, RFC 7692
                §7.2.1). Small and medium text (JSON, some non-ASCII), 64 KiB
                binary frames over MSS-sized segments, bursts of frames in one
                segment, fragmented messages with Pings between fragments,
                compressed messages, Ping/Pong, ACKs, and a clean close (Close
                1000 both ways, then FIN) on each. Fragmented messages are
                never compressed: Wireshark 4.0's websocket dissector inflates
                only a compressed message's first fragment and then fails on
                every later message of that direction ("Decompression failed").
  nows.pcapng   ~20,000 packets without WebSocket: HTTP/1.1 keep-alive with
                JSON bodies on ports 80 and 8080 (some spanning segments), TLS
                1.3-looking connections on 443 (ClientHello, ServerHello,
                ChangeCipherSpec, application data records up to 16 KiB) and a
                length-prefixed binary protocol on port 41000.
  empty.pcapng  no packets: tshark's start-up cost.
  index.tsv     capture, packets, WebSocket frames Wireshark must dissect.

--quick writes captures a tenth of that size (same mix).

Needs Debian's python3-scapy:
  /usr/bin/python3 tools/bench/gen_captures.py --out DIR [--quick] [--check]
"""

import argparse
import filecmp
import hashlib
import json
import os
import struct
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "captures"))

import gen  # noqa: E402  (captures/gen.py: exits with a hint when scapy is missing)
from gen import (CLIENT, RSV1, SERVER, Binary, Capture, Close, Cont, Deflater,  # noqa: E402
                 Ping, Pong, Text)

BY = "tools/bench/gen_captures.py"
PMD_OFFER = "permessage-deflate; client_max_window_bits"
PMD_ACCEPT = "permessage-deflate"
BIG = 65536  # a "64 KiB" binary frame: 64-bit length form, 46 segments


class Rng:
    """splitmix64: the same sequence on every Python version."""

    def __init__(self, seed):
        self.s = seed

    def next(self):
        self.s = (self.s + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
        z = self.s
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
        return z ^ (z >> 31)

    def between(self, lo, hi):
        return lo + self.next() % (hi - lo + 1)

    def chance(self, percent):
        return self.next() % 100 < percent

    def pick(self, seq):
        return seq[self.next() % len(seq)]

    def weighted(self, table):
        """table: [(weight, value)]; one value, chosen by weight."""
        r = self.next() % sum(w for w, _ in table)
        for w, v in table:
            if r < w:
                return v
            r -= w
        raise AssertionError("unreachable")

    def bytes(self, n):
        """n bytes that look random (for encrypted and binary payloads)."""
        return hashlib.shake_256(b"%d" % self.next()).digest(n)


WORDS = ("hello", "price", "update", "lobby", "ticket", "order", "status", "ready", "caf\u00e9",
         "na\u00efve", "\u65e5\u672c\u8a9e", "\u00fcber", "\U0001F600", "stream", "quote", "ok")


def sentence(rng, n):
    return " ".join(rng.pick(WORDS) for _ in range(n))


def json_text(rng, size):
    """A JSON document of about `size` bytes (UTF-8): a list of records."""
    items = []
    doc = "[]"
    while len(doc.encode()) < size:
        i = rng.between(1, 99999)
        items.append({"id": i, "name": "item-%d" % i, "price": rng.between(100, 99999) / 100,
                      "tags": [rng.pick(WORDS) for _ in range(rng.between(0, 3))],
                      "active": rng.chance(70), "note": sentence(rng, rng.between(1, 8))})
        doc = json.dumps(items, ensure_ascii=False)
    return doc.encode()


def chat(rng, n):
    return json.dumps({"type": "msg", "seq": n, "room": rng.pick(("lobby", "dev", "ops")),
                       "user": "u%d" % rng.between(1, 500),
                       "text": sentence(rng, rng.between(2, 12))}, ensure_ascii=False).encode()


def ack(conn, side):
    """A pure ACK from side, if it has data to acknowledge (what a receiver
    sends after a response)."""
    if conn.unacked[1 - side]:
        conn._pkt(side, "A")


def split3(data, rng):
    """data cut into three non-empty pieces (at byte offsets: a multibyte
    UTF-8 character may straddle two fragments, which is legal)."""
    a = rng.between(1, len(data) - 2)
    b = rng.between(a + 1, len(data) - 1)
    return data[:a], data[a:b], data[b:]


# ---- the WebSocket capture ---------------------------------------------------


class WsConn:
    """One WebSocket connection and its per-direction deflaters."""

    def __init__(self, cap, rng, sport, pmd, big):
        self.rng = rng
        self.pmd = pmd
        self.big = big  # sends 64 KiB binary frames
        self.c = cap.conn(sport=sport, host="ws%d.example.test" % sport, path="/live")
        self.c.open().upgrade(PMD_OFFER if pmd else None, PMD_ACCEPT if pmd else None)
        self.deflater = [Deflater(), Deflater()] if pmd else None
        self.n = 0

    def message(self, side, data, text=True, compress=None):
        """One unfragmented message; compressed when the connection has
        permessage-deflate (unless compress says otherwise)."""
        if compress is None:
            compress = self.pmd and self.rng.chance(85)
        kind = Text if text else Binary
        if compress:
            return kind(self.deflater[side].message(data), rsv=RSV1)
        return kind(data)

    def step(self):
        """One exchange, chosen by weight."""
        rng, c = self.rng, self.c
        self.n += 1
        what = rng.weighted([(50, "chat"), (14, "burst"), (10, "medium"), (8, "fragmented"),
                             (6, "ping"), (4 if self.big else 0, "big"), (6, "ack")])
        if what == "chat":  # a request and its answer
            c.ws(CLIENT, self.message(CLIENT, chat(rng, self.n)))
            c.ws(SERVER, self.message(SERVER, chat(rng, self.n)))
        elif what == "burst":  # a server writes several updates at once
            frames = [self.message(SERVER, chat(rng, self.n + i)) for i in range(rng.between(2, 6))]
            c.ws(SERVER, *frames, split="one")
        elif what == "medium":
            side = rng.pick((CLIENT, SERVER))
            c.ws(side, self.message(side, json_text(rng, rng.between(1024, 8192))))
        elif what == "fragmented":  # Pings between the fragments, the peer's Pongs
            side = rng.pick((CLIENT, SERVER))
            a, b, z = split3(json_text(rng, rng.between(300, 3000)), rng)
            p1, p2 = b"p%d" % self.n, b"q%d" % self.n
            c.ws(side, Text(a, fin=False))
            c.ws(side, Ping(p1))
            c.ws(1 - side, Pong(p1))
            c.ws(side, Cont(b, fin=False))
            c.ws(side, Ping(p2))
            c.ws(side, Cont(z))
            c.ws(1 - side, Pong(p2))
        elif what == "ping":
            side = rng.pick((CLIENT, SERVER))
            payload = b"%d" % rng.between(0, 1 << 32)
            c.ws(side, Ping(payload))
            c.ws(1 - side, Pong(payload))
        elif what == "big":  # a file chunk; now and then an upload
            side = CLIENT if rng.chance(20) else SERVER
            c.ws(side, Binary(rng.bytes(BIG)))
        else:
            ack(c, rng.pick((CLIENT, SERVER)))

    def close(self):
        self.c.ws(CLIENT, Close(1000, "bye"))
        self.c.ws(SERVER, Close(1000))
        self.c.close_tcp(first=SERVER)


def ws_capture(scale):
    """~10,000 WebSocket frames (times scale) on 5 connections."""
    cap = Capture("ws", "benchmark: WebSocket traffic")
    rng = Rng(0x14)
    conns = [WsConn(cap, rng, 80, pmd=True, big=False),
             WsConn(cap, rng, 8080, pmd=False, big=True),
             WsConn(cap, rng, 40001, pmd=True, big=True),
             WsConn(cap, rng, 40002, pmd=False, big=True),
             WsConn(cap, rng, 80, pmd=False, big=False)]
    target = int(10000 * scale) - 2 * len(conns)
    while cap.nframes < target:
        rng.pick(conns).step()
    for w in conns:
        w.close()
    return cap


# ---- the capture without WebSocket -------------------------------------------


def http_exchange(c, rng, n):
    """A keep-alive request (GET, or POST with a JSON body) and its JSON response."""
    host = "api%d.example.test" % c.port[1]
    if rng.chance(70):
        body = b""
        head = ["GET /api/v1/items/%d?fields=all HTTP/1.1" % n]
    else:
        body = json_text(rng, rng.between(60, 1500))
        head = ["POST /api/v1/orders HTTP/1.1", "Content-Type: application/json",
                "Content-Length: %d" % len(body)]
    head += ["Host: %s" % host, "User-Agent: bench-client/1.0", "Accept: application/json",
             "Connection: keep-alive"]
    req = ("\r\n".join(head) + "\r\n\r\n").encode() + body
    c.send_writes(CLIENT, req, [len(req)])
    size = rng.weighted([(60, (80, 1000)), (30, (1000, 4000)), (10, (4000, 20000))])
    body = json_text(rng, rng.between(*size))
    head = ["HTTP/1.1 200 OK", "Content-Type: application/json; charset=utf-8",
            "Content-Length: %d" % len(body), "Cache-Control: no-store",
            "Date: Tue, 14 Nov 2023 22:13:20 GMT", "Server: bench-server/2.1",
            "Keep-Alive: timeout=5"]
    resp = ("\r\n".join(head) + "\r\n\r\n").encode() + body
    c.send_writes(SERVER, resp, [len(resp)])
    if rng.chance(60):
        ack(c, CLIENT)


def tls_record(ctype, body):
    return struct.pack(">BHH", ctype, 0x0303, len(body)) + body


def tls_handshake(htype, body):
    return tls_record(22, struct.pack(">I", (htype << 24) | len(body)) + body)


def tls_ext(etype, body):
    return struct.pack(">HH", etype, len(body)) + body


def client_hello(rng, host):
    name = host.encode()
    exts = (tls_ext(0x0000, struct.pack(">HBH", len(name) + 3, 0, len(name)) + name)
            + tls_ext(0x000A, b"\x00\x06\x00\x1d\x00\x17\x00\x18")
            + tls_ext(0x000D, b"\x00\x08\x04\x03\x08\x04\x04\x01\x05\x03")
            + tls_ext(0x0010, b"\x00\x0c\x02h2\x08http/1.1")
            + tls_ext(0x002B, b"\x04\x03\x04\x03\x03")
            + tls_ext(0x0033, b"\x00\x24\x00\x1d\x00\x20" + rng.bytes(32)))
    suites = b"\x13\x01\x13\x02\x13\x03\xc0\x2b\xc0\x2f\xc0\x2c\xc0\x30"
    body = (b"\x03\x03" + rng.bytes(32) + b"\x20" + rng.bytes(32)
            + struct.pack(">H", len(suites)) + suites + b"\x01\x00"
            + struct.pack(">H", len(exts)) + exts)
    return tls_handshake(1, body)


def server_hello(rng, session):
    exts = tls_ext(0x002B, b"\x03\x04") + tls_ext(0x0033, b"\x00\x1d\x00\x20" + rng.bytes(32))
    body = (b"\x03\x03" + rng.bytes(32) + b"\x20" + session + b"\x13\x01\x00"
            + struct.pack(">H", len(exts)) + exts)
    return tls_handshake(2, body)


def tls_data(rng, n):
    """Application data records carrying n bytes (at most 16 KiB + 17 each)."""
    out = b""
    while n > 0:
        k = min(n, 16384)
        out += tls_record(23, rng.bytes(k + 17))
        n -= k
    return out


def tls_conn(cap, rng):
    c = cap.conn(sport=443).open()
    hello = client_hello(rng, "www%d.example.test" % c.n)
    c.send_writes(CLIENT, hello, [len(hello)])
    ccs = tls_record(20, b"\x01")
    flight = server_hello(rng, hello[44:76]) + ccs + tls_data(rng, rng.between(2500, 4500))
    c.send_writes(SERVER, flight, [len(flight)])
    fin = ccs + tls_data(rng, 36)
    c.send_writes(CLIENT, fin, [len(fin)])
    return c


def tls_exchange(c, rng):
    req = tls_data(rng, rng.between(80, 700))
    c.send_writes(CLIENT, req, [len(req)])
    resp = tls_data(rng, rng.weighted([(50, 300), (30, 3000), (20, 40000)]) + rng.between(0, 999))
    c.send_writes(SERVER, resp, [len(resp)])
    if rng.chance(60):
        ack(c, CLIENT)


def binary_exchange(c, rng, n):
    """A request/response protocol: "BQ", version, type, u32 length, u32
    sequence number, body (a magic first, or SMPP's heuristic claims it)."""
    for side, size in ((CLIENT, rng.between(8, 200)),
                       (SERVER, rng.weighted([(70, 64), (20, 2000), (10, 30000)]))):
        msg = rng.bytes(size)
        data = b"BQ" + struct.pack(">BBII", 1, 0x10 + side, len(msg), n) + msg
        c.send_writes(side, data, [len(data)])
    if rng.chance(40):
        ack(c, CLIENT)


def nows_capture(scale):
    """~20,000 packets (times scale) of HTTP, TLS and other TCP."""
    cap = Capture("nows", "benchmark: traffic without WebSocket")
    rng = Rng(0x1414)
    http = [cap.conn(sport=port).open() for port in (80, 80, 80, 8080, 8080, 80, 8080)]
    tls = [tls_conn(cap, rng) for _ in range(4)]
    other = [cap.conn(sport=41000).open() for _ in range(2)]
    target = int(20000 * scale) - 3 * (len(http) + len(tls) + len(other))
    n = 0
    while len(cap.packets) < target:
        n += 1
        kind = rng.weighted([(55, "http"), (25, "tls"), (20, "other")])
        if kind == "http":
            http_exchange(rng.pick(http), rng, n)
        elif kind == "tls":
            tls_exchange(rng.pick(tls), rng)
        else:
            binary_exchange(rng.pick(other), rng, n)
    for c in http + tls + other:
        c.close_tcp(first=CLIENT)
    return cap


# ---- output -------------------------------------------------------------------


def generate(out, scale):
    os.makedirs(out, exist_ok=True)
    caps = [ws_capture(scale), nows_capture(scale), Capture("empty", "benchmark: no packets")]
    lines = ["# Benchmark captures written by %s (scale %g): name, packets," % (BY, scale),
             "# WebSocket frames Wireshark must dissect.", "capture\tpackets\tws_frames"]
    for cap in caps:
        gen.write_capture(cap, {}, out, by=BY)
        lines.append("%s\t%d\t%d" % (cap.name, len(cap.packets), cap.nframes))
    with open(os.path.join(out, "index.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return lines[3:]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="output folder")
    ap.add_argument("--quick", action="store_true", help="a tenth of the size")
    ap.add_argument("--check", action="store_true",
                    help="also write everything a second time elsewhere and compare the bytes")
    opts = ap.parse_args()
    scale = 0.1 if opts.quick else 1.0
    rows = generate(opts.out, scale)
    print("%s: wrote to %s: %s" % (os.path.basename(__file__), opts.out,
                                   "; ".join(r.replace("\t", " ", 1).replace("\t", " packets, ")
                                             + " WebSocket frames" for r in rows)))
    if opts.check:
        with tempfile.TemporaryDirectory(prefix="ws1002-bench-") as tmp:
            generate(tmp, scale)
            names = sorted(os.listdir(tmp))
            _, diff, errors = filecmp.cmpfiles(opts.out, tmp, names, shallow=False)
            if diff or errors:
                print("%s --check: not deterministic: %s differ"
                      % (os.path.basename(__file__), ", ".join(diff + errors)))
                return 1
            print("%s --check: a second run wrote the same bytes (%d files)"
                  % (os.path.basename(__file__), len(names)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
