/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Stream-level properties of the core that one case cannot show: gaps, the two
 * directions, a zeroed connection, constant state for a 1 MiB message, and
 * UTF-8 checked against an independent reference decoder.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "tests.h"

/* ---- Allocation counting (linked with -Wl,--wrap=malloc,...) ------------ */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);

static bool counting;
static unsigned long allocs;

void *__wrap_malloc(size_t n)
{
    allocs += counting;
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t m)
{
    allocs += counting;
    return __real_calloc(n, m);
}

void *__wrap_realloc(void *p, size_t n)
{
    allocs += counting;
    return __real_realloc(p, n);
}

/* ---- Helpers ------------------------------------------------------------ */

static void parse(const char *hex, struct bytes *b)
{
    char err[128];
    if (!hex_parse(hex, b, err, sizeof(err)))
        fail_msg("bad hex notation: %s", err);
}

/* Room for n events, so that recording allocates nothing while the core's
 * allocations are counted. */
static void rec_reserve(struct recorder *r, size_t n)
{
    r->ev = realloc(r->ev, n * sizeof(*r->ev));
    assert_non_null(r->ev);
    r->cap = n;
}

/* Feed p[0..n) to direction dir in chunks of `chunk` bytes (0: whole). */
static void feed_chunks(struct recorder *r, struct wsv_conn *c, unsigned dir, struct guard *g,
                        const uint8_t *p, size_t n, size_t chunk)
{
    if (chunk == 0)
        chunk = n ? n : 1;
    for (size_t pos = 0; pos < n; pos += chunk)
        rec_feed(r, c, dir, g, p + pos, n - pos < chunk ? n - pos : chunk);
}

struct vexp {
    enum wsv_rule rule;
    uint64_t frame, offset;
};

static void expect_violations(const struct recorder *r, const struct vexp *exp, size_t n)
{
    size_t k = 0;
    bool ok = true;
    for (size_t i = 0; i < r->n; i++) {
        const struct event *e = &r->ev[i];
        if (e->type != EV_VIOLATION)
            continue;
        if (k >= n || e->v.rule != exp[k].rule || e->v.frame_index != exp[k].frame ||
            e->v.offset != exp[k].offset)
            ok = false;
        k++;
    }
    if (!ok || k != n) {
        print_message("    expected:\n");
        for (size_t i = 0; i < n; i++)
            print_message("      %s frame=%" PRIu64 " off=%" PRIu64 "\n",
                          wsv_rule_get(exp[i].rule)->id, exp[i].frame, exp[i].offset);
        print_message("    got:\n");
        events_print(r);
        fail_msg("violations differ");
    }
}

static const struct event *nth_begin(const struct recorder *r, uint64_t index)
{
    for (size_t i = 0; i < r->n; i++)
        if (r->ev[i].type == EV_BEGIN && r->ev[i].f.index == index)
            return &r->ev[i];
    fail_msg("frame %" PRIu64 " was not reported", index);
    return NULL;
}

/* Segments of one direction separated by gaps. */
struct seg {
    const char *hex;
    bool gap;
    uint64_t missing;
};

static void run_segs(const struct seg *s, size_t n, const struct wsv_config *cfg,
                     struct recorder *r, size_t chunk)
{
    struct wsv_conn c;
    struct guard g;
    guard_init(&g, 1 << 16);
    wsv_conn_init(&c, cfg);
    for (size_t i = 0; i < n; i++) {
        struct bytes b;
        parse(s[i].hex, &b);
        feed_chunks(r, &c, 0, &g, b.p, b.len, chunk);
        bytes_free(&b);
        if (s[i].gap) {
            wsv_conn_gap(&c, 0, s[i].missing);
            r->fed += s[i].missing;
            r->in_frame = false; /* the cut frame may never end */
            assert_true(wsv_conn_at_boundary(&c, 0));
        }
    }
    guard_free(&g);
}

/* Whole and byte-at-a-time must agree; returns the whole run in *out. */
static void run_segs_both(const struct seg *s, size_t n, const struct wsv_config *cfg,
                          struct recorder *out)
{
    struct recorder bw = {0};
    char msg[900];
    run_segs(s, n, cfg, out, 0);
    run_segs(s, n, cfg, &bw, 1);
    if (!events_equal(out, &bw, msg, sizeof(msg)))
        fail_msg("byte-at-a-time differs from whole: %s", msg);
    rec_free(&bw);
}

