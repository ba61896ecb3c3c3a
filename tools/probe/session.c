/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One connection of the probe. See session.h. */
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define RX_SIZE         65536
#define MSG_SIZE        8192
#define MAX_PINGS       8
#define LIVENESS        "ws1002-probe"
#define HEAD_MAX        16384
#define FRAME_GAP       0.02 /* between a scenario's frames, as a client would pace them */
#define CLOSE_PROBE_END "probe done"

struct ping {
    uint8_t payload[125];
    size_t len;
    bool after; /* sent with or after the violation */
    bool matched;
    double sent_at;
};

struct session {
    const struct probe_config *cfg;
    struct net_conn net;
    struct probe_handshake *hs;
    struct wsv_hs_request req;
    /* The server's direction, through the core. */
    struct wsv_conn core;
    struct probe_reader reader;
    uint8_t rx[RX_SIZE];
    size_t have;
    uint64_t skip;            /* bytes of an oversized frame still to pass through */
    const uint8_t *cur_frame; /* the complete frame being fed, NULL if fed in pieces */
    uint8_t msg[MSG_SIZE];    /* the data message coming in */
    size_t msg_len;
    uint8_t last[MSG_SIZE]; /* the last complete one */
    size_t last_len;
    unsigned messages, frames;
    double msg_at;  /* when the last message was complete */
    double last_at; /* round trip of the last Ping answered */
    /* What happened. */
    bool close_seen, eof, reset;
    bool close_is_answer; /* it came after the probe's own closing Close */
    bool close_has_code;
    uint16_t close_code;
    char reason[128];
    unsigned close_after;
    unsigned violations;
    int first_rule;
    /* The client's direction. */
    struct probe_deflater defl;
    unsigned sent;
    bool sent_close;   /* any Close of ours, scenario or closing handshake */
    bool closing_sent; /* the probe's own closing Close (not the scenario's) */
    bool violated;     /* the breaking frame is out */
    unsigned before;   /* data messages complete before the violation */
    bool pong_after, message_after;
    struct ping pings[MAX_PINGS];
    unsigned npings;
};

static void random_bytes(void *p, size_t n)
{
    /* Masking keys must be unpredictable (RFC 6455 §5.3); a short read only
     * weakens them, which a probe can live with. */
    if (getrandom(p, n, 0) != (ssize_t)n)
        for (size_t i = 0; i < n; i++)
            ((uint8_t *)p)[i] = (uint8_t)rand();
}

/* ---- The server's frames ---------------------------------------------------- */

static void printable(char *out, size_t cap, const uint8_t *p, size_t n)
{
    uint32_t st = WSV_UTF8_ACCEPT;
    bool utf8 = wsv_utf8_validate(&st, p, n) == n && st == WSV_UTF8_ACCEPT;
    size_t k = 0;
    for (size_t i = 0; i < n && k + 5 < cap; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f || (p[i] >= 0x80 && !utf8))
            k += (size_t)snprintf(out + k, cap - k, "\\x%02x", p[i]);
        else
            out[k++] = (char)p[i];
    }
    out[k] = '\0';
}

static void msg_put(struct session *s, const uint8_t *p, size_t n)
{
    size_t k = n < MSG_SIZE - s->msg_len ? n : MSG_SIZE - s->msg_len;
    memcpy(s->msg + s->msg_len, p, k);
    s->msg_len += k;
}

static void on_inflated(void *user, const uint8_t *p, size_t n)
{
    msg_put(user, p, n);
}

static void on_violation(void *user, const struct wsv_frame *f, const struct wsv_violation *v)
{
    (void)f;
    struct session *s = user;
    if (wsv_rule_get(v->rule)->severity == WSV_SEV_NOTE)
        return;
    if (s->violations++ == 0)
        s->first_rule = (int)v->rule;
}

static enum net_status send_frame(struct session *s, uint8_t opcode, const void *p, size_t n)
{
    struct wsv_frame_spec spec = {.fin = true, .opcode = opcode, .masked = true};
    uint8_t buf[256];
    random_bytes(spec.mask, 4);
    size_t k = wsv_encode_frame(&spec, p, n, buf, sizeof buf);
    return k ? net_send(&s->net, s->cfg->net, buf, k) : NET_ERROR;
}

