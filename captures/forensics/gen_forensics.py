#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generate the close-forensics captures and their expectations.

Who closed with 1002, and because of what: each capture here is a scripted
story built with the helpers of ../gen.py (same TCP, handshake and frame
writers, same determinism), about the links between a violation and the
other side's reaction, failure Closes nothing in the capture explains, lost
TCP segments, non-WebSocket bytes in an upgraded stream, and
permessage-deflate messages judged after inflating.

Next to each capture:
  NAME.tsv        the ws.rule items, in the format of ../README.md
  NAME.links.tsv  frame, field, value: every ws.close.cause, ws.close.reaction,
                  ws.close.reaction_code, ws.close.cause_rule,
                  ws.close.reason_rule, ws.gap and ws.inflated_offset the
                  plugin must add (with tshark -2); nothing else may appear
and index.tsv, README.md. A lost segment is simulated by advancing the
sender's sequence numbers without writing the packet, as a capture that
missed it would look.

    python3 captures/forensics/gen_forensics.py [--check]
"""

import hashlib
import os
import sys
import zlib
from decimal import Decimal

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import gen  # noqa: E402  (captures/gen.py)
from gen import (CLIENT, SERVER, RSV1, RSV2, RSV3, Frame, Text, Binary, Cont, Ping, Close,  # noqa: E402
                 ascii_text, pattern)

CAPTURES = []
LINK_FIELDS = ["ws.close.cause", "ws.close.reaction", "ws.close.reaction_code",
               "ws.close.cause_rule", "ws.close.reason_rule", "ws.gap", "ws.inflated_offset"]
# The columns of the ws1002 statistics table (tshark -z ws1002,tree)
STATS_COLUMNS = ["#", "Client", "Server", "Handshake", "Extensions", "Findings",
                 "Rules broken (by, frame)", "Closes"]
# ws.gap values
GAP_LOST, GAP_ACKED = 2, 3


def capture(name, summary, args=()):
    def register(fn):
        CAPTURES.append(("forensics/" + name, summary, args, fn))
        return fn
    return register


def last(cap):
    """Number of the packet written last."""
    return len(cap.packets)


def link(cap, frame, field, value):
    assert field in LINK_FIELDS, field
    cap.links.append((frame, field, str(value)))


def cause(cap, close_frame, violation_frame, rule, code):
    """A failure Close and the violation it answers, both ways."""
    link(cap, close_frame, "ws.close.cause", violation_frame)
    link(cap, close_frame, "ws.close.cause_rule", rule)
    link(cap, violation_frame, "ws.close.reaction", close_frame)
    if code is not None:
        link(cap, violation_frame, "ws.close.reaction_code", code)


def server_rsv2(cap):
    """A connection whose server answers the client's hello with an RSV2
    frame (frame-rsv-nonzero): the connection and the frame's number."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("hello"))
    c.ws(SERVER, Text("rsv2", rsv=RSV2, rules=["frame-rsv-nonzero"]))
    return c, last(cap)


def lose(c, side, *frames):
    """Frames the sender wrote that the capture missed: the sequence numbers
    move on, no packet is written."""
    for fr in frames:
        c.seq[side] = (c.seq[side] + len(fr.encode(c._mask_key(side, fr)))) & 0xFFFFFFFF


def ws_dropping(c, side, frames, split, drop):
    """Like Conn.ws with a list split, but the segments whose indexes are in
    drop are lost. Returns the packet numbers written, one per segment (None
    for a lost one)."""
    blob = b"".join(fr.encode(c._mask_key(side, fr)) for fr in frames)
    sizes = list(split)
    rest = len(blob) - sum(sizes)
    if rest:
        sizes.append(rest)
    nums, pos = [], 0
    for i, size in enumerate(sizes):
        data = blob[pos:pos + size]
        pos += size
        if i in drop:
            c.seq[side] = (c.seq[side] + len(data)) & 0xFFFFFFFF
            nums.append(None)
        else:
            nums.append(c.segment(side, data))
    return nums


