/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws_heur: finds WebSocket connections whose opening handshake was not
 * captured (mid-stream captures), on any TCP port, and hands them to
 * Wireshark's websocket dissector. The inference it rests on (roles,
 * permessage-deflate, an open fragmented message) is told to the
 * postdissector through the functions below.
 */
#ifndef WS1002_WS_HEUR_H
#define WS1002_WS_HEUR_H

#include "ws_compat.h"

#include <epan/packet.h>
#include <epan/prefs.h>

/* From proto_register_ws(), before the ws postdissector is registered (the
 * heuristic's own postdissector must run first): fields, the preference
 * "ws.midstream_heuristic" on `module`, handles, init routines. */
void ws_heur_register(int proto_ws, module_t *module);

/* From proto_reg_handoff_ws(): the TCP heuristic and the fields it reads. */
void ws_heur_handoff(void);

/* If the heuristic found the packet's connection: the server's TCP port,
 * from the mask bits (the side that masks is the client) or, when both
 * directions mask alike, from the ports. False otherwise. */
bool ws_heur_server_port(packet_info *pinfo, uint32_t *port);

/* If the heuristic found the packet's connection: adds its evidence to the
 * detail of the handshake-not-captured note, " [...]" (NUL-terminated, at
 * most len bytes). Leaves buf alone otherwise. */
void ws_heur_evidence(packet_info *pinfo, char *buf, size_t len);

#endif
