/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The scenario table and its frames. See scenarios.h. */
#include "scenarios.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#ifndef WS1002_VERSION
#define WS1002_VERSION "unknown"
#endif

/* clang-format off */
#define RSV1 0x4
#define RSV2 0x2
#define RSV3 0x1
#define S(str)          .data = (str), .len = sizeof(str) - 1
#define FILL(byte, n)   .fill = (byte), .fill_len = (n)
#define TEXT(...)       {.used = true, .opcode = WSV_OP_TEXT, __VA_ARGS__}
#define BINARY(...)     {.used = true, .opcode = WSV_OP_BINARY, __VA_ARGS__}
#define CONT(...)       {.used = true, .opcode = WSV_OP_CONT, __VA_ARGS__}
#define PING(...)       {.used = true, .opcode = WSV_OP_PING, __VA_ARGS__}
#define PONG(...)       {.used = true, .opcode = WSV_OP_PONG, __VA_ARGS__}
#define CLOSE(c, ...)   {.used = true, .opcode = WSV_OP_CLOSE, .has_code = true, .code = (c), __VA_ARGS__}
#define CLOSE_RAW(...)  {.used = true, .opcode = WSV_OP_CLOSE, __VA_ARGS__}
#define OPCODE(op, ...) {.used = true, .opcode = (op), __VA_ARGS__}
#define BREAKS          .breaks = true
#define MORE            .more = true