/* ---- State size and the large message ---------------------------------- */

static void test_stream_state_size(void **state)
{
    (void)state;
    /* O(1) per direction: a header buffer and counters, no payload buffer.
     * Measured 136 bytes per direction and 296 in all on x86-64. */
    print_message("    sizeof(struct wsv_dir) = %zu, sizeof(struct wsv_conn) = %zu\n",
                  sizeof(struct wsv_dir), sizeof(struct wsv_conn));
    assert_true(sizeof(struct wsv_dir) <= 160);
    assert_true(sizeof(struct wsv_conn) <= 320);
}

#define BIG (1u << 20)

/* A 1 MiB masked text frame of 1- to 4-byte code points; if bad is not
 * SIZE_MAX, payload byte `bad` is replaced by 0xFF. */
static uint8_t *big_frame(size_t *len, size_t bad)
{
    static const uint8_t unit[] = {'a', 0xc3, 0x9f, 0xe2, 0x82, 0xac, 0xf0, 0x9d, 0x84, 0x9e};
    static const uint8_t tail[] = {'a', 0xe2, 0x82, 0xac, 0xc3, 0x9f};
    static const uint8_t key[4] = {0x5a, 0xc3, 0x19, 0x7e};
    uint8_t *f = malloc(14 + BIG);
    assert_non_null(f);
    const uint8_t hdr[10] = {0x81, 0xff, 0, 0, 0, 0, 0, 0x10, 0, 0};
    memcpy(f, hdr, 10);
    memcpy(f + 10, key, 4);
    uint8_t *p = f + 14;
    size_t n = 0;
    while (n + sizeof(unit) <= BIG) {
        memcpy(p + n, unit, sizeof(unit));
        n += sizeof(unit);
    }
    assert_int_equal(BIG - n, sizeof(tail));
    memcpy(p + n, tail, sizeof(tail));
    if (bad != SIZE_MAX)
        p[bad] = 0xff;
    for (size_t i = 0; i < BIG; i++)
        p[i] ^= key[i % 4];
    *len = 14 + BIG;
    return f;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void feed_odd(struct recorder *r, struct wsv_conn *c, struct guard *g, const uint8_t *p,
                     size_t len, size_t stop)
{
    static const size_t odd[] = {1, 3, 7, 4093, 65537, 2, 13, 1021};
    size_t pos = r->fed, k = 0;
    while (pos < stop) {
        size_t n = odd[k++ % 8];
        if (n > stop - pos)
            n = stop - pos;
        rec_feed(r, c, 0, g, p + pos, n);
        pos += n;
    }
    (void)len;
}

static void test_stream_1mib_masked_multibyte(void **state)
{
    (void)state;
    size_t len;
    uint8_t *f = big_frame(&len, SIZE_MAX);
    struct wsv_config cfg = {.role = {WSV_ROLE_CLIENT, WSV_ROLE_SERVER}};
    struct wsv_conn c, copy;
    struct guard g;
    struct recorder whole = {0}, odd = {0}, rest = {0}, bw = {0};
    char msg[900];
    guard_init(&g, len);

    rec_reserve(&whole, 8);
    rec_reserve(&odd, 8);
    rec_reserve(&bw, 8);
    wsv_conn_init(&c, &cfg);
    const uint8_t *q = guard_tail(&g, f, len);
    whole.fed = len;
    double t0 = now();
    counting = true;
    wsv_conn_feed(&c, 0, q, len, &rec_callbacks, &whole);
    counting = false;
    double t1 = now();
    assert_string_equal(whole.err, "");
    assert_int_equal(whole.n, 2);
    assert_int_equal(whole.ev[0].type, EV_BEGIN);
    assert_int_equal(whole.ev[0].f.payload_len, BIG);
    assert_int_equal(whole.ev[0].f.header_len, 14);
    assert_true(whole.ev[0].f.masked);
    assert_int_equal(whole.ev[1].type, EV_END);
    assert_int_equal(whole.ev[1].f.violations, 0);
    assert_true(wsv_conn_at_boundary(&c, 0));
    print_message("    1 MiB masked multibyte text in one call: %.0f MB/s\n",
                  BIG / 1e6 / (t1 - t0 > 0 ? t1 - t0 : 1e-9));

    /* Odd chunks; halfway through, the connection is copied by value and
     * both copies finish the frame alike: all state lives in the struct. */
    wsv_conn_init(&c, &cfg);
    counting = true;
    feed_odd(&odd, &c, &g, f, len, len / 2 + 3);
    memcpy(&copy, &c, sizeof(c));
    rest = odd;
    rest.ev = NULL;
    rest.n = rest.cap = 0;
    counting = false;
    rec_reserve(&rest, 8);
    counting = true;
    feed_odd(&odd, &c, &g, f, len, len);
    feed_odd(&rest, &copy, &g, f, len, len);
    counting = false;
    if (!events_equal(&whole, &odd, msg, sizeof(msg)))
        fail_msg("odd chunks differ from whole: %s", msg);
    assert_string_equal(odd.err, "");
    assert_int_equal(rest.n, 1); /* the frame_end, from the copy */
    assert_int_equal(rest.ev[0].type, EV_END);

    /* One byte at a time. */
    wsv_conn_init(&c, &cfg);
    t0 = now();
    counting = true;
    for (size_t i = 0; i < len; i++)
        rec_feed(&bw, &c, 0, &g, f + i, 1);
    counting = false;
    t1 = now();
    if (!events_equal(&whole, &bw, msg, sizeof(msg)))
        fail_msg("byte-at-a-time differs from whole: %s", msg);
    print_message("    byte at a time: %.2f s; allocations inside the core: %lu\n", t1 - t0,
                  allocs);
    assert_int_equal(allocs, 0);

    rec_free(&whole);
    rec_free(&odd);
    rec_free(&rest);
    rec_free(&bw);
    guard_free(&g);
    free(f);
}

static void test_stream_1mib_invalid_near_end(void **state)
{
    (void)state;
    const size_t bad = 1000003;
    size_t len;
    uint8_t *f = big_frame(&len, bad);
    struct wsv_config cfg = {.role = {WSV_ROLE_CLIENT, WSV_ROLE_SERVER}};
    struct wsv_conn c;
    struct guard g;
    struct recorder whole = {0}, odd = {0};
    char msg[900];
    guard_init(&g, len);
    wsv_conn_init(&c, &cfg);
    rec_feed(&whole, &c, 0, &g, f, len);
    const struct vexp exp[] = {{WSV_R_TEXT_UTF8_INVALID, 0, 14 + bad}};
    expect_violations(&whole, exp, 1);
    wsv_conn_init(&c, &cfg);
    feed_odd(&odd, &c, &g, f, len, len);
    if (!events_equal(&whole, &odd, msg, sizeof(msg)))
        fail_msg("odd chunks differ from whole: %s", msg);
    rec_free(&whole);
    rec_free(&odd);
    guard_free(&g);
    free(f);
}

/* ---- Gaps --------------------------------------------------------------- */

static void test_gap_then_continuation_is_legal(void **state)
{
    (void)state;
    const struct seg s[] = {{"81 01 'a'", true, 10}, {"80 01 'b' | 80 00", false, 0}};
    struct wsv_config cfg = {.role = {WSV_ROLE_SERVER, WSV_ROLE_CLIENT}};
    struct recorder r = {0};
    run_segs_both(s, 2, &cfg, &r);
    assert_string_equal(r.err, "");
    assert_int_equal(nth_begin(&r, 1)->f.offset, 13);
    assert_int_equal(nth_begin(&r, 2)->f.offset, 16);
    const struct vexp exp[] = {{WSV_R_FRAG_CONT_WITHOUT_START, 2, 16}};
    expect_violations(&r, exp, 1);
    rec_free(&r);
}

static void test_gap_forgets_utf8_state(void **state)
{
    (void)state;
    const struct seg s[] = {{"01 01 e2", true, 0}, {"80 01 'a'", false, 0}};
    struct recorder r = {0};
    run_segs_both(s, 2, NULL, &r);
    assert_string_equal(r.err, "");
    assert_int_equal(nth_begin(&r, 1)->f.offset, 3);
    expect_violations(&r, NULL, 0);
    rec_free(&r);
}

static void test_gap_then_new_message_is_legal(void **state)
{
    (void)state;
    const struct seg s[] = {{"01 01 e2", true, 5}, {"81 01 'a' | 80 00", false, 0}};
    struct recorder r = {0};
    run_segs_both(s, 2, NULL, &r);
    assert_int_equal(nth_begin(&r, 1)->f.offset, 8);
    /* After the first complete message the state is known again. */
    const struct vexp exp[] = {{WSV_R_FRAG_CONT_WITHOUT_START, 2, 11}};
    expect_violations(&r, exp, 1);
    rec_free(&r);
}

static void test_gap_mid_frame(void **state)
{
    (void)state;
    const struct seg s[] = {{"81 05 'he'", true, 3}, {"81 01 ff", false, 0}};
    struct recorder r = {0};
    run_segs_both(s, 2, NULL, &r);
    const struct event *b = nth_begin(&r, 1);
    assert_int_equal(b->f.offset, 7);
    assert_false(b->f.after_fail);
    const struct vexp exp[] = {{WSV_R_TEXT_UTF8_INVALID, 1, 9}};
    expect_violations(&r, exp, 1);
    rec_free(&r);
}

static void test_gap_midstream_until_fin(void **state)
{
    (void)state;
    const struct seg s[] = {{"81 00", true, 0}, {"00 00 | 80 00 | 80 00", false, 0}};
    struct recorder r = {0};
    run_segs_both(s, 2, NULL, &r);
    assert_string_equal(r.err, "");
    const struct vexp exp[] = {{WSV_R_FRAG_CONT_WITHOUT_START, 3, 6}};
    expect_violations(&r, exp, 1);
    rec_free(&r);
}

/* ---- Connections and directions ---------------------------------------- */

static void test_stream_zeroed_conn_equals_init_null(void **state)
{
    (void)state;
    struct bytes b;
    parse("81 82 [11223344: 'hi'] | 81 02 'hi' | c1 00 | 01 01 e2 | 80 01 82 | 88 02 03 e8", &b);
    struct wsv_conn zero, init;
    memset(&zero, 0, sizeof(zero));
    wsv_conn_init(&init, NULL);
    struct guard g;
    struct recorder a = {0}, z = {0};
    char msg[900];
    guard_init(&g, b.len);
    for (unsigned dir = 0; dir < 2; dir++) {
        rec_feed(&a, &init, dir, &g, b.p, b.len);
        rec_feed(&z, &zero, dir, &g, b.p, b.len);
    }
    if (!events_equal(&a, &z, msg, sizeof(msg)))
        fail_msg("zeroed connection differs from wsv_conn_init(NULL): %s", msg);
    /* Unknown roles, no PMD: only RSV1 (frame 2, offset 12), then after-fail
     * and the truncated UTF-8 goes unjudged. */
    const struct vexp exp[] = {{WSV_R_FRAME_RSV_NONZERO, 2, 12},
                               {WSV_R_AFTER_FAIL, 3, 14},
                               {WSV_R_FRAME_RSV_NONZERO, 2, 12},
                               {WSV_R_AFTER_FAIL, 3, 14}};
    expect_violations(&a, exp, 4);
    rec_free(&a);
    rec_free(&z);
    guard_free(&g);
    bytes_free(&b);
}

/* A failure in one direction says nothing about the other. */
static void test_stream_directions_independent(void **state)
{
    (void)state;
    struct bytes d0, d1;
    parse("83 80 01020304 | 81 80 01020304 | 81 80 01020304", &d0); /* client, reserved op */
    parse("81 02 'hi' | 01 01 e2 | 89 00 | 80 02 82 ac", &d1);      /* server, clean */
    struct wsv_config cfg = {.role = {WSV_ROLE_CLIENT, WSV_ROLE_SERVER}};
    struct wsv_conn c;
    struct guard g;
    struct recorder r0 = {0}, r1 = {0};
    guard_init(&g, 16);
    wsv_conn_init(&c, &cfg);
    for (size_t i = 0; i < d0.len || i < d1.len; i++) {
        if (i < d0.len)
            rec_feed(&r0, &c, 0, &g, d0.p + i, 1);
        if (i < d1.len)
            rec_feed(&r1, &c, 1, &g, d1.p + i, 1);
    }
    const struct vexp e0[] = {{WSV_R_FRAME_OPCODE_RESERVED, 0, 0}, {WSV_R_AFTER_FAIL, 1, 6}};
    expect_violations(&r0, e0, 2);
    expect_violations(&r1, NULL, 0);
    for (size_t i = 0; i < r1.n; i++)
        assert_false(r1.ev[i].f.after_fail);
    assert_string_equal(r0.err, "");
    assert_string_equal(r1.err, "");
    rec_free(&r0);
    rec_free(&r1);
    guard_free(&g);
    bytes_free(&d0);
    bytes_free(&d1);
}

/* "After Close" is about the sender's own Close, not the peer's. */
static void test_stream_close_is_per_direction(void **state)
{
    (void)state;
    struct bytes close, data;
    parse("88 02 03 e8", &close);
    parse("81 01 'a' | 89 00 | 88 02 03 e8", &data);
    struct wsv_conn c;
    struct guard g;
    struct recorder r0 = {0}, r1 = {0};
    guard_init(&g, 64);
    wsv_conn_init(&c, NULL);
    rec_feed(&r0, &c, 0, &g, close.p, close.len);
    rec_feed(&r1, &c, 1, &g, data.p, data.len);
    expect_violations(&r1, NULL, 0);
    for (size_t i = 0; i < r1.n; i++)
        assert_false(r1.ev[i].f.after_close);
    rec_free(&r0);
    rec_free(&r1);
    guard_free(&g);
    bytes_free(&close);
    bytes_free(&data);
}

static void test_stream_empty_feeds(void **state)
{
    (void)state;
    struct wsv_conn c;
    struct recorder r = {0};
    wsv_conn_init(&c, NULL);
    wsv_conn_feed(&c, 0, NULL, 0, &rec_callbacks, &r);
    wsv_conn_feed(&c, 1, NULL, 0, NULL, NULL);
    assert_int_equal(r.n, 0);
    assert_true(wsv_conn_at_boundary(&c, 0));
    assert_true(wsv_conn_at_boundary(&c, 1));
    /* Inside a header, inside a payload, at a boundary. */
    static const uint8_t f[] = {0x81, 0x02, 'h', 'i'};
    for (size_t i = 0; i < sizeof(f); i++) {
        r.fed++;
        wsv_conn_feed(&c, 0, &f[i], 1, &rec_callbacks, &r);
        wsv_conn_feed(&c, 0, NULL, 0, &rec_callbacks, &r);
        assert_int_equal(wsv_conn_at_boundary(&c, 0), i == sizeof(f) - 1);
    }
    assert_int_equal(r.n, 2);
    assert_string_equal(r.err, "");
    rec_free(&r);
}

/* ---- UTF-8 against a reference decoder --------------------------------- */

/* Unicode Table 3-7 (well-formed UTF-8 byte sequences), written out plainly.
 * Returns the index of the first byte at which p can no longer be a prefix of
 * valid UTF-8, or len; *open is the start of an unfinished sequence at the
 * end, or len if the text ends on a boundary. */
static size_t ref_utf8(const uint8_t *p, size_t len, size_t *open)
{
    size_t i = 0;
    *open = len;
    while (i < len) {
        uint8_t b = p[i];
        int need;
        uint8_t lo = 0x80, hi = 0xbf;
        if (b <= 0x7f)
            need = 0;
        else if (b >= 0xc2 && b <= 0xdf)
            need = 1;
        else if (b == 0xe0)
            need = 2, lo = 0xa0;
        else if ((b >= 0xe1 && b <= 0xec) || b == 0xee || b == 0xef)
            need = 2;
        else if (b == 0xed)
            need = 2, hi = 0x9f;
        else if (b == 0xf0)
            need = 3, lo = 0x90;
        else if (b >= 0xf1 && b <= 0xf3)
            need = 3;
        else if (b == 0xf4)
            need = 3, hi = 0x8f;
        else
            return i;
        for (int k = 1; k <= need; k++) {
            if (i + k >= len) {
                *open = i;
                return len;
            }
            uint8_t c = p[i + k];
            uint8_t l = k == 1 ? lo : 0x80, h = k == 1 ? hi : 0xbf;
            if (c < l || c > h)
                return i + k;
        }
        i += (size_t)need + 1;
    }
    return len;
}

static void check_utf8_api(const uint8_t *p, size_t len)
{
    size_t open;
    size_t want = ref_utf8(p, len, &open);
    uint32_t st = WSV_UTF8_ACCEPT;
    size_t got = wsv_utf8_validate(&st, p, len);
    bool bad = got != want || (want < len && st != WSV_UTF8_REJECT) ||
               (want == len && (st == WSV_UTF8_ACCEPT) != (open == len));
    /* The same bytes in two calls: the state carries over. */
    if (!bad && len > 1) {
        uint32_t s2 = WSV_UTF8_ACCEPT;
        size_t a = wsv_utf8_validate(&s2, p, 1);
        size_t b = a == 1 && s2 != WSV_UTF8_REJECT ? wsv_utf8_validate(&s2, p + 1, len - 1) : 0;
        size_t idx = a < 1 ? a : 1 + b;
        bad = idx != want || (want == len && s2 != st);
    }
    if (bad) {
        char hex[64] = "";
        for (size_t i = 0; i < len && i < 16; i++)
            snprintf(hex + strlen(hex), sizeof(hex) - strlen(hex), "%02x ", p[i]);
        fail_msg("wsv_utf8_validate(%s): returned %zu state %u, reference says %zu%s", hex, got, st,
                 want, want == len && open < len ? " (incomplete)" : "");
    }
}

static void test_utf8_validate_all_short_sequences(void **state)
{
    (void)state;
    uint8_t b[4];
    unsigned long n = 0;
    for (unsigned x = 0; x < 256; x++) {
        b[0] = (uint8_t)x;
        check_utf8_api(b, 1);
        for (unsigned y = 0; y < 256; y++) {
            b[1] = (uint8_t)y;
            check_utf8_api(b, 2);
            n += 2;
            if (x < 0xe0 || x > 0xf4)
                continue;
            /* Third byte: boundaries and one ASCII byte are enough. */
            static const uint8_t third[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90,
                                            0x9f, 0xa0, 0xbf, 0xc0, 0xf0, 0xff};
            for (size_t z = 0; z < sizeof(third); z++) {
                b[2] = third[z];
                check_utf8_api(b, 3);
                b[3] = z & 1 ? 0x80 : 0xbf;
                check_utf8_api(b, 4);
                b[3] = 0x41;
                check_utf8_api(b, 4);
                n += 3;
            }
        }
    }
    print_message("    %lu byte strings checked against the reference\n", n);
    /* Spot values the contract names. */
    uint32_t st = WSV_UTF8_ACCEPT;
    assert_int_equal(wsv_utf8_validate(&st, (const uint8_t *)"\xef\xbf\xbf", 3), 3);
    assert_int_equal(st, WSV_UTF8_ACCEPT);
    st = WSV_UTF8_ACCEPT;
    assert_int_equal(wsv_utf8_validate(&st, (const uint8_t *)"ab\xe0\x80", 4), 3);
    assert_int_equal(st, WSV_UTF8_REJECT);
    st = WSV_UTF8_ACCEPT;
    assert_int_equal(wsv_utf8_validate(&st, NULL, 0), 0);
    assert_int_equal(st, WSV_UTF8_ACCEPT);
}

/* The validator skips ASCII 16 and 8 bytes at a time and runs the DFA over
 * 8-byte blocks: a code point, a bad byte or a truncated sequence at every
 * position of strings up to 3 blocks long, and every split into two calls,
 * must read as the reference reads them. */
static void test_utf8_validate_block_boundaries(void **state)
{
    (void)state;
    static const struct {
        const char *b;
        size_t n;
    } inserts[] = {{"\xc3\xa9", 2},     {"\xe2\x82\xac", 3}, {"\xf0\x9f\x98\x80", 4},
                   {"\xff", 1},         {"\xc3", 1},         {"\xe2\x82", 2},
                   {"\xf0\x9f\x98", 3}, {"\xed\xa0\x80", 3}, {"\x80", 1}};
    uint8_t b[48];
    unsigned long n = 0;

    for (size_t len = 1; len <= 40; len++)
        for (size_t k = 0; k < sizeof inserts / sizeof inserts[0]; k++)
            for (size_t at = 0; at + inserts[k].n <= len; at++) {
                memset(b, 'a', len);
                memcpy(b + at, inserts[k].b, inserts[k].n);
                check_utf8_api(b, len);
                size_t open, want = ref_utf8(b, len, &open);
                for (size_t cut = 0; cut <= len; cut++) {
                    uint32_t st = WSV_UTF8_ACCEPT;
                    size_t a = wsv_utf8_validate(&st, b, cut);
                    size_t got = a < cut ? a : cut + wsv_utf8_validate(&st, b + cut, len - cut);
                    if (got != want || (want < len) != (st == WSV_UTF8_REJECT))
                        fail_msg("insert %zu at %zu of %zu, cut at %zu: %zu, reference %zu", k, at,
                                 len, cut, got, want);
                    n++;
                }
            }
    print_message("    %lu splits checked against the reference\n", n);
}

/* Random text messages, fragmented at random with pings between the
 * fragments: the core's verdict must be the reference decoder's. */
static void test_utf8_random_messages_match_reference(void **state)
{
    (void)state;
    static const uint8_t *const pieces[] = {
        (const uint8_t *)"a",
        (const uint8_t *)"\xc3\xa9",
        (const uint8_t *)"\xe2\x82\xac",
        (const uint8_t *)"\xf0\x9f\x98\x80",
        (const uint8_t *)"\xef\xbf\xbf",
        (const uint8_t *)"\xf4\x8f\xbf\xbf",
        (const uint8_t *)"\xed\x9f\xbf",
    };
    static const size_t plen[] = {1, 2, 3, 4, 3, 4, 3};
    uint64_t s = 0x0123456789abcdefULL;
    struct guard g;
    guard_init(&g, 512);
    unsigned invalid = 0, truncated = 0;
    for (int iter = 0; iter < 3000; iter++) {
        uint8_t msg[64];
        size_t len = 0, target = prng_next(&s) % 40;
        while (len < target) {
            uint64_t x = prng_next(&s);
            if (x % 16 == 0) {
                msg[len++] = (uint8_t)(x >> 8); /* any byte */
            } else {
                size_t k = (size_t)(x >> 8) % 7;
                /* Sometimes only the start of a code point. */
                size_t n = x % 16 == 1 ? 1 + (size_t)(x >> 16) % plen[k] : plen[k];
                memcpy(msg + len, pieces[k], n);
                len += n;
            }
        }
        /* Fragment at up to 3 random cuts; a ping between fragments. */
        size_t cuts[5] = {0};
        int nf = 1 + (int)(prng_next(&s) % 4);
        for (int i = 1; i < nf; i++)
            cuts[i] = len ? prng_next(&s) % (len + 1) : 0;
        cuts[nf] = len;
        for (int i = 1; i < nf; i++) /* insertion sort */
            for (int j = i; j > 1 && cuts[j - 1] > cuts[j]; j--) {
                size_t t = cuts[j];
                cuts[j] = cuts[j - 1];
                cuts[j - 1] = t;
            }
        struct bytes st = {0};
        uint64_t payload_off[64];
        uint64_t frame_of[64];
        uint64_t frame_off[16];
        uint64_t frame = 0, last_data_frame = 0;
        for (int i = 0; i < nf; i++) {
            frame_off[frame] = st.len;
            uint8_t h[2] = {(uint8_t)((i == nf - 1 ? 0x80 : 0) | (i == 0 ? 1 : 0)),
                            (uint8_t)(cuts[i + 1] - cuts[i])};
            bytes_put(&st, h, 2);
            for (size_t j = cuts[i]; j < cuts[i + 1]; j++) {
                payload_off[j] = st.len + (j - cuts[i]);
                frame_of[j] = frame;
            }
            bytes_put(&st, msg + cuts[i], cuts[i + 1] - cuts[i]);
            last_data_frame = frame++;
            if (i < nf - 1 && prng_next(&s) % 2) {
                frame_off[frame] = st.len;
                bytes_put(&st, "\x89\x00", 2);
                frame++;
            }
        }
        size_t open, bad = ref_utf8(msg, len, &open);
        struct vexp exp[2];
        size_t nexp = 0;
        if (bad < len) {
            uint64_t fb = frame_of[bad];
            exp[nexp++] = (struct vexp){WSV_R_TEXT_UTF8_INVALID, fb, payload_off[bad]};
            /* The frame after the failing one carries the after-fail note. */
            if (fb + 1 < frame)
                exp[nexp++] = (struct vexp){WSV_R_AFTER_FAIL, fb + 1, frame_off[fb + 1]};
            invalid++;
        } else if (open < len) {
            exp[nexp++] =
                (struct vexp){WSV_R_TEXT_UTF8_TRUNCATED, last_data_frame, payload_off[open]};
            truncated++;
        }
        struct wsv_conn c;
        struct recorder whole = {0}, bw = {0};
        char m[900];
        wsv_conn_init(&c, NULL);
        rec_feed(&whole, &c, 0, &g, st.p, st.len);
        wsv_conn_init(&c, NULL);
        for (size_t i = 0; i < st.len; i++)
            rec_feed(&bw, &c, 0, &g, st.p + i, 1);
        if (!events_equal(&whole, &bw, m, sizeof(m)))
            fail_msg("iteration %d: byte-at-a-time differs: %s", iter, m);
        expect_violations(&whole, exp, nexp);
        assert_string_equal(whole.err, "");
        rec_free(&whole);
        rec_free(&bw);
        bytes_free(&st);
    }
    print_message("    3000 messages: %u invalid, %u truncated\n", invalid, truncated);
    guard_free(&g);
}

/* ---- The hex notation itself ------------------------------------------- */

static void test_harness_hex_notation(void **state)
{
    (void)state;
    struct bytes b;
    /* RFC 6455 §5.7: a single-frame masked text message "Hello". */
    parse("81 85 [37fa213d: 'Hello']", &b);
    static const uint8_t rfc[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    assert_int_equal(b.len, sizeof(rfc));
    assert_memory_equal(b.p, rfc, sizeof(rfc));
    bytes_free(&b);
    parse("0001|'ab'*3 ff*2", &b);
    assert_int_equal(b.len, 10);
    assert_memory_equal(b.p,
                        "\x00\x01"
                        "ababab"
                        "\xff\xff",
                        10);
    bytes_free(&b);
    char err[64];
    assert_false(hex_parse("8", &b, err, sizeof(err)));
    bytes_free(&b);
    assert_false(hex_parse("[0102: 00]", &b, err, sizeof(err)));
    bytes_free(&b);
    assert_false(hex_parse("*3", &b, err, sizeof(err)));
    bytes_free(&b);
}

/* The guard page really traps: a read one byte past the copy must not
 * survive (a signal, or a sanitizer's error exit). */
static void test_harness_guard_page_traps(void **state)
{
    (void)state;
    struct guard g;
    guard_init(&g, 10);
    const volatile uint8_t *p = guard_tail(&g, "0123456789", 10);
    const volatile uint8_t *q = guard_head(&g, "0123456789", 10);
    for (int side = 0; side < 2; side++) {
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            /* cmocka (and ASan) catch SIGSEGV to report and carry on: the
             * child must simply die. */
            signal(SIGSEGV, SIG_DFL);
            signal(SIGBUS, SIG_DFL);
            uint8_t x = side == 0 ? p[10] : q[-1];
            _exit(x == 0xA5 ? 42 : 43);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFEXITED(status) && (WEXITSTATUS(status) == 42 || WEXITSTATUS(status) == 43))
            fail_msg("reading %s the guarded copy did not crash", side ? "before" : "past");
    }
    assert_int_equal(p[9], '9');
    guard_free(&g);
}

int run_stream_tests(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_harness_hex_notation),
        cmocka_unit_test(test_harness_guard_page_traps),
        cmocka_unit_test(test_stream_state_size),
        cmocka_unit_test(test_stream_1mib_masked_multibyte),
        cmocka_unit_test(test_stream_1mib_invalid_near_end),
        cmocka_unit_test(test_gap_then_continuation_is_legal),
        cmocka_unit_test(test_gap_forgets_utf8_state),
        cmocka_unit_test(test_gap_then_new_message_is_legal),
        cmocka_unit_test(test_gap_mid_frame),
        cmocka_unit_test(test_gap_midstream_until_fin),
        cmocka_unit_test(test_stream_zeroed_conn_equals_init_null),
        cmocka_unit_test(test_stream_directions_independent),
        cmocka_unit_test(test_stream_close_is_per_direction),
        cmocka_unit_test(test_stream_empty_feeds),
        cmocka_unit_test(test_utf8_validate_all_short_sequences),
        cmocka_unit_test(test_utf8_validate_block_boundaries),
        cmocka_unit_test(test_utf8_random_messages_match_reference),
    };
    return cmocka_run_group_tests_name("stream", tests, NULL, NULL);
}
