/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The session: a connection as the capture shows it (see wsv_session.h).
 * The frame validator judges each direction's bytes; what needs both
 * directions, TCP or the handshake is decided here.
 */
#include "wsv/wsv_session.h"

#include <string.h>

#include "wsv/wsv_heur.h"

enum { NO_DIR = 2 };

/* The side of the packet being handed over, whose frame is open. */
#define OPEN(s) (&(s)->side[(s)->dir])

/* The callback context of the frame validator: the session and where its
 * results go. */
struct ctx {
    struct wsv_session *s;
    const struct wsv_session_io *io;
    /* The chunk being fed: its bytes and the stream offset of its first. */
    const uint8_t *chunk;
    size_t chunk_len;
    uint64_t chunk_at;
};

static bool seq_ge(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) >= 0;
}

static void emit(struct ctx *x, const struct wsv_finding *f)
{
    struct wsv_session *s = x->s;

    /* What the open frame (or head) broke, for pend_update. */
    if (s->nbroke < WSV_SESSION_HELD)
        s->broke[s->nbroke++] = (struct wsv_broke){f->rule, f->flags, f->expected_close};
    if (x->io && x->io->ops && x->io->ops->finding)
        x->io->ops->finding(x->io->user, f);
}

/* A finding of the session's own at frame index frame of the packet. */
static void add(struct ctx *x, enum wsv_rule rule, uint32_t frame, int32_t rel,
                const struct wsv_detail *d, uint16_t close, unsigned flags)
{
    struct wsv_finding f = {x->s->pnum, frame, 0, rel, close, (uint8_t)rule, (uint8_t)flags};
    struct wsv_detail none;

    if (!d) {
        wsv_detail_clear(&none);
        d = &none;
    }
    f.detail = wsv_detail_encode(rule, flags, d);
    emit(x, &f);
}

/* The index findings of the open frame get: the frame's own if it began in
 * this packet, else 0 (the packet's first). */
static uint32_t cur_frame(const struct wsv_session *s)
{
    return OPEN(s)->frame_open && s->frames ? s->frames - 1 : 0;
}

static bool fresh_window(const struct wsv_session *s, unsigned d)
{
    return s->conn.cfg.role[d] == WSV_ROLE_CLIENT ? s->pmd.client_no_context_takeover
                                                  : s->pmd.server_no_context_takeover;
}

/* The direction's inflater can no longer follow its sliding window. */
static void window_lost(struct ctx *x, unsigned d)
{
    struct wsv_side *y = &x->s->side[d];

    y->z_active = false;
    y->z_lost = true;
    if (y->z_allocated && x->io && x->io->ops && x->io->ops->inflate_drop)
        x->io->ops->inflate_drop(x->io->user, d);
    y->z_allocated = false;
}

/* ---- Capture gaps -------------------------------------------------------- */

/* capture-gap: bytes of direction d are missing. Judging stops and says so
 * once, on the packet where it shows; it resumes at a frame boundary that can
 * be trusted (resync). */
static void gap(struct ctx *x, unsigned d, enum wsv_gap_kind kind, uint32_t frame)
{
    struct wsv_session *s = x->s;
    struct wsv_side *y = &s->side[d];
    struct wsv_detail det;

    y->gap_pnum = s->pnum;
    if (y->gap_open)
        return;
    y->gap_open = true;
    y->sync_prev = false;
    wsv_conn_gap(&s->conn, d, 0);
    /* The sliding window went with the lost bytes. */
    y->z_active = false;
    if (!fresh_window(s, d))
        window_lost(x, d);
    wsv_detail_clear(&det);
    det.why = (uint8_t)kind;
    add(x, WSV_R_CAPTURE_GAP, frame, 0, &det, 0, 0);
}

/* Does the frame at p look like one direction d would send: no header rule
 * broken but a non-minimal length, masked as its role wants? Bytes from the
 * middle of a frame rarely do (ASCII text never: its RSV bits are set). */
static bool plausible(const struct wsv_session *s, unsigned d, const uint8_t *p, size_t n)
{
    const struct wsv_config *cfg = &s->conn.cfg;
    struct wsv_heur_hdr h;

    if (!wsv_heur_header(p, n, &h) || (h.odd & ~(unsigned)WSV_HEUR_ODD_LENGTH))
        return false;
    if ((p[1] & 0x7f) == 127 && (p[2] & 0x80))
        return false;
    if ((h.rsv & 0x4) && !cfg->pmd.enabled)
        return false;
    if (!cfg->role_inferred[d] && cfg->role[d] != WSV_ROLE_UNKNOWN &&
        h.masked != (cfg->role[d] == WSV_ROLE_CLIENT))
        return false;
    return true;
}

/* A frame the session skipped, unjudged, after a gap: it still has its place
 * among the packet's frames. */
