/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-ws.c: the ws1002 postdissector ("ws"). It runs after Wireshark's own
 * websocket dissector, which keeps doing the HTTP Upgrade, Decode As and TCP
 * reassembly, feeds every WebSocket frame it finds in the tree to the
 * validator core (plugin/core) and turns the core's verdicts into tree items,
 * expert infos and an Info column tag. It holds no RFC logic.
 *
 * The core runs once, on the first pass, in capture order. A packet with
 * findings keeps them in file-scoped proto data and every later pass (tshark
 * -2, GUI clicks in any order, sharkd) replays them. Where each frame lies is
 * recorded too, as later passes may have no tree items for the frames (4.6
 * fakes them); a frame's role and "after fail" state come from the
 * conversation.
 *
 * Close forensics ride on the same records: a failure Close points to the
 * violation that caused it (ws.close.cause), and the violation to the
 * reaction (ws.close.reaction). The reaction comes later in the capture, so
 * the violation's stored link is amended when it does: like Wireshark's own
 * response-in links, ws.close.reaction shows on a second pass (tshark -2, the
 * GUI), not in a single pass that has already printed the violating frame.
 * Lost TCP segments stop the judging of their direction until a frame
 * boundary can be trusted again; compressed messages are inflated
 * (ws_inflate.c) and their text judged after inflating.
 */
#include "ws_compat.h"

#include <stdio.h>
#include <string.h>

#include <epan/conversation.h>
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>
#include <epan/dissectors/packet-tcp.h>

#include <wsv/wsv.h>
#include <wsv/wsv_forensics.h>
#include <wsv/wsv_handshake.h>

#include "packet-ws.h"
#include "ws_heur.h"
#include "ws_inflate.h"
#include "ws_stats.h"
#include "ws_tcp.h"

static int proto_ws = -1;
static int proto_websocket = -1;
static int proto_malformed = -1;
static int hf_http_method = -1;
static int hf_http_resp_version = -1;

static int hf_ws_role = -1;
static int hf_ws_role_inferred = -1;
static int hf_ws_after_fail = -1;
static int hf_ws_proto_error = -1;
static int hf_ws_rule = -1;
static int hf_ws_rfc = -1;
static int hf_ws_expected_close = -1;
static int hf_ws_offset = -1;
static int hf_ws_close_cause = -1;
static int hf_ws_close_cause_rule = -1;
static int hf_ws_close_reaction = -1;
static int hf_ws_close_reaction_code = -1;
static int hf_ws_close_reason_rule = -1;
static int hf_ws_close_reason_match = -1;
static int hf_ws_explanation = -1;
static int hf_ws_gap = -1;
static int hf_ws_inflated_offset = -1;
static int hf_ws_handshake = -1;
static int hf_ws_hs_version = -1;
static int hf_ws_hs_versions = -1;
static int hf_ws_hs_extensions = -1;
static int hf_ws_hs_subprotocol = -1;
static int hf_ws_hs_accept = -1;

static int ett_ws = -1;
static int ett_ws_rule = -1;
static int ett_ws_hs = -1;

static expert_field ei_ws[WSV_RULE_COUNT];

static dissector_handle_t ws_handle;

/* The core's strictness switches (docs/rules.md §4): all off by default. */
static const struct {
    unsigned bit;
    const char *name, *title, *desc;
} ws_strict_prefs[] = {
    {WSV_STRICT_LEN_MINIMAL, "strict_len_minimal",
     "Non-minimal payload lengths fail the connection",
     "Treat a payload length not encoded in the minimal number of bytes as a protocol error "
     "(Close 1002), as wsproto and wslay do, instead of a sender warning"},
    {WSV_STRICT_CLOSE_1012_1014, "strict_close_1012_1014", "Close codes 1012-1014 are unassigned",
     "Treat close codes 1012-1014 (registered with IANA after RFC 6455) as unassigned, as wslay, "
     "websocket-driver and the libwebsockets server do"},
    {WSV_STRICT_CLOSE_5000, "strict_close_5000", "Close codes 5000 and above fail the connection",
     "Treat close codes of 5000 and above as a protocol error instead of a warning"},
};
static ws1002_pref_bool_t pref_strict[array_length(ws_strict_prefs)];
static unsigned pref_server_port;

static const value_string ws_role_vals[] = {
    {WSV_ROLE_UNKNOWN, "unknown"},
    {WSV_ROLE_CLIENT, "client"},
    {WSV_ROLE_SERVER, "server"},
    {0, NULL},
};

/* ---- Per-connection state ---------------------------------------------- */

enum { WS_NO_DIR = 2 };

/* Where the roles came from, said in the handshake-not-captured note. */
enum ws_evidence {
    WS_EV_HANDSHAKE,
    WS_EV_SYN,
    WS_EV_PORT_PREF,
    WS_EV_DECODE_AS,
    WS_EV_MASK,
    WS_EV_HEUR,
};

/* A frame position: packet number and index of the frame within it. */
struct ws_mark {
    uint32_t pnum; /* 0: none */
    uint32_t frame;
};

struct ws_link;

/* A violation of one direction waiting for the other side's reaction. */
struct ws_pending {
    uint32_t link;    /* 1 + index of the violating frame's stored link (ws_linked); 0: none */
    uint32_t pnum;    /* packet of the violating frame; 0: none */
    uint32_t end_seq; /* TCP sequence number just after it; 0: unknown */
    uint8_t rules[4]; /* its rules that name a close code */
    uint8_t nrules;
    bool must_fail; /* a reaction is due, not just allowed */
    bool reacted;
    bool missing_noted;
};

/* What the first pass remembers about one direction, beyond the core. */
struct ws_side {
    struct ws_pending pend;
    struct ws_inflater *z; /* allocated at the direction's first compressed message */
    uint32_t close_pnum;   /* its first Close frame */
    uint32_t gap_pnum;     /* the last packet where its bytes were found missing */
    uint32_t hole_at;      /* TCP sequence number where that gap began */
    uint32_t framed_seq;   /* TCP's next sequence number after its last frame; 0: unknown */
    uint32_t seen_seq;     /* ... after its last packet */
    uint32_t z_frame;      /* 1 + index of the frame whose message is being inflated */
    bool gap_open;         /* judging stopped until a frame boundary is trusted */
    bool sync_prev;        /* after a gap: the frame before looked like a real one */
    bool compressed_seen;  /* it sent a compressed message */
    bool z_active;         /* a compressed message is being inflated */
    bool z_lost;           /* inflating is impossible from here on (window unknown) */
};

/* What a connection's opening handshake said: file scope, for connections
 * whose Upgrade request or 101 was captured. */
struct ws_hs {
    struct wsv_hs_request *req; /* the request (692 bytes) until its final response */
    uint32_t req_pnum;          /* packet of the last opening request */
    uint32_t resp_pnum;         /* packet of the 101; 0: none */
    uint8_t req_rule;           /* the request's first must-fail violation, if any */
    const char *extensions;     /* of the 101; NULL: none */
    const char *subprotocol;    /* of the 101; NULL: none */
    const char *ext_missing;    /* offered, not accepted by the 101; NULL: none */
    const char *accept;         /* the Sec-WebSocket-Accept the 101 should carry */
};

struct ws_conv {
    struct wsv_conn core;
    address ep[2]; /* ep[i] sends direction i; ep[0] is the first sender seen */
    uint32_t port[2];
    /* First frame of each direction that came after a must-fail violation:
     * every later frame of that direction is "after fail" too. */
    struct ws_mark after_fail[2];
    struct wsv_pmd pmd; /* from the 101 */
    struct ws_hs *hs;   /* NULL: no handshake captured */
    uint8_t client_dir; /* from the handshake; WS_NO_DIR if not seen */
    bool saw_101;
    bool rsv_unknown; /* the 101 accepted an extension other than permessage-deflate */
    bool started;     /* the core is configured; handshake fields no longer count */
    bool dir_started[2];
    struct ws_side side[2];
    struct tcp_analysis *tcpd; /* TCP's view of the connection, if any */
    uint8_t tcp_seen;          /* FIN/RST bits of the connection already told */
};

/* Violations of any connection still waiting for a reaction: while there are
 * some, packets without frames are looked at too (for a FIN or RST). */
static unsigned ws_pending_count;
/* Opening requests still waiting for their final response: while there are
 * some, every HTTP response is looked at. */
static unsigned ws_hs_awaiting;

/* 0 if the packet was sent by ep[0]. The ports decide unless both sides use
 * the same one. */
static unsigned ws_dir(const struct ws_conv *wc, const packet_info *pinfo)
{
    if (wc->port[0] != wc->port[1])
        return pinfo->srcport == wc->port[0] ? 0 : 1;
    return addresses_equal(&pinfo->src, &wc->ep[0]) ? 0 : 1;
}

/* Finding the conversation costs more than the rest of the per-packet work,
 * so the last ones found are remembered. An entry is reused only if TCP
 * looked its conversation up for this very packet (a new connection on the
 * same ports is a new conversation) and the endpoints match. */
#define WS_CACHE_SLOTS 16
static struct {
    conversation_t *conv;
    struct ws_conv *wc;
} ws_cache[WS_CACHE_SLOTS];

static void ws_cache_reset(void)
{
    memset(ws_cache, 0, sizeof ws_cache);
    ws_pending_count = 0;
    ws_hs_awaiting = 0;
    ws_inflater_free_all();
}

/* The cached connection of the packet, without a lookup; NULL on a miss. */
static struct ws_conv *ws_conv_peek(packet_info *pinfo, unsigned *dir)
{
    unsigned slot = (pinfo->srcport ^ pinfo->destport) % WS_CACHE_SLOTS;
    conversation_t *conv = ws_cache[slot].conv;
    struct ws_conv *wc = ws_cache[slot].wc;
    unsigned d;

    if (!conv || conv->last_frame != pinfo->num || pinfo->ptype != PT_TCP)
        return NULL;
    d = ws_dir(wc, pinfo);
    if (pinfo->srcport != wc->port[d] || pinfo->destport != wc->port[d ^ 1] ||
        !addresses_equal(&pinfo->src, &wc->ep[d]))
        return NULL;
    *dir = d;
    return wc;
}

/* The packet's connection state, with the packet's direction in *dir; NULL
 * if there is none and create is false. */
static struct ws_conv *ws_conv_get(packet_info *pinfo, bool create, unsigned *dir)
{
    unsigned slot = (pinfo->srcport ^ pinfo->destport) % WS_CACHE_SLOTS;
    conversation_t *conv = ws_cache[slot].conv;
    struct ws_conv *wc = ws_cache[slot].wc;

    if (conv && conv->last_frame == pinfo->num) {
        unsigned d = ws_dir(wc, pinfo);
        if (pinfo->srcport == wc->port[d] && pinfo->destport == wc->port[d ^ 1] &&
            addresses_equal(&pinfo->src, &wc->ep[d])) {
            *dir = d;
            return wc;
        }
    }
    conv = create ? find_or_create_conversation(pinfo) : find_conversation_pinfo(pinfo, 0);
    if (!conv)
        return NULL;
    wc = (struct ws_conv *)conversation_get_proto_data(conv, proto_ws);
    if (!wc) {
        if (!create)
            return NULL;
        wc = wmem_new0(wmem_file_scope(), struct ws_conv);
        copy_address_wmem(wmem_file_scope(), &wc->ep[0], &pinfo->src);
        copy_address_wmem(wmem_file_scope(), &wc->ep[1], &pinfo->dst);
        wc->port[0] = pinfo->srcport;
        wc->port[1] = pinfo->destport;
        wc->client_dir = WS_NO_DIR;
        wc->tcpd = ws_tcp_conversation(conv, pinfo);
        conversation_add_proto_data(conv, proto_ws, wc);
    }
    if (pinfo->ptype == PT_TCP) {
        ws_cache[slot].conv = conv;
        ws_cache[slot].wc = wc;
    }
    *dir = ws_dir(wc, pinfo);
    return wc;
}

/* ---- Findings ---------------------------------------------------------- */

/* WS_F_HANDSHAKE: a finding on an opening handshake head, which comes
 * before the packet's frame findings; its frame index is WS_HS_FRAME. */
enum {
    WS_F_MUST_FAIL = 1,
    WS_F_INFERRED = 2,
    WS_F_INFLATED = 4,
    WS_F_HANDSHAKE = 8,
    WS_F_REQUEST = 16, /* ... on the opening request: the server is the one to react */
};
#define WS_HS_FRAME UINT32_MAX

/* Proto data key of the handshake head a packet carries. */
enum { WS_KEY_HEAD };

/* 24 bytes, kept for every finding of the capture (ws_found). */
struct ws_finding {
    uint32_t pnum;   /* packet (the tables' key comes first) */
    uint32_t frame;  /* index of the WebSocket frame within the packet */
    uint64_t detail; /* rule-specific, see ws_detail() */
    int32_t rel;     /* offending byte, relative to the frame's first byte; < 0: none */
    uint16_t expected_close;
    uint8_t rule;
    uint8_t flags;
};

