/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-ws-int.h: what the files of the ws1002 plugin share. The plugin
 * decides nothing about RFC 6455 or RFC 7692: it hands the validator core's
 * session (plugin/core, wsv_session.h) the facts of each packet and shows
 * its verdicts. The files, by what they hold:
 *
 *   packet-ws.c            registration, preferences, the postdissector that
 *                          drives both passes
 *   packet-ws-conv.c       connections: the cache, the session's callbacks,
 *                          what TCP knows, where the roles come from
 *   packet-ws-records.c    what the first pass leaves for the later ones
 *   packet-ws-handshake.c  finding and judging the opening handshake's heads
 *   packet-ws-frames.c     the frame source: a handle in front of Wireshark's
 *                          websocket dissector that hands the core the bytes
 *   packet-ws-tree.c       tree items, expert infos, the Info column, the tap
 *   packet-ws-heur.c       connections found without their handshake
 *   packet-ws-tcp.c        TCP's analysis, read from its conversation data
 *   packet-ws-inflate.c    permessage-deflate with zlib (its own header:
 *                          ws1002-probe uses it too, without Wireshark)
 *
 * Names shared between files start with ws1002_ (Wireshark's own ws_ is
 * wsutil's).
 */
#ifndef WS1002_PACKET_WS_INT_H
#define WS1002_PACKET_WS_INT_H

#include "packet-ws-compat.h"

#include <epan/conversation.h>
#include <epan/expert.h>
#include <epan/packet.h>
#include <epan/prefs.h>

#include <wsv/wsv_session.h>

#include "packet-ws-inflate.h"

/* ---- packet-ws.c -------------------------------------------------------- */

extern int proto_ws;
/* Whether ws is enabled (Analyze > Enabled Protocols): the handles ws1002
 * registers carry no protocol, so Wireshark does not check it for them. */
bool ws1002_enabled(void);
/* Reading switches set in the preferences (enum wsv_switch bits). */
unsigned ws1002_strict(void);
/* The server-port preference (0: none). */
extern unsigned ws1002_pref_server_port;

void proto_register_ws(void);
void proto_reg_handoff_ws(void);

/* ---- packet-ws-conv.c: connections --------------------------------------- */

/* A WebSocket connection, file scope. */
struct ws1002_conv {
    struct wsv_session s;
    address ep[2]; /* ep[i] sends direction i; ep[0] is the first sender seen */
    uint32_t port[2];
    struct tcp_analysis *tcpd; /* TCP's view of the connection, if any */
    uint8_t tcp_seen;          /* FIN/RST bits of the connection already told */
    bool awaits;               /* counted in the packets-without-frames watch */
    uint8_t over_tls;          /* 0: not known yet, 1: no, 2: its frames come out of TLS */
    /* The opening handshake: the request until its final response, and what
     * the 101 said (strings in file scope; NULL: none). */
    struct wsv_hs_request *req;
    const char *extensions, *subprotocol, *accept, *ext_missing;
    struct ws1002_inflater *z[2];
};

/* The first pass's work on the packet being dissected: the connection, the
 * results collected for the records, and where its frames lie. */
struct ws1002_pkt {
    uint32_t pnum;
    wmem_allocator_t *pool; /* the packet's (pinfo->pool) */
    struct ws1002_conv *wc; /* NULL: the packet is no WebSocket connection's */
    unsigned dir;
    bool tcp_told; /* TCP's facts went to the session */
    bool pending;  /* the last chunk of the packet left bytes to TCP's reassembly */
    bool fed;      /* frames or a head went to the session */
    struct wsv_finding *f;
    unsigned n, cap;
    struct wsv_link *l;
    unsigned nl, lcap;
    struct ws1002_where *w;
    unsigned nw, wcap;
    struct ws1002_head *head; /* the packet's opening-handshake head, if any */
    /* The chunk being fed, for the places of its frames. */
    tvbuff_t *chunk;
    uint64_t chunk_at;
    unsigned chunk_len, chunk_raw; /* its captured length, its offset in its data source */
    uint16_t chunk_src;
};

/* The session's callbacks (findings, links, places, the inflater) for pk. */
struct wsv_session_io ws1002_io(struct ws1002_pkt *pk);

/* The packet's connection, with the packet's direction in *dir; NULL if there
 * is none and create is false. Cheap when TCP looked the conversation up for
 * this very packet and it is cached. */
struct ws1002_conv *ws1002_conv_get(packet_info *pinfo, bool create, unsigned *dir);
/* The cached connection of the packet, without a lookup; NULL on a miss. */
struct ws1002_conv *ws1002_conv_peek(packet_info *pinfo, unsigned *dir);

/* The first pass's record of this packet: created on first use (by the
 * frame source or the postdissector, whichever runs first), with the
 * packet's connection wc (may be NULL, and set later). */
struct ws1002_pkt *ws1002_pkt_get(packet_info *pinfo);
/* The record if this packet has one already, else NULL. */
struct ws1002_pkt *ws1002_pkt_peek(packet_info *pinfo);
/* Ties pk to wc and starts the packet in wc's session. */
void ws1002_pkt_attach(struct ws1002_pkt *pk, packet_info *pinfo, struct ws1002_conv *wc,
                       unsigned dir);
/* Before the packet's first frame: TCP's facts (and, for a connection's
 * first frame, the roles) go to the session. Once per packet. */
void ws1002_pkt_frames_begin(struct ws1002_pkt *pk, packet_info *pinfo);
/* The packet is over: stored for the later passes. */
void ws1002_pkt_finish(struct ws1002_pkt *pk, packet_info *pinfo);
/* Violations of some connection wait for a FIN or RST. */
bool ws1002_awaiting_reactions(void);

void ws1002_conv_init(void);
void ws1002_conv_cleanup(void);

/* ---- packet-ws-records.c: what the first pass leaves --------------------- */

/* Where a frame's header lies: in packet pnum's src-th data source
 * (pinfo->data_src), which every pass rebuilds in the same order. */
enum { WS1002_NO_SRC = UINT16_MAX };
struct ws1002_where {
    uint32_t pnum;
    uint32_t start;
    uint16_t src; /* WS1002_NO_SRC: not found */
    uint8_t len;  /* header bytes */
};

/* An opening-handshake head: where it lies and what is shown on it. */
struct ws1002_head {
    uint32_t start, len;
    uint16_t src;            /* index in pinfo->data_src */
    uint16_t status;         /* a response's status code; 0: a request */
    const char *version;     /* request: Sec-WebSocket-Version as sent */
    const char *accept;      /* response: the Sec-WebSocket-Accept the key calls for */
    const char *versions;    /* refusal: the server's Sec-WebSocket-Version list */
    const char *extensions;  /* 101: Sec-WebSocket-Extensions as sent */
    const char *subprotocol; /* 101: Sec-WebSocket-Protocol */
};

/* Keeps the packet's findings, links, places and head for the later passes. */
void ws1002_records_store(struct ws1002_pkt *pk, packet_info *pinfo);
/* Amends the stored link of the violation at (pnum, frame). */
void ws1002_records_react(uint32_t pnum, uint32_t frame, uint32_t reaction, uint16_t rcode,
                          uint8_t flags);
/* Packet pnum's stored entries, their number in *n (NULL if none). */
const struct wsv_finding *ws1002_records_findings(uint32_t pnum, unsigned *n);
const struct wsv_link *ws1002_records_links(uint32_t pnum, unsigned *n);
const struct ws1002_where *ws1002_records_places(uint32_t pnum, unsigned *n);
const struct ws1002_head *ws1002_records_head(packet_info *pinfo);
/* Index of data source ds in the packet's list. */
unsigned ws1002_src_index(packet_info *pinfo, tvbuff_t *ds);
/* Data source src of this pass, if it holds [0, end) as on the first pass. */
tvbuff_t *ws1002_src_tvb(packet_info *pinfo, unsigned src, uint64_t end);
void ws1002_records_init(void);

/* ---- packet-ws-handshake.c: the opening handshake ------------------------ */

/* Finds the opening-handshake heads among the packet's HTTP messages and has
 * the session judge them. Cheap for packets without HTTP. */
void ws1002_handshake(struct ws1002_pkt *pk, packet_info *pinfo);
/* The TCP payload of the packet in its frame (the first data source), or
 * NULL; its offset in *at, its length in *len and the sequence number in the
 * TCP header in *seq (may be NULL). */
const uint8_t *ws1002_tcp_payload(packet_info *pinfo, tvbuff_t *frame, unsigned *at, unsigned *len,
                                  uint32_t *seq);
/* Does the packet carry protocol proto (pinfo->layers)? */
bool ws1002_has_layer(packet_info *pinfo, int proto);
/* Opening requests still waiting for their final response. */
extern unsigned ws1002_hs_awaiting;
void ws1002_handshake_handoff(void);

/* ---- packet-ws-frames.c: the frame source -------------------------------- */

/* Hands the bytes of tvb (WebSocket frames of the packet's direction, in
 * stream order) to Wireshark's websocket dissector inner, and those it
 * consumed to the session. data goes to inner unchanged; can_desegment is
 * the reassembly offered to inner (pinfo->can_desegment as its caller sees
 * it). */
int ws1002_frames(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data,
                  dissector_handle_t inner, uint16_t can_desegment);
/* Wireshark's websocket handle for TCP payload (the heuristic's inner). */
dissector_handle_t ws1002_frames_tcp_inner(void);
/* Is port mapped to Wireshark's websocket dissector by Decode As? */
bool ws1002_frames_decode_as(uint32_t port);
void ws1002_frames_register(void);
void ws1002_frames_handoff(void);
void ws1002_frames_init(void);

/* ---- packet-ws-tree.c: what is shown ------------------------------------- */

/* Tree items, expert infos, the Info column tag and the statistics record of
 * the packet, from its findings, links, places and head. */
void ws1002_render(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb,
                   const struct ws1002_conv *wc, unsigned dir, const struct ws1002_head *hd,
                   const struct ws1002_where *w, unsigned nframes, bool want_items,
                   const struct wsv_finding *f, unsigned n, const struct wsv_link *l, unsigned nl);
void ws1002_tree_register(void);

/* ---- packet-ws-heur.c: connections without a captured handshake ---------- */

/* Registers the fields, the preference "ws.midstream_heuristic" on module,
 * the handles and init routines. */
void ws1002_heur_register(module_t *module);
/* The TCP heuristic and the fields it reads. */
void ws1002_heur_handoff(void);
/* Looks at a packet of a connection not known to be WebSocket, from the
 * postdissector: TCP payload no dissector showed (HTTP's ports). */
void ws1002_heur_packet(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb);
/* If the heuristic found the packet's connection: the server's TCP port. */
bool ws1002_heur_server_port(packet_info *pinfo, uint32_t *port);
/* If the heuristic found the packet's connection: its evidence, for the
 * handshake-not-captured note (NUL-terminated, at most len bytes). */
bool ws1002_heur_evidence(packet_info *pinfo, char *buf, size_t len);

/* ---- packet-ws-tcp.c: TCP's analysis ------------------------------------- */

struct tcp_analysis;
/* The TCP analysis of the packet's conversation, or NULL. */
struct tcp_analysis *ws1002_tcp_conversation(conversation_t *conv, packet_info *pinfo);
/* Facts about the current packet; *seen is the caller's memory of the
 * connection's FIN/RST bits, updated here (so that the first FIN and RST are
 * told once). */
void ws1002_tcp_read(struct tcp_analysis *tcpd, packet_info *pinfo, uint8_t *seen,
                     struct wsv_tcp *out);
/* Does TCP hold the packet's segment (raw_seq: the sequence number in its
 * header) for a reassembly, a PDU that goes on past it? Its bytes reach the
 * dissector that asked for them later, if at all. */
bool ws1002_tcp_held(conversation_t *conv, packet_info *pinfo, uint32_t raw_seq);

#endif
