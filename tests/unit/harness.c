/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The case runner: hex notation, guard pages, event recording, and the
 * comparison of every chunking against the whole-buffer run.
 */
#define _DEFAULT_SOURCE
#include "harness.h"

#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* ---- Bytes and the hex notation ---------------------------------------- */

void bytes_put(struct bytes *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p)
            abort();
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

void bytes_free(struct bytes *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

bool hex_parse(const char *s, struct bytes *out, char *err, size_t errlen)
{
    size_t item = 0, item_len = 0; /* last byte or quoted text, for '*' */
    bool have_item = false, in_mask = false;
    size_t mask_start = 0;
    uint8_t key[4] = {0};
    const char *start = s;

    memset(out, 0, sizeof(*out));
    while (*s) {
        if (isspace((unsigned char)*s) || *s == '|' || *s == ',') {
            s++;
        } else if (*s == '\'') {
            const char *e = strchr(s + 1, '\'');
            if (!e) {
                snprintf(err, errlen, "unterminated quote at %td", s - start);
                return false;
            }
            item = out->len;
            bytes_put(out, s + 1, (size_t)(e - s - 1));
            item_len = (size_t)(e - s - 1);
            have_item = true;
            s = e + 1;
        } else if (*s == '*') {
            char *e;
            unsigned long n = strtoul(s + 1, &e, 10);
            if (!have_item || e == s + 1 || n == 0) {
                snprintf(err, errlen, "bad repetition at %td", s - start);
                return false;
            }
            for (unsigned long i = 1; i < n; i++) {
                /* The item may move when the buffer grows: copy via index. */
                for (size_t k = 0; k < item_len; k++) {
                    uint8_t c = out->p[item + k];
                    bytes_put(out, &c, 1);
                }
            }
            have_item = false;
            s = e;
        } else if (*s == '[') {
            if (in_mask) {
                snprintf(err, errlen, "nested mask at %td", s - start);
                return false;
            }
            s++;
            for (int i = 0; i < 4; i++) {
                while (isspace((unsigned char)*s))
                    s++;
                int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
                if (hi < 0 || lo < 0) {
                    snprintf(err, errlen, "bad masking key at %td", s - start);
                    return false;
                }
                key[i] = (uint8_t)(hi << 4 | lo);
                s += 2;
            }
            while (isspace((unsigned char)*s))
                s++;
            if (*s != ':') {
                snprintf(err, errlen, "expected ':' after masking key at %td", s - start);
                return false;
            }
            s++;
            bytes_put(out, key, 4);
            in_mask = true;
            mask_start = out->len;
            have_item = false;
        } else if (*s == ']') {
            if (!in_mask) {
                snprintf(err, errlen, "unbalanced ']' at %td", s - start);
                return false;
            }
            for (size_t i = mask_start; i < out->len; i++)
                out->p[i] ^= key[(i - mask_start) % 4];
            in_mask = false;
            have_item = false;
            s++;
        } else {
            int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
            if (hi < 0 || lo < 0) {
                snprintf(err, errlen, "bad hex at %td ('%.8s')", s - start, s);
                return false;
            }
            uint8_t c = (uint8_t)(hi << 4 | lo);
            item = out->len;
            item_len = 1;
            have_item = true;
            bytes_put(out, &c, 1);
            s += 2;
        }
    }
    if (in_mask) {
        snprintf(err, errlen, "unterminated mask");
        return false;
    }
    return true;
}

/* ---- Guard pages -------------------------------------------------------- */

void guard_init(struct guard *g, size_t cap)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t body = (cap + page - 1) / page * page;
    if (body == 0)
        body = page;
    g->map_len = body + 2 * page;
    g->base = mmap(NULL, g->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g->base == MAP_FAILED)
        abort();
    if (mprotect(g->base, page, PROT_NONE) != 0 ||
        mprotect(g->base + page + body, page, PROT_NONE) != 0)
        abort();
    g->lo = g->base + page;
    g->hi = g->lo + body;
}

