#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Work out what the plugin must report on the recorded captures.

    derive.py [DIR]                       # default DIR: this folder
    derive.py [DIR] --tshark CMD          # also compare with the plugin

For every DIR/*.pcapng (recorded by record.sh and record_chromium.sh) it
reassembles each TCP connection (a wss one decrypted with its key log
NAME.keys, by tshark without the plugin), finds the WebSocket frames of
both directions, reads the case name from the X-Ws1002-Case request header
(the crafted client's cases) or from the URL path /case-NAME (the crafted
server's) and matches the crafted side's first frames with the frames
cases.py says it sent (byte for byte). Frames of the real implementations
are judged too, by a small independent checker (masking, reserved bits and
opcodes, control frames, close codes, compressed messages that must
inflate, text that must be UTF-8): Chromium echoes close codes it should
have failed on. It writes, next to each capture:

  NAME.tsv            the expected ws.rule items, in the format of the
                      generated captures (captures/README.md): frame, rule,
                      expected close code, whether the frame has ws.proto_error.
                      Rules come from cases.py; `after-fail` goes on the next
                      frame of the same direction after a must-fail violation;
                      `reaction-unexpected-code` on a receiver's Close that
                      answers a must-fail violation with a code its rule does
                      not list; `close-unexplained` on a failure Close with
                      no violation before it.
  NAME.reactions.tsv  (captures with violations) one line per violation: how the receiver reacted (its
                      Close frame and code, a TCP FIN/RST, or nothing) and the
                      frame numbers of both, for ws.close.cause/reaction.

and DIR/index.tsv (the captures, their tshark arguments, frame counts) and
the reaction tables in DIR/README.md (between the "reactions" and the
"chromium" markers).

It also checks, with Python's zlib and UTF-8 codec, that every message the
real implementations sent (the servers', and the clients' in the clean
sessions) inflates and, if text, is UTF-8: the clean sessions are clean.

The expectations come from cases.py and the rule table, not from the plugin:
--tshark runs CMD (e.g. "tools/ws-tshark") on each capture and prints every
difference between its ws.rule items and NAME.tsv; the exit status is 1 if
there is any.

Needs Debian's python3-scapy (to read pcapng).
"""

import argparse
import glob
import json
import os
import re
import shlex
import struct
import subprocess
import sys
import zlib

try:
    from scapy.layers.inet import IP, TCP
    from scapy.utils import PcapNgReader
except ImportError:
    sys.exit("derive.py: needs scapy (Debian package python3-scapy)")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cases as C  # noqa: E402

RULES_DEF = os.path.join(HERE, "..", "..", "plugin", "core", "include", "wsv", "wsv_rules.def")
NORMAL_CLOSE = (1000, 1001)
# server port -> the server there (record.sh, record_chromium.sh)
SERVERS = {9101: "websockets", 9102: "ws", 9103: "crafted", 9104: "crafted", 9105: "ws",
           9106: "websocket-driver"}
TLS_PORTS = (9104, 9105)
DECRYPT_TSHARK = "tshark"  # --decrypt-tshark: any tshark, no plugin needed

_ROW = re.compile(
    r'WSV_RULE\(\s*(\w+),\s*"([a-z0-9-]+)",\s*(\d+),\s*"([^"]*)",\s*(\d+),\s*(\d+),\s*(\d+),'
    r'\s*(ERROR|WARN|NOTE),')


def load_rules():
    """id -> (close, alt1, alt2, severity) from the rule table."""
    with open(RULES_DEF, encoding="utf-8") as f:
        text = f.read()
    rules = {m.group(2): (int(m.group(5)), int(m.group(6)), int(m.group(7)), m.group(8))
             for m in _ROW.finditer(text)}
    if not rules:
        sys.exit("derive.py: no WSV_RULE rows in " + RULES_DEF)
    return rules


RULES = load_rules()


def must_fail(rule):
    return RULES[rule][3] == "ERROR"


def expected_close(rule):
    return RULES[rule][0] if must_fail(rule) else 0


# ---- TCP -----------------------------------------------------------------


class Direction:
    def __init__(self):
        self.isn = None
        self.data = bytearray()
        self.segs = []  # (end offset, packet number), in stream order
        self.pkts = []  # packet numbers that carried new bytes, in order
        self.fin = None  # packet number
        self.rst = None

    def packet_at(self, off):
        """The packet that carries stream byte `off`."""
        for end, num in self.segs:
            if off < end:
                return num
        return None


class Conn:
    def __init__(self, client, server):
        self.client, self.server = client, server  # (ip, port)
        self.d = {"c": Direction(), "s": Direction()}
        self.first = None


def read_conns(path):
    conns = {}
    order = []
    for num, pkt in enumerate(PcapNgReader(path), start=1):
        if IP not in pkt or TCP not in pkt:
            continue
        ip, tcp = pkt[IP], pkt[TCP]
        src, dst = (ip.src, tcp.sport), (ip.dst, tcp.dport)
        key = frozenset((src, dst))
        flags = int(tcp.flags)
        if key not in conns:
            if not (flags & 0x02) or (flags & 0x10):
                continue  # not a SYN: a connection that began before the capture
            conns[key] = Conn(src, dst)
            conns[key].first = num
            order.append(conns[key])
        c = conns[key]
        d = c.d["c" if src == c.client else "s"]
        if flags & 0x02:
            d.isn = tcp.seq
            continue
        if d.isn is None:
            continue
        payload = bytes(tcp.payload)
        if payload:
            off = (tcp.seq - d.isn - 1) & 0xFFFFFFFF
            if off == len(d.data):
                d.data += payload
                d.segs.append((len(d.data), num))
                d.pkts.append(num)
            elif off + len(payload) > len(d.data) and off < len(d.data):
                d.data += payload[len(d.data) - off:]
                d.segs.append((len(d.data), num))
                d.pkts.append(num)
            elif off > len(d.data):
                sys.exit("derive.py: %s: packet %d: bytes missing before it" % (path, num))
        if flags & 0x01 and d.fin is None:
            d.fin = num
        if flags & 0x04 and d.rst is None:
            d.rst = num
    return order


_HEX = re.compile(r"^[0-9a-f]{4,}  ((?:[0-9a-f]{2} ){1,16})")


def decrypt(path, conns, port, keys):
    """Replace each direction's bytes by its decrypted TLS application data,
    packet by packet, as tshark (-x, with the key log) shows it: every
    "Decrypted TLS" data source of a packet is one record; the ones whose
    inner content type is 23 are application data."""
    base = [DECRYPT_TSHARK, "-n", "-r", path, "-d", "tcp.port==%d,tls" % port,
            "-o", "tls.keylog_file:" + keys]
    out = subprocess.run(base + ["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=,",
                                 "-e", "frame.number", "-e", "tls.record.opaque_type",
                                 "-e", "tls.record.content_type"],
                         capture_output=True, text=True, check=True).stdout
    inner = {}  # packet -> inner content types of its encrypted records
    for line in out.splitlines():
        num, opaque, ctypes = (line.split("\t") + ["", ""])[:3]
        k = len([x for x in opaque.split(",") if x])
        if k:
            inner[int(num)] = [int(x) for x in ctypes.split(",")][-k:]
    blocks = {}  # packet -> [bytes of each Decrypted TLS source]
    num, cur = None, None
    # -P: each packet's summary line (its number first), then its hex dumps
    for line in subprocess.run(base + ["-P", "-x"], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        m = _HEX.match(line)
        if m:
            if cur is not None:
                cur += bytes.fromhex(m.group(1).replace(" ", ""))
            continue
        cur = None
        m = re.match(r"^\s*(\d+) +\d+\.\d+ ", line)
        if m:
            num = int(m.group(1))
        elif line.startswith("Decrypted TLS ("):
            cur = bytearray()
            blocks.setdefault(num, []).append(cur)
    for c in conns:
        for d in c.d.values():
            d.data, d.segs = bytearray(), []
            for num in sorted(set(d.pkts)):
                types = inner.get(num, [])
                recs = blocks.get(num, [])
                if len(types) != len(recs):
                    sys.exit("derive.py: %s: packet %d: %d encrypted records, %d decrypted"
                             % (path, num, len(types), len(recs)))
                for t, rec in zip(types, recs):
                    if t == 23 and rec:
                        d.data += rec
                        d.segs.append((len(d.data), num))


# ---- HTTP and WebSocket --------------------------------------------------


def http_head(d):
    """(start line, headers dict of lists, end offset) or None."""
    end = d.data.find(b"\r\n\r\n")
    if end < 0:
        return None
    lines = bytes(d.data[:end]).decode("latin-1").split("\r\n")
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    return lines[0], hdrs, end + 4


def ws_frames(d, start):
    """The complete WebSocket frames of a direction from offset `start`."""
    frames = []
    b, pos = d.data, start
    while True:
        if len(b) - pos < 2:
            break
        b0, b1 = b[pos], b[pos + 1]
        n, hl = b1 & 0x7F, 2
        if n == 126:
            if len(b) - pos < 4:
                break
            n, hl = struct.unpack(">H", b[pos + 2:pos + 4])[0], 4
        elif n == 127:
            if len(b) - pos < 10:
                break
            n, hl = struct.unpack(">Q", b[pos + 2:pos + 10])[0], 10
            # Wireshark's websocket dissector keeps the low 32 bits of a 64-bit
            # length (len-64bit-msb case), so it stays in step with the peer.
            n &= 0xFFFFFFFF
        key = None
        if b1 & 0x80:
            if len(b) - pos < hl + 4:
                break
            key = bytes(b[pos + hl:pos + hl + 4])
            hl += 4
        end = pos + hl + n
        if end > len(b):
            break
        payload = bytes(b[pos + hl:end])
        if key:
            payload = bytes(x ^ key[i % 4] for i, x in enumerate(payload))
        fr = {"start": pos, "end": end, "raw": bytes(b[pos:end]), "fin": bool(b0 & 0x80),
              "rsv": (b0 >> 4) & 7, "opcode": b0 & 0xF, "masked": key is not None,
              "payload": payload, "packet": d.packet_at(end - 1), "rules": []}
        if fr["opcode"] == C.OP_CLOSE:
            fr["code"] = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
            fr["reason"] = payload[2:]
        frames.append(fr)
        pos = end
    return frames


def pmd_params(ext):
    """(negotiated, client_no_context_takeover, server_no_context_takeover)."""
    if "permessage-deflate" not in ext:
        return False, False, False
    params = [p.strip().split("=")[0] for p in ext.split(";")[1:]]
    return True, "client_no_context_takeover" in params, "server_no_context_takeover" in params


def message_problems(frames, pmd, no_ctx):
    """Frames of one direction whose message does not inflate, or is not
    UTF-8 when it is text: what a real implementation must never send on a
    clean connection. Independent of the plugin: Python's zlib and codec."""
    problems = []
    z = zlib.decompressobj(-15)
    msg = None  # [opcode, compressed, payload bytes]
    for i, fr in enumerate(frames):
        op = fr["opcode"]
        if op in (C.OP_TEXT, C.OP_BINARY):
            msg = [op, pmd and bool(fr["rsv"] & C.RSV1), b""]
        elif op != C.OP_CONT or msg is None:
            continue
        msg[2] += fr["payload"]
        if not fr["fin"]:
            continue
        data = msg[2]
        if msg[1]:
            if no_ctx:
                z = zlib.decompressobj(-15)
            try:
                data = z.decompress(data + b"\x00\x00\xff\xff")
            except zlib.error:
                problems.append((fr["packet"], "does not inflate"))
                msg = None
                continue
        if msg[0] == C.OP_TEXT:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                problems.append((fr["packet"], "not UTF-8"))
        msg = None
    return problems


def close_code_rule(code):
    """The rule a Close status code breaks, under the default table."""
    if code < 1000:
        return "close-code-out-of-range"
    if code in (1005, 1006, 1015):
        return "close-code-forbidden"
    if code == 1004 or 1016 <= code <= 2999:
        return "close-code-unassigned"
    if code >= 5000:
        return "close-code-undefined"
    return None


def judge_real(frames, role, pmd):
    """The rules a real implementation's frames break, judged here without
    the plugin: the header rules, the fragmentation order, the Close body,
    frames after its own Close. (Message contents: message_problems.)"""
    in_msg = False
    closed = False
    for fr in frames:
        rules = []
        op, b1 = fr["opcode"], fr["raw"][1]
        control = op >= 8
        if (role == "client") != fr["masked"]:
            rules.append("frame-unmasked-client" if role == "client" else "frame-masked-server")
        if fr["rsv"] & (C.RSV2 | C.RSV3) or (fr["rsv"] & C.RSV1 and not pmd):
            rules.append("frame-rsv-nonzero")
        elif fr["rsv"] & C.RSV1 and control:
            rules.append("pmd-rsv1-on-control")
        elif fr["rsv"] & C.RSV1 and op == C.OP_CONT:
            rules.append("pmd-rsv1-on-continuation")
        if op not in (C.OP_CONT, C.OP_TEXT, C.OP_BINARY, C.OP_CLOSE, C.OP_PING, C.OP_PONG):
            rules.append("frame-opcode-reserved")
        n = len(fr["payload"])
        if ((b1 & 0x7F) == 126 and n < 126) or ((b1 & 0x7F) == 127 and n <= 0xFFFF):
            rules.append("len-not-minimal")
        if control and n > 125:
            rules.append("ctrl-too-long")
        if control and not fr["fin"]:
            rules.append("ctrl-fragmented")
        if op == C.OP_CONT and not in_msg:
            rules.append("frag-cont-without-start")
        if op in (C.OP_TEXT, C.OP_BINARY) and in_msg:
            rules.append("frag-new-data-in-progress")
        if closed and op in (C.OP_TEXT, C.OP_BINARY, C.OP_CONT):
            rules.append("data-after-close")
        if closed and op == C.OP_PING:
            rules.append("ping-after-close")
        if op == C.OP_CLOSE:
            if n == 1:
                rules.append("close-1byte-payload")
            elif n >= 2:
                rule = close_code_rule(fr["code"])
                if rule:
                    rules.append(rule)
                try:
                    fr["reason"].decode("utf-8")
                except UnicodeDecodeError:
                    rules.append("close-reason-utf8")
            closed = True
        if op in (C.OP_TEXT, C.OP_BINARY, C.OP_CONT):
            in_msg = not fr["fin"]
        fr["rules"] = rules


def analyse_conn(path, conn):
    """Frames of both directions with their expected rules, and the case.
    The crafted side ("client": peer.py, "server": crafted_server.py) sends
    the case's frames; the other side is a real implementation."""
    cd, sd = conn.d["c"], conn.d["s"]
    req, resp = http_head(cd), http_head(sd)
    if not req or not resp:
        sys.exit("derive.py: %s: connection from port %d has no complete handshake"
                 % (path, conn.client[1]))
    case_name = (req[1].get(C.CASE_HEADER.lower()) or [""])[0]
    crafted, case = None, None
    m = re.match(r"GET /case-([a-z0-9-]+) HTTP/1\.1$", req[0])
    if case_name:
        crafted, case = "client", C.BY_NAME.get(case_name)
    elif m:
        case_name = m.group(1)
        crafted, case = "server", C.SERVER_BY_NAME.get(case_name)
    if case_name and case is None:
        sys.exit("derive.py: %s: unknown case %r (cases.py changed?)" % (path, case_name))
    ext = ", ".join(resp[1].get("sec-websocket-extensions", []))
    if not resp[0].startswith("HTTP/1.1 101"):
        sys.exit("derive.py: %s: port %d: %s" % (path, conn.client[1], resp[0]))
    cf, sf = ws_frames(cd, req[2]), ws_frames(sd, resp[2])
    pmd, c_no_ctx, s_no_ctx = pmd_params(ext)
    if case and case.handshake:
        pmd = False  # a broken 101: nothing was negotiated
    for frames, role in ((cf, "client"), (sf, "server")):
        if role != crafted:
            judge_real(frames, role, pmd)
    sent = 0
    hs = {"packet": sd.packet_at(resp[2] - 1), "rules": [], "opcode": None}
    if crafted == "client":
        deflater = C.deflater_for(ext) or C.Deflater()
        wire, mine = C.case_wire_frames(case, deflater), cf
    elif crafted == "server":
        # The crafted server accepts a bare permessage-deflate: window 15.
        wire, mine = C.server_wire_frames(case, C.Deflater()), sf
        hs["rules"] = list(case.hs_rules)
    else:
        wire, mine = [], []
    for (f, raw), fr in zip(wire, mine):
        if raw != fr["raw"]:
            break
        fr["rules"] = list(f.rules)
        sent += 1
    # A real implementation's messages must inflate and be UTF-8.
    checked = [(frames, no_ctx, role) for frames, no_ctx, role in
               ((cf, c_no_ctx, "client"), (sf, s_no_ctx, "server")) if role != crafted]
    for frames, no_ctx, who in checked:
        for num, what in message_problems(frames, pmd, no_ctx):
            sys.exit("derive.py: %s: frame %d: the %s's message %s" % (path, num, who, what))
    # after-fail: the frame after the first must-fail violation of a
    # direction; later frames of that direction are not judged at all.
    for frames in (cf, sf):
        for i, fr in enumerate(frames):
            if any(must_fail(r) for r in fr["rules"]):
                for j, later in enumerate(frames[i + 1:]):
                    later["rules"] = ["after-fail"] if j == 0 else []
                break
    return {"case": case, "case_name": case_name, "ext": ext, "client": cf, "server": sf,
            "sent": sent, "conn": conn, "crafted": crafted, "hs": hs}


def reaction(a, fr, side):
    """The reaction of the other side than `side` (the violator, "client" or
    "server") to violation frame `fr`: its first Close, FIN or RST after the
    packet that completed the violating frame."""
    other = "server" if side == "client" else "client"
    rd = a["conn"].d["s" if other == "server" else "c"]
    mine = [c for c in a[side] if c["opcode"] == C.OP_CLOSE and c["packet"] < fr["packet"]]
    if any(c["packet"] < fr["packet"] for c in a[other] if c["opcode"] == C.OP_CLOSE):
        # The receiver had sent its Close: it need not, and will not, react.
        return {"kind": "closed", "frame": None}
    events = [(s["packet"], "close", s) for s in a[other] if s["opcode"] == C.OP_CLOSE]
    events += [(rd.fin, "fin", None)] if rd.fin else []
    events += [(rd.rst, "rst", None)] if rd.rst else []
    events = sorted((e for e in events if e[0] > fr["packet"]), key=lambda e: e[0])
    if not events:
        return {"kind": "none", "frame": None}
    num, kind, s = events[0]
    r = {"kind": kind, "frame": num}
    if kind in ("fin", "rst") and mine:
        # After the violator's own Close the receiver closes anyway.
        return {"kind": "closed", "frame": None}
    if kind == "close":
        r["code"], r["reason"] = s["code"], s["reason"].decode("utf-8", "backslashreplace")
        # Did the receiver fail, or did it only answer a Close of the peer
        # (1000/1001, or the echo of a code it accepted)? Not after a
        # must-fail violation: then its Close is its reaction, whatever it says.
        own = [c for c in a[side] if c["opcode"] == C.OP_CLOSE and c["packet"] < num]
        accepted = [c.get("code") for c in own if not any(must_fail(x) for x in c["rules"])]
        if not any(must_fail(x) for x in fr["rules"]) and (
                s["code"] in NORMAL_CLOSE or s["code"] in accepted or (s["code"] is None and own)):
            r["kind"] = "answer"
    return r


def alternatives(rule):
    return {x for x in RULES[rule][1:3] if x}


def verdict(rule, r):
    close = RULES[rule][0]
    if r["kind"] == "close":
        if not must_fail(rule):
            return "stricter than required (%s is a sender warning%s)" % (
                rule, "; %d is a listed alternative" % r["code"] if r["code"] in alternatives(rule)
                else "")
        if r["code"] == close or (close == 0 and r["code"] is not None):
            return "as expected"
        if r["code"] in alternatives(rule):
            return "accepted alternative (expected %d)" % close
        if r["code"] is None:
            return "empty Close (allowed)"
        return "unexpected code (expected %d)" % close
    if r["kind"] in ("fin", "rst"):
        return "dropped TCP without a Close (allowed, RFC 6455 §7.1.7)" if must_fail(rule) \
            else "dropped TCP"
    if r["kind"] == "closed":
        return "had already sent its Close: nothing due"
    return "carried on (expected %d)" % close if must_fail(rule) else "ignored, as allowed"


def reaction_notes(analysed, react):
    """The reaction notes that are true: reaction-unexpected-code on a Close
    answering a must-fail violation with a code its rule does not list (an
    empty Close is fine), and close-unexplained on a failure Close (1002,
    1007) that is no reply to a Close and follows no violation it answers."""
    notes = []
    linked = set()
    for fr, rule, r, a in react:
        if r["kind"] != "close":
            continue
        linked.add(r["frame"])
        close = RULES[rule][0]
        if (must_fail(rule) and close and r["code"] is not None
                and r["code"] != close and r["code"] not in alternatives(rule)):
            notes.append((r["frame"], "reaction-unexpected-code"))
    for a in analysed:
        for side, other in (("client", "server"), ("server", "client")):
            for c in a[side]:
                if c["opcode"] != C.OP_CLOSE or c.get("code") not in (1002, 1007):
                    continue
                reply = any(o["opcode"] == C.OP_CLOSE and o["packet"] < c["packet"]
                            for o in a[other])
                if not reply and c["packet"] not in linked:
                    notes.append((c["packet"], "close-unexplained"))
    return notes


# ---- output --------------------------------------------------------------


def read_log(path, suffix):
    """The JSON lines of the log beside a capture (NAME + suffix)."""
    logf = path[:-len(".pcapng")] + suffix
    if not os.path.exists(logf):
        return []
    with open(logf, encoding="utf-8") as f:
        return [json.loads(ln) for ln in f]


def server_log(path):
    """peer port -> the receiver's log record, and "versions" -> its
    "listening" line (record.sh saves the log beside the capture)."""
    out = {}
    for rec in read_log(path, ".server.jsonl"):
        if "peer_port" in rec:
            out[rec["peer_port"]] = rec
        elif rec.get("event") == "listening":
            out["versions"] = rec
    return out


def client_log(path):
    """Chromium's own account (crafted_server.py): "browser" -> its version
    line, and case (or clean-N) -> the page's record of that connection."""
    return {rec.get("case") or rec.get("event"): rec for rec in read_log(path, ".client.jsonl")}


def derive(path):
    name = os.path.basename(path)[:-len(".pcapng")]
    conns = read_conns(path)
    port = conns[0].server[1] if conns else None
    if port in TLS_PORTS:
        keys = path[:-len(".pcapng")] + ".keys"
        if not os.path.exists(keys):
            sys.exit("derive.py: %s: a TLS capture without its key log %s" % (path, keys))
        decrypt(path, conns, port, keys)
    analysed = [analyse_conn(path, c) for c in conns]
    expect, react = [], []
    for a in analysed:
        for fr in [a["hs"]] + a["client"] + a["server"]:
            for r in fr["rules"]:
                expect.append((fr["packet"], r))
        for side in ("client", "server"):
            for fr in ([a["hs"]] if side == "server" else []) + a[side]:
                for rule in fr["rules"]:
                    if RULES[rule][3] == "NOTE":
                        continue
                    r = reaction(a, fr, side)
                    react.append((fr, rule, r, a))
    react.sort(key=lambda x: x[0]["packet"])
    expect += reaction_notes(analysed, react)
    by_frame = {}
    for num, rid in expect:
        by_frame.setdefault(num, []).append(rid)
    lines = ["# Expected ws1002 verdicts for %s.pcapng, written by captures/real/derive.py." % name,
             "# One line per ws.rule item; proto_error: whether the frame carries ws.proto_error.",
             "frame\trule\texpected_close\tproto_error"]
    for num in sorted(by_frame):
        perr = any(expected_close(r) == 1002 for r in by_frame[num])
        for rid in sorted(by_frame[num]):
            lines.append("%d\t%s\t%s\t%s" % (num, rid, expected_close(rid) or "-",
                                             "yes" if perr else "no"))
    with open(path[:-len(".pcapng")] + ".tsv", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    lines = ["# How the receiver reacted to each violation in %s.pcapng, written by "
             "captures/real/derive.py." % name,
             "# reaction: close (a failure Close: ws.close.cause on reaction_frame must point to"
             " frame, ws.close.reaction on frame to reaction_frame),",
             "# answer (a normal Close answering the peer's Close: the violation was ignored),"
             " fin/rst (TCP closed without a Close: ws.close.reaction on frame),",
             "# closed (the receiver had already sent its Close, or the violator had: nothing is"
             " due, no link), none.",
             "frame\trule\tcase\texpected_close\treaction\treaction_frame\tclose_code\tverdict"]
    for fr, rule, r, a in react:
        lines.append("%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s" % (
            fr["packet"], rule, a["case_name"], expected_close(rule) or "-", r["kind"],
            r["frame"] or "-", "-" if r.get("code") is None else r["code"], verdict(rule, r)))
    react_path = path[:-len(".pcapng")] + ".reactions.tsv"
    if react:
        with open(react_path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    elif os.path.exists(react_path):
        os.remove(react_path)  # a clean capture: nothing reacted to
    nframes = sum(len(a["client"]) + len(a["server"]) for a in analysed)
    return {"name": name, "path": path, "analysed": analysed, "react": react, "port": port,
            "expect": sorted(expect), "nframes": nframes, "log": server_log(path),
            "client_log": client_log(path)}



def tshark_args(res, folder="{dir}"):
    """Decode the server port as HTTP: the clients' ephemeral ports may be
    ones another Wireshark dissector claims (44818, EtherNet/IP, was seen),
    which then wins over HTTP's heuristics and hides the whole connection.
    A wss port is TLS, decrypted with the key log beside the capture
    ({dir}: the folder tshark_check.py reads the capture from)."""
    args = []
    for p in sorted({a["conn"].server[1] for a in res["analysed"]}):
        if p in TLS_PORTS:
            args += ["-d", "tcp.port==%d,tls" % p,
                     "-o", "tls.keylog_file:%s/%s.keys" % (folder, res["name"])]
        else:
            args += ["-d", "tcp.port==%d,http" % p]
    return args


def receiver_of(res):
    ports = {a["conn"].server[1] for a in res["analysed"]}
    return SERVERS.get(ports.pop(), "?") if len(ports) == 1 else "?"


def crafted_of(res):
    return {a["crafted"] for a in res["analysed"]}.pop() if res["analysed"] else None


def chromium_version(res):
    return res["client_log"].get("browser", {}).get("chromium", "?")


def cell(r, rec):
    if r["kind"] == "close":
        s = "Close %s" % r["code"]
        if r.get("reason"):
            s += " %r" % r["reason"]
    elif r["kind"] == "answer":
        s = "ignored (answered Close %s)" % r["code"]
    elif r["kind"] in ("fin", "rst"):
        s = "TCP %s, no Close" % r["kind"].upper()
    elif r["kind"] == "closed":
        s = "ignored (closing already)"
    else:
        s = "ignored"
    err = (rec or {}).get("error")
    if err and r["kind"] == "close":
        s += ": `%s`" % err.replace("Invalid WebSocket frame: ", "").replace("|", "\\|")
    return s


def first_violation(res, a):
    side = a["crafted"]
    for fr, rule, r, aa in res["react"]:
        if aa is a and (fr is a["hs"] or fr in a[side]):
            return fr, rule, r
    return None


def reaction_cell(res, a, rec):
    """A case's cell: the reaction to its first violation, or how a control
    case ended."""
    viol = first_violation(res, a)
    if not viol:
        return control_cell(a)
    txt = cell(viol[2], rec)
    if a["sent"] < len(a["case"].frames):
        txt += " (after frame %d of %d: the rest was not sent)" % (a["sent"], len(a["case"].frames))
    return txt


def control_cell(a):
    """A legal control case: how the real side ended it."""
    side = "server" if a["crafted"] == "client" else "client"
    closes = [s for s in a[side] if s["opcode"] == C.OP_CLOSE]
    rd = a["conn"].d["s" if side == "server" else "c"]
    return "accepted (Close %s)" % closes[0]["code"] if closes else \
        "accepted" if not rd.rst else "TCP RST"


def readme_table(results):
    """Markdown: one row per case of the crafted client, one column per receiver."""
    cols, heads = [], []
    rows = {}
    order = []
    for res in results:
        if crafted_of(res) != "client":
            continue
        recv = receiver_of(res)
        v = res["log"].get("versions", {})
        cols.append(recv)
        heads.append("%s %s" % (recv, v.get("version") or v.get("ws") or ""))
        for a in res["analysed"]:
            if a["case"] is None:
                continue
            key = a["case_name"]
            if key not in rows:
                rows[key] = {"case": a["case"], "cells": {}}
                order.append(key)
            rows[key]["cells"][recv] = reaction_cell(res, a, res["log"].get(a["conn"].client[1]))
    out = ["| Case | What the peer sends | Rule (expected Close) | " + " | ".join(
        h.strip() for h in heads) + " |",
        "|---|---|---|" + "---|" * len(cols)]
    for key in order:
        case = rows[key]["case"]
        rules = case.rules()
        rule_txt = ", ".join("`%s` (%s)" % (r, expected_close(r) or "none") for r in rules) \
            or "none (legal)"
        out.append("| `%s` | %s | %s | %s |" % (key, case.summary, rule_txt, " | ".join(
            rows[key]["cells"].get(c, "-") for c in cols)))
    return "\n".join(out)


def chromium_table(results):
    """Markdown: one row per case of the crafted server: what Chromium sent
    on the wire (ws:// and wss://), what its page saw, what its console said."""
    caps = [res for res in results if crafted_of(res) == "server"]
    rows, order = {}, []
    for res in caps:
        tls = res["port"] in TLS_PORTS
        for a in res["analysed"]:
            key = a["case_name"]
            if key not in rows:
                rows[key] = {"case": a["case"], "wire": {}, "page": {}, "console": {}}
                order.append(key)
            txt = reaction_cell(res, a, None)
            own = {r for x in a["client"] for r in x["rules"] if RULES[r][3] != "NOTE"}
            if own:
                txt += ", itself breaking %s" % ", ".join("`%s`" % r for r in sorted(own))
            rows[key]["wire"][tls] = txt
            rec = res["client_log"].get(key, {})
            rows[key]["page"][tls] = "%s%s" % (rec.get("code", "?"),
                                                "" if rec.get("wasClean") else " (not clean)")
            rows[key]["console"][tls] = " / ".join("`%s`" % m.replace("|", "\\|")
                                                   for m in rec.get("console", [])) or "-"
    version = chromium_version(caps[0]) if caps else "?"
    out = ["| Case | What the server sends | Rule (expected Close) | Chromium %s on the wire "
           "(ws://) | wss:// | close event code | Console error |" % version,
           "|---|---|---|---|---|---|---|"]
    for key in order:
        row = rows[key]
        case = row["case"]
        rule_txt = ", ".join("`%s` (%s)" % (r, expected_close(r) or "none")
                             for r in case.rules()) or "none (legal)"
        wss = row["wire"].get(True, "-")
        if wss == row["wire"].get(False):
            wss = "same"
        page = row["page"].get(False, "-")
        if row["page"].get(True, page) != page:
            page += " (wss: %s)" % row["page"][True]
        console = row["console"].get(False, "-")
        if row["console"].get(True, console) != console:
            console += " (wss: %s)" % row["console"][True]
        out.append("| `%s` | %s | %s | %s | %s | %s | %s |" % (
            key, case.summary, rule_txt, row["wire"].get(False, "-"), wss, page, console))
    return "\n".join(out)


def write_index(results, top):
    lines = ["# The recorded captures: name, extra tshark arguments, number of WebSocket frames,",
             "# summary. Written by captures/real/derive.py. {dir} in tshark_args: the folder",
             "# of the capture (tests/tshark/tshark_check.py puts the path there).",
             "capture\ttshark_args\tws_frames\tsummary"]
    for res in results:
        n = len(res["analysed"])
        viol = sum(1 for e in res["expect"] if RULES[e[1]][3] != "NOTE")
        tls = " over TLS (wss)" if res["port"] in TLS_PORTS else ""
        if crafted_of(res) == "client":
            what = "crafted client to the %s server: %d connections, %d violations" % (
                receiver_of(res), n, viol)
        elif crafted_of(res) == "server":
            what = "crafted server to Chromium %s%s: %d connections, %d violations" % (
                chromium_version(res), tls, n, viol)
        else:
            m = re.match(r"clean-(.+)-client-(.+)-server", res["name"])
            what = "%s client and %s server%s: %d clean connections" % (
                m.group(1) if m else "?", m.group(2) if m else "?", tls, n)
        lines.append("%s\t%s\t%d\t%s" % (res["name"], " ".join(tshark_args(res)), res["nframes"],
                                          what))
    with open(os.path.join(top, "index.tsv"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


def update_readme(results, top):
    path = os.path.join(top, "README.md")
    if not os.path.exists(path):
        return
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for tag, table in (("reactions", readme_table), ("chromium", chromium_table)):
        begin, end = "<!-- %s: begin (derive.py) -->" % tag, "<!-- %s: end -->" % tag
        if begin not in text or end not in text:
            continue
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + begin + "\n" + table(results) + "\n" + end + tail
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def compare(results, cmd):
    """Differences between the plugin's ws.rule items (and ws.proto_error)
    and the expectations; returns how many there are."""
    bad = 0
    for res in results:
        base = shlex.split(cmd) + ["-r", res["path"]] + tshark_args(
            res, os.path.dirname(os.path.abspath(res["path"])))
        out = subprocess.run(base + ["-Y", "ws.rule", "-T", "fields", "-e", "frame.number",
                                     "-e", "ws.rule", "-e", "ws.proto_error"],
                             capture_output=True, text=True, check=True).stdout
        # Wireshark must find every WebSocket frame derive.py found.
        ops = subprocess.run(base + ["-T", "fields", "-e", "websocket.opcode"],
                             capture_output=True, text=True, check=True).stdout
        nws = sum(len([x for x in ln.split(",") if x]) for ln in ops.splitlines())
        if nws != res["nframes"]:
            print("%s: Wireshark dissects %d WebSocket frames, derive.py found %d" % (
                res["name"], nws, res["nframes"]))
            bad += 1
        got, got_perr = [], set()
        for ln in out.splitlines():
            num, rules, perr = (ln.split("\t") + ["", ""])[:3]
            got += [(int(num), r) for r in rules.split(",") if r]
            if "1" in perr.split(",") or "True" in perr.split(","):
                got_perr.add(int(num))
        want = res["expect"]
        want_perr = {n for n, r in want if expected_close(r) == 1002}
        missing = [e for e in want if e not in got]
        extra = [g for g in got if g not in want]
        for num, r in missing:
            print("%s: frame %d: %s expected, not reported" % (res["name"], num, r))
        for num, r in extra:
            print("%s: frame %d: %s reported, not expected" % (res["name"], num, r))
        for num in sorted(want_perr ^ got_perr):
            print("%s: frame %d: ws.proto_error %s" % (
                res["name"], num, "missing" if num in want_perr else "not expected"))
        print("%s: %d expected, %d reported, %d missing, %d extra, %d proto_error differences" % (
            res["name"], len(want), len(got), len(missing), len(extra), len(want_perr ^ got_perr)))
        bad += len(missing) + len(extra) + len(want_perr ^ got_perr)
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("dir", nargs="?", default=HERE)
    ap.add_argument("--tshark", help="command that runs tshark with the plugin")
    ap.add_argument("--decrypt-tshark", default=DECRYPT_TSHARK,
                    help="tshark that decrypts the wss captures (no plugin needed)")
    a = ap.parse_args()
    globals()["DECRYPT_TSHARK"] = a.decrypt_tshark
    caps = sorted(glob.glob(os.path.join(a.dir, "*.pcapng")))
    if not caps:
        sys.exit("derive.py: no captures in " + a.dir)
    results = [derive(p) for p in caps]
    write_index(results, a.dir)
    update_readme(results, a.dir)
    for res in results:
        print("%s: %d connections, %d frames, %d expected items" % (
            res["name"], len(res["analysed"]), res["nframes"], len(res["expect"])))
    if a.tshark:
        return 1 if compare(results, a.tshark) else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
