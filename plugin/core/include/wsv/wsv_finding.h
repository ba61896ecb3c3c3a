/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wsv_finding: what is reported about a capture, in one shape for every
 * source (the frame validator, the handshake checks, the session): a finding
 * names a rule, the place it lies and a detail; a link ties a Close to the
 * violation it answers and a violation to the peer's reaction. Details are
 * packed into 64 bits by one encoder and unpacked by one decoder, side by
 * side in wsv_finding.c, and one formatter turns a finding into the text the
 * plugin's expert infos and the command-line tool print. Plain C11, libc
 * only, no state.
 */
#ifndef WSV_WSV_FINDING_H
#define WSV_WSV_FINDING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wsv.h"
#include "wsv_forensics.h"
#include "wsv_handshake.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The frame index of a finding that lies on the packet's opening-handshake
 * head rather than on a frame. */
#define WSV_AT_HEAD UINT32_MAX

enum wsv_finding_flag {
    WSV_F_MUST_FAIL = 1 << 0, /* a conforming receiver fails the connection */
    WSV_F_INFERRED = 1 << 1,  /* the verdict rests on an inferred role or inferred extensions */
    WSV_F_INFLATED = 1 << 2,  /* a text rule judged on inflated bytes */
    WSV_F_HANDSHAKE = 1 << 3, /* on an opening-handshake head */
    WSV_F_REQUEST = 1 << 4,   /* ... the request's: the server is the one to react */
};

/* 24 bytes: the plugin keeps one per finding of a capture. */
struct wsv_finding {
    uint32_t pnum;   /* the packet (the caller's number) */
    uint32_t frame;  /* index of the frame within the packet, or WSV_AT_HEAD */
    uint64_t detail; /* wsv_detail_encode() */
    int32_t rel;     /* offending byte from the frame's (head's) first byte; < 0: none */
    uint16_t expected_close;
    uint8_t rule;  /* enum wsv_rule */
    uint8_t flags; /* enum wsv_finding_flag */
};

enum wsv_link_flag {
    WSV_L_CLOSE = 1 << 0,       /* the frame is a Close */
    WSV_L_CODE = 1 << 1,        /* ... with a status code */
    WSV_L_REPLY = 1 << 2,       /* ... answering the peer's Close */
    WSV_L_REACT_CLOSE = 1 << 3, /* the violation's reaction: a Close (rcode) */
    WSV_L_REACT_FIN = 1 << 4,   /* ... the TCP FIN */
    WSV_L_REACT_RST = 1 << 5,   /* ... a TCP RST */
    WSV_L_REACT_CODE = 1 << 6,  /* the reacting Close has a status code */
};

/* How a Close frame or a violating frame is tied to the other side. 24 bytes. */
struct wsv_link {
    uint32_t pnum, frame; /* as in struct wsv_finding */
    uint32_t cause;       /* a Close: packet of the violation it answers; 0: none */
    uint32_t reaction;    /* a violation: packet of the peer's reaction; 0: none yet */
    uint16_t code;        /* a Close: its status code */
    uint16_t rcode;       /* a violation: the reacting Close's code */
    int16_t reason;       /* a Close: row of the reason table its reason matches; -1 */
    uint8_t cause_rule;   /* enum wsv_rule of the cause */
    uint8_t flags;        /* enum wsv_link_flag */
};

/* Why bytes of a direction are missing (capture-gap). Values are stable:
 * the plugin shows them (+1) in ws.gap. */
enum wsv_gap_kind {
    WSV_GAP_CUT = 0,    /* a frame cut short by the capture (snapshot length) */
    WSV_GAP_LOST = 1,   /* a TCP segment of this direction was not captured */
    WSV_GAP_ACKED = 2,  /* the other side acknowledged data of this direction never captured */
    WSV_GAP_ENDED = 4,  /* the connection closed inside a frame whose rest was not captured */
    WSV_GAP_KIND_COUNT, /* (3 is retired) */
};

