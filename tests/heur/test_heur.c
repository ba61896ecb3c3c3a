/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the mid-stream recogniser (wsv_heur.h), both ways: WebSocket
 * chains are found (clean, with violations, compressed, starting inside a
 * frame or a fragmented message, cut anywhere by segment ends), and other
 * protocols and random bytes are never claimed. Every segment is handed over
 * in a copy that touches a PROT_NONE page, once at its end and once at its
 * start: a read outside the segment crashes the test.
 *
 * Usage: wsv_heur_test [header|sniff|found|never] (default: all groups).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wsv/wsv_heur.h>

#include "harness.h"

#define U   WSV_HEUR_UNDECIDED
#define WS  WSV_HEUR_WEBSOCKET
#define NOT WSV_HEUR_NOT_WEBSOCKET

static struct guard G;
static bool at_head; /* where the guard page is: after the segment, or before it */

static struct bytes hx(const char *s)
{
    struct bytes b = {0};
    char err[160];
    if (!hex_parse(s, &b, err, sizeof err))
        fail_msg("bad hex notation: %s in \"%s\"", err, s);
    return b;
}

static enum wsv_heur_verdict feed(struct wsv_heur *h, unsigned dir, const uint8_t *p, size_t n,
                                  struct wsv_heur_span *sp)
{
    const uint8_t *q = at_head ? guard_head(&G, p, n) : guard_tail(&G, p, n);
    return wsv_heur_segment(h, dir, q, n, sp);
}

/* A scripted connection: one segment per step, the verdict after it and,
 * where given (>= 0), the span it reports. */
struct step {
    unsigned dir;
    const char *hex;
    int verdict;
    long first, end;
};
#define STEP(d, hex, v)                                                                            \
    {                                                                                              \
        (d), (hex), (v), -1, -1                                                                    \
    }
#define SPAN(d, hex, v, first, end)                                                                \
    {                                                                                              \
        (d), (hex), (v), (first), (end)                                                            \
    }

static void run_steps(struct wsv_heur *h, const struct step *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        struct bytes b = hx(s[i].hex);
        struct wsv_heur_span sp;
        enum wsv_heur_verdict v = feed(h, s[i].dir, b.p, b.len, &sp);
        if ((int)v != s[i].verdict)
            fail_msg("step %zu (%s): verdict %d, expected %d", i, s[i].hex, v, s[i].verdict);
        if (s[i].first >= 0 && (sp.first != (size_t)s[i].first || sp.end != (size_t)s[i].end))
            fail_msg("step %zu (%s): span [%zu, %zu), expected [%ld, %ld)", i, s[i].hex, sp.first,
                     sp.end, s[i].first, s[i].end);
        bytes_free(&b);
    }
}

/* Runs the script with the guard page after each segment, then before it;
 * leaves *h as the second run finished it. */
static void script(struct wsv_heur *h, const struct step *s, size_t n)
{
    for (int mode = 0; mode < 2; mode++) {
        at_head = mode == 1;
        wsv_heur_init(h);
        run_steps(h, s, n);
    }
    at_head = false;
}
#define SCRIPT(h, ...)                                                                             \
    do {                                                                                           \
        static const struct step steps_[] = {__VA_ARGS__};                                         \
        script((h), steps_, sizeof steps_ / sizeof steps_[0]);                                     \
    } while (0)

/* ---- header ---------------------------------------------------------------- */

static void check_header(const char *hex, unsigned len, uint64_t plen, uint8_t op, unsigned odd)
{
    struct bytes b = hx(hex);
    struct wsv_heur_hdr h;
    for (size_t n = 0; n < b.len; n++) {
        unsigned got = wsv_heur_header(guard_tail(&G, b.p, n), n, &h);
        if (n < len && got != 0)
            fail_msg("%s: %zu bytes parsed as a complete header", hex, n);
    }
    assert_int_equal(wsv_heur_header(guard_tail(&G, b.p, b.len), b.len, &h), len);
    assert_int_equal(h.len, len);
    assert_int_equal(h.payload_len, plen);
    assert_int_equal(h.opcode, op);
    if (h.odd != odd)
        fail_msg("%s: odd bits 0x%x, expected 0x%x", hex, h.odd, odd);
    bytes_free(&b);
}

