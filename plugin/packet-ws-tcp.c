/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-ws-tcp.c: what Wireshark's TCP analysis knows about the packet being
 * dissected, read from its conversation data (packet-tcp.h) instead of from
 * tree fields, which would cost an item per TCP packet: lost segments, FIN
 * and RST, sequence and acknowledgement numbers. Valid on the first pass,
 * right after TCP dissected the packet; everything is zero when TCP
 * sequence analysis is off (tcp.analyze_sequence_numbers), which then also
 * turns off the capture-gap handling that depends on it. The flag and
 * completeness values are packet-tcp.c's (private there, unchanged from 3.x
 * to 4.6).
 */
#include "packet-ws-int.h"

#include <epan/dissectors/packet-tcp.h>

enum {
    WS_TCP_A_LOST_PACKET = 0x0002,
    WS_TCP_A_ACK_LOST_PACKET = 0x0004,
    WS_TCP_COMPLETENESS_FIN = 0x10,
    WS_TCP_COMPLETENESS_RST = 0x20,
};

struct tcp_analysis *ws1002_tcp_conversation(conversation_t *conv, packet_info *pinfo)
{
    static int proto_tcp = -1;

    if (!conv || pinfo->ptype != PT_TCP)
        return NULL;
    if (proto_tcp < 0)
        proto_tcp = proto_get_id_by_filter_name("tcp");
    /* TCP attached it while dissecting this packet; do not create one. */
    if (!conversation_get_proto_data(conv, proto_tcp))
        return NULL;
    return get_tcp_conversation_data(conv, pinfo);
}

void ws1002_tcp_read(struct tcp_analysis *tcpd, packet_info *pinfo, uint8_t *seen_completeness,
                     struct wsv_tcp *out)
{
    /* TCP pointed fwd at this packet's direction when it dissected it. */
    const tcp_flow_t *fwd = tcpd ? tcpd->fwd : NULL;
    const tcp_analyze_seq_flow_info_t *seq, *peer;
    uint8_t now, fresh;

    if (!fwd || PINFO_FD_VISITED(pinfo)) {
        memset(out, 0, sizeof *out);
        return;
    }
    seq = fwd->tcp_analyze_seq_info;
    peer = tcpd->rev ? tcpd->rev->tcp_analyze_seq_info : NULL;
    out->lost = (fwd->lastsegmentflags & WS_TCP_A_LOST_PACKET) != 0;
    out->ack_lost = (fwd->lastsegmentflags & WS_TCP_A_ACK_LOST_PACKET) != 0;
    out->have_seq = seq != NULL;
    out->nextseq = seq ? seq->nextseq : 0;
    out->ack = seq ? seq->lastack : 0;
    out->contiguous = seq ? seq->maxseqtobeacked : 0;
    out->peer_nextseq = peer ? peer->nextseq : 0;
    now = tcpd->conversation_completeness & (WS_TCP_COMPLETENESS_FIN | WS_TCP_COMPLETENESS_RST);
    fresh = now & (uint8_t) ~*seen_completeness;
    *seen_completeness |= now;
    out->fin = (fresh & WS_TCP_COMPLETENESS_FIN) != 0;
    out->rst = (fresh & WS_TCP_COMPLETENESS_RST) != 0;
    out->fin_seen = (now & WS_TCP_COMPLETENESS_FIN) != 0;
}

bool ws1002_tcp_held(conversation_t *conv, packet_info *pinfo, uint32_t raw_seq)
{
    struct tcp_analysis *tcpd = ws1002_tcp_conversation(conv, pinfo);
    const tcp_flow_t *fwd = tcpd ? tcpd->fwd : NULL;
    /* TCP keys its reassemblies by relative sequence numbers unless the
     * preference says otherwise: either numbering finds them. */
    uint32_t seq[2] = {raw_seq - (fwd ? fwd->base_seq : 0), raw_seq};

    if (!fwd || !fwd->multisegment_pdus || PINFO_FD_VISITED(pinfo))
        return false;
    for (unsigned k = 0; k < 2; k++) {
        const struct tcp_multisegment_pdu *msp =
            (const struct tcp_multisegment_pdu *)wmem_tree_lookup32_le(fwd->multisegment_pdus,
                                                                       seq[k]);
        if (msp && seq[k] >= msp->seq && seq[k] < msp->nxtpdu)
            return true;
    }
    return false;
}
