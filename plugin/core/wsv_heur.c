/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The mid-stream recogniser (wsv_heur.h): follows each direction's chain of
 * frame headers across segments, searches a segment for a chain start when a
 * direction may begin inside a frame, scores the evidence and tells other
 * protocols apart by their first bytes.
 *
 * Scoring, per direction: +1 for each frame whose header breaks no rule
 * (except an unmasked empty frame, "xx 00", and a non-final continuation,
 * "00 LL", which any binary data and every 16-bit length prefix produce);
 * +1 for a text frame of 4 or more bytes of printable UTF-8 and +1 more from
 * 8 bytes; +1 for each segment that ends right after a frame that began in
 * it, if one of its frames earned a point and none broke a rule; -2 for each
 * frame that breaks a header rule and for each frame whose mask bit
 * disagrees with the direction's majority. In random bytes a header
 * breaks no rule about once in 17 tries and a frame ends exactly at the
 * segment's end about once in 128, so 4 points are strong evidence; a
 * rule-breaking frame costs twice what a clean one earns, which is what makes
 * a chain with violations need to be longer. A chain start that a search
 * picked out of many candidates earns nothing by itself.
 */
#include "wsv/wsv_heur.h"
#include "wsv/wsv_forensics.h"

#include <string.h>

enum { NO_OPCODE = 0xff, CHECK_MAX = 256 };

static bool is_control(uint8_t op)
{
    return op == WSV_OP_CLOSE || op == WSV_OP_PING || op == WSV_OP_PONG;
}

static bool is_known(uint8_t op)
{
    return op <= WSV_OP_BINARY || is_control(op);
}

unsigned wsv_heur_header(const uint8_t *p, size_t n, struct wsv_heur_hdr *h)
{
    if (n < 2)
        return 0;
    unsigned len7 = p[1] & 0x7f;
    unsigned ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    bool masked = (p[1] & 0x80) != 0;
    unsigned hl = 2 + ext + (masked ? 4 : 0);
    if (n < hl)
        return 0;

    uint64_t plen = ext ? 0 : len7;
    for (unsigned i = 0; i < ext; i++)
        plen = plen << 8 | p[2 + i];
    h->payload_len = plen;
    h->len = (uint8_t)hl;
    h->fin = (p[0] & 0x80) != 0;
    h->rsv = (p[0] >> 4) & 0x7;
    h->opcode = p[0] & 0x0f;
    h->masked = masked;
    if (masked)
        memcpy(h->mask, p + 2 + ext, 4);
    else
        memset(h->mask, 0, 4);

    unsigned odd = 0;
    if ((h->rsv & 0x3) || ((h->rsv & 0x4) && (is_control(h->opcode) || h->opcode == WSV_OP_CONT)))
        odd |= WSV_HEUR_ODD_RSV;
    if (!is_known(h->opcode))
        odd |= WSV_HEUR_ODD_OPCODE;
    else if (is_control(h->opcode) && (!h->fin || h->payload_len > 125))
        odd |= WSV_HEUR_ODD_CONTROL;
    /* The 64-bit form's MSB: the core's size saturates, so look at the byte. */
    if ((len7 == 126 && h->payload_len < 126) ||
        (len7 == 127 && ((p[2] & 0x80) || h->payload_len <= 0xffff)))
        odd |= WSV_HEUR_ODD_LENGTH;
    h->odd = odd;
    return hl;
}

/* ---- Payload plausibility ------------------------------------------------ */

/* Copies up to n payload bytes, unmasked. `at` is the offset of src in the
 * payload (masking restarts its key cycle at the payload's first byte). */
static size_t unmask(uint8_t *dst, const uint8_t *src, size_t n, const struct wsv_heur_hdr *h,
                     uint64_t at)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = h->masked ? (uint8_t)(src[i] ^ h->mask[(at + i) & 3]) : src[i];
    return n;
}

/* Feeds up to CHECK_MAX payload bytes to the UTF-8 validator; *state as in
 * wsv_utf8_validate. Returns false once the bytes cannot be UTF-8 or, with
 * `printable`, hold a control character other than TAB, CR and LF. */
