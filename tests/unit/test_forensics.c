/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Close forensics in the core: the Close reason table (wsv_reasons.def), the
 * look-alike classifier for non-WebSocket bytes, and the permessage-deflate
 * path (payload of compressed messages handed out, inflated text validated
 * and caller findings reported through the core's funnel).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <wsv/wsv.h>
#include <wsv/wsv_forensics.h>

#include "tests.h"

/* ---- The reason table -------------------------------------------------- */

/* Every row names a rule of the rule table, or says what it means instead. */
static void test_reasons_rows_well_formed(void **state)
{
    (void)state;
    size_t n = wsv_reason_count();
    assert_true(n >= 200);
    assert_null(wsv_reason_get(n));
    for (size_t i = 0; i < n; i++) {
        const struct wsv_reason_info *ri = wsv_reason_get(i);
        assert_non_null(ri);
        assert_true(ri->source[0] && ri->text[0]);
        if (ri->rule == WSV_RULE_COUNT) {
            if (!ri->meaning[0])
                fail_msg("row %zu (%s): no rule and no meaning", i, ri->text);
        } else {
            assert_non_null(wsv_rule_get(ri->rule));
            if (ri->meaning[0])
                fail_msg("row %zu (%s): a rule and a meaning", i, ri->text);
        }
    }
}

/* A row's own text finds that row: no other row has the same text (in any
 * case), and no longer one is part of it. */
static void test_reasons_rows_find_themselves(void **state)
{
    (void)state;
    for (size_t i = 0; i < wsv_reason_count(); i++) {
        const struct wsv_reason_info *ri = wsv_reason_get(i);
        int k = wsv_reason_match(ri->text, strlen(ri->text));
        if (k < 0 || (size_t)k != i)
            fail_msg("row %zu \"%s\" finds row %d (\"%s\")", i, ri->text, k,
                     k < 0 ? "" : wsv_reason_get((size_t)k)->text);
    }
}

/* Every source of a row is a plain name: no stray separators, no blanks. */
static void test_reasons_sources_well_formed(void **state)
{
    (void)state;
    for (size_t i = 0; i < wsv_reason_count(); i++) {
        const char *s = wsv_reason_get(i)->source;
        size_t n = strlen(s);
        assert_true(n > 0 && s[0] != ' ' && s[n - 1] != ' ' && s[n - 1] != ',');
        if (strstr(s, ",,") || strstr(s, "  ") || strstr(s, ", ,"))
            fail_msg("row %zu: source \"%s\"", i, s);
        for (const char *c = strchr(s, ','); c; c = strchr(c + 1, ','))
            if (c[1] != ' ')
                fail_msg("row %zu: source \"%s\" (\", \" separates names)", i, s);
    }
}

static enum wsv_rule rule_of(const char *reason)
{
    int k = wsv_reason_match(reason, strlen(reason));
    return k < 0 ? WSV_RULE_COUNT + 1 : wsv_reason_get((size_t)k)->rule;
}

static void test_reasons_known_strings(void **state)
{
    (void)state;
    /* Chromium's Close reasons, as sent on the wire */
    assert_int_equal(rule_of("Invalid reserved bit"), WSV_R_FRAME_RSV_NONZERO);
    assert_int_equal(rule_of("Masked frame from server"), WSV_R_FRAME_MASKED_SERVER);
    assert_int_equal(rule_of("Unexpected continuation"), WSV_R_FRAG_CONT_WITHOUT_START);
    assert_int_equal(rule_of("Previous data frame unfinished"), WSV_R_FRAG_NEW_DATA_IN_PROGRESS);
    assert_int_equal(rule_of("Invalid UTF-8 in Close frame"), WSV_R_CLOSE_REASON_UTF8);
    assert_int_equal(rule_of("Invalid UTF-8 in text frame"), WSV_R_TEXT_UTF8_INVALID);
    /* ws messages with and without their prefix, any case */
    assert_int_equal(rule_of("Invalid WebSocket frame: RSV2 and RSV3 must be clear"),
                     WSV_R_FRAME_RSV_NONZERO);
    assert_int_equal(rule_of("rsv2 and rsv3 MUST be clear"), WSV_R_FRAME_RSV_NONZERO);
    assert_int_equal(rule_of("Invalid WebSocket frame: invalid opcode 0"),
                     WSV_R_FRAG_CONT_WITHOUT_START);
    assert_int_equal(rule_of("invalid opcode 1"), WSV_R_FRAG_NEW_DATA_IN_PROGRESS);
    /* whole words: 11 is not 1, 126 is not 1 */
    assert_int_equal(rule_of("invalid opcode 11"), WSV_R_FRAME_OPCODE_RESERVED);
    assert_int_equal(rule_of("invalid payload length 1"), WSV_R_CLOSE_1BYTE_PAYLOAD);
    assert_int_equal(rule_of("invalid payload length 126"), WSV_R_CTRL_TOO_LONG);
    /* "unexpected" is not "expected" */
    assert_int_equal(rule_of("unexpected CONTINUATION"), WSV_R_FRAG_CONT_WITHOUT_START);
    assert_int_equal(rule_of("expected CONTINUATION, got <Opcode.TEXT: 1>"),
                     WSV_R_FRAG_NEW_DATA_IN_PROGRESS);
    assert_int_equal(rule_of("invalid stored block lengths"), WSV_R_PMD_DECOMPRESS_FAIL);
    assert_int_equal(rule_of("rsv bits"), WSV_R_FRAME_RSV_NONZERO);
    assert_int_equal(rule_of("Payload length used 2 bytes when 1 would have sufficed"),
                     WSV_R_LEN_NOT_MINIMAL);
    /* no single rule: the row says what it is */
    assert_int_equal(rule_of("WebSocket Protocol Error"), WSV_RULE_COUNT);
    assert_int_equal(rule_of("invalid status code 1005"), WSV_RULE_COUNT);
    /* nothing */
    assert_int_equal(wsv_reason_match("bye", 3), -1);
    assert_int_equal(wsv_reason_match("", 0), -1);
    assert_int_equal(wsv_reason_match(NULL, 5), -1);
    assert_int_equal(rule_of("Unknown opcodes"), WSV_RULE_COUNT + 1);
    /* not NUL-terminated: only len bytes count */
    assert_int_equal(wsv_reason_match("rsv bitsXYZ", 8), wsv_reason_match("rsv bits", 8));
    assert_int_equal(wsv_reason_match("rsv bit", 7), -1);
}

/* The longest text found wins, wherever its row is in the table. */
static void test_reasons_most_specific_wins(void **state)
{
    (void)state;
    /* Jetty's message holds gorilla's "RSV1 set" */
    assert_int_equal(rule_of("Invalid RSV1 set on permessage-deflate CONTINUATION frame"),
                     WSV_R_PMD_RSV1_ON_CONTINUATION);
    assert_int_equal(rule_of("websocket: RSV1 set"), WSV_R_FRAME_RSV_NONZERO);
    /* Chromium's console line holds its own Close reason and Jetty's text */
    assert_int_equal(rule_of("WebSocket connection to 'ws://x/' failed: A server must not mask "
                             "any frames that it sends to the client."),
                     WSV_R_FRAME_MASKED_SERVER);
    assert_string_equal(
        wsv_reason_get((size_t)wsv_reason_match("Received unexpected continuation frame.", 39))
            ->source,
        "Chromium, Safari, websocket-driver");
    /* Firefox's text is longer than the generic one */
    assert_int_equal(rule_of("WebSocketChannel:: fragmented control frame code 9"),
                     WSV_R_CTRL_FRAGMENTED);
    assert_int_equal(rule_of("WebSocketChannel:: unknown control op code 11"),
                     WSV_R_FRAME_OPCODE_RESERVED);
    /* the specific close text wins over the generic prefix */
    assert_int_equal(rule_of("received invalid close payload: close payload \"\\x03\" too small, "
                             "cannot even contain the 2 byte status code"),
                     WSV_R_CLOSE_1BYTE_PAYLOAD);
    /* gorilla joins several errors: equal lengths, the earlier row */
    assert_int_equal(rule_of("RSV1 set, bad MASK"), WSV_R_FRAME_RSV_NONZERO);
    /* handshake texts of both sides */
    assert_int_equal(rule_of("Error during WebSocket handshake: Incorrect 'Sec-WebSocket-Accept' "
                             "header value"),
                     WSV_R_HANDSHAKE_ACCEPT_MISMATCH);
    assert_int_equal(rule_of("websocket: the client is not using the websocket protocol: "
                             "'upgrade' token not found in 'Connection' header"),
                     WSV_R_HANDSHAKE_REQ_CONNECTION);
    assert_int_equal(rule_of("invalid Sec-WebSocket-Accept header: more than one "
                             "Sec-WebSocket-Accept header found"),
                     WSV_R_HANDSHAKE_DUP_HEADER_RESPONSE);
    assert_int_equal(rule_of("server rejected WebSocket connection: HTTP 403"),
                     WSV_R_HANDSHAKE_REFUSED);
    assert_int_equal(rule_of("Server did not set Upgrade header to \"websocket\"."),
                     WSV_R_HANDSHAKE_UPGRADE_INVALID);
    /* a text both sides use for different rules says so */
    assert_int_equal(rule_of("Invalid Upgrade header"), WSV_RULE_COUNT);
    /* Tomcat and Netty */
    assert_int_equal(rule_of("The client frame set the reserved bits to [4] for a message with "
                             "opCode [1] which was not supported by this endpoint"),
                     WSV_R_FRAME_RSV_NONZERO);
    assert_int_equal(rule_of("invalid data frame length (not using minimal length encoding)"),
                     WSV_R_LEN_NOT_MINIMAL);
    /* Python's codec reasons for 1007 */
    assert_int_equal(rule_of("invalid start byte at position 0"), WSV_R_TEXT_UTF8_INVALID);
    assert_int_equal(rule_of("unexpected end of data at position 5"), WSV_R_TEXT_UTF8_TRUNCATED);
}

/* ---- Look-alikes ------------------------------------------------------- */

static enum wsv_lookalike look(const char *s)
{
    return wsv_lookalike((const uint8_t *)s, strlen(s));
}

static void test_lookalike_classes(void **state)
{
    (void)state;
    assert_int_equal(look("HTTP/1.1 400 Bad Request\r\n"), WSV_LOOK_HTTP_RESPONSE);
    assert_int_equal(look("GET /chat HTTP/1.1\r\nHost: x\r\n"), WSV_LOOK_HTTP_REQUEST);
    assert_int_equal(look("0\r\n\r\n"), WSV_LOOK_CHUNK_END);
    assert_int_equal(look("1a\r\n{\"op\":1}"), WSV_LOOK_CHUNK);
    static const uint8_t tls[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01};
    assert_int_equal(wsv_lookalike(tls, sizeof tls), WSV_LOOK_TLS);
    assert_int_equal(look("{\"op\":\"join\",\"room\":\"lobby\"}"), WSV_LOOK_JSON);
    assert_int_equal(look("<html><body>503</body></html>"), WSV_LOOK_XML);
    assert_int_equal(look("Service Unavailable, try later"), WSV_LOOK_TEXT);
    assert_string_equal(wsv_lookalike_name(WSV_LOOK_HTTP_RESPONSE), "an HTTP response");
    assert_string_equal(wsv_lookalike_name(WSV_LOOK_NONE), "");
    assert_string_equal(wsv_lookalike_name(WSV_LOOK_COUNT), "");
}

/* Real frame headers, even broken ones, are not another protocol. */
static void test_lookalike_frames_are_not(void **state)
{
    (void)state;
    static const uint8_t text[] = {0x81, 0x05, 'h', 'e', 'l', 'l', 'o'};
    static const uint8_t rsv2[] = {0x21, 0x85, 1, 2, 3, 4, 'a', 'b', 'c', 'd', 'e'};
    static const uint8_t ping[] = {0x09, 0x01, 'p'};
    static const uint8_t short_text[] = {0x21, 0x10, 'a', 'b', 'c', 'd', 'e', 'f', 'g',
                                         'h',  'i',  'j', 'k', 'l', 'm', 'n', 'o', 'p'};
    assert_int_equal(wsv_lookalike(text, sizeof text), WSV_LOOK_NONE);
    assert_int_equal(wsv_lookalike(rsv2, sizeof rsv2), WSV_LOOK_NONE);
    assert_int_equal(wsv_lookalike(ping, sizeof ping), WSV_LOOK_NONE);
    assert_int_equal(wsv_lookalike(short_text, sizeof short_text), WSV_LOOK_NONE);
    assert_int_equal(wsv_lookalike(text, 1), WSV_LOOK_NONE);
    assert_int_equal(wsv_lookalike(NULL, 0), WSV_LOOK_NONE);
    assert_int_equal(look("GET"), WSV_LOOK_NONE);
    assert_int_equal(look("{ not json"), WSV_LOOK_NONE);
}

/* ---- Compressed messages ----------------------------------------------- */

struct zrec {
    struct wsv_conn *c;
    unsigned dir;
    char bytes[256];
    size_t nbytes;
    uint64_t chunk_frames[16]; /* frame index of each call; ~0 for the end */
    size_t ncalls, nends;
    struct wsv_violation v[8];
    size_t nv;
    bool inflate_flags[16];
    /* what the fake inflater hands back at the end of the message */
    const char *inflated;
    size_t inflated_len;
    size_t split; /* hand it over in two calls, cut here (0: one call) */
    bool fail;    /* report pmd-decompress-fail instead */
};

static void z_violation(void *user, const struct wsv_frame *f, const struct wsv_violation *v)
{
    struct zrec *z = user;
    (void)f;
    if (z->nv < 8)
        z->v[z->nv++] = *v;
}

static void z_end(void *user, const struct wsv_frame *f)
{
    struct zrec *z = user;
    if (f->index < 16)
        z->inflate_flags[f->index] = f->inflate;
}

static const struct wsv_callbacks z_cb = {NULL, z_violation, z_end};

static void z_compressed(void *user, const struct wsv_frame *f, const uint8_t *p, size_t n)
{
    struct zrec *z = user;
    if (z->ncalls < 16)
        z->chunk_frames[z->ncalls] = p ? f->index : ~(uint64_t)0;
    z->ncalls++;
    if (p) {
        assert_true(z->nbytes + n <= sizeof z->bytes);
        memcpy(z->bytes + z->nbytes, p, n);
        z->nbytes += n;
        return;
    }
    z->nends++;
    if (z->fail) {
        wsv_conn_report(z->c, z->dir, WSV_R_PMD_DECOMPRESS_FAIL, 3, &z_cb, z);
    } else if (z->split) {
        wsv_conn_inflated(z->c, z->dir, z->inflated, z->split, 0, false, &z_cb, z);
        wsv_conn_inflated(z->c, z->dir, z->inflated + z->split, z->inflated_len - z->split,
                          z->split, true, &z_cb, z);
    } else {
        wsv_conn_inflated(z->c, z->dir, z->inflated, z->inflated_len, 0, true, &z_cb, z);
    }
}

/* Server to client (unmasked), permessage-deflate negotiated. */
static void z_setup(struct wsv_conn *c, struct zrec *z)
{
    struct wsv_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.role[0] = WSV_ROLE_CLIENT;
    cfg.role[1] = WSV_ROLE_SERVER;
    cfg.pmd.enabled = true;
    wsv_conn_init(c, &cfg);
    memset(z, 0, sizeof *z);
    z->c = c;
    z->dir = 1;
}

static void z_feed(struct wsv_conn *c, struct zrec *z, const uint8_t *p, size_t n, bool bytewise)
{
    if (!bytewise) {
        wsv_conn_feed_pmd(c, z->dir, p, n, &z_cb, z_compressed, z);
        return;
    }
    for (size_t i = 0; i < n; i++)
        wsv_conn_feed_pmd(c, z->dir, p + i, 1, &z_cb, z_compressed, z);
}

/* Text RSV1 FIN=0 "ab", a Ping between, continuation FIN=1 "cd", then an
 * uncompressed text "ok": the deflate bytes of frames 0 and 2 are handed out
 * in order, the end once, nothing else. */
static const uint8_t z_stream_bytes[] = {0x41, 0x02, 'a', 'b',  0x89, 0x01, 'p', 0x80,
                                         0x02, 'c',  'd', 0x81, 0x02, 'o',  'k'};

static void test_compressed_payload_handed_out(void **state)
{
    (void)state;
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        struct wsv_conn c;
        struct zrec z;
        z_setup(&c, &z);
        z.inflated = "\xe2\x82\xac ok";
        z.inflated_len = 6;
        z_feed(&c, &z, z_stream_bytes, sizeof z_stream_bytes, bytewise);
        assert_int_equal(z.nbytes, 4);
        assert_memory_equal(z.bytes, "abcd", 4);
        assert_int_equal(z.nends, 1);
        assert_int_equal(z.chunk_frames[z.ncalls - 1], ~(uint64_t)0);
        for (size_t i = 0; i + 1 < z.ncalls; i++)
            assert_true(z.chunk_frames[i] == 0 || z.chunk_frames[i] == 2);
        assert_true(z.inflate_flags[0] && !z.inflate_flags[1] && z.inflate_flags[2] &&
                    !z.inflate_flags[3]);
        assert_int_equal(z.nv, 0);
    }
}

