/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wsv: the ws1002 validator core. Plain C11, libc only.
 *
 * Feed the bytes of each direction of a WebSocket connection, in any
 * chunking; the core reports every frame header it parses and every RFC 6455 /
 * RFC 7692 rule a frame breaks. It keeps O(1) state per direction and never
 * copies payload: results are identical whether the stream arrives whole or
 * one byte at a time.
 */
#ifndef WSV_WSV_H
#define WSV_WSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- The rule table (expanded from wsv_rules.def) ---------------------- */

enum wsv_rule {
#define WSV_RULE(name, id, rfc, sec, close, alt1, alt2, sev, chk, needs, impl, text) WSV_R_##name,
#include "wsv_rules.def"
#undef WSV_RULE
    WSV_RULE_COUNT
};

enum wsv_severity {
    WSV_SEV_ERROR, /* the receiver must fail the connection */
    WSV_SEV_WARN,  /* the sender broke a rule; the receiver need not react */
    WSV_SEV_NOTE,  /* cannot judge, or context for the analyst */
};

enum wsv_checker { WSV_CHK_NONE, WSV_CHK_C, WSV_CHK_S, WSV_CHK_CS };
enum wsv_needs { WSV_NEEDS_NONE, WSV_NEEDS_ROLE, WSV_NEEDS_PMD };
enum wsv_impl { WSV_IMPL_CORE, WSV_IMPL_HANDSHAKE, WSV_IMPL_PMD, WSV_IMPL_SESSION };

struct wsv_rule_info {
    const char *id;        /* "frame-rsv-nonzero" */
    const char *enum_name; /* "FRAME_RSV_NONZERO" */
    uint16_t rfc;          /* 6455 or 7692 */
    const char *section;   /* "5.2" */
    const char *ref;       /* "RFC 6455 §5.2" (UTF-8) */
    uint16_t close;        /* close code a conforming receiver sends; 0 = none */
    uint16_t close_alt[2]; /* other acceptable close codes; 0 = unused */
    enum wsv_severity severity;
    enum wsv_checker checker;
    enum wsv_needs needs;
    enum wsv_impl impl;
    const char *statement;
};

/* NULL for an out-of-range rule. */
const struct wsv_rule_info *wsv_rule_get(enum wsv_rule rule);
/* Look a rule up by its ID string; returns WSV_RULE_COUNT if unknown. */
enum wsv_rule wsv_rule_by_id(const char *id);
/* True if a receiver closing with `code` reacted as the rule expects. */
bool wsv_rule_close_ok(enum wsv_rule rule, uint16_t code);

/* ---- Configuration ----------------------------------------------------- */

enum wsv_role { WSV_ROLE_UNKNOWN, WSV_ROLE_CLIENT, WSV_ROLE_SERVER };

/* Negotiated permessage-deflate (RFC 7692); enabled=false: not negotiated. */
struct wsv_pmd {
    bool enabled;
    bool server_no_context_takeover;
    bool client_no_context_takeover;
    uint8_t server_max_window_bits; /* 8..15; 0 = not negotiated (15) */
    uint8_t client_max_window_bits;
};

/* The reading switches, for the rules where real implementations disagree
 * (wsv_switches.def). The zero value reads RFC 6455 as interoperable
 * implementations apply it. */
enum wsv_switch {
#define WSV_SWITCH(e, bit, name, pref, kind, rule, title, effect) e = 1u << (bit),
#include "wsv_switches.def"
#undef WSV_SWITCH
};

enum wsv_switch_kind {
    WSV_SW_STRICT,  /* the rule becomes must-fail, or covers more */
    WSV_SW_LENIENT, /* the rule becomes a sender warning */
};

struct wsv_switch_info {
    enum wsv_switch bit;
    const char *enum_name;  /* "WSV_STRICT_LEN_MINIMAL" */
    const char *name;       /* "len": the command-line list entry */
    const char *preference; /* "strict_len_minimal": the plugin's ws.<preference> */
    enum wsv_switch_kind kind;
    enum wsv_rule rule;
    const char *title;  /* one line */
    const char *effect; /* a sentence or two */
};

/* Number of switches, and switch i (NULL if out of range). */
size_t wsv_switch_count(void);
const struct wsv_switch_info *wsv_switch_get(size_t i);

