/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws1002: judge one direction of a WebSocket byte stream, for people with a
 * byte dump and no capture. Reads raw bytes or hex text, streams them through
 * the validator core in 64 KiB chunks (never the whole file), and prints one
 * line per violation. --rules-markdown prints docs/rules.md: the page is
 * generated entirely from the rule table and the texts below;
 * --messages-markdown prints docs/messages.md (messages_doc.c).
 */
#include "wsv/wsv.h"
#include "wsv/wsv_finding.h"

#include "messages_doc.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef WS1002_VERSION
#define WS1002_VERSION "unknown"
#endif

#define PROG       "ws1002"
#define CHUNK_SIZE (64u * 1024u)
#define NO_OFFSET  UINT64_MAX
/* The section sign as UTF-8 bytes, so that the source stays ASCII. */
#define SECT "\xc2\xa7"

/* Exit statuses: documented in --help and relied on by scripts. */
enum { EXIT_CLEAN = 0, EXIT_MUST_FAIL = 1, EXIT_USAGE = 2 };

struct options {
    const char *path;
    struct wsv_config cfg;
    bool hex;
    bool frames;
    bool keep_going;
};

/* One judging pass over the stream. With --keep-going a fresh connection
 * takes over after each frame that carries a must-fail violation; base_off and
 * base_idx map its offsets and frame numbers back onto the whole stream. */
struct run {
    const struct options *opt;
    struct wsv_conn conn;
    uint64_t base_off, base_idx;
    uint64_t fed; /* bytes given to conn */
    /* conn-relative end of the frame that failed; NO_OFFSET: none. Reports
     * at or beyond it come from the failed connection and are dropped. */
    uint64_t resume_at;
    uint64_t resume_idx;
    bool frame_failed;
    bool msg_open; /* a fragmented data message is open (for --keep-going) */
    bool have_last;
    struct wsv_frame last; /* the latest frame_begin, conn-relative */
    uint64_t frames, violations, must_fail;
    int rule_width;
};

