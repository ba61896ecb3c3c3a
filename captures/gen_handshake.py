#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Generate the opening-handshake captures (captures/handshake/), their expectations and README.

One capture per handshake rule of the rule table (impl HANDSHAKE), named
after it, and the legal look-alikes that real implementations get wrong
(legal-*.pcapng): every request and response head is written byte for byte,
so that each capture breaks exactly the rules it names. Each connection
plays what a conforming peer does next: a server refuses a bad request with
an HTTP error and closes TCP, a client fails a bad 101 by closing TCP (a
browser sends no Close frame before the connection is established, RFC 6455
§7.1.7) or, for permessage-deflate parameters it cannot use, by a Close 1010
(RFC 7692 §5.1). Some connections show a peer that does not.

Built on captures/gen.py (the same TCP connections, frames and pcapng
writer). Next to each capture:
  NAME.tsv            the ws.rule items, in the format of ../README.md
  NAME.links.tsv      every value of the close-forensics link fields
                      (ws.close.cause, ws.close.reaction, ...), as in
                      ../forensics/; with tshark -2
  NAME.handshake.tsv  frame, field, value: every value of ws.handshake,
                      ws.handshake.version, .accept_expected, .extensions,
                      .subprotocol and .versions_supported; nothing else
                      may appear, in one pass and with -2
and index.tsv, README.md.

