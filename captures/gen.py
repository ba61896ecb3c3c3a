#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generate the ws1002 test captures, their expectations and captures/README.md.

Every capture is a scripted story: Ethernet/IPv4/TCP connections with a full
three-way handshake, correct sequence/acknowledgement numbers and checksums
(built by scapy), an HTTP/1.1 Upgrade and its 101, then WebSocket frames with
exact bytes and chosen TCP segmentation, then FIN. Timestamps, addresses,
ports, keys and masks are fixed, so running this twice gives identical files.

Each story states which WebSocket frames break which rule; the generator works
out the capture frame (packet) number that carries each WebSocket frame (the
segment holding its last byte, where Wireshark's TCP reassembly hands it to the
websocket dissector) and writes <name>.tsv next to <name>.pcapng. Expected
close codes and ws.proto_error come from the rule table, wsv_rules.def.

Needs Debian's python3-scapy:  python3 captures/gen.py [--out DIR]
"""

import argparse
import base64
import hashlib
import os
import re
import sys
import tempfile
import zlib
from decimal import Decimal

try:
    from scapy.layers.inet import IP, TCP
    from scapy.layers.l2 import Ether
    from scapy.utils import PcapNgWriter
except ImportError:  # pragma: no cover - reported to the user
    sys.exit("gen.py: needs scapy (Debian package python3-scapy); "
             "run it with the python3 that has it, e.g. /usr/bin/python3")

# The generators built on this one import the frames from here.
from wsframe import (OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT,  # noqa: F401,E402
                     RSV1, RSV2, RSV3, WS_GUID, Binary, Close, Cont, Frame, Ping, Pong, Text)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DEF = os.path.join(HERE, "..", "plugin", "core", "include", "wsv", "wsv_rules.def")

CLIENT, SERVER = 0, 1
MSS = 1448
# 2023-11-14 22:13:20 UTC; each capture starts here so that files do not
# depend on the order in which they are generated.
T0_US = 1700000000 * 1000000

# ---- the rule table ---------------------------------------------------------

_ROW = re.compile(
    r'WSV_RULE\(\s*(\w+),\s*"([a-z0-9-]+)",\s*(\d+),\s*"([^"]*)",\s*(\d+),\s*(\d+),\s*(\d+),'
    r'\s*(ERROR|WARN|NOTE),\s*(\w+),\s*(\w+),\s*(\w+),')


def load_rules(path):
    """id -> dict(close, severity, impl, ref) from wsv_rules.def."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    rules = {}
    for m in _ROW.finditer(text):
        rules[m.group(2)] = {
            "close": int(m.group(5)),
            "severity": m.group(8),
            "impl": m.group(11),
            "ref": "RFC %s \u00a7%s" % (m.group(3), m.group(4)),
        }
    if not rules:
        sys.exit("gen.py: no WSV_RULE rows in %s" % path)
    return rules


def expected_close(rule):
    """The close code a conforming receiver sends, under default strictness."""
    return rule["close"] if rule["severity"] == "ERROR" else 0


def pattern(n, seed=0):
    """n deterministic bytes that are not all alike."""
    return bytes((i * 31 + seed * 7 + (i >> 8)) & 0xFF for i in range(n))


def ascii_text(n, seed=0):
    alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789 "
    return bytes(alphabet[(i * 7 + seed) % len(alphabet)] for i in range(n))


class Deflater:
    """permessage-deflate sender side with context takeover (RFC 7692 §7.2.1)."""

    def __init__(self):
        self.z = zlib.compressobj(6, zlib.DEFLATED, -15, 8, zlib.Z_DEFAULT_STRATEGY)
        self.check = zlib.decompressobj(-15)

    def message(self, data):
        out = self.z.compress(data) + self.z.flush(zlib.Z_SYNC_FLUSH)
        assert out.endswith(b"\x00\x00\xff\xff")
        out = out[:-4]
        # What a receiver does: append the tail again and inflate.
        assert self.check.decompress(out + b"\x00\x00\xff\xff") == data
        return out


# ---- TCP connections in a capture --------------------------------------------


class Capture:
    def __init__(self, name, summary, args=()):
        self.name = name
        self.summary = summary
        self.args = list(args)
        self.packets = []  # raw Ethernet frames
        self.times = []    # microseconds since the epoch
        self.expect = []   # (packet number, rule id)
        self.nframes = 0   # WebSocket frames sent
        self.t_us = T0_US
        self.nconn = 0

    def add(self, raw, gap_us=1000):
        self.t_us += gap_us
        self.packets.append(raw)
        self.times.append(self.t_us)
        return len(self.packets)

    def conn(self, **kw):
        self.nconn += 1
        return Conn(self, self.nconn, **kw)