__attribute__((format(printf, 1, 2))) _Noreturn static void die(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fputs(PROG ": ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(EXIT_USAGE);
}

/* ---- Presentation of the rule table --------------------------------------- */

static const char *severity_name(enum wsv_severity s)
{
    switch (s) {
    case WSV_SEV_ERROR:
        return "error";
    case WSV_SEV_WARN:
        return "warning";
    case WSV_SEV_NOTE:
        return "note";
    }
    return "?";
}

static const char *checker_name(enum wsv_checker c)
{
    switch (c) {
    case WSV_CHK_C:
        return "client";
    case WSV_CHK_S:
        return "server";
    case WSV_CHK_CS:
        return "both";
    case WSV_CHK_NONE:
        return "nobody";
    }
    return "?";
}

static const char *impl_name(enum wsv_impl i)
{
    switch (i) {
    case WSV_IMPL_CORE:
        return "core";
    case WSV_IMPL_HANDSHAKE:
        return "handshake";
    case WSV_IMPL_PMD:
        return "inflate";
    case WSV_IMPL_SESSION:
        return "session";
    }
    return "?";
}

/* Display columns of a UTF-8 string (the section sign is two bytes). */
static int display_width(const char *s)
{
    int w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            w++;
    return w;
}

static void print_padded(const char *s, int width)
{
    int pad = width - display_width(s);
    fputs(s, stdout);
    if (pad > 0)
        printf("%*s", pad, "");
}

/* "1002/1003": the expected close code ("-": none), then the acceptable
 * alternatives; with alts_only, "1003" or "-" (the markdown column). */
static void format_close(char *buf, size_t size, const struct wsv_rule_info *r, bool alts_only)
{
    size_t n = 0;
    if (!alts_only)
        n = (size_t)(r->close ? snprintf(buf, size, "%u", r->close) : snprintf(buf, size, "-"));
    for (int i = 0; i < 2; i++) {
        if (!r->close_alt[i])
            continue;
        const char *sep = n == 0 ? "" : alts_only ? ", " : "/";
        n += (size_t)snprintf(buf + n, size - n, "%s%u", sep, r->close_alt[i]);
    }
    if (n == 0)
        snprintf(buf, size, "-");
}

static int rule_id_width(bool core_only)
{
    int w = 0;
    for (unsigned i = 0; i < WSV_RULE_COUNT; i++) {
        const struct wsv_rule_info *r = wsv_rule_get((enum wsv_rule)i);
        if (core_only && r->impl != WSV_IMPL_CORE)
            continue;
        if ((int)strlen(r->id) > w)
            w = (int)strlen(r->id);
    }
    return w;
}

static void print_rules(void)
{
    int w = rule_id_width(false);
    printf("%-*s  %-16s%-12s  %-8s  %-7s  %-9s  %s\n", w, "ID", "SECTION", "CLOSE", "SEVERITY",
           "CHECKER", "WHERE", "STATEMENT");
    for (unsigned i = 0; i < WSV_RULE_COUNT; i++) {
        const struct wsv_rule_info *r = wsv_rule_get((enum wsv_rule)i);
        char close[32];
        format_close(close, sizeof close, r, false);
        printf("%-*s  ", w, r->id);
        print_padded(r->ref, 16);
        printf("%-12s  %-8s  %-7s  %-9s  %s\n", close, severity_name(r->severity),
               checker_name(r->checker), impl_name(r->impl), r->statement);
    }
}

static void md_escaped(const char *s)
{
    for (; *s; s++) {
        if (*s == '|' || *s == '*' || *s == '_' || *s == '`')
            putchar('\\');
        putchar(*s);
    }
}

static void md_rfc_link(const struct wsv_rule_info *r)
{
    printf("[%s](https://www.rfc-editor.org/rfc/rfc%u#section-%s)", r->ref, r->rfc, r->section);
}

static const char md_intro[] =
    "# Rules checked by ws1002\n"
    "\n"
    "Every rule ws1002 knows, one row each, with the RFC section it comes from and the close\n"
    "code a conforming receiver sends when a peer breaks it. The table is the rule table of the\n"
    "validator core (`plugin/core/include/wsv/wsv_rules.def`); rule IDs are stable and never\n"
    "reused, so they are safe to filter on and to quote in bug reports.\n"
    "\n"
    "Reading a verdict: a violation is reported on the frame that breaks the rule, at the byte\n"
    "offset of the offending field (for UTF-8, the first byte at which the text can no longer be\n"
    "valid). After the first must-fail violation in a direction, later frames of that direction\n"
    "are marked `after-fail` and not judged: a conforming receiver would already have failed the\n"
    "connection. A receiver that then closes with the code under *Close*, or one under *Also\n"
    "accepted*, reacted as expected; one that drops TCP without a Close is conforming too\n"
    "(RFC 6455 " SECT "7.1.7).\n"
    "\n"
    "Legal look-alikes that ws1002 stays silent on: control frames between fragments, a Close in\n"
    "the middle of a fragmented message, an empty Close, close codes 1000-1003, 1007-1014 and\n"
    "3000-4999, a code point split across fragments, U+FFFD/U+FFFE/U+FFFF, zero-length frames,\n"
    "a 125-byte control payload, and lengths 125, 126, 65535 and 65536 at their proper encodings.\n"
    "\n"
    "The command-line tool `ws1002` judges the rows whose *Where* is `core` on a byte dump of\n"
    "one direction, without a capture:\n"
    "\n"
    "```sh\n"
    "ws1002 --role server --hex --keep-going captures/streams/demo-server.hex\n"
    "```\n"
    "\n"
    "The other rows need the handshake, decompression or the capture itself, and are judged by\n"
    "the Wireshark plugin.\n"
    "\n"
    "This page is generated by `ws1002 --rules-markdown`; do not edit it by hand. The test\n"
    "`docs_rules_in_sync` fails when it is stale; regenerate it with\n"
    "`cmake --build <build-dir> --target rules-doc`.\n";

static const char md_columns[] =
    "## Columns\n"
    "\n"
    "- **Close**: the close code a conforming receiver sends; `-`: the receiver is not expected\n"
    "  to close. **Also accepted**: codes that real receivers send instead and that are still\n"
    "  an acceptable reaction.\n"
    "- **Severity**: `error`, the receiver must fail the connection; `warning`, the sender broke\n"
    "  a rule that the receiver is not expected to fail on; `note`, ws1002 cannot judge, or\n"
    "  context for the analyst. The strictness switches below turn some warnings into errors.\n"
    "- **Checked by**: the endpoint that detects the violation on frames it receives: `client`,\n"
    "  `server`, `both`, or `nobody` (a sender-only rule).\n"
    "- **Where**: the part of ws1002 that judges it: `core` (the frame validator), `handshake`\n"
    "  (the opening handshake), `inflate` (permessage-deflate decompression), `plugin` (facts\n"
    "  about the capture itself).\n";

static void print_rules_markdown(void)
{
    fputs("<!-- Generated by `ws1002 --rules-markdown`. Do not edit. -->\n", stdout);
    fputs(md_intro, stdout);
    fputs("\n", stdout);
    fputs(md_columns, stdout);
    printf("\n## Rules\n\n");
    printf("| ID | RFC " SECT
           " | Rule | Close | Also accepted | Severity | Checked by | Where |\n");
    printf("|----|-------|------|-------|---------------|----------|------------|-------|\n");
    for (unsigned i = 0; i < WSV_RULE_COUNT; i++) {
        const struct wsv_rule_info *r = wsv_rule_get((enum wsv_rule)i);
        char alts[32];
        format_close(alts, sizeof alts, r, true);
        printf("| `%s` | ", r->id);
        md_rfc_link(r);
        printf(" | ");
        md_escaped(r->statement);
        if (r->close)
            printf(" | %u", r->close);
        else
            printf(" | -");
        printf(" | %s | %s | %s | %s |\n", alts, severity_name(r->severity),
               checker_name(r->checker), impl_name(r->impl));
    }
    printf("\n## Strictness\n\n"
           "Where real implementations disagree, ws1002 follows RFC 6455 as interoperable\n"
           "implementations apply it. Each switch reads one rule the way a group of receivers\n"
           "does: `ws1002 --strict=NAME[,NAME...]` or `--lenient=NAME[,NAME...]`, the plugin's\n"
           "preference `ws.PREFERENCE`, and in the core a `wsv_config.strict` bit (the table is\n"
           "`plugin/core/include/wsv/wsv_switches.def`).\n"
           "\n"
           "| Switch | Preference | Core flag | Rule | Effect |\n"
           "|--------|------------|-----------|------|--------|\n");
    for (size_t i = 0; i < wsv_switch_count(); i++) {
        const struct wsv_switch_info *sw = wsv_switch_get(i);
        printf("| `--%s=%s` | `ws.%s` | `%s` | `%s` | ",
               sw->kind == WSV_SW_STRICT ? "strict" : "lenient", sw->name, sw->preference,
               sw->enum_name, wsv_rule_get(sw->rule)->id);
        md_escaped(sw->effect);
        printf(" |\n");
    }
}

/* ---- Judging -------------------------------------------------------------- */

static const char *opcode_name(unsigned op)
{
    static const char *const names[16] = {"cont", "text", "binary", NULL,   NULL,  NULL,
                                          NULL,   NULL,   "close",  "ping", "pong"};
    return names[op & 15];
}

static bool reported(const struct run *r, const struct wsv_frame *f)
{
    return r->resume_at == NO_OFFSET || f->offset < r->resume_at;
}

static void on_frame_begin(void *user, const struct wsv_frame *f)
{
    struct run *r = user;
    if (!reported(r, f))
        return;
    r->frames++;
    r->frame_failed = false;
    r->have_last = true;
    r->last = *f;
    if (!r->opt->frames)
        return;
    const char *op = opcode_name(f->opcode);
    printf("%6" PRIu64 " %9" PRIu64 "  frame ", r->base_idx + f->index, r->base_off + f->offset);
    if (op)
        printf("%-6s", op);
    else
        printf("0x%X   ", f->opcode);
    printf(" fin=%d rsv=%d%d%d", f->fin, !!(f->rsv & 4), !!(f->rsv & 2), !!(f->rsv & 1));
    if (f->masked)
        printf(" mask=%02x%02x%02x%02x", f->mask[0], f->mask[1], f->mask[2], f->mask[3]);
    else
        printf(" unmasked     ");
    printf(" len=%" PRIu64 "%s%s\n", f->payload_len, f->after_close ? " after-close" : "",
           f->after_fail ? " after-fail" : "");
}

static void on_violation(void *user, const struct wsv_frame *f, const struct wsv_violation *v)
{
    struct run *r = user;
    if (!reported(r, f))
        return;
    const struct wsv_rule_info *ri = wsv_rule_get(v->rule);
    struct wsv_finding fd = wsv_finding_of(f, v, 0, 0);
    char detail[160];
    r->violations++;
    if (v->must_fail) {
        r->must_fail++;
        r->frame_failed = true;
    }
    wsv_detail_text(detail, sizeof detail, &fd, NULL);
    printf("%6" PRIu64 " %9" PRIu64 "  %-*s  ", r->base_idx + v->frame_index,
           r->base_off + v->offset, r->rule_width, ri->id);
    print_padded(ri->ref, 15);
    if (v->expected_close)
        printf("  %5u", v->expected_close);
    else
        printf("  %5s", "-");
    /* A switch may read a rule more strictly or more leniently than its row. */
    const char *sev = v->must_fail                    ? "error"
                      : ri->severity == WSV_SEV_ERROR ? "warning"
                                                      : severity_name(ri->severity);
    if (detail[0])
        printf("  %-7s%s\n", sev, detail);
    else
        printf("  %s\n", sev);
}

static void on_frame_end(void *user, const struct wsv_frame *f)
{
    struct run *r = user;
    if (!reported(r, f))
        return;
    /* Track whether a fragmented message is open, so that a connection
     * resumed by --keep-going knows whether to start mid-message. */
    if (f->opcode == WSV_OP_TEXT || f->opcode == WSV_OP_BINARY)
        r->msg_open = !f->fin;
    else if (f->opcode == WSV_OP_CONT && f->fin)
        r->msg_open = false;
    if (r->opt->keep_going && r->frame_failed) {
        r->resume_at = f->offset + f->header_len + f->payload_len;
        r->resume_idx = f->index + 1;
    }
}

static const struct wsv_callbacks callbacks = {on_frame_begin, on_violation, on_frame_end};

static void run_start(struct run *r, bool midstream)
{
    struct wsv_config cfg = r->opt->cfg;
    cfg.midstream[0] = midstream;
    wsv_conn_init(&r->conn, &cfg);
    r->fed = 0;
    r->resume_at = NO_OFFSET;
    r->have_last = false;
}

static void run_feed(struct run *r, const uint8_t *p, size_t n)
{
    while (n > 0) {
        uint64_t start = r->fed;
        wsv_conn_feed(&r->conn, 0, p, n, &callbacks, r);
        r->fed += n;
        if (r->resume_at == NO_OFFSET)
            return;
        /* A frame of this chunk failed the connection: hand the bytes after
         * it to a fresh one, as if the receiver had carried on. A message
         * left open makes the fresh one start mid-message. */
        size_t used = (size_t)(r->resume_at - start);
        r->base_off += r->resume_at;
        r->base_idx += r->resume_idx;
        run_start(r, r->msg_open);
        p += used;
        n -= used;
    }
}

static void run_finish(struct run *r)
{
    if (!wsv_conn_at_boundary(&r->conn, 0)) {
        const struct wsv_frame *f = &r->last;
        uint64_t payload_at = f->offset + f->header_len;
        if (r->have_last && r->fed >= payload_at && r->fed - payload_at < f->payload_len)
            printf("# the stream ends inside the payload of frame %" PRIu64 " (%" PRIu64
                   " of %" PRIu64 " bytes)\n",
                   r->base_idx + f->index, r->fed - payload_at, f->payload_len);
        else
            printf("# the stream ends inside a frame header\n");
    }
    printf("# %" PRIu64 " frame%s, %" PRIu64 " violation%s, %" PRIu64 " must-fail\n", r->frames,
           r->frames == 1 ? "" : "s", r->violations, r->violations == 1 ? "" : "s", r->must_fail);
}

/* ---- Input ---------------------------------------------------------------- */

/* Hex text: pairs of hex digits, whitespace anywhere between bytes, '#' to
 * the end of the line is a comment. Parsed incrementally so input of any size
 * streams. */
struct hex_parser {
    const char *name;
    uint8_t out[CHUNK_SIZE];
    size_t n;
    unsigned long line, col;
    unsigned long digit_line, digit_col; /* where a half-read byte started */
    int half;                            /* -1: no digit pending */
    bool comment;
};

static int hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void hex_odd(const struct hex_parser *h)
{
    die("%s: line %lu, column %lu: odd number of hex digits (a byte needs two)", h->name,
        h->digit_line, h->digit_col);
}

static void hex_parse(struct hex_parser *h, struct run *r, const char *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        int c = (unsigned char)p[i];
        h->col++;
        if (c == '\n') {
            if (h->half >= 0)
                hex_odd(h);
            h->comment = false;
            h->line++;
            h->col = 0;
            continue;
        }
        if (h->comment)
            continue;
        int v = hex_value(c);
        if (v >= 0) {
            if (h->half < 0) {
                h->half = v;
                h->digit_line = h->line;
                h->digit_col = h->col;
                continue;
            }
            h->out[h->n++] = (uint8_t)(h->half << 4 | v);
            h->half = -1;
            if (h->n == sizeof h->out) {
                run_feed(r, h->out, h->n);
                h->n = 0;
            }
            continue;
        }
        if (c != '#' && c != ' ' && c != '\t' && c != '\r' && c != '\f' && c != '\v') {
            if (c >= 0x20 && c < 0x7f)
                die("%s: line %lu, column %lu: '%c' is not a hex digit", h->name, h->line, h->col,
                    c);
            die("%s: line %lu, column %lu: byte 0x%02X is not a hex digit", h->name, h->line,
                h->col, (unsigned)c);
        }
        if (h->half >= 0)
            hex_odd(h);
        h->comment = c == '#';
    }
}

