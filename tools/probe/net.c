/* SPDX-License-Identifier: GPL-2.0-or-later */
/* URLs, TCP and TLS for the probe. See net.h. */
#define _GNU_SOURCE /* getaddrinfo_a: a resolution that can time out */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

/* The one funnel for connection errors: the first message wins. */
__attribute__((format(printf, 3, 4))) static void net_fail(char *err, size_t errlen,
                                                           const char *fmt, ...)
{
    if (err[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

double net_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Milliseconds left until deadline, for poll(): at least 0. */
static int ms_left(double deadline)
{
    double left = deadline - net_now();
    return left <= 0 ? 0 : (int)(left * 1000.0) + 1;
}

/* ---- URLs ------------------------------------------------------------------ */

bool probe_url_parse(const char *s, struct probe_url *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof *u);
    err[0] = '\0';
    const char *p;
    if (strncasecmp(s, "ws://", 5) == 0) {
        p = s + 5;
    } else if (strncasecmp(s, "wss://", 6) == 0) {
        u->tls = true;
        p = s + 6;
    } else {
        net_fail(err, errlen, "%s: not a ws:// or wss:// URL", s);
        return false;
    }
    size_t auth = strcspn(p, "/?#");
    const char *end = p + auth, *host = p, *colon = NULL;
    size_t hostlen;
    if (memchr(p, '@', auth)) {
        net_fail(err, errlen, "%s: user information in the URL is not supported", s);
        return false;
    }
    if (*p == '[') {
        const char *close = memchr(p, ']', auth);
        if (!close) {
            net_fail(err, errlen, "%s: unclosed '[' in the host", s);
            return false;
        }
        host = p + 1;
        hostlen = (size_t)(close - host);
        if (close + 1 < end && close[1] != ':') {
            net_fail(err, errlen, "%s: junk after the IPv6 address", s);
            return false;
        }
        colon = close + 1 < end ? close + 1 : NULL;
    } else {
        colon = memchr(p, ':', auth);
        hostlen = colon ? (size_t)(colon - p) : auth;
    }
    if (hostlen == 0 || hostlen >= sizeof u->host) {
        net_fail(err, errlen, "%s: no host, or a host name too long", s);
        return false;
    }
    memcpy(u->host, host, hostlen);
    if (colon) {
        size_t plen = (size_t)(end - colon - 1);
        char *stop;
        unsigned long port = plen ? strtoul(colon + 1, &stop, 10) : 0;
        if (plen == 0 || plen > 5 || stop != end || port == 0 || port > 65535) {
            net_fail(err, errlen, "%s: the port must be a number from 1 to 65535", s);
            return false;
        }
        snprintf(u->port, sizeof u->port, "%lu", port);
    } else {
        snprintf(u->port, sizeof u->port, "%s", u->tls ? "443" : "80");
    }
    /* The fragment is never sent (RFC 6455 §3: "#" is not allowed). */
    size_t plen = strcspn(end, "#");
    if (plen >= sizeof u->path) {
        net_fail(err, errlen, "%s: the path is too long", s);
        return false;
    }
    snprintf(u->path, sizeof u->path, "%s%.*s", *end == '/' ? "" : "/", (int)plen, end);
    bool v6 = strchr(u->host, ':') != NULL;
    bool default_port = strcmp(u->port, u->tls ? "443" : "80") == 0;
    snprintf(u->authority, sizeof u->authority, "%s%s%s%s%s", v6 ? "[" : "", u->host, v6 ? "]" : "",
             default_port ? "" : ":", default_port ? "" : u->port);
    return true;
}

/* ---- Resolution and TLS set-up ---------------------------------------------- */

static FILE *keylog_file;

/* OpenSSL hands over one SSLKEYLOGFILE line per secret (NSS key log format,
 * which Wireshark reads with tls.keylog_file). */
static void keylog_line(const SSL *ssl, const char *line)
{
    (void)ssl;
    if (keylog_file) {
        fprintf(keylog_file, "%s\n", line);
        fflush(keylog_file);
    }
}

static bool tls_init(struct net_ctx *x, char *err, size_t errlen)
{
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        net_fail(err, errlen, "cannot set up TLS: %s", ERR_reason_error_string(ERR_get_error()));
        return false;
    }
    x->tls = ctx;
    /* A server that drops TCP without close_notify ended the connection;
     * that is a finding about WebSocket, not a TLS error. */
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (!x->cfg.insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
        int ok = x->cfg.cafile ? SSL_CTX_load_verify_locations(ctx, x->cfg.cafile, NULL)
                               : SSL_CTX_set_default_verify_paths(ctx);
        if (!ok) {
            net_fail(err, errlen, "cannot load the trusted certificates%s%s: %s",
                     x->cfg.cafile ? " from " : "", x->cfg.cafile ? x->cfg.cafile : "",
                     ERR_reason_error_string(ERR_get_error()));
            return false;
        }
    }
    /* HTTP/1.1 is what the Upgrade needs; it also tells Wireshark what the
     * decrypted bytes are. */
    static const unsigned char alpn[] = "\x08http/1.1";
    SSL_CTX_set_alpn_protos(ctx, alpn, sizeof alpn - 1);
    if (x->cfg.keylog) {
        keylog_file = fopen(x->cfg.keylog, "a");
        if (!keylog_file) {
            net_fail(err, errlen, "--keylog %s: %s", x->cfg.keylog, strerror(errno));
            return false;
        }
        SSL_CTX_set_keylog_callback(ctx, keylog_line);
    }
    return true;
}

static bool is_loopback(const struct sockaddr_storage *a)
{
    if (a->ss_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
    if (a->ss_family == AF_INET6)
        return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)a)->sin6_addr);
    return false;
}

