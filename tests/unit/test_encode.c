/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The frame encoder (wsv_encode.h), and every scenario of ws1002-probe
 * (tools/probe/scenarios.c) fed back to the validator core: a scenario must
 * make the core report exactly the rule it claims to break, on exactly the
 * frames it marks, and a legal look-alike nothing at all. Each scenario is
 * fed whole and one byte at a time against guard pages; both runs must
 * report the same events.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wsv/wsv_encode.h>
#include <wsv/wsv_handshake.h>

#include "harness.h"
#include "pmd.h"
#include "scenarios.h"
#include "tests.h"

static void expect_bytes(const uint8_t *got, size_t n, const char *hex)
{
    struct bytes want = {0};
    char err[128];
    if (!hex_parse(hex, &want, err, sizeof err))
        fail_msg("bad hex in test: %s", err);
    if (n != want.len || memcmp(got, want.p, n) != 0) {
        print_message("    got %zu bytes:", n);
        for (size_t i = 0; i < n; i++)
            print_message(" %02x", got[i]);
        print_message("\n    want: %s\n", hex);
        bytes_free(&want);
        fail_msg("encoded bytes differ");
    }
    bytes_free(&want);
}

/* RFC 6455 §5.7, every example. */
static void test_wsv_encode_rfc6455_examples(void **state)
{
    (void)state;
    uint8_t out[70000], big[65536] = {0};
    struct wsv_frame_spec text = {.fin = true, .opcode = WSV_OP_TEXT};
    size_t n = wsv_encode_frame(&text, "Hello", 5, out, sizeof out);
    expect_bytes(out, n, "81 05 48 65 6c 6c 6f");

    struct wsv_frame_spec masked = {
        .fin = true, .opcode = WSV_OP_TEXT, .masked = true, .mask = {0x37, 0xfa, 0x21, 0x3d}};
    n = wsv_encode_frame(&masked, "Hello", 5, out, sizeof out);
    expect_bytes(out, n, "81 85 37 fa 21 3d 7f 9f 4d 51 58");

    struct wsv_frame_spec first = {.opcode = WSV_OP_TEXT}, last = {.fin = true};
    n = wsv_encode_frame(&first, "Hel", 3, out, sizeof out);
    expect_bytes(out, n, "01 03 48 65 6c");
    n = wsv_encode_frame(&last, "lo", 2, out, sizeof out);
    expect_bytes(out, n, "80 02 6c 6f");

    struct wsv_frame_spec ping = {.fin = true, .opcode = WSV_OP_PING};
    n = wsv_encode_frame(&ping, "Hello", 5, out, sizeof out);
    expect_bytes(out, n, "89 05 48 65 6c 6c 6f");
    struct wsv_frame_spec pong = masked;
    pong.opcode = WSV_OP_PONG;
    n = wsv_encode_frame(&pong, "Hello", 5, out, sizeof out);
    expect_bytes(out, n, "8a 85 37 fa 21 3d 7f 9f 4d 51 58");

    struct wsv_frame_spec bin = {.fin = true, .opcode = WSV_OP_BINARY};
    n = wsv_encode_frame(&bin, big, 256, out, sizeof out);
    assert_int_equal(n, 4 + 256);
    expect_bytes(out, 4, "82 7e 01 00");
    n = wsv_encode_frame(&bin, big, 65536, out, sizeof out);
    assert_int_equal(n, 10 + 65536);
    expect_bytes(out, 10, "82 7f 00 00 00 00 00 01 00 00");
}

/* The minimal form switches at 125/126 and 65535/65536; a forced form
 * writes a non-minimal length; an override writes any number. */