static void test_header_lengths_and_mask(void **state)
{
    (void)state;
    struct wsv_heur_hdr h;
    check_header("81 05", 2, 5, 0x1, 0);
    check_header("82 7e 0100", 4, 256, 0x2, 0);
    check_header("82 7f 0000000000010000", 10, 65536, 0x2, 0);
    check_header("81 85 37fa213d", 6, 5, 0x1, 0);
    check_header("82 fe 0100 01020304", 8, 256, 0x2, 0);
    check_header("82 ff 0000000000010000 01020304", 14, 65536, 0x2, 0);
    assert_int_equal(wsv_heur_header((const uint8_t *)"\x81\x85\x37\xfa\x21\x3d", 6, &h), 6);
    assert_true(h.masked && h.fin);
    assert_memory_equal(h.mask, "\x37\xfa\x21\x3d", 4);
    assert_int_equal(wsv_heur_header((const uint8_t *)"\x41\x05", 2, &h), 2);
    assert_false(h.fin);
    assert_int_equal(h.rsv, 4);
}

static void test_header_odd_bits(void **state)
{
    (void)state;
    check_header("a1 00", 2, 0, 0x1, WSV_HEUR_ODD_RSV);            /* RSV2 */
    check_header("91 00", 2, 0, 0x1, WSV_HEUR_ODD_RSV);            /* RSV3 */
    check_header("c1 00", 2, 0, 0x1, 0);                           /* RSV1 on a text start */
    check_header("c9 00", 2, 0, 0x9, WSV_HEUR_ODD_RSV);            /* RSV1 on a Ping */
    check_header("c0 00", 2, 0, 0x0, WSV_HEUR_ODD_RSV);            /* RSV1 on a continuation */
    check_header("83 00", 2, 0, 0x3, WSV_HEUR_ODD_OPCODE);         /* reserved opcode */
    check_header("8b 00", 2, 0, 0xb, WSV_HEUR_ODD_OPCODE);         /* reserved control opcode */
    check_header("09 00", 2, 0, 0x9, WSV_HEUR_ODD_CONTROL);        /* fragmented Ping */
    check_header("89 7e 007e", 4, 126, 0x9, WSV_HEUR_ODD_CONTROL); /* Ping > 125 */
    check_header("82 7e 0005", 4, 5, 0x2, WSV_HEUR_ODD_LENGTH);    /* 16-bit form for 5 */
    check_header("82 7f 000000000000ffff", 10, 65535, 0x2, WSV_HEUR_ODD_LENGTH);
    check_header("82 7f 8000000000000004", 10, 0x8000000000000004ull, 0x2, WSV_HEUR_ODD_LENGTH);
    check_header("89 7e 0004", 4, 4, 0x9, WSV_HEUR_ODD_LENGTH); /* only non-minimal */
}

/* ---- sniff ----------------------------------------------------------------- */

static void check_sniff(const char *hex, enum wsv_heur_proto pr, enum wsv_lookalike lk)
{
    struct bytes b = hx(hex);
    enum wsv_heur_proto gpr;
    enum wsv_lookalike glk;
    for (int mode = 0; mode < 2; mode++) {
        const uint8_t *q = mode ? guard_head(&G, b.p, b.len) : guard_tail(&G, b.p, b.len);
        bool any = wsv_heur_sniff(q, b.len, &gpr, &glk);
        if (gpr != pr || glk != lk || any != (pr != WSV_PROTO_NONE || lk != WSV_LOOK_NONE))
            fail_msg("%s: sniffed (%d, %d), expected (%d, %d)", hex, gpr, glk, pr, lk);
    }
    bytes_free(&b);
}

