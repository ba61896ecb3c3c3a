/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cases for the Close frame (RFC 6455 §5.5.1, §7.4) and for what a direction
 * may send after its own Close. In "88 02 hh ll" the status code is at offset
 * 2, where its violations point.
 */
#include "harness.h"

#define SERVER .cfg = {.role = WSV_ROLE_SERVER}
#define CLIENT .cfg = {.role = WSV_ROLE_CLIENT}
#define S1012  .cfg = {.role = WSV_ROLE_SERVER, .strict = WSV_STRICT_CLOSE_1012_1014}
#define L5000  .cfg = {.role = WSV_ROLE_SERVER, .strict = WSV_LENIENT_CLOSE_5000}
#define ALLSTRICT                                                                                  \
    .cfg = {.role = WSV_ROLE_SERVER, .strict = WSV_STRICT_LEN_MINIMAL | WSV_STRICT_CLOSE_1012_1014}

/* A Close carrying only a status code that must be accepted. */
#define CODE_OK(rule, name, hex, code, ...)                                                        \
    {                                                                                              \
        WSV_R_##rule, TC_SILENT, name, "88 02 " hex, __VA_ARGS__, .frames = 1,                     \
                                                                  .fx = {FXC(0, 0, 2, 2, code)},   \
    }
/* A Close carrying only a status code that breaks `rule`. */
#define CODE_BAD(rule, name, hex, code, ...)                                                       \
    {                                                                                              \
        WSV_R_##rule, TC_FIRES, name, "88 02 " hex, __VA_ARGS__,                                   \
            .frames = 1, .v = {V(rule, 0, 2, MUSTFAIL, DETAIL(code))},                             \
            .fx = {FXC(0, 0, 2, 2, code)},                                                         \
    }

