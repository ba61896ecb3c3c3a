/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_heur: the mid-stream recogniser (wsv_heur.h). The input is a flags
 * byte, then segments, each a control byte and its bytes:
 *   [0]  bit 0: move the connection to a fresh heap copy after every call
 *        (the struct is plain data)
 *   control byte: bit 7 direction, bit 6 wsv_heur_gap() before the segment,
 *        bits 0-5 n: the segment is n bytes (n < 60), 60 + the next byte
 *        (n = 60), as many as the next two bytes say, big-endian (n = 61),
 *        or the rest of the input (n = 62, 63); cut short where the input
 *        ends.
 * Every segment is handed over in an exact-size heap copy, so that
 * AddressSanitizer sees a read outside it, to two connections: one asks for
 * spans, the other passes NULL (both must end up byte for byte the same).
 *
 * Checked, as the header promises them (a break aborts):
 *   - the verdict returned is the struct's; once decided it never changes;
 *     after NOT_WEBSOCKET a segment changes nothing and spans are empty; an
 *     undecided verdict is what wsv_heur_judge() says, and so is a decision,
 *     unless a direction's first bytes sniffed as another protocol (then
 *     proto/look are what wsv_heur_sniff() says of them); after WEBSOCKET
 *     both directions trust segment starts; work never passes
 *     WSV_HEUR_MAX_WORK undecided;
 *   - spans: first <= end <= len, and [first, end) is a chain of whole
 *     frames; while a direction follows its chain, a reference walker (the
 *     chain followed byte by byte from where the span says it starts) must
 *     agree on first, end, the bytes still due (need), the header bytes
 *     carried over (have, hdr) and the frames, odd and masked headers
 *     counted; the first opcode is the chain's first;
 *   - state: SEARCH goes to CHAIN, or to LOST after WSV_HEUR_MAX_SEARCH
 *     failed searches (not when trusting starts); CHAIN to LOST only before
 *     the verdict and on a frame longer than WSV_HEUR_MAX_PENDING; a gap
 *     drops the carried header and need and searches again (LOST may stay);
 *   - tallies: fed is the bytes fed, skipped at most that, each count within
 *     the one it is a part of, at most one frame per two bytes fed, at most
 *     one aligned or injected per segment;
 *   - wsv_heur_header: 0 or 2..14, no more than the bytes given, the same
 *     length with exactly that many bytes, 0 with one less;
 *   - wsv_heur_sniff and wsv_heur_infer: values in range, results that
 *     agree with the pointers passed or the tallies.
 */
#include "fuzz_check.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wsv/wsv_heur.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { NO_OPCODE = 0xff };

/* The chain of one direction, followed byte by byte. */
struct model {
    bool active;
    uint64_t need;
    uint8_t hdr[14];
    uint8_t have;
};

/* What the harness knows of one direction. */
struct track {
    struct model m;
    uint64_t fed;      /* bytes fed while the verdict was not NOT_WEBSOCKET */
    uint64_t segments; /* ... in that many non-empty segments */
    unsigned failed;   /* searches in vain since the last gap */
    uint8_t first_opcode;
};

struct counts {
    uint64_t frames, odd, masked;
};

/* Follow the chain through p[0, n): first/end as wsv_heur_span promises. */
static void model_segment(struct model *m, const uint8_t *p, size_t n, size_t *first, size_t *end,
                          struct counts *c, uint8_t *first_opcode)
{
    size_t pos = 0, e = 0;
    bool here = false; /* the current frame's header began in this segment */
    *first = n;
    while (pos < n) {
        if (m->need) {
            uint64_t take = m->need < n - pos ? m->need : n - pos;
            pos += (size_t)take;
            m->need -= take;
            if (!m->need && here)
                e = pos;
            continue;
        }
        if (m->have == 0) {
            here = true;
            if (*first == n)
                *first = pos;
        }
        m->hdr[m->have++] = p[pos++];
        struct wsv_heur_hdr h;
        if (!wsv_heur_header(m->hdr, m->have, &h))
            continue;
        m->have = 0;
        c->frames++;
        c->odd += h.odd != 0;
        c->masked += h.masked;
        if (*first_opcode == NO_OPCODE)
            *first_opcode = h.opcode;
        m->need = h.payload_len;
        if (!m->need && here)
            e = pos;
    }
    *end = e > *first ? e : *first;
}

