/* SPDX-License-Identifier: GPL-2.0-or-later */
/* packet-ws.h: registration entry points of the ws postdissector, called by
 * plugin.c. */
#ifndef WS1002_PACKET_WS_H
#define WS1002_PACKET_WS_H

void proto_register_ws(void);
void proto_reg_handoff_ws(void);

#endif
