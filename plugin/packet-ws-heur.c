/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-ws-heur.c: finds WebSocket connections whose opening handshake was
 * not captured, and hands them to the frame source (packet-ws-frames.c) in
 * front of Wireshark's websocket dissector, so that its tree, its reassembly
 * and the core's verdicts follow.
 *
 * Two ways in, because Wireshark offers a plugin no single one. TCP tries
 * its "tcp" heuristic list only when the port's dissector declined, and HTTP,
 * which owns ports 80 and 8080 (and 8088, 3128, ...), never declines: in 4.0
 * it returns without any tree item for a segment whose first byte is not
 * printable, holds printable ones for header reassembly, and shows
 * "Continuation" only once it saw a request; its own "http" heuristic list
 * sees message bodies, never such bytes. So:
 * - a TCP heuristic covers every port whose dissector declines or that has
 *   none;
 * - the postdissector hands over TCP payload that no dissector showed
 *   (nothing above TCP in the packet's layers but http or data, and no HTTP
 *   message starting it): ports 80 and 8080, and any other port whose
 *   dissector left the bytes alone. It reads the segment from the packet's
 *   bytes, not from a tree: no tree is built for it.
 * Neither needs tcp.try_heuristic_first or any other global setting. Both
 * feed the recogniser (plugin/core, wsv_heur.h) segment by segment, in
 * sequence order, on the first pass. When it says WebSocket, the
 * connection's dissector becomes the wrapper below, from the claiming packet
 * on: it hands each direction to "websocket" from its first frame boundary,
 * with TCP reassembly, and then steps aside. Frames in packets before the
 * claim are evidence, not dissected, on every pass alike.
 */
#include "packet-ws-int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <epan/conversation.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto_data.h>
#include <epan/to_str.h>
#include <epan/dissectors/packet-tcp.h>

#include <wsv/wsv_heur.h>

static int proto_tcp = -1;
static int proto_data = -1;
static int proto_http = -1;
static int hf_skipped = -1;
static int hf_evidence = -1;

static dissector_handle_t mid_handle; /* the connections' dissector once found */

static ws1002_pref_bool_t pref_midstream = TRUE;

/* Per-packet record of what the wrapper handed to websocket on the first
 * pass, kept only where it was not simply the whole segment with
 * reassembly; later passes replay it. The key only has to differ from the
 * ws postdissector's (0). */
enum { WS_HEUR_PKT_KEY = 0x6d6964 };
struct ws_heur_pkt {
    uint32_t first, end;
    bool deseg;
};

struct ws_heur_conv {
    struct wsv_heur h;
    address addr[2]; /* addr[i] sends direction i; direction 0 is the first sender seen */
    uint32_t port[2];
    uint32_t next_seq[2];
    /* The numbering next_seq is in: TCP's (relative, usually) when TCP hands
     * the segment over, the header's when the postdissector reads it. */
    uint8_t seq_space[2]; /* enum seq_space */
    bool locked[2];       /* websocket (with TCP reassembly) follows the direction itself */
    uint32_t claim;       /* packet that found the connection; 0: not found */
    struct ws_heur_found *found;
};

/* The evidence as it was when the connection was found: what the note says
 * on every pass. */
struct ws_heur_found {
    struct wsv_heur h;
    struct wsv_heur_inference inf;
};

/* Every connection found not to be WebSocket shares this one (verdict
 * NOT_WEBSOCKET): a capture of many connections keeps a map entry each, no
 * more. */
static struct ws_heur_conv ws_heur_rejected;

enum seq_space { SEQ_NONE, SEQ_TCP, SEQ_RAW };

/* Marks a packet the TCP heuristic fed, for the postdissector (packet scope). */
enum { WS_HEUR_FED_KEY = 0x6d6965 };

/* conversation_t * -> struct ws_heur_conv *, file scope */
static wmem_map_t *ws_heur_convs;

/* Most TCP packets belong to connections already found not to be WebSocket:
 * they must cost next to nothing, not a conversation lookup each. The last
 * connections looked at are remembered by their ports; an entry is reused
 * only if TCP looked its conversation up for this very packet. */
#define HC_CACHE_SLOTS 256
static struct {
    conversation_t *conv;
    struct ws_heur_conv *hc;
    uint32_t lo, hi; /* the ports */
} hc_cache[HC_CACHE_SLOTS];