def words(n, seed):
    """n bytes of text that does not repeat (so deflate finds no short
    back-references in it)."""
    out = b""
    k = 0
    while len(out) < n:
        out += hashlib.sha256(b"%d/%d" % (seed, k)).hexdigest().encode()
        k += 1
    return out[:n]


def raw(c, side, data):
    """Bytes written into the upgraded stream without framing."""
    return c.segment(side, data)


class Deflater:
    """permessage-deflate sender: raw deflate with wbits, sync flush, tail
    removed; context takeover unless reset."""

    def __init__(self, wbits=15, takeover=True):
        self.wbits = wbits
        self.takeover = takeover
        self.z = None

    def message(self, data):
        if self.z is None or not self.takeover:
            self.z = zlib.compressobj(6, zlib.DEFLATED, -self.wbits, 8)
        out = self.z.compress(data) + self.z.flush(zlib.Z_SYNC_FLUSH)
        assert out.endswith(b"\x00\x00\xff\xff")
        return out[:-4]


PMD_OFFER = "permessage-deflate; client_max_window_bits"

# ---- cause and reaction -----------------------------------------------------


@capture("reaction-as-expected", "server masks a frame; the client fails with Close 1002 "
         "'Masked frame from server'")
def _(cap):
    """The server sends a masked text frame; the client (as Chromium does)
    closes 1002 with the reason "Masked frame from server". The Close points to
    the masked frame (ws.close.cause) and the masked frame to the Close
    (ws.close.reaction, 1002); the reason text names the same rule
    (ws.close.reason_rule). The client then drops TCP."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("hello"))
    c.ws(SERVER, Text("masked by the server", masked=True, rules=["frame-masked-server"]))
    v = last(cap)
    c.ws(CLIENT, Close(1002, "Masked frame from server"))
    cl = last(cap)
    cause(cap, cl, v, "frame-masked-server", 1002)
    link(cap, cl, "ws.close.reason_rule", "frame-masked-server")
    c.close_tcp(first=CLIENT)


@capture("reaction-unexpected-code", "a 1003 where 1002 is due, and websocket-driver's "
         "accepted 1003")
def _(cap):
    """Connection 1: the server sets RSV2; the client closes 1003 (unsupported
    data) instead of 1002: linked both ways, and reaction-unexpected-code on the
    client's Close, a finding about the receiver. Connection 2 (look-alike):
    the client sends an unmasked frame and the server closes 1003, the code
    websocket-driver uses, which the rule table accepts: linked, no finding.
    Connection 3 (look-alike): the server sends Close 1000 first, then the
    client's answer breaks close-code-forbidden (1005): the server has already
    closed, so no reaction is due from it."""
    c, v = server_rsv2(cap)
    c.ws(CLIENT, Close(1003, rules=["reaction-unexpected-code"]))
    cause(cap, last(cap), v, "frame-rsv-nonzero", 1003)
    c.close_tcp(first=CLIENT)
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("not masked", masked=False, rules=["frame-unmasked-client"]))
    v = last(cap)
    c.ws(SERVER, Close(1003))
    cause(cap, last(cap), v, "frame-unmasked-client", 1003)
    c.close_tcp(first=SERVER)
    c = cap.conn().open().upgrade()
    c.ws(SERVER, Close(1000))
    c.ws(CLIENT, Close(1005, rules=["close-code-forbidden"]))
    c.close_tcp(first=SERVER)
    # tshark -z ws1002,tree: one row per connection, in capture order
    cap.stats = [
        ("1", "192.0.2.10:50001", "198.51.100.1:80", "captured", "none", "2",
         "frame-rsv-nonzero (server, frame 7); reaction-unexpected-code (client, frame 8)",
         "client in frame 8: 1003, explained by frame 7 (frame-rsv-nonzero)"),
        ("2", "192.0.2.11:50002", "198.51.100.1:80", "captured", "none", "1",
         "frame-unmasked-client (client, frame 17)",
         "server in frame 18: 1003, explained by frame 17 (frame-unmasked-client)"),
        ("3", "192.0.2.12:50003", "198.51.100.1:80", "captured", "none", "1",
         "close-code-forbidden (client, frame 28)",
         "server in frame 27: 1000; client in frame 28: 1005 (answer)"),
    ]


@capture("reaction-missing", "the receiver of a reserved opcode goes on sending messages")
def _(cap):
    """Connection 1: the server sends opcode 0x3; the client, having
    acknowledged it, sends a new text message: reaction-missing on it (the
    client should have failed the connection). Its later Close 1002 is still
    linked to the violation. Connection 2 (look-alike): the client's
    fragmented message was under way; its last fragment after the violation
    is no new message. Connection 3 (look-alike): the client's new message
    was sent before the violation reached it (its ACK does not cover the
    violating segment), as when two frames cross in flight."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("hello"))
    c.ws(SERVER, Frame(0x3, "op3", rules=["frame-opcode-reserved"]))
    v = last(cap)
    c.ws(CLIENT, Text("as if nothing happened", rules=["reaction-missing"]))
    c.ws(CLIENT, Close(1002))
    cause(cap, last(cap), v, "frame-opcode-reserved", 1002)
    c.close_tcp(first=CLIENT)

    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("part one, ", fin=False))
    c.ws(SERVER, Frame(0x3, "op3", rules=["frame-opcode-reserved"]))
    v = last(cap)
    c.ws(CLIENT, Cont("part two"))
    c.ws(CLIENT, Close(1002))
    cause(cap, last(cap), v, "frame-opcode-reserved", 1002)
    c.close_tcp(first=CLIENT)

    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("hello"))
    before = c.seq[SERVER]
    c.ws(SERVER, Frame(0x3, "op3", rules=["frame-opcode-reserved"]))
    v = last(cap)
    after = c.seq[SERVER]
    c.seq[SERVER] = before  # the client's ACK stops short of the violation
    c.ws(CLIENT, Text("crossing in flight"))
    c.seq[SERVER] = after
    c.ws(CLIENT, Close(1002))
    cause(cap, last(cap), v, "frame-opcode-reserved", 1002)
    c.close_tcp(first=CLIENT)


