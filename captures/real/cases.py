# SPDX-License-Identifier: GPL-2.0-or-later
"""The violations the crafted peer (peer.py) sends, one connection each.

Shared by peer.py, which sends them, and derive.py, which reads the
recorded capture back and writes the expectations: a case's name travels in
the capture itself (the X-Ws1002-Case request header), so a capture can be
judged without any side file. Every frame lists the rule IDs
(plugin/core/include/wsv/wsv_rules.def) it must carry in ws.rule; the
after-fail note on the frame after a must-fail violation is added by
derive.py, because which frame comes next depends on how the receiver
reacted.

Standard library only.
"""

import hashlib
import os
import sys
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from wsframe import (OP_BINARY, OP_CLOSE, OP_CONT, OP_PING, OP_PONG, OP_TEXT,  # noqa: F401,E402
                     RSV1, RSV2, RSV3, Binary, Close, Cont, Frame, Ping, Text, encode)

CASE_HEADER = "X-Ws1002-Case"
PMD_OFFER = "permessage-deflate; client_max_window_bits"


def mask_key(case_name, index):
    """A fixed, non-zero masking key per case and frame: reproducible bytes."""
    return hashlib.sha1(("%s/%d" % (case_name, index)).encode()).digest()[:4]


class Deflater:
    """permessage-deflate sender side: raw deflate, sync flush, tail removed.

    With context takeover (the default) one compressor serves the whole
    connection; wbits is the negotiated client_max_window_bits.
    """

    def __init__(self, wbits=15, no_context_takeover=False):
        self.wbits = max(9, wbits)  # zlib refuses raw deflate with 8
        self.reset_each = no_context_takeover
        self.z = None

    def compress(self, data, final=True, first=True):
        """Deflate one fragment; only the message's final fragment loses the
        00 00 ff ff tail (RFC 7692 §7.2.1), the others need it to stay valid."""
        if self.z is None or (self.reset_each and first):
            self.z = zlib.compressobj(9, zlib.DEFLATED, -self.wbits, 8)
        out = self.z.compress(data) + self.z.flush(zlib.Z_SYNC_FLUSH)
        assert out.endswith(b"\x00\x00\xff\xff")
        return out[:-4] if final else out


def deflater_for(ext):
    """A Deflater with the parameters the server's 101 (its
    Sec-WebSocket-Extensions, ext) gave the client; None if it did not
    accept permessage-deflate."""
    if "permessage-deflate" not in ext:
        return None
    wbits, no_ctx = 15, False
    for param in ext.split(";")[1:]:
        k, _, v = param.strip().partition("=")
        if k == "client_max_window_bits" and v:
            wbits = int(v.strip('"'))
        elif k == "client_no_context_takeover":
            no_ctx = True
    return Deflater(wbits, no_ctx)


def wire_payload(frame, deflater):
    """The payload bytes a case frame puts on the wire (before masking)."""
    if frame.deflate:
        return deflater.compress(frame.payload, final=frame.fin, first=frame.opcode != OP_CONT)
    return frame.payload


class Case:
    def __init__(self, name, summary, frames, pmd=False, control=False, burst=False,
                 handshake=None, hs_rules=()):
        self.name = name
        # server cases (SERVER_CASES): how the crafted server breaks its 101,
        # and the rules the 101 then carries
        self.handshake = handshake
        self.hs_rules = list(hs_rules)
        self.burst = burst      # send every frame even if the server has closed meanwhile
        self.summary = summary
        self.frames = frames
        self.pmd = pmd          # offer permessage-deflate (and expect it accepted)
        self.control = control  # a legal control case: nothing may be flagged

    def rules(self):
        return sorted({r for f in self.frames for r in f.rules} | set(self.hs_rules))


