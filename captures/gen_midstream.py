#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generate the mid-stream captures (captures/midstream/), their expectations and README.

A mid-stream capture holds the tail of connections whose opening handshake
(HTTP Upgrade and TCP SYN alike) happened before the capture started. ws1002
must find them without any Decode As (its heuristic, plugin/ws_heur.c), infer
roles and extensions, and judge what the evidence allows; and it must leave
every other protocol alone. The stories here run on ports 80 and 8080, which
Wireshark gives to HTTP, and on a high port nobody owns.

Built on captures/gen.py (the same frames, connections and pcapng writer).
Expectations: <name>.tsv as for gen.py; in index.tsv, ws_frames counts the
WebSocket frames Wireshark must show. Frames the heuristic only uses as
evidence before it claims a connection are marked hidden(): they are not
dissected, on any pass.

Needs Debian's python3-scapy:  python3 captures/gen_midstream.py [--out DIR] [--check]
"""

import hashlib
import os
import struct
import sys

import gen
from gen import (CLIENT, RSV1, RSV2, SERVER, Binary, Capture, Close, Cont, Deflater, Frame,
                 Ping, Pong, Text, ascii_text, pattern)

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUT = os.path.join(HERE, "midstream")
BY = "captures/gen_midstream.py"
HIGH_PORT = 38123  # a port no dissector owns


def hidden(frame):
    """A frame sent before the heuristic has enough evidence: not dissected."""
    frame.shown = False
    return frame


def noise(n, seed):
    """n deterministic bytes that look random (SHA-256 in counter mode)."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(b"%s/%d" % (seed.encode(), i)).digest()
        i += 1
    return out[:n]


class Mid:
    """A connection captured mid-stream: no SYN, no Upgrade."""

    def __init__(self, cap, sport, **kw):
        self.cap = cap
        self.c = cap.conn(sport=sport, **kw)

    def send(self, side, *parts, split=None):
        """Send Frames, or bytes already on the wire (the tail of a frame begun
        before the capture); split as in gen.Conn.ws."""
        blob = b""
        ends = []
        writes = []
        for part in parts:
            wire = part if isinstance(part, bytes) else part.encode(self.c._mask_key(side, part))
            if split is None:
                writes.append(len(wire))
            blob += wire
            ends.append((part, len(blob)))
        if split == "one":
            writes = [len(blob)]
        elif split is not None:
            writes = list(split)
            if len(blob) > sum(writes):
                writes.append(len(blob) - sum(writes))
        seg_end = self.c.send_writes(side, blob, writes)
        for part, end in ends:
            if isinstance(part, bytes):
                continue
            num = next(n for e, n in seg_end if e >= end)
            if getattr(part, "shown", True):
                self.cap.nframes += 1
                self.cap.expect.extend((num, r) for r in part.rules)
            else:
                assert not part.rules, "a hidden frame cannot carry findings"
        return self

    def raw(self, side, *chunks):
        """Non-WebSocket bytes, one segment each."""
        for chunk in chunks:
            self.c.segment(side, chunk)
        return self

    def close_tcp(self, first=CLIENT):
        self.c.close_tcp(first)
        return self


NOTE = ["handshake-not-captured"]

# ---- the captures -----------------------------------------------------------

CAPTURES = []


def capture(name, summary):
    def register(fn):
        CAPTURES.append((name, summary, fn))
        return fn
    return register


def chat(c, first):
    """A clean chat exchange; `first` speaks first with a JSON text message
    (enough for the heuristic to claim the connection on that packet)."""
    other = 1 - first
    c.send(first, Text('{"type":"presence","online":3}', rules=NOTE))
    c.send(other, Text('{"type":"say","text":"hi all"}'))
    c.send(SERVER, Text('{"type":"said","from":"ann","text":"hi all"}'))
    c.send(SERVER, Ping(b"keepalive"))
    c.send(CLIENT, Pong(b"keepalive"))
    c.send(CLIENT, Binary(pattern(3000, 1)))  # three segments, reassembled
    c.send(SERVER, Text("part 1, ", fin=False), Ping(b"p"), Cont("part 2"), split="one")
    c.send(CLIENT, Pong(b"p"), Text('{"type":"typing"}'), split="one")
    c.send(CLIENT, Close(1000, "bye"))
    c.send(SERVER, Close(1000))
    c.close_tcp(first=SERVER)


