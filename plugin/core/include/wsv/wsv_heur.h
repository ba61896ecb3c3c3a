/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wsv_heur: recognise WebSocket framing in a TCP connection whose opening
 * handshake was not captured. Plain C11, libc only.
 *
 * A WebSocket byte stream is a chain of frame headers, each frame's length
 * leading exactly to the next header. Other protocols and random bytes rarely
 * form such a chain for long, and almost never with the few header byte values
 * real peers send. The recogniser follows the chain segment by segment in each
 * direction, scores what it sees and says when the evidence is strong enough,
 * or when the bytes are clearly something else. A direction may start inside a
 * frame (the capture began mid-frame): its segments are then searched for the
 * most plausible chain start.
 *
 * Frames that break a frame rule (reserved bits or opcodes, long or fragmented
 * control frames, non-minimal lengths, inconsistent masking) stay in the chain
 * (they are what ws1002 reports) but cost evidence, so a chain with such
 * frames must be longer before it counts.
 */
#ifndef WSV_WSV_HEUR_H
#define WSV_WSV_HEUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wsv.h"
#include "wsv_forensics.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Why a header breaks a frame rule (bits). */
enum wsv_heur_odd {
    WSV_HEUR_ODD_RSV = 1u << 0,     /* RSV2/RSV3; RSV1 on a control or continuation frame */
    WSV_HEUR_ODD_OPCODE = 1u << 1,  /* reserved opcode */
    WSV_HEUR_ODD_CONTROL = 1u << 2, /* control frame fragmented or longer than 125 bytes */
    WSV_HEUR_ODD_LENGTH = 1u << 3,  /* non-minimal length, or 64-bit length with its MSB set */
};

/* One frame header, parsed and judged on its own. */
struct wsv_heur_hdr {
    uint64_t payload_len;
    uint8_t len; /* header length, 2..14 */
    uint8_t opcode;
    uint8_t rsv; /* RSV1 = 0x4, RSV2 = 0x2, RSV3 = 0x1 */
    bool fin;
    bool masked;
    uint8_t mask[4];
    unsigned odd; /* enum wsv_heur_odd bits */
};

/* Parse the header at p. Returns its length (2..14), or 0 if the n bytes do
 * not hold all of it. */
unsigned wsv_heur_header(const uint8_t *p, size_t n, struct wsv_heur_hdr *h);

/* Evidence gathered from one direction's chain. */
struct wsv_heur_tally {
    uint32_t frames;    /* headers in the chain */
    uint32_t clean;     /* frames whose header breaks no rule, except unmasked empty ones */
    uint32_t odd;       /* frames whose header breaks a rule */
    uint32_t text;      /* text frames whose payload (4 bytes or more) is printable UTF-8 */
    uint32_t text_long; /* ... of 8 bytes or more */
    uint32_t aligned;   /* segment ends right after a frame that began in the segment */
    uint32_t masked;    /* frames with the mask bit set */
    uint32_t starts;    /* text or binary frames (first frames of data messages) */
    uint32_t rsv1;      /* ... with RSV1 set (compressed, under permessage-deflate) */
    uint32_t deflate;   /* ... of those, payloads that begin like raw deflate data */
    uint32_t injected;  /* segments where a header was due that began like another protocol */
};

enum wsv_heur_state {
    WSV_HEUR_SEARCH, /* looking for a chain start */
    WSV_HEUR_CHAIN,  /* following the chain */
    WSV_HEUR_LOST,   /* no chain start found in the segments allowed for it */
};

/* One direction. Plain data, zero-initialised by wsv_heur_init(). */
struct wsv_heur_dir {
    struct wsv_heur_tally t;
    uint64_t fed;      /* bytes fed */
    uint64_t skipped;  /* bytes fed before the chain start (the capture began inside a frame) */
    uint64_t need;     /* bytes of the current frame still to come */
    uint32_t discount; /* points of a searched chain start that do not count */
    uint8_t hdr[14];   /* a header cut by a segment end */
    uint8_t have;
    uint8_t state;        /* enum wsv_heur_state */
    uint8_t searched;     /* segments searched in vain */
    uint8_t first_opcode; /* opcode of the chain's first frame; 0xff: none yet */
    /* The connection is known to be WebSocket: a segment that starts with a
     * header whose chain lines up is taken even if that header breaks a rule. */
    bool trust_start;
};

/* Protocols that announce themselves in their first bytes, beyond what
 * wsv_lookalike() (wsv_forensics.h) recognises: HTTP requests and responses,
 * chunked bodies, TLS records, JSON, markup and text, the ASCII-injection
 * signatures of a stream written without framing. */
