/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_handshake: the HTTP head parser and the opening-handshake checks
 * (wsv_handshake.h). The first 6 bytes choose how the rest is used; the rest
 * is a request head followed by a response head (either may be empty or
 * garbage, and bytes after a head's empty line are part of the fuzzing).
 *
 * Header layout (missing bytes read as 0):
 *   [0..1] little-endian split point: the first that many bytes of the rest
 *          are the request, the others the response (capped at the rest)
 *   [2..5] chunk table for wsv_http_head_end, used cyclically: the head
 *          grows by the entry's value in bytes (0: called again without
 *          growth; a table of zeros grows by 1)
 *
 * Each head is handed over in an exact-size heap copy, so AddressSanitizer
 * sees a read past it. Checked, as invariants (a break aborts):
 *   - wsv_http_parse: spans inside the start line and the head; every field
 *     from wsv_http_next lies in the head, in order, its name without colon
 *     or surrounding blanks, its value without surrounding blanks; every item
 *     of wsv_http_list_next lies in its value, in order, without commas or
 *     surrounding blanks; wsv_http_name_is and wsv_http_list_has agree with
 *     the spans;
 *   - wsv_http_head_end fed the growing head (bytes past the current length
 *     poisoned) returns 0 until, at the first length that holds the head, the
 *     same length as one call over the whole buffer, which is h.len when
 *     wsv_http_parse finds a complete head;
 *   - the checks: every violation lies inside the head and names a rule
 *     wsv_hs_judges() accepts, a request rule on the request and a response
 *     rule on the response, with a severity and close code that match the
 *     rule table; nothing is reported unless the head is complete; the
 *     records' strings are NUL-terminated inside their arrays and their
 *     counts agree with what was reported;
 *   - bytes after the head change nothing: the same results for the head
 *     alone (cut right after its empty line) and for the head followed by
 *     the other head's bytes;
 *   - a response judged against NULL, against a zeroed record and against a
 *     request that did not parse gives the same results;
 *   - wsv_hs_ext_missing: the same count for every buffer size, the output
 *     NUL-terminated inside the buffer, a prefix of the large buffer's
 *     output, which is exactly the offered names the response did not
 *     accept, joined by ", ".
 */
#include "fuzz_check.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wsv/wsv_handshake.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { HDR = 6, TABLE = 4 };

static uint8_t *copy_of(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    if (!c)
        abort();
    if (n)
        memcpy(c, p, n);
    return c;
}

static uint8_t *concat(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    uint8_t *c = malloc(an + bn ? an + bn : 1);
    if (!c)
        abort();
    if (an)
        memcpy(c, a, an);
    if (bn)
        memcpy(c + an, b, bn);
    return c;
}

static bool inside(struct wsv_span s, size_t lo, size_t hi)
{
    return s.off >= lo && s.off <= hi && s.len <= hi - s.off;
}