const struct tcase tc_close_cases[] = {
    /* ---- close-1byte-payload ---- */
    {WSV_R_CLOSE_1BYTE_PAYLOAD, TC_FIRES, "", "88 01 03", SERVER, .frames = 1,
     .v = {V(CLOSE_1BYTE_PAYLOAD, 0, 2, MUSTFAIL)}},
    {WSV_R_CLOSE_1BYTE_PAYLOAD, TC_FIRES, "masked", "88 81 [0a0b0c0d: 03]", CLIENT, .frames = 1,
     .v = {V(CLOSE_1BYTE_PAYLOAD, 0, 6, MUSTFAIL)}},
    {WSV_R_CLOSE_1BYTE_PAYLOAD, TC_SILENT, "empty_close", "88 00", SERVER, .frames = 1,
     .fx = {FX(0, 0, 2, 0, WSV_OP_CLOSE, FX_FIN)}},
    {WSV_R_CLOSE_1BYTE_PAYLOAD, TC_SILENT, "code_only", "88 02 03 e8", SERVER, .frames = 1,
     .fx = {FXC(0, 0, 2, 2, 1000)}},
    {WSV_R_CLOSE_1BYTE_PAYLOAD, TC_SILENT, "1byte_ping", "89 01 03", SERVER, .frames = 1},

    /* ---- close-code-out-of-range ---- */
    CODE_BAD(CLOSE_CODE_OUT_OF_RANGE, "0", "00 00", 0, SERVER),
    CODE_BAD(CLOSE_CODE_OUT_OF_RANGE, "1", "00 01", 1, SERVER),
    CODE_BAD(CLOSE_CODE_OUT_OF_RANGE, "999", "03 e7", 999, SERVER),
    CODE_OK(CLOSE_CODE_OUT_OF_RANGE, "1000", "03 e8", 1000, SERVER),
    CODE_OK(CLOSE_CODE_OUT_OF_RANGE, "1001", "03 e9", 1001, SERVER),
    CODE_OK(CLOSE_CODE_OUT_OF_RANGE, "1002", "03 ea", 1002, SERVER),
    CODE_OK(CLOSE_CODE_OUT_OF_RANGE, "1003", "03 eb", 1003, SERVER),

    /* ---- close-code-forbidden ---- */
    CODE_BAD(CLOSE_CODE_FORBIDDEN, "1005", "03 ed", 1005, SERVER),
    CODE_BAD(CLOSE_CODE_FORBIDDEN, "1006", "03 ee", 1006, SERVER),
    CODE_BAD(CLOSE_CODE_FORBIDDEN, "1015", "03 f7", 1015, SERVER),
    CODE_OK(CLOSE_CODE_FORBIDDEN, "1007", "03 ef", 1007, SERVER),
    CODE_OK(CLOSE_CODE_FORBIDDEN, "1008", "03 f0", 1008, SERVER),
    CODE_OK(CLOSE_CODE_FORBIDDEN, "1009", "03 f1", 1009, SERVER),
    CODE_OK(CLOSE_CODE_FORBIDDEN, "1010", "03 f2", 1010, SERVER),
    CODE_OK(CLOSE_CODE_FORBIDDEN, "1011", "03 f3", 1011, SERVER),
    {WSV_R_CLOSE_CODE_FORBIDDEN, TC_FIRES, "1005_masked_with_reason",
     "88 86 [5a5a5a5a: 03 ed 'oops']", CLIENT, .frames = 1,
     .v = {V(CLOSE_CODE_FORBIDDEN, 0, 6, MUSTFAIL, DETAIL(1005))}},

    /* ---- close-code-unassigned ---- */
    CODE_BAD(CLOSE_CODE_UNASSIGNED, "1004", "03 ec", 1004, SERVER),
    CODE_BAD(CLOSE_CODE_UNASSIGNED, "1016", "03 f8", 1016, SERVER),
    CODE_BAD(CLOSE_CODE_UNASSIGNED, "1100", "04 4c", 1100, SERVER),
    CODE_BAD(CLOSE_CODE_UNASSIGNED, "2000", "07 d0", 2000, SERVER),
    CODE_BAD(CLOSE_CODE_UNASSIGNED, "2999", "0b b7", 2999, SERVER),
    CODE_BAD(CLOSE_CODE_UNASSIGNED, "1012_strict", "03 f4", 1012, S1012),
    CODE_BAD(CLOSE_CODE_UNASSIGNED, "1013_strict", "03 f5", 1013, S1012),
    CODE_BAD(CLOSE_CODE_UNASSIGNED, "1014_strict", "03 f6", 1014, S1012),
    CODE_OK(CLOSE_CODE_UNASSIGNED, "1012", "03 f4", 1012, SERVER),
    CODE_OK(CLOSE_CODE_UNASSIGNED, "1013", "03 f5", 1013, SERVER),
    CODE_OK(CLOSE_CODE_UNASSIGNED, "1014", "03 f6", 1014, SERVER),
    CODE_OK(CLOSE_CODE_UNASSIGNED, "1011_strict", "03 f3", 1011, S1012),
    CODE_OK(CLOSE_CODE_UNASSIGNED, "3000", "0b b8", 3000, SERVER),
    CODE_OK(CLOSE_CODE_UNASSIGNED, "3000_all_strict", "0b b8", 3000, ALLSTRICT),
    CODE_OK(CLOSE_CODE_UNASSIGNED, "4000", "0f a0", 4000, SERVER),

    /* ---- close-code-undefined: must-fail by default (Node ws, websocket-driver,
     * undici, websockets, wsproto and wslay fail it with 1002), a sender warning
     * when read leniently (libwebsockets and the browsers echo it) ---- */
    {WSV_R_CLOSE_CODE_UNDEFINED, TC_FIRES, "5000", "88 02 13 88", SERVER, .frames = 1,
     .v = {V(CLOSE_CODE_UNDEFINED, 0, 2, MUSTFAIL, CLOSE(1002), DETAIL(5000))},
     .fx = {FXC(0, 0, 2, 2, 5000)}},
    {WSV_R_CLOSE_CODE_UNDEFINED, TC_FIRES, "65535", "88 02 ff ff", SERVER, .frames = 1,
     .v = {V(CLOSE_CODE_UNDEFINED, 0, 2, MUSTFAIL, CLOSE(1002), DETAIL(65535))}},
    {WSV_R_CLOSE_CODE_UNDEFINED, TC_FIRES, "5000_lenient", "88 02 13 88", L5000, .frames = 1,
     .v = {V(CLOSE_CODE_UNDEFINED, 0, 2, WARNS, DETAIL(5000))}},
    {WSV_R_CLOSE_CODE_UNDEFINED, TC_FIRES, "5000_lenient_then_data",
     "88 02 13 88 | 81 00", /* a warning does not fail the direction */
     L5000, .frames = 2, .after_close_from = 1,
     .v = {V(CLOSE_CODE_UNDEFINED, 0, 2, WARNS, DETAIL(5000)), V(DATA_AFTER_CLOSE, 1, 4, WARNS)}},
    CODE_OK(CLOSE_CODE_UNDEFINED, "4999", "13 87", 4999, SERVER),
    CODE_OK(CLOSE_CODE_UNDEFINED, "4999_lenient", "13 87", 4999, L5000),

    /* ---- close-reason-utf8 ---- */
    {WSV_R_CLOSE_REASON_UTF8, TC_FIRES, "ff", "88 04 03 e8 'a' ff", SERVER, .frames = 1,
     .v = {V(CLOSE_REASON_UTF8, 0, 5, MUSTFAIL)}},
    {WSV_R_CLOSE_REASON_UTF8, TC_FIRES, "overlong", "88 04 03 e8 c0 80", SERVER, .frames = 1,
     .v = {V(CLOSE_REASON_UTF8, 0, 4, MUSTFAIL)}},
    {WSV_R_CLOSE_REASON_UTF8, TC_FIRES, "e0_80",
     "88 05 03 e8 'a' e0 80", /* the 0x80 is where E0 can no longer complete */
     SERVER, .frames = 1, .v = {V(CLOSE_REASON_UTF8, 0, 6, MUSTFAIL)}},
    {WSV_R_CLOSE_REASON_UTF8, TC_FIRES, "surrogate", "88 05 03 e8 ed a0 80", SERVER, .frames = 1,
     .v = {V(CLOSE_REASON_UTF8, 0, 5, MUSTFAIL)}},
    {WSV_R_CLOSE_REASON_UTF8, TC_FIRES, "truncated",
     "88 05 03 e8 'a' e2 82", /* reason ends inside U+20AC: points at the E2 */
     SERVER, .frames = 1, .v = {V(CLOSE_REASON_UTF8, 0, 5, MUSTFAIL)}},
    {WSV_R_CLOSE_REASON_UTF8, TC_FIRES, "masked",
     "88 85 [00808080: 03 e8 'a' ed a0]", /* masked: 03 68 e1 6d a0; unmasked: a surrogate */
     CLIENT, .frames = 1, .v = {V(CLOSE_REASON_UTF8, 0, 10, MUSTFAIL)}},
    {WSV_R_CLOSE_REASON_UTF8, TC_FIRES, "independent_of_open_text",
     "01 01 e2 | 88 04 03 e8 82 ac", /* the reason does not continue the text's E2 */
     SERVER, .frames = 2, .v = {V(CLOSE_REASON_UTF8, 1, 7, MUSTFAIL)}},
    {WSV_R_CLOSE_REASON_UTF8, TC_SILENT, "multibyte",
     "88 0c 03 e8 'a' c3 a9 e2 82 ac f0 9f 98 80", /* "aé€😀" */
     SERVER, .frames = 1, .fx = {FXC(0, 0, 2, 12, 1000)}},
    {WSV_R_CLOSE_REASON_UTF8, TC_SILENT, "masked_noncharacters",
     "88 88 [40404040: 03 e8 ef bf bd ef bf bf]", /* U+FFFD U+FFFF; masked bytes invalid */
     CLIENT, .frames = 1,
     .fx = {{.set = true,
             .index = 0,
             .offset = 0,
             .header_len = 6,
             .payload_len = 8,
             .opcode = WSV_OP_CLOSE,
             .flags = FX_FIN | FX_MASKED | FX_HAS_CODE,
             .close_code = 1000}}},
    {WSV_R_CLOSE_REASON_UTF8, TC_SILENT, "binary_after_close_code",
     "82 04 03 e8 'a' ff", /* the same body in a binary frame */
     SERVER, .frames = 1},

    /* ---- data-after-close ---- */
    {WSV_R_DATA_AFTER_CLOSE, TC_FIRES, "text", "88 00 | 81 01 'a'", SERVER, .frames = 2,
     .after_close_from = 1, .v = {V(DATA_AFTER_CLOSE, 1, 2, WARNS)}},
    {WSV_R_DATA_AFTER_CLOSE, TC_FIRES, "binary", "88 02 03 e8 | 82 00", SERVER, .frames = 2,
     .after_close_from = 1, .v = {V(DATA_AFTER_CLOSE, 1, 4, WARNS)}},
    {WSV_R_DATA_AFTER_CLOSE, TC_FIRES, "continuation_after_close_mid_message",
     "01 01 'a' | 88 00 | 80 01 'b'", SERVER, .frames = 3, .after_close_from = 2,
     .v = {V(DATA_AFTER_CLOSE, 2, 5, WARNS)}},
    {WSV_R_DATA_AFTER_CLOSE, TC_FIRES, "only_rule",
     "88 00 | f1 fe 00 03 [01020304: ff fe fd]", /* RSV1-3, masked, non-minimal, bad UTF-8 */
     SERVER, .frames = 2, .after_close_from = 1, .v = {V(DATA_AFTER_CLOSE, 1, 2, WARNS)}},
    {WSV_R_DATA_AFTER_CLOSE, TC_FIRES, "every_frame", "88 00 | 01 01 'a' | 80 01 ff", SERVER,
     .frames = 3, .after_close_from = 1,
     .v = {V(DATA_AFTER_CLOSE, 1, 2, WARNS), V(DATA_AFTER_CLOSE, 2, 5, WARNS)}},
    {WSV_R_DATA_AFTER_CLOSE, TC_SILENT, "second_close", "88 00 | 88 02 03 e8", /* Autobahn 7.1.2 */
     SERVER, .frames = 2, .after_close_from = 1},
    {WSV_R_DATA_AFTER_CLOSE, TC_SILENT, "pong_after_close", "88 00 | 8a 00", SERVER, .frames = 2,
     .after_close_from = 1},
    {WSV_R_DATA_AFTER_CLOSE, TC_SILENT, "data_before_close", "81 01 'a' | 82 00 | 88 00", SERVER,
     .frames = 3},

    /* ---- ping-after-close ---- */
    {WSV_R_PING_AFTER_CLOSE, TC_FIRES, "", "88 00 | 89 00", SERVER, .frames = 2,
     .after_close_from = 1, .v = {V(PING_AFTER_CLOSE, 1, 2, WARNS)}},
    {WSV_R_PING_AFTER_CLOSE, TC_FIRES, "only_rule",
     "88 00 | 49 7e 00 02 'hi'", /* RSV1, FIN=0, non-minimal: none judged */
     SERVER, .frames = 2, .after_close_from = 1, .v = {V(PING_AFTER_CLOSE, 1, 2, WARNS)}},
    {WSV_R_PING_AFTER_CLOSE, TC_SILENT, "pong_after_close", "88 02 03 e8 | 8a 01 'p'", SERVER,
     .frames = 2, .after_close_from = 1},
    {WSV_R_PING_AFTER_CLOSE, TC_SILENT, "ping_before_close", "89 00 | 88 00", SERVER, .frames = 2},
};
const size_t tc_close_count = sizeof(tc_close_cases) / sizeof(tc_close_cases[0]);