/* How a Close frame or a violating frame is tied to the other side. */
enum {
    WS_L_CLOSE = 1 << 0,       /* the frame is a Close */
    WS_L_CODE = 1 << 1,        /* ... with a status code */
    WS_L_REPLY = 1 << 2,       /* ... answering the peer's Close */
    WS_L_REACT_CLOSE = 1 << 3, /* the violation's reaction: a Close (rcode) */
    WS_L_REACT_FIN = 1 << 4,   /* ... the TCP FIN */
    WS_L_REACT_RST = 1 << 5,   /* ... a TCP RST */
    WS_L_REACT_CODE = 1 << 6,  /* the reaction Close has a status code */
};

struct ws_link {
    uint32_t pnum;     /* packet (the tables' key comes first) */
    uint32_t frame;    /* index of the WebSocket frame within the packet */
    uint32_t cause;    /* Close: packet of the violation it answers; 0: none */
    uint32_t reaction; /* violation: packet of the peer's reaction; 0: none yet */
    uint16_t code;     /* Close: its status code */
    uint16_t rcode;    /* violation: the reaction Close's code */
    int16_t reason;    /* Close: row of the reason table its reason matches; -1 */
    uint8_t cause_rule;
    uint8_t flags;
};

/* Where a frame's header lies: in packet pnum's src-th data source
 * (pinfo->data_src), which every pass rebuilds in the same order. */
enum { WS_NO_SRC = UINT16_MAX };
struct ws_where {
    uint32_t pnum;
    uint32_t start;
    uint16_t src; /* WS_NO_SRC: not found */
    uint8_t len;  /* header bytes */
};

/* What the first pass leaves for the later ones, in packet order: entries of
 * one size, each starting with its packet number. File scope, and no
 * allocation per packet (proto data would cost some 60 bytes a packet). */
struct ws_table {
    uint8_t *e;
    uint32_t n, cap, size;
};

static struct ws_table ws_places = {NULL, 0, 0, sizeof(struct ws_where)}; /* every frame */
static struct ws_table ws_found = {NULL, 0, 0, sizeof(struct ws_finding)};
static struct ws_table ws_linked = {NULL, 0, 0, sizeof(struct ws_link)};

static void ws_tables_reset(void)
{
    struct ws_table *t[] = {&ws_places, &ws_found, &ws_linked};

    for (unsigned i = 0; i < array_length(t); i++) {
        t[i]->e = NULL;
        t[i]->n = t[i]->cap = 0;
    }
}

static uint32_t ws_table_pnum(const struct ws_table *t, uint32_t i)
{
    uint32_t pnum;

    memcpy(&pnum, t->e + (size_t)i * t->size, sizeof pnum);
    return pnum;
}

static void *ws_table_at(const struct ws_table *t, uint32_t i)
{
    return t->e + (size_t)i * t->size;
}

/* Room for packet pnum's count entries at the end; returns their index. A
 * packet seen again on the first pass (tshark -2 -R reuses the number of a
 * packet the read filter dropped) replaces its entries. The table grows by
 * doubling: the part not yet written is never touched, so costs no memory. */
static uint32_t ws_table_add(struct ws_table *t, uint32_t pnum, unsigned count)
{
    uint32_t at;

    while (t->n && ws_table_pnum(t, t->n - 1) >= pnum)
        t->n--;
    if (t->cap - t->n < count) {
        t->cap = MAX(2 * t->cap, t->n + count + 1024);
        t->e = (uint8_t *)wmem_realloc(wmem_file_scope(), t->e, (size_t)t->cap * t->size);
    }
    at = t->n;
    t->n += count;
    return at;
}

/* The entries of packet pnum, their number in *n. */
static const void *ws_table_find(const struct ws_table *t, uint32_t pnum, unsigned *n)
{
    uint32_t lo = 0, hi = t->n;

    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (ws_table_pnum(t, mid) < pnum)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (hi = lo; hi < t->n && ws_table_pnum(t, hi) == pnum; hi++)
        ;
    *n = hi - lo;
    return *n ? ws_table_at(t, lo) : NULL;
}

/* First-pass collector, handed to the core as its callback context. */
struct ws_collect {
    struct ws_finding *f;
    unsigned n, cap;
    struct ws_link *l;
    unsigned nl, lcap;
    wmem_allocator_t *pool;
    struct ws_conv *wc;
    unsigned dir;
    uint32_t pnum;
    /* the frame being fed */
    uint32_t frame;
    bool after_fail, must_fail;
    uint8_t opcode;
    bool fin, compressed, has_close_code;
    uint16_t close_code;
    /* links of this packet that pending violations must point at once the
     * packet's record is stored: (direction, index into l) */
    uint8_t fix_dir[2];
    int fix_link[2];
    unsigned nfix;
};

static void ws_add(struct ws_collect *c, enum wsv_rule rule, int64_t rel, uint64_t detail,
                   uint16_t close, uint8_t flags)
{
    if (c->n == c->cap) {
        struct ws_finding *bigger = wmem_alloc_array(c->pool, struct ws_finding, 2 * c->cap);
        memcpy(bigger, c->f, c->n * sizeof *c->f);
        c->f = bigger;
        c->cap *= 2;
    }
    /* Offsets beyond 2 GiB into a frame are not shown. */
    c->f[c->n++] =
        (struct ws_finding){c->pnum, c->frame,      detail, rel <= INT32_MAX ? (int32_t)rel : -1,
                            close,   (uint8_t)rule, flags};
}

/* The link of the frame being fed, created on first use. */
static struct ws_link *ws_link_here(struct ws_collect *c)
{
    if (c->nl && c->l[c->nl - 1].frame == c->frame)
        return &c->l[c->nl - 1];
    if (c->nl == c->lcap) {
        unsigned cap = c->lcap ? 2 * c->lcap : 4;
        struct ws_link *bigger = wmem_alloc_array(c->pool, struct ws_link, cap);
        if (c->nl)
            memcpy(bigger, c->l, c->nl * sizeof *c->l);
        c->l = bigger;
        c->lcap = cap;
    }
    c->l[c->nl] = (struct ws_link){c->pnum, c->frame, 0, 0, 0, 0, -1, 0, 0};
    return &c->l[c->nl++];
}

static void ws_collect_init(struct ws_collect *col, struct ws_finding *buf, unsigned cap,
                            packet_info *pinfo, struct ws_conv *wc, unsigned dir)
{
    memset(col, 0, sizeof *col);
    col->f = buf;
    col->cap = cap;
    col->pool = pinfo->pool;
    col->wc = wc;
    col->dir = dir;
    col->pnum = pinfo->num;
}

static void ws_on_begin(void *user, const struct wsv_frame *f)
{
    struct ws_collect *c = user;
    c->after_fail = f->after_fail;
    c->opcode = f->opcode;
    c->fin = f->fin;
    c->compressed = f->compressed;
    c->has_close_code = false;
}

static void ws_on_end(void *user, const struct wsv_frame *f)
{
    struct ws_collect *c = user;
    c->has_close_code = f->has_close_code;
    c->close_code = f->close_code;
}

static void ws_on_violation(void *user, const struct wsv_frame *f, const struct wsv_violation *v)
{
    struct ws_collect *c = user;

    c->must_fail |= v->must_fail;
    /* In a compressed message the text rules judge inflated bytes: their
     * detail is the offset in the inflated message. */
    ws_add(c, v->rule, (int64_t)(v->offset - f->offset), v->detail, v->expected_close,
           (v->must_fail ? WS_F_MUST_FAIL : 0) | (v->inferred ? WS_F_INFERRED : 0) |
               (f->inflate &&
                        (v->rule == WSV_R_TEXT_UTF8_INVALID || v->rule == WSV_R_TEXT_UTF8_TRUNCATED)
                    ? WS_F_INFLATED
                    : 0));
}

static const struct wsv_callbacks ws_callbacks = {ws_on_begin, ws_on_violation, ws_on_end};

/* ---- Compressed messages ------------------------------------------------ */

static void ws_on_inflated(void *ctx, const uint8_t *p, size_t n, uint64_t at)
{
    struct ws_collect *c = ctx;
    wsv_conn_inflated(&c->wc->core, c->dir, p, n, at, false, &ws_callbacks, c);
}

/* The core hands over the unmasked payload of compressed messages. Inflated
 * only where the window is known: the 101 was captured (the parameters), and
 * nothing of the direction went missing while context takeover carries the
 * window from message to message. */
static void ws_on_compressed(void *user, const struct wsv_frame *f, const uint8_t *p, size_t n)
{
    struct ws_collect *c = user;
    struct ws_conv *wc = c->wc;
    struct ws_side *x = &wc->side[c->dir];
    enum ws_inflate_status st;
    bool client = wc->core.cfg.role[c->dir] == WSV_ROLE_CLIENT;

    if (f->compressed && x->z_frame != f->index + 1) {
        /* a new message */
        x->compressed_seen = true;
        x->z_active = false;
        if (x->z_lost || !wc->saw_101 || wc->core.cfg.role[c->dir] == WSV_ROLE_UNKNOWN)
            return;
        if (!x->z) {
            x->z = ws_inflater_new(
                client ? wc->pmd.client_max_window_bits : wc->pmd.server_max_window_bits,
                client ? wc->pmd.client_no_context_takeover : wc->pmd.server_no_context_takeover);
            if (!x->z) {
                x->z_lost = true;
                return;
            }
        }
        ws_inflater_begin(x->z);
        x->z_frame = (uint32_t)f->index + 1;
        x->z_active = true;
    }
    if (!x->z_active)
        return;
    st = p ? ws_inflater_feed(x->z, p, n, ws_on_inflated, c)
           : ws_inflater_finish(x->z, ws_on_inflated, c);
    if (st == WS_INFLATE_OK) {
        if (!p) {
            wsv_conn_inflated(&wc->core, c->dir, NULL, 0, 0, true, &ws_callbacks, c);
            x->z_active = false;
        }
        return;
    }
    /* The window is lost with the message: later ones cannot be inflated,
     * unless each message starts afresh. */
    {
        int row = wsv_reason_match(ws_inflater_error(x->z), strlen(ws_inflater_error(x->z)));
        wsv_conn_report(&wc->core, c->dir,
                        st == WS_INFLATE_WINDOW ? WSV_R_PMD_WINDOW_EXCEEDED
                                                : WSV_R_PMD_DECOMPRESS_FAIL,
                        (uint64_t)(row + 1), &ws_callbacks, c);
    }
    x->z_active = false;
    if (!(client ? wc->pmd.client_no_context_takeover : wc->pmd.server_no_context_takeover))
        x->z_lost = true;
}

/* ---- Opening handshake ---------------------------------------------------- */

/* The handshake head a packet carries: where it lies and what is shown on it
 * (proto data WS_KEY_HEAD). Only the packets holding an opening request or
 * its response have one. */
struct ws_head {
    uint32_t start, len;
    uint16_t src;            /* index in pinfo->data_src; WS_NO_SRC: not found */
    uint16_t status;         /* a response's status code; 0: a request */
    const char *version;     /* request: Sec-WebSocket-Version as sent */
    const char *accept;      /* response: the Sec-WebSocket-Accept the key calls for */
    const char *versions;    /* refusal: the server's Sec-WebSocket-Version list */
    const char *extensions;  /* 101: Sec-WebSocket-Extensions as sent */
    const char *subprotocol; /* 101: Sec-WebSocket-Protocol */
};

enum ws_hs_kind { WS_HS_NONE, WS_HS_REQUEST, WS_HS_RESPONSE };

/* In a reaction-missing detail: the violation was the opening request's. */
#define WS_REACT_REQUEST ((uint64_t)1 << 40)

/* A handshake finding's detail: the core's detail, why, and how many bytes
 * are at fault. */
#define WS_HS_DETAIL(d, why, len)                                                                  \
    ((uint64_t)(uint32_t)(d) | (uint64_t)(why) << 32 | (uint64_t)MIN((len), 0xffffff) << 40)
#define WS_HS_WHY(detail) ((enum wsv_hs_why)(((detail) >> 32) & 0xff))
#define WS_HS_LEN(detail) ((unsigned)((detail) >> 40))

/* Index of data source ds in the packet's list, which every pass rebuilds
 * in the same order. */
static unsigned ws_src_index(packet_info *pinfo, tvbuff_t *ds)
{
    unsigned j = 0;

    for (GSList *l = pinfo->data_src; l && j < WS_NO_SRC; l = l->next, j++)
        if (get_data_source_tvb((const struct data_source *)l->data) == ds)
            return j;
    return WS_NO_SRC;
}

