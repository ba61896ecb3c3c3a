/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Findings: the 64-bit detail's layouts (encoder and decoder side by side),
 * and the words an analyst reads.
 */
#include "wsv/wsv_finding.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void wsv_detail_clear(struct wsv_detail *d)
{
    memset(d, 0, sizeof *d);
    d->row = -1;
}

/* Handshake rules on a head (not ext-required-missing, which is about a Close). */
static bool hs_layout(enum wsv_rule rule, unsigned flags)
{
    return (flags & WSV_F_HANDSHAKE) && wsv_hs_judges(rule);
}

/* The layouts, bit by bit:
 *   handshake rules   value (32) | why << 32 | len (24) << 40
 *   pmd-decompress-fail, pmd-window-exceeded   row + 1
 *   non-websocket-bytes   why (enum wsv_lookalike)
 *   capture-gap           value (bytes missing, 56) | why (kind) << 56
 *   handshake-not-captured   why (enum wsv_evidence)
 *   reaction-missing      pnum | rule << 32 | request << 40
 *   reaction-unexpected-code   pnum | rule << 32 | code << 40
 *   close-unexplained     pnum (latest gap) | onehop << 32 | (row + 1) << 40
 *   ext-required-missing  pnum (the 101)
 *   every other rule      value */
uint64_t wsv_detail_encode(enum wsv_rule rule, unsigned flags, const struct wsv_detail *d)
{
    if (hs_layout(rule, flags))
        return (uint64_t)(uint32_t)d->value | (uint64_t)d->why << 32 |
               (uint64_t)(d->len < 0xffffff ? d->len : 0xffffff) << 40;
    switch (rule) {
    case WSV_R_PMD_DECOMPRESS_FAIL:
    case WSV_R_PMD_WINDOW_EXCEEDED:
        return (uint64_t)(d->row + 1);
    case WSV_R_NON_WEBSOCKET_BYTES:
    case WSV_R_HANDSHAKE_NOT_CAPTURED:
        return d->why;
    case WSV_R_CAPTURE_GAP:
        return (d->value & ((UINT64_C(1) << 56) - 1)) | (uint64_t)d->why << 56;
    case WSV_R_REACTION_MISSING:
        return d->pnum | (uint64_t)d->rule << 32 | (uint64_t)d->request << 40;
    case WSV_R_REACTION_UNEXPECTED_CODE:
        return d->pnum | (uint64_t)d->rule << 32 | (uint64_t)d->code << 40;
    case WSV_R_CLOSE_UNEXPLAINED:
        return d->pnum | (uint64_t)d->onehop << 32 | (uint64_t)(uint16_t)(d->row + 1) << 40;
    case WSV_R_EXT_REQUIRED_MISSING:
        return d->pnum;
    default:
        return d->value;
    }
}

void wsv_detail_decode(enum wsv_rule rule, unsigned flags, uint64_t v, struct wsv_detail *d)
{
    wsv_detail_clear(d);
    if (hs_layout(rule, flags)) {
        d->value = (uint32_t)v;
        d->why = (uint8_t)(v >> 32);
        d->len = (uint32_t)(v >> 40);
        return;
    }
    switch (rule) {
    case WSV_R_PMD_DECOMPRESS_FAIL:
    case WSV_R_PMD_WINDOW_EXCEEDED:
        d->row = (int16_t)((int64_t)(v & 0xffff) - 1);
        return;
    case WSV_R_NON_WEBSOCKET_BYTES:
    case WSV_R_HANDSHAKE_NOT_CAPTURED:
        d->why = (uint8_t)v;
        return;
    case WSV_R_CAPTURE_GAP:
        d->value = v & ((UINT64_C(1) << 56) - 1);
        d->why = (uint8_t)(v >> 56);
        return;
    case WSV_R_REACTION_MISSING:
        d->pnum = (uint32_t)v;
        d->rule = (uint8_t)(v >> 32);
        d->request = (v >> 40) & 1;
        return;
    case WSV_R_REACTION_UNEXPECTED_CODE:
        d->pnum = (uint32_t)v;
        d->rule = (uint8_t)(v >> 32);
        d->code = (uint16_t)(v >> 40);
        return;
    case WSV_R_CLOSE_UNEXPLAINED:
        d->pnum = (uint32_t)v;
        d->onehop = (v >> 32) & 1;
        d->row = (int16_t)((int64_t)((v >> 40) & 0xffff) - 1);
        return;
    case WSV_R_EXT_REQUIRED_MISSING:
        d->pnum = (uint32_t)v;
        return;
    default:
        d->value = v;
        return;
    }
}