static void send_close(struct session *s, bool has_code, uint16_t code, const char *reason)
{
    uint8_t body[125];
    size_t n =
        has_code ? wsv_encode_close_body(code, reason, strlen(reason), body, sizeof body) : 0;
    s->sent_close = true;
    send_frame(s, WSV_OP_CLOSE, body, n);
}

static void on_pong(struct session *s, const uint8_t *p, size_t n)
{
    for (unsigned i = 0; i < s->npings; i++) {
        struct ping *g = &s->pings[i];
        if (!g->matched && g->len == n && memcmp(g->payload, p, n) == 0) {
            g->matched = true;
            s->last_at = net_now() - g->sent_at;
            if (g->after && !s->close_seen)
                s->pong_after = true;
            return;
        }
    }
}

static void on_end(void *user, const struct wsv_frame *f)
{
    struct session *s = user;
    uint8_t pl[125];
    const uint8_t *p = s->cur_frame ? s->cur_frame + f->header_len : NULL;
    size_t n = p ? (size_t)f->payload_len : 0;
    s->frames++;
    if (p && f->masked) {
        /* A masked server frame breaks a rule; read it all the same. */
        static uint8_t tmp[RX_SIZE];
        for (size_t i = 0; i < n; i++)
            tmp[i] = p[i] ^ f->mask[i & 3];
        p = tmp;
    }
    switch (f->opcode) {
    case WSV_OP_CLOSE:
        if (s->close_seen || s->eof || s->reset)
            break;
        s->close_seen = true;
        s->close_is_answer = s->closing_sent;
        s->close_after = s->sent;
        s->close_has_code = f->has_close_code;
        s->close_code = f->close_code;
        if (p && n > 2)
            printable(s->reason, sizeof s->reason, p + 2, n - 2);
        break;
    case WSV_OP_PONG:
        if (p)
            on_pong(s, p, n);
        break;
    case WSV_OP_PING:
        /* A good client answers, unless a Close has been exchanged. */
        if (p && n <= sizeof pl && !s->close_seen && !s->sent_close) {
            memcpy(pl, p, n);
            send_frame(s, WSV_OP_PONG, pl, n);
        }
        break;
    case WSV_OP_TEXT:
    case WSV_OP_BINARY:
    case WSV_OP_CONT:
        if (p && !f->inflate)
            msg_put(s, p, n);
        if (!f->fin)
            break;
        memcpy(s->last, s->msg, s->msg_len);
        s->last_len = s->msg_len;
        s->msg_len = 0;
        s->messages++;
        s->msg_at = net_now();
        if (s->violated && s->messages > s->before && !s->close_seen)
            s->message_after = true;
        break;
    }
}

static const struct wsv_callbacks server_cb = {NULL, on_violation, on_end};

/* Hand the received bytes to the core, one complete frame at a time so that
 * the callbacks see its payload; a frame larger than the buffer passes
 * through in pieces, judged but not read. */
static void take(struct session *s)
{
    size_t pos = 0;
    while (pos < s->have) {
        size_t left = s->have - pos;
        if (s->skip) {
            size_t k = left < s->skip ? left : (size_t)s->skip;
            s->cur_frame = NULL;
            probe_reader_feed(&s->reader, s->rx + pos, k);
            s->skip -= k;
            pos += k;
            continue;
        }
        uint64_t size = wsv_frame_size(s->rx + pos, left);
        if (size == 0)
            break;
        if (size <= left) {
            s->cur_frame = s->rx + pos;
            probe_reader_feed(&s->reader, s->rx + pos, (size_t)size);
            s->cur_frame = NULL;
            pos += (size_t)size;
        } else if (size > RX_SIZE) {
            probe_reader_feed(&s->reader, s->rx + pos, left);
            s->skip = size - left;
            pos += left;
        } else {
            break;
        }
    }
    memmove(s->rx, s->rx + pos, s->have - pos);
    s->have -= pos;
}

/* What a wait is for. */
enum until { UNTIL_END, UNTIL_REACTION, UNTIL_REACTION_OR_CARRIED, UNTIL_PONGS, UNTIL_MESSAGE };