@capture("reaction-tcp", "receivers that drop TCP instead of closing (RFC 6455 §7.1.7)")
def _(cap):
    """Connection 1: the client sends a Ping with FIN=0 and the server answers
    with a TCP FIN, no Close frame: ws.close.reaction points to the FIN.
    Connection 2: the client sets RSV3 and the server resets the connection:
    ws.close.reaction points to the RST. Neither is a finding: failing the
    connection without a Close is allowed."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("hello"))
    c.ws(CLIENT, Ping("frag", fin=False, rules=["ctrl-fragmented"]))
    v = last(cap)
    c.close_tcp(first=SERVER)
    link(cap, v, "ws.close.reaction", v + 1)
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("rsv3", rsv=RSV3, rules=["frame-rsv-nonzero"]))
    v = last(cap)
    c._pkt(SERVER, "RA")
    link(cap, v, "ws.close.reaction", last(cap))


@capture("fail-fin-rst", "a failure Close and FIN, the peer's Close after the FIN, a RST: no gap")
def _(cap):
    """As Chromium and the wsproto server end a connection they failed: the
    client answers the server's RSV2 frame with Close 1002 and its FIN; the
    server's Close echo arrives after that FIN and the client, which no longer
    reads, answers with a RST. Connection 1 retransmits the FIN before the
    echo arrives, connection 2 does not. Every frame is complete and nothing
    is missing: no capture gap. The echo is the server's first frame after its
    broken one (after-fail)."""
    for retransmit in (True, False):
        c, v = server_rsv2(cap)
        c.ws(CLIENT, Close(1002))
        cause(cap, last(cap), v, "frame-rsv-nonzero", 1002)
        c._pkt(CLIENT, "FA")
        if retransmit:
            c.seq[CLIENT] = (c.seq[CLIENT] - 1) & 0xFFFFFFFF
            c._pkt(CLIENT, "FA")
        c.ws(SERVER, Close(1002, rules=["after-fail"]))
        c._pkt(CLIENT, "RA")


# ---- unexplained failure Closes ---------------------------------------------


@capture("close-unexplained-gap", "Close 1002 whose cause was in a segment the capture lost")
def _(cap):
    """Connection 1: the server's frame with RSV1 (nothing negotiated) is not
    in the capture; the client's Close 1002 acknowledges bytes that never
    appear, so ws1002 notes the gap in the server's direction there
    (capture-gap, ws.gap 3) and calls the Close unexplained, most likely
    because of that gap. Connection 2 (look-alike): the same with the frame
    captured: the Close is explained."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("hello"))
    c.ws(SERVER, Text("welcome"))
    lose(c, SERVER, Text("compressed?", rsv=RSV1))
    c.ws(CLIENT, Close(1002, rules=["capture-gap", "close-unexplained"]))
    link(cap, last(cap), "ws.gap", GAP_ACKED)
    c.close_tcp(first=CLIENT)
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("hello"))
    c.ws(SERVER, Text("welcome"))
    c.ws(SERVER, Text("compressed?", rsv=RSV1, rules=["frame-rsv-nonzero"]))
    v = last(cap)
    c.ws(CLIENT, Close(1002))
    cause(cap, last(cap), v, "frame-rsv-nonzero", 1002)
    c.close_tcp(first=CLIENT)