static void test_sniff_protocols(void **state)
{
    (void)state;
    check_sniff("'SSH-2.0-OpenSSH_9.2p1 Debian-2' 0d0a", WSV_PROTO_SSH, WSV_LOOK_NONE);
    check_sniff("'*2' 0d0a '$3' 0d0a 'GET' 0d0a", WSV_PROTO_REDIS, WSV_LOOK_NONE);
    check_sniff("'+OK' 0d0a", WSV_PROTO_REDIS, WSV_LOOK_NONE);
    check_sniff("'$-1' 0d0a", WSV_PROTO_REDIS, WSV_LOOK_NONE);
    check_sniff("'-ERR unknown command' 0d0a", WSV_PROTO_REDIS, WSV_LOOK_NONE);
    check_sniff("10 10 0004 'MQTT' 04 02 003c 0004 'abcd'", WSV_PROTO_MQTT, WSV_LOOK_NONE);
    check_sniff("10 8c 01 0006 'MQIsdp' 03", WSV_PROTO_MQTT, WSV_LOOK_NONE);
    check_sniff("'TRACE / HTTP/1.1' 0d0a", WSV_PROTO_REQUEST_LINE, WSV_LOOK_NONE);
    check_sniff("'PRI * HTTP/2.0' 0d0a 0d0a 'SM' 0d0a 0d0a", WSV_PROTO_REQUEST_LINE, WSV_LOOK_NONE);
    check_sniff("'DESCRIBE rtsp://cam/s RTSP/1.0' 0d0a", WSV_PROTO_REQUEST_LINE, WSV_LOOK_NONE);
    check_sniff("'SIP/2.0 200 OK' 0d0a", WSV_PROTO_STATUS_LINE, WSV_LOOK_NONE);
    check_sniff("'220 mx ESMTP' 0d0a", WSV_PROTO_TEXT_LINE, WSV_LOOK_NONE);
    check_sniff("'GET /chat HTTP/1.1' 0d0a", WSV_PROTO_NONE, WSV_LOOK_HTTP_REQUEST);
    check_sniff("'HTTP/1.1 101 Switching Protocols' 0d0a", WSV_PROTO_NONE, WSV_LOOK_HTTP_RESPONSE);
    check_sniff("16 0301 0200 01 0001fc 0303", WSV_PROTO_NONE, WSV_LOOK_TLS);
    check_sniff("'0' 0d0a 0d0a", WSV_PROTO_NONE, WSV_LOOK_CHUNK_END);
    check_sniff("'{\"op\":\"join\"}'", WSV_PROTO_NONE, WSV_LOOK_JSON);
    check_sniff("'<?xml version=\"1.0\"?>'", WSV_PROTO_NONE, WSV_LOOK_XML);
}

static void test_sniff_websocket_frames_are_nothing(void **state)
{
    (void)state;
    check_sniff("81 05 'hello'", WSV_PROTO_NONE, WSV_LOOK_NONE);
    check_sniff("82 7e 0100 00*256", WSV_PROTO_NONE, WSV_LOOK_NONE);
    check_sniff("81 85 [37fa213d: 'Hello']", WSV_PROTO_NONE, WSV_LOOK_NONE);
    check_sniff("88 02 03e8", WSV_PROTO_NONE, WSV_LOOK_NONE);
    check_sniff("c1 0b ca48cdc9c957c84090 0000", WSV_PROTO_NONE, WSV_LOOK_NONE);
    assert_string_equal(wsv_heur_proto_name(WSV_PROTO_SSH), "an SSH banner");
    assert_string_equal(wsv_heur_proto_name(WSV_PROTO_COUNT), "");
}

/* ---- found ----------------------------------------------------------------- */

static void test_found_text_in_one_segment(void **state)
{
    (void)state;
    struct wsv_heur h;
    SCRIPT(&h, SPAN(1, "81 0b 'hello there'", WS, 0, 13));
    assert_int_equal(h.dir[1].t.clean, 1);
    assert_int_equal(h.dir[1].t.text, 1);
    assert_int_equal(h.dir[1].t.text_long, 1);
    assert_int_equal(h.dir[1].t.aligned, 1);
    assert_int_equal(h.dir[1].skipped, 0);
}

static void test_found_masked_client_text(void **state)
{
    (void)state;
    struct wsv_heur h;
    struct wsv_heur_inference inf;
    SCRIPT(&h, SPAN(0, "81 8c [37fa213d: 'Hello, world']", WS, 0, 18));
    wsv_heur_infer(&h, &inf);
    assert_int_equal(inf.role[0], WSV_ROLE_CLIENT);
    assert_int_equal(inf.role[1], WSV_ROLE_SERVER);
}

/* Binary frames earn no UTF-8 point: two segments are needed. */
static void test_found_binary_needs_two_segments(void **state)
{
    (void)state;
    struct wsv_heur h;
    SCRIPT(&h, SPAN(1, "82 05 0102030405", U, 0, 7), SPAN(0, "82 83 [01020304: aabbcc]", WS, 0, 9));
}

/* Several frames in one segment; empty Pings and Pongs prove nothing, not
 * even as a chain start. */
static void test_found_several_frames_per_segment(void **state)
{
    (void)state;
    struct wsv_heur h;
    SCRIPT(&h, SPAN(1, "89 00 8a 00", U, 4, 4), SPAN(1, "82 02 0102 89 00 82 02 0304", U, 0, 10),
           SPAN(1, "82 01 05", WS, 0, 3));
    assert_int_equal(h.dir[1].t.frames, 4);
    assert_int_equal(h.dir[1].t.clean, 3);
}

/* A frame cut by segment ends in its header and in its payload; the spans
 * cover only frames that start and end in the segment. The first segment
 * does not end between frames: its chain counts only once others follow. */
