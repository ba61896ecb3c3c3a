/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-ws-conv.c: WebSocket connections and the first pass's work on each
 * packet. A connection is a validator session (plugin/core, wsv_session.h)
 * in the conversation's proto data, file scope; this file hands it the
 * packet's TCP facts, tells it where the roles come from when the handshake
 * was not captured, and collects what it decides into the packet's record
 * (struct ws1002_pkt), which packet-ws-records.c keeps for the later passes.
 */
#include "packet-ws-int.h"

#include <string.h>

#include <epan/proto_data.h>
#include <epan/dissectors/packet-tcp.h>

enum { WS_NO_DIR = 2 };

/* 0 if the packet was sent by ep[0]. The ports decide unless both sides use
 * the same one. */
static unsigned conv_dir(const struct ws1002_conv *wc, const packet_info *pinfo)
{
    if (wc->port[0] != wc->port[1])
        return pinfo->srcport == wc->port[0] ? 0 : 1;
    return addresses_equal(&pinfo->src, &wc->ep[0]) ? 0 : 1;
}

/* Finding the conversation costs more than the rest of the per-packet work,
 * so the last ones found are remembered. An entry is reused only if TCP
 * looked its conversation up for this very packet (a new connection on the
 * same ports is a new conversation) and the endpoints match. */
#define WS_CACHE_SLOTS 256
static struct {
    conversation_t *conv;
    struct ws1002_conv *wc;
} ws_cache[WS_CACHE_SLOTS];

/* Connections with a violation waiting for a FIN or RST: while there are
 * some, packets of connections missing from the cache are looked up too. */
static unsigned ws_awaiting;

static struct ws1002_pkt ws_pkt;
static int proto_tls = -1;

void ws1002_conv_init(void)
{
    if (proto_tls < 0)
        proto_tls = proto_get_id_by_filter_name("tls");
    memset(ws_cache, 0, sizeof ws_cache);
    memset(&ws_pkt, 0, sizeof ws_pkt);
    ws_awaiting = 0;
    ws1002_inflater_free_all();
}

void ws1002_conv_cleanup(void)
{
    ws1002_conv_init();
}

bool ws1002_awaiting_reactions(void)
{
    return ws_awaiting > 0;
}

static unsigned cache_slot(const packet_info *pinfo)
{
    return (pinfo->srcport ^ pinfo->destport) % WS_CACHE_SLOTS;
}

struct ws1002_conv *ws1002_conv_peek(packet_info *pinfo, unsigned *dir)
{
    unsigned slot = cache_slot(pinfo);
    conversation_t *conv = ws_cache[slot].conv;
    struct ws1002_conv *wc = ws_cache[slot].wc;
    unsigned d;

    if (!conv || conv->last_frame != pinfo->num || pinfo->ptype != PT_TCP)
        return NULL;
    d = conv_dir(wc, pinfo);
    if (pinfo->srcport != wc->port[d] || pinfo->destport != wc->port[d ^ 1] ||
        !addresses_equal(&pinfo->src, &wc->ep[d]))
        return NULL;
    *dir = d;
    return wc;
}

struct ws1002_conv *ws1002_conv_get(packet_info *pinfo, bool create, unsigned *dir)
{
    struct ws1002_conv *wc = ws1002_conv_peek(pinfo, dir);
    conversation_t *conv;

    if (wc)
        return wc;
    conv = create ? find_or_create_conversation(pinfo) : find_conversation_pinfo(pinfo, 0);
    if (!conv)
        return NULL;
    wc = (struct ws1002_conv *)conversation_get_proto_data(conv, proto_ws);
    if (!wc) {
        if (!create)
            return NULL;
        wc = wmem_new0(wmem_file_scope(), struct ws1002_conv);
        wsv_session_init(&wc->s, ws1002_strict());
        copy_address_wmem(wmem_file_scope(), &wc->ep[0], &pinfo->src);
        copy_address_wmem(wmem_file_scope(), &wc->ep[1], &pinfo->dst);
        wc->port[0] = pinfo->srcport;
        wc->port[1] = pinfo->destport;
        wc->tcpd = ws1002_tcp_conversation(conv, pinfo);
        conversation_add_proto_data(conv, proto_ws, wc);
    }
    if (pinfo->ptype == PT_TCP) {
        ws_cache[cache_slot(pinfo)].conv = conv;
        ws_cache[cache_slot(pinfo)].wc = wc;
    }
    *dir = conv_dir(wc, pinfo);
    return wc;
}

/* ---- The session's callbacks --------------------------------------------- */