bool net_ctx_init(struct net_ctx *x, const struct net_config *cfg, const struct probe_url *url,
                  char *err, size_t errlen)
{
    memset(x, 0, sizeof *x);
    err[0] = '\0';
    x->cfg = *cfg;
    x->url = url;
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct gaicb req = {.ar_name = url->host, .ar_service = url->port, .ar_request = &hints};
    struct gaicb *list[1] = {&req};
    int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
    if (rc == 0) {
        double deadline = net_now() + cfg->timeout;
        const struct gaicb *wait[1] = {&req};
        while ((rc = gai_error(&req)) == EAI_INPROGRESS && net_now() < deadline) {
            double left = deadline - net_now();
            struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
            gai_suspend(wait, 1, &ts);
        }
        if (rc == EAI_INPROGRESS) {
            gai_cancel(&req);
            net_fail(err, errlen, "cannot resolve %s: no answer within %.1f s", url->host,
                     cfg->timeout);
            return false;
        }
    }
    if (rc != 0) {
        net_fail(err, errlen, "cannot resolve %s: %s", url->host, gai_strerror(rc));
        return false;
    }
    memcpy(&x->addr, req.ar_result->ai_addr, req.ar_result->ai_addrlen);
    x->addrlen = req.ar_result->ai_addrlen;
    freeaddrinfo(req.ar_result);
    x->loopback = is_loopback(&x->addr);
    const void *raw = x->addr.ss_family == AF_INET
                          ? (const void *)&((const struct sockaddr_in *)&x->addr)->sin_addr
                          : (const void *)&((const struct sockaddr_in6 *)&x->addr)->sin6_addr;
    inet_ntop(x->addr.ss_family, raw, x->addr_text, sizeof x->addr_text);
    x->port = (uint16_t)atoi(url->port);
    return !url->tls || tls_init(x, err, errlen);
}

void net_ctx_free(struct net_ctx *x)
{
    SSL_CTX_free(x->tls);
    x->tls = NULL;
    if (keylog_file) {
        fclose(keylog_file);
        keylog_file = NULL;
    }
}

/* ---- Connections -------------------------------------------------------------- */

/* Wait for fd to become readable (events POLLIN) or writable (POLLOUT). */
static bool wait_fd(int fd, short events, double deadline)
{
    struct pollfd p = {.fd = fd, .events = events};
    int rc;
    do {
        rc = poll(&p, 1, ms_left(deadline));
    } while (rc < 0 && errno == EINTR);
    return rc > 0;
}