@capture("close-unexplained-onehop", "Close 1002 'Invalid reserved bit' relayed over a hop "
         "that negotiated permessage-deflate")
def _(cap):
    """The capture sits between a reverse proxy (client side here) and the
    backend. permessage-deflate is negotiated on this hop and the backend sends
    compressed messages, all legal here; the browser behind the proxy did not
    negotiate it, failed with Chromium's Close 1002 "Invalid reserved bit", and
    the proxy relays that Close. Nothing in the capture explains it: the most
    likely explanation is compression negotiated on one hop only, and the
    reason text names frame-rsv-nonzero."""
    c = cap.conn().open().upgrade(PMD_OFFER, "permessage-deflate")
    d = gen.Deflater()
    c.ws(CLIENT, Text('{"op":"join"}'))
    c.ws(SERVER, Text(d.message(b'{"op":"joined","users":12}'), rsv=RSV1))
    c.ws(SERVER, Text(d.message(b'{"op":"joined","users":13}'), rsv=RSV1))
    c.ws(CLIENT, Close(1002, "Invalid reserved bit", rules=["close-unexplained"]))
    link(cap, last(cap), "ws.close.reason_rule", "frame-rsv-nonzero")
    c.close_tcp(first=SERVER)


@capture("close-unexplained-reason", "Close 1007 whose reason names a rule, and failure "
         "Closes that need no explanation")