class Conn:
    """One TCP connection: client port 50000+n to server `sport`."""

    def __init__(self, cap, n, sport=80, host="ws.example.test", path="/chat",
                 cip=None, sip="198.51.100.1"):
        self.cap = cap
        self.n = n
        self.host = host
        self.path = path
        self.ip = [cip or "192.0.2.%d" % (9 + n), sip]
        self.port = [50000 + n, sport]
        self.mac = ["02:00:00:00:01:%02x" % n, "02:00:00:00:02:01"]
        self.seq = [0x10000000 * n + 0x1111, 0x20000000 + 0x01000000 * n + 0x2222]
        self.ipid = [0x100 * n, 0x4000 + 0x100 * n]
        self.unacked = [0, 0]
        self.nmask = 0
        self.key = None

    def _pkt(self, side, flags, payload=b"", options=None):
        peer = 1 - side
        ack = self.seq[peer] if "A" in flags else 0
        raw = bytes(
            Ether(src=self.mac[side], dst=self.mac[peer])
            / IP(src=self.ip[side], dst=self.ip[peer], id=self.ipid[side] & 0xFFFF,
                 flags="DF", ttl=64)
            / TCP(sport=self.port[side], dport=self.port[peer], seq=self.seq[side], ack=ack,
                  flags=flags, window=64240, options=options or [])
            / payload)
        self.ipid[side] += 1
        self.seq[side] = (self.seq[side] + len(payload) + ("S" in flags) + ("F" in flags)) & 0xFFFFFFFF
        if "A" in flags:
            self.unacked[peer] = 0
        return self.cap.add(raw)

    def open(self):
        """TCP three-way handshake."""
        self._pkt(CLIENT, "S", options=[("MSS", 1460)])
        self._pkt(SERVER, "SA", options=[("MSS", 1460)])
        self._pkt(CLIENT, "A")
        return self

    def segment(self, side, data):
        num = self._pkt(side, "PA", data)
        self.unacked[side] += len(data)
        if self.unacked[side] >= 2 * MSS:  # delayed ACK from the receiver
            self._pkt(1 - side, "A")
        return num

    def upgrade(self, offer=None, accept=None, protocol=None):
        """HTTP/1.1 Upgrade request and its 101 (offer/accept: Sec-WebSocket-Extensions)."""
        self.key = base64.b64encode(hashlib.sha1(b"key/%s/%d" % (self.cap.name.encode(), self.n))
                                    .digest()[:16]).decode()
        req = ["GET %s HTTP/1.1" % self.path, "Host: %s" % self.host, "Upgrade: websocket",
               "Connection: Upgrade", "Sec-WebSocket-Key: %s" % self.key,
               "Sec-WebSocket-Version: 13"]
        if offer:
            req.append("Sec-WebSocket-Extensions: %s" % offer)
        if protocol:
            req.append("Sec-WebSocket-Protocol: %s" % protocol)
        req.append("User-Agent: ws1002-gen/1")
        self.segment(CLIENT, ("\r\n".join(req) + "\r\n\r\n").encode())
        acc = base64.b64encode(hashlib.sha1(self.key.encode() + WS_GUID).digest()).decode()
        resp = ["HTTP/1.1 101 Switching Protocols", "Upgrade: websocket", "Connection: Upgrade",
                "Sec-WebSocket-Accept: %s" % acc]
        if accept:
            resp.append("Sec-WebSocket-Extensions: %s" % accept)
        if protocol:
            resp.append("Sec-WebSocket-Protocol: %s" % protocol)
        self.segment(SERVER, ("\r\n".join(resp) + "\r\n\r\n").encode())
        return self

    def _mask_key(self, side, frame):
        masked = (side == CLIENT) if frame.masked is None else frame.masked
        if not masked:
            return None
        self.nmask += 1
        return hashlib.sha1(b"mask/%s/%d/%d" % (self.cap.name.encode(), self.n, self.nmask)).digest()[:4]

    def send_writes(self, side, blob, writes):
        """Send blob as writes of the given sizes; a write longer than the MSS
        goes out as several segments, as TCP would send it. Returns
        [(end offset in blob, packet number)] per segment."""
        sizes = []
        for w in writes:
            while w > MSS:
                sizes.append(MSS)
                w -= MSS
            sizes.append(w)
        seg_end = []
        pos = 0
        for size in sizes:
            num = self.segment(side, blob[pos:pos + size])
            pos += size
            seg_end.append((pos, num))
        return seg_end

    def ws(self, side, *frames, split=None):
        """Send frames from `side`.

        split=None: each frame in its own write; "one": all frames in one
        write; a list of sizes: cut the concatenated bytes at those sizes (the
        rest, if any, goes in one more write). Writes longer than the MSS go
        out as several segments, as TCP would send them.
        """
        blob = b""
        ends = []
        writes = []
        for fr in frames:
            wire = fr.encode(self._mask_key(side, fr))
            if split is None:
                writes.append(len(wire))
            blob += wire
            ends.append(len(blob))
        if split == "one":
            writes = [len(blob)]
        elif split is not None:
            writes = list(split)
            rest = len(blob) - sum(writes)
            assert rest >= 0, "split longer than the frames"
            if rest:
                writes.append(rest)
        seg_end = self.send_writes(side, blob, writes)
        self.cap.nframes += len(frames)
        for fr, end in zip(frames, ends):
            num = next(n for e, n in seg_end if e >= end)
            for rule in fr.rules:
                self.cap.expect.append((num, rule))
        return self

    def close_tcp(self, first=CLIENT):
        """FIN from `first`, FIN from the peer, last ACK."""
        self._pkt(first, "FA")
        self._pkt(1 - first, "FA")
        self._pkt(first, "A")
        return self


# ---- the captures -----------------------------------------------------------

CAPTURES = []


def capture(name, summary, args=()):
    def register(fn):
        CAPTURES.append((name, summary, args, fn))
        return fn
    return register


def simple(cap, violator, frames, reply, offer=None, accept=None):
    """Handshake, `frames` from `violator`, `reply` from the peer, TCP close."""
    c = cap.conn().open().upgrade(offer, accept)
    peer = 1 - violator
    c.ws(CLIENT, Text("hello"))
    c.ws(SERVER, Text("welcome"))
    c.ws(violator, *frames)
    if reply is not None:
        c.ws(peer, reply)
    c.close_tcp(first=peer)


PMD_OFFER = "permessage-deflate; client_max_window_bits"
PMD_ACCEPT = "permessage-deflate"

# Rule captures: one per rule the core judges.


@capture("rules/frame-rsv-nonzero", "client sets RSV2 on a text frame")
def _(cap):
    """No extension is negotiated. The client sends a text frame with RSV2 set; the
    server fails the connection with Close 1002."""
    simple(cap, CLIENT, [Text("rsv2", rsv=RSV2, rules=["frame-rsv-nonzero"])], Close(1002))