@capture("clean-80", "clean chat on port 80 (HTTP's port), server first")
def _(cap):
    """The server speaks first; the heuristic claims the connection on that packet
    (through the postdissector: HTTP owns port 80 and ignores the bytes). Text,
    binary over three segments, Ping/Pong, a fragmented message with a Ping in
    between, a Close exchange. Only the note: roles and extensions are
    inferred."""
    chat(Mid(cap, 80), SERVER)
    cap.evidence = ["port 80 masked 0/1", "the side that masks is the client",
                    "deflate unknown (no RSV1)"]


@capture("clean-8080", "clean chat on port 8080 (HTTP's port), client first")
def _(cap):
    """The same exchange on port 8080, the client (masking) speaking first."""
    chat(Mid(cap, 8080), CLIENT)


@capture("clean-high", "clean chat on a high port nobody owns, two connections")
def _(cap):
    """The same exchange on port 38123, found by the TCP heuristic, twice: the
    server first, then the client first."""
    chat(Mid(cap, HIGH_PORT), SERVER)
    chat(Mid(cap, HIGH_PORT), CLIENT)


@capture("compressed-8080", "permessage-deflate traffic on port 8080, context taken over")
def _(cap):
    """Both sides compress (RSV1 on the first frame of each message, raw deflate
    with context takeover; the windows hold messages sent before the capture).
    A compressed first frame earns no UTF-8 point, so the server's first message
    is only evidence (not dissected) and the client's claims the connection. The
    note says permessage-deflate is likely; RSV1 on message starts is legal, and
    nothing is inflated (the window is not in the capture): no finding."""
    c = Mid(cap, 8080)
    srv, cli = Deflater(), Deflater()
    for i in range(3):  # before the capture
        srv.message(b'{"type":"tick","seq":%d,"price":101.5}' % i)
        cli.message(b'{"type":"ack","seq":%d}' % i)
    c.send(SERVER, hidden(Text(srv.message(b'{"type":"tick","seq":3,"price":101.5}'), rsv=RSV1)))
    c.send(CLIENT, Text(cli.message(b'{"type":"ack","seq":3}'), rsv=RSV1, rules=NOTE))
    c.send(SERVER, Text(srv.message(b'{"type":"tick","seq":4,"price":101.75}'), rsv=RSV1))
    c.send(CLIENT, Text(cli.message(b'{"type":"ack","seq":4}'), rsv=RSV1))
    body = srv.message(b'{"type":"snapshot","rows":[' + b'{"p":101.5,"q":7},' * 20 + b'{}]}')
    c.send(SERVER, Text(body[:10], rsv=RSV1, fin=False), Ping(b"p"), Cont(body[10:]), split="one")
    c.send(CLIENT, Pong(b"p"), Text("uncompressed, RSV1 clear"), split="one")
    c.send(SERVER, Close(1001, "going away"))
    c.send(CLIENT, Close(1001))
    c.close_tcp(first=SERVER)
    cap.evidence = ["found in frame 2", "deflate likely (RSV1 2/2)"]


@capture("inside-frame-80", "port 80, capture starts inside a 5000-byte frame")
def _(cap):
    """The client's masked text claims the connection. The server's first
    captured bytes are the last 3200 of a 5000-byte text frame (ASCII), over three
    segments: shown as ws.midstream.skipped bytes; the third segment's frames
    after the tail are found by searching it and dissected from there. A 126-byte
    Ping after that breaks ctrl-too-long, as with a handshake."""
    c = Mid(cap, 80)
    c.send(CLIENT, Text('{"type":"resume","from":1041}', rules=NOTE))
    big = Text(ascii_text(5000, 3)).encode(None)
    c.send(SERVER, big[1804:], Text('{"type":"chunk","seq":1042}'), Binary(pattern(40, 2)),
           split=[1448, 1448])
    c.send(SERVER, Text('{"type":"chunk","seq":1043}'))
    c.send(CLIENT, Ping(ascii_text(126), rules=["ctrl-too-long"]))
    c.send(SERVER, Close(1002))
    c.close_tcp(first=SERVER)