static void place_skipped(struct ctx *x, unsigned d, uint64_t offset, const uint8_t *p, size_t n)
{
    struct wsv_heur_hdr h;
    unsigned len = wsv_heur_header(p, n, &h);
    uint32_t index = x->s->frames++;

    if (x->io && x->io->ops && x->io->ops->frame)
        x->io->ops->frame(x->io->user, d, index, offset, (uint8_t)(len ? len : n < 2 ? n : 2));
}

/* After a gap: where in the chunk judging can resume, walking its frames as
 * their lengths chain them. A frame there must look real and either end the
 * chunk (TCP segments end at frame ends far more often than a misread length
 * lands there) or follow a frame that looked real too; frames before it are
 * skipped, unjudged. Returns the offset in the chunk, or n if judging does
 * not resume in it. */
static size_t resync(struct ctx *x, unsigned d, const uint8_t *p, size_t n)
{
    struct wsv_session *s = x->s;
    struct wsv_side *y = &s->side[d];
    uint64_t at = s->conn.dir[d].pos;
    size_t pos = 0;

    while (pos < n) {
        bool ok = plausible(s, d, p + pos, n - pos);
        uint64_t extent = wsv_frame_size(p + pos, n - pos);
        bool last = !extent || extent >= n - pos;
        if (ok && (y->sync_prev || (last && extent && extent <= n - pos))) {
            y->gap_open = false;
            y->sync_prev = false;
            wsv_conn_gap(&s->conn, d, pos);
            return pos;
        }
        y->sync_prev = ok;
        place_skipped(x, d, at + pos, p + pos, n - pos);
        if (last)
            break;
        pos += (size_t)extent;
    }
    wsv_conn_gap(&s->conn, d, n);
    return n;
}

/* ---- Cause and reaction -------------------------------------------------- */

static bool pend_due(const struct wsv_pending *p)
{
    return p->pnum && p->must_fail && !p->reacted;
}

/* The violation of direction d a reaction is due to: a frame's before the
 * 101's (the frame's is the more recent). NULL: none. */
static struct wsv_pending *pend_due_of(struct wsv_session *s, unsigned d)
{
    struct wsv_side *y = &s->side[d];
    return pend_due(&y->pend) ? &y->pend : pend_due(&y->pend_hs) ? &y->pend_hs : NULL;
}

static void reacted(struct wsv_session *s, unsigned d)
{
    s->side[d].pend.reacted = true;
    s->side[d].pend_hs.reacted = true;
}

static void react(struct ctx *x, const struct wsv_pending *p, uint16_t code, uint8_t flags)
{
    if (x->io && x->io->ops && x->io->ops->reaction)
        x->io->ops->reaction(x->io->user, p->pnum, p->frame, x->s->pnum, code, flags);
}

/* The frame (or head) just judged broke rules that name a close code: the
 * peer's reaction is awaited (a must-fail rule) or at least explained by it
 * (a warning whose row lists an alternative code, for strict receivers).
 * Returns true if it now waits, so that its link must be kept. */
static bool pend_update(struct ctx *x, unsigned d, uint32_t frame)
{
    struct wsv_session *s = x->s;
    struct wsv_side *y = &s->side[d];
    struct wsv_pending next;
    bool head = frame == WSV_AT_HEAD;
    struct wsv_pending *slot = head ? &y->pend_hs : &y->pend;

    /* The peer already closed: it need not, and will not, react. */
    if (s->side[d ^ 1].close_pnum)
        return false;
    memset(&next, 0, sizeof next);
    for (unsigned k = 0; k < s->nbroke; k++) {
        const struct wsv_broke *b = &s->broke[k];
        const struct wsv_rule_info *r = wsv_rule_get((enum wsv_rule)b->rule);
        bool mf = (b->flags & WSV_F_MUST_FAIL) != 0;
        /* A broken 101 is answered by the client failing the connection,
         * which names no code. */
        bool hs = (b->flags & WSV_F_HANDSHAKE) != 0;
        if (!(mf && (b->expected_close || hs)) && !r->close_alt[0])
            continue;
        next.must_fail |= mf;
        if (next.nrules < sizeof next.rules)
            next.rules[next.nrules++] = b->rule;
    }
    if (!next.nrules)
        return false;
    /* The first must-fail violation of the frames is the one a conforming
     * receiver reacts to; nothing after it in the direction is judged anyway. */
    if (pend_due(slot))
        return false;
    next.pnum = s->pnum;
    next.frame = frame;
    next.end_seq = s->tcp.have_seq ? s->tcp.nextseq : 0;
    *slot = next;
    return true;
}

/* Which pending violation of the peer a Close with code answers, and under
 * which rule: one whose rule names the code wins, the latest first; then
 * one whose rule names none (the handshake's: any code answers it); then a
 * must-fail one answered with another code. */