static bool utf8_prefix(const uint8_t *p, size_t avail, const struct wsv_heur_hdr *h,
                        bool printable, uint32_t *state)
{
    uint8_t tmp[16]; /* small: most payloads that are not text fail early */
    size_t n = avail < CHECK_MAX ? avail : CHECK_MAX;

    *state = WSV_UTF8_ACCEPT;
    for (size_t off = 0; off < n;) {
        size_t k = n - off < sizeof tmp ? n - off : sizeof tmp;
        unmask(tmp, p + off, k, h, off);
        for (size_t i = 0; printable && i < k; i++)
            if ((tmp[i] < 0x20 && tmp[i] != '\t' && tmp[i] != '\r' && tmp[i] != '\n') ||
                tmp[i] == 0x7f)
                return false;
        wsv_utf8_validate(state, tmp, k);
        if (*state == WSV_UTF8_REJECT)
            return false;
        off += k;
    }
    return true;
}

/* A text frame that reads as UTF-8. A fragment may end inside a code point;
 * a final frame seen whole must not. */
static bool text_ok(const uint8_t *p, size_t avail, const struct wsv_heur_hdr *h, bool printable)
{
    uint32_t state;
    if (!utf8_prefix(p, avail, h, printable, &state))
        return false;
    bool whole = avail == h->payload_len && avail <= CHECK_MAX;
    return !whole || !h->fin || state == WSV_UTF8_ACCEPT;
}

/* A Close body, if all of it is at hand: empty, or a status code a peer may
 * send followed by a UTF-8 reason. */
static bool close_ok(const uint8_t *p, size_t avail, const struct wsv_heur_hdr *h)
{
    uint8_t code[2];
    if (avail < h->payload_len)
        return true;
    if (h->payload_len == 0)
        return true;
    if (h->payload_len == 1)
        return false;
    unmask(code, p, 2, h, 0);
    unsigned c = (unsigned)code[0] << 8 | code[1];
    if (!((c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1014) || (c >= 3000 && c <= 4999)))
        return false;
    struct wsv_heur_hdr reason = *h;
    if (h->masked) /* the reason continues the key cycle two bytes in */
        for (unsigned i = 0; i < 4; i++)
            reason.mask[i] = h->mask[(i + 2) & 3];
    reason.payload_len = h->payload_len - 2;
    reason.fin = true;
    return text_ok(p + 2, avail - 2, &reason, false);
}

/* The first bytes of a raw deflate stream (RFC 1951 §3.2.3): block type 3 is
 * invalid; a stored block's LEN and NLEN complement each other; a dynamic
 * block has at most 286 literal/length and 30 distance codes. A fixed block
 * has nothing as cheap to check. */
static bool deflate_ok(const uint8_t *p, size_t avail, const struct wsv_heur_hdr *h)
{
    uint8_t b[5];
    size_t n = unmask(b, p, avail < 5 ? avail : 5, h, 0);
    if (n == 0)
        return true;
    switch ((b[0] >> 1) & 3) {
    case 0:
        return n < 5 || ((b[1] | b[2] << 8) ^ (b[3] | b[4] << 8)) == 0xffff;
    case 2:
        return n < 2 || ((b[0] >> 3) <= 29 && (b[1] & 0x1f) <= 29);
    case 3:
        return false;
    default:
        return true;
    }
}

/* A header a searched chain may start with: breaks no rule, and its payload,
 * where it can be judged, is what such a frame carries. Bytes a search picks
 * by mistake would otherwise be reported as violations. */
static bool strict_ok(const struct wsv_heur_hdr *h, const uint8_t *payload, size_t avail)
{
    if (h->odd)
        return false;
    if (h->opcode == WSV_OP_TEXT && !(h->rsv & 0x4))
        return text_ok(payload, avail, h, false);
    if (h->opcode == WSV_OP_CLOSE)
        return close_ok(payload, avail, h);
    return true;
}

/* Cheap pre-filter for search candidates: a first header byte that breaks no
 * rule. */
static bool clean_first_byte(uint8_t b)
{
    uint8_t op = b & 0x0f, rsv = (b >> 4) & 0x7;
    if (!is_known(op) || (rsv & 0x3))
        return false;
    if (is_control(op))
        return (b & 0x80) && !rsv;
    return !(rsv && op == WSV_OP_CONT);
}

/* The same as a table: the search asks it for every byte of a segment. */
static bool clean_byte[256];
static bool clean_byte_ready;

static void clean_byte_init(void)
{
    for (unsigned b = 0; b < 256; b++)
        clean_byte[b] = clean_first_byte((uint8_t)b);
    clean_byte_ready = true;
}