CASES = [
    # Reserved bits and opcodes (RFC 6455 §5.2)
    Case("rsv2-text", "text frame with RSV2 set, no extension negotiated",
         [Text("hello", rsv=RSV2, rules=["frame-rsv-nonzero"])]),
    Case("rsv3-ping", "Ping with RSV3 set",
         [Ping("p", rsv=RSV3, rules=["frame-rsv-nonzero"])]),
    Case("rsv1-no-pmd", "text frame with RSV1 set, permessage-deflate not offered",
         [Text("hello", rsv=RSV1, rules=["frame-rsv-nonzero"])]),
    Case("opcode-3", "data frame with the reserved opcode 0x3",
         [Frame(0x3, "x", rules=["frame-opcode-reserved"])]),
    Case("opcode-b", "control frame with the reserved opcode 0xB",
         [Frame(0xB, "", rules=["frame-opcode-reserved"])]),
    # Masking (RFC 6455 §5.1)
    Case("unmasked-text", "unmasked text frame from the client, after a masked one",
         [Text("masked"), Text("unmasked", masked=False, rules=["frame-unmasked-client"])]),
    # Control frames (RFC 6455 §5.5)
    Case("ping-126", "Ping with a 126-byte payload",
         [Ping(b"p" * 126, rules=["ctrl-too-long"])]),
    Case("close-126", "Close with a 126-byte body (code 1000 + 124 bytes of reason)",
         [Close(1000, "r" * 124, rules=["ctrl-too-long"])]),
    Case("ping-fin0", "Ping with FIN clear",
         [Ping("p", fin=False, rules=["ctrl-fragmented"])]),
    # Fragmentation (RFC 6455 §5.4)
    Case("cont-without-start", "continuation frame after a complete text message",
         [Text("done"), Cont("more", rules=["frag-cont-without-start"])]),
    Case("text-in-fragmented", "new text frame while a fragmented text message is open",
         [Text("part 1", fin=False), Text("again", rules=["frag-new-data-in-progress"])]),
    # Length encoding (RFC 6455 §5.2)
    Case("len16-for-5", "5-byte text frame with the 16-bit length form (warning)",
         [Text("short", length_form=16, rules=["len-not-minimal"])]),
    Case("len64-for-300", "300-byte binary frame with the 64-bit length form (warning)",
         [Binary(bytes(range(256)) + bytes(44), length_form=64, rules=["len-not-minimal"])]),
    Case("len16-ping", "4-byte Ping with the 16-bit length form (warning)",
         [Ping("ping", length_form=16, rules=["len-not-minimal"])]),
    Case("len64-msb", "binary frame whose 64-bit length is 0x8000000000000004",
         [Binary("abcd", length_form=64, length_value=0x8000000000000004,
                 rules=["len-64bit-msb"])]),
    # Close frames (RFC 6455 §5.5.1, §7.4)
    Case("close-1byte", "Close with a 1-byte body",
         [Close(raw=b"\x03", rules=["close-1byte-payload"])]),
    Case("close-1005", "Close 1005 (never to be sent)",
         [Close(1005, rules=["close-code-forbidden"])]),
    Case("close-1015", "Close 1015 (never to be sent)",
         [Close(1015, rules=["close-code-forbidden"])]),
    Case("close-0", "Close 0",
         [Close(0, rules=["close-code-out-of-range"])]),
    Case("close-1004", "Close 1004 (reserved)",
         [Close(1004, rules=["close-code-unassigned"])]),
    Case("close-2999", "Close 2999 (unassigned)",
         [Close(2999, rules=["close-code-unassigned"])]),
    Case("close-5000", "Close 5000 (not defined by the RFC)",
         [Close(5000, rules=["close-code-undefined"])]),
    Case("close-reason-utf8", "Close 1000 whose reason ends in 0xFF",
         [Close(1000, b"bye\xff", rules=["close-reason-utf8"])]),
    Case("close-1014", "Close 1014 with a UTF-8 reason (legal control)",
         [Close(1014, "caf\u00e9")], control=True),
    # UTF-8 (RFC 6455 §5.6, §8.1)
    Case("text-utf8-invalid", "single text frame with C3 28",
         [Text(b"caf\xc3\x28", rules=["text-utf8-invalid"])]),
    Case("text-utf8-invalid-frag", "text in three fragments, the middle one holds C0 AF",
         [Text("ok ", fin=False), Cont(b"\xc0\xaf", fin=False, rules=["text-utf8-invalid"]),
          Cont(" end")]),
    Case("text-utf8-truncated", "single text frame ending in E2 82",
         [Text(b"price \xe2\x82", rules=["text-utf8-truncated"])]),
    Case("text-utf8-truncated-frag", "text in two fragments: E2 82, then an empty final one",
         [Text(b"euro \xe2\x82", fin=False), Cont(b"", rules=["text-utf8-truncated"])]),
    Case("text-after-close", "text frame after the client's own Close 1000 (warning)",
         [Close(1000), Text("late", rules=["data-after-close"])], burst=True),
    Case("ping-after-close", "Ping after the client's own Close 1000 (warning)",
         [Close(1000), Ping("late", rules=["ping-after-close"])], burst=True),
    # permessage-deflate (RFC 7692 §6)
    Case("pmd-legal", "compressed messages, one in two fragments, with a Ping between "
         "(legal control)",
         [Text("hello hello hello", rsv=RSV1, deflate=True),
          Text("caf\u00e9 " * 4, rsv=RSV1, deflate=True, fin=False),
          Ping("between"),
          Cont("the end", deflate=True)], pmd=True, control=True),
    Case("pmd-rsv1-ping", "compressed text, then a Ping with RSV1",
         [Text("hello hello hello", rsv=RSV1, deflate=True),
          Ping("p", rsv=RSV1, rules=["pmd-rsv1-on-control"])], pmd=True),
    Case("pmd-rsv1-close", "Close 1000 with RSV1",
         [Close(1000, rsv=RSV1, rules=["pmd-rsv1-on-control"])], pmd=True),
    Case("pmd-rsv1-cont", "compressed text in two fragments, RSV1 on both",
         [Text("first half, ", rsv=RSV1, deflate=True, fin=False),
          Cont("second half", rsv=RSV1, deflate=True, rules=["pmd-rsv1-on-continuation"])],
         pmd=True),
    Case("pmd-rsv2", "RSV2 set with permessage-deflate negotiated",
         [Text("hello", rsv=RSV2, rules=["frame-rsv-nonzero"])], pmd=True),
    Case("pmd-bad-deflate", "RSV1 text whose payload is not deflate data (reserved block type)",
         [Text(b"\xff\xff\xff\xff", rsv=RSV1, rules=["pmd-decompress-fail"])], pmd=True),
    Case("pmd-utf8-invalid", "compressed text that inflates to C3 28",
         [Text(b"caf\xc3\x28", rsv=RSV1, deflate=True, rules=["text-utf8-invalid"])], pmd=True),
]

