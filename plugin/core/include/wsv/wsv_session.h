/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wsv_session: one WebSocket connection as a capture shows it. The caller
 * (the plugin, the tests) hands over facts, packet by packet in capture
 * order: what TCP knows of the packet (FIN, RST, lost segments, sequence
 * numbers), the opening-handshake heads it carries, and the bytes of the
 * WebSocket stream it completes. The session judges the frames (wsv_conn),
 * the handshake (wsv_handshake.h) and everything that needs both directions
 * or the capture itself:
 *
 *   - which side is the client when no handshake was captured, and what a
 *     frame's RSV1 means then (handshake-not-captured);
 *   - cause and reaction: the violation a Close answers (ws.close.cause),
 *     the peer's Close, FIN or RST that answers a violation, a receiver that
 *     carries on (reaction-missing) or closes with another code
 *     (reaction-unexpected-code), a failure Close nothing explains
 *     (close-unexplained), a client's 1010 and the extension the 101 left out
 *     (ext-required-missing);
 *   - capture gaps: bytes that TCP says are missing, a frame cut short, a
 *     connection that ends inside a frame; judging stops and resumes at a
 *     frame boundary that can be trusted;
 *   - bytes of another protocol where frames should be (non-websocket-bytes);
 *   - permessage-deflate: which messages can be inflated with the caller's
 *     inflater (zlib is not libc), and what its failures mean.
 *
 * Every finding and link goes out through the callbacks as it is decided;
 * nothing is taken back. A reaction found later amends the link of the
 * earlier violation (the reaction callback). Plain data: the struct holds no
 * pointers and may be embedded, zeroed or copied; the strings of the
 * handshake stay with the caller. Plain C11, libc only.
 */
#ifndef WSV_WSV_SESSION_H
#define WSV_WSV_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wsv.h"
#include "wsv_finding.h"
#include "wsv_handshake.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What TCP knows about the packet. All false/0 when TCP's sequence
 * analysis is off: the gap checks that need it are then skipped. */
struct wsv_tcp {
    bool lost;        /* a segment of this direction before this one was not captured */
    bool ack_lost;    /* this packet acknowledges data of the other direction never captured */
    bool fin;         /* this packet carries the connection's first FIN */
    bool rst;         /* this packet carries the connection's first RST */
    bool fin_seen;    /* a FIN of the connection was seen, in this packet or before */
    bool have_seq;    /* the sequence numbers below are valid */
    uint32_t nextseq; /* this direction's next sequence number after this packet */
    uint32_t ack;     /* the acknowledgement number this packet carries */
    /* where this direction's data stopped being contiguous (nextseq if no hole) */
    uint32_t contiguous;
    uint32_t peer_nextseq; /* the other direction's next sequence number so far */
};

enum wsv_inflate_status {
    WSV_INFLATE_OK,
    WSV_INFLATE_ERROR,  /* not deflate data: pmd-decompress-fail */
    WSV_INFLATE_WINDOW, /* a distance beyond the negotiated window: pmd-window-exceeded */
};

struct wsv_session;

/* Where the session's results go. user is handed to every call. */
struct wsv_session_ops {
    /* Every finding, once, in order. */
    void (*finding)(void *user, const struct wsv_finding *f);
    /* The link of a frame or head of the current packet, once, complete. */
    void (*link)(void *user, const struct wsv_link *l);
    /* The peer reacted to the violation at (pnum, frame), whose link was
     * emitted earlier: set its reaction, rcode and add flags. */
    void (*reaction)(void *user, uint32_t pnum, uint32_t frame, uint32_t reaction, uint16_t rcode,
                     uint8_t flags);
    /* A frame header of the current packet: its index in the packet, its
     * stream offset in its direction and its length. Optional. */
    void (*frame)(void *user, unsigned dir, uint32_t index, uint64_t offset, uint8_t header_len);
    /* The caller's permessage-deflate inflater (RFC 7692 §7.2.2), one per
     * direction. begin: a compressed message starts with these parameters
     * (false: no inflater can be had); inflate: its next compressed bytes,
     * or p == NULL for the end of the message; the inflated bytes go to
     * wsv_session_inflated(), and on failure *error is the inflater's
     * message. drop: forget the direction's window. All optional: without
     * them compressed messages are not inflated. */
    bool (*inflate_begin)(void *user, unsigned dir, unsigned window_bits, bool no_context_takeover);
    enum wsv_inflate_status (*inflate)(void *user, unsigned dir, const uint8_t *p, size_t n,
                                       const char **error);
    void (*inflate_drop)(void *user, unsigned dir);
};

