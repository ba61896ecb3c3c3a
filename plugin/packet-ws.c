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
 * -2, GUI clicks in any order, sharkd) replays them; a clean frame stores
 * nothing, its role and "after fail" state come from the conversation.
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

#include "packet-ws.h"

static int proto_ws = -1;
static int proto_websocket = -1;
static int hf_http_key = -1;
static int hf_http_code = -1;
static int hf_http_ext = -1;

static int hf_ws_role = -1;
static int hf_ws_role_inferred = -1;
static int hf_ws_after_fail = -1;
static int hf_ws_proto_error = -1;
static int hf_ws_rule = -1;
static int hf_ws_rfc = -1;
static int hf_ws_expected_close = -1;
static int hf_ws_offset = -1;

static int ett_ws = -1;
static int ett_ws_rule = -1;

static expert_field ei_ws[WSV_RULE_COUNT];

static dissector_handle_t ws_handle;
static dissector_handle_t websocket_handle;

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
};

/* A frame position: packet number and index of the frame within it. */
struct ws_mark {
    uint32_t pnum; /* 0: none */
    uint32_t frame;
};

struct ws_conv {
    struct wsv_conn core;
    address ep[2]; /* ep[i] sends direction i; ep[0] is the first sender seen */
    uint32_t port[2];
    /* First frame of each direction that came after a must-fail violation:
     * every later frame of that direction is "after fail" too. */
    struct ws_mark after_fail[2];
    struct wsv_pmd pmd; /* from the 101 */
    uint8_t client_dir; /* from the handshake; WS_NO_DIR if not seen */
    bool saw_101;
    bool started; /* the core is configured; handshake fields no longer count */
    bool dir_started[2];
};

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

enum { WS_F_MUST_FAIL = 1, WS_F_INFERRED = 2 };

struct ws_finding {
    uint64_t detail; /* rule-specific, see ws_detail() */
    int64_t rel;     /* offending byte, relative to the frame's first byte */
    uint32_t frame;  /* index of the WebSocket frame within the packet */
    uint16_t expected_close;
    uint8_t rule;
    uint8_t flags;
};

/* Stored per packet, only for packets with findings. */
struct ws_packet {
    uint32_t n;
    struct ws_finding f[];
};

/* First-pass collector, handed to the core as its callback context. */
struct ws_collect {
    struct ws_finding *f;
    unsigned n, cap;
    wmem_allocator_t *pool;
    /* the frame being fed */
    uint32_t frame;
    bool after_fail, must_fail;
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
    c->f[c->n++] = (struct ws_finding){detail, rel, c->frame, close, (uint8_t)rule, flags};
}

static void ws_on_begin(void *user, const struct wsv_frame *f)
{
    ((struct ws_collect *)user)->after_fail = f->after_fail;
}

static void ws_on_violation(void *user, const struct wsv_frame *f, const struct wsv_violation *v)
{
    struct ws_collect *c = user;

    c->must_fail |= v->must_fail;
    ws_add(c, v->rule, (int64_t)(v->offset - f->offset), v->detail, v->expected_close,
           (v->must_fail ? WS_F_MUST_FAIL : 0) | (v->inferred ? WS_F_INFERRED : 0));
}

static const struct wsv_callbacks ws_callbacks = {ws_on_begin, ws_on_violation, NULL};

/* ---- Handshake --------------------------------------------------------- */

/* Reads the permessage-deflate element of a 101's Sec-WebSocket-Extensions.
 * Deliberately forgiving: judging the negotiation is the handshake checker's
 * job; this only says what the two peers will apply to RSV1. */
static void ws_parse_extensions(const char *s, struct wsv_pmd *pmd)
{
    static const char pmd_name[] = "permessage-deflate";
    const size_t pmd_len = sizeof pmd_name - 1;

    while (*s && !pmd->enabled) {
        const char *elem_end = s + strcspn(s, ",");
        const char *p = s + strspn(s, " \t");
        size_t n = strcspn(p, ";, \t");

        if (n == pmd_len && g_ascii_strncasecmp(p, pmd_name, n) == 0) {
            pmd->enabled = true;
            for (p += n; p < elem_end;) {
                const char *par, *val;
                size_t plen;
                unsigned bits;

                p += strspn(p, "; \t");
                if (p >= elem_end)
                    break;
                par = p;
                plen = strcspn(par, "=; \t,");
                val = par + plen + strspn(par + plen, " \t");
                bits = 0;
                if (*val == '=') {
                    val += 1 + strspn(val + 1, " \t\"");
                    bits = (unsigned)strtoul(val, NULL, 10);
                }
                if (bits < 8 || bits > 15)
                    bits = 0;
#define WS_PAR_IS(lit) (plen == sizeof(lit) - 1 && g_ascii_strncasecmp(par, lit, plen) == 0)
                if (WS_PAR_IS("server_no_context_takeover"))
                    pmd->server_no_context_takeover = true;
                else if (WS_PAR_IS("client_no_context_takeover"))
                    pmd->client_no_context_takeover = true;
                else if (WS_PAR_IS("server_max_window_bits"))
                    pmd->server_max_window_bits = (uint8_t)bits;
                else if (WS_PAR_IS("client_max_window_bits"))
                    pmd->client_max_window_bits = (uint8_t)bits;
#undef WS_PAR_IS
                p += strcspn(p, ";,");
            }
        }
        s = *elem_end ? elem_end + 1 : elem_end;
    }
}