static void test_found_frames_cut_by_segments(void **state)
{
    (void)state;
    struct wsv_heur h;
    SCRIPT(&h, SPAN(1, "81 02 'ok' 82", U, 0, 4), SPAN(1, "7e 01", U, 2, 2),
           SPAN(1, "00 78*200", U, 201, 201), SPAN(1, "78*56 81 02 'ok' 82 01", U, 56, 60),
           SPAN(1, "ff 81 06 'thanks'", WS, 1, 9));
    assert_int_equal(h.dir[1].t.frames, 5);
    assert_int_equal(h.dir[1].t.aligned, 1);
    assert_int_equal(h.dir[1].discount, 1);
}

/* Frames that break rules stay in the chain but the chain must be longer:
 * with a clean prefix one segment would have been enough. */
static void test_found_violations_need_a_longer_chain(void **state)
{
    (void)state;
    struct wsv_heur h;
    SCRIPT(&h, STEP(1, "82 02 0102", U),     /* 2 */
           STEP(1, "a1 03 'abc'", U),        /* RSV2: 0 */
           STEP(1, "83 02 0102", U),         /* reserved opcode: -2 */
           STEP(1, "82 02 0304", U),         /* 0 */
           STEP(1, "81 08 'hello!!!'", WS)); /* 4 */
    assert_int_equal(h.dir[1].t.odd, 2);
    SCRIPT(&h, STEP(1, "82 02 0102", U), STEP(1, "82 02 0304", WS));
}

/* A capture that starts inside a frame: the search skips the frame's tail. */
static void test_found_start_inside_a_frame(void **state)
{
    (void)state;
    struct wsv_heur h;
    SCRIPT(&h,
           SPAN(1,
                "'the rest of a long message that began before the capture' 81 05 'hello' "
                "82 02 0102",
                U, 56, 67),
           SPAN(1, "81 08 'goodbye!'", WS, 0, 10));
    assert_int_equal(h.dir[1].skipped, 56);
    assert_int_equal(h.dir[1].t.frames, 3);
}

/* The same with a binary tail, where false chain starts are likelier: over
 * 200 seeds the true start must win nearly always, and the next segment
 * confirms it. */
static void test_found_start_inside_binary_frame(void **state)
{
    (void)state;
    uint64_t seed = 0x1234;
    unsigned exact = 0, found = 0;
    for (int i = 0; i < 200; i++) {
        uint8_t seg[400];
        size_t tail = 40 + prng_next(&seed) % 300;
        for (size_t k = 0; k < tail; k++)
            seg[k] = (uint8_t)prng_next(&seed);
        memcpy(seg + tail, "\x81\x05hello\x82\x02\x01\x02", 11);
        struct wsv_heur h;
        struct wsv_heur_span sp;
        wsv_heur_init(&h);
        assert_int_equal(feed(&h, 1, seg, tail + 11, &sp), U);
        exact += sp.first == tail && h.dir[1].skipped == tail;
        found += feed(&h, 1, (const uint8_t *)"\x81\x08goodbye!", 10, NULL) == WS;
    }
    printf("start inside a binary frame: %u/200 found, %u/200 at the true start\n", found, exact);
    assert_true(found >= 195);
    assert_true(exact >= 190);
}

/* The first segment is all inside one frame; the second holds its end. */
static void test_found_first_segment_all_inside_a_frame(void **state)
{
    (void)state;
    struct wsv_heur h;
    SCRIPT(&h,
           SPAN(1, "'payload bytes of a frame whose header was not captured' 2e*300", U, 354, 354),
           SPAN(1, "2e*20 81 05 'hello' 81 02 'ok'", U, 20, 31), STEP(1, "81 08 'goodbye!'", WS));
    assert_int_equal(h.dir[1].skipped, 374);
    assert_int_equal(h.dir[1].searched, 1);
}

/* A fragmented message was open when the capture started: its continuation
 * frames come first. */
static void test_found_inside_a_fragmented_message(void **state)
{
    (void)state;
    struct wsv_heur h;
    struct wsv_heur_inference inf;
    SCRIPT(&h, STEP(1, "00 0b ' and more, '", U), STEP(1, "80 05 'done.'", U),
           STEP(0, "81 82 [01020304: 'ok']", WS));
    wsv_heur_infer(&h, &inf);
    assert_true(inf.fragment_open[1]);
    assert_false(inf.fragment_open[0]);
    assert_int_equal(inf.role[1], WSV_ROLE_SERVER);
    assert_int_equal(inf.role[0], WSV_ROLE_CLIENT);
}

