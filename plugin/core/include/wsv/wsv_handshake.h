/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wsv handshake: the RFC 6455 opening handshake and the RFC 7692
 * permessage-deflate negotiation. Plain C11, libc only, no allocation.
 *
 * The caller hands in the bytes of one HTTP message head (a request or a
 * response; bytes after its empty line are ignored, so a buffer that goes on
 * with WebSocket frames is fine). Every offset reported is a byte offset into
 * that buffer. What the response is judged against is copied out of the
 * request into a fixed-size record (struct wsv_hs_request), so the request's
 * bytes need not outlive the call. Time is linear in the head's length, also
 * for heads of megabytes.
 *
 * Typical use (the glue):
 *   struct wsv_hs_request req;            // per connection, zeroed
 *   wsv_hs_check_request(buf, len, &req, report, user, NULL);
 *   ...
 *   struct wsv_hs_result res;
 *   wsv_hs_check_response(buf, len, &req, &res, report, user, NULL);
 *   cfg.pmd = res.pmd;                    // what RSV1 means from here on
 */
#ifndef WSV_WSV_HANDSHAKE_H
#define WSV_WSV_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wsv.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- HTTP/1.1 message heads -------------------------------------------- */

/* A run of bytes in the caller's buffer. */
struct wsv_span {
    size_t off, len;
};

enum wsv_http_status {
    WSV_HTTP_OK,
    WSV_HTTP_PARTIAL, /* no empty line yet: the head is not complete */
    WSV_HTTP_INVALID, /* the first line is neither a request line nor a status line */
};

struct wsv_http_head {
    bool response;
    struct wsv_span start_line; /* without its line end */
    /* Request line: method SP request-target SP HTTP-version. */
    struct wsv_span method, target;
    /* Both: the "HTTP/x.y" word (empty if the request line has none). */
    struct wsv_span version;
    bool version_valid; /* "HTTP/" DIGIT "." DIGIT */
    uint8_t major, minor;
    /* Status line: HTTP-version SP status-code SP reason-phrase. */
    uint16_t status;
    struct wsv_span status_code, reason;
    size_t fields; /* offset of the first header line */
    size_t len;    /* the whole head, through the end of the empty line */
};

/* Find the head at the start of buf[0..len): the start line, then header lines
 * up to the empty line. LF alone ends a line as CRLF does. */
enum wsv_http_status wsv_http_parse(const uint8_t *buf, size_t len, struct wsv_http_head *h);

/* The end of a head that arrives piecemeal (TCP segments): zero the struct,
 * then call again each time the buffer has grown (same leading bytes, more of
 * them). Every byte is looked at once, so a head of megabytes in small
 * segments still costs linear time in all. Returns the head's length (as
 * wsv_http_parse() would set it), or 0 if the empty line has not come yet. */
struct wsv_http_scan {
    size_t pos;     /* next byte to look at */
    bool in_fields; /* the start line is complete */
};
size_t wsv_http_head_end(const uint8_t *buf, size_t len, struct wsv_http_scan *s);

/* One header field. An obs-fold continuation (a line starting with SP or HTAB)
 * belongs to the field before it: the value then spans several lines, and the
 * CR and LF inside it count as blanks. Lines without a colon are skipped, as
 * are continuation lines with no field before them. */
struct wsv_http_field {
    struct wsv_span name;  /* without blanks before the colon */
    struct wsv_span value; /* without leading and trailing blanks */
    struct wsv_span line;  /* the whole field, without its final line end */
};

struct wsv_http_iter {
    const uint8_t *buf;
    size_t pos, end;
};

void wsv_http_fields(struct wsv_http_iter *it, const uint8_t *buf, const struct wsv_http_head *h);
/* False when there are no more fields. */
bool wsv_http_next(struct wsv_http_iter *it, struct wsv_http_field *f);
/* ASCII case-insensitive comparison of the field name with name. */
bool wsv_http_name_is(const uint8_t *buf, const struct wsv_http_field *f, const char *name);
/* Does the comma-separated list in buf[v] hold token, ASCII case-insensitively?
 * (Connection: keep-alive, Upgrade.) */
bool wsv_http_list_has(const uint8_t *buf, struct wsv_span v, const char *token);
/* Iterates a comma-separated list: *pos starts at v.off; each call stores the
 * next element, without surrounding blanks (possibly empty), in *item.
 * Returns false at the end of the list. */
