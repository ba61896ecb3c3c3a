/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Session cases (test_session.c): a scripted capture and everything the
 * session must report about it.
 */
#ifndef WSV_TEST_SESSION_H
#define WSV_TEST_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wsv/wsv_session.h>

#include "harness.h"

enum { SX_FIN = 1, SX_RST = 2 };

/* One packet, 1-based in the order of the script. dir 0 is the side that
 * sends first (the client, when the handshake is captured). */
struct sx_pkt {
    /* Q: request head, P: response head (data is the head's text);
     * F: frames (hex notation of harness.h); C: frames whose last cut bytes
     * the capture cut off; Z: a compressed text message (data is its text);
     * A: no payload (an ACK, a FIN, a RST); X: a segment the capture missed
     * (frames in hex: only the sequence numbers move); 0 ends the script. */
    char what;
    uint8_t dir;
    const char *data;
    uint8_t flags;       /* SX_FIN, SX_RST */
    bool retransmit;     /* a FIN sent again: no new sequence number */
    uint32_t cut;        /* C: bytes cut off after data */
    uint32_t ack_behind; /* the acknowledgement lags this many bytes behind */
    uint8_t wbits;       /* Z: the deflater's window (0: 15) */
    bool fresh;          /* Z: a new deflate stream (no context takeover) */
};

/* An expected finding: packet, frame index (-1: the head), rule. */
struct sx_find {
    uint32_t pkt;
    int frame;
    enum wsv_rule rule;
};

/* An expected link: the Close's cause and rule, the violation's reaction and
 * its code (0: none). Every link that has a cause or a reaction must be
 * listed. */
struct sx_link {
    uint32_t pkt;
    int frame;
    uint32_t cause;
    enum wsv_rule cause_rule;
    uint32_t reaction;
    uint16_t rcode;
};

#define SX_MAX_P 16
#define SX_MAX_E 10

struct sx_case {
    enum wsv_rule rule; /* the rule this case pins */
    enum tc_kind kind;
    const char *suffix; /* test_<rule id>_<fires|silent>[_<suffix>] */
    unsigned strict;
    /* Without a captured handshake: 1 + the server's direction, 0: not known
     * (the roles then come from the mask bits); and the evidence. */
    int server_dir;
    enum wsv_evidence ev;
    bool whole_only; /* resynchronises after a gap: fed in whole segments only */
    struct sx_pkt p[SX_MAX_P];
    struct sx_find f[SX_MAX_E];
    struct sx_link l[SX_MAX_E];
};

extern const struct sx_case sx_cases[];
extern const size_t sx_count;

void sx_count_cases(unsigned fires[], unsigned silent[]);
void sx_case_name(const struct sx_case *tc, char *buf, size_t len);
int run_session_tests(void);

#endif
