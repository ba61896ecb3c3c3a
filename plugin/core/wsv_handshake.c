/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The opening handshake (RFC 6455 §4, §9.1, §11.3) and the permessage-deflate
 * negotiation (RFC 7692 §5, §7). Where implementations disagree, the checks
 * follow the RFC and stay silent on what it allows, even where popular
 * clients fail: Connection is a token list, Sec-WebSocket-Extensions may
 * repeat, a server may choose no subprotocol, may add server_no_context_takeover
 * unasked, and a permessage-deflate response is fine if it fits any one of the
 * client's offers.
 *
 * Names of extensions, of their parameters and of subprotocols are compared
 * exactly, as every implementation surveyed does; Upgrade and Connection
 * case-insensitively, as RFC 6455 says.
 */
#include "wsv/wsv_handshake.h"

#include <stdio.h>
#include <string.h>

#define NONE     ((size_t)-1)
#define PMD_NAME "permessage-deflate"

static bool is_blank(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool is_tchar(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool span_eq(const uint8_t *buf, struct wsv_span s, const char *str)
{
    size_t n = strlen(str);
    return s.len == n && memcmp(buf + s.off, str, n) == 0;
}

static uint8_t lower(uint8_t c)
{
    return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

static bool span_ieq(const uint8_t *buf, struct wsv_span s, const char *str)
{
    size_t n = strlen(str);
    if (s.len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(buf[s.off + i]) != lower((uint8_t)str[i]))
            return false;
    return true;
}

static bool span_is_token(const uint8_t *buf, struct wsv_span s)
{
    for (size_t i = 0; i < s.len; i++)
        if (!is_tchar(buf[s.off + i]))
            return false;
    return s.len > 0;
}

/* Copy a span into a fixed string, blanks (obs-fold) as spaces; false if it
 * did not fit. */
static bool copy_str(char *dst, size_t cap, const uint8_t *buf, struct wsv_span s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = buf[s.off + i];
        dst[i] = (char)(c == '\r' || c == '\n' || c == '\t' ? ' ' : c);
    }
    dst[n] = 0;
    return n == s.len;
}

/* Append ", " and the span to a joined list; false if it was cut. */
static bool join_str(char *dst, size_t cap, const uint8_t *buf, struct wsv_span s)
{
    size_t have = strlen(dst);
    if (have) {
        if (have + 2 >= cap)
            return false;
        memcpy(dst + have, ", ", 2);
        have += 2;
    }
    return copy_str(dst + have, cap - have, buf, s);
}

/* A list of NUL-terminated names in a fixed buffer: the index of name, or
 * -1. */
static int names_find(const char *names, size_t len, const uint8_t *buf, struct wsv_span s)
{
    int i = 0;
    for (size_t p = 0; p < len; i++) {
        size_t n = strlen(names + p);
        if (n == s.len && memcmp(names + p, buf + s.off, n) == 0)
            return i;
        p += n + 1;
    }
    return -1;
}

/* Add a name unless present; false if it does not fit. */
static bool names_add(char *names, uint16_t *len, size_t cap, uint8_t *count, const uint8_t *buf,
                      struct wsv_span s)
{
    if (names_find(names, *len, buf, s) >= 0)
        return true;
    if (*len + s.len + 1 > cap || s.len == 0)
        return false;
    memcpy(names + *len, buf + s.off, s.len);
    names[*len + s.len] = 0;
    *len = (uint16_t)(*len + s.len + 1);
    if (count)
        (*count)++;
    return true;
}

/* ---- Reports ------------------------------------------------------------ */

struct ctx {
    const uint8_t *buf;
    wsv_hs_report report;
    void *user;
    unsigned must_fail;
    unsigned other_than_version;
};

static void report(struct ctx *c, enum wsv_rule rule, struct wsv_span at, enum wsv_hs_why why,
                   uint64_t detail)
{
    const struct wsv_rule_info *ri = wsv_rule_get(rule);
    struct wsv_hs_violation v = {
        .rule = rule,
        .offset = at.off,
        .len = at.len,
        .must_fail = ri->severity == WSV_SEV_ERROR,
        .why = why,
        .detail = detail,
    };
    v.expected_close = v.must_fail ? ri->close : 0;
    if (v.must_fail) {
        c->must_fail++;
        c->other_than_version += rule != WSV_R_HANDSHAKE_VERSION;
    }
    if (c->report)
        c->report(c->user, &v);
}

static struct wsv_span byte_at(size_t off)
{
    return (struct wsv_span){off, 1};
}

const char *wsv_hs_why_str(enum wsv_hs_why why)
{
    static const char *const text[] = {
        [WSV_HS_WHY_NONE] = "",
        [WSV_HS_WHY_MISSING] = "missing",
        [WSV_HS_WHY_REPEATED] = "repeated",
        [WSV_HS_WHY_VALUE] = "wrong value",
        [WSV_HS_WHY_SYNTAX] = "malformed",
        [WSV_HS_WHY_UNKNOWN] = "unknown parameter",
        [WSV_HS_WHY_NO_VALUE] = "value missing",
        [WSV_HS_WHY_HAS_VALUE] = "takes no value",
        [WSV_HS_WHY_RANGE] = "out of range (8-15)",
        [WSV_HS_WHY_LARGER] = "larger than offered",
        [WSV_HS_WHY_NOT_OFFERED] = "not offered",
        [WSV_HS_WHY_DROPPED] = "dropped from the offer",
    };
    return (unsigned)why < sizeof(text) / sizeof(text[0]) ? text[why] : "";
}

bool wsv_hs_judges(enum wsv_rule rule)
{
    const struct wsv_rule_info *ri = wsv_rule_get(rule);
    return ri && ri->impl == WSV_IMPL_HANDSHAKE && rule != WSV_R_EXT_REQUIRED_MISSING;
}

/* ---- Sec-WebSocket-Extensions (RFC 6455 §9.1) ---------------------------- */

struct ext_param {
    struct wsv_span name;
    struct wsv_span value; /* inside the quotes for a quoted-string */
    bool has_value, quoted;
};

struct ext_visitor {
    void (*elem)(void *ctx, struct wsv_span name);
    void (*param)(void *ctx, const struct ext_param *p);
    void (*elem_end)(void *ctx);
    void *ctx;
};

static size_t skip_blanks(const uint8_t *b, size_t p, size_t end)
{
    while (p < end && is_blank(b[p]))
        p++;
    return p;
}

static size_t scan_token(const uint8_t *b, size_t p, size_t end)
{
    while (p < end && is_tchar(b[p]))
        p++;
    return p;
}

/* extension-list = 1#extension; extension = token *( ";" extension-param );
 * extension-param = token [ "=" (token | quoted-string) ], where a quoted
 * value must be a token once unescaped. RFC 2616's implied *LWS goes between
 * words and separators, and a #list may hold empty elements. Returns NONE if
 * the value parses, else the offset of the first byte that does not fit (the
 * last byte when the value ends too early). Without a visitor it only
 * validates: walk once to validate, then again to act, so that nothing acts
 * on half a header. */
static size_t ext_walk(const uint8_t *b, struct wsv_span val, const struct ext_visitor *v)
{
    size_t p = val.off, end = val.off + val.len, elems = 0;
#define EXT_ERR(at) ((at) < end ? (at) : end > val.off ? end - 1 : val.off)
    for (;;) {
        p = skip_blanks(b, p, end);
        if (p == end)
            break;
        if (b[p] == ',') {
            p++;
            continue;
        }
        size_t t = scan_token(b, p, end);
        if (t == p)
            return EXT_ERR(p);
        if (v)
            v->elem(v->ctx, (struct wsv_span){p, t - p});
        elems++;
        p = skip_blanks(b, t, end);
        while (p < end && b[p] == ';') {
            struct ext_param prm = {0};
            p = skip_blanks(b, p + 1, end);
            t = scan_token(b, p, end);
            if (t == p)
                return EXT_ERR(p);
            prm.name = (struct wsv_span){p, t - p};
            p = skip_blanks(b, t, end);
            if (p < end && b[p] == '=') {
                prm.has_value = true;
                p = skip_blanks(b, p + 1, end);
                if (p < end && b[p] == '"') {
                    size_t q = p + 1, chars = 0;
                    for (; q < end && b[q] != '"'; q++, chars++) {
                        if (b[q] == '\\' && ++q == end)
                            return EXT_ERR(q);
                        if (!is_tchar(b[q]))
                            return EXT_ERR(q);
                    }
                    if (q == end)
                        return EXT_ERR(q);
                    if (chars == 0)
                        return EXT_ERR(p);
                    prm.quoted = true;
                    prm.value = (struct wsv_span){p + 1, q - p - 1};
                    p = q + 1;
                } else {
                    t = scan_token(b, p, end);
                    if (t == p)
                        return EXT_ERR(p);
                    prm.value = (struct wsv_span){p, t - p};
                    p = t;
                }
                p = skip_blanks(b, p, end);
            }
            if (v)
                v->param(v->ctx, &prm);
        }
        if (v)
            v->elem_end(v->ctx);
        if (p == end)
            break;
        if (b[p] != ',')
            return EXT_ERR(p);
        p++;
    }
    return elems ? NONE : EXT_ERR(val.off);
#undef EXT_ERR
}

/* A window size: 1*DIGIT without a leading zero (RFC 7692 §7.1.2), quoted or
 * not. -1 if it is not that; large values saturate at 1000. */
static int parse_bits(const uint8_t *b, const struct ext_param *p)
{
    int v = 0, digits = 0;
    for (size_t i = 0; i < p->value.len; i++) {
        uint8_t c = b[p->value.off + i];
        if (p->quoted && c == '\\')
            c = b[p->value.off + ++i];
        if (c < '0' || c > '9' || (digits == 0 && c == '0'))
            return -1;
        v = v * 10 + (c - '0');
        if (v > 1000)
            v = 1000;
        digits++;
    }
    return digits ? v : -1;
}

/* ---- The request ---------------------------------------------------------- */

struct offer_rec {
    struct wsv_hs_request *req;
    const uint8_t *buf;
    struct wsv_pmd_offer *cur;
};

static void offer_elem(void *ctx, struct wsv_span name)
{
    struct offer_rec *r = ctx;
    struct wsv_hs_request *req = r->req;
    if (!names_add(req->ext_names, &req->ext_names_len, sizeof(req->ext_names), &req->ext_count,
                   r->buf, name))
        req->ext_complete = false;
    r->cur = NULL;
    if (!span_eq(r->buf, name, PMD_NAME))
        return;
    if (req->npmd == WSV_HS_MAX_PMD_OFFERS) {
        req->pmd_complete = false;
        return;
    }
    r->cur = &req->pmd[req->npmd++];
    memset(r->cur, 0, sizeof(*r->cur));
}

/* Offers are recorded, not judged: a server must decline a bad one (RFC
 * 7692 §7), and a value it cannot use matches any response. */
static void offer_param(void *ctx, const struct ext_param *p)
{
    struct offer_rec *r = ctx;
    struct wsv_pmd_offer *o = r->cur;
    if (!o)
        return;
    int bits = p->has_value ? parse_bits(r->buf, p) : -1;
    bool ok = bits >= 8 && bits <= 15;
    if (span_eq(r->buf, p->name, "server_no_context_takeover")) {
        o->server_no_context_takeover = true;
    } else if (span_eq(r->buf, p->name, "client_no_context_takeover")) {
        o->client_no_context_takeover = true;
    } else if (span_eq(r->buf, p->name, "server_max_window_bits")) {
        o->server_max_window_bits = ok ? (uint8_t)bits : 255;
    } else if (span_eq(r->buf, p->name, "client_max_window_bits")) {
        o->client_max_window_bits = true;
        o->client_max_window_bits_value = ok ? (uint8_t)bits : 0;
    }
}

static void offer_elem_end(void *ctx)
{
    ((struct offer_rec *)ctx)->cur = NULL;
}

/* Sec-WebSocket-Protocol in a request: 1#token, possibly over several headers
 * (RFC 6455 §11.3.4). Its syntax is not one of our rules; an element that is
 * no token (a NUL would split it in the record) is no subprotocol a server
 * could select, so it is left out. */
static void record_subprotos(struct wsv_hs_request *req, const uint8_t *buf, struct wsv_span v)
{
    struct wsv_span t;
    for (size_t p = v.off; wsv_http_list_next(buf, v, &p, &t);)
        if (t.len && span_is_token(buf, t) &&
            !names_add(req->subprotos, &req->subprotos_len, sizeof(req->subprotos), NULL, buf, t))
            req->subproto_complete = false;
}

static int parse_version_number(const uint8_t *buf, struct wsv_span v)
{
    if (v.len == 0 || v.len > 9)
        return -2;
    int n = 0;
    for (size_t i = 0; i < v.len; i++) {
        uint8_t c = buf[v.off + i];
        if (c < '0' || c > '9')
            return -2;
        n = n * 10 + (c - '0');
    }
    return n;
}

enum wsv_http_status wsv_hs_check_request(const uint8_t *buf, size_t len,
                                          struct wsv_hs_request *req, wsv_hs_report rep, void *user,
                                          struct wsv_http_head *head)
{
    struct wsv_http_head hh, *h = head ? head : &hh;
    memset(req, 0, sizeof(*req));
    enum wsv_http_status st = wsv_http_parse(buf, len, h);
    if (st != WSV_HTTP_OK)
        return st;
    if (h->response)
        return WSV_HTTP_INVALID;

    struct ctx c = {buf, rep, user, 0, 0};
    req->valid = true;
    req->version = -1;
    req->ext_complete = req->pmd_complete = req->subproto_complete = true;

    /* §4.2.1 item 1: an HTTP/1.1 or higher GET. Methods are case-sensitive. */
    if (!span_eq(buf, h->method, "GET"))
        report(&c, WSV_R_HANDSHAKE_REQ_METHOD, h->method, WSV_HS_WHY_VALUE, 0);
    if (!h->version_valid)
        report(&c, WSV_R_HANDSHAKE_REQ_METHOD, h->version.len ? h->version : h->start_line,
               h->version.len ? WSV_HS_WHY_SYNTAX : WSV_HS_WHY_MISSING, 0);
    else if (h->major < 1 || (h->major == 1 && h->minor < 1))
        report(&c, WSV_R_HANDSHAKE_REQ_METHOD, h->version, WSV_HS_WHY_VALUE, 0);

    unsigned hosts = 0, keys = 0, versions = 0;
    bool upgrade = false, upgrade_ok = false, conn = false, conn_ok = false;
    struct wsv_span upgrade_at = {0, 0}, conn_at = {0, 0};
    struct wsv_http_iter it;
    struct wsv_http_field f;
    wsv_http_fields(&it, buf, h);
    while (wsv_http_next(&it, &f)) {
        if (wsv_http_name_is(buf, &f, "Host")) {
            /* RFC 7230 §5.4: exactly one, and it names the authority. */
            if (++hosts > 1)
                report(&c, WSV_R_HANDSHAKE_REQ_HOST, f.line, WSV_HS_WHY_REPEATED, 0);
            else if (f.value.len == 0)
                report(&c, WSV_R_HANDSHAKE_REQ_HOST, f.line, WSV_HS_WHY_VALUE, 0);
        } else if (wsv_http_name_is(buf, &f, "Upgrade")) {
            if (!upgrade)
                upgrade_at = f.value;
            upgrade = true;
            upgrade_ok |= wsv_http_list_has(buf, f.value, "websocket");
        } else if (wsv_http_name_is(buf, &f, "Connection")) {
            if (!conn)
                conn_at = f.value;
            conn = true;
            conn_ok |= wsv_http_list_has(buf, f.value, "Upgrade");
        } else if (wsv_http_name_is(buf, &f, "Sec-WebSocket-Key")) {
            /* §11.3.1: not more than once in a request. */
            if (++keys > 1) {
                report(&c, WSV_R_HANDSHAKE_REQ_KEY, f.line, WSV_HS_WHY_REPEATED, 0);
                continue;
            }
            copy_str(req->key, sizeof(req->key), buf, f.value);
            /* The server hashes the key as sent, whatever it decodes to. */
            wsv_hs_accept(buf + f.value.off, f.value.len, req->accept_expected);
            long n = wsv_base64_decoded_len(buf + f.value.off, f.value.len);
            if (n != 16)
                report(&c, WSV_R_HANDSHAKE_REQ_KEY, f.value,
                       n < 0 ? WSV_HS_WHY_SYNTAX : WSV_HS_WHY_VALUE, n < 0 ? 0 : (uint64_t)n);
        } else if (wsv_http_name_is(buf, &f, "Sec-WebSocket-Version")) {
            /* §11.3.5: not more than once in a request. */
            if (++versions > 1) {
                report(&c, WSV_R_HANDSHAKE_VERSION, f.line, WSV_HS_WHY_REPEATED, 0);
                continue;
            }
            copy_str(req->version_text, sizeof(req->version_text), buf, f.value);
            req->version = parse_version_number(buf, f.value);
            if (!span_eq(buf, f.value, "13"))
                report(&c, WSV_R_HANDSHAKE_VERSION, f.value, WSV_HS_WHY_VALUE,
                       req->version >= 0 ? (uint64_t)req->version : 0);
        } else if (wsv_http_name_is(buf, &f, "Sec-WebSocket-Extensions")) {
            req->ext_offered = true;
            size_t err = ext_walk(buf, f.value, NULL);
            if (err != NONE) {
                report(&c, WSV_R_HANDSHAKE_EXT_ABNF, byte_at(err), WSV_HS_WHY_SYNTAX, 0);
                req->ext_complete = req->pmd_complete = false;
                continue;
            }
            struct offer_rec rec = {req, buf, NULL};
            const struct ext_visitor v = {offer_elem, offer_param, offer_elem_end, &rec};
            ext_walk(buf, f.value, &v);
        } else if (wsv_http_name_is(buf, &f, "Sec-WebSocket-Protocol")) {
            req->subproto_offered = true;
            record_subprotos(req, buf, f.value);
        }
    }

    if (!hosts)
        report(&c, WSV_R_HANDSHAKE_REQ_HOST, h->start_line, WSV_HS_WHY_MISSING, 0);
    if (!upgrade_ok)
        report(&c, WSV_R_HANDSHAKE_REQ_UPGRADE, upgrade ? upgrade_at : h->start_line,
               upgrade ? WSV_HS_WHY_VALUE : WSV_HS_WHY_MISSING, 0);
    if (!conn_ok)
        report(&c, WSV_R_HANDSHAKE_REQ_CONNECTION, conn ? conn_at : h->start_line,
               conn ? WSV_HS_WHY_VALUE : WSV_HS_WHY_MISSING, 0);
    if (!keys)
        report(&c, WSV_R_HANDSHAKE_REQ_KEY, h->start_line, WSV_HS_WHY_MISSING, 0);
    if (!versions)
        report(&c, WSV_R_HANDSHAKE_VERSION, h->start_line, WSV_HS_WHY_MISSING, 0);

    req->accept_known = keys == 1;
    if (!req->accept_known)
        req->accept_expected[0] = 0;
    req->version_ok = versions == 1 && req->version == 13 && strcmp(req->version_text, "13") == 0;
    req->violations = c.must_fail;
    req->other_than_version = c.other_than_version;
    return WSV_HTTP_OK;
}

/* ---- The response ---------------------------------------------------------- */

/* One parameter of the accepted permessage-deflate element. */
struct pmd_param {
    bool present, valid;
    uint8_t value;
    struct wsv_span name, at; /* at: the value, or the name if there is none */
};

enum {
    P_SNCT, /* server_no_context_takeover */
    P_CNCT, /* client_no_context_takeover */
    P_SMWB, /* server_max_window_bits */
    P_CMWB, /* client_max_window_bits */
    P_COUNT
};

static const char *const pmd_param_names[P_COUNT] = {
    "server_no_context_takeover",
    "client_no_context_takeover",
    "server_max_window_bits",
    "client_max_window_bits",
};

struct accept_check {
    struct ctx *c;
    const struct wsv_hs_request *req; /* NULL: not seen */
    struct wsv_hs_result *res;
    unsigned npmd;
    bool in_pmd; /* the current element is the first permessage-deflate */
    struct wsv_span elem;
    struct pmd_param prm[P_COUNT];
};

static void accept_elem(void *ctx, struct wsv_span name)
{
    struct accept_check *a = ctx;
    const uint8_t *buf = a->c->buf;
    const struct wsv_hs_request *req = a->req;
    a->in_pmd = false;
    a->elem = name;
    if (req) {
        int i = names_find(req->ext_names, req->ext_names_len, buf, name);
        if (i >= 0 && i < 32)
            a->res->ext_accepted |= 1u << i;
        /* §4.1 step 5, §9.1; RFC 7692 §5 says the same of a PMCE. */
        if (i < 0 && req->ext_complete)
            report(a->c, WSV_R_HANDSHAKE_EXT_NOT_OFFERED, name, WSV_HS_WHY_NOT_OFFERED, 0);
    }
    if (!span_eq(buf, name, PMD_NAME)) {
        a->res->other_extensions = true;
        return;
    }
    if (++a->npmd > 1) {
        /* RFC 7692 §5: the server accepts one offer, by one element. */
        report(a->c, WSV_R_PMD_NEG_DUPLICATE_ELEMENT, name, WSV_HS_WHY_REPEATED, 0);
        return;
    }
    a->in_pmd = true;
    a->res->pmd.enabled = true;
    memset(a->prm, 0, sizeof(a->prm));
}

/* RFC 7692 §7: every parameter known, once, with a valid value. */
static void accept_param(void *ctx, const struct ext_param *p)
{
    struct accept_check *a = ctx;
    if (!a->in_pmd)
        return;
    const uint8_t *buf = a->c->buf;
    int k = 0;
    while (k < P_COUNT && !span_eq(buf, p->name, pmd_param_names[k]))
        k++;
    if (k == P_COUNT) {
        report(a->c, WSV_R_PMD_NEG_INVALID_PARAM, p->name, WSV_HS_WHY_UNKNOWN, 0);
        return;
    }
    struct pmd_param *q = &a->prm[k];
    if (q->present) {
        report(a->c, WSV_R_PMD_NEG_INVALID_PARAM, p->name, WSV_HS_WHY_REPEATED, 0);
        return;
    }
    q->present = true;
    q->name = p->name;
    q->at = p->has_value ? p->value : p->name;
    if (k == P_SNCT || k == P_CNCT) {
        /* §7.1.1.1, §7.1.1.2: "this parameter has no value". */
        q->valid = !p->has_value;
        if (p->has_value)
            report(a->c, WSV_R_PMD_NEG_INVALID_PARAM, p->value, WSV_HS_WHY_HAS_VALUE, 0);
        return;
    }
    /* §7.1.2.1, §7.1.2.2: in a response both window sizes carry a value. */
    if (!p->has_value) {
        report(a->c, WSV_R_PMD_NEG_INVALID_PARAM, p->name, WSV_HS_WHY_NO_VALUE, 0);
        return;
    }
    int bits = parse_bits(buf, p);
    if (bits < 0) {
        report(a->c, WSV_R_PMD_NEG_INVALID_PARAM, p->value, WSV_HS_WHY_SYNTAX, 0);
    } else if (bits < 8 || bits > 15) {
        report(a->c, WSV_R_PMD_NEG_INVALID_PARAM, p->value, WSV_HS_WHY_RANGE, (uint64_t)bits);
    } else {
        q->valid = true;
        q->value = (uint8_t)bits;
    }
}

enum {
    M_CLIENT_WINDOW = 1u << 0, /* client_max_window_bits the offer lacked */
    M_LARGER = 1u << 1,        /* server_max_window_bits above the offer's */
    M_WINDOW_DROPPED = 1u << 2,
    M_NCT_DROPPED = 1u << 3,
};

/* What keeps the response from accepting offer o (0: it accepts it). A
 * server may add server_no_context_takeover, client_no_context_takeover and
 * server_max_window_bits unasked (§7.1.1.1, §7.1.1.2, §7.1.2.1); only
 * client_max_window_bits must have been offered (§7.1.2.2). Dropping an
 * offered server_max_window_bits=15 changes nothing: 15 is the largest
 * window and the default (§7.1.2.1). */
static unsigned mismatch(const struct pmd_param *prm, const struct wsv_pmd_offer *o)
{
    unsigned m = 0;
    if (prm[P_CMWB].present && !o->client_max_window_bits)
        m |= M_CLIENT_WINDOW;
    if (o->server_max_window_bits) {
        const struct pmd_param *s = &prm[P_SMWB];
        if (!s->present && o->server_max_window_bits < 15)
            m |= M_WINDOW_DROPPED;
        else if (s->valid && o->server_max_window_bits != 255 &&
                 s->value > o->server_max_window_bits)
            m |= M_LARGER;
    }
    if (o->server_no_context_takeover && !prm[P_SNCT].present)
        m |= M_NCT_DROPPED;
    return m;
}

static unsigned popcount(unsigned m)
{
    unsigned n = 0;
    for (; m; m &= m - 1)
        n++;
    return n;
}

static void accept_elem_end(void *ctx)
{
    struct accept_check *a = ctx;
    if (!a->in_pmd)
        return;
    a->in_pmd = false;
    struct wsv_pmd *pmd = &a->res->pmd;
    const struct pmd_param *prm = a->prm;
    pmd->server_no_context_takeover = prm[P_SNCT].present;
    pmd->client_no_context_takeover = prm[P_CNCT].present;
    pmd->server_max_window_bits = prm[P_SMWB].valid ? prm[P_SMWB].value : 0;
    pmd->client_max_window_bits = prm[P_CMWB].valid ? prm[P_CMWB].value : 0;

    const struct wsv_hs_request *req = a->req;
    if (!req || !req->npmd || !req->pmd_complete)
        return; /* nothing to match against (not offered: ext-not-offered) */
    /* §5: the response must fit one of the offers, whichever; report what
     * keeps it from the closest (the first of the closest). */
    unsigned best = 0, best_n = ~0u;
    for (unsigned i = 0; i < req->npmd; i++) {
        unsigned m = mismatch(prm, &req->pmd[i]);
        if (!m)
            return;
        if (popcount(m) < best_n) {
            best = i;
            best_n = popcount(m);
        }
    }
    const struct wsv_pmd_offer *o = &req->pmd[best];
    unsigned m = mismatch(prm, o);
    if (m & M_WINDOW_DROPPED)
        report(a->c, WSV_R_PMD_NEG_PARAM_DROPPED, a->elem, WSV_HS_WHY_DROPPED,
               o->server_max_window_bits);
    if (m & M_NCT_DROPPED)
        report(a->c, WSV_R_PMD_NEG_PARAM_DROPPED, a->elem, WSV_HS_WHY_DROPPED, 0);
    /* In the order of the bytes. */
    const struct pmd_param *first = &prm[P_CMWB], *second = &prm[P_SMWB];
    unsigned fm = M_CLIENT_WINDOW, sm = M_LARGER;
    if (second->at.off < first->at.off) {
        first = &prm[P_SMWB];
        second = &prm[P_CMWB];
        fm = M_LARGER;
        sm = M_CLIENT_WINDOW;
    }
    if (m & fm)
        report(a->c, WSV_R_PMD_NEG_WINDOW_NOT_OFFERED, fm == M_LARGER ? first->at : first->name,
               fm == M_LARGER ? WSV_HS_WHY_LARGER : WSV_HS_WHY_NOT_OFFERED, first->value);
    if (m & sm)
        report(a->c, WSV_R_PMD_NEG_WINDOW_NOT_OFFERED, sm == M_LARGER ? second->at : second->name,
               sm == M_LARGER ? WSV_HS_WHY_LARGER : WSV_HS_WHY_NOT_OFFERED, second->value);
}

/* Sec-WebSocket-Protocol in a response: a single token the client offered
 * (§4.2.2 /subprotocol/, §4.3 Sec-WebSocket-Protocol-Server = token). */
static void check_subproto(struct ctx *c, const struct wsv_hs_request *req,
                           struct wsv_hs_result *res, struct wsv_span v, bool first)
{
    const uint8_t *buf = c->buf;
    unsigned elems = 0;
    for (size_t p = v.off, end = v.off + v.len; p < end;) {
        const uint8_t *comma = memchr(buf + p, ',', end - p);
        size_t e = comma ? (size_t)(comma - buf) : end, s = p;
        p = e + 1;
        while (s < e && is_blank(buf[s]))
            s++;
        elems += e > s;
    }
    if (elems > 1) {
        report(c, WSV_R_HANDSHAKE_SUBPROTO_MULTIPLE, v, WSV_HS_WHY_VALUE, elems);
        return;
    }
    /* The empty string "is not a legal value", and a non-token can never be
     * one of the client's tokens. */
    if (!span_is_token(buf, v)) {
        report(c, WSV_R_HANDSHAKE_SUBPROTO_NOT_OFFERED, v.len ? v : byte_at(v.off),
               WSV_HS_WHY_SYNTAX, 0);
        return;
    }
    if (first)
        copy_str(res->subprotocol, sizeof(res->subprotocol), buf, v);
    if (req && req->subproto_complete && names_find(req->subprotos, req->subprotos_len, buf, v) < 0)
        report(c, WSV_R_HANDSHAKE_SUBPROTO_NOT_OFFERED, v, WSV_HS_WHY_NOT_OFFERED, 0);
}

/* A non-101 final answer. A refusal for version reasons must list the
 * versions the server speaks (§4.2.2 /version/, §4.4); which refusals are for
 * version reasons: 426, or 400 after a bad Sec-WebSocket-Version (§4.4's
 * example). A 426 after a request with other faults (websockets answers a
 * bad Upgrade with 426) is not one; without the request a 426 is. */
static void check_refusal(struct ctx *c, const struct wsv_http_head *h,
                          const struct wsv_hs_request *req, struct wsv_hs_result *res)
{
    const uint8_t *buf = c->buf;
    struct wsv_http_iter it;
    struct wsv_http_field f;
    wsv_http_fields(&it, buf, h);
    while (wsv_http_next(&it, &f))
        if (wsv_http_name_is(buf, &f, "Sec-WebSocket-Version") && f.value.len) {
            res->has_versions = true;
            join_str(res->versions, sizeof(res->versions), buf, f.value);
        }
    bool bad_version = req && !req->version_ok;
    bool other_fault = req && req->version_ok && req->other_than_version > 0;
    res->version_refusal =
        bad_version ? h->status == 426 || h->status == 400 : h->status == 426 && !other_fault;
    if (res->version_refusal && !res->has_versions)
        report(c, WSV_R_HANDSHAKE_VERSION_NO_HEADER, h->status_code, WSV_HS_WHY_MISSING, h->status);
    else
        report(c, WSV_R_HANDSHAKE_REFUSED, h->status_code, WSV_HS_WHY_NONE, h->status);
}

enum wsv_http_status wsv_hs_check_response(const uint8_t *buf, size_t len,
                                           const struct wsv_hs_request *req,
                                           struct wsv_hs_result *res, wsv_hs_report rep, void *user,
                                           struct wsv_http_head *head)
{
    struct wsv_http_head hh, *h = head ? head : &hh;
    memset(res, 0, sizeof(*res));
    enum wsv_http_status st = wsv_http_parse(buf, len, h);
    if (st != WSV_HTTP_OK)
        return st;
    if (!h->response)
        return WSV_HTTP_INVALID;
    if (req && !req->valid)
        req = NULL;

    struct ctx c = {buf, rep, user, 0, 0};
    res->status = h->status;
    if (req && req->accept_known)
        memcpy(res->accept_expected, req->accept_expected, sizeof(res->accept_expected));
    if (h->status >= 100 && h->status < 200 && h->status != 101) {
        res->interim = true;
        return WSV_HTTP_OK;
    }
    if (h->status != 101) {
        check_refusal(&c, h, req, res);
        return WSV_HTTP_OK;
    }
    res->upgraded = true;

    unsigned upgrades = 0, accepts = 0, protocols = 0;
    bool conn = false, conn_ok = false;
    struct wsv_span upgrade_bad = {NONE, 0}, conn_at = {0, 0};
    struct accept_check ac = {.c = &c, .req = req, .res = res};
    const struct ext_visitor v = {accept_elem, accept_param, accept_elem_end, &ac};
    struct wsv_http_iter it;
    struct wsv_http_field f;
    wsv_http_fields(&it, buf, h);
    while (wsv_http_next(&it, &f)) {
        if (wsv_http_name_is(buf, &f, "Upgrade")) {
            /* §4.1 step 2: the value matches "websocket", no list. */
            upgrades++;
            if (upgrade_bad.off == NONE && !span_ieq(buf, f.value, "websocket"))
                upgrade_bad = f.value;
        } else if (wsv_http_name_is(buf, &f, "Connection")) {
            /* §4.1 step 3: a token list that includes Upgrade. */
            if (!conn)
                conn_at = f.value;
            conn = true;
            conn_ok |= wsv_http_list_has(buf, f.value, "Upgrade");
        } else if (wsv_http_name_is(buf, &f, "Sec-WebSocket-Accept")) {
            /* §11.3.3: not more than once in a response. */
            if (++accepts > 1) {
                report(&c, WSV_R_HANDSHAKE_DUP_HEADER_RESPONSE, f.line, WSV_HS_WHY_REPEATED, 0);
                continue;
            }
            /* §4.1 step 4, "ignoring any leading and trailing whitespace":
             * the value span has none. */
            if (res->accept_expected[0] && !span_eq(buf, f.value, res->accept_expected))
                report(&c, WSV_R_HANDSHAKE_ACCEPT_MISMATCH, f.value.len ? f.value : f.line,
                       WSV_HS_WHY_VALUE, 0);
        } else if (wsv_http_name_is(buf, &f, "Sec-WebSocket-Protocol")) {
            /* §11.3.4: not more than once in a response. */
            if (++protocols > 1)
                report(&c, WSV_R_HANDSHAKE_DUP_HEADER_RESPONSE, f.line, WSV_HS_WHY_REPEATED, 0);
            check_subproto(&c, req, res, f.value, protocols == 1);
        } else if (wsv_http_name_is(buf, &f, "Sec-WebSocket-Extensions")) {
            /* May repeat (§4.2.2 step 5.6): each instance adds to the list. */
            if (!join_str(res->extensions, sizeof(res->extensions), buf, f.value))
                res->extensions_truncated = true;
            size_t err = ext_walk(buf, f.value, NULL);
            if (err != NONE)
                report(&c, WSV_R_HANDSHAKE_EXT_ABNF, byte_at(err), WSV_HS_WHY_SYNTAX, 0);
            else
                ext_walk(buf, f.value, &v);
        }
    }

    if (!upgrades || upgrade_bad.off != NONE)
        report(&c, WSV_R_HANDSHAKE_UPGRADE_INVALID, upgrades ? upgrade_bad : h->start_line,
               upgrades ? WSV_HS_WHY_VALUE : WSV_HS_WHY_MISSING, 0);
    if (!conn_ok)
        report(&c, WSV_R_HANDSHAKE_CONNECTION_INVALID, conn ? conn_at : h->start_line,
               conn ? WSV_HS_WHY_VALUE : WSV_HS_WHY_MISSING, 0);
    if (!accepts)
        report(&c, WSV_R_HANDSHAKE_ACCEPT_MISSING, h->start_line, WSV_HS_WHY_MISSING, 0);
    res->failed = c.must_fail > 0;
    return WSV_HTTP_OK;
}

size_t wsv_hs_ext_missing(const struct wsv_hs_request *req, const struct wsv_hs_result *res,
                          char *out, size_t cap)
{
    if (cap)
        out[0] = 0;
    if (!req || !req->valid || !res)
        return 0;
    size_t missing = 0, have = 0;
    unsigned i = 0;
    for (size_t p = 0; p < req->ext_names_len && i < 32; i++) {
        const char *name = req->ext_names + p;
        size_t n = strlen(name);
        p += n + 1;
        if (res->ext_accepted >> i & 1u)
            continue;
        missing++;
        if (!cap)
            continue;
        int w = snprintf(out + have, cap - have, "%s%s", have ? ", " : "", name);
        if (w < 0 || (size_t)w >= cap - have)
            have = cap - 1;
        else
            have += (size_t)w;
    }
    return missing;
}

bool wsv_hs_is_websocket(const uint8_t *buf, const struct wsv_http_head *h)
{
    const char *peer_header = h->response ? "Sec-WebSocket-Accept" : "Sec-WebSocket-Key";
    struct wsv_http_iter it;
    struct wsv_http_field f;

    wsv_http_fields(&it, buf, h);
    while (wsv_http_next(&it, &f))
        if (wsv_http_name_is(buf, &f, peer_header) ||
            (wsv_http_name_is(buf, &f, "Upgrade") && wsv_http_list_has(buf, f.value, "websocket")))
            return true;
    return false;
}
