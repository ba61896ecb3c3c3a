/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Tables and JSON. See output.h. */
#include "output.h"

#include <stdio.h>
#include <string.h>

static const char *expect_name(enum probe_expect e)
{
    static const char *const names[] = {"fail", "tolerate", "accept", "refuse"};
    return names[e];
}

/* What the EXPECTED column says: the close codes, "ignore" first where the
 * server may carry on, "4xx" for a refused upgrade. */
static void format_expected(char *buf, size_t cap, const struct probe_scenario *sc)
{
    uint16_t codes[4];
    size_t n = probe_expected_close(sc, codes), k = 0;
    enum probe_expect e = probe_expect(sc);
    buf[0] = '\0';
    if (e == PROBE_REFUSE) {
        snprintf(buf, cap, "HTTP 4xx");
        return;
    }
    if (e == PROBE_TOLERATE)
        k += (size_t)snprintf(buf, cap, "ignore");
    for (size_t i = 0; i < n && k < cap; i++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%u", k ? "/" : "", codes[i]);
}

static void format_observed(char *buf, size_t cap, const struct probe_result *r)
{
    const struct probe_judgement *j = &r->j;
    const char *name = probe_observed_name(j->observed);
    if (j->observed == PO_REFUSED || j->observed == PO_UPGRADED)
        snprintf(buf, cap, "HTTP %u", r->obs.http_status);
    else if (j->observed == PO_CLOSE && j->observed_close < 0)
        snprintf(buf, cap, "close (no code)");
    else if (j->observed == PO_CLOSE)
        snprintf(buf, cap, "close %d", j->observed_close);
    else if (j->observed == PO_NOT_RUN)
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%s", name);
}

static int name_width(void)
{
    int w = 8;
    for (size_t i = 0; i < probe_scenario_count; i++)
        if ((int)strlen(probe_scenarios[i].name) > w)
            w = (int)strlen(probe_scenarios[i].name);
    return w;
}

static int rule_width(void)
{
    int w = 4;
    for (size_t i = 0; i < probe_scenario_count; i++) {
        int n = (int)strlen(wsv_rule_get(probe_scenarios[i].rule)->id);
        w = n > w ? n : w;
    }
    return w;
}

void output_table_header(FILE *out)
{
    fprintf(out, "%-*s  %-*s  %-16s %-16s %-11s %s\n", name_width(), "SCENARIO", rule_width(),
            "RULE", "EXPECTED", "OBSERVED", "VERDICT", "NOTE");
}

void output_table_row(FILE *out, const struct probe_result *r)
{
    char expected[48], observed[48];
    format_expected(expected, sizeof expected, r->sc);
    format_observed(observed, sizeof observed, r);
    /* A reason says why a server failed; the echo of the probe's own Close
     * (on a legal row, or after carrying on) says nothing. */
    bool reason = r->obs.reason[0] && !r->sc->legal && r->j.observed == PO_CLOSE;
    fprintf(out, "%-*s  %-*s  %-16s %-16s %-*s%s", name_width(), r->sc->name, rule_width(),
            wsv_rule_get(r->sc->rule)->id, expected, observed, r->j.note[0] || reason ? 12 : 0,
            probe_verdict_name(r->j.verdict), r->j.note);
    if (reason)
        fprintf(out, "%sreason \"%s\"", r->j.note[0] ? "; " : "", r->obs.reason);
    fputc('\n', out);
}

/* A JSON string: quotes, backslashes and control characters escaped; the
 * bytes are UTF-8 already (reasons are made printable by the session). */
static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void json_key(FILE *out, const char *key, bool first)
{
    fprintf(out, "%s", first ? "{" : ", ");
    json_str(out, key);
    fputs(": ", out);
}

static void json_findings(FILE *out, const struct probe_handshake *hs)
{
    fputc('[', out);
    for (unsigned i = 0; i < hs->nfindings; i++) {
        fputs(i ? ", " : "", out);
        json_str(out, wsv_rule_get(hs->findings[i].rule)->id);
    }
    fputc(']', out);
}

void output_json(FILE *out, const struct probe_result *r)
{
    const struct probe_scenario *sc = r->sc;
    const struct wsv_rule_info *rule = wsv_rule_get(sc->rule);
    uint16_t codes[4];
    size_t n = probe_expected_close(sc, codes);
    json_key(out, "scenario", true);
    json_str(out, sc->name);
    json_key(out, "rule", false);
    json_str(out, rule->id);
    json_key(out, "rfc", false);
    json_str(out, rule->ref);
    json_key(out, "legal", false);
    fputs(sc->legal ? "true" : "false", out);
    json_key(out, "expect", false);
    json_str(out, expect_name(probe_expect(sc)));
    json_key(out, "expected_close", false);
    fputc('[', out);
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s%u", i ? ", " : "", codes[i]);
    fputc(']', out);
    json_key(out, "observed", false);
    json_str(out, probe_observed_name(r->j.observed));
    json_key(out, "observed_close", false);
    if (r->j.observed_close >= 0)
        fprintf(out, "%d", r->j.observed_close);
    else
        fputs("null", out);
    json_key(out, "reason", false);
    json_str(out, r->obs.reason);
    json_key(out, "http_status", false);
    if (r->obs.http_status)
        fprintf(out, "%u", r->obs.http_status);
    else
        fputs("null", out);
    json_key(out, "verdict", false);
    json_str(out, probe_verdict_name(r->j.verdict));
    json_key(out, "note", false);
    json_str(out, r->j.note);
    json_key(out, "frames_sent", false);
    fprintf(out, "%u", r->obs.sent);
    json_key(out, "breaking_frame", false);
    fprintf(out, "%d", r->obs.breaking);
    json_key(out, "client_port", false);
    fprintf(out, "%u", r->local_port);
    json_key(out, "server_rule", false);
    if (r->obs.server_rule >= 0)
        json_str(out, wsv_rule_get((enum wsv_rule)r->obs.server_rule)->id);
    else
        fputs("null", out);
    json_key(out, "handshake_findings", false);
    json_findings(out, &r->hs);
    json_key(out, "seconds", false);
    fprintf(out, "%.3f", r->seconds);
    json_key(out, "summary", false);
    json_str(out, sc->summary);
    fputs("}\n", out);
    fflush(out);
}

void output_scenario_list(FILE *out)
{
    fprintf(out, "%-*s  %-*s  %-9s %s\n", name_width(), "SCENARIO", rule_width(), "RULE", "EXPECT",
            "WHAT IS SENT");
    for (size_t i = 0; i < probe_scenario_count; i++) {
        const struct probe_scenario *sc = &probe_scenarios[i];
        fprintf(out, "%-*s  %-*s  %-9s %s%s\n", name_width(), sc->name, rule_width(),
                wsv_rule_get(sc->rule)->id, expect_name(probe_expect(sc)), sc->summary,
                sc->pmd ? " (needs permessage-deflate)" : "");
    }
}

const char *output_extensions(const struct probe_handshake *hs)
{
    return hs->res.extensions[0] ? hs->res.extensions : "none";
}

static void check_lines(FILE *out, const struct probe_config *cfg, const struct probe_check *c,
                        bool ok)
{
    const struct wsv_hs_result *res = &c->hs.res;
    fprintf(out, "connection: %s (%s port %u)%s%s\n", cfg->url->authority, cfg->net->addr_text,
            cfg->net->port, c->tls_info[0] ? ", " : "", c->tls_info);
    fprintf(out, "handshake:  %s\n", c->hs.status_line);
    fprintf(out, "  version:      13\n");
    fprintf(out, "  extensions:   %s\n", output_extensions(&c->hs));
    if (res->pmd.enabled)
        fprintf(out, "  deflate:      client window %u bits%s, server window %u bits%s\n",
                res->pmd.client_max_window_bits ? res->pmd.client_max_window_bits : 15,
                res->pmd.client_no_context_takeover ? " (no context takeover)" : "",
                res->pmd.server_max_window_bits ? res->pmd.server_max_window_bits : 15,
                res->pmd.server_no_context_takeover ? " (no context takeover)" : "");
    fprintf(out, "  subprotocol:  %s\n", res->subprotocol[0] ? res->subprotocol : "none");
    if (c->hs.nfindings == 0)
        fprintf(out, "  findings:     none\n");
    for (unsigned i = 0; i < c->hs.nfindings; i++) {
        const struct wsv_rule_info *r = wsv_rule_get(c->hs.findings[i].rule);
        fprintf(out, "  finding:      %s (%s): %s, %s\n", r->id, r->ref, r->statement,
                wsv_hs_why_str(c->hs.findings[i].why));
    }
    fprintf(out, "text:       sent%s; ", c->compressed ? " compressed" : "");
    if (c->echo)
        fprintf(out, "echoed %s in %.1f ms\n", c->echo_identical ? "identical" : "DIFFERENT",
                c->echo_ms);
    else
        fprintf(out, "no echo (not every server echoes)\n");
    if (c->pong)
        fprintf(out, "ping:       Pong with the same payload in %.1f ms\n", c->pong_ms);
    else
        fprintf(out, "ping:       NO Pong within %.1f s\n", cfg->timeout);
    if (c->close && c->close_has_code)
        fprintf(out, "close:      sent 1000, server answered %u%s%s%s\n", c->close_code,
                c->reason[0] ? " \"" : "", c->reason, c->reason[0] ? "\"" : "");
    else if (c->close)
        fprintf(out, "close:      sent 1000, server answered with a Close without a code\n");
    else
        fprintf(out, "close:      sent 1000, NO Close from the server\n");
    fprintf(out, "tcp:        %s\n",
            c->tcp_closed ? "closed by the server"
            : c->reset    ? "RESET by the server"
                       : "still open after the closing handshake (the server should close first)");
    if (c->server_violations)
        fprintf(out, "server:     %u frames; they break %s\n", c->server_frames,
                wsv_rule_get((enum wsv_rule)c->server_rule)->id);
    else
        fprintf(out, "server:     %u frames, no rule broken\n", c->server_frames);
    fprintf(out, "result:     %s\n", ok ? "ok" : "PROBLEMS (see above)");
}

void output_check(FILE *out, const struct probe_config *cfg, const struct probe_check *c, bool json,
                  bool ok)
{
    if (!json) {
        check_lines(out, cfg, c, ok);
        return;
    }
    const struct wsv_hs_result *res = &c->hs.res;
    json_key(out, "scenario", true);
    json_str(out, "connection");
    json_key(out, "status", false);
    fprintf(out, "%u", c->hs.status);
    json_key(out, "extensions", false);
    json_str(out, res->extensions);
    json_key(out, "subprotocol", false);
    json_str(out, res->subprotocol);
    json_key(out, "handshake_findings", false);
    json_findings(out, &c->hs);
    json_key(out, "echo", false);
    fputs(c->echo ? (c->echo_identical ? "\"identical\"" : "\"different\"") : "null", out);
    json_key(out, "pong", false);
    fputs(c->pong ? "true" : "false", out);
    json_key(out, "observed_close", false);
    if (c->close && c->close_has_code)
        fprintf(out, "%u", c->close_code);
    else
        fputs("null", out);
    json_key(out, "tcp_closed", false);
    fputs(c->tcp_closed ? "true" : "false", out);
    json_key(out, "server_rule", false);
    if (c->server_rule >= 0)
        json_str(out, wsv_rule_get((enum wsv_rule)c->server_rule)->id);
    else
        fputs("null", out);
    json_key(out, "verdict", false);
    json_str(out, ok ? "ok" : "problems");
    fputs("}\n", out);
}