def _(cap):
    """Connection 1: the client closes 1007 with Chromium's reason "Invalid
    UTF-8 in text frame", yet every text the server sent is valid: unexplained,
    and the reason names text-utf8-invalid. Connection 2 (look-alike): a Close
    1002 that answers the peer's Close is no failure announcement. Connection
    3 (look-alike): Close 1011 (internal error) reports the sender's own
    trouble, not the peer's."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("hello"))
    c.ws(SERVER, Text("caf\u00e9 \u20ac"))
    c.ws(CLIENT, Close(1007, "Invalid UTF-8 in text frame", rules=["close-unexplained"]))
    link(cap, last(cap), "ws.close.reason_rule", "text-utf8-invalid")
    c.close_tcp(first=SERVER)
    c = cap.conn().open().upgrade()
    c.ws(SERVER, Close(1000))
    c.ws(CLIENT, Close(1002))
    c.close_tcp(first=SERVER)
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("hello"))
    c.ws(SERVER, Close(1011, "database unavailable"))
    c.ws(CLIENT, Close(1011))
    c.close_tcp(first=SERVER)


# ---- non-WebSocket bytes ------------------------------------------------------


@capture("non-websocket-bytes", "an HTTP response, a chunked-body end and a TLS record "
         "inside upgraded streams")
def _(cap):
    """Connection 1: a second upgrade handler writes an HTTP 400 response into
    the upgraded stream ('H' reads as FIN=0, RSV1, Close): one
    non-websocket-bytes finding naming an HTTP response, then after-fail; the
    client's Close 1002 is linked to it. Connection 2: the server writes the
    "0\\r\\n\\r\\n" that ends a chunked body before its next frame. Connection 3:
    the client sends a TLS ClientHello record. Connection 4 (look-alike): a
    real frame with RSV2 set is still frame-rsv-nonzero."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("hello"))
    body = b"A second upgrade handler answered this request.\n"
    v = raw(c, SERVER, b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\n"
            b"Content-Length: %d\r\n\r\n" % len(body) + body)
    cap.expect.append((v, "non-websocket-bytes"))
    c.ws(CLIENT, Close(1002))
    cause(cap, last(cap), v, "non-websocket-bytes", 1002)
    c.close_tcp(first=CLIENT)

    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("hello"))
    v = raw(c, SERVER, b"0\r\n\r\n" + Text("welcome to the chat").encode(None))
    cap.expect.append((v, "non-websocket-bytes"))
    c.ws(CLIENT, Close(1002))
    cause(cap, last(cap), v, "non-websocket-bytes", 1002)
    c.close_tcp(first=CLIENT)

    c = cap.conn().open().upgrade()
    hello = bytes([0x16, 0x03, 0x01, 0x00, 0x2f, 0x01, 0x00, 0x00, 0x2b, 0x03, 0x03]) + bytes(41)
    v = raw(c, CLIENT, hello)
    cap.expect.append((v, "non-websocket-bytes"))
    cap.expect.append((v, "after-fail"))  # the rest of the record reads as more frames
    c.ws(SERVER, Close(1002))
    cause(cap, last(cap), v, "non-websocket-bytes", 1002)
    c.close_tcp(first=SERVER)

    c, v = server_rsv2(cap)
    c.ws(CLIENT, Close(1002))
    cause(cap, last(cap), v, "frame-rsv-nonzero", 1002)
    c.close_tcp(first=CLIENT)


# ---- capture gaps -------------------------------------------------------------


@capture("gap-mid-frame", "lost segments inside a large frame and inside a run of frames")
def _(cap):
    """Connection 1: the client's 6000-byte binary frame loses its third
    segment. TCP reassembly knows where that frame ends, so Wireshark finds the
    next frame where it starts; ws1002 notes the gap once (capture-gap, ws.gap
    2), skips the frames it cannot trust yet, and judges again from a frame that
    ends its segment: the RSV2 frame after it is reported and the server's
    Close 1002 linked to it. Connection 2: forty text frames in one burst lose
    a segment, so the next segment starts inside a frame and Wireshark reads
    garbage from there on: ws1002 notes the gap and accuses no one; the
    server's Close 1002 (its cause is in the garbage) is unexplained, most
    likely because of that gap."""
    c = cap.conn().open().upgrade()
    c.ws(CLIENT, Text("hello"))
    nums = ws_dropping(c, CLIENT, [Binary(pattern(6000, seed=5))], [1448] * 4, {2})
    cap.expect.append((nums[3], "capture-gap"))
    link(cap, nums[3], "ws.gap", GAP_LOST)
    c.ws(SERVER, Text("still here"))
    c.ws(CLIENT, Text("after the gap"))
    c.ws(CLIENT, Text("rsv2", rsv=RSV2, rules=["frame-rsv-nonzero"]))
    v = last(cap)
    c.ws(SERVER, Close(1002))
    cause(cap, last(cap), v, "frame-rsv-nonzero", 1002)
    c.close_tcp(first=SERVER)

    c = cap.conn().open().upgrade()
    frames = [Text(ascii_text(90 + 7 * i, seed=i)) for i in range(40)]
    frames.append(Text("rsv2", rsv=RSV2))
    nums = ws_dropping(c, CLIENT, frames, [1448] * 6, {2})
    cap.expect.append((nums[3], "capture-gap"))
    link(cap, nums[3], "ws.gap", GAP_LOST)
    c.ws(SERVER, Close(1002, rules=["close-unexplained"]))
    c.close_tcp(first=SERVER)