/* A client's masked compressed frame is handed out unmasked. */
static void test_compressed_payload_unmasked(void **state)
{
    (void)state;
    static const uint8_t masked[] = {0xc1, 0x83, 0x01, 0x02, 0x03, 0x04, 'x' ^ 1, 'y' ^ 2, 'z' ^ 3};
    struct wsv_conn c;
    struct zrec z;
    z_setup(&c, &z);
    z.dir = 0;
    z_feed(&c, &z, masked, sizeof masked, false);
    assert_int_equal(z.nbytes, 3);
    assert_memory_equal(z.bytes, "xyz", 3);
    assert_int_equal(z.nends, 1);
}

/* Inflated text is validated like uncompressed text: the invalid byte's
 * offset in the inflated message is the detail, the frame is the one that
 * ends the message, and the direction has failed afterwards. */
static void test_compressed_text_invalid_after_inflate(void **state)
{
    (void)state;
    struct wsv_conn c;
    struct zrec z;
    z_setup(&c, &z);
    z.inflated = "abc\xc3\x28";
    z.inflated_len = 5;
    z_feed(&c, &z, z_stream_bytes, sizeof z_stream_bytes, false);
    assert_int_equal(z.nv, 2);
    assert_int_equal(z.v[0].rule, WSV_R_TEXT_UTF8_INVALID);
    assert_int_equal(z.v[0].frame_index, 2);
    assert_int_equal(z.v[0].detail, 4);
    assert_int_equal(z.v[0].offset, 9); /* the continuation's payload */
    assert_true(z.v[0].must_fail);
    assert_int_equal(z.v[0].expected_close, 1007);
    assert_int_equal(z.v[1].rule, WSV_R_AFTER_FAIL);
    assert_int_equal(z.v[1].frame_index, 3);
}