BY_NAME = {c.name: c for c in CASES}
assert len(BY_NAME) == len(CASES)


def case_wire_frames(case, deflater):
    """(Frame, bytes on the wire) for each frame of a case, in order."""
    out = []
    for i, f in enumerate(case.frames):
        payload = wire_payload(f, deflater)
        # The crafted peer is a client: it masks unless told not to.
        key = mask_key(case.name, i) if f.masked is not False else None
        out.append((f, f.encode(key, payload)))
    return out


# ---- The crafted server's cases (crafted_server.py, Chromium as the client) --
#
# The same violations, sent by a server: its frames are unmasked unless a
# frame says masked=True. permessage-deflate is accepted (a bare
# "permessage-deflate" in the 101) only for pmd=True cases; Chromium always
# offers it. A case with `handshake` breaks the 101 instead, and the 101's
# packet carries hs_rules.

HS_ACCEPT_WRONG = "accept-wrong"          # Sec-WebSocket-Accept of another key
HS_NO_UPGRADE = "no-upgrade"              # 101 without an Upgrade header
HS_EXT_NOT_OFFERED = "ext-not-offered"    # accepts an extension nobody offered
HS_SUBPROTO_NOT_OFFERED = "subproto-not-offered"  # selects a subprotocol nobody offered

def _same(names, **summaries):
    """The client cases of these names, as server cases: the same frames
    (masking is the sender's business: server_wire_frames), and a summary
    of their own where the client's names the client."""
    return [Case(n, summaries.get(n.replace("-", "_"), BY_NAME[n].summary), BY_NAME[n].frames,
                 pmd=BY_NAME[n].pmd, control=BY_NAME[n].control, burst=BY_NAME[n].burst)
            for n in names]


