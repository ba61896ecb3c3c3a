/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * permessage-deflate (RFC 7692) for the probe, with zlib: the client's
 * deflater, and a reader that feeds one direction to the validator core with
 * its compressed messages inflated (the plugin's inflater, packet-ws-inflate.c), so
 * that inflated text is UTF-8 checked and a stream that does not inflate is
 * reported as pmd-decompress-fail, as the plugin would.
 */
#ifndef WS1002_PROBE_PMD_H
#define WS1002_PROBE_PMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wsv/wsv.h>

/* The sender's side. Zero-initialisable: a zeroed deflater compresses with a
 * 15-bit window and context takeover; zlib is set up on first use. */
struct probe_deflater {
    void *zs; /* z_stream, allocated on first use */
    unsigned window_bits;
    bool no_context_takeover;
    bool failed;
};

/* Use the parameters the 101 gave this side (client_max_window_bits,
 * client_no_context_takeover). Call before the first message. */
void probe_deflater_setup(struct probe_deflater *z, unsigned window_bits, bool no_context_takeover);

/* Compress one frame's worth of a message into out[0..cap) and store the
 * length in *len (0 is possible: an empty last fragment). first: the
 * message's first frame (a fresh window under no_context_takeover); final:
 * its last, whose trailing 00 00 ff ff is removed (RFC 7692 §7.2.1); the
 * other frames keep it, it is part of the stream. False on failure (no
 * memory, out too small). */
bool probe_deflate(struct probe_deflater *z, const void *in, size_t n, bool first, bool final,
                   uint8_t *out, size_t cap, size_t *len);

void probe_deflater_free(struct probe_deflater *z);

/* The receiver's side: one direction of a connection, fed to the core. */
struct probe_reader {
    struct wsv_conn *conn;
    unsigned dir;
    const struct wsv_callbacks *cb;
    void *user;
    /* Inflated bytes of the open compressed message, in order (may be NULL). */
    void (*inflated)(void *user, const uint8_t *p, size_t n);
    /* What the sender's deflater agreed to (from the 101). */
    unsigned window_bits;
    bool no_context_takeover;
    /* Private. */
    struct ws1002_inflater *z;
    uint64_t z_frame; /* index + 1 of the frame that opened the message */
    bool z_active;    /* the open message is being inflated */
    bool z_lost;      /* the window is gone: later messages cannot be inflated */
};

/* Feed the next len bytes of the reader's direction. */
void probe_reader_feed(struct probe_reader *r, const void *buf, size_t len);
void probe_reader_free(struct probe_reader *r);

#endif