void guard_free(struct guard *g)
{
    munmap(g->base, g->map_len);
    memset(g, 0, sizeof(*g));
}

const uint8_t *guard_tail(struct guard *g, const void *p, size_t n)
{
    if ((size_t)(g->hi - g->lo) < n)
        abort();
    memcpy(g->hi - n, p, n);
    return g->hi - n;
}

const uint8_t *guard_head(struct guard *g, const void *p, size_t n)
{
    if ((size_t)(g->hi - g->lo) < n)
        abort();
    memcpy(g->lo, p, n);
    return g->lo;
}

/* ---- Recording ---------------------------------------------------------- */

static void rec_err(struct recorder *r, const char *fmt, ...)
{
    if (r->err[0])
        return; /* keep the first */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof(r->err), fmt, ap);
    va_end(ap);
}

static void rec_push(struct recorder *r, enum ev_type t, const struct wsv_frame *f,
                     const struct wsv_violation *v)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 32;
        r->ev = realloc(r->ev, r->cap * sizeof(*r->ev));
        if (!r->ev)
            abort();
    }
    struct event *e = &r->ev[r->n++];
    memset(e, 0, sizeof(*e));
    e->type = t;
    e->f = *f;
    if (v)
        e->v = *v;
    e->fed = r->fed;
}

static uint64_t rec_frames(const struct recorder *r)
{
    uint64_t n = 0;
    for (size_t i = 0; i < r->n; i++)
        n += r->ev[i].type == EV_BEGIN;
    return n;
}

static void on_begin(void *user, const struct wsv_frame *f)
{
    struct recorder *r = user;
    if (r->in_frame)
        rec_err(r, "frame_begin of frame %" PRIu64 " before frame_end of frame %" PRIu64, f->index,
                r->cur_index);
    if (f->index != rec_frames(r))
        rec_err(r, "frame_begin: index %" PRIu64 ", expected %" PRIu64, f->index, rec_frames(r));
    if (f->header_len < 2 || f->header_len > 14)
        rec_err(r, "frame %" PRIu64 ": header_len %u", f->index, f->header_len);
    if (f->offset + f->header_len > r->fed)
        rec_err(r, "frame %" PRIu64 ": frame_begin before its header was fed", f->index);
    if (f->violations != 0)
        rec_err(r, "frame %" PRIu64 ": frame_begin with violations=%u", f->index, f->violations);
    r->in_frame = true;
    r->cur_index = f->index;
    r->cur_violations = 0;
    rec_push(r, EV_BEGIN, f, NULL);
}

static void on_violation(void *user, const struct wsv_frame *f, const struct wsv_violation *v)
{
    struct recorder *r = user;
    if (!r->in_frame || f->index != r->cur_index)
        rec_err(r, "violation outside frame_begin/frame_end (frame %" PRIu64 ")", f->index);
    if (v->frame_index != f->index)
        rec_err(r, "violation frame_index %" PRIu64 " on frame %" PRIu64, v->frame_index, f->index);
    if ((unsigned)v->rule >= WSV_RULE_COUNT)
        rec_err(r, "violation with rule %d out of range", (int)v->rule);
    if (v->offset >= r->fed)
        rec_err(r, "violation at offset %" PRIu64 ", only %" PRIu64 " bytes fed", v->offset,
                r->fed);
    r->cur_violations++;
    rec_push(r, EV_VIOLATION, f, v);
}

static void on_end(void *user, const struct wsv_frame *f)
{
    struct recorder *r = user;
    if (!r->in_frame || f->index != r->cur_index)
        rec_err(r, "frame_end of frame %" PRIu64 " without frame_begin", f->index);
    if (f->violations != r->cur_violations)
        rec_err(r, "frame %" PRIu64 ": frame_end says %u violations, %u reported", f->index,
                f->violations, r->cur_violations);
    if (f->payload_len > r->fed || f->offset + f->header_len + f->payload_len > r->fed)
        rec_err(r, "frame %" PRIu64 ": frame_end before its payload was fed", f->index);
    r->in_frame = false;
    rec_push(r, EV_END, f, NULL);
}