static void ws_heur_init(void)
{
    ws_heur_convs = wmem_map_new(wmem_file_scope(), g_direct_hash, g_direct_equal);
    wsv_heur_init(&ws_heur_rejected.h);
    ws_heur_rejected.h.verdict = WSV_HEUR_NOT_WEBSOCKET;
    memset(hc_cache, 0, sizeof hc_cache);
}

static void ws_heur_cleanup(void)
{
    ws_heur_convs = NULL;
    memset(hc_cache, 0, sizeof hc_cache);
}

static struct ws_heur_conv *hc_get(conversation_t *conv, packet_info *pinfo, bool create)
{
    struct ws_heur_conv *hc;

    if (!conv || !ws_heur_convs)
        return NULL;
    hc = (struct ws_heur_conv *)wmem_map_lookup(ws_heur_convs, conv);
    if (!hc && create) {
        hc = wmem_new0(wmem_file_scope(), struct ws_heur_conv);
        wsv_heur_init(&hc->h);
        copy_address_wmem(wmem_file_scope(), &hc->addr[0], &pinfo->src);
        copy_address_wmem(wmem_file_scope(), &hc->addr[1], &pinfo->dst);
        hc->port[0] = pinfo->srcport;
        hc->port[1] = pinfo->destport;
        wmem_map_insert(ws_heur_convs, conv, hc);
    }
    return hc;
}

static void hc_remember(const packet_info *pinfo, conversation_t *conv, struct ws_heur_conv *hc);

/* After a segment: a connection that is not WebSocket gives its memory back. */
static void hc_settle(conversation_t *conv, struct ws_heur_conv *hc, const packet_info *pinfo)
{
    if (hc == &ws_heur_rejected || hc->h.verdict != WSV_HEUR_NOT_WEBSOCKET)
        return;
    free_address_wmem(wmem_file_scope(), &hc->addr[0]);
    free_address_wmem(wmem_file_scope(), &hc->addr[1]);
    wmem_free(wmem_file_scope(), hc);
    wmem_map_insert(ws_heur_convs, conv, &ws_heur_rejected);
    hc_remember(pinfo, conv, &ws_heur_rejected);
}

static unsigned hc_dir(const struct ws_heur_conv *hc, const packet_info *pinfo)
{
    if (hc->port[0] != hc->port[1])
        return pinfo->srcport == hc->port[0] ? 0 : 1;
    return addresses_equal(&pinfo->src, &hc->addr[0]) ? 0 : 1;
}

/* Feeds the segment if it is the next one of its direction: a
 * retransmission is skipped, a hole makes the direction search for a chain
 * start again. Where the numbering changes (the connection was found by the
 * postdissector and TCP now hands its segments over) the segment is taken
 * to follow on. */
static bool hc_feed(struct ws_heur_conv *hc, unsigned dir, enum seq_space space, uint32_t seq,
                    const uint8_t *p, size_t len, struct wsv_heur_span *sp)
{
    if (hc->seq_space[dir] == space) {
        int32_t ahead = (int32_t)(seq - hc->next_seq[dir]);
        if (ahead < 0)
            return false;
        if (ahead > 0)
            wsv_heur_gap(&hc->h, dir);
    }
    hc->seq_space[dir] = (uint8_t)space;
    hc->next_seq[dir] = seq + (uint32_t)len;
    wsv_heur_segment(&hc->h, dir, p, len, sp);
    return true;
}

/* Hands [first, end) of the segment to the frame source; with deseg, the
 * rest of the segment from first on, with TCP reassembly of frames that run
 * past its end. Bytes left out are shown as such. */
static void hc_hand(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data, unsigned first,
                    unsigned end, bool deseg)
{
    unsigned len = tvb_captured_length(tvb);

    if (first > 0)
        proto_tree_add_item(tree, hf_skipped, tvb, 0, (int)first, ENC_NA);
    if (first < end) {
        tvbuff_t *sub = deseg ? tvb_new_subset_remaining(tvb, (int)first)
                              : tvb_new_subset_length(tvb, (int)first, (int)(end - first));
        /* As a proxying dissector does: pass on the reassembly TCP offered to
         * whoever it called. */
        ws1002_frames(sub, pinfo, tree, data, ws1002_frames_tcp_inner(),
                      deseg ? pinfo->saved_can_desegment : 0);
        if (deseg && pinfo->desegment_len)
            pinfo->desegment_offset += (int)first;
    }
    if (!deseg && end < len && end >= first)
        proto_tree_add_item(tree, hf_skipped, tvb, (int)end, (int)(len - end), ENC_NA);
}