/* permessage-deflate: RSV1 on message starts, payloads that begin like raw
 * deflate data (made by zlib, wbits -15, 00 00 ff ff removed). */
static void test_found_compressed(void **state)
{
    (void)state;
    struct wsv_heur h;
    struct wsv_heur_inference inf;
    SCRIPT(&h, STEP(1, "c1 09 ca48cdc9c957c84090", U),
           STEP(1, "c1 15 4acecf2d284a2d2e4e4d51c848cdc9c9d75148461301 00", WS));
    wsv_heur_infer(&h, &inf);
    assert_int_equal(h.dir[1].t.rsv1, 2);
    assert_int_equal(h.dir[1].t.deflate, 2);
    assert_true(inf.pmd_likely);
}

/* RSV1 payloads whose first block has the invalid type 3: not deflate. */
static void test_found_rsv1_not_deflate(void **state)
{
    (void)state;
    struct wsv_heur h;
    struct wsv_heur_inference inf;
    SCRIPT(&h, STEP(1, "c2 04 06 010203", U), STEP(1, "82 04 01020304", WS));
    wsv_heur_infer(&h, &inf);
    assert_int_equal(h.dir[1].t.rsv1, 1);
    assert_int_equal(h.dir[1].t.deflate, 0);
    assert_false(inf.pmd_likely);
}

/* Roles from the mask bits; one masking direction decides both; two alike
 * decide nothing (one side breaks the masking rule). */
static void test_found_roles(void **state)
{
    (void)state;
    struct wsv_heur h;
    struct wsv_heur_inference inf;
    SCRIPT(&h, STEP(1, "82 85 [01020304: 0102030405]", U),
           STEP(0, "82 85 [05060708: 0102030405]", WS));
    wsv_heur_infer(&h, &inf);
    assert_int_equal(inf.role[0], WSV_ROLE_UNKNOWN);
    assert_int_equal(inf.role[1], WSV_ROLE_UNKNOWN);
    SCRIPT(&h, STEP(1, "82 05 0102030405", U), STEP(1, "82 05 0102030405", WS),
           STEP(1, "82 85 [01020304: 0102030405]", WS));
    wsv_heur_infer(&h, &inf);
    assert_int_equal(inf.role[1], WSV_ROLE_SERVER);
    assert_int_equal(inf.role[0], WSV_ROLE_CLIENT);
}

/* Once the connection is known, a direction's first segment may open with a
 * rule-breaking frame: it is taken if its chain lines up. */
static void test_found_trusted_start_takes_a_violation(void **state)
{
    (void)state;
    struct wsv_heur h;
    SCRIPT(&h, STEP(0, "81 8c [37fa213d: 'Hello, world']", WS),
           SPAN(1, "a1 03 'abc' 81 02 'ok'", WS, 0, 9));
    assert_int_equal(h.dir[1].skipped, 0);
    assert_int_equal(h.dir[1].t.odd, 1);
}

/* Text written into the stream without framing (an HTTP error response,
 * survey §2) where a header is due: counted, and the chain through it breaks
 * rules, so the connection is not claimed on it. */
static void test_found_injected_text_counts_against(void **state)
{
    (void)state;
    struct wsv_heur h;
    SCRIPT(&h, STEP(1, "82 02 0102", U),
           STEP(1, "'HTTP/1.1 400 Bad Request' 0d0a 'Content-Length: 0' 0d0a 0d0a", U));
    assert_int_equal(h.dir[1].t.injected, 1);
    assert_true(h.dir[1].t.odd >= 1);
}

/* After a gap the direction searches again. */
static void test_found_after_a_gap(void **state)
{
    (void)state;
    struct wsv_heur h;
    struct bytes a = hx("81 8c [37fa213d: 'Hello, world']"),
                 b = hx("'lost bytes of a frame' 82 02 0102");
    struct wsv_heur_span sp;
    wsv_heur_init(&h);
    assert_int_equal(feed(&h, 0, a.p, a.len, &sp), WS);
    wsv_heur_gap(&h, 0);
    assert_int_equal(h.dir[0].state, WSV_HEUR_SEARCH);
    assert_int_equal(feed(&h, 0, b.p, b.len, &sp), WS);
    assert_int_equal(sp.first, 21);
    assert_int_equal(sp.end, 25);
    bytes_free(&a);
    bytes_free(&b);
}

/* ---- never ----------------------------------------------------------------- */

