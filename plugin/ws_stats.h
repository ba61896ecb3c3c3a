/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws_stats: the per-connection summary, `tshark -z ws1002,tree` and
 * Statistics > WebSocket ws1002 in the GUI. The dissector queues one record
 * per packet with WebSocket frames (on every pass, from the stored results);
 * the statistics table turns them into one row per connection, in capture
 * order: endpoints, handshake, negotiated extensions, findings per rule and
 * direction, and who closed with which code, explained or not.
 */
#ifndef WS1002_WS_STATS_H
#define WS1002_WS_STATS_H

#include "packet-ws-compat.h"

#include <epan/packet.h>

#include <wsv/wsv.h>

struct ws_stats_close {
    uint32_t pnum;
    uint32_t cause; /* packet of the violation it answers; 0: none */
    const char *cause_rule;
    uint16_t code;
    bool has_code;
    bool reply;       /* it answers the peer's Close */
    bool unexplained; /* a failure code nothing in the capture explains */
};

struct ws_stats_rec {
    const void *conn; /* identifies the connection */
    const address *client, *server;
    uint32_t client_port, server_port;
    bool roles_known, roles_inferred;
    bool handshake; /* the 101 was captured */
    struct wsv_pmd pmd;
    bool pmd_inferred;
    bool from_client;
    uint8_t rules[16]; /* findings on the packet */
    unsigned nrules;
    struct ws_stats_close close[4];
    unsigned nclose;
    /* violations on the packet the peer answered by dropping TCP */
    struct {
        uint32_t pnum, violation;
        const char *rule;
        bool rst;
    } drop[4];
    unsigned ndrop;
};

/* Registers the tap and the statistics table (call once, from the handoff). */
void ws_stats_register(void);
/* True if a statistics listener wants records for this pass. */
bool ws_stats_wanted(void);
/* Queue a record (allocated in pinfo->pool). */
void ws_stats_queue(packet_info *pinfo, const struct ws_stats_rec *rec);

#endif