/* The newest OpenSSL error as text, and why a certificate was refused. */
static void tls_error(struct net_conn *c, const struct net_ctx *x, const char *what, int ret)
{
    SSL *ssl = c->tls;
    long verify = SSL_get_verify_result(ssl);
    unsigned long e = ERR_peek_last_error();
    const char *host = x->url->host;
    if (verify != X509_V_OK && !x->cfg.insecure) {
        net_fail(c->err, sizeof c->err,
                 "TLS handshake with %s:%u failed: certificate not accepted: %s (--insecure skips "
                 "the check, --cafile adds a trusted CA)",
                 host, x->port, X509_verify_cert_error_string(verify));
    } else if (e) {
        char buf[160];
        ERR_error_string_n(e, buf, sizeof buf);
        const char *reason = ERR_reason_error_string(e);
        net_fail(c->err, sizeof c->err, "TLS %s with %s:%u failed: %s%s", what, host, x->port,
                 reason ? reason : buf,
                 ERR_GET_REASON(e) == SSL_R_WRONG_VERSION_NUMBER ||
                         ERR_GET_REASON(e) == SSL_R_PACKET_LENGTH_TOO_LONG
                     ? " (is it a TLS port?)"
                     : "");
    } else if (ret == 0 || errno == 0) {
        net_fail(c->err, sizeof c->err,
                 "TLS %s with %s:%u failed: the server closed the connection (is it a TLS port?)",
                 what, host, x->port);
    } else {
        net_fail(c->err, sizeof c->err, "TLS %s with %s:%u failed: %s", what, host, x->port,
                 strerror(errno));
    }
    ERR_clear_error();
}

static enum net_status tls_connect(struct net_conn *c, const struct net_ctx *x)
{
    SSL *ssl = SSL_new(x->tls);
    if (!ssl) {
        net_fail(c->err, sizeof c->err, "cannot set up TLS");
        return NET_ERROR;
    }
    c->tls = ssl;
    SSL_set_fd(ssl, c->fd);
    const char *host = x->url->host;
    unsigned char ip[16];
    bool literal = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
    /* SNI carries names only (RFC 6066 §3); the certificate must match the
     * name, or the address for an IP literal. */
    if (!literal)
        SSL_set_tlsext_host_name(ssl, host);
    if (!x->cfg.insecure) {
        X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
        if (literal)
            X509_VERIFY_PARAM_set1_ip_asc(vp, host);
        else
            SSL_set1_host(ssl, host);
    }
    double deadline = net_now() + x->cfg.timeout;
    for (;;) {
        ERR_clear_error();
        errno = 0;
        int ret = SSL_connect(ssl);
        if (ret == 1)
            break;
        int e = SSL_get_error(ssl, ret);
        short ev = e == SSL_ERROR_WANT_READ ? POLLIN : e == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
        if (!ev) {
            tls_error(c, x, "handshake", ret);
            return NET_ERROR;
        }
        if (!wait_fd(c->fd, ev, deadline)) {
            net_fail(c->err, sizeof c->err, "TLS handshake with %s:%u: no answer within %.1f s",
                     host, x->port, x->cfg.timeout);
            return NET_TIMEOUT;
        }
    }
    snprintf(c->tls_info, sizeof c->tls_info, "%s, %s, %s", SSL_get_version(ssl),
             SSL_get_cipher_name(ssl),
             x->cfg.insecure ? "certificate not checked (--insecure)" : "certificate verified");
    return NET_OK;
}