static void check_header(const uint8_t *p, size_t n)
{
    struct wsv_heur_hdr h, h2;
    memset(&h, 0, sizeof h); /* padding: the structs are compared whole */
    memset(&h2, 0, sizeof h2);
    unsigned hl = wsv_heur_header(p, n, &h);
    if (!hl)
        return;
    if (hl < 2 || hl > 14 || hl > n || h.len != hl || h.opcode > 15 || h.rsv > 7 ||
        (h.odd & ~0xfu) || (!h.masked && (h.mask[0] | h.mask[1] | h.mask[2] | h.mask[3])))
        fz_die("header: length %u of %zu bytes, h.len %u opcode %u rsv %u odd %#x", hl, n, h.len,
               h.opcode, h.rsv, h.odd);
    if (wsv_heur_header(p, hl, &h2) != hl || memcmp(&h, &h2, sizeof h) != 0)
        fz_die("header: a different result with exactly its %u bytes", hl);
    if (wsv_heur_header(p, hl - 1, &h2) != 0)
        fz_die("header: complete with %u of its %u bytes", hl - 1, hl);
}

static void check_sniff(const uint8_t *p, size_t n, enum wsv_heur_proto *pr, enum wsv_lookalike *lk)
{
    bool any = wsv_heur_sniff(p, n, pr, lk);
    if ((unsigned)*pr >= WSV_PROTO_COUNT || (unsigned)*lk >= WSV_LOOK_COUNT)
        fz_die("sniff: proto %d look %d out of range", (int)*pr, (int)*lk);
    if (any != (*pr != WSV_PROTO_NONE || *lk != WSV_LOOK_NONE))
        fz_die("sniff returned %d with proto %d look %d", any, (int)*pr, (int)*lk);
    if (wsv_heur_sniff(p, n, NULL, NULL) != any)
        fz_die("sniff: a different answer without the out pointers");
    const char *name = wsv_heur_proto_name(*pr);
    if (!name || (*name == 0) != (*pr == WSV_PROTO_NONE))
        fz_die("proto_name(%d)", (int)*pr);
}

static void check_infer(const struct wsv_heur *h)
{
    struct wsv_heur_inference inf;
    enum wsv_role vote[2];
    uint32_t rsv1 = 0;
    wsv_heur_infer(h, &inf);
    for (unsigned i = 0; i < 2; i++) {
        const struct wsv_heur_tally *t = &h->dir[i].t;
        uint32_t unmasked = t->frames - t->masked;
        vote[i] = t->masked > unmasked   ? WSV_ROLE_CLIENT
                  : unmasked > t->masked ? WSV_ROLE_SERVER
                                         : WSV_ROLE_UNKNOWN;
        rsv1 += t->rsv1;
        if ((unsigned)inf.role[i] > WSV_ROLE_SERVER)
            fz_die("infer: role %d", (int)inf.role[i]);
        if (inf.fragment_open[i] != (h->dir[i].first_opcode == WSV_OP_CONT))
            fz_die("infer: fragment_open[%u] %d, first opcode %u", i, inf.fragment_open[i],
                   h->dir[i].first_opcode);
    }
    if (inf.role[0] != WSV_ROLE_UNKNOWN && inf.role[0] == inf.role[1])
        fz_die("infer: both directions are role %d", (int)inf.role[0]);
    bool alike = vote[0] != WSV_ROLE_UNKNOWN && vote[0] == vote[1];
    for (unsigned i = 0; i < 2; i++)
        if (alike ? inf.role[i] != WSV_ROLE_UNKNOWN
                  : vote[i] != WSV_ROLE_UNKNOWN && inf.role[i] != vote[i])
            fz_die("infer: role[%u] %d, mask votes %d/%d", i, (int)inf.role[i], (int)vote[0],
                   (int)vote[1]);
    if (inf.pmd_likely && rsv1 == 0)
        fz_die("infer: pmd_likely without RSV1");
}

