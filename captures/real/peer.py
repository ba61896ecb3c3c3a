#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The crafted WebSocket client: sends each violation of cases.py to a real
server, one connection per case, and records how the server reacted.

Plain sockets, no WebSocket library: a proper HTTP/1.1 Upgrade (the case name
in the X-Ws1002-Case header, permessage-deflate offered when the case needs
it), then the case's frames one by one, then it waits a bounded time for the
server's reaction: a Close frame (code and reason), a TCP FIN or RST, or
nothing. Then it ends the connection the way a client would: it echoes a
server's Close, or sends Close 1000 when the server carried on, and waits for
the server to close TCP first (bounded again).

    peer.py --port 9101 [--host 127.0.0.1] [--cases a,b,...] [--wait 1.0] [--log out.jsonl]

Loopback only: the host must be a 127.0.0.0/8 address.
"""

import argparse
import base64
import hashlib
import json
import socket
import struct
import sys
import time

import cases as C

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class ServerStream:
    """Reads what the server sends: frames (unmasked, as servers send them),
    FIN and RST, each with the time it arrived."""

    def __init__(self, sock, buf=b""):
        self.sock = sock
        self.buf = buf
        self.events = []  # (kind, detail): ("frame", dict) / ("fin", None) / ("rst", None)
        self.eof = False
        self.t0 = time.monotonic()

    def _parse(self):
        while True:
            b = self.buf
            if len(b) < 2:
                return
            n, pos = b[1] & 0x7F, 2
            if n == 126:
                if len(b) < 4:
                    return
                n, pos = struct.unpack(">H", b[2:4])[0], 4
            elif n == 127:
                if len(b) < 10:
                    return
                n, pos = struct.unpack(">Q", b[2:10])[0], 10
            key = None
            if b[1] & 0x80:
                if len(b) < pos + 4:
                    return
                key, pos = b[pos:pos + 4], pos + 4
            if len(b) < pos + n:
                return
            payload = b[pos:pos + n]
            if key:
                payload = bytes(x ^ key[i % 4] for i, x in enumerate(payload))
            self.buf = b[pos + n:]
            fr = {"fin": bool(b[0] & 0x80), "rsv": (b[0] >> 4) & 7, "opcode": b[0] & 0xF,
                  "len": n, "t": round(time.monotonic() - self.t0, 3)}
            if fr["opcode"] == C.OP_CLOSE:
                fr["code"] = struct.unpack(">H", payload[:2])[0] if len(payload) >= 2 else None
                fr["reason"] = payload[2:].decode("utf-8", "backslashreplace")
            self.events.append(("frame", fr))

    def poll(self, timeout):
        """Read for at most `timeout` seconds or until the server closes TCP."""
        deadline = time.monotonic() + timeout
        while not self.eof:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                return
            except ConnectionResetError:
                self.events.append(("rst", None))
                self.eof = True
                return
            if not data:
                self.events.append(("fin", None))
                self.eof = True
                return
            self.buf += data
            self._parse()

    def close_frame(self):
        for kind, fr in self.events:
            if kind == "frame" and fr["opcode"] == C.OP_CLOSE:
                return fr
        return None

    def until_close_or_eof(self, timeout):
        deadline = time.monotonic() + timeout
        while not self.eof and self.close_frame() is None and time.monotonic() < deadline:
            self.poll(min(0.05, max(0.0, deadline - time.monotonic())))


def read_head(sock, timeout):
    """An HTTP head: (start line, {lower-case name: [values]}, the bytes
    after it), within `timeout` seconds."""
    buf = b""
    deadline = time.monotonic() + timeout
    while b"\r\n\r\n" not in buf:
        left = deadline - time.monotonic()
        if left <= 0:
            raise OSError("no complete HTTP head within %.0f s" % timeout)
        sock.settimeout(left)
        data = sock.recv(65536)
        if not data:
            raise OSError("connection closed during the HTTP head")
        buf += data
    head, rest = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs.setdefault(k.strip().lower(), []).append(v.strip())
    return lines[0], hdrs, rest


def handshake(sock, host, port, case):
    key = base64.b64encode(hashlib.sha1(case.name.encode()).digest()[:16]).decode()
    lines = ["GET / HTTP/1.1", "Host: %s:%d" % (host, port), "Upgrade: websocket",
             "Connection: Upgrade", "Sec-WebSocket-Key: " + key, "Sec-WebSocket-Version: 13"]
    if case.pmd:
        lines.append("Sec-WebSocket-Extensions: " + C.PMD_OFFER)
    lines.append("%s: %s" % (C.CASE_HEADER, case.name))
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    try:
        status, hdrs, rest = read_head(sock, 2.0)
    except OSError as e:
        raise RuntimeError(str(e))
    if not status.startswith("HTTP/1.1 101"):
        raise RuntimeError("upgrade refused: " + status)
    want = base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest()).decode()
    if hdrs.get("sec-websocket-accept") != [want]:
        raise RuntimeError("bad Sec-WebSocket-Accept")
    ext = ", ".join(hdrs.get("sec-websocket-extensions", []))
    return ext, rest


def send_frames(sock, stream, wire, burst, rec, gap=0.02):
    """Send a case's (Frame, bytes) one by one, `gap` seconds apart; unless
    `burst`, stop once the other side has sent a Close or closed TCP (an
    endpoint that has been sent a Close, or lost the connection, stops
    sending data). Returns (frames sent, whether one was a Close)."""
    sent, closed = 0, False
    try:
        for f, data in wire:
            if sent:
                stream.poll(gap)
                if not burst and (stream.eof or stream.close_frame()):
                    break
            sock.sendall(data)
            sent += 1
            closed |= f.opcode == C.OP_CLOSE
    except OSError as e:
        rec["send_error"] = str(e)
    return sent, closed


def run_case(host, port, case, wait):
    rec = {"case": case.name, "port": port}
    sock = socket.create_connection((host, port), timeout=2.0)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    rec["client_port"] = sock.getsockname()[1]
    try:
        ext, rest = handshake(sock, host, port, case)
    except (RuntimeError, OSError) as e:
        rec["error"] = str(e)
        sock.close()
        return rec
    rec["extensions"] = ext
    deflater = C.deflater_for(ext)
    if case.pmd and deflater is None:
        rec["error"] = "permessage-deflate not negotiated"
    srv = ServerStream(sock, rest)
    srv._parse()
    sent, client_closed = send_frames(sock, srv, C.case_wire_frames(case, deflater or C.Deflater()),
                                      case.burst, rec)
    rec["sent"] = sent
    srv.until_close_or_eof(wait)
    epilogue = None
    close = srv.close_frame()
    try:
        if close and not client_closed:
            body = b"" if close["code"] is None else struct.pack(">H", close["code"])
            epilogue = "echo"
            sock.sendall(C.encode(C.OP_CLOSE, body, key=C.mask_key(case.name, 100)))
        elif not close and not srv.eof and not client_closed:
            epilogue = "close-1000"
            sock.sendall(C.encode(C.OP_CLOSE, struct.pack(">H", 1000) + b"done",
                                  key=C.mask_key(case.name, 101)))
            srv.until_close_or_eof(wait)
    except OSError as e:
        rec["send_error"] = str(e)
    # The server closes TCP first; give it a bounded time to.
    deadline = time.monotonic() + wait
    while not srv.eof and time.monotonic() < deadline:
        srv.poll(deadline - time.monotonic())
    sock.close()
    rec["epilogue"] = epilogue
    rec["server"] = [fr if kind == "frame" else kind for kind, fr in srv.events]
    return rec


def describe(rec):
    parts = []
    for ev in rec.get("server", []):
        if isinstance(ev, str):
            parts.append(ev.upper())
        elif ev["opcode"] == C.OP_CLOSE:
            parts.append("Close %s %r" % (ev["code"], ev["reason"]))
        else:
            parts.append("op%d" % ev["opcode"])
    return ", ".join(parts) or "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cases", help="comma-separated case names (default: all)")
    ap.add_argument("--wait", type=float, default=1.0, help="seconds to wait for a reaction")
    ap.add_argument("--log", help="write one JSON line per case here")
    a = ap.parse_args()
    if not a.host.startswith("127."):
        sys.exit("peer.py: loopback addresses only")
    todo = C.CASES if not a.cases else [C.BY_NAME[n] for n in a.cases.split(",")]
    log = open(a.log, "w", encoding="utf-8") if a.log else None
    bad = 0
    for case in todo:
        rec = run_case(a.host, a.port, case, a.wait)
        bad += "error" in rec
        print("%-26s sent %s/%d  %s%s" % (case.name, rec.get("sent", 0), len(case.frames),
                                          describe(rec),
                                          ("  ERROR " + rec["error"]) if "error" in rec else ""))
        if log:
            log.write(json.dumps(rec, sort_keys=True) + "\n")
    if log:
        log.close()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