static bool is_blank(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* A span of at most 63 bytes without NUL as a C string, for the lookups
 * that take one; false if it does not qualify. */
static bool span_str(const uint8_t *buf, struct wsv_span s, char out[64])
{
    if (s.len >= 64 || memchr(buf + s.off, 0, s.len))
        return false;
    memcpy(out, buf + s.off, s.len);
    out[s.len] = 0;
    return true;
}

/* ---- The HTTP layer ----------------------------------------------------- */

static void check_list(const uint8_t *buf, struct wsv_span v)
{
    size_t pos = v.off, prev_end = v.off, items = 0;
    struct wsv_span it;
    while (wsv_http_list_next(buf, v, &pos, &it)) {
        if (++items > v.len + 1)
            fz_die("list_next: more than %zu items in a %zu-byte value", v.len + 1, v.len);
        if (!inside(it, prev_end, v.off + v.len))
            fz_die("list item %zu+%zu outside value %zu+%zu or before %zu", it.off, it.len, v.off,
                   v.len, prev_end);
        if (memchr(buf + it.off, ',', it.len))
            fz_die("list item at %zu holds a comma", it.off);
        if (it.len && (is_blank(buf[it.off]) || is_blank(buf[it.off + it.len - 1])))
            fz_die("list item at %zu has surrounding blanks", it.off);
        /* list_has scans the whole value: only for the first items, so that
         * a value of thousands of commas stays linear. */
        char tok[64];
        if (items <= 16 && it.len && span_str(buf, it, tok) && !wsv_http_list_has(buf, v, tok))
            fz_die("list_has misses item \"%s\" that list_next returned", tok);
        prev_end = it.off + it.len;
    }
}

static void check_fields(const uint8_t *buf, const struct wsv_http_head *h)
{
    struct wsv_http_iter it;
    struct wsv_http_field f;
    size_t prev_end = h->fields, n = 0;
    wsv_http_fields(&it, buf, h);
    while (wsv_http_next(&it, &f)) {
        if (++n > h->len)
            fz_die("http_next: more fields than bytes");
        if (!inside(f.line, prev_end, h->len) ||
            !inside(f.name, f.line.off, f.line.off + f.line.len) ||
            !inside(f.value, f.line.off, f.line.off + f.line.len))
            fz_die("field %zu: line %zu+%zu name %zu+%zu value %zu+%zu outside [%zu, %zu)", n,
                   f.line.off, f.line.len, f.name.off, f.name.len, f.value.off, f.value.len,
                   prev_end, h->len);
        if (f.name.off != f.line.off || f.name.len == 0 ||
            memchr(buf + f.name.off, ':', f.name.len))
            fz_die("field %zu: bad name span %zu+%zu", n, f.name.off, f.name.len);
        uint8_t last = buf[f.name.off + f.name.len - 1];
        if (buf[f.name.off] == ' ' || buf[f.name.off] == '\t' || last == ' ' || last == '\t')
            fz_die("field %zu: name with surrounding blanks", n);
        if (f.value.off <= f.name.off + f.name.len)
            fz_die("field %zu: value starts before the colon", n);
        if (f.value.len &&
            (is_blank(buf[f.value.off]) || is_blank(buf[f.value.off + f.value.len - 1])))
            fz_die("field %zu: value with surrounding blanks", n);
        char name[64];
        if (span_str(buf, f.name, name) && !wsv_http_name_is(buf, &f, name))
            fz_die("name_is(\"%s\") false on its own name", name);
        check_list(buf, f.value);
        prev_end = f.line.off + f.line.len;
    }
}

/* wsv_http_head_end over a head that grows in place by the chunk table, the
 * bytes past the current length poisoned. */
static void check_head_end(uint8_t *buf, size_t n, const uint8_t table[TABLE], size_t whole)
{
    struct wsv_http_scan s = {0, false};
    unsigned zeros = 0;
    for (unsigned i = 0; i < TABLE; i++)
        zeros += table[i] == 0;
    size_t have = 0;
    for (unsigned i = 0;; i++) {
        size_t step = zeros == TABLE ? 1 : table[i % TABLE];
        have = step > n - have ? n : have + step;
        fz_poison(buf + have, n - have);
        size_t got = wsv_http_head_end(buf, have, &s);
        fz_unpoison(buf + have, n - have);
        if (got) {
            if (got != whole || have < whole)
                fz_die("head_end in pieces: %zu at length %zu; in one call: %zu", got, have, whole);
            return;
        }
        if (whole && have >= whole)
            fz_die("head_end in pieces: 0 at length %zu; in one call: %zu", have, whole);
        if (have == n)
            return;
    }
}

/* wsv_http_parse and the field iterators; returns the status, *h the head. */
static enum wsv_http_status check_http(uint8_t *buf, size_t n, const uint8_t table[TABLE],
                                       struct wsv_http_head *h)
{
    enum wsv_http_status st = wsv_http_parse(buf, n, h);
    struct wsv_http_scan s = {0, false};
    size_t whole = wsv_http_head_end(buf, n, &s);
    if (whole > n || (whole && buf[whole - 1] != '\n'))
        fz_die("head_end %zu of %zu bytes", whole, n);
    if (st == WSV_HTTP_OK && whole != h->len)
        fz_die("head_end %zu, parse %zu", whole, h->len);
    if (st == WSV_HTTP_PARTIAL && whole)
        fz_die("parse partial, head_end %zu", whole);
    check_head_end(buf, n, table, whole);
    if (st != WSV_HTTP_OK)
        return st;

    if (h->len > n || h->fields == 0 || h->fields > h->len || buf[h->fields - 1] != '\n' ||
        h->start_line.off != 0 || h->start_line.len >= h->fields)
        fz_die("head: len %zu fields %zu start line %zu of %zu bytes", h->len, h->fields,
               h->start_line.len, n);
    size_t sl = h->start_line.len;
    if (!inside(h->version, 0, sl))
        fz_die("version span outside the start line");
    if (h->version_valid && (h->version.len != 8 || h->major > 9 || h->minor > 9))
        fz_die("version %u.%u from %zu bytes", h->major, h->minor, h->version.len);
    if (h->response) {
        if (!inside(h->status_code, 0, sl) || !inside(h->reason, 0, sl) ||
            h->status_code.len != 3 || h->status > 999)
            fz_die("status line spans");
        unsigned v = 0;
        for (unsigned i = 0; i < 3; i++)
            v = v * 10 + (unsigned)(buf[h->status_code.off + i] - '0');
        if (v != h->status)
            fz_die("status %u from \"%.3s\"", h->status, (const char *)buf + h->status_code.off);
    } else if (!inside(h->method, 0, sl) || !inside(h->target, 0, sl) || h->method.len == 0) {
        fz_die("request line spans");
    }
    check_fields(buf, h);
    return st;
}

/* ---- The checks ---------------------------------------------------------- */

/* What the report callback saw. */
struct seen {
    bool response;   /* judging a response: response rules expected */
    size_t head_len; /* violations must lie in buf[0, head_len) */
    uint64_t count, must_fail, other_than_version;
    uint64_t digest;
};

static void seen_init(struct seen *s, bool response, size_t head_len)
{
    memset(s, 0, sizeof *s);
    s->response = response;
    s->head_len = head_len;
    s->digest = 0xcbf29ce484222325ULL;
}

static void mix(struct seen *s, uint64_t v)
{
    for (unsigned i = 0; i < 8; i++) {
        s->digest ^= (uint8_t)(v >> (8 * i));
        s->digest *= 0x100000001b3ULL;
    }
}

static void on_violation(void *user, const struct wsv_hs_violation *v)
{
    struct seen *s = user;
    const struct wsv_rule_info *ri = wsv_rule_get(v->rule);
    if (!ri || !wsv_hs_judges(v->rule))
        fz_die("reported rule %d is not one wsv_hs_judges() accepts", (int)v->rule);
    if (fz_verbose)
        fprintf(stderr, "%s: %s at %zu+%zu why=%s detail=%" PRIu64 " must_fail=%d close=%u\n",
                s->response ? "response" : "request", ri->id, v->offset, v->len,
                wsv_hs_why_str(v->why), v->detail, v->must_fail, v->expected_close);
    if (v->offset > s->head_len || v->len > s->head_len - v->offset)
        fz_die("%s at %zu+%zu, outside the %zu-byte head", ri->id, v->offset, v->len, s->head_len);
    /* Who detects it: the server a request rule, the client a response rule
     * (NONE: a note or warning on the response nobody reacts to). */
    bool server = ri->checker == WSV_CHK_S || ri->checker == WSV_CHK_CS;
    bool client =
        ri->checker == WSV_CHK_C || ri->checker == WSV_CHK_CS || ri->checker == WSV_CHK_NONE;
    if (s->response ? !client : !server)
        fz_die("%s (checker %d) reported on a %s", ri->id, (int)ri->checker,
               s->response ? "response" : "request");
    if ((unsigned)v->why > WSV_HS_WHY_DROPPED || !wsv_hs_why_str(v->why) ||
        (v->why != WSV_HS_WHY_NONE && !*wsv_hs_why_str(v->why)))
        fz_die("%s: why %d", ri->id, (int)v->why);
    if (v->must_fail != (ri->severity == WSV_SEV_ERROR))
        fz_die("%s: must_fail %d, severity %d", ri->id, v->must_fail, (int)ri->severity);
    if (v->must_fail ? v->expected_close != ri->close : v->expected_close != 0)
        fz_die("%s: expected_close %u (must_fail %d, rule's close %u)", ri->id, v->expected_close,
               v->must_fail, ri->close);
    s->count++;
    s->must_fail += v->must_fail;
    s->other_than_version += v->must_fail && v->rule != WSV_R_HANDSHAKE_VERSION;
    mix(s, v->rule);
    mix(s, v->offset);
    mix(s, v->len);
    mix(s, (uint64_t)v->why << 32 | (uint64_t)v->must_fail << 16 | v->expected_close);
    mix(s, v->detail);
}

static void check_str(const char *s, size_t cap, const char *what)
{
    if (!memchr(s, 0, cap))
        fz_die("%s not NUL-terminated in its %zu bytes", what, cap);
}

/* NUL-separated names in names[0, len): well formed, non-empty, unique;
 * returns how many. */
static unsigned check_names(const char *names, size_t len, size_t cap, const char *what)
{
    if (len > cap || (len && names[len - 1] != 0))
        fz_die("%s: length %zu of %zu, not NUL-terminated", what, len, cap);
    unsigned n = 0;
    for (size_t p = 0; p < len; n++) {
        size_t k = strlen(names + p);
        if (k == 0)
            fz_die("%s: empty name %u", what, n);
        for (size_t q = 0; q < p;) {
            if (strcmp(names + q, names + p) == 0)
                fz_die("%s: \"%s\" twice", what, names + p);
            q += strlen(names + q) + 1;
        }
        p += k + 1;
    }
    return n;
}

static void check_request_record(const struct wsv_hs_request *r, const struct seen *s)
{
    if (!r->valid)
        fz_die("request parsed OK but the record is not valid");
    if (r->violations != s->must_fail || r->other_than_version != s->other_than_version)
        fz_die("request record: %u must-fail violations (%u not version), %" PRIu64
               " reported (%" PRIu64 ")",
               r->violations, r->other_than_version, s->must_fail, s->other_than_version);
    check_str(r->key, sizeof r->key, "key");
    check_str(r->accept_expected, sizeof r->accept_expected, "request accept_expected");
    check_str(r->version_text, sizeof r->version_text, "version_text");
    if (r->accept_known && strlen(r->accept_expected) != WSV_ACCEPT_LEN)
        fz_die("accept_known with a %zu-character accept value", strlen(r->accept_expected));
    if (!r->accept_known && r->accept_expected[0])
        fz_die("accept value without accept_known");
    if (r->version < -2 || (r->version_ok && (r->version != 13 || strcmp(r->version_text, "13"))))
        fz_die("version %d \"%s\" ok=%d", r->version, r->version_text, r->version_ok);
    unsigned names = check_names(r->ext_names, r->ext_names_len, sizeof r->ext_names, "ext_names");
    if (names != r->ext_count)
        fz_die("ext_count %u, %u names", r->ext_count, names);
    check_names(r->subprotos, r->subprotos_len, sizeof r->subprotos, "subprotos");
    if (!r->ext_offered && (r->ext_count || r->npmd))
        fz_die("extensions recorded without the header");
    if (!r->subproto_offered && r->subprotos_len)
        fz_die("subprotocols recorded without the header");
    if (r->npmd > WSV_HS_MAX_PMD_OFFERS)
        fz_die("npmd %u", r->npmd);
    for (unsigned i = 0; i < r->npmd; i++) {
        const struct wsv_pmd_offer *o = &r->pmd[i];
        uint8_t sw = o->server_max_window_bits, cw = o->client_max_window_bits_value;
        if (!(sw == 0 || sw == 255 || (sw >= 8 && sw <= 15)) ||
            !(cw == 0 || (cw >= 8 && cw <= 15)) || (cw && !o->client_max_window_bits))
            fz_die("offer %u: server_max_window_bits %u, client %d/%u", i, sw,
                   o->client_max_window_bits, cw);
    }
}

static void check_result_record(const struct wsv_hs_result *r, const struct wsv_http_head *h,
                                const struct wsv_hs_request *req, const struct seen *s)
{
    check_str(r->extensions, sizeof r->extensions, "extensions");
    check_str(r->subprotocol, sizeof r->subprotocol, "subprotocol");
    check_str(r->accept_expected, sizeof r->accept_expected, "result accept_expected");
    check_str(r->versions, sizeof r->versions, "versions");
    if (r->status != h->status)
        fz_die("result status %u, head %u", r->status, h->status);
    if (r->upgraded != (h->status == 101) ||
        r->interim != (h->status >= 100 && h->status < 200 && h->status != 101))
        fz_die("status %u: upgraded %d interim %d", r->status, r->upgraded, r->interim);
    if (r->failed != (s->must_fail > 0))
        fz_die("failed %d with %" PRIu64 " must-fail violations", r->failed, s->must_fail);
    bool known = req && req->valid && req->accept_known;
    if (known ? strcmp(r->accept_expected, req->accept_expected) : r->accept_expected[0] != 0)
        fz_die("result accept_expected \"%s\"", r->accept_expected);
    uint8_t sw = r->pmd.server_max_window_bits, cw = r->pmd.client_max_window_bits;
    if (!(sw == 0 || (sw >= 8 && sw <= 15)) || !(cw == 0 || (cw >= 8 && cw <= 15)))
        fz_die("accepted window bits %u/%u", sw, cw);
    if ((sw || cw || r->pmd.server_no_context_takeover || r->pmd.client_no_context_takeover) &&
        !r->pmd.enabled)
        fz_die("permessage-deflate parameters without permessage-deflate");
    if (!r->upgraded && (r->pmd.enabled || r->other_extensions || r->extensions[0] ||
                         r->subprotocol[0] || r->ext_accepted))
        fz_die("extensions or subprotocol from a %u response", r->status);
    if (!r->has_versions && r->versions[0])
        fz_die("versions without has_versions");
    unsigned names = req && req->valid ? req->ext_count : 0;
    if (names < 32 && r->ext_accepted >> names)
        fz_die("ext_accepted %#x with %u offered names", r->ext_accepted, names);
}

static void check_ext_missing(const struct wsv_hs_request *req, const struct wsv_hs_result *res,
                              unsigned small)
{
    char large[1024], want[1024] = "";
    memset(large, 0x55, sizeof large);
    size_t n = wsv_hs_ext_missing(req, res, large, sizeof large);
    check_str(large, sizeof large, "ext_missing output");
    size_t expect = 0;
    if (req && req->valid && res) {
        unsigned i = 0;
        for (size_t p = 0; p < req->ext_names_len && i < 32; i++) {
            const char *name = req->ext_names + p;
            p += strlen(name) + 1;
            if (res->ext_accepted >> i & 1u)
                continue;
            if (expect++)
                strcat(want, ", ");
            strcat(want, name); /* at most 256 + 2 * 32 characters in all */
        }
    }
    if (n != expect || strcmp(large, want) != 0)
        fz_die("ext_missing: %zu \"%s\", expected %zu \"%s\"", n, large, expect, want);
    size_t caps[] = {0, 1, 2, 3, 9, small};
    for (unsigned k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        char *out = malloc(caps[k]); /* exact size: a write past it is caught */
        if (caps[k] && !out)
            abort();
        if (caps[k])
            memset(out, 0x55, caps[k]);
        size_t m = wsv_hs_ext_missing(req, res, out, caps[k]);
        if (m != n)
            fz_die("ext_missing: %zu with %zu bytes, %zu with %zu", m, caps[k], n, sizeof large);
        if (caps[k]) {
            check_str(out, caps[k], "ext_missing small output");
            if (strncmp(out, large, strlen(out)) != 0)
                fz_die("ext_missing into %zu bytes: \"%s\" not a prefix of \"%s\"", caps[k], out,
                       large);
        }
        free(out);
    }
}

/* One run of a check over buf[0, n): the status, what was reported and the
 * record. */
struct run {
    enum wsv_http_status st;
    struct seen seen;
    struct wsv_http_head head;
    union {
        struct wsv_hs_request req;
        struct wsv_hs_result res;
    } rec;
};

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return false;
    return true;
}

