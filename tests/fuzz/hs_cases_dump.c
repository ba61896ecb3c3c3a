/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Prints the handshake unit cases (tests/unit/cases_handshake.c) for
 * seed-corpus.py, which turns them into fuzz_handshake seeds: one line per
 * case, "<rule id>-<fires|silent>[-<suffix>] <request hex> <response hex>",
 * a missing head as "-". Built and run by seed-corpus.py only, so that the
 * seeds exercise every handshake rule without a second copy of the cases.
 */
#include <stdio.h>
#include <string.h>

#include "test_handshake.h"

static void hex(const char *s)
{
    if (!s || !*s) {
        fputs(" -", stdout);
        return;
    }
    putchar(' ');
    for (size_t i = 0; s[i]; i++)
        printf("%02x", (unsigned char)s[i]);
}

int main(void)
{
    for (size_t i = 0; i < hs_count; i++) {
        const struct hs_case *c = &hs_cases[i];
        const struct wsv_rule_info *ri = wsv_rule_get(c->rule);
        printf("%s-%s%s%s", ri ? ri->id : "rule", c->kind == TC_FIRES ? "fires" : "silent",
               c->suffix && *c->suffix ? "-" : "", c->suffix ? c->suffix : "");
        hex(c->req);
        hex(c->resp);
        putchar('\n');
    }
    return 0;
}
