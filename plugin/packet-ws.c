/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-ws.c: the ws1002 protocol ("ws"): registration, preferences, and
 * the postdissector that drives both passes (see packet-ws-int.h for the
 * files and what each holds).
 *
 * First pass, in capture order: the frame source (packet-ws-frames.c) hands
 * the core the WebSocket bytes of the packet as websocket dissects them; the
 * postdissector then finishes the packet: the opening-handshake heads and
 * TCP's facts of packets without frames go to the core too, the mid-stream
 * heuristic looks at payload nobody showed, and the verdicts are stored and
 * shown. Later passes show the stored verdicts. A packet of no WebSocket
 * connection costs a cache probe and a look at its layers.
 */
#include "packet-ws-int.h"

#include <string.h>

#include "ws_stats.h"

int proto_ws = -1;
unsigned ws1002_pref_server_port;

static dissector_handle_t post_handle;
static protocol_t *ws_protocol;
/* Enabling or disabling a protocol re-dissects, which runs ws_init. */
static bool ws_on;
static const char *ws_short_name;

bool ws1002_enabled(void)
{
    return ws_on;
}
static ws1002_pref_bool_t pref_switch[8];

unsigned ws1002_strict(void)
{
    unsigned bits = 0;

    for (size_t i = 0; i < wsv_switch_count() && i < array_length(pref_switch); i++)
        if (pref_switch[i])
            bits |= wsv_switch_get(i)->bit;
    return bits;
}

/* The first pass. */
static int first_pass(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    struct ws1002_pkt *pk = ws1002_pkt_peek(pinfo);
    unsigned dir = 0;
    bool want_items;

    if (!pk) {
        /* No frames went to the core: a packet of a WebSocket connection
         * without frames (an ACK, a FIN, a segment TCP holds for
         * reassembly), or a handshake head, or nothing of ours. */
        struct ws1002_conv *wc = ws1002_conv_peek(pinfo, &dir);
        if (!wc && ws1002_awaiting_reactions() && pinfo->ptype == PT_TCP)
            wc = ws1002_conv_get(pinfo, false, &dir);
        pk = ws1002_pkt_get(pinfo);
        if (wc)
            ws1002_pkt_attach(pk, pinfo, wc, dir);
        /* Once frames were fed, heads are no longer judged. */
        if (!wc || !wsv_session_started(&wc->s))
            ws1002_handshake(pk, pinfo);
        if (!pk->wc) {
            ws1002_heur_packet(pinfo, tree, tvb);
            pk = ws1002_pkt_peek(pinfo);
            if (!pk || !pk->wc)
                return 0;
        }
    }
    ws1002_pkt_finish(pk, pinfo);
    want_items = pk->nw && proto_field_is_referenced(tree, proto_ws);
    if (!pk->n && !pk->nl && !pk->head && !want_items && !(pk->nw && ws_stats_wanted()))
        return 0;
    ws1002_render(pinfo, tree, tvb, pk->wc, pk->dir, pk->head, pk->w, pk->nw, want_items, pk->f,
                  pk->n, pk->l, pk->nl);
    return (int)tvb_captured_length(tvb);
}

static int dissect_ws(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    const struct wsv_finding *f;
    const struct wsv_link *l;
    const struct ws1002_head *hd;
    const struct ws1002_where *w = NULL;
    struct ws1002_conv *wc;
    unsigned dir, nframes = 0, n, nl;
    bool want_items, stats;

    if (!ws1002_enabled())
        return 0;
    /* Expert infos name pinfo's current protocol; the handle has none. */
    pinfo->current_proto = ws_short_name;
    if (!PINFO_FD_VISITED(pinfo))
        return first_pass(tvb, pinfo, tree);
    f = ws1002_records_findings(pinfo->num, &n);
    l = ws1002_records_links(pinfo->num, &nl);
    hd = ws1002_records_head(pinfo);
    /* The statistics count frames, with or without a tree. */
    if (tree || ws_stats_wanted())
        w = ws1002_records_places(pinfo->num, &nframes);
    stats = nframes && ws_stats_wanted();
    want_items = nframes && proto_field_is_referenced(tree, proto_ws);
    if (!n && !nl && !hd && !want_items && !stats)
        return 0;
    wc = ws1002_conv_get(pinfo, false, &dir);
    if (!wc)
        dir = 0;
    ws1002_render(pinfo, tree, tvb, wc, dir, hd, w, nframes, want_items, f, n, l, nl);
    return (int)tvb_captured_length(tvb);
}

static void ws_init(void)
{
    ws_on = proto_is_protocol_enabled(ws_protocol);
    ws1002_conv_init();
    ws1002_records_init();
    ws1002_frames_init();
    ws1002_hs_awaiting = 0;
}

static void ws_cleanup(void)
{
    ws1002_conv_cleanup();
    ws1002_records_init();
    ws1002_hs_awaiting = 0;
}

void proto_register_ws(void)
{
    module_t *module;

    proto_ws = proto_register_protocol("WebSocket protocol validator", "WS1002", "ws");
    ws1002_tree_register();

    module = prefs_register_protocol(proto_ws, NULL);
    /* The reading switches, from the core's table (docs/rules.md §4). */
    for (size_t i = 0; i < wsv_switch_count() && i < array_length(pref_switch); i++) {
        const struct wsv_switch_info *sw = wsv_switch_get(i);
        prefs_register_bool_preference(module, sw->preference, sw->title, sw->effect,
                                       &pref_switch[i]);
    }
    prefs_register_uint_preference(
        module, "midstream_server_port", "Server port for mid-stream captures",
        "When the opening handshake and the TCP SYN were not captured, the endpoint using this "
        "TCP port is taken to be the server (0: none). Verdicts that rest on it say \"role "
        "inferred\"",
        10, &ws1002_pref_server_port);

    ws1002_heur_register(module);
    ws1002_frames_register();
    ws_protocol = find_protocol_by_id(proto_ws);
    ws_short_name = proto_get_protocol_short_name(ws_protocol);
    /* Without a protocol: Wireshark then adds no layer for every packet of
     * every capture (two list and two map operations each). */
    post_handle = create_dissector_handle(dissect_ws, -1);
    register_postdissector(post_handle);
    register_init_routine(ws_init);
    register_cleanup_routine(ws_cleanup);
}

void proto_reg_handoff_ws(void)
{
    ws1002_frames_handoff();
    ws1002_handshake_handoff();
    ws_stats_register();
    ws1002_heur_handoff();
}