static void hc_show_evidence(const struct ws_heur_conv *hc, tvbuff_t *tvb, packet_info *pinfo,
                             proto_tree *tree);

static void hc_record(packet_info *pinfo, unsigned first, unsigned end, bool deseg)
{
    struct ws_heur_pkt *rec = wmem_new(wmem_file_scope(), struct ws_heur_pkt);
    rec->first = first;
    rec->end = end;
    rec->deseg = deseg;
    p_add_proto_data(wmem_file_scope(), pinfo, proto_ws, WS_HEUR_PKT_KEY, rec);
}

static void hc_claim(struct ws_heur_conv *hc, conversation_t *conv, packet_info *pinfo)
{
    hc->claim = pinfo->num;
    hc->found = wmem_new(wmem_file_scope(), struct ws_heur_found);
    hc->found->h = hc->h;
    wsv_heur_infer(&hc->h, &hc->found->inf);
    conversation_set_dissector_from_frame_number(conv, pinfo->num, mid_handle);
}

/* ---- The connection's dissector, once found ------------------------------ */

static int dissect_ws_mid(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    struct ws_heur_conv *hc = hc_get(find_conversation_pinfo(pinfo, 0), pinfo, false);
    struct tcpinfo *ti = (struct tcpinfo *)data;
    unsigned len = tvb_captured_length(tvb), dir;
    struct wsv_heur_span sp = {len, len};

    if (!hc)
        return 0;
    if (PINFO_FD_VISITED(pinfo)) {
        const struct ws_heur_pkt *rec = (const struct ws_heur_pkt *)p_get_proto_data(
            wmem_file_scope(), pinfo, proto_ws, WS_HEUR_PKT_KEY);
        hc_show_evidence(hc, tvb, pinfo, tree);
        if (rec)
            hc_hand(tvb, pinfo, tree, data, rec->first, rec->end, rec->deseg);
        else
            hc_hand(tvb, pinfo, tree, data, 0, len, true);
        return (int)len;
    }
    dir = hc_dir(hc, pinfo);
    if (!hc->locked[dir]) {
        /* The direction's first segments since the connection was found:
         * start at its first frame boundary. A reassembled buffer (HTTP held
         * bytes it hoped were headers) starts with bytes from before the
         * claim: its new bytes keep the recogniser in step, but it is not
         * handed over, as TCP would then have to restart its own reassembly
         * inside it. */
        uint32_t off = ti && ti->is_reassembled && hc->seq_space[dir] == SEQ_TCP
                           ? hc->next_seq[dir] - ti->seq
                           : 0;
        if (ti && off < len && len == tvb_reported_length(tvb))
            hc_feed(hc, dir, SEQ_TCP, ti->seq + off, tvb_get_ptr(tvb, (int)off, (int)(len - off)),
                    len - off, &sp);
        if (ti && ti->is_reassembled)
            sp.first = sp.end = len;
        hc->locked[dir] = sp.first < len;
        if (sp.first > 0)
            hc_record(pinfo, (unsigned)sp.first, len, true);
    } else {
        sp.first = 0;
    }
    hc_hand(tvb, pinfo, tree, data, (unsigned)sp.first, len, true);
    return (int)len;
}

/* ---- Connections already judged ------------------------------------------ */

static unsigned hc_slot(const packet_info *pinfo)
{
    return (pinfo->srcport ^ pinfo->destport) % HC_CACHE_SLOTS;
}

/* The packet's entry, or NULL (a miss: look the conversation up); its
 * conversation in *conv. */
static struct ws_heur_conv *hc_cached(const packet_info *pinfo, conversation_t **conv)
{
    unsigned slot = hc_slot(pinfo);
    uint32_t lo = MIN(pinfo->srcport, pinfo->destport), hi = MAX(pinfo->srcport, pinfo->destport);

    if (!hc_cache[slot].conv || hc_cache[slot].conv->last_frame != pinfo->num ||
        hc_cache[slot].lo != lo || hc_cache[slot].hi != hi)
        return NULL;
    *conv = hc_cache[slot].conv;
    return hc_cache[slot].hc;
}