static void check_tally(const struct wsv_heur *h, unsigned dir, const struct track *tr)
{
    const struct wsv_heur_dir *d = &h->dir[dir];
    const struct wsv_heur_tally *t = &d->t;
    if (d->fed != tr->fed || d->skipped > d->fed)
        fz_die("dir %u: fed %" PRIu64 " (expected %" PRIu64 "), skipped %" PRIu64, dir, d->fed,
               tr->fed, d->skipped);
    if (d->state > WSV_HEUR_LOST || d->have >= sizeof d->hdr)
        fz_die("dir %u: state %u, have %u", dir, d->state, d->have);
    if ((uint64_t)t->clean + t->odd > t->frames || t->masked > t->frames || t->starts > t->frames ||
        t->rsv1 > t->starts || t->deflate > t->rsv1 || t->text > t->starts ||
        t->text_long > t->text || 2 * (uint64_t)t->frames > d->fed || t->aligned > tr->segments ||
        t->injected > tr->segments)
        fz_die("dir %u tally: frames %u clean %u odd %u masked %u starts %u rsv1 %u deflate %u "
               "text %u/%u aligned %u injected %u, %" PRIu64 " bytes in %" PRIu64 " segments",
               dir, t->frames, t->clean, t->odd, t->masked, t->starts, t->rsv1, t->deflate, t->text,
               t->text_long, t->aligned, t->injected, d->fed, tr->segments);
    if (d->first_opcode != tr->first_opcode)
        fz_die("dir %u: first opcode %u, the chain's first frame has %u", dir, d->first_opcode,
               tr->first_opcode);
}

static void check_model(const struct wsv_heur_dir *d, const struct model *m, unsigned dir)
{
    if (d->need != m->need || d->have != m->have || memcmp(d->hdr, m->hdr, m->have) != 0)
        fz_die("dir %u: need %" PRIu64 " have %u, the chain followed byte by byte: need %" PRIu64
               " have %u",
               dir, d->need, d->have, m->need, m->have);
}

static struct wsv_heur *move(struct wsv_heur *h)
{
    struct wsv_heur *n = malloc(sizeof *n);
    if (!n)
        abort();
    memcpy(n, h, sizeof *n);
    memset(h, 0xa5, sizeof *h);
    free(h);
    return n;
}

