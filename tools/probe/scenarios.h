/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The probe's scenarios: one table, one row per connection. A row names the
 * rule of wsv_rules.def it breaks (or, for a legal look-alike, the rule it
 * resembles) and the frames to send, described rather than spelled as bytes:
 * the core's frame encoder (wsv_encode.h) writes them. What the server is
 * expected to do follows from the rule table (probe_expect()), never from
 * the row. The unit tests feed every row's frames to the validator core and
 * require exactly the row's rule on the frames marked `breaks` (nothing at
 * all for a legal row), so each scenario is also a core test.
 */
#ifndef WS1002_PROBE_SCENARIOS_H
#define WS1002_PROBE_SCENARIOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wsv/wsv.h>
#include <wsv/wsv_encode.h>

#include "pmd.h"

#define PROBE_MAX_FRAMES  5
#define PROBE_MAX_PAYLOAD 512

/* One frame. A zeroed frame is a masked, final continuation frame with an
 * empty payload. */
struct probe_frame {
    bool used;
    uint8_t opcode;
    bool more; /* FIN clear */
    uint8_t rsv;
    bool unmasked;
    bool deflate; /* the payload goes through the connection's deflater */
    enum wsv_len_form form;
    uint64_t length_value; /* non-zero: the length field says this instead */
    bool has_code;         /* a Close body: code, then data as the reason */
    uint16_t code;
    const char *data;
    size_t len;
    uint8_t fill; /* then fill_len copies of fill */
    size_t fill_len;
    bool breaks; /* this frame carries the scenario's violation */
};

/* The opening request. */
enum probe_request_kind {
    PROBE_REQ_NORMAL,
    PROBE_REQ_VERSION_8,  /* Sec-WebSocket-Version: 8 (hybi-08) */
    PROBE_REQ_VERSION_12, /* Sec-WebSocket-Version: 12 (hybi-12) */
    PROBE_REQ_VERSION_NONE,
};

/* What goes into an opening request (RFC 6455 §4.1). */
struct probe_request {
    enum probe_request_kind kind;
    const char *host;           /* the Host header's value: host[:port] */
    const char *path;           /* request-target, with the query */
    const char *key;            /* Sec-WebSocket-Key */
    bool offer_pmd;             /* permessage-deflate; client_max_window_bits */
    const char *protocols;      /* Sec-WebSocket-Protocol, or NULL */
    const char *origin;         /* Origin, or NULL */
    const char *const *headers; /* more "Name: value" lines */
    size_t nheaders;
    const char *scenario; /* X-Ws1002-Scenario (finds the connection in a capture), or NULL */
};

/* The request head, with its empty line, into out[0..cap) (NUL-terminated).
 * Returns its length, or 0 if it does not fit. */
size_t probe_request_write(const struct probe_request *rq, char *out, size_t cap);

struct probe_scenario {
    const char *name;
    enum wsv_rule rule; /* broken; for a legal row, the rule it resembles */
    bool legal;         /* a legal look-alike: the server must carry on */
    bool pmd;           /* needs permessage-deflate negotiated */
    bool burst;         /* send every frame even after the server reacted */
    enum probe_request_kind request;
    const char *summary;
    struct probe_frame frames[PROBE_MAX_FRAMES];
};

extern const struct probe_scenario probe_scenarios[];
extern const size_t probe_scenario_count;

/* What a conforming server does. */
enum probe_expect {
    PROBE_FAIL,     /* fails the connection: a must-fail rule (severity error) */
    PROBE_TOLERATE, /* may carry on: the sender broke a rule (severity warning) */
    PROBE_ACCEPT,   /* carries on and closes normally: a legal look-alike */
    PROBE_REFUSE,   /* refuses the upgrade with an HTTP error: a bad request */
};

enum probe_expect probe_expect(const struct probe_scenario *sc);

unsigned probe_frame_count(const struct probe_scenario *sc);

/* The frame's payload as the application sees it: neither deflated nor
 * masked (a Close: code and reason). Returns its length, 0 if it does not
 * fit cap. */
size_t probe_frame_payload(const struct probe_frame *f, uint8_t *out, size_t cap);

/* The frame's bytes on the wire: the payload deflated with z if f->deflate
 * (a new message starts with any opcode but continuation), then encoded,
 * masked with mask unless f->unmasked. Returns the length, 0 on failure. */
size_t probe_frame_encode(const struct probe_frame *f, struct probe_deflater *z,
                          const uint8_t mask[4], uint8_t *out, size_t cap);

#endif
