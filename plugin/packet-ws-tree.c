/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * packet-ws-tree.c: what the analyst sees. One "ws" item per WebSocket frame
 * (over its header) and per opening-handshake head, carrying the sender's
 * role, the handshake in force, the links to the cause and the reaction, and
 * one ws.rule item per finding with its expert info; the Info column tag;
 * the statistics tap's record. The words come from the core's formatter
 * (wsv_finding.h), which the command-line tool prints too. Everything here
 * runs on every pass: expert infos must be added whichever pass the taps
 * (tshark -z expert, the GUI's Expert Info) listen on.
 */
#include "packet-ws-int.h"

#include <stdio.h>
#include <string.h>

#include <wsv/wsv_finding.h>

#include "ws_stats.h"

static int hf_ws_role = -1;
static int hf_ws_role_inferred = -1;
static int hf_ws_after_fail = -1;
static int hf_ws_proto_error = -1;
static int hf_ws_rule = -1;
static int hf_ws_rfc = -1;
static int hf_ws_expected_close = -1;
static int hf_ws_offset = -1;
static int hf_ws_close_cause = -1;
static int hf_ws_close_cause_rule = -1;
static int hf_ws_close_reaction = -1;
static int hf_ws_close_reaction_code = -1;
static int hf_ws_close_reason_rule = -1;
static int hf_ws_close_reason_match = -1;
static int hf_ws_explanation = -1;
static int hf_ws_gap = -1;
static int hf_ws_inflated_offset = -1;
static int hf_ws_handshake = -1;
static int hf_ws_hs_version = -1;
static int hf_ws_hs_versions = -1;
static int hf_ws_hs_extensions = -1;
static int hf_ws_hs_subprotocol = -1;
static int hf_ws_hs_accept = -1;

static int ett_ws = -1;
static int ett_ws_rule = -1;
static int ett_ws_hs = -1;

static expert_field ei_ws[WSV_RULE_COUNT];

static const value_string ws_role_vals[] = {
    {WSV_ROLE_UNKNOWN, "unknown"},
    {WSV_ROLE_CLIENT, "client"},
    {WSV_ROLE_SERVER, "server"},
    {0, NULL},
};

/* ws.gap: the gap kinds + 1, from the core's words. */
static value_string ws_gap_vals[WSV_GAP_KIND_COUNT + 1];

static struct wsv_text_ctx text_ctx(const struct ws1002_conv *wc)
{
    struct wsv_text_ctx ctx = {wc ? wc->accept : NULL, wc ? wc->ext_missing : NULL};
    return ctx;
}

static void add_expert(packet_info *pinfo, proto_item *pi, const struct ws1002_conv *wc,
                       const struct wsv_finding *f)
{
    struct wsv_text_ctx ctx = text_ctx(wc);
    char text[640], extra[256] = "";

    if (f->rule == WSV_R_HANDSHAKE_NOT_CAPTURED)
        ws1002_heur_evidence(pinfo, extra, sizeof extra);
    wsv_finding_text(text, sizeof text, f, &ctx, extra);
    expert_add_info_format(pinfo, pi, &ei_ws[f->rule], "%s", text);
}

static bool is_proto_error(const struct wsv_finding *f)
{
    return (f->flags & WSV_F_MUST_FAIL) && f->expected_close == 1002;
}

static void generated_uint(proto_tree *t, int hf, tvbuff_t *ds, uint32_t v)
{
    proto_item_set_generated(proto_tree_add_uint(t, hf, ds, 0, 0, v));
}

static void generated_string(proto_tree *t, int hf, tvbuff_t *ds, const char *s)
{
    proto_item_set_generated(proto_tree_add_string(t, hf, ds, 0, 0, s));
}

/* One ws.rule item, on the offending bytes if they are in this buffer. */
static void add_finding(packet_info *pinfo, proto_tree *tree, const struct ws1002_conv *wc,
                        tvbuff_t *ds, int start, int length, const struct wsv_finding *f)
{
    const struct wsv_rule_info *r = wsv_rule_get((enum wsv_rule)f->rule);
    struct wsv_detail d;
    int64_t room = tvb_captured_length_remaining(ds, start);
    int64_t bytes;
    bool here;
    proto_item *ri;
    proto_tree *rt;

    wsv_detail_decode((enum wsv_rule)f->rule, f->flags, f->detail, &d);
    bytes = (f->flags & WSV_F_HANDSHAKE) ? MAX(d.len, 1) : 1;
    here = f->rel >= 0 && f->rel + bytes <= room;
    ri = proto_tree_add_string_format_value(
        tree, hf_ws_rule, ds, here ? start + (int)f->rel : start, here ? (int)bytes : length, r->id,
        "%s: %s", r->id, r->statement);
    rt = proto_item_add_subtree(ri, ett_ws_rule);
    generated_string(rt, hf_ws_rfc, ds, r->ref);
    if (f->expected_close)
        generated_uint(rt, hf_ws_expected_close, ds, f->expected_close);
    if (f->rel >= 0)
        generated_uint(rt, hf_ws_offset, ds, (uint32_t)f->rel);
    if ((f->flags & WSV_F_INFLATED) && d.value <= UINT32_MAX)
        generated_uint(rt, hf_ws_inflated_offset, ds, (uint32_t)d.value);
    if (f->rule == WSV_R_CAPTURE_GAP)
        generated_uint(rt, hf_ws_gap, ds, d.why + 1u);
    if (f->rule == WSV_R_CLOSE_UNEXPLAINED) {
        char ex[3][WSV_EXPLANATION_LEN];
        unsigned n = wsv_explanations(f, ex);
        for (unsigned k = 0; k < n; k++)
            generated_string(rt, hf_ws_explanation, ds, ex[k]);
    }
    add_expert(pinfo, ri, wc, f);
}

/* ws.close.cause on a Close, ws.close.reaction on a violating frame. */
static void add_link(proto_tree *tree, tvbuff_t *ds, const struct wsv_link *l)
{
    proto_item *it;

    if (l->cause) {
        const char *id = wsv_rule_get((enum wsv_rule)l->cause_rule)->id;
        it = proto_tree_add_uint_format_value(tree, hf_ws_close_cause, ds, 0, 0, l->cause,
                                              "%u (%s)", l->cause, id);
        proto_item_set_generated(it);
        generated_string(tree, hf_ws_close_cause_rule, ds, id);
    }
    if (l->reason >= 0) {
        const struct wsv_reason_info *ri = wsv_reason_get((size_t)l->reason);
        if (ri->rule != WSV_RULE_COUNT)
            generated_string(tree, hf_ws_close_reason_rule, ds, wsv_rule_get(ri->rule)->id);
        proto_item_set_generated(proto_tree_add_string_format_value(
            tree, hf_ws_close_reason_match, ds, 0, 0, ri->text, "%s: \"%s\" (%s)", ri->source,
            ri->text, ri->rule != WSV_RULE_COUNT ? wsv_rule_get(ri->rule)->id : ri->meaning));
    }
    if (l->reaction) {
        char what[32];
        if (l->flags & WSV_L_REACT_CODE)
            snprintf(what, sizeof what, "Close %u", l->rcode);
        else
            snprintf(what, sizeof what, "%s",
                     (l->flags & WSV_L_REACT_FIN)   ? "TCP FIN"
                     : (l->flags & WSV_L_REACT_RST) ? "TCP RST"
                                                    : "Close, no code");
        it = proto_tree_add_uint_format_value(tree, hf_ws_close_reaction, ds, 0, 0, l->reaction,
                                              "%u (%s)", l->reaction, what);
        proto_item_set_generated(it);
        if (l->flags & WSV_L_REACT_CODE)
            generated_uint(tree, hf_ws_close_reaction_code, ds, l->rcode);
    }
}

/* The collapsed item already answers: the first finding that is not a note
 * (else the first note) and the close it calls for. */
static void summary(proto_item *ti, const struct wsv_finding *f, unsigned n)
{
    const struct wsv_finding *first = NULL;

    for (unsigned k = 0; k < n && !first; k++)
        if (wsv_rule_get((enum wsv_rule)f[k].rule)->severity != WSV_SEV_NOTE)
            first = &f[k];
    if (!first && n)
        first = &f[0];
    if (!first)
        return;
    proto_item_append_text(ti, ": %s", wsv_rule_get((enum wsv_rule)first->rule)->id);
    if ((first->flags & WSV_F_MUST_FAIL) && first->expected_close)
        proto_item_append_text(ti, " (expected close %u)", first->expected_close);
    if (n > 1)
        proto_item_append_text(ti, " and %u more", n - 1);
}

/* One "ws" item per WebSocket frame, covering its header. */
static void render_frame(packet_info *pinfo, proto_tree *tree, const struct ws1002_conv *wc,
                         unsigned dir, tvbuff_t *ds, int start, int length, uint32_t idx,
                         bool frame, const struct wsv_finding *f, unsigned n,
                         const struct wsv_link *l)
{
    const struct wsv_config *cfg = wc ? &wc->s.conn.cfg : NULL;
    enum wsv_role role = cfg ? cfg->role[dir] : WSV_ROLE_UNKNOWN;
    bool inferred = cfg && cfg->role_inferred[dir];
    const struct wsv_side *side = wc ? &wc->s.side[dir] : NULL;
    proto_item *ti;
    proto_tree *wt;

    ti = proto_tree_add_item(tree, proto_ws, ds, start, length, ENC_NA);
    proto_item_append_text(ti, ", %s%s", val_to_str_const(role, ws_role_vals, "unknown"),
                           inferred ? " (inferred)" : "");
    summary(ti, f, n);
    wt = proto_item_add_subtree(ti, ett_ws);
    generated_uint(wt, hf_ws_role, ds, role);
    proto_item_set_generated(proto_tree_add_boolean(wt, hf_ws_role_inferred, ds, 0, 0, inferred));
    if (side && side->after_fail_pnum &&
        (pinfo->num > side->after_fail_pnum ||
         (pinfo->num == side->after_fail_pnum && idx >= side->after_fail_frame)))
        proto_item_set_generated(proto_tree_add_boolean(wt, hf_ws_after_fail, ds, 0, 0, 1));
    /* The handshake the frame is judged under. */
    if (frame && wc && wc->s.resp_pnum) {
        proto_item *hi = proto_tree_add_uint(wt, hf_ws_handshake, ds, 0, 0, wc->s.resp_pnum);
        proto_tree *ht = proto_item_add_subtree(hi, ett_ws_hs);
        proto_item_set_generated(hi);
        if (wc->extensions)
            generated_string(ht, hf_ws_hs_extensions, ds, wc->extensions);
        if (wc->subprotocol)
            generated_string(ht, hf_ws_hs_subprotocol, ds, wc->subprotocol);
    }
    for (unsigned k = 0; k < n; k++) {
        if (is_proto_error(&f[k])) {
            proto_item_set_generated(proto_tree_add_boolean(wt, hf_ws_proto_error, ds, 0, 0, 1));
            break;
        }
    }
    if (l)
        add_link(wt, ds, l);
    for (unsigned k = 0; k < n; k++)
        add_finding(pinfo, wt, wc, ds, start, length, &f[k]);
}

/* " [WS1002: id, id]" for the rules the packet breaks (notes are not
 * violations and stay out of the Info column). */
static void info_tag(packet_info *pinfo, const struct wsv_finding *f, unsigned n)
{
    bool seen[WSV_RULE_COUNT] = {false};
    char buf[160];
    size_t len = 0;

    for (unsigned k = 0; k < n; k++) {
        const struct wsv_rule_info *r = wsv_rule_get((enum wsv_rule)f[k].rule);
        int w;

        if (r->severity == WSV_SEV_NOTE || seen[f[k].rule])
            continue;
        seen[f[k].rule] = true;
        w = snprintf(buf + len, sizeof buf - len, "%s%s", len ? ", " : " [WS1002: ", r->id);
        /* Always keep room for ", ...]" and the terminator. */
        if (w < 0 || len + (size_t)w + sizeof ", ...]" > sizeof buf) {
            memcpy(buf + len, ", ...", 5);
            len += 5;
            break;
        }
        len += (size_t)w;
    }
    if (len) {
        buf[len] = ']';
        buf[len + 1] = '\0';
        col_append_str(pinfo->cinfo, COL_INFO, buf);
    }
}

/* The packet's findings and links for the statistics tap. */
static void tap(packet_info *pinfo, const struct ws1002_conv *wc, unsigned dir,
                const struct wsv_finding *f, unsigned n, const struct wsv_link *l, unsigned nl)
{
    const struct wsv_config *cfg;
    struct ws_stats_rec *rec;
    unsigned client;

    if (!wc || !ws_stats_wanted())
        return;
    cfg = &wc->s.conn.cfg;
    rec = wmem_new0(pinfo->pool, struct ws_stats_rec);
    client = cfg->role[0] == WSV_ROLE_SERVER ? 1 : 0;
    rec->conn = wc;
    rec->client = &wc->ep[client];
    rec->server = &wc->ep[client ^ 1];
    rec->client_port = wc->port[client];
    rec->server_port = wc->port[client ^ 1];
    rec->roles_known = cfg->role[0] != WSV_ROLE_UNKNOWN;
    rec->roles_inferred = cfg->role_inferred[0] || cfg->role_inferred[1];
    rec->handshake = wc->s.saw_101;
    rec->pmd = cfg->pmd;
    rec->pmd_inferred = cfg->pmd_inferred;
    rec->from_client = dir == client;
    rec->nrules = MIN(n, array_length(rec->rules));
    for (unsigned k = 0; k < rec->nrules; k++)
        rec->rules[k] = f[k].rule;
    for (unsigned k = 0; k < nl && rec->nclose < array_length(rec->close); k++) {
        struct ws_stats_close *c;
        if (!(l[k].flags & WSV_L_CLOSE))
            continue;
        c = &rec->close[rec->nclose++];
        c->pnum = pinfo->num;
        c->code = l[k].code;
        c->has_code = (l[k].flags & WSV_L_CODE) != 0;
        c->reply = (l[k].flags & WSV_L_REPLY) != 0;
        c->cause = l[k].cause;
        c->cause_rule = l[k].cause ? wsv_rule_get((enum wsv_rule)l[k].cause_rule)->id : NULL;
        for (unsigned j = 0; j < n; j++)
            if (f[j].frame == l[k].frame && f[j].rule == WSV_R_CLOSE_UNEXPLAINED)
                c->unexplained = true;
    }
    for (unsigned k = 0; k < nl && rec->ndrop < array_length(rec->drop); k++) {
        unsigned j = 0;
        if (!(l[k].flags & (WSV_L_REACT_FIN | WSV_L_REACT_RST)))
            continue;
        while (j + 1 < n && f[j].frame != l[k].frame)
            j++;
        rec->drop[rec->ndrop].pnum = l[k].reaction;
        rec->drop[rec->ndrop].violation = pinfo->num;
        rec->drop[rec->ndrop].rule = n ? wsv_rule_get((enum wsv_rule)f[j].rule)->id : "?";
        rec->drop[rec->ndrop++].rst = (l[k].flags & WSV_L_REACT_RST) != 0;
    }
    ws_stats_queue(pinfo, rec);
}

/* One "ws" item over an opening handshake head: what it asked for or agreed
 * to, its findings, and the client's reaction to a broken 101. */
static void render_head(packet_info *pinfo, proto_tree *tree, const struct ws1002_conv *wc,
                        const struct ws1002_head *hd, const struct wsv_finding *f, unsigned n,
                        const struct wsv_link *l)
{
    tvbuff_t *ds = tree ? ws1002_src_tvb(pinfo, hd->src, (uint64_t)hd->start + hd->len) : NULL;
    const struct {
        int *hf;
        const char *s;
    } shown[] = {
        {&hf_ws_hs_version, hd->version},         {&hf_ws_hs_accept, hd->accept},
        {&hf_ws_hs_versions, hd->versions},       {&hf_ws_hs_extensions, hd->extensions},
        {&hf_ws_hs_subprotocol, hd->subprotocol},
    };
    proto_item *ti;
    proto_tree *ht;

    if (!ds) {
        for (unsigned k = 0; k < n; k++)
            add_expert(pinfo, NULL, wc, &f[k]);
        return;
    }
    ti = proto_tree_add_item(tree, proto_ws, ds, (int)hd->start, (int)hd->len, ENC_NA);
    if (hd->status)
        proto_item_append_text(ti, ", opening handshake response %u", hd->status);
    else
        proto_item_append_text(ti, ", opening handshake request");
    summary(ti, f, n);
    ht = proto_item_add_subtree(ti, ett_ws);
    for (unsigned k = 0; k < array_length(shown); k++)
        if (shown[k].s)
            generated_string(ht, *shown[k].hf, ds, shown[k].s);
    if (l)
        add_link(ht, ds, l);
    for (unsigned k = 0; k < n; k++)
        add_finding(pinfo, ht, wc, ds, (int)hd->start, (int)hd->len, &f[k]);
}

void ws1002_render(packet_info *pinfo, proto_tree *tree, tvbuff_t *tvb,
                   const struct ws1002_conv *wc, unsigned dir, const struct ws1002_head *hd,
                   const struct ws1002_where *w, unsigned nframes, bool want_items,
                   const struct wsv_finding *f0, unsigned n0, const struct wsv_link *l0,
                   unsigned nl0)
{
    const struct wsv_finding *f = f0;
    const struct wsv_link *l = l0;
    unsigned n = n0, nl = nl0, k = 0, j = 0;

    /* The handshake head's findings and link come first. */
    while (k < n && f[k].frame == WSV_AT_HEAD)
        k++;
    while (j < nl && l[j].frame == WSV_AT_HEAD)
        j++;
    if (hd)
        render_head(pinfo, tree, wc, hd, f, k, j ? l : NULL);
    else
        for (unsigned m = 0; m < k; m++)
            add_expert(pinfo, NULL, wc, &f[m]);
    f += k;
    n -= k;
    l += j;
    nl -= j;
    k = j = 0;

    if (tree && !nframes && n) {
        /* No frame here (a lost segment, a FIN): the findings go on the packet. */
        render_frame(pinfo, tree, wc, dir, tvb, 0, 0, 0, false, f, n, NULL);
        k = n;
    }
    for (uint32_t idx = 0; idx < nframes; idx++) {
        unsigned first = k;
        const struct wsv_link *lk = NULL;
        tvbuff_t *ds = NULL;

        while (k < n && f[k].frame == idx)
            k++;
        while (j < nl && l[j].frame < idx)
            j++;
        if (j < nl && l[j].frame == idx)
            lk = &l[j];
        if (tree && (want_items || k > first || lk))
            ds = ws1002_src_tvb(pinfo, w[idx].src, (uint64_t)w[idx].start + w[idx].len);
        if (ds) {
            render_frame(pinfo, tree, wc, dir, ds, (int)w[idx].start, w[idx].len, idx, true,
                         &f[first], k - first, lk);
            continue;
        }
        /* Expert infos are needed on every pass, with or without a tree:
         * taps (tshark -z expert, the GUI's Expert Info) may listen on any. */
        for (unsigned m = first; m < k; m++)
            add_expert(pinfo, NULL, wc, &f[m]);
    }
    for (; k < n; k++)
        add_expert(pinfo, NULL, wc, &f[k]);
    if (n0)
        info_tag(pinfo, f0, n0);
    /* The statistics count frames and what they break, not handshake heads. */
    if (nframes || n)
        tap(pinfo, wc, dir, f, n, l, nl);
}

void ws1002_tree_register(void)
{
    static hf_register_info hf[] = {
        {&hf_ws_role,
         {"Role", "ws.role", FT_UINT8, BASE_DEC, VALS(ws_role_vals), 0x0,
          "Role of the endpoint that sent this frame", HFILL}},
        {&hf_ws_role_inferred,
         {"Role inferred", "ws.role.inferred", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "The role was inferred (no handshake captured), not observed", HFILL}},
        {&hf_ws_after_fail,
         {"After fail", "ws.after_fail", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "Sent after a must-fail violation in the same direction: a conforming receiver has "
          "already failed the connection, so the frame is not judged",
          HFILL}},
        {&hf_ws_proto_error,
         {"Protocol error", "ws.proto_error", FT_BOOLEAN, BASE_NONE, NULL, 0x0,
          "The frame breaks a rule whose conforming reaction is Close 1002", HFILL}},
        {&hf_ws_rule,
         {"Rule", "ws.rule", FT_STRING, BASE_NONE, NULL, 0x0, "ID of the rule the frame breaks",
          HFILL}},
        {&hf_ws_rfc,
         {"RFC", "ws.rfc", FT_STRING, BASE_NONE, NULL, 0x0, "RFC and section of the rule", HFILL}},
        {&hf_ws_expected_close,
         {"Expected close code", "ws.expected_close", FT_UINT16, BASE_DEC, NULL, 0x0,
          "Close code a conforming receiver sends", HFILL}},
        {&hf_ws_offset,
         {"Offset in frame", "ws.offset", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Offset of the offending byte from the frame's first header byte (for the opening "
          "handshake: from the HTTP head's first byte)",
          HFILL}},
        {&hf_ws_inflated_offset,
         {"Offset in inflated message", "ws.inflated_offset", FT_UINT32, BASE_DEC, NULL, 0x0,
          "Offset of the offending byte in the compressed message after inflating it", HFILL}},
        {&hf_ws_close_cause,
         {"Cause", "ws.close.cause", FT_FRAMENUM, BASE_NONE, FRAMENUM_TYPE(FT_FRAMENUM_REQUEST),
          0x0, "The other side's violation this Close reacts to", HFILL}},
        {&hf_ws_close_cause_rule,
         {"Cause rule", "ws.close.cause_rule", FT_STRING, BASE_NONE, NULL, 0x0,
          "Rule broken by the frame this Close reacts to", HFILL}},
        {&hf_ws_close_reaction,
         {"Reaction", "ws.close.reaction", FT_FRAMENUM, BASE_NONE,
          FRAMENUM_TYPE(FT_FRAMENUM_RESPONSE), 0x0,
          "The other side's Close, or TCP FIN or RST, in reaction to this violation (shown on "
          "a second pass: tshark -2 or the GUI)",
          HFILL}},
        {&hf_ws_close_reaction_code,
         {"Reaction close code", "ws.close.reaction_code", FT_UINT16, BASE_DEC, NULL, 0x0,
          "Status code of the Close that reacts to this violation", HFILL}},
        {&hf_ws_close_reason_rule,
         {"Reason names rule", "ws.close.reason_rule", FT_STRING, BASE_NONE, NULL, 0x0,
          "Rule named by this Close's reason text (a browser's or library's known message)",
          HFILL}},
        {&hf_ws_close_reason_match,
         {"Reason is known", "ws.close.reason_match", FT_STRING, BASE_NONE, NULL, 0x0,
          "Who sends this Close reason text, and what it means", HFILL}},
        {&hf_ws_explanation,
         {"Possible explanation", "ws.close.explanation", FT_STRING, BASE_NONE, NULL, 0x0,
          "Why a failure Close may have no cause in the capture, most likely first", HFILL}},
        {&hf_ws_handshake,
         {"Handshake", "ws.handshake", FT_FRAMENUM, BASE_NONE, NULL, 0x0,
          "The 101 response this frame's connection was opened with", HFILL}},
        {&hf_ws_hs_version,
         {"Requested version", "ws.handshake.version", FT_STRING, BASE_NONE, NULL, 0x0,
          "Sec-WebSocket-Version of the opening request, as sent", HFILL}},
        {&hf_ws_hs_versions,
         {"Versions supported", "ws.handshake.versions_supported", FT_STRING, BASE_NONE, NULL, 0x0,
          "Sec-WebSocket-Version list of the server's refusal", HFILL}},
        {&hf_ws_hs_extensions,
         {"Extensions", "ws.handshake.extensions", FT_STRING, BASE_NONE, NULL, 0x0,
          "Sec-WebSocket-Extensions of the 101: the extensions in force", HFILL}},
        {&hf_ws_hs_subprotocol,
         {"Subprotocol", "ws.handshake.subprotocol", FT_STRING, BASE_NONE, NULL, 0x0,
          "Sec-WebSocket-Protocol of the 101: the subprotocol in force", HFILL}},
        {&hf_ws_hs_accept,
         {"Expected accept", "ws.handshake.accept_expected", FT_STRING, BASE_NONE, NULL, 0x0,
          "The Sec-WebSocket-Accept the request's Sec-WebSocket-Key calls for", HFILL}},
        {&hf_ws_gap,
         {"Capture gap", "ws.gap", FT_UINT8, BASE_DEC, VALS(ws_gap_vals), 0x0,
          "Bytes of a direction are missing from the capture: it is not judged until a frame "
          "boundary can be trusted",
          HFILL}},
    };
    static int *ett[] = {&ett_ws, &ett_ws_rule, &ett_ws_hs};
    /* One expert info per rule, from the rule table. Registration keeps
     * pointers into this array and to the names, so both live forever. */
    static ei_register_info ei[WSV_RULE_COUNT];
    static const ei_register_info ei_template = {NULL, {NULL, PI_PROTOCOL, PI_NOTE, NULL, EXPFILL}};
    expert_module_t *expert;
    unsigned nv = 0;

    for (unsigned k = 0; k < WSV_GAP_KIND_COUNT; k++)
        if (*wsv_gap_text((enum wsv_gap_kind)k))
            ws_gap_vals[nv++] = (value_string){k + 1, wsv_gap_text((enum wsv_gap_kind)k)};
    proto_register_field_array(proto_ws, hf, array_length(hf));
    proto_register_subtree_array(ett, array_length(ett));

    for (unsigned i = 0; i < WSV_RULE_COUNT; i++) {
        const struct wsv_rule_info *r = wsv_rule_get((enum wsv_rule)i);
        char *name = g_strdup_printf("ws.expert.%s", r->id);

        g_strdelimit(name, "-", '_');
        ei_ws[i] = (expert_field)EI_INIT;
        ei[i] = ei_template;
        ei[i].ids = &ei_ws[i];
        ei[i].eiinfo.name = name;
        ei[i].eiinfo.severity = r->severity == WSV_SEV_ERROR  ? PI_ERROR
                                : r->severity == WSV_SEV_WARN ? PI_WARN
                                                              : PI_NOTE;
        ei[i].eiinfo.summary = g_strdup_printf("%s (%s): %s", r->id, r->ref, r->statement);
    }
    expert = expert_register_protocol(proto_ws);
    expert_register_field_array(expert, ei, array_length(ei));
}