/* Data source src of this pass, if it holds [0, end) as on the first pass. */
static tvbuff_t *ws_src_tvb(packet_info *pinfo, unsigned src, uint64_t end)
{
    const struct data_source *d =
        src == WS_NO_SRC ? NULL
                         : (const struct data_source *)g_slist_nth_data(pinfo->data_src, src);
    tvbuff_t *ds = d ? get_data_source_tvb(d) : NULL;

    return ds && end <= tvb_captured_length(ds) ? ds : NULL;
}

/* The bytes from the first byte of the HTTP head that field fi starts to the
 * end of its buffer: the core reads up to the head's empty line. */
static const uint8_t *ws_head_bytes(const field_info *fi, size_t *n)
{
    int len;

    if (!fi->ds_tvb || fi->start < 0)
        return NULL;
    len = tvb_captured_length_remaining(fi->ds_tvb, fi->start);
    if (len <= 0)
        return NULL;
    *n = (size_t)len;
    return tvb_get_ptr(fi->ds_tvb, fi->start, len);
}

/* Does the head speak of WebSocket: Upgrade: websocket, or the header only a
 * WebSocket peer sends (a missing Upgrade is then the violation)? */
static bool ws_head_is_websocket(const uint8_t *p, const struct wsv_http_head *h,
                                 const char *ws_header)
{
    struct wsv_http_iter it;
    struct wsv_http_field f;

    wsv_http_fields(&it, p, h);
    while (wsv_http_next(&it, &f))
        if (wsv_http_name_is(p, &f, ws_header) ||
            (wsv_http_name_is(p, &f, "Upgrade") && wsv_http_list_has(p, f.value, "websocket")))
            return true;
    return false;
}

/* One finding per rule and head, the first: a head repeating a bad header
 * 40,000 times is one problem, not 40,000 tree items. */
static void ws_on_hs_violation(void *user, const struct wsv_hs_violation *v)
{
    struct ws_collect *c = user;

    for (unsigned k = 0; k < c->n; k++)
        if ((c->f[k].flags & WS_F_HANDSHAKE) && c->f[k].rule == v->rule)
            return;

    ws_add(c, v->rule, (int64_t)v->offset, WS_HS_DETAIL(v->detail, v->why, v->len),
           v->expected_close, (v->must_fail ? WS_F_MUST_FAIL : 0) | WS_F_HANDSHAKE);
}

static struct ws_hs *ws_hs_of(struct ws_conv *wc)
{
    if (!wc->hs)
        wc->hs = wmem_new0(wmem_file_scope(), struct ws_hs);
    return wc->hs;
}

static const char *ws_keep(const char *s)
{
    return s && s[0] ? wmem_strdup(wmem_file_scope(), s) : NULL;
}

/* An opening request: judged, and its record kept for the response. The
 * side sending it is the client. */
static void ws_hs_request(packet_info *pinfo, struct ws_conv *wc, struct ws_collect *col,
                          const uint8_t *p, size_t n, struct ws_head *hd)
{
    struct ws_hs *hs = ws_hs_of(wc);
    unsigned first = col->n;

    if (!hs->req) {
        hs->req = wmem_new0(wmem_file_scope(), struct wsv_hs_request);
        ws_hs_awaiting++;
    }
    col->frame = WS_HS_FRAME;
    wsv_hs_check_request(p, n, hs->req, ws_on_hs_violation, col, NULL);
    hs->req_pnum = pinfo->num;
    for (unsigned k = col->n; k-- > first;) {
        col->f[k].flags |= WS_F_REQUEST;
        if (col->f[k].flags & WS_F_MUST_FAIL)
            hs->req_rule = col->f[k].rule;
    }
    if (hs->req->version != -1)
        hd->version = wmem_strdup(wmem_file_scope(), hs->req->version_text);
    wc->client_dir = (uint8_t)col->dir;
}

/* The response to an opening request, or a 101 whose request was not
 * captured. Returns false for an interim response (the final one is still
 * to come). A 101 decides what the RSV bits mean from here on. */
static bool ws_hs_response(packet_info *pinfo, struct ws_conv *wc, struct ws_collect *col,
                           const uint8_t *p, size_t n, struct ws_head *hd)
{
    struct wsv_hs_result *res = wmem_new(pinfo->pool, struct wsv_hs_result);
    struct ws_hs *hs = ws_hs_of(wc);

    col->frame = WS_HS_FRAME;
    if (wsv_hs_check_response(p, n, hs->req, res, ws_on_hs_violation, col, NULL) != WSV_HTTP_OK ||
        res->interim)
        return false;
    hd->status = res->status;
    hd->accept = ws_keep(res->accept_expected);
    if (res->has_versions)
        hd->versions = ws_keep(res->versions);
    if (res->upgraded) {
        wc->saw_101 = true;
        wc->client_dir = (uint8_t)(col->dir ^ 1);
        wc->pmd = res->pmd;
        wc->rsv_unknown = res->other_extensions;
        hs->resp_pnum = pinfo->num;
        hs->accept = hd->accept;
        hs->extensions = hd->extensions = ws_keep(res->extensions);
        hs->subprotocol = hd->subprotocol = ws_keep(res->subprotocol);
        if (hs->req) {
            char missing[WSV_HS_NAMES];
            if (wsv_hs_ext_missing(hs->req, res, missing, sizeof missing))
                hs->ext_missing = ws_keep(missing);
        }
        /* RFC 6455 §4.2.1: a server must refuse a request that breaks it. */
        if (hs->req && hs->req->violations)
            ws_add(col, WSV_R_REACTION_MISSING, -1,
                   (uint64_t)hs->req_pnum | (uint64_t)hs->req_rule << 32 | WS_REACT_REQUEST, 0,
                   WS_F_HANDSHAKE);
    }
    if (hs->req) {
        wmem_free(wmem_file_scope(), hs->req);
        hs->req = NULL;
        ws_hs_awaiting--;
    }
    return true;
}

static void ws_head_init(packet_info *pinfo, struct ws_head *hd, const field_info *fi, size_t len)
{
    memset(hd, 0, sizeof *hd);
    hd->start = (uint32_t)fi->start;
    hd->len = (uint32_t)MIN(len, (size_t)INT32_MAX);
    hd->src = (uint16_t)ws_src_index(pinfo, fi->ds_tvb);
}

/* The packet's opening request or its response, from the HTTP heads the
 * http dissector found (the first that concerns WebSocket). On one, *wcp is
 * its connection and col collects on it. The side sending the request is the
 * client; the side sending the 101 is the server. */
static enum ws_hs_kind ws_handshake(packet_info *pinfo, proto_tree *tree, struct ws_collect *col,
                                    struct ws_finding *buf, unsigned cap, struct ws_head *hd,
                                    struct ws_conv **wcp, unsigned *dir)
{
    GPtrArray *a = proto_get_finfo_ptr_array(tree, hf_http_method);
    struct wsv_http_head h;

    for (unsigned i = 0; a && i < a->len; i++) {
        const field_info *fi = (const field_info *)g_ptr_array_index(a, i);
        size_t n = 0;
        const uint8_t *p = ws_head_bytes(fi, &n);

        if (!p || wsv_http_parse(p, n, &h) != WSV_HTTP_OK || h.response ||
            !ws_head_is_websocket(p, &h, "Sec-WebSocket-Key"))
            continue;
        *wcp = ws_conv_get(pinfo, true, dir);
        if ((*wcp)->started)
            return WS_HS_NONE;
        ws_collect_init(col, buf, cap, pinfo, *wcp, *dir);
        ws_head_init(pinfo, hd, fi, h.len);
        ws_hs_request(pinfo, *wcp, col, p, n, hd);
        return WS_HS_REQUEST;
    }
    a = proto_get_finfo_ptr_array(tree, hf_http_resp_version);
    for (unsigned i = 0; a && i < a->len; i++) {
        const field_info *fi = (const field_info *)g_ptr_array_index(a, i);
        size_t n = 0;
        const uint8_t *p = ws_head_bytes(fi, &n);
        struct ws_conv *wc = NULL;

        if (!p || wsv_http_parse(p, n, &h) != WSV_HTTP_OK || !h.response)
            continue;
        if (ws_hs_awaiting)
            wc = ws_conv_get(pinfo, false, dir);
        if (!(wc && wc->hs && wc->hs->req)) {
            if (h.status != 101 || !ws_head_is_websocket(p, &h, "Sec-WebSocket-Accept"))
                continue;
            wc = ws_conv_get(pinfo, true, dir);
        }
        if (wc->started)
            return WS_HS_NONE;
        if (*wcp != wc) {
            *wcp = wc;
            ws_collect_init(col, buf, cap, pinfo, wc, *dir);
        }
        ws_head_init(pinfo, hd, fi, h.len);
        if (ws_hs_response(pinfo, wc, col, p, n, hd))
            return WS_HS_RESPONSE;
    }
    return WS_HS_NONE;
}

/* Decode As maps the port to one of websocket's handles, not always the one
 * named "websocket" (4.6 uses "websocket_tcp"): compare protocols. */
static bool ws_port_is_websocket(dissector_table_t t, uint32_t port)
{
    dissector_handle_t h = t ? dissector_get_uint_handle(t, port) : NULL;

    return h && dissector_handle_get_protocol_index(h) == proto_websocket;
}

/* No handshake: find which side is the server from the strongest evidence at
 * hand, the TCP SYN, then the server-port preference, then a Decode As port.
 * Returns the server's direction, or WS_NO_DIR (each direction's role then
 * comes from the mask bit of its first frame). */
static unsigned ws_midstream_server(packet_info *pinfo, unsigned dir, enum ws_evidence *ev)
{
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    uint32_t port = 0;

    if (pinfo->srcport == pinfo->destport)
        return WS_NO_DIR;
    if (conv && pinfo->ptype == PT_TCP) {
        struct tcp_analysis *tcpd = get_tcp_conversation_data(conv, pinfo);
        if (tcpd && tcpd->server_port) {
            port = tcpd->server_port;
            *ev = WS_EV_SYN;
        }
    }
    if (!port && pref_server_port &&
        (pinfo->srcport == pref_server_port || pinfo->destport == pref_server_port)) {
        port = pref_server_port;
        *ev = WS_EV_PORT_PREF;
    }
    if (!port) {
        dissector_table_t t = find_dissector_table("tcp.port");
        bool src = ws_port_is_websocket(t, pinfo->srcport);
        bool dst = ws_port_is_websocket(t, pinfo->destport);
        if (src != dst) {
            port = src ? pinfo->srcport : pinfo->destport;
            *ev = WS_EV_DECODE_AS;
        }
    }
    if (!port && ws_heur_server_port(pinfo, &port))
        *ev = WS_EV_HEUR;
    if (port == pinfo->srcport)
        return dir;
    if (port == pinfo->destport)
        return dir ^ 1;
    *ev = WS_EV_MASK;
    return WS_NO_DIR;
}

/* Configures the core before the connection's first frame. */
static void ws_start(struct ws_conv *wc, packet_info *pinfo, unsigned dir, struct ws_collect *col)
{
    struct wsv_config cfg;
    unsigned client = wc->client_dir;
    enum ws_evidence ev = WS_EV_HANDSHAKE;

    memset(&cfg, 0, sizeof cfg);
    for (unsigned i = 0; i < array_length(ws_strict_prefs); i++)
        if (pref_strict[i])
            cfg.strict |= ws_strict_prefs[i].bit;

    if (client == WS_NO_DIR) {
        unsigned server = ws_midstream_server(pinfo, dir, &ev);
        if (server != WS_NO_DIR) {
            client = server ^ 1;
            cfg.role_inferred[0] = cfg.role_inferred[1] = true;
        }
    }
    if (client != WS_NO_DIR) {
        cfg.role[client] = WSV_ROLE_CLIENT;
        cfg.role[client ^ 1] = WSV_ROLE_SERVER;
    }
    if (wc->saw_101) {
        cfg.pmd = wc->pmd;
        cfg.rsv_unknown = wc->rsv_unknown;
    } else {
        /* Without the 101 an RSV1 on a message's first frame cannot be judged:
         * assume compression may be in force, and say so in every verdict
         * that rests on it. */
        cfg.pmd.enabled = true;
        cfg.pmd_inferred = true;
        cfg.midstream[0] = cfg.midstream[1] = true;
        ws_add(col, WSV_R_HANDSHAKE_NOT_CAPTURED, 0, ev, 0, 0);
    }
    wsv_conn_init(&wc->core, &cfg);
    wc->started = true;
}

/* Before the first byte of a direction is fed: with no better evidence, a
 * direction whose first frame is masked is a client's, else a server's.
 * Only the role of a direction not yet fed changes (the core reads it per
 * frame). */
static void ws_dir_first_frame(struct ws_conv *wc, unsigned dir, const uint8_t *hdr, size_t len)
{
    wc->dir_started[dir] = true;
    if (wc->core.cfg.role[dir] == WSV_ROLE_UNKNOWN && len >= 2) {
        wsv_conn_set_role(&wc->core, dir, (hdr[1] & 0x80) ? WSV_ROLE_CLIENT : WSV_ROLE_SERVER,
                          true);
    }
}