static struct wsv_pending *close_cause(struct wsv_session *s, unsigned peer, uint16_t code,
                                       uint8_t *rule, bool *matched)
{
    struct wsv_side *y = &s->side[peer];
    struct wsv_pending *order[2] = {&y->pend, &y->pend_hs}, *p;

    for (unsigned pass = 0; pass < 2; pass++)
        for (unsigned i = 0; i < 2; i++) {
            p = order[i];
            if (!p->pnum || p->reacted)
                continue;
            for (unsigned k = 0; k < p->nrules; k++) {
                const struct wsv_rule_info *r = wsv_rule_get((enum wsv_rule)p->rules[k]);
                bool names_none = !r->close && !r->close_alt[0];
                if (pass == 0 ? wsv_rule_close_ok((enum wsv_rule)p->rules[k], code) : names_none) {
                    *rule = p->rules[k];
                    *matched = true;
                    return p;
                }
            }
        }
    *matched = false;
    if ((p = pend_due_of(s, peer)))
        *rule = p->rules[0];
    return p;
}

/* A Close frame of direction d: tie it to the violation it answers. */
static void on_close(struct ctx *x, unsigned d, const struct wsv_frame *f)
{
    struct wsv_session *s = x->s;
    struct wsv_side *y = &s->side[d], *o = &s->side[d ^ 1];
    struct wsv_link *l = &s->link;
    bool has_code = f->has_close_code;
    uint16_t code = has_code ? f->close_code : 0;
    struct wsv_pending *p;
    struct wsv_detail det;
    uint8_t rule = 0;
    bool matched;

    s->linked = true;
    l->flags |= WSV_L_CLOSE | (has_code ? WSV_L_CODE : 0);
    l->code = code;
    if (has_code && y->reason_have)
        l->reason = (int16_t)wsv_reason_match((const char *)y->reason, y->reason_have);
    if (!y->close_pnum)
        y->close_pnum = s->pnum;
    /* Both sides closed: no compressed message can follow. */
    if (o->close_pnum)
        for (unsigned k = 0; k < 2; k++)
            window_lost(x, k);
    /* The closing handshake's answer, typically echoing the code; it is also
     * the reaction when the peer's Close itself broke a rule. */
    if (o->close_pnum && o->close_pnum < s->pnum)
        l->flags |= WSV_L_REPLY;
    p = close_cause(s, d ^ 1, code, &rule, &matched);
    if (p) {
        l->cause = p->pnum;
        l->cause_rule = rule;
        react(x, p, code, (uint8_t)(WSV_L_REACT_CLOSE | (has_code ? WSV_L_REACT_CODE : 0)));
        reacted(s, d ^ 1);
        /* An empty Close after a violation is what wslay sends: fine. */
        if (!matched && has_code) {
            wsv_detail_clear(&det);
            det.pnum = l->cause;
            det.rule = rule;
            det.code = code;
            add(x, WSV_R_REACTION_UNEXPECTED_CODE, cur_frame(s), -1, &det, 0, 0);
        }
        return;
    }
    /* RFC 6455 §7.4.1: the client wanted an extension the 101 did not accept. */
    if (code == 1010 && s->ext_missing && !(l->flags & WSV_L_REPLY) &&
        s->conn.cfg.role[d] == WSV_ROLE_CLIENT) {
        l->cause = s->resp_pnum;
        l->cause_rule = WSV_R_EXT_REQUIRED_MISSING;
        wsv_detail_clear(&det);
        det.pnum = s->resp_pnum;
        add(x, WSV_R_EXT_REQUIRED_MISSING, cur_frame(s), -1, &det, 0, 0);
        return;
    }
    if (!(l->flags & WSV_L_REPLY) && (code == 1002 || code == 1007)) {
        wsv_detail_clear(&det);
        det.pnum = o->gap_pnum;
        det.onehop = s->saw_101 && s->pmd.enabled && o->compressed_seen;
        det.row = l->reason;
        add(x, WSV_R_CLOSE_UNEXPLAINED, cur_frame(s), -1, &det, 0, 0);
    }
}

/* reaction-missing: a new message from direction d while the peer's
 * must-fail violation still waits for d's reaction: d carries on as if
 * nothing happened. Only once d acknowledged the violating segment, so that
 * a message already under way when the violation arrived is not held
 * against it. */
static void carrying_on(struct ctx *x, unsigned d)
{
    struct wsv_session *s = x->s;
    struct wsv_pending *p = pend_due_of(s, d ^ 1);
    struct wsv_detail det;

    if (!p || p->missing_noted || s->side[d].close_pnum || s->side[d].gap_open)
        return;
    if (p->end_seq && (!s->tcp.have_seq || !seq_ge(s->tcp.ack, p->end_seq)))
        return;
    p->missing_noted = true;
    wsv_detail_clear(&det);
    det.pnum = p->pnum;
    det.rule = p->nrules ? p->rules[0] : 0;
    add(x, WSV_R_REACTION_MISSING, cur_frame(s), -1, &det, 0, 0);
}

