/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The probe's output: the table, JSON lines, and the connection report. */
#ifndef WS1002_PROBE_OUTPUT_H
#define WS1002_PROBE_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include "session.h"
#include "verdict.h"

/* One scenario's result, as printed. */
struct probe_result {
    const struct probe_scenario *sc;
    struct probe_obs obs;
    struct probe_judgement j;
    struct probe_handshake hs;
    uint16_t local_port;
    double seconds;
};

void output_table_header(FILE *out);
void output_table_row(FILE *out, const struct probe_result *r);
void output_json(FILE *out, const struct probe_result *r);
void output_scenario_list(FILE *out);

/* "permessage-deflate; client_max_window_bits=15" or "none". */
const char *output_extensions(const struct probe_handshake *hs);

/* The connection test, as lines of text or one JSON object. */
void output_check(FILE *out, const struct probe_config *cfg, const struct probe_check *c, bool json,
                  bool ok);

#endif