@capture("gap-compressed", "a lost compressed message under context takeover")
def _(cap):
    """permessage-deflate with context takeover: the client's second compressed
    message is lost, so its third, which refers back into the lost one, cannot
    be inflated: ws1002 stops inflating that direction (no false
    pmd-decompress-fail) and notes the gap once. A later uncompressed text with
    invalid UTF-8 is still judged, and the server's Close 1007 linked to it."""
    c = cap.conn().open().upgrade(PMD_OFFER, "permessage-deflate")
    d = gen.Deflater()
    c.ws(CLIENT, Text(d.message(b"the quick brown fox jumps over the lazy dog " * 3), rsv=RSV1,
                      masked=True))
    c.ws(SERVER, Text("ok"))
    lose(c, CLIENT, Text(d.message(b"pack my box with five dozen liquor jugs " * 3), rsv=RSV1))
    c.ws(CLIENT, Text(d.message(b"pack my box with five dozen liquor jugs, the quick brown fox"),
                      rsv=RSV1))
    g = last(cap)
    cap.expect.append((g, "capture-gap"))
    link(cap, g, "ws.gap", GAP_LOST)
    c.ws(SERVER, Text("ok"))
    c.ws(CLIENT, Text(b"caf\xc3\x28", rules=["text-utf8-invalid"]))
    v = last(cap)
    c.ws(SERVER, Close(1007))
    cause(cap, last(cap), v, "text-utf8-invalid", 1007)
    c.close_tcp(first=SERVER)


# ---- compressed messages ---------------------------------------------------------


@capture("pmd-inflate", "compressed messages judged after inflating")
def _(cap):
    """Connection 1: a compressed text inflates to "abc" C3 28: text-utf8-invalid
    at byte 4 of the inflated message (ws.inflated_offset), Close 1007 linked.
    Connection 2: RSV1 text whose payload is not deflate data (reserved block
    type): pmd-decompress-fail, Close 1007 linked. Connection 3 (look-alike):
    compressed text whose deflate bytes are not UTF-8, in two fragments that
    cut a euro sign apart after inflating, with a Ping between: nothing."""
    c = cap.conn().open().upgrade(PMD_OFFER, "permessage-deflate")
    d = gen.Deflater()
    c.ws(CLIENT, Text(d.message(b"abc\xc3\x28"), rsv=RSV1, rules=["text-utf8-invalid"]))
    v = last(cap)
    link(cap, v, "ws.inflated_offset", 4)
    c.ws(SERVER, Close(1007))
    cause(cap, last(cap), v, "text-utf8-invalid", 1007)
    c.close_tcp(first=SERVER)

    c = cap.conn().open().upgrade(PMD_OFFER, "permessage-deflate")
    c.ws(CLIENT, Text(b"\xff\xff\xff\xff", rsv=RSV1, rules=["pmd-decompress-fail"]))
    v = last(cap)
    c.ws(SERVER, Close(1007, "invalid block type"))
    cause(cap, last(cap), v, "pmd-decompress-fail", 1007)
    link(cap, last(cap), "ws.close.reason_rule", "pmd-decompress-fail")
    c.close_tcp(first=SERVER)

    c = cap.conn().open().upgrade(PMD_OFFER, "permessage-deflate")
    z = zlib.compressobj(6, zlib.DEFLATED, -15, 8)
    part1 = z.compress(b"price: \xe2\x82") + z.flush(zlib.Z_SYNC_FLUSH)
    part2 = z.compress(b"\xac 5") + z.flush(zlib.Z_SYNC_FLUSH)
    assert part2.endswith(b"\x00\x00\xff\xff")
    c.ws(CLIENT, Text(part1, rsv=RSV1, fin=False))
    c.ws(CLIENT, Ping("between"))
    c.ws(CLIENT, Cont(part2[:-4]))
    c.ws(SERVER, Text("\u20ac 5 received"))
    c.ws(CLIENT, Close(1000))
    c.ws(SERVER, Close(1000))
    c.close_tcp(first=SERVER)