#define GROW(arr, n, cap, pool)                                                                    \
    do {                                                                                           \
        if ((n) == (cap)) {                                                                        \
            unsigned c2 = (cap) ? 2 * (cap) : 8;                                                   \
            void *bigger = wmem_alloc(pool, (size_t)c2 * sizeof *(arr));                           \
            if (n)                                                                                 \
                memcpy(bigger, arr, (size_t)(n) * sizeof *(arr));                                  \
            (arr) = bigger;                                                                        \
            (cap) = c2;                                                                            \
        }                                                                                          \
    } while (0)

static void on_finding(void *user, const struct wsv_finding *f)
{
    struct ws1002_pkt *pk = user;

    GROW(pk->f, pk->n, pk->cap, pk->pool);
    pk->f[pk->n++] = *f;
}

static void on_link(void *user, const struct wsv_link *l)
{
    struct ws1002_pkt *pk = user;

    GROW(pk->l, pk->nl, pk->lcap, pk->pool);
    pk->l[pk->nl++] = *l;
}

static void on_reaction(void *user, uint32_t pnum, uint32_t frame, uint32_t reaction,
                        uint16_t rcode, uint8_t flags)
{
    (void)user;
    ws1002_records_react(pnum, frame, reaction, rcode, flags);
}

/* Where a frame's header lies: in the chunk being fed. */
static void on_frame(void *user, unsigned dir, uint32_t index, uint64_t offset, uint8_t header_len)
{
    struct ws1002_pkt *pk = user;
    uint64_t rel = offset - pk->chunk_at;

    (void)dir;
    if (!pk->chunk || offset < pk->chunk_at || rel > pk->chunk_len)
        return;
    GROW(pk->w, pk->nw, pk->wcap, pk->pool);
    /* Frames the session numbers but the source cannot place keep their
     * index: the places are by index. */
    while (pk->nw < index)
        pk->w[pk->nw++] = (struct ws1002_where){pk->pnum, 0, WS1002_NO_SRC, 0};
    if (pk->nw > index)
        return;
    pk->w[pk->nw++] =
        (struct ws1002_where){pk->pnum, (uint32_t)(pk->chunk_raw + rel), pk->chunk_src, header_len};
}

/* ---- The inflater (zlib) --------------------------------------------------- */

struct sink_ctx {
    struct ws1002_pkt *pk;
};

static void on_inflated(void *ctx, const uint8_t *p, size_t n, uint64_t at)
{
    struct ws1002_pkt *pk = ((struct sink_ctx *)ctx)->pk;
    struct wsv_session_io io = ws1002_io(pk);

    wsv_session_inflated(&pk->wc->s, p, n, at, &io);
}

static bool on_inflate_begin(void *user, unsigned dir, unsigned window_bits,
                             bool no_context_takeover)
{
    struct ws1002_pkt *pk = user;
    struct ws1002_conv *wc = pk->wc;

    if (!wc->z[dir])
        wc->z[dir] = ws1002_inflater_new(window_bits, no_context_takeover);
    if (!wc->z[dir])
        return false;
    ws1002_inflater_begin(wc->z[dir]);
    return true;
}

static enum wsv_inflate_status on_inflate(void *user, unsigned dir, const uint8_t *p, size_t n,
                                          const char **error)
{
    struct ws1002_pkt *pk = user;
    struct sink_ctx ctx = {pk};
    enum wsv_inflate_status st;

    if (!pk->wc->z[dir])
        return WSV_INFLATE_OK;
    st = ws1002_inflater_feed(pk->wc->z[dir], p, n, on_inflated, &ctx);
    *error = ws1002_inflater_error(pk->wc->z[dir]);
    return st;
}

static void on_inflate_drop(void *user, unsigned dir)
{
    struct ws1002_pkt *pk = user;

    ws1002_inflater_free(pk->wc->z[dir]);
    pk->wc->z[dir] = NULL;
}

static const struct wsv_session_ops ws_ops = {
    on_finding, on_link, on_reaction, on_frame, on_inflate_begin, on_inflate, on_inflate_drop,
};

struct wsv_session_io ws1002_io(struct ws1002_pkt *pk)
{
    struct wsv_session_io io = {&ws_ops, pk};
    return io;
}

/* ---- The packet ---------------------------------------------------------- */

struct ws1002_pkt *ws1002_pkt_peek(packet_info *pinfo)
{
    return ws_pkt.pnum == pinfo->num && !PINFO_FD_VISITED(pinfo) ? &ws_pkt : NULL;
}

