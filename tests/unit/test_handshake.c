/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the handshake checks: the case table (cases_handshake.c),
 * each run against guard pages (a read past either end of the message
 * crashes), with frame bytes after the head, and cut short at every length;
 * plus the building blocks (HTTP heads, SHA-1, base64) and a head of
 * megabytes that must take linear time.
 */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_handshake.h"

/* ---- Running a case ------------------------------------------------------ */

#define MAX_GOT 64

struct got {
    struct wsv_hs_violation v[MAX_GOT];
    size_t n;
    bool overflow;
};

static void on_report(void *user, const struct wsv_hs_violation *v)
{
    struct got *g = user;
    if (g->n == MAX_GOT) {
        g->overflow = true;
        return;
    }
    g->v[g->n++] = *v;
}

static const char *rule_id(enum wsv_rule r)
{
    const struct wsv_rule_info *ri = wsv_rule_get(r);
    return ri ? ri->id : "?";
}

void hs_case_name(const struct hs_case *tc, char *buf, size_t len)
{
    char id[96];
    const char *s = rule_id(tc->rule);
    size_t i = 0;
    for (; s[i] && i + 1 < sizeof(id); i++)
        id[i] = s[i] == '-' ? '_' : s[i];
    id[i] = 0;
    snprintf(buf, len, "test_%s_%s%s%s", id, tc->kind == TC_FIRES ? "fires" : "silent",
             tc->suffix && *tc->suffix ? "_" : "", tc->suffix ? tc->suffix : "");
}

void hs_count_cases(unsigned fires[], unsigned silent[])
{
    for (size_t i = 0; i < hs_count; i++)
        (hs_cases[i].kind == TC_FIRES ? fires : silent)[hs_cases[i].rule]++;
}

/* Where the expectation points in msg; fails the test if at is ambiguous. */
static size_t expected_offset(const struct hs_expect *e, const char *msg)
{
    if (!e->at)
        return 0;
    unsigned want = e->nth ? e->nth : 1, seen = 0;
    const char *hit = NULL;
    for (const char *p = strstr(msg, e->at); p; p = strstr(p + 1, e->at))
        if (++seen == want)
            hit = p;
    if (!hit)
        fail_msg("expectation text '%s' (occurrence %u) not in the message", e->at, want);
    if (want == 1 && seen > 1)
        fail_msg("expectation text '%s' is ambiguous (%u occurrences): use NTH()", e->at, seen);
    return (size_t)(hit - msg) + (size_t)(long)e->delta;
}

static void print_got(const char *what, const struct got *g)
{
    for (size_t i = 0; i < g->n; i++)
        print_message("      %s: %s off=%zu len=%zu why=%s detail=%" PRIu64 "\n", what,
                      rule_id(g->v[i].rule), g->v[i].offset, g->v[i].len,
                      wsv_hs_why_str(g->v[i].why), g->v[i].detail);
}

/* Invariants of every report, whatever the case. */
static void check_report(const struct wsv_hs_violation *v, const struct wsv_http_head *h)
{
    const struct wsv_rule_info *ri = wsv_rule_get(v->rule);
    assert_non_null(ri);
    if (!wsv_hs_judges(v->rule))
        fail_msg("%s reported, but the handshake module does not judge it", ri->id);
    assert_int_equal(v->must_fail, ri->severity == WSV_SEV_ERROR);
    assert_int_equal(v->expected_close, v->must_fail ? ri->close : 0);
    if (v->offset >= h->len || v->offset + v->len > h->len)
        fail_msg("%s at %zu+%zu, outside the head (%zu bytes)", ri->id, v->offset, v->len, h->len);
    if (v->why == WSV_HS_WHY_MISSING && v->offset + v->len > h->start_line.len)
        fail_msg("%s: a missing header is reported on the start line", ri->id);
}

struct run {
    struct got got;
    struct wsv_hs_request req;
    struct wsv_hs_result res;
    struct wsv_http_head head;
    enum wsv_http_status st;
};

/* One message through the checker, from p (already placed). */
static void run_once(bool resp, const uint8_t *p, size_t n, const struct wsv_hs_request *req,
                     struct run *r)
{
    memset(r, 0, sizeof(*r));
    if (resp)
        r->st = wsv_hs_check_response(p, n, req, &r->res, on_report, &r->got, &r->head);
    else
        r->st = wsv_hs_check_request(p, n, &r->req, on_report, &r->got, &r->head);
}

static bool runs_equal(const struct run *a, const struct run *b)
{
    if (a->st != b->st || a->got.n != b->got.n || a->head.len != b->head.len)
        return false;
    for (size_t i = 0; i < a->got.n; i++) {
        /* Field by field: padding bytes are not part of a report. */
        const struct wsv_hs_violation *x = &a->got.v[i], *y = &b->got.v[i];
        if (x->rule != y->rule || x->offset != y->offset || x->len != y->len ||
            x->must_fail != y->must_fail || x->expected_close != y->expected_close ||
            x->why != y->why || x->detail != y->detail)
            return false;
    }
    return memcmp(&a->req, &b->req, sizeof(a->req)) == 0 &&
           memcmp(&a->res, &b->res, sizeof(a->res)) == 0;
}