/* ---- The open frame ------------------------------------------------------ */

/* The open frame's findings are held until its first 16 bytes (or all of
 * it) are in: a header that fails may be another protocol's bytes, whose
 * header rules are then replaced by one finding that says what they are. */
static void decide(struct ctx *x);

static void hold(struct ctx *x, const struct wsv_finding *f)
{
    struct wsv_session *s = x->s;

    if (!OPEN(s)->frame_decided && s->nheld == WSV_SESSION_HELD)
        decide(x);
    if (OPEN(s)->frame_decided) {
        emit(x, f);
        return;
    }
    s->held[s->nheld++] = *f;
}

/* Decide what the open frame's bytes are and let its findings go. Only a
 * header that failed can be another protocol's bytes (a payload rule means
 * the header was fine, and a failed header's payload is not read). */
static void decide(struct ctx *x)
{
    struct wsv_session *s = x->s;
    const struct wsv_side *y = &s->side[s->dir];
    enum wsv_lookalike look = WSV_LOOK_NONE;

    if (OPEN(s)->frame_decided)
        return;
    OPEN(s)->frame_decided = true;
    if (OPEN(s)->frame_must_fail && !OPEN(s)->frame_after_fail)
        look = wsv_lookalike(y->look, y->look_have);
    if (look != WSV_LOOK_NONE) {
        struct wsv_detail det;
        wsv_detail_clear(&det);
        det.why = (uint8_t)look;
        s->nheld = 0;
        /* Bytes of another protocol that read as a Close are no Close. */
        OPEN(s)->frame_opcode = 0xff;
        add(x, WSV_R_NON_WEBSOCKET_BYTES, cur_frame(s), 0, &det, 1002, WSV_F_MUST_FAIL);
    }
    for (unsigned k = 0; k < s->nheld; k++)
        emit(x, &s->held[k]);
}

/* Keeps the open frame's first bytes (look) and a Close frame's reason,
 * unmasked, from the chunk about to be fed (or being fed: the bytes from
 * stream offset `from`). */
static void capture(struct ctx *x, uint64_t from)
{
    struct wsv_session *s = x->s;
    struct wsv_side *y = &s->side[s->dir];
    const struct wsv_frame *f = &s->conn.dir[s->dir].cur;
    uint64_t end = x->chunk_at + x->chunk_len, frame_end;

    if (!OPEN(s)->frame_open || !x->chunk || from >= end)
        return;
    frame_end = f->offset + f->header_len + f->payload_len;
    if (frame_end < f->offset)
        frame_end = UINT64_MAX;
    if (!OPEN(s)->frame_decided && y->look_have < sizeof y->look) {
        uint64_t at = f->offset + y->look_have;
        uint64_t stop = f->offset + sizeof y->look;
        stop = end < stop ? end : stop;
        stop = frame_end < stop ? frame_end : stop;
        if (at >= x->chunk_at && at < stop) {
            memcpy(y->look + y->look_have, x->chunk + (at - x->chunk_at), (size_t)(stop - at));
            y->look_have += (uint16_t)(stop - at);
        }
    }
    if (f->opcode != WSV_OP_CLOSE || f->payload_len > 125)
        return;
    /* Reason bytes: payload offsets 2..124. */
    for (uint64_t at = f->offset + f->header_len + 2 + y->reason_have; at < end && at < frame_end;
         at++) {
        uint64_t k = at - (f->offset + f->header_len);
        if (at < x->chunk_at)
            break;
        y->reason[y->reason_have++] =
            (uint8_t)(x->chunk[at - x->chunk_at] ^ (f->masked ? f->mask[k & 3] : 0));
    }
}

static void on_begin(void *user, const struct wsv_frame *f)
{
    struct ctx *x = user;
    struct wsv_session *s = x->s;
    unsigned d = s->dir;
    struct wsv_side *y = &s->side[d];
    uint32_t index = s->frames++;

    /* With no better evidence, a direction whose first frame is masked is a
     * client's, else a server's (RFC 6455 §5.1). The validator reads the role
     * right after this call. */
    if (s->conn.cfg.role[d] == WSV_ROLE_UNKNOWN)
        wsv_conn_set_role(&s->conn, d, f->masked ? WSV_ROLE_CLIENT : WSV_ROLE_SERVER, true);
    y->started = true;
    OPEN(s)->frame_open = true;
    OPEN(s)->frame_decided = false;
    OPEN(s)->frame_must_fail = false;
    OPEN(s)->frame_after_fail = f->after_fail;
    OPEN(s)->frame_opcode = f->opcode;
    s->nheld = 0;
    s->nbroke = 0;
    /* The header is in the validator's buffer, whatever the chunking. */
    memcpy(y->look, s->conn.dir[d].hdr, f->header_len);
    y->look_have = f->header_len;
    y->reason_have = 0;
    if (x->io && x->io->ops && x->io->ops->frame)
        x->io->ops->frame(x->io->user, d, index, f->offset, f->header_len);
    capture(x, f->offset + f->header_len);
}