static void hc_remember(const packet_info *pinfo, conversation_t *conv, struct ws_heur_conv *hc)
{
    unsigned slot = hc_slot(pinfo);

    hc_cache[slot].conv = conv;
    hc_cache[slot].hc = hc;
    hc_cache[slot].lo = MIN(pinfo->srcport, pinfo->destport);
    hc_cache[slot].hi = MAX(pinfo->srcport, pinfo->destport);
}

/* The packet's connection as far as the recogniser goes, created on first
 * use; NULL if it needs no more looking at (found, or not WebSocket). */
static struct ws_heur_conv *hc_pending(packet_info *pinfo, conversation_t **convp)
{
    conversation_t *conv = NULL;
    struct ws_heur_conv *hc = hc_cached(pinfo, &conv);

    if (hc == &ws_heur_rejected)
        return NULL;
    if (!hc) {
        conv = find_or_create_conversation(pinfo);
        hc = hc_get(conv, pinfo, true);
        hc_remember(pinfo, conv, hc);
    }
    *convp = conv;
    if (!hc || hc->claim || hc->h.verdict == WSV_HEUR_NOT_WEBSOCKET)
        return NULL;
    return hc;
}

/* ---- Way in 1: the TCP heuristic ----------------------------------------- */

static ws1002_heur_ret_t ws_heur_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree,
                                     void *data)
{
    struct tcpinfo *ti = (struct tcpinfo *)data;
    unsigned len = tvb_captured_length(tvb), dir;
    conversation_t *conv = NULL;
    struct ws_heur_conv *hc;
    struct wsv_heur_span sp;

    /* The verdict is reached on the first pass; later passes find the
     * connection's dissector from the claiming packet on. */
    if (!pref_midstream || PINFO_FD_VISITED(pinfo) || !ti || ti->is_reassembled || !len ||
        len != tvb_reported_length(tvb) || !(hc = hc_pending(pinfo, &conv)))
        return FALSE;
    dir = hc_dir(hc, pinfo);
    p_add_proto_data(pinfo->pool, pinfo, proto_ws, WS_HEUR_FED_KEY, &ws_heur_convs);
    if (!hc_feed(hc, dir, SEQ_TCP, ti->seq, tvb_get_ptr(tvb, 0, (int)len), len, &sp) ||
        hc->h.verdict != WSV_HEUR_WEBSOCKET) {
        hc_settle(conv, hc, pinfo);
        return FALSE;
    }
    hc_claim(hc, conv, pinfo);
    hc_show_evidence(hc, tvb, pinfo, tree);
    hc->locked[dir] = sp.first < len;
    if (sp.first > 0)
        hc_record(pinfo, (unsigned)sp.first, len, true);
    hc_hand(tvb, pinfo, tree, data, (unsigned)sp.first, len, true);
    return TRUE;
}

/* ---- Way in 2: from the postdissector ------------------------------------- */

/* Did no dissector show the packet's TCP payload: nothing above TCP in its
 * layers but http (which never declines on its ports) or data? (The
 * postdissector adds no layer of its own.) */
static bool undissected(packet_info *pinfo)
{
    wmem_list_frame_t *fr = pinfo->layers ? wmem_list_tail(pinfo->layers) : NULL;
    int top = fr ? GPOINTER_TO_INT(wmem_list_frame_data(fr)) : -1;

    return top == proto_tcp || top == proto_data || top == proto_http;
}

/* Bytes HTTP leaves alone: it holds a segment that starts with a printable
 * byte for a header line (or parses it), and shows nothing for one that
 * starts with another byte. A frame header is printable only with FIN clear
 * and an RSV bit set (0x41: the first frame of a compressed fragmented
 * message), which HTTP holds and this route then does not see. */
static bool http_ignores(const uint8_t *p)
{
    return p[0] < 0x20 || p[0] > 0x7e;
}

