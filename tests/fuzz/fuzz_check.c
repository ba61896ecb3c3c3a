/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Invariant checks and event digests shared by the fuzz targets (see
 * fuzz_check.h). Every check here is a promise of wsv.h or of the core's
 * documented semantics; none depends on how a particular rule is judged.
 */
#include "fuzz_check.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool fz_verbose;

void fz_fail(const struct fz_dir *d, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "fuzz invariant broken (direction %s, event %" PRIu64 "): ", d->name,
            d->events);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void fz_die(const char *fmt, ...)
{
    va_list ap;
    fputs("fuzz invariant broken: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(FZ_ASAN)
#define FZ_ASAN 1
#endif

#ifdef FZ_ASAN
#include <sanitizer/asan_interface.h>
void fz_poison(const void *p, size_t n)
{
    ASAN_POISON_MEMORY_REGION(p, n);
}
void fz_unpoison(const void *p, size_t n)
{
    ASAN_UNPOISON_MEMORY_REGION(p, n);
}
#else
void fz_poison(const void *p, size_t n)
{
    (void)p;
    (void)n;
}
void fz_unpoison(const void *p, size_t n)
{
    (void)p;
    (void)n;
}
#endif

void fz_dir_init(struct fz_dir *d, const char *name)
{
    memset(d, 0, sizeof *d);
    d->name = name;
    d->digest = 0xcbf29ce484222325ULL; /* FNV-1a offset basis */
}

static void mix(struct fz_dir *d, uint64_t v)
{
    for (unsigned i = 0; i < 8; i++) {
        d->digest ^= (uint8_t)(v >> (8 * i));
        d->digest *= 0x100000001b3ULL;
    }
}

/* The close code is only defined once the payload is complete, so it enters
 * the digest at frame_end only. */
static void mix_frame(struct fz_dir *d, unsigned type, const struct wsv_frame *f, bool end)
{
    d->events++;
    mix(d, type);
    mix(d, f->index);
    mix(d, f->offset);
    mix(d, f->payload_len);
    mix(d, (uint64_t)f->header_len | (uint64_t)f->opcode << 8 | (uint64_t)f->rsv << 16 |
               (uint64_t)f->fin << 24 | (uint64_t)f->masked << 25 | (uint64_t)f->compressed << 26 |
               (uint64_t)f->after_fail << 27 | (uint64_t)f->after_close << 28 |
               (uint64_t)f->violations << 32);
    uint32_t m;
    memcpy(&m, f->mask, 4);
    mix(d, m);
    if (end)
        mix(d, (uint64_t)f->has_close_code << 16 | f->close_code);
}

static const char *rule_id(enum wsv_rule r)
{
    const struct wsv_rule_info *ri = wsv_rule_get(r);
    return ri ? ri->id : "?";
}

static void print_frame(const struct fz_dir *d, const char *what, const struct wsv_frame *f)
{
    fprintf(stderr,
            "%s %s frame=%" PRIu64 " off=%" PRIu64 " hl=%u pl=%" PRIu64
            " op=%x rsv=%u fin=%d masked=%d comp=%d after_fail=%d after_close=%d code=%d:%u "
            "nviol=%u\n",
            d->name, what, f->index, f->offset, f->header_len, f->payload_len, f->opcode, f->rsv,
            f->fin, f->masked, f->compressed, f->after_fail, f->after_close, f->has_close_code,
            f->close_code, f->violations);
}

static void on_begin(void *user, const struct wsv_frame *f)
{
    struct fz_dir *d = user;
    if (fz_verbose)
        print_frame(d, "begin", f);
    if (d->in_frame)
        fz_fail(d, "frame_begin %" PRIu64 " while frame %" PRIu64 " is open", f->index, d->cur);
    if (f->index != d->begun)
        fz_fail(d, "frame_begin index %" PRIu64 ", expected %" PRIu64, f->index, d->begun);
    unsigned ext = f->header_len - 2u - (f->masked ? 4u : 0u);
    if (f->header_len < 2 || f->header_len > 14 || (ext != 0 && ext != 2 && ext != 8))
        fz_fail(d, "header_len %u with masked=%d", f->header_len, f->masked);
    if ((ext == 0 && f->payload_len > 125) || (ext == 2 && f->payload_len > 0xffff))
        fz_fail(d, "payload_len %" PRIu64 " in a %u-byte header", f->payload_len, f->header_len);
    if (f->offset < d->min_next)
        fz_fail(d, "frame at %" PRIu64 " overlaps what came before (%" PRIu64 ")", f->offset,
                d->min_next);
    if (f->offset > d->upper || d->upper - f->offset < f->header_len)
        fz_fail(d, "frame_begin at %" PRIu64 "+%u, only %" PRIu64 " bytes fed", f->offset,
                f->header_len, d->upper);
    if (f->violations != 0 || f->opcode > 0xf || f->rsv > 7)
        fz_fail(d, "frame_begin with violations=%u opcode=%u rsv=%u", f->violations, f->opcode,
                f->rsv);
    if (f->compressed &&
        (!(f->rsv & 4) || (f->opcode != WSV_OP_TEXT && f->opcode != WSV_OP_BINARY)))
        fz_fail(d, "compressed frame with rsv=%u opcode=%u", f->rsv, f->opcode);
    /* after_fail and after_close only ever switch on; a completed frame with
     * a must-fail violation switches after_fail on for every later frame. */
    if ((d->seen_after_fail || d->failed) && !f->after_fail)
        fz_fail(d, "after_fail off again (failed=%d)", d->failed);
    if (d->seen_after_close && !f->after_close)
        fz_fail(d, "after_close off again");
    d->seen_after_fail |= f->after_fail;
    d->seen_after_close |= f->after_close;
    d->in_frame = true;
    d->cur = f->index;
    d->cur_viol = 0;
    d->cur_must_fail = false;
    d->begun++;
    mix_frame(d, 1, f, false);
    /* The plugin's guess for a direction without a handshake. */
    if (d->set_role && f->index == 0)
        wsv_conn_set_role(d->conn, d->dir, f->masked ? WSV_ROLE_CLIENT : WSV_ROLE_SERVER, true);
}

static void on_violation(void *user, const struct wsv_frame *f, const struct wsv_violation *v)
{
    struct fz_dir *d = user;
    if (fz_verbose)
        fprintf(stderr,
                "%s   violation %s frame=%" PRIu64 " off=%" PRIu64
                " must_fail=%d close=%u inferred=%d detail=%" PRIu64 "\n",
                d->name, rule_id(v->rule), v->frame_index, v->offset, v->must_fail,
                v->expected_close, v->inferred, v->detail);
    const struct wsv_rule_info *ri = wsv_rule_get(v->rule);
    if (!ri || (unsigned)v->rule >= WSV_RULE_COUNT)
        fz_fail(d, "violation with rule %d", (int)v->rule);
    if (!d->in_frame || f->index != d->cur)
        fz_fail(d, "violation %s outside its frame (frame %" PRIu64 ")", ri->id, f->index);
    if (v->frame_index != f->index || v->frame_index >= d->begun)
        fz_fail(d,
                "violation %s: frame_index %" PRIu64 " on frame %" PRIu64 ", %" PRIu64
                " frames seen",
                ri->id, v->frame_index, f->index, d->begun);
    if (v->offset >= d->upper)
        fz_fail(d, "violation %s at offset %" PRIu64 ", only %" PRIu64 " bytes fed", ri->id,
                v->offset, d->upper);
    if (ri->impl != WSV_IMPL_CORE && !d->reporting)
        fz_fail(d, "the core reported %s, a rule it does not implement", ri->id);
    if (f->violations != d->cur_viol + 1)
        fz_fail(d, "violation %s: frame says %u violations, %u seen", ri->id, f->violations,
                d->cur_viol + 1);
    if (v->must_fail && ri->severity == WSV_SEV_NOTE)
        fz_fail(d, "note %s is must-fail", ri->id);
    if (v->must_fail && ri->severity == WSV_SEV_ERROR && v->expected_close == 0)
        fz_fail(d, "must-fail %s expects no close code", ri->id);
    if (v->must_fail && !wsv_rule_close_ok(v->rule, v->expected_close))
        fz_fail(d, "must-fail %s expects close %u, not one of its codes", ri->id,
                v->expected_close);
    if (!v->must_fail && v->expected_close != 0)
        fz_fail(d, "%s is not must-fail but expects close %u", ri->id, v->expected_close);
    if (d->notes)
        fz_fail(d, "violation %s after the after-fail note", ri->id);
    if (v->rule == WSV_R_AFTER_FAIL) {
        if (!f->after_fail || f->violations != 1)
            fz_fail(d, "after-fail note on frame %" PRIu64 " (after_fail=%d, violation #%u)",
                    f->index, f->after_fail, f->violations);
        d->notes++;
    } else if (f->after_fail) {
        fz_fail(d, "violation %s on after-fail frame %" PRIu64, ri->id, f->index);
    }
    d->cur_viol++;
    d->cur_must_fail |= v->must_fail;
    mix_frame(d, 2, f, false);
    mix(d, v->rule);
    mix(d, v->offset);
    mix(d, v->frame_index);
    mix(d, (uint64_t)v->must_fail | (uint64_t)v->inferred << 1 | (uint64_t)v->expected_close << 16);
    mix(d, v->detail);
}

static void on_end(void *user, const struct wsv_frame *f)
{
    struct fz_dir *d = user;
    if (fz_verbose)
        print_frame(d, "end  ", f);
    if (!d->in_frame || f->index != d->cur)
        fz_fail(d, "frame_end of frame %" PRIu64 " without its frame_begin", f->index);
    if (f->violations != d->cur_viol)
        fz_fail(d, "frame_end says %u violations, %u seen", f->violations, d->cur_viol);
    uint64_t room = d->upper - f->offset - f->header_len; /* on_begin made this safe */
    if (f->payload_len > room)
        fz_fail(
            d, "frame_end of a %" PRIu64 "-byte payload at %" PRIu64 ", only %" PRIu64 " bytes fed",
            f->payload_len, f->offset, d->upper);
    if (f->has_close_code && (f->opcode != WSV_OP_CLOSE || f->payload_len < 2))
        fz_fail(d, "close code on opcode %u, payload %" PRIu64, f->opcode, f->payload_len);
    /* A frame is only judged once, and must not get the note twice. */
    if (f->after_fail && d->notes == 0)
        fz_fail(d, "first after-fail frame %" PRIu64 " got no after-fail note", f->index);
    d->in_frame = false;
    d->min_next = f->offset + f->header_len + f->payload_len;
    d->failed |= d->cur_must_fail;
    mix_frame(d, 3, f, true);
}

const struct wsv_callbacks fz_callbacks = {on_begin, on_violation, on_end};

static void z_report(struct fz_dir *d, enum wsv_rule rule, uint64_t detail)
{
    d->reporting = true;
    wsv_conn_report(d->conn, d->dir, rule, detail, &fz_callbacks, d);
    d->reporting = false;
}

/* The stand-in inflater (see fz_feed in fuzz_check.h). */
static void on_compressed(void *user, const struct wsv_frame *f, const uint8_t *p, size_t n)
{
    struct fz_dir *d = user;
    if (!d->in_frame || f->index != d->cur || !f->inflate)
        fz_fail(d, "compressed payload of frame %" PRIu64 " (inflate=%d) outside it", f->index,
                f->inflate);
    if (f->compressed && d->z_frame != f->index + 1) {
        d->z_active = true;
        d->z_frame = f->index + 1;
        d->z_count = 0;
    }
    if (!d->z_active)
        return;
    if (!p) {
        if (n != 0)
            fz_fail(d, "end of compressed message with n=%zu", n);
        wsv_conn_inflated(d->conn, d->dir, NULL, 0, d->z_count, true, &fz_callbacks, d);
        if (d->z_count % 5 == 4)
            z_report(d, WSV_R_PMD_WINDOW_EXCEEDED, d->z_count);
        d->z_active = false;
        return;
    }
    if (d->fail_at && d->z_count < d->fail_at && d->z_count + n >= d->fail_at) {
        size_t k = (size_t)(d->fail_at - d->z_count);
        wsv_conn_inflated(d->conn, d->dir, p, k, d->z_count, false, &fz_callbacks, d);
        z_report(d, WSV_R_PMD_DECOMPRESS_FAIL, d->fail_at);
        d->z_active = false;
        return;
    }
    wsv_conn_inflated(d->conn, d->dir, p, n, d->z_count, false, &fz_callbacks, d);
    d->z_count += n;
}

void fz_feed(struct wsv_conn *c, unsigned dir, struct fz_dir *d, const uint8_t *p, size_t n)
{
    uint8_t *copy = NULL;
    if (n) {
        copy = malloc(n);
        if (!copy)
            abort();
        memcpy(copy, p, n);
    }
    d->upper += n;
    d->conn = c;
    d->dir = dir;
    wsv_conn_feed_pmd(c, dir, copy, n, &fz_callbacks, on_compressed, d);
    free(copy);
}

void fz_gap(struct wsv_conn *c, unsigned dir, struct fz_dir *d, uint64_t missing)
{
    if (fz_verbose)
        fprintf(stderr, "%s gap %" PRIu64 "\n", d->name, missing);
    /* An abandoned frame never ends: whether its must-fail violation makes the
     * direction "failed" is not specified, so the next frames may go either
     * way (but stay monotone once after_fail is seen). */
    d->in_frame = false;
    d->cur_must_fail = false;
    d->upper += missing;
    d->min_next = d->upper;
    d->z_active = false; /* the plugin's inflater loses the message too */
    d->events++;
    mix(d, 4);
    mix(d, missing);
    wsv_conn_gap(c, dir, missing);
}

void fz_same(const struct fz_dir *a, const struct fz_dir *b)
{
    if (a->digest != b->digest || a->events != b->events || a->begun != b->begun ||
        a->upper != b->upper)
        fz_fail(a,
                "event lists differ: %s has %" PRIu64 " events, %" PRIu64
                " frames, digest %016" PRIx64 "; %s has %" PRIu64 " events, %" PRIu64
                " frames, digest %016" PRIx64 " (replay with FUZZ_VERBOSE=1)",
                a->name, a->events, a->begun, a->digest, b->name, b->events, b->begun, b->digest);
}