static void on_violation(void *user, const struct wsv_frame *f, const struct wsv_violation *v)
{
    struct ctx *x = user;
    struct wsv_session *s = x->s;
    struct wsv_finding out = wsv_finding_of(f, v, s->pnum, cur_frame(s));

    OPEN(s)->frame_must_fail |= v->must_fail;
    hold(x, &out);
}

static void link_reset(struct wsv_session *s)
{
    s->link = (struct wsv_link){s->pnum, 0, 0, 0, 0, 0, -1, 0, 0};
    s->linked = false;
}

/* The open frame's link, if it needs one, at the place where it is shown:
 * the packet being handed over (where the frame ends). */
static void emit_link(struct ctx *x, uint32_t index)
{
    struct wsv_session *s = x->s;

    if (!s->linked)
        return;
    s->link.pnum = s->pnum;
    s->link.frame = index;
    if (x->io && x->io->ops && x->io->ops->link)
        x->io->ops->link(x->io->user, &s->link);
    s->linked = false;
}

/* The open frame is over: complete, or cut short by the capture. */
static void frame_done(struct ctx *x, const struct wsv_frame *f)
{
    struct wsv_session *s = x->s;
    unsigned d = s->dir;
    struct wsv_side *y = &s->side[d];
    uint32_t index = cur_frame(s);

    decide(x);
    link_reset(s);
    if (OPEN(s)->frame_opcode == WSV_OP_CLOSE)
        on_close(x, d, f);
    else if ((OPEN(s)->frame_opcode == WSV_OP_TEXT || OPEN(s)->frame_opcode == WSV_OP_BINARY) &&
             !f->after_fail)
        carrying_on(x, d);
    if (pend_update(x, d, index))
        s->linked = true;
    if (f->after_fail && !y->after_fail_pnum) {
        y->after_fail_pnum = s->pnum;
        y->after_fail_frame = index;
    }
    emit_link(x, index);
    OPEN(s)->frame_open = false;
    s->nbroke = 0;
}

static void on_end(void *user, const struct wsv_frame *f)
{
    frame_done(user, f);
}

/* ---- permessage-deflate -------------------------------------------------- */

static const struct wsv_callbacks callbacks = {on_begin, on_violation, on_end};

/* The validator hands over the unmasked payload of compressed messages.
 * Inflated only where the window is known: the 101 was captured (the
 * parameters), the role is known, and nothing of the direction went missing
 * while context takeover carries the window from message to message. */
static void on_compressed(void *user, const struct wsv_frame *f, const uint8_t *p, size_t n)
{
    struct ctx *x = user;
    struct wsv_session *s = x->s;
    unsigned d = s->dir;
    struct wsv_side *y = &s->side[d];
    const struct wsv_session_ops *ops = x->io ? x->io->ops : NULL;
    bool client = s->conn.cfg.role[d] == WSV_ROLE_CLIENT;
    enum wsv_inflate_status st;
    const char *error = "";
    int row;

    if (f->compressed && y->z_frame != f->index + 1) {
        /* A new message. */
        y->compressed_seen = true;
        y->z_active = false;
        if (y->z_lost || !s->saw_101 || s->conn.cfg.role[d] == WSV_ROLE_UNKNOWN || !ops ||
            !ops->inflate_begin || !ops->inflate)
            return;
        if (!ops->inflate_begin(
                x->io->user, d,
                client ? s->pmd.client_max_window_bits : s->pmd.server_max_window_bits,
                client ? s->pmd.client_no_context_takeover : s->pmd.server_no_context_takeover)) {
            y->z_lost = true;
            return;
        }
        y->z_allocated = true;
        y->z_frame = (uint32_t)f->index + 1;
        y->z_active = true;
    }
    if (!y->z_active)
        return;
    st = ops->inflate(x->io->user, d, p, n, &error);
    if (st == WSV_INFLATE_OK) {
        if (!p) {
            wsv_conn_inflated(&s->conn, d, NULL, 0, 0, true, &callbacks, x);
            y->z_active = false;
        }
        return;
    }
    /* pmd-decompress-fail, pmd-window-exceeded (RFC 7692 §7.2.2, §7.1.2).
     * The window is lost with the message: later ones cannot be inflated,
     * unless each message starts afresh. */
    row = error ? wsv_reason_match(error, strlen(error)) : -1;
    wsv_conn_report(&s->conn, d,
                    st == WSV_INFLATE_WINDOW ? WSV_R_PMD_WINDOW_EXCEEDED
                                             : WSV_R_PMD_DECOMPRESS_FAIL,
                    (uint64_t)(row + 1), &callbacks, x);
    y->z_active = false;
    if (!fresh_window(s, d))
        window_lost(x, d);
}