@capture("rules/frame-opcode-reserved", "server sends opcode 0x3, then two more frames (after-fail)")
def _(cap):
    """The server sends a frame with the reserved opcode 0x3, then a text frame
    (which only gets the `after-fail` note: frames after a must-fail violation are
    not judged), then a Ping (nothing at all). The client closes 1002; the
    server's Close echo gets nothing either."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("hello"))
    c.ws(SERVER, Frame(0x3, "op3", rules=["frame-opcode-reserved"]))
    c.ws(SERVER, Text("still talking", rules=["after-fail"]))
    c.ws(SERVER, Ping("p"))
    c.ws(CLIENT, Close(1002))
    c.ws(SERVER, Close(1002))
    c.close_tcp(first=SERVER)


@capture("rules/frame-unmasked-client", "client sends an unmasked text frame")
def _(cap):
    """After a masked text frame, the client sends an unmasked one; the server
    (role known from the handshake) closes 1002."""
    simple(cap, CLIENT, [Text("not masked", masked=False, rules=["frame-unmasked-client"])],
           Close(1002))


@capture("rules/frame-masked-server", "server sends a masked text frame")
def _(cap):
    """The server masks a text frame; the client closes 1002 (masked, as clients must)."""
    simple(cap, SERVER, [Text("masked by the server", masked=True, rules=["frame-masked-server"])],
           Close(1002))


@capture("rules/len-not-minimal", "non-minimal length encodings from both sides (warnings)")
def _(cap):
    """A sender-only violation: nobody has to fail. The client sends 5 bytes with
    the 16-bit length form; the server a Ping of 4 bytes with the 16-bit form (only
    len-not-minimal, not ctrl-too-long) and 300 bytes with the 64-bit form. The
    conversation goes on and closes normally with 1000."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("short", length_form=16, rules=["len-not-minimal"]))
    c.ws(SERVER, Ping("ping", length_form=16, rules=["len-not-minimal"]))
    c.ws(CLIENT, Pong("ping"))
    c.ws(SERVER, Binary(pattern(300), length_form=64, rules=["len-not-minimal"]))
    c.ws(CLIENT, Close(1000))
    c.ws(SERVER, Close(1000))
    c.close_tcp(first=SERVER)


@capture("rules/len-64bit-msb", "server's 64-bit length has its top bit set")
def _(cap):
    """The server sends a binary frame whose 64-bit length is 0x8000000000000004.
    Only 4 payload bytes follow (Wireshark keeps the low 32 bits, so it stays in
    step). The client closes 1009, as ws and undici do (1002 is the expected code;
    1009 is an accepted alternative)."""
    simple(cap, SERVER, [Binary(b"\x01\x02\x03\x04", length_form=64,
                                length_value=(1 << 63) | 4, rules=["len-64bit-msb"])],
           Close(1009))


@capture("rules/ctrl-too-long", "client sends a 126-byte Ping")
def _(cap):
    """The client sends a Ping with 126 bytes of payload (16-bit length form, which
    is minimal for 126); the server closes 1002."""
    simple(cap, CLIENT, [Ping(ascii_text(126), rules=["ctrl-too-long"])], Close(1002))


@capture("rules/ctrl-fragmented", "server sends a Ping with FIN=0")
def _(cap):
    """The server sends a Ping with FIN clear; the client closes 1002."""
    simple(cap, SERVER, [Ping("frag", fin=False, rules=["ctrl-fragmented"])], Close(1002))


@capture("rules/frag-cont-without-start", "client sends a continuation frame with no message open")
def _(cap):
    """After a complete text message, the client sends a continuation frame
    (opcode 0, FIN=1); the server closes 1002."""
    simple(cap, CLIENT, [Cont("orphan", rules=["frag-cont-without-start"])], Close(1002))


@capture("rules/frag-new-data-in-progress", "server starts a new text message inside a fragmented one")
def _(cap):
    """The server sends text FIN=0, then a new text frame instead of a
    continuation; the client closes 1002."""
    simple(cap, SERVER, [Text("Hel", fin=False),
                         Text("lo", rules=["frag-new-data-in-progress"])], Close(1002))


@capture("rules/close-1byte-payload", "client sends a Close with a 1-byte body")
def _(cap):
    """The client's Close carries one byte; the server answers Close 1002."""
    simple(cap, CLIENT, [Close(raw=b"\x03", rules=["close-1byte-payload"])], Close(1002))


@capture("rules/close-code-forbidden", "client sends Close 1005")
def _(cap):
    """The client echoes "no status received" (1005), a code that must never be
    sent; the server answers Close 1002."""
    simple(cap, CLIENT, [Close(1005, rules=["close-code-forbidden"])], Close(1002))


@capture("rules/close-code-out-of-range", "server sends Close 999")
def _(cap):
    """The server closes with 999 (below 1000); the client answers Close 1002."""
    simple(cap, SERVER, [Close(999, "bye", rules=["close-code-out-of-range"])], Close(1002))


@capture("rules/close-code-unassigned", "client sends Close 1004")
def _(cap):
    """The client closes with the reserved code 1004; the server answers Close 1002."""
    simple(cap, CLIENT, [Close(1004, rules=["close-code-unassigned"])], Close(1002))


@capture("rules/close-code-undefined", "server sends Close 5000, then a client Close 65535")
def _(cap):
    """RFC 6455 defines codes up to 4999 only. The server closes with 5000 and
    the client fails the connection with Close 1002, as Node ws,
    websocket-driver, undici, python websockets, wsproto and wslay do; on a
    second connection the client closes with 65535 and the server answers
    1002."""
    simple(cap, SERVER, [Close(5000, rules=["close-code-undefined"])], Close(1002))
    simple(cap, CLIENT, [Close(65535, rules=["close-code-undefined"])], Close(1002))


@capture("rules/close-reason-utf8", "client's Close reason is not UTF-8")
def _(cap):
    """The client closes 1000 with the reason b"bye\\xff"; the server answers Close
    1007 (no ws.proto_error: the expected code is 1007)."""
    simple(cap, CLIENT, [Close(1000, b"bye\xff", rules=["close-reason-utf8"])], Close(1007))