void ws1002_heur_packet(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb)
{
    conversation_t *conv = NULL;
    struct ws_heur_conv *hc;
    struct wsv_heur_span sp;
    unsigned len = 0, at = 0, dir;
    uint32_t seq = 0;
    const uint8_t *p;
    tvbuff_t *ptvb;

    if (!pref_midstream || PINFO_FD_VISITED(pinfo) || pinfo->ptype != PT_TCP ||
        !undissected(pinfo) || hc_cached(pinfo, &conv) == &ws_heur_rejected)
        return;
    p = ws1002_tcp_payload(pinfo, tvb, &at, &len, &seq);
    if (!p || !http_ignores(p) || p_get_proto_data(pinfo->pool, pinfo, proto_ws, WS_HEUR_FED_KEY) ||
        !(hc = hc_pending(pinfo, &conv)) || conversation_get_dissector(conv, pinfo->num) ||
        ws1002_tcp_held(conv, pinfo, seq))
        return;
    dir = hc_dir(hc, pinfo);
    if (!hc_feed(hc, dir, SEQ_RAW, seq, p, len, &sp) || hc->h.verdict != WSV_HEUR_WEBSOCKET) {
        hc_settle(conv, hc, pinfo);
        return;
    }
    hc_claim(hc, conv, pinfo);
    /* TCP's reassembly is out of reach here: only a segment that ends between
     * frames is shown now (its frames are complete); otherwise its frames
     * stay evidence and websocket starts with the direction's next segment,
     * at a frame boundary, so that no frame is missing between two shown. */
    if (sp.end != len)
        sp.first = sp.end = len;
    hc_record(pinfo, (unsigned)sp.first, (unsigned)sp.end, false);
    ptvb = tvb_new_subset_length(tvb, (int)at, (int)len);
    hc_show_evidence(hc, ptvb, pinfo, tree);
    hc_hand(ptvb, pinfo, tree, NULL, (unsigned)sp.first, (unsigned)sp.end, false);
}

/* ---- What the note says --------------------------------------------------- */

/* Direction of the server when the mask bits cannot tell: a well-known port
 * against another, or a port below the ephemeral range against one in it. */
static int port_server(const uint32_t port[2])
{
    bool wk0 = port[0] < 1024, wk1 = port[1] < 1024;
    bool eph0 = port[0] >= 32768, eph1 = port[1] >= 32768;

    if (wk0 != wk1)
        return wk0 ? 0 : 1;
    if (eph0 != eph1)
        return eph0 ? 1 : 0;
    return -1;
}

static int hc_server(const struct ws_heur_conv *hc, bool *by_port)
{
    *by_port = false;
    for (unsigned i = 0; i < 2; i++) {
        if (hc->found->inf.role[i] == WSV_ROLE_SERVER)
            return (int)i;
        if (hc->found->inf.role[i] == WSV_ROLE_CLIENT)
            return (int)(i ^ 1);
    }
    *by_port = true;
    return port_server(hc->port);
}

static struct ws_heur_conv *hc_found(packet_info *pinfo)
{
    struct ws_heur_conv *hc = hc_get(find_conversation_pinfo(pinfo, 0), pinfo, false);
    return hc && hc->claim ? hc : NULL;
}

bool ws1002_heur_server_port(packet_info *pinfo, uint32_t *port)
{
    struct ws_heur_conv *hc = hc_found(pinfo);
    bool by_port;
    int s;

    if (!hc || hc->port[0] == hc->port[1] || (s = hc_server(hc, &by_port)) < 0)
        return false;
    *port = hc->port[s];
    return true;
}

/* Where a direction's sender is: its port, or address and port when both
 * sides use the same port. */
static const char *hc_side(const struct ws_heur_conv *hc, packet_info *pinfo, unsigned i)
{
    if (hc->port[0] != hc->port[1])
        return wmem_strdup_printf(pinfo->pool, "port %u", hc->port[i]);
    return wmem_strdup_printf(pinfo->pool, "%s:%u", address_to_str(pinfo->pool, &hc->addr[i]),
                              hc->port[i]);
}

