/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Non-WebSocket bytes in an upgraded stream: a second upgrade handler's HTTP
 * response, the "0\r\n\r\n" that ends a chunked body, a TLS record, raw text
 * written past the framer. As frame headers they read as reserved bits and
 * reserved opcodes ('H' is FIN=0 RSV1 Close, '0' is RSV2+RSV3); naming what
 * they look like instead is the useful diagnostic. Only called on bytes that
 * already failed as a frame header, so the tests need not be exhaustive, only
 * specific.
 */
#include "wsv/wsv_forensics.h"

#include <string.h>

static int has_prefix(const uint8_t *p, size_t n, const char *s)
{
    size_t m = strlen(s);
    return n >= m && memcmp(p, s, m) == 0;
}

static int is_print(uint8_t c)
{
    return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\r' || c == '\n';
}

static int is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The first k bytes (all of them if fewer) are printable. */
static int printable(const uint8_t *p, size_t n, size_t k)
{
    for (size_t i = 0; i < n && i < k; i++)
        if (!is_print(p[i]))
            return 0;
    return 1;
}

enum wsv_lookalike wsv_lookalike(const uint8_t *p, size_t n)
{
    static const char *const methods[] = {"GET ",    "POST ",    "PUT ",   "HEAD ",
                                          "DELETE ", "OPTIONS ", "PATCH ", "CONNECT "};

    if (!p || n < 2)
        return WSV_LOOK_NONE;
    if (has_prefix(p, n, "HTTP/1.") || has_prefix(p, n, "HTTP/2 "))
        return WSV_LOOK_HTTP_RESPONSE;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++)
        if (has_prefix(p, n, methods[i]) && printable(p, n, 16))
            return WSV_LOOK_HTTP_REQUEST;
    if (has_prefix(p, n, "0\r\n\r\n"))
        return WSV_LOOK_CHUNK_END;
    /* A chunk-size line: 1-8 hex digits, optional extensions, CRLF. */
    {
        size_t i = 0;
        while (i < n && i < 8 && is_hex(p[i]))
            i++;
        if (i > 0 && i + 1 < n && p[i] == '\r' && p[i + 1] == '\n')
            return WSV_LOOK_CHUNK;
    }
    /* TLS record: content type 20-23, version 3.x (x <= 4). */
    if (n >= 5 && p[0] >= 0x14 && p[0] <= 0x17 && p[1] == 0x03 && p[2] <= 0x04)
        return WSV_LOOK_TLS;
    if ((p[0] == '{' || p[0] == '[') && printable(p, n, 16)) {
        size_t i = 1;
        while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
            i++;
        if (i < n && (p[i] == '"' || p[i] == '{' || p[i] == '[' || p[i] == '}' || p[i] == ']' ||
                      (p[i] >= '0' && p[i] <= '9') || p[i] == '-'))
            return WSV_LOOK_JSON;
    }
    if (p[0] == '<' && printable(p, n, 16) &&
        (p[1] == '!' || p[1] == '?' || p[1] == '/' || (p[1] >= 'a' && p[1] <= 'z') ||
         (p[1] >= 'A' && p[1] <= 'Z')))
        return WSV_LOOK_XML;
    /* Text: a real frame's second byte is a length below 126 or a masked
     * one (>= 0x80), so 16 printable bytes in a row rarely start a frame. */
    if (n >= 16 && printable(p, n, 16) && p[0] >= 0x20)
        return WSV_LOOK_TEXT;
    return WSV_LOOK_NONE;
}

const char *wsv_lookalike_name(enum wsv_lookalike k)
{
    static const char *const names[WSV_LOOK_COUNT] = {
        [WSV_LOOK_NONE] = "",
        [WSV_LOOK_HTTP_RESPONSE] = "an HTTP response",
        [WSV_LOOK_HTTP_REQUEST] = "an HTTP request",
        [WSV_LOOK_CHUNK_END] = "the end of a chunked HTTP body (0\\r\\n\\r\\n)",
        [WSV_LOOK_CHUNK] = "a chunk of a chunked HTTP body",
        [WSV_LOOK_TLS] = "a TLS record",
        [WSV_LOOK_JSON] = "JSON text",
        [WSV_LOOK_XML] = "XML or HTML",
        [WSV_LOOK_TEXT] = "plain text",
    };
    return (unsigned)k < WSV_LOOK_COUNT ? names[k] : "";
}