static void test_wsv_encode_length_forms(void **state)
{
    (void)state;
    uint8_t out[70000], pl[65536] = {0};
    struct wsv_frame_spec s = {.fin = true, .opcode = WSV_OP_BINARY};
    assert_int_equal(wsv_encode_frame(&s, pl, 125, out, sizeof out), 2 + 125);
    assert_int_equal(out[1], 125);
    assert_int_equal(wsv_encode_frame(&s, pl, 126, out, sizeof out), 4 + 126);
    assert_int_equal(out[1], 126);
    assert_int_equal(wsv_encode_frame(&s, pl, 65535, out, sizeof out), 4 + 65535);
    assert_int_equal(wsv_encode_header_size(&s, 65536), 10);

    s.len_form = WSV_LEN_16;
    expect_bytes(out, wsv_encode_frame(&s, "short", 5, out, sizeof out), "82 7e 00 05 'short'");
    s.len_form = WSV_LEN_64;
    expect_bytes(out, wsv_encode_frame(&s, "ab", 2, out, sizeof out),
                 "82 7f 00 00 00 00 00 00 00 02 'ab'");
    s.length_override = true;
    s.length_value = 0x8000000000000004u;
    expect_bytes(out, wsv_encode_frame(&s, "abcd", 4, out, sizeof out),
                 "82 7f 80 00 00 00 00 00 00 04 'abcd'");

    /* Every header bit goes where it says: RSV, FIN clear, any opcode. */
    struct wsv_frame_spec odd = {.rsv = 0x7, .opcode = 0xf, .masked = true, .mask = {1, 2, 3, 4}};
    expect_bytes(out, wsv_encode_frame(&odd, "\x01\x02\x03\x04\x05", 5, out, sizeof out),
                 "7f 85 01020304 00 00 00 00 04");
}

/* A form that cannot hold the length, or a buffer that cannot hold the
 * frame: nothing is written. */
static void test_wsv_encode_refuses_what_does_not_fit(void **state)
{
    (void)state;
    uint8_t out[300], pl[200] = {0};
    struct wsv_frame_spec s = {.fin = true, .opcode = WSV_OP_TEXT, .len_form = WSV_LEN_7};
    assert_int_equal(wsv_encode_header_size(&s, 126), 0);
    memset(out, 0xaa, sizeof out);
    assert_int_equal(wsv_encode_frame(&s, pl, 126, out, sizeof out), 0);
    assert_int_equal(out[0], 0xaa);
    s.len_form = WSV_LEN_16;
    assert_int_equal(wsv_encode_header_size(&s, 65536), 0);
    s.len_form = WSV_LEN_MINIMAL;
    assert_int_equal(wsv_encode_frame(&s, pl, 10, out, 11), 0);
    assert_int_equal(out[0], 0xaa);
    assert_int_equal(wsv_encode_frame(&s, pl, 10, out, 12), 12);
    assert_int_equal(wsv_encode_frame(&s, NULL, 0, out, 2), 2);
}

static void test_wsv_encode_close_body(void **state)
{
    (void)state;
    uint8_t out[8];
    expect_bytes(out, wsv_encode_close_body(1000, "bye", 3, out, sizeof out), "03 e8 'bye'");
    expect_bytes(out, wsv_encode_close_body(65535, NULL, 0, out, sizeof out), "ff ff");
    assert_int_equal(wsv_encode_close_body(1000, "bye", 3, out, 4), 0);
    assert_int_equal(wsv_encode_close_body(1000, NULL, 0, out, 1), 0);
}

/* ---- Every probe scenario, through the core ----------------------------- */

struct sc_bytes {
    struct bytes b;
    uint64_t start[PROBE_MAX_FRAMES]; /* stream offset of each frame */
    unsigned nframes;
};

/* The client's bytes, as the probe sends them (fixed masking keys). */
static void scenario_bytes(const struct probe_scenario *sc, struct sc_bytes *out)
{
    struct probe_deflater z = {0};
    memset(out, 0, sizeof *out);
    out->nframes = probe_frame_count(sc);
    for (unsigned i = 0; i < out->nframes; i++) {
        uint8_t frame[PROBE_MAX_PAYLOAD + 128];
        const uint8_t mask[4] = {0x5a, (uint8_t)(0x10 + i), 0xc3, 0x81};
        size_t n = probe_frame_encode(&sc->frames[i], &z, mask, frame, sizeof frame);
        if (n == 0)
            fail_msg("%s: frame %u does not encode", sc->name, i);
        out->start[i] = out->b.len;
        bytes_put(&out->b, frame, n);
    }
    probe_deflater_free(&z);
}

static void scenario_config(const struct probe_scenario *sc, struct wsv_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->role[0] = WSV_ROLE_CLIENT;
    cfg->role[1] = WSV_ROLE_SERVER;
    cfg->pmd.enabled = sc->pmd;
}

/* Where the reader's inflated bytes go, if anywhere. */
static struct bytes *inflated_sink;

static void on_inflated(void *user, const uint8_t *p, size_t n)
{
    (void)user;
    if (inflated_sink)
        bytes_put(inflated_sink, p, n);
}