static bool reached(const struct session *s, enum until u)
{
    bool reaction = s->close_seen || s->eof || s->reset;
    switch (u) {
    case UNTIL_END:
        return s->eof || s->reset;
    case UNTIL_REACTION:
        return reaction;
    case UNTIL_REACTION_OR_CARRIED:
        return reaction || s->pong_after || s->message_after;
    case UNTIL_MESSAGE:
        return reaction || s->messages > 0;
    case UNTIL_PONGS:
        for (unsigned i = 0; i < s->npings; i++)
            if (!s->pings[i].matched)
                return reaction;
        return true;
    }
    return true;
}

/* Read the server's bytes until u is reached or the deadline passes. */
static void pump(struct session *s, double deadline, enum until u)
{
    while (!reached(s, u) && !s->eof && !s->reset) {
        size_t got = 0;
        enum net_status st =
            net_recv(&s->net, s->rx + s->have, sizeof s->rx - s->have, &got, deadline);
        if (st == NET_OK) {
            s->have += got;
            take(s);
            if (s->have == sizeof s->rx) /* cannot happen: take() drains full frames */
                s->have = 0;
        } else if (st == NET_TIMEOUT) {
            return;
        } else {
            /* A Close already read counts first; the TCP end is after it. */
            s->eof = st != NET_RESET;
            s->reset = st == NET_RESET;
        }
    }
}

/* ---- The opening handshake ---------------------------------------------------- */

static void on_hs_violation(void *user, const struct wsv_hs_violation *v)
{
    struct probe_handshake *hs = user;
    if (wsv_rule_get(v->rule)->severity == WSV_SEV_NOTE || hs->nfindings >= PROBE_MAX_FINDINGS)
        return;
    hs->findings[hs->nfindings].rule = v->rule;
    hs->findings[hs->nfindings].why = v->why;
    hs->nfindings++;
}

enum hs_result { HS_OK, HS_FAILED, HS_EOF, HS_RESET, HS_TIMEOUT };

/* Send the request and read the response head (after any 1xx interim
 * answers); what follows it stays in rx as the first frames. */
static enum hs_result handshake(struct session *s, enum probe_request_kind kind, bool offer_pmd,
                                const char *scenario, char *err, size_t errlen)
{
    const struct probe_config *cfg = s->cfg;
    uint8_t nonce[16];
    char key[32], req[8192];
    random_bytes(nonce, sizeof nonce);
    wsv_base64_encode(nonce, sizeof nonce, key);
    struct probe_request rq = {.kind = kind,
                               .host = cfg->url->authority,
                               .path = cfg->url->path,
                               .key = key,
                               .offer_pmd = offer_pmd,
                               .protocols = cfg->protocols,
                               .origin = cfg->origin,
                               .headers = cfg->headers,
                               .nheaders = cfg->nheaders,
                               .scenario = scenario};
    size_t n = probe_request_write(&rq, req, sizeof req);
    if (n == 0) {
        snprintf(err, errlen, "the opening request is too long");
        return HS_FAILED;
    }
    /* The core keeps what the response is judged against. */
    wsv_hs_check_request((const uint8_t *)req, n, &s->req, NULL, NULL, NULL);
    enum net_status st = net_send(&s->net, cfg->net, req, n);
    if (st != NET_OK) {
        snprintf(err, errlen, "the server closed the connection before the opening request");
        return st == NET_RESET ? HS_RESET : HS_EOF;
    }
    double deadline = net_now() + cfg->timeout;
    for (;;) {
        struct wsv_http_scan scan = {0};
        size_t head = 0;
        while ((head = wsv_http_head_end(s->rx, s->have, &scan)) == 0) {
            if (s->have >= HEAD_MAX) {
                snprintf(err, errlen, "not a WebSocket endpoint: no HTTP head within %d bytes",
                         HEAD_MAX);
                return HS_FAILED;
            }
            size_t got;
            st = net_recv(&s->net, s->rx + s->have, HEAD_MAX - s->have, &got, deadline);
            if (st == NET_OK) {
                s->have += got;
                continue;
            }
            if (st == NET_TIMEOUT)
                snprintf(err, errlen, "%.100s: no answer to the opening handshake within %.1f s",
                         cfg->url->authority, cfg->timeout);
            else
                snprintf(err, errlen,
                         "%.100s %s the connection without answering the opening handshake",
                         cfg->url->authority, st == NET_RESET ? "reset" : "closed");
            return st == NET_TIMEOUT ? HS_TIMEOUT : st == NET_RESET ? HS_RESET : HS_EOF;
        }
        struct probe_handshake *hs = s->hs;
        struct wsv_http_head h;
        memset(hs, 0, sizeof *hs);
        if (wsv_hs_check_response(s->rx, head, &s->req, &hs->res, on_hs_violation, hs, &h) !=
            WSV_HTTP_OK) {
            snprintf(err, errlen, "not a WebSocket endpoint: the answer is not HTTP");
            return HS_FAILED;
        }
        hs->status = h.status;
        printable(hs->status_line, sizeof hs->status_line, s->rx + h.start_line.off,
                  h.start_line.len);
        memmove(s->rx, s->rx + head, s->have - head);
        s->have -= head;
        if (!hs->res.interim)
            return HS_OK;
    }
}