/* ---- Capture gaps ------------------------------------------------------ */

/* Why bytes of a direction are missing (the capture-gap detail's top byte). */
enum ws_gap_kind {
    WS_GAP_CUT,       /* a frame cut short by the capture (snapshot length) */
    WS_GAP_LOST,      /* a TCP segment of this direction was not captured */
    WS_GAP_ACKED,     /* the other side acknowledged data of this direction never captured */
    WS_GAP_LONG,      /* Wireshark's websocket dissector lost this frame's end (a 64-bit length) */
    WS_GAP_ENDED,     /* the connection closed before the direction's last frame was complete */
    WS_GAP_MALFORMED, /* Wireshark's websocket dissector failed on the packet */
};
#define WS_GAP_DETAIL(kind, bytes) ((uint64_t)(kind) << 56 | (bytes))

/* Bytes of direction d are missing: stop judging it and say so once, on the
 * packet where it shows; judging resumes at a frame boundary that can be
 * trusted (ws_resync). */
static void ws_gap(struct ws_conv *wc, unsigned d, packet_info *pinfo, struct ws_collect *col,
                   enum ws_gap_kind kind)
{
    struct ws_side *x = &wc->side[d];
    bool fresh = (wc->core.cfg.role[d] == WSV_ROLE_CLIENT) ? wc->pmd.client_no_context_takeover
                                                           : wc->pmd.server_no_context_takeover;

    x->gap_pnum = pinfo->num;
    if (x->gap_open)
        return;
    x->gap_open = true;
    x->sync_prev = false;
    wsv_conn_gap(&wc->core, d, 0);
    /* The sliding window went with the lost bytes. */
    x->z_active = false;
    if (!fresh)
        x->z_lost = true;
    ws_add(col, WSV_R_CAPTURE_GAP, 0, WS_GAP_DETAIL(kind, 0), 0, 0);
}

/* Does the frame at p look like one this direction would send: no header
 * rule broken, masked as its role wants? Bytes from the middle of a frame
 * rarely do (ASCII text never: its RSV bits are set). */
static bool ws_plausible(const struct ws_conv *wc, unsigned d, const uint8_t *p, size_t n)
{
    const struct wsv_config *cfg = &wc->core.cfg;
    unsigned op, rsv, len7;
    bool masked;

    if (n < 2)
        return false;
    op = p[0] & 0xf;
    rsv = (p[0] >> 4) & 7;
    masked = (p[1] & 0x80) != 0;
    len7 = p[1] & 0x7f;
    if (op > 2 && (op < 8 || op > 10))
        return false;
    if ((rsv & 3) || (rsv && !(cfg->pmd.enabled && (op == 1 || op == 2))))
        return false;
    if (op >= 8 && (!(p[0] & 0x80) || len7 > 125))
        return false;
    if (!cfg->role_inferred[d] && cfg->role[d] != WSV_ROLE_UNKNOWN &&
        masked != (cfg->role[d] == WSV_ROLE_CLIENT))
        return false;
    if (len7 == 127 && n >= 3 && (p[2] & 0x80))
        return false;
    return true;
}

/* After a gap: is this frame where judging can resume? Yes if it looks real
 * and either ends its packet (TCP segments end at frame ends far more often
 * than a misread length lands there) or follows a frame that looked real
 * too. Otherwise it is skipped, unjudged. */
static bool ws_resync(struct ws_conv *wc, unsigned d, const uint8_t *p, size_t avail,
                      uint64_t extent, bool last_in_packet)
{
    struct ws_side *x = &wc->side[d];
    bool ok = ws_plausible(wc, d, p, avail);

    if (ok && (x->sync_prev || (last_in_packet && extent && extent <= avail))) {
        x->gap_open = false;
        x->sync_prev = false;
        wsv_conn_gap(&wc->core, d, 0);
        return true;
    }
    x->sync_prev = ok;
    return false;
}

/* The stored link of a violation waiting for its reaction, to be amended;
 * NULL if it was not stored (or replaced: tshark -2 -R). */
static struct ws_link *ws_pend_link(const struct ws_pending *pend)
{
    struct ws_link *l;

    if (!pend->link || pend->link > ws_linked.n)
        return NULL;
    l = (struct ws_link *)ws_table_at(&ws_linked, pend->link - 1);
    return l->pnum == pend->pnum ? l : NULL;
}

/* What TCP knows about this packet of direction d: lost segments (a gap in
 * d, or in the other direction when this packet acknowledges bytes nobody
 * captured) and the connection's first FIN or RST (a reaction). */
static void ws_tcp_events(packet_info *pinfo, struct ws_conv *wc, unsigned d,
                          struct ws_collect *col, struct ws_tcp_facts *facts)
{
    struct ws_tcp_facts t;
    struct ws_side *x = &wc->side[d];
    struct ws_pending *pend = &wc->side[d ^ 1].pend;
    struct ws_link *l;

    ws_tcp_read(wc->tcpd, pinfo, &wc->tcp_seen, &t);
    if (facts)
        *facts = t;
    if (t.lost || (t.have_seq && t.contiguous != t.nextseq && t.contiguous != x->hole_at)) {
        x->hole_at = t.contiguous;
        ws_gap(wc, d, pinfo, col, WS_GAP_LOST);
    }
    /* At the start of a capture TCP says so of every connection: only a
     * direction already seen can have lost bytes. */
    /* Only bytes beyond all the other direction sent so far: a hole before
     * them showed on that direction's own packets. */
    if (t.ack_lost && wc->dir_started[d ^ 1] && t.have_seq && !ws_tcp_seq_ge(t.peer_nextseq, t.ack))
        ws_gap(wc, d ^ 1, pinfo, col, WS_GAP_ACKED);
    if ((t.fin || t.rst) && pend->pnum && pend->must_fail && !pend->reacted &&
        !wc->side[d].close_pnum) {
        /* RFC 6455 §7.1.7 lets the receiver drop TCP instead of closing. */
        pend->reacted = true;
        ws_pending_count--;
        if ((l = ws_pend_link(pend))) {
            l->reaction = pinfo->num;
            l->flags |= t.rst ? WS_L_REACT_RST : WS_L_REACT_FIN;
        }
    }
    if (t.fin || t.rst) {
        ws_inflater_free(x->z);
        x->z = NULL;
        x->z_lost = true;
    }
}

/* Where direction d's frames end in TCP's sequence space, taken at a packet
 * that ends with a frame or a handshake head (a frame left incomplete at a
 * packet's end is missed: its closing later goes unremarked). */
static void ws_framed(struct ws_conv *wc, unsigned d, const struct ws_tcp_facts *t)
{
    if (t->have_seq)
        wc->side[d].framed_seq = t->nextseq;
}

/* Direction d's FIN, or the connection's first RST (which ends both): a
 * direction whose bytes went on after its last frame ended inside a frame
 * nobody will see complete. TCP does not tell which packet carries a FIN
 * beyond the first; a packet adding exactly one to its direction's sequence
 * numbers once a FIN was seen is taken for one (a one-byte segment of a
 * half-closed connection could pass for it: the note then comes early). */
static void ws_stream_end(packet_info *pinfo, struct ws_conv *wc, unsigned d,
                          struct ws_collect *col, const struct ws_tcp_facts *t)
{
    uint32_t prev = wc->side[d].seen_seq;
    bool fin;

    if (!t->have_seq)
        return;
    wc->side[d].seen_seq = t->nextseq;
    fin = t->fin_seen && prev && t->nextseq - prev == 1;
    for (unsigned k = 0; k < 2 && (fin || t->rst); k++) {
        struct ws_side *x = &wc->side[k];
        uint32_t end = k != d ? t->peer_nextseq : t->rst ? t->nextseq : prev;

        /* (A frame ending in this very packet set framed_seq to nextseq.) */
        if ((k != d && !t->rst) || !x->framed_seq || x->gap_open || x->framed_seq == end ||
            (k == d && x->framed_seq == t->nextseq))
            continue;
        col->frame = 0;
        ws_gap(wc, k, pinfo, col, WS_GAP_ENDED);
    }
}

/* ---- Cause and reaction -------------------------------------------------- */

static void ws_pend_clear(struct ws_pending *pend)
{
    if (pend->pnum && pend->must_fail && !pend->reacted)
        ws_pending_count--;
    memset(pend, 0, sizeof *pend);
}

/* The frame just fed broke rules that name a close code: the peer's
 * reaction is awaited (a must-fail rule) or at least explained by it (a
 * warning whose row lists an alternative code, for strict receivers). */
static void ws_pend_update(packet_info *pinfo, struct ws_conv *wc, unsigned d,
                           struct ws_collect *col, unsigned first, uint32_t end_seq)
{
    struct ws_pending *pend = &wc->side[d].pend;
    struct ws_pending next = {0};

    /* The peer already closed: it need not, and will not, react. */
    if (wc->side[d ^ 1].close_pnum)
        return;
    for (unsigned k = first; k < col->n; k++) {
        const struct wsv_rule_info *r = wsv_rule_get((enum wsv_rule)col->f[k].rule);
        bool mf = (col->f[k].flags & WS_F_MUST_FAIL) != 0;
        /* A 101 that breaks a rule is answered by the client failing the
         * connection, which names no code. */
        bool hs = (col->f[k].flags & WS_F_HANDSHAKE) != 0;
        if (!(mf && (col->f[k].expected_close || hs)) && !r->close_alt[0])
            continue;
        next.must_fail |= mf;
        if (next.nrules < array_length(next.rules))
            next.rules[next.nrules++] = col->f[k].rule;
    }
    if (!next.nrules)
        return;
    /* The first must-fail violation is the one a conforming receiver reacts
     * to; nothing after it in the direction is judged anyway. */
    if (pend->pnum && pend->must_fail && !pend->reacted)
        return;
    ws_pend_clear(pend);
    next.pnum = pinfo->num;
    next.end_seq = end_seq;
    *pend = next;
    if (next.must_fail)
        ws_pending_count++;
    /* Its link is stored with the packet's record; ws_store points the
     * pending violation at it. */
    ws_link_here(col);
    if (col->nfix < array_length(col->fix_dir)) {
        col->fix_dir[col->nfix] = (uint8_t)d;
        col->fix_link[col->nfix++] = (int)col->nl - 1;
    }
}

/* Why a failure Close might have no cause in the capture, most likely first
 * (the close-unexplained detail): a gap in the peer's direction, compression
 * negotiated on this hop while a hop beyond it may not have, the reason text. */
#define WS_UNEXPLAINED(gap, onehop, row)                                                           \
    ((uint64_t)(gap) | (uint64_t)((onehop) ? 1 : 0) << 32 | (uint64_t)((row) + 1) << 40)

/* A Close frame of direction d: tie it to the violation it answers. */
static void ws_on_close(packet_info *pinfo, struct ws_conv *wc, unsigned d, struct ws_collect *col,
                        const uint8_t *p, size_t can)
{
    struct ws_side *x = &wc->side[d], *o = &wc->side[d ^ 1];
    struct ws_pending *pend = &o->pend;
    struct ws_link *l = ws_link_here(col), *pl;
    uint16_t code = col->has_close_code ? col->close_code : 0;
    unsigned hlen = 2 +
                    ((p[1] & 0x7f) == 126   ? 2
                     : (p[1] & 0x7f) == 127 ? 8
                                            : 0) +
                    ((p[1] & 0x80) ? 4 : 0);
    bool matched = false;

    l->flags |= WS_L_CLOSE | (code ? WS_L_CODE : 0);
    l->code = code;
    /* The reason text, unmasked (at most 123 bytes). */
    if (code && can > hlen + 2) {
        char reason[128];
        size_t n = MIN(can - hlen - 2, sizeof reason);
        for (size_t k = 0; k < n; k++)
            reason[k] = (char)(p[hlen + 2 + k] ^ ((p[1] & 0x80) ? p[hlen - 4 + (k + 2) % 4] : 0));
        l->reason = (int16_t)wsv_reason_match(reason, n);
    }
    if (!x->close_pnum)
        x->close_pnum = pinfo->num;
    /* The closing handshake's answer, typically echoing the code; it is also
     * the reaction when the peer's Close itself broke a rule. */
    if (o->close_pnum && o->close_pnum < pinfo->num)
        l->flags |= WS_L_REPLY;
    if (pend->pnum && !pend->reacted) {
        for (unsigned k = 0; k < pend->nrules && !matched; k++) {
            const struct wsv_rule_info *r = wsv_rule_get((enum wsv_rule)pend->rules[k]);
            /* A rule naming no code (the handshake's) is answered by any. */
            if (wsv_rule_close_ok((enum wsv_rule)pend->rules[k], code) ||
                (!r->close && !r->close_alt[0])) {
                matched = true;
                l->cause_rule = pend->rules[k];
            }
        }
        if (matched || pend->must_fail) {
            if (!matched)
                l->cause_rule = pend->rules[0];
            l->cause = pend->pnum;
            if ((pl = ws_pend_link(pend))) {
                pl->reaction = pinfo->num;
                pl->rcode = code;
                pl->flags |= WS_L_REACT_CLOSE | (code ? WS_L_REACT_CODE : 0);
            }
            if (pend->must_fail)
                ws_pending_count--;
            pend->reacted = true;
            /* An empty Close after a violation is what wslay sends: fine. */
            if (!matched && code)
                ws_add(col, WSV_R_REACTION_UNEXPECTED_CODE, -1,
                       (uint64_t)l->cause | (uint64_t)l->cause_rule << 32 | (uint64_t)code << 40, 0,
                       0);
            return;
        }
    }
    /* RFC 6455 §7.4.1: the client wanted an extension the 101 did not accept. */
    if (code == 1010 && wc->hs && wc->hs->ext_missing && !(l->flags & WS_L_REPLY) &&
        wc->core.cfg.role[d] == WSV_ROLE_CLIENT) {
        l->cause = wc->hs->resp_pnum;
        l->cause_rule = WSV_R_EXT_REQUIRED_MISSING;
        ws_add(col, WSV_R_EXT_REQUIRED_MISSING, -1, 0, 0, 0);
        return;
    }
    if (!(l->flags & WS_L_REPLY) && (code == 1002 || code == 1007)) {
        bool onehop = wc->saw_101 && wc->pmd.enabled && o->compressed_seen;
        ws_add(col, WSV_R_CLOSE_UNEXPLAINED, -1, WS_UNEXPLAINED(o->gap_pnum, onehop, l->reason), 0,
               0);
    }
}