/* The side sending Sec-WebSocket-Key is the client; the side sending the 101
 * is the server, and its Sec-WebSocket-Extensions decide what RSV1 means. */
static void ws_handshake(packet_info *pinfo, proto_tree *tree)
{
    GPtrArray *key = proto_get_finfo_ptr_array(tree, hf_http_key);
    GPtrArray *code = proto_get_finfo_ptr_array(tree, hf_http_code);
    struct ws_conv *wc;
    unsigned dir;

    if (key && key->len) {
        wc = ws_conv_get(pinfo, true, &dir);
        if (!wc->started)
            wc->client_dir = (uint8_t)dir;
    }
    for (unsigned i = 0; code && i < code->len; i++) {
        field_info *fi = (field_info *)g_ptr_array_index(code, i);
        GPtrArray *ext;

        if (fvalue_get_uinteger(WS1002_FI_FVALUE(fi)) != 101)
            continue;
        wc = ws_conv_get(pinfo, true, &dir);
        if (wc->started)
            return;
        wc->client_dir = (uint8_t)(dir ^ 1);
        wc->saw_101 = true;
        memset(&wc->pmd, 0, sizeof wc->pmd);
        ext = proto_get_finfo_ptr_array(tree, hf_http_ext);
        for (unsigned j = 0; ext && j < ext->len; j++) {
            const char *s = fvalue_get_string(WS1002_FI_FVALUE((field_info *)ext->pdata[j]));
            if (s)
                ws_parse_extensions(s, &wc->pmd);
        }
        return;
    }
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
    if (!port && websocket_handle) {
        dissector_table_t t = find_dissector_table("tcp.port");
        bool src = t && dissector_get_uint_handle(t, pinfo->srcport) == websocket_handle;
        bool dst = t && dissector_get_uint_handle(t, pinfo->destport) == websocket_handle;
        if (src != dst) {
            port = src ? pinfo->srcport : pinfo->destport;
            *ev = WS_EV_DECODE_AS;
        }
    }
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

/* The packet's WebSocket frames are the websocket protocol items at the top
 * of the tree, in wire order. Top-level protocol items are never faked, so
 * they are there on every pass that has a tree. Returns the node of the next
 * one from n on, or NULL. */
static proto_node *ws_find_frame(proto_node *n)
{
    for (; n; n = n->next)
        if (PNODE_FINFO(n) && PNODE_FINFO(n)->hfinfo->id == proto_websocket)
            return n;
    return NULL;
}

/* Length of the frame starting at p (header and payload), from its first
 * header bytes; 0 while the header is incomplete. The core judges the header;
 * this only tells how many bytes belong to the frame, so that the whole frame
 * goes to the core in one call. */
/* Feeds the packet's frames, in wire order, to the core. Each frame's tree
 * item covers only its header; the payload follows contiguously in the same
 * data source. */
static void ws_analyse(packet_info *pinfo, struct ws_conv *wc, unsigned dir, proto_node *node,
                       struct ws_collect *col)
{
    tvbuff_t *ds = NULL;
    const uint8_t *base = NULL;
    unsigned ds_len = 0;
    proto_node *next;

    for (uint32_t i = 0; node; i++, node = next) {
        field_info *fi = PNODE_FINFO(node);
        unsigned start = (unsigned)fi->start;
        unsigned end;
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
        next = ws_find_frame(node->next);
        /* The next frame in the same buffer bounds this one, in case the two
         * parsers disagree on a length (websocket truncates 64-bit ones). */
        if (next && PNODE_FINFO(next)->ds_tvb == ds) {
            unsigned nstart = (unsigned)PNODE_FINFO(next)->start;
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
        if (!wc->started)
            ws_start(wc, pinfo, dir, col);
        if (!wc->dir_started[dir])
            ws_dir_first_frame(wc, dir, p, avail);

        wsv_conn_feed(&wc->core, dir, p, can, &ws_callbacks, col);
        if (can < extent || !extent) {
            /* Cut short by the capture: nothing can be trusted until the next
             * frame boundary. */
            wsv_conn_gap(&wc->core, dir, extent ? extent - can : 0);
            if (!col->after_fail && !col->must_fail)
                ws_add(col, WSV_R_CAPTURE_GAP, (int64_t)can, extent ? extent - can : 0, 0, 0);
        }
        if (col->after_fail && !wc->after_fail[dir].pnum)
            wc->after_fail[dir] = (struct ws_mark){pinfo->num, i};
    }
}

/* ---- Presentation ------------------------------------------------------ */

static void ws_detail(char *buf, size_t len, const struct ws_finding *f)
{
    static const char *const evidence[] = {
        [WS_EV_HANDSHAKE] = "roles from the opening request; the 101 was not captured",
        [WS_EV_SYN] = "roles from the TCP handshake",
        [WS_EV_PORT_PREF] = "roles from the server port preference",
        [WS_EV_DECODE_AS] = "roles from the Decode As port",
        [WS_EV_MASK] = "each direction's role from the mask bit of its first frame",
    };
    uint64_t d = f->detail;

    buf[0] = '\0';
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
    case WSV_R_CAPTURE_GAP:
        if (d)
            snprintf(buf, len, " [%" PRIu64 " bytes missing]", d);
        break;
    case WSV_R_HANDSHAKE_NOT_CAPTURED:
        if (d < array_length(evidence))
            snprintf(buf, len, " [%s]", evidence[d]);
        break;
    default:
        break;
    }
}

static void ws_expert(packet_info *pinfo, proto_item *pi, const struct ws_finding *f)
{
    const struct wsv_rule_info *r = wsv_rule_get((enum wsv_rule)f->rule);
    char detail[96], reaction[64];
    const char *inferred = "";

    ws_detail(detail, sizeof detail, f);
    if (f->flags & WS_F_INFERRED)
        inferred = r->needs == WSV_NEEDS_PMD ? " (extensions inferred)" : " (role inferred)";
    reaction[0] = '\0';
    if ((f->flags & WS_F_MUST_FAIL) && f->expected_close)
        snprintf(reaction, sizeof reaction, "; a conforming receiver closes with %u",
                 f->expected_close);
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

static void ws_add_finding(packet_info *pinfo, proto_tree *tree, field_info *fi,
                           const struct ws_finding *f)
{
    const struct wsv_rule_info *r = wsv_rule_get((enum wsv_rule)f->rule);
    tvbuff_t *ds = fi->ds_tvb;
    bool here = f->rel >= 0 && f->rel < (int64_t)tvb_captured_length_remaining(ds, fi->start);
    proto_item *ri;
    proto_tree *rt;

    ri = proto_tree_add_string_format_value(
        tree, hf_ws_rule, ds, here ? fi->start + (int)f->rel : fi->start, here ? 1 : fi->length,
        r->id, "%s: %s", r->id, r->statement);
    rt = proto_item_add_subtree(ri, ett_ws_rule);
    proto_item_set_generated(proto_tree_add_string(rt, hf_ws_rfc, ds, 0, 0, r->ref));
    if (f->expected_close)
        proto_item_set_generated(
            proto_tree_add_uint(rt, hf_ws_expected_close, ds, 0, 0, f->expected_close));
    if (f->rel >= 0 && f->rel <= (int64_t)UINT32_MAX)
        proto_item_set_generated(proto_tree_add_uint(rt, hf_ws_offset, ds, 0, 0, (uint32_t)f->rel));
    ws_expert(pinfo, ri, f);
}

/* One "ws" item per WebSocket frame, covering its header. */
static void ws_render_frame(packet_info *pinfo, proto_tree *tree, const struct ws_conv *wc,
                            unsigned dir, field_info *fi, uint32_t idx, const struct ws_finding *f,
                            unsigned n)
{
    enum wsv_role role = wc ? wc->core.cfg.role[dir] : WSV_ROLE_UNKNOWN;
    bool inferred = wc && wc->core.cfg.role_inferred[dir];
    const struct ws_mark *af = wc ? &wc->after_fail[dir] : NULL;
    proto_item *ti;
    proto_tree *wt;

    ti = proto_tree_add_item(tree, proto_ws, fi->ds_tvb, fi->start, fi->length, ENC_NA);
    proto_item_append_text(ti, ", %s%s", val_to_str_const(role, ws_role_vals, "unknown"),
                           inferred ? " (inferred)" : "");
    wt = proto_item_add_subtree(ti, ett_ws);
    proto_item_set_generated(proto_tree_add_uint(wt, hf_ws_role, fi->ds_tvb, 0, 0, role));
    proto_item_set_generated(
        proto_tree_add_boolean(wt, hf_ws_role_inferred, fi->ds_tvb, 0, 0, inferred));
    if (af && af->pnum && (pinfo->num > af->pnum || (pinfo->num == af->pnum && idx >= af->frame)))
        proto_item_set_generated(proto_tree_add_boolean(wt, hf_ws_after_fail, fi->ds_tvb, 0, 0, 1));
    for (unsigned k = 0; k < n; k++) {
        if (ws_is_proto_error(&f[k])) {
            proto_item_set_generated(
                proto_tree_add_boolean(wt, hf_ws_proto_error, fi->ds_tvb, 0, 0, 1));
            break;
        }
    }
    for (unsigned k = 0; k < n; k++)
        ws_add_finding(pinfo, wt, fi, &f[k]);
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

static void ws_render(packet_info *pinfo, proto_tree *tree, const struct ws_conv *wc, unsigned dir,
                      proto_node *node, bool want_items, const struct ws_finding *f, unsigned n)
{
    unsigned k = 0;

    if (tree && (want_items || n)) {
        for (uint32_t idx = 0; node; idx++, node = ws_find_frame(node->next)) {
            unsigned first = k;
            while (k < n && f[k].frame == idx)
                k++;
            if (want_items || k > first)
                ws_render_frame(pinfo, tree, wc, dir, PNODE_FINFO(node), idx, &f[first], k - first);
        }
    }
    /* Expert infos are needed on every pass, with or without a tree: taps
     * (tshark -z expert, the GUI's Expert Info) may listen on any of them. */
    for (; k < n; k++)
        ws_expert(pinfo, NULL, &f[k]);
    if (n)
        ws_info_tag(pinfo, f, n);
}

static int dissect_ws(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    struct ws_conv *wc;
    unsigned dir;
    proto_node *frames = tree ? ws_find_frame(tree->first_child) : NULL;
    bool want_items;

    if (!PINFO_FD_VISITED(pinfo)) {
        struct ws_finding buf[16];
        struct ws_collect col = {buf, 0, array_length(buf), pinfo->pool, 0, false, false};

        /* The wanted hfids give the first pass a tree. */
        if (!frames) {
            if (tree)
                ws_handshake(pinfo, tree);
            return 0;
        }
        wc = ws_conv_get(pinfo, true, &dir);
        if (!wc->started) {
            /* The 101 and the first frames can share a packet. */
            ws_handshake(pinfo, tree);
        }
        ws_analyse(pinfo, wc, dir, frames, &col);
        if (col.n) {
            struct ws_packet *rec = (struct ws_packet *)wmem_alloc(
                wmem_file_scope(), sizeof *rec + col.n * sizeof rec->f[0]);
            rec->n = col.n;
            memcpy(rec->f, col.f, col.n * sizeof rec->f[0]);
            p_add_proto_data(wmem_file_scope(), pinfo, proto_ws, 0, rec);
        }
        want_items = proto_field_is_referenced(tree, proto_ws);
        if (col.n || want_items)
            ws_render(pinfo, tree, wc, dir, frames, want_items, col.f, col.n);
    } else {
        const struct ws_packet *rec =
            (const struct ws_packet *)p_get_proto_data(wmem_file_scope(), pinfo, proto_ws, 0);

        want_items = frames && proto_field_is_referenced(tree, proto_ws);
        if (!rec && !want_items)
            return 0;
        wc = ws_conv_get(pinfo, false, &dir);
        if (!wc)
            dir = 0;
        ws_render(pinfo, tree, wc, dir, frames, want_items, rec ? rec->f : NULL, rec ? rec->n : 0);
    }
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
          "Offset of the offending byte from the frame's first header byte", HFILL}},
    };
    static int *ett[] = {&ett_ws, &ett_ws_rule};
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

    ws_handle = create_dissector_handle(dissect_ws, proto_ws);
    register_postdissector(ws_handle);
    register_init_routine(ws_cache_reset);
    register_cleanup_routine(ws_cache_reset);
}

void proto_reg_handoff_ws(void)
{
    GArray *wanted = g_array_new(FALSE, FALSE, (guint)sizeof(int));
    int ids[3];

    proto_websocket = proto_get_id_by_filter_name("websocket");
    hf_http_key = proto_registrar_get_id_byname("http.sec_websocket_key");
    hf_http_code = proto_registrar_get_id_byname("http.response.code");
    hf_http_ext = proto_registrar_get_id_byname("http.sec_websocket_extensions");
    websocket_handle = find_dissector("websocket");

    /* Only the handshake fields, nested in HTTP, need priming: they also make
     * the first pass build a tree, whose top level holds the frames. */
    ids[0] = hf_http_key;
    ids[1] = hf_http_code;
    ids[2] = hf_http_ext;
    for (unsigned i = 0; i < array_length(ids); i++)
        if (ids[i] > 0)
            g_array_append_val(wanted, ids[i]);
    set_postdissector_wanted_hfids(ws_handle, wanted);
}