/* Check one message every way; *out gets the run of the message as written. */
static void run_message(const char *name, bool resp, const char *msg,
                        const struct wsv_hs_request *req, struct run *out)
{
    const char *what = resp ? "response" : "request";
    size_t n = strlen(msg);
    static const uint8_t frames[] = {0x81, 0x05, 'h', 'e', 'l', 'l', 'o', 0x88, 0x00};
    uint8_t *more = malloc(n + sizeof(frames));
    assert_non_null(more);
    memcpy(more, msg, n);
    memcpy(more + n, frames, sizeof(frames));
    struct guard g;
    guard_init(&g, n + sizeof(frames));
    struct run *r = malloc(sizeof(*r));
    assert_non_null(r);

    /* Against the trailing guard page: no read past the end. */
    run_once(resp, guard_tail(&g, msg, n), n, req, out);
    if (out->st != WSV_HTTP_OK)
        fail_msg("%s: %s does not parse (status %d)", name, what, out->st);
    assert_int_equal(out->head.len, n);
    assert_false(out->got.overflow);
    for (size_t i = 0; i < out->got.n; i++)
        check_report(&out->got.v[i], &out->head);

    /* After the leading guard page: no read before the start. */
    run_once(resp, guard_head(&g, msg, n), n, req, r);
    if (!runs_equal(out, r))
        fail_msg("%s: %s differs when placed after the leading guard page", name, what);

    /* Followed by WebSocket frames: the head ends at its empty line. */
    run_once(resp, guard_tail(&g, more, n + sizeof(frames)), n + sizeof(frames), req, r);
    if (!runs_equal(out, r))
        fail_msg("%s: %s differs when frames follow the head", name, what);

    /* Cut short anywhere: not complete yet, and nothing said. */
    for (size_t k = 0; k < n; k++) {
        run_once(resp, guard_tail(&g, msg, k), k, req, r);
        if (r->st != WSV_HTTP_PARTIAL || r->got.n != 0)
            fail_msg("%s: %s cut to %zu bytes: status %d, %zu reports", name, what, k, r->st,
                     r->got.n);
    }
    free(r);
    free(more);
    guard_free(&g);
}

static void pmd_str(const struct wsv_pmd *p, char *buf, size_t len)
{
    if (!p->enabled) {
        snprintf(buf, len, "off");
        return;
    }
    int n = snprintf(buf, len, "on%s%s", p->server_no_context_takeover ? " snct" : "",
                     p->client_no_context_takeover ? " cnct" : "");
    if (p->server_max_window_bits)
        n += snprintf(buf + n, len - (size_t)n, " smwb=%u", p->server_max_window_bits);
    if (p->client_max_window_bits)
        snprintf(buf + n, len - (size_t)n, " cmwb=%u", p->client_max_window_bits);
}

struct flat {
    bool resp;
    struct wsv_hs_violation v;
};

static int cmp_flat(const void *a, const void *b)
{
    const struct flat *x = a, *y = b;
    if (x->resp != y->resp)
        return x->resp ? 1 : -1;
    if (x->v.offset != y->v.offset)
        return x->v.offset < y->v.offset ? -1 : 1;
    return (int)x->v.rule - (int)y->v.rule;
}

static void expect_str(const char *name, const char *what, const char *want, const char *got)
{
    if (want && strcmp(want, got) != 0)
        fail_msg("%s: %s is '%s', expected '%s'", name, what, got, want);
}