struct ws1002_pkt *ws1002_pkt_get(packet_info *pinfo)
{
    if (!ws1002_pkt_peek(pinfo)) {
        memset(&ws_pkt, 0, sizeof ws_pkt);
        ws_pkt.pnum = pinfo->num;
        ws_pkt.pool = pinfo->pool;
    }
    return &ws_pkt;
}

void ws1002_pkt_attach(struct ws1002_pkt *pk, packet_info *pinfo, struct ws1002_conv *wc,
                       unsigned dir)
{
    struct wsv_session_io io = ws1002_io(pk);

    if (pk->wc)
        return;
    pk->wc = wc;
    pk->dir = dir;
    wsv_session_packet(&wc->s, pinfo->num, dir, &io);
}

/* TCP's facts, once per packet. */
static void tell_tcp(struct ws1002_pkt *pk, packet_info *pinfo)
{
    struct wsv_session_io io = ws1002_io(pk);
    struct wsv_tcp t;

    if (pk->tcp_told)
        return;
    pk->tcp_told = true;
    ws1002_tcp_read(pk->wc->tcpd, pinfo, &pk->wc->tcp_seen, &t);
    wsv_session_tcp(&pk->wc->s, &t, &io);
}

/* No handshake: which side is the server, from the strongest evidence at
 * hand: the TCP SYN, then the server-port preference, then a Decode As port,
 * then the mid-stream heuristic. Returns the server's direction, or
 * WS_NO_DIR (each direction's role then comes from the mask bit of its first
 * frame). */
static unsigned midstream_server(packet_info *pinfo, unsigned dir, enum wsv_evidence *ev)
{
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    uint32_t port = 0;

    if (pinfo->srcport == pinfo->destport)
        return WS_NO_DIR;
    if (conv && pinfo->ptype == PT_TCP) {
        struct tcp_analysis *tcpd = get_tcp_conversation_data(conv, pinfo);
        if (tcpd && tcpd->server_port) {
            port = tcpd->server_port;
            *ev = WSV_EV_SYN;
        }
    }
    if (!port && ws1002_pref_server_port &&
        (pinfo->srcport == ws1002_pref_server_port || pinfo->destport == ws1002_pref_server_port)) {
        port = ws1002_pref_server_port;
        *ev = WSV_EV_PORT_PREF;
    }
    if (!port) {
        bool src = ws1002_frames_decode_as(pinfo->srcport);
        bool dst = ws1002_frames_decode_as(pinfo->destport);
        if (src != dst) {
            port = src ? pinfo->srcport : pinfo->destport;
            *ev = WSV_EV_DECODE_AS;
        }
    }
    if (!port && ws1002_heur_server_port(pinfo, &port))
        *ev = WSV_EV_HEUR;
    if (port == pinfo->srcport)
        return dir;
    if (port == pinfo->destport)
        return dir ^ 1;
    *ev = WSV_EV_MASK;
    return WS_NO_DIR;
}

void ws1002_pkt_frames_begin(struct ws1002_pkt *pk, packet_info *pinfo)
{
    struct ws1002_conv *wc = pk->wc;
    struct wsv_session_io io = ws1002_io(pk);

    if (!wsv_session_started(&wc->s)) {
        enum wsv_evidence ev = WSV_EV_MASK;
        unsigned server = WS_NO_DIR;
        /* The session prefers the roles of a captured handshake. */
        if (wc->s.client_dir == WS_NO_DIR)
            server = midstream_server(pinfo, pk->dir, &ev);
        wsv_session_start(&wc->s, server, ev, &io);
    }
    tell_tcp(pk, pinfo);
}

void ws1002_pkt_finish(struct ws1002_pkt *pk, packet_info *pinfo)
{
    struct ws1002_conv *wc = pk->wc;
    struct wsv_session_io io = ws1002_io(pk);
    bool awaits;

    if (!wc)
        return;
    tell_tcp(pk, pinfo);
    /* Over TLS, TCP's sequence numbers count records, not WebSocket bytes.
     * A connection's first packet with frames tells which it is. */
    if (pk->fed && !wc->over_tls)
        wc->over_tls = ws1002_has_layer(pinfo, proto_tls) ? 2 : 1;
    wsv_session_packet_end(&wc->s, pk->fed && !pk->pending && wc->over_tls == 1, &io);
    awaits = wsv_session_awaits(&wc->s);
    if (awaits != wc->awaits)
        ws_awaiting += awaits ? 1 : (unsigned)-1;
    wc->awaits = awaits;
    ws1002_records_store(pk, pinfo);
}