static void judge(const struct options *opt, struct run *r)
{
    static char buf[CHUNK_SIZE];
    static struct hex_parser hex;
    bool from_stdin = strcmp(opt->path, "-") == 0;
    const char *name = from_stdin ? "<stdin>" : opt->path;
    FILE *in = from_stdin ? stdin : fopen(opt->path, "rb");
    if (!in)
        die("cannot open '%s': %s", opt->path, strerror(errno));

    hex.name = name;
    hex.line = 1;
    hex.half = -1;
    run_start(r, opt->cfg.midstream[0]);
    printf("#%5s %9s  %-*s  %-15s  %5s  %-7s  %s\n", "frame", "offset", r->rule_width, "rule",
           "section", "close", "severity", "detail");
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) {
        if (opt->hex)
            hex_parse(&hex, r, buf, n);
        else
            run_feed(r, (const uint8_t *)buf, n);
    }
    if (ferror(in))
        die("cannot read '%s': %s", name, strerror(errno));
    if (!from_stdin)
        fclose(in);
    if (opt->hex) {
        if (hex.half >= 0)
            hex_odd(&hex);
        run_feed(r, hex.out, hex.n);
    }
    run_finish(r);
}

/* ---- Options -------------------------------------------------------------- */

static void usage(void)
{
    printf("Usage: " PROG " [OPTION]... FILE\n"
           "Check one direction of a WebSocket byte stream against RFC 6455 / RFC 7692 and print\n"
           "one line per violation: frame, offset, rule, RFC section, expected close, severity.\n"
           "FILE holds the raw bytes (or hex with --hex); '-' reads standard input.\n"
           "\n"
           "  -r, --role=ROLE      role of the endpoint that sent these bytes: client, server\n"
           "                       or unknown (default; masking is then not judged)\n"
           "  -x, --hex            FILE is hex text: pairs of hex digits, whitespace between\n"
           "                       bytes, '#' starts a comment to the end of the line\n"
           "  -p, --pmd[=PARAMS]   permessage-deflate was negotiated; PARAMS is a comma list of\n"
           "                       server_no_context_takeover, client_no_context_takeover,\n"
           "                       server_max_window_bits=N, client_max_window_bits=N (8-15)\n"
           "  -s, --strict=LIST    stricter rules where implementations disagree: len,\n"
           "                       close-1012 or all (see docs/rules.md)\n"
           "  -l, --lenient=LIST   more lenient rules: close-5000 or all\n"
           "  -m, --midstream      the bytes start mid-stream (a fragmented message may be open)\n"
           "  -k, --keep-going     after a must-fail violation, judge the following frames as if\n"
           "                       the receiver had carried on (default: note them as after-fail)\n"
           "  -f, --frames         also print one line per frame header\n"
           "      --rules          list the rule table\n"
           "      --rules-markdown print the rules page (docs/rules.md)\n"
           "      --messages-markdown\n"
           "                       print the message guide (docs/messages.md)\n"
           "  -h, --help           show this help\n"
           "  -V, --version        show the version\n"
           "\n"
           "Severity: error (a conforming receiver must fail the connection), warning (the sender\n"
           "broke a rule; the receiver need not react), note (context).\n"
           "Exit status: 0 no must-fail violation, 1 at least one, 2 bad usage or input.\n");
}

