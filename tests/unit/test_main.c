/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the validator core. Usage:
 * wsv_unit [cases|rules|stream|handshake|forensics|encode] (default: all groups). Every case of
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

/* Every rule the core or the handshake module judges has a case where it
 * fires and a legal look-alike where it stays silent; the other rules are
 * judged elsewhere and tested there. */
static void test_coverage_every_core_rule_both_ways(void **state)
{
    (void)state;
    static const enum wsv_impl impl[] = {
#define WSV_RULE(name, id, rfc, sec, close, alt1, alt2, sev, chk, needs, im, text) WSV_IMPL_##im,
#include <wsv/wsv_rules.def>
#undef WSV_RULE
    };
    static const char *const ids[] = {
#define WSV_RULE(name, id, rfc, sec, close, alt1, alt2, sev, chk, needs, im, text) id,
#include <wsv/wsv_rules.def>
#undef WSV_RULE
    };
    unsigned fires[WSV_RULE_COUNT] = {0}, silent[WSV_RULE_COUNT] = {0};
    for (size_t t = 0; t < NTABLES; t++)
        for (size_t i = 0; i < *tables[t].count; i++) {
            const struct tcase *tc = &tables[t].cases[i];
            assert_true(tc->rule < WSV_RULE_COUNT);
            (tc->kind == TC_FIRES ? fires : silent)[tc->rule]++;
        }
    hs_count_cases(fires, silent);

    unsigned missing = 0, both = 0, exempt = 0;
    for (unsigned r = 0; r < WSV_RULE_COUNT; r++) {
        if (impl[r] != WSV_IMPL_CORE && !wsv_hs_judges(r)) {
            print_message("    exempt (judged outside the core and the handshake module): %s\n",
                          ids[r]);
            exempt++;
            continue;
        }
        if (!fires[r] || !silent[r]) {
            print_message("    MISSING for %s: %s%s\n", ids[r], fires[r] ? "" : "FIRES case ",
                          silent[r] ? "" : "SILENT case");
            missing++;
        } else {
            both++;
        }
    }
    unsigned nf = 0, ns = 0;
    for (unsigned r = 0; r < WSV_RULE_COUNT; r++)
        nf += fires[r], ns += silent[r];
    print_message("    %u cases (%u fire, %u silent); %u core and handshake rules covered both "
                  "ways, %u exempt\n",
                  nf + ns, nf, ns, both, exempt);
    assert_int_equal(missing, 0);
    assert_true(both > 0);
}

/* Test names are how a failure is found again: no two alike. */
static void test_coverage_case_names_unique(void **state)
{
    (void)state;
    size_t n = hs_count;
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
    tests[k].name = "test_coverage_every_core_rule_both_ways";
    tests[k++].test_func = test_coverage_every_core_rule_both_ways;
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
    if (all || strcmp(group, "forensics") == 0) {
        rc |= run_forensics_tests();
        ran++;
    }
    if (all || strcmp(group, "encode") == 0) {
        rc |= run_encode_tests();
        ran++;
    }
    if (!ran) {
        fprintf(stderr, "usage: %s [all|cases|rules|stream|handshake|forensics|encode]\n", argv[0]);
        return 2;
    }
    return rc ? 1 : 0;
}
