/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Session cases: a scripted capture, packet by packet, through wsv_session,
 * and the complete lists of findings and links it must produce. Each packet
 * carries what the plugin hands over: an opening-handshake head, WebSocket
 * frames (in the harness's hex notation), a compressed text message (deflated
 * here with zlib), nothing (an ACK), or nothing captured at all (a lost
 * segment); TCP's facts (sequence numbers, lost segments, the first FIN and
 * RST) are derived as Wireshark's TCP analysis would give them.
 *
 * Every case runs twice, its frames fed whole and one byte at a time, and
 * both runs must give the same results; a case that resynchronises after a
 * gap is fed whole only (judging resumes at the start of a TCP segment).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include <wsv/wsv_encode.h>
#include <wsv/wsv_session.h>

#include "harness.h"
#include "packet-ws-inflate.h"
#include "test_session.h"

/* ---- Running a script ---------------------------------------------------- */

#define SX_MAX_F 32
#define SX_MAX_L 16

struct sx_run {
    struct wsv_session s;
    struct wsv_hs_request req;
    struct wsv_finding f[SX_MAX_F];
    unsigned nf;
    struct wsv_link l[SX_MAX_L];
    unsigned nl;
    uint32_t seq[2], hole[2];
    bool lost[2], fin_seen, rst_seen;
    z_stream dz[2]; /* deflaters, per direction */
    bool dz_on[2];
    struct ws1002_inflater *z[2];
    char err[256];
};

static void on_finding(void *user, const struct wsv_finding *f)
{
    struct sx_run *r = user;
    if (r->nf < SX_MAX_F)
        r->f[r->nf++] = *f;
    else
        snprintf(r->err, sizeof r->err, "more than %d findings", SX_MAX_F);
}

static void on_link(void *user, const struct wsv_link *l)
{
    struct sx_run *r = user;
    if (l->pnum != r->s.pnum)
        snprintf(r->err, sizeof r->err, "link of packet %u emitted in packet %u", l->pnum,
                 r->s.pnum);
    if (r->nl < SX_MAX_L)
        r->l[r->nl++] = *l;
}

static void on_reaction(void *user, uint32_t pnum, uint32_t frame, uint32_t reaction,
                        uint16_t rcode, uint8_t flags)
{
    struct sx_run *r = user;
    for (unsigned k = 0; k < r->nl; k++) {
        if (r->l[k].pnum == pnum && r->l[k].frame == frame) {
            r->l[k].reaction = reaction;
            r->l[k].rcode = rcode;
            r->l[k].flags |= flags;
            return;
        }
    }
    snprintf(r->err, sizeof r->err, "reaction %u to (%u, %u), whose link was never emitted",
             reaction, pnum, frame);
}

struct sink_ctx {
    struct sx_run *r;
    const struct wsv_session_io *io;
};

static void on_inflated(void *ctx, const uint8_t *p, size_t n, uint64_t at)
{
    struct sink_ctx *c = ctx;
    wsv_session_inflated(&c->r->s, p, n, at, c->io);
}

static bool on_inflate_begin(void *user, unsigned dir, unsigned window_bits, bool fresh)
{
    struct sx_run *r = user;
    if (!r->z[dir])
        r->z[dir] = ws1002_inflater_new(window_bits, fresh);
    if (r->z[dir])
        ws1002_inflater_begin(r->z[dir]);
    return r->z[dir] != NULL;
}

static const struct wsv_session_ops sx_ops;

static enum wsv_inflate_status on_inflate(void *user, unsigned dir, const uint8_t *p, size_t n,
                                          const char **error)
{
    struct sx_run *r = user;
    struct wsv_session_io io = {&sx_ops, r};
    struct sink_ctx ctx = {r, &io};
    enum wsv_inflate_status st = ws1002_inflater_feed(r->z[dir], p, n, on_inflated, &ctx);
    *error = ws1002_inflater_error(r->z[dir]);
    return st;
}