const char *wsv_gap_text(enum wsv_gap_kind kind)
{
    switch (kind) {
    case WSV_GAP_CUT:
        return "the frame is cut short by the capture (snapshot length)";
    case WSV_GAP_LOST:
        return "a TCP segment of this direction was not captured";
    case WSV_GAP_ACKED:
        return "this packet acknowledges bytes of the other direction never captured";
    case WSV_GAP_ENDED:
        return "the connection closed before this direction's last frame was complete: it was "
               "not judged";
    default:
        return "";
    }
}

static const char *evidence_text(enum wsv_evidence ev)
{
    static const char *const text[WSV_EV_COUNT] = {
        [WSV_EV_HANDSHAKE] = "roles from the opening request; the 101 was not captured",
        [WSV_EV_SYN] = "roles from the TCP handshake",
        [WSV_EV_PORT_PREF] = "roles from the server port preference",
        [WSV_EV_DECODE_AS] = "roles from the Decode As port",
        [WSV_EV_MASK] = "each direction's role from the mask bit of its first frame",
        [WSV_EV_HEUR] = "roles from the mid-stream heuristic",
    };
    return (unsigned)ev < WSV_EV_COUNT ? text[ev] : "";
}

unsigned wsv_explanations(const struct wsv_finding *f, char out[3][WSV_EXPLANATION_LEN])
{
    struct wsv_detail d;
    const struct wsv_reason_info *ri;
    unsigned n = 0;

    wsv_detail_decode((enum wsv_rule)f->rule, f->flags, f->detail, &d);
    ri = d.row >= 0 ? wsv_reason_get((size_t)d.row) : NULL;
    if (d.pnum)
        snprintf(out[n++], WSV_EXPLANATION_LEN,
                 "bytes of the other direction are missing (gap at frame %" PRIu32 ")", d.pnum);
    if (d.onehop)
        snprintf(out[n++], WSV_EXPLANATION_LEN,
                 "permessage-deflate negotiated on this hop only: the peer sent compressed "
                 "messages");
    if (ri && ri->rule != WSV_RULE_COUNT)
        snprintf(out[n++], WSV_EXPLANATION_LEN, "the reason is a text of %s for %s", ri->source,
                 wsv_rule_get(ri->rule)->id);
    else if (ri)
        snprintf(out[n++], WSV_EXPLANATION_LEN, "the reason is a text of %s for %.60s", ri->source,
                 ri->meaning);
    if (!n)
        snprintf(out[n++], WSV_EXPLANATION_LEN, "none in the capture: the cause may predate it");
    return n;
}

/* A handshake finding's detail. */
static void hs_text(char *buf, size_t len, const struct wsv_finding *f, const struct wsv_detail *d,
                    const struct wsv_text_ctx *ctx)
{
    enum wsv_hs_why why = (enum wsv_hs_why)d->why;
    uint32_t v = (uint32_t)d->value;
    const char *what = wsv_hs_why_str(why);

    switch ((enum wsv_rule)f->rule) {
    case WSV_R_HANDSHAKE_REFUSED:
    case WSV_R_HANDSHAKE_VERSION_NO_HEADER:
        snprintf(buf, len, " [status %" PRIu32 "]", v);
        return;
    case WSV_R_HANDSHAKE_REQ_KEY:
        if (why == WSV_HS_WHY_VALUE || why == WSV_HS_WHY_SYNTAX) {
            if (v)
                snprintf(buf, len, " [%s: base64 of %" PRIu32 " bytes]", what, v);
            else
                snprintf(buf, len, " [%s: not base64]", what);
            return;
        }
        break;
    case WSV_R_HANDSHAKE_VERSION:
        if (why == WSV_HS_WHY_VALUE && v) {
            snprintf(buf, len, " [version %" PRIu32 " requested]", v);
            return;
        }
        break;
    case WSV_R_PMD_NEG_PARAM_DROPPED:
        /* What breaks: the client must inflate what it asked not to. */
        if (v)
            snprintf(buf, len,
                     " [server_max_window_bits=%" PRIu32 " dropped: the server may compress "
                     "with a 32768-byte window, the client asked for at most %u bytes]",
                     v, 1u << (v & 15));
        else
            snprintf(buf, len,
                     " [server_no_context_takeover dropped: the server may keep its window "
                     "from message to message, the client asked it to start afresh]");
        return;
    case WSV_R_HANDSHAKE_ACCEPT_MISMATCH:
        if (ctx && ctx->accept_expected) {
            snprintf(buf, len, " [%s: expected %s]", what, ctx->accept_expected);
            return;
        }
        break;
    default:
        if (why == WSV_HS_WHY_LARGER || why == WSV_HS_WHY_RANGE) {
            snprintf(buf, len, " [%s: %" PRIu32 "]", what, v);
            return;
        }
        break;
    }
    if (why != WSV_HS_WHY_NONE)
        snprintf(buf, len, " [%s]", what);
}