const struct wsv_callbacks rec_callbacks = {on_begin, on_violation, on_end};

void rec_reset(struct recorder *r)
{
    free(r->ev);
    memset(r, 0, sizeof(*r));
}

void rec_free(struct recorder *r)
{
    rec_reset(r);
}

void rec_feed(struct recorder *r, struct wsv_conn *c, unsigned dir, struct guard *g,
              const uint8_t *p, size_t n)
{
    const uint8_t *q = n ? guard_tail(g, p, n) : NULL;
    r->fed += n;
    wsv_conn_feed(c, dir, q, n, &rec_callbacks, r);
}

/* ---- Comparing and printing --------------------------------------------- */

static const char *rule_id(enum wsv_rule rule)
{
    const struct wsv_rule_info *ri = wsv_rule_get(rule);
    return ri && ri->id ? ri->id : "?";
}

static bool frame_equal(const struct wsv_frame *a, const struct wsv_frame *b, bool end)
{
    bool eq = a->index == b->index && a->offset == b->offset && a->payload_len == b->payload_len &&
              a->header_len == b->header_len && a->opcode == b->opcode && a->rsv == b->rsv &&
              a->fin == b->fin && a->masked == b->masked &&
              memcmp(a->mask, b->mask, sizeof(a->mask)) == 0 && a->compressed == b->compressed &&
              a->after_fail == b->after_fail && a->after_close == b->after_close &&
              a->violations == b->violations;
    /* The close code is only defined once the payload is complete. */
    if (end)
        eq = eq && a->has_close_code == b->has_close_code && a->close_code == b->close_code;
    return eq;
}

static bool viol_equal(const struct wsv_violation *a, const struct wsv_violation *b)
{
    return a->rule == b->rule && a->offset == b->offset && a->frame_index == b->frame_index &&
           a->must_fail == b->must_fail && a->expected_close == b->expected_close &&
           a->inferred == b->inferred && a->detail == b->detail;
}

static void event_str(const struct event *e, char *buf, size_t len)
{
    const struct wsv_frame *f = &e->f;
    switch (e->type) {
    case EV_BEGIN:
    case EV_END:
        snprintf(buf, len,
                 "%s frame=%" PRIu64 " off=%" PRIu64 " hl=%u pl=%" PRIu64
                 " op=%x rsv=%u fin=%d masked=%d comp=%d after_fail=%d after_close=%d code=%d:%u "
                 "nviol=%u",
                 e->type == EV_BEGIN ? "begin" : "end  ", f->index, f->offset, f->header_len,
                 f->payload_len, f->opcode, f->rsv, f->fin, f->masked, f->compressed, f->after_fail,
                 f->after_close, f->has_close_code, f->close_code, f->violations);
        break;
    case EV_VIOLATION:
        snprintf(buf, len,
                 "  violation %s frame=%" PRIu64 " off=%" PRIu64
                 " must_fail=%d close=%u inferred=%d detail=%" PRIu64,
                 rule_id(e->v.rule), e->v.frame_index, e->v.offset, e->v.must_fail,
                 e->v.expected_close, e->v.inferred, e->v.detail);
        break;
    }
}

void events_print(const struct recorder *r)
{
    char buf[320];
    for (size_t i = 0; i < r->n && i < 64; i++) {
        event_str(&r->ev[i], buf, sizeof(buf));
        print_message("      %s\n", buf);
    }
    if (r->n > 64)
        print_message("      ... %zu events in all\n", r->n);
}

