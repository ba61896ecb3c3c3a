/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The frame validator: a resumable state machine per direction that parses
 * frame headers, applies the RFC 6455 / RFC 7692 frame rules and validates
 * text and Close reasons in a streaming fashion. Nothing is buffered but the
 * (at most 14-byte) header.
 */
#include "wsv/wsv.h"

#include <string.h>

enum { ST_HDR, ST_PAYLOAD };

/* What message is open in a direction. */
enum {
    MSG_NONE,    /* between messages */
    MSG_OPEN,    /* a fragmented message whose payload is not checked */
    MSG_TEXT,    /* a fragmented text message being UTF-8 validated */
    MSG_UNKNOWN, /* mid-stream or after a gap: a message may be open */
};

/* What to do with the current frame's payload. */
enum { PL_SKIP, PL_TEXT, PL_CLOSE, PL_DEFLATE };

/* What compressed message is open in a direction (RFC 7692). */
enum { ZMSG_NONE, ZMSG_BINARY, ZMSG_TEXT };

struct feed {
    struct wsv_conn *c;
    struct wsv_dir *d;
    unsigned dir;
    const struct wsv_callbacks *cb;
    wsv_compressed_fn compressed;
    void *user;
};

static bool is_control(uint8_t op)
{
    return op == WSV_OP_CLOSE || op == WSV_OP_PING || op == WSV_OP_PONG;
}

static bool is_data(uint8_t op)
{
    return op == WSV_OP_CONT || op == WSV_OP_TEXT || op == WSV_OP_BINARY;
}

/* The one funnel every finding goes through: rule, frame, byte offset. */
static void report(struct feed *fx, enum wsv_rule rule, uint64_t offset, uint64_t detail)
{
    const struct wsv_rule_info *r = wsv_rule_get(rule);
    const struct wsv_config *cfg = &fx->c->cfg;
    struct wsv_dir *d = fx->d;
    struct wsv_violation v = {
        .rule = rule,
        .offset = offset,
        .frame_index = d->cur.index,
        .must_fail = r->severity == WSV_SEV_ERROR,
        .detail = detail,
    };

    /* A reading switch makes its rule must-fail (with the code the strict
     * implementations send: the rule's close, else its first alternative)
     * or a sender warning. */
    for (size_t i = 0; i < wsv_switch_count(); i++) {
        const struct wsv_switch_info *sw = wsv_switch_get(i);
        if (sw->rule == rule && (cfg->strict & sw->bit))
            v.must_fail = sw->kind == WSV_SW_STRICT;
    }
    if (v.must_fail)
        v.expected_close = r->close ? r->close : r->close_alt[0];

    if (r->needs == WSV_NEEDS_ROLE)
        v.inferred = cfg->role_inferred[fx->dir];
    else if (r->needs == WSV_NEEDS_PMD)
        /* RSV2/RSV3 are wrong whatever was negotiated. */
        v.inferred = cfg->pmd_inferred && (d->cur.rsv & 0x4) &&
                     (rule != WSV_R_FRAME_RSV_NONZERO || (d->cur.rsv & 0x3) == 0);

    d->cur.violations++;
    if (v.must_fail)
        d->frame_fail = true;
    if (fx->cb && fx->cb->violation)
        fx->cb->violation(fx->user, &d->cur, &v);
}