static void segment(struct wsv_heur *a, struct wsv_heur *b, struct track *tr, unsigned dir,
                    const uint8_t *src, size_t len)
{
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        abort();
    if (len)
        memcpy(buf, src, len);
    check_header(buf, len);
    enum wsv_heur_proto pr;
    enum wsv_lookalike lk;
    check_sniff(buf, len, &pr, &lk);

    struct wsv_heur prev;
    memcpy(&prev, a, sizeof prev); /* padding included: compared whole */
    const struct wsv_heur_dir *d = &a->dir[dir], *pd = &prev.dir[dir];
    struct wsv_heur_span sp = {(size_t)-1, (size_t)-1};
    enum wsv_heur_verdict v = wsv_heur_segment(a, dir, buf, len, &sp);
    enum wsv_heur_verdict vb = wsv_heur_segment(b, dir, buf, len, NULL);
    if (fz_verbose)
        fprintf(stderr,
                "dir %u: %zu bytes, verdict %d, span [%zu, %zu), state %u->%u need %" PRIu64
                " have %u frames %u\n",
                dir, len, (int)v, sp.first, sp.end, pd->state, d->state, d->need, d->have,
                d->t.frames);
    if (v != vb || memcmp(a, b, sizeof *a) != 0)
        fz_die("dir %u: the connection fed without a span differs", dir);

    /* The verdict. */
    if ((unsigned)v > WSV_HEUR_NOT_WEBSOCKET || v != a->verdict)
        fz_die("verdict %d returned, %u stored", (int)v, a->verdict);
    if (prev.verdict != WSV_HEUR_UNDECIDED && v != prev.verdict)
        fz_die("verdict changed from %u to %d", prev.verdict, (int)v);
    if (sp.first > sp.end || sp.end > len)
        fz_die("span [%zu, %zu) of %zu bytes", sp.first, sp.end, len);
    if (prev.verdict == WSV_HEUR_NOT_WEBSOCKET) {
        if (memcmp(a, &prev, sizeof prev) != 0 || sp.first != len)
            fz_die("a segment after NOT_WEBSOCKET changed something");
        goto done;
    }
    if (len) {
        tr[dir].fed += len;
        tr[dir].segments++;
    }
    if (a->proto >= WSV_PROTO_COUNT || a->look >= WSV_LOOK_COUNT ||
        ((a->proto || a->look) && v != WSV_HEUR_NOT_WEBSOCKET))
        fz_die("proto %u look %u with verdict %d", a->proto, a->look, (int)v);
    if (v == WSV_HEUR_UNDECIDED && wsv_heur_judge(a) != WSV_HEUR_UNDECIDED)
        fz_die("undecided, but judge says %d", (int)wsv_heur_judge(a));
    if (a->work > WSV_HEUR_MAX_WORK || (a->work == WSV_HEUR_MAX_WORK && v == WSV_HEUR_UNDECIDED))
        fz_die("work %u, verdict %d", a->work, (int)v);
    if (prev.verdict == WSV_HEUR_UNDECIDED && v == WSV_HEUR_WEBSOCKET &&
        (wsv_heur_judge(a) != WSV_HEUR_WEBSOCKET || !a->dir[0].trust_start ||
         !a->dir[1].trust_start))
        fz_die("claimed, but judge says %d, trust_start %d/%d", (int)wsv_heur_judge(a),
               a->dir[0].trust_start, a->dir[1].trust_start);
    bool sniffed = false;
    if (prev.verdict == WSV_HEUR_UNDECIDED && v == WSV_HEUR_NOT_WEBSOCKET) {
        sniffed = a->proto || a->look;
        if (sniffed && (pd->fed != 0 || pd->state != WSV_HEUR_SEARCH || a->proto != pr ||
                        a->look != lk || sp.first != len))
            fz_die("rejected by sniffing proto %u look %u (sniff says %d/%d) after %" PRIu64
                   " bytes",
                   a->proto, a->look, (int)pr, (int)lk, pd->fed);
        if (!sniffed && wsv_heur_judge(a) != WSV_HEUR_NOT_WEBSOCKET)
            fz_die("rejected, but judge says %d", (int)wsv_heur_judge(a));
    }

    /* The direction's state and chain. */
    struct model *m = &tr[dir].m;
    struct counts c = {0, 0, 0};
    size_t mfirst = len, mend = len;
    if (len == 0 || sniffed) {
        if (d->state != pd->state)
            fz_die("state %u -> %u on %s", pd->state, d->state,
                   len ? "a sniffed segment" : "an empty segment");
    } else if (pd->state == WSV_HEUR_LOST) {
        if (d->state != WSV_HEUR_LOST || sp.first != len)
            fz_die("a lost direction moved to %u, span [%zu, %zu)", d->state, sp.first, sp.end);
    } else if (pd->state == WSV_HEUR_SEARCH && d->state != WSV_HEUR_CHAIN) {
        tr[dir].failed++;
        bool lost = tr[dir].failed >= WSV_HEUR_MAX_SEARCH && !pd->trust_start;
        if (d->state != (lost ? WSV_HEUR_LOST : WSV_HEUR_SEARCH) || sp.first != len || d->need ||
            d->have || d->t.frames != pd->t.frames)
            fz_die("search %u in vain: state %u, span [%zu, %zu), need %" PRIu64 " have %u",
                   tr[dir].failed, d->state, sp.first, sp.end, d->need, d->have);
    } else {
        /* Following the chain: from where the span says it starts, or on. */
        size_t start = 0;
        if (pd->state == WSV_HEUR_SEARCH) {
            start = sp.first;
            if (start >= len)
                fz_die("a chain start found at %zu of %zu bytes", start, len);
            memset(m, 0, sizeof *m);
            m->active = true;
        }
        if (!m->active)
            fz_die("dir %u follows a chain the harness did not see start", dir);
        model_segment(m, buf + start, len - start, &mfirst, &mend, &c, &tr[dir].first_opcode);
        mfirst += start;
        mend += start;
        if (sp.first != mfirst || sp.end != mend)
            fz_die("dir %u: span [%zu, %zu), the chain followed byte by byte: [%zu, %zu)", dir,
                   sp.first, sp.end, mfirst, mend);
        check_model(d, m, dir);
        if (d->t.frames - pd->t.frames != c.frames || d->t.odd - pd->t.odd != c.odd ||
            d->t.masked - pd->t.masked != c.masked)
            fz_die("dir %u: %u frames (%u odd, %u masked) counted, %" PRIu64 " (%" PRIu64
                   ", %" PRIu64 ") in the chain",
                   dir, d->t.frames - pd->t.frames, d->t.odd - pd->t.odd,
                   d->t.masked - pd->t.masked, c.frames, c.odd, c.masked);
        if (d->state == WSV_HEUR_LOST) {
            if (pd->state != WSV_HEUR_CHAIN || prev.verdict != WSV_HEUR_UNDECIDED ||
                d->need <= WSV_HEUR_MAX_PENDING)
                fz_die("chain given up: state %u -> LOST, verdict %u, need %" PRIu64, pd->state,
                       prev.verdict, d->need);
            m->active = false;
        } else if (d->state != WSV_HEUR_CHAIN) {
            fz_die("state %u -> %u while following a chain", pd->state, d->state);
        }
    }
    /* [first, end) is a run of whole frames. */
    for (size_t p = sp.first; p < sp.end;) {
        struct wsv_heur_hdr hh;
        unsigned hl = wsv_heur_header(buf + p, sp.end - p, &hh);
        if (!hl || hh.payload_len > sp.end - p - hl)
            fz_die("span [%zu, %zu): no whole frame at %zu", sp.first, sp.end, p);
        p += hl + (size_t)hh.payload_len;
    }

done:
    for (unsigned i = 0; i < 2; i++)
        check_tally(a, i, &tr[i]);
    check_infer(a);
    free(buf);
}