bool events_equal(const struct recorder *a, const struct recorder *b, char *msg, size_t msglen)
{
    char ea[320], eb[320];
    size_t n = a->n < b->n ? a->n : b->n;
    for (size_t i = 0; i < n; i++) {
        const struct event *x = &a->ev[i], *y = &b->ev[i];
        bool eq = x->type == y->type && frame_equal(&x->f, &y->f, x->type == EV_END);
        if (eq && x->type == EV_VIOLATION)
            eq = viol_equal(&x->v, &y->v);
        if (!eq) {
            event_str(x, ea, sizeof(ea));
            event_str(y, eb, sizeof(eb));
            snprintf(msg, msglen, "event %zu differs:\n      whole: %s\n      this:  %s", i, ea,
                     eb);
            return false;
        }
    }
    if (a->n != b->n) {
        const struct event *extra = a->n > b->n ? &a->ev[n] : &b->ev[n];
        event_str(extra, ea, sizeof(ea));
        snprintf(msg, msglen, "%zu events whole, %zu here; first unmatched (%s): %s", a->n, b->n,
                 a->n > b->n ? "whole" : "this", ea);
        return false;
    }
    return true;
}

/* ---- Cases -------------------------------------------------------------- */

uint64_t prng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * 0x2545F4914F6CDD1DULL;
}

void tc_make_config(const struct tc_config *tc, unsigned dir, struct wsv_config *out)
{
    memset(out, 0, sizeof(*out));
    out->role[dir] = tc->role;
    out->role_inferred[dir] = tc->role_inferred;
    out->midstream[dir] = tc->midstream;
    out->pmd.enabled = tc->pmd;
    out->pmd_inferred = tc->pmd_inferred;
    out->rsv_unknown = tc->rsv_unknown;
    out->strict = tc->strict;
    /* The other direction gets the opposite role: a case must not depend on
     * it. */
    unsigned o = dir ^ 1u;
    out->role[o] = tc->role == WSV_ROLE_CLIENT   ? WSV_ROLE_SERVER
                   : tc->role == WSV_ROLE_SERVER ? WSV_ROLE_CLIENT
                                                 : WSV_ROLE_UNKNOWN;
    out->role_inferred[o] = tc->role_inferred;
}

void tc_name(const struct tcase *tc, char *buf, size_t len)
{
    const struct wsv_rule_info *ri = wsv_rule_get(tc->rule);
    char id[96];
    size_t i = 0;
    if (ri && ri->id) {
        for (; ri->id[i] && i + 1 < sizeof(id); i++)
            id[i] = ri->id[i] == '-' ? '_' : ri->id[i];
        id[i] = 0;
    } else {
        snprintf(id, sizeof(id), "rule%d", (int)tc->rule);
    }
    snprintf(buf, len, "test_%s_%s%s%s", id, tc->kind == TC_FIRES ? "fires" : "silent",
             tc->suffix && *tc->suffix ? "_" : "", tc->suffix ? tc->suffix : "");
}

static int cmp_expected(const void *a, const void *b)
{
    const struct tc_violation *x = a, *y = b;
    if (x->frame != y->frame)
        return x->frame < y->frame ? -1 : 1;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return (int)x->rule - (int)y->rule;
}

static int cmp_got(const void *a, const void *b)
{
    const struct wsv_violation *x = a, *y = b;
    if (x->frame_index != y->frame_index)
        return x->frame_index < y->frame_index ? -1 : 1;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return (int)x->rule - (int)y->rule;
}

/* Failure report: the case, its input, what was expected, what came. */
static void report(const struct tcase *tc, const struct bytes *in, const struct recorder *whole,
                   const char *what)
{
    char name[160];
    tc_name(tc, name, sizeof(name));
    print_message("    CORE MISMATCH in %s: %s\n", name, what);
    print_message("    input (%zu bytes): %s\n", in->len, tc->in);
    print_message("    config: role=%d role_inferred=%d pmd=%d pmd_inferred=%d midstream=%d "
                  "strict=%#x\n",
                  tc->cfg.role, tc->cfg.role_inferred, tc->cfg.pmd, tc->cfg.pmd_inferred,
                  tc->cfg.midstream, tc->cfg.strict);
    print_message("    expected violations:\n");
    for (int i = 0; i < TC_MAX_V && tc->v[i].set; i++)
        print_message("      %s frame=%" PRIu64 " off=%" PRIu64 " must_fail=%d\n",
                      rule_id(tc->v[i].rule), tc->v[i].frame, tc->v[i].offset, tc->v[i].must_fail);
    print_message("    got (whole-buffer run):\n");
    events_print(whole);
}

