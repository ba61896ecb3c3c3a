/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Verdicts. See verdict.h for what each one means. */
#include "verdict.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *probe_verdict_name(enum probe_verdict v)
{
    static const char *const names[] = {"ok",      "non-strict", "wrong-code", "unclean",
                                        "ignored", "no-answer",  "skipped",    "error"};
    return (unsigned)v < sizeof names / sizeof names[0] ? names[v] : "?";
}

const char *probe_observed_name(enum probe_observed o)
{
    static const char *const names[] = {"none",       "close",   "tcp-close", "reset",
                                        "carried-on", "refused", "upgraded",  "not-run"};
    return (unsigned)o < sizeof names / sizeof names[0] ? names[o] : "?";
}

/* The scenario's own Close frame, if it sends one. */
static const struct probe_frame *scenario_close(const struct probe_scenario *sc)
{
    for (unsigned i = 0; i < probe_frame_count(sc); i++)
        if (sc->frames[i].opcode == WSV_OP_CLOSE)
            return &sc->frames[i];
    return NULL;
}

size_t probe_expected_close(const struct probe_scenario *sc, uint16_t out[4])
{
    size_t n = 0;
    if (probe_expect(sc) == PROBE_ACCEPT) {
        /* Normal closure, or the echo of the code received (§5.5.1). */
        const struct probe_frame *f = scenario_close(sc);
        out[n++] = 1000;
        if (f && f->has_code && f->code != 1000)
            out[n++] = f->code;
        return n;
    }
    if (probe_expect(sc) == PROBE_REFUSE)
        return 0;
    const struct wsv_rule_info *r = wsv_rule_get(sc->rule);
    if (r->close)
        out[n++] = r->close;
    for (unsigned i = 0; i < 2; i++)
        if (r->close_alt[i])
            out[n++] = r->close_alt[i];
    return n;
}

/* The strict reading of RFC 6455 (WSV_STRICT_CLOSE_1012_1014) counts this
 * Close's code as unassigned: a receiver that rejects it is a legacy one
 * (rules.md §4 item 6), not a broken one. Asked of the core itself. */
static void count_violation(void *user, const struct wsv_frame *f, const struct wsv_violation *v)
{
    (void)f;
    *(bool *)user |= v->rule == WSV_R_CLOSE_CODE_UNASSIGNED;
}

static bool unassigned_if_strict(const struct probe_frame *f)
{
    uint8_t buf[PROBE_MAX_PAYLOAD + 16];
    static const uint8_t mask[4] = {1, 2, 3, 4};
    struct probe_deflater z = {0};
    size_t n = probe_frame_encode(f, &z, mask, buf, sizeof buf);
    probe_deflater_free(&z);
    struct wsv_config cfg = {.role = {WSV_ROLE_CLIENT}, .strict = WSV_STRICT_CLOSE_1012_1014};
    struct wsv_conn c;
    bool hit = false;
    const struct wsv_callbacks cb = {.violation = count_violation};
    wsv_conn_init(&c, &cfg);
    wsv_conn_feed(&c, 0, buf, n, &cb, &hit);
    return hit;
}

__attribute__((format(printf, 3, 4))) static void set(struct probe_judgement *j,
                                                      enum probe_verdict v, const char *fmt, ...)
{
    j->verdict = v;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->note, sizeof j->note, fmt, ap);
    va_end(ap);
}

static bool listed(const struct probe_scenario *sc, uint16_t code)
{
    uint16_t codes[4];
    size_t n = probe_expected_close(sc, codes);
    for (size_t i = 0; i < n; i++)
        if (codes[i] == code)
            return true;
    return false;
}

/* The server's Close answered the scenario's own Close as a normal one:
 * no code, 1000, or the echo of the code it was sent (§5.5.1). */
static bool normal_answer(const struct probe_scenario *sc, const struct probe_obs *o)
{
    const struct probe_frame *f = scenario_close(sc);
    if (!o->close_has_code || o->close_code == 1000)
        return true;
    return f && f->has_code && o->close_code == f->code;
}

static void judge_fail(const struct probe_scenario *sc, const struct probe_obs *o,
                       struct probe_judgement *j)
{
    const struct wsv_rule_info *r = wsv_rule_get(sc->rule);
    if (j->observed == PO_CARRIED_ON) {
        set(j, PV_IGNORED, "went on after the violation: %s",
            o->pong_after ? "answered a Ping" : "sent a message back");
    } else if (o->close) {
        bool late = o->breaking >= 0 && o->close_after > (unsigned)o->breaking + 1;
        if (o->close_has_code && o->close_code == r->close)
            set(j, late ? PV_NON_STRICT : PV_OK, "%s",
                late ? "failed only after later frames, not on the offending one" : "");
        else if (o->close_has_code && wsv_rule_close_ok(sc->rule, o->close_code))
            set(j, PV_NON_STRICT, "an alternative code of the rule table (%u preferred)%s",
                r->close, late ? "; failed only after later frames" : "");
        else if (o->sent_close && normal_answer(sc, o))
            set(j, PV_IGNORED, "answered the Close as a normal one");
        else
            set(j, PV_WRONG_CODE, "a code the rule table does not list");
    } else if (o->reset) {
        set(j, PV_UNCLEAN, "TCP reset without a Close");
    } else if (o->eof) {
        set(j, PV_OK, "closed TCP without a Close (allowed: RFC 6455 %s7.1.7)", "\xc2\xa7");
    } else {
        set(j, PV_NO_ANSWER, "no Close, no TCP close and no Pong to the probe's Ping");
    }
}

