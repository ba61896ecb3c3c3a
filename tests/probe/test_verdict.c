/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws1002-probe's verdicts without a server: each observation a real server
 * could produce, judged against the scenario's rule (tools/probe/verdict.h
 * says what every verdict means). The live servers in probe_test.py only
 * show some of them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "verdict.h"

static const struct probe_scenario *row(const char *name)
{
    for (size_t i = 0; i < probe_scenario_count; i++)
        if (strcmp(probe_scenarios[i].name, name) == 0)
            return &probe_scenarios[i];
    fail_msg("no scenario %s", name);
    return NULL;
}

/* An observation: the scenario's frames all sent, then the given events. */
static struct probe_obs sent(const struct probe_scenario *sc)
{
    struct probe_obs o = {.breaking = -1, .server_rule = -1};
    o.sent = probe_frame_count(sc);
    for (unsigned i = 0; i < o.sent; i++) {
        if (sc->frames[i].breaks && o.breaking < 0)
            o.breaking = (int)i;
        o.sent_close |= sc->frames[i].opcode == WSV_OP_CLOSE;
    }
    return o;
}

static struct probe_obs closed(const struct probe_scenario *sc, int code)
{
    struct probe_obs o = sent(sc);
    o.close = true;
    o.close_has_code = code >= 0;
    o.close_code = code >= 0 ? (uint16_t)code : 0;
    o.close_after = o.sent;
    return o;
}

static void expect(const char *name, struct probe_obs o, enum probe_verdict v,
                   enum probe_observed obs)
{
    struct probe_judgement j;
    probe_judge(row(name), &o, &j);
    if (j.verdict != v || j.observed != obs)
        fail_msg("%s: %s/%s (%s), expected %s/%s", name, probe_verdict_name(j.verdict),
                 probe_observed_name(j.observed), j.note, probe_verdict_name(v),
                 probe_observed_name(obs));
}

/* A must-fail rule: its close code, a drop (RFC 6455 §7.1.7), or worse. */
static void test_verdict_must_fail(void **state)
{
    (void)state;
    const struct probe_scenario *sc = row("rsv2-text");
    expect("rsv2-text", closed(sc, 1002), PV_OK, PO_CLOSE);
    expect("rsv2-text", closed(sc, 1009), PV_WRONG_CODE, PO_CLOSE);
    expect("rsv2-text", closed(sc, -1), PV_WRONG_CODE, PO_CLOSE);
    struct probe_obs o = sent(sc);
    o.eof = true;
    expect("rsv2-text", o, PV_OK, PO_TCP_CLOSE);
    o = sent(sc);
    o.reset = true;
    expect("rsv2-text", o, PV_UNCLEAN, PO_RESET);
    o = sent(sc);
    o.pong_after = true;
    expect("rsv2-text", o, PV_IGNORED, PO_CARRIED_ON);
    o = closed(sc, 1000);
    o.message_after = true; /* echoed, then answered the probe's Close */
    expect("rsv2-text", o, PV_IGNORED, PO_CARRIED_ON);
    expect("rsv2-text", sent(sc), PV_NO_ANSWER, PO_NONE);
}

/* The rule table's alternatives are acceptable, not preferred; so is
 * failing only after the frames that follow the offending one. */
static void test_verdict_non_strict(void **state)
{
    (void)state;
    expect("len64-msb", closed(row("len64-msb"), 1009), PV_NON_STRICT, PO_CLOSE);
    expect("len64-msb", closed(row("len64-msb"), 1002), PV_OK, PO_CLOSE);
    expect("pmd-bad-deflate", closed(row("pmd-bad-deflate"), 1010), PV_NON_STRICT, PO_CLOSE);
    const struct probe_scenario *sc = row("text-utf8-invalid-frag");
    struct probe_obs o = closed(sc, 1007);
    expect("text-utf8-invalid-frag", o, PV_NON_STRICT, PO_CLOSE); /* after frame 3 of 3 */
    o.close_after = 2;
    expect("text-utf8-invalid-frag", o, PV_OK, PO_CLOSE); /* on the bad fragment */
}

/* A bad Close answered as if it were good was not acted on. */
static void test_verdict_close_code_accepted_is_ignored(void **state)
{
    (void)state;
    expect("close-1005", closed(row("close-1005"), 1005), PV_IGNORED, PO_CLOSE);
    expect("close-1005", closed(row("close-1005"), 1000), PV_IGNORED, PO_CLOSE);
    expect("close-1005", closed(row("close-1005"), -1), PV_IGNORED, PO_CLOSE);
    expect("close-1005", closed(row("close-1005"), 1002), PV_OK, PO_CLOSE);
    expect("close-reason-utf8", closed(row("close-reason-utf8"), 1000), PV_IGNORED, PO_CLOSE);
    expect("close-reason-utf8", closed(row("close-reason-utf8"), 1002), PV_NON_STRICT, PO_CLOSE);
}