struct wsv_config {
    /* Role of the endpoint that sends direction i. */
    enum wsv_role role[2];
    /* The role was inferred, not read from a captured handshake. */
    bool role_inferred[2];
    struct wsv_pmd pmd;
    /* The extensions were inferred, not read from a captured handshake. */
    bool pmd_inferred;
    /* An extension other than permessage-deflate was negotiated: what it
     * does with the RSV bits is unknown, so only permessage-deflate's RSV1
     * (if negotiated too) is judged. */
    bool rsv_unknown;
    /* Direction i starts mid-stream: a fragmented message may already be open
     * and its start (and any UTF-8 state) is unknown. */
    bool midstream[2];
    unsigned strict; /* enum wsv_switch bits */
};

/* ---- Results ----------------------------------------------------------- */

enum wsv_opcode {
    WSV_OP_CONT = 0x0,
    WSV_OP_TEXT = 0x1,
    WSV_OP_BINARY = 0x2,
    WSV_OP_CLOSE = 0x8,
    WSV_OP_PING = 0x9,
    WSV_OP_PONG = 0xA,
};

/* One frame. Offsets are byte offsets in the direction's stream (the first
 * byte fed is offset 0). */
struct wsv_frame {
    uint64_t index;       /* 0-based frame number in this direction */
    uint64_t offset;      /* offset of the frame's first header byte */
    uint64_t payload_len; /* as encoded (may be >= 2^63 for a broken frame) */
    uint8_t header_len;   /* 2..14 */
    uint8_t opcode;
    uint8_t rsv; /* RSV1 = 0x4, RSV2 = 0x2, RSV3 = 0x1 */
    bool fin;
    bool masked;
    uint8_t mask[4];
    bool compressed; /* first frame of a message with RSV1 under permessage-deflate */
    /* The payload is part of a compressed message (its first frame or a
     * continuation): it goes to the compressed callback, not to UTF-8 checks. */
    bool inflate;
    bool after_fail;  /* a must-fail violation came earlier in this direction */
    bool after_close; /* this direction already sent a Close frame */
    /* Valid in frame_end for a Close frame: has_close_code and close_code. */
    bool has_close_code;
    uint16_t close_code;
    unsigned violations; /* number reported on this frame so far */
};

struct wsv_violation {
    enum wsv_rule rule;
    uint64_t offset; /* stream offset of the offending field or byte */
    uint64_t frame_index;
    /* Effective reaction, after strictness switches: must_fail means a
     * conforming receiver fails the connection, with expected_close (0: none). */
    bool must_fail;
    uint16_t expected_close;
    /* The verdict rests on an inferred role or inferred extensions. */
    bool inferred;
    uint64_t detail; /* rule-specific: opcode, RSV bits, length, close code */
};

/* Every callback is optional. Pointers are valid for the call only. */
struct wsv_callbacks {
    /* The header is complete (payload not yet seen). */
    void (*frame_begin)(void *user, const struct wsv_frame *f);
    void (*violation)(void *user, const struct wsv_frame *f, const struct wsv_violation *v);
    /* The payload is complete; all of the frame's violations were reported. */
    void (*frame_end)(void *user, const struct wsv_frame *f);
};

/* Receives the unmasked payload bytes of every frame with f->inflate, in
 * order, in chunks of any size (see wsv_conn_feed_pmd). Once the final frame
 * (FIN) of the compressed message is complete it is called with p == NULL and
 * n == 0, before frame_end: the message is over. The caller inflates (RFC
 * 7692 §7.2.2) and hands the result back with wsv_conn_inflated(); a failure
 * goes to wsv_conn_report(). Both may be called from inside it. */
typedef void (*wsv_compressed_fn)(void *user, const struct wsv_frame *f, const uint8_t *p,
                                  size_t n);

/* ---- The connection ---------------------------------------------------- */

/* Members are private; the struct is public so that callers can embed or
 * allocate it (it is plain data: no pointers, safe to copy). */
struct wsv_dir {
    uint64_t pos;       /* stream offset of the next byte */
    uint64_t nframes;   /* frames started */
    uint64_t remaining; /* payload bytes still to come in the current frame */
    uint64_t ppos;      /* offset inside the current payload */
    uint64_t fail_frame;
    struct wsv_frame cur;
    uint64_t utf8_seq;   /* offset where the text's unfinished UTF-8 sequence began */
    uint64_t close_seq;  /* same, for the current Close reason */
    uint32_t utf8;       /* DFA state of the open text message */
    uint32_t close_utf8; /* DFA state of the current Close reason */
    uint8_t hdr[14];
    uint8_t hdr_have;
    uint8_t state;   /* header or payload */
    uint8_t msg;     /* what message is open */
    uint8_t payload; /* what to do with the current payload */
    uint8_t close_code_have;
    uint8_t zmsg;    /* what compressed message is open (its text uses utf8, utf8_seq) */
    bool frame_fail; /* the current frame has a must-fail violation */
    bool failed;
    bool fail_noted;
    bool closed;
};