@capture("rules/data-after-close", "server sends a text frame after its own Close (warning)")
def _(cap):
    """The server sends Close 1000 and then a text frame; the client ignores it and
    answers Close 1000."""
    simple(cap, SERVER, [Close(1000), Text("one more thing", rules=["data-after-close"])],
           Close(1000))


@capture("rules/ping-after-close", "client sends a Ping after its own Close (warning)")
def _(cap):
    """The client sends Close 1001 and then a Ping; the server answers Close 1001."""
    simple(cap, CLIENT, [Close(1001), Ping("anyone?", rules=["ping-after-close"])], Close(1001))


@capture("rules/text-utf8-invalid", "server's fragmented text becomes invalid in its 2nd fragment")
def _(cap):
    """The server sends a text message in two fragments: the first ends inside
    the sequence E2 82 (still completable), the second starts with 0x28, which
    makes it invalid. The violation belongs to the second fragment. The client
    closes 1007."""
    simple(cap, SERVER, [Text(b"price: \xe2\x82", fin=False),
                         Cont(b"(oops)", rules=["text-utf8-invalid"])], Close(1007))


@capture("rules/text-utf8-truncated", "client's text message ends inside a code point")
def _(cap):
    """The client sends a single-frame text message that ends with E2 82; the
    server closes 1007."""
    simple(cap, CLIENT, [Text(b"total: 5 \xe2\x82", rules=["text-utf8-truncated"])], Close(1007))


@capture("rules/pmd-rsv1-on-control", "with permessage-deflate, server sets RSV1 on a Ping")
def _(cap):
    """permessage-deflate is negotiated. The server sends a compressed text
    message (legal), then a Ping with RSV1; the client closes 1002."""
    c = cap.conn().open().upgrade(PMD_OFFER, PMD_ACCEPT)
    d = Deflater()
    c.ws(CLIENT, Text("hello"))
    c.ws(SERVER, Text(d.message(b"welcome, welcome, welcome"), rsv=RSV1))
    c.ws(SERVER, Ping("rsv1", rsv=RSV1, rules=["pmd-rsv1-on-control"]))
    c.ws(CLIENT, Close(1002))
    c.close_tcp(first=CLIENT)


@capture("rules/pmd-rsv1-on-continuation", "with permessage-deflate, client sets RSV1 on a continuation")
def _(cap):
    """permessage-deflate is negotiated. The client sends a compressed text
    message in two fragments and sets RSV1 on both; RSV1 is allowed on the first
    only. The server closes 1002."""
    c = cap.conn().open().upgrade(PMD_OFFER, PMD_ACCEPT)
    data = Deflater().message(b"a compressed message, a compressed message, in two parts")
    c.ws(CLIENT, Text(data[:10], rsv=RSV1, fin=False),
         Cont(data[10:], rsv=RSV1, rules=["pmd-rsv1-on-continuation"]))
    c.ws(SERVER, Close(1002))
    c.close_tcp(first=SERVER)


# Legal look-alikes: nothing may be reported.


@capture("legal/control-between-fragments", "Ping, Pong between fragments of a message")
def _(cap):
    """The client sends a text message in three fragments with a Ping between the
    first two and a Pong between the last two; the server answers the Ping and
    sends a binary message with an unsolicited Pong between its fragments."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("one ", fin=False), Ping("between"), Cont("two ", fin=False),
         Pong("unsolicited"), Cont("three"))
    c.ws(SERVER, Pong("between"))
    c.ws(SERVER, Binary(pattern(10), fin=False), Pong(), Cont(pattern(10, 1)))
    c.ws(CLIENT, Close(1000))
    c.ws(SERVER, Close(1000))
    c.close_tcp(first=SERVER)


@capture("legal/close-mid-message", "Close in the middle of a fragmented message")
def _(cap):
    """The server starts a fragmented text message and then sends Close 1001
    before finishing it (legal: Autobahn 7.1.5). The client answers Close 1000."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("hello"))
    c.ws(SERVER, Text("never fini", fin=False))
    c.ws(SERVER, Close(1001, "going away"))
    c.ws(CLIENT, Close(1000))
    c.close_tcp(first=SERVER)


@capture("legal/close-codes", "Close codes 1012, 1013, 1014, 1000, 3000, 4999 over three connections")
def _(cap):
    """Three connections. 1: the server closes 1012 with a non-ASCII reason, the
    client answers 1000. 2: the server closes 1013, the client answers 3000.
    3: the client closes 1014, the server answers 4999."""
    for code, reply, closer in ((1012, 1000, SERVER), (1013, 3000, SERVER), (1014, 4999, CLIENT)):
        c = cap.conn().open().upgrade()
        c.ws(CLIENT, Text("hello"))
        c.ws(closer, Close(code, "red\u00e9marrage \u2014 bient\u00f4t"))
        c.ws(1 - closer, Close(reply, "ok"))
        c.close_tcp(first=closer)


@capture("legal/close-empty", "empty Close frames from both sides")
def _(cap):
    """The client sends a Close with no body; the server answers the same way."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("hello"))
    c.ws(SERVER, Text("welcome"))
    c.ws(CLIENT, Close())
    c.ws(SERVER, Close())
    c.close_tcp(first=SERVER)


@capture("legal/tcp-close-without-close-frame", "TCP FIN with no Close frame")
def _(cap):
    """Messages both ways, then the client closes TCP without a Close frame."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("hello"))
    c.ws(SERVER, Text("welcome"), Binary(pattern(40)))
    c.close_tcp(first=CLIENT)