/* The evidence, most telling first (the expert message keeps 240 bytes). */
static void hc_describe(const struct ws_heur_conv *hc, packet_info *pinfo, char *ev, size_t size,
                        bool verbose)
{
    const struct wsv_heur *h = &hc->found->h;
    size_t n = 0;
    bool by_port;
    int server = hc_server(hc, &by_port);
    uint32_t rsv1 = 0, starts = 0;
    const char *sep = "";

#define EV_ADD(...)                                                                                \
    do {                                                                                           \
        if (n < size)                                                                              \
            n += (size_t)snprintf(ev + n, size - n, __VA_ARGS__);                                  \
    } while (0)

    ev[0] = '\0';
    if (verbose)
        EV_ADD("found in frame %u without a handshake; ", hc->claim);
    for (unsigned i = 0; i < 2; i++) {
        const struct wsv_heur_tally *t = &h->dir[i].t;
        rsv1 += t->rsv1;
        starts += t->starts;
        if (!t->frames)
            continue;
        EV_ADD("%s%s masked %u/%u", sep, hc_side(hc, pinfo, i), t->masked, t->frames);
        sep = ", ";
    }
    if (server >= 0)
        EV_ADD("%s%s", sep,
               by_port   ? "server by port (both mask alike)"
               : verbose ? "the side that masks is the client"
                         : "masking side = client");
    if (hc->found->inf.pmd_likely)
        EV_ADD("; deflate likely (RSV1 %u/%u)", rsv1, starts);
    else if (rsv1)
        EV_ADD("; RSV1 but no deflate data");
    else
        EV_ADD("; deflate unknown (no RSV1)");
    for (unsigned i = 0; i < 2; i++) {
        if (hc->found->inf.fragment_open[i])
            EV_ADD("; %s began mid-message", hc_side(hc, pinfo, i));
        if (verbose && h->dir[i].t.injected)
            EV_ADD("; %s: %u segments began like another protocol", hc_side(hc, pinfo, i),
                   h->dir[i].t.injected);
        if (h->dir[i].skipped)
            EV_ADD("; %s: %" PRIu64 " bytes skipped", hc_side(hc, pinfo, i), h->dir[i].skipped);
    }
#undef EV_ADD
}

bool ws1002_heur_evidence(packet_info *pinfo, char *buf, size_t len)
{
    struct ws_heur_conv *hc = hc_found(pinfo);

    if (!hc || !len)
        return false;
    hc_describe(hc, pinfo, buf, len, false);
    return true;
}

/* On the packet that found the connection, all of the evidence. */
static void hc_show_evidence(const struct ws_heur_conv *hc, tvbuff_t *tvb, packet_info *pinfo,
                             proto_tree *tree)
{
    char ev[400];
    if (!tree || pinfo->num != hc->claim)
        return;
    hc_describe(hc, pinfo, ev, sizeof ev, true);
    proto_item_set_generated(proto_tree_add_string(tree, hf_evidence, tvb, 0, 0, ev));
}

/* ---- Registration -------------------------------------------------------- */

void ws1002_heur_register(module_t *module)
{
    static hf_register_info hf[] = {
        {&hf_evidence,
         {"Found without a handshake", "ws.midstream.evidence", FT_STRING, BASE_NONE, NULL, 0x0,
          "The ws1002 heuristic found this connection without its opening handshake: the "
          "evidence its inferences (roles, permessage-deflate, an open message) rest on",
          HFILL}},
        {&hf_skipped,
         {"Bytes outside the WebSocket frames found", "ws.midstream.skipped", FT_BYTES, BASE_NONE,
          NULL, 0x0,
          "Bytes of a connection found without its handshake that belong to a frame whose "
          "start is not in the capture (or not yet shown): not dissected",
          HFILL}},
    };

    proto_register_field_array(proto_ws, hf, array_length(hf));
    prefs_register_bool_preference(
        module, "midstream_heuristic", "Find WebSocket connections without a captured handshake",
        "Recognise WebSocket frames in TCP connections whose opening handshake is not in the "
        "capture, on any port (80 and 8080 included), and dissect them as WebSocket. Roles and "
        "extensions are then inferred, and every verdict that rests on them says so",
        &pref_midstream);
    mid_handle = create_dissector_handle(dissect_ws_mid, proto_ws);
    register_init_routine(ws_heur_init);
    register_cleanup_routine(ws_heur_cleanup);
}

void ws1002_heur_handoff(void)
{
    proto_tcp = proto_get_id_by_filter_name("tcp");
    proto_data = proto_get_id_by_filter_name("data");
    proto_http = proto_get_id_by_filter_name("http");
    heur_dissector_add("tcp", ws_heur_tcp, "WebSocket without a captured handshake (ws1002)",
                       "ws_midstream_tcp", proto_ws, HEURISTIC_ENABLE);
}