static void run_request(struct run *r, const uint8_t *buf, size_t n, size_t head_len)
{
    memset(r, 0, sizeof *r);
    seen_init(&r->seen, false, head_len);
    r->st = wsv_hs_check_request(buf, n, &r->rec.req, on_violation, &r->seen, &r->head);
    if (r->st != WSV_HTTP_OK && (r->seen.count || !all_zero(&r->rec.req, sizeof r->rec.req)))
        fz_die("request status %d: %" PRIu64 " violations reported, record not cleared", r->st,
               r->seen.count);
}

static void run_response(struct run *r, const uint8_t *buf, size_t n, size_t head_len,
                         const struct wsv_hs_request *req)
{
    memset(r, 0, sizeof *r);
    seen_init(&r->seen, true, head_len);
    memset(&r->rec.res, 0xa5, sizeof r->rec.res); /* the call must set every byte it promises */
    r->st = wsv_hs_check_response(buf, n, req, &r->rec.res, on_violation, &r->seen, &r->head);
    if (r->st != WSV_HTTP_OK && r->seen.count)
        fz_die("response status %d: %" PRIu64 " violations reported", r->st, r->seen.count);
}

static void same(const struct run *a, const struct run *b, size_t rec_size, const char *what)
{
    if (a->st != b->st || a->seen.count != b->seen.count || a->seen.digest != b->seen.digest ||
        memcmp(&a->head, &b->head, sizeof a->head) != 0 || memcmp(&a->rec, &b->rec, rec_size) != 0)
        fz_die("%s: status %d/%d, %" PRIu64 "/%" PRIu64 " violations, digests %016" PRIx64
               "/%016" PRIx64 ", head %s, record %s (replay with FUZZ_VERBOSE=1)",
               what, a->st, b->st, a->seen.count, b->seen.count, a->seen.digest, b->seen.digest,
               memcmp(&a->head, &b->head, sizeof a->head) ? "differs" : "same",
               memcmp(&a->rec, &b->rec, rec_size) ? "differs" : "same");
}