@capture("pmd-window", "window bits and context takeover as negotiated")
def _(cap):
    """Connection 1: client_max_window_bits=9 is agreed, but the client's second
    message refers 700 bytes back, beyond a 512-byte window:
    pmd-window-exceeded (a sender warning). Connection 2 (look-alike): the same
    messages compressed with a 9-bit window: nothing. Connection 3:
    client_no_context_takeover is agreed, yet the client's second message
    refers back into the first: pmd-decompress-fail, Close 1007 linked."""
    text1 = words(700, 3)
    text2 = words(40, 9) + text1[:60]
    for wbits, rules in ((15, ["pmd-window-exceeded"]), (9, [])):
        c = cap.conn().open().upgrade(PMD_OFFER,
                                      "permessage-deflate; client_max_window_bits=9")
        d = Deflater(wbits=wbits)
        c.ws(CLIENT, Text(d.message(text1), rsv=RSV1))
        c.ws(CLIENT, Text(d.message(text2), rsv=RSV1, rules=rules))
        c.ws(SERVER, Text("ok"))
        c.ws(CLIENT, Close(1000))
        c.ws(SERVER, Close(1000))
        c.close_tcp(first=SERVER)
    c = cap.conn().open().upgrade(PMD_OFFER + "; client_no_context_takeover",
                                  "permessage-deflate; client_no_context_takeover")
    d = Deflater(takeover=True)  # the client keeps its window anyway
    c.ws(CLIENT, Text(d.message(text1), rsv=RSV1))
    c.ws(CLIENT, Text(d.message(text2), rsv=RSV1, rules=["pmd-decompress-fail"]))
    v = last(cap)
    c.ws(SERVER, Close(1007))
    cause(cap, last(cap), v, "pmd-decompress-fail", 1007)
    c.close_tcp(first=SERVER)


# ---- output --------------------------------------------------------------------

# Frames Wireshark's websocket dissector finds where garbage makes it differ
# from the frames sent (lost segments, non-WebSocket bytes): measured once
# with tshark 4.0 and kept here so that the index stays a generator output.
WS_FRAMES = {
    "forensics/gap-mid-frame": 43,
    "forensics/non-websocket-bytes": 13,
}