static void test_compressed_text_truncated_after_inflate(void **state)
{
    (void)state;
    struct wsv_conn c;
    struct zrec z;
    z_setup(&c, &z);
    z.inflated = "price: \xe2\x82";
    z.inflated_len = 9;
    z.split = 8; /* the sequence starts in the first call */
    z_feed(&c, &z, z_stream_bytes, sizeof z_stream_bytes, false);
    assert_true(z.nv >= 1);
    assert_int_equal(z.v[0].rule, WSV_R_TEXT_UTF8_TRUNCATED);
    assert_int_equal(z.v[0].detail, 7);
}

/* A code point split between two calls is fine; binary is never checked. */
static void test_compressed_text_split_and_binary_silent(void **state)
{
    (void)state;
    struct wsv_conn c;
    struct zrec z;
    z_setup(&c, &z);
    z.inflated = "\xe2\x82\xac";
    z.inflated_len = 3;
    z.split = 1;
    z_feed(&c, &z, z_stream_bytes, sizeof z_stream_bytes, false);
    assert_int_equal(z.nv, 0);

    static const uint8_t binary[] = {0xc2, 0x02, 'a', 'b', 0x81, 0x01, 'k'};
    z_setup(&c, &z);
    z.inflated = "\xff\xfe";
    z.inflated_len = 2;
    z_feed(&c, &z, binary, sizeof binary, false);
    assert_int_equal(z.nends, 1);
    assert_int_equal(z.nv, 0);
}

