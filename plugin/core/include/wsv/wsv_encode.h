/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * wsv encode: WebSocket frames (RFC 6455 §5.2) and Close bodies (§5.5.1) as
 * bytes, lies included. Plain C11, libc only, no allocation.
 *
 * The encoder writes what it is told, legal or not: any opcode and RSV bits,
 * FIN clear on a control frame, no mask on a client frame, a length in a
 * longer form than needed or a length field that disagrees with the payload.
 * The probe sends these frames to live servers and the unit tests feed the
 * same bytes to the validator, so that what a scenario claims to break is
 * what the core reports.
 */
#ifndef WSV_WSV_ENCODE_H
#define WSV_WSV_ENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How the payload length is written (RFC 6455 §5.2). MINIMAL is the only
 * legal choice; the others force a form, so that 126 or 127 can announce a
 * length that would have fitted a shorter one (len-not-minimal). */
enum wsv_len_form {
    WSV_LEN_MINIMAL,
    WSV_LEN_7,  /* 7-bit: 0..125 */
    WSV_LEN_16, /* 126 + 16-bit */
    WSV_LEN_64, /* 127 + 64-bit */
};

/* One frame header. A zeroed spec is an unmasked, non-final continuation
 * frame with the minimal length form. */
struct wsv_frame_spec {
    bool fin;
    uint8_t rsv;    /* RSV1 = 0x4, RSV2 = 0x2, RSV3 = 0x1, as struct wsv_frame */
    uint8_t opcode; /* low 4 bits used */
    bool masked;
    uint8_t mask[4];
    enum wsv_len_form len_form;
    /* Write length_value in the length field instead of the payload's
     * length (e.g. 2^63 + 4 for len-64bit-msb); the payload bytes that
     * follow are still the ones handed in. */
    bool length_override;
    uint64_t length_value;
};

/* Header size for spec and a payload of n bytes: 2 to 14. 0 if the chosen
 * form cannot hold the length (7-bit above 125, 16-bit above 65535). */
size_t wsv_encode_header_size(const struct wsv_frame_spec *spec, uint64_t n);

/* Write the header and the payload (masked with spec->mask if spec->masked)
 * into out[0..cap). Returns the bytes written, or 0 if the form cannot hold
 * the length or cap is too small (then out is left untouched). payload may
 * be NULL if n is 0. */
size_t wsv_encode_frame(const struct wsv_frame_spec *spec, const void *payload, size_t n,
                        uint8_t *out, size_t cap);

/* A Close body: the 2-byte status code in network byte order, then n bytes
 * of reason (not checked: a test may want invalid UTF-8). Returns 2 + n, or
 * 0 if cap is too small. */
size_t wsv_encode_close_body(uint16_t code, const void *reason, size_t n, uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