static void judge_tolerate(const struct probe_scenario *sc, const struct probe_obs *o,
                           struct probe_judgement *j)
{
    if (j->observed == PO_CARRIED_ON)
        set(j, PV_OK, "ignored, as allowed (a sender warning)");
    else if (o->close && o->sent_close && normal_answer(sc, o))
        set(j, PV_OK, "answered the Close normally, as allowed (a sender warning)");
    else if (o->close && o->close_has_code && listed(sc, o->close_code))
        set(j, PV_OK, "failed: stricter than required, %u is listed for this warning",
            o->close_code);
    else if (o->close)
        set(j, PV_WRONG_CODE, "a sender warning: the rule table lists no such code");
    else if (o->reset || o->eof)
        set(j, PV_UNCLEAN, "%s without a Close on a sender warning",
            o->reset ? "TCP reset" : "TCP close");
    else
        set(j, PV_NO_ANSWER, "no Close, no TCP close and no Pong to the probe's Ping");
}

static void judge_accept(const struct probe_scenario *sc, const struct probe_obs *o,
                         struct probe_judgement *j)
{
    const struct probe_frame *f = scenario_close(sc);
    if (o->close && normal_answer(sc, o)) {
        if (o->pongs_matched < o->pings)
            set(j, PV_NO_ANSWER, "a Ping was not answered with its payload");
        else
            set(j, PV_OK, "%s", "");
    } else if (o->close && f && o->close_code == 1002 && unassigned_if_strict(f)) {
        set(j, PV_NON_STRICT, "legacy receiver: rejects %u, registered after RFC 6455", f->code);
    } else if (o->close) {
        set(j, PV_WRONG_CODE, "failed a legal look-alike");
    } else if (o->reset || o->eof) {
        set(j, PV_UNCLEAN, "%s without a Close", o->reset ? "TCP reset" : "TCP close");
    } else {
        set(j, PV_NO_ANSWER, "no answer to the closing handshake");
    }
}

static void judge_refuse(const struct probe_obs *o, struct probe_judgement *j)
{
    unsigned s = o->http_status;
    if (s == 101)
        set(j, PV_IGNORED, "answered 101 Switching Protocols");
    else if (s >= 400 && s < 500 && o->versions_listed)
        set(j, PV_OK, "HTTP %u with Sec-WebSocket-Version", s);
    else if (s >= 400 && s < 500)
        set(j, PV_NON_STRICT, "HTTP %u without Sec-WebSocket-Version (RFC 6455 %s4.4)", s,
            "\xc2\xa7");
    else if (s)
        set(j, PV_WRONG_CODE, "HTTP %u: not an error status", s);
    else if (o->reset || o->eof)
        set(j, PV_UNCLEAN, "%s without an HTTP answer", o->reset ? "TCP reset" : "TCP close");
    else
        set(j, PV_NO_ANSWER, "no HTTP answer");
}

static enum probe_observed observed(enum probe_expect e, const struct probe_obs *o)
{
    if (e == PROBE_REFUSE && o->http_status)
        return o->http_status == 101 ? PO_UPGRADED : PO_REFUSED;
    if (e != PROBE_ACCEPT && (o->pong_after || o->message_after))
        return PO_CARRIED_ON;
    return o->close ? PO_CLOSE : o->reset ? PO_RESET : o->eof ? PO_TCP_CLOSE : PO_NONE;
}

void probe_judge(const struct probe_scenario *sc, const struct probe_obs *o,
                 struct probe_judgement *j)
{
    memset(j, 0, sizeof *j);
    j->observed_close = o->close && o->close_has_code ? o->close_code : -1;
    if (o->skipped || o->error) {
        j->observed = PO_NOT_RUN;
        set(j, o->skipped ? PV_SKIPPED : PV_ERROR, "%s", o->err);
        return;
    }
    enum probe_expect e = probe_expect(sc);
    j->observed = observed(e, o);
    switch (e) {
    case PROBE_FAIL:
        judge_fail(sc, o, j);
        break;
    case PROBE_TOLERATE:
        judge_tolerate(sc, o, j);
        break;
    case PROBE_ACCEPT:
        judge_accept(sc, o, j);
        break;
    case PROBE_REFUSE:
        judge_refuse(o, j);
        break;
    }
    if (o->server_violations && o->server_rule >= 0) {
        size_t n = strlen(j->note);
        snprintf(j->note + n, sizeof j->note - n, "%sthe server's frames break %s", n ? "; " : "",
                 wsv_rule_get((enum wsv_rule)o->server_rule)->id);
    }
}