/* --strict=LIST and --lenient=LIST: switches of that kind, by name, or all. */
static unsigned parse_switches(const char *arg, enum wsv_switch_kind kind)
{
    const char *opt = kind == WSV_SW_STRICT ? "--strict" : "--lenient";
    char names[160] = "";
    unsigned bits = 0;
    const char *p = arg;

    for (size_t i = 0; i < wsv_switch_count(); i++)
        if (wsv_switch_get(i)->kind == kind)
            snprintf(names + strlen(names), sizeof names - strlen(names), "%s, ",
                     wsv_switch_get(i)->name);

    while (*p) {
        size_t len = strcspn(p, ",");
        bool all = len == 3 && strncmp(p, "all", 3) == 0, found = all;
        for (size_t i = 0; i < wsv_switch_count(); i++) {
            const struct wsv_switch_info *sw = wsv_switch_get(i);
            if (sw->kind == kind &&
                (all || (strlen(sw->name) == len && strncmp(p, sw->name, len) == 0))) {
                bits |= sw->bit;
                found = true;
            }
        }
        if (!found)
            die("unknown %s switch '%.*s' (%sall)", opt, (int)len, p, names);
        p += len;
        if (*p == ',')
            p++;
    }
    return bits;
}

static uint8_t parse_window_bits(const char *name, const char *value)
{
    char *end;
    long v = value ? strtol(value, &end, 10) : 0;
    if (!value || *value == '\0' || *end != '\0' || v < 8 || v > 15)
        die("--pmd: %s needs a value from 8 to 15, not '%s'", name, value ? value : "");
    return (uint8_t)v;
}