bool wsv_http_list_next(const uint8_t *buf, struct wsv_span v, size_t *pos, struct wsv_span *item);

/* ---- SHA-1 (RFC 3174), base64 (RFC 4648) and the accept value ---------- */

struct wsv_sha1 {
    uint32_t h[5];
    uint64_t bytes;
    uint8_t block[64];
};

void wsv_sha1_init(struct wsv_sha1 *s);
void wsv_sha1_update(struct wsv_sha1 *s, const void *p, size_t n);
void wsv_sha1_final(struct wsv_sha1 *s, uint8_t digest[20]);

/* Writes 4 * ceil(n / 3) characters and a NUL; returns the characters. */
size_t wsv_base64_encode(const uint8_t *in, size_t n, char *out);
/* Length of the decoded bytes of padded base64 text, or -1 if p[0..n) is not
 * base64 (RFC 4648 §4, the alphabet of RFC 6455's base64-value-non-empty). */
long wsv_base64_decoded_len(const uint8_t *p, size_t n);

#define WSV_ACCEPT_LEN 28
/* base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")), RFC 6455 §4.2.2. */
void wsv_hs_accept(const uint8_t *key, size_t n, char out[WSV_ACCEPT_LEN + 1]);

/* ---- Violations -------------------------------------------------------- */

/* What exactly is wrong, for the message shown to the analyst. */
enum wsv_hs_why {
    WSV_HS_WHY_NONE,
    WSV_HS_WHY_MISSING,     /* the header is absent (reported on the start line) */
    WSV_HS_WHY_REPEATED,    /* a header or parameter that must appear once repeats */
    WSV_HS_WHY_VALUE,       /* the value is not the one the rule asks for */
    WSV_HS_WHY_SYNTAX,      /* the value does not follow its grammar */
    WSV_HS_WHY_UNKNOWN,     /* a parameter not defined for a response */
    WSV_HS_WHY_NO_VALUE,    /* a parameter that needs a value has none */
    WSV_HS_WHY_HAS_VALUE,   /* a parameter that takes no value has one */
    WSV_HS_WHY_RANGE,       /* a window size outside 8..15 */
    WSV_HS_WHY_LARGER,      /* a window size larger than offered (detail: the value) */
    WSV_HS_WHY_NOT_OFFERED, /* the client did not offer it */
    WSV_HS_WHY_DROPPED,     /* the offer asked for a parameter the response lacks */
};

/* Short English text for why ("missing", "repeated", ...). */
const char *wsv_hs_why_str(enum wsv_hs_why why);

struct wsv_hs_violation {
    enum wsv_rule rule;
    size_t offset, len; /* the offending bytes in the buffer handed in */
    /* As in struct wsv_violation: a conforming peer fails the handshake
     * (refuses the request, closes on the response), with expected_close if
     * it is established after all (0: none). */
    bool must_fail;
    uint16_t expected_close;
    enum wsv_hs_why why;
    /* Rule-specific: handshake-req-key: decoded length (0 if not base64);
     * handshake-version: the requested version if numeric; window rules: the
     * response's value; handshake-refused and handshake-version-no-header:
     * the status code. 0 otherwise. */
    uint64_t detail;
};

/* Every violation goes here, in the order of the bytes that cause it, except
 * that what is judged over the whole head (a missing header, reported on the
 * start line; Upgrade and Connection, whose lines may repeat) comes after the
 * header lines. May be NULL. */
typedef void (*wsv_hs_report)(void *user, const struct wsv_hs_violation *v);

/* Does the head (parsed by wsv_http_parse) speak of WebSocket: Upgrade:
 * websocket, or the header only a WebSocket peer sends (Sec-WebSocket-Key in
 * a request, Sec-WebSocket-Accept in a response; a missing Upgrade is then
 * the violation)? Only such heads are judged. */
bool wsv_hs_is_websocket(const uint8_t *buf, const struct wsv_http_head *h);

/* True for the rules this module judges: every HANDSHAKE rule of the table
 * except ext-required-missing, which needs the Close frame after the 101 (see
 * wsv_hs_ext_missing()). */
bool wsv_hs_judges(enum wsv_rule rule);

/* ---- The client's request ---------------------------------------------- */

#define WSV_HS_MAX_PMD_OFFERS 8
#define WSV_HS_NAMES          256