def write_one(cap, rules, out):
    base = os.path.join(out, cap.name)
    os.makedirs(os.path.dirname(base), exist_ok=True)
    w = gen.PcapNgWriter(base + ".pcapng")
    w.write_header(None)
    for rawp, t in zip(cap.packets, cap.times):
        w.write_packet(rawp, sec=Decimal(t) / 1000000)
    w.close()
    gen.pin_section_length(base + ".pcapng")
    by_frame = {}
    for num, rid in cap.expect:
        if rid not in rules:
            sys.exit("gen_forensics.py: %s: unknown rule %s" % (cap.name, rid))
        by_frame.setdefault(num, []).append(rid)
    lines = ["# Expected ws1002 verdicts for %s.pcapng, written by "
             "captures/forensics/gen_forensics.py." % os.path.basename(cap.name),
             "# One line per ws.rule item; proto_error: whether the frame carries ws.proto_error.",
             "frame\trule\texpected_close\tproto_error"]
    for num in sorted(by_frame):
        perr = any(gen.expected_close(rules[r]) == 1002 for r in by_frame[num])
        for rid in sorted(by_frame[num]):
            close = gen.expected_close(rules[rid])
            lines.append("%d\t%s\t%s\t%s" % (num, rid, close or "-", "yes" if perr else "no"))
    with open(base + ".tsv", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    lines = ["# Expected ws1002 links for %s.pcapng (tshark -2), written by "
             "captures/forensics/gen_forensics.py." % os.path.basename(cap.name),
             "# Every value of these fields, and no other: %s." % ", ".join(LINK_FIELDS),
             "frame\tfield\tvalue"]
    for frame, field, value in sorted(cap.links, key=lambda x: (x[0], LINK_FIELDS.index(x[1]))):
        lines.append("%d\t%s\t%s" % (frame, field, value))
    with open(base + ".links.tsv", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    if getattr(cap, "stats", None):
        lines = ["# The rows tshark -z ws1002,tree must show for %s.pcapng, in this order, "
                 "written by captures/forensics/gen_forensics.py." % os.path.basename(cap.name),
                 "\t".join(STATS_COLUMNS)] + ["\t".join(row) for row in cap.stats]
        with open(base + ".stats.tsv", "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


README_HEAD = """\
# Close forensics captures

Written by [`gen_forensics.py`](gen_forensics.py) with the helpers of
[`../gen.py`](../gen.py) (same determinism: `ctest -L captures` regenerates
them and compares byte for byte). They check what ws1002 says about a
failure Close: which frame caused it (`ws.close.cause`), how the receiver
reacted to a violation (`ws.close.reaction`, shown on a second pass: `tshark
-2` or the GUI), reactions that differ from what the RFC expects
(`reaction-unexpected-code`, `reaction-missing`), failure Closes nothing in
the capture explains (`close-unexplained`, with the most likely reasons), lost
TCP segments (`capture-gap`, `ws.gap`), non-WebSocket bytes in an upgraded
stream (`non-websocket-bytes`) and compressed messages judged after inflating.

Next to each capture, `NAME.tsv` lists the `ws.rule` items (format of
[`../README.md`](../README.md)) and `NAME.links.tsv` every value of the link
fields (`%s`) the plugin must add with `tshark -2`, and no other.
`tests/tshark/` checks both, and every capture's lossy variants.

    python3 captures/forensics/gen_forensics.py

## The captures
"""


def write_index_readme(caps, out):
    lines = ["# The close-forensics captures, written by captures/forensics/gen_forensics.py:",
             "# name, extra tshark arguments, number of WebSocket frames, summary.",
             "capture\ttshark_args\tws_frames\tsummary"]
    for cap in caps:
        lines.append("%s\t%s\t%d\t%s" % (cap.name[len("forensics/"):], " ".join(cap.args),
                                         cap.nframes, cap.summary))
    with open(os.path.join(out, "forensics", "index.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    parts = [README_HEAD % "`, `".join(LINK_FIELDS)]
    for (name, summary, args, fn), cap in zip(CAPTURES, caps):
        parts.append("\n### `%s.pcapng`\n\n" % name[len("forensics/"):])
        parts.append(summary[0].upper() + summary[1:] + ". ")
        parts.append(" ".join(fn.__doc__.split()) + "\n")
        rows = ", ".join("%d `%s`" % e for e in sorted(cap.expect))
        parts.append("\nExpected (frame, rule): %s.\n" % (rows or "nothing"))
    with open(os.path.join(out, "forensics", "README.md"), "w", encoding="utf-8") as f:
        f.write("".join(parts))


def generate(out, rules):
    caps = []
    for name, summary, args, fn in CAPTURES:
        cap = gen.Capture(name, summary, args)
        cap.links = []
        fn(cap)
        if WS_FRAMES.get(name) is not None:
            cap.nframes = WS_FRAMES[name]
        write_one(cap, rules, out)
        caps.append(cap)
    write_index_readme(caps, out)
    return caps


def files_under(top):
    found = []
    for root, _, files in os.walk(os.path.join(top, "forensics")):
        for f in files:
            if f.endswith((".pcapng", ".tsv", ".md")):
                found.append(os.path.relpath(os.path.join(root, f), top))
    return sorted(found)


def main():
    return gen.generator_main(__file__, __doc__, os.path.dirname(HERE), generate, files_under)


if __name__ == "__main__":
    sys.exit(main())
