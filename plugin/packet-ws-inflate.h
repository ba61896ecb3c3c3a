/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-ws-inflate.h: permessage-deflate decompression (RFC 7692 §7.2.2)
 * with zlib, one inflater per direction of a connection. No Wireshark here:
 * ws1002-probe and the tests use it too.
 */
#ifndef WS1002_PACKET_WS_INFLATE_H
#define WS1002_PACKET_WS_INFLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wsv/wsv_session.h>

struct ws1002_inflater;
/* Receives inflated bytes; at is their offset in the inflated message. */
typedef void (*ws1002_inflate_sink)(void *ctx, const uint8_t *p, size_t n, uint64_t at);
/* window_bits: the sender's max_window_bits (8..15; 0: 15). NULL if zlib
 * cannot allocate. Every inflater is freed by ws1002_inflater_free or, at
 * the latest, by ws1002_inflater_free_all. */
struct ws1002_inflater *ws1002_inflater_new(unsigned window_bits, bool no_context_takeover);
void ws1002_inflater_free(struct ws1002_inflater *z);
void ws1002_inflater_free_all(void);
unsigned ws1002_inflater_live(void);
void ws1002_inflater_begin(struct ws1002_inflater *z);
/* The next n compressed bytes, or the end of the message (p NULL). */
enum wsv_inflate_status ws1002_inflater_feed(struct ws1002_inflater *z, const uint8_t *p, size_t n,
                                             ws1002_inflate_sink sink, void *ctx);
/* zlib's message for the last error, or "". */
const char *ws1002_inflater_error(const struct ws1002_inflater *z);

#endif
