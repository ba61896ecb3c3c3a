/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The probe's network side: ws:// and wss:// URLs, name resolution, TCP and
 * TLS (OpenSSL), every step bounded by the configured timeout. Failures end
 * up as one line of English in the connection's err (net_fail() is the one
 * funnel), ready to be printed after "ws1002-probe: ".
 */
#ifndef WS1002_PROBE_NET_H
#define WS1002_PROBE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct probe_url {
    bool tls;            /* wss:// */
    char host[256];      /* without IPv6 brackets */
    char port[8];        /* "80" / "443" when not given */
    char path[2048];     /* request-target, "/" when not given */
    char authority[300]; /* for the Host header: host[:port], IPv6 in brackets */
};

/* False (with a message in err) if s is not a ws:// or wss:// URL. */
bool probe_url_parse(const char *s, struct probe_url *u, char *err, size_t errlen);

struct net_config {
    double timeout;     /* seconds, for each step (resolve, connect, TLS, each read) */
    bool insecure;      /* do not verify the server's certificate */
    const char *cafile; /* trust these CAs instead of the system's */
    const char *keylog; /* append TLS secrets here (SSLKEYLOGFILE format) */
};

/* What every connection of a run shares: the address (resolved once) and the
 * TLS context. Zero-initialisable; net_ctx_free releases it. */
struct net_ctx {
    struct net_config cfg;
    const struct probe_url *url;
    struct sockaddr_storage addr;
    socklen_t addrlen;
    bool loopback;      /* the address is 127.0.0.0/8 or ::1 */
    char addr_text[64]; /* "127.0.0.1" */
    uint16_t port;
    void *tls; /* SSL_CTX */
};

/* Resolve the URL's host (bounded) and set up TLS. False with err set. */
bool net_ctx_init(struct net_ctx *x, const struct net_config *cfg, const struct probe_url *url,
                  char *err, size_t errlen);
void net_ctx_free(struct net_ctx *x);

enum net_status {
    NET_OK,
    NET_TIMEOUT,
    NET_EOF,   /* the peer closed (TCP FIN, or TLS close_notify) */
    NET_RESET, /* TCP RST */
    NET_ERROR, /* anything else: err says what */
};

struct net_conn {
    int fd;    /* -1 when closed; net_connect sets it */
    void *tls; /* SSL */
    uint16_t local_port;
    char tls_info[96]; /* "TLS 1.3, TLS_AES_256_GCM_SHA384, certificate verified" */
    char err[256];
};

/* Monotonic clock, seconds. */
double net_now(void);

/* TCP connect, then the TLS handshake for wss://. */
enum net_status net_connect(struct net_conn *c, const struct net_ctx *x);
/* Send all n bytes (bounded by the timeout). */
enum net_status net_send(struct net_conn *c, const struct net_ctx *x, const void *p, size_t n);
/* Receive what is there, waiting until deadline (net_now() based) at most. */
enum net_status net_recv(struct net_conn *c, void *buf, size_t cap, size_t *got, double deadline);
void net_close(struct net_conn *c);

#endif
