# SPDX-License-Identifier: GPL-2.0-or-later
"""WebSocket frames (RFC 6455 §5.2) as the capture generators put them on the
wire, lies included: shared by gen.py (and the generators built on it) and
by real/cases.py, whose crafted peer runs against real servers. Standard
library only."""

import struct

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA
RSV1, RSV2, RSV3 = 4, 2, 1
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def encode(opcode, payload, fin=True, rsv=0, key=None, length_form=None, length_value=None):
    """Header and payload, masked with key if given. length_form forces the
    7/16/64-bit length encoding; length_value puts another number in the
    length field than the payload's length."""
    n = len(payload) if length_value is None else length_value
    form = length_form or (7 if n <= 125 else 16 if n <= 0xFFFF else 64)
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    mbit = 0x80 if key else 0
    if form == 7:
        hdr = bytes([b0, mbit | n])
    elif form == 16:
        hdr = bytes([b0, mbit | 126]) + struct.pack(">H", n)
    else:
        hdr = bytes([b0, mbit | 127]) + struct.pack(">Q", n)
    if key:
        hdr += key
        payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return hdr + payload


class Frame:
    """One frame.

    masked: None for the legal choice (the client masks), or True/False.
    deflate: compress the payload with the connection's deflate context first
    (RSV1 is set separately, so a frame can lie about it).
    rules: the rule IDs this frame must carry in ws.rule.
    """

    def __init__(self, opcode, payload=b"", fin=True, rsv=0, masked=None, deflate=False,
                 length_form=None, length_value=None, rules=()):
        self.opcode = opcode
        self.payload = payload.encode() if isinstance(payload, str) else payload
        self.fin = fin
        self.rsv = rsv
        self.masked = masked
        self.deflate = deflate
        self.length_form = length_form
        self.length_value = length_value
        self.rules = list(rules)

    def encode(self, mask_key, payload=None):
        """The wire bytes, with payload (default: the frame's own) as sent."""
        return encode(self.opcode, self.payload if payload is None else payload, self.fin,
                      self.rsv, mask_key, self.length_form, self.length_value)


def Text(payload, **kw):
    return Frame(OP_TEXT, payload, **kw)


def Binary(payload, **kw):
    return Frame(OP_BINARY, payload, **kw)


def Cont(payload, **kw):
    return Frame(OP_CONT, payload, **kw)


def Ping(payload=b"", **kw):
    return Frame(OP_PING, payload, **kw)


def Pong(payload=b"", **kw):
    return Frame(OP_PONG, payload, **kw)


def Close(code=None, reason=b"", raw=None, **kw):
    """A Close frame: status code + reason, or raw bytes as the whole body."""
    if raw is not None:
        body = raw
    elif code is None:
        body = b""
    else:
        body = struct.pack(">H", code) + (reason.encode() if isinstance(reason, str) else reason)
    return Frame(OP_CLOSE, body, **kw)
