/* SPDX-License-Identifier: GPL-2.0-or-later */
/* permessage-deflate for the probe. See pmd.h. */
#include "pmd.h"

#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "packet-ws-inflate.h"

void probe_deflater_setup(struct probe_deflater *z, unsigned window_bits, bool no_context_takeover)
{
    z->window_bits = window_bits;
    z->no_context_takeover = no_context_takeover;
}

/* zlib's raw deflate has no 256-byte window (it turns 8 into 9), so for an
 * agreed 8 the probe sends stored blocks: no back-reference can then reach
 * beyond any window. */
static bool deflater_start(struct probe_deflater *z)
{
    unsigned bits = z->window_bits ? z->window_bits : 15;
    z_stream *zs = calloc(1, sizeof *zs);
    if (!zs)
        return false;
    int level = bits < 9 ? Z_NO_COMPRESSION : Z_BEST_COMPRESSION;
    if (deflateInit2(zs, level, Z_DEFLATED, -(int)(bits < 9 ? 9 : bits), 8, Z_DEFAULT_STRATEGY) !=
        Z_OK) {
        free(zs);
        return false;
    }
    z->zs = zs;
    return true;
}

bool probe_deflate(struct probe_deflater *z, const void *in, size_t n, bool first, bool final,
                   uint8_t *out, size_t cap, size_t *len)
{
    if (z->failed || (!z->zs && !deflater_start(z))) {
        z->failed = true;
        return false;
    }
    z_stream *zs = z->zs;
    if (first && z->no_context_takeover && deflateReset(zs) != Z_OK)
        return false;
    zs->next_in = (Bytef *)(uintptr_t)in;
    zs->avail_in = (uInt)n;
    zs->next_out = out;
    zs->avail_out = (uInt)cap;
    int rc = deflate(zs, Z_SYNC_FLUSH);
    /* No input after a flush: zlib has nothing to add (Z_BUF_ERROR). */
    if ((rc != Z_OK && !(rc == Z_BUF_ERROR && n == 0)) || zs->avail_in != 0 || zs->avail_out == 0)
        return false;
    size_t got = cap - zs->avail_out;
    /* A sync flush ends in an empty stored block, 00 00 ff ff. */
    if (final && got >= 4 && memcmp(out + got - 4, "\x00\x00\xff\xff", 4) == 0)
        got -= 4;
    /* Nothing new for the last fragment: the stream is byte-aligned after
     * the previous flush, so the empty stored block the receiver completes
     * (§7.2.2) still needs its header byte, 00. Without it the receiver's
     * 00 00 ff ff would be read as that header and a length. */
    if (final && got == 0)
        out[got++] = 0x00;
    *len = got;
    return true;
}

void probe_deflater_free(struct probe_deflater *z)
{
    if (z->zs) {
        deflateEnd(z->zs);
        free(z->zs);
    }
    memset(z, 0, sizeof *z);
}

/* The core calls back with one user pointer, the reader: these hand each
 * event on to the caller's callbacks with the caller's pointer. */
static void fwd_begin(void *user, const struct wsv_frame *f)
{
    struct probe_reader *r = user;
    if (r->cb && r->cb->frame_begin)
        r->cb->frame_begin(r->user, f);
}

static void fwd_violation(void *user, const struct wsv_frame *f, const struct wsv_violation *v)
{
    struct probe_reader *r = user;
    if (r->cb && r->cb->violation)
        r->cb->violation(r->user, f, v);
}

static void fwd_end(void *user, const struct wsv_frame *f)
{
    struct probe_reader *r = user;
    if (r->cb && r->cb->frame_end)
        r->cb->frame_end(r->user, f);
}

static const struct wsv_callbacks fwd = {fwd_begin, fwd_violation, fwd_end};

static void on_inflated(void *ctx, const uint8_t *p, size_t n, uint64_t at)
{
    struct probe_reader *r = ctx;
    wsv_conn_inflated(r->conn, r->dir, p, n, at, false, &fwd, r);
    if (r->inflated)
        r->inflated(r->user, p, n);
}

/* The core hands over each compressed message's payload, then p == NULL at
 * its end: inflate it (RFC 7692 §7.2.2) and hand the result back. */
static void on_compressed(void *user, const struct wsv_frame *f, const uint8_t *p, size_t n)
{
    struct probe_reader *r = user;
    if (f->compressed && r->z_frame != f->index + 1) {
        r->z_frame = f->index + 1;
        r->z_active = false;
        if (r->z_lost)
            return;
        if (!r->z && !(r->z = ws1002_inflater_new(r->window_bits, r->no_context_takeover))) {
            r->z_lost = true;
            return;
        }
        ws1002_inflater_begin(r->z);
        r->z_active = true;
    }
    if (!r->z_active)
        return;
    enum wsv_inflate_status st = ws1002_inflater_feed(r->z, p, n, on_inflated, r);
    if (st == WSV_INFLATE_OK) {
        if (!p) {
            wsv_conn_inflated(r->conn, r->dir, NULL, 0, 0, true, &fwd, r);
            r->z_active = false;
        }
        return;
    }
    wsv_conn_report(r->conn, r->dir,
                    st == WSV_INFLATE_WINDOW ? WSV_R_PMD_WINDOW_EXCEEDED
                                             : WSV_R_PMD_DECOMPRESS_FAIL,
                    0, &fwd, r);
    r->z_active = false;
    /* With context takeover the window went with the broken message. */
    r->z_lost = !r->no_context_takeover;
}

void probe_reader_feed(struct probe_reader *r, const void *buf, size_t len)
{
    wsv_conn_feed_pmd(r->conn, r->dir, buf, len, &fwd, on_compressed, r);
}

void probe_reader_free(struct probe_reader *r)
{
    ws1002_inflater_free(r->z);
    r->z = NULL;
}