@capture("inside-frame-8080", "port 8080, both directions start inside a frame")
def _(cap):
    """Each direction's first segment starts with the tail of a binary frame;
    the search finds the chain start in it, but a start picked among many is
    only evidence: the frames in those two segments are not dissected. The
    server's next segment confirms the chain and claims the connection; the
    client is dissected from its next segment on."""
    c = Mid(cap, 8080)
    tail = Binary(pattern(900, 5)).encode(None)[603:]
    c.send(SERVER, tail, hidden(Text('{"type":"chunk","seq":7}')), split="one")
    ctail = Binary(pattern(300, 6)).encode(b"\x11\x22\x33\x44")[102:]
    c.send(CLIENT, ctail, hidden(Text('{"type":"ack","seq":6}')), split="one")
    c.send(SERVER, Text('{"type":"chunk","seq":8}', rules=NOTE))
    c.send(CLIENT, Text('{"type":"ack","seq":7}'))
    c.send(SERVER, Binary(pattern(2000, 4)))
    c.send(CLIENT, Close(1000))
    c.send(SERVER, Close(1000))
    c.close_tcp(first=CLIENT)
    cap.evidence = ["port 8080: 301 bytes skipped", "port 50001: 206 bytes skipped"]


@capture("inside-message-high", "high port, capture starts inside a fragmented message")
def _(cap):
    """The server's first segment holds the last two fragments of a text message
    whose start was not captured (the first begins with 82 AC, the end of a euro
    sign: not judged), then a new message: a leading continuation is no
    violation mid-stream, and the note says the message was open. Later a
    continuation with no message open (the state is known again) breaks
    frag-cont-without-start."""
    c = Mid(cap, HIGH_PORT)
    c.send(SERVER, Cont(b"\x82\xac and the rest of the quote", fin=False, rules=NOTE),
           Cont(" (end)"), Text('{"type":"quote","done":true}'), split="one")
    c.send(CLIENT, Text('{"type":"thanks"}'))
    c.send(SERVER, Text("next: ", fin=False), Cont("euro \u20ac"), split="one")
    c.send(CLIENT, Cont("orphan", rules=["frag-cont-without-start"]))
    c.send(SERVER, Close(1002))
    c.close_tcp(first=SERVER)
    cap.evidence = ["port 38123 began mid-message"]


# Violations: one connection per rule (a must-fail violation ends the
# connection), each a clean exchange, the violation, the peer's conforming
# Close. The same frames as the rules/ captures of gen.py.

def warm_up(c):
    c.send(CLIENT, Text("hello, server", rules=NOTE))
    c.send(SERVER, Text("welcome, client"))
    return c


def violation(cap, port, violator, frames, reply):
    c = warm_up(Mid(cap, port))
    c.send(violator, *frames)
    if reply is not None:
        c.send(1 - violator, reply)
    c.close_tcp(first=1 - violator)


@capture("violations-80", "frame rules broken mid-stream on port 80, one connection each")
def _(cap):
    """RSV2 (frame-rsv-nonzero: RSV2 is wrong whatever was negotiated, so not
    inferred), opcode 3 then a text frame (after-fail), an unmasked client frame
    and a masked server frame (role inferred from the masking), non-minimal
    lengths from both sides (warnings), a 64-bit length with its top bit set, a
    126-byte Ping."""
    violation(cap, 80, CLIENT, [Text("rsv2", rsv=RSV2, rules=["frame-rsv-nonzero"])], Close(1002))
    c = warm_up(Mid(cap, 80))
    c.send(SERVER, Frame(0x3, "op3", rules=["frame-opcode-reserved"]))
    c.send(SERVER, Text("still talking", rules=["after-fail"]))
    c.send(CLIENT, Close(1002))
    c.close_tcp(first=CLIENT)
    violation(cap, 80, CLIENT,
              [Text("not masked", masked=False, rules=["frame-unmasked-client"])], Close(1002))
    violation(cap, 80, SERVER,
              [Text("masked by the server", masked=True, rules=["frame-masked-server"])],
              Close(1002))
    c = warm_up(Mid(cap, 80))
    c.send(CLIENT, Text("short", length_form=16, rules=["len-not-minimal"]))
    c.send(SERVER, Ping("ping", length_form=16, rules=["len-not-minimal"]))
    c.send(CLIENT, Pong("ping"))
    c.send(SERVER, Binary(pattern(300), length_form=64, rules=["len-not-minimal"]))
    c.send(CLIENT, Close(1000))
    c.send(SERVER, Close(1000))
    c.close_tcp(first=SERVER)
    violation(cap, 80, SERVER,
              [Binary(b"\x01\x02\x03\x04", length_form=64, length_value=0x8000000000000004,
                      rules=["len-64bit-msb"])], Close(1009))
    violation(cap, 80, CLIENT, [Ping(ascii_text(126), rules=["ctrl-too-long"])], Close(1002))