void wsv_session_inflated(struct wsv_session *s, const uint8_t *p, size_t n, uint64_t at,
                          const struct wsv_session_io *io)
{
    struct ctx x = {s, io, NULL, 0, 0};
    wsv_conn_inflated(&s->conn, s->dir, p, n, at, false, &callbacks, &x);
}

/* ---- Packets ------------------------------------------------------------- */

_Static_assert(WSV_RULE_COUNT <= 64, "head_rules holds a bit per rule");

void wsv_session_init(struct wsv_session *s, unsigned strict)
{
    memset(s, 0, sizeof *s);
    s->client_dir = NO_DIR;
    s->strict = strict;
}

void wsv_session_packet(struct wsv_session *s, uint32_t pnum, unsigned dir,
                        const struct wsv_session_io *io)
{
    struct ctx x = {s, io, NULL, 0, 0};

    /* A frame still open from the last packet (no reassembly) goes on in
     * this one, but its findings so far belong to the last. */
    if (OPEN(s)->frame_open)
        decide(&x);
    s->pnum = pnum;
    s->dir = (uint8_t)(dir & 1);
    s->frames = 0;
    s->nbroke = 0;
    memset(&s->tcp, 0, sizeof s->tcp);
}

void wsv_session_tcp(struct wsv_session *s, const struct wsv_tcp *t,
                     const struct wsv_session_io *io)
{
    struct ctx x = {s, io, NULL, 0, 0};
    unsigned d = s->dir;
    struct wsv_side *y = &s->side[d];

    if (!t)
        return;
    s->tcp = *t;
    if (t->lost || (t->have_seq && t->contiguous != t->nextseq && t->contiguous != y->hole_at)) {
        y->hole_at = t->contiguous;
        gap(&x, d, WSV_GAP_LOST, 0);
    }
    /* At the start of a capture TCP says so of every connection: only a
     * direction already seen can have lost bytes, and only bytes beyond all
     * it sent so far (a hole before them showed on its own packets). */
    if (t->ack_lost && s->side[d ^ 1].started && t->have_seq && !seq_ge(t->peer_nextseq, t->ack))
        gap(&x, d ^ 1, WSV_GAP_ACKED, 0);
    if ((t->fin || t->rst) && !y->close_pnum) {
        /* RFC 6455 §7.1.7 lets the receiver drop TCP instead of closing. */
        struct wsv_pending *p = pend_due_of(s, d ^ 1);
        if (p) {
            react(&x, p, 0, t->rst ? WSV_L_REACT_RST : WSV_L_REACT_FIN);
            reacted(s, d ^ 1);
        }
    }
    if (t->fin || t->rst)
        window_lost(&x, d);
}

void wsv_session_start(struct wsv_session *s, unsigned server_dir, enum wsv_evidence ev,
                       const struct wsv_session_io *io)
{
    struct ctx x = {s, io, NULL, 0, 0};
    struct wsv_config cfg;
    unsigned client = s->client_dir;

    if (s->started)
        return;
    memset(&cfg, 0, sizeof cfg);
    cfg.strict = s->strict;
    if (client == NO_DIR) {
        if (server_dir < 2) {
            client = server_dir ^ 1;
            cfg.role_inferred[0] = cfg.role_inferred[1] = true;
        } else {
            ev = WSV_EV_MASK;
        }
    } else {
        ev = WSV_EV_HANDSHAKE;
    }
    if (client < 2) {
        cfg.role[client] = WSV_ROLE_CLIENT;
        cfg.role[client ^ 1] = WSV_ROLE_SERVER;
    }
    if (s->saw_101) {
        cfg.pmd = s->pmd;
        cfg.rsv_unknown = s->rsv_unknown;
    } else {
        /* Without the 101 an RSV1 on a message's first frame cannot be judged:
         * compression may be in force. Every verdict that rests on it says so. */
        struct wsv_detail det;
        cfg.pmd.enabled = true;
        cfg.pmd_inferred = true;
        cfg.midstream[0] = cfg.midstream[1] = true;
        wsv_detail_clear(&det);
        det.why = (uint8_t)ev;
        add(&x, WSV_R_HANDSHAKE_NOT_CAPTURED, 0, 0, &det, 0, 0);
    }
    wsv_conn_init(&s->conn, &cfg);
    s->started = true;
}

bool wsv_session_started(const struct wsv_session *s)
{
    return s->started;
}

/* The chunk goes on with a frame that failed on its header in an earlier
 * packet (a length nobody can follow, such as 2^63): the receiver should have
 * failed the connection there, and what follows is not judged. The first
 * such chunk says so, as the first frame after a failed one does. */