/* Connect and shake hands. False with err set if there is no connection
 * or no HTTP answer (the result says which). */
static bool open_session(struct session *s, const struct probe_config *cfg,
                         struct probe_handshake *hs, enum probe_request_kind kind, bool offer_pmd,
                         const char *scenario, enum hs_result *result, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    s->hs = hs;
    s->first_rule = -1;
    memset(hs, 0, sizeof *hs);
    if (net_connect(&s->net, cfg->net) != NET_OK) {
        snprintf(err, errlen, "%s", s->net.err);
        net_close(&s->net);
        *result = HS_FAILED;
        return false;
    }
    *result = handshake(s, kind, offer_pmd, scenario, err, errlen);
    if (*result != HS_OK)
        return false;
    /* The server's direction as the core judges it: with what the 101 says. */
    const struct wsv_pmd *pmd = &hs->res.pmd;
    struct wsv_config wc = {.role = {WSV_ROLE_CLIENT, WSV_ROLE_SERVER},
                            .pmd = *pmd,
                            .rsv_unknown = hs->res.other_extensions};
    wsv_conn_init(&s->core, &wc);
    s->reader = (struct probe_reader){.conn = &s->core,
                                      .dir = 1,
                                      .cb = &server_cb,
                                      .user = s,
                                      .inflated = on_inflated,
                                      .window_bits = pmd->server_max_window_bits,
                                      .no_context_takeover = pmd->server_no_context_takeover};
    probe_deflater_setup(&s->defl, pmd->client_max_window_bits, pmd->client_no_context_takeover);
    return true;
}

/* End the connection as a client does: answer the server's Close, or close
 * first; then give the server a bounded time to close TCP (§7.1.1). */
static void finish(struct session *s)
{
    double timeout = s->cfg->timeout;
    if (!s->eof && !s->reset) {
        if (!s->sent_close && s->close_seen)
            send_close(s, s->close_has_code, s->close_code, "");
        else if (!s->sent_close) {
            s->closing_sent = true;
            send_close(s, true, 1000, CLOSE_PROBE_END);
        }
        pump(s, net_now() + timeout, UNTIL_END);
    }
    net_close(&s->net);
    probe_reader_free(&s->reader);
    probe_deflater_free(&s->defl);
}

/* After a refusal: read the body until the server closes (bounded), so
 * that closing does not turn its last bytes into a TCP reset. */
static void drain(struct session *s)
{
    double deadline = net_now() + s->cfg->timeout / 2;
    size_t got;
    while (net_recv(&s->net, s->rx, sizeof s->rx, &got, deadline) == NET_OK)
        ;
    net_close(&s->net);
}

static void track_ping(struct session *s, const uint8_t *p, size_t n, bool after)
{
    if (s->npings >= MAX_PINGS || n > 125)
        return;
    struct ping *g = &s->pings[s->npings++];
    memcpy(g->payload, p, n);
    g->len = n;
    g->after = after;
    g->sent_at = net_now();
}

/* ---- A scenario ------------------------------------------------------------------ */

static int first_breaking(const struct probe_scenario *sc)
{
    for (unsigned i = 0; i < probe_frame_count(sc); i++)
        if (sc->frames[i].breaks)
            return (int)i;
    return -1;
}

/* Send the scenario's frames, pacing them; stop early when the server
 * reacts (a client does not go on after a Close), except for burst rows.
 * After the breaking frame the server gets half the timeout to react before
 * the next frame goes out: failing later is failing late. */