/* ---- Following a chain --------------------------------------------------- */

/* Chain state across segments, and what one segment added. */
struct walk {
    struct wsv_heur_tally t; /* what this walk added */
    uint64_t need;
    uint8_t hdr[14];
    uint8_t have;
    uint8_t first_opcode;
    size_t first, end; /* the segment's span */
    bool lined_up;     /* the segment ends between two frames */
    bool aligned;      /* ... and that counts as evidence */
    bool aborted;      /* more rule-breaking frames than allowed */
};

static void count_frame(struct walk *w, const struct wsv_heur_hdr *h, const uint8_t *payload,
                        size_t avail)
{
    struct wsv_heur_tally *t = &w->t;

    t->frames++;
    if (h->masked)
        t->masked++;
    if (w->first_opcode == NO_OPCODE)
        w->first_opcode = h->opcode;
    if (h->odd) {
        t->odd++;
        return;
    }
    /* Proves nothing: an unmasked empty frame ("xx 00"), and a non-final
     * continuation ("00 LL" is also every 16-bit length prefix below 126:
     * TLS records, DNS over TCP, ...). */
    if ((h->payload_len > 0 || h->masked) && !(h->opcode == WSV_OP_CONT && !h->fin && !h->rsv))
        t->clean++;
    if (h->opcode == WSV_OP_TEXT || h->opcode == WSV_OP_BINARY) {
        t->starts++;
        if (h->rsv & 0x4) {
            t->rsv1++;
            if (deflate_ok(payload, avail, h))
                t->deflate++;
        }
    }
    /* Printable UTF-8: about 1 in 3 random bytes passes, so 4 bytes are worth
     * a point and 8 bytes two. */
    if (h->opcode == WSV_OP_TEXT && !(h->rsv & 0x4) && h->payload_len >= 4 &&
        avail >= (h->payload_len < CHECK_MAX ? h->payload_len : CHECK_MAX) &&
        text_ok(payload, avail, h, true)) {
        t->text++;
        if (h->payload_len >= 8)
            t->text_long++;
    }
}

/* One frame from the header at p (n bytes available, n >= its length, the
 * header having started `carried` bytes before p). Updates need/end/pos. */
static void take_frame(struct walk *w, const struct wsv_heur_hdr *h, const uint8_t *buf, size_t len,
                       size_t payload_at, size_t *pos)
{
    size_t avail = len - payload_at;
    if (avail > h->payload_len)
        avail = (size_t)h->payload_len;
    count_frame(w, h, buf + payload_at, avail);
    if (h->payload_len <= len - payload_at) {
        *pos = payload_at + (size_t)h->payload_len;
        w->end = *pos;
    } else {
        w->need = h->payload_len - (len - payload_at);
        *pos = len;
    }
}

/* Follows the chain through buf. max_odd: stop (aborted) after that many
 * rule-breaking frames. */
static void walk(struct walk *w, const uint8_t *buf, size_t len, unsigned max_odd)
{
    struct wsv_heur_hdr h;
    size_t pos = 0;

    w->first = len;
    w->end = 0;
    w->lined_up = w->aligned = false;
    w->aborted = false;
    if (w->have) {
        /* A header cut by the previous segment's end. */
        uint8_t tmp[14];
        size_t have = w->have, k = len < sizeof tmp - have ? len : sizeof tmp - have;
        memcpy(tmp, w->hdr, have);
        memcpy(tmp + have, buf, k);
        unsigned hl = wsv_heur_header(tmp, have + k, &h);
        if (!hl) {
            memcpy(w->hdr + have, buf, k);
            w->have = (uint8_t)(have + k);
            pos = len;
        } else {
            w->have = 0;
            take_frame(w, &h, buf, len, hl - have, &pos);
        }
    } else if (w->need >= len) {
        w->need -= len;
        pos = len;
    } else {
        pos = (size_t)w->need;
        w->need = 0;
    }
    while (pos < len && w->t.odd <= max_odd) {
        if (w->first == len)
            w->first = pos;
        unsigned hl = wsv_heur_header(buf + pos, len - pos, &h);
        if (!hl) {
            w->have = (uint8_t)(len - pos);
            memcpy(w->hdr, buf + pos, w->have);
            break;
        }
        take_frame(w, &h, buf, len, pos + hl, &pos);
    }
    w->aborted = w->t.odd > max_odd;
    /* Only a segment end right after a frame that began in the segment: the
     * end of a long frame falls on some segment end by chance, all the more
     * often the smaller the segments. And only with a frame that earned a
     * point and none that broke a rule: other length-prefixed protocols line
     * up too (MQTT does exactly, and "00 LL" is any 16-bit length prefix). */
    w->lined_up = !w->aborted && w->need == 0 && w->have == 0;
    w->aligned = w->lined_up && w->first < len && !w->t.odd && w->t.clean;
    if (w->end < w->first)
        w->end = w->first;
}