static void on_inflate_drop(void *user, unsigned dir)
{
    struct sx_run *r = user;
    ws1002_inflater_free(r->z[dir]);
    r->z[dir] = NULL;
}

static const struct wsv_session_ops sx_ops = {
    on_finding, on_link, on_reaction, NULL, on_inflate_begin, on_inflate, on_inflate_drop,
};

/* A compressed text message of one frame, as permessage-deflate sends it:
 * raw deflate with the direction's window, flushed, the 00 00 ff ff tail
 * removed (RFC 7692 §7.2.1); masked if the client sends it. */
static void deflated(struct sx_run *r, const struct sx_pkt *p, struct bytes *out)
{
    unsigned d = p->dir;
    uint8_t zbuf[4096], frame[4200];
    struct wsv_frame_spec spec = {.fin = true, .rsv = 0x4, .opcode = WSV_OP_TEXT};
    size_t n;

    if (!r->dz_on[d] || p->fresh) {
        if (r->dz_on[d])
            deflateEnd(&r->dz[d]);
        memset(&r->dz[d], 0, sizeof r->dz[d]);
        assert_int_equal(deflateInit2(&r->dz[d], 6, Z_DEFLATED, -(int)(p->wbits ? p->wbits : 15), 8,
                                      Z_DEFAULT_STRATEGY),
                         Z_OK);
        r->dz_on[d] = true;
    }
    r->dz[d].next_in = (Bytef *)(uintptr_t)p->data;
    r->dz[d].avail_in = (uInt)strlen(p->data);
    r->dz[d].next_out = zbuf;
    r->dz[d].avail_out = sizeof zbuf;
    assert_int_equal(deflate(&r->dz[d], Z_SYNC_FLUSH), Z_OK);
    n = sizeof zbuf - r->dz[d].avail_out;
    assert_true(n >= 4 && memcmp(zbuf + n - 4, "\x00\x00\xff\xff", 4) == 0);
    spec.masked = d == 0;
    memcpy(spec.mask, "\x12\x34\x56\x78", 4);
    n = wsv_encode_frame(&spec, zbuf, n - 4, frame, sizeof frame);
    assert_true(n > 0);
    bytes_put(out, frame, n);
}

/* What TCP's analysis says of the packet. */
static struct wsv_tcp facts(struct sx_run *r, const struct sx_pkt *p, size_t len)
{
    struct wsv_tcp t = {0};
    unsigned d = p->dir;

    t.have_seq = true;
    t.lost = r->lost[d];
    t.contiguous = r->lost[d] ? r->hole[d] : 0;
    r->lost[d] = false;
    r->seq[d] += (uint32_t)len;
    if ((p->flags & SX_FIN) && !p->retransmit)
        r->seq[d] += 1;
    t.nextseq = r->seq[d];
    if (!t.lost)
        t.contiguous = t.nextseq;
    t.ack = r->seq[d ^ 1];
    t.peer_nextseq = r->seq[d ^ 1];
    t.fin = (p->flags & SX_FIN) && !r->fin_seen;
    t.rst = (p->flags & SX_RST) && !r->rst_seen;
    r->fin_seen |= (p->flags & SX_FIN) != 0;
    r->rst_seen |= (p->flags & SX_RST) != 0;
    t.fin_seen = r->fin_seen;
    if (p->ack_behind)
        t.ack -= p->ack_behind;
    return t;
}

