/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The frame encoder. See wsv_encode.h. */
#include "wsv/wsv_encode.h"

#include <string.h>

/* The length form the spec asks for, MINIMAL resolved (RFC 6455 §5.2). */
static enum wsv_len_form form_for(const struct wsv_frame_spec *spec, uint64_t len)
{
    if (spec->len_form != WSV_LEN_MINIMAL)
        return spec->len_form;
    return len <= 125 ? WSV_LEN_7 : len <= 0xffff ? WSV_LEN_16 : WSV_LEN_64;
}

/* The number the length field carries. */
static uint64_t length_field(const struct wsv_frame_spec *spec, uint64_t n)
{
    return spec->length_override ? spec->length_value : n;
}

size_t wsv_encode_header_size(const struct wsv_frame_spec *spec, uint64_t n)
{
    uint64_t len = length_field(spec, n);
    size_t mask = spec->masked ? 4 : 0;
    switch (form_for(spec, len)) {
    case WSV_LEN_7:
        return len <= 125 ? 2 + mask : 0;
    case WSV_LEN_16:
        return len <= 0xffff ? 4 + mask : 0;
    case WSV_LEN_64:
    case WSV_LEN_MINIMAL:
        break;
    }
    return 10 + mask;
}

size_t wsv_encode_frame(const struct wsv_frame_spec *spec, const void *payload, size_t n,
                        uint8_t *out, size_t cap)
{
    size_t h = wsv_encode_header_size(spec, n);
    if (h == 0 || cap < h || cap - h < n)
        return 0;
    uint64_t len = length_field(spec, n);
    out[0] = (uint8_t)((spec->fin ? 0x80 : 0) | (spec->rsv & 0x7) << 4 | (spec->opcode & 0xf));
    uint8_t mbit = spec->masked ? 0x80 : 0;
    size_t pos = 2;
    switch (form_for(spec, len)) {
    case WSV_LEN_7:
        out[1] = (uint8_t)(mbit | len);
        break;
    case WSV_LEN_16:
        out[1] = mbit | 126;
        out[2] = (uint8_t)(len >> 8);
        out[3] = (uint8_t)len;
        pos = 4;
        break;
    case WSV_LEN_64:
    case WSV_LEN_MINIMAL:
        out[1] = mbit | 127;
        for (unsigned i = 0; i < 8; i++)
            out[2 + i] = (uint8_t)(len >> (56 - 8 * i));
        pos = 10;
        break;
    }
    if (spec->masked) {
        memcpy(out + pos, spec->mask, 4);
        pos += 4;
    }
    /* §5.3: octet i of the payload is XOR-ed with octet i mod 4 of the key. */
    const uint8_t *p = payload;
    for (size_t i = 0; i < n; i++)
        out[pos + i] = spec->masked ? p[i] ^ spec->mask[i & 3] : p[i];
    return pos + n;
}

size_t wsv_encode_close_body(uint16_t code, const void *reason, size_t n, uint8_t *out, size_t cap)
{
    if (cap < 2 || cap - 2 < n)
        return 0;
    out[0] = (uint8_t)(code >> 8);
    out[1] = (uint8_t)code;
    if (n)
        memcpy(out + 2, reason, n);
    return 2 + n;
}