static void run_case(void **state)
{
    const struct hs_case *tc = *state;
    char name[160];
    hs_case_name(tc, name, sizeof(name));

    bool lists_rule = false;
    for (int i = 0; i < HS_MAX_V && tc->v[i].set; i++)
        lists_rule |= tc->v[i].rule == tc->rule;
    if (tc->kind == TC_FIRES && !lists_rule)
        fail_msg("FIRES case does not expect its own rule");
    if (tc->kind == TC_SILENT && lists_rule)
        fail_msg("SILENT case expects its own rule");

    struct run *rq = calloc(1, sizeof(*rq)), *rs = calloc(1, sizeof(*rs));
    assert_non_null(rq);
    assert_non_null(rs);
    if (tc->req)
        run_message(name, false, tc->req, NULL, rq);
    if (tc->resp)
        run_message(name, true, tc->resp, tc->req ? &rq->req : NULL, rs);

    /* The reports must be exactly the expected ones. */
    struct flat got[2 * MAX_GOT], want[HS_MAX_V];
    size_t ngot = 0, nwant = 0;
    for (size_t i = 0; i < rq->got.n; i++)
        got[ngot++] = (struct flat){false, rq->got.v[i]};
    for (size_t i = 0; i < rs->got.n; i++)
        got[ngot++] = (struct flat){true, rs->got.v[i]};
    for (; nwant < HS_MAX_V && tc->v[nwant].set; nwant++) {
        const struct hs_expect *e = &tc->v[nwant];
        const char *msg = e->resp ? tc->resp : tc->req;
        assert_non_null(msg);
        want[nwant] = (struct flat){e->resp, {.rule = e->rule, .offset = expected_offset(e, msg)}};
    }
    qsort(got, ngot, sizeof(got[0]), cmp_flat);
    qsort(want, nwant, sizeof(want[0]), cmp_flat);
    bool same = ngot == nwant;
    for (size_t i = 0; same && i < nwant; i++)
        same = got[i].resp == want[i].resp && got[i].v.rule == want[i].v.rule &&
               got[i].v.offset == want[i].v.offset;
    if (!same) {
        print_message("    HANDSHAKE MISMATCH in %s\n    expected:\n", name);
        for (size_t i = 0; i < nwant; i++)
            print_message("      %s: %s off=%zu\n", want[i].resp ? "response" : "request",
                          rule_id(want[i].v.rule), want[i].v.offset);
        print_message("    got:\n");
        print_got("request", &rq->got);
        print_got("response", &rs->got);
        fail_msg("violation list (message, rule, offset) differs");
    }
    /* why and detail, matched by (message, rule, offset). */
    for (size_t i = 0; i < nwant; i++) {
        const struct hs_expect *e = &tc->v[i];
        const char *msg = e->resp ? tc->resp : tc->req;
        size_t off = expected_offset(e, msg);
        for (size_t k = 0; k < ngot; k++) {
            const struct wsv_hs_violation *v = &got[k].v;
            if (got[k].resp != e->resp || v->rule != e->rule || v->offset != off)
                continue;
            if (v->why != e->why)
                fail_msg("%s at %zu: why '%s', expected '%s'", rule_id(e->rule), off,
                         wsv_hs_why_str(v->why), wsv_hs_why_str(e->why));
            if (e->has_detail && v->detail != e->detail)
                fail_msg("%s at %zu: detail %" PRIu64 ", expected %" PRIu64, rule_id(e->rule), off,
                         v->detail, e->detail);
        }
    }

    if (tc->resp) {
        char pmd[96];
        pmd_str(&rs->res.pmd, pmd, sizeof(pmd));
        expect_str(name, "pmd", tc->pmd, pmd);
        expect_str(name, "extensions", tc->extensions, rs->res.extensions);
        expect_str(name, "subprotocol", tc->subprotocol, rs->res.subprotocol);
        expect_str(name, "versions", tc->versions, rs->res.versions);
        unsigned must_fail = 0;
        for (size_t i = 0; i < rs->got.n; i++)
            must_fail += rs->got.v[i].must_fail;
        assert_int_equal(rs->res.failed, must_fail > 0);
        assert_int_equal(rs->res.upgraded, rs->res.status == 101);
    } else if (tc->pmd || tc->extensions || tc->subprotocol || tc->versions) {
        fail_msg("result expectations without a response");
    }
    free(rq);
    free(rs);
}

/* ---- SHA-1, base64, the accept value ------------------------------------- */

static void hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void sha1_hex(const void *p, size_t n, size_t chunk, char out[41])
{
    struct wsv_sha1 s;
    uint8_t d[20];
    const uint8_t *q = p;
    wsv_sha1_init(&s);
    for (size_t i = 0; i < n; i += chunk)
        wsv_sha1_update(&s, q + i, n - i < chunk ? n - i : chunk);
    wsv_sha1_final(&s, d);
    hex(d, 20, out);
}