SERVER_CASES = [
    # Masking (RFC 6455 §5.1)
    Case("masked-text", "masked text frame from the server",
         [Text("masked", masked=True, rules=["frame-masked-server"])]),
    # Reserved bits and opcodes, control frames, fragmentation, lengths, Close
    # frames, UTF-8, frames after the sender's own Close (RFC 6455 §5.2-§8.1)
    # and permessage-deflate (RFC 7692 §6): the crafted client's cases.
    *_same(["rsv2-text", "rsv3-ping", "rsv1-no-pmd", "opcode-3", "opcode-b", "ping-126",
            "close-126", "ping-fin0", "cont-without-start", "text-in-fragmented", "len16-for-5",
            "len64-for-300", "len16-ping", "len64-msb", "close-1byte", "close-0", "close-1004",
            "close-1005", "close-1015", "close-2999", "close-5000", "close-reason-utf8",
            "text-utf8-invalid", "text-utf8-invalid-frag", "text-utf8-truncated",
            "text-utf8-truncated-frag", "text-after-close", "ping-after-close", "pmd-legal",
            "pmd-rsv1-ping", "pmd-rsv1-close", "pmd-rsv1-cont", "pmd-rsv2", "pmd-bad-deflate",
            "pmd-utf8-invalid"],
           rsv1_no_pmd="text frame with RSV1 set, permessage-deflate not accepted",
           text_after_close="text frame after the server's own Close 1000 (warning)",
           ping_after_close="Ping after the server's own Close 1000 (warning)"),
    # The opening handshake (RFC 6455 §4.1): the client must fail
    Case("hs-accept-wrong", "101 whose Sec-WebSocket-Accept belongs to another key", [],
         handshake=HS_ACCEPT_WRONG, hs_rules=["handshake-accept-mismatch"]),
    Case("hs-no-upgrade", "101 without an Upgrade header", [],
         handshake=HS_NO_UPGRADE, hs_rules=["handshake-upgrade-invalid"]),
    Case("hs-ext-not-offered", "101 accepting the extension x-ws1002, which was not offered",
         [], handshake=HS_EXT_NOT_OFFERED, hs_rules=["handshake-ext-not-offered"]),
    Case("hs-subproto-not-offered", "101 selecting the subprotocol chat, none was offered",
         [], handshake=HS_SUBPROTO_NOT_OFFERED, hs_rules=["handshake-subproto-not-offered"]),
    # Legal look-alikes: nothing may be flagged
    Case("ping-between-fragments", "text in two fragments with a Ping between (legal control)",
         [Text("first ", fin=False), Ping("between"), Cont("second")], control=True),
    Case("utf8-split", "a euro sign split across three fragments (legal control)",
         [Text(b"price \xe2", fin=False), Cont(b"\x82", fin=False), Cont(b"\xac 5")],
         control=True),
    Case("close-1014", "Close 1014 with a UTF-8 reason (legal control)",
         [Close(1014, "bad gateway \u00e9")], control=True),
    Case("close-1012", "Close 1012 with a reason (legal control)",
         [Close(1012, "service restart")], control=True),
    Case("close-4000", "Close 4000 with a reason (legal control)",
         [Close(4000, "application code")], control=True),
    Case("close-mid-fragmented", "Close 1000 in the middle of a fragmented text message "
         "(legal control)",
         [Text("unfinished ", fin=False), Close(1000, "bye")], control=True),
]

SERVER_BY_NAME = {c.name: c for c in SERVER_CASES}
assert len(SERVER_BY_NAME) == len(SERVER_CASES)


def server_wire_frames(case, deflater):
    """(Frame, bytes on the wire) for each frame of a server case, in order:
    unmasked unless the frame says masked=True."""
    out = []
    for i, f in enumerate(case.frames):
        payload = wire_payload(f, deflater)
        key = mask_key(case.name, i) if f.masked is True else None
        out.append((f, f.encode(key, payload)))
    return out