static uint64_t be(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

/* Header size from its first two bytes: 2 + extended length + mask key. */
static unsigned header_size(const uint8_t *h)
{
    unsigned len7 = h[1] & 0x7f;
    return 2u + (len7 == 126 ? 2u : len7 == 127 ? 8u : 0u) + ((h[1] & 0x80) ? 4u : 0u);
}

/* Bytes of header needed so far. */
static unsigned header_need(const struct wsv_dir *d)
{
    return d->hdr_have < 2 ? 2 : header_size(d->hdr);
}

uint64_t wsv_frame_size(const void *buf, size_t n)
{
    const uint8_t *p = buf;
    if (n < 2 || n < header_size(p))
        return 0;
    unsigned h = header_size(p), len7 = p[1] & 0x7f;
    uint64_t len = len7 == 126 ? be(p + 2, 2) : len7 == 127 ? be(p + 2, 8) : len7;
    return len > UINT64_MAX - h ? UINT64_MAX : len + h;
}

/* frame-rsv-nonzero, pmd-rsv1-on-control, pmd-rsv1-on-continuation
 * (RFC 6455 §5.2, RFC 7692 §6.1) */
static void check_rsv(struct feed *fx, const struct wsv_frame *f)
{
    uint8_t bad = fx->c->cfg.rsv_unknown ? 0 : f->rsv & 0x3;
    if (f->rsv & 0x4) {
        if (!fx->c->cfg.pmd.enabled && !fx->c->cfg.rsv_unknown)
            bad |= 0x4;
        else if (is_control(f->opcode))
            report(fx, WSV_R_PMD_RSV1_ON_CONTROL, f->offset, f->rsv);
        else if (f->opcode == WSV_OP_CONT)
            report(fx, WSV_R_PMD_RSV1_ON_CONTINUATION, f->offset, f->rsv);
    }
    if (bad)
        report(fx, WSV_R_FRAME_RSV_NONZERO, f->offset, f->rsv);
}

/* frame-unmasked-client, frame-masked-server (RFC 6455 §5.1) */
static void check_mask(struct feed *fx, const struct wsv_frame *f)
{
    enum wsv_role role = fx->c->cfg.role[fx->dir];
    if (role == WSV_ROLE_CLIENT && !f->masked)
        report(fx, WSV_R_FRAME_UNMASKED_CLIENT, f->offset + 1, 0);
    else if (role == WSV_ROLE_SERVER && f->masked)
        report(fx, WSV_R_FRAME_MASKED_SERVER, f->offset + 1, 0);
}

/* len-not-minimal, len-64bit-msb (RFC 6455 §5.2) */
static void check_length(struct feed *fx, const struct wsv_frame *f, unsigned len7)
{
    if (len7 == 126 && f->payload_len < 126)
        report(fx, WSV_R_LEN_NOT_MINIMAL, f->offset + 1, f->payload_len);
    else if (len7 == 127 && (f->payload_len >> 63))
        report(fx, WSV_R_LEN_64BIT_MSB, f->offset + 2, f->payload_len);
    else if (len7 == 127 && f->payload_len < 65536)
        report(fx, WSV_R_LEN_NOT_MINIMAL, f->offset + 1, f->payload_len);
}

/* ctrl-too-long, ctrl-fragmented (RFC 6455 §5.5) */
static void check_control(struct feed *fx, const struct wsv_frame *f)
{
    if (f->payload_len > 125)
        report(fx, WSV_R_CTRL_TOO_LONG, f->offset + 1, f->payload_len);
    if (!f->fin)
        report(fx, WSV_R_CTRL_FRAGMENTED, f->offset, f->opcode);
}

/* frag-cont-without-start, frag-new-data-in-progress (RFC 6455 §5.4) */
static void check_fragment(struct feed *fx, const struct wsv_frame *f)
{
    uint8_t msg = fx->d->msg;
    if (f->opcode == WSV_OP_CONT && msg == MSG_NONE)
        report(fx, WSV_R_FRAG_CONT_WITHOUT_START, f->offset, f->opcode);
    else if (f->opcode != WSV_OP_CONT && (msg == MSG_OPEN || msg == MSG_TEXT))
        report(fx, WSV_R_FRAG_NEW_DATA_IN_PROGRESS, f->offset, f->opcode);
}

/* Decide what the payload means and advance the message state. */
static void plan_payload(struct feed *fx, struct wsv_frame *f)
{
    struct wsv_dir *d = fx->d;
    d->payload = PL_SKIP;
    if (f->opcode == WSV_OP_CLOSE) {
        d->closed = true;
        d->payload = PL_CLOSE;
        d->close_code_have = 0;
        d->close_utf8 = WSV_UTF8_ACCEPT;
        return;
    }
    if (!is_data(f->opcode))
        return;
    if (f->opcode != WSV_OP_CONT) {
        d->zmsg = ZMSG_NONE;
        if (f->opcode == WSV_OP_TEXT && !f->compressed) {
            d->msg = MSG_TEXT;
            d->utf8 = WSV_UTF8_ACCEPT;
        } else {
            d->msg = MSG_OPEN;
            if (f->compressed) {
                /* One message at a time: its inflated text uses the same
                 * UTF-8 state as an uncompressed one. */
                d->zmsg = f->opcode == WSV_OP_TEXT ? ZMSG_TEXT : ZMSG_BINARY;
                d->utf8 = WSV_UTF8_ACCEPT;
            }
        }
    }
    if (d->msg == MSG_TEXT) {
        d->payload = PL_TEXT;
    } else if (d->msg == MSG_OPEN && d->zmsg != ZMSG_NONE) {
        /* Deflate data: only the caller can inflate it (RFC 7692 §6.1). */
        f->inflate = true;
        if (fx->compressed)
            d->payload = PL_DEFLATE;
    }
}

static void frame_end(struct feed *fx);

static void header_done(struct feed *fx)
{
    struct wsv_dir *d = fx->d;
    struct wsv_frame *f = &d->cur;
    const uint8_t *h = d->hdr;
    unsigned len7 = h[1] & 0x7f;
    unsigned ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;

    memset(f, 0, sizeof *f);
    f->index = d->nframes++;
    f->header_len = d->hdr_have;
    f->offset = d->pos - f->header_len;
    f->fin = h[0] >> 7;
    f->rsv = (h[0] >> 4) & 0x7;
    f->opcode = h[0] & 0xf;
    f->masked = h[1] >> 7;
    f->payload_len = ext ? be(h + 2, ext) : len7;
    if (f->masked)
        memcpy(f->mask, h + 2 + ext, 4);
    f->compressed = (f->rsv & 0x4) && fx->c->cfg.pmd.enabled &&
                    (f->opcode == WSV_OP_TEXT || f->opcode == WSV_OP_BINARY);
    f->after_fail = d->failed;
    f->after_close = d->closed;
    d->frame_fail = false;
    d->payload = PL_SKIP;
    d->remaining = f->payload_len;
    d->ppos = 0;
    d->state = ST_PAYLOAD;
    d->hdr_have = 0;

    if (fx->cb && fx->cb->frame_begin)
        fx->cb->frame_begin(fx->user, f);

    if (d->failed) {
        /* after-fail (RFC 6455 §7.1.7): the receiver should have stopped
         * reading; judging what follows would only cascade. */
        if (!d->fail_noted) {
            d->fail_noted = true;
            report(fx, WSV_R_AFTER_FAIL, f->offset, d->fail_frame);
        }
    } else if (d->closed) {
        /* data-after-close (§5.5.1), ping-after-close (§5.5.2): receivers
         * discard everything after a Close, so nothing else applies. */
        if (is_data(f->opcode))
            report(fx, WSV_R_DATA_AFTER_CLOSE, f->offset, f->opcode);
        else if (f->opcode == WSV_OP_PING)
            report(fx, WSV_R_PING_AFTER_CLOSE, f->offset, f->opcode);
    } else {
        bool known = is_data(f->opcode) || is_control(f->opcode);
        check_rsv(fx, f);
        if (!known)
            report(fx, WSV_R_FRAME_OPCODE_RESERVED, f->offset, f->opcode);
        check_mask(fx, f);
        check_length(fx, f, len7);
        if (known && is_control(f->opcode))
            check_control(fx, f);
        if (known && is_data(f->opcode))
            check_fragment(fx, f);
        /* A frame the receiver fails on its header is not read further. */
        if (known && !d->frame_fail)
            plan_payload(fx, f);
        else if (f->opcode == WSV_OP_CLOSE)
            d->closed = true;
    }
    if (d->remaining == 0)
        frame_end(fx);
}

/* close-code-* (RFC 6455 §7.4) */
static void check_close_code(struct feed *fx, uint16_t code, uint64_t offset)
{
    unsigned strict = fx->c->cfg.strict;
    if (code < 1000)
        report(fx, WSV_R_CLOSE_CODE_OUT_OF_RANGE, offset, code);
    else if (code == 1005 || code == 1006 || code == 1015)
        report(fx, WSV_R_CLOSE_CODE_FORBIDDEN, offset, code);
    else if (code == 1004 || (code >= 1016 && code <= 2999) ||
             ((strict & WSV_STRICT_CLOSE_1012_1014) && code >= 1012 && code <= 1014))
        report(fx, WSV_R_CLOSE_CODE_UNASSIGNED, offset, code);
    else if (code >= 5000)
        report(fx, WSV_R_CLOSE_CODE_UNDEFINED, offset, code);
}

/* After a chunk leaves a UTF-8 sequence open, remember where it began: the
 * lead byte is at most 3 bytes back, or in an earlier chunk. */
static void note_seq_start(uint64_t *seq, const uint8_t *p, size_t n, uint64_t off)
{
    for (size_t k = 1; k <= 3 && k <= n; k++) {
        if ((p[n - k] & 0xc0) == 0xc0) {
            *seq = off + n - k;
            return;
        }
    }
}

/* Validate n payload bytes (unmasked copy in p) at stream offset off.
 * text-utf8-invalid (RFC 6455 §8.1), close-reason-utf8 (§5.5.1) */
static void utf8_chunk(struct feed *fx, uint32_t *state, uint64_t *seq, enum wsv_rule rule,
                       const uint8_t *p, size_t n, uint64_t off)
{
    if (*state == WSV_UTF8_REJECT)
        return;
    size_t ok = wsv_utf8_validate(state, p, n);
    if (*state == WSV_UTF8_REJECT)
        report(fx, rule, off + ok, 0);
    else if (*state != WSV_UTF8_ACCEPT)
        note_seq_start(seq, p, n, off);
}

static void unmask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t mask[4], uint64_t ppos)
{
    uint8_t m8[8];
    for (unsigned i = 0; i < 8; i++)
        m8[i] = mask[(ppos + i) & 3];
    uint64_t m64;
    memcpy(&m64, m8, 8);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, src + i, 8);
        v ^= m64;
        memcpy(dst + i, &v, 8);
    }
    for (; i < n; i++)
        dst[i] = src[i] ^ m8[i & 7];
}