Needs Debian's python3-scapy:  python3 captures/gen_handshake.py [--out DIR] [--check]
"""

import base64
import functools
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "forensics"))
sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import gen  # noqa: E402
from gen import CLIENT, RSV1, SERVER, WS_GUID, Capture, Close, Deflater, Ping, Text  # noqa: E402
from gen_forensics import LINK_FIELDS, cause  # noqa: E402

DEFAULT_OUT = os.path.join(HERE, "handshake")
BY = "captures/gen_handshake.py"
HS_FIELDS = ["ws.handshake", "ws.handshake.version", "ws.handshake.accept_expected",
             "ws.handshake.extensions", "ws.handshake.subprotocol",
             "ws.handshake.versions_supported"]
PMD = "permessage-deflate"
MARK = "\0frame"  # stands in for a rule to learn which packet carries a frame
OWN = object()  # a connection's own Host, key or accept value


def accept_for(key):
    """Sec-WebSocket-Accept for a key as sent (RFC 6455 §4.2.2), blanks around it ignored."""
    return base64.b64encode(hashlib.sha1(key.strip(" \t").encode() + WS_GUID).digest()).decode()


def values(fields, name):
    """The values of every header line called name (ASCII case-insensitive), trimmed."""
    return [v.strip(" \t") for n, v in fields if n.lower() == name.lower()]


def head(start, fields):
    """An HTTP/1.1 head: start line, header lines, empty line. A value that
    starts with a blank is written as it is, right after the colon."""
    lines = [start] + ["%s:%s" % (n, v if v == "" or v[0] in " \t" else " " + v)
                       for n, v in fields]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _put(out, name, v):
    """Appends header field name: None leaves it out, a list writes one line
    per item."""
    if v is None:
        return
    for item in (v if isinstance(v, list) else [v]):
        out.append((name, item))


class HsCapture(Capture):
    """A capture that also records link and handshake field values."""

    def __init__(self, name, summary, args=()):
        super().__init__(name, summary, args)
        self.links = []  # (frame, field, value)
        self.hs = []     # (frame, field, value)

    def link(self, frame, field, value):
        assert field in LINK_FIELDS, field
        self.links.append((frame, field, str(value)))

    def field(self, frame, field, value):
        assert field in HS_FIELDS, field
        self.hs.append((frame, field, str(value)))

    def conn(self, **kw):
        self.nconn += 1
        return HsConn(self, self.nconn, **kw)


class HsConn(gen.Conn):
    """A connection whose heads are written field by field.

    Keeps what the plugin must show on the WebSocket frames that follow a
    captured 101: ws.handshake (the 101's packet), its extensions and
    subprotocol.
    """

    def __init__(self, cap, n, **kw):
        super().__init__(cap, n, **kw)
        self.key = base64.b64encode(hashlib.sha1(b"key/%s/%d" % (cap.name.encode(), n))
                                    .digest()[:16]).decode()
        self.accept = accept_for(self.key)
        self.requested = False      # a request was captured
        self.judged = False         # ... and it was a WebSocket one
        self.accept_expected = None
        self.hs101 = None           # packet of the captured 101
        self.ext = ""
        self.subproto = ""

    # -- heads ---------------------------------------------------------------

    def request_fields(self, ext=None, proto=None, version="13", key=OWN, upgrade="websocket",
                       connection="Upgrade", host=OWN, extra=()):
        """The fields of an opening request. None leaves a field out; a list
        writes one line per item; OWN is this connection's Host or key."""
        out = []
        put = functools.partial(_put, out)
        put("Host", self.host if host is OWN else host)
        put("Upgrade", upgrade)
        put("Connection", connection)
        put("Sec-WebSocket-Key", self.key if key is OWN else key)
        put("Sec-WebSocket-Version", version)
        put("Sec-WebSocket-Extensions", ext)
        put("Sec-WebSocket-Protocol", proto)
        out.extend(extra)
        out.append(("User-Agent", "ws1002-gen/1"))
        return out

    def response_fields(self, ext=None, proto=None, accept=OWN, upgrade="websocket",
                        connection="Upgrade", extra=()):
        """The fields of a 101, as request_fields (OWN: the right accept value)."""
        out = []
        put = functools.partial(_put, out)
        put("Upgrade", upgrade)
        put("Connection", connection)
        put("Sec-WebSocket-Accept", self.accept if accept is OWN else accept)
        put("Sec-WebSocket-Extensions", ext)
        put("Sec-WebSocket-Protocol", proto)
        out.extend(extra)
        return out

    def _send_head(self, side, blob, split, rules):
        seg_end = self.send_writes(side, blob, [split, len(blob) - split] if split else
                                   [len(blob)])
        num = seg_end[-1][1]  # HTTP dissects the head where it completes
        self.cap.expect.extend((num, r) for r in rules)
        return num

    def request(self, fields, start="GET /chat HTTP/1.1", split=None, rules=()):
        """The client's request head; a request with Upgrade: websocket or a
        key is judged. Returns the packet that completes it."""
        num = self._send_head(CLIENT, head(start, fields), split, rules)
        self.requested = True
        upgrade = ",".join(values(fields, "Upgrade")).lower()
        keys = values(fields, "Sec-WebSocket-Key")
        self.judged = "websocket" in [t.strip(" \t") for t in upgrade.split(",")] or bool(keys)
        if not self.judged:
            return num
        vers = values(fields, "Sec-WebSocket-Version")
        if vers:
            self.cap.field(num, "ws.handshake.version", vers[0])
        self.accept_expected = accept_for(keys[0]) if len(keys) == 1 else None
        return num

    def response(self, fields, status=101, reason="Switching Protocols", split=None, rules=(),
                 frames=(), subprotocol=None):
        """The server's response head; frames: WebSocket frames written in the
        same segment, after it. subprotocol: what the 101 selects, when the
        first Sec-WebSocket-Protocol value is not it. Returns the packet that
        completes the head."""
        blob = head("HTTP/1.1 %d %s" % (status, reason), fields)
        encoded = [fr.encode(self._mask_key(SERVER, fr)) for fr in frames]
        blob += b"".join(encoded)
        num = self._send_head(SERVER, blob, split, rules)
        if not (self.judged or (status == 101 and not self.requested)):
            return num
        if self.accept_expected:
            self.cap.field(num, "ws.handshake.accept_expected", self.accept_expected)
        if status == 101:
            self.hs101 = num
            self.ext = ", ".join(values(fields, "Sec-WebSocket-Extensions"))
            protos = values(fields, "Sec-WebSocket-Protocol")
            if subprotocol is None:
                subprotocol = protos[0] if protos else ""
            self.subproto = subprotocol
            if self.ext:
                self.cap.field(num, "ws.handshake.extensions", self.ext)
            if self.subproto:
                self.cap.field(num, "ws.handshake.subprotocol", self.subproto)
        else:
            vs = [v for v in values(fields, "Sec-WebSocket-Version") if v]
            if vs:
                self.cap.field(num, "ws.handshake.versions_supported", ", ".join(vs))
        for fr in frames:
            self.cap.nframes += 1
            self.cap.expect.extend((num, r) for r in fr.rules)
            self._frame_fields(num)
        return num

    def refuse(self, status, reason, extra=(), rules=()):
        """A refusal with an empty body; the server then closes TCP."""
        num = self.response(list(extra) + [("Content-Length", "0"), ("Connection", "close")],
                            status, reason, rules=rules)
        self.close_tcp(first=SERVER)
        return num

    # -- frames --------------------------------------------------------------

    def _frame_fields(self, num):
        if self.hs101 is None:
            return
        self.cap.field(num, "ws.handshake", self.hs101)
        if self.ext:
            self.cap.field(num, "ws.handshake.extensions", self.ext)
        if self.subproto:
            self.cap.field(num, "ws.handshake.subprotocol", self.subproto)

    def ws(self, side, *frames, split=None):
        for fr in frames:
            fr.rules.append(MARK)
        super().ws(side, *frames, split=split)
        keep = []
        for num, rule in self.cap.expect:
            if rule == MARK:
                self._frame_fields(num)
            else:
                keep.append((num, rule))
        self.cap.expect[:] = keep
        for fr in frames:
            fr.rules.remove(MARK)
        return self

    def last(self):
        return len(self.cap.packets)

    def fail_tcp(self, violation):
        """The client fails the connection by closing TCP: its FIN is the
        reaction to the 101's violations (linked with tshark -2)."""
        self.close_tcp(first=CLIENT)
        self.cap.link(violation, "ws.close.reaction", self.last() - 2)

    def fail_rst(self, violation):
        """The client fails the connection with a TCP RST: the reaction."""
        self._pkt(CLIENT, "RA")
        self.cap.link(violation, "ws.close.reaction", self.last())

    def chat(self):
        """A short clean exchange and a clean close."""
        self.ws(CLIENT, Text("hello"))
        self.ws(SERVER, Text("welcome"))
        self.ws(CLIENT, Close(1000))
        self.ws(SERVER, Close(1000))
        self.close_tcp(first=SERVER)


# ---- the captures -----------------------------------------------------------

CAPTURES = []


def capture(name, summary):
    def register(fn):
        CAPTURES.append((name, summary, fn))
        return fn
    return register


def refused(c, fields, start="GET /chat HTTP/1.1", req_rules=(), status=400,
            reason="Bad Request", extra=(), resp_rule="handshake-refused"):
    """A bad request and the server's refusal."""
    c.open()
    c.request(fields, start=start, rules=req_rules)
    c.refuse(status, reason, extra, rules=[resp_rule])


def accepted_anyway(c, fields, start="GET /chat HTTP/1.1", req_rules=()):
    """A bad request the server accepts with a correct 101: reaction-missing
    on the 101 (the server should have refused), then a clean exchange."""
    c.open()
    c.request(fields, start=start, rules=req_rules)
    c.response(c.response_fields(), rules=["reaction-missing"])
    c.chat()


def failed_101(c, resp, req=None, rules=(), subprotocol=None, rst=False):
    """A 101 breaking the rules; the client fails by closing TCP (FIN, or RST)."""
    c.open()
    c.request(req if req is not None else c.request_fields())
    v = c.response(resp, rules=rules, subprotocol=subprotocol)
    if rst:
        c.fail_rst(v)
    else:
        c.fail_tcp(v)
    return v


def compressed_exchange(c, server_takeover=True):
    """Two compressed pings and pongs, then Close 1000 both ways. The client
    takes its context over; the server too unless server_takeover is False
    (then every message of it starts with an empty window)."""
    cli, srv = Deflater(), Deflater()
    for i in range(2):
        c.ws(CLIENT, Text(cli.message(b'{"op":"ping","seq":%d}' % i), rsv=RSV1))
        pong = (srv if server_takeover else Deflater()).message(b'{"op":"pong","seq":%d}' % i)
        c.ws(SERVER, Text(pong, rsv=RSV1))
    c.ws(CLIENT, Close(1000))
    c.ws(SERVER, Close(1000))


def failed_1010(c, req, resp, rule):
    """A 101 whose permessage-deflate parameters the client cannot use: it
    closes 1010 (RFC 7692 §5.1), which the rule table accepts; the Close and
    the 101 are linked both ways. The server echoes 1010 and closes TCP."""
    c.open()
    c.request(req)
    v = c.response(resp, rules=[rule])
    c.ws(CLIENT, Close(1010, "permessage-deflate"))
    cl = c.last()
    cause(c.cap, cl, v, rule, 1010)
    c.ws(SERVER, Close(1010))
    c.close_tcp(first=SERVER)


# Request rules: the server refuses (a note on the refusal), or accepts
# anyway (reaction-missing on its 101).


@capture("handshake-req-method", "a POST upgrade refused with 400; an HTTP/1.0 one accepted")
def _(cap):
    """Connection 1: the request is a POST; the server refuses it with 400
    (handshake-refused, a note). Connection 2: the request line says HTTP/1.0;
    the server answers 101 anyway: reaction-missing on the 101, then a clean
    exchange."""
    c = cap.conn()
    refused(c, c.request_fields(), start="POST /chat HTTP/1.1", req_rules=["handshake-req-method"])
    c = cap.conn()
    accepted_anyway(c, c.request_fields(), start="GET /chat HTTP/1.0",
                    req_rules=["handshake-req-method"])


@capture("handshake-req-host", "no Host refused with 400; two Host headers accepted")
def _(cap):
    """Connection 1: no Host header; 400. Connection 2: two Host headers; the
    server answers 101 anyway (reaction-missing)."""
    c = cap.conn()
    refused(c, c.request_fields(host=None), req_rules=["handshake-req-host"])
    c = cap.conn()
    accepted_anyway(c, c.request_fields(host=[c.host, "other.example.test"]),
                    req_rules=["handshake-req-host"])


@capture("handshake-req-upgrade", "no Upgrade refused with 426; Upgrade: websocket/13 accepted")
def _(cap):
    """Connection 1: the request has a key but no Upgrade header; the server
    answers 426 with Upgrade: websocket, as Python websockets does. That 426 is
    no version refusal (the version is 13 and another header is wrong), so it
    is only handshake-refused. Connection 2: Upgrade: websocket/13 is not the
    token websocket; the server answers 101 anyway (reaction-missing)."""
    c = cap.conn()
    refused(c, c.request_fields(upgrade=None), req_rules=["handshake-req-upgrade"], status=426,
            reason="Upgrade Required", extra=[("Upgrade", "websocket")])
    c = cap.conn()
    accepted_anyway(c, c.request_fields(upgrade="websocket/13"),
                    req_rules=["handshake-req-upgrade"])


@capture("handshake-req-connection", "Connection: keep-alive refused; no Connection accepted")
def _(cap):
    """Connection 1: Connection: keep-alive without the token Upgrade; 400.
    Connection 2: no Connection header; the server answers 101 anyway
    (reaction-missing)."""
    c = cap.conn()
    refused(c, c.request_fields(connection="keep-alive"), req_rules=["handshake-req-connection"])
    c = cap.conn()
    accepted_anyway(c, c.request_fields(connection=None), req_rules=["handshake-req-connection"])


@capture("handshake-req-key", "a 15-byte key and a missing key refused; a repeated key accepted")
def _(cap):
    """Connection 1: the key decodes to 15 bytes; 400. ws.handshake.accept_expected
    on the 400 is still computed from the key as sent. Connection 2: the key
    appears twice; the server answers 101 anyway (reaction-missing); with two
    keys there is no expected accept value. Connection 3: no key (Upgrade:
    websocket makes it a WebSocket request); 400."""
    c = cap.conn()
    refused(c, c.request_fields(key="dGhlIHNhbXBsZSBub25j"), req_rules=["handshake-req-key"])
    c = cap.conn()
    accepted_anyway(c, c.request_fields(key=[c.key, c.key]), req_rules=["handshake-req-key"])
    c = cap.conn()
    refused(c, c.request_fields(key=None), req_rules=["handshake-req-key"])


@capture("handshake-version", "version 8 and no version refused with the list; 13, 8 accepted")
def _(cap):
    """Connection 1: Sec-WebSocket-Version: 8; the server answers 426 with
    Sec-WebSocket-Version: 13 (a correct refusal: handshake-refused only).
    Connection 2: no Sec-WebSocket-Version (no ws.handshake.version); 400 with
    Sec-WebSocket-Version: 13. Connection 3: Sec-WebSocket-Version: 13, 8; the
    server answers 101 anyway (reaction-missing)."""
    c = cap.conn()
    refused(c, c.request_fields(version="8"), req_rules=["handshake-version"], status=426,
            reason="Upgrade Required", extra=[("Sec-WebSocket-Version", "13")])
    c = cap.conn()
    refused(c, c.request_fields(version=None), req_rules=["handshake-version"],
            extra=[("Sec-WebSocket-Version", "13")])
    c = cap.conn()
    accepted_anyway(c, c.request_fields(version="13, 8"), req_rules=["handshake-version"])


@capture("handshake-version-no-header", "version refusals without a Sec-WebSocket-Version list")
def _(cap):
    """Connection 1: a version-8 request refused with a bare 400 (as
    websocket-driver and websockets 10.4 do): handshake-version on the request,
    handshake-version-no-header on the 400. Connection 2: a correct request
    answered 426 Upgrade Required with no version list: a 426 after a request
    with no other fault is a version refusal."""
    c = cap.conn()
    refused(c, c.request_fields(version="8"), req_rules=["handshake-version"],
            resp_rule="handshake-version-no-header")
    c = cap.conn()
    refused(c, c.request_fields(), status=426, reason="Upgrade Required",
            extra=[("Upgrade", "websocket")], resp_rule="handshake-version-no-header")


@capture("handshake-refused", "legal refusals: 403, a redirect, a 400 after a correct request")
def _(cap):
    """Correct requests refused with 403 Forbidden, 302 Found (Location) and
    400 Bad Request: each a handshake-refused note, no violation (a 400 after a
    version-13 request is no version refusal)."""
    c = cap.conn()
    refused(c, c.request_fields(), status=403, reason="Forbidden")
    c = cap.conn()
    refused(c, c.request_fields(), status=302, reason="Found",
            extra=[("Location", "http://ws.example.test/elsewhere")])
    c = cap.conn()
    refused(c, c.request_fields())


# Response rules: the client fails the connection by closing TCP, the
# reaction linked to the 101 (ws.close.reaction, tshark -2).


@capture("handshake-upgrade-invalid", "101 without Upgrade, and with Upgrade: websocket, h2c")
def _(cap):
    """Connection 1: the 101 has no Upgrade header. Connection 2: Upgrade:
    websocket, h2c (a 101 names one protocol). The client closes TCP each time."""
    c = cap.conn()
    failed_101(c, c.response_fields(upgrade=None), rules=["handshake-upgrade-invalid"])
    c = cap.conn()
    failed_101(c, c.response_fields(upgrade="websocket, h2c"), rules=["handshake-upgrade-invalid"])


@capture("handshake-connection-invalid", "101 without Connection, and with Connection: close")
def _(cap):
    """Connection 1: the 101 has no Connection header; the client closes TCP.
    Connection 2: Connection: close; the client resets the connection (the
    RST is the reaction)."""
    c = cap.conn()
    failed_101(c, c.response_fields(connection=None), rules=["handshake-connection-invalid"])
    c = cap.conn()
    failed_101(c, c.response_fields(connection="close"), rules=["handshake-connection-invalid"],
               rst=True)


@capture("handshake-accept-missing", "101 without Sec-WebSocket-Accept, request captured or not")
def _(cap):
    """Connection 1: the 101 has no Sec-WebSocket-Accept. Connection 2: the
    capture starts at the 101 (no TCP handshake, no request): a 101 is judged
    on its own, without ws.handshake.accept_expected. The client closes TCP
    each time."""
    c = cap.conn()
    failed_101(c, c.response_fields(accept=None), rules=["handshake-accept-missing"])
    c = cap.conn()
    v = c.response(c.response_fields(accept=None), rules=["handshake-accept-missing"])
    c.fail_tcp(v)


@capture("handshake-accept-mismatch", "wrong Sec-WebSocket-Accept; a client that carries on")
def _(cap):
    """Connection 1: the accept value is off by its last base64 digit; the
    client closes TCP. Connection 2: the server sends the accept value in lower
    case; the client, having acknowledged the 101, sends a message anyway:
    reaction-missing on it. It closes TCP later (still linked to the 101).
    Connection 3: the accept value is the RFC's example, for another key; the
    client sends Close 1002 (as some libraries do once TCP is up): the Close
    is linked to the 101 both ways, and no code is unexpected (the rule names
    none). The server echoes it."""
    c = cap.conn()
    bad = c.accept[:-2] + ("A" if c.accept[-2] != "A" else "B") + "="
    failed_101(c, c.response_fields(accept=bad), rules=["handshake-accept-mismatch"])
    c = cap.conn().open()
    c.request(c.request_fields())
    v = c.response(c.response_fields(accept=c.accept.lower()), rules=["handshake-accept-mismatch"])
    c.ws(CLIENT, Text("as if nothing happened", rules=["reaction-missing"]))
    c.fail_tcp(v)
    c = cap.conn().open()
    c.request(c.request_fields())
    v = c.response(c.response_fields(accept="s3pPLMBiTxaQ9kYGzzhZRbK+xOo="),
                   rules=["handshake-accept-mismatch"])
    c.ws(CLIENT, Close(1002))
    cause(cap, c.last(), v, "handshake-accept-mismatch", 1002)
    c.ws(SERVER, Close(1002))
    c.close_tcp(first=SERVER)


@capture("handshake-ext-not-offered", "101 accepting extensions the client did not offer")
def _(cap):
    """Connection 1: the client offers nothing, the 101 accepts
    permessage-deflate. Connection 2: the client offers permessage-deflate, the
    101 accepts x-webkit-deflate-frame. The client closes TCP each time."""
    c = cap.conn()
    failed_101(c, c.response_fields(ext=PMD), rules=["handshake-ext-not-offered"])
    c = cap.conn()
    failed_101(c, c.response_fields(ext="x-webkit-deflate-frame"),
               req=c.request_fields(ext=PMD + "; client_max_window_bits"),
               rules=["handshake-ext-not-offered"])


@capture("handshake-subproto-not-offered", "101 selecting a subprotocol nobody offered")
def _(cap):
    """Connection 1: the client offers chat, superchat; the 101 selects mqtt.
    Connection 2: the client offers none; the 101 selects chat. The client
    closes TCP each time."""
    c = cap.conn()
    failed_101(c, c.response_fields(proto="mqtt"), req=c.request_fields(proto="chat, superchat"),
               rules=["handshake-subproto-not-offered"])
    c = cap.conn()
    failed_101(c, c.response_fields(proto="chat"), rules=["handshake-subproto-not-offered"])


@capture("handshake-subproto-multiple", "101 selecting two subprotocols")
def _(cap):
    """The client offers chat, superchat; the 101 answers with both (no
    subprotocol is in force: ws.handshake.subprotocol is absent). The client
    closes TCP."""
    c = cap.conn()
    failed_101(c, c.response_fields(proto="chat, superchat"),
               req=c.request_fields(proto="chat, superchat"),
               rules=["handshake-subproto-multiple"], subprotocol="")


@capture("handshake-dup-header-response", "101 repeating Sec-WebSocket-Accept or -Protocol")
def _(cap):
    """Connection 1: Sec-WebSocket-Accept twice (both right). Connection 2:
    Sec-WebSocket-Protocol: chat twice (chat offered; the first is in force).
    The client closes TCP each time."""
    c = cap.conn()
    failed_101(c, c.response_fields(accept=[c.accept, c.accept]),
               rules=["handshake-dup-header-response"])
    c = cap.conn()
    failed_101(c, c.response_fields(proto=["chat", "chat"]), req=c.request_fields(proto="chat"),
               rules=["handshake-dup-header-response"])


@capture("handshake-ext-abnf", "malformed Sec-WebSocket-Extensions in a request and in a 101")
def _(cap):
    """Connection 1: the offer ends with a semicolon ("permessage-deflate;");
    the server refuses with 400, as ws does. Connection 2: the 101 says
    "permessage-deflate x" (two words in one element); the client closes TCP."""
    c = cap.conn()
    refused(c, c.request_fields(ext=PMD + ";"), req_rules=["handshake-ext-abnf"])
    c = cap.conn()
    failed_101(c, c.response_fields(ext=PMD + " x"), req=c.request_fields(ext=PMD),
               rules=["handshake-ext-abnf"])


@capture("pmd-neg-invalid-param", "permessage-deflate responses with bad parameters")
def _(cap):
    """Connection 1: the 101 accepts permessage-deflate with
    server_max_window_bits=16 (out of range); the client closes 1010, the code
    RFC 7692 §5.1 names: the Close's cause is the 101 and the 101's reaction the
    Close. Connection 2: the 101 adds the unknown parameter foo=1; the client
    closes TCP."""
    c = cap.conn()
    failed_1010(c, c.request_fields(ext=PMD),
                c.response_fields(ext=PMD + "; server_max_window_bits=16"), "pmd-neg-invalid-param")
    c = cap.conn()
    failed_101(c, c.response_fields(ext=PMD + "; foo=1"), req=c.request_fields(ext=PMD),
               rules=["pmd-neg-invalid-param"])


@capture("pmd-neg-window-not-offered", "window sizes the client did not offer")
def _(cap):
    """Connection 1: the client offers server_max_window_bits=10, the 101
    answers 12; the client closes TCP. Connection 2: the client offers no
    client_max_window_bits, the 101 sets client_max_window_bits=10; the client
    closes 1010 (linked both ways)."""
    c = cap.conn()
    failed_101(c, c.response_fields(ext=PMD + "; server_max_window_bits=12"),
               req=c.request_fields(ext=PMD + "; server_max_window_bits=10"),
               rules=["pmd-neg-window-not-offered"])
    c = cap.conn()
    failed_1010(c, c.request_fields(ext=PMD),
                c.response_fields(ext=PMD + "; client_max_window_bits=10"),
                "pmd-neg-window-not-offered")


@capture("pmd-neg-param-dropped",
         "101 dropping server_no_context_takeover or server_max_window_bits=10 from the only offer")
def _(cap):
    """Connection 1: the client's only offer is permessage-deflate;
    server_no_context_takeover; the 101 accepts permessage-deflate without it,
    so the server may keep its window from message to message. Connection 2:
    the only offer asks for server_max_window_bits=10; the 101 drops it, so the
    server may compress with a 32 KiB window where the client asked for 1 KiB
    at most. The client closes TCP each time."""
    c = cap.conn()
    failed_101(c, c.response_fields(ext=PMD),
               req=c.request_fields(ext=PMD + "; server_no_context_takeover"),
               rules=["pmd-neg-param-dropped"])
    c = cap.conn()
    failed_101(c, c.response_fields(ext=PMD),
               req=c.request_fields(ext=PMD + "; server_max_window_bits=10"),
               rules=["pmd-neg-param-dropped"])


@capture("cause-frame-over-101", "a broken 101, then a broken frame: the Close 1002 answers the frame")
def _(cap):
    """The 101 drops the offer's server_max_window_bits=10
    (pmd-neg-param-dropped, which names no close code: the client should fail
    the connection). The client carries on without sending anything; the
    server sends a Ping with RSV1 (pmd-rsv1-on-control, which calls for 1002);
    the client closes 1002. The Close answers the frame whose rule names its
    code, not the older 101 whose rule names none. The server's echo is its
    first frame after the broken Ping (after-fail)."""
    c = cap.conn().open()
    c.request(c.request_fields(ext=PMD + "; server_max_window_bits=10"))
    c.response(c.response_fields(ext=PMD), rules=["pmd-neg-param-dropped"])
    c.ws(SERVER, Ping("compressed?", rsv=RSV1, rules=["pmd-rsv1-on-control"]))
    v = c.last()
    c.ws(CLIENT, Close(1002))
    cause(cap, c.last(), v, "pmd-rsv1-on-control", 1002)
    c.ws(SERVER, Close(1002, rules=["after-fail"]))
    c.close_tcp(first=SERVER)


@capture("pmd-neg-duplicate-element", "101 accepting permessage-deflate twice")
def _(cap):
    """The client offers permessage-deflate with a fallback; the 101 accepts
    both elements, over two header lines. The client closes TCP."""
    c = cap.conn()
    failed_101(c, c.response_fields(ext=[PMD + "; client_max_window_bits=15", PMD]),
               req=c.request_fields(ext=PMD + "; client_max_window_bits, " + PMD),
               rules=["pmd-neg-duplicate-element"])


@capture("ext-required-missing",
         "client closes 1010: it needed permessage-deflate, the 101 had none")
def _(cap):
    """The client offers permessage-deflate; a clean 101 accepts no extension;
    the client, which requires it, closes 1010 with the reason
    "permessage-deflate" (RFC 6455 §7.4.1): ext-required-missing on the Close,
    whose cause is the 101. The server echoes 1010."""
    c = cap.conn().open()
    c.request(c.request_fields(ext=PMD + "; client_max_window_bits"))
    v = c.response(c.response_fields())
    c.ws(CLIENT, Close(1010, "permessage-deflate", rules=["ext-required-missing"]))
    cap.link(c.last(), "ws.close.cause", v)
    cap.link(c.last(), "ws.close.cause_rule", "ext-required-missing")
    c.ws(SERVER, Close(1010))
    c.close_tcp(first=SERVER)


# The negotiated extensions decide what RSV1 means.


@capture("negotiated-rsv1", "RSV1 legal after permessage-deflate was accepted, wrong without it")
def _(cap):
    """Connection 1: the 101 accepts permessage-deflate (client_max_window_bits=15);
    compressed messages both ways are legal. Connection 2: the client offers
    permessage-deflate, the 101 accepts nothing, and the server compresses
    anyway: frame-rsv-nonzero (1002); the client closes 1002. The server's
    Close echo, its first frame after the violation, gets the after-fail note."""
    c = cap.conn().open()
    c.request(c.request_fields(ext=PMD + "; client_max_window_bits"))
    c.response(c.response_fields(ext=PMD + "; client_max_window_bits=15"))
    cli, srv = Deflater(), Deflater()
    c.ws(CLIENT, Text(cli.message(b'{"op":"subscribe","topic":"prices"}'), rsv=RSV1))
    c.ws(SERVER, Text(srv.message(b'{"op":"subscribed","topic":"prices"}'), rsv=RSV1))
    c.ws(SERVER, Text(srv.message(b'{"topic":"prices","bid":101.5,"ask":101.75}'), rsv=RSV1))
    c.ws(CLIENT, Close(1000))
    c.ws(SERVER, Close(1000))
    c.close_tcp(first=SERVER)
    c = cap.conn().open()
    c.request(c.request_fields(ext=PMD + "; client_max_window_bits"))
    c.response(c.response_fields())
    c.ws(CLIENT, Text('{"op":"subscribe","topic":"prices"}'))
    c.ws(SERVER, Text(Deflater().message(b'{"op":"subscribed","topic":"prices"}'), rsv=RSV1,
                      rules=["frame-rsv-nonzero"]))
    v = c.last()
    c.ws(CLIENT, Close(1002))
    cause(cap, c.last(), v, "frame-rsv-nonzero", 1002)
    c.ws(SERVER, Close(1002, rules=["after-fail"]))
    c.close_tcp(first=SERVER)


# Legal look-alikes: nothing may be reported (refusals: only the note).


@capture("legal-connection-list", "Connection: keep-alive, Upgrade in the request and the 101")
def _(cap):
    """Connection is a token list (RFC 6455 §4.1 step 3, §4.2.1 item 4):
    keep-alive, Upgrade in both heads; in a second connection Connection is
    split over two request lines (keep-alive / upgrade)."""
    c = cap.conn().open()
    c.request(c.request_fields(connection="keep-alive, Upgrade"))
    c.response(c.response_fields(connection="keep-alive, Upgrade"))
    c.chat()
    c = cap.conn().open()
    c.request(c.request_fields(connection=["keep-alive", "upgrade"]))
    c.response(c.response_fields())
    c.chat()


@capture("legal-extensions-two-lines", "Sec-WebSocket-Extensions over two header lines both ways")
def _(cap):
    """The offer comes in two Sec-WebSocket-Extensions lines (permessage-deflate
    with client_max_window_bits, then x-trace) and so does the 101's answer
    (RFC 6455 §4.2.2 step 5.6 allows it; only Accept and Protocol must not
    repeat): ws.handshake.extensions joins them with ", ". permessage-deflate is
    in force: compressed messages both ways."""
    c = cap.conn().open()
    c.request(c.request_fields(ext=[PMD + "; client_max_window_bits", "x-trace"]))
    c.response(c.response_fields(ext=[PMD + "; client_max_window_bits=15", "x-trace"]))
    cli, srv = Deflater(), Deflater()
    c.ws(CLIENT, Text(cli.message(b"compressed hello, compressed hello"), rsv=RSV1))
    c.ws(SERVER, Text(srv.message(b"compressed welcome, compressed welcome"), rsv=RSV1))
    c.ws(CLIENT, Close(1000))
    c.ws(SERVER, Close(1000))
    c.close_tcp(first=SERVER)


@capture("legal-subprotocol-choice", "the server choosing no subprotocol, or one of the offer")
def _(cap):
    """Connection 1: the client offers chat, superchat and the 101 selects none
    (RFC 6455 §4.2.2: null is the only acceptable value when none suits; ws and
    undici wrongly fail this). Connection 2: the 101 selects superchat,
    ws.handshake.subprotocol on the 101 and every frame. Connection 3: the offer
    comes over two header lines, the 101 selects the second."""
    c = cap.conn().open()
    c.request(c.request_fields(proto="chat, superchat"))
    c.response(c.response_fields())
    c.chat()
    c = cap.conn().open()
    c.request(c.request_fields(proto="chat, superchat"))
    c.response(c.response_fields(proto="superchat"))
    c.chat()
    c = cap.conn().open()
    c.request(c.request_fields(proto=["chat", "superchat"]))
    c.response(c.response_fields(proto="superchat"))
    c.chat()


@capture("refusal-426-with-list",
         "version 8 refused by 426 with Sec-WebSocket-Version: 13, retried")
def _(cap):
    """The client asks for version 8 (handshake-version, on the request); the
    server answers 426 Upgrade Required with Sec-WebSocket-Version: 13, exactly
    what RFC 6455 §4.4 asks: only the handshake-refused note,
    ws.handshake.versions_supported 13. The client retries with 13 on a new
    connection and gets a clean 101."""
    c = cap.conn()
    refused(c, c.request_fields(version="8"), req_rules=["handshake-version"], status=426,
            reason="Upgrade Required", extra=[("Sec-WebSocket-Version", "13")])
    c = cap.conn().open()
    c.request(c.request_fields())
    c.response(c.response_fields())
    c.chat()


@capture("refusal-400-with-list",
         "version 8 refused by 400 with the version list (§4.4's example)")
def _(cap):
    """Connection 1: version 8 refused by 400 Bad Request with
    Sec-WebSocket-Version: 13, 8 (as ws does). Connection 2: the same list
    over two header lines. Each: handshake-version on the request, the
    handshake-refused note on the 400, ws.handshake.versions_supported 13, 8."""
    c = cap.conn()
    refused(c, c.request_fields(version="8"), req_rules=["handshake-version"],
            extra=[("Sec-WebSocket-Version", "13, 8")])
    c = cap.conn()
    refused(c, c.request_fields(version="8"), req_rules=["handshake-version"],
            extra=[("Sec-WebSocket-Version", "13"), ("Sec-WebSocket-Version", "8")])


@capture("legal-pmd-fallback-second",
         "permessage-deflate offered with a fallback, the second picked")
def _(cap):
    """The client offers permessage-deflate; client_max_window_bits;
    server_max_window_bits=10, then permessage-deflate; client_max_window_bits.
    The 101 answers permessage-deflate; client_max_window_bits=15, which only
    the second offer allows (no server_max_window_bits): legal, a response need
    only fit one offer (RFC 7692 §5). Compressed messages both ways, context
    taken over."""
    c = cap.conn().open()
    c.request(c.request_fields(ext=PMD + "; client_max_window_bits; server_max_window_bits=10, "
                               + PMD + "; client_max_window_bits"))
    c.response(c.response_fields(ext=PMD + "; client_max_window_bits=15"))
    compressed_exchange(c)
    c.close_tcp(first=SERVER)


@capture("legal-pmd-snct-unasked", "server adds server_no_context_takeover unasked")
def _(cap):
    """The client offers permessage-deflate; client_max_window_bits; the 101
    answers permessage-deflate; server_no_context_takeover, which a server may
    add on its own (RFC 7692 §7.1.1.1). The server compresses every message
    with an empty window, the client with context takeover."""
    c = cap.conn().open()
    c.request(c.request_fields(ext=PMD + "; client_max_window_bits"))
    c.response(c.response_fields(ext=PMD + "; server_no_context_takeover"))
    compressed_exchange(c, server_takeover=False)
    c.close_tcp(first=SERVER)


@capture("legal-pmd-window-15-dropped",
         "the 101 leaves out server_max_window_bits=15: the default, so nothing changes")
def _(cap):
    """As wsproto offers and websocket-driver answers: the client offers
    permessage-deflate; client_max_window_bits=15; server_max_window_bits=15,
    the 101 answers a bare permessage-deflate. 15 is the largest window and
    the default (RFC 7692 §7.1.2.1): dropping it changes nothing, and the
    client accepts it. Compressed messages both ways, a clean close."""
    c = cap.conn().open()
    c.request(c.request_fields(ext=PMD + "; client_max_window_bits=15; server_max_window_bits=15"))
    c.response(c.response_fields(ext=PMD))
    compressed_exchange(c)
    c.close_tcp(first=CLIENT)


@capture("legal-mixed-case", "header names and tokens in any case")
def _(cap):
    """Header names are case-insensitive (RFC 7230 §3.2), and so are the
    Upgrade and Connection tokens (RFC 6455 §4.1, §4.2.1). Connection 1: every
    name in lower case, Upgrade: WebSocket, Connection: upgrade. Connection 2:
    names in upper case, Upgrade: WEBSOCKET, Connection: UPGRADE, and the
    request's Upgrade is the list h2c, WebSocket."""
    c = cap.conn().open()
    c.request([(n.lower(), v) for n, v in c.request_fields(upgrade="WebSocket",
                                                           connection="upgrade")])
    c.response([(n.lower(), v) for n, v in c.response_fields(upgrade="WebSocket",
                                                             connection="upgrade")])
    c.chat()
    c = cap.conn().open()
    c.request([(n.upper(), v) for n, v in c.request_fields(upgrade="h2c, WebSocket",
                                                           connection="UPGRADE")])
    c.response([(n.upper(), v) for n, v in c.response_fields(upgrade="WEBSOCKET",
                                                             connection="UPGRADE")])
    c.chat()


@capture("legal-accept-whitespace", "Sec-WebSocket-Accept and -Key with blanks around them")
def _(cap):
    """The key and the accept value come with spaces and tabs around them
    (RFC 6455 §4.1 step 4: "ignoring any leading and trailing whitespace");
    the accept matches the key as sent."""
    c = cap.conn().open()
    c.request(c.request_fields(key=" \t" + c.key + " \t"))
    c.response(c.response_fields(accept=" \t " + c.accept + " \t"))
    c.chat()


@capture("legal-plain-http", "HTTP that is no WebSocket handshake is not judged")
def _(cap):
    """Connection 1: a plain GET and its 200. Connection 2: an h2c upgrade
    request (no websocket token, no key) answered 200. Connection 3: an h2c
    upgrade answered 101 Switching Protocols to h2c, which is no WebSocket 101:
    its request was captured and was not a WebSocket one. No finding, no
    ws.handshake field."""
    c = cap.conn().open()
    c.request([("Host", c.host), ("User-Agent", "ws1002-gen/1")], start="GET / HTTP/1.1")
    c.response([("Content-Type", "text/plain"), ("Content-Length", "5")], 200, "OK")
    c.segment(SERVER, b"hello")
    c.close_tcp(first=CLIENT)
    h2c = [("Upgrade", "h2c"), ("Connection", "Upgrade, HTTP2-Settings"),
           ("HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA")]
    c = cap.conn().open()
    c.request([("Host", c.host)] + h2c, start="GET / HTTP/1.1")
    c.response([("Content-Length", "0")], 200, "OK")
    c.close_tcp(first=CLIENT)
    c = cap.conn().open()
    c.request([("Host", c.host)] + h2c, start="GET / HTTP/1.1")
    c.response([("Connection", "Upgrade"), ("Upgrade", "h2c")])
    c.close_tcp(first=CLIENT)


@capture("interim-response", "1xx answers before the final one are skipped")
def _(cap):
    """An interim 1xx response is not the answer (RFC 7231 §6.2): the next one
    is judged. Connection 1: 100 Continue, then a clean 101 (nothing on the
    100; ws.handshake.accept_expected on the 101). Connection 2: 103 Early
    Hints, then 403 Forbidden: the handshake-refused note on the 403."""
    c = cap.conn().open()
    c.request(c.request_fields())
    c.segment(SERVER, head("HTTP/1.1 100 Continue", []))
    c.response(c.response_fields())
    c.chat()
    c = cap.conn().open()
    c.request(c.request_fields())
    c.segment(SERVER, head("HTTP/1.1 103 Early Hints", [("Link", "</app.js>; rel=preload")]))
    c.refuse(403, "Forbidden", rules=["handshake-refused"])


# Segmentation of the heads.


@capture("split-heads", "request and response heads each split over two TCP segments")
def _(cap):
    """HTTP reassembles a head cut in two and dissects it on the segment that
    completes it, where its findings and fields go. Connection 1: a clean
    request cut inside the Upgrade line, a clean 101 cut inside the accept
    value. Connection 2: a version-8 request cut inside the Connection line,
    refused by a 426 with the list cut inside it. Connection 3: a clean request
    cut in two, a 101 selecting a subprotocol nobody offered cut in two; the
    client closes TCP."""
    c = cap.conn().open()
    c.request(c.request_fields(), split=40)
    c.response(c.response_fields(), split=85)
    c.chat()
    c = cap.conn().open()
    c.request(c.request_fields(version="8"), split=70, rules=["handshake-version"])
    c.response([("Sec-WebSocket-Version", "13"), ("Content-Length", "0"), ("Connection", "close")],
               426, "Upgrade Required", split=50, rules=["handshake-refused"])
    c.close_tcp(first=SERVER)
    c = cap.conn().open()
    c.request(c.request_fields(), split=20)
    v = c.response(c.response_fields(proto="chat"), split=30,
                   rules=["handshake-subproto-not-offered"])
    c.fail_tcp(v)


@capture("shared-segment", "the 101 and the server's first frame in one TCP segment")
def _(cap):
    """The server writes its first frame right behind the 101, in the same
    segment: Wireshark hands the bytes after the head to the WebSocket
    dissector, so that packet carries the 101 and a frame (ws.handshake is its
    own number). Connection 1: no extension, a text frame. Connection 2:
    permessage-deflate accepted, a compressed frame: legal. Connection 3: no
    extension accepted, the frame has RSV1 anyway: frame-rsv-nonzero on the
    101's packet; the client closes 1002 (the server's echo: after-fail)."""
    c = cap.conn().open()
    c.request(c.request_fields())
    c.response(c.response_fields(), frames=[Text('{"type":"hello","server":"ws1002"}')])
    c.chat()
    c = cap.conn().open()
    c.request(c.request_fields(ext=PMD))
    srv = Deflater()
    c.response(c.response_fields(ext=PMD),
               frames=[Text(srv.message(b'{"type":"hello","server":"ws1002"}'), rsv=RSV1)])
    c.ws(CLIENT, Text("hello"))
    c.ws(SERVER, Text(srv.message(b'{"type":"hello","server":"ws1002"}'), rsv=RSV1))
    c.ws(CLIENT, Close(1000))
    c.ws(SERVER, Close(1000))
    c.close_tcp(first=SERVER)
    c = cap.conn().open()
    c.request(c.request_fields(ext=PMD))
    v = c.response(c.response_fields(),
                   frames=[Text(Deflater().message(b'{"type":"hello"}'), rsv=RSV1,
                                rules=["frame-rsv-nonzero"])])
    c.ws(CLIENT, Close(1002))
    cause(cap, c.last(), v, "frame-rsv-nonzero", 1002)
    c.ws(SERVER, Close(1002, rules=["after-fail"]))
    c.close_tcp(first=SERVER)


# ---- output ------------------------------------------------------------------

README_HEAD = """\
# Opening-handshake captures

Written by [`gen_handshake.py`](../gen_handshake.py) with the building blocks
of [`gen.py`](../gen.py) (see [../README.md](../README.md): deterministic
scapy output, fixed addresses, keys and masks). One capture per handshake rule
of `plugin/core/include/wsv/wsv_rules.def` (named after it) and the legal
look-alikes that real implementations get wrong (`legal-*`, `refusal-*`).
Request and response heads are written header by header; each connection then
plays what a conforming peer does: a server refuses a bad request with an HTTP
error and closes TCP; a client fails a bad 101 by closing TCP (RFC 6455
§7.1.7: no Close frame before the connection is established) or, for
permessage-deflate parameters it cannot use, with Close 1010 (RFC 7692 §5.1).

Regenerate: `python3 captures/gen_handshake.py` (the python3 that has scapy).
`ctest -L captures` checks that the files are what the script writes;
`ctest -R tshark.handshake` runs them through tshark, `tshark -2` and sharkd.

Next to each capture, `<name>.tsv` lists the expected `ws.rule` items (format
of ../README.md; handshake rules expect no close code and no
`ws.proto_error`), `<name>.links.tsv` every value of the close-forensics link
fields (`ws.close.cause` on a Close answering a violation, `ws.close.reaction`
on the violation, ...; with `tshark -2`) and `<name>.handshake.tsv` every value
of `%(fields)s`: `ws.handshake.version` on the request, `accept_expected`,
`extensions`, `subprotocol` and `versions_supported` on the response, and on
every WebSocket frame `ws.handshake` (the 101's packet) with the 101's
extensions and subprotocol.

## The captures
"""


def write_extra(cap, out):
    """<name>.links.tsv and <name>.handshake.tsv, sorted, header first."""
    for suffix, rows, what in ((".links.tsv", cap.links, LINK_FIELDS),
                               (".handshake.tsv", cap.hs, HS_FIELDS)):
        lines = ["# Expected ws1002 %s for %s.pcapng, written by %s."
                 % ("links (tshark -2)" if suffix == ".links.tsv" else
                    "handshake fields (one pass and tshark -2)", cap.name, BY),
                 "# Every value of these fields, and no other: %s." % ", ".join(what),
                 "frame\tfield\tvalue"]
        order = {f: i for i, f in enumerate(what)}
        for frame, field, value in sorted(set(rows), key=lambda r: (r[0], order[r[1]], r[2])):
            lines.append("%d\t%s\t%s" % (frame, field, value))
        with open(os.path.join(out, cap.name + suffix), "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")


def write_readme(caps, out):
    gen.set_readme(README_HEAD % {"fields": "`, `".join(HS_FIELDS)}, CAPTURES, caps, out)


def generate(out, rules):
    return gen.generate_set(CAPTURES, HsCapture, rules, out, BY, write_extra, write_readme)


def main():
    return gen.generator_main(__file__, __doc__, DEFAULT_OUT, generate,
                              lambda top: gen.files_ending(top, (".pcapng", ".tsv", ".md")))


if __name__ == "__main__":
    sys.exit(main())