/* The status a check must return, given what wsv_http_parse said. */
static enum wsv_http_status expected(enum wsv_http_status st, const struct wsv_http_head *h,
                                     bool response)
{
    return st == WSV_HTTP_OK && h->response != response ? WSV_HTTP_INVALID : st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t hdr[HDR] = {0};
    size_t hn = size < HDR ? size : HDR;
    memcpy(hdr, data, hn);
    const uint8_t *body = data + hn;
    size_t blen = size - hn;
    size_t split = (size_t)hdr[0] | (size_t)hdr[1] << 8;
    if (split > blen)
        split = blen;
    const uint8_t *table = hdr + 2;

    size_t qn = split, sn = blen - split;
    uint8_t *q = copy_of(body, qn), *s = copy_of(body + split, sn);
    struct wsv_http_head qh, sh;
    enum wsv_http_status qst = check_http(q, qn, table, &qh);
    enum wsv_http_status sst = check_http(s, sn, table, &sh);
    size_t qlen = qst == WSV_HTTP_OK ? qh.len : 0, slen = sst == WSV_HTTP_OK ? sh.len : 0;

    /* The request, into a zeroed record. */
    struct run rq;
    run_request(&rq, q, qn, qlen);
    if (rq.st != expected(qst, &qh, false) || memcmp(&rq.head, &qh, sizeof qh) != 0)
        fz_die("check_request status %d, parse %d (response %d)", rq.st, qst, qh.response);
    if (rq.st == WSV_HTTP_OK)
        check_request_record(&rq.rec.req, &rq.seen);

    /* The response, against the request, NULL and a zeroed record. */
    static const struct wsv_hs_request zero;
    struct run rs, rn, rz;
    run_response(&rs, s, sn, slen, &rq.rec.req);
    run_response(&rn, s, sn, slen, NULL);
    run_response(&rz, s, sn, slen, &zero);
    if (rs.st != expected(sst, &sh, true) || memcmp(&rs.head, &sh, sizeof sh) != 0)
        fz_die("check_response status %d, parse %d (response %d)", rs.st, sst, sh.response);
    same(&rn, &rz, sizeof rn.rec.res, "response against NULL and against a zeroed request");
    if (!rq.rec.req.valid)
        same(&rs, &rn, sizeof rs.rec.res, "response against an invalid request and NULL");
    if (rs.st == WSV_HTTP_OK) {
        check_result_record(&rs.rec.res, &sh, &rq.rec.req, &rs.seen);
        check_result_record(&rn.rec.res, &sh, NULL, &rn.seen);
    }

    /* The wrong kind of head is refused. */
    struct run x;
    run_request(&x, s, sn, slen);
    if (x.st != expected(sst, &sh, false))
        fz_die("check_request on the response: status %d, parse %d", x.st, sst);
    run_response(&x, q, qn, qlen, NULL);
    if (x.st != expected(qst, &qh, true))
        fz_die("check_response on the request: status %d, parse %d", x.st, qst);

    /* Bytes after a complete head change nothing: the head alone, and the
     * head followed by the other one's bytes. A start line that is not one
     * stays INVALID whatever follows. */
    if (qst != WSV_HTTP_PARTIAL) {
        uint8_t *cut = qst == WSV_HTTP_OK ? copy_of(q, qlen) : NULL;
        uint8_t *more = concat(q, qn, s, sn);
        struct run r2;
        if (cut) {
            run_request(&r2, cut, qlen, qlen);
            same(&rq, &r2, sizeof rq.rec.req, "request cut after its head");
        }
        run_request(&r2, more, qn + sn, qlen);
        same(&rq, &r2, sizeof rq.rec.req, "request followed by the response");
        free(cut);
        free(more);
    }
    if (sst != WSV_HTTP_PARTIAL) {
        uint8_t *cut = sst == WSV_HTTP_OK ? copy_of(s, slen) : NULL;
        uint8_t *more = concat(s, sn, q, qn);
        struct run r2;
        if (cut) {
            run_response(&r2, cut, slen, slen, &rq.rec.req);
            same(&rs, &r2, sizeof rs.rec.res, "response cut after its head");
        }
        run_response(&r2, more, sn + qn, slen, &rq.rec.req);
        same(&rs, &r2, sizeof rs.rec.res, "response followed by the request");
        free(cut);
        free(more);
    }

    /* The extensions a Close 1010 would miss. */
    unsigned small = 4 + hdr[2] % 60;
    check_ext_missing(&rq.rec.req, &rs.rec.res, small);
    check_ext_missing(&rq.rec.req, &rn.rec.res, small);
    check_ext_missing(NULL, &rs.rec.res, small);
    check_ext_missing(&rq.rec.req, NULL, small);

    free(q);
    free(s);
    return 0;
}
