/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cases for UTF-8 in text messages (RFC 6455 §5.6, §8.1), after Markus Kuhn's
 * UTF-8 decoder stress test and Autobahn 6.x. In "81 0N ..." the payload
 * starts at offset 2. The violation belongs to the frame holding the first
 * invalid byte, at the byte where the sequence can no longer be completed.
 */
#include "harness.h"

#define SERVER .cfg = {.role = WSV_ROLE_SERVER}
#define CLIENT .cfg = {.role = WSV_ROLE_CLIENT}

/* One unfragmented server text frame, invalid at offset `off`. */
#define BAD1(name, hex, off)                                                                       \
    {                                                                                              \
        WSV_R_TEXT_UTF8_INVALID, TC_FIRES, name, hex, SERVER,                                      \
            .frames = 1, .v = {V(TEXT_UTF8_INVALID, 0, off, MUSTFAIL)},                            \
    }
#define GOOD1(name, hex)                                                                           \
    {                                                                                              \
        WSV_R_TEXT_UTF8_INVALID, TC_SILENT, name, hex, SERVER, .frames = 1,                        \
    }

const struct tcase tc_utf8_cases[] = {
    /* ---- text-utf8-invalid: Kuhn §3-5 ---- */
    BAD1("ff", "81 01 ff", 2),
    BAD1("fe", "81 01 fe", 2),
    BAD1("c0_overlong_slash", "81 02 c0 af", 2),
    BAD1("c1_overlong", "81 02 c1 bf", 2),
    BAD1("overlong_3byte_slash", "81 03 e0 80 af", 3),
    BAD1("overlong_3byte_max", "81 03 e0 9f bf", 3), /* U+07FF in 3 bytes */
    BAD1("overlong_4byte_slash", "81 04 f0 80 80 af", 3),
    BAD1("overlong_4byte_max", "81 04 f0 8f bf bf", 3), /* U+FFFF in 4 bytes */
    BAD1("surrogate_d800", "81 03 ed a0 80", 3),
    BAD1("surrogate_dfff", "81 03 ed bf bf", 3),
    BAD1("surrogate_pair", "81 06 ed a0 80 ed b0 80", 3),
    BAD1("above_10ffff", "81 04 f4 90 80 80", 3), /* U+110000 */
    BAD1("f5", "81 04 f5 80 80 80", 2),
    BAD1("f8_5byte_form", "81 05 f8 88 80 80 80", 2),
    BAD1("fc_6byte_form", "81 06 fc 84 80 80 80 80", 2),
    BAD1("lonely_continuation_80", "81 01 80", 2),
    BAD1("lonely_continuation_bf_after_ascii", "81 02 'a' bf", 3),
    BAD1("continuation_run_reported_once", "81 04 80 81 82 83", 2),
    BAD1("2byte_start_then_ascii", "81 02 c2 41", 3),
    BAD1("3byte_missing_last_then_ascii", "81 03 e2 82 41", 4),
    BAD1("4byte_start_then_4byte_start", "81 05 f0 9f f0 9f 98", 4),
    {WSV_R_TEXT_UTF8_INVALID, TC_FIRES, "second_message", "81 02 'ok' | 81 01 ff", SERVER,
     .frames = 2, .v = {V(TEXT_UTF8_INVALID, 1, 6, MUSTFAIL)}},

    /* ---- text-utf8-invalid: across fragments (Autobahn 6.4.x) ---- */
    {WSV_R_TEXT_UTF8_INVALID, TC_FIRES, "autobahn_6_4_middle_fragment",
     "01 02 'ab' | 00 04 f4 90 80 80 | 80 02 'cd'", /* U+110000 in fragment 2, at 0x90 */
     SERVER, .frames = 3, .after_fail_from = 2,
     .v = {V(TEXT_UTF8_INVALID, 1, 7, MUSTFAIL), V(AFTER_FAIL, 2, 10, WARNS)}},
    {WSV_R_TEXT_UTF8_INVALID, TC_FIRES, "split_lead_then_invalid",
     "01 01 f4 | 00 01 90 | 80 02 80 80", /* F4 ends frame 0; 90 (frame 1) breaks it */
     SERVER, .frames = 3, .after_fail_from = 2,
     .v = {V(TEXT_UTF8_INVALID, 1, 5, MUSTFAIL), V(AFTER_FAIL, 2, 6, WARNS)}},
    {WSV_R_TEXT_UTF8_INVALID, TC_FIRES, "across_ping",
     "01 01 e2 | 89 00 | 80 01 28", /* E2 ... 28 with a ping between */
     SERVER, .frames = 3, .v = {V(TEXT_UTF8_INVALID, 2, 7, MUSTFAIL)}},
    {WSV_R_TEXT_UTF8_INVALID, TC_FIRES, "first_fragment", "01 02 'a' ff | 80 01 'b'", SERVER,
     .frames = 2, .after_fail_from = 1,
     .v = {V(TEXT_UTF8_INVALID, 0, 3, MUSTFAIL), V(AFTER_FAIL, 1, 4, WARNS)}},
    {WSV_R_TEXT_UTF8_INVALID, TC_FIRES, "masked",
     "81 84 [00808080: 'a' ed a0 80]", /* masked: 61 6d 20 00 (ASCII); unmasked: a surrogate */
     CLIENT, .frames = 1, .v = {V(TEXT_UTF8_INVALID, 0, 8, MUSTFAIL)}},
    {WSV_R_TEXT_UTF8_INVALID, TC_FIRES, "masked_16bit_length", "81 fe 00 80 [01020304: 'x'*127 c0]",
     CLIENT, .frames = 1, .v = {V(TEXT_UTF8_INVALID, 0, 8 + 127, MUSTFAIL)}},

    {WSV_R_TEXT_UTF8_INVALID, TC_FIRES, "uncompressed_under_pmd",
     "81 01 ff", /* PMD negotiated, but this message is not compressed */
     .cfg = {.role = WSV_ROLE_SERVER, .pmd = true}, .frames = 1,
     .v = {V(TEXT_UTF8_INVALID, 0, 2, MUSTFAIL)}},

    /* ---- text-utf8-invalid: legal look-alikes ---- */
    {WSV_R_TEXT_UTF8_INVALID, TC_SILENT, "ping_payload_is_not_text",
     "01 01 'a' | 89 01 ff | 80 01 'b'", SERVER, .frames = 3},
    GOOD1("u_fffd", "81 03 ef bf bd"),
    GOOD1("u_fffe", "81 03 ef bf be"),
    GOOD1("u_ffff", "81 03 ef bf bf"),
    GOOD1("kuhn_boundaries",
          /* U+0000 U+007F U+0080 U+07FF U+0800 U+FFFF U+10000 U+10FFFF U+D7FF U+E000 U+FFFD
           * U+FFFE */
          "81 20 00 7f c2 80 df bf e0 a0 80 ef bf bf f0 90 80 80 f4 8f bf bf ed 9f bf ee 80 80 "
          "ef bf bd ef bf be"),
    GOOD1("greek_kosme", "81 0b ce ba e1 bd b9 cf 83 ce bc ce b5"),
    GOOD1("empty_text", "81 00"),
    {WSV_R_TEXT_UTF8_INVALID, TC_SILENT, "binary", "82 04 ff c0 ed a0", SERVER, .frames = 1},
    {WSV_R_TEXT_UTF8_INVALID, TC_SILENT, "split_code_point",
     "01 01 e2 | 00 01 82 | 80 01 ac", /* U+20AC one byte per frame */
     SERVER, .frames = 3},
    {WSV_R_TEXT_UTF8_INVALID, TC_SILENT, "split_4byte_across_ping",
     "01 02 f0 9f | 89 00 | 80 02 98 80", SERVER, .frames = 3},
    {WSV_R_TEXT_UTF8_INVALID, TC_SILENT, "binary_fragments_between_text",
     "81 01 'a' | 02 01 ff | 80 01 c0 | 81 02 c3 a9", SERVER, .frames = 4},
    {WSV_R_TEXT_UTF8_INVALID, TC_SILENT, "masked_valid",
     "81 87 [40404040: ce ba e1 bd b9 cf 83]", /* masked: 8e fa ... (invalid as sent) */
     CLIENT, .frames = 1},
    {WSV_R_TEXT_UTF8_INVALID, TC_SILENT, "compressed", "c1 01 ff", /* deflate bytes are not UTF-8 */
     .cfg = {.role = WSV_ROLE_SERVER, .pmd = true}, .frames = 1,
     .fx = {FX(0, 0, 2, 1, WSV_OP_TEXT, FX_FIN | FX_COMPRESSED)}},
    {WSV_R_TEXT_UTF8_INVALID, TC_SILENT, "compressed_fragments", "41 01 ff | 89 00 | 80 01 fe",
     .cfg = {.role = WSV_ROLE_SERVER, .pmd = true}, .frames = 3},
    {WSV_R_TEXT_UTF8_INVALID, TC_SILENT, "midstream_continuation",
     "80 02 80 80", /* the message's start is unknown */
     .cfg = {.role = WSV_ROLE_SERVER, .midstream = true}, .frames = 1},

    /* ---- text-utf8-truncated ---- */
    {WSV_R_TEXT_UTF8_TRUNCATED, TC_FIRES, "", "81 01 e2", SERVER, .frames = 1,
     .v = {V(TEXT_UTF8_TRUNCATED, 0, 2, MUSTFAIL)}},
    {WSV_R_TEXT_UTF8_TRUNCATED, TC_FIRES, "two_of_three", "81 03 'a' e2 82", SERVER, .frames = 1,
     .v = {V(TEXT_UTF8_TRUNCATED, 0, 3, MUSTFAIL)}},
    {WSV_R_TEXT_UTF8_TRUNCATED, TC_FIRES, "three_of_four", "81 03 f0 9f 98", SERVER, .frames = 1,
     .v = {V(TEXT_UTF8_TRUNCATED, 0, 2, MUSTFAIL)}},
    {WSV_R_TEXT_UTF8_TRUNCATED, TC_FIRES, "sequence_starts_in_earlier_frame",
     "01 02 'a' e2 | 80 01 82", /* reported on the final frame, offset of the E2 */
     SERVER, .frames = 2, .v = {V(TEXT_UTF8_TRUNCATED, 1, 3, MUSTFAIL)}},
    {WSV_R_TEXT_UTF8_TRUNCATED, TC_FIRES, "empty_final_fragment", "01 01 e2 | 80 00", SERVER,
     .frames = 2, .v = {V(TEXT_UTF8_TRUNCATED, 1, 2, MUSTFAIL)}},
    {WSV_R_TEXT_UTF8_TRUNCATED, TC_FIRES, "final_after_ping", "01 01 f0 | 89 00 | 80 02 9f 98",
     SERVER, .frames = 3, .v = {V(TEXT_UTF8_TRUNCATED, 2, 2, MUSTFAIL)}},
    {WSV_R_TEXT_UTF8_TRUNCATED, TC_FIRES, "masked", "81 82 [01020304: 'a' c3]", CLIENT, .frames = 1,
     .v = {V(TEXT_UTF8_TRUNCATED, 0, 7, MUSTFAIL)}},
    {WSV_R_TEXT_UTF8_TRUNCATED, TC_FIRES, "then_next_frame_after_fail", "81 01 c3 | 81 01 a9",
     SERVER, .frames = 2, .after_fail_from = 1,
     .v = {V(TEXT_UTF8_TRUNCATED, 0, 2, MUSTFAIL), V(AFTER_FAIL, 1, 3, WARNS)}},
    {WSV_R_TEXT_UTF8_TRUNCATED, TC_SILENT, "completed_in_final_frame", "01 02 'a' e2 | 80 02 82 ac",
     SERVER, .frames = 2},
    {WSV_R_TEXT_UTF8_TRUNCATED, TC_SILENT, "message_still_open",
     "01 01 e2", /* no FIN yet: nothing is truncated */
     SERVER, .frames = 1},
    {WSV_R_TEXT_UTF8_TRUNCATED, TC_SILENT, "binary_ends_in_lead_byte", "82 01 e2", SERVER,
     .frames = 1},
    {WSV_R_TEXT_UTF8_TRUNCATED, TC_SILENT, "close_mid_sequence",
     "01 01 e2 | 88 00", /* the message never ends: not a truncation */
     SERVER, .frames = 2},
};
const size_t tc_utf8_count = sizeof(tc_utf8_cases) / sizeof(tc_utf8_cases[0]);