/* A new message from direction d while the peer's must-fail violation still
 * waits for d's reaction: d carries on as if nothing happened. Only once d
 * acknowledged the violating segment, so that a message already under way
 * when the violation arrived is not held against it. */
static void ws_check_carrying_on(struct ws_conv *wc, unsigned d, struct ws_collect *col,
                                 const struct ws_tcp_facts *t)
{
    struct ws_pending *pend = &wc->side[d ^ 1].pend;

    if (!pend->pnum || !pend->must_fail || pend->reacted || pend->missing_noted ||
        wc->side[d].close_pnum || wc->side[d].gap_open)
        return;
    if (pend->end_seq && (!t->have_seq || !ws_tcp_seq_ge(t->ack, pend->end_seq)))
        return;
    pend->missing_noted = true;
    ws_add(col, WSV_R_REACTION_MISSING, -1,
           (uint64_t)pend->pnum | (uint64_t)(pend->nrules ? pend->rules[0] : 0) << 32, 0, 0);
}

/* The frame just fed turned out to be another protocol's bytes: its
 * reserved-bit and opcode findings are replaced by one that says so. Only a
 * header that failed can be such bytes (a payload rule means the header was
 * fine). Returns true if it was. */
static bool ws_lookalike_check(struct ws_collect *col, unsigned first, const uint8_t *p,
                               size_t avail)
{
    enum wsv_lookalike look;
    bool header_fail = false;

    for (unsigned k = first; k < col->n; k++) {
        switch ((enum wsv_rule)col->f[k].rule) {
        case WSV_R_CLOSE_1BYTE_PAYLOAD:
        case WSV_R_CLOSE_CODE_FORBIDDEN:
        case WSV_R_CLOSE_CODE_OUT_OF_RANGE:
        case WSV_R_CLOSE_CODE_UNASSIGNED:
        case WSV_R_CLOSE_CODE_UNDEFINED:
        case WSV_R_CLOSE_REASON_UTF8:
        case WSV_R_TEXT_UTF8_INVALID:
        case WSV_R_TEXT_UTF8_TRUNCATED:
        case WSV_R_PMD_DECOMPRESS_FAIL:
        case WSV_R_PMD_WINDOW_EXCEEDED:
            return false;
        default:
            header_fail |= (col->f[k].flags & WS_F_MUST_FAIL) != 0;
        }
    }
    if (!header_fail || (look = wsv_lookalike(p, avail)) == WSV_LOOK_NONE)
        return false;
    col->n = first;
    ws_add(col, WSV_R_NON_WEBSOCKET_BYTES, 0, look, 1002, WS_F_MUST_FAIL);
    return true;
}

/* A frame reaching beyond its buffer, where Wireshark's websocket dissector
 * read another length than RFC 6455 gives: its next frame lies inside this
 * one (bounded), or the length needs more than 32 bits (Wireshark 4.0 keeps
 * 32 and then finds "frames" in the payload). */
static bool ws_lost_length(const uint8_t *p, size_t avail, bool bounded)
{
    return bounded || (avail >= 10 && (p[1] & 0x7f) == 127 && (p[2] | p[3] | p[4] | p[5]) != 0);
}

/* Did Wireshark give up on bytes among the packet's frames (an exception:
 * "Malformed Packet")? Its websocket items are then no frame boundaries to
 * trust: a legal length of 2^63 - 1 overflows its arithmetic, and what it
 * shows as frames is payload. */
static bool ws_malformed(proto_tree *tree, GPtrArray *frames)
{
    GPtrArray *m = proto_get_finfo_ptr_array(tree, proto_malformed);

    for (unsigned i = 0; m && i < m->len; i++)
        for (unsigned j = 0; j < frames->len; j++)
            if (((field_info *)m->pdata[i])->ds_tvb == ((field_info *)frames->pdata[j])->ds_tvb)
                return true;
    return false;
}

/* Feeds the packet's frames (the websocket items, in wire order) to the
 * core. Each item covers only the frame's header; the payload follows
 * contiguously in the same data source. */
static void ws_analyse(packet_info *pinfo, struct ws_conv *wc, unsigned dir, GPtrArray *frames,
                       struct ws_collect *col, const struct ws_tcp_facts *t)
{
    tvbuff_t *ds = NULL;
    const uint8_t *base = NULL;
    unsigned ds_len = 0;

    for (uint32_t i = 0; i < frames->len; i++) {
        field_info *fi = (field_info *)g_ptr_array_index(frames, i);
        field_info *next = i + 1 < frames->len ? (field_info *)frames->pdata[i + 1] : NULL;
        unsigned start = (unsigned)fi->start;
        unsigned end, first;
        const uint8_t *p;
        uint64_t extent;
        size_t avail, can;

        /* Frames mostly share a data source (the packet, or a reassembled
         * buffer): map it once. */
        if (fi->ds_tvb != ds) {
            ds = fi->ds_tvb;
            ds_len = tvb_captured_length(ds);
            base = ds_len ? tvb_get_ptr(ds, 0, (int)ds_len) : NULL;
        }
        end = ds_len;
        /* The next frame in the same buffer bounds this one, in case the two
         * parsers disagree on a length (websocket truncates 64-bit ones). */
        if (next && next->ds_tvb == ds) {
            unsigned nstart = (unsigned)next->start;
            if (nstart > start && nstart < end)
                end = nstart;
        }
        if (start >= end)
            continue;
        p = base + start;
        avail = end - start;
        extent = wsv_frame_size(p, avail);
        can = extent ? (size_t)MIN(extent, (uint64_t)avail) : avail;

        col->frame = i;
        col->after_fail = col->must_fail = false;
        col->opcode = 0xff;
        if (!wc->dir_started[dir])
            ws_dir_first_frame(wc, dir, p, avail);
        if (wc->side[dir].gap_open && !ws_resync(wc, dir, p, avail, extent, next == NULL))
            continue;

        first = col->n;
        wsv_conn_feed_pmd(&wc->core, dir, p, can, &ws_callbacks, ws_on_compressed, col);
        if (extent > avail && !col->after_fail && !col->must_fail &&
            ws_lost_length(p, avail, end < ds_len)) {
            ws_gap(wc, dir, pinfo, col, WS_GAP_LONG);
        } else if (can < extent || !extent) {
            /* Cut short by the capture: nothing can be trusted until the next
             * frame boundary. */
            wsv_conn_gap(&wc->core, dir, extent ? extent - can : 0);
            if (!col->after_fail && !col->must_fail)
                ws_add(col, WSV_R_CAPTURE_GAP, (int64_t)can,
                       WS_GAP_DETAIL(WS_GAP_CUT, extent ? extent - can : 0), 0, 0);
        }
        /* Bytes of another protocol that read as a Close are no Close. */
        if (col->must_fail && ws_lookalike_check(col, first, p, avail))
            col->opcode = 0xff;
        if (col->opcode == WSV_OP_CLOSE)
            ws_on_close(pinfo, wc, dir, col, p, can);
        else if ((col->opcode == WSV_OP_TEXT || col->opcode == WSV_OP_BINARY) && !col->after_fail)
            ws_check_carrying_on(wc, dir, col, t);
        if (col->n > first)
            ws_pend_update(pinfo, wc, dir, col, first, t->have_seq ? t->nextseq : 0);
        if (col->after_fail && !wc->after_fail[dir].pnum)
            wc->after_fail[dir] = (struct ws_mark){pinfo->num, i};
    }
    /* Both sides closed: no compressed message can follow. */
    if (wc->side[0].close_pnum && wc->side[1].close_pnum) {
        for (unsigned k = 0; k < 2; k++) {
            ws_inflater_free(wc->side[k].z);
            wc->side[k].z = NULL;
            wc->side[k].z_lost = true;
        }
    }
}

/* ---- Presentation ------------------------------------------------------ */

static const value_string ws_gap_vals[] = {
    {WS_GAP_CUT + 1, "the frame is cut short by the capture (snapshot length)"},
    {WS_GAP_LOST + 1, "a TCP segment of this direction was not captured"},
    {WS_GAP_ACKED + 1, "this packet acknowledges bytes of the other direction never captured"},
    {WS_GAP_LONG + 1, "Wireshark's websocket dissector cannot follow this frame's length: what it "
                      "finds after the frame header may be payload"},
    {WS_GAP_ENDED + 1, "the connection closed before this direction's last frame was complete: "
                       "it was not judged"},
    {WS_GAP_MALFORMED + 1, "Wireshark's websocket dissector found the packet malformed (a length "
                           "it cannot follow): its frames may be payload"},
    {0, NULL},
};

/* The explanations of a close-unexplained finding, most likely first. */
static unsigned ws_explanations(const struct ws_finding *f, char out[3][112])
{
    uint32_t gap = (uint32_t)f->detail;
    bool onehop = (f->detail >> 32) & 1;
    int row = (int)((f->detail >> 40) & 0xffff) - 1;
    const struct wsv_reason_info *ri = row >= 0 ? wsv_reason_get((size_t)row) : NULL;
    unsigned n = 0;

    if (gap)
        snprintf(out[n++], 112, "bytes of the other direction are missing (gap at frame %u)", gap);
    if (onehop)
        snprintf(out[n++], 112,
                 "permessage-deflate negotiated on this hop only: the peer sent compressed "
                 "messages");
    if (ri && ri->rule != WSV_RULE_COUNT)
        snprintf(out[n++], 112, "the reason is %s's text for %s", ri->source,
                 wsv_rule_get(ri->rule)->id);
    else if (ri)
        snprintf(out[n++], 112, "the reason is %s's text for %.60s", ri->source, ri->meaning);
    if (!n)
        snprintf(out[n++], 112, "none in the capture: the cause may predate it");
    return n;
}

/* A handshake finding's detail. */
static void ws_hs_detail(char *buf, size_t len, const struct ws_conv *wc,
                         const struct ws_finding *f)
{
    enum wsv_hs_why why = WS_HS_WHY(f->detail);
    uint32_t v = (uint32_t)f->detail;
    const char *what = wsv_hs_why_str(why);

    switch ((enum wsv_rule)f->rule) {
    case WSV_R_HANDSHAKE_REFUSED:
    case WSV_R_HANDSHAKE_VERSION_NO_HEADER:
        snprintf(buf, len, " [status %u]", v);
        return;
    case WSV_R_HANDSHAKE_REQ_KEY:
        if (why == WSV_HS_WHY_VALUE || why == WSV_HS_WHY_SYNTAX) {
            if (v)
                snprintf(buf, len, " [%s: base64 of %u bytes]", what, v);
            else
                snprintf(buf, len, " [%s: not base64]", what);
            return;
        }
        break;
    case WSV_R_HANDSHAKE_VERSION:
        if (why == WSV_HS_WHY_VALUE && v) {
            snprintf(buf, len, " [version %u requested]", v);
            return;
        }
        break;
    case WSV_R_HANDSHAKE_ACCEPT_MISMATCH:
        if (wc && wc->hs && wc->hs->accept) {
            snprintf(buf, len, " [%s: expected %s]", what, wc->hs->accept);
            return;
        }
        break;
    default:
        if (why == WSV_HS_WHY_LARGER || why == WSV_HS_WHY_RANGE) {
            snprintf(buf, len, " [%s: %u]", what, v);
            return;
        }
        break;
    }
    if (why != WSV_HS_WHY_NONE)
        snprintf(buf, len, " [%s]", what);
}