@capture("legal/utf8-split-across-fragments", "code points split across fragments")
def _(cap):
    """The client sends "price: \u20ac 5 \U0001F600" in fragments that cut the euro sign
    (E2|82|AC) and the emoji (F0 9F|98 80) apart, with a Ping in between; the
    server answers with U+FFFD and U+FFFF, which are valid."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text(b"price: \xe2", fin=False), Cont(b"\x82", fin=False),
         Cont(b"\xac 5 \xf0\x9f", fin=False), Ping("mid"), Cont(b"\x98\x80"))
    c.ws(SERVER, Pong("mid"))
    c.ws(SERVER, Text(b"\xef\xbf\xbd and \xef\xbf", fin=False), Cont(b"\xbf"))
    c.ws(CLIENT, Close(1000, "fin \xe9"))
    c.ws(SERVER, Close(1000))
    c.close_tcp(first=SERVER)


@capture("legal/pmd-rsv1-first-frame", "with permessage-deflate, RSV1 on the first frame of each message")
def _(cap):
    """permessage-deflate is negotiated (with context takeover). The client sends
    two compressed text messages (the second reuses the window); the server sends
    a compressed message in three fragments (RSV1 on the first only), with a Ping
    between fragments, and an uncompressed message (RSV1 clear). The compressed
    bytes are raw deflate (zlib wbits=-15, trailing 00 00 ff ff removed): not UTF-8,
    and not checked as such."""
    c = cap.conn().open().upgrade(PMD_OFFER, PMD_ACCEPT)
    dc, ds = Deflater(), Deflater()
    c.ws(CLIENT, Text(dc.message(b'{"op":"subscribe","topic":"prices"}'), rsv=RSV1))
    c.ws(CLIENT, Text(dc.message(b'{"op":"subscribe","topic":"prices-eu"}'), rsv=RSV1))
    big = ds.message(b'{"topic":"prices","data":[' + b",".join(b"%d" % (i * i) for i in range(200)) + b"]}")
    third = len(big) // 3
    c.ws(SERVER, Text(big[:third], rsv=RSV1, fin=False), Cont(big[third:2 * third], fin=False),
         Ping("keepalive"), Cont(big[2 * third:]))
    c.ws(CLIENT, Pong("keepalive"))
    c.ws(SERVER, Text("plain, not compressed"))
    c.ws(CLIENT, Close(1000))
    c.ws(SERVER, Close(1000))
    c.close_tcp(first=SERVER)


@capture("legal/zero-length-frames", "zero-length frames of every kind")
def _(cap):
    """Empty text, binary, Ping, Pong; a fragmented text message whose fragments
    are all empty; an empty Close from each side."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text(""), Binary(b""), Ping(), Text("", fin=False), Cont("", fin=False), Cont(""))
    c.ws(SERVER, Pong(), Text(""), Binary(b""))
    c.ws(CLIENT, Close())
    c.ws(SERVER, Close())
    c.close_tcp(first=SERVER)


@capture("legal/length-encodings", "125/126/65535/65536-byte frames at their minimal encodings")
def _(cap):
    """The client sends binary frames of 125 (7-bit length), 126 and 65535 (16-bit)
    and 65536 bytes (64-bit); the server echoes 125 and 65536 bytes and sends a
    Ping of exactly 125 bytes. Large frames span many segments."""
    c = cap.conn().open().upgrade()
    for n in (125, 126, 65535, 65536):
        c.ws(CLIENT, Binary(pattern(n, n)))
    c.ws(SERVER, Binary(pattern(125, 1)))
    c.ws(SERVER, Binary(pattern(65536, 2)))
    c.ws(SERVER, Ping(ascii_text(125)))
    c.ws(CLIENT, Pong(ascii_text(125)))
    c.ws(CLIENT, Close(1000))
    c.ws(SERVER, Close(1000))
    c.close_tcp(first=SERVER)


@capture("legal/length-beyond-32-bits", "a legal frame of 2^32 + 100 bytes, cut by the capture's end")
def _(cap):
    """The server starts a binary frame whose 64-bit length is 2^32 + 100 (legal:
    the most significant bit is 0) and sends 4,000 bytes of ASCII payload before
    the connection ends. Wireshark 4.0's websocket dissector keeps 32 bits of the
    length (100), then reads the payload as frames; ws1002 follows the real
    length, judges nothing in the payload's letters, and at the server's FIN says
    that the frame was never complete (capture-gap)."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("send the archive"))
    payload = ascii_text(4000, 7)
    c.segment(SERVER, bytes([0x82, 0x7F, 0, 0, 0, 1, 0, 0, 0, 0x64]) + payload[:1400])
    c.segment(SERVER, payload[1400:2800])
    c.segment(SERVER, payload[2800:])
    # Wireshark (4.0 to 4.6) finds the real frame and 39 more in its payload.
    cap.nframes += 40
    c._pkt(CLIENT, "FA")
    cap.expect.append((c._pkt(SERVER, "FA"), "capture-gap"))
    c._pkt(CLIENT, "A")


# Segmentation and capture-level cases.


@capture("segmentation/frames-per-segment", "several frames per TCP segment, frames straddling segments")
def _(cap):
    """Packet 6: five client frames in one segment (text, Ping, text FIN=0, Pong,
    continuation). Packet 7: three server frames in one segment, two of them with
    a non-minimal length (two len-not-minimal items on one packet). Packets 8-9:
    a client segment with a text frame and the first 4 bytes of a binary frame
    with RSV2 set, then a segment with the rest of it, a text frame and a Close.
    The RSV2 frame is completed, and reported, in packet 9, as is the after-fail
    note for the text frame after it. The server closes 1002."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("a"), Ping("p"), Text("b", fin=False), Pong(), Cont("c"), split="one")
    c.ws(SERVER, Text("x", length_form=16, rules=["len-not-minimal"]),
         Ping("pp", length_form=16, rules=["len-not-minimal"]), Binary(b"\x00\x01\x02"), split="one")
    c.ws(CLIENT, Text("hello"), Binary(pattern(20), rsv=RSV2, rules=["frame-rsv-nonzero"]),
         Text("after", rules=["after-fail"]), Close(1000), split=[11 + 4])
    c.ws(SERVER, Close(1002))
    c.close_tcp(first=SERVER)


