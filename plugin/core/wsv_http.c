/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * HTTP/1.1 message heads (RFC 7230 §3), just enough for the WebSocket
 * handshake: the start line and the header fields, as spans of the caller's
 * buffer. Every scan is a memchr or a single forward pass, so a head of
 * megabytes costs linear time.
 */
#include "wsv/wsv_handshake.h"

#include <string.h>

static bool is_tchar(uint8_t c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* Where the line starting at pos ends: the offset of its LF, or len. */
static size_t line_end(const uint8_t *buf, size_t pos, size_t len)
{
    const uint8_t *lf = memchr(buf + pos, '\n', len - pos);
    return lf ? (size_t)(lf - buf) : len;
}

/* The line's content end: before a CR that precedes the LF. */
static size_t content_end(const uint8_t *buf, size_t pos, size_t lf)
{
    return lf > pos && buf[lf - 1] == '\r' ? lf - 1 : lf;
}

/* "HTTP/" DIGIT "." DIGIT, the whole of buf[s]. */
static bool parse_version(const uint8_t *buf, struct wsv_span s, struct wsv_http_head *h)
{
    const uint8_t *p = buf + s.off;
    if (s.len != 8 || memcmp(p, "HTTP/", 5) != 0 || !is_digit(p[5]) || p[6] != '.' ||
        !is_digit(p[7]))
        return false;
    h->major = (uint8_t)(p[5] - '0');
    h->minor = (uint8_t)(p[7] - '0');
    h->version_valid = true;
    return true;
}

static bool parse_status_line(const uint8_t *buf, size_t end, struct wsv_http_head *h)
{
    size_t p = 0;
    while (p < end && buf[p] != ' ')
        p++;
    h->version = (struct wsv_span){0, p};
    parse_version(buf, h->version, h);
    if (p + 4 > end || !is_digit(buf[p + 1]) || !is_digit(buf[p + 2]) || !is_digit(buf[p + 3]))
        return false;
    if (p + 4 < end && buf[p + 4] != ' ')
        return false;
    h->status_code = (struct wsv_span){p + 1, 3};
    h->status = (uint16_t)((buf[p + 1] - '0') * 100 + (buf[p + 2] - '0') * 10 + buf[p + 3] - '0');
    size_t r = p + 4 < end ? p + 5 : end;
    h->reason = (struct wsv_span){r, end - r};
    return true;
}

static bool parse_request_line(const uint8_t *buf, size_t end, struct wsv_http_head *h)
{
    size_t p = 0;
    while (p < end && is_tchar(buf[p]))
        p++;
    if (p == 0 || p == end || buf[p] != ' ')
        return false;
    h->method = (struct wsv_span){0, p};
    size_t t = ++p;
    while (p < end && buf[p] != ' ')
        p++;
    h->target = (struct wsv_span){t, p - t};
    if (p < end) {
        h->version = (struct wsv_span){p + 1, end - p - 1};
        parse_version(buf, h->version, h);
    } else {
        h->version = (struct wsv_span){end, 0};
    }
    return true;
}

enum wsv_http_status wsv_http_parse(const uint8_t *buf, size_t len, struct wsv_http_head *h)
{
    memset(h, 0, sizeof(*h));
    size_t lf = len ? line_end(buf, 0, len) : 0;
    if (lf == len)
        return WSV_HTTP_PARTIAL;
    size_t end = content_end(buf, 0, lf);
    h->start_line = (struct wsv_span){0, end};
    h->response = end >= 5 && memcmp(buf, "HTTP/", 5) == 0;
    if (!(h->response ? parse_status_line(buf, end, h) : parse_request_line(buf, end, h)))
        return WSV_HTTP_INVALID;
    h->fields = lf + 1;
    struct wsv_http_scan scan = {lf + 1, true};
    h->len = wsv_http_head_end(buf, len, &scan);
    return h->len ? WSV_HTTP_OK : WSV_HTTP_PARTIAL;
}

size_t wsv_http_head_end(const uint8_t *buf, size_t len, struct wsv_http_scan *s)
{
    if (!s->in_fields) {
        size_t lf = s->pos < len ? line_end(buf, s->pos, len) : len;
        if (lf == len) {
            s->pos = len;
            return 0;
        }
        s->pos = lf + 1;
        s->in_fields = true;
    }
    while (s->pos < len) {
        size_t lf = line_end(buf, s->pos, len);
        if (lf == len) {
            s->pos = len;
            return 0;
        }
        s->pos = lf + 1;
        /* The line that this LF ends is empty iff the LF (or a CR right
         * before it) directly follows the previous line's LF: looking back
         * two bytes is enough, wherever the scan resumed. lf - 1 is at least
         * the start line's LF. */
        if (buf[lf - 1] == '\n' || (buf[lf - 1] == '\r' && buf[lf - 2] == '\n'))
            return lf + 1;
    }
    return 0;
}

void wsv_http_fields(struct wsv_http_iter *it, const uint8_t *buf, const struct wsv_http_head *h)
{
    it->buf = buf;
    it->pos = h->fields;
    /* The fields end where the empty line starts. */
    size_t end = h->len ? h->len - 1 : h->fields;
    if (end > h->fields && buf[end - 1] == '\r')
        end--;
    it->end = end < h->fields ? h->fields : end;
}

static bool is_blank(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool wsv_http_next(struct wsv_http_iter *it, struct wsv_http_field *f)
{
    const uint8_t *buf = it->buf;
    while (it->pos < it->end) {
        size_t start = it->pos, lf = line_end(buf, start, it->end);
        size_t end = content_end(buf, start, lf);
        it->pos = lf + 1;
        if (buf[start] == ' ' || buf[start] == '\t')
            continue; /* a continuation with no field before it */
        const uint8_t *colon = memchr(buf + start, ':', end - start);
        if (!colon)
            continue;
        size_t c = (size_t)(colon - buf), n = c;
        while (n > start && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
            n--;
        if (n == start)
            continue;
        /* obs-fold: continuation lines extend the value. */
        while (it->pos < it->end && (buf[it->pos] == ' ' || buf[it->pos] == '\t')) {
            lf = line_end(buf, it->pos, it->end);
            end = content_end(buf, it->pos, lf);
            it->pos = lf + 1;
        }
        size_t vs = c + 1, ve = end;
        while (vs < ve && is_blank(buf[vs]))
            vs++;
        while (ve > vs && is_blank(buf[ve - 1]))
            ve--;
        f->name = (struct wsv_span){start, n - start};
        f->value = (struct wsv_span){vs, ve - vs};
        f->line = (struct wsv_span){start, end - start};
        return true;
    }
    return false;
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static bool span_ieq(const uint8_t *buf, size_t off, size_t len, const char *s)
{
    size_t n = strlen(s);
    if (n != len)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(buf[off + i]) != lower((unsigned char)s[i]))
            return false;
    return true;
}

bool wsv_http_name_is(const uint8_t *buf, const struct wsv_http_field *f, const char *name)
{
    return span_ieq(buf, f->name.off, f->name.len, name);
}

bool wsv_http_list_next(const uint8_t *buf, struct wsv_span v, size_t *pos, struct wsv_span *item)
{
    size_t p = *pos, end = v.off + v.len;
    if (p >= end)
        return false;
    const uint8_t *comma = memchr(buf + p, ',', end - p);
    size_t e = comma ? (size_t)(comma - buf) : end, s = p;
    *pos = e + 1;
    while (s < e && is_blank(buf[s]))
        s++;
    while (e > s && is_blank(buf[e - 1]))
        e--;
    *item = (struct wsv_span){s, e - s};
    return true;
}

bool wsv_http_list_has(const uint8_t *buf, struct wsv_span v, const char *token)
{
    struct wsv_span t;
    for (size_t p = v.off; wsv_http_list_next(buf, v, &p, &t);)
        if (span_ieq(buf, t.off, t.len, token))
            return true;
    return false;
}