/* A caller's finding goes through the same funnel: its close code comes
 * from the rule table and the direction fails. */
static void test_report_decompress_fail(void **state)
{
    (void)state;
    struct wsv_conn c;
    struct zrec z;
    z_setup(&c, &z);
    z.fail = true;
    z_feed(&c, &z, z_stream_bytes, sizeof z_stream_bytes, false);
    assert_int_equal(z.nv, 2);
    assert_int_equal(z.v[0].rule, WSV_R_PMD_DECOMPRESS_FAIL);
    assert_int_equal(z.v[0].frame_index, 2);
    assert_int_equal(z.v[0].detail, 3);
    assert_int_equal(z.v[0].expected_close, 1007);
    assert_int_equal(z.v[1].rule, WSV_R_AFTER_FAIL);
}

/* Reported between frames, it still fails the direction. */
static void test_report_between_frames(void **state)
{
    (void)state;
    static const uint8_t two[] = {0x81, 0x01, 'a', 0x81, 0x01, 'b'};
    struct wsv_conn c;
    struct zrec z;
    z_setup(&c, &z);
    z_feed(&c, &z, two, 3, false);
    assert_true(wsv_conn_at_boundary(&c, 1));
    wsv_conn_report(&c, 1, WSV_R_NON_WEBSOCKET_BYTES, 1, &z_cb, &z);
    z_feed(&c, &z, two + 3, 3, false);
    assert_int_equal(z.nv, 2);
    assert_int_equal(z.v[0].rule, WSV_R_NON_WEBSOCKET_BYTES);
    assert_int_equal(z.v[0].frame_index, 0);
    assert_int_equal(z.v[1].rule, WSV_R_AFTER_FAIL);
    assert_int_equal(z.v[1].frame_index, 1);
    /* out of range: ignored */
    wsv_conn_report(&c, 2, WSV_R_NON_WEBSOCKET_BYTES, 0, &z_cb, &z);
    wsv_conn_report(&c, 1, WSV_RULE_COUNT, 0, &z_cb, &z);
    assert_int_equal(z.nv, 2);
}

