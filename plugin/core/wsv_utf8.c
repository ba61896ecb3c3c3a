/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Streaming UTF-8 validation (RFC 3629 / Unicode Table 3-7, the well-formed
 * byte sequences), as a DFA written for ws1002. Shift-based layout: each byte
 * value has a 64-bit row holding, in 6-bit fields, the next state of every
 * state, and a state is the bit position of its field. The row load does not
 * depend on the state, so the per-byte dependency chain is a single shift
 * (~1 cycle) instead of a table load (~5 cycles).
 */
#include "wsv/wsv.h"

#include <stdbool.h>
#include <string.h>

/* States, as bit positions (6 bits each; 9 states fit in 64 bits). Only
 * S_OK and S_BAD are visible outside, as WSV_UTF8_ACCEPT and
 * WSV_UTF8_REJECT; the others are passed through *state unchanged. */
enum {
    S_OK = 0,
    S_BAD = 6,
    S_N1 = 12, /* one continuation byte to go */
    S_N2 = 18, /* two to go */
    S_E0 = 24, /* after E0: next A0-BF (no overlongs) */
    S_ED = 30, /* after ED: next 80-9F (no surrogates) */
    S_N3 = 36, /* three to go */
    S_F0 = 42, /* after F0: next 90-BF (no overlongs) */
    S_F4 = 48, /* after F4: next 80-8F (nothing above U+10FFFF) */
};
/* Open-sequence states are multiples of 6, so WSV_UTF8_REJECT never aliases
 * one. */
_Static_assert((int)WSV_UTF8_ACCEPT == S_OK && (int)WSV_UTF8_REJECT % 6 != 0,
               "public UTF-8 states collide with internal ones");

/* A row: the next state from each state, for one byte class (Table 3-7 read
 * as transitions). */
#define ROW(ok, n1, n2, e0, ed, n3, f0, f4)                                                        \
    ((uint64_t)(ok) << S_OK | (uint64_t)S_BAD << S_BAD | (uint64_t)(n1) << S_N1 |                  \
     (uint64_t)(n2) << S_N2 | (uint64_t)(e0) << S_E0 | (uint64_t)(ed) << S_ED |                    \
     (uint64_t)(n3) << S_N3 | (uint64_t)(f0) << S_F0 | (uint64_t)(f4) << S_F4)
/* clang-format off */
/*                 from:  OK     N1     N2     E0     ED     N3     F0     F4 */
#define ASC  ROW(S_OK,  S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD) /* 00-7F */
#define C80  ROW(S_BAD, S_OK,  S_N1,  S_BAD, S_N1,  S_N2,  S_BAD, S_N2)  /* 80-8F */
#define C90  ROW(S_BAD, S_OK,  S_N1,  S_BAD, S_N1,  S_N2,  S_N2,  S_BAD) /* 90-9F */
#define CA0  ROW(S_BAD, S_OK,  S_N1,  S_N1,  S_BAD, S_N2,  S_N2,  S_BAD) /* A0-BF */
#define BAD  ROW(S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD) /* C0 C1 F5-FF */
#define L2   ROW(S_N1,  S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD) /* C2-DF */
#define E0   ROW(S_E0,  S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD) /* E0 */
#define L3   ROW(S_N2,  S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD) /* E1-EC EE EF */
#define ED   ROW(S_ED,  S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD) /* ED */
#define F0   ROW(S_F0,  S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD) /* F0 */
#define L4   ROW(S_N3,  S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD) /* F1-F3 */
#define F4   ROW(S_F4,  S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD) /* F4 */
#define X16(r) r, r, r, r, r, r, r, r, r, r, r, r, r, r, r, r
static const uint64_t rows[256] = {
    X16(ASC), X16(ASC), X16(ASC), X16(ASC), X16(ASC), X16(ASC), X16(ASC), X16(ASC), /* 00-7F */
    X16(C80), X16(C90), X16(CA0), X16(CA0),                                         /* 80-BF */
    BAD, BAD, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2,               /* C0-CF */
    X16(L2),                                                                        /* D0-DF */
    E0, L3, L3, L3, L3, L3, L3, L3, L3, L3, L3, L3, L3, ED, L3, L3,                 /* E0-EF */
    F0, L4, L4, L4, F4, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD, BAD,      /* F0-FF */
};
#undef X16
#undef ROW
/* clang-format on */

/* Eight bytes through the DFA, unrolled: the shift chain is the whole cost.
 * x86 and AArch64 shifts use the low 6 bits of the count, so the mask costs
 * nothing on the dependency chain. */
static inline uint64_t dfa8(uint64_t t, const uint8_t *p)
{
    t = rows[p[0]] >> (t & 63);
    t = rows[p[1]] >> (t & 63);
    t = rows[p[2]] >> (t & 63);
    t = rows[p[3]] >> (t & 63);
    t = rows[p[4]] >> (t & 63);
    t = rows[p[5]] >> (t & 63);
    t = rows[p[6]] >> (t & 63);
    t = rows[p[7]] >> (t & 63);
    return t & 63;
}

static inline bool ascii16(const uint8_t *p)
{
    uint64_t a, b;
    memcpy(&a, p, 8);
    memcpy(&b, p + 8, 8);
    return ((a | b) & 0x8080808080808080ull) == 0;
}

static inline bool ascii8(const uint8_t *p)
{
    uint64_t a;
    memcpy(&a, p, 8);
    return (a & 0x8080808080808080ull) == 0;
}

size_t wsv_utf8_validate(uint32_t *state, const uint8_t *p, size_t len)
{
    const uint8_t *q = p, *end = p + len;
    uint64_t s = *state;

    if (s == WSV_UTF8_REJECT)
        return 0;
    /* Eight bytes at a time: skipped while ASCII and no sequence is open,
     * else through the DFA. S_BAD is absorbing, so the first invalid byte
     * is looked for only once a block failed. */
    while (end - q >= 8) {
        if (s == S_OK) {
            while (end - q >= 16 && ascii16(q))
                q += 16;
            if (end - q >= 8 && ascii8(q)) {
                q += 8;
                continue;
            }
            if (end - q < 8)
                break;
        }
        uint64_t t = dfa8(s, q);
        if (t == S_BAD)
            break;
        s = t;
        q += 8;
    }
    for (; q < end; q++) {
        s = rows[*q] >> s & 63;
        if (s == S_BAD) {
            *state = WSV_UTF8_REJECT;
            return (size_t)(q - p);
        }
    }
    *state = (uint32_t)s;
    return len;
}
