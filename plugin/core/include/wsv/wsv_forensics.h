/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wsv_forensics: facts that explain a failure the frame rules cannot see.
 * Close reasons that name a rule (the table in wsv_reasons.def), and bytes
 * in an upgraded stream that are another protocol's (an HTTP response, the
 * end of a chunked body, a TLS record) rather than WebSocket frames. Plain
 * C11, libc only, no state.
 */
#ifndef WSV_WSV_FORENSICS_H
#define WSV_WSV_FORENSICS_H

#include <stddef.h>
#include <stdint.h>

#include "wsv.h"

#ifdef __cplusplus
extern "C" {
#endif

struct wsv_reason_info {
    const char *source;  /* "Chromium", "ws", ... */
    const char *text;    /* the reason or a distinctive part of it */
    enum wsv_rule rule;  /* the rule it names; WSV_RULE_COUNT: no single one */
    const char *meaning; /* when rule == WSV_RULE_COUNT: what it means */
};

/* Number of rows of the reason table, and row i (NULL if out of range). */
size_t wsv_reason_count(void);
const struct wsv_reason_info *wsv_reason_get(size_t i);

/* The row whose text occurs in the len bytes of reason (ASCII case ignored,
 * whole words; reason need not be NUL-terminated), the longest such text if
 * several do (the first of equal ones), or -1. */
int wsv_reason_match(const char *reason, size_t len);

/* What bytes that do not parse as a WebSocket frame look like. */
enum wsv_lookalike {
    WSV_LOOK_NONE, /* nothing recognisable */
    WSV_LOOK_HTTP_RESPONSE,
    WSV_LOOK_HTTP_REQUEST,
    WSV_LOOK_CHUNK_END, /* "0\r\n\r\n", the end of a chunked HTTP body */
    WSV_LOOK_CHUNK,     /* "1a\r\n": a chunk of a chunked HTTP body */
    WSV_LOOK_TLS,       /* a TLS record header */
    WSV_LOOK_JSON,
    WSV_LOOK_XML,  /* XML or HTML */
    WSV_LOOK_TEXT, /* printable text */
    WSV_LOOK_COUNT
};

/* Classify the n bytes at p, which start where a frame header should be. */
enum wsv_lookalike wsv_lookalike(const uint8_t *p, size_t n);

/* "an HTTP response", ...; "" for WSV_LOOK_NONE or out of range. */
const char *wsv_lookalike_name(enum wsv_lookalike k);

#ifdef __cplusplus
}
#endif

#endif
