/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Streaming UTF-8 validation (RFC 3629 / Unicode Table 3-7, the well-formed
 * byte sequences), as a DFA written for ws1002. A state is a row offset into
 * the transition table, so one byte costs two loads and an add.
 */
#include "wsv/wsv.h"

#include <string.h>

/* Byte classes: which continuation ranges and lead bytes Table 3-7 tells
 * apart. */
enum {
    A,  /* 00-7F */
    K8, /* 80-8F */
    K9, /* 90-9F */
    KA, /* A0-BF */
    XX, /* C0 C1 F5-FF: never valid */
    L2, /* C2-DF */
    E0, /* E0: next A0-BF (no overlongs) */
    L3, /* E1-EC EE EF */
    ED, /* ED: next 80-9F (no surrogates) */
    F0, /* F0: next 90-BF (no overlongs) */
    L4, /* F1-F3 */
    F4, /* F4: next 80-8F (nothing above U+10FFFF) */
};

/* States, as row offsets (16 columns a row). */
enum {
    S_OK = WSV_UTF8_ACCEPT,
    S_BAD = WSV_UTF8_REJECT,
    S_N1 = 32,  /* one continuation byte to go */
    S_N2 = 48,  /* two to go */
    S_E0 = 64,  /* after E0 */
    S_ED = 80,  /* after ED */
    S_N3 = 96,  /* three to go */
    S_F0 = 112, /* after F0 */
    S_F4 = 128, /* after F4 */
};

/* Byte classes, one row per high nibble. */
/* clang-format off */
static const uint8_t cls[256] = {
    A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, /* 00-0F */
    A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, /* 10-1F */
    A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, /* 20-2F */
    A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, /* 30-3F */
    A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, /* 40-4F */
    A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, /* 50-5F */
    A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, /* 60-6F */
    A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, A, /* 70-7F */
    K8, K8, K8, K8, K8, K8, K8, K8, K8, K8, K8, K8, K8, K8, K8, K8, /* 80-8F */
    K9, K9, K9, K9, K9, K9, K9, K9, K9, K9, K9, K9, K9, K9, K9, K9, /* 90-9F */
    KA, KA, KA, KA, KA, KA, KA, KA, KA, KA, KA, KA, KA, KA, KA, KA, /* A0-AF */
    KA, KA, KA, KA, KA, KA, KA, KA, KA, KA, KA, KA, KA, KA, KA, KA, /* B0-BF */
    XX, XX, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, /* C0-CF */
    L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, L2, /* D0-DF */
    E0, L3, L3, L3, L3, L3, L3, L3, L3, L3, L3, L3, L3, ED, L3, L3, /* E0-EF */
    F0, L4, L4, L4, F4, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, XX, /* F0-FF */
};

/* next[state + class]: Table 3-7 read as transitions. */
#define ROW(a, k8, k9, ka, xx, l2, e0, l3, ed, f0, l4, f4)                                       \
    a, k8, k9, ka, xx, l2, e0, l3, ed, f0, l4, f4, S_BAD, S_BAD, S_BAD, S_BAD
static const uint8_t next[144] = {
    /*       ASCII  80-8F  90-9F  A0-BF  bad    C2-DF  E0     E1-EF  ED     F0     F1-F3  F4 */
    ROW(S_OK,  S_BAD, S_BAD, S_BAD, S_BAD, S_N1,  S_E0,  S_N2,  S_ED,  S_F0,  S_N3,  S_F4),  /* S_OK */
    ROW(S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD), /* S_BAD */
    ROW(S_BAD, S_OK,  S_OK,  S_OK,  S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD), /* S_N1 */
    ROW(S_BAD, S_N1,  S_N1,  S_N1,  S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD), /* S_N2 */
    ROW(S_BAD, S_BAD, S_BAD, S_N1,  S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD), /* S_E0 */
    ROW(S_BAD, S_N1,  S_N1,  S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD), /* S_ED */
    ROW(S_BAD, S_N2,  S_N2,  S_N2,  S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD), /* S_N3 */
    ROW(S_BAD, S_BAD, S_N2,  S_N2,  S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD), /* S_F0 */
    ROW(S_BAD, S_N2,  S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD, S_BAD), /* S_F4 */
};
#undef ROW
/* clang-format on */

size_t wsv_utf8_validate(uint32_t *state, const uint8_t *p, size_t len)
{
    uint32_t s = *state;
    size_t i = 0;
    if (s == S_BAD)
        return 0;
    while (i < len) {
        /* ASCII runs, 8 bytes at a time, whenever no sequence is open. */
        if (s == S_OK) {
            while (len - i >= 8) {
                uint64_t v;
                memcpy(&v, p + i, 8);
                if (v & 0x8080808080808080ull)
                    break;
                i += 8;
            }
            if (i == len)
                break;
        }
        s = next[s + cls[p[i]]];
        if (s == S_BAD) {
            *state = s;
            return i;
        }
        i++;
    }
    *state = s;
    return len;
}