static void after_fail_going_on(struct ctx *x, unsigned d, const uint8_t *p, size_t n)
{
    struct wsv_session *s = x->s;
    struct wsv_dir *v = &s->conn.dir[d];

    if (!OPEN(s)->frame_open || s->frames || !v->frame_fail || v->fail_noted)
        return;
    v->fail_noted = true;
    place_skipped(x, d, x->chunk_at, p, n);
    if (!s->side[d].after_fail_pnum) {
        s->side[d].after_fail_pnum = s->pnum;
        s->side[d].after_fail_frame = 0;
    }
    wsv_conn_report(&s->conn, d, WSV_R_AFTER_FAIL, v->cur.index, &callbacks, x);
}

void wsv_session_feed(struct wsv_session *s, const uint8_t *p, size_t n,
                      const struct wsv_session_io *io)
{
    struct ctx x = {s, io, p, n, 0};
    unsigned d = s->dir;
    struct wsv_side *y = &s->side[d];

    if (!n || !p)
        return;
    if (!s->started)
        wsv_session_start(s, NO_DIR, WSV_EV_MASK, io);
    if (y->gap_open) {
        size_t at = resync(&x, d, p, n);
        if (at == n)
            return;
        p += at;
        n -= at;
        x.chunk = p;
        x.chunk_len = n;
    }
    x.chunk_at = s->conn.dir[d].pos;
    after_fail_going_on(&x, d, p, n);
    capture(&x, x.chunk_at);
    wsv_conn_feed_pmd(&s->conn, d, p, n, &callbacks, on_compressed, &x);
    /* A frame with 16 bytes in has shown what it is. */
    if (OPEN(s)->frame_open && (y->look_have == sizeof y->look))
        decide(&x);
}

void wsv_session_missing(struct wsv_session *s, uint64_t n, enum wsv_gap_kind kind,
                         const struct wsv_session_io *io)
{
    struct ctx x = {s, io, NULL, 0, 0};
    unsigned d = s->dir;
    const struct wsv_frame *f = &s->conn.dir[d].cur;
    uint64_t into = OPEN(s)->frame_open ? s->conn.dir[d].pos - f->offset : 0;
    uint32_t index = cur_frame(s);
    bool judged = !OPEN(s)->frame_after_fail && !OPEN(s)->frame_must_fail;
    bool open = OPEN(s)->frame_open;

    if (s->side[d].gap_open)
        return;
    if (open)
        frame_done(&x, f);
    if (kind == WSV_GAP_CUT && open && n && wsv_conn_remaining(&s->conn, d) == n) {
        /* The frame ends with the bytes cut off: the next byte is a frame
         * boundary again, but the frame cannot be judged to its end. */
        struct wsv_detail det;
        s->side[d].gap_pnum = s->pnum;
        wsv_conn_gap(&s->conn, d, n);
        if (judged) {
            wsv_detail_clear(&det);
            det.why = WSV_GAP_CUT;
            det.value = n;
            add(&x, WSV_R_CAPTURE_GAP, index, into <= INT32_MAX ? (int32_t)into : -1, &det, 0, 0);
        }
        return;
    }
    gap(&x, d, kind, index);
}

/* The end of a direction's data (FIN, or the connection's first RST, which
 * ends both): a direction whose bytes went on after its last complete frame
 * ended inside a frame nobody will see complete. Only sequence numbers that
 * carry data count: a FIN takes one of its own, a retransmitted FIN none, a
 * RST none. */
static void stream_end(struct ctx *x)
{
    struct wsv_session *s = x->s;
    const struct wsv_tcp *t = &s->tcp;
    unsigned d = s->dir;
    struct wsv_side *y = &s->side[d];
    uint32_t prev = y->seen_seq;
    bool fin;

    if (!t->have_seq)
        return;
    y->seen_seq = t->nextseq;
    /* The connection's first FIN is this packet's; a later one shows as a
     * packet that adds exactly one to its direction's sequence numbers (a
     * one-byte segment of a half-closed connection could pass for it). */
    fin = t->fin || (t->fin_seen && prev && t->nextseq - prev == 1);
    if (fin && !y->fin_end)
        y->fin_end = t->nextseq - 1;
    if (!fin && !t->rst)
        return;
    for (unsigned k = 0; k < 2; k++) {
        struct wsv_side *z = &s->side[k];
        uint32_t end = z->fin_end ? z->fin_end : k == d ? t->nextseq : t->peer_nextseq;
        const struct wsv_dir *v = &s->conn.dir[k];
        /* A FIN ends only its own direction; a direction that failed is not
         * judged from there on anyway. */
        if ((k != d && !t->rst) || !z->framed_seq || z->gap_open || z->framed_seq == end ||
            v->failed || v->frame_fail)
            continue;
        gap(x, k, WSV_GAP_ENDED, 0);
    }
}