@capture("segmentation/frame-over-many-segments", "one 3000-byte text frame over six segments")
def _(cap):
    """The client sends one 3000-byte text frame cut into segments of 1, 3 and 4
    bytes (the header: 2 + 2 length + 4 mask) and then three of 1000 bytes.
    Byte 2500 of the payload is 0xC0, never valid in UTF-8, so the frame breaks
    text-utf8-invalid; it is reported where Wireshark completes the frame, on the
    sixth segment. The server answers Close 1007, itself split between two
    segments."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("hello"))
    body = bytearray(ascii_text(3000))
    body[2500] = 0xC0
    c.ws(CLIENT, Text(bytes(body), rules=["text-utf8-invalid"]), split=[1, 3, 4, 1000, 1000, 1000])
    c.ws(SERVER, Close(1007, "invalid UTF-8"), split=[2])
    c.close_tcp(first=SERVER)


@capture("segmentation/interleaved-connections", "three connections (ports 80, 8080, 9001) interleaved")
def _(cap):
    """Three connections whose packets alternate. A (port 80, no extension): the
    client opens a fragmented text message; later the server sets RSV1
    (frame-rsv-nonzero: no extension here) and the client finishes its message
    legally. B
    (port 8080): the client sends a continuation frame with no message open in B
    (frag-cont-without-start; A's open message must not count). C (port 9001,
    found by HTTP's heuristic, permessage-deflate negotiated): the server's RSV1
    text is legal, the client's RSV1 Ping breaks pmd-rsv1-on-control."""
    a = cap.conn(sport=80)
    b = cap.conn(sport=8080, host="b.example.test")
    cc = cap.conn(sport=9001, host="c.example.test", sip="198.51.100.2")
    conns = (a, b, cc)
    for step in ("S", "SA", "A"):
        for c in conns:
            c._pkt(CLIENT if step != "SA" else SERVER, step,
                   options=[("MSS", 1460)] if "S" in step else None)
    a.upgrade()
    b.upgrade()
    cc.upgrade(PMD_OFFER, PMD_ACCEPT)
    a.ws(CLIENT, Text("part one, ", fin=False))
    b.ws(CLIENT, Cont("orphan", rules=["frag-cont-without-start"]))
    cc.ws(SERVER, Text(Deflater().message(b"compressed hello, compressed hello"), rsv=RSV1))
    a.ws(SERVER, Text("rsv1 without extension", rsv=RSV1, rules=["frame-rsv-nonzero"]))
    a.ws(CLIENT, Cont("part two"))
    b.ws(SERVER, Close(1002))
    cc.ws(CLIENT, Ping("rsv1", rsv=RSV1, rules=["pmd-rsv1-on-control"]))
    a.ws(CLIENT, Close(1002))
    cc.ws(SERVER, Close(1002))
    b.close_tcp(first=SERVER)
    a.close_tcp(first=CLIENT)
    cc.close_tcp(first=SERVER)


@capture("segmentation/midstream", "two connections captured mid-stream (no TCP or HTTP handshake)",
         args=("-d", "tcp.port==9002,websocket"))
def _(cap):
    """The capture starts in the middle of two connections to port 9002: no SYN,
    no Upgrade, so tshark needs `-d tcp.port==9002,websocket`, and the first
    WebSocket frame of each connection gets the `handshake-not-captured` note.
    Connection 1: the server's first frames finish a fragmented message whose
    start was not captured (a continuation starting with the UTF-8 continuation
    bytes 82 AC: not judged), then a complete text; the client (masking, as
    clients do) sends a text, then a Ping with FIN=0 (ctrl-fragmented needs no
    role). The server closes 1002. Connection 2: the server, on the Decode As
    port, sends a masked text frame: frame-masked-server with the role inferred.
    The client closes 1002."""
    c = cap.conn(sport=9002)
    c.ws(SERVER, Cont(b"\x82\xac and the rest", fin=False, rules=["handshake-not-captured"]),
         Cont(" of it"))
    c.ws(SERVER, Text("hello"))
    c.ws(CLIENT, Text("hi"))
    c.ws(CLIENT, Ping("frag", fin=False, rules=["ctrl-fragmented"]))
    c.ws(SERVER, Close(1002))
    c.close_tcp(first=SERVER)
    c = cap.conn(sport=9002)
    c.ws(CLIENT, Text("status?", rules=["handshake-not-captured"]))
    c.ws(SERVER, Text("all good", masked=True, rules=["frame-masked-server"]))
    c.ws(CLIENT, Close(1002))
    c.close_tcp(first=SERVER)


@capture("demo", "the quick-start story: a proxy drops the extension, the server compresses anyway")
def _(cap):
    """Three connections to a chat service behind a reverse proxy.
    1: the browser offers permessage-deflate; the backend accepts it, but the
    proxy drops Sec-WebSocket-Extensions from the 101, so for the browser nothing
    was negotiated. The backend compresses anyway: its RSV1 frame breaks
    frame-rsv-nonzero and the browser closes 1002.
    2: an embedded client sends an unmasked text frame (frame-unmasked-client);
    the server closes 1002.
    3: the server shuts down with an empty Close; the client library echoes the
    "no status received" code 1005, which must never be sent
    (close-code-forbidden)."""
    c = cap.conn(host="chat.example.test").open().upgrade(PMD_OFFER, None)
    c.ws(CLIENT, Text('{"op":"join","room":"lobby"}'))
    c.ws(SERVER, Text(Deflater().message(b'{"op":"joined","room":"lobby","users":12}'), rsv=RSV1,
                      rules=["frame-rsv-nonzero"]))
    c.ws(CLIENT, Close(1002, "RSV1 set without an extension"))
    c.close_tcp(first=SERVER)
    c = cap.conn(host="chat.example.test").open().upgrade()
    c.ws(CLIENT, Text('{"op":"telemetry","t":21.5}', masked=False, rules=["frame-unmasked-client"]))
    c.ws(SERVER, Close(1002, "frame not masked"))
    c.close_tcp(first=SERVER)
    c = cap.conn(host="chat.example.test").open().upgrade()
    c.ws(CLIENT, Text('{"op":"say","text":"caf\u00e9"}'))
    c.ws(SERVER, Text('{"op":"said","text":"caf\u00e9"}'))
    c.ws(SERVER, Close())
    c.ws(CLIENT, Close(1005, rules=["close-code-forbidden"]))
    c.close_tcp(first=SERVER)


# ---- output ------------------------------------------------------------------


def pin_section_length(path):
    """scapy 2.5 writes the section length as 0, later versions as -1 (unknown);
    pin -1 so that the bytes do not depend on the scapy version."""
    with open(path, "r+b") as f:
        f.seek(16)
        f.write(b"\xff" * 8)


def write_capture(cap, rules, out, by="captures/gen.py"):
    """<name>.pcapng and <name>.tsv under out; `by` names the generator."""
    base = os.path.join(out, cap.name)
    os.makedirs(os.path.dirname(base), exist_ok=True)
    w = PcapNgWriter(base + ".pcapng")
    w.write_header(None)  # section header and the Ethernet interface
    for raw, t in zip(cap.packets, cap.times):
        w.write_packet(raw, sec=Decimal(t) / 1000000)
    w.close()
    pin_section_length(base + ".pcapng")
    by_frame = {}
    for num, rid in cap.expect:
        if rid not in rules:
            sys.exit("gen.py: %s: unknown rule %s" % (cap.name, rid))
        by_frame.setdefault(num, []).append(rid)
    lines = ["# Expected ws1002 verdicts for %s.pcapng, written by %s."
             % (os.path.basename(cap.name), by),
             "# One line per ws.rule item; proto_error: whether the frame carries ws.proto_error.",
             "frame\trule\texpected_close\tproto_error"]
    for num in sorted(by_frame):
        perr = any(expected_close(rules[r]) == 1002 for r in by_frame[num])
        for rid in sorted(by_frame[num]):
            close = expected_close(rules[rid])
            lines.append("%d\t%s\t%s\t%s" % (num, rid, close or "-", "yes" if perr else "no"))
    with open(base + ".tsv", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def write_index(caps, out, by="captures/gen.py"):
    lines = ["# The captures written by %s: name, extra tshark arguments," % by,
             "# number of WebSocket frames in the capture, summary.",
             "capture\ttshark_args\tws_frames\tsummary"]
    for cap in caps:
        lines.append("%s\t%s\t%d\t%s" % (cap.name, " ".join(cap.args), cap.nframes, cap.summary))
    with open(os.path.join(out, "index.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


README_HEAD = """\
# Test captures

Every `.pcapng` file at this level and under `rules/`, `legal/` and
`segmentation/` is written by [`gen.py`](gen.py); the other folders have their
own generator and README: `handshake/` (`gen_handshake.py`: every opening
handshake rule and its legal look-alikes), `forensics/`, `midstream/`
(`gen_midstream.py`), `real/` (recordings of real implementations) and
`streams/`. `gen.py` is a deterministic
generator built on scapy (Debian package
`python3-scapy`): Ethernet/IPv4/TCP with a full three-way handshake, correct
sequence/acknowledgement numbers and checksums, an HTTP/1.1 Upgrade with
`Sec-WebSocket-Key`/`Version: 13` and a 101 with the matching
`Sec-WebSocket-Accept`, then WebSocket frames with exact bytes and chosen TCP
segmentation, then FIN. Timestamps, addresses (192.0.2.0/24 clients,
198.51.100.0/24 servers), ports, keys and masking keys are fixed. Compressed
payloads are real raw deflate data from Python's zlib (wbits=-15, trailing
`00 00 ff ff` removed, context takeover); the generator inflates each one again
to check it.

Regenerate (this file, `index.tsv` and every capture with its expectation):

    python3 captures/gen.py            # the python3 that has scapy, e.g. /usr/bin/python3

The ctest test `captures.deterministic` regenerates everything into a temporary
folder and compares it byte for byte with the committed files. The bytes
depend on scapy's pcapng writer and on zlib's deflate output; they were made
with Debian 12's python3-scapy 2.5.0 and zlib 1.2.13.

## Expectations

Next to each capture, `<name>.tsv` lists one line per `ws.rule` item the
plugin must add: the frame (packet) number, the rule ID, the expected close
code (`-` when none is expected) and whether the frame carries
`ws.proto_error` (present iff some rule on it expects Close 1002). A WebSocket
frame that spans several TCP segments is reported on the segment that
completes it, where Wireshark dissects it. Legal captures have an empty table:
nothing may be reported. Close codes and severities come from
`plugin/core/include/wsv/wsv_rules.def`, under default preferences.
`index.tsv` lists the captures and the extra tshark arguments they need.
`tests/tshark/` checks all of it with tshark, `tshark -2`, `-Y ws.proto_error`,
`-z expert` and sharkd.

## Try it

With the plugin in the personal plugin folder (as a normal user; root ignores
that folder):

    tshark -r captures/demo.pcapng -Y ws.rule -T fields -E header=y \\
        -e frame.number -e ws.rule -e ws.rfc -e ws.expected_close

prints one line per violation:

%(demo)s

## The captures
"""


def write_readme(caps, out, rules):
    demo = next(c for c in caps if c.name == "demo")
    table = ["    frame.number\tws.rule\tws.rfc\tws.expected_close"]
    for num, rid in sorted(demo.expect):
        close = expected_close(rules[rid])
        table.append("    %d\t%s\t%s\t%s" % (num, rid, rules[rid]["ref"], close or ""))
    parts = [README_HEAD % {"demo": "\n".join(table)}]
    for (name, summary, args, fn), cap in zip(CAPTURES, caps):
        parts.append("\n### `%s.pcapng`\n\n" % name)
        parts.append(summary[0].upper() + summary[1:] + ".")
        if args:
            parts.append(" Needs `%s`." % " ".join(args))
        doc = " ".join(fn.__doc__.split())
        parts.append(" " + doc + "\n")
        if cap.expect:
            rows = ", ".join("%d `%s`" % e for e in sorted(cap.expect))
            parts.append("\nExpected (frame, rule): %s.\n" % rows)
        else:
            parts.append("\nExpected: nothing.\n")
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write("".join(parts))


def generate(out, rules):
    caps = []
    for name, summary, args, fn in CAPTURES:
        cap = Capture(name, summary, args)
        fn(cap)
        write_capture(cap, rules, out)
        caps.append(cap)
    write_index(caps, out)
    write_readme(caps, out, rules)
    return caps


def files_under(top):
    """Relative paths of the generated kinds of files, outside streams/."""
    found = []
    for root, dirs, files in os.walk(top):
        dirs[:] = [d for d in dirs if not (root == top and d == "streams") and d != "__pycache__"]
        for f in files:
            rel = os.path.relpath(os.path.join(root, f), top)
            if f.endswith((".pcapng", ".tsv")) or rel == "README.md":
                found.append(rel)
    return sorted(found)


def compare_fresh_run(script, tmp, out, want, have, ncaps):
    """Compare the files `want` of a fresh run in `tmp` with the committed `have` in `out`,
    byte for byte, and say what differs. Shared by every capture generator's --check."""
    problems = ["%s: not generated any more (stale)" % f for f in have if f not in want]
    problems += ["%s: missing" % f for f in want if f not in have]
    for f in want:
        if f in have:
            with open(os.path.join(tmp, f), "rb") as a, open(os.path.join(out, f), "rb") as b:
                if a.read() != b.read():
                    problems.append("%s: differs from a fresh run" % f)
    if problems:
        print("%s --check: the committed captures are not what it writes (run python3 %s):\n  "
              % (os.path.basename(script), os.path.relpath(script, os.path.dirname(HERE)))
              + "\n  ".join(problems))
        return 1
    print("%s --check: %d files identical to a fresh run (%d captures)"
          % (os.path.basename(script), len(want), ncaps))
    return 0


def set_readme(head, entries, caps, out, frames_label="WebSocket frames"):
    """README.md of a capture set: `head`, then for each capture its summary,
    docstring, frame count and expected (frame, rule) pairs."""
    parts = [head]
    for (name, summary, fn), cap in zip(entries, caps):
        parts.append("\n### `%s.pcapng`\n\n" % name)
        parts.append(summary[0].upper() + summary[1:] + ". ")
        parts.append(" ".join(fn.__doc__.split()) + "\n")
        parts.append("\n%s: %d. " % (frames_label, cap.nframes))
        if cap.expect:
            parts.append("Expected (frame, rule): %s.\n"
                         % ", ".join("%d `%s`" % e for e in sorted(cap.expect)))
        else:
            parts.append("Expected: nothing.\n")
    with open(os.path.join(out, "README.md"), "w", encoding="utf-8") as f:
        f.write("".join(parts))


def generate_set(entries, make_cap, rules, out, by, write_extra, write_readme):
    """Write a generator's captures (entries: name, summary, fn) with their
    expectations, the extra files write_extra(cap, out) adds, index.tsv and
    README.md; returns the captures."""
    caps = []
    for name, summary, fn in entries:
        cap = make_cap(name, summary)
        fn(cap)
        write_capture(cap, rules, out, by=by)
        write_extra(cap, out)
        caps.append(cap)
    write_index(caps, out, by=by)
    write_readme(caps, out)
    return caps


def files_ending(top, suffixes):
    """The files directly under top whose names end with one of suffixes."""
    return sorted(f for f in os.listdir(top) if f.endswith(suffixes))


def generator_main(script, doc, default_out, generate, files, mine=None):
    """The command line of every capture generator: write the captures into
    --out, or with --check regenerate them into a temporary folder and compare.
    generate(out, rules) returns the captures; files(top) lists the files it
    writes under top (relative paths); mine(want, have), if given, keeps the
    committed files this generator owns."""
    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--out", default=default_out,
                    help="output folder (default: %s)" % os.path.relpath(default_out))
    ap.add_argument("--rules", default=DEFAULT_DEF, help="path to wsv_rules.def")
    ap.add_argument("--check", action="store_true",
                    help="write nothing; regenerate into a temporary folder and compare with --out")
    opts = ap.parse_args()
    rules = load_rules(opts.rules)
    if opts.check:
        with tempfile.TemporaryDirectory(prefix="ws1002-gen-") as tmp:
            caps = generate(tmp, rules)
            want = files(tmp)
            have = files(opts.out) if os.path.isdir(opts.out) else []
            if mine:
                have = mine(want, have)
            return compare_fresh_run(script, tmp, opts.out, want, have, len(caps))
    os.makedirs(opts.out, exist_ok=True)
    caps = generate(opts.out, rules)
    print("%s: wrote %d captures, %d expected (frame, rule) pairs to %s"
          % (os.path.basename(script), len(caps), sum(len(c.expect) for c in caps), opts.out))
    return 0


def main():
    # Other generators own other folders (real/, midstream/, ...).
    return generator_main(__file__, __doc__, HERE, generate, files_under,
                          mine=lambda want, have: [f for f in have if f.split("/")[0]
                                                   in {w.split("/")[0] for w in want}])


if __name__ == "__main__":
    sys.exit(main())