void wsv_detail_text(char *buf, size_t len, const struct wsv_finding *f,
                     const struct wsv_text_ctx *ctx)
{
    enum wsv_rule rule = (enum wsv_rule)f->rule;
    struct wsv_detail d;

    if (!len)
        return;
    buf[0] = '\0';
    wsv_detail_decode(rule, f->flags, f->detail, &d);
    if (hs_layout(rule, f->flags)) {
        hs_text(buf, len, f, &d, ctx);
        return;
    }
    switch (rule) {
    case WSV_R_FRAME_RSV_NONZERO:
    case WSV_R_PMD_RSV1_ON_CONTROL:
    case WSV_R_PMD_RSV1_ON_CONTINUATION:
        if (d.value & 7) {
            static const char *const bits[] = {"",     "RSV3",       "RSV2",       "RSV2, RSV3",
                                               "RSV1", "RSV1, RSV3", "RSV1, RSV2", "RSV1-3"};
            snprintf(buf, len, " [%s set]", bits[d.value & 7]);
        }
        break;
    case WSV_R_FRAME_OPCODE_RESERVED:
    case WSV_R_FRAG_NEW_DATA_IN_PROGRESS:
        snprintf(buf, len, " [opcode 0x%x]", (unsigned)d.value);
        break;
    case WSV_R_LEN_NOT_MINIMAL:
    case WSV_R_LEN_64BIT_MSB:
    case WSV_R_CTRL_TOO_LONG:
        snprintf(buf, len, " [length %" PRIu64 "]", d.value);
        break;
    case WSV_R_CLOSE_CODE_FORBIDDEN:
    case WSV_R_CLOSE_CODE_OUT_OF_RANGE:
    case WSV_R_CLOSE_CODE_UNASSIGNED:
    case WSV_R_CLOSE_CODE_UNDEFINED:
        snprintf(buf, len, " [code %" PRIu64 "]", d.value);
        break;
    case WSV_R_TEXT_UTF8_INVALID:
    case WSV_R_TEXT_UTF8_TRUNCATED:
        if (f->flags & WSV_F_INFLATED)
            snprintf(buf, len, " [byte %" PRIu64 " of the inflated message]", d.value);
        break;
    case WSV_R_PMD_DECOMPRESS_FAIL:
    case WSV_R_PMD_WINDOW_EXCEEDED:
        if (d.row >= 0 && wsv_reason_get((size_t)d.row))
            snprintf(buf, len, " [zlib: %s]", wsv_reason_get((size_t)d.row)->text);
        break;
    case WSV_R_NON_WEBSOCKET_BYTES:
        snprintf(buf, len, " [they look like %s]", wsv_lookalike_name((enum wsv_lookalike)d.why));
        break;
    case WSV_R_CAPTURE_GAP:
        if (*wsv_gap_text((enum wsv_gap_kind)d.why))
            snprintf(buf, len, " [%s]", wsv_gap_text((enum wsv_gap_kind)d.why));
        break;
    case WSV_R_HANDSHAKE_NOT_CAPTURED:
        if (*evidence_text((enum wsv_evidence)d.why))
            snprintf(buf, len, " [%s]", evidence_text((enum wsv_evidence)d.why));
        break;
    case WSV_R_REACTION_UNEXPECTED_CODE:
    case WSV_R_REACTION_MISSING: {
        const struct wsv_rule_info *v = wsv_rule_get((enum wsv_rule)d.rule);
        unsigned want = v ? (v->close ? v->close : v->close_alt[0]) : 0;
        if (!v)
            break;
        if (rule == WSV_R_REACTION_MISSING && d.request)
            snprintf(buf, len,
                     " [the request in frame %" PRIu32 " broke %s: the server should have refused "
                     "it, not answered 101]",
                     d.pnum, v->id);
        else if (rule == WSV_R_REACTION_MISSING && !want)
            snprintf(buf, len,
                     " [frame %" PRIu32 " broke %s: this side should have failed the connection, "
                     "not gone on]",
                     d.pnum, v->id);
        else if (rule == WSV_R_REACTION_MISSING)
            snprintf(buf, len,
                     " [frame %" PRIu32
                     " broke %s: this side should have closed (%u), not gone on]",
                     d.pnum, v->id, want);
        else
            snprintf(buf, len, " [Close %u after frame %" PRIu32 " broke %s, which calls for %u]",
                     d.code, d.pnum, v->id, want);
        break;
    }
    case WSV_R_EXT_REQUIRED_MISSING:
        if (ctx && ctx->ext_missing)
            snprintf(buf, len, " [offered, not accepted by the 101 in frame %" PRIu32 ": %s]",
                     d.pnum, ctx->ext_missing);
        break;
    case WSV_R_CLOSE_UNEXPLAINED: {
        char ex[3][WSV_EXPLANATION_LEN];
        wsv_explanations(f, ex);
        snprintf(buf, len, " [most likely: %s]", ex[0]);
        break;
    }
    default:
        break;
    }
}

