/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * fuzz_feed: the input is the byte stream of one direction, fed whole. The
 * configuration is fixed: permessage-deflate negotiated, the stream judged
 * once as the client's direction and once as the server's (the two
 * directions of one connection), so that both masking rules are reachable.
 */
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct wsv_config cfg = {
        .role = {WSV_ROLE_CLIENT, WSV_ROLE_SERVER},
        .pmd = {.enabled = true},
    };
    struct wsv_conn c;
    struct fz_dir d[2];

    wsv_conn_init(&c, &cfg);
    fz_dir_init(&d[0], "client");
    fz_dir_init(&d[1], "server");
    for (unsigned dir = 0; dir < 2; dir++) {
        fz_feed(&c, dir, &d[dir], data, size);
        if (wsv_conn_at_boundary(&c, dir) && d[dir].in_frame)
            fz_fail(&d[dir], "at a boundary with frame %llu open", (unsigned long long)d[dir].cur);
    }
    return 0;
}
