/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws_inflate: permessage-deflate decompression (RFC 7692 §7.2.2) with zlib,
 * one inflater per direction of a connection. The inflater is allocated only
 * when the direction's first compressed message appears and holds nothing
 * but zlib's state and its sliding window (at most 32 KiB): inflated bytes go
 * to a sink in chunks, never into a buffer of the whole message.
 */
#ifndef WS1002_WS_INFLATE_H
#define WS1002_WS_INFLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ws_inflater;

/* Receives inflated bytes; at is their offset in the inflated message. */
typedef void (*ws_inflate_sink)(void *ctx, const uint8_t *p, size_t n, uint64_t at);

enum ws_inflate_status {
    WS_INFLATE_OK,
    WS_INFLATE_ERROR,  /* not deflate data: pmd-decompress-fail */
    WS_INFLATE_WINDOW, /* a distance beyond the negotiated window: pmd-window-exceeded */
};

/* window_bits: the negotiated max_window_bits of the sender (8..15; 0: none,
 * i.e. 15); no_context_takeover: each message starts with an empty window.
 * NULL if zlib cannot allocate. Every inflater is freed by ws_inflater_free
 * or, at the latest, by ws_inflater_free_all. */
struct ws_inflater *ws_inflater_new(unsigned window_bits, bool no_context_takeover);
void ws_inflater_free(struct ws_inflater *z);
/* Free every inflater still allocated (file close, re-dissection). */
void ws_inflater_free_all(void);
/* Inflaters allocated now, for tests and the memory bound. */
unsigned ws_inflater_live(void);

/* A compressed message starts. */
void ws_inflater_begin(struct ws_inflater *z);
/* The next n compressed bytes of the message. */
enum ws_inflate_status ws_inflater_feed(struct ws_inflater *z, const uint8_t *p, size_t n,
                                        ws_inflate_sink sink, void *ctx);
/* The message is complete: inflate its implied 00 00 ff ff tail. */
enum ws_inflate_status ws_inflater_finish(struct ws_inflater *z, ws_inflate_sink sink, void *ctx);
/* zlib's message for the last error ("invalid block type"), or "". */
const char *ws_inflater_error(const struct ws_inflater *z);

#endif