@capture("violations-8080", "fragmentation and Close rules broken mid-stream on port 8080")
def _(cap):
    """A fragmented Ping; a continuation with no message open (after a complete
    message, so the state is known); a new message inside a fragmented one; a
    1-byte Close body; Close codes 1005, 999, 1004 and 5000 (RFC 6455 defines
    codes up to 4999 only)."""
    violation(cap, 8080, SERVER, [Ping("frag", fin=False, rules=["ctrl-fragmented"])],
              Close(1002))
    violation(cap, 8080, CLIENT, [Cont("orphan", rules=["frag-cont-without-start"])],
              Close(1002))
    violation(cap, 8080, SERVER,
              [Text("part one", fin=False),
               Text("a new message", rules=["frag-new-data-in-progress"])], Close(1002))
    violation(cap, 8080, CLIENT, [Close(raw=b"\x03", rules=["close-1byte-payload"])],
              Close(1002))
    violation(cap, 8080, CLIENT, [Close(1005, rules=["close-code-forbidden"])], Close(1002))
    violation(cap, 8080, SERVER, [Close(999, rules=["close-code-out-of-range"])], Close(1002))
    violation(cap, 8080, CLIENT, [Close(1004, rules=["close-code-unassigned"])], Close(1002))
    violation(cap, 8080, SERVER, [Close(5000, rules=["close-code-undefined"])], Close(1002))


@capture("violations-high", "UTF-8, closing and permessage-deflate rules broken on a high port")
def _(cap):
    """A Close reason that is not UTF-8; data and a Ping after the sender's own
    Close (warnings); a fragmented text that becomes invalid UTF-8 and one that
    ends inside a code point; RSV1 on a Ping and on a continuation: with the
    extensions inferred (permessage-deflate assumed possible), the same rules as
    with a negotiated extension, said to rest on the inference."""
    violation(cap, HIGH_PORT, CLIENT, [Close(1000, b"bye\xff", rules=["close-reason-utf8"])],
              Close(1007))
    violation(cap, HIGH_PORT, SERVER,
              [Close(1000), Text("one more thing", rules=["data-after-close"])], Close(1000))
    violation(cap, HIGH_PORT, CLIENT,
              [Close(1001), Ping("anyone?", rules=["ping-after-close"])], Close(1001))
    violation(cap, HIGH_PORT, SERVER,
              [Text(b"price: \xe2\x82", fin=False),
               Cont(b"\x28 oops", rules=["text-utf8-invalid"])], Close(1007))
    violation(cap, HIGH_PORT, CLIENT, [Text(b"cut: \xe2\x82", rules=["text-utf8-truncated"])],
              Close(1007))
    d = Deflater()
    violation(cap, HIGH_PORT, SERVER,
              [Text(d.message(b"compressed hello, compressed hello"), rsv=RSV1),
               Ping("rsv1", rsv=RSV1, rules=["pmd-rsv1-on-control"])], Close(1002))
    d = Deflater()
    body = d.message(b"a compressed message in two fragments")
    violation(cap, HIGH_PORT, CLIENT,
              [Text(body[:8], rsv=RSV1, fin=False),
               Cont(body[8:], rsv=RSV1, rules=["pmd-rsv1-on-continuation"])], Close(1002))


@capture("silent-high", "what only a handshake could condemn stays silent mid-stream")
def _(cap):
    """With a handshake (and no extension) each of these frames breaks a rule;
    mid-stream the fact it rests on is missing, so nothing is reported: RSV1 on
    the first frame of a message (frame-rsv-nonzero needs to know that
    permessage-deflate was not negotiated), a payload under RSV1 that is not
    deflate data (pmd-decompress-fail needs the window and parameters), a
    continuation as a direction's first frame (frag-cont-without-start needs to
    know that no message was open) whose text starts with UTF-8 continuation
    bytes (text-utf8-invalid needs the message's start)."""
    c = warm_up(Mid(cap, HIGH_PORT))
    c.send(SERVER, Text("rsv1 on a message start", rsv=RSV1))
    c.send(SERVER, Binary(b"\xff\xfe not deflate data", rsv=RSV1))
    c = Mid(cap, HIGH_PORT)
    c.send(CLIENT, Text("hello again, server", rules=NOTE))
    c.send(SERVER, Cont(b"\xa9 the end of a message begun earlier"))
    c.send(SERVER, Text("and a new one"))
    c.send(CLIENT, Close(1000))
    c.send(SERVER, Close(1000))
    c.close_tcp(first=SERVER)