/* Parameters as in the Sec-WebSocket-Extensions response; separators ',' or
 * ';', spaces ignored. */
static void parse_pmd(struct wsv_pmd *pmd, const char *arg)
{
    char buf[256];
    pmd->enabled = true;
    if (!arg)
        return;
    if (strlen(arg) >= sizeof buf)
        die("--pmd: parameter list too long");
    strcpy(buf, arg);
    for (char *tok = strtok(buf, ",; \t"); tok; tok = strtok(NULL, ",; \t")) {
        char *value = strchr(tok, '=');
        if (value)
            *value++ = '\0';
        if (strcmp(tok, "permessage-deflate") == 0 && !value)
            continue;
        if (strcmp(tok, "server_no_context_takeover") == 0 && !value)
            pmd->server_no_context_takeover = true;
        else if (strcmp(tok, "client_no_context_takeover") == 0 && !value)
            pmd->client_no_context_takeover = true;
        else if (strcmp(tok, "server_max_window_bits") == 0)
            pmd->server_max_window_bits = parse_window_bits(tok, value);
        else if (strcmp(tok, "client_max_window_bits") == 0)
            pmd->client_max_window_bits = parse_window_bits(tok, value);
        else
            die("--pmd: unknown permessage-deflate parameter '%s'", tok);
    }
}