static void run_script(const struct sx_case *tc, bool bytewise, struct sx_run *r)
{
    struct wsv_session_io io = {&sx_ops, r};
    char err[128];

    uint32_t pnum = 0;

    memset(r, 0, sizeof *r);
    wsv_session_init(&r->s, tc->strict);
    for (unsigned i = 0; i < SX_MAX_P && tc->p[i].what; i++) {
        const struct sx_pkt *p = &tc->p[i];
        struct bytes b = {0};
        bool framed = false;
        struct wsv_hs_result res;
        struct wsv_tcp t;

        if (p->what == 'Q' || p->what == 'P')
            bytes_put(&b, p->data, strlen(p->data));
        else if (p->what == 'Z')
            deflated(r, p, &b);
        else if (strchr("FXCH", p->what) && !hex_parse(p->data, &b, err, sizeof err))
            fail_msg("step %u: %s", i + 1, err);
        if (p->what == 'X') {
            /* Not captured: only the sender's sequence numbers move. */
            r->hole[p->dir] = r->lost[p->dir] ? r->hole[p->dir] : r->seq[p->dir];
            r->lost[p->dir] = true;
            r->seq[p->dir] += (uint32_t)b.len;
            bytes_free(&b);
            continue;
        }
        wsv_session_packet(&r->s, ++pnum, p->dir, &io);
        if (p->what == 'Q') {
            wsv_session_request(&r->s, b.p, b.len, &r->req, &io);
            framed = true;
        } else if (p->what == 'P') {
            framed =
                wsv_session_response(&r->s, b.p, b.len, r->req.valid ? &r->req : NULL, &res, &io) &&
                res.upgraded;
        }
        if ((p->what == 'F' || p->what == 'Z' || p->what == 'C') && !wsv_session_started(&r->s))
            wsv_session_start(&r->s, tc->server_dir ? (unsigned)(tc->server_dir - 1) : 2, tc->ev,
                              &io);
        t = facts(r, p, b.len + p->cut);
        wsv_session_tcp(&r->s, &t, &io);
        /* H: TCP holds the bytes for a reassembly that never completes. */
        if (p->what == 'F' || p->what == 'Z' || p->what == 'C') {
            if (bytewise)
                for (size_t k = 0; k < b.len; k++)
                    wsv_session_feed(&r->s, b.p + k, 1, &io);
            else
                wsv_session_feed(&r->s, b.p, b.len, &io);
            if (p->cut)
                wsv_session_missing(&r->s, p->cut, WSV_GAP_CUT, &io);
            framed = !p->cut;
        }
        wsv_session_packet_end(&r->s, framed, &io);
        bytes_free(&b);
    }
    for (unsigned d = 0; d < 2; d++) {
        if (r->dz_on[d])
            deflateEnd(&r->dz[d]);
        ws1002_inflater_free(r->z[d]);
    }
}

static void print_run(const struct sx_run *r)
{
    for (unsigned k = 0; k < r->nf; k++)
        print_message("    finding: packet %u frame %d %s\n", r->f[k].pnum,
                      r->f[k].frame == WSV_AT_HEAD ? -1 : (int)r->f[k].frame,
                      wsv_rule_get((enum wsv_rule)r->f[k].rule)->id);
    for (unsigned k = 0; k < r->nl; k++)
        print_message("    link: packet %u frame %d cause %u (%s) reaction %u (%u)\n", r->l[k].pnum,
                      r->l[k].frame == WSV_AT_HEAD ? -1 : (int)r->l[k].frame, r->l[k].cause,
                      r->l[k].cause ? wsv_rule_get((enum wsv_rule)r->l[k].cause_rule)->id : "-",
                      r->l[k].reaction, r->l[k].rcode);
}

/* The expected frame index: -1 is the head. */
static uint32_t frame_of(int f)
{
    return f < 0 ? WSV_AT_HEAD : (uint32_t)f;
}

