/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-ws-frames.c: the frame source. Every way into Wireshark's websocket
 * dissector gets a handle of ws1002's in front: the "websocket" entry of
 * the http.upgrade table (a 101 response, in the clear or over TLS), the TCP
 * ports that Decode As maps to websocket, and the mid-stream heuristic
 * (packet-ws-heur.c). The handle passes the bytes on to websocket, which
 * keeps doing the tree, reassembly and Decode As, and hands the validator
 * core the bytes websocket consumed: TCP presents again, in a later call,
 * exactly the bytes a dissector leaves to its reassembly, so every byte of
 * the stream reaches the core once and in order, and a frame is judged on
 * the packet where websocket shows it. No protocol tree is needed, so the
 * plugin costs nothing on captures without WebSocket.
 *
 * The handles have no protocol of their own: the packet's layers and
 * columns are websocket's, as without the plugin.
 */
#include "packet-ws-int.h"

#include <epan/exceptions.h>

static dissector_handle_t upgrade_inner;  /* websocket's http.upgrade handle */
static dissector_handle_t upgrade_handle; /* ours in its place */
static dissector_handle_t tcp_inner;      /* websocket's handle for TCP payload */
static dissector_handle_t tcp_handle;     /* ours: Decode As, the heuristic */
static int proto_websocket = -1;

/* The TCP ports Decode As maps to websocket (they now lead to tcp_handle),
 * found again at every (re)dissection: Decode As changes re-dissect. */
static wmem_map_t *decode_as_ports;

/* Hands the bytes websocket consumed to the session. */
static void feed(packet_info *pinfo, tvbuff_t *tvb, unsigned consumed)
{
    struct ws1002_pkt *pk = ws1002_pkt_get(pinfo);
    struct ws1002_conv *wc;
    struct wsv_session_io io;
    unsigned dir, have = tvb_captured_length(tvb);

    if (!pk->wc) {
        if (!(wc = ws1002_conv_get(pinfo, true, &dir)))
            return;
        ws1002_pkt_attach(pk, pinfo, wc, dir);
        /* The 101 of a segment that goes on with frames comes first (once
         * frames were fed, heads are no longer judged). */
        if (!wsv_session_started(&wc->s))
            ws1002_handshake(pk, pinfo);
    }
    ws1002_pkt_frames_begin(pk, pinfo);
    io = ws1002_io(pk);
    pk->chunk = tvb;
    pk->chunk_at = pk->wc->s.conn.dir[pk->dir].pos;
    pk->chunk_len = have;
    pk->chunk_raw = (unsigned)tvb_raw_offset(tvb);
    pk->chunk_src = (uint16_t)ws1002_src_index(pinfo, tvb_get_ds_tvb(tvb));
    if (consumed)
        wsv_session_feed(&pk->wc->s, tvb_get_ptr(tvb, 0, (int)MIN(consumed, have)),
                         MIN(consumed, have), &io);
    /* Bytes the capture cut off (snapshot length). */
    if (consumed > have)
        wsv_session_missing(&pk->wc->s, consumed - have, WSV_GAP_CUT, &io);
    pk->chunk = NULL;
    pk->fed = true;
    pk->pending = consumed < (unsigned)tvb_reported_length(tvb);
}

