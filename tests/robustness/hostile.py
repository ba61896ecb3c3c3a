#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Write hostile and large WebSocket captures (pcap) into a folder.

Each capture is Ethernet/IPv4/TCP with a full TCP handshake, an HTTP/1.1
Upgrade with a matching Sec-WebSocket-Accept (unless said otherwise), then
the frames, then FIN. TCP checksums are left 0 (Wireshark does not check
them by default); sequence numbers are exact; pure ACKs are left out.
Deterministic. The packets are packed by hand (struct) rather than built
with scapy objects: several captures hold 10^5-10^6 frames.

    hostile.py OUTDIR [NAME...]       (default: all but NOT_DEFAULT)
    hostile.py --stream KIND N        (raw server bytes to stdout, see stream())

Prints one line per capture: name, packets, WebSocket frames, summary.
"""
import base64
import hashlib
import os
import struct
import sys
import zlib

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MSS = 1448


class Pcap:
    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        self.t = 1700000000 * 1000000
        self.packets = 0

    def write(self, data):
        self.t += 10
        self.f.write(struct.pack("<IIII", self.t // 1000000, self.t % 1000000, len(data), len(data)))
        self.f.write(data)
        self.packets += 1

    def close(self):
        self.f.close()


def ip_checksum(h):
    s = sum(struct.unpack("!10H", h))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ip4(a):
    return bytes(int(x) for x in a.split("."))


class Conn:
    """One TCP connection; data is cut into MSS-sized segments."""

    def __init__(self, pcap, n, server="198.51.100.1", sport=80):
        self.pcap = pcap
        self.ip = [ip4("10.%d.%d.%d" % (1 + n // 65536, n // 256 % 256, n % 256)), ip4(server)]
        self.port = [20000 + n % 40000, sport]
        self.seq = [1000 + 7 * n, 5000 + 11 * n]
        self.frames = 0

    def _pkt(self, d, flags, payload=b""):
        o = 1 - d
        tcp = struct.pack("!HHIIBBHHH", self.port[d], self.port[o], self.seq[d] & 0xFFFFFFFF,
                          self.seq[o] & 0xFFFFFFFF, 5 << 4, flags, 65535, 0, 0)
        total = 20 + len(tcp) + len(payload)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, 0, 0x4000, 64, 6, 0,
                         self.ip[d], self.ip[o])
        ip = ip[:10] + struct.pack("!H", ip_checksum(ip)) + ip[12:]
        eth = bytes([2, 0, 0, 0, 0, 2 - d, 2, 0, 0, 0, 0, 1 + d]) + b"\x08\x00"
        self.pcap.write(eth + ip + tcp + payload)
        self.seq[d] += len(payload) + (1 if flags & 0x03 else 0)

    def open(self):
        self._pkt(0, 0x02)  # SYN
        self._pkt(1, 0x12)  # SYN, ACK
        self._pkt(0, 0x10)  # ACK

    def send(self, d, data, seg=MSS):
        for i in range(0, len(data), seg):
            self._pkt(d, 0x18, data[i:i + seg])

    def close(self):
        self._pkt(0, 0x11)
        self._pkt(1, 0x11)
        self._pkt(0, 0x10)

    def upgrade(self, n, extra_req=b"", extra_resp=b"", ext=None):
        key = base64.b64encode(hashlib.sha1(b"key%d" % n).digest()[:16])
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        req = (b"GET /chat HTTP/1.1\r\nHost: server.example.test\r\nUpgrade: websocket\r\n"
               b"Connection: Upgrade\r\nSec-WebSocket-Key: " + key +
               b"\r\nSec-WebSocket-Version: 13\r\n" + extra_req + b"\r\n")
        resp = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n" +
                (b"Sec-WebSocket-Extensions: " + ext + b"\r\n" if ext else b"") +
                extra_resp + b"\r\n")
        self.send(0, req)
        self.send(1, resp)


def frame(op, payload=b"", fin=True, mask=None, rsv=0, length=None):
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | rsv << 4 | op
    m = 0x80 if mask else 0
    if length is None and n < 126:
        h = bytes([b0, m | n])
    elif length is None and n < 65536:
        h = bytes([b0, m | 126]) + struct.pack("!H", n)
    else:
        h = bytes([b0, m | 127]) + struct.pack("!Q", n)
    if mask:
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        h += mask
    return h + payload


MASK = b"\x37\xfa\x21\x3d"


def cframe(op, payload=b"", **kw):
    return frame(op, payload, mask=MASK, **kw)


def close_both(c, code=1000):
    c.send(0, cframe(8, struct.pack("!H", code)))
    c.send(1, frame(8, struct.pack("!H", code)))
    c.frames += 2


# ---- The captures ------------------------------------------------------------

def len_2pow63(p):
    """A 2^63-byte length (len-64bit-msb) with 64 KiB after it."""
    c = Conn(p, 0)
    c.open()
    c.upgrade(0)
    c.send(0, cframe(1, b"hello"))
    c.send(1, frame(2, b"x" * 64, length=1 << 63) + b"x" * 65536)
    c.close()
    return 2


ASCII = (b"The quick brown fox jumps over the lazy dog. " * 100)[:4096]


def len_legal(p, length):
    """A legal length: 4 KiB of ASCII text follow, then the connection
    closes inside the payload. Wireshark's websocket dissector reads a
    64-bit length modulo 2^32."""
    c = Conn(p, 0)
    c.open()
    c.upgrade(0)
    c.send(0, cframe(1, b"hello"))
    c.send(1, frame(2, length=length) + ASCII)
    c.close()
    return 2


def frame_cut_by_fin(p):
    """A legal 1 MiB frame of which 4 KiB are sent, then FIN: the connection
    ends inside the frame (Wireshark never completes it)."""
    return len_legal(p, 1 << 20)


def len_max_legal(p):
    """The largest legal length, 2^63-1 (Wireshark: a 9-byte frame)."""
    return len_legal(p, (1 << 63) - 1)


def len_5g(p):
    """A legal 5 GiB length (Wireshark waits for 1 GiB + 10 bytes)."""
    return len_legal(p, 5 << 30)


def len_4g_wrap(p):
    """A legal 2^32 + 100 length (Wireshark: a 110-byte frame, then the
    payload read as frames)."""
    return len_legal(p, (1 << 32) + 100)


def fragments_1m(p, n=1000000):
    """One text message in n fragments; an 'é' is split across every pair."""
    c = Conn(p, 0)
    c.open()
    c.upgrade(0)
    parts = [frame(1, b"\xc3", fin=False)]
    mid = [frame(0, b"\xa9", fin=False), frame(0, b"\xc3", fin=False)]
    parts += mid * ((n - 2) // 2)
    parts.append(frame(0, b"\xa9"))
    c.send(1, b"".join(parts))
    close_both(c)
    c.close()
    return len(parts) + 2


def fragments_1k(p):
    """The same message shape in 1000 fragments."""
    return fragments_1m(p, 1000)


def fragments_10k(p):
    """The same message shape in 10,000 fragments."""
    return fragments_1m(p, 10000)


def close_reason_invalid(p):
    """Close 1000 whose 123-byte reason is invalid UTF-8 (overlongs,
    surrogates, 0xFF), from the client; the server answers 1007."""
    c = Conn(p, 0)
    c.open()
    c.upgrade(0)
    reason = (b"\xc0\x80" + b"\xed\xa0\x80" + b"\xff" * 118)[:123]
    assert len(reason) == 123
    c.send(0, cframe(8, struct.pack("!H", 1000) + reason))
    c.send(1, frame(8, struct.pack("!H", 1007)))
    c.close()
    return 2


def conns_10k(p, n=10000, batch=100):
    """10,000 connections, 100 open at a time, packets interleaved."""
    frames = 0
    for b in range(0, n, batch):
        conns = [Conn(p, k) for k in range(b, min(b + batch, n))]
        for c in conns:
            c.open()
        for c in conns:
            c.upgrade(conns.index(c) + b)
        for c in conns:
            c.send(0, cframe(1, b"ping %d" % c.port[0]))
            c.send(1, frame(1, b"pong"))
            c.frames += 2
        for c in conns:
            close_both(c)
        for c in conns:
            c.close()
            frames += c.frames
    return frames


def frames_1m(p, n=1000000):
    """One connection, n frames: small text messages both ways (client
    masked), packed into full segments."""
    c = Conn(p, 0)
    c.open()
    c.upgrade(0)
    half = n // 2
    c.send(0, cframe(1, b"a") * half)
    c.send(1, frame(1, b"b") * (n - half - 2))
    close_both(c)
    c.close()
    return n


def header_huge(p):
    """A legal 1 MiB opening request (10,000 padding headers), a plain 101,
    a message each way."""
    c = Conn(p, 0)
    c.open()
    pad = b"".join(b"X-Pad-%05d: %s\r\n" % (i, b"p" * 90) for i in range(10000))
    c.upgrade(0, extra_req=pad)
    c.send(0, cframe(1, b"hello"))
    c.send(1, frame(1, b"hi"))
    close_both(c)
    c.close()
    return 4


def header_huge_dup(p):
    """A 1 MiB opening request repeating Sec-WebSocket-Version: 13 40,000
    times (it must appear once), answered with a 101 all the same."""
    c = Conn(p, 0)
    c.open()
    c.upgrade(0, extra_req=b"Sec-WebSocket-Version: 13\r\n" * 40000)
    c.send(0, cframe(1, b"hello"))
    c.send(1, frame(1, b"hi"))
    close_both(c)
    c.close()
    return 4


def header_huge_ext(p):
    """A 101 whose Sec-WebSocket-Extensions is ~1 MiB: 50,000 extensions the
    client did not offer (it offered none), then permessage-deflate with
    20,000 unknown parameters; then a compressed message."""
    c = Conn(p, 0)
    c.open()
    ext = b", ".join(b"x-unknown-%05d" % i for i in range(50000))
    ext += b", permessage-deflate" + b"; x=1" * 20000 + b"; server_no_context_takeover"
    c.upgrade(0, ext=ext)
    # RFC 7692 7.2.3.1: "Hello" compressed, RSV1 set
    c.send(1, frame(1, bytes.fromhex("f248cdc9c90700"), rsv=4))
    close_both(c)
    c.close()
    return 3


def mem_frames(p, n=100000, findings=False):
    """n frames, one per TCP segment, both directions: text, binary,
    fragmented text, ping/pong. With findings, every data frame uses a
    non-minimal 64-bit length (len-not-minimal, a warning that does not stop
    the analysis), so every packet carries a stored finding."""
    c = Conn(p, 0)
    c.open()
    c.upgrade(0)
    count = 0

    def f(op, payload, fin=True, mask=None):
        if findings and op < 8:
            return _nonminimal(op, payload, fin, mask)
        return frame(op, payload, fin=fin, mask=mask)

    i = 0
    while count < n - 2:
        k = i % 5
        if k == 0:
            c.send(0, f(1, b"message %d" % i, mask=MASK))
        elif k == 1:
            c.send(1, f(2, bytes([i & 0xFF]) * 16))
        elif k == 2:
            c.send(1, f(1, b"part-", fin=False))
        elif k == 3:
            c.send(1, f(0, b"end"))
        else:
            c.send(0, frame(9, b"p", mask=MASK) if count % 2 else frame(10, b"q", mask=MASK))
        count += 1
        i += 1
    close_both(c)
    c.close()
    return count + 2


def _nonminimal(op, payload, fin, mask):
    h = bytes([(0x80 if fin else 0) | op, (0x80 if mask else 0) | 127])
    h += struct.pack("!Q", len(payload))
    if mask:
        payload = bytes(x ^ mask[j % 4] for j, x in enumerate(payload))
        h += mask
    return h + payload


def mem_100k(p):
    """The memory-target capture: 100,000 legal frames, one per segment."""
    return mem_frames(p)


def mem_100k_findings(p):
    """100,000 frames, one per segment, every data frame with a finding."""
    return mem_frames(p, findings=True)


def deflate(data_chunks):
    """Raw deflate (RFC 7692 7.2.1): sync-flushed, 00 00 ff ff removed."""
    z = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = [z.compress(c) for c in data_chunks]
    out.append(z.flush(zlib.Z_SYNC_FLUSH))
    data = b"".join(out)
    assert data.endswith(b"\x00\x00\xff\xff")
    return data[:-4]


PMD = b"permessage-deflate"


def pmd_bomb(p, mib=256):
    """permessage-deflate negotiated; one compressed text message that
    inflates to 256 MiB of spaces (about 250 KiB on the wire)."""
    c = Conn(p, 0)
    c.open()
    c.upgrade(0, extra_req=b"Sec-WebSocket-Extensions: permessage-deflate\r\n", ext=PMD)
    chunk = b" " * (1 << 20)
    c.send(1, frame(1, deflate(chunk for _ in range(mib)), rsv=4))
    close_both(c)
    c.close()
    return 3


def pmd_bomb_64m(p):
    """The same bomb inflating to 64 MiB (the CI set: the plugin's memory
    does not depend on it, Wireshark's own inflate does)."""
    return pmd_bomb(p, 64)


def conns_10k_pmd(p, n=10000, batch=100, close=False):
    """10,000 connections with permessage-deflate (context takeover), one
    compressed message each way, then left open: every inflater stays."""
    msg = deflate([b"hello, compressed world " * 4])
    for b in range(0, n, batch):
        conns = [Conn(p, k) for k in range(b, min(b + batch, n))]
        for c in conns:
            c.open()
        for c in conns:
            c.upgrade(conns.index(c) + b,
                      extra_req=b"Sec-WebSocket-Extensions: permessage-deflate\r\n", ext=PMD)
        for c in conns:
            c.send(0, cframe(1, msg, rsv=4))
            c.send(1, frame(1, msg, rsv=4))
        for c in conns if close else []:
            close_both(c)
            c.close()
    return (4 if close else 2) * n


def conns_10k_pmd_closed(p):
    """The same 10,000 compressed connections, each closed after its
    messages: an inflater lives only as long as its connection."""
    return conns_10k_pmd(p, close=True)


def message_big(p, size):
    c = Conn(p, 0)
    c.open()
    c.upgrade(0)
    c.send(1, frame(2, b"\x00" * size))
    close_both(c)
    c.close()
    return 3


def message_1m(p):
    """One 1 MiB binary frame (compare with message-16m)."""
    return message_big(p, 1 << 20)


def message_16m(p):
    """One 16 MiB binary frame."""
    return message_big(p, 16 << 20)


# (name, function, in the default set). fragments-1m is left out of the
# default: Wireshark's own reassembly of fragmented messages is quadratic in
# the fragment count (10,000: 1 s, 40,000: 40 s without the plugin), so the
# million fragments go through the core directly (--stream).
CAPTURES = [
    ("len-2pow63", len_2pow63),
    ("len-max-legal", len_max_legal),
    ("len-5g", len_5g),
    ("len-4g-wrap", len_4g_wrap),
    ("frame-cut-by-fin", frame_cut_by_fin),
    ("fragments-1m", fragments_1m),
    ("fragments-1k", fragments_1k),
    ("fragments-10k", fragments_10k),
    ("close-reason-invalid", close_reason_invalid),
    ("conns-10k", conns_10k),
    ("frames-1m", frames_1m),
    ("header-huge", header_huge),
    ("header-huge-dup", header_huge_dup),
    ("header-huge-ext", header_huge_ext),
    ("pmd-bomb", pmd_bomb),
    ("pmd-bomb-64m", pmd_bomb_64m),
    ("conns-10k-pmd", conns_10k_pmd),
    ("conns-10k-pmd-closed", conns_10k_pmd_closed),
    ("mem-100k", mem_100k),
    ("mem-100k-findings", mem_100k_findings),
    ("message-1m", message_1m),
    ("message-16m", message_16m),
]


# Left out of the default set, made only when named: fragments-1m (above)
# and pmd-bomb-64m (a smaller pmd-bomb, for hostile.sh --ci).
NOT_DEFAULT = {"fragments-1m", "pmd-bomb-64m"}


def stream(kind, n):
    """The server's bytes alone, written to stdout in pieces (for the
    command-line tool): n fragments of one text message, n small messages,
    one binary frame of n bytes, or a 2^63 length (len-2pow63) or a legal
    5 GiB length (len-5g) followed by n bytes."""
    out = sys.stdout.buffer
    if kind == "fragments":
        out.write(frame(1, b"\xc3", fin=False))
        pair = (frame(0, b"\xa9", fin=False) + frame(0, b"\xc3", fin=False)) * 1000
        left = (n - 2) // 2
        while left > 0:
            k = min(left, 1000)
            out.write(pair[: 6 * k])
            left -= k
        out.write(frame(0, b"\xa9"))
    elif kind == "frames":
        block = frame(1, b"b") * 10000
        for i in range(0, n, 10000):
            out.write(block[: 3 * min(10000, n - i)])
    elif kind in ("message", "len-2pow63", "len-5g"):
        if kind == "len-2pow63":
            out.write(frame(2, length=1 << 63))
        elif kind == "len-5g":
            out.write(frame(2, length=5 << 30))
        else:  # the minimal length encoding, as frame() would pick it
            out.write(frame(2, b"\0" * n)[:-n] if n < 65536 else frame(2, length=n))
        block = b"\x00" * (1 << 20)
        for i in range(0, n, len(block)):
            out.write(block[: min(len(block), n - i)])
    else:
        sys.exit("unknown stream kind %r" % kind)
    out.write(frame(8, struct.pack("!H", 1000)))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--stream":
        stream(sys.argv[2], int(sys.argv[3]))
        return
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out, names = sys.argv[1], sys.argv[2:]
    os.makedirs(out, exist_ok=True)
    for name, fn in CAPTURES:
        if (names and name not in names) or (not names and name in NOT_DEFAULT):
            continue
        p = Pcap(os.path.join(out, name + ".pcap"))
        frames = fn(p)
        p.close()
        print("%s\t%d\t%d\t%s" % (name, p.packets, frames, fn.__doc__.split("\n")[0]))


if __name__ == "__main__":
    main()