/* RFC 3174 §7.3 test vectors, fed whole and in awkward chunks. */
static void test_handshake_sha1_rfc3174_vectors(void **state)
{
    (void)state;
    static const char t2[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    char t4[641];
    for (int i = 0; i < 10; i++)
        memcpy(t4 + 64 * i, "0123456701234567012345670123456701234567012345670123456701234567", 64);
    t4[640] = 0;
    char *t3 = malloc(1000000);
    assert_non_null(t3);
    memset(t3, 'a', 1000000);
    static const size_t chunks[] = {1, 3, 63, 64, 65, 1000000};
    char out[41];
    for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
        sha1_hex("abc", 3, chunks[c], out);
        assert_string_equal(out, "a9993e364706816aba3e25717850c26c9cd0d89d");
        sha1_hex(t2, strlen(t2), chunks[c], out);
        assert_string_equal(out, "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
        sha1_hex(t4, 640, chunks[c], out);
        assert_string_equal(out, "dea356a2cddd90c7a7ecedc5ebb563934f460452");
        if (chunks[c] >= 63) {
            sha1_hex(t3, 1000000, chunks[c], out);
            assert_string_equal(out, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
        }
    }
    sha1_hex("", 0, 1, out);
    assert_string_equal(out, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    free(t3);
}

/* RFC 4648 §10. */
static void test_handshake_base64_rfc4648_vectors(void **state)
{
    (void)state;
    static const char *const in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const out[] = {"",         "Zg==",     "Zm8=",    "Zm9v",
                                      "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    char buf[16];
    for (size_t i = 0; i < 7; i++) {
        assert_int_equal(wsv_base64_encode((const uint8_t *)in[i], strlen(in[i]), buf),
                         strlen(out[i]));
        assert_string_equal(buf, out[i]);
        long want = i == 0 ? -1 : (long)i; /* base64-value-non-empty */
        assert_int_equal(wsv_base64_decoded_len((const uint8_t *)out[i], strlen(out[i])), want);
    }
    static const char *const bad[] = {
        "Zg=", "Z===", "Zg==Zg==", "Zm9v!A==", "Zm 9", "====", "Zm9v\n", "Zg-_"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (wsv_base64_decoded_len((const uint8_t *)bad[i], strlen(bad[i])) != -1)
            fail_msg("'%s' taken for base64", bad[i]);
}

/* RFC 6455 §4.2.2, and §1.3. */
static void test_handshake_accept_rfc6455_example(void **state)
{
    (void)state;
    char out[WSV_ACCEPT_LEN + 1];
    static const char key[] = "dGhlIHNhbXBsZSBub25jZQ==";
    wsv_hs_accept((const uint8_t *)key, strlen(key), out);
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_int_equal(strlen(out), WSV_ACCEPT_LEN);
}

/* ---- HTTP heads ----------------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static enum wsv_http_status parse(const char *s, struct wsv_http_head *h)
{
    return wsv_http_parse((const uint8_t *)s, strlen(s), h);
}

static void field_str(const char *s, struct wsv_span sp, char *out, size_t cap)
{
    snprintf(out, cap, "%.*s", (int)sp.len, s + sp.off);
}

static void test_handshake_http_start_lines(void **state)
{
    (void)state;
    struct wsv_http_head h;
    static const char rq[] = "GET /chat?x=1 HTTP/1.1\r\n\r\n";
    assert_int_equal(parse(rq, &h), WSV_HTTP_OK);
    assert_false(h.response);
    assert_int_equal(h.method.off, 0);
    assert_int_equal(h.method.len, 3);
    assert_int_equal(h.target.off, 4);
    assert_int_equal(h.target.len, 9);
    assert_int_equal(h.version.off, 14);
    assert_true(h.version_valid);
    assert_int_equal(h.major * 10 + h.minor, 11);
    assert_int_equal(h.start_line.len, 22);
    assert_int_equal(h.len, sizeof(rq) - 1);

    static const char st[] = "HTTP/1.1 101 Switching Protocols\n\n";
    assert_int_equal(parse(st, &h), WSV_HTTP_OK);
    assert_true(h.response);
    assert_int_equal(h.status, 101);
    assert_int_equal(h.status_code.off, 9);
    assert_int_equal(h.reason.off, 13);
    assert_int_equal(h.reason.len, 19);
    assert_int_equal(h.len, sizeof(st) - 1);

    assert_int_equal(parse("HTTP/1.1 426\r\n\r\n", &h), WSV_HTTP_OK);
    assert_int_equal(h.status, 426);
    assert_int_equal(h.reason.len, 0);

    /* Not HTTP. */
    assert_int_equal(parse("\r\n\r\n", &h), WSV_HTTP_INVALID);
    assert_int_equal(parse(" GET / HTTP/1.1\r\n\r\n", &h), WSV_HTTP_INVALID);
    assert_int_equal(parse("GET\r\n\r\n", &h), WSV_HTTP_INVALID);
    assert_int_equal(parse("HTTP/1.1 1O1 Switching\r\n\r\n", &h), WSV_HTTP_INVALID);
    assert_int_equal(parse("HTTP/1.1 1011\r\n\r\n", &h), WSV_HTTP_INVALID);
    assert_int_equal(parse("\x81\x05hello\n\n", &h), WSV_HTTP_INVALID);
    /* Not complete. */
    assert_int_equal(parse("", &h), WSV_HTTP_PARTIAL);
    assert_int_equal(parse("GET / HTTP/1.1", &h), WSV_HTTP_PARTIAL);
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\n", &h), WSV_HTTP_PARTIAL);
    assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\n\r", &h), WSV_HTTP_PARTIAL);
    assert_int_equal(wsv_http_parse(NULL, 0, &h), WSV_HTTP_PARTIAL);
}

/* The incremental end finder agrees with the parser on every line-end
 * mixture, fed a byte at a time against the guard page. */
static void test_handshake_http_head_end_incremental(void **state)
{
    (void)state;
    static const char *const heads[] = {
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\nHost: a\n\n",
        "GET / HTTP/1.1\r\nHost: a\n\r\n",
        "GET / HTTP/1.1\nHost: a\r\n\n",
        "GET / HTTP/1.1\r\n\r\n",
        "HTTP/1.1 101 OK\n\n",
        "GET / HTTP/1.1\r\nX: \r\r\n\r\n",
        "GET / HTTP/1.1\r\nX:\r\n \r\n\n",
    };
    struct guard g;
    guard_init(&g, 64);
    for (size_t i = 0; i < sizeof(heads) / sizeof(heads[0]); i++) {
        const char *m = heads[i];
        size_t n = strlen(m);
        struct wsv_http_head h;
        assert_int_equal(parse(m, &h), WSV_HTTP_OK);
        assert_int_equal(h.len, n);
        struct wsv_http_scan sc = {0};
        for (size_t k = 0; k <= n; k++) {
            size_t end = wsv_http_head_end(guard_tail(&g, m, k), k, &sc);
            if (end != (k == n ? n : 0))
                fail_msg("head %zu, %zu bytes: end %zu", i, k, end);
        }
    }
    guard_free(&g);

    /* 8 MiB of header lines in 1460-byte segments: linear in all. */
    struct bytes b = {0};
    bytes_put(&b, "GET / HTTP/1.1\r\n", 16);
    while (b.len < 8u << 20)
        bytes_put(&b, "X-Filler: 0123456789abcdef\r\n", 28);
    bytes_put(&b, "\r\n", 2);
    struct wsv_http_scan sc = {0};
    size_t end = 0, calls = 0;
    double t0 = now();
    for (size_t k = 1460; !end; k += 1460, calls++)
        end = wsv_http_head_end(b.p, k < b.len ? k : b.len, &sc);
    double t = now() - t0;
    print_message("    %zu calls over %zu bytes: %.1f ms\n", calls, b.len, t * 1e3);
    assert_int_equal(end, b.len);
    assert_true(t < 2.0);
    bytes_free(&b);
}

/* LF-only and mixed line ends, obs-fold, lines without a colon, blanks before
 * the colon. */
static void test_handshake_http_fields(void **state)
{
    (void)state;
    static const char s[] = "GET / HTTP/1.1\n"
                            " stray: continuation\r\n"
                            "Host:a.example\n"
                            "no colon here\r\n"
                            "X-Fold: one,\r\n"
                            "\t two\n"
                            "  three  \r\n"
                            "Name \t: spaced \r\n"
                            ": no name\n"
                            "Empty:\r\n"
                            "\n"
                            "Body: not a field\r\n\r\n";
    struct wsv_http_head h;
    assert_int_equal(parse(s, &h), WSV_HTTP_OK);
    assert_int_equal(h.len, (size_t)(strstr(s, "Body") - s));
    struct wsv_http_iter it;
    struct wsv_http_field f;
    static const char *const want[][2] = {
        {"Host", "a.example"},
        {"X-Fold", "one,\r\n\t two\n  three"},
        {"Name", "spaced"},
        {"Empty", ""},
    };
    char name[64], value[64];
    size_t n = 0;
    wsv_http_fields(&it, (const uint8_t *)s, &h);
    while (wsv_http_next(&it, &f)) {
        assert_true(n < 4);
        field_str(s, f.name, name, sizeof(name));
        field_str(s, f.value, value, sizeof(value));
        assert_string_equal(name, want[n][0]);
        assert_string_equal(value, want[n][1]);
        n++;
    }
    assert_int_equal(n, 4);
    assert_true(wsv_http_list_has((const uint8_t *)s, (struct wsv_span){0, 0}, "") == false);

    static const char list[] = "keep-alive ,\r\n UPGRADE,";
    struct wsv_span all = {0, sizeof(list) - 1};
    assert_true(wsv_http_list_has((const uint8_t *)list, all, "upgrade"));
    assert_true(wsv_http_list_has((const uint8_t *)list, all, "Keep-Alive"));
    assert_false(wsv_http_list_has((const uint8_t *)list, all, "upgrad"));
    assert_false(wsv_http_list_has((const uint8_t *)list, all, "keep"));
}

/* ---- The records ---------------------------------------------------------- */

static void check_req(const char *s, struct wsv_hs_request *req, struct got *g)
{
    memset(g, 0, sizeof(*g));
    assert_int_equal(wsv_hs_check_request((const uint8_t *)s, strlen(s), req, on_report, g, NULL),
                     WSV_HTTP_OK);
}

static void check_resp(const char *s, const struct wsv_hs_request *req, struct wsv_hs_result *res,
                       struct got *g)
{
    memset(g, 0, sizeof(*g));
    assert_int_equal(
        wsv_hs_check_response((const uint8_t *)s, strlen(s), req, res, on_report, g, NULL),
        WSV_HTTP_OK);
}

#define BASE_REQ                                                                                   \
    "GET /chat HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"               \
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"

static void test_handshake_request_record(void **state)
{
    (void)state;
    struct wsv_hs_request req;
    struct got g;
    check_req(BASE_REQ "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits; "
                       "server_max_window_bits=10, x-foo\r\n"
                       "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; "
                       "client_max_window_bits=9; client_no_context_takeover, x-foo\r\n"
                       "Sec-WebSocket-Protocol: chat, superchat\r\nSec-WebSocket-Protocol: mqtt\r\n"
                       "\r\n",
              &req, &g);
    assert_int_equal(g.n, 0);
    assert_true(req.valid);
    assert_string_equal(req.key, "dGhlIHNhbXBsZSBub25jZQ==");
    assert_true(req.accept_known);
    assert_string_equal(req.accept_expected, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_true(req.version_ok);
    assert_int_equal(req.version, 13);
    assert_string_equal(req.version_text, "13");
    assert_true(req.ext_offered && req.ext_complete && req.pmd_complete);
    assert_int_equal(req.ext_count, 2);
    assert_string_equal(req.ext_names, "permessage-deflate");
    assert_string_equal(req.ext_names + strlen("permessage-deflate") + 1, "x-foo");
    assert_int_equal(req.npmd, 2);
    assert_true(req.pmd[0].client_max_window_bits);
    assert_int_equal(req.pmd[0].client_max_window_bits_value, 0);
    assert_int_equal(req.pmd[0].server_max_window_bits, 10);
    assert_false(req.pmd[0].server_no_context_takeover);
    assert_true(req.pmd[1].server_no_context_takeover && req.pmd[1].client_no_context_takeover);
    assert_int_equal(req.pmd[1].client_max_window_bits_value, 9);
    assert_int_equal(req.pmd[1].server_max_window_bits, 0);
    assert_true(req.subproto_offered && req.subproto_complete);
    assert_int_equal(req.subprotos_len, sizeof("chat\0superchat\0mqtt"));
    assert_memory_equal(req.subprotos, "chat\0superchat\0mqtt", req.subprotos_len);

    /* Version 8 and a repeated key: nothing to compute the accept from. */
    check_req("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              "Sec-WebSocket-Version: 8\r\n\r\n",
              &req, &g);
    assert_int_equal(g.n, 2);
    assert_false(req.accept_known);
    assert_string_equal(req.accept_expected, "");
    assert_false(req.version_ok);
    assert_int_equal(req.version, 8);
    assert_int_equal(req.violations, 2);
    assert_int_equal(req.other_than_version, 1);

    /* A status line is not a request; a request line is not a response. */
    struct wsv_hs_result res;
    assert_int_equal(wsv_hs_check_request((const uint8_t *)"HTTP/1.1 101 OK\r\n\r\n", 19, &req,
                                          NULL, NULL, NULL),
                     WSV_HTTP_INVALID);
    assert_int_equal(wsv_hs_check_response((const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18, NULL,
                                           &res, NULL, NULL, NULL),
                     WSV_HTTP_INVALID);
}

/* More offers than the record holds: the checks that need them stay silent
 * rather than guess. */
static void test_handshake_request_overflow_is_silent(void **state)
{
    (void)state;
    static char buf[16384];
    int n = snprintf(buf, sizeof(buf), "%s", BASE_REQ "Sec-WebSocket-Extensions: ");
    for (int i = 0; i < 300; i++)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "x-ext-%03d, ", i);
    n += snprintf(buf + n, sizeof(buf) - (size_t)n,
                  "permessage-deflate\r\n"
                  "Sec-WebSocket-Protocol: ");
    for (int i = 0; i < 300; i++)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "proto-%03d, ", i);
    snprintf(buf + n, sizeof(buf) - (size_t)n, "last\r\n\r\n");
    struct wsv_hs_request req;
    struct wsv_hs_result res;
    struct got g;
    check_req(buf, &req, &g);
    assert_int_equal(g.n, 0);
    assert_false(req.ext_complete);
    assert_true(req.pmd_complete);
    assert_int_equal(req.npmd, 1);
    assert_false(req.subproto_complete);
    check_resp("HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: upgrade\r\n"
               "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
               "Sec-WebSocket-Extensions: x-ext-299, x-unknown, permessage-deflate\r\n"
               "Sec-WebSocket-Protocol: last\r\n\r\n",
               &req, &res, &g);
    assert_int_equal(g.n, 0);
    assert_true(res.pmd.enabled);
    assert_true(res.other_extensions);
    assert_string_equal(res.subprotocol, "last");
}

static void test_handshake_result_fields(void **state)
{
    (void)state;
    struct wsv_hs_request req;
    struct wsv_hs_result res;
    struct got g;
    check_req(BASE_REQ "Sec-WebSocket-Extensions: permessage-deflate, x-foo, x-bar\r\n\r\n", &req,
              &g);
    check_resp("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
               "Sec-WebSocket-Extensions: x-bar\r\n\r\n",
               &req, &res, &g);
    assert_int_equal(g.n, 0);
    assert_int_equal(res.status, 101);
    assert_true(res.upgraded && !res.failed && !res.interim);
    assert_false(res.pmd.enabled);
    assert_true(res.other_extensions);
    assert_string_equal(res.accept_expected, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    assert_int_equal(res.ext_accepted, 1u << 2);
    char missing[64];
    assert_int_equal(wsv_hs_ext_missing(&req, &res, missing, sizeof(missing)), 2);
    assert_string_equal(missing, "permessage-deflate, x-foo");
    assert_int_equal(wsv_hs_ext_missing(&req, &res, missing, 12), 2);
    assert_string_equal(missing, "permessage-");
    assert_int_equal(wsv_hs_ext_missing(NULL, &res, missing, sizeof(missing)), 0);
    assert_string_equal(missing, "");

    /* A mismatch keeps the expected value for display. */
    check_resp("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
               &req, &res, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.v[0].rule, WSV_R_HANDSHAKE_ACCEPT_MISMATCH);
    assert_int_equal(g.v[0].len, 28);
    assert_true(g.v[0].must_fail);
    assert_true(res.failed);
    assert_string_equal(res.accept_expected, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

    /* An interim answer says nothing; the final one follows. */
    check_resp("HTTP/1.1 100 Continue\r\n\r\n", &req, &res, &g);
    assert_int_equal(g.n, 0);
    assert_true(res.interim);
    assert_false(res.upgraded);

    /* A refusal: the versions are kept, the note carries the status. */
    check_resp("HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13, 8, 7\r\n\r\n", &req,
               &res, &g);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.v[0].rule, WSV_R_HANDSHAKE_REFUSED);
    assert_false(g.v[0].must_fail);
    assert_int_equal(g.v[0].detail, 426);
    assert_true(res.version_refusal && res.has_versions);
    assert_string_equal(res.versions, "13, 8, 7");

    /* A zeroed record is "no request seen". */
    struct wsv_hs_request none;
    memset(&none, 0, sizeof(none));
    check_resp("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n"
               "Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: x-foo\r\n\r\n",
               &none, &res, &g);
    assert_int_equal(g.n, 0);
    assert_string_equal(res.accept_expected, "");
}

static void test_handshake_judges_handshake_rules_only(void **state)
{
    (void)state;
    unsigned judged = 0;
    for (unsigned r = 0; r < WSV_RULE_COUNT; r++) {
        const struct wsv_rule_info *ri = wsv_rule_get(r);
        bool want = ri->impl == WSV_IMPL_HANDSHAKE && r != WSV_R_EXT_REQUIRED_MISSING;
        assert_int_equal(wsv_hs_judges(r), want);
        judged += want;
    }
    assert_int_equal(judged, 21);
    assert_false(wsv_hs_judges(WSV_RULE_COUNT));
    for (unsigned w = 0; w <= WSV_HS_WHY_DROPPED; w++)
        assert_non_null(wsv_hs_why_str(w));
    assert_string_equal(wsv_hs_why_str(WSV_HS_WHY_LARGER), "larger than offered");
}

/* ---- Size ----------------------------------------------------------------- */

/* 4 MiB of header lines, a 1 MiB line, a 1 MiB extension offer and a
 * response with a 1 MiB extension list: linear time (a quadratic scan would
 * take hours), and the results are still exact. Placed against the guard
 * page. */
static void test_handshake_enormous_header_linear(void **state)
{
    (void)state;
    const size_t mib = 1u << 20;
    struct bytes b = {0};
    bytes_put(&b, BASE_REQ, strlen(BASE_REQ));
    static const char filler[] = "X-Filler: 0123456789abcdef0123456789abcdef0123456789abcdef\r\n";
    while (b.len < 4 * mib)
        bytes_put(&b, filler, sizeof(filler) - 1);
    bytes_put(&b, "X-Long: ", 8);
    for (size_t i = 0; i < mib; i++)
        bytes_put(&b, "y", 1);
    bytes_put(&b, "\r\nSec-WebSocket-Extensions: ", 28);
    while (b.len < 6 * mib)
        bytes_put(&b, "x-a; p=1, ", 10);
    bytes_put(&b, "permessage-deflate\r\n\r\n", 22);

    struct guard g;
    guard_init(&g, b.len);
    struct wsv_hs_request req;
    struct got gr = {0};
    double t0 = now();
    const uint8_t *p = guard_tail(&g, b.p, b.len);
    assert_int_equal(wsv_hs_check_request(p, b.len, &req, on_report, &gr, NULL), WSV_HTTP_OK);
    double t_req = now() - t0;
    assert_int_equal(gr.n, 0);
    assert_true(req.ext_complete);
    assert_int_equal(req.ext_count, 2);
    assert_int_equal(req.npmd, 1);

    /* The response accepts x-a 100k times and permessage-deflate once. */
    struct bytes r = {0};
    static const char head[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                               "Connection: Upgrade\r\n"
                               "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                               "Sec-WebSocket-Extensions: permessage-deflate; "
                               "server_no_context_takeover, ";
    bytes_put(&r, head, sizeof(head) - 1);
    while (r.len < mib)
        bytes_put(&r, "x-a, ", 5);
    bytes_put(&r, "x-a\r\n\r\n", 7);
    struct guard g2;
    guard_init(&g2, r.len);
    struct wsv_hs_result res;
    struct got gs = {0};
    t0 = now();
    p = guard_tail(&g2, r.p, r.len);
    assert_int_equal(wsv_hs_check_response(p, r.len, &req, &res, on_report, &gs, NULL),
                     WSV_HTTP_OK);
    double t_resp = now() - t0;
    assert_int_equal(gs.n, 0);
    assert_true(res.pmd.enabled && res.pmd.server_no_context_takeover);
    assert_true(res.extensions_truncated);
    assert_int_equal(res.ext_accepted, 3u);

    print_message("    request of %zu bytes: %.1f ms; response of %zu bytes: %.1f ms\n", b.len,
                  t_req * 1e3, r.len, t_resp * 1e3);
    /* Generous: linear is a few tens of milliseconds even under valgrind. */
    assert_true(t_req < 5.0);
    assert_true(t_resp < 5.0);
    guard_free(&g);
    guard_free(&g2);
    bytes_free(&b);
    bytes_free(&r);
}

/* Many repeated headers: every repeat is reported, still in linear time. */
static void test_handshake_many_repeats_linear(void **state)
{
    (void)state;
    struct bytes r = {0};
    static const char head[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                               "Connection: Upgrade\r\n";
    static const char acc[] = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";
    bytes_put(&r, head, sizeof(head) - 1);
    const unsigned n = 50000;
    for (unsigned i = 0; i < n; i++)
        bytes_put(&r, acc, sizeof(acc) - 1);
    bytes_put(&r, "\r\n", 2);
    struct wsv_hs_result res;
    struct guard g;
    guard_init(&g, r.len);
    const uint8_t *p = guard_tail(&g, r.p, r.len);
    double t0 = now();
    /* Without a report funnel the verdict still counts. */
    assert_int_equal(wsv_hs_check_response(p, r.len, NULL, &res, NULL, NULL, NULL), WSV_HTTP_OK);
    assert_true(res.failed);
    struct got gs = {0};
    assert_int_equal(wsv_hs_check_response(p, r.len, NULL, &res, on_report, &gs, NULL),
                     WSV_HTTP_OK);
    assert_true(now() - t0 < 5.0);
    assert_true(gs.overflow);
    assert_int_equal(gs.n, MAX_GOT);
    assert_int_equal(gs.v[0].rule, WSV_R_HANDSHAKE_DUP_HEADER_RESPONSE);
    assert_true(res.failed);
    guard_free(&g);
    bytes_free(&r);
}

/* ---- The group -------------------------------------------------------------- */

int run_handshake_tests(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_handshake_sha1_rfc3174_vectors),
        cmocka_unit_test(test_handshake_base64_rfc4648_vectors),
        cmocka_unit_test(test_handshake_accept_rfc6455_example),
        cmocka_unit_test(test_handshake_http_start_lines),
        cmocka_unit_test(test_handshake_http_head_end_incremental),
        cmocka_unit_test(test_handshake_http_fields),
        cmocka_unit_test(test_handshake_request_record),
        cmocka_unit_test(test_handshake_request_overflow_is_silent),
        cmocka_unit_test(test_handshake_result_fields),
        cmocka_unit_test(test_handshake_judges_handshake_rules_only),
        cmocka_unit_test(test_handshake_enormous_header_linear),
        cmocka_unit_test(test_handshake_many_repeats_linear),
    };
    const size_t nfixed = sizeof(fixed) / sizeof(fixed[0]);
    struct CMUnitTest *tests = calloc(nfixed + hs_count, sizeof(*tests));
    char(*names)[160] = calloc(hs_count, sizeof(*names));
    if (!tests || !names)
        return 1;
    memcpy(tests, fixed, sizeof(fixed));
    for (size_t i = 0; i < hs_count; i++) {
        hs_case_name(&hs_cases[i], names[i], sizeof(names[0]));
        tests[nfixed + i].name = names[i];
        tests[nfixed + i].test_func = run_case;
        tests[nfixed + i].initial_state = (void *)&hs_cases[i];
    }
    int rc = _cmocka_run_group_tests("handshake", tests, nfixed + hs_count, NULL, NULL);
    free(tests);
    free(names);
    return rc;
}
