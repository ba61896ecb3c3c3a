/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws_tcp: what Wireshark's TCP analysis knows about the packet being
 * dissected, read from its conversation data (packet-tcp.h) instead of from
 * tree fields, which would cost an item per TCP packet: lost segments, FIN
 * and RST, sequence and acknowledgement numbers. Valid on the first pass,
 * right after TCP dissected the packet; everything is zero when TCP
 * sequence analysis is off (tcp.analyze_sequence_numbers), which then also
 * turns off the capture-gap handling that depends on it.
 */
#ifndef WS1002_WS_TCP_H
#define WS1002_WS_TCP_H

#include "ws_compat.h"

#include <epan/conversation.h>
#include <epan/packet.h>

struct tcp_analysis;

struct ws_tcp_facts {
    bool lost;        /* a segment before this one, of its direction, was not captured */
    bool ack_lost;    /* this packet acknowledges data of the other direction never captured */
    bool fin;         /* the connection's first FIN (this packet) */
    bool rst;         /* the connection's first RST (this packet) */
    bool fin_seen;    /* a FIN of the connection was seen, in this packet or before */
    bool have_seq;    /* nextseq, ack and hole are valid */
    uint32_t nextseq; /* this direction's next sequence number after this packet */
    uint32_t ack;     /* the acknowledgement number this packet carries */
    /* the sequence number at which this direction's data stopped being
     * contiguous (equal to nextseq when there is no hole) */
    uint32_t contiguous;
    uint32_t peer_nextseq; /* the other direction's next sequence number so far */
};

/* The TCP analysis of the packet's conversation, or NULL. */
struct tcp_analysis *ws_tcp_conversation(conversation_t *conv, packet_info *pinfo);

/* Facts about the current packet; *seen_completeness is the caller's memory
 * of the connection's FIN/RST bits, updated here (so that the first FIN and
 * RST are told once). */
void ws_tcp_read(struct tcp_analysis *tcpd, packet_info *pinfo, uint8_t *seen_completeness,
                 struct ws_tcp_facts *out);

/* a >= b in sequence space */
static inline bool ws_tcp_seq_ge(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) >= 0;
}

#endif