enum wsv_heur_proto {
    WSV_PROTO_NONE,
    WSV_PROTO_SSH,          /* "SSH-" banner */
    WSV_PROTO_REDIS,        /* RESP: +OK, -ERR, :1, $5, *2 then CRLF */
    WSV_PROTO_MQTT,         /* CONNECT with protocol name MQTT or MQIsdp */
    WSV_PROTO_REQUEST_LINE, /* TRACE, WebDAV, RTSP, SIP requests; the HTTP/2 preface */
    WSV_PROTO_STATUS_LINE,  /* RTSP and SIP status lines */
    WSV_PROTO_TEXT_LINE,    /* a short printable line ending in LF (SMTP, FTP, IRC, ...) */
    WSV_PROTO_COUNT
};

/* What the start of a segment is, if it is not a frame header: another
 * protocol's opening bytes (*proto) or one of the wsv_lookalike() kinds
 * (*look). Either pointer may be NULL. Returns true if anything matched. */
bool wsv_heur_sniff(const uint8_t *p, size_t n, enum wsv_heur_proto *proto,
                    enum wsv_lookalike *look);
/* "an SSH banner", ...; "" for WSV_PROTO_NONE or out of range. */
const char *wsv_heur_proto_name(enum wsv_heur_proto p);

enum wsv_heur_verdict {
    WSV_HEUR_UNDECIDED,
    WSV_HEUR_WEBSOCKET,
    WSV_HEUR_NOT_WEBSOCKET,
};

/* A connection: both directions and the verdict so far. */
struct wsv_heur {
    struct wsv_heur_dir dir[2];
    uint32_t work;   /* segments that cost a search or a header walk */
    uint8_t verdict; /* enum wsv_heur_verdict; final once decided */
    /* What decided NOT_WEBSOCKET at a direction's first bytes, if that did:
     * enum wsv_heur_proto and enum wsv_lookalike. */
    uint8_t proto, look;
};

void wsv_heur_init(struct wsv_heur *h);

/* Where the frames of a segment are: [first, end) holds the frames whose
 * header starts in the segment and that end in it; first == len if no header
 * starts in it. The bytes before `first` belong to a frame that began earlier
 * (or precede the chain start); the bytes after `end` to a frame that ends
 * later. */
struct wsv_heur_span {
    size_t first, end;
};

/* Feed the next segment of direction dir (0 or 1), in stream order. Once the
 * verdict is WSV_HEUR_NOT_WEBSOCKET nothing more is done; after
 * WSV_HEUR_WEBSOCKET the directions are still followed (the caller needs the
 * spans to find frame boundaries) but the verdict no longer changes. span may
 * be NULL. Returns the verdict. */
enum wsv_heur_verdict wsv_heur_segment(struct wsv_heur *h, unsigned dir, const uint8_t *buf,
                                       size_t len, struct wsv_heur_span *span);

/* Bytes of direction dir are missing: search for a chain start again. */
void wsv_heur_gap(struct wsv_heur *h, unsigned dir);

/* The verdict the evidence so far supports (what wsv_heur_segment applies). */
enum wsv_heur_verdict wsv_heur_judge(const struct wsv_heur *h);

/* What the evidence says about the connection, all of it inferred. */
struct wsv_heur_inference {
    /* Role of the sender of direction i from its mask bits (the side that
     * masks is the client); a direction without frames takes the opposite of
     * the other's; UNKNOWN when neither has frames, or when both
     * directions vote alike (one of them breaks the masking rule: the caller
     * must decide, e.g. from the ports). */
    enum wsv_role role[2];
    /* RSV1 was seen on first frames of data messages: permessage-deflate is
     * likely in force. */
    bool pmd_likely;
    /* The direction's first frame is a continuation: a fragmented message was
     * already open when the capture started. */
    bool fragment_open[2];
};

void wsv_heur_infer(const struct wsv_heur *h, struct wsv_heur_inference *out);

/* Tuning, exposed for the tests. */
enum {
    WSV_HEUR_CLAIM_POINTS = 4,   /* evidence points needed to claim a connection */
    WSV_HEUR_REJECT_POINTS = -4, /* points at or below which it is not WebSocket */
    WSV_HEUR_MAX_SEARCH = 4,     /* segments a direction may search for its chain start */
    WSV_HEUR_MAX_WORK = 32,      /* segments of work before giving up undecided */
};
/* A frame longer than this gives no evidence for too long: before the verdict
 * a chain pending on one is given up, and a search does not start one. */
#define WSV_HEUR_MAX_PENDING ((uint64_t)1 << 24)

#ifdef __cplusplus
}
#endif

#endif