static int64_t mask_disagreements(const struct wsv_heur_tally *t)
{
    uint32_t unmasked = t->frames - t->masked;
    return t->masked < unmasked ? t->masked : unmasked;
}

/* How good a searched chain is: clean frames and a lined-up end count double
 * here, since the chain is all the search has. */
static int64_t search_score(const struct walk *w)
{
    const struct wsv_heur_tally *t = &w->t;
    return 2 * (int64_t)t->clean + t->text + t->text_long + (w->aligned ? 2 : 0) -
           3 * ((int64_t)t->odd + mask_disagreements(t));
}

/* Finds the most plausible chain start in buf. Returns false if none is
 * trustworthy enough. */
static bool search(const struct wsv_heur_dir *d, const uint8_t *buf, size_t len, struct walk *best,
                   size_t *start)
{
    struct wsv_heur_hdr h;
    int64_t best_score = INT64_MIN;
    size_t best_at = len;

    if (!clean_byte_ready)
        clean_byte_init();
    for (size_t s = 0; s + 1 < len; s++) {
        bool lenient = d->trust_start && s == 0;
        if (!lenient && !clean_byte[buf[s]])
            continue;
        unsigned hl = wsv_heur_header(buf + s, len - s, &h);
        if (!hl)
            continue;
        size_t avail = len - s - hl;
        if (avail > h.payload_len)
            avail = (size_t)h.payload_len;
        if (!lenient && !strict_ok(&h, buf + s + hl, avail))
            continue;

        struct walk w;
        memset(&w, 0, sizeof w);
        w.first_opcode = NO_OPCODE;
        /* A searched chain stops at its first rule-breaking header: it would
         * lose anyway, and random bytes hold almost nothing else. */
        walk(&w, buf + s, len - s, lenient ? 2 : 0);
        if (w.aborted || !(w.lined_up || w.need || w.have) ||
            (!d->trust_start && w.need > WSV_HEUR_MAX_PENDING))
            continue;
        if (lenient) {
            /* A segment start of a known WebSocket connection: take it if its
             * chain lines up, or if it opens with a rule-abiding header. */
            if (w.lined_up || strict_ok(&h, buf + hl, avail)) {
                *best = w;
                *start = 0;
                return true;
            }
            continue;
        }
        int64_t score = search_score(&w);
        if (score > best_score) {
            best_score = score;
            best_at = s;
            *best = w;
        }
    }
    if (best_at == len || !(best_score >= 4 || (best_at == 0 && best_score >= 2)))
        return false;
    *start = best_at;
    return true;
}

/* ---- Sniffing other protocols -------------------------------------------- */

static bool starts_with(const uint8_t *p, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    return n >= k && memcmp(p, lit, k) == 0;
}

static bool is_print(uint8_t c)
{
    return c >= 0x20 && c < 0x7f;
}

static bool is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

/* Length of the line at p, LF included, if every byte before the LF is
 * printable ASCII or TAB (CR only right before the LF); 0 if the first `max`
 * bytes hold no such line. */
static size_t text_line(const uint8_t *p, size_t n, size_t max)
{
    if (n > max)
        n = max;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\n')
            return i + 1;
        if (p[i] == '\r' ? i + 1 < n && p[i + 1] != '\n' : !is_print(p[i]) && p[i] != '\t')
            return 0;
    }
    return 0;
}

static bool line_has(const uint8_t *p, size_t linelen, const char *lit)
{
    size_t k = strlen(lit);
    for (size_t i = 0; i + k <= linelen; i++)
        if (memcmp(p + i, lit, k) == 0)
            return true;
    return false;
}

