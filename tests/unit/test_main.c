/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the validator core. Usage:
 * wsv_unit [cases|rules|stream|handshake|session|forensics|encode] (default: all groups).
 * Every case of
 * the case tables becomes one cmocka test named after the rule it pins; the
 * coverage test walks the rule table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wsv/wsv_handshake.h>

#include "harness.h"
#include "test_handshake.h"
#include "test_session.h"
#include "tests.h"

static const struct {
    const struct tcase *cases;
    const size_t *count;
} tables[] = {
    {tc_frame_cases, &tc_frame_count},
    {tc_close_cases, &tc_close_count},
    {tc_utf8_cases, &tc_utf8_count},
    {tc_state_cases, &tc_state_count},
};
#define NTABLES (sizeof(tables) / sizeof(tables[0]))

static void run_case(void **state)
{
    tc_run(*state);
}

/* Every rule of the table has a case where it fires and a legal look-alike
 * where it stays silent: the frame validator's in the case tables, the
 * handshake module's in hs_cases, the session's in sx_cases. None is
 * exempt. */
static void test_coverage_every_rule_both_ways(void **state)
{
    (void)state;
    unsigned fires[WSV_RULE_COUNT] = {0}, silent[WSV_RULE_COUNT] = {0};
    for (size_t t = 0; t < NTABLES; t++)
        for (size_t i = 0; i < *tables[t].count; i++) {
            const struct tcase *tc = &tables[t].cases[i];
            assert_true(tc->rule < WSV_RULE_COUNT);
            (tc->kind == TC_FIRES ? fires : silent)[tc->rule]++;
        }
    hs_count_cases(fires, silent);
    sx_count_cases(fires, silent);

    unsigned missing = 0, nf = 0, ns = 0;
    for (unsigned r = 0; r < WSV_RULE_COUNT; r++) {
        if (!fires[r] || !silent[r]) {
            print_message("    MISSING for %s: %s%s\n", wsv_rule_get(r)->id,
                          fires[r] ? "" : "FIRES case ", silent[r] ? "" : "SILENT case");
            missing++;
        }
        nf += fires[r];
        ns += silent[r];
    }
    print_message("    %u cases (%u fire, %u silent); %u rules, every one covered both ways\n",
                  nf + ns, nf, ns, WSV_RULE_COUNT);
    assert_int_equal(missing, 0);
}

/* Test names are how a failure is found again: no two alike. */
static void test_coverage_case_names_unique(void **state)
{
    (void)state;
    size_t n = hs_count + sx_count;
    for (size_t t = 0; t < NTABLES; t++)
        n += *tables[t].count;
    char(*names)[160] = calloc(n, sizeof(*names));
    assert_non_null(names);
    size_t k = 0;
    for (size_t t = 0; t < NTABLES; t++)
        for (size_t i = 0; i < *tables[t].count; i++)
            tc_name(&tables[t].cases[i], names[k++], sizeof(names[0]));
    for (size_t i = 0; i < hs_count; i++)
        hs_case_name(&hs_cases[i], names[k++], sizeof(names[0]));
    for (size_t i = 0; i < sx_count; i++)
        sx_case_name(&sx_cases[i], names[k++], sizeof(names[0]));
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(names[i], names[j]) == 0)
                fail_msg("duplicate case name %s", names[i]);
    free(names);
}

static int run_cases(void)
{
    size_t n = 0;
    for (size_t t = 0; t < NTABLES; t++)
        n += *tables[t].count;
    struct CMUnitTest *tests = calloc(n + 2, sizeof(*tests));
    char(*names)[160] = calloc(n, sizeof(*names));
    if (!tests || !names)
        return 1;
    size_t k = 0;
    tests[k].name = "test_coverage_every_rule_both_ways";
    tests[k++].test_func = test_coverage_every_rule_both_ways;
    tests[k].name = "test_coverage_case_names_unique";
    tests[k++].test_func = test_coverage_case_names_unique;
    for (size_t t = 0; t < NTABLES; t++)
        for (size_t i = 0; i < *tables[t].count; i++) {
            const struct tcase *tc = &tables[t].cases[i];
            tc_name(tc, names[k - 2], sizeof(names[0]));
            tests[k].name = names[k - 2];
            tests[k].test_func = run_case;
            tests[k].initial_state = (void *)tc;
            k++;
        }
    int rc = _cmocka_run_group_tests("cases", tests, k, NULL, NULL);
    free(tests);
    free(names);
    return rc;
}

int main(int argc, char **argv)
{
    const char *group = argc > 1 ? argv[1] : "all";
    bool all = strcmp(group, "all") == 0;
    int rc = 0, ran = 0;
    if (all || strcmp(group, "cases") == 0) {
        rc |= run_cases();
        ran++;
    }
    if (all || strcmp(group, "rules") == 0) {
        rc |= run_rules_tests();
        ran++;
    }
    if (all || strcmp(group, "stream") == 0) {
        rc |= run_stream_tests();
        ran++;
    }
    if (all || strcmp(group, "handshake") == 0) {
        rc |= run_handshake_tests();
        ran++;
    }
    if (all || strcmp(group, "session") == 0) {
        rc |= run_session_tests();
        ran++;
    }
    if (all || strcmp(group, "forensics") == 0) {
        rc |= run_forensics_tests();
        ran++;
    }
    if (all || strcmp(group, "encode") == 0) {
        rc |= run_encode_tests();
        ran++;
    }
    if (!ran) {
        fprintf(stderr, "usage: %s [all|cases|rules|stream|handshake|session|forensics|encode]\n",
                argv[0]);
        return 2;
    }
    return rc ? 1 : 0;
}
