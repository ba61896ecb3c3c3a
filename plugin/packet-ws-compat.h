/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-ws-compat.h: every difference between the Wireshark releases the plugin
 * builds against (4.0, 4.4, 4.6) lives here, so that the glue itself is one
 * source. Include it first, instead of <wireshark.h>.
 */
#ifndef WS1002_WS_COMPAT_H
#define WS1002_WS_COMPAT_H

/* The plugin's own entry points are exported; everything else is hidden
 * (the module is built with hidden visibility). */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <ws_version.h>

#define WS1002_WS_AT_LEAST(maj, min)                                                               \
    (WIRESHARK_VERSION_MAJOR > (maj) ||                                                            \
     (WIRESHARK_VERSION_MAJOR == (maj) && WIRESHARK_VERSION_MINOR >= (min)))

#include <epan/proto.h>

/* field_info::value is an embedded fvalue_t up to 4.0 and a pointer from 4.2
 * on (fvalue_t became opaque). */
#if WS1002_WS_AT_LEAST(4, 2)
#define WS1002_FI_FVALUE(fi) ((fi)->value)
#else
#define WS1002_FI_FVALUE(fi) (&(fi)->value)
#endif

/* 4.4 deprecates the GLib-typed accessors (tvb_get_guint8) in favour of
 * C99-typed ones that 4.0 lacks, and heuristic dissectors return bool (an
 * error with GCC 14 if declared gboolean). */
#if WS1002_WS_AT_LEAST(4, 4)
#define ws1002_tvb_get_u8 tvb_get_uint8
typedef bool ws1002_heur_ret_t;
#else
#define ws1002_tvb_get_u8 tvb_get_guint8
typedef gboolean ws1002_heur_ret_t;
#endif

/* Boolean preferences are gboolean up to 4.2 and bool from 4.4 on. */
#if WS1002_WS_AT_LEAST(4, 4)
typedef bool ws1002_pref_bool_t;
#else
typedef gboolean ws1002_pref_bool_t;
#endif

/* 4.4 looks up an optional plugin_describe() (header wsutil/plugins.h, absent
 * in 4.0) to list the plugin's type in About > Plugins. */
#if WS1002_WS_AT_LEAST(4, 4)
#include <wsutil/plugins.h>
#define WS1002_HAVE_PLUGIN_DESCRIBE 1
#else
#define WS1002_HAVE_PLUGIN_DESCRIBE 0
#endif

/* A data source's "Name (N bytes)" text, freed with wmem_free(NULL, ...):
 * get_data_source_name up to 4.4, renamed get_data_source_description in
 * 4.6. */
#if WS1002_WS_AT_LEAST(4, 6)
#define ws1002_data_source_text get_data_source_description
#else
#define ws1002_data_source_text get_data_source_name
#endif

#endif
