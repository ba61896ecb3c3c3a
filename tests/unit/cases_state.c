/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cases for the direction's state after a must-fail violation (RFC 6455
 * §7.1.7): the next frame carries one after-fail note, later frames are
 * marked after_fail and judged no further.
 */
#include "harness.h"

#define SERVER .cfg = {.role = WSV_ROLE_SERVER}

const struct tcase tc_state_cases[] = {
    {WSV_R_AFTER_FAIL, TC_FIRES, "", "83 00 | 81 00 | 81 00", SERVER, .frames = 3,
     .after_fail_from = 1,
     .v = {V(FRAME_OPCODE_RESERVED, 0, 0, MUSTFAIL, DETAIL(3)), V(AFTER_FAIL, 1, 2, WARNS)}},
    {WSV_R_AFTER_FAIL, TC_FIRES, "later_violations_silenced",
     "83 00 | 83 00 | c1 00 | 81 01 ff | 80 00 | 09 7e 00 7e 00*126", SERVER, .frames = 6,
     .after_fail_from = 1,
     .v = {V(FRAME_OPCODE_RESERVED, 0, 0, MUSTFAIL), V(AFTER_FAIL, 1, 2, WARNS)}},
    {WSV_R_AFTER_FAIL, TC_FIRES, "after_payload_violation", "81 01 ff | 81 01 fe | 82 00", SERVER,
     .frames = 3, .after_fail_from = 1,
     .v = {V(TEXT_UTF8_INVALID, 0, 2, MUSTFAIL), V(AFTER_FAIL, 1, 3, WARNS)}},
    {WSV_R_AFTER_FAIL, TC_FIRES, "after_close_code",
     "88 02 03 ed | 8a 00", /* a failing Close, then a pong */
     SERVER, .frames = 2, .after_fail_from = 1, .after_close_from = 1,
     .v = {V(CLOSE_CODE_FORBIDDEN, 0, 2, MUSTFAIL, DETAIL(1005)), V(AFTER_FAIL, 1, 4, WARNS)}},
    {WSV_R_AFTER_FAIL, TC_FIRES, "on_empty_frame_after_two_violations",
     "b3 00 | 80 00", /* RSV2 and opcode 3 on one frame: still one note */
     SERVER, .frames = 2, .after_fail_from = 1,
     .v = {V(FRAME_RSV_NONZERO, 0, 0, MUSTFAIL), V(FRAME_OPCODE_RESERVED, 0, 0, MUSTFAIL),
           V(AFTER_FAIL, 1, 2, WARNS)}},
    {WSV_R_AFTER_FAIL, TC_SILENT, "after_warning",
     "82 7e 00 01 'x' | 82 00 | 82 00", /* non-minimal length is only a warning */
     SERVER, .frames = 3, .v = {V(LEN_NOT_MINIMAL, 0, 1, WARNS, DETAIL(1))}},
    {WSV_R_AFTER_FAIL, TC_SILENT, "after_data_after_close", "88 00 | 81 00 | 82 00", SERVER,
     .frames = 3, .after_close_from = 1,
     .v = {V(DATA_AFTER_CLOSE, 1, 2, WARNS), V(DATA_AFTER_CLOSE, 2, 4, WARNS)}},
    {WSV_R_AFTER_FAIL, TC_SILENT, "violation_on_last_frame", "81 00 | 83 00", SERVER, .frames = 2,
     .v = {V(FRAME_OPCODE_RESERVED, 1, 2, MUSTFAIL)}},
};
const size_t tc_state_count = sizeof(tc_state_cases) / sizeof(tc_state_cases[0]);