static void check_expectations(const struct tcase *tc, const struct bytes *in,
                               const struct recorder *r, const struct wsv_conn *c)
{
    char msg[512];
    struct tc_violation exp[TC_MAX_V];
    size_t nexp = 0;
    for (; nexp < TC_MAX_V && tc->v[nexp].set; nexp++)
        exp[nexp] = tc->v[nexp];
    qsort(exp, nexp, sizeof(exp[0]), cmp_expected);

    struct wsv_violation got[64];
    size_t ngot = 0;
    unsigned nbegin = 0, nend = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct event *e = &r->ev[i];
        if (e->type == EV_VIOLATION && ngot < 64)
            got[ngot++] = e->v;
        nbegin += e->type == EV_BEGIN;
        nend += e->type == EV_END;
    }
    qsort(got, ngot, sizeof(got[0]), cmp_got);

    /* The violation list must be exactly the expected one. */
    bool same = ngot == nexp;
    for (size_t i = 0; same && i < nexp; i++)
        same = got[i].rule == exp[i].rule && got[i].frame_index == exp[i].frame &&
               got[i].offset == exp[i].offset;
    if (!same) {
        report(tc, in, r, "violation list (rule, frame, offset) differs");
        fail_msg("violation list differs");
    }
    for (size_t i = 0; i < nexp; i++) {
        const struct wsv_rule_info *ri = wsv_rule_get(exp[i].rule);
        uint16_t close = exp[i].close ? exp[i].close : exp[i].must_fail && ri ? ri->close : 0;
        if (got[i].must_fail != exp[i].must_fail || got[i].expected_close != close ||
            got[i].inferred != exp[i].inferred ||
            (exp[i].has_detail && got[i].detail != exp[i].detail)) {
            snprintf(msg, sizeof(msg),
                     "%s: expected must_fail=%d close=%u inferred=%d detail=%s%" PRIu64
                     ", got must_fail=%d close=%u inferred=%d detail=%" PRIu64,
                     rule_id(exp[i].rule), exp[i].must_fail, close, exp[i].inferred,
                     exp[i].has_detail ? "" : "(any) ", exp[i].detail, got[i].must_fail,
                     got[i].expected_close, got[i].inferred, got[i].detail);
            report(tc, in, r, msg);
            fail_msg("%s", msg);
        }
    }

    if (nbegin != tc->frames) {
        snprintf(msg, sizeof(msg), "%u frames expected, %u reported", tc->frames, nbegin);
        report(tc, in, r, msg);
        fail_msg("%s", msg);
    }
    if (!tc->partial && (nend != nbegin || !wsv_conn_at_boundary(c, 0))) {
        snprintf(msg, sizeof(msg), "input ends at a frame boundary: %u begin, %u end, boundary=%d",
                 nbegin, nend, wsv_conn_at_boundary(c, 0));
        report(tc, in, r, msg);
        fail_msg("%s", msg);
    }
    if (tc->partial && wsv_conn_at_boundary(c, 0)) {
        report(tc, in, r, "input ends inside a frame, yet wsv_conn_at_boundary() is true");
        fail_msg("at_boundary after a partial frame");
    }

    for (size_t i = 0; i < r->n; i++) {
        const struct event *e = &r->ev[i];
        const struct wsv_frame *f = &e->f;
        if (e->type == EV_BEGIN) {
            bool af = tc->after_fail_from && f->index >= tc->after_fail_from;
            bool ac = tc->after_close_from && f->index >= tc->after_close_from;
            if (f->after_fail != af || f->after_close != ac) {
                snprintf(msg, sizeof(msg),
                         "frame %" PRIu64 ": after_fail=%d after_close=%d, expected %d %d",
                         f->index, f->after_fail, f->after_close, af, ac);
                report(tc, in, r, msg);
                fail_msg("%s", msg);
            }
        }
        for (int k = 0; k < TC_MAX_F && tc->fx[k].set; k++) {
            const struct tc_frame *x = &tc->fx[k];
            if (x->index != f->index || e->type == EV_VIOLATION)
                continue;
            unsigned flags = (f->fin ? FX_FIN : 0) | (f->masked ? FX_MASKED : 0) |
                             (f->compressed ? FX_COMPRESSED : 0) |
                             (f->after_fail ? FX_AFTER_FAIL : 0) |
                             (f->after_close ? FX_AFTER_CLOSE : 0);
            unsigned want = x->flags & ~(unsigned)FX_HAS_CODE;
            bool ok = f->offset == x->offset && f->header_len == x->header_len &&
                      f->payload_len == x->payload_len && f->opcode == x->opcode && flags == want;
            if (e->type == EV_END) {
                ok = ok && f->has_close_code == !!(x->flags & FX_HAS_CODE);
                if (x->flags & FX_HAS_CODE)
                    ok = ok && f->close_code == x->close_code;
            }
            if (!ok) {
                snprintf(msg, sizeof(msg),
                         "frame %" PRIu64 " (%s): expected off=%" PRIu64 " hl=%u pl=%" PRIu64
                         " op=%x flags=%#x code=%u",
                         x->index, e->type == EV_BEGIN ? "begin" : "end", x->offset, x->header_len,
                         x->payload_len, x->opcode, x->flags, x->close_code);
                report(tc, in, r, msg);
                fail_msg("%s", msg);
            }
        }
    }
}

