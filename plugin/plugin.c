/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * plugin.c: the entry points Wireshark looks up when it loads ws.so. A plugin
 * is accepted only by the major.minor series it was compiled against.
 */
#include "packet-ws-compat.h"

#include <epan/proto.h>

#include "packet-ws-int.h"

#ifndef WS1002_VERSION
#define WS1002_VERSION "0.0.0"
#endif

WS_DLL_PUBLIC_DEF const char plugin_version[] = WS1002_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);
#if WS1002_HAVE_PLUGIN_DESCRIBE
WS_DLL_PUBLIC uint32_t plugin_describe(void);
#endif

void plugin_register(void)
{
    static proto_plugin plug;

    plug.register_protoinfo = proto_register_ws;
    plug.register_handoff = proto_reg_handoff_ws;
    proto_register_plugin(&plug);
}

#if WS1002_HAVE_PLUGIN_DESCRIBE
uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif
