/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One WebSocket connection of the probe, as a client: the opening handshake
 * (the request written here, the 101 judged by the core's handshake
 * checks), frames sent from the scenario table, and the server's frames read
 * back through the validator core, so that a Close's code and reason are
 * parsed exactly as the plugin parses them and any rule the server itself
 * breaks is reported. Every wait is bounded by the timeout.
 */
#ifndef WS1002_PROBE_SESSION_H
#define WS1002_PROBE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wsv/wsv_handshake.h>

#include "net.h"
#include "scenarios.h"
#include "verdict.h"

struct probe_config {
    const struct net_ctx *net;
    const struct probe_url *url;
    double timeout;        /* seconds, each wait */
    const char *protocols; /* Sec-WebSocket-Protocol to offer, or NULL */
    const char *origin;
    const char *const *headers;
    size_t nheaders;
};

#define PROBE_MAX_FINDINGS 8

/* The opening handshake as the probe saw it. */
struct probe_handshake {
    uint16_t status;
    char status_line[160];
    struct wsv_hs_result res; /* what was negotiated, per the core */
    unsigned nfindings;       /* handshake rules the response breaks */
    struct {
        enum wsv_rule rule;
        enum wsv_hs_why why;
    } findings[PROBE_MAX_FINDINGS];
};

/* Run one scenario on its own connection. Fills the observation, the
 * handshake and the local TCP port (0 if none). */
void probe_run_scenario(const struct probe_config *cfg, const struct probe_scenario *sc,
                        struct probe_obs *obs, struct probe_handshake *hs, uint16_t *local_port);

/* "Test the connection": the handshake (permessage-deflate offered unless
 * no_deflate), one text message and one Ping, their answers checked, then
 * a clean close. */
struct probe_check {
    bool connected; /* false: err says why (exit status 2) */
    char err[256];
    char tls_info[96];
    uint16_t local_port;
    struct probe_handshake hs;
    /* The text message and the Ping. */
    bool compressed;
    bool echo, echo_identical;
    double echo_ms;
    bool pong; /* answered with the Ping's own payload */
    double pong_ms;
    /* The close: what the server answered, and whether it closed TCP. */
    bool close;
    bool close_has_code;
    uint16_t close_code;
    char reason[128];
    bool tcp_closed, reset;
    unsigned server_frames, server_violations;
    int server_rule; /* the first rule the server's frames break, -1: none */
};

void probe_check_connection(const struct probe_config *cfg, bool no_deflate, struct probe_check *r);

#endif