void wsv_finding_text(char *buf, size_t len, const struct wsv_finding *f,
                      const struct wsv_text_ctx *ctx, const char *extra)
{
    const struct wsv_rule_info *r = wsv_rule_get((enum wsv_rule)f->rule);
    char detail[512];
    const char *inferred = "", *reaction = "";
    char closes[64];

    if (!len)
        return;
    if (!r) {
        buf[0] = '\0';
        return;
    }
    wsv_detail_text(detail, sizeof detail, f, ctx);
    if (extra && *extra) {
        size_t k = strlen(detail);
        /* Inside the detail's brackets if there are any. */
        if (k >= 2 && detail[k - 1] == ']')
            snprintf(detail + k - 1, sizeof detail - (k - 1), "; %s]", extra);
        else
            snprintf(detail + k, sizeof detail - k, " [%s]", extra);
    }
    if (f->flags & WSV_F_INFERRED)
        inferred = r->needs == WSV_NEEDS_PMD ? " (extensions inferred)" : " (role inferred)";
    if ((f->flags & WSV_F_MUST_FAIL) && f->expected_close) {
        snprintf(closes, sizeof closes, "; a conforming receiver closes with %u",
                 f->expected_close);
        reaction = closes;
    } else if ((f->flags & WSV_F_MUST_FAIL) && (f->flags & WSV_F_REQUEST)) {
        reaction = "; a conforming server refuses the request";
    } else if ((f->flags & WSV_F_MUST_FAIL) && (f->flags & WSV_F_HANDSHAKE)) {
        reaction = "; a conforming client fails the connection";
    } else if (f->flags & WSV_F_MUST_FAIL) {
        reaction = "; a conforming receiver fails the connection";
    } else if (r->severity == WSV_SEV_WARN || r->severity == WSV_SEV_ERROR) {
        /* A must-fail rule read leniently is a sender warning too. */
        reaction = "; sender violation, the receiver need not react";
    }
    snprintf(buf, len, "%s (%s): %s%s%s%s", r->id, r->ref, r->statement, detail, inferred,
             reaction);
}

struct wsv_finding wsv_finding_of(const struct wsv_frame *f, const struct wsv_violation *v,
                                  uint32_t pnum, uint32_t frame)
{
    struct wsv_finding out;
    uint64_t rel = v->offset - f->offset;

    out.pnum = pnum;
    out.frame = frame;
    out.detail = v->detail;
    /* Offsets beyond 2 GiB into a frame are not shown. */
    out.rel = rel <= INT32_MAX ? (int32_t)rel : -1;
    out.expected_close = v->expected_close;
    out.rule = (uint8_t)v->rule;
    out.flags =
        (uint8_t)((v->must_fail ? WSV_F_MUST_FAIL : 0) | (v->inferred ? WSV_F_INFERRED : 0));
    /* In a compressed message the text rules judge inflated bytes: their
     * detail is the offset in the inflated message. */
    if (f->inflate && (v->rule == WSV_R_TEXT_UTF8_INVALID || v->rule == WSV_R_TEXT_UTF8_TRUNCATED))
        out.flags |= WSV_F_INFLATED;
    return out;
}