struct wsv_session_io {
    const struct wsv_session_ops *ops;
    void *user;
};

/* The violation of one direction waiting for the other side's reaction. */
struct wsv_pending {
    uint32_t pnum, frame; /* the violating frame (pnum 0: none) */
    uint32_t end_seq;     /* TCP sequence number just after it; 0: unknown */
    uint8_t rules[4];     /* its rules that name a close code (or a handshake rule) */
    uint8_t nrules;
    bool must_fail; /* a reaction is due, not just allowed */
    bool reacted;
    bool missing_noted;
};

/* Per direction, beyond the frame validator's state. */
struct wsv_side {
    struct wsv_pending pend;    /* a frame's violation */
    struct wsv_pending pend_hs; /* the 101's (the server's side only) */
    uint32_t close_pnum;        /* its first Close frame */
    uint32_t gap_pnum;          /* the last packet where its bytes were found missing */
    uint32_t hole_at;           /* TCP sequence number where that gap began */
    uint32_t framed_seq;        /* TCP's next sequence number after its last frame; 0: unknown */
    uint32_t seen_seq;          /* ... after its last packet */
    uint32_t after_fail_pnum, after_fail_frame; /* its first frame after a must-fail one */
    uint32_t fin_end;    /* where its data ended, before its FIN; 0: no FIN seen */
    uint32_t z_frame;    /* 1 + index of the frame whose message is being inflated */
    uint16_t look_have;  /* bytes of the open frame in look[] */
    uint8_t look[16];    /* the open frame's first bytes, as sent */
    uint8_t reason[123]; /* the open Close frame's reason, unmasked */
    uint8_t reason_have;
    bool started; /* a frame of this direction was fed */
    /* Its open frame (frames of the two directions may interleave with the
     * packets when a frame spans several). */
    bool frame_open, frame_decided, frame_must_fail, frame_after_fail;
    uint8_t frame_opcode; /* 0xff: bytes of another protocol, no frame */
    bool gap_open;        /* judging stopped until a frame boundary is trusted */
    bool sync_prev;       /* after a gap: the frame before looked like a real one */
    bool compressed_seen; /* it sent a compressed message */
    bool z_active;        /* a compressed message is being inflated */
    bool z_lost;          /* inflating is impossible from here on (window unknown) */
    bool z_allocated;     /* the caller's inflater exists */
};

/* A finding held back until the frame it concerns shows what its bytes are
 * (non-websocket-bytes replaces the header rules of another protocol's
 * bytes). */
#define WSV_SESSION_HELD 8

/* What a finding of the open frame or head broke, for the reaction due. */
struct wsv_broke {
    uint8_t rule, flags;
    uint16_t expected_close;
};