/* In a one-byte-at-a-time run the header is reported on its last byte and
 * the frame end on the last payload byte: no later, no earlier. */
static void check_bytewise_timing(const struct tcase *tc, const struct bytes *in,
                                  const struct recorder *r)
{
    char msg[256];
    for (size_t i = 0; i < r->n; i++) {
        const struct event *e = &r->ev[i];
        uint64_t want;
        if (e->type == EV_BEGIN)
            want = e->f.offset + e->f.header_len;
        else if (e->type == EV_END)
            want = e->f.offset + e->f.header_len + e->f.payload_len;
        else
            continue;
        if (e->fed != want) {
            snprintf(msg, sizeof(msg),
                     "byte-at-a-time: frame %" PRIu64 " %s reported after %" PRIu64
                     " bytes, expected after %" PRIu64,
                     e->f.index, e->type == EV_BEGIN ? "frame_begin" : "frame_end", e->fed, want);
            report(tc, in, r, msg);
            fail_msg("%s", msg);
        }
    }
}

static void check_recorder(const struct tcase *tc, const struct bytes *in, const struct recorder *r,
                           const char *run)
{
    if (r->err[0]) {
        char msg[400];
        snprintf(msg, sizeof(msg), "%s run: callback invariant broken: %s", run, r->err);
        report(tc, in, r, msg);
        fail_msg("%s", msg);
    }
}

static void compare_run(const struct tcase *tc, const struct bytes *in,
                        const struct recorder *whole, const struct recorder *r, const char *run)
{
    char msg[900];
    check_recorder(tc, in, r, run);
    if (!events_equal(whole, r, msg, sizeof(msg))) {
        char name[160];
        tc_name(tc, name, sizeof(name));
        print_message("    CORE MISMATCH in %s: %s run differs from the whole run\n    %s\n", name,
                      run, msg);
        print_message("    input: %s\n", tc->in);
        fail_msg("%s run differs from the whole-buffer run", run);
    }
}