/* Without a compressed callback (wsv_conn_feed) nothing changes: the deflate
 * bytes are skipped, never UTF-8 checked. After a gap a continuation may
 * belong to a compressed message: it is not handed out. */
static void test_compressed_without_callback_and_after_gap(void **state)
{
    (void)state;
    static const uint8_t bad[] = {0xc1, 0x02, 0xc3, 0x28};
    struct wsv_conn c;
    struct zrec z;
    z_setup(&c, &z);
    wsv_conn_feed(&c, 1, bad, sizeof bad, &z_cb, &z);
    assert_int_equal(z.nv, 0);
    assert_true(z.inflate_flags[0]);

    z_setup(&c, &z);
    z_feed(&c, &z, z_stream_bytes, 4, false); /* the first fragment */
    wsv_conn_gap(&c, 1, 3);
    z_feed(&c, &z, z_stream_bytes + 7, 4, false); /* its continuation */
    assert_int_equal(z.nbytes, 2);
    assert_int_equal(z.nends, 0);
    assert_int_equal(z.nv, 0);
}

int run_forensics_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reasons_rows_well_formed),
        cmocka_unit_test(test_reasons_rows_find_themselves),
        cmocka_unit_test(test_reasons_sources_well_formed),
        cmocka_unit_test(test_reasons_known_strings),
        cmocka_unit_test(test_reasons_most_specific_wins),
        cmocka_unit_test(test_lookalike_classes),
        cmocka_unit_test(test_lookalike_frames_are_not),
        cmocka_unit_test(test_compressed_payload_handed_out),
        cmocka_unit_test(test_compressed_payload_unmasked),
        cmocka_unit_test(test_compressed_text_invalid_after_inflate),
        cmocka_unit_test(test_compressed_text_truncated_after_inflate),
        cmocka_unit_test(test_compressed_text_split_and_binary_silent),
        cmocka_unit_test(test_report_decompress_fail),
        cmocka_unit_test(test_report_between_frames),
        cmocka_unit_test(test_compressed_without_callback_and_after_gap),
    };
    return cmocka_run_group_tests_name("forensics", tests, NULL, NULL);
}
