/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-ws-inflate.c: permessage-deflate decompression (RFC 7692 §7.2.2)
 * with zlib, one inflater per direction of a connection, allocated only when
 * the direction's first compressed message appears. It holds nothing but
 * zlib's state and its sliding window (at most 32 KiB): inflated bytes go to
 * a sink in chunks, never into a buffer of the whole message.
 *
 * Each inflater is raw inflate (no zlib header) with the window the sender
 * agreed to. zlib's deflate never uses a 256-byte window (it turns 8 into 9,
 * as libwebsockets does for the parameter), so 8 inflates with 9: a sender
 * within its agreement is never accused. A back-reference beyond the window
 * is the sender's pmd-window-exceeded, not corrupt data.
 */
#include "packet-ws-inflate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

struct ws1002_inflater {
    z_stream zs;
    bool no_context_takeover;
    bool started;    /* zs holds data of an earlier message */
    unsigned window; /* bits inflate was set up with */
    uint64_t out;    /* inflated bytes of the current message */
    char error[64];
    struct ws1002_inflater *prev, *next; /* every live inflater, for free_all */
};

static struct ws1002_inflater *live;
static unsigned nlive;

struct ws1002_inflater *ws1002_inflater_new(unsigned window_bits, bool no_context_takeover)
{
    struct ws1002_inflater *z = calloc(1, sizeof *z);
    if (!z)
        return NULL;
    z->window = window_bits < 9 || window_bits > 15 ? (window_bits == 8 ? 9 : 15) : window_bits;
    z->no_context_takeover = no_context_takeover;
    if (inflateInit2(&z->zs, -(int)z->window) != Z_OK) {
        free(z);
        return NULL;
    }
    z->next = live;
    if (live)
        live->prev = z;
    live = z;
    nlive++;
    return z;
}

void ws1002_inflater_free(struct ws1002_inflater *z)
{
    if (!z)
        return;
    inflateEnd(&z->zs);
    if (z->prev)
        z->prev->next = z->next;
    else
        live = z->next;
    if (z->next)
        z->next->prev = z->prev;
    nlive--;
    free(z);
}

void ws1002_inflater_free_all(void)
{
    while (live)
        ws1002_inflater_free(live);
}

unsigned ws1002_inflater_live(void)
{
    return nlive;
}

void ws1002_inflater_begin(struct ws1002_inflater *z)
{
    if (z->no_context_takeover && z->started)
        inflateReset(&z->zs);
    z->started = true;
    z->out = 0;
    z->error[0] = '\0';
}

/* A DEFLATE block with BFINAL set ended the stream mid-message (RFC 7692
 * §7.2.3.3 allows it): go on with a new stream that keeps the window when
 * context takeover is in force. */
static bool restart(struct ws1002_inflater *z)
{
    Bytef dict[32768];
    uInt len = 0;

    if (!z->no_context_takeover && inflateGetDictionary(&z->zs, dict, &len) != Z_OK)
        return false;
    if (inflateReset(&z->zs) != Z_OK)
        return false;
    return len == 0 || inflateSetDictionary(&z->zs, dict, len) == Z_OK;
}

static enum wsv_inflate_status run(struct ws1002_inflater *z, const uint8_t *p, size_t n,
                                   ws1002_inflate_sink sink, void *ctx)
{
    uint8_t buf[4096];

    z->zs.next_in = (Bytef *)(uintptr_t)p;
    z->zs.avail_in = (uInt)n;
    for (;;) {
        int rc;

        z->zs.next_out = buf;
        z->zs.avail_out = sizeof buf;
        rc = inflate(&z->zs, Z_SYNC_FLUSH);
        if (z->zs.avail_out < sizeof buf) {
            size_t got = sizeof buf - z->zs.avail_out;
            if (sink)
                sink(ctx, buf, got, z->out);
            z->out += got;
        }
        if (rc == Z_STREAM_END) {
            if (!restart(z))
                break;
            continue;
        }
        if (rc == Z_BUF_ERROR)
            return WSV_INFLATE_OK; /* no progress possible: all input used */
        if (rc != Z_OK)
            break;
        if (z->zs.avail_in == 0 && z->zs.avail_out > 0)
            return WSV_INFLATE_OK; /* all input used, all output out */
    }
    snprintf(z->error, sizeof z->error, "%s", z->zs.msg ? z->zs.msg : "inflate failed");
    return z->window < 15 && z->zs.msg && strcmp(z->zs.msg, "invalid distance too far back") == 0
               ? WSV_INFLATE_WINDOW
               : WSV_INFLATE_ERROR;
}

enum wsv_inflate_status ws1002_inflater_feed(struct ws1002_inflater *z, const uint8_t *p, size_t n,
                                             ws1002_inflate_sink sink, void *ctx)
{
    /* The end of the message: its implied 00 00 ff ff tail (RFC 7692 §7.2.2). */
    static const uint8_t tail[4] = {0x00, 0x00, 0xff, 0xff};

    if (!p)
        return run(z, tail, sizeof tail, sink, ctx);
    /* zlib counts in uInt; a frame is fed in pieces of at most this. */
    while (n > 0) {
        size_t k = n < (1u << 30) ? n : (1u << 30);
        enum wsv_inflate_status st = run(z, p, k, sink, ctx);
        if (st != WSV_INFLATE_OK)
            return st;
        p += k;
        n -= k;
    }
    return WSV_INFLATE_OK;
}

const char *ws1002_inflater_error(const struct ws1002_inflater *z)
{
    return z ? z->error : "";
}
