#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Seed the fuzz corpora from the test captures.

For every *.pcapng under the captures folder (recursively), reassemble each
TCP direction's payload stream (by sequence number), drop the HTTP opening
handshake (the core only ever sees the bytes after it), and write:

  corpus/feed/<capture>.<n>.<client|server>    the stream, for fuzz_feed
  corpus/varied/<capture>.<n>.<table>          a 17-byte header (see
      fuzz_feed_varied.c) choosing roles, permessage-deflate (as negotiated
      in the capture), a chunk table, and the body: both directions
      interleaved exactly as the chunk table deals them out.
  corpus/handshake/<capture>.<n>               for fuzz_handshake: a 6-byte
      header (split point, head_end chunk table) and the HTTP request and
      response heads (with the first bytes after the response's head)
  corpus/handshake/unit_<case>                 the same from every case of
      tests/unit/cases_handshake.c (printed by hs_cases_dump.c, compiled
      with $CC, default cc), so that every handshake rule is exercised
  corpus/heur/<capture>.<n>                    for fuzz_heur: the TCP
      segments of the connection after any HTTP heads, in capture order,
      each as a control byte (direction, gap where the sequence numbers
      jump, length) and its bytes

--kinds picks which of feed, varied, handshake, heur to write (default all);
their folders are emptied first.

Identical files are written once, each cut to --max-len bytes. With
--minimize, only the files that add coverage stay (libFuzzer -merge=1); then
at most --max-files per target remain, taken in turn from each capture
folder. That is how the committed corpus was made:

    tests/fuzz/run.sh 0     # builds build/fuzz/tests/fuzz/fuzz_*
    tests/fuzz/seed-corpus.py --minimize build/fuzz/tests/fuzz

Deterministic; needs python3-scapy.
"""
import argparse
import hashlib
import os
import shutil
import struct
import subprocess
import tempfile

from scapy.all import TCP, PcapNgReader  # Debian: python3-scapy

HDR, TABLE = 17, 12
KINDS = ("feed", "varied", "handshake", "heur")
FUZZERS = {"feed": "fuzz_feed", "varied": "fuzz_feed_varied", "handshake": "fuzz_handshake",
           "heur": "fuzz_heur"}
ROLE_CLIENT, ROLE_SERVER = 1, 2


def streams(path):
    """{(client, server): {'c': bytes, 's': bytes}} in order of first SYN."""
    segs, order, client_of = {}, [], {}
    with PcapNgReader(path) as rd:
        for pkt in rd:
            if TCP not in pkt or pkt[TCP].payload is None:
                continue
            ip = pkt[TCP].underlayer
            a, b = (ip.src, pkt[TCP].sport), (ip.dst, pkt[TCP].dport)
            key = tuple(sorted([a, b]))
            if key not in client_of:
                order.append(key)
                # The SYN's sender is the client; without one (mid-stream
                # capture) the first sender is taken as the client.
                client_of[key] = a
            if pkt[TCP].flags & 0x12 == 0x02:
                client_of[key] = a
            data = bytes(pkt[TCP].payload)
            if data:
                segs.setdefault((a, b), {})[pkt[TCP].seq] = data
    out = {}
    for key in order:
        c = client_of[key]
        s = key[0] if key[1] == c else key[1]
        out[(c, s)] = {"c": join(segs.get((c, s), {})), "s": join(segs.get((s, c), {}))}
    return out


def join(by_seq):
    """Concatenate segments in sequence order, dropping retransmitted bytes."""
    buf, nxt = b"", None
    for seq in sorted(by_seq):  # no wrap-around in the generated captures
        data = by_seq[seq]
        if nxt is not None and seq < nxt:
            data = data[nxt - seq:]
        buf += data
        nxt = seq + len(by_seq[seq]) if nxt is None else max(nxt, seq + len(by_seq[seq]))
    return buf


def segments(path):
    """Per connection, in order of its first packet: [(dir, gap, bytes)] for
    every TCP segment with payload, dir 0 being the first sender; gap is set
    where the sequence number jumps past the bytes seen (lost segments);
    retransmitted bytes are dropped."""
    conns, order = {}, []
    with PcapNgReader(path) as rd:
        for pkt in rd:
            if TCP not in pkt:
                continue
            data = bytes(pkt[TCP].payload)
            if not data:
                continue
            ip = pkt[TCP].underlayer
            a, b = (ip.src, pkt[TCP].sport), (ip.dst, pkt[TCP].dport)
            key = tuple(sorted([a, b]))
            if key not in conns:
                order.append(key)
                conns[key] = {"first": a, "next": {}, "segs": []}
            c = conns[key]
            d = 0 if a == c["first"] else 1
            seq, nxt = pkt[TCP].seq, c["next"].get(d)
            gap = nxt is not None and seq > nxt
            if nxt is not None and seq < nxt:
                data = data[nxt - seq:]
                seq = nxt
            if data:
                c["segs"].append((d, gap, data))
                c["next"][d] = seq + len(data)
    return [conns[k]["segs"] for k in order]


def drop_heads(segs):
    """The segments without the HTTP heads that open a direction."""
    out, seen, head_left = [], [b"", b""], [None, None]
    for d, gap, data in segs:
        if head_left[d] is None:
            # Decide once the direction's first bytes are there.
            seen[d] += data
            if seen[d].startswith((b"GET ", b"HTTP/")):
                end = seen[d].find(b"\r\n\r\n")
                if end < 0:
                    continue
                rest = seen[d][end + 4:]
            else:
                rest = seen[d]
            head_left[d] = 0
            if rest:
                out.append((d, gap, rest))
            continue
        out.append((d, gap, data))
    return out


def heur_record(d, gap, data):
    """One segment as fuzz_heur.c reads it."""
    data = data[:0xFFFF]
    c = d << 7 | (0x40 if gap else 0)
    if len(data) < 60:
        return bytes([c | len(data)]) + data
    if len(data) < 60 + 256:
        return bytes([c | 60, len(data) - 60]) + data
    return bytes([c | 61]) + struct.pack(">H", len(data)) + data


# head_end chunk tables of fuzz_handshake.c, one per seed in turn.
HS_TABLES = [bytes([1, 1, 1, 1]), bytes([7, 0, 13, 64]), bytes([255] * 4), bytes([3, 200, 0, 5])]


def hs_input(n, req, resp):
    return struct.pack("<H", len(req)) + HS_TABLES[n % len(HS_TABLES)] + req + resp


def unit_cases(top):
    """(name, request, response) of every handshake unit case."""
    cc = os.environ.get("CC", "cc")
    with tempfile.TemporaryDirectory() as tmp:
        exe = os.path.join(tmp, "hs_cases_dump")
        subprocess.run([cc, "-I", os.path.join(top, "plugin", "core", "include"),
                        "-I", os.path.join(top, "tests", "unit"),
                        os.path.join(top, "tests", "fuzz", "hs_cases_dump.c"),
                        os.path.join(top, "tests", "unit", "cases_handshake.c"),
                        os.path.join(top, "plugin", "core", "wsv_rules.c"), "-o", exe],
                       check=True)
        out = subprocess.run([exe], check=True, stdout=subprocess.PIPE).stdout.decode()
    for line in out.splitlines():
        name, req, resp = line.split(" ")
        yield (name, b"" if req == "-" else bytes.fromhex(req),
               b"" if resp == "-" else bytes.fromhex(resp))


def split_handshake(stream):
    """(http head or b'', websocket bytes)."""
    if stream.startswith((b"GET ", b"HTTP/")):
        end = stream.find(b"\r\n\r\n")
        if end >= 0:
            return stream[: end + 4], stream[end + 4:]
    return b"", stream


def plan(h, body_len):
    """The chunking of fuzz_feed_varied.c's plan(): [(dir, len)]."""
    shift = h[3] & 7
    table = h[4:4 + TABLE]
    total = sum(e & 0x3F for e in table)
    out, off, i = [], 0, 0
    while i < TABLE or (total and off < body_len):
        e = table[i % TABLE]
        n = min((e & 0x3F) << shift, body_len - off)
        out.append(((e >> 6) & 1, n))
        off += n
        i += 1
    if off < body_len:
        out.append(((table[0] >> 6) & 1, body_len - off))
    return out


def interleave(h, c, s):
    """Body that the header's chunk table deals out as c to direction 0 and s
    to direction 1; it ends where either stream runs out."""
    src, pos, body = (c, s), [0, 0], b""
    limit = len(c) + len(s)
    for d, n in plan(h, limit):
        piece = src[d][pos[d]:pos[d] + n]
        body += piece
        pos[d] += len(piece)
        if len(piece) < n:
            break
    return body


def header(role0, role1, pmd, midstream, table, shift=0, strict=0):
    b0 = role0 | role1 << 2 | (0x40 if pmd else 0)
    b1 = strict | (0x18 if midstream else 0)
    return bytes([b0, b1, 0, shift]) + bytes(table) + bytes([0])


# Chunk tables: (name, entries, shift). Bit 6 of an entry sends the chunk to
# direction 1. Each connection gets the next one in turn.
PRIMES = [1, 2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31]
TABLES = [
    ("mixed", [e | (0x40 if i % 2 else 0) for i, e in enumerate(PRIMES)], 0),
    ("bytes", [1 | (0x40 if i >= 6 else 0) for i in range(TABLE)], 0),
    ("mixed-big", [(7 + i) | (0x40 if i % 3 == 0 else 0) for i in range(TABLE)], 3),
    ("client-primes", PRIMES, 0),
    ("server-big", [63 | 0x40] * TABLE, 4),
]


def minimize(fuzzer, folder, pinned=()):
    """Keep only the files that add coverage (libFuzzer -merge=1), and the
    pinned ones."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([fuzzer, "-merge=1", tmp, folder], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # libFuzzer names what it keeps by SHA-1 of the content.
        keep = set(os.listdir(tmp))
    for name in os.listdir(folder):
        with open(os.path.join(folder, name), "rb") as f:
            if hashlib.sha1(f.read()).hexdigest() not in keep and name not in pinned:
                os.unlink(os.path.join(folder, name))


def cap_files(folder, limit, pinned=()):
    """Keep at most limit files, taking one from each capture folder in turn
    (names start with the folder), so that every kind of capture stays; the
    pinned ones stay in addition."""
    if not os.path.isdir(folder):
        return
    groups = {}
    for name in sorted(os.listdir(folder)):
        if name in pinned:
            continue
        groups.setdefault(name.split("_")[0].split(".")[0], []).append(name)
    keep, queues = set(), [groups[g] for g in sorted(groups)]
    while len(keep) < limit and any(queues):
        for q in queues:
            if q and len(keep) < limit:
                keep.add(q.pop(0))
    for name in os.listdir(folder):
        if name not in keep and name not in pinned:
            os.unlink(os.path.join(folder, name))


def main():
    top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--captures", default=os.path.join(top, "captures"))
    ap.add_argument("--out", default=os.path.join(top, "tests", "fuzz", "corpus"))
    ap.add_argument("--max-len", type=int, default=4096)
    ap.add_argument("--max-files", type=int, default=40,
                    help="at most this many files per target, taken in turn from each capture "
                    "folder (after --minimize), besides the unit case pinned for each "
                    "handshake rule")
    ap.add_argument("--minimize", metavar="FUZZ_BUILD_DIR",
                    help="folder holding the libFuzzer binaries fuzz_feed, fuzz_feed_varied, "
                    "fuzz_handshake and fuzz_heur: keep only the files that add coverage")
    ap.add_argument("--kinds", default=",".join(KINDS),
                    help="comma-separated corpora to write (default: %(default)s)")
    args = ap.parse_args()
    kinds = [k for k in args.kinds.split(",") if k]
    for k in kinds:
        if k not in KINDS:
            ap.error("unknown kind %s" % k)
        shutil.rmtree(os.path.join(args.out, k), ignore_errors=True)

    seen, written, nconn = set(), 0, 0

    def write(kind, name, data):
        nonlocal written
        if kind not in kinds:
            return
        data = data[: args.max_len]
        digest = hashlib.sha1(kind.encode() + data).digest()
        if not data or digest in seen:
            return
        seen.add(digest)
        os.makedirs(os.path.join(args.out, kind), exist_ok=True)
        with open(os.path.join(args.out, kind, name), "wb") as f:
            f.write(data)
        written += 1

    caps = []
    for root, _, files in os.walk(args.captures):
        caps += [os.path.join(root, f) for f in files if f.endswith(".pcapng")]
    for cap in sorted(caps):
        base = os.path.relpath(cap, args.captures)[: -len(".pcapng")].replace(os.sep, "_")
        for n, conn in enumerate(streams(cap).values()):
            chead, c = split_handshake(conn["c"])
            shead, s = split_handshake(conn["s"])
            pmd = b"permessage-deflate" in shead.lower()
            midstream = not chead and not shead
            stem = "%s.%d" % (base, n)
            write("feed", stem + ".client", c)
            write("feed", stem + ".server", s)
            tname, table, shift = TABLES[nconn % len(TABLES)]
            nconn += 1
            h = header(ROLE_CLIENT, ROLE_SERVER, pmd, midstream, table, shift)
            write("varied", "%s.%s" % (stem, tname), h + interleave(h, c, s))
            if chead or shead:
                write("handshake", stem, hs_input(nconn, chead, shead + s[:16]))
        if "heur" in kinds:
            for n, segs in enumerate(segments(cap)):
                body = b"".join(heur_record(*seg) for seg in drop_heads(segs))
                write("heur", "%s.%d" % (base, n), bytes([n & 1]) + body)
    # The first case that fires each handshake rule stays whatever the
    # coverage says, so that the corpus exercises every rule.
    pinned = {k: set() for k in KINDS}
    if "handshake" in kinds:
        rules = set()
        for n, (name, req, resp) in enumerate(unit_cases(top)):
            write("handshake", "unit_" + name, hs_input(n, req, resp))
            rule = name.split("-fires")[0]
            if "-fires" in name and rule not in rules:
                rules.add(rule)
                pinned["handshake"].add("unit_" + name)
    if args.minimize:
        for kind in kinds:
            minimize(os.path.join(args.minimize, FUZZERS[kind]), os.path.join(args.out, kind),
                     pinned[kind])
    for kind in kinds:
        cap_files(os.path.join(args.out, kind), args.max_files, pinned[kind])
    for kind in kinds:
        folder = os.path.join(args.out, kind)
        print("%s: %d files" % (folder, len(os.listdir(folder)) if os.path.isdir(folder) else 0))


if __name__ == "__main__":
    main()