void wsv_session_packet_end(struct wsv_session *s, bool framed, const struct wsv_session_io *io)
{
    struct ctx x = {s, io, NULL, 0, 0};
    unsigned d = s->dir;
    const struct wsv_tcp *t = &s->tcp;

    if (OPEN(s)->frame_open) {
        /* A frame that goes on in a later packet: what it broke so far is
         * shown here, and waits here for the peer's reaction. */
        decide(&x);
        link_reset(s);
        if (pend_update(&x, d, cur_frame(s)))
            s->linked = true;
        emit_link(&x, cur_frame(s));
        s->nbroke = 0;
    }
    /* Where the direction's frames end in TCP's sequence space, taken at a
     * packet that ends with a frame or a handshake head. */
    if (framed && t->have_seq && wsv_conn_at_boundary(&s->conn, d))
        s->side[d].framed_seq = t->nextseq - (t->fin ? 1 : 0);
    stream_end(&x);
}

bool wsv_session_awaits(const struct wsv_session *s)
{
    for (unsigned d = 0; d < 2; d++)
        if (pend_due(&s->side[d].pend) || pend_due(&s->side[d].pend_hs))
            return true;
    return false;
}

/* ---- The opening handshake ----------------------------------------------- */

struct head_ctx {
    struct ctx *x;
    unsigned flags;
};

/* One finding per rule and head, the first: a head repeating a bad header
 * 40,000 times is one problem, not 40,000 tree items. */
static void on_hs_violation(void *user, const struct wsv_hs_violation *v)
{
    struct head_ctx *h = user;
    struct wsv_session *s = h->x->s;
    struct wsv_detail det;
    unsigned flags = WSV_F_HANDSHAKE | h->flags | (v->must_fail ? WSV_F_MUST_FAIL : 0);

    if (s->head_rules & (UINT64_C(1) << v->rule))
        return;
    s->head_rules |= UINT64_C(1) << v->rule;
    wsv_detail_clear(&det);
    det.value = v->detail;
    det.why = (uint8_t)v->why;
    det.len = v->len > UINT32_MAX ? UINT32_MAX : (uint32_t)v->len;
    if ((flags & WSV_F_REQUEST) && v->must_fail && !s->req_broken) {
        s->req_broken = true;
        s->req_rule = (uint8_t)v->rule;
    }
    add(h->x, v->rule, WSV_AT_HEAD, v->offset <= INT32_MAX ? (int32_t)v->offset : -1, &det,
        v->expected_close, flags);
}

void wsv_session_request(struct wsv_session *s, const uint8_t *p, size_t n,
                         struct wsv_hs_request *rec, const struct wsv_session_io *io)
{
    struct ctx x = {s, io, NULL, 0, 0};
    struct head_ctx h = {&x, WSV_F_REQUEST};

    s->head_rules = 0;
    s->req_broken = false;
    s->req_rule = 0;
    s->nbroke = 0;
    wsv_hs_check_request(p, n, rec, on_hs_violation, &h, NULL);
    s->req_pnum = s->pnum;
    s->client_dir = s->dir;
}

bool wsv_session_response(struct wsv_session *s, const uint8_t *p, size_t n,
                          const struct wsv_hs_request *rec, struct wsv_hs_result *res,
                          const struct wsv_session_io *io)
{
    struct ctx x = {s, io, NULL, 0, 0};
    struct head_ctx h = {&x, 0};

    s->head_rules = 0;
    s->nbroke = 0;
    if (wsv_hs_check_response(p, n, rec, res, on_hs_violation, &h, NULL) != WSV_HTTP_OK ||
        res->interim)
        return false;
    if (!res->upgraded) {
        /* Refused: what follows is HTTP, not frames. */
        s->side[0].framed_seq = s->side[1].framed_seq = 0;
        return true;
    }
    s->saw_101 = true;
    s->client_dir = (uint8_t)(s->dir ^ 1);
    s->pmd = res->pmd;
    s->rsv_unknown = res->other_extensions;
    s->resp_pnum = s->pnum;
    s->ext_missing = rec && wsv_hs_ext_missing(rec, res, NULL, 0) > 0;
    /* RFC 6455 §4.2.1: a server must refuse a request that breaks it. */
    if (rec && rec->violations) {
        struct wsv_detail det;
        wsv_detail_clear(&det);
        det.pnum = s->req_pnum;
        det.rule = s->req_rule;
        det.request = true;
        add(&x, WSV_R_REACTION_MISSING, WSV_AT_HEAD, -1, &det, 0, WSV_F_HANDSHAKE);
    }
    /* The client's reaction to a broken 101 is awaited like a frame's. */
    if (pend_update(&x, s->dir, WSV_AT_HEAD)) {
        s->link = (struct wsv_link){s->pnum, WSV_AT_HEAD, 0, 0, 0, 0, -1, 0, 0};
        if (io && io->ops && io->ops->link)
            io->ops->link(io->user, &s->link);
    }
    s->nbroke = 0;
    return true;
}