static void ws_detail(char *buf, size_t len, const struct ws_conv *wc, const struct ws_finding *f)
{
    static const char *const evidence[] = {
        [WS_EV_HANDSHAKE] = "roles from the opening request; the 101 was not captured",
        [WS_EV_SYN] = "roles from the TCP handshake",
        [WS_EV_PORT_PREF] = "roles from the server port preference",
        [WS_EV_DECODE_AS] = "roles from the Decode As port",
        [WS_EV_MASK] = "each direction's role from the mask bit of its first frame",
        [WS_EV_HEUR] = "roles from the mid-stream heuristic",
    };
    uint64_t d = f->detail;

    buf[0] = '\0';
    if ((f->flags & WS_F_HANDSHAKE) && wsv_hs_judges((enum wsv_rule)f->rule)) {
        ws_hs_detail(buf, len, wc, f);
        return;
    }
    switch ((enum wsv_rule)f->rule) {
    case WSV_R_FRAME_RSV_NONZERO:
    case WSV_R_PMD_RSV1_ON_CONTROL:
    case WSV_R_PMD_RSV1_ON_CONTINUATION:
        if (d & 7) {
            static const char *const bits[] = {"",     "RSV3",       "RSV2",       "RSV2, RSV3",
                                               "RSV1", "RSV1, RSV3", "RSV1, RSV2", "RSV1-3"};
            snprintf(buf, len, " [%s set]", bits[d & 7]);
        }
        break;
    case WSV_R_FRAME_OPCODE_RESERVED:
    case WSV_R_FRAG_NEW_DATA_IN_PROGRESS:
        snprintf(buf, len, " [opcode 0x%x]", (unsigned)d);
        break;
    case WSV_R_LEN_NOT_MINIMAL:
    case WSV_R_LEN_64BIT_MSB:
    case WSV_R_CTRL_TOO_LONG:
        snprintf(buf, len, " [length %" PRIu64 "]", d);
        break;
    case WSV_R_CLOSE_CODE_FORBIDDEN:
    case WSV_R_CLOSE_CODE_OUT_OF_RANGE:
    case WSV_R_CLOSE_CODE_UNASSIGNED:
    case WSV_R_CLOSE_CODE_UNDEFINED:
        snprintf(buf, len, " [code %" PRIu64 "]", d);
        break;
    case WSV_R_TEXT_UTF8_INVALID:
    case WSV_R_TEXT_UTF8_TRUNCATED:
        if (f->flags & WS_F_INFLATED)
            snprintf(buf, len, " [byte %" PRIu64 " of the inflated message]", d);
        break;
    case WSV_R_PMD_DECOMPRESS_FAIL:
    case WSV_R_PMD_WINDOW_EXCEEDED:
        if (d && wsv_reason_get((size_t)(d - 1)))
            snprintf(buf, len, " [zlib: %s]", wsv_reason_get((size_t)(d - 1))->text);
        break;
    case WSV_R_NON_WEBSOCKET_BYTES:
        snprintf(buf, len, " [they look like %s]", wsv_lookalike_name((enum wsv_lookalike)d));
        break;
    case WSV_R_CAPTURE_GAP:
        if (d >> 56)
            snprintf(buf, len, " [%s]", val_to_str_const((uint32_t)(d >> 56) + 1, ws_gap_vals, ""));
        else if (d)
            snprintf(buf, len, " [%" PRIu64 " bytes missing]", d);
        break;
    case WSV_R_HANDSHAKE_NOT_CAPTURED:
        if (d < array_length(evidence))
            snprintf(buf, len, " [%s]", evidence[d]);
        break;
    case WSV_R_REACTION_UNEXPECTED_CODE:
    case WSV_R_REACTION_MISSING: {
        const struct wsv_rule_info *v = wsv_rule_get((enum wsv_rule)((d >> 32) & 0xff));
        unsigned want = v ? (v->close ? v->close : v->close_alt[0]) : 0;
        if (!v)
            break;
        if (f->rule == WSV_R_REACTION_MISSING && (d & WS_REACT_REQUEST))
            snprintf(buf, len,
                     " [the request in frame %u broke %s: the server should have refused it, "
                     "not answered 101]",
                     (uint32_t)d, v->id);
        else if (f->rule == WSV_R_REACTION_MISSING && !want)
            snprintf(buf, len,
                     " [frame %u broke %s: this side should have failed the connection, not gone "
                     "on]",
                     (uint32_t)d, v->id);
        else if (f->rule == WSV_R_REACTION_MISSING)
            snprintf(buf, len,
                     " [frame %u broke %s: this side should have closed (%u), not gone on]",
                     (uint32_t)d, v->id, want);
        else
            snprintf(buf, len, " [Close %u after frame %u broke %s, which calls for %u]",
                     (unsigned)(d >> 40), (uint32_t)d, v->id, want);
        break;
    }
    case WSV_R_EXT_REQUIRED_MISSING:
        if (wc && wc->hs && wc->hs->ext_missing)
            snprintf(buf, len, " [offered, not accepted by the 101 in frame %u: %s]",
                     wc->hs->resp_pnum, wc->hs->ext_missing);
        break;
    case WSV_R_CLOSE_UNEXPLAINED: {
        char ex[3][112];
        ws_explanations(f, ex);
        snprintf(buf, len, " [most likely: %s]", ex[0]);
        break;
    }
    default:
        break;
    }
}

static void ws_expert(packet_info *pinfo, proto_item *pi, const struct ws_conv *wc,
                      const struct ws_finding *f)
{
    const struct wsv_rule_info *r = wsv_rule_get((enum wsv_rule)f->rule);
    char detail[512], reaction[64];
    const char *inferred = "";

    ws_detail(detail, sizeof detail, wc, f);
    if (f->rule == WSV_R_HANDSHAKE_NOT_CAPTURED)
        ws_heur_evidence(pinfo, detail, sizeof detail);
    if (f->flags & WS_F_INFERRED)
        inferred = r->needs == WSV_NEEDS_PMD ? " (extensions inferred)" : " (role inferred)";
    reaction[0] = '\0';
    if ((f->flags & WS_F_MUST_FAIL) && f->expected_close)
        snprintf(reaction, sizeof reaction, "; a conforming receiver closes with %u",
                 f->expected_close);
    else if ((f->flags & WS_F_MUST_FAIL) && (f->flags & WS_F_REQUEST))
        snprintf(reaction, sizeof reaction, "; a conforming server refuses the request");
    else if ((f->flags & WS_F_MUST_FAIL) && (f->flags & WS_F_HANDSHAKE))
        snprintf(reaction, sizeof reaction, "; a conforming client fails the connection");
    else if (f->flags & WS_F_MUST_FAIL)
        snprintf(reaction, sizeof reaction, "; a conforming receiver fails the connection");
    else if (r->severity == WSV_SEV_WARN)
        snprintf(reaction, sizeof reaction, "; sender violation, the receiver need not react");
    expert_add_info_format(pinfo, pi, &ei_ws[f->rule], "%s (%s): %s%s%s%s", r->id, r->ref,
                           r->statement, detail, inferred, reaction);
}

static bool ws_is_proto_error(const struct ws_finding *f)
{
    return (f->flags & WS_F_MUST_FAIL) && f->expected_close == 1002;
}

/* One ws.rule item, on the offending bytes if they are in this buffer. */
static void ws_add_finding(packet_info *pinfo, proto_tree *tree, const struct ws_conv *wc,
                           tvbuff_t *ds, int start, int length, const struct ws_finding *f)
{
    const struct wsv_rule_info *r = wsv_rule_get((enum wsv_rule)f->rule);
    int64_t room = tvb_captured_length_remaining(ds, start);
    int64_t bytes = (f->flags & WS_F_HANDSHAKE) ? MAX(WS_HS_LEN(f->detail), 1) : 1;
    bool here = f->rel >= 0 && f->rel + bytes <= room;
    proto_item *ri;
    proto_tree *rt;

    ri = proto_tree_add_string_format_value(
        tree, hf_ws_rule, ds, here ? start + (int)f->rel : start, here ? (int)bytes : length, r->id,
        "%s: %s", r->id, r->statement);
    rt = proto_item_add_subtree(ri, ett_ws_rule);
    proto_item_set_generated(proto_tree_add_string(rt, hf_ws_rfc, ds, 0, 0, r->ref));
    if (f->expected_close)
        proto_item_set_generated(
            proto_tree_add_uint(rt, hf_ws_expected_close, ds, 0, 0, f->expected_close));
    if (f->rel >= 0)
        proto_item_set_generated(proto_tree_add_uint(rt, hf_ws_offset, ds, 0, 0, (uint32_t)f->rel));
    if ((f->flags & WS_F_INFLATED) && f->detail <= UINT32_MAX)
        proto_item_set_generated(
            proto_tree_add_uint(rt, hf_ws_inflated_offset, ds, 0, 0, (uint32_t)f->detail));
    if (f->rule == WSV_R_CAPTURE_GAP)
        proto_item_set_generated(
            proto_tree_add_uint(rt, hf_ws_gap, ds, 0, 0, (uint32_t)(f->detail >> 56) + 1));
    if (f->rule == WSV_R_CLOSE_UNEXPLAINED) {
        char ex[3][112];
        unsigned n = ws_explanations(f, ex);
        for (unsigned k = 0; k < n; k++)
            proto_item_set_generated(proto_tree_add_string(rt, hf_ws_explanation, ds, 0, 0, ex[k]));
    }
    ws_expert(pinfo, ri, wc, f);
}

/* ws.close.cause on a Close, ws.close.reaction on a violating frame. */
static void ws_add_link(proto_tree *tree, tvbuff_t *ds, const struct ws_link *l)
{
    proto_item *it;

    if (l->cause) {
        const char *id = wsv_rule_get((enum wsv_rule)l->cause_rule)->id;
        it = proto_tree_add_uint_format_value(tree, hf_ws_close_cause, ds, 0, 0, l->cause,
                                              "%u (%s)", l->cause, id);
        proto_item_set_generated(it);
        proto_item_set_generated(proto_tree_add_string(tree, hf_ws_close_cause_rule, ds, 0, 0, id));
    }
    if (l->reason >= 0) {
        const struct wsv_reason_info *ri = wsv_reason_get((size_t)l->reason);
        if (ri->rule != WSV_RULE_COUNT)
            proto_item_set_generated(proto_tree_add_string(tree, hf_ws_close_reason_rule, ds, 0, 0,
                                                           wsv_rule_get(ri->rule)->id));
        proto_item_set_generated(proto_tree_add_string_format_value(
            tree, hf_ws_close_reason_match, ds, 0, 0, ri->text, "%s: \"%s\" (%s)", ri->source,
            ri->text, ri->rule != WSV_RULE_COUNT ? wsv_rule_get(ri->rule)->id : ri->meaning));
    }
    if (l->reaction) {
        char what[32];
        if (l->flags & WS_L_REACT_CODE)
            snprintf(what, sizeof what, "Close %u", l->rcode);
        else
            snprintf(what, sizeof what, "%s",
                     (l->flags & WS_L_REACT_FIN)   ? "TCP FIN"
                     : (l->flags & WS_L_REACT_RST) ? "TCP RST"
                                                   : "Close, no code");
        it = proto_tree_add_uint_format_value(tree, hf_ws_close_reaction, ds, 0, 0, l->reaction,
                                              "%u (%s)", l->reaction, what);
        proto_item_set_generated(it);
        if (l->flags & WS_L_REACT_CODE)
            proto_item_set_generated(
                proto_tree_add_uint(tree, hf_ws_close_reaction_code, ds, 0, 0, l->rcode));
    }
}