/* Feeds segments until a verdict; returns it (never WebSocket here). */
static enum wsv_heur_verdict feed_all(struct wsv_heur *h, const char *const *segs, size_t n,
                                      const unsigned *dirs)
{
    enum wsv_heur_verdict v = WSV_HEUR_UNDECIDED;
    wsv_heur_init(h);
    for (size_t i = 0; i < n; i++) {
        struct bytes b = hx(segs[i]);
        unsigned dir = dirs ? dirs[i] : i & 1;
        v = feed(h, dir, b.p, b.len, NULL);
        if (getenv("HEUR_TRACE")) {
            const struct wsv_heur_dir *d = &h->dir[dir];
            printf("  seg %zu dir %u: verdict %d state %d frames %u clean %u odd %u aligned %u "
                   "discount %u searched %u\n",
                   i, dir, v, d->state, d->t.frames, d->t.clean, d->t.odd, d->t.aligned,
                   d->discount, d->searched);
        }
        bytes_free(&b);
        if (v == WS)
            fail_msg("segment %zu (%s) made the connection WebSocket", i, segs[i]);
    }
    return v;
}

static void test_never_http(void **state)
{
    (void)state;
    static const char *const segs[] = {
        "'GET /index.html HTTP/1.1' 0d0a 'Host: x' 0d0a 0d0a",
        "'HTTP/1.1 200 OK' 0d0a 'Content-Length: 9' 0d0a 0d0a 81 07 'abcdefg'",
        "'GET /feed HTTP/1.1' 0d0a 0d0a",
        ("'HTTP/1.1 200 OK' 0d0a 'Transfer-Encoding: chunked' 0d0a 0d0a '9' 0d0a 81 07 'abcdefg' "
         "0d0a '0' 0d0a 0d0a"),
    };
    struct wsv_heur h;
    assert_int_equal(feed_all(&h, segs, 4, NULL), NOT);
    assert_int_equal(h.look, WSV_LOOK_HTTP_REQUEST);
}

/* The middle of an HTTP download: body bytes, then chunk lines. A chain a
 * search picked by chance may wait for a long frame to end, but costs
 * nothing meanwhile. */
static void test_never_http_body_midstream(void **state)
{
    (void)state;
    uint64_t seed = 99;
    unsigned rejected = 0;
    for (int conn = 0; conn < 200; conn++) {
        struct wsv_heur h;
        wsv_heur_init(&h);
        for (int i = 0; i < 100 && h.verdict != NOT; i++) {
            uint8_t seg[1448];
            for (size_t k = 0; k < sizeof seg; k++)
                seg[k] = (uint8_t)prng_next(&seed);
            if (i % 10 == 9)
                memcpy(seg, "5a8\r\n", 5); /* a chunk size line */
            assert_int_not_equal(feed(&h, 1, seg, sizeof seg, NULL), WS);
        }
        rejected += h.verdict == NOT;
    }
    assert_true(rejected >= 190);
}

static void test_never_tls(void **state)
{
    (void)state;
    static const char *const segs[] = {
        "16 0301 0010 01 00000c 0303 0102030405060708",
        "16 0303 0010 02 00000c 0303 0102030405060708 14 0303 0001 01",
    };
    static const char *const mid[] = {"17 0303 0010 00112233445566778899aabbccddeeff",
                                      "17 0303 0008 0011223344556677"};
    struct wsv_heur h;
    assert_int_equal(feed_all(&h, segs, 2, NULL), NOT);
    assert_int_equal(h.look, WSV_LOOK_TLS);
    assert_int_equal(feed_all(&h, mid, 2, NULL), NOT);
}

/* SSH: the banner, then binary packets (length, padding length, payload). */
static void test_never_ssh(void **state)
{
    (void)state;
    static const char *const segs[] = {"'SSH-2.0-OpenSSH_9.2p1' 0d0a", "'SSH-2.0-Go' 0d0a"};
    struct wsv_heur h;
    assert_int_equal(feed_all(&h, segs, 2, NULL), NOT);
    assert_int_equal(h.proto, WSV_PROTO_SSH);

    /* Mid-stream: each packet starts 00 00 xx yy (a 32-bit length), which
     * reads as an empty continuation frame followed by something. */
    uint64_t seed = 7;
    for (int conn = 0; conn < 300; conn++) {
        wsv_heur_init(&h);
        for (int i = 0; i < 30 && h.verdict == U; i++) {
            uint8_t seg[600];
            size_t len = 16 + 8 * (prng_next(&seed) % 70);
            uint32_t plen = (uint32_t)len - 4 - 16; /* + a 16-byte MAC */
            seg[0] = 0;
            seg[1] = 0;
            seg[2] = (uint8_t)(plen >> 8);
            seg[3] = (uint8_t)plen;
            for (size_t k = 4; k < len; k++)
                seg[k] = (uint8_t)prng_next(&seed);
            assert_int_not_equal(feed(&h, i & 1, seg, len, NULL), WS);
        }
    }
}