/* A sender warning: ignoring is fine, failing with a listed code too. */
static void test_verdict_sender_warning(void **state)
{
    (void)state;
    /* Close codes >= 5000 are must-fail by default (RFC 6455 defines codes up
     * to 4999): an echo accepts them. */
    const struct probe_scenario *sc = row("close-5000");
    expect("close-5000", closed(sc, 5000), PV_IGNORED, PO_CLOSE);
    expect("close-5000", closed(sc, 1002), PV_OK, PO_CLOSE);
    expect("close-5000", closed(sc, 1011), PV_WRONG_CODE, PO_CLOSE);
    struct probe_obs o = sent(sc);
    o.eof = true;
    expect("close-5000", o, PV_OK, PO_TCP_CLOSE);
    o = sent(row("len16-ping"));
    o.pong_after = true;
    expect("len16-ping", o, PV_OK, PO_CARRIED_ON);
    expect("len16-ping", closed(row("len16-ping"), 1002), PV_OK, PO_CLOSE);
    expect("len16-ping", closed(row("len16-ping"), 1009), PV_WRONG_CODE, PO_CLOSE);
    expect("text-after-close", closed(row("text-after-close"), 1000), PV_OK, PO_CLOSE);
    expect("len16-ping", sent(row("len16-ping")), PV_NO_ANSWER, PO_NONE);
}

/* A legal look-alike must be carried on and closed normally; rejecting a
 * code registered after RFC 6455 is a legacy receiver (rules.md §4.6). */
static void test_verdict_legal(void **state)
{
    (void)state;
    expect("legal-close-3000", closed(row("legal-close-3000"), 3000), PV_OK, PO_CLOSE);
    expect("legal-close-3000", closed(row("legal-close-3000"), 1000), PV_OK, PO_CLOSE);
    expect("legal-close-3000", closed(row("legal-close-3000"), -1), PV_OK, PO_CLOSE);
    expect("legal-close-3000", closed(row("legal-close-3000"), 1002), PV_WRONG_CODE, PO_CLOSE);
    expect("legal-close-1012", closed(row("legal-close-1012"), 1002), PV_NON_STRICT, PO_CLOSE);
    expect("legal-close-1011", closed(row("legal-close-1011"), 1002), PV_WRONG_CODE, PO_CLOSE);
    struct probe_obs o = closed(row("legal-ping-125"), 1000);
    o.pings = 1;
    expect("legal-ping-125", o, PV_NO_ANSWER, PO_CLOSE);
    o.pongs_matched = 1;
    expect("legal-ping-125", o, PV_OK, PO_CLOSE);
    o = sent(row("legal-codepoint-split"));
    o.reset = true;
    expect("legal-codepoint-split", o, PV_UNCLEAN, PO_RESET);
    o.reset = false;
    o.eof = true;
    expect("legal-codepoint-split", o, PV_UNCLEAN, PO_TCP_CLOSE);
}

/* A bad opening request: an HTTP error with the versions the server
 * speaks (RFC 6455 §4.4). */
static void test_verdict_version(void **state)
{
    (void)state;
    struct probe_obs o = {.breaking = -1, .server_rule = -1, .http_status = 426};
    o.versions_listed = true;
    expect("version-8", o, PV_OK, PO_REFUSED);
    o.versions_listed = false;
    expect("version-8", o, PV_NON_STRICT, PO_REFUSED);
    o.http_status = 101;
    expect("version-8", o, PV_IGNORED, PO_UPGRADED);
    o.http_status = 200;
    expect("version-8", o, PV_WRONG_CODE, PO_REFUSED);
    o.http_status = 0;
    o.eof = true;
    expect("version-8", o, PV_UNCLEAN, PO_TCP_CLOSE);
    o.eof = false;
    expect("version-8", o, PV_NO_ANSWER, PO_NONE);
}

/* The expected codes come from the rule table, never from the row. */
static void test_verdict_expected_close_from_rule_table(void **state)
{
    (void)state;
    uint16_t c[4];
    assert_int_equal(probe_expected_close(row("rsv2-text"), c), 1);
    assert_int_equal(c[0], wsv_rule_get(WSV_R_FRAME_RSV_NONZERO)->close);
    assert_int_equal(probe_expected_close(row("pmd-bad-deflate"), c), 3);
    assert_int_equal(c[2], wsv_rule_get(WSV_R_PMD_DECOMPRESS_FAIL)->close_alt[1]);
    assert_int_equal(probe_expected_close(row("close-5000"), c), 1);
    assert_int_equal(c[0], 1002);
    assert_int_equal(probe_expected_close(row("legal-close-4999"), c), 2);
    assert_int_equal(c[1], 4999);
    assert_int_equal(probe_expected_close(row("version-missing"), c), 0);
    struct probe_obs o = {.skipped = true};
    expect("legal-pmd", o, PV_SKIPPED, PO_NOT_RUN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verdict_must_fail),
        cmocka_unit_test(test_verdict_non_strict),
        cmocka_unit_test(test_verdict_close_code_accepted_is_ignored),
        cmocka_unit_test(test_verdict_sender_warning),
        cmocka_unit_test(test_verdict_legal),
        cmocka_unit_test(test_verdict_version),
        cmocka_unit_test(test_verdict_expected_close_from_rule_table),
    };
    return cmocka_run_group_tests_name("verdict", tests, NULL, NULL);
}
