/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Handshake cases: an opening request, optionally the server's response, and
 * the complete list of violations they must produce. Offsets are written as
 * the text they point at, so a case reads like the message it checks.
 */
#ifndef WSV_TEST_HANDSHAKE_H
#define WSV_TEST_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wsv/wsv_handshake.h>

#include "harness.h"

struct hs_expect {
    bool set;
    enum wsv_rule rule;
    bool resp; /* reported on the response (else the request) */
    /* The violation starts where this text starts in the message (it must
     * occur there exactly once, or at least nth times if nth > 1); NULL: the
     * start of the start line, where most missing headers are reported. */
    const char *at;
    unsigned nth;
    int delta; /* added to the offset of at */
    enum wsv_hs_why why;
    bool has_detail;
    uint64_t detail;
};

#define HS_MAX_V 8

struct hs_case {
    enum wsv_rule rule; /* the rule this case pins */
    enum tc_kind kind;
    const char *suffix; /* test_<rule id>_<fires|silent>[_<suffix>] */
    const char *req;    /* the request head; NULL: not captured */
    const char *resp;   /* the response head; NULL: none */
    struct hs_expect v[HS_MAX_V];
    /* Optional expectations on the result (NULL: not checked). pmd reads
     * "off" or "on[ snct][ cnct][ smwb=N][ cmwb=N]". */
    const char *pmd;
    const char *extensions;
    const char *subprotocol;
    const char *versions;
};

/* Expected violation on the request or the response. */
#define RQ(r, text, w, ...)                                                                        \
    {                                                                                              \
        .set = true, .rule = WSV_R_##r, .resp = false, .at = (text), .why = WSV_HS_WHY_##w,        \
        __VA_ARGS__                                                                                \
    }
#define RS(r, text, w, ...)                                                                        \
    {                                                                                              \
        .set = true, .rule = WSV_R_##r, .resp = true, .at = (text), .why = WSV_HS_WHY_##w,         \
        __VA_ARGS__                                                                                \
    }
/* DETAIL(x) comes from harness.h. */
#define NTH(n)  .nth = (n)
#define PLUS(d) .delta = (d)

extern const struct hs_case hs_cases[];
extern const size_t hs_count;

/* Case counts per rule, for the coverage test; names as the tests are named. */
void hs_count_cases(unsigned fires[], unsigned silent[]);
void hs_case_name(const struct hs_case *tc, char *buf, size_t len);

/* The handshake group of wsv_unit (cases and hand-written tests). */
int run_handshake_tests(void);

#endif