static void test_never_redis(void **state)
{
    (void)state;
    static const char *const segs[] = {
        "'*3' 0d0a '$3' 0d0a 'SET' 0d0a '$1' 0d0a 'k' 0d0a '$1' 0d0a 'v' 0d0a", "'+OK' 0d0a",
        "'*2' 0d0a '$3' 0d0a 'GET' 0d0a '$1' 0d0a 'k' 0d0a", "'$1' 0d0a 'v' 0d0a"};
    struct wsv_heur h;
    assert_int_equal(feed_all(&h, segs, 4, NULL), NOT);
    assert_int_equal(h.proto, WSV_PROTO_REDIS);
}

/* MQTT reads like WebSocket (type/flags byte, then a 7-bit length), but its
 * PUBLISH, SUBACK and PINGREQ headers break frame rules. */
static void test_never_mqtt(void **state)
{
    (void)state;
    static const char *const start[] = {"10 10 0004 'MQTT' 04 02 003c 0004 'abcd'", "20 02 0000"};
    static const char *const mid[] = {
        "82 08 0001 0003 'a/b' 00",
        "90 03 0001 00",
        "30 0a 0003 'a/b' 'hello'",
        "40 02 0001",
        "c0 00",
        "d0 00",
        "30 0a 0003 'a/b' 'world'",
        "30 0a 0003 'a/b' 'again'",
        "82 08 0002 0003 'c/d' 01",
        "90 03 0002 01",
        "30 0a 0003 'c/d' 'hello'",
        "c0 00",
        "d0 00",
        "30 0a 0003 'c/d' 'hello'",
    };
    static const unsigned dirs[] = {0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1, 0, 1};
    struct wsv_heur h;
    assert_int_equal(feed_all(&h, start, 2, NULL), NOT);
    assert_int_equal(h.proto, WSV_PROTO_MQTT);
    assert_int_equal(feed_all(&h, mid, sizeof mid / sizeof mid[0], dirs), NOT);
}

static void test_never_text_protocols(void **state)
{
    (void)state;
    static const char *const smtp[] = {"'220 mx.example.test ESMTP' 0d0a",
                                       "'EHLO client' 0d0a",
                                       "'250-mx.example.test' 0d0a '250 SIZE 1000' 0d0a",
                                       "'MAIL FROM:<a@b>' 0d0a",
                                       "'250 OK' 0d0a",
                                       "'DATA' 0d0a",
                                       "'354 go ahead' 0d0a",
                                       "'Subject: hi' 0d0a 0d0a 'hello' 0d0a '.' 0d0a",
                                       "'250 OK queued' 0d0a"};
    static const char *const jsonl[] = {
        "'{\"id\":1,\"method\":\"ping\"}' 0a", "'{\"id\":1,\"result\":\"pong\"}' 0a",
        "'{\"id\":2,\"method\":\"ping\"}' 0a", "'{\"id\":2,\"result\":\"pong\"}' 0a",
        "'{\"id\":3,\"method\":\"ping\"}' 0a", "'{\"id\":3,\"result\":\"pong\"}' 0a",
        "'{\"id\":4,\"method\":\"ping\"}' 0a", "'{\"id\":4,\"result\":\"pong\"}' 0a"};
    struct wsv_heur h;
    assert_int_equal(feed_all(&h, smtp, sizeof smtp / sizeof smtp[0], NULL), NOT);
    assert_int_equal(feed_all(&h, jsonl, sizeof jsonl / sizeof jsonl[0], NULL), NOT);
}

/* DNS over TCP: every message has a 16-bit length prefix, "00 LL", which
 * reads as a non-final continuation frame that fills the segment exactly. */
static void test_never_length_prefixed(void **state)
{
    (void)state;
    uint64_t seed = 53;
    for (int conn = 0; conn < 300; conn++) {
        struct wsv_heur h;
        wsv_heur_init(&h);
        for (int i = 0; i < 40 && h.verdict == U; i++) {
            uint8_t seg[300];
            size_t len = 12 + prng_next(&seed) % 280;
            seg[0] = (uint8_t)((len - 2) >> 8);
            seg[1] = (uint8_t)(len - 2);
            for (size_t k = 2; k < len; k++)
                seg[k] = (uint8_t)prng_next(&seed);
            assert_int_not_equal(feed(&h, i & 1, seg, len, NULL), WS);
        }
    }
}

