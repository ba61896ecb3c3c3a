/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-ws-handshake.c: the opening handshake's heads, found in the bytes
 * of the packets Wireshark's http dissector dissected, without its tree (a
 * tree for every packet of every capture is what the plugin must not cost).
 * An HTTP head starts where TCP's payload starts, or at the start of a
 * buffer TCP reassembled or TLS decrypted; the heads of a packet follow one
 * another after an interim (1xx) response. A request is an opening request
 * when it speaks of WebSocket (Upgrade: websocket or a Sec-WebSocket-Key);
 * it is judged by the core and its record kept in the connection until the
 * final response, which is judged against it. A 101 whose request was not
 * captured is judged too.
 */
#include "packet-ws-int.h"

#include <string.h>

static int proto_http = -1;

unsigned ws1002_hs_awaiting;

bool ws1002_has_layer(packet_info *pinfo, int proto)
{
    wmem_list_frame_t *fr;

    if (proto < 0 || !pinfo->layers)
        return false;
    for (fr = wmem_list_head(pinfo->layers); fr; fr = wmem_list_frame_next(fr))
        if (GPOINTER_TO_INT(wmem_list_frame_data(fr)) == proto)
            return true;
    return false;
}

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* Where the IP datagram around the TCP header at k ends, from the IPv4 or
 * IPv6 header right before it; len if there is none to read. */
static unsigned ip_end(const uint8_t *p, unsigned k, unsigned len)
{
    for (unsigned ihl = 20; ihl <= 60 && ihl <= k; ihl += 4) {
        const uint8_t *ip = p + k - ihl;
        if (ip[0] == (0x40 | ihl / 4) && ip[9] == 6 && be16(ip + 2))
            return MIN(k - ihl + be16(ip + 2), len + 1);
    }
    if (k >= 40 && (p[k - 40] >> 4) == 6 && p[k - 40 + 6] == 6)
        return MIN(k + be16(p + k - 40 + 4), len + 1);
    return len;
}

/* Where the TCP header lies in the frame: at the packet's ports, with a sane
 * data offset, after at most a few hundred bytes of link and network
 * headers. The usual places first (Ethernet, loopback, Linux cooked, raw IP;
 * IPv4, IPv6), then every other. */
static unsigned tcp_header_at(const packet_info *pinfo, const uint8_t *p, unsigned caplen)
{
    static const unsigned usual[] = {34, 54, 24, 44, 36, 56, 20, 40, 38, 58};

    for (unsigned i = 0; i < array_length(usual); i++) {
        unsigned k = usual[i];
        if (k + 20 <= caplen && be16(p + k) == pinfo->srcport && be16(p + k + 2) == pinfo->destport)
            return k;
    }
    for (unsigned k = 0; k + 20 <= caplen && k < 320; k++)
        if (be16(p + k) == pinfo->srcport && be16(p + k + 2) == pinfo->destport)
            return k;
    return caplen;
}

const uint8_t *ws1002_tcp_payload(packet_info *pinfo, tvbuff_t *frame, unsigned *at, unsigned *len,
                                  uint32_t *seq)
{
    /* The handshake and the heuristic both ask, for the same packet. */
    static uint32_t last_pnum;
    static unsigned last_at, last_len;
    static uint32_t last_seq;
    static bool last_ok;
    unsigned caplen = tvb_captured_length(frame), k, hl, end;
    const uint8_t *p;

    if (pinfo->ptype != PT_TCP || caplen < 20)
        return NULL;
    p = tvb_get_ptr(frame, 0, (int)caplen);
    if (last_pnum != pinfo->num) {
        last_pnum = pinfo->num;
        last_ok = false;
        k = tcp_header_at(pinfo, p, caplen);
        hl = k < caplen ? 4u * (p[k + 12] >> 4) : 0;
        end = hl >= 20 && k + hl <= caplen ? ip_end(p, k, caplen) : 0;
        /* Cut short by the capture: nobody sees where it ends. */
        if (end && end <= caplen && end > k + hl) {
            last_at = k + hl;
            last_len = end - last_at;
            last_seq = (uint32_t)be16(p + k + 4) << 16 | be16(p + k + 6);
            last_ok = true;
        }
    }
    if (!last_ok)
        return NULL;
    *at = last_at;
    *len = last_len;
    if (seq)
        *seq = last_seq;
    return p + last_at;
}

/* What came of a head. */
enum judged { HEAD_NONE, HEAD_JUDGED, HEAD_INTERIM };

static void head_record(struct ws1002_pkt *pk, packet_info *pinfo, unsigned src, unsigned at,
                        size_t len)
{
    pk->head = wmem_new0(pinfo->pool, struct ws1002_head);
    pk->head->start = at;
    pk->head->len = (uint32_t)MIN(len, (size_t)INT32_MAX);
    pk->head->src = (uint16_t)src;
}

static const char *keep(const char *s)
{
    return s && s[0] ? wmem_strdup(wmem_file_scope(), s) : NULL;
}