/* One "ws" item per WebSocket frame, covering its header. */
static void ws_render_frame(packet_info *pinfo, proto_tree *tree, const struct ws_conv *wc,
                            unsigned dir, tvbuff_t *ds, int start, int length, uint32_t idx,
                            bool frame, const struct ws_finding *f, unsigned n,
                            const struct ws_link *l)
{
    enum wsv_role role = wc ? wc->core.cfg.role[dir] : WSV_ROLE_UNKNOWN;
    bool inferred = wc && wc->core.cfg.role_inferred[dir];
    const struct ws_mark *af = wc ? &wc->after_fail[dir] : NULL;
    proto_item *ti;
    proto_tree *wt;

    ti = proto_tree_add_item(tree, proto_ws, ds, start, length, ENC_NA);
    proto_item_append_text(ti, ", %s%s", val_to_str_const(role, ws_role_vals, "unknown"),
                           inferred ? " (inferred)" : "");
    wt = proto_item_add_subtree(ti, ett_ws);
    proto_item_set_generated(proto_tree_add_uint(wt, hf_ws_role, ds, 0, 0, role));
    proto_item_set_generated(proto_tree_add_boolean(wt, hf_ws_role_inferred, ds, 0, 0, inferred));
    if (af && af->pnum && (pinfo->num > af->pnum || (pinfo->num == af->pnum && idx >= af->frame)))
        proto_item_set_generated(proto_tree_add_boolean(wt, hf_ws_after_fail, ds, 0, 0, 1));
    /* The handshake the frame is judged under. */
    if (frame && wc && wc->hs && wc->hs->resp_pnum) {
        proto_item *hi = proto_tree_add_uint(wt, hf_ws_handshake, ds, 0, 0, wc->hs->resp_pnum);
        proto_tree *ht = proto_item_add_subtree(hi, ett_ws_hs);
        proto_item_set_generated(hi);
        if (wc->hs->extensions)
            proto_item_set_generated(
                proto_tree_add_string(ht, hf_ws_hs_extensions, ds, 0, 0, wc->hs->extensions));
        if (wc->hs->subprotocol)
            proto_item_set_generated(
                proto_tree_add_string(ht, hf_ws_hs_subprotocol, ds, 0, 0, wc->hs->subprotocol));
    }
    for (unsigned k = 0; k < n; k++) {
        if (ws_is_proto_error(&f[k])) {
            proto_item_set_generated(proto_tree_add_boolean(wt, hf_ws_proto_error, ds, 0, 0, 1));
            break;
        }
    }
    if (l)
        ws_add_link(wt, ds, l);
    for (unsigned k = 0; k < n; k++)
        ws_add_finding(pinfo, wt, wc, ds, start, length, &f[k]);
}

/* " [WS1002: id, id]" for the rules the packet breaks (notes are not
 * violations and stay out of the Info column). */
static void ws_info_tag(packet_info *pinfo, const struct ws_finding *f, unsigned n)
{
    bool seen[WSV_RULE_COUNT] = {false};
    char buf[160];
    size_t len = 0;

    for (unsigned k = 0; k < n; k++) {
        const struct wsv_rule_info *r = wsv_rule_get((enum wsv_rule)f[k].rule);
        int w;

        if (r->severity == WSV_SEV_NOTE || seen[f[k].rule])
            continue;
        seen[f[k].rule] = true;
        w = snprintf(buf + len, sizeof buf - len, "%s%s", len ? ", " : " [WS1002: ", r->id);
        /* Always keep room for ", ...]" and the terminator. */
        if (w < 0 || len + (size_t)w + sizeof ", ...]" > sizeof buf) {
            memcpy(buf + len, ", ...", 5);
            len += 5;
            break;
        }
        len += (size_t)w;
    }
    if (len) {
        buf[len] = ']';
        buf[len + 1] = '\0';
        col_append_str(pinfo->cinfo, COL_INFO, buf);
    }
}

/* The packet's findings and links for the statistics tap. */
static void ws_tap(packet_info *pinfo, const struct ws_conv *wc, unsigned dir,
                   const struct ws_finding *f, unsigned n, const struct ws_link *l, unsigned nl)
{
    struct ws_stats_rec *rec;
    unsigned client;

    if (!wc || !ws_stats_wanted())
        return;
    rec = wmem_new0(pinfo->pool, struct ws_stats_rec);
    client = wc->core.cfg.role[0] == WSV_ROLE_SERVER ? 1 : 0;
    rec->conn = wc;
    rec->client = &wc->ep[client];
    rec->server = &wc->ep[client ^ 1];
    rec->client_port = wc->port[client];
    rec->server_port = wc->port[client ^ 1];
    rec->roles_known = wc->core.cfg.role[0] != WSV_ROLE_UNKNOWN;
    rec->roles_inferred = wc->core.cfg.role_inferred[0] || wc->core.cfg.role_inferred[1];
    rec->handshake = wc->saw_101;
    rec->pmd = wc->core.cfg.pmd;
    rec->pmd_inferred = wc->core.cfg.pmd_inferred;
    rec->from_client = dir == client;
    rec->nrules = MIN(n, array_length(rec->rules));
    for (unsigned k = 0; k < rec->nrules; k++)
        rec->rules[k] = f[k].rule;
    for (unsigned k = 0; k < nl && rec->nclose < array_length(rec->close); k++) {
        struct ws_stats_close *c;
        if (!(l[k].flags & WS_L_CLOSE))
            continue;
        c = &rec->close[rec->nclose++];
        c->pnum = pinfo->num;
        c->code = l[k].code;
        c->has_code = (l[k].flags & WS_L_CODE) != 0;
        c->reply = (l[k].flags & WS_L_REPLY) != 0;
        c->cause = l[k].cause;
        c->cause_rule = l[k].cause ? wsv_rule_get((enum wsv_rule)l[k].cause_rule)->id : NULL;
        for (unsigned j = 0; j < n; j++)
            if (f[j].frame == l[k].frame && f[j].rule == WSV_R_CLOSE_UNEXPLAINED)
                c->unexplained = true;
    }
    for (unsigned k = 0; k < nl && rec->ndrop < array_length(rec->drop); k++) {
        unsigned j = 0;
        if (!(l[k].flags & (WS_L_REACT_FIN | WS_L_REACT_RST)))
            continue;
        while (j + 1 < n && f[j].frame != l[k].frame)
            j++;
        rec->drop[rec->ndrop].pnum = l[k].reaction;
        rec->drop[rec->ndrop].violation = pinfo->num;
        rec->drop[rec->ndrop].rule = n ? wsv_rule_get((enum wsv_rule)f[j].rule)->id : "?";
        rec->drop[rec->ndrop++].rst = (l[k].flags & WS_L_REACT_RST) != 0;
    }
    ws_stats_queue(pinfo, rec);
}

/* The data source a frame lies in, if this pass has it as the first one had. */
static tvbuff_t *ws_frame_tvb(packet_info *pinfo, const struct ws_where *w)
{
    return ws_src_tvb(pinfo, w->src, (uint64_t)w->start + w->len);
}

/* One "ws" item over an opening handshake head: what it asked for or
 * agreed to, its findings, and the client's reaction to a broken 101. */
static void ws_render_head(packet_info *pinfo, proto_tree *tree, const struct ws_conv *wc,
                           const struct ws_head *hd, const struct ws_finding *f, unsigned n,
                           const struct ws_link *l)
{
    tvbuff_t *ds = tree ? ws_src_tvb(pinfo, hd->src, (uint64_t)hd->start + hd->len) : NULL;
    const struct {
        int *hf;
        const char *s;
    } shown[] = {
        {&hf_ws_hs_version, hd->version},         {&hf_ws_hs_accept, hd->accept},
        {&hf_ws_hs_versions, hd->versions},       {&hf_ws_hs_extensions, hd->extensions},
        {&hf_ws_hs_subprotocol, hd->subprotocol},
    };
    proto_item *ti;
    proto_tree *ht;

    if (!ds) {
        for (unsigned k = 0; k < n; k++)
            ws_expert(pinfo, NULL, wc, &f[k]);
        return;
    }
    ti = proto_tree_add_item(tree, proto_ws, ds, (int)hd->start, (int)hd->len, ENC_NA);
    if (hd->status)
        proto_item_append_text(ti, ", opening handshake response %u", hd->status);
    else
        proto_item_append_text(ti, ", opening handshake request");
    ht = proto_item_add_subtree(ti, ett_ws);
    for (unsigned k = 0; k < array_length(shown); k++)
        if (shown[k].s)
            proto_item_set_generated(proto_tree_add_string(ht, *shown[k].hf, ds, 0, 0, shown[k].s));
    if (l)
        ws_add_link(ht, ds, l);
    for (unsigned k = 0; k < n; k++)
        ws_add_finding(pinfo, ht, wc, ds, (int)hd->start, (int)hd->len, &f[k]);
}

static void ws_render(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb, const struct ws_conv *wc,
                      unsigned dir, const struct ws_head *hd, const struct ws_where *w,
                      unsigned nframes, bool want_items, const struct ws_finding *f0, unsigned n0,
                      const struct ws_link *l0, unsigned nl0)
{
    const struct ws_finding *f = f0;
    const struct ws_link *l = l0;
    unsigned n = n0, nl = nl0, k = 0, j = 0;

    /* The handshake head's findings and link come first. */
    while (k < n && (f[k].flags & WS_F_HANDSHAKE))
        k++;
    while (j < nl && l[j].frame == WS_HS_FRAME)
        j++;
    if (hd)
        ws_render_head(pinfo, tree, wc, hd, f, k, j ? l : NULL);
    else
        for (unsigned m = 0; m < k; m++)
            ws_expert(pinfo, NULL, wc, &f[m]);
    f += k;
    n -= k;
    l += j;
    nl -= j;
    k = j = 0;

    if (tree && !nframes && n) {
        /* No frame here (a lost segment, a FIN): the findings go on the packet. */
        ws_render_frame(pinfo, tree, wc, dir, tvb, 0, 0, 0, false, f, n, NULL);
        k = n;
    }
    for (uint32_t idx = 0; idx < nframes; idx++) {
        unsigned first = k;
        const struct ws_link *lk = NULL;
        tvbuff_t *ds = NULL;

        while (k < n && f[k].frame == idx)
            k++;
        while (j < nl && l[j].frame < idx)
            j++;
        if (j < nl && l[j].frame == idx)
            lk = &l[j];
        if (tree && (want_items || k > first || lk))
            ds = ws_frame_tvb(pinfo, &w[idx]);
        if (ds) {
            ws_render_frame(pinfo, tree, wc, dir, ds, (int)w[idx].start, w[idx].len, idx, true,
                            &f[first], k - first, lk);
            continue;
        }
        /* Expert infos are needed on every pass, with or without a tree:
         * taps (tshark -z expert, the GUI's Expert Info) may listen on any. */
        for (unsigned m = first; m < k; m++)
            ws_expert(pinfo, NULL, wc, &f[m]);
    }
    for (; k < n; k++)
        ws_expert(pinfo, NULL, wc, &f[k]);
    if (n0)
        ws_info_tag(pinfo, f0, n0);
    /* The statistics count frames and what they break, not handshake heads. */
    if (nframes || n)
        ws_tap(pinfo, wc, dir, f, n, l, nl);
}

/* Records where the packet's frames (the websocket items) lie; returns the
 * entries. */
static const struct ws_where *ws_places_add(packet_info *pinfo, GPtrArray *frames)
{
    tvbuff_t *ds = NULL;
    unsigned src = WS_NO_SRC;
    struct ws_where *w = (struct ws_where *)ws_table_at(
        &ws_places, ws_table_add(&ws_places, pinfo->num, frames->len));

    for (unsigned i = 0; i < frames->len; i++) {
        field_info *fi = (field_info *)g_ptr_array_index(frames, i);

        if (fi->ds_tvb != ds) {
            ds = fi->ds_tvb;
            src = ws_src_index(pinfo, ds);
        }
        w[i] = (struct ws_where){pinfo->num, (uint32_t)fi->start, (uint16_t)src,
                                 (uint8_t)MIN(fi->length, UINT8_MAX)};
    }
    return w;
}

/* Keeps the first pass's findings and links for the later passes, and points
 * the violations waiting for a reaction at their stored links. */
static void ws_store(packet_info *pinfo, struct ws_conv *wc, struct ws_collect *col)
{
    if (col->n)
        memcpy(ws_table_at(&ws_found, ws_table_add(&ws_found, pinfo->num, col->n)), col->f,
               col->n * sizeof *col->f);
    if (col->nl) {
        uint32_t at = ws_table_add(&ws_linked, pinfo->num, col->nl);
        memcpy(ws_table_at(&ws_linked, at), col->l, col->nl * sizeof *col->l);
        for (unsigned k = 0; wc && k < col->nfix; k++) {
            struct ws_pending *pend = &wc->side[col->fix_dir[k]].pend;
            if (pend->pnum == pinfo->num)
                pend->link = at + (uint32_t)col->fix_link[k] + 1;
        }
    }
}

/* A packet of a connection without WebSocket frames (an ACK, a FIN, a
 * segment of a frame still being reassembled): only TCP events matter. */
static int ws_frameless(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    struct ws_finding buf[4];
    struct ws_collect col;
    struct ws_tcp_facts t;
    struct ws_conv *wc;
    unsigned dir;

    wc = ws_conv_peek(pinfo, &dir);
    if (!wc && ws_pending_count && pinfo->ptype == PT_TCP)
        wc = ws_conv_get(pinfo, false, &dir);
    if (!wc || !(wc->started || wc->hs))
        return 0;
    ws_collect_init(&col, buf, array_length(buf), pinfo, wc, dir);
    ws_tcp_events(pinfo, wc, dir, &col, &t);
    ws_stream_end(pinfo, wc, dir, &col, &t);
    if (!col.n)
        return 0;
    ws_store(pinfo, wc, &col);
    ws_render(pinfo, tree, tvb, wc, dir, NULL, NULL, 0, false, col.f, col.n, NULL, 0);
    return (int)tvb_captured_length(tvb);
}