/* Random bytes in random segment sizes, large and small, both directions: a
 * connection is never claimed, and almost always given up quickly. */
static void random_connections(unsigned conns, size_t maxlen, unsigned *not_ws, unsigned *work)
{
    uint64_t seed = 0xC0FFEE ^ maxlen;
    *not_ws = *work = 0;
    for (unsigned conn = 0; conn < conns; conn++) {
        struct wsv_heur h;
        wsv_heur_init(&h);
        for (int i = 0; i < 64 && h.verdict == U; i++) {
            uint8_t seg[1448];
            size_t len = 1 + prng_next(&seed) % maxlen;
            for (size_t k = 0; k < len; k++)
                seg[k] = (uint8_t)prng_next(&seed);
            if (feed(&h, prng_next(&seed) & 1, seg, len, NULL) == WS)
                fail_msg("random connection %u (segments up to %zu bytes) claimed at segment %d",
                         conn, maxlen, i);
        }
        *not_ws += h.verdict == NOT;
        *work += h.work;
    }
}

static void test_never_random_bytes(void **state)
{
    (void)state;
    static const size_t sizes[] = {1448, 200, 40, 8};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned not_ws, work;
        random_connections(3000, sizes[i], &not_ws, &work);
        printf("random, segments up to %zu bytes: %u/3000 rejected, %.1f segments of work each\n",
               sizes[i], not_ws, work / 3000.0);
        assert_true(not_ws >= 2820); /* the rest wait, at no cost, for a long frame */
    }
}

/* ---- main ------------------------------------------------------------------ */

static int setup(void **state)
{
    (void)state;
    guard_init(&G, 1 << 16);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    guard_free(&G);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct CMUnitTest header[] = {
        cmocka_unit_test(test_header_lengths_and_mask),
        cmocka_unit_test(test_header_odd_bits),
    };
    static const struct CMUnitTest sniff[] = {
        cmocka_unit_test(test_sniff_protocols),
        cmocka_unit_test(test_sniff_websocket_frames_are_nothing),
    };
    static const struct CMUnitTest found[] = {
        cmocka_unit_test(test_found_text_in_one_segment),
        cmocka_unit_test(test_found_masked_client_text),
        cmocka_unit_test(test_found_binary_needs_two_segments),
        cmocka_unit_test(test_found_several_frames_per_segment),
        cmocka_unit_test(test_found_frames_cut_by_segments),
        cmocka_unit_test(test_found_violations_need_a_longer_chain),
        cmocka_unit_test(test_found_start_inside_a_frame),
        cmocka_unit_test(test_found_start_inside_binary_frame),
        cmocka_unit_test(test_found_first_segment_all_inside_a_frame),
        cmocka_unit_test(test_found_inside_a_fragmented_message),
        cmocka_unit_test(test_found_compressed),
        cmocka_unit_test(test_found_rsv1_not_deflate),
        cmocka_unit_test(test_found_roles),
        cmocka_unit_test(test_found_trusted_start_takes_a_violation),
        cmocka_unit_test(test_found_injected_text_counts_against),
        cmocka_unit_test(test_found_after_a_gap),
    };
    static const struct CMUnitTest never[] = {
        cmocka_unit_test(test_never_http),
        cmocka_unit_test(test_never_http_body_midstream),
        cmocka_unit_test(test_never_tls),
        cmocka_unit_test(test_never_ssh),
        cmocka_unit_test(test_never_redis),
        cmocka_unit_test(test_never_mqtt),
        cmocka_unit_test(test_never_text_protocols),
        cmocka_unit_test(test_never_length_prefixed),
        cmocka_unit_test(test_never_random_bytes),
    };
    const char *group = argc > 1 ? argv[1] : "all";
    bool all = strcmp(group, "all") == 0;
    int failed = 0, ran = 0;

#define GROUP(name)                                                                                \
    if (all || strcmp(group, #name) == 0) {                                                        \
        ran = 1;                                                                                   \
        failed |= cmocka_run_group_tests_name(#name, name, setup, teardown);                       \
    }
    GROUP(header)
    GROUP(sniff)
    GROUP(found)
    GROUP(never)
#undef GROUP
    if (!ran) {
        fprintf(stderr, "usage: %s [header|sniff|found|never]\n", argv[0]);
        return 2;
    }
    return failed ? 1 : 0;
}
