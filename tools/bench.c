/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws1002_bench: throughput of the validator core, beside a memcpy of the same
 * buffer and, when built with libwslay, wslay's event layer (the reference C
 * implementation, which also validates the UTF-8 of text messages).
 *
 * Generates a stream of client frames (masked) of mixed kinds and sizes,
 * twice: once with mostly-ASCII text, once with multibyte-heavy text. The
 * stream is valid, so every reader must reach its end; the benchmark checks
 * the frame and message counts instead of trusting the timings.
 */
#define _POSIX_C_SOURCE 200809L

#include "wsv/wsv.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef WS1002_HAVE_WSLAY
#include <sys/types.h>
#include <wslay/wslay.h>
#endif

struct params {
    size_t size;  /* bytes of stream to generate */
    size_t chunk; /* bytes per wsv_conn_feed call */
    int runs;
    uint64_t seed;
    bool wslay;
    bool ascii, multibyte; /* which streams to run */
};

/* ---- Deterministic generator ------------------------------------------- */

struct rng {
    uint64_t s;
};

/* splitmix64: tiny, and good enough for test data. */
static uint64_t rnd(struct rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t below(struct rng *r, uint64_t n)
{
    return rnd(r) % n;
}

static uint64_t between(struct rng *r, uint64_t lo, uint64_t hi)
{
    return lo + below(r, hi - lo + 1);
}

static size_t put_cp(uint8_t *p, uint32_t cp)
{
    if (cp < 0x80) {
        p[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        p[0] = (uint8_t)(0xC0 | cp >> 6);
        p[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        p[0] = (uint8_t)(0xE0 | cp >> 12);
        p[1] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
        p[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    p[0] = (uint8_t)(0xF0 | cp >> 18);
    p[1] = (uint8_t)(0x80 | (cp >> 12 & 0x3F));
    p[2] = (uint8_t)(0x80 | (cp >> 6 & 0x3F));
    p[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

#define POOL_SIZE (4u << 20)
#define MAX_MSG   (512u << 10)

/* JSON-like chat traffic: ASCII words, with about one accented letter, euro
 * sign, dash or emoji per 250 bytes. */
static size_t make_ascii_pool(uint8_t *pool, struct rng *r)
{
    static const char *const words[] = {
        "{\"id\":",  "\"user\":", "\"text\":", "hello", "the",    "message", "status", "ok",
        "true},",    "false,",    "null",      "42,",   "3.1415", "stream",  "frame",  "and",
        "websocket", "payload",   "of",        "to",    "data",   "[1,2,3]", "value",  "event",
    };
    static const uint32_t rare[] = {0xE9, 0xFC, 0xF1, 0x20AC, 0x2014, 0x1F600, 0x1F44D};
    size_t n = 0;
    while (n < POOL_SIZE - 16) {
        if (below(r, 40) == 0)
            n += put_cp(pool + n, rare[below(r, sizeof rare / sizeof rare[0])]);
        const char *w = words[below(r, sizeof words / sizeof words[0])];
        size_t len = strlen(w);
        if (n + len + 1 > POOL_SIZE - 16)
            break;
        memcpy(pool + n, w, len);
        n += len;
        pool[n++] = ' ';
    }
    return n;
}

/* Chat in Russian, Chinese and emoji: mostly 2- and 3-byte sequences, some
 * 4-byte ones, ASCII only for spaces, digits and punctuation. */
static size_t make_multibyte_pool(uint8_t *pool, struct rng *r)
{
    size_t n = 0;
    while (n < POOL_SIZE - 64) {
        uint64_t kind = below(r, 20);
        uint64_t count = between(r, 2, 8);
        for (uint64_t i = 0; i < count; i++) {
            if (kind < 8) /* Cyrillic */
                n += put_cp(pool + n, (uint32_t)between(r, 0x410, 0x44F));
            else if (kind < 15) /* CJK */
                n += put_cp(pool + n, (uint32_t)between(r, 0x4E00, 0x9FFF));
            else if (kind < 18) /* emoji */
                n += put_cp(pool + n, (uint32_t)between(r, 0x1F300, 0x1F64F));
            else /* digits, punctuation */
                n += put_cp(pool + n, (uint32_t)between(r, 0x21, 0x3F));
        }
        pool[n++] = ' ';
    }
    return n;
}

struct stream {
    uint8_t *buf;
    size_t len;
    uint64_t frames, text, binary, ping, pong, fragmented;
    uint64_t text_bytes, binary_bytes;
};

static uint8_t *put_frame(uint8_t *p, struct rng *r, bool fin, unsigned op, const uint8_t *data,
                          size_t len)
{
    uint8_t mask[4];
    uint32_t key = (uint32_t)rnd(r);
    *p++ = (uint8_t)((fin ? 0x80 : 0) | op);
    if (len < 126) {
        *p++ = (uint8_t)(0x80 | len);
    } else if (len < 65536) {
        *p++ = 0x80 | 126;
        *p++ = (uint8_t)(len >> 8);
        *p++ = (uint8_t)len;
    } else {
        *p++ = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            *p++ = (uint8_t)((uint64_t)len >> (8 * i));
    }
    memcpy(mask, &key, 4);
    memcpy(p, mask, 4);
    p += 4;
    for (size_t i = 0; i < len; i++)
        p[i] = data[i] ^ mask[i & 3];
    return p + len;
}

/* A slice of the pool that starts and ends on code point boundaries. */
static const uint8_t *text_slice(const uint8_t *pool, size_t pool_len, struct rng *r, size_t *len)
{
    size_t start = below(r, pool_len - *len);
    while ((pool[start] & 0xC0) == 0x80)
        start++;
    size_t end = start + *len;
    while (end < pool_len && (pool[end] & 0xC0) == 0x80)
        end--;
    *len = end - start;
    return pool + start;
}

/* Message sizes: half are chat-sized, a few are large uploads. */
static size_t message_size(struct rng *r)
{
    uint64_t k = below(r, 100);
    if (k < 50)
        return between(r, 0, 256);
    if (k < 80)
        return between(r, 257, 4096);
    if (k < 97)
        return between(r, 4097, 65536);
    return between(r, 65537, MAX_MSG);
}

static void generate(struct stream *s, size_t size, bool multibyte, uint64_t seed)
{
    struct rng r = {seed};
    uint8_t *text = malloc(POOL_SIZE), *bin = malloc(POOL_SIZE);
    if (!text || !bin) {
        fprintf(stderr, "ws1002_bench: out of memory\n");
        exit(2);
    }
    size_t text_len = multibyte ? make_multibyte_pool(text, &r) : make_ascii_pool(text, &r);
    for (size_t i = 0; i < POOL_SIZE; i++)
        bin[i] = (uint8_t)rnd(&r);

    memset(s, 0, sizeof *s);
    s->buf = malloc(size);
    if (!s->buf) {
        fprintf(stderr, "ws1002_bench: cannot allocate %zu bytes\n", size);
        exit(2);
    }
    uint8_t *p = s->buf, *end = s->buf + size;
    for (;;) {
        uint64_t kind = below(&r, 100);
        bool is_text = kind < 72 || (kind >= 82 && kind < 90);
        size_t len = kind >= 92 ? (size_t)below(&r, 126) : message_size(&r);
        const uint8_t *data =
            is_text ? text_slice(text, text_len, &r, &len) : bin + below(&r, POOL_SIZE - len);
        /* room for the payload and up to 6 fragments with a Ping after each */
        if ((size_t)(end - p) < len + 12 * (14 + 125))
            break;
        if (kind < 82) { /* single-frame text (72%) or binary (10%) */
            p = put_frame(p, &r, true, is_text ? WSV_OP_TEXT : WSV_OP_BINARY, data, len);
            s->frames++;
        } else if (kind < 92) { /* fragmented text (8%) or binary (2%) */
            unsigned nfrag = (unsigned)between(&r, 2, 6);
            size_t cuts[6];
            for (unsigned i = 0; i < nfrag - 1; i++) {
                size_t c = (size_t)below(&r, len + 1), j = i;
                for (; j > 0 && cuts[j - 1] > c; j--)
                    cuts[j] = cuts[j - 1];
                cuts[j] = c;
            }
            cuts[nfrag - 1] = len;
            size_t at = 0;
            for (unsigned i = 0; i < nfrag; i++) {
                unsigned op = i ? WSV_OP_CONT : is_text ? WSV_OP_TEXT : WSV_OP_BINARY;
                /* cuts land anywhere, inside code points too (legal) */
                p = put_frame(p, &r, i == nfrag - 1, op, data + at, cuts[i] - at);
                at = cuts[i];
                s->frames++;
                if (i < nfrag - 1 && below(&r, 4) == 0) {
                    p = put_frame(p, &r, true, WSV_OP_PING, text, 8);
                    s->frames++;
                    s->ping++;
                }
            }
            s->fragmented++;
        } else { /* Ping (6%) or unsolicited Pong (2%) */
            bool ping = kind < 98;
            p = put_frame(p, &r, true, ping ? WSV_OP_PING : WSV_OP_PONG, data, len);
            s->frames++;
            if (ping)
                s->ping++;
            else
                s->pong++;
            continue;
        }
        if (is_text) {
            s->text++;
            s->text_bytes += len;
        } else {
            s->binary++;
            s->binary_bytes += len;
        }
    }
    s->len = (size_t)(p - s->buf);
    free(text);
    free(bin);
}

/* ---- Readers under test ------------------------------------------------- */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct core_count {
    uint64_t frames, violations;
    struct wsv_violation first;
};

static void core_frame(void *user, const struct wsv_frame *f)
{
    (void)f;
    ((struct core_count *)user)->frames++;
}

static void core_violation(void *user, const struct wsv_frame *f, const struct wsv_violation *v)
{
    struct core_count *c = user;
    (void)f;
    if (c->violations++ == 0)
        c->first = *v;
}

static double run_core(const struct stream *s, size_t chunk, struct core_count *count)
{
    static const struct wsv_callbacks cb = {core_frame, core_violation, NULL};
    struct wsv_config cfg = {.role = {WSV_ROLE_CLIENT, WSV_ROLE_SERVER}};
    struct wsv_conn conn;
    memset(count, 0, sizeof *count);
    double t0 = now();
    wsv_conn_init(&conn, &cfg);
    for (size_t off = 0; off < s->len; off += chunk) {
        size_t n = s->len - off < chunk ? s->len - off : chunk;
        wsv_conn_feed(&conn, 0, s->buf + off, n, &cb, count);
    }
    return now() - t0;
}

static double run_memcpy(const struct stream *s, uint8_t *dst)
{
    double t0 = now();
    memcpy(dst, s->buf, s->len);
    double t = now() - t0;
    /* keep the copy observable */
    if (dst[s->len / 2] != s->buf[s->len / 2])
        abort();
    return t;
}

#ifdef WS1002_HAVE_WSLAY
struct wl {
    const uint8_t *buf;
    size_t len, pos;
    uint64_t msgs;
};

static ssize_t wl_recv(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
    struct wl *w = user;
    (void)flags;
    size_t n = w->len - w->pos < len ? w->len - w->pos : len;
    if (n == 0) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    memcpy(buf, w->buf + w->pos, n);
    w->pos += n;
    return (ssize_t)n;
}

static ssize_t wl_send(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
                       void *user)
{
    (void)ctx, (void)data, (void)flags, (void)user;
    return (ssize_t)len;
}

static void wl_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *arg,
                   void *user)
{
    (void)ctx, (void)arg;
    ((struct wl *)user)->msgs++;
}

/* wslay as a server reading its client: the frame layer pulls 4 KiB at a
 * time through recv_callback. Returns the time, -1 if wslay stopped early. */
static double run_wslay(const struct stream *s, bool no_buffering, uint64_t *msgs)
{
    struct wslay_event_callbacks cb = {wl_recv, wl_send, NULL, NULL, NULL, NULL, wl_msg};
    struct wl w = {s->buf, s->len, 0, 0};
    wslay_event_context_ptr ctx;
    if (wslay_event_context_server_init(&ctx, &cb, &w) != 0)
        return -1;
    wslay_event_config_set_max_recv_msg_length(ctx, UINT64_MAX);
    wslay_event_config_set_no_buffering(ctx, no_buffering);
    double t0 = now();
    int rv = wslay_event_recv(ctx);
    double t = now() - t0;
    bool ok = rv == 0 && wslay_event_get_read_enabled(ctx) && w.pos == s->len;
    wslay_event_context_free(ctx);
    *msgs = w.msgs;
    return ok ? t : -1;
}
#endif

/* ---- Report -------------------------------------------------------------- */

static double gbps(size_t bytes, double t)
{
    return (double)bytes / t / 1e9;
}

static double best(double a, double b)
{
    return a < 0 || (b >= 0 && b < a) ? b : a;
}

static int bench(const char *title, bool multibyte, double target, const struct params *prm)
{
    struct stream s;
    generate(&s, prm->size, multibyte, prm->seed);
    printf("%s: %.1f MiB, %" PRIu64 " frames: %" PRIu64 " text (%.0f MiB), %" PRIu64
           " binary (%.0f MiB), %" PRIu64 " of them fragmented, %" PRIu64 " ping, %" PRIu64
           " pong\n",
           title, (double)s.len / (1 << 20), s.frames, s.text, (double)s.text_bytes / (1 << 20),
           s.binary, (double)s.binary_bytes / (1 << 20), s.fragmented, s.ping, s.pong);

    uint8_t *dst = malloc(s.len);
    if (!dst) {
        fprintf(stderr, "ws1002_bench: out of memory\n");
        exit(2);
    }
    memset(dst, 0, s.len); /* fault the pages in before timing */

    double t_copy = -1, t_core = -1;
#ifdef WS1002_HAVE_WSLAY
    double t_wslay = -1, t_wslay_nb = -1;
    uint64_t wslay_msgs = 0, wslay_nb_msgs = 0;
#endif
    int status = 0;
    for (int run = 0; run < prm->runs; run++) {
        struct core_count count;
        t_copy = best(t_copy, run_memcpy(&s, dst));
        t_core = best(t_core, run_core(&s, prm->chunk, &count));
        if (count.frames != s.frames || count.violations != 0) {
            const struct wsv_rule_info *ri = wsv_rule_get(count.first.rule);
            fprintf(stderr,
                    "ws1002_bench: the core saw %" PRIu64 " of %" PRIu64 " frames and %" PRIu64
                    " violations (first: %s at offset %" PRIu64 ", frame %" PRIu64 ")\n",
                    count.frames, s.frames, count.violations, ri ? ri->id : "-", count.first.offset,
                    count.first.frame_index);
            status = 1;
            break;
        }
#ifdef WS1002_HAVE_WSLAY
        if (prm->wslay) {
            t_wslay = best(t_wslay, run_wslay(&s, false, &wslay_msgs));
            t_wslay_nb = best(t_wslay_nb, run_wslay(&s, true, &wslay_nb_msgs));
        }
#endif
    }
    free(dst);
    free(s.buf);
    if (status)
        return status;

    printf("  %-22s %7.2f GB/s\n", "memcpy", gbps(s.len, t_copy));
    printf("  %-22s %7.2f GB/s %8.2f Mframes/s  %5.2fx memcpy\n", "core (wsv_conn_feed)",
           gbps(s.len, t_core), (double)s.frames / t_core / 1e6, t_copy / t_core);
    if (!prm->wslay)
        return 0;
#ifdef WS1002_HAVE_WSLAY
    uint64_t messages = s.text + s.binary + s.ping + s.pong;
    const char *names[2] = {"wslay", "wslay (no buffering)"};
    double times[2] = {t_wslay, t_wslay_nb};
    uint64_t counts[2] = {wslay_msgs, wslay_nb_msgs};
    for (int i = 0; i < 2; i++) {
        if (times[i] < 0 || counts[i] != messages) {
            printf("  %-22s stopped early: %" PRIu64 " of %" PRIu64 " messages\n", names[i],
                   counts[i], messages);
            status = 1;
            continue;
        }
        double ratio = times[i] / t_core;
        printf("  %-22s %7.2f GB/s %8.2f Mframes/s  %5.2fx memcpy  core/wslay %.2fx (target "
               "%.1fx: %s), %" PRIu64 " of %" PRIu64 " messages\n",
               names[i], gbps(s.len, times[i]), (double)s.frames / times[i] / 1e6,
               t_copy / times[i], ratio, target, ratio >= target ? "met" : "NOT met", counts[i],
               messages);
    }
#else
    (void)target;
    printf("  wslay: not built in (install libwslay-dev and reconfigure)\n");
#endif
    return status;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"size", required_argument, NULL, 's'},  {"runs", required_argument, NULL, 'n'},
        {"chunk", required_argument, NULL, 'c'}, {"seed", required_argument, NULL, 'S'},
        {"no-wslay", no_argument, NULL, 'W'},    {"text", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    struct params prm = {256u << 20, 64u << 10, 5, 1002, true, true, true};
    int c;
    while ((c = getopt_long(argc, argv, "s:n:c:S:Wt:h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            prm.size = (size_t)strtoul(optarg, NULL, 10) << 20;
            break;
        case 'n':
            prm.runs = atoi(optarg);
            break;
        case 'c':
            prm.chunk = (size_t)strtoul(optarg, NULL, 10) << 10;
            break;
        case 'S':
            prm.seed = strtoull(optarg, NULL, 10);
            break;
        case 'W':
            prm.wslay = false;
            break;
        case 't':
            prm.ascii = strcmp(optarg, "multibyte") != 0;
            prm.multibyte = strcmp(optarg, "ascii") != 0;
            break;
        case 'h':
            printf("Usage: ws1002_bench [--size MiB] [--runs N] [--chunk KiB] [--seed N] "
                   "[--no-wslay] [--text ascii|multibyte]\n"
                   "Defaults: 256 MiB, best of 5 runs, 64 KiB chunks, both kinds of text.\n");
            return 0;
        default:
            fprintf(stderr, "ws1002_bench: bad option (see --help)\n");
            return 2;
        }
    }
    if (prm.size < (16u << 20) || prm.runs < 1 || prm.chunk == 0) {
        fprintf(stderr, "ws1002_bench: need --size >= 16, --runs >= 1, --chunk >= 1\n");
        return 2;
    }
#ifndef WS1002_HAVE_WSLAY
    prm.wslay = false;
#endif
    printf("ws1002_bench: client-to-server streams (masked frames), %zu KiB chunks, best of %d "
           "runs; GB = 1e9 bytes\n",
           prm.chunk >> 10, prm.runs);
    int status = 0;
    if (prm.ascii)
        status |= bench("mostly-ASCII text", false, 8.0, &prm);
    if (prm.multibyte)
        status |= bench("multibyte-heavy text", true, 1.5, &prm);
    return status;
}
