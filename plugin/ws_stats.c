/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws_stats: the per-connection summary as a stats tree. See ws_stats.h.
 */
#include "ws_stats.h"

#include <stdio.h>

#include <epan/address.h>
#include <epan/to_str.h>
#include <epan/stats_tree.h>
#include <epan/tap.h>

static int ws_tap_id = -1;
static int st_node_conns = -1;
/* Connections already described in the current tree (handshake and
 * extension nodes are added once). */
static GHashTable *ws_seen;

bool ws_stats_wanted(void)
{
    return ws_tap_id >= 0 && have_tap_listener(ws_tap_id);
}

void ws_stats_queue(packet_info *pinfo, const struct ws_stats_rec *rec)
{
    tap_queue_packet(ws_tap_id, pinfo, rec);
}

static void ws_stats_init(stats_tree *st)
{
    st_node_conns = stats_tree_create_node(st, "WebSocket connections", 0, STAT_DT_INT, TRUE);
    if (ws_seen)
        g_hash_table_destroy(ws_seen);
    ws_seen = g_hash_table_new(g_direct_hash, g_direct_equal);
}

static void ws_stats_cleanup(stats_tree *st _U_)
{
    if (ws_seen)
        g_hash_table_destroy(ws_seen);
    ws_seen = NULL;
}

static void ws_describe(stats_tree *st, int conn, const struct ws_stats_rec *r)
{
    char buf[160];
    const struct wsv_pmd *p = &r->pmd;

    if (r->handshake)
        tick_stat_node(st, "Handshake: captured (101 Switching Protocols)", conn, FALSE);
    else
        tick_stat_node(st,
                       r->roles_inferred ? "Handshake: not captured (roles inferred)"
                                         : "Handshake: not captured",
                       conn, FALSE);
    if (!p->enabled) {
        tick_stat_node(st, "Extensions: none", conn, FALSE);
        return;
    }
    if (r->pmd_inferred) {
        tick_stat_node(st, "Extensions: unknown (permessage-deflate assumed)", conn, FALSE);
        return;
    }
    snprintf(buf, sizeof buf,
             "Extensions: permessage-deflate%s%s; server window %u, client window %u",
             p->server_no_context_takeover ? "; server_no_context_takeover" : "",
             p->client_no_context_takeover ? "; client_no_context_takeover" : "",
             p->server_max_window_bits ? p->server_max_window_bits : 15,
             p->client_max_window_bits ? p->client_max_window_bits : 15);
    tick_stat_node(st, buf, conn, FALSE);
}

static tap_packet_status ws_stats_packet(stats_tree *st, packet_info *pinfo,
                                         epan_dissect_t *edt _U_, const void *data,
                                         tap_flags_t flags _U_)
{
    const struct ws_stats_rec *r = data;
    const char *who = !r->roles_known  ? (r->from_client ? "endpoint A" : "endpoint B")
                      : r->from_client ? "the client"
                                       : "the server";
    char name[256];
    int conn;

    snprintf(name, sizeof name, "%s %s:%u <-> %s %s:%u", r->roles_known ? "client" : "",
             address_to_str(pinfo->pool, r->client), r->client_port, r->roles_known ? "server" : "",
             address_to_str(pinfo->pool, r->server), r->server_port);
    conn = tick_stat_node(st, g_strstrip(name), st_node_conns, TRUE);
    if (ws_seen && !g_hash_table_contains(ws_seen, r->conn)) {
        g_hash_table_add(ws_seen, (gpointer)r->conn);
        increase_stat_node(st, "WebSocket connections", 0, TRUE, 1);
        ws_describe(st, conn, r);
    }
    if (r->nrules) {
        int fid;
        snprintf(name, sizeof name, "Findings on frames of %s", who);
        fid = tick_stat_node(st, name, conn, TRUE);
        for (unsigned k = 0; k < r->nrules; k++) {
            const struct wsv_rule_info *ri = wsv_rule_get((enum wsv_rule)r->rules[k]);
            if (ri)
                tick_stat_node(st, ri->id, fid, FALSE);
        }
    }
    for (unsigned k = 0; k < r->nclose; k++) {
        const struct ws_stats_close *c = &r->close[k];
        char code[16];

        if (c->has_code)
            snprintf(code, sizeof code, "%u", c->code);
        else
            snprintf(code, sizeof code, "no status code");
        if (c->cause)
            snprintf(name, sizeof name, "Close by %s in frame %u: %s, explained by frame %u (%s)",
                     who, c->pnum, code, c->cause, c->cause_rule ? c->cause_rule : "?");
        else if (c->unexplained)
            snprintf(name, sizeof name, "Close by %s in frame %u: %s, unexplained", who, c->pnum,
                     code);
        else
            snprintf(name, sizeof name, "Close by %s in frame %u: %s%s", who, c->pnum, code,
                     c->reply ? " (answer)" : "");
        tick_stat_node(st, name, conn, FALSE);
    }
    for (unsigned k = 0; k < r->ndrop; k++) {
        snprintf(name, sizeof name, "TCP %s by %s in frame %u, failing on frame %u (%s)",
                 r->drop[k].rst ? "RST" : "FIN", r->from_client ? "the server" : "the client",
                 r->drop[k].pnum, r->drop[k].violation, r->drop[k].rule);
        tick_stat_node(st, name, conn, FALSE);
    }
    return TAP_PACKET_REDRAW;
}

void ws_stats_register(void)
{
    ws_tap_id = register_tap("ws1002");
    stats_tree_register_plugin("ws1002", "ws1002", "WebSocket ws1002", TL_REQUIRES_PROTO_TREE,
                               ws_stats_packet, ws_stats_init, ws_stats_cleanup);
}