/* METHOD SP target SP PROTO/x.y: the methods wsv_lookalike() does not list
 * (TRACE, WebDAV), RTSP, SIP and the HTTP/2 connection preface. */
static bool request_line(const uint8_t *p, size_t n)
{
    size_t k = 0, line;
    while (k < n && k < 20 && ((p[k] >= 'A' && p[k] <= 'Z') || p[k] == '-' || p[k] == '_'))
        k++;
    if (k < 3 || k >= n || p[k] != ' ' || !(line = text_line(p, n, 512)))
        return false;
    return line_has(p, line, " HTTP/1.") || line_has(p, line, " HTTP/2.0") ||
           line_has(p, line, " RTSP/1.") || line_has(p, line, " SIP/2.0");
}

/* RESP (Redis): +OK, -ERR x, :1, $5, *2, each a line ending in CRLF. */
static bool redis(const uint8_t *p, size_t n)
{
    size_t line = text_line(p, n, 512);
    if (line < 3 || p[line - 2] != '\r')
        return false;
    if (p[0] == '+' || p[0] == '-' || p[0] == ':')
        return true;
    if (p[0] != '$' && p[0] != '*')
        return false;
    size_t i = p[1] == '-' ? 2 : 1, digits = 0;
    while (i + digits < line - 2 && is_digit(p[i + digits]))
        digits++;
    return digits > 0 && i + digits == line - 2;
}

/* An MQTT CONNECT: type 1, remaining length (1-4 bytes), protocol name. */
static bool mqtt_connect(const uint8_t *p, size_t n)
{
    static const uint8_t v311[] = {0, 4, 'M', 'Q', 'T', 'T'};
    static const uint8_t v31[] = {0, 6, 'M', 'Q', 'I', 's', 'd', 'p'};
    size_t i = 1;
    if (n < 2 || p[0] != 0x10)
        return false;
    while (i < n && i < 4 && (p[i] & 0x80))
        i++;
    i++;
    return (n >= i + sizeof v311 && memcmp(p + i, v311, sizeof v311) == 0) ||
           (n >= i + sizeof v31 && memcmp(p + i, v31, sizeof v31) == 0);
}

bool wsv_heur_sniff(const uint8_t *p, size_t n, enum wsv_heur_proto *proto,
                    enum wsv_lookalike *look)
{
    enum wsv_heur_proto pr = WSV_PROTO_NONE;
    enum wsv_lookalike lk = p ? wsv_lookalike(p, n) : WSV_LOOK_NONE;

    /* wsv_lookalike()'s HTTP, chunk and TLS kinds are specific; its JSON,
     * markup and text kinds are what is left when no protocol matched. */
    if (p && lk != WSV_LOOK_HTTP_RESPONSE && lk != WSV_LOOK_HTTP_REQUEST &&
        lk != WSV_LOOK_CHUNK_END && lk != WSV_LOOK_CHUNK && lk != WSV_LOOK_TLS) {
        if (starts_with(p, n, "SSH-"))
            pr = WSV_PROTO_SSH;
        else if (starts_with(p, n, "RTSP/1.") || starts_with(p, n, "SIP/2.0 "))
            pr = WSV_PROTO_STATUS_LINE;
        else if (request_line(p, n))
            pr = WSV_PROTO_REQUEST_LINE;
        else if (mqtt_connect(p, n))
            pr = WSV_PROTO_MQTT;
        else if (redis(p, n))
            pr = WSV_PROTO_REDIS;
        else if (lk == WSV_LOOK_NONE && n && is_print(p[0]) && text_line(p, n, 512) >= 3)
            pr = WSV_PROTO_TEXT_LINE;
        if (pr != WSV_PROTO_NONE && pr != WSV_PROTO_TEXT_LINE)
            lk = WSV_LOOK_NONE;
    }
    if (proto)
        *proto = pr;
    if (look)
        *look = lk;
    return pr != WSV_PROTO_NONE || lk != WSV_LOOK_NONE;
}

const char *wsv_heur_proto_name(enum wsv_heur_proto p)
{
    static const char *const names[WSV_PROTO_COUNT] = {
        [WSV_PROTO_NONE] = "",
        [WSV_PROTO_SSH] = "an SSH banner",
        [WSV_PROTO_REDIS] = "a Redis (RESP) line",
        [WSV_PROTO_MQTT] = "an MQTT CONNECT",
        [WSV_PROTO_REQUEST_LINE] = "a request line (HTTP, RTSP, SIP)",
        [WSV_PROTO_STATUS_LINE] = "an RTSP or SIP status line",
        [WSV_PROTO_TEXT_LINE] = "a line of text",
    };
    return (unsigned)p < WSV_PROTO_COUNT ? names[p] : "";
}