struct wsv_conn {
    struct wsv_config cfg;
    struct wsv_dir dir[2];
};

/* Start a connection. cfg may be NULL (unknown roles, no extensions, default
 * strictness). A zeroed struct wsv_conn equals wsv_conn_init(c, NULL). */
void wsv_conn_init(struct wsv_conn *c, const struct wsv_config *cfg);

/* Feed the next len bytes of direction dir (0 or 1). Reports go to cb/user,
 * which may differ between calls. Never fails; buf may be NULL if len is 0. */
void wsv_conn_feed(struct wsv_conn *c, unsigned dir, const void *buf, size_t len,
                   const struct wsv_callbacks *cb, void *user);

/* wsv_conn_feed, and the payload of compressed messages goes to compressed
 * (which may be NULL: then it is skipped, as wsv_conn_feed does). */
void wsv_conn_feed_pmd(struct wsv_conn *c, unsigned dir, const void *buf, size_t len,
                       const struct wsv_callbacks *cb, wsv_compressed_fn compressed, void *user);

/* Bytes of direction dir are missing: forget everything that depended on
 * them. The next byte fed must be the first byte of a frame; the direction
 * then continues as if mid-stream (an open fragmented message is possible).
 * The stream offset advances by `missing` bytes (0 if unknown). */
void wsv_conn_gap(struct wsv_conn *c, unsigned dir, uint64_t missing);

/* Decide the role of direction dir's sender once it is known (e.g. inferred
 * from the first frame's mask bit). Takes effect from the next frame header. */
void wsv_conn_set_role(struct wsv_conn *c, unsigned dir, enum wsv_role role, bool inferred);

/* Size (header + payload) of the frame whose header starts at buf, or 0 if
 * the n bytes do not hold the whole header. Saturates at UINT64_MAX. */
uint64_t wsv_frame_size(const void *buf, size_t n);

/* True while direction dir is between frames (no partial header or payload). */
bool wsv_conn_at_boundary(const struct wsv_conn *c, unsigned dir);

/* Payload bytes still to come in direction dir's current frame; 0 between
 * frames or inside a header. */
uint64_t wsv_conn_remaining(const struct wsv_conn *c, unsigned dir);

/* The next len inflated bytes of direction dir's open compressed message, in
 * order, starting at byte `at` of the inflated message; end = true once with
 * the message's last bytes (len may be 0). A text message is UTF-8 validated
 * as if it had arrived uncompressed (RFC 7692 §6.1): text-utf8-invalid /
 * text-utf8-truncated go to cb on the frame being fed, with the offset of its
 * payload and, as detail, the offset in the inflated message. Call it from
 * the compressed callback. */
void wsv_conn_inflated(struct wsv_conn *c, unsigned dir, const void *buf, size_t len, uint64_t at,
                       bool end, const struct wsv_callbacks *cb, void *user);

/* Report a violation the caller found in direction dir's current frame (e.g.
 * pmd-decompress-fail) through the same path as the core's own: a must-fail
 * rule makes later frames "after fail". detail as in struct wsv_violation. */
void wsv_conn_report(struct wsv_conn *c, unsigned dir, enum wsv_rule rule, uint64_t detail,
                     const struct wsv_callbacks *cb, void *user);

/* ---- UTF-8 (shared with the handshake and decompression checks) -------- */

/* Opaque DFA states; only these two are meaningful to callers. */
enum { WSV_UTF8_ACCEPT = 0, WSV_UTF8_REJECT = 16 };

/* Streaming validation. *state starts at WSV_UTF8_ACCEPT. Returns the number
 * of bytes consumed before the state became WSV_UTF8_REJECT (the index of the
 * first invalid byte), or len if none. At the end of the text the input is
 * valid iff *state == WSV_UTF8_ACCEPT. */
size_t wsv_utf8_validate(uint32_t *state, const uint8_t *p, size_t len);

#ifdef __cplusplus
}
#endif

#endif
