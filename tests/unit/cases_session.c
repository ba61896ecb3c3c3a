/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Session cases: the rules judged over a connection as the capture shows it
 * (cause and reaction, capture gaps, the handshake not captured, another
 * protocol's bytes, permessage-deflate's inflation, the client's 1010), each
 * where it fires and where a legal look-alike leaves it silent. Packets are
 * numbered from 1 in script order (a missed segment, X, has no number).
 * Client frames are masked with 37fa213d, server frames are not.
 */
#include "test_session.h"

#define REQ_WITH(ext)                                                                              \
    "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"     \
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" ext "\r\n"
#define RESP_WITH(ext)                                                                             \
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"            \
    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" ext "\r\n"
#define OFFER_PMD  "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
#define ACCEPT_PMD "Sec-WebSocket-Extensions: permessage-deflate\r\n"

#define Q(h)                                                                                       \
    {                                                                                              \
        'Q', 0, h                                                                                  \
    }
#define P(h)                                                                                       \
    {                                                                                              \
        'P', 1, h                                                                                  \
    }
#define HANDSHAKE Q(REQ_WITH("")), P(RESP_WITH(""))
#define PMD       Q(REQ_WITH(OFFER_PMD)), P(RESP_WITH(ACCEPT_PMD))
#define CF(hex)                                                                                    \
    {                                                                                              \
        'F', 0, hex                                                                                \
    }
#define SF(hex)                                                                                    \
    {                                                                                              \
        'F', 1, hex                                                                                \
    }
#define ACK(d)                                                                                     \
    {                                                                                              \
        'A', d, ""                                                                                 \
    }
#define FIN(d)                                                                                     \
    {                                                                                              \
        'A', d, "", SX_FIN                                                                         \
    }
#define RST(d)                                                                                     \
    {                                                                                              \
        'A', d, "", SX_RST                                                                         \
    }
#define FOUND(pkt, frame, r)                                                                       \
    {                                                                                              \
        pkt, frame, WSV_R_##r                                                                      \
    }
#define CAUSE(pkt, cause, r)                                                                       \
    {                                                                                              \
        pkt, 0, cause, WSV_R_##r, 0, 0                                                             \
    }
#define REACTION(pkt, reaction, code)                                                              \
    {                                                                                              \
        pkt, 0, 0, 0, reaction, code                                                               \
    }

/* Frames */
#define C_TEXT          "81 85 [37fa213d: 'hello']"
#define C_CLOSE(hi, lo) "88 82 [37fa213d: " hi " " lo "]"
#define S_TEXT          "81 07 'welcome'"
#define S_RSV2          "a1 02 'hi'"
#define S_CLOSE_1002    "88 02 03 ea"

/* permessage-deflate: a sentence that returns after 4,800 digits, so that a
 * 32 KiB window finds it 4,845 bytes back and a 512-byte one cannot (zlib's
 * inflate only notices a distance beyond its window once the distance also
 * reaches back past its output buffer). */
#define FOX        "The quick brown fox jumps over the lazy dog. "
#define D10        "0123456789"
#define D100       D10 D10 D10 D10 D10 D10 D10 D10 D10 D10
#define D800       D100 D100 D100 D100 D100 D100 D100 D100
#define FAR_REPEAT FOX D800 D800 D800 D800 D800 D800 FOX

const struct sx_case sx_cases[] = {
    /* ---- reaction-unexpected-code (RFC 6455 §7.4.1) ---- */
    {WSV_R_REACTION_UNEXPECTED_CODE, TC_FIRES, "close_1003",
     .p = {HANDSHAKE, SF(S_RSV2), CF(C_CLOSE("03", "eb"))},
     .f = {FOUND(3, 0, FRAME_RSV_NONZERO), FOUND(4, 0, REACTION_UNEXPECTED_CODE)},
     .l = {CAUSE(4, 3, FRAME_RSV_NONZERO), REACTION(3, 4, 1003)}},
    {WSV_R_REACTION_UNEXPECTED_CODE, TC_FIRES, "close_0",
     /* Close 0 is a code, and a wrong one twice over. */
     .p = {HANDSHAKE, SF(S_RSV2), CF(C_CLOSE("00", "00"))},
     .f = {FOUND(3, 0, FRAME_RSV_NONZERO), FOUND(4, 0, CLOSE_CODE_OUT_OF_RANGE),
           FOUND(4, 0, REACTION_UNEXPECTED_CODE)},
     .l = {CAUSE(4, 3, FRAME_RSV_NONZERO), REACTION(3, 4, 0)}},
    {WSV_R_REACTION_UNEXPECTED_CODE, TC_SILENT, "close_1002",
     .p = {HANDSHAKE, SF(S_RSV2), CF(C_CLOSE("03", "ea"))}, .f = {FOUND(3, 0, FRAME_RSV_NONZERO)},
     .l = {CAUSE(4, 3, FRAME_RSV_NONZERO), REACTION(3, 4, 1002)}},
    {WSV_R_REACTION_UNEXPECTED_CODE, TC_SILENT, "close_without_code",
     /* wslay fails a connection with an empty Close: fine. */
     .p = {HANDSHAKE, SF(S_RSV2), CF("88 80 37fa213d")}, .f = {FOUND(3, 0, FRAME_RSV_NONZERO)},
     .l = {CAUSE(4, 3, FRAME_RSV_NONZERO), REACTION(3, 4, 0)}},
    {WSV_R_REACTION_UNEXPECTED_CODE, TC_SILENT, "frame_over_101",
     /* A broken 101 (its rule names no code), then a broken frame naming
      * 1002: the Close 1002 answers the frame, the latest that names it. */
     .p = {Q(REQ_WITH(
               "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=10\r\n")),
           P(RESP_WITH(ACCEPT_PMD)), SF("c9 00"), CF(C_CLOSE("03", "ea")), SF(S_CLOSE_1002)},
     .f = {FOUND(2, -1, PMD_NEG_PARAM_DROPPED), FOUND(3, 0, PMD_RSV1_ON_CONTROL),
           FOUND(5, 0, AFTER_FAIL)},
     .l = {CAUSE(4, 3, PMD_RSV1_ON_CONTROL), REACTION(3, 4, 1002)}},

    /* ---- reaction-missing (RFC 6455 §7.1.7, §4.2.1) ---- */
    {WSV_R_REACTION_MISSING, TC_FIRES, "message_after_ack",
     .p = {HANDSHAKE, SF("83 00"), CF(C_TEXT)},
     .f = {FOUND(3, 0, FRAME_OPCODE_RESERVED), FOUND(4, 0, REACTION_MISSING)}},
    {WSV_R_REACTION_MISSING, TC_FIRES, "client_goes_on_after_broken_101",
     .p = {Q(REQ_WITH("")),
           P("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n"),
           CF(C_TEXT)},
     .f = {FOUND(2, -1, HANDSHAKE_ACCEPT_MISMATCH), FOUND(3, 0, REACTION_MISSING)}},
    {WSV_R_REACTION_MISSING, TC_FIRES, "server_accepts_broken_request",
     .p = {Q("GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             "Sec-WebSocket-Version: 8\r\n\r\n"),
           P(RESP_WITH(""))},
     .f = {FOUND(1, -1, HANDSHAKE_VERSION), FOUND(2, -1, REACTION_MISSING)}},
    {WSV_R_REACTION_MISSING, TC_SILENT, "message_under_way",
     /* The client's message left before it saw the violation (its
      * acknowledgement lags behind it). */
     .p = {HANDSHAKE, SF("83 00"), {'F', 0, C_TEXT, .ack_behind = 2}},
     .f = {FOUND(3, 0, FRAME_OPCODE_RESERVED)}},
    {WSV_R_REACTION_MISSING, TC_SILENT, "fails_with_fin", .p = {HANDSHAKE, SF("83 00"), FIN(0)},
     .f = {FOUND(3, 0, FRAME_OPCODE_RESERVED)}, .l = {REACTION(3, 4, 0)}},
    {WSV_R_REACTION_MISSING, TC_SILENT, "server_refuses_broken_request",
     .p = {Q("GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\n"
             "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
             "Sec-WebSocket-Version: 8\r\n\r\n"),
           P("HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\r\n")},
     .f = {FOUND(1, -1, HANDSHAKE_VERSION), FOUND(2, -1, HANDSHAKE_REFUSED)}},

    /* ---- close-unexplained (RFC 6455 §7.4.1) ---- */
    {WSV_R_CLOSE_UNEXPLAINED, TC_FIRES, "no_cause", .p = {HANDSHAKE, CF(C_TEXT), SF(S_CLOSE_1002)},
     .f = {FOUND(4, 0, CLOSE_UNEXPLAINED)}},
    {WSV_R_CLOSE_UNEXPLAINED, TC_SILENT, "echo_of_explained_close",
     .p = {HANDSHAKE, SF(S_RSV2), CF(C_CLOSE("03", "ea")), SF(S_CLOSE_1002)},
     .f = {FOUND(3, 0, FRAME_RSV_NONZERO), FOUND(5, 0, AFTER_FAIL)},
     .l = {CAUSE(4, 3, FRAME_RSV_NONZERO), REACTION(3, 4, 1002)}},
    {WSV_R_CLOSE_UNEXPLAINED, TC_SILENT, "normal_close",
     .p = {HANDSHAKE, CF(C_CLOSE("03", "e8")), SF("88 02 03 e8")}},

    /* ---- capture-gap ---- */
    {WSV_R_CAPTURE_GAP, TC_FIRES, "lost_segment", .whole_only = true,
     .p = {HANDSHAKE, CF(C_TEXT), {'X', 1, S_TEXT}, SF("81 03 'abc'")},
     .f = {FOUND(4, 0, CAPTURE_GAP)}},
    {WSV_R_CAPTURE_GAP, TC_FIRES, "lost_then_resync_skips", .whole_only = true,
     /* After the hole, the segment starts inside a frame: skipped until a
      * frame that looks real ends a segment. */
     .p = {HANDSHAKE,
           {'X', 1, "81 7e 00 c8"},
           SF("'ASCII text from the middle of a frame'"),
           SF("a1 02 'hi'")},
     .f = {FOUND(3, 0, CAPTURE_GAP)}},
    {WSV_R_CAPTURE_GAP, TC_FIRES, "connection_ends_inside_frame",
     .p = {HANDSHAKE, SF(S_TEXT), {'H', 1, "81 0a 'abcd'"}, FIN(1)},
     .f = {FOUND(5, 0, CAPTURE_GAP)}},
    {WSV_R_CAPTURE_GAP, TC_FIRES, "cut_by_snapshot_length",
     .p = {HANDSHAKE, {'C', 1, "81 0a 'abcd'", .cut = 6}, SF(S_TEXT)},
     .f = {FOUND(3, 0, CAPTURE_GAP)}},
    {WSV_R_CAPTURE_GAP, TC_SILENT, "rst_after_retransmitted_fin",
     /* Chromium and the wsproto server end a failed connection so: nothing
      * is missing. */
     .p = {HANDSHAKE,
           SF(S_RSV2),
           CF(C_CLOSE("03", "ea")),
           FIN(0),
           {'A', 0, "", SX_FIN, .retransmit = true},
           SF(S_CLOSE_1002),
           RST(0)},
     .f = {FOUND(3, 0, FRAME_RSV_NONZERO), FOUND(7, 0, AFTER_FAIL)},
     .l = {CAUSE(4, 3, FRAME_RSV_NONZERO), REACTION(3, 4, 1002)}},
    {WSV_R_CAPTURE_GAP, TC_SILENT, "rst_after_fin",
     .p = {HANDSHAKE, SF(S_RSV2), CF(C_CLOSE("03", "ea")), FIN(0), SF(S_CLOSE_1002), RST(0)},
     .f = {FOUND(3, 0, FRAME_RSV_NONZERO), FOUND(6, 0, AFTER_FAIL)},
     .l = {CAUSE(4, 3, FRAME_RSV_NONZERO), REACTION(3, 4, 1002)}},
    {WSV_R_CAPTURE_GAP, TC_SILENT, "rst_after_complete_frames",
     .p = {HANDSHAKE, CF(C_TEXT), SF(S_TEXT), RST(1)}},
    {WSV_R_CAPTURE_GAP, TC_SILENT, "refused_then_closed",
     /* A refusal's body is HTTP, not frames. */
     .p = {Q(REQ_WITH("")),
           P("HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\n"),
           {'H', 1, "'nope!'"},
           FIN(0),
           RST(1)},
     .f = {FOUND(2, -1, HANDSHAKE_REFUSED)}},

    /* ---- handshake-not-captured ---- */
    {WSV_R_HANDSHAKE_NOT_CAPTURED, TC_FIRES, "roles_from_mask_bits", .p = {CF(C_TEXT), SF(S_TEXT)},
     .f = {FOUND(1, 0, HANDSHAKE_NOT_CAPTURED)}},
    {WSV_R_HANDSHAKE_NOT_CAPTURED, TC_FIRES, "roles_from_the_syn", .server_dir = 2,
     .ev = WSV_EV_SYN,
     /* The server's frame, masked: wrong for a server whatever was inferred. */
     .p = {CF(C_TEXT), SF("81 83 [37fa213d: 'abc']")},
     .f = {FOUND(1, 0, HANDSHAKE_NOT_CAPTURED), FOUND(2, 0, FRAME_MASKED_SERVER)}},
    {WSV_R_HANDSHAKE_NOT_CAPTURED, TC_SILENT, "after_101",
     .p = {HANDSHAKE, CF(C_TEXT), SF(S_TEXT)}},

    /* ---- non-websocket-bytes ---- */
    {WSV_R_NON_WEBSOCKET_BYTES, TC_FIRES, "http_response",
     .p = {HANDSHAKE, SF("'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'")},
     .f = {FOUND(3, 0, NON_WEBSOCKET_BYTES)}},
    {WSV_R_NON_WEBSOCKET_BYTES, TC_FIRES, "tls_record",
     /* Read as frames, the record is a 5-byte one and what follows. */
     .p = {HANDSHAKE, SF("17 03 03 00 20 01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f")},
     .f = {FOUND(3, 0, NON_WEBSOCKET_BYTES), FOUND(3, 1, AFTER_FAIL)}},
    {WSV_R_NON_WEBSOCKET_BYTES, TC_SILENT, "http_text_in_a_frame",
     .p = {HANDSHAKE, SF("81 10 'HTTP/1.1 200 OK\r\n'")}},
    {WSV_R_NON_WEBSOCKET_BYTES, TC_SILENT, "reserved_opcode_of_binary_bytes",
     /* A header that fails but reads as nothing else: the frame rule stays. */
     .p = {HANDSHAKE, SF("83 02 fe ff")}, .f = {FOUND(3, 0, FRAME_OPCODE_RESERVED)}},

    /* ---- ext-required-missing (RFC 6455 §7.4.1) ---- */
    {WSV_R_EXT_REQUIRED_MISSING, TC_FIRES, "close_1010",
     .p = {Q(REQ_WITH(OFFER_PMD)), P(RESP_WITH("")),
           CF("88 94 [37fa213d: 03 f2 'permessage-deflate']")},
     .f = {FOUND(3, 0, EXT_REQUIRED_MISSING)}, .l = {CAUSE(3, 2, EXT_REQUIRED_MISSING)}},
    {WSV_R_EXT_REQUIRED_MISSING, TC_SILENT, "extension_accepted",
     .p = {PMD, CF(C_CLOSE("03", "f2"))}},

    /* ---- permessage-deflate (RFC 7692) ---- */
    {WSV_R_PMD_DECOMPRESS_FAIL, TC_FIRES, "not_deflate", .p = {PMD, SF("c1 05 ff ff ff ff ff")},
     .f = {FOUND(3, 0, PMD_DECOMPRESS_FAIL)}},
    {WSV_R_PMD_DECOMPRESS_FAIL, TC_SILENT, "deflated",
     .p = {PMD,
           {'Z', 1, "hello hello hello"},
           {'Z', 0, "hello to you"},
           {'Z', 1, "hello hello again"}}},
    {WSV_R_PMD_WINDOW_EXCEEDED, TC_FIRES, "32k_window_for_9",
     .p = {Q(REQ_WITH(OFFER_PMD)),
           P(RESP_WITH(
               "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=9\r\n")),
           {'Z', 1, FAR_REPEAT}},
     .f = {FOUND(3, 0, PMD_WINDOW_EXCEEDED)}},
    {WSV_R_PMD_WINDOW_EXCEEDED, TC_SILENT, "9_bit_window",
     .p = {Q(REQ_WITH(OFFER_PMD)),
           P(RESP_WITH(
               "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=9\r\n")),
           {'Z', 1, FAR_REPEAT, .wbits = 9}}},
};
const size_t sx_count = sizeof sx_cases / sizeof sx_cases[0];