enum net_status net_connect(struct net_conn *c, const struct net_ctx *x)
{
    memset(c, 0, sizeof *c);
    c->fd = socket(x->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        net_fail(c->err, sizeof c->err, "socket: %s", strerror(errno));
        return NET_ERROR;
    }
    /* Each frame its own segment, as the scenarios send them. */
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    const char *host = x->url->host;
    if (connect(c->fd, (const struct sockaddr *)&x->addr, x->addrlen) != 0) {
        if (errno != EINPROGRESS) {
            net_fail(c->err, sizeof c->err, "cannot connect to %s port %u: %s", host, x->port,
                     errno == ECONNREFUSED ? "connection refused" : strerror(errno));
            return NET_ERROR;
        }
        if (!wait_fd(c->fd, POLLOUT, net_now() + x->cfg.timeout)) {
            net_fail(c->err, sizeof c->err, "cannot connect to %s port %u: no answer within %.1f s",
                     host, x->port, x->cfg.timeout);
            return NET_TIMEOUT;
        }
        int soerr = 0;
        socklen_t len = sizeof soerr;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len);
        if (soerr) {
            net_fail(c->err, sizeof c->err, "cannot connect to %s port %u: %s", host, x->port,
                     soerr == ECONNREFUSED ? "connection refused" : strerror(soerr));
            return NET_ERROR;
        }
    }
    struct sockaddr_storage local;
    socklen_t len = sizeof local;
    if (getsockname(c->fd, (struct sockaddr *)&local, &len) == 0)
        c->local_port =
            ntohs(local.ss_family == AF_INET ? ((struct sockaddr_in *)&local)->sin_port
                                             : ((struct sockaddr_in6 *)&local)->sin6_port);
    return x->url->tls ? tls_connect(c, x) : NET_OK;
}

enum net_status net_send(struct net_conn *c, const struct net_ctx *x, const void *p, size_t n)
{
    const uint8_t *b = p;
    double deadline = net_now() + x->cfg.timeout;
    while (n > 0) {
        ssize_t k;
        short ev = POLLOUT;
        if (c->tls) {
            ERR_clear_error();
            int ret = SSL_write(c->tls, b, (int)(n > (1u << 30) ? 1u << 30 : n));
            k = ret;
            if (ret <= 0) {
                int e = SSL_get_error(c->tls, ret);
                if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                    return errno == ECONNRESET ? NET_RESET : errno == EPIPE ? NET_EOF : NET_ERROR;
                ev = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
            }
        } else {
            k = send(c->fd, b, n, MSG_NOSIGNAL);
            if (k < 0 && errno != EAGAIN && errno != EINTR)
                return errno == ECONNRESET ? NET_RESET : errno == EPIPE ? NET_EOF : NET_ERROR;
        }
        if (k > 0) {
            b += k;
            n -= (size_t)k;
        } else if (!wait_fd(c->fd, ev, deadline)) {
            return NET_TIMEOUT;
        }
    }
    return NET_OK;
}

enum net_status net_recv(struct net_conn *c, void *buf, size_t cap, size_t *got, double deadline)
{
    *got = 0;
    for (;;) {
        short ev = POLLIN;
        if (c->tls) {
            ERR_clear_error();
            errno = 0;
            int ret = SSL_read(c->tls, buf, (int)(cap > (1u << 30) ? 1u << 30 : cap));
            if (ret > 0) {
                *got = (size_t)ret;
                return NET_OK;
            }
            int e = SSL_get_error(c->tls, ret);
            if (e == SSL_ERROR_ZERO_RETURN)
                return NET_EOF;
            if (e == SSL_ERROR_SYSCALL)
                return errno == ECONNRESET ? NET_RESET : NET_EOF;
            if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
                return NET_ERROR;
            ev = e == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN;
        } else {
            ssize_t k = recv(c->fd, buf, cap, 0);
            if (k > 0) {
                *got = (size_t)k;
                return NET_OK;
            }
            if (k == 0)
                return NET_EOF;
            if (errno == ECONNRESET)
                return NET_RESET;
            if (errno != EAGAIN && errno != EINTR)
                return NET_ERROR;
        }
        if (!wait_fd(c->fd, ev, deadline))
            return NET_TIMEOUT;
    }
}

void net_close(struct net_conn *c)
{
    if (c->tls) {
        /* One try at close_notify; the socket is non-blocking. */
        SSL_shutdown(c->tls);
        SSL_free(c->tls);
        c->tls = NULL;
    }
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
}
