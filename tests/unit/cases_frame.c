/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cases for the frame-header rules (RFC 6455 §5.1-5.5, RFC 7692 §6.1): each
 * rule fires on a minimal frame and stays silent on its legal look-alike.
 * Offsets are stream offsets; a frame's header violations point at its first
 * byte (bits of byte 0) or at byte 1 (mask bit, 7-bit length).
 */
#include "harness.h"

#define CLIENT .cfg = {.role = WSV_ROLE_CLIENT}
#define SERVER .cfg = {.role = WSV_ROLE_SERVER}
#define PMD    .cfg = {.role = WSV_ROLE_SERVER, .pmd = true}

const struct tcase tc_frame_cases[] = {
    /* ---- frame-rsv-nonzero ---- */
    {WSV_R_FRAME_RSV_NONZERO, TC_FIRES, "rsv2", "a2 00", /* FIN RSV2 binary, empty */
     SERVER, .frames = 1, .v = {V(FRAME_RSV_NONZERO, 0, 0, MUSTFAIL, DETAIL(2))}},
    {WSV_R_FRAME_RSV_NONZERO, TC_FIRES, "rsv3", "91 00", /* FIN RSV3 text, empty */
     SERVER, .frames = 1, .v = {V(FRAME_RSV_NONZERO, 0, 0, MUSTFAIL, DETAIL(1))}},
    {WSV_R_FRAME_RSV_NONZERO, TC_FIRES, "rsv1_without_pmd",
     "c1 01 'a'", /* FIN RSV1 text: RSV1 means nothing without an extension */
     SERVER, .frames = 1, .v = {V(FRAME_RSV_NONZERO, 0, 0, MUSTFAIL, DETAIL(4))}},
    {WSV_R_FRAME_RSV_NONZERO, TC_FIRES, "rsv2_under_pmd",
     "e2 00", /* RSV1 is the deflate bit, RSV2 still means nothing */
     PMD, .frames = 1, .v = {V(FRAME_RSV_NONZERO, 0, 0, MUSTFAIL)}},
    {WSV_R_FRAME_RSV_NONZERO, TC_FIRES, "second_frame",
     "82 02 0102 | 92 00", /* binary, then FIN RSV3 binary at offset 4 */
     SERVER, .frames = 2, .v = {V(FRAME_RSV_NONZERO, 1, 4, MUSTFAIL, DETAIL(1))}},
    {WSV_R_FRAME_RSV_NONZERO, TC_FIRES, "rsv1_inferred_no_pmd",
     "c1 00", /* no PMD, but only because none was seen: verdict rests on it */
     .cfg = {.role = WSV_ROLE_SERVER, .pmd_inferred = true}, .frames = 1,
     .v = {V(FRAME_RSV_NONZERO, 0, 0, MUSTFAIL, DETAIL(4), INFERRED)}},
    {WSV_R_FRAME_RSV_NONZERO, TC_FIRES, "rsv3_pmd_inferred_not_inferred",
     "91 00", /* RSV3 is wrong whatever was negotiated */
     .cfg = {.role = WSV_ROLE_SERVER, .pmd_inferred = true}, .frames = 1,
     .v = {V(FRAME_RSV_NONZERO, 0, 0, MUSTFAIL, DETAIL(1))}},
    {WSV_R_FRAME_RSV_NONZERO, TC_FIRES, "rsv2_under_inferred_pmd_not_inferred",
     "e2 00", /* RSV1 is legal if PMD was negotiated and wrong if not: RSV2 fails either way */
     .cfg = {.role = WSV_ROLE_SERVER, .pmd = true, .pmd_inferred = true}, .frames = 1,
     .v = {V(FRAME_RSV_NONZERO, 0, 0, MUSTFAIL)}},
    {WSV_R_FRAME_RSV_NONZERO, TC_SILENT, "rsv2_unknown_extension",
     "a2 00", /* the 101 accepted an extension whose RSV use is unknown */
     .cfg = {.role = WSV_ROLE_SERVER, .rsv_unknown = true}, .frames = 1},
    {WSV_R_FRAME_RSV_NONZERO, TC_SILENT, "rsv1_unknown_extension_without_pmd", "c1 01 'a'",
     .cfg = {.role = WSV_ROLE_SERVER, .rsv_unknown = true}, .frames = 1},
    {WSV_R_FRAME_RSV_NONZERO, TC_SILENT, "rsv1_under_pmd",
     "c1 07 f2 48 cd c9 c9 07 00", /* RFC 7692 §7.2.3.1: "Hello" compressed */
     PMD, .frames = 1, .fx = {FX(0, 0, 2, 7, WSV_OP_TEXT, FX_FIN | FX_COMPRESSED)}},
    {WSV_R_FRAME_RSV_NONZERO, TC_SILENT, "rsv1_first_fragment_under_pmd",
     "41 03 f2 48 cd | 80 04 c9 c9 07 00", /* RFC 7692 §7.2.3.1, in 2 fragments */
     PMD, .frames = 2, .fx = {FX(0, 0, 2, 3, WSV_OP_TEXT, FX_COMPRESSED)}},

    /* ---- frame-opcode-reserved ---- */
    {WSV_R_FRAME_OPCODE_RESERVED, TC_FIRES, "3", "83 00", /* lowest reserved non-control opcode */
     SERVER, .frames = 1, .v = {V(FRAME_OPCODE_RESERVED, 0, 0, MUSTFAIL, DETAIL(3))}},
    {WSV_R_FRAME_OPCODE_RESERVED, TC_FIRES, "7",
     "87 01 'x'", /* highest reserved non-control opcode */
     SERVER, .frames = 1, .v = {V(FRAME_OPCODE_RESERVED, 0, 0, MUSTFAIL, DETAIL(7))}},
    {WSV_R_FRAME_OPCODE_RESERVED, TC_FIRES, "b", "8b 00", /* lowest reserved control opcode */
     SERVER, .frames = 1, .v = {V(FRAME_OPCODE_RESERVED, 0, 0, MUSTFAIL, DETAIL(0xb))}},
    {WSV_R_FRAME_OPCODE_RESERVED, TC_FIRES, "f_no_control_rules",
     "0f 7e 00 7e 00*126", /* FIN=0 and 126 bytes: not judged as a control frame */
     SERVER, .frames = 1, .v = {V(FRAME_OPCODE_RESERVED, 0, 0, MUSTFAIL, DETAIL(0xf))}},
    {WSV_R_FRAME_OPCODE_RESERVED, TC_FIRES, "role_inferred_not_inferred",
     "83 80 01020304", /* masked client frame; the opcode needs no role */
     .cfg = {.role = WSV_ROLE_CLIENT, .role_inferred = true}, .frames = 1,
     .v = {V(FRAME_OPCODE_RESERVED, 0, 0, MUSTFAIL, DETAIL(3))}},
    {WSV_R_FRAME_OPCODE_RESERVED, TC_SILENT, "known_opcodes",
     "01 00 | 00 00 | 89 00 | 8a 00 | 80 00 | 82 00 | 88 00", /* 1 0 9 A 0 2 8 */
     SERVER, .frames = 7},

    /* ---- frame-unmasked-client ---- */
    {WSV_R_FRAME_UNMASKED_CLIENT, TC_FIRES, "", "81 02 'hi'", /* client text without mask bit */
     CLIENT, .frames = 1, .v = {V(FRAME_UNMASKED_CLIENT, 0, 1, MUSTFAIL)}},
    {WSV_R_FRAME_UNMASKED_CLIENT, TC_FIRES, "second_frame",
     "81 82 [11223344: 'hi'] | 89 00", /* masked text, then an unmasked ping at 8 */
     CLIENT, .frames = 2, .v = {V(FRAME_UNMASKED_CLIENT, 1, 9, MUSTFAIL)}},
    {WSV_R_FRAME_UNMASKED_CLIENT, TC_FIRES, "inferred",
     "82 00", /* the role was guessed, not read from a handshake */
     .cfg = {.role = WSV_ROLE_CLIENT, .role_inferred = true}, .frames = 1,
     .v = {V(FRAME_UNMASKED_CLIENT, 0, 1, MUSTFAIL, INFERRED)}},
    {WSV_R_FRAME_UNMASKED_CLIENT, TC_SILENT, "masked", "81 82 [11223344: 'hi']", CLIENT,
     .frames = 1, .fx = {FX(0, 0, 6, 2, WSV_OP_TEXT, FX_FIN | FX_MASKED)}},
    {WSV_R_FRAME_UNMASKED_CLIENT, TC_SILENT, "rfc_example",
     "81 85 37 fa 21 3d 7f 9f 4d 51 58", /* RFC 6455 §5.7: masked "Hello" */
     CLIENT, .frames = 1, .fx = {FX(0, 0, 6, 5, WSV_OP_TEXT, FX_FIN | FX_MASKED)}},
    {WSV_R_FRAME_UNMASKED_CLIENT, TC_SILENT, "role_unknown",
     "81 02 'hi' | 81 82 [11223344: 'hi']", /* unmasked and masked: neither judged */
     .frames = 2},
    {WSV_R_FRAME_UNMASKED_CLIENT, TC_SILENT, "server",
     "81 02 'hi'", /* RFC 6455 §5.7: unmasked "Hello" is the server's form */
     SERVER, .frames = 1},

    /* ---- frame-masked-server ---- */
    {WSV_R_FRAME_MASKED_SERVER, TC_FIRES, "",
     "81 82 [11223344: 'hi']", /* server text with the mask bit */
     SERVER, .frames = 1, .v = {V(FRAME_MASKED_SERVER, 0, 1, MUSTFAIL)}},
    {WSV_R_FRAME_MASKED_SERVER, TC_FIRES, "zero_key",
     "82 80 00000000", /* mask bit set with an all-zero key is still masked */
     SERVER, .frames = 1, .v = {V(FRAME_MASKED_SERVER, 0, 1, MUSTFAIL)}},
    {WSV_R_FRAME_MASKED_SERVER, TC_FIRES, "inferred", "8a 80 01020304",
     .cfg = {.role = WSV_ROLE_SERVER, .role_inferred = true}, .frames = 1,
     .v = {V(FRAME_MASKED_SERVER, 0, 1, MUSTFAIL, INFERRED)}},
    {WSV_R_FRAME_MASKED_SERVER, TC_SILENT, "role_unknown", "81 82 [11223344: 'hi']", .frames = 1},
    {WSV_R_FRAME_MASKED_SERVER, TC_SILENT, "client", "82 82 [11223344: 0102]", CLIENT, .frames = 1},

    /* ---- len-not-minimal ---- */
    {WSV_R_LEN_NOT_MINIMAL, TC_FIRES, "16bit_125",
     "82 7e 00 7d 00*125 | 82 00", /* 125 in the 16-bit form; a warning only */
     SERVER, .frames = 2, .v = {V(LEN_NOT_MINIMAL, 0, 1, WARNS, DETAIL(125))},
     .fx = {FX(0, 0, 4, 125, WSV_OP_BINARY, FX_FIN)}},
    {WSV_R_LEN_NOT_MINIMAL, TC_FIRES, "16bit_0", "82 7e 00 00", SERVER, .frames = 1,
     .v = {V(LEN_NOT_MINIMAL, 0, 1, WARNS, DETAIL(0))}},
    {WSV_R_LEN_NOT_MINIMAL, TC_FIRES, "64bit_65535",
     "82 7f 0000000000 00 ff ff 00*65535", /* 65535 in the 64-bit form */
     SERVER, .frames = 1, .v = {V(LEN_NOT_MINIMAL, 0, 1, WARNS, DETAIL(65535))},
     .fx = {FX(0, 0, 10, 65535, WSV_OP_BINARY, FX_FIN)}},
    {WSV_R_LEN_NOT_MINIMAL, TC_FIRES, "64bit_0", "81 7f 0000000000000000", SERVER, .frames = 1,
     .v = {V(LEN_NOT_MINIMAL, 0, 1, WARNS, DETAIL(0))}},
    {WSV_R_LEN_NOT_MINIMAL, TC_FIRES, "control_16bit_form",
     "89 7e 00 05 'hello'", /* a ping of 5 in the 126 form: not too long */
     SERVER, .frames = 1, .v = {V(LEN_NOT_MINIMAL, 0, 1, WARNS, DETAIL(5))}},
    {WSV_R_LEN_NOT_MINIMAL, TC_FIRES, "strict",
     "82 7e 00 7d 00*125 | 82 00", /* WSV_STRICT_LEN_MINIMAL: wsproto/wslay fail */
     .cfg = {.role = WSV_ROLE_SERVER, .strict = WSV_STRICT_LEN_MINIMAL}, .frames = 2,
     .after_fail_from = 1,
     .v = {V(LEN_NOT_MINIMAL, 0, 1, MUSTFAIL, CLOSE(1002), DETAIL(125)),
           V(AFTER_FAIL, 1, 129, WARNS)}},
    {WSV_R_LEN_NOT_MINIMAL, TC_FIRES, "payload_still_checked",
     "81 7e 00 01 ff", /* a warning on the header does not stop the UTF-8 check */
     SERVER, .frames = 1,
     .v = {V(LEN_NOT_MINIMAL, 0, 1, WARNS, DETAIL(1)), V(TEXT_UTF8_INVALID, 0, 4, MUSTFAIL)}},
    {WSV_R_LEN_NOT_MINIMAL, TC_FIRES, "strict_payload_unchecked",
     "81 7e 00 01 ff", /* must-fail on the header: the payload is not judged */
     .cfg = {.role = WSV_ROLE_SERVER, .strict = WSV_STRICT_LEN_MINIMAL}, .frames = 1,
     .v = {V(LEN_NOT_MINIMAL, 0, 1, MUSTFAIL, CLOSE(1002), DETAIL(1))}},
    {WSV_R_LEN_NOT_MINIMAL, TC_SILENT, "len_0", "82 00", SERVER, .frames = 1,
     .fx = {FX(0, 0, 2, 0, WSV_OP_BINARY, FX_FIN)}},
    {WSV_R_LEN_NOT_MINIMAL, TC_SILENT, "len_125", "82 7d 00*125", SERVER, .frames = 1,
     .fx = {FX(0, 0, 2, 125, WSV_OP_BINARY, FX_FIN)}},
    {WSV_R_LEN_NOT_MINIMAL, TC_SILENT, "len_126", "82 7e 00 7e 00*126", SERVER, .frames = 1,
     .fx = {FX(0, 0, 4, 126, WSV_OP_BINARY, FX_FIN)}},
    {WSV_R_LEN_NOT_MINIMAL, TC_SILENT, "len_65535", "82 7e ff ff 00*65535", SERVER, .frames = 1,
     .fx = {FX(0, 0, 4, 65535, WSV_OP_BINARY, FX_FIN)}},
    {WSV_R_LEN_NOT_MINIMAL, TC_SILENT, "len_65536", "82 7f 0000000000010000 00*65536", SERVER,
     .frames = 1, .fx = {FX(0, 0, 10, 65536, WSV_OP_BINARY, FX_FIN)}},
    {WSV_R_LEN_NOT_MINIMAL, TC_SILENT, "len_65536_masked",
     "82 ff 0000000000010000 [a1b2c3d4: 5a*65536]", CLIENT, .frames = 1,
     .fx = {FX(0, 0, 14, 65536, WSV_OP_BINARY, FX_FIN | FX_MASKED)}},

    /* ---- len-64bit-msb ---- */
    {WSV_R_LEN_64BIT_MSB, TC_FIRES, "", "82 7f 80 00 00 00 00 00 00 00", /* 2^63 */
     SERVER, .frames = 1, .partial = true,
     .v = {V(LEN_64BIT_MSB, 0, 2, MUSTFAIL, DETAIL(0x8000000000000000ULL))},
     .fx = {FX(0, 0, 10, 0x8000000000000000ULL, WSV_OP_BINARY, FX_FIN)}},
    {WSV_R_LEN_64BIT_MSB, TC_FIRES, "all_ones", "81 7f ff ff ff ff ff ff ff ff 'abc'", SERVER,
     .frames = 1, .partial = true, .v = {V(LEN_64BIT_MSB, 0, 2, MUSTFAIL, DETAIL(UINT64_MAX))}},
    {WSV_R_LEN_64BIT_MSB, TC_SILENT, "largest_legal",
     "82 7f 7f ff ff ff ff ff ff ff 'abc'", /* 2^63-1: legal, payload never ends */
     SERVER, .frames = 1, .partial = true,
     .fx = {FX(0, 0, 10, 0x7fffffffffffffffULL, WSV_OP_BINARY, FX_FIN)}},

    /* ---- ctrl-too-long ---- */
    {WSV_R_CTRL_TOO_LONG, TC_FIRES, "ping_126", "89 7e 00 7e 00*126", SERVER, .frames = 1,
     .v = {V(CTRL_TOO_LONG, 0, 1, MUSTFAIL, DETAIL(126))}},
    {WSV_R_CTRL_TOO_LONG, TC_FIRES, "pong_65536", "8a 7f 0000000000010000 00*65536", SERVER,
     .frames = 1, .v = {V(CTRL_TOO_LONG, 0, 1, MUSTFAIL, DETAIL(65536))}},
    {WSV_R_CTRL_TOO_LONG, TC_FIRES, "close_payload_unchecked",
     "88 7e 00 7e 03 ed ff*124", /* code 1005, bad reason: header failure wins */
     SERVER, .frames = 1, .v = {V(CTRL_TOO_LONG, 0, 1, MUSTFAIL, DETAIL(126))}},
    {WSV_R_CTRL_TOO_LONG, TC_FIRES, "and_unmasked_client",
     "89 7e 00 7e 00*126", /* two header violations on the same byte */
     CLIENT, .frames = 1,
     .v = {V(CTRL_TOO_LONG, 0, 1, MUSTFAIL), V(FRAME_UNMASKED_CLIENT, 0, 1, MUSTFAIL)}},
    {WSV_R_CTRL_TOO_LONG, TC_SILENT, "ping_125", "89 7d 'p'*125", SERVER, .frames = 1},
    {WSV_R_CTRL_TOO_LONG, TC_SILENT, "close_125", "88 7d 03 e8 'r'*123", SERVER, .frames = 1,
     .fx = {FXC(0, 0, 2, 125, 1000)}},
    {WSV_R_CTRL_TOO_LONG, TC_SILENT, "16bit_form_of_5",
     "8a 7e 00 05 'hello'", /* non-minimal, but the decoded length is fine */
     SERVER, .frames = 1, .v = {V(LEN_NOT_MINIMAL, 0, 1, WARNS, DETAIL(5))}},

    /* ---- ctrl-fragmented ---- */
    {WSV_R_CTRL_FRAGMENTED, TC_FIRES, "ping", "09 00", SERVER, .frames = 1,
     .v = {V(CTRL_FRAGMENTED, 0, 0, MUSTFAIL)}},
    {WSV_R_CTRL_FRAGMENTED, TC_FIRES, "close", "08 02 03 e8", SERVER, .frames = 1,
     .v = {V(CTRL_FRAGMENTED, 0, 0, MUSTFAIL)}},
    {WSV_R_CTRL_FRAGMENTED, TC_FIRES, "pong_in_message", "01 01 'a' | 0a 00", SERVER, .frames = 2,
     .v = {V(CTRL_FRAGMENTED, 1, 3, MUSTFAIL)}},
    {WSV_R_CTRL_FRAGMENTED, TC_FIRES, "and_too_long", "09 7e 00 7e 00*126", SERVER, .frames = 1,
     .v = {V(CTRL_FRAGMENTED, 0, 0, MUSTFAIL), V(CTRL_TOO_LONG, 0, 1, MUSTFAIL)}},
    {WSV_R_CTRL_FRAGMENTED, TC_SILENT, "control_between_fragments",
     "01 01 'a' | 89 00 | 8a 01 'p' | 00 01 'b' | 89 00 | 80 01 'c'", SERVER, .frames = 6},

    /* ---- frag-cont-without-start ---- */
    {WSV_R_FRAG_CONT_WITHOUT_START, TC_FIRES, "", "80 00", SERVER, .frames = 1,
     .v = {V(FRAG_CONT_WITHOUT_START, 0, 0, MUSTFAIL)}},
    {WSV_R_FRAG_CONT_WITHOUT_START, TC_FIRES, "fin0", "00 01 'a'", SERVER, .frames = 1,
     .v = {V(FRAG_CONT_WITHOUT_START, 0, 0, MUSTFAIL)}},
    {WSV_R_FRAG_CONT_WITHOUT_START, TC_FIRES, "after_complete_message", "81 01 'a' | 80 01 'b'",
     SERVER, .frames = 2, .v = {V(FRAG_CONT_WITHOUT_START, 1, 3, MUSTFAIL)}},
    {WSV_R_FRAG_CONT_WITHOUT_START, TC_FIRES, "after_fragmented_message",
     "01 01 'a' | 80 01 'b' | 80 00", SERVER, .frames = 3,
     .v = {V(FRAG_CONT_WITHOUT_START, 2, 6, MUSTFAIL)}},
    {WSV_R_FRAG_CONT_WITHOUT_START, TC_FIRES, "midstream_after_message_end",
     "80 01 'x' | 00 00", /* the first FIN makes the state known */
     .cfg = {.role = WSV_ROLE_SERVER, .midstream = true}, .frames = 2,
     .v = {V(FRAG_CONT_WITHOUT_START, 1, 3, MUSTFAIL)}},
    {WSV_R_FRAG_CONT_WITHOUT_START, TC_SILENT, "midstream_start", "80 02 'hi'",
     .cfg = {.role = WSV_ROLE_SERVER, .midstream = true}, .frames = 1},
    {WSV_R_FRAG_CONT_WITHOUT_START, TC_SILENT, "midstream_fragments_unchecked",
     "00 01 ff | 89 00 | 80 01 fe", /* the message's start, and its type, are unknown */
     .cfg = {.role = WSV_ROLE_SERVER, .midstream = true}, .frames = 3},
    {WSV_R_FRAG_CONT_WITHOUT_START, TC_SILENT, "empty_fragments", "01 00 | 00 00 | 80 00", SERVER,
     .frames = 3},

    /* ---- frag-new-data-in-progress ---- */
    {WSV_R_FRAG_NEW_DATA_IN_PROGRESS, TC_FIRES, "text", "01 01 'a' | 81 01 'b'", SERVER,
     .frames = 2, .v = {V(FRAG_NEW_DATA_IN_PROGRESS, 1, 3, MUSTFAIL, DETAIL(1))}},
    {WSV_R_FRAG_NEW_DATA_IN_PROGRESS, TC_FIRES, "binary", "02 00 | 82 00", SERVER, .frames = 2,
     .v = {V(FRAG_NEW_DATA_IN_PROGRESS, 1, 2, MUSTFAIL, DETAIL(2))}},
    {WSV_R_FRAG_NEW_DATA_IN_PROGRESS, TC_FIRES, "after_ping", "01 01 'a' | 89 00 | 01 00", SERVER,
     .frames = 3, .v = {V(FRAG_NEW_DATA_IN_PROGRESS, 2, 5, MUSTFAIL, DETAIL(1))}},
    {WSV_R_FRAG_NEW_DATA_IN_PROGRESS, TC_SILENT, "close_mid_message",
     "01 01 'a' | 88 02 03 e8", /* Autobahn 7.1.5: clean close */
     SERVER, .frames = 2, .fx = {FXC(1, 3, 2, 2, 1000)}},
    {WSV_R_FRAG_NEW_DATA_IN_PROGRESS, TC_SILENT, "after_message_end",
     "01 01 'a' | 80 01 'b' | 81 01 'c'", SERVER, .frames = 3},
    {WSV_R_FRAG_NEW_DATA_IN_PROGRESS, TC_SILENT, "midstream_text_first",
     "01 01 'a' | 80 00 | 81 00", .cfg = {.role = WSV_ROLE_SERVER, .midstream = true}, .frames = 3},

    /* ---- pmd-rsv1-on-control ---- */
    {WSV_R_PMD_RSV1_ON_CONTROL, TC_FIRES, "ping", "c9 00", PMD, .frames = 1,
     .v = {V(PMD_RSV1_ON_CONTROL, 0, 0, MUSTFAIL)}},
    {WSV_R_PMD_RSV1_ON_CONTROL, TC_FIRES, "ping_pmd_and_unknown_extension",
     "c9 00", /* RSV1 belongs to permessage-deflate even beside another extension */
     .cfg = {.role = WSV_ROLE_SERVER, .pmd = true, .rsv_unknown = true}, .frames = 1,
     .v = {V(PMD_RSV1_ON_CONTROL, 0, 0, MUSTFAIL)}},
    {WSV_R_PMD_RSV1_ON_CONTROL, TC_FIRES, "close_payload_unchecked",
     "c8 02 03 ed", /* 1005 would be forbidden, but the header already failed */
     PMD, .frames = 1, .v = {V(PMD_RSV1_ON_CONTROL, 0, 0, MUSTFAIL)}},
    {WSV_R_PMD_RSV1_ON_CONTROL, TC_FIRES, "inferred", "ca 00",
     .cfg = {.role = WSV_ROLE_SERVER, .pmd = true, .pmd_inferred = true}, .frames = 1,
     .v = {V(PMD_RSV1_ON_CONTROL, 0, 0, MUSTFAIL, INFERRED)}},
    {WSV_R_PMD_RSV1_ON_CONTROL, TC_SILENT, "ping_between_compressed_fragments",
     "41 03 f2 48 cd | 89 00 | 80 04 c9 c9 07 00", PMD, .frames = 3},
    {WSV_R_PMD_RSV1_ON_CONTROL, TC_SILENT, "without_pmd_is_rsv_nonzero", "c9 00", SERVER,
     .frames = 1, .v = {V(FRAME_RSV_NONZERO, 0, 0, MUSTFAIL, DETAIL(4))}},

    /* ---- pmd-rsv1-on-continuation ---- */
    {WSV_R_PMD_RSV1_ON_CONTINUATION, TC_FIRES, "", "41 03 f2 48 cd | c0 04 c9 c9 07 00", PMD,
     .frames = 2, .v = {V(PMD_RSV1_ON_CONTINUATION, 1, 5, MUSTFAIL)}},
    {WSV_R_PMD_RSV1_ON_CONTINUATION, TC_FIRES, "uncompressed_message", "01 01 'a' | c0 01 'b'", PMD,
     .frames = 2, .v = {V(PMD_RSV1_ON_CONTINUATION, 1, 3, MUSTFAIL)}},
    {WSV_R_PMD_RSV1_ON_CONTINUATION, TC_SILENT, "", "41 03 f2 48 cd | 80 04 c9 c9 07 00", PMD,
     .frames = 2},
    {WSV_R_PMD_RSV1_ON_CONTINUATION, TC_SILENT, "without_pmd_is_rsv_nonzero",
     "01 01 'a' | c0 01 'b'", SERVER, .frames = 2,
     .v = {V(FRAME_RSV_NONZERO, 1, 3, MUSTFAIL, DETAIL(4))}},
};
const size_t tc_frame_count = sizeof(tc_frame_cases) / sizeof(tc_frame_cases[0]);
