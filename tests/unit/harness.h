/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit-test harness for the validator core.
 *
 * A case is the bytes of one direction, a configuration and the complete list
 * of violations it must produce. The harness runs every case whole, one byte
 * at a time and in three pseudo-random chunkings (on both directions,
 * interleaved), with every chunk copied so that it ends at a PROT_NONE page:
 * a read past the bytes handed to the core crashes the test. All runs must
 * report the identical event sequence.
 *
 * Inputs are written in a small hex notation, so that a frame reads like its
 * wire form:
 *   81 05 'hello'        hex byte pairs (blanks and '|' are ignored) and
 *                        quoted text
 *   41*125               repeat the previous byte or quoted text N times
 *   [37fa213d: 'Hello']  a 4-byte masking key, then the bracketed bytes
 *                        XOR-ed with it (RFC 6455 §5.3)
 */
#ifndef WSV_TEST_HARNESS_H
#define WSV_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wsv/wsv.h>

enum tc_kind { TC_FIRES, TC_SILENT };

/* Per-frame flags compared by frame expectations. */
enum {
    FX_FIN = 1u << 0,
    FX_MASKED = 1u << 1,
    FX_COMPRESSED = 1u << 2,
    FX_AFTER_FAIL = 1u << 3,
    FX_AFTER_CLOSE = 1u << 4,
    FX_HAS_CODE = 1u << 5,
};

struct tc_violation {
    bool set;
    enum wsv_rule rule;
    uint64_t frame;
    uint64_t offset;
    bool must_fail;
    /* 0: derived (the rule's close code when must_fail, else 0). */
    uint16_t close;
    bool has_detail;
    uint64_t detail;
    bool inferred;
};

struct tc_frame {
    bool set;
    uint64_t index;
    uint64_t offset;
    uint8_t header_len;
    uint64_t payload_len;
    uint8_t opcode;
    unsigned flags; /* FX_* */
    uint16_t close_code;
};

struct tc_config {
    enum wsv_role role;
    bool role_inferred;
    bool pmd;
    bool pmd_inferred;
    bool midstream;
    bool rsv_unknown;
    unsigned strict;
};

#define TC_MAX_V 8
#define TC_MAX_F 8

struct tcase {
    enum wsv_rule rule; /* the rule this case pins */
    enum tc_kind kind;
    const char *suffix; /* test name: test_<rule id>_<fires|silent>[_<suffix>] */
    const char *in;     /* hex notation, see above */
    struct tc_config cfg;
    unsigned frames;           /* frames that must be reported (frame_begin) */
    unsigned after_fail_from;  /* first frame with after_fail set; 0 = none */
    unsigned after_close_from; /* first frame with after_close set; 0 = none */
    bool partial;              /* input ends inside a frame */
    struct tc_violation v[TC_MAX_V];
    struct tc_frame fx[TC_MAX_F]; /* optional header checks */
};

/* Expected violation: V(RULE, frame, offset, MUSTFAIL | WARNS [, extras]). */
#define V(r, fi, off, ...)                                                                         \
    {                                                                                              \
        .set = true, .rule = WSV_R_##r, .frame = (fi), .offset = (off), __VA_ARGS__                \
    }
#define MUSTFAIL  .must_fail = true
#define WARNS     .must_fail = false
#define DETAIL(x) .has_detail = true, .detail = (x)
#define CLOSE(x)  .close = (x)
#define INFERRED  .inferred = true
/* Expected frame: FX(index, offset, header_len, payload_len, opcode, flags). */
#define FX(i, off, hl, pl, op, fl)                                                                 \
    {                                                                                              \
        .set = true, .index = (i), .offset = (off), .header_len = (hl), .payload_len = (pl),       \
        .opcode = (op), .flags = (fl)                                                              \
    }
#define FXC(i, off, hl, pl, code)                                                                  \
    {                                                                                              \
        .set = true, .index = (i), .offset = (off), .header_len = (hl), .payload_len = (pl),       \
        .opcode = WSV_OP_CLOSE, .flags = FX_FIN | FX_HAS_CODE, .close_code = (code)                \
    }

/* The case tables, one per family. */
extern const struct tcase tc_frame_cases[];
extern const size_t tc_frame_count;
extern const struct tcase tc_close_cases[];
extern const size_t tc_close_count;
extern const struct tcase tc_utf8_cases[];
extern const size_t tc_utf8_count;
extern const struct tcase tc_state_cases[];
extern const size_t tc_state_count;

/* ---- Building blocks, also used by the hand-written tests --------------- */

struct bytes {
    uint8_t *p;
    size_t len, cap;
};

/* Parse the hex notation; returns false (with a message in err) on a syntax
 * error. */
bool hex_parse(const char *s, struct bytes *out, char *err, size_t errlen);
void bytes_free(struct bytes *b);
void bytes_put(struct bytes *b, const void *p, size_t n);

/* A buffer whose end touches a PROT_NONE page (and whose start follows one). */
struct guard {
    uint8_t *base;
    size_t map_len;
    uint8_t *lo, *hi; /* usable region [lo, hi) */
};
void guard_init(struct guard *g, size_t cap);
void guard_free(struct guard *g);
/* Copy n bytes so that they end exactly at the trailing guard page. */
const uint8_t *guard_tail(struct guard *g, const void *p, size_t n);
/* Copy n bytes so that they start exactly after the leading guard page. */
const uint8_t *guard_head(struct guard *g, const void *p, size_t n);

enum ev_type { EV_BEGIN, EV_VIOLATION, EV_END };

struct event {
    enum ev_type type;
    struct wsv_frame f;
    struct wsv_violation v;
    uint64_t fed; /* bytes fed to the direction when the callback ran */
};

/* Records the callbacks of one direction and checks their invariants as they
 * happen (order, indices, nothing reported beyond the bytes fed). */
struct recorder {
    struct event *ev;
    size_t n, cap;
    uint64_t fed;
    bool in_frame;
    uint64_t cur_index;
    unsigned cur_violations;
    char err[256]; /* first invariant broken, empty if none */
};

extern const struct wsv_callbacks rec_callbacks;
void rec_reset(struct recorder *r);
void rec_free(struct recorder *r);
/* Feed p[0..n) in one call, through a guard page. */
void rec_feed(struct recorder *r, struct wsv_conn *c, unsigned dir, struct guard *g,
              const uint8_t *p, size_t n);

/* Same sequence of events (ignoring the fed positions)? If not, describe the
 * first difference in msg. */
bool events_equal(const struct recorder *a, const struct recorder *b, char *msg, size_t msglen);
/* Print an event list to stdout, for failure reports. */
void events_print(const struct recorder *r);

void tc_make_config(const struct tc_config *tc, unsigned dir, struct wsv_config *out);
/* "frame-rsv-nonzero" + FIRES + "rsv2" -> "test_frame_rsv_nonzero_fires_rsv2" */
void tc_name(const struct tcase *tc, char *buf, size_t len);

/* Run one case through every chunking; cmocka-fails with a precise report. */
void tc_run(const struct tcase *tc);

/* Deterministic PRNG (xorshift64*) for the chunkings. */
uint64_t prng_next(uint64_t *s);

#endif
