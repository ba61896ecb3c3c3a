/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_feed_varied: the first 16 bytes of the input choose the configuration
 * and how the rest is cut up; the rest is the bytes, handed out chunk by
 * chunk to either direction. The same bytes then go to a second connection,
 * each direction whole (split only where a gap is), and both must report the
 * same events (the core promises results independent of chunking).
 *
 * Header layout (missing bytes read as 0):
 *   [0] bits 0-1 role of direction 0 (0 unknown, 1 client, 2 server, 3 unknown)
 *       bits 2-3 role of direction 1, bit 4/5 role_inferred[0]/[1],
 *       bit 6 permessage-deflate, bit 7 pmd_inferred
 *   [1] bits 0-2 strict flags, bit 3/4 midstream[0]/[1],
 *       bit 5/6 server/client_no_context_takeover,
 *       bit 7 move the connection to a fresh copy after every chunk
 *   [2] low/high nibble: server/client_max_window_bits (< 8: not negotiated)
 *   [3] bits 0-2: chunk sizes are shifted left by this; bits 3-7: bytes
 *       reported missing by each gap
 *   [4..15] the chunk table, used cyclically; each entry: bits 0-5 size
 *       (0 is an empty feed), bit 6 direction, bit 7 a gap before the chunk
 *   [16] bit 0/1: set direction 0/1's role from the mask bit of its first
 *       frame (the plugin's guess without a handshake); bits 2-7: the
 *       stand-in inflater fails at compressed byte 4 * value of a message
 *       (0: never; see fz_feed in fuzz_check.h)
 */
#include "fuzz_check.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { HDR = 17, TABLE = 12 };

struct chunk {
    size_t off, len;
    unsigned dir;
    bool gap;
};

static enum wsv_role role_of(unsigned bits)
{
    return bits == 1 ? WSV_ROLE_CLIENT : bits == 2 ? WSV_ROLE_SERVER : WSV_ROLE_UNKNOWN;
}

static uint8_t window_bits(unsigned v)
{
    return v < 8 ? 0 : (uint8_t)v;
}

static bool config_is_zero(const struct wsv_config *c)
{
    return c->role[0] == WSV_ROLE_UNKNOWN && c->role[1] == WSV_ROLE_UNKNOWN &&
           !c->role_inferred[0] && !c->role_inferred[1] && !c->pmd.enabled &&
           !c->pmd.server_no_context_takeover && !c->pmd.client_no_context_takeover &&
           !c->pmd.server_max_window_bits && !c->pmd.client_max_window_bits && !c->pmd_inferred &&
           !c->midstream[0] && !c->midstream[1] && !c->strict;
}

/* Cut the body into chunks: the table once at least (its empty feeds and
 * gaps count even without bytes), then cyclically until the body is used
 * up; a table of zero sizes hands the rest over in one last chunk. At most
 * (body + 1) * TABLE + 1 chunks. */
static size_t plan(const uint8_t h[HDR], size_t body, struct chunk *out)
{
    unsigned shift = h[3] & 7, total = 0;
    for (unsigned i = 0; i < TABLE; i++)
        total += h[4 + i] & 0x3fu;
    size_t n = 0, off = 0;
    for (size_t i = 0; i < TABLE || (total && off < body); i++) {
        uint8_t e = h[4 + i % TABLE];
        size_t len = (size_t)(e & 0x3f) << shift;
        if (len > body - off)
            len = body - off;
        out[n++] = (struct chunk){off, len, (e >> 6) & 1u, (e >> 7) != 0};
        off += len;
    }
    if (off < body)
        out[n++] = (struct chunk){off, body - off, (h[4] >> 6) & 1u, false};
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t h[HDR] = {0};
    size_t hn = size < HDR ? size : HDR;
    memcpy(h, data, hn);
    const uint8_t *body = data + hn;
    size_t blen = size - hn;

    struct wsv_config cfg = {
        .role = {role_of(h[0] & 3), role_of((h[0] >> 2) & 3)},
        .role_inferred = {(h[0] >> 4) & 1, (h[0] >> 5) & 1},
        .pmd =
            {
                .enabled = (h[0] >> 6) & 1,
                .server_no_context_takeover = (h[1] >> 5) & 1,
                .client_no_context_takeover = (h[1] >> 6) & 1,
                .server_max_window_bits = window_bits(h[2] & 15),
                .client_max_window_bits = window_bits(h[2] >> 4),
            },
        .pmd_inferred = h[0] >> 7,
        .midstream = {(h[1] >> 3) & 1, (h[1] >> 4) & 1},
        .strict = h[1] & 7,
    };
    bool copy = h[1] >> 7;
    uint64_t missing = h[3] >> 3;
    uint64_t fail_at = (uint64_t)(h[16] >> 2) * 4;

    struct chunk *ch = malloc(((blen + 1) * TABLE + 1) * sizeof *ch);
    if (!ch)
        abort();
    size_t nch = plan(h, blen, ch);

    /* A: chunked, interleaved, with gaps; a zeroed struct must behave as
     * wsv_conn_init(NULL). */
    struct wsv_conn *a = malloc(sizeof *a);
    if (!a)
        abort();
    if (config_is_zero(&cfg))
        memset(a, 0, sizeof *a);
    else
        wsv_conn_init(a, &cfg);
    struct fz_dir da[2];
    fz_dir_init(&da[0], "chunked0");
    fz_dir_init(&da[1], "chunked1");
    for (unsigned dir = 0; dir < 2; dir++) {
        da[dir].set_role = (h[16] >> dir) & 1;
        da[dir].fail_at = fail_at;
    }
    for (size_t i = 0; i < nch; i++) {
        if (ch[i].gap)
            fz_gap(a, ch[i].dir, &da[ch[i].dir], missing);
        fz_feed(a, ch[i].dir, &da[ch[i].dir], body + ch[i].off, ch[i].len);
        if (copy) {
            /* The struct is plain data: a copy carries on where it left off. */
            struct wsv_conn *b = malloc(sizeof *b);
            if (!b)
                abort();
            memcpy(b, a, sizeof *b);
            memset(a, 0xa5, sizeof *a);
            free(a);
            a = b;
        }
    }

    /* B: each direction's bytes gathered and fed whole between gaps. */
    struct wsv_conn b;
    wsv_conn_init(&b, config_is_zero(&cfg) ? NULL : &cfg);
    struct fz_dir db[2];
    fz_dir_init(&db[0], "whole0");
    fz_dir_init(&db[1], "whole1");
    for (unsigned dir = 0; dir < 2; dir++) {
        db[dir].set_role = (h[16] >> dir) & 1;
        db[dir].fail_at = fail_at;
    }
    uint8_t *buf = malloc(blen ? blen : 1);
    if (!buf)
        abort();
    for (unsigned dir = 0; dir < 2; dir++) {
        size_t have = 0;
        for (size_t i = 0; i < nch; i++) {
            if (ch[i].dir != dir)
                continue;
            if (ch[i].gap) {
                fz_feed(&b, dir, &db[dir], buf, have);
                have = 0;
                fz_gap(&b, dir, &db[dir], missing);
            }
            memcpy(buf + have, body + ch[i].off, ch[i].len);
            have += ch[i].len;
        }
        fz_feed(&b, dir, &db[dir], buf, have);
    }

    for (unsigned dir = 0; dir < 2; dir++) {
        fz_same(&da[dir], &db[dir]);
        if (wsv_conn_at_boundary(a, dir) != wsv_conn_at_boundary(&b, dir))
            fz_fail(&da[dir], "at_boundary differs between chunked and whole");
        if (wsv_conn_at_boundary(a, dir) && da[dir].in_frame)
            fz_fail(&da[dir], "at a boundary with a frame open");
    }
    free(buf);
    free(a);
    free(ch);
    return 0;
}