/* The first pass, in capture order: the packet's handshake head and frames
 * go through the core, and what it finds is stored for every later pass. */
static int ws_first_pass(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, bool want_items)
{
    struct ws_finding buf[16];
    struct ws_collect col;
    struct ws_tcp_facts t;
    struct ws_head hd;
    struct ws_conv *wc = NULL;
    const struct ws_where *w = NULL;
    unsigned dir = 0, nhs;
    enum ws_hs_kind hs = WS_HS_NONE;
    /* The wanted hfids give the first pass a tree holding the frames (only
     * the first: 4.6 primes them on that pass alone). */
    GPtrArray *frames = tree ? proto_get_finfo_ptr_array(tree, proto_websocket) : NULL;
    unsigned nframes = frames ? frames->len : 0;

    if (tree)
        hs = ws_handshake(pinfo, tree, &col, buf, array_length(buf), &hd, &wc, &dir);
    if (!nframes && hs == WS_HS_NONE)
        return ws_frameless(tvb, pinfo, tree);
    if (!wc) {
        wc = ws_conv_get(pinfo, true, &dir);
        ws_collect_init(&col, buf, array_length(buf), pinfo, wc, dir);
    }
    nhs = col.n;
    /* What follows belongs to the first frame, or to the packet. */
    col.frame = 0;
    if (nframes && !wc->started)
        ws_start(wc, pinfo, dir, &col);
    ws_tcp_events(pinfo, wc, dir, &col, &t);
    if (hs == WS_HS_RESPONSE && nhs) {
        /* The client's reaction to a broken 101 is awaited like a frame's. */
        col.frame = WS_HS_FRAME;
        ws_pend_update(pinfo, wc, dir, &col, 0, t.have_seq ? t.nextseq : 0);
        col.frame = 0;
    }
    if (nframes) {
        if (ws_malformed(tree, frames))
            ws_gap(wc, dir, pinfo, &col, WS_GAP_MALFORMED);
        else
            ws_analyse(pinfo, wc, dir, frames, &col, &t);
        w = ws_places_add(pinfo, frames);
    }
    ws_framed(wc, dir, &t);
    ws_stream_end(pinfo, wc, dir, &col, &t);
    if (hs != WS_HS_NONE)
        p_add_proto_data(wmem_file_scope(), pinfo, proto_ws, WS_KEY_HEAD,
                         wmem_memdup(wmem_file_scope(), &hd, sizeof hd));
    if (col.n || col.nl)
        ws_store(pinfo, wc, &col);
    if (col.n || col.nl || hs != WS_HS_NONE || want_items || ws_stats_wanted())
        ws_render(pinfo, tree, tvb, wc, dir, hs != WS_HS_NONE ? &hd : NULL, w, nframes, want_items,
                  col.f, col.n, col.l, col.nl);
    return (int)tvb_captured_length(tvb);
}

static int dissect_ws(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    const struct ws_finding *f;
    const struct ws_link *l;
    const struct ws_head *hd;
    const struct ws_where *w = NULL;
    struct ws_conv *wc;
    unsigned dir, nframes = 0, n, nl;
    bool want_items = proto_field_is_referenced(tree, proto_ws), stats;

    if (!PINFO_FD_VISITED(pinfo))
        return ws_first_pass(tvb, pinfo, tree, want_items);
    f = (const struct ws_finding *)ws_table_find(&ws_found, pinfo->num, &n);
    l = (const struct ws_link *)ws_table_find(&ws_linked, pinfo->num, &nl);
    hd = (const struct ws_head *)p_get_proto_data(wmem_file_scope(), pinfo, proto_ws, WS_KEY_HEAD);
    if (tree)
        w = (const struct ws_where *)ws_table_find(&ws_places, pinfo->num, &nframes);
    stats = nframes && ws_stats_wanted();
    want_items = want_items && nframes;
    if (!n && !nl && !hd && !want_items && !stats)
        return 0;
    wc = ws_conv_get(pinfo, false, &dir);
    if (!wc)
        dir = 0;
    ws_render(pinfo, tree, tvb, wc, dir, hd, w, nframes, want_items, f, n, l, nl);
    return (int)tvb_captured_length(tvb);
}

/* ---- Registration ------------------------------------------------------ */

void proto_register_ws(void)
{
    static hf_register_info hf[] = {
        {&hf_ws_role,
         {"Role", "ws.role", FT_UINT8, BASE_DEC, VALS(ws_role_vals), 0x0,
          "Role of the endpoint that sent this frame", HFILL}},
        {&hf_ws_role_inferred,
         {"Role inferred", "ws.role.inferred", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "The role was inferred (no handshake captured), not observed", HFILL}},
        {&hf_ws_after_fail,
         {"After fail", "ws.after_fail", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "Sent after a must-fail violation in the same direction: a conforming receiver has "
          "already failed the connection, so the frame is not judged",
          HFILL}},
        {&hf_ws_proto_error,
         {"Protocol error", "ws.proto_error", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "The frame breaks a rule whose conforming reaction is Close 1002", HFILL}},
        {&hf_ws_rule,
         {"Rule", "ws.rule", FT_STRING, BASE_NONE, NULL, 0x0, "ID of the rule the frame breaks",
          HFILL}},
        {&hf_ws_rfc,
         {"RFC", "ws.rfc", FT_STRING, BASE_NONE, NULL, 0x0, "RFC and section of the rule", HFILL}},
        {&hf_ws_expected_close,
         {"Expected close code", "ws.expected_close", FT_UINT16, BASE_DEC, NULL, 0x0,
          "Close code a conforming receiver sends", HFILL}},
        {&hf_ws_offset,
         {"Offset in frame", "ws.offset", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Offset of the offending byte from the frame's first header byte (for the opening "
          "handshake: from the HTTP head's first byte)",
          HFILL}},
        {&hf_ws_inflated_offset,
         {"Offset in inflated message", "ws.inflated_offset", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Offset of the offending byte in the compressed message after inflating it", HFILL}},
        {&hf_ws_close_cause,
         {"Cause", "ws.close.cause", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_REQUEST),
          0x0, "The other side's violation this Close reacts to", HFILL}},
        {&hf_ws_close_cause_rule,
         {"Cause rule", "ws.close.cause_rule", FT_STRING, BASE_NONE, NULL, 0x0,
          "Rule broken by the frame this Close reacts to", HFILL}},
        {&hf_ws_close_reaction,
         {"Reaction", "ws.close.reaction", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0,
          "The other side's Close, or TCP FIN or RST, in reaction to this violation (shown on "
          "a second pass: tshark -2 or the GUI)",
          HFILL}},
        {&hf_ws_close_reaction_code,
         {"Reaction close code", "ws.close.reaction_code", FT_UINT16, BASE_DEC, NULL, 0x0,
          "Status code of the Close that reacts to this violation", HFILL}},
        {&hf_ws_close_reason_rule,
         {"Reason names rule", "ws.close.reason_rule", FT_STRING, BASE_NONE, NULL, 0x0,
          "Rule named by this Close's reason text (a browser's or library's known message)",
          HFILL}},
        {&hf_ws_close_reason_match,
         {"Reason is known", "ws.close.reason_match", FT_STRING, BASE_NONE, NULL, 0x0,
          "Who sends this Close reason text, and what it means", HFILL}},
        {&hf_ws_explanation,
         {"Possible explanation", "ws.close.explanation", FT_STRING, BASE_NONE, NULL, 0x0,
          "Why a failure Close may have no cause in the capture, most likely first", HFILL}},
        {&hf_ws_handshake,
         {"Handshake", "ws.handshake", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
          "The 101 response this frame's connection was opened with", HFILL}},
        {&hf_ws_hs_version,
         {"Requested version", "ws.handshake.version", FT_STRING, BASE_NONE, NULL, 0x0,
          "Sec-WebSocket-Version of the opening request, as sent", HFILL}},
        {&hf_ws_hs_versions,
         {"Versions supported", "ws.handshake.versions_supported", FT_STRING, BASE_NONE, NULL, 0x0,
          "Sec-WebSocket-Version list of the server's refusal", HFILL}},
        {&hf_ws_hs_extensions,
         {"Extensions", "ws.handshake.extensions", FT_STRING, BASE_NONE, NULL, 0x0,
          "Sec-WebSocket-Extensions of the 101: the extensions in force", HFILL}},
        {&hf_ws_hs_subprotocol,
         {"Subprotocol", "ws.handshake.subprotocol", FT_STRING, BASE_NONE, NULL, 0x0,
          "Sec-WebSocket-Protocol of the 101: the subprotocol in force", HFILL}},
        {&hf_ws_hs_accept,
         {"Expected accept", "ws.handshake.accept_expected", FT_STRING, BASE_NONE, NULL, 0x0,
          "The Sec-WebSocket-Accept the request's Sec-WebSocket-Key calls for", HFILL}},
        {&hf_ws_gap,
         {"Capture gap", "ws.gap", FT_UINT8, BASE_DEC, VALS(ws_gap_vals), 0x0,
          "Bytes of a direction are missing from the capture: it is not judged until a frame "
          "boundary can be trusted",
          HFILL}},
    };
    static int *ett[] = {&ett_ws, &ett_ws_rule, &ett_ws_hs};
    /* One expert info per rule, from the rule table. Registration keeps
     * pointers into this array and to the names, so both live forever. */
    static ei_register_info ei[WSV_RULE_COUNT];
    static const ei_register_info ei_template = {NULL, {NULL, PI_PROTOCOL, PI_NOTE, NULL, EXPFILL}};
    expert_module_t *expert;
    module_t *module;

    proto_ws = proto_register_protocol("WebSocket protocol validator", "WS1002", "ws");
    proto_register_field_array(proto_ws, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));

    for (unsigned i = 0; i < WSV_RULE_COUNT; i++) {
        const struct wsv_rule_info *r = wsv_rule_get((enum wsv_rule)i);
        char *name = g_strdup_printf("ws.expert.%s", r->id);

        g_strdelimit(name, "-", '_');
        ei_ws[i] = (expert_field)EI_INIT;
        ei[i] = ei_template;
        ei[i].ids = &ei_ws[i];
        ei[i].eiinfo.name = name;
        ei[i].eiinfo.severity = r->severity == WSV_SEV_ERROR  ? PI_ERROR
                                : r->severity == WSV_SEV_WARN ? PI_WARN
                                                              : PI_NOTE;
        ei[i].eiinfo.summary = g_strdup_printf("%s (%s): %s", r->id, r->ref, r->statement);
    }
    expert = expert_register_protocol(proto_ws);
    expert_register_field_array(expert, ei, array_length(ei));

    module = prefs_register_protocol(proto_ws, NULL);
    for (unsigned i = 0; i < array_length(ws_strict_prefs); i++)
        prefs_register_bool_preference(module, ws_strict_prefs[i].name, ws_strict_prefs[i].title,
                                       ws_strict_prefs[i].desc, &pref_strict[i]);
    prefs_register_uint_preference(
        module, "midstream_server_port", "Server port for mid-stream captures",
        "When the opening handshake and the TCP SYN were not captured, the endpoint using this "
        "TCP port is taken to be the server (0: none). Verdicts that rest on it say \"role "
        "inferred\"",
        10, &pref_server_port);

    ws_heur_register(proto_ws, module);
    ws_handle = create_dissector_handle(dissect_ws, proto_ws);
    register_postdissector(ws_handle);
    register_init_routine(ws_cache_reset);
    register_cleanup_routine(ws_cache_reset);
    register_init_routine(ws_tables_reset);
    register_cleanup_routine(ws_tables_reset);
}

void proto_reg_handoff_ws(void)
{
    GArray *wanted = g_array_new(FALSE, FALSE, (guint)sizeof(int));
    int ids[4];

    proto_websocket = proto_get_id_by_filter_name("websocket");
    proto_malformed = proto_get_id_by_filter_name("_ws.malformed");
    hf_http_method = proto_registrar_get_id_byname("http.request.method");
    hf_http_resp_version = proto_registrar_get_id_byname("http.response.version");

    /* The frames must be primed too: from 4.6 on, an unreferenced protocol
     * item is faked even at the top of a tree that is not visible. */
    ids[0] = hf_http_method;
    ids[1] = hf_http_resp_version;
    ids[2] = proto_websocket;
    ids[3] = proto_malformed;
    for (unsigned i = 0; i < array_length(ids); i++)
        if (ids[i] > 0)
            g_array_append_val(wanted, ids[i]);
    set_postdissector_wanted_hfids(ws_handle, wanted);
    ws_stats_register();
    ws_heur_handoff();
}
