/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The rule table as the core exposes it: every row of wsv_rules.def comes
 * back unchanged through wsv_rule_get(), IDs are stable-looking and unique,
 * lookups round-trip.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <wsv/wsv.h>

#include "tests.h"

static void test_rules_table_matches_def(void **state)
{
    (void)state;
    unsigned rows = 0;
#define WSV_RULE(name, id_, rfc_, sec, close_, alt1, alt2, sev, chk, needs_, impl_, text)          \
    do {                                                                                           \
        const struct wsv_rule_info *ri = wsv_rule_get(WSV_R_##name);                               \
        assert_non_null(ri);                                                                       \
        assert_string_equal(ri->id, id_);                                                          \
        assert_string_equal(ri->enum_name, #name);                                                 \
        assert_int_equal(ri->rfc, rfc_);                                                           \
        assert_string_equal(ri->section, sec);                                                     \
        assert_int_equal(ri->close, close_);                                                       \
        assert_int_equal(ri->close_alt[0], alt1);                                                  \
        assert_int_equal(ri->close_alt[1], alt2);                                                  \
        assert_int_equal(ri->severity, WSV_SEV_##sev);                                             \
        assert_int_equal(ri->checker, WSV_CHK_##chk);                                              \
        assert_int_equal(ri->needs, WSV_NEEDS_##needs_);                                           \
        assert_int_equal(ri->impl, WSV_IMPL_##impl_);                                              \
        assert_string_equal(ri->statement, text);                                                  \
        rows++;                                                                                    \
    } while (0);
#include <wsv/wsv_rules.def>
#undef WSV_RULE
    assert_int_equal(rows, WSV_RULE_COUNT);
}

static void test_rules_get_out_of_range(void **state)
{
    (void)state;
    assert_null(wsv_rule_get(WSV_RULE_COUNT));
    assert_null(wsv_rule_get((enum wsv_rule)(WSV_RULE_COUNT + 7)));
}

/* IDs are lower-case words joined by single dashes, and the enum name is the
 * same words in upper case joined by underscores. */
static void test_rules_ids_lower_case_dash(void **state)
{
    (void)state;
    for (unsigned r = 0; r < WSV_RULE_COUNT; r++) {
        const struct wsv_rule_info *ri = wsv_rule_get(r);
        assert_non_null(ri);
        const char *id = ri->id;
        size_t n = strlen(id);
        assert_true(n > 0);
        if (id[0] == '-' || id[n - 1] == '-' || strstr(id, "--"))
            fail_msg("rule %u: id '%s' has a stray dash", r, id);
        for (size_t i = 0; i < n; i++) {
            char c = id[i];
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
                fail_msg("rule %u: id '%s' has '%c'", r, id, c);
            char e = ri->enum_name[i];
            char want = c == '-' ? '_' : (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
            if (e != want)
                fail_msg("rule %u: enum name %s does not match id %s", r, ri->enum_name, id);
        }
        assert_int_equal(ri->enum_name[n], '\0');
    }
}

static void test_rules_ids_unique(void **state)
{
    (void)state;
    for (unsigned a = 0; a < WSV_RULE_COUNT; a++)
        for (unsigned b = a + 1; b < WSV_RULE_COUNT; b++)
            if (strcmp(wsv_rule_get(a)->id, wsv_rule_get(b)->id) == 0)
                fail_msg("rules %u and %u share the id %s", a, b, wsv_rule_get(a)->id);
}

static void test_rules_ref_strings(void **state)
{
    (void)state;
    for (unsigned r = 0; r < WSV_RULE_COUNT; r++) {
        const struct wsv_rule_info *ri = wsv_rule_get(r);
        char want[64];
        snprintf(want, sizeof(want), "RFC %u \xc2\xa7%s", ri->rfc, ri->section);
        assert_string_equal(ri->ref, want);
        assert_true(ri->rfc == 6455 || ri->rfc == 7692);
        assert_true(strspn(ri->section, "0123456789.") == strlen(ri->section));
        assert_true(ri->section[0] >= '1' && ri->section[0] <= '9');
        assert_true(strlen(ri->statement) > 10);
    }
    assert_string_equal(wsv_rule_get(WSV_R_FRAME_RSV_NONZERO)->ref, "RFC 6455 \xc2\xa7"
                                                                    "5.2");
    assert_string_equal(wsv_rule_get(WSV_R_PMD_RSV1_ON_CONTROL)->ref, "RFC 7692 \xc2\xa7"
                                                                      "6.1");
}

static void test_rules_by_id_round_trips(void **state)
{
    (void)state;
    for (unsigned r = 0; r < WSV_RULE_COUNT; r++) {
        const char *id = wsv_rule_get(r)->id;
        assert_int_equal(wsv_rule_by_id(id), r);
        /* A copy, so that the lookup compares text, not pointers. */
        char copy[96];
        snprintf(copy, sizeof(copy), "%s", id);
        assert_int_equal(wsv_rule_by_id(copy), r);
        /* Neither a prefix nor an extension of an ID is that ID. */
        copy[strlen(copy) - 1] = 0;
        assert_true(wsv_rule_by_id(copy) != (enum wsv_rule)r);
        snprintf(copy, sizeof(copy), "%sx", id);
        assert_int_equal(wsv_rule_by_id(copy), WSV_RULE_COUNT);
    }
    assert_int_equal(wsv_rule_by_id("no-such-rule"), WSV_RULE_COUNT);
    assert_int_equal(wsv_rule_by_id(""), WSV_RULE_COUNT);
    assert_int_equal(wsv_rule_by_id("FRAME_RSV_NONZERO"), WSV_RULE_COUNT);
    assert_int_equal(wsv_rule_by_id("frame-rsv-nonzero"), WSV_R_FRAME_RSV_NONZERO);
}

static void test_rules_close_ok(void **state)
{
    (void)state;
    static const uint16_t probe[] = {1000, 1001, 1002, 1003, 1007, 1008,
                                     1009, 1010, 1011, 3000, 4000};
    for (unsigned r = 0; r < WSV_RULE_COUNT; r++) {
        const struct wsv_rule_info *ri = wsv_rule_get(r);
        if (ri->close == 0 && ri->close_alt[0] == 0)
            continue; /* no close expected: nothing to judge a reaction by */
        if (ri->close)
            assert_true(wsv_rule_close_ok(r, ri->close));
        for (int k = 0; k < 2; k++)
            if (ri->close_alt[k])
                assert_true(wsv_rule_close_ok(r, ri->close_alt[k]));
        if (ri->close == 0)
            continue; /* a warning: closing or not, the receiver is fine */
        for (size_t i = 0; i < sizeof(probe) / sizeof(probe[0]); i++) {
            uint16_t c = probe[i];
            bool listed = c == ri->close || c == ri->close_alt[0] || c == ri->close_alt[1];
            if (wsv_rule_close_ok(r, c) != listed)
                fail_msg("%s: close_ok(%u) = %d", ri->id, c, !listed);
        }
    }
    /* Spot checks from docs/rules.md: 1009 is fine for a 2^63 length, 1007
     * or 1002 for bad UTF-8, 1003 (websocket-driver) for an unmasked
     * client frame. */
    assert_true(wsv_rule_close_ok(WSV_R_LEN_64BIT_MSB, 1009));
    assert_true(wsv_rule_close_ok(WSV_R_TEXT_UTF8_INVALID, 1007));
    assert_true(wsv_rule_close_ok(WSV_R_TEXT_UTF8_INVALID, 1002));
    assert_false(wsv_rule_close_ok(WSV_R_TEXT_UTF8_INVALID, 1000));
    assert_true(wsv_rule_close_ok(WSV_R_FRAME_UNMASKED_CLIENT, 1003));
    assert_false(wsv_rule_close_ok(WSV_R_FRAME_RSV_NONZERO, 1007));
}

/* Only a must-fail rule names a close code, and every rule the core judges
 * as must-fail does name one. */
static void test_rules_severity_and_close(void **state)
{
    (void)state;
    for (unsigned r = 0; r < WSV_RULE_COUNT; r++) {
        const struct wsv_rule_info *ri = wsv_rule_get(r);
        if (ri->severity != WSV_SEV_ERROR && ri->close != 0)
            fail_msg("%s: not an error, yet close %u", ri->id, ri->close);
        if (ri->severity == WSV_SEV_ERROR && ri->impl == WSV_IMPL_CORE && ri->close == 0)
            fail_msg("%s: a core error without a close code", ri->id);
        if (ri->needs == WSV_NEEDS_ROLE && ri->checker != WSV_CHK_C && ri->checker != WSV_CHK_S)
            fail_msg("%s: depends on the role, yet checked by both sides", ri->id);
        if (strncmp(ri->id, "pmd-", 4) == 0 && ri->rfc != 7692)
            fail_msg("%s: a permessage-deflate rule outside RFC 7692", ri->id);
    }
}

int run_rules_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules_table_matches_def),
        cmocka_unit_test(test_rules_get_out_of_range),
        cmocka_unit_test(test_rules_ids_lower_case_dash),
        cmocka_unit_test(test_rules_ids_unique),
        cmocka_unit_test(test_rules_ref_strings),
        cmocka_unit_test(test_rules_by_id_round_trips),
        cmocka_unit_test(test_rules_close_ok),
        cmocka_unit_test(test_rules_severity_and_close),
    };
    return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
