/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * --pcap: dumpcap records the run (a capture filter on the server's port),
 * started before the first connection and stopped cleanly after the last.
 */
#ifndef WS1002_PROBE_CAPTURE_H
#define WS1002_PROBE_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct capture {
    pid_t pid; /* 0: not running */
    int err_fd;
    char packets[32]; /* "Packets captured: N", once stopped */
};

/* Start dumpcap on interface iface with "tcp port PORT" into file, and wait
 * (bounded) until it captures. False with a one-line message in err when
 * dumpcap is missing, not permitted, or does not start. */
bool capture_start(struct capture *c, const char *file, const char *iface, uint16_t port, char *err,
                   size_t errlen);

/* Let the last packets arrive, stop dumpcap (SIGINT, bounded wait, then
 * SIGKILL) and reap it. False with err set if it did not end well. */
bool capture_stop(struct capture *c, char *err, size_t errlen);

#endif