static void gap(struct wsv_heur *a, struct wsv_heur *b, struct track *tr, unsigned dir)
{
    struct wsv_heur prev;
    memcpy(&prev, a, sizeof prev);
    wsv_heur_gap(a, dir);
    wsv_heur_gap(b, dir);
    if (fz_verbose)
        fprintf(stderr, "dir %u: gap\n", dir);
    if (memcmp(a, b, sizeof *a) != 0)
        fz_die("dir %u gap: the two connections differ", dir);
    const struct wsv_heur_dir *d = &a->dir[dir];
    if (a->verdict != prev.verdict || d->need || d->have || d->state == WSV_HEUR_CHAIN ||
        (d->state == WSV_HEUR_LOST && prev.dir[dir].state != WSV_HEUR_LOST))
        fz_die("dir %u gap: verdict %u -> %u, state %u -> %u, need %" PRIu64 " have %u", dir,
               prev.verdict, a->verdict, prev.dir[dir].state, d->state, d->need, d->have);
    tr[dir].m.active = false;
    tr[dir].failed = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    bool copy = data[0] & 1;
    struct wsv_heur *a = malloc(sizeof *a), b;
    if (!a)
        abort();
    wsv_heur_init(a);
    wsv_heur_init(&b);
    struct track tr[2];
    memset(tr, 0, sizeof tr);
    tr[0].first_opcode = tr[1].first_opcode = NO_OPCODE;
    for (unsigned i = 0; i < 2; i++)
        check_tally(a, i, &tr[i]);

    size_t pos = 1;
    while (pos < size) {
        uint8_t c = data[pos++];
        unsigned dir = c >> 7, n = c & 0x3f;
        size_t len;
        if (n < 60) {
            len = n;
        } else if (n == 60) {
            len = pos < size ? 60u + data[pos++] : 60;
        } else if (n == 61) {
            len = pos + 1 < size ? (size_t)data[pos] << 8 | data[pos + 1] : 0;
            pos = pos + 2 < size ? pos + 2 : size;
        } else {
            len = size - pos;
        }
        if (len > size - pos)
            len = size - pos;
        if (c & 0x40)
            gap(a, &b, tr, dir);
        segment(a, &b, tr, dir, data + pos, len);
        pos += len;
        if (copy)
            a = move(a);
    }
    free(a);
    return 0;
}
