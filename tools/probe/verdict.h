/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the server did on one scenario's connection, and the verdict: a pure
 * function of the scenario, the rule table and the observation, so that it
 * is tested without a server (tests/probe/test_verdict.c).
 *
 * Verdicts, in the spirit of Autobahn's:
 *   ok          as RFC 6455 and the rule table want: a must-fail violation
 *               failed with the rule's close code, or by closing TCP without
 *               a Close (RFC 6455 §7.1.7 lets a failing endpoint omit the
 *               Close; rules.md §4 item 2); a sender warning ignored, or
 *               failed with a code the rule table lists; a legal look-alike
 *               carried on and closed normally
 *   non-strict  acceptable but not the preferred reaction: failed with an
 *               alternative code of the rule table (1009 for len-64bit-msb),
 *               or only after later frames (not on the offending frame), or
 *               refused a bad version without listing the versions it
 *               speaks, or rejected a legal close code registered after
 *               RFC 6455 (1012-1014: a legacy receiver)
 *   wrong-code  failed with a close code the rule table does not list (for
 *               a legal look-alike: any failure Close)
 *   unclean     ended by a TCP reset, or dropped TCP without a Close where
 *               no failure was due (a legal look-alike, a sender warning,
 *               a refused upgrade without an HTTP answer)
 *   ignored     a must-fail violation (or a bad opening request) was not
 *               acted on: the server answered a Ping, echoed, accepted the
 *               Close as a normal one, or answered the upgrade with 101
 *   no-answer   nothing within the timeout: no Close, no TCP close, and no
 *               Pong to the probe's Ping (or, on a legal look-alike, a Ping
 *               not answered with its own payload)
 * Not verdicts: skipped (the scenario needs permessage-deflate and the
 * server did not negotiate it) and error (the probe could not run it).
 */
#ifndef WS1002_PROBE_VERDICT_H
#define WS1002_PROBE_VERDICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "scenarios.h"

enum probe_verdict {
    PV_OK,
    PV_NON_STRICT,
    PV_WRONG_CODE,
    PV_UNCLEAN,
    PV_IGNORED,
    PV_NO_ANSWER,
    PV_SKIPPED,
    PV_ERROR,
};

/* What the server did, as the JSON's "observed" says it. */
enum probe_observed {
    PO_NONE,       /* nothing within the timeout */
    PO_CLOSE,      /* a Close frame (observed_close: its code) */
    PO_TCP_CLOSE,  /* TCP FIN without a Close frame */
    PO_RESET,      /* TCP RST without a Close frame */
    PO_CARRIED_ON, /* went on after the violation (Pong, echo) */
    PO_REFUSED,    /* answered the upgrade with another status than 101 */
    PO_UPGRADED,   /* answered a bad upgrade with 101 */
    PO_NOT_RUN,    /* skipped or error */
};

struct probe_obs {
    /* Not run: why (skipped: pmd declined; error: err says what). */
    bool skipped, error;
    char err[256];
    /* The opening handshake. */
    uint16_t http_status;
    bool versions_listed; /* a refusal named the versions the server speaks */
    /* Frames sent: how many, and the index of the first that breaks the
     * rule (-1: none). */
    unsigned sent;
    int breaking;
    bool sent_close; /* one of them was a Close */
    /* The first of these ends the observation. */
    bool close; /* a Close frame came */
    bool close_has_code;
    uint16_t close_code;
    char reason[128];     /* its reason, printable */
    unsigned close_after; /* frames sent when it came */
    bool eof, reset;      /* TCP FIN / RST (before any Close) */
    /* Before any of them: signs that the server went on after the
     * violation. */
    bool pong_after;    /* a Pong answering a Ping sent with or after the violation */
    bool message_after; /* more data messages than the frames before the violation explain */
    /* Legal look-alikes: every Ping answered with its payload. */
    unsigned pings, pongs_matched;
    /* The server's own frames: rules it broke (the first one named). */
    unsigned server_violations;
    int server_rule; /* enum wsv_rule, -1: none */
};

struct probe_judgement {
    enum probe_verdict verdict;
    enum probe_observed observed;
    int observed_close; /* -1: none (JSON null) */
    char note[200];
};

void probe_judge(const struct probe_scenario *sc, const struct probe_obs *o,
                 struct probe_judgement *j);

/* The close codes the rule table accepts for the scenario (for a legal
 * look-alike: 1000 and the echo of its Close). Returns how many (<= 4). */
size_t probe_expected_close(const struct probe_scenario *sc, uint16_t out[4]);

const char *probe_verdict_name(enum probe_verdict v);
const char *probe_observed_name(enum probe_observed o);

#endif