/* Protocols that announce themselves in their first bytes: a direction whose
 * first segment starts like this is that protocol, not a WebSocket stream cut
 * mid-frame. Text that merely looks like a payload (JSON, a line) may be the
 * middle of a text frame. */
static bool sniff_is_protocol(enum wsv_heur_proto pr, enum wsv_lookalike lk)
{
    return pr == WSV_PROTO_SSH || pr == WSV_PROTO_REDIS || pr == WSV_PROTO_MQTT ||
           pr == WSV_PROTO_REQUEST_LINE || pr == WSV_PROTO_STATUS_LINE ||
           lk == WSV_LOOK_HTTP_RESPONSE || lk == WSV_LOOK_HTTP_REQUEST || lk == WSV_LOOK_TLS;
}

/* ---- The connection ------------------------------------------------------ */

void wsv_heur_init(struct wsv_heur *h)
{
    memset(h, 0, sizeof *h);
    for (unsigned i = 0; i < 2; i++)
        h->dir[i].first_opcode = NO_OPCODE;
}

static void tally_add(struct wsv_heur_tally *a, const struct wsv_heur_tally *b)
{
    a->frames += b->frames;
    a->clean += b->clean;
    a->odd += b->odd;
    a->text += b->text;
    a->text_long += b->text_long;
    a->aligned += b->aligned;
    a->masked += b->masked;
    a->starts += b->starts;
    a->rsv1 += b->rsv1;
    a->deflate += b->deflate;
    a->injected += b->injected;
}

static void walk_load(struct walk *w, const struct wsv_heur_dir *d)
{
    memset(w, 0, sizeof *w);
    w->need = d->need;
    w->have = d->have;
    memcpy(w->hdr, d->hdr, sizeof w->hdr);
    w->first_opcode = d->first_opcode;
}

static void walk_store(struct wsv_heur_dir *d, const struct walk *w)
{
    tally_add(&d->t, &w->t);
    if (w->aligned)
        d->t.aligned++;
    d->need = w->need;
    d->have = w->have;
    memcpy(d->hdr, w->hdr, sizeof d->hdr);
    if (d->first_opcode == NO_OPCODE)
        d->first_opcode = w->first_opcode;
}

static int64_t dir_points(const struct wsv_heur_dir *d)
{
    const struct wsv_heur_tally *t = &d->t;
    return (int64_t)t->clean + t->text + t->text_long + t->aligned - d->discount -
           2 * ((int64_t)t->odd + mask_disagreements(t));
}

enum wsv_heur_verdict wsv_heur_judge(const struct wsv_heur *h)
{
    int64_t points = 0;
    uint64_t clean = 0, aligned = 0;
    bool seen = false, all_lost = true;

    for (unsigned i = 0; i < 2; i++) {
        const struct wsv_heur_dir *d = &h->dir[i];
        if (!d->fed)
            continue;
        seen = true;
        points += dir_points(d);
        clean += d->t.clean;
        aligned += d->t.aligned;
        if (d->state != WSV_HEUR_LOST)
            all_lost = false;
    }
    if (points >= WSV_HEUR_CLAIM_POINTS && clean >= 1 && aligned >= 1)
        return WSV_HEUR_WEBSOCKET;
    if (points <= WSV_HEUR_REJECT_POINTS || (seen && all_lost) || h->work >= WSV_HEUR_MAX_WORK)
        return WSV_HEUR_NOT_WEBSOCKET;
    return WSV_HEUR_UNDECIDED;
}