# Not WebSocket: none of these may be claimed.

def http_exchange(c, path, body, chunked=False):
    c.raw(CLIENT, b"GET %s HTTP/1.1\r\nHost: files.example.test\r\nAccept: */*\r\n\r\n" % path)
    if chunked:
        head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n")
        payload = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 700]), body[i:i + 700])
                           for i in range(0, len(body), 700)) + b"0\r\n\r\n"
    else:
        head = (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                b"Content-Length: %d\r\n\r\n" % len(body))
        payload = body
    c.c.send_writes(SERVER, head + payload, [len(head + payload)])


@capture("not-websocket-80", "HTTP/1.1 on port 80: bodies, chunked, a download caught mid-way")
def _(cap):
    """Three connections to port 80. 1: complete (SYN, keep-alive), a body of
    WebSocket-looking bytes (81 05 'hello' ...), then a chunked body. 2: the
    middle of a download: body bytes with no headers. 3: random bytes."""
    c = Mid(cap, 80)
    c.c.open()
    ws_like = Text("hello").encode(None) + Binary(pattern(60)).encode(None) + noise(500, "b1")
    http_exchange(c, b"/ws-looking.bin", ws_like)
    http_exchange(c, b"/stream", noise(2500, "b2"), chunked=True)
    c.close_tcp()
    c = Mid(cap, 80)
    c.c.send_writes(SERVER, noise(6000, "download"), [6000])
    c.raw(CLIENT, b"GET /next HTTP/1.1\r\nHost: files.example.test\r\n\r\n")
    c.close_tcp()
    c = Mid(cap, 80)
    for i in range(12):
        c.raw(i & 1, noise(40 + 97 * i, "r80/%d" % i))
    c.close_tcp()


@capture("not-websocket-8080", "binary and text protocols on port 8080")
def _(cap):
    """Three connections to port 8080: an HTTP download caught mid-way through
    a chunked body; a JSON-lines protocol; random bytes in small segments."""
    c = Mid(cap, 8080)
    body = noise(5000, "chunks")
    payload = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 900]), body[i:i + 900])
                       for i in range(0, len(body), 900)) + b"0\r\n\r\n"
    c.c.send_writes(SERVER, payload[700:], [len(payload) - 700])
    c.close_tcp()
    c = Mid(cap, 8080)
    for i in range(6):
        c.raw(CLIENT, b'{"id":%d,"method":"ping"}\n' % i)
        c.raw(SERVER, b'{"id":%d,"result":"pong"}\n' % i)
    c.close_tcp()
    c = Mid(cap, 8080)
    for i in range(30):
        c.raw(i % 2, noise(2 + (i * 7) % 30, "r8080/%d" % i))
    c.close_tcp()


def tls_record(ctype, body):
    return struct.pack(">BHH", ctype, 0x0303, len(body)) + body