static void check(const struct sx_case *tc, const struct sx_run *r)
{
    bool used[SX_MAX_F] = {false};
    unsigned want = 0;

    if (r->err[0]) {
        print_run(r);
        fail_msg("%s", r->err);
    }
    for (unsigned i = 0; i < SX_MAX_E && tc->f[i].pkt; i++, want++) {
        const struct sx_find *e = &tc->f[i];
        unsigned k = 0;
        while (k < r->nf && (used[k] || r->f[k].pnum != e->pkt ||
                             r->f[k].frame != frame_of(e->frame) || r->f[k].rule != e->rule))
            k++;
        if (k == r->nf) {
            print_run(r);
            fail_msg("missing: packet %u frame %d %s", e->pkt, e->frame, wsv_rule_get(e->rule)->id);
        }
        used[k] = true;
    }
    if (r->nf != want) {
        print_run(r);
        fail_msg("%u findings, expected %u", r->nf, want);
    }
    /* Every link that ties two packets must be expected, and as expected. */
    for (unsigned k = 0; k < r->nl; k++) {
        const struct wsv_link *l = &r->l[k];
        const struct sx_link *e = NULL;
        if (!l->cause && !l->reaction)
            continue;
        for (unsigned i = 0; i < SX_MAX_E && tc->l[i].pkt && !e; i++)
            if (tc->l[i].pkt == l->pnum && frame_of(tc->l[i].frame) == l->frame)
                e = &tc->l[i];
        if (!e || e->cause != l->cause || (e->cause && e->cause_rule != l->cause_rule) ||
            e->reaction != l->reaction || e->rcode != l->rcode) {
            print_run(r);
            fail_msg("link of packet %u frame %u not as expected", l->pnum, l->frame);
        }
    }
    for (unsigned i = 0; i < SX_MAX_E && tc->l[i].pkt; i++) {
        unsigned k = 0;
        while (k < r->nl &&
               !(r->l[k].pnum == tc->l[i].pkt && r->l[k].frame == frame_of(tc->l[i].frame)))
            k++;
        if (k == r->nl) {
            print_run(r);
            fail_msg("no link on packet %u frame %d", tc->l[i].pkt, tc->l[i].frame);
        }
    }
}

static bool same(const struct sx_run *a, const struct sx_run *b)
{
    return a->nf == b->nf && a->nl == b->nl && memcmp(a->f, b->f, a->nf * sizeof a->f[0]) == 0 &&
           memcmp(a->l, b->l, a->nl * sizeof a->l[0]) == 0;
}

static void run_case(void **state)
{
    const struct sx_case *tc = *state;
    struct sx_run *whole = calloc(1, sizeof *whole), *bytewise = calloc(1, sizeof *bytewise);

    assert_non_null(whole);
    assert_non_null(bytewise);
    run_script(tc, false, whole);
    check(tc, whole);
    if (!tc->whole_only) {
        run_script(tc, true, bytewise);
        if (!same(whole, bytewise)) {
            print_message("  whole:\n");
            print_run(whole);
            print_message("  byte by byte:\n");
            print_run(bytewise);
            fail_msg("fed byte by byte, the results differ");
        }
    }
    free(whole);
    free(bytewise);
}

void sx_case_name(const struct sx_case *tc, char *buf, size_t len)
{
    const char *id = wsv_rule_get(tc->rule)->id;
    size_t n = (size_t)snprintf(buf, len, "test_");
    for (; *id && n + 1 < len; id++)
        buf[n++] = *id == '-' ? '_' : *id;
    snprintf(buf + n, len - n, "_%s%s%s", tc->kind == TC_FIRES ? "fires" : "silent",
             tc->suffix ? "_" : "", tc->suffix ? tc->suffix : "");
}

void sx_count_cases(unsigned fires[], unsigned silent[])
{
    for (size_t i = 0; i < sx_count; i++)
        (sx_cases[i].kind == TC_FIRES ? fires : silent)[sx_cases[i].rule]++;
}

int run_session_tests(void)
{
    struct CMUnitTest *tests = calloc(sx_count, sizeof *tests);
    char(*names)[160] = calloc(sx_count, sizeof *names);
    int rc;

    if (!tests || !names)
        return 1;
    for (size_t i = 0; i < sx_count; i++) {
        sx_case_name(&sx_cases[i], names[i], sizeof names[i]);
        tests[i].name = names[i];
        tests[i].test_func = run_case;
        tests[i].initial_state = (void *)&sx_cases[i];
    }
    rc = _cmocka_run_group_tests("session", tests, sx_count, NULL, NULL);
    free(tests);
    free(names);
    return rc;
}
