/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The rule table and the reading switches, expanded from wsv_rules.def and
 * wsv_switches.def. */
#include "wsv/wsv.h"

#include <string.h>

/* "§" spelled as UTF-8 bytes so the source stays ASCII. */
#define WSV_SECT "\xc2\xa7"

static const struct wsv_rule_info rules[WSV_RULE_COUNT] = {
#define WSV_RULE(name, id, rfc, sec, close, alt1, alt2, sev, chk, needs, impl, text)               \
    [WSV_R_##name] = {id,                                                                          \
                      #name,                                                                       \
                      rfc,                                                                         \
                      sec,                                                                         \
                      "RFC " #rfc " " WSV_SECT sec,                                                \
                      close,                                                                       \
                      {alt1, alt2},                                                                \
                      WSV_SEV_##sev,                                                               \
                      WSV_CHK_##chk,                                                               \
                      WSV_NEEDS_##needs,                                                           \
                      WSV_IMPL_##impl,                                                             \
                      text},
#include "wsv/wsv_rules.def"
#undef WSV_RULE
};

const struct wsv_rule_info *wsv_rule_get(enum wsv_rule rule)
{
    if ((unsigned)rule >= WSV_RULE_COUNT)
        return NULL;
    return &rules[rule];
}

enum wsv_rule wsv_rule_by_id(const char *id)
{
    for (unsigned i = 0; id && i < WSV_RULE_COUNT; i++)
        if (strcmp(rules[i].id, id) == 0)
            return (enum wsv_rule)i;
    return WSV_RULE_COUNT;
}

static const struct wsv_switch_info switches[] = {
#define WSV_SWITCH(e, bit, name, pref, kind, rule, title, effect)                                  \
    {e, #e, name, pref, WSV_SW_##kind, WSV_R_##rule, title, effect},
#include "wsv/wsv_switches.def"
#undef WSV_SWITCH
};

size_t wsv_switch_count(void)
{
    return sizeof switches / sizeof switches[0];
}

const struct wsv_switch_info *wsv_switch_get(size_t i)
{
    return i < wsv_switch_count() ? &switches[i] : NULL;
}

bool wsv_rule_close_ok(enum wsv_rule rule, uint16_t code)
{
    const struct wsv_rule_info *r = wsv_rule_get(rule);
    if (!r || code == 0)
        return false;
    return code == r->close || code == r->close_alt[0] || code == r->close_alt[1];
}