void tc_run(const struct tcase *tc)
{
    struct bytes in;
    char err[128];
    if (!hex_parse(tc->in, &in, err, sizeof(err)))
        fail_msg("case input does not parse: %s: %s", err, tc->in);

    /* The case must pin what it claims to. */
    bool lists_rule = false;
    for (int i = 0; i < TC_MAX_V && tc->v[i].set; i++)
        lists_rule |= tc->v[i].rule == tc->rule;
    if (tc->kind == TC_FIRES && !lists_rule)
        fail_msg("FIRES case does not expect its own rule");
    if (tc->kind == TC_SILENT && lists_rule)
        fail_msg("SILENT case expects its own rule");

    struct wsv_config cfg;
    struct wsv_conn c;
    struct guard g;
    struct recorder whole = {0}, r = {0}, r1 = {0};
    guard_init(&g, in.len);

    /* Whole buffer, against the trailing guard page. */
    tc_make_config(&tc->cfg, 0, &cfg);
    wsv_conn_init(&c, &cfg);
    rec_feed(&whole, &c, 0, &g, in.p, in.len);
    check_recorder(tc, &in, &whole, "whole");
    check_expectations(tc, &in, &whole, &c);

    /* Whole buffer, right after the leading guard page (under-reads). */
    wsv_conn_init(&c, &cfg);
    r.fed = in.len;
    wsv_conn_feed(&c, 0, guard_head(&g, in.p, in.len), in.len, &rec_callbacks, &r);
    compare_run(tc, &in, &whole, &r, "whole (leading guard)");
    rec_reset(&r);

    /* One byte at a time. */
    wsv_conn_init(&c, &cfg);
    for (size_t i = 0; i < in.len; i++)
        rec_feed(&r, &c, 0, &g, in.p + i, 1);
    compare_run(tc, &in, &whole, &r, "byte-at-a-time");
    check_bytewise_timing(tc, &in, &r);
    rec_reset(&r);

    /* Three random chunkings, both directions interleaved with the same
     * bytes, plus empty feeds. */
    for (uint64_t seed = 1; seed <= 3; seed++) {
        uint64_t s = seed * 0x9E3779B97F4A7C15ULL;
        struct wsv_config both;
        tc_make_config(&tc->cfg, 0, &both);
        both.role[1] = both.role[0];
        both.role_inferred[1] = both.role_inferred[0];
        both.midstream[1] = both.midstream[0];
        wsv_conn_init(&c, &both);
        size_t pos = 0;
        while (pos < in.len) {
            uint64_t x = prng_next(&s);
            size_t lim = (x & 3) == 0 ? 3 : (x & 3) == 1 ? 16 : (x & 3) == 2 ? 256 : in.len;
            size_t n = 1 + (size_t)((x >> 8) % lim);
            if (n > in.len - pos)
                n = in.len - pos;
            if ((x >> 40) % 8 == 0)
                wsv_conn_feed(&c, (unsigned)(x >> 50) & 1, NULL, 0, &rec_callbacks,
                              (x >> 50) & 1 ? &r1 : &r);
            rec_feed(&r, &c, 0, &g, in.p + pos, n);
            rec_feed(&r1, &c, 1, &g, in.p + pos, n);
            pos += n;
        }
        char run[64];
        snprintf(run, sizeof(run), "random chunking seed %" PRIu64 " dir 0", seed);
        compare_run(tc, &in, &whole, &r, run);
        snprintf(run, sizeof(run), "random chunking seed %" PRIu64 " dir 1", seed);
        compare_run(tc, &in, &whole, &r1, run);
        rec_reset(&r);
        rec_reset(&r1);
    }

    /* The same case on direction 1, the other direction idle. */
    tc_make_config(&tc->cfg, 1, &cfg);
    wsv_conn_init(&c, &cfg);
    rec_feed(&r, &c, 1, &g, in.p, in.len);
    compare_run(tc, &in, &whole, &r, "whole on direction 1");
    if (!wsv_conn_at_boundary(&c, 0))
        fail_msg("feeding direction 1 touched direction 0");
    rec_reset(&r);

    /* No callbacks at all: must not crash and must end in the same state. */
    tc_make_config(&tc->cfg, 0, &cfg);
    wsv_conn_init(&c, &cfg);
    wsv_conn_feed(&c, 0, guard_tail(&g, in.p, in.len), in.len, NULL, NULL);
    if (wsv_conn_at_boundary(&c, 0) != !tc->partial)
        fail_msg("without callbacks the direction ends in a different state");

    rec_free(&whole);
    guard_free(&g);
    bytes_free(&in);
}
