/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Close reason table, expanded from wsv_reasons.def, and its lookup. */
#include "wsv/wsv_forensics.h"

#include <string.h>

/* "No single sender rule": the table's NONE. */
enum { WSV_R_NONE = WSV_RULE_COUNT };

static const struct wsv_reason_info reasons[] = {
#define WSV_REASON(src, text, rule, meaning) {src, text, (enum wsv_rule)WSV_R_##rule, meaning},
#include "wsv/wsv_reasons.def"
#undef WSV_REASON
};

size_t wsv_reason_count(void)
{
    return sizeof reasons / sizeof reasons[0];
}

const struct wsv_reason_info *wsv_reason_get(size_t i)
{
    return i < wsv_reason_count() ? &reasons[i] : NULL;
}

static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

static int is_word(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Does t (m bytes) occur in s[0..n) as whole words? */
static int contains_words(const char *s, size_t n, const char *t, size_t m)
{
    if (m == 0 || m > n)
        return 0;
    for (size_t i = 0; i + m <= n; i++) {
        size_t k = 0;
        while (k < m && lower((unsigned char)s[i + k]) == lower((unsigned char)t[k]))
            k++;
        if (k < m)
            continue;
        /* A word of the reason must not go on past either end of t. */
        if (is_word((unsigned char)t[0]) && i > 0 && is_word((unsigned char)s[i - 1]))
            continue;
        if (is_word((unsigned char)t[m - 1]) && i + m < n && is_word((unsigned char)s[i + m]))
            continue;
        return 1;
    }
    return 0;
}

int wsv_reason_match(const char *reason, size_t len)
{
    int best = -1;
    size_t best_len = 0;

    if (!reason)
        return -1;
    /* The most specific row wins: the longest text found; of equal ones,
     * the first. */
    for (size_t i = 0; i < wsv_reason_count(); i++) {
        size_t m = strlen(reasons[i].text);
        if (m > best_len && contains_words(reason, len, reasons[i].text, m)) {
            best = (int)i;
            best_len = m;
        }
    }
    return best;
}