/* Feed through the probe's reader (it inflates what is compressed, as the
 * probe does with the server's frames), n bytes at a time. */
static void scenario_feed(const struct probe_scenario *sc, const struct sc_bytes *in,
                          struct guard *g, size_t step, struct recorder *rec)
{
    struct wsv_config cfg;
    struct wsv_conn conn;
    scenario_config(sc, &cfg);
    wsv_conn_init(&conn, &cfg);
    struct probe_reader rd = {
        .conn = &conn, .dir = 0, .cb = &rec_callbacks, .user = rec, .inflated = on_inflated};
    for (size_t pos = 0; pos < in->b.len; pos += step) {
        size_t n = in->b.len - pos < step ? in->b.len - pos : step;
        const uint8_t *q = guard_tail(g, in->b.p + pos, n);
        rec->fed += n;
        probe_reader_feed(&rd, q, n);
    }
    probe_reader_free(&rd);
    if (rec->err[0])
        events_print(rec);
    if (rec->err[0])
        fail_msg("%s: %s", sc->name, rec->err);
}

/* The request the scenario's handshake sends: only a version row may break
 * a rule in it, and then exactly handshake-version. */
struct hs_seen {
    unsigned count[WSV_RULE_COUNT];
};

static void hs_count(void *user, const struct wsv_hs_violation *v)
{
    ((struct hs_seen *)user)->count[v->rule]++;
}

static void check_request(const struct probe_scenario *sc)
{
    char req[1024];
    struct probe_request rq = {.kind = sc->request,
                               .host = "127.0.0.1:9",
                               .path = "/",
                               .key = "dGhlIHNhbXBsZSBub25jZQ==",
                               .offer_pmd = sc->pmd,
                               .scenario = sc->name};
    size_t n = probe_request_write(&rq, req, sizeof req);
    assert_true(n > 0);
    struct wsv_hs_request rec = {0};
    struct hs_seen seen = {0};
    assert_int_equal(wsv_hs_check_request((const uint8_t *)req, n, &rec, hs_count, &seen, NULL),
                     WSV_HTTP_OK);
    for (unsigned r = 0; r < WSV_RULE_COUNT; r++) {
        unsigned want = sc->request != PROBE_REQ_NORMAL && r == WSV_R_HANDSHAKE_VERSION;
        if (seen.count[r] != want)
            fail_msg("%s: the request reports %s %u times, expected %u", sc->name,
                     wsv_rule_get(r)->id, seen.count[r], want);
    }
    assert_int_equal(rec.pmd_complete && rec.npmd == 1, sc->pmd);
}

static void run_scenario(void **state)
{
    const struct probe_scenario *sc = *state;
    check_request(sc);
    if (sc->request != PROBE_REQ_NORMAL) {
        assert_int_equal(probe_frame_count(sc), 0);
        assert_int_equal(probe_expect(sc), PROBE_REFUSE);
        return;
    }
    struct sc_bytes in;
    scenario_bytes(sc, &in);
    struct guard g;
    guard_init(&g, in.b.len);
    struct recorder whole = {0}, bytewise = {0};
    scenario_feed(sc, &in, &g, in.b.len, &whole);
    scenario_feed(sc, &in, &g, 1, &bytewise);
    char msg[256];
    if (!events_equal(&whole, &bytewise, msg, sizeof msg)) {
        events_print(&whole);
        fail_msg("%s: whole and byte-at-a-time differ: %s", sc->name, msg);
    }

    /* Every frame was parsed where the encoder put it. */
    unsigned begun = 0;
    for (size_t i = 0; i < whole.n; i++)
        if (whole.ev[i].type == EV_BEGIN) {
            if (begun >= in.nframes || whole.ev[i].f.offset != in.start[begun])
                fail_msg("%s: frame %u parsed at a wrong offset", sc->name, begun);
            begun++;
        }
    assert_int_equal(begun, in.nframes);

    /* Exactly the scenario's rule on the frames that break it; after a
     * must-fail violation only the after-fail note; nothing elsewhere. */
    unsigned on_breaking = 0;
    bool failed = false;
    for (size_t i = 0; i < whole.n; i++) {
        const struct event *e = &whole.ev[i];
        if (e->type != EV_VIOLATION)
            continue;
        bool breaks = e->f.index < in.nframes && sc->frames[e->f.index].breaks;
        if (!sc->legal && breaks && e->v.rule == sc->rule) {
            on_breaking++;
            failed |= e->v.must_fail;
            continue;
        }
        if (failed && e->v.rule == WSV_R_AFTER_FAIL)
            continue;
        events_print(&whole);
        fail_msg("%s: unexpected %s on frame %u", sc->name, wsv_rule_get(e->v.rule)->id,
                 (unsigned)e->f.index);
    }
    unsigned breaking = 0;
    for (unsigned i = 0; i < in.nframes; i++)
        breaking += sc->frames[i].breaks;
    if (sc->legal)
        assert_int_equal(breaking, 0);
    else if (on_breaking != breaking || breaking == 0)
        fail_msg("%s: %s reported on %u frames, %u marked", sc->name, wsv_rule_get(sc->rule)->id,
                 on_breaking, breaking);
    /* What the server is held to follows from the rule's severity. */
    if (!sc->legal)
        assert_int_equal(failed, probe_expect(sc) == PROBE_FAIL);

    rec_free(&whole);
    rec_free(&bytewise);
    guard_free(&g);
    bytes_free(&in.b);
}