static void send_frames(struct session *s, const struct probe_scenario *sc, struct probe_obs *o)
{
    int brk = first_breaking(sc);
    unsigned n = probe_frame_count(sc);
    for (int i = 0; i < brk; i++)
        s->before += sc->frames[i].opcode < WSV_OP_CLOSE && !sc->frames[i].more;
    for (unsigned i = 0; i < n; i++) {
        const struct probe_frame *f = &sc->frames[i];
        if (i > 0 && !sc->burst) {
            double wait = (int)i - 1 == brk ? s->cfg->timeout / 2 : FRAME_GAP;
            pump(s, net_now() + wait, UNTIL_REACTION);
            if (s->close_seen || s->eof || s->reset)
                break;
        }
        uint8_t buf[PROBE_MAX_PAYLOAD + 128], mask[4], pl[PROBE_MAX_PAYLOAD];
        random_bytes(mask, sizeof mask);
        size_t k = probe_frame_encode(f, &s->defl, mask, buf, sizeof buf);
        if (f->opcode == WSV_OP_PING)
            track_ping(s, pl, probe_frame_payload(f, pl, sizeof pl), brk >= 0 && (int)i >= brk);
        enum net_status st = k ? net_send(&s->net, s->cfg->net, buf, k) : NET_ERROR;
        if (st != NET_OK) {
            s->eof = st != NET_RESET;
            s->reset = st == NET_RESET;
            break;
        }
        s->sent++;
        s->sent_close |= f->opcode == WSV_OP_CLOSE;
        o->sent_close |= f->opcode == WSV_OP_CLOSE;
        if ((int)i == brk) {
            s->violated = true;
            o->breaking = brk;
        }
    }
}

/* Wait for the server's reaction. A server that neither fails nor shows it
 * went on gets the probe's own Ping: a Pong means it carried on. */
static void await_reaction(struct session *s, enum probe_expect e)
{
    double timeout = s->cfg->timeout;
    if (e == PROBE_ACCEPT) {
        pump(s, net_now() + timeout, UNTIL_PONGS);
        return;
    }
    pump(s, net_now() + timeout / 2, UNTIL_REACTION_OR_CARRIED);
    if (reached(s, UNTIL_REACTION_OR_CARRIED))
        return;
    if (s->sent_close) {
        pump(s, net_now() + timeout, UNTIL_REACTION);
        return;
    }
    track_ping(s, (const uint8_t *)LIVENESS, strlen(LIVENESS), true);
    if (send_frame(s, WSV_OP_PING, LIVENESS, strlen(LIVENESS)) == NET_OK)
        pump(s, net_now() + timeout, UNTIL_REACTION_OR_CARRIED);
}

/* After the connection ended. A Close that only answered the probe's own
 * closing Close is the server's reaction when the server had carried on
 * (observed_close shows it) or the row is legal; otherwise it came too late
 * to be one. */
static void observe(const struct session *s, enum probe_expect e, struct probe_obs *o)
{
    bool carried = s->pong_after || s->message_after;
    o->sent = s->sent;
    o->close = s->close_seen && (!s->close_is_answer || carried || e == PROBE_ACCEPT);
    o->close_has_code = s->close_has_code;
    o->close_code = s->close_code;
    o->close_after = s->close_after;
    snprintf(o->reason, sizeof o->reason, "%s", s->reason);
    o->eof = !s->close_seen && s->eof;
    o->reset = !s->close_seen && s->reset;
    o->pong_after = s->pong_after;
    o->message_after = s->message_after;
    for (unsigned i = 0; i < s->npings; i++) {
        o->pings += !s->pings[i].after;
        o->pongs_matched += !s->pings[i].after && s->pings[i].matched;
    }
    o->server_violations = s->violations;
    o->server_rule = s->first_rule;
}