/* Payload bytes of a text message or a Close frame. */
static void payload_bytes(struct feed *fx, const uint8_t *p, size_t n)
{
    struct wsv_dir *d = fx->d;
    struct wsv_frame *f = &d->cur;
    uint8_t buf[512];
    uint64_t off = d->pos;

    while (n > 0) {
        size_t k = n < sizeof buf ? n : sizeof buf;
        const uint8_t *q = p;
        if (f->masked) {
            unmask(buf, p, k, f->mask, d->ppos);
            q = buf;
        }
        if (d->payload == PL_TEXT) {
            utf8_chunk(fx, &d->utf8, &d->utf8_seq, WSV_R_TEXT_UTF8_INVALID, q, k, off);
        } else if (d->payload == PL_DEFLATE) {
            if (fx->compressed)
                fx->compressed(fx->user, f, q, k);
        } else {
            size_t skip = 0;
            while (d->close_code_have < 2 && skip < k) {
                f->close_code = (uint16_t)(f->close_code << 8 | q[skip++]);
                if (++d->close_code_have == 2) {
                    f->has_close_code = true;
                    check_close_code(fx, f->close_code, f->offset + f->header_len);
                }
            }
            utf8_chunk(fx, &d->close_utf8, &d->close_seq, WSV_R_CLOSE_REASON_UTF8, q + skip,
                       k - skip, off + skip);
        }
        p += k;
        n -= k;
        off += k;
        d->ppos += k;
    }
}