@capture("not-websocket-high", "TLS, SSH, Redis, MQTT, DNS and random bytes on a high port")
def _(cap):
    """TLS from its ClientHello and TLS caught mid-stream (application data
    records only); SSH from its banners and SSH caught mid-stream (binary
    packets); Redis; MQTT caught mid-stream; DNS over TCP (16-bit length
    prefixes, which read as continuation frames that fit exactly); random bytes
    in large segments."""
    c = Mid(cap, HIGH_PORT)
    c.raw(CLIENT, struct.pack(">BHH", 0x16, 0x0301, 60) + b"\x01\x00\x00\x38\x03\x03"
          + noise(54, "hello"))
    c.raw(SERVER, tls_record(0x16, b"\x02\x00\x00\x46\x03\x03" + noise(70, "shello"))
          + tls_record(0x14, b"\x01"))
    for i in range(4):
        c.raw(i & 1, tls_record(0x17, noise(30 + 50 * i, "app/%d" % i)))
    c.close_tcp()
    c = Mid(cap, HIGH_PORT)
    for i in range(8):
        c.raw(i & 1, tls_record(0x17, noise(20 + 13 * i, "mid/%d" % i)))
    c.close_tcp()
    c = Mid(cap, HIGH_PORT)
    c.raw(SERVER, b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
    c.raw(CLIENT, b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n")
    c.close_tcp()

    def ssh_packet(n, seed):
        return struct.pack(">I", n) + noise(n + 16, seed)  # + a 16-byte MAC
    c = Mid(cap, HIGH_PORT)
    for i in range(10):
        c.raw(i & 1, ssh_packet(12 + 16 * (i % 4), "ssh/%d" % i))
    c.close_tcp()
    c = Mid(cap, HIGH_PORT)
    c.raw(CLIENT, b"*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$5\r\nvalue\r\n")
    c.raw(SERVER, b"+OK\r\n")
    c.raw(CLIENT, b"*2\r\n$3\r\nGET\r\n$5\r\nkey:1\r\n")
    c.raw(SERVER, b"$5\r\nvalue\r\n")
    c.close_tcp()
    c = Mid(cap, HIGH_PORT)
    for i in range(6):
        c.raw(CLIENT, b"\x30\x0c\x00\x03a/b" + b"reading%d" % i)  # PUBLISH
        c.raw(SERVER, b"\x40\x02\x00" + bytes([i + 1]))  # PUBACK
    c.raw(CLIENT, b"\xc0\x00")  # PINGREQ
    c.raw(SERVER, b"\xd0\x00")  # PINGRESP
    c.close_tcp()
    c = Mid(cap, HIGH_PORT)
    for i in range(8):
        msg = noise(20 + 11 * i, "dns/%d" % i)
        c.raw(i & 1, struct.pack(">H", len(msg)) + msg)
    c.close_tcp()
    c = Mid(cap, HIGH_PORT)
    for i in range(10):
        c.raw(i & 1, noise(300 + 113 * i, "rhigh/%d" % i))
    c.close_tcp()


# ---- output ------------------------------------------------------------------

README_HEAD = """\
# Mid-stream captures

Written by [`gen_midstream.py`](../gen_midstream.py) with the building blocks
of [`gen.py`](../gen.py) (see [../README.md](../README.md): deterministic
scapy output, fixed addresses, keys and masks). Each capture holds the tail of
connections whose opening handshake, HTTP Upgrade and TCP SYN alike, happened
before the capture started. ws1002 finds the WebSocket ones by itself
(`plugin/ws_heur.c`, preference `ws.midstream_heuristic`, on by default): no
Decode As, on ports 80 and 8080, which Wireshark gives to HTTP, and on port
%(port)d, which nobody owns. It infers the roles (the side that masks is the
client), whether permessage-deflate is likely in force and whether a
fragmented message was already open; every verdict that rests on an inference
says so, and rules that need a fact the capture lacks stay silent. The
`not-websocket-*` captures hold other protocols and random bytes, which must
not be claimed.

Regenerate: `python3 captures/gen_midstream.py` (the python3 that has scapy).
`ctest -L captures` checks that the files are what the script writes;
`ctest -R tshark.midstream` runs them through tshark, `tshark -2` and sharkd
without any `-d` option.

`<name>.tsv` lists the expected `ws.rule` items as for the other captures; the
first dissected frame of each WebSocket connection carries the
`handshake-not-captured` note with the evidence, all of which the
`ws.midstream.evidence` field of the packet that found the connection holds;
`<name>.evidence`, where present, lists text it must contain. Frames sent before the
heuristic had enough evidence are not dissected (on any pass); `index.tsv`
counts the frames that are.

## The captures
"""


def write_evidence(cap, out):
    """<name>.evidence: text the ws.midstream.evidence field must hold."""
    lines = getattr(cap, "evidence", None)
    if not lines:
        return
    with open(os.path.join(out, cap.name + ".evidence"), "w", encoding="utf-8") as f:
        f.write("# Text that ws.midstream.evidence must hold in %s.pcapng, one per line "
                "(written by %s).\n" % (cap.name, BY))
        f.write("".join(line + "\n" for line in lines))


def write_readme(caps, out):
    gen.set_readme(README_HEAD % {"port": HIGH_PORT}, CAPTURES, caps, out,
                   "WebSocket frames dissected")


def generate(out, rules):
    return gen.generate_set(CAPTURES, Capture, rules, out, BY, write_evidence, write_readme)


def main():
    return gen.generator_main(
        __file__, __doc__, DEFAULT_OUT, generate,
        lambda top: gen.files_ending(top, (".pcapng", ".tsv", ".md", ".evidence")))


if __name__ == "__main__":
    sys.exit(main())
