/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the frame fuzz targets (fuzz_feed, fuzz_feed_varied) check on every
 * callback of the validator core: the contract of wsv.h and
 * notes/core-semantics as invariants, plus a compact digest of the event list
 * so that two runs over the same bytes (whole and chunked) can be compared
 * without storing the events. A broken invariant aborts, which libFuzzer and
 * the replay driver both report as a crash. fz_die and the poisoning helpers
 * serve every target.
 */
#ifndef WS1002_FUZZ_CHECK_H
#define WS1002_FUZZ_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <wsv/wsv.h>

/* The state of one direction as seen from the callbacks, and the stand-in
 * for the plugin's inflater (see fz_feed). */
struct fz_dir {
    const char *name; /* for messages: "A0", "B1", ... */
    /* What the harness does, set by the target before feeding: */
    bool set_role;    /* on frame 0, set the role from its mask bit (as the plugin) */
    uint64_t fail_at; /* report pmd-decompress-fail at this compressed byte (0: never) */
    /* Where the feed goes (set by fz_feed: the connection may move). */
    struct wsv_conn *conn;
    unsigned dir;
    bool reporting;    /* inside wsv_conn_report: a non-core rule is expected */
    bool z_active;     /* a compressed message is being "inflated" */
    uint64_t z_frame;  /* 1 + index of its first frame */
    uint64_t z_count;  /* its compressed bytes so far */
    uint64_t digest;   /* FNV-1a over every event */
    uint64_t events;   /* callbacks seen */
    uint64_t upper;    /* stream offset just past the bytes handed over so far */
    uint64_t begun;    /* frame_begin callbacks */
    uint64_t min_next; /* no frame may start before this offset */
    uint64_t cur;      /* index of the open frame */
    unsigned cur_viol; /* violations reported on the open frame */
    bool in_frame;
    bool cur_must_fail; /* the open frame has a must-fail violation */
    bool failed;        /* a completed frame had a must-fail violation */
    bool seen_after_fail;
    bool seen_after_close;
    unsigned notes; /* after-fail notes */
};

extern const struct wsv_callbacks fz_callbacks;
/* Set by the replay driver (FUZZ_VERBOSE=1): print every event to stderr. */
extern bool fz_verbose;

void fz_dir_init(struct fz_dir *d, const char *name);

/* Feed n bytes of direction dir through a heap copy of exactly n bytes, so
 * that AddressSanitizer sees a read past the chunk. Goes through
 * wsv_conn_feed_pmd with a compressed-payload callback that stands in for
 * the plugin's inflater: it hands the compressed bytes back unchanged as the
 * "inflated" text (so the core's UTF-8 checks of inflated text run on fuzzed
 * bytes), reports pmd-decompress-fail at byte fail_at of a message, and
 * pmd-window-exceeded at the end of every message whose length is 4 mod 5.
 * Every choice depends on byte positions only, never on the chunking. */
void fz_feed(struct wsv_conn *c, unsigned dir, struct fz_dir *d, const uint8_t *p, size_t n);

/* wsv_conn_gap() with the matching bookkeeping. */
void fz_gap(struct wsv_conn *c, unsigned dir, struct fz_dir *d, uint64_t missing);

/* Abort unless a and b saw the same events. */
void fz_same(const struct fz_dir *a, const struct fz_dir *b);

/* Print a message naming the direction and abort. */
_Noreturn void fz_fail(const struct fz_dir *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Print a message and abort: a broken invariant of a target without
 * directions (fuzz_handshake, fuzz_heur). */
_Noreturn void fz_die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Make n bytes at p unreadable for AddressSanitizer (a no-op without it):
 * a buffer that grows in place (a head arriving in segments) is handed over
 * with the bytes past the current length poisoned. */
void fz_poison(const void *p, size_t n);
void fz_unpoison(const void *p, size_t n);

#endif