void probe_run_scenario(const struct probe_config *cfg, const struct probe_scenario *sc,
                        struct probe_obs *o, struct probe_handshake *hs, uint16_t *local_port)
{
    static struct session s; /* 150 KiB of buffers: not on the stack */
    enum hs_result hr;
    memset(o, 0, sizeof *o);
    o->breaking = -1;
    o->server_rule = -1;
    enum probe_expect e = probe_expect(sc);
    bool opened =
        open_session(&s, cfg, hs, sc->request, sc->pmd, sc->name, &hr, o->err, sizeof o->err);
    *local_port = s.net.local_port;
    if (!opened) {
        net_close(&s.net);
        /* A bad request may be refused by closing: that is the reaction. */
        o->error = e != PROBE_REFUSE || hr == HS_FAILED;
        o->eof = hr == HS_EOF;
        o->reset = hr == HS_RESET;
        if (!o->error)
            o->err[0] = '\0';
        return;
    }
    if (e == PROBE_REFUSE || hs->status != 101) {
        o->http_status = hs->status;
        o->versions_listed = hs->res.has_versions;
        if (e != PROBE_REFUSE) {
            o->error = true;
            snprintf(o->err, sizeof o->err, "not a WebSocket endpoint: %.80s answered %.100s",
                     cfg->url->authority, hs->status_line);
        }
        if (hs->status == 101)
            finish(&s);
        else
            drain(&s);
        return;
    }
    if (sc->pmd && !hs->res.pmd.enabled) {
        o->skipped = true;
        snprintf(o->err, sizeof o->err, "skipped: server did not negotiate permessage-deflate");
        finish(&s);
        return;
    }
    send_frames(&s, sc, o);
    if (!s.close_seen && !s.eof && !s.reset)
        await_reaction(&s, e);
    finish(&s);
    observe(&s, e, o);
}

/* ---- Testing the connection ------------------------------------------------------ */

void probe_check_connection(const struct probe_config *cfg, bool no_deflate, struct probe_check *r)
{
    static struct session s;
    static const char text[] = "ws1002-probe: hello, \xe2\x82\xac 1";
    static const char ping[] = "ws1002-probe ping";
    enum hs_result hr;
    memset(r, 0, sizeof *r);
    r->server_rule = -1;
    bool opened = open_session(&s, cfg, &r->hs, PROBE_REQ_NORMAL, !no_deflate, NULL, &hr, r->err,
                               sizeof r->err);
    r->local_port = s.net.local_port;
    snprintf(r->tls_info, sizeof r->tls_info, "%s", s.net.tls_info);
    if (!opened) {
        net_close(&s.net);
        return;
    }
    if (r->hs.status != 101) {
        snprintf(r->err, sizeof r->err, "not a WebSocket endpoint: %.80s answered %.100s",
                 cfg->url->authority, r->hs.status_line);
        net_close(&s.net);
        return;
    }
    r->connected = true;
    /* The text message, compressed if the server agreed to. */
    struct probe_frame msg = {.used = true,
                              .opcode = WSV_OP_TEXT,
                              .rsv = r->hs.res.pmd.enabled ? 0x4 : 0,
                              .deflate = r->hs.res.pmd.enabled,
                              .data = text,
                              .len = sizeof text - 1};
    uint8_t buf[PROBE_MAX_PAYLOAD + 128], mask[4];
    random_bytes(mask, sizeof mask);
    size_t n = probe_frame_encode(&msg, &s.defl, mask, buf, sizeof buf);
    r->compressed = msg.deflate;
    /* The Ping right behind it. An echo may come after the Pong (websockets
     * answers Pings below the application): a quarter of the timeout more
     * for it, as not every server echoes. */
    double t0 = net_now();
    track_ping(&s, (const uint8_t *)ping, sizeof ping - 1, false);
    if (n && net_send(&s.net, cfg->net, buf, n) == NET_OK &&
        send_frame(&s, WSV_OP_PING, ping, sizeof ping - 1) == NET_OK) {
        pump(&s, t0 + cfg->timeout, UNTIL_PONGS);
        pump(&s, net_now() + cfg->timeout / 4, UNTIL_MESSAGE);
    }
    r->pong = s.pings[0].matched;
    r->pong_ms = r->pong ? s.last_at * 1000.0 : 0;
    if (s.messages > 0) {
        r->echo = true;
        r->echo_identical = s.last_len == sizeof text - 1 && memcmp(s.last, text, s.last_len) == 0;
        r->echo_ms = (s.msg_at - t0) * 1000.0;
    }
    finish(&s);
    r->close = s.close_seen;
    r->close_has_code = s.close_has_code;
    r->close_code = s.close_code;
    snprintf(r->reason, sizeof r->reason, "%s", s.reason);
    r->tcp_closed = s.eof;
    r->reset = s.reset;
    r->server_frames = s.frames;
    r->server_violations = s.violations;
    r->server_rule = s.first_rule;
}