static void frame_end(struct feed *fx)
{
    struct wsv_dir *d = fx->d;
    struct wsv_frame *f = &d->cur;

    if (d->payload == PL_CLOSE) {
        if (f->payload_len == 1)
            report(fx, WSV_R_CLOSE_1BYTE_PAYLOAD, f->offset + f->header_len, 1);
        else if (d->close_utf8 != WSV_UTF8_ACCEPT && d->close_utf8 != WSV_UTF8_REJECT)
            report(fx, WSV_R_CLOSE_REASON_UTF8, d->close_seq, 0);
    }
    /* text-utf8-truncated (RFC 6455 §5.6): only the end of the message
     * matters; a split inside a code point between fragments is legal. */
    if (d->payload == PL_TEXT && f->fin && d->utf8 != WSV_UTF8_ACCEPT && d->utf8 != WSV_UTF8_REJECT)
        report(fx, WSV_R_TEXT_UTF8_TRUNCATED, d->utf8_seq, 0);
    /* The compressed message is complete: the caller inflates its tail. */
    if (d->payload == PL_DEFLATE && f->fin && fx->compressed)
        fx->compressed(fx->user, f, NULL, 0);
    if (is_data(f->opcode) && f->fin && !f->after_close && !f->after_fail) {
        d->msg = MSG_NONE;
        d->zmsg = ZMSG_NONE;
    }

    if (fx->cb && fx->cb->frame_end)
        fx->cb->frame_end(fx->user, f);
    if (d->frame_fail && !d->failed) {
        d->failed = true;
        d->fail_frame = f->index;
    }
    d->payload = PL_SKIP;
    d->state = ST_HDR;
}

void wsv_conn_init(struct wsv_conn *c, const struct wsv_config *cfg)
{
    memset(c, 0, sizeof *c);
    if (cfg)
        c->cfg = *cfg;
    for (unsigned i = 0; i < 2; i++)
        if (c->cfg.midstream[i])
            c->dir[i].msg = MSG_UNKNOWN;
}

void wsv_conn_feed(struct wsv_conn *c, unsigned dir, const void *buf, size_t len,
                   const struct wsv_callbacks *cb, void *user)
{
    wsv_conn_feed_pmd(c, dir, buf, len, cb, NULL, user);
}