/* One permessage-deflate element of the offer (several = fallbacks). */
struct wsv_pmd_offer {
    bool server_no_context_takeover;
    bool client_no_context_takeover;
    bool client_max_window_bits;          /* offered, with or without a value */
    uint8_t client_max_window_bits_value; /* 0: offered without a value */
    uint8_t server_max_window_bits;       /* 0: not offered; 255: offered, value unusable */
};

/* What the client asked for. Plain data: a zeroed record means "no request
 * seen", and the response is then judged without it. */
struct wsv_hs_request {
    bool valid;                  /* a request head was read into this record */
    unsigned violations;         /* must-fail violations on the request */
    unsigned other_than_version; /* ... of which not handshake-version */
    char key[64];                /* Sec-WebSocket-Key as sent (truncated) */
    bool accept_known;           /* exactly one key: accept_expected is set */
    char accept_expected[WSV_ACCEPT_LEN + 1];
    bool version_ok;       /* exactly one Sec-WebSocket-Version, and it is 13 */
    int version;           /* requested version; -1 missing, -2 not a number */
    char version_text[16]; /* as sent (truncated), for display */
    /* Offered extension names, each NUL-terminated, one after the other. */
    bool ext_offered;  /* a Sec-WebSocket-Extensions header was present */
    bool ext_complete; /* every offered name is here (the offer parsed and fitted) */
    uint16_t ext_names_len;
    uint8_t ext_count;
    char ext_names[WSV_HS_NAMES];
    /* The permessage-deflate elements, in order. */
    uint8_t npmd;
    bool pmd_complete;
    struct wsv_pmd_offer pmd[WSV_HS_MAX_PMD_OFFERS];
    /* Offered subprotocols, each NUL-terminated, one after the other. */
    bool subproto_offered;
    bool subproto_complete;
    uint16_t subprotos_len;
    char subprotos[WSV_HS_NAMES];
};

/* Check a client's opening request (RFC 6455 §4.2.1, §9.1) and record it in
 * *req. Returns WSV_HTTP_PARTIAL (nothing reported, *req cleared) until the
 * head is complete; WSV_HTTP_INVALID for a status line or garbage. head, if
 * not NULL, receives the parsed head. */
enum wsv_http_status wsv_hs_check_request(const uint8_t *buf, size_t len,
                                          struct wsv_hs_request *req, wsv_hs_report report,
                                          void *user, struct wsv_http_head *head);

/* ---- The server's response --------------------------------------------- */

struct wsv_hs_result {
    uint16_t status;
    bool interim;  /* 1xx other than 101: the final response is still to come */
    bool upgraded; /* 101: WebSocket frames follow */
    bool failed;   /* a must-fail violation: a conforming client closes */
    /* permessage-deflate as the server accepted it. Set from the server's
     * words even when the client must fail: the server will compress. */
    struct wsv_pmd pmd;
    /* The server accepted an extension other than permessage-deflate, whose
     * use of the RSV bits is unknown. */
    bool other_extensions;
    /* Sec-WebSocket-Extensions as sent, several headers joined by ", ". */
    char extensions[256];
    bool extensions_truncated;
    /* Bit i: the i-th name of req->ext_names was accepted (first 32). */
    uint32_t ext_accepted;
    char subprotocol[128];                    /* empty: none selected */
    char accept_expected[WSV_ACCEPT_LEN + 1]; /* empty: not known */
    /* A refusal for version reasons (426, or 400 after a bad version). */
    bool version_refusal;
    bool has_versions; /* a non-empty Sec-WebSocket-Version came with it */
    char versions[64]; /* Sec-WebSocket-Version values joined by ", " */
};

/* Check a server's response to the opening request (RFC 6455 §4.1, §4.2.2,
 * §11.3; RFC 7692 §5, §7). req may be NULL or zeroed if the request was not
 * seen: checks against the offer are then skipped. Returns as
 * wsv_hs_check_request() (WSV_HTTP_INVALID for a request line). */
enum wsv_http_status wsv_hs_check_response(const uint8_t *buf, size_t len,
                                           const struct wsv_hs_request *req,
                                           struct wsv_hs_result *res, wsv_hs_report report,
                                           void *user, struct wsv_http_head *head);

/* The extensions the client offered that the 101 did not accept, joined by
 * ", " into out[0..cap) (always NUL-terminated if cap > 0): the likely reason
 * for a client's Close 1010 (RFC 6455 §7.4.1). Returns how many there are. */
size_t wsv_hs_ext_missing(const struct wsv_hs_request *req, const struct wsv_hs_result *res,
                          char *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