struct wsv_session {
    struct wsv_conn conn;
    struct wsv_side side[2];
    /* The opening handshake, as far as captured. */
    struct wsv_pmd pmd; /* from the 101 */
    uint32_t req_pnum;  /* the last opening request */
    uint32_t resp_pnum; /* the 101; 0: none */
    uint8_t req_rule;   /* the request's first must-fail rule */
    uint8_t client_dir; /* 0, 1; 2: not known */
    bool req_broken;    /* the request broke a must-fail rule */
    bool saw_101;
    bool rsv_unknown; /* the 101 accepted an extension other than permessage-deflate */
    bool ext_missing; /* the client offered extensions the 101 left out */
    bool started;     /* the frame validator is configured */
    unsigned strict;  /* enum wsv_switch bits */
    /* The packet being handed over. */
    uint32_t pnum;
    uint8_t dir;
    uint32_t frames; /* frame headers parsed in it so far */
    struct wsv_tcp tcp;
    /* Direction dir's open frame: its link, if it needs one, and its findings
     * held back or emitted in this packet. */
    struct wsv_link link;
    bool linked;
    uint8_t nheld, nbroke;
    struct wsv_finding held[WSV_SESSION_HELD];
    struct wsv_broke broke[WSV_SESSION_HELD];
    uint64_t head_rules; /* rules already reported on the head being judged (bit per rule) */
};

/* A connection nothing is known of; strict: enum wsv_switch bits. */
void wsv_session_init(struct wsv_session *s, unsigned strict);

/* A packet of direction dir (0: the side that sent first) begins. Every
 * later call until the next wsv_session_packet concerns this packet. */
void wsv_session_packet(struct wsv_session *s, uint32_t pnum, unsigned dir,
                        const struct wsv_session_io *io);

/* What TCP knows of the packet: after its handshake heads and
 * wsv_session_start, before its frames. Optional. */
void wsv_session_tcp(struct wsv_session *s, const struct wsv_tcp *t,
                     const struct wsv_session_io *io);

/* The opening request, a complete HTTP head in p[0..n) (bytes after it are
 * ignored): judged, its record written to *rec, which the caller keeps until
 * the final response. The packet's sender is the client. */
void wsv_session_request(struct wsv_session *s, const uint8_t *p, size_t n,
                         struct wsv_hs_request *rec, const struct wsv_session_io *io);

/* A response head: the answer to the request recorded in rec (NULL: not
 * captured). Fills *res; returns false for an interim (1xx other than 101)
 * response, whose final response is still to come. A 101 decides the roles
 * and what the RSV bits mean; a broken one waits for the client's reaction.
 * Only before the first frame. */
bool wsv_session_response(struct wsv_session *s, const uint8_t *p, size_t n,
                          const struct wsv_hs_request *rec, struct wsv_hs_result *res,
                          const struct wsv_session_io *io);

/* Before the first frame of a connection whose 101 was not captured: the
 * server's direction (2: not known: each direction's role then comes from
 * the mask bit of its first frame) and the evidence it rests on. Without
 * the 101, RSV1 on a message's first frame may be compression: the session
 * assumes so and says so in every verdict that rests on it. */
void wsv_session_start(struct wsv_session *s, unsigned server_dir, enum wsv_evidence ev,
                       const struct wsv_session_io *io);
bool wsv_session_started(const struct wsv_session *s);

/* The next n bytes of the packet's direction, in stream order, in any
 * chunking. */
void wsv_session_feed(struct wsv_session *s, const uint8_t *p, size_t n,
                      const struct wsv_session_io *io);

/* n bytes of the packet's direction are missing at this point (n = 0:
 * unknown), for the reason kind (WSV_GAP_CUT: the capture cut the packet
 * short). */
void wsv_session_missing(struct wsv_session *s, uint64_t n, enum wsv_gap_kind kind,
                         const struct wsv_session_io *io);

/* The inflated bytes of the message being inflated, from the inflate
 * callback; at is their offset in the inflated message. */
void wsv_session_inflated(struct wsv_session *s, const uint8_t *p, size_t n, uint64_t at,
                          const struct wsv_session_io *io);

/* The packet is over. framed: every byte of the direction up to the end of
 * this packet was fed (no frame left waiting for more bytes), so TCP's next
 * sequence number is where its frames end. */
void wsv_session_packet_end(struct wsv_session *s, bool framed, const struct wsv_session_io *io);

/* True while a violation waits for a reaction that a FIN or RST could be:
 * the caller should hand over the connection's packets without frames. */
bool wsv_session_awaits(const struct wsv_session *s);

#ifdef __cplusplus
}
#endif

#endif