#define ROW(nm, r, sum, ...)  {.name = nm, .rule = WSV_R_##r, .summary = sum, .frames = {__VA_ARGS__}}
#define PMD_ROW(nm, r, sum, ...) \
    {.name = nm, .rule = WSV_R_##r, .pmd = true, .summary = sum, .frames = {__VA_ARGS__}}
#define LEGAL(nm, r, sum, ...) \
    {.name = nm, .rule = WSV_R_##r, .legal = true, .summary = sum, .frames = {__VA_ARGS__}}
#define LEGAL_CLOSE(code, r) \
    LEGAL("legal-close-" #code, r, "Close " #code " with a UTF-8 reason", CLOSE(code, S("caf\xc3\xa9")))
#define VERSION_ROW(nm, req, sum) \
    {.name = nm, .rule = WSV_R_HANDSHAKE_VERSION, .request = req, .summary = sum}

const struct probe_scenario probe_scenarios[] = {
    /* Reserved bits and opcodes (RFC 6455 §5.2) */
    ROW("rsv2-text", FRAME_RSV_NONZERO, "text frame with RSV2 set, no extension negotiated",
        TEXT(S("hello"), .rsv = RSV2, BREAKS)),
    ROW("rsv3-ping", FRAME_RSV_NONZERO, "Ping with RSV3 set",
        PING(S("p"), .rsv = RSV3, BREAKS)),
    ROW("rsv1-no-pmd", FRAME_RSV_NONZERO, "text frame with RSV1 set, permessage-deflate not offered",
        TEXT(S("hello"), .rsv = RSV1, BREAKS)),
    ROW("opcode-3", FRAME_OPCODE_RESERVED, "data frame with the reserved opcode 0x3",
        OPCODE(0x3, S("x"), BREAKS)),
    ROW("opcode-7", FRAME_OPCODE_RESERVED, "data frame with the reserved opcode 0x7",
        OPCODE(0x7, S("x"), BREAKS)),
    ROW("opcode-b", FRAME_OPCODE_RESERVED, "control frame with the reserved opcode 0xB",
        OPCODE(0xb, BREAKS)),
    ROW("opcode-f", FRAME_OPCODE_RESERVED, "control frame with the reserved opcode 0xF",
        OPCODE(0xf, S("x"), BREAKS)),
    /* Masking (§5.1) */
    ROW("unmasked-text", FRAME_UNMASKED_CLIENT, "unmasked text frame, after a masked one",
        TEXT(S("masked")), TEXT(S("unmasked"), .unmasked = true, BREAKS)),
    /* Control frames (§5.5) */
    ROW("ping-126", CTRL_TOO_LONG, "Ping with a 126-byte payload",
        PING(FILL('p', 126), BREAKS)),
    ROW("close-126", CTRL_TOO_LONG, "Close with a 126-byte body (1000 + 124 bytes of reason)",
        CLOSE(1000, FILL('r', 124), BREAKS)),
    ROW("ping-fin0", CTRL_FRAGMENTED, "Ping with FIN clear",
        PING(S("p"), MORE, BREAKS)),
    ROW("pong-fin0", CTRL_FRAGMENTED, "Pong with FIN clear",
        PONG(S("p"), MORE, BREAKS)),
    /* Fragmentation (§5.4) */
    ROW("cont-without-start", FRAG_CONT_WITHOUT_START, "continuation frame after a complete text message",
        TEXT(S("done")), CONT(S("more"), BREAKS)),
    ROW("cont-first", FRAG_CONT_WITHOUT_START, "continuation frame as the connection's first frame",
        CONT(S("more"), BREAKS)),
    ROW("text-in-fragmented", FRAG_NEW_DATA_IN_PROGRESS, "new text frame while a fragmented text message is open",
        TEXT(S("part 1"), MORE), TEXT(S("again"), BREAKS)),
    ROW("binary-in-fragmented", FRAG_NEW_DATA_IN_PROGRESS, "binary frame while a fragmented binary message is open",
        BINARY(S("part 1"), MORE), BINARY(S("again"), BREAKS)),
    /* Length encoding (§5.2) */
    ROW("len16-for-5", LEN_NOT_MINIMAL, "5-byte text frame with the 16-bit length form",
        TEXT(S("short"), .form = WSV_LEN_16, BREAKS)),
    ROW("len64-for-300", LEN_NOT_MINIMAL, "300-byte binary frame with the 64-bit length form",
        BINARY(FILL('b', 300), .form = WSV_LEN_64, BREAKS)),
    ROW("len16-ping", LEN_NOT_MINIMAL, "4-byte Ping with the 16-bit length form",
        PING(S("ping"), .form = WSV_LEN_16, BREAKS)),
    ROW("len64-msb", LEN_64BIT_MSB, "binary frame whose 64-bit length is 0x8000000000000004",
        BINARY(S("abcd"), .form = WSV_LEN_64, .length_value = 0x8000000000000004u, BREAKS)),
    /* Close frames (§5.5.1, §7.4) */
    ROW("close-1byte", CLOSE_1BYTE_PAYLOAD, "Close with a 1-byte body",
        CLOSE_RAW(S("\x03"), BREAKS)),
    ROW("close-1005", CLOSE_CODE_FORBIDDEN, "Close 1005 (never to be sent)", CLOSE(1005, BREAKS)),
    ROW("close-1006", CLOSE_CODE_FORBIDDEN, "Close 1006 (never to be sent)", CLOSE(1006, BREAKS)),
    ROW("close-1015", CLOSE_CODE_FORBIDDEN, "Close 1015 (never to be sent)", CLOSE(1015, BREAKS)),
    ROW("close-0", CLOSE_CODE_OUT_OF_RANGE, "Close 0", CLOSE(0, BREAKS)),
    ROW("close-999", CLOSE_CODE_OUT_OF_RANGE, "Close 999", CLOSE(999, BREAKS)),
    ROW("close-1004", CLOSE_CODE_UNASSIGNED, "Close 1004 (reserved)", CLOSE(1004, BREAKS)),
    ROW("close-1016", CLOSE_CODE_UNASSIGNED, "Close 1016 (unassigned)", CLOSE(1016, BREAKS)),
    ROW("close-1100", CLOSE_CODE_UNASSIGNED, "Close 1100 (unassigned)", CLOSE(1100, BREAKS)),
    ROW("close-2000", CLOSE_CODE_UNASSIGNED, "Close 2000 (unassigned)", CLOSE(2000, BREAKS)),
    ROW("close-2999", CLOSE_CODE_UNASSIGNED, "Close 2999 (unassigned)", CLOSE(2999, BREAKS)),
    ROW("close-5000", CLOSE_CODE_UNDEFINED, "Close 5000 (not defined by the RFC)", CLOSE(5000, BREAKS)),
    ROW("close-65535", CLOSE_CODE_UNDEFINED, "Close 65535 (not defined by the RFC)", CLOSE(65535, BREAKS)),
    ROW("close-reason-utf8", CLOSE_REASON_UTF8, "Close 1000 whose reason ends in 0xFF",
        CLOSE(1000, S("bye\xff"), BREAKS)),
    /* UTF-8 (§5.6, §8.1) */
    ROW("text-utf8-invalid", TEXT_UTF8_INVALID, "single text frame with C3 28",
        TEXT(S("caf\xc3\x28"), BREAKS)),
    ROW("text-utf8-invalid-frag", TEXT_UTF8_INVALID, "text in three fragments, the middle one holds C0 AF",
        TEXT(S("ok "), MORE), CONT(S("\xc0\xaf"), MORE, BREAKS), CONT(S(" end"))),
    ROW("text-utf8-truncated", TEXT_UTF8_TRUNCATED, "single text frame ending in E2 82",
        TEXT(S("price \xe2\x82"), BREAKS)),
    ROW("text-utf8-truncated-frag", TEXT_UTF8_TRUNCATED, "text in two fragments: E2 82, then an empty final one",
        TEXT(S("euro \xe2\x82"), MORE), CONT(BREAKS)),
    /* After the client's own Close (§5.5.1, §5.5.2) */
    {.name = "text-after-close", .rule = WSV_R_DATA_AFTER_CLOSE, .burst = true,
     .summary = "text frame after the client's own Close 1000",
     .frames = {CLOSE(1000), TEXT(S("late"), BREAKS)}},
    {.name = "ping-after-close", .rule = WSV_R_PING_AFTER_CLOSE, .burst = true,
     .summary = "Ping after the client's own Close 1000",
     .frames = {CLOSE(1000), PING(S("late"), BREAKS)}},
    /* permessage-deflate (RFC 7692 §6) */
    PMD_ROW("pmd-rsv1-ping", PMD_RSV1_ON_CONTROL, "compressed text, then a Ping with RSV1",
            TEXT(S("hello hello hello"), .rsv = RSV1, .deflate = true),
            PING(S("p"), .rsv = RSV1, BREAKS)),
    PMD_ROW("pmd-rsv1-close", PMD_RSV1_ON_CONTROL, "Close 1000 with RSV1",
            CLOSE(1000, .rsv = RSV1, BREAKS)),
    PMD_ROW("pmd-rsv1-cont", PMD_RSV1_ON_CONTINUATION, "compressed text in two fragments, RSV1 on both",
            TEXT(S("first half, "), .rsv = RSV1, .deflate = true, MORE),
            CONT(S("second half"), .rsv = RSV1, .deflate = true, BREAKS)),
    PMD_ROW("pmd-rsv2", FRAME_RSV_NONZERO, "RSV2 set with permessage-deflate negotiated",
            TEXT(S("hello"), .rsv = RSV2, BREAKS)),
    PMD_ROW("pmd-bad-deflate", PMD_DECOMPRESS_FAIL, "RSV1 text whose payload is not deflate data (reserved block type)",
            TEXT(S("\xff\xff\xff\xff"), .rsv = RSV1, BREAKS)),
    PMD_ROW("pmd-utf8-invalid", TEXT_UTF8_INVALID, "compressed text that inflates to C3 28",
            TEXT(S("caf\xc3\x28"), .rsv = RSV1, .deflate = true, BREAKS)),
    /* The opening request (§4.2.1, §4.4) */
    VERSION_ROW("version-8", PROBE_REQ_VERSION_8, "opening request with Sec-WebSocket-Version: 8"),
    VERSION_ROW("version-12", PROBE_REQ_VERSION_12, "opening request with Sec-WebSocket-Version: 12"),
    VERSION_ROW("version-missing", PROBE_REQ_VERSION_NONE, "opening request without Sec-WebSocket-Version"),

    /* Legal look-alikes: the server must carry on */
    LEGAL("legal-ping-125", CTRL_TOO_LONG, "Ping with a 125-byte payload (the longest allowed)",
          PING(FILL('p', 125))),
    LEGAL("legal-len16-126", LEN_NOT_MINIMAL, "126-byte text frame (the shortest 16-bit length)",
          TEXT(FILL('x', 126))),
    LEGAL("legal-ctrl-between-fragments", FRAG_NEW_DATA_IN_PROGRESS,
          "text in two fragments with a Ping and a Pong between them",
          TEXT(S("fragment 1, "), MORE), PING(S("between")), PONG(S("unsolicited")),
          CONT(S("fragment 2"))),
    LEGAL("legal-close-between-fragments", FRAG_NEW_DATA_IN_PROGRESS,
          "first fragment of a text message, then Close 1000",
          TEXT(S("fragment 1"), MORE), CLOSE(1000)),
    LEGAL("legal-codepoint-split", TEXT_UTF8_TRUNCATED,
          "euro sign split across two fragments (E2 | 82 AC)",
          TEXT(S("euro \xe2"), MORE), CONT(S("\x82\xac"))),
    LEGAL("legal-close-empty", CLOSE_1BYTE_PAYLOAD, "Close without a body", CLOSE_RAW()),
    LEGAL_CLOSE(1000, CLOSE_CODE_UNASSIGNED),
    LEGAL_CLOSE(1001, CLOSE_CODE_UNASSIGNED),
    LEGAL_CLOSE(1002, CLOSE_CODE_UNASSIGNED),
    LEGAL_CLOSE(1003, CLOSE_CODE_UNASSIGNED),
    LEGAL_CLOSE(1007, CLOSE_CODE_UNASSIGNED),
    LEGAL_CLOSE(1008, CLOSE_CODE_UNASSIGNED),
    LEGAL_CLOSE(1009, CLOSE_CODE_UNASSIGNED),
    LEGAL_CLOSE(1010, CLOSE_CODE_UNASSIGNED),
    LEGAL_CLOSE(1011, CLOSE_CODE_UNASSIGNED),
    LEGAL_CLOSE(1012, CLOSE_CODE_UNASSIGNED),
    LEGAL_CLOSE(1013, CLOSE_CODE_UNASSIGNED),
    LEGAL_CLOSE(1014, CLOSE_CODE_UNASSIGNED),
    LEGAL_CLOSE(3000, CLOSE_CODE_UNASSIGNED),
    LEGAL_CLOSE(3999, CLOSE_CODE_UNASSIGNED),
    LEGAL_CLOSE(4000, CLOSE_CODE_UNASSIGNED),
    LEGAL_CLOSE(4999, CLOSE_CODE_UNDEFINED),
    {.name = "legal-pmd", .rule = WSV_R_PMD_RSV1_ON_CONTINUATION, .legal = true, .pmd = true,
     .summary = "compressed messages, one in two fragments with a Ping between them",
     .frames = {TEXT(S("hello hello hello"), .rsv = RSV1, .deflate = true),
                TEXT(S("caf\xc3\xa9 caf\xc3\xa9 caf\xc3\xa9 "), .rsv = RSV1, .deflate = true, MORE),
                PING(S("between")),
                CONT(S("the end"), .deflate = true)}},
};
/* clang-format on */

const size_t probe_scenario_count = sizeof probe_scenarios / sizeof probe_scenarios[0];

enum probe_expect probe_expect(const struct probe_scenario *sc)
{
    const struct wsv_rule_info *r = wsv_rule_get(sc->rule);
    if (sc->legal)
        return PROBE_ACCEPT;
    if (sc->request != PROBE_REQ_NORMAL)
        return PROBE_REFUSE;
    return r->severity == WSV_SEV_ERROR ? PROBE_FAIL : PROBE_TOLERATE;
}

unsigned probe_frame_count(const struct probe_scenario *sc)
{
    unsigned n = 0;
    while (n < PROBE_MAX_FRAMES && sc->frames[n].used)
        n++;
    return n;
}

size_t probe_frame_payload(const struct probe_frame *f, uint8_t *out, size_t cap)
{
    size_t n = f->has_code ? 2 : 0;
    if (f->len > cap - n || f->fill_len > cap - n - f->len)
        return 0;
    if (f->has_code)
        wsv_encode_close_body(f->code, NULL, 0, out, cap);
    if (f->len)
        memcpy(out + n, f->data, f->len);
    memset(out + n + f->len, f->fill, f->fill_len);
    return n + f->len + f->fill_len;
}

size_t probe_frame_encode(const struct probe_frame *f, struct probe_deflater *z,
                          const uint8_t mask[4], uint8_t *out, size_t cap)
{
    uint8_t plain[PROBE_MAX_PAYLOAD], packed[PROBE_MAX_PAYLOAD + 64];
    size_t n = probe_frame_payload(f, plain, sizeof plain);
    const uint8_t *payload = plain;
    if (n == 0 && (f->has_code || f->len || f->fill_len))
        return 0;
    if (f->deflate) {
        if (!probe_deflate(z, plain, n, f->opcode != WSV_OP_CONT, !f->more, packed, sizeof packed,
                           &n))
            return 0;
        payload = packed;
    }
    struct wsv_frame_spec spec = {
        .fin = !f->more,
        .rsv = f->rsv,
        .opcode = f->opcode,
        .masked = !f->unmasked,
        .len_form = f->form,
        .length_override = f->length_value != 0,
        .length_value = f->length_value,
    };
    memcpy(spec.mask, mask, 4);
    return wsv_encode_frame(&spec, payload, n, out, cap);
}

/* Append to a bounded buffer; *n goes past cap on overflow. */
__attribute__((format(printf, 4, 5))) static void put(char *out, size_t cap, size_t *n,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(out + (*n < cap ? *n : cap), *n < cap ? cap - *n : 0, fmt, ap);
    va_end(ap);
    *n += k > 0 ? (size_t)k : 0;
}

size_t probe_request_write(const struct probe_request *rq, char *out, size_t cap)
{
    static const char *const versions[] = {
        [PROBE_REQ_NORMAL] = "13", [PROBE_REQ_VERSION_8] = "8", [PROBE_REQ_VERSION_12] = "12"};
    size_t n = 0;
    put(out, cap, &n,
        "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: %s\r\n",
        rq->path, rq->host, rq->key);
    if (rq->kind != PROBE_REQ_VERSION_NONE)
        put(out, cap, &n, "Sec-WebSocket-Version: %s\r\n", versions[rq->kind]);
    if (rq->offer_pmd)
        put(out, cap, &n,
            "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n");
    if (rq->protocols)
        put(out, cap, &n, "Sec-WebSocket-Protocol: %s\r\n", rq->protocols);
    if (rq->origin)
        put(out, cap, &n, "Origin: %s\r\n", rq->origin);
    for (size_t i = 0; i < rq->nheaders; i++)
        put(out, cap, &n, "%s\r\n", rq->headers[i]);
    put(out, cap, &n, "User-Agent: ws1002-probe/%s\r\n", WS1002_VERSION);
    if (rq->scenario)
        put(out, cap, &n, "X-Ws1002-Scenario: %s\r\n", rq->scenario);
    put(out, cap, &n, "\r\n");
    return n < cap ? n : 0;
}