/* An opening request: judged, and its record kept for the response. */
static enum judged judge_request(struct ws1002_pkt *pk, packet_info *pinfo, const uint8_t *p,
                                 size_t n, const struct wsv_http_head *h, unsigned src, unsigned at)
{
    struct ws1002_conv *wc;
    struct wsv_session_io io;
    unsigned dir;

    if (!wsv_hs_is_websocket(p, h))
        return HEAD_NONE;
    wc = ws1002_conv_get(pinfo, true, &dir);
    if (wsv_session_started(&wc->s))
        return HEAD_NONE;
    ws1002_pkt_attach(pk, pinfo, wc, dir);
    if (!wc->req) {
        wc->req = wmem_new0(wmem_file_scope(), struct wsv_hs_request);
        ws1002_hs_awaiting++;
    }
    io = ws1002_io(pk);
    wsv_session_request(&wc->s, p, n, wc->req, &io);
    pk->fed = true;
    head_record(pk, pinfo, src, at, h->len);
    if (wc->req->version != -1)
        pk->head->version = wmem_strdup(wmem_file_scope(), wc->req->version_text);
    return HEAD_JUDGED;
}

/* The response to an opening request, or a 101 whose request was not
 * captured. */
static enum judged judge_response(struct ws1002_pkt *pk, packet_info *pinfo, const uint8_t *p,
                                  size_t n, const struct wsv_http_head *h, unsigned src,
                                  unsigned at)
{
    struct ws1002_conv *wc = NULL;
    struct wsv_hs_result *res;
    struct wsv_session_io io;
    struct ws1002_head *hd;
    unsigned dir;

    if (ws1002_hs_awaiting)
        wc = ws1002_conv_get(pinfo, false, &dir);
    if (!(wc && wc->req)) {
        if (h->status != 101 || !wsv_hs_is_websocket(p, h))
            return h->status / 100 == 1 ? HEAD_INTERIM : HEAD_NONE;
        wc = ws1002_conv_get(pinfo, true, &dir);
    }
    if (wsv_session_started(&wc->s))
        return HEAD_NONE;
    ws1002_pkt_attach(pk, pinfo, wc, dir);
    res = wmem_new(pinfo->pool, struct wsv_hs_result);
    io = ws1002_io(pk);
    if (!wsv_session_response(&wc->s, p, n, wc->req, res, &io))
        return HEAD_INTERIM;
    head_record(pk, pinfo, src, at, h->len);
    pk->fed = res->upgraded;
    hd = pk->head;
    hd->status = res->status;
    hd->accept = keep(res->accept_expected);
    if (res->has_versions)
        hd->versions = keep(res->versions);
    if (res->upgraded) {
        char missing[WSV_HS_NAMES];
        wc->accept = hd->accept;
        wc->extensions = hd->extensions = keep(res->extensions);
        wc->subprotocol = hd->subprotocol = keep(res->subprotocol);
        if (wc->req && wsv_hs_ext_missing(wc->req, res, missing, sizeof missing))
            wc->ext_missing = keep(missing);
    }
    if (wc->req) {
        wmem_free(wmem_file_scope(), wc->req);
        wc->req = NULL;
        ws1002_hs_awaiting--;
    }
    return HEAD_JUDGED;
}

/* Cheap refusals first: a start line begins with a method token or "HTTP/"
 * (most TCP payload is neither). */
static bool looks_like_head(uint8_t c)
{
    return c >= 'A' && c <= 'Z';
}

/* The heads at the start of ds[at, at + len): the first that concerns
 * WebSocket is judged. True once one was. */
static bool heads_in(struct ws1002_pkt *pk, packet_info *pinfo, unsigned src, const uint8_t *p,
                     unsigned at, unsigned len)
{
    while (len >= 16) {
        struct wsv_http_head h;
        enum judged j;
        if (!looks_like_head(p[0]))
            return false;
        if (wsv_http_parse(p, len, &h) != WSV_HTTP_OK)
            return false;
        j = h.response ? judge_response(pk, pinfo, p, len, &h, src, at)
                       : judge_request(pk, pinfo, p, len, &h, src, at);
        if (j == HEAD_JUDGED)
            return true;
        /* A final response or a request not about WebSocket: what follows is
         * a body or another message nobody here is waiting for. */
        if (j != HEAD_INTERIM)
            return false;
        p += h.len;
        at += (unsigned)h.len;
        len -= (unsigned)h.len;
    }
    return false;
}

/* A buffer that TCP reassembled or TLS decrypted starts with the message its
 * upper dissector wanted whole. */
static bool head_source(const struct data_source *d)
{
    static const char *const names[] = {"Reassembled TCP ", "Decrypted TLS ", "Reassembled TLS "};
    char *name = ws1002_data_source_text(d);
    bool yes = false;

    for (unsigned i = 0; i < array_length(names) && !yes; i++)
        yes = strncmp(name, names[i], strlen(names[i])) == 0;
    wmem_free(NULL, name);
    return yes;
}

void ws1002_handshake(struct ws1002_pkt *pk, packet_info *pinfo)
{
    unsigned src = 0;

    if (pk->head || !ws1002_has_layer(pinfo, proto_http))
        return;
    for (GSList *l = pinfo->data_src; l; l = l->next, src++) {
        const struct data_source *d = (const struct data_source *)l->data;
        tvbuff_t *ds = get_data_source_tvb(d);
        unsigned at = 0, len = tvb_captured_length(ds);
        const uint8_t *p;

        if (src == 0)
            p = ws1002_tcp_payload(pinfo, ds, &at, &len, NULL);
        else
            p = len >= 16 && looks_like_head(ws1002_tvb_get_u8(ds, 0)) && head_source(d)
                    ? tvb_get_ptr(ds, 0, (int)len)
                    : NULL;
        if (p && heads_in(pk, pinfo, src, p, at, len))
            return;
    }
}

void ws1002_handshake_handoff(void)
{
    proto_http = proto_get_id_by_filter_name("http");
}