int ws1002_frames(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data,
                  dissector_handle_t inner, uint16_t can_desegment)
{
    int saved_offset = pinfo->desegment_offset;
    uint32_t saved_len = pinfo->desegment_len;
    uint16_t saved_can = pinfo->can_desegment;
    volatile unsigned consumed;
    volatile int ret = 0;

    if (!inner)
        return 0;
    /* Later passes show what the first pass found; nested (ICMP error)
     * packets are not the connection's. */
    if (PINFO_FD_VISITED(pinfo) || pinfo->flags.in_error_pkt || !ws1002_enabled()) {
        pinfo->can_desegment = can_desegment;
        ret = call_dissector_only(inner, tvb, pinfo, tree, data);
        pinfo->can_desegment = saved_can;
        return ret;
    }
    pinfo->can_desegment = can_desegment;
    pinfo->desegment_offset = 0;
    pinfo->desegment_len = 0;
    consumed = tvb_reported_length(tvb);
    TRY
    {
        ret = call_dissector_only(inner, tvb, pinfo, tree, data);
    }
    CATCH_ALL
    {
        /* websocket gave up on the bytes (a length it cannot follow): they
         * are the stream all the same. */
        pinfo->can_desegment = saved_can;
        feed(pinfo, tvb, consumed);
        RETHROW;
    }
    ENDTRY;
    pinfo->can_desegment = saved_can;
    if (pinfo->desegment_len && pinfo->desegment_offset >= 0 &&
        (unsigned)pinfo->desegment_offset < consumed)
        consumed = (unsigned)pinfo->desegment_offset;
    feed(pinfo, tvb, consumed);
    if (!pinfo->desegment_len) {
        pinfo->desegment_offset = saved_offset;
        pinfo->desegment_len = saved_len;
    }
    return ret;
}

static int dissect_upgrade(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    /* As a proxying dissector does: websocket gets the reassembly offered to
     * whoever called this handle. */
    return ws1002_frames(tvb, pinfo, tree, data, upgrade_inner, pinfo->saved_can_desegment);
}

static int dissect_tcp(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return ws1002_frames(tvb, pinfo, tree, data, tcp_inner, pinfo->saved_can_desegment);
}

dissector_handle_t ws1002_frames_tcp_inner(void)
{
    return tcp_inner;
}

bool ws1002_frames_decode_as(uint32_t port)
{
    return decode_as_ports && wmem_map_contains(decode_as_ports, GUINT_TO_POINTER(port));
}

/* Decode As maps port to one of websocket's handles (not always the one
 * named "websocket": 4.6 uses "websocket_tcp"): compare protocols. */
static void find_decode_as(const gchar *table _U_, ftenum_t type _U_, gpointer key, gpointer value,
                           gpointer ud _U_)
{
    dissector_handle_t h = dtbl_entry_get_handle((dtbl_entry_t *)value);

    /* A port taken over at an earlier dissection leads here already. */
    if (h == tcp_handle)
        wmem_map_insert(decode_as_ports, key, tcp_inner);
    else if (h && dissector_handle_get_protocol_index(h) == proto_websocket)
        wmem_map_insert(decode_as_ports, key, h);
}

static void take_over(gpointer key, gpointer value, gpointer ud _U_)
{
    tcp_inner = (dissector_handle_t)value;
    dissector_change_uint("tcp.port", GPOINTER_TO_UINT(key), tcp_handle);
}

void ws1002_frames_init(void)
{
    decode_as_ports = wmem_map_new(wmem_file_scope(), g_direct_hash, g_direct_equal);
    dissector_table_foreach("tcp.port", find_decode_as, NULL);
    wmem_map_foreach(decode_as_ports, take_over, NULL);
}

void ws1002_frames_register(void)
{
    /* The Decode As dialog shows the handle's description, and saves it:
     * "WebSocket" finds websocket's handle again when the profile loads. */
    upgrade_handle = create_dissector_handle_with_name_and_description(
        dissect_upgrade, -1, "ws1002_upgrade", "WebSocket");
    tcp_handle = create_dissector_handle_with_name_and_description(dissect_tcp, -1, "ws1002_tcp",
                                                                   "WebSocket");
}

void ws1002_frames_handoff(void)
{
    dissector_table_t upgrade = find_dissector_table("http.upgrade");

    proto_websocket = proto_get_id_by_filter_name("websocket");
    /* 4.6 splits websocket: "websocket" expects HTTP's upgrade info as its
     * data, "websocket_tcp" is the one for TCP payload. */
    tcp_inner = find_dissector("websocket_tcp");
    if (!tcp_inner)
        tcp_inner = find_dissector("websocket");
    upgrade_inner = upgrade ? dissector_get_string_handle(upgrade, "websocket") : NULL;
    if (upgrade_inner && upgrade_inner != upgrade_handle)
        dissector_add_string("http.upgrade", "websocket", upgrade_handle);
}