void wsv_conn_feed_pmd(struct wsv_conn *c, unsigned dir, const void *buf, size_t len,
                       const struct wsv_callbacks *cb, wsv_compressed_fn compressed, void *user)
{
    if (dir > 1 || len == 0)
        return;
    struct feed fx = {c, &c->dir[dir], dir, cb, compressed, user};
    struct wsv_dir *d = fx.d;
    const uint8_t *p = buf;

    while (len > 0) {
        if (d->state == ST_HDR) {
            unsigned need = header_need(d);
            if (d->hdr_have == 0 && len >= 2) {
                /* Whole header in hand: one copy instead of a byte loop. */
                unsigned h = header_size(p);
                if (len >= h) {
                    memcpy(d->hdr, p, h);
                    d->hdr_have = (uint8_t)h;
                    p += h;
                    len -= h;
                    d->pos += h;
                    header_done(&fx);
                    continue;
                }
            }
            while (d->hdr_have < need && len > 0) {
                d->hdr[d->hdr_have++] = *p++;
                len--;
                d->pos++;
                need = header_need(d);
            }
            if (d->hdr_have == need)
                header_done(&fx);
            continue;
        }
        size_t n = d->remaining < len ? (size_t)d->remaining : len;
        if (d->payload != PL_SKIP)
            payload_bytes(&fx, p, n);
        else
            d->ppos += n;
        p += n;
        len -= n;
        d->pos += n;
        d->remaining -= n;
        if (d->remaining == 0)
            frame_end(&fx);
    }
}

void wsv_conn_gap(struct wsv_conn *c, unsigned dir, uint64_t missing)
{
    if (dir > 1)
        return;
    struct wsv_dir *d = &c->dir[dir];
    /* A frame failed on its header stays failed, even if its end is lost. */
    if (d->frame_fail && !d->failed) {
        d->failed = true;
        d->fail_frame = d->cur.index;
    }
    d->pos += missing;
    d->state = ST_HDR;
    d->hdr_have = 0;
    d->remaining = 0;
    d->payload = PL_SKIP;
    d->frame_fail = false;
    d->msg = MSG_UNKNOWN;
    d->zmsg = ZMSG_NONE;
}

void wsv_conn_set_role(struct wsv_conn *c, unsigned dir, enum wsv_role role, bool inferred)
{
    if (dir > 1)
        return;
    c->cfg.role[dir] = role;
    c->cfg.role_inferred[dir] = inferred;
}

bool wsv_conn_at_boundary(const struct wsv_conn *c, unsigned dir)
{
    return dir <= 1 && c->dir[dir].state == ST_HDR && c->dir[dir].hdr_have == 0;
}

uint64_t wsv_conn_remaining(const struct wsv_conn *c, unsigned dir)
{
    return dir <= 1 && c->dir[dir].state == ST_PAYLOAD ? c->dir[dir].remaining : 0;
}

void wsv_conn_inflated(struct wsv_conn *c, unsigned dir, const void *buf, size_t len, uint64_t at,
                       bool end, const struct wsv_callbacks *cb, void *user)
{
    if (dir > 1 || c->dir[dir].zmsg != ZMSG_TEXT)
        return;
    struct feed fx = {c, &c->dir[dir], dir, cb, NULL, user};
    struct wsv_dir *d = fx.d;
    /* Inflated bytes have no place on the wire: the finding points at the
     * frame's payload and its detail at the byte in the inflated message. */
    uint64_t payload = d->cur.offset + d->cur.header_len;

    if (len > 0 && d->utf8 != WSV_UTF8_REJECT) {
        size_t ok = wsv_utf8_validate(&d->utf8, buf, len);
        if (d->utf8 == WSV_UTF8_REJECT)
            report(&fx, WSV_R_TEXT_UTF8_INVALID, payload, at + ok);
        else if (d->utf8 != WSV_UTF8_ACCEPT)
            note_seq_start(&d->utf8_seq, buf, len, at);
    }
    if (end && d->utf8 != WSV_UTF8_ACCEPT && d->utf8 != WSV_UTF8_REJECT)
        report(&fx, WSV_R_TEXT_UTF8_TRUNCATED, payload, d->utf8_seq);
}

void wsv_conn_report(struct wsv_conn *c, unsigned dir, enum wsv_rule rule, uint64_t detail,
                     const struct wsv_callbacks *cb, void *user)
{
    if (dir > 1 || (unsigned)rule >= WSV_RULE_COUNT)
        return;
    struct feed fx = {c, &c->dir[dir], dir, cb, NULL, user};
    struct wsv_dir *d = fx.d;

    report(&fx, rule, d->cur.offset, detail);
    /* Between frames nobody else will turn the frame's failure into the
     * direction's. */
    if (d->frame_fail && d->state == ST_HDR && !d->failed) {
        d->failed = true;
        d->fail_frame = d->cur.index;
    }
}