/* Where the roles of a connection without a captured handshake came from
 * (handshake-not-captured). */
enum wsv_evidence {
    WSV_EV_HANDSHAKE, /* the opening request: the 101 was not captured */
    WSV_EV_SYN,       /* the TCP handshake */
    WSV_EV_PORT_PREF, /* the user's server-port preference */
    WSV_EV_DECODE_AS, /* the Decode As port */
    WSV_EV_MASK,      /* each direction's first frame's mask bit */
    WSV_EV_HEUR,      /* the mid-stream heuristic */
    WSV_EV_COUNT
};

/* A finding's detail, unpacked. Which members mean something depends on the
 * rule (and, for the handshake rules, on WSV_F_HANDSHAKE); the rest are 0
 * (row: -1). */
struct wsv_detail {
    /* The rule's number: RSV bits, opcode, length, close code, the offset in
     * the inflated message (WSV_F_INFLATED), bytes missing (capture-gap), the
     * status or version or window size a handshake rule names. */
    uint64_t value;
    /* A packet the finding points to: the violation a reaction-* finding is
     * about, the latest gap of the other direction (close-unexplained), the
     * 101 (ext-required-missing). */
    uint32_t pnum;
    uint16_t code; /* reaction-unexpected-code: the Close's code */
    uint8_t rule;  /* reaction-*: the violation's rule */
    uint8_t why;   /* capture-gap: enum wsv_gap_kind; handshake-not-captured: enum
                    * wsv_evidence; non-websocket-bytes: enum wsv_lookalike;
                    * handshake rules: enum wsv_hs_why */
    int16_t row;   /* a row of the reason table: zlib's message (pmd-*), the Close
                    * reason (close-unexplained); -1: none */
    uint32_t len;  /* handshake rules: bytes at fault */
    bool request;  /* reaction-missing: the opening request broke the rule */
    bool onehop;   /* close-unexplained: permessage-deflate on this hop, compressed messages */
};

/* A detail with nothing set (row -1). */
void wsv_detail_clear(struct wsv_detail *d);
uint64_t wsv_detail_encode(enum wsv_rule rule, unsigned flags, const struct wsv_detail *d);
void wsv_detail_decode(enum wsv_rule rule, unsigned flags, uint64_t v, struct wsv_detail *d);

/* What a finding's text may quote that the finding does not hold: strings
 * of the opening handshake, kept by the caller. Any may be NULL. */
struct wsv_text_ctx {
    const char *accept_expected; /* the Sec-WebSocket-Accept the request's key calls for */
    const char *ext_missing;     /* offered extensions the 101 did not accept */
};

/* " [...]": the detail in words ("" if none), NUL-terminated in buf[0..n). */
void wsv_detail_text(char *buf, size_t n, const struct wsv_finding *f,
                     const struct wsv_text_ctx *ctx);

/* The whole message: "id (RFC 6455 §x): statement [detail] (role inferred);
 * a conforming receiver closes with 1002". extra, if not NULL, is appended
 * inside the detail's brackets (the plugin's mid-stream evidence). */
void wsv_finding_text(char *buf, size_t n, const struct wsv_finding *f,
                      const struct wsv_text_ctx *ctx, const char *extra);

/* The reason a capture-gap kind gives, "" if unknown. */
const char *wsv_gap_text(enum wsv_gap_kind kind);

/* close-unexplained: why a failure Close may have no cause in the capture,
 * most likely first; returns how many (1..3) were written to out. */
#define WSV_EXPLANATION_LEN 112
unsigned wsv_explanations(const struct wsv_finding *f, char out[3][WSV_EXPLANATION_LEN]);

/* The finding a core violation of frame f becomes at (pnum, frame). */
struct wsv_finding wsv_finding_of(const struct wsv_frame *f, const struct wsv_violation *v,
                                  uint32_t pnum, uint32_t frame);

#ifdef __cplusplus
}
#endif

#endif