#define SHORTOPTS "r:xp::s:l:mkfhV"
enum { OPT_RULES = 256, OPT_RULES_MARKDOWN, OPT_MESSAGES_MARKDOWN };

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"role", required_argument, NULL, 'r'},
        {"hex", no_argument, NULL, 'x'},
        {"pmd", optional_argument, NULL, 'p'},
        {"strict", required_argument, NULL, 's'},
        {"lenient", required_argument, NULL, 'l'},
        {"midstream", no_argument, NULL, 'm'},
        {"keep-going", no_argument, NULL, 'k'},
        {"frames", no_argument, NULL, 'f'},
        {"rules", no_argument, NULL, OPT_RULES},
        {"rules-markdown", no_argument, NULL, OPT_RULES_MARKDOWN},
        {"messages-markdown", no_argument, NULL, OPT_MESSAGES_MARKDOWN},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct options opt = {0};
    int c;

    opterr = 0; /* our own one-line messages */
    while ((c = getopt_long(argc, argv, ":" SHORTOPTS, longopts, NULL)) != -1) {
        switch (c) {
        case 'r':
            if (strcmp(optarg, "client") == 0)
                opt.cfg.role[0] = WSV_ROLE_CLIENT;
            else if (strcmp(optarg, "server") == 0)
                opt.cfg.role[0] = WSV_ROLE_SERVER;
            else if (strcmp(optarg, "unknown") == 0)
                opt.cfg.role[0] = WSV_ROLE_UNKNOWN;
            else
                die("--role must be client, server or unknown, not '%s'", optarg);
            break;
        case 'x':
            opt.hex = true;
            break;
        case 'p':
            parse_pmd(&opt.cfg.pmd, optarg);
            break;
        case 's':
            opt.cfg.strict |= parse_switches(optarg, WSV_SW_STRICT);
            break;
        case 'l':
            opt.cfg.strict |= parse_switches(optarg, WSV_SW_LENIENT);
            break;
        case 'm':
            opt.cfg.midstream[0] = true;
            break;
        case 'k':
            opt.keep_going = true;
            break;
        case 'f':
            opt.frames = true;
            break;
        case OPT_RULES:
            print_rules();
            return EXIT_CLEAN;
        case OPT_RULES_MARKDOWN:
            print_rules_markdown();
            return EXIT_CLEAN;
        case OPT_MESSAGES_MARKDOWN:
            return print_messages_markdown() ? EXIT_USAGE : EXIT_CLEAN;
        case 'h':
            usage();
            return EXIT_CLEAN;
        case 'V':
            printf(PROG " " WS1002_VERSION "\n");
            return EXIT_CLEAN;
        case ':':
            if (strncmp(argv[optind - 1], "--", 2) == 0)
                die("option '%s' needs a value (see " PROG " --help)", argv[optind - 1]);
            die("option '-%c' needs a value (see " PROG " --help)", optopt);
        default:
            /* getopt_long leaves optopt 0 for an unknown long option, and sets
             * it to the option's own value for a known one given a value. */
            if (optopt == 0)
                die("unknown option '%s' (see " PROG " --help)", argv[optind - 1]);
            if (optopt >= OPT_RULES || strchr(SHORTOPTS, optopt))
                die("option '%.*s' takes no value (see " PROG " --help)",
                    (int)strcspn(argv[optind - 1], "="), argv[optind - 1]);
            die("unknown option '-%c' (see " PROG " --help)", optopt);
        }
    }
    if (optind == argc)
        die("no input file (use '-' for standard input; see " PROG " --help)");
    if (argc - optind > 1)
        die("one input file only, got '%s' and '%s'", argv[optind], argv[optind + 1]);
    opt.path = argv[optind];

    struct run r = {.opt = &opt, .rule_width = rule_id_width(true)};
    judge(&opt, &r);
    if (fflush(stdout) != 0)
        die("cannot write the output: %s", strerror(errno));
    return r.must_fail ? EXIT_MUST_FAIL : EXIT_CLEAN;
}