enum wsv_heur_verdict wsv_heur_segment(struct wsv_heur *h, unsigned dir, const uint8_t *buf,
                                       size_t len, struct wsv_heur_span *span)
{
    struct wsv_heur_dir *d = &h->dir[dir & 1];
    struct wsv_heur_span none = {len, len};
    bool decided = h->verdict == WSV_HEUR_WEBSOCKET;
    struct walk w;

    if (!span)
        span = &none;
    span->first = span->end = len;
    if (h->verdict == WSV_HEUR_NOT_WEBSOCKET || len == 0)
        return (enum wsv_heur_verdict)h->verdict;

    switch (d->state) {
    case WSV_HEUR_SEARCH: {
        size_t start;
        if (!decided) {
            enum wsv_heur_proto pr;
            enum wsv_lookalike lk;
            h->work++;
            if (d->fed == 0 && wsv_heur_sniff(buf, len, &pr, &lk) && sniff_is_protocol(pr, lk)) {
                h->verdict = WSV_HEUR_NOT_WEBSOCKET;
                h->proto = (uint8_t)pr;
                h->look = (uint8_t)lk;
                d->fed += len;
                return WSV_HEUR_NOT_WEBSOCKET;
            }
        }
        if (search(d, buf, len, &w, &start)) {
            d->state = WSV_HEUR_CHAIN;
            d->skipped += start;
            walk_store(d, &w);
            /* A chain start found past the segment's first byte is the best
             * of many candidates, and one that does not line up with the
             * segment's end rests on one header: either sets the alignment
             * but proves nothing until later segments follow it. */
            if (start > 0 || !w.aligned)
                d->discount += w.t.clean + w.t.text + w.t.text_long + (w.aligned ? 1 : 0);
            span->first = start + w.first;
            span->end = start + w.end;
            break;
        }
        d->skipped += len;
        if (++d->searched >= WSV_HEUR_MAX_SEARCH && !d->trust_start)
            d->state = WSV_HEUR_LOST;
        break;
    }
    case WSV_HEUR_CHAIN:
        /* A segment that starts where a header is due and reads as another
         * protocol's text is an unframed write (or not WebSocket at all). */
        if (!decided && d->need == 0 && d->have == 0 && wsv_heur_sniff(buf, len, NULL, NULL))
            d->t.injected++;
        walk_load(&w, d);
        walk(&w, buf, len, UINT32_MAX);
        if (!decided && (w.t.frames || w.have))
            h->work++;
        walk_store(d, &w);
        /* A frame this long is no evidence any time soon. */
        if (!decided && d->need > WSV_HEUR_MAX_PENDING)
            d->state = WSV_HEUR_LOST;
        span->first = w.first;
        span->end = w.end;
        break;
    default:
        break;
    }
    d->fed += len;
    if (!decided) {
        h->verdict = (uint8_t)wsv_heur_judge(h);
        if (h->verdict == WSV_HEUR_WEBSOCKET)
            h->dir[0].trust_start = h->dir[1].trust_start = true;
    }
    return (enum wsv_heur_verdict)h->verdict;
}

void wsv_heur_gap(struct wsv_heur *h, unsigned dir)
{
    struct wsv_heur_dir *d = &h->dir[dir & 1];
    d->need = 0;
    d->have = 0;
    d->searched = 0;
    if (d->state != WSV_HEUR_LOST || d->trust_start)
        d->state = WSV_HEUR_SEARCH;
}

void wsv_heur_infer(const struct wsv_heur *h, struct wsv_heur_inference *out)
{
    enum wsv_role vote[2];
    uint32_t rsv1 = 0, deflate = 0;

    for (unsigned i = 0; i < 2; i++) {
        const struct wsv_heur_tally *t = &h->dir[i].t;
        uint32_t unmasked = t->frames - t->masked;
        vote[i] = t->masked > unmasked   ? WSV_ROLE_CLIENT
                  : unmasked > t->masked ? WSV_ROLE_SERVER
                                         : WSV_ROLE_UNKNOWN;
        out->fragment_open[i] = h->dir[i].first_opcode == WSV_OP_CONT;
        rsv1 += t->rsv1;
        deflate += t->deflate;
    }
    if (vote[0] != WSV_ROLE_UNKNOWN && vote[0] == vote[1])
        vote[0] = vote[1] = WSV_ROLE_UNKNOWN;
    for (unsigned i = 0; i < 2; i++) {
        enum wsv_role other = vote[i ^ 1];
        out->role[i] = vote[i] != WSV_ROLE_UNKNOWN ? vote[i]
                       : other == WSV_ROLE_CLIENT  ? WSV_ROLE_SERVER
                       : other == WSV_ROLE_SERVER  ? WSV_ROLE_CLIENT
                                                   : WSV_ROLE_UNKNOWN;
    }
    out->pmd_likely = rsv1 > 0 && deflate == rsv1;
}