/* The deflater is what the reader inflates: a compressed message in three
 * fragments, the last one empty, comes back whole, and the empty message
 * after it inflates to nothing (not to the tail of the first). */
static void test_probe_deflate_round_trip(void **state)
{
    (void)state;
    static const struct probe_scenario sc = {
        .name = "round-trip",
        .rule = WSV_R_PMD_RSV1_ON_CONTINUATION,
        .legal = true,
        .pmd = true,
        .frames = {{.used = true,
                    .opcode = WSV_OP_TEXT,
                    .rsv = 4,
                    .deflate = true,
                    .more = true,
                    .data = "caf\xc3",
                    .len = 4},
                   {.used = true,
                    .opcode = WSV_OP_CONT,
                    .deflate = true,
                    .more = true,
                    .data = "\xa9 caf\xc3\xa9",
                    .len = 7},
                   {.used = true, .opcode = WSV_OP_CONT, .deflate = true},
                   {.used = true, .opcode = WSV_OP_TEXT, .rsv = 4, .deflate = true}},
    };
    struct sc_bytes in;
    scenario_bytes(&sc, &in);
    struct recorder rec = {0};
    struct guard g;
    guard_init(&g, in.b.len);
    struct bytes out = {0};
    inflated_sink = &out;
    scenario_feed(&sc, &in, &g, in.b.len, &rec);
    inflated_sink = NULL;
    for (size_t i = 0; i < rec.n; i++)
        assert_int_not_equal(rec.ev[i].type, EV_VIOLATION);
    assert_int_equal(out.len, 11);
    assert_memory_equal(out.p, "caf\xc3\xa9 caf\xc3\xa9", 11);
    bytes_free(&out);
    rec_free(&rec);
    guard_free(&g);
    bytes_free(&in.b);
}

int run_encode_tests(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_wsv_encode_rfc6455_examples),
        cmocka_unit_test(test_wsv_encode_length_forms),
        cmocka_unit_test(test_wsv_encode_refuses_what_does_not_fit),
        cmocka_unit_test(test_wsv_encode_close_body),
        cmocka_unit_test(test_probe_deflate_round_trip),
    };
    size_t nfixed = sizeof fixed / sizeof fixed[0], n = nfixed + probe_scenario_count;
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    char(*names)[160] = calloc(probe_scenario_count, sizeof *names);
    if (!tests || !names)
        return 1;
    memcpy(tests, fixed, sizeof fixed);
    for (size_t i = 0; i < probe_scenario_count; i++) {
        const struct probe_scenario *sc = &probe_scenarios[i];
        /* test_<rule>_<fires|silent>_probe_<scenario>, as the case tables */
        int k = snprintf(names[i], sizeof names[i], "test_%s_%s_probe_%s",
                         wsv_rule_get(sc->rule)->id, sc->legal ? "silent" : "fires", sc->name);
        for (int j = 0; j < k; j++)
            if (names[i][j] == '-')
                names[i][j] = '_';
        tests[nfixed + i].name = names[i];
        tests[nfixed + i].test_func = run_scenario;
        tests[nfixed + i].initial_state = (void *)sc;
    }
    int rc = _cmocka_run_group_tests("encode", tests, n, NULL, NULL);
    free(tests);
    free(names);
    return rc;
}
