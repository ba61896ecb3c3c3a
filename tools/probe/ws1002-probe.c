/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ws1002-probe: test a live WebSocket server's reaction to each violation.
 *
 * Without --suite it tests the connection: the opening handshake (what was
 * negotiated, and what the core's checks find in the 101), one text message
 * and one Ping, a clean close. With --suite it runs every scenario of the
 * table (scenarios.c), each on its own connection, and judges what the
 * server did against the rule table (verdict.h). --pcap records the run with
 * dumpcap; --keylog writes the TLS secrets so that Wireshark decrypts it.
 */
#include <err.h>
#include <getopt.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "net.h"
#include "output.h"
#include "session.h"

#ifndef WS1002_VERSION
#define WS1002_VERSION "unknown"
#endif

#define PROG        "ws1002-probe"
#define MAX_HEADERS 16

/* Exit statuses: documented in --help and relied on by the tests. */
enum { EXIT_ALL_OK = 0, EXIT_VERDICTS = 1, EXIT_USAGE = 2 };

struct options {
    const char *url;
    bool suite, json, list, insecure, no_deflate;
    const char *only, *pcap, *pcap_iface, *keylog, *cafile, *protocols, *origin;
    double timeout;
    const char *headers[MAX_HEADERS];
    size_t nheaders;
};

/* The one way out for usage and connection errors: one line on stderr,
 * "ws1002-probe: ..." (err.h names the program), exit 2. */
#define die(...) errx(EXIT_USAGE, __VA_ARGS__)

static void usage(FILE *out)
{
    fputs("usage: " PROG " [options] ws://host[:port]/path | wss://host[:port]/path\n"
          "\n"
          "Without --suite: test the connection (opening handshake and what it negotiated,\n"
          "one text message, one Ping, a clean close). With --suite: send each RFC 6455 /\n"
          "RFC 7692 violation of the rule table on its own connection and judge the\n"
          "server's reaction.\n"
          "\n"
          "  --suite             run every scenario (--list shows them)\n"
          "  --only REGEX        with --suite: only scenarios whose name or rule ID matches\n"
          "                      (POSIX extended regular expression)\n"
          "  --list              list the scenarios and exit\n"
          "  --json              one JSON object per line and scenario instead of the table\n"
          "  --timeout SECONDS   bound of every wait: connect, TLS, handshake, each read\n"
          "                      (default 2)\n"
          "  --pcap FILE         record the run with dumpcap (pcapng; pcap if FILE ends in\n"
          "                      .pcap); open it with the ws1002 plugin\n"
          "  --pcap-interface IF capture interface (default: lo for a loopback address,\n"
          "                      any otherwise)\n"
          "  --keylog FILE       wss://: append the TLS secrets (SSLKEYLOGFILE format)\n"
          "  --insecure          wss://: do not verify the server's certificate\n"
          "  --cafile FILE       wss://: trust the CA certificates in FILE (PEM)\n"
          "  --protocol LIST     offer these subprotocols (Sec-WebSocket-Protocol)\n"
          "  --origin ORIGIN     send an Origin header\n"
          "  --header 'N: V'     send this header too (repeatable)\n"
          "  --no-deflate        connection test: do not offer permessage-deflate\n"
          "  --version, --help\n"
          "\n"
          "Verdicts (per scenario):\n"
          "  ok          as the rule table wants: a must-fail violation failed with its close\n"
          "              code, or by closing TCP without a Close (RFC 6455 7.1.7 allows\n"
          "              omitting the Close); a sender warning ignored or failed with a\n"
          "              listed code; a legal look-alike carried on and closed normally\n"
          "  non-strict  acceptable, not preferred: an alternative code of the rule table,\n"
          "              failing only after later frames, a version refusal without\n"
          "              Sec-WebSocket-Version, rejecting 1012-1014 (legacy receiver)\n"
          "  wrong-code  a close code the rule table does not list for the scenario\n"
          "  unclean     a TCP reset, or TCP closed without a Close where no failure was due\n"
          "  ignored     a must-fail violation not acted on: Ping answered, message echoed,\n"
          "              bad Close answered as normal, bad upgrade answered with 101\n"
          "  no-answer   nothing within the timeout (not even a Pong to the probe's Ping)\n"
          "  skipped     needs permessage-deflate, which the server did not negotiate\n"
          "\n"
          "Exit status: 0 every verdict ok (or skipped) and no rule broken by the server;\n"
          "1 otherwise; 2 usage or connection error (one line on stderr).\n",
          out);
}

static double parse_seconds(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (*s == '\0' || *end != '\0' || !(v > 0) || v > 600)
        die("--timeout: expected seconds (0 < t <= 600), got '%s'", s);
    return v;
}

static void parse_options(int argc, char **argv, struct options *o)
{
    enum {
        OPT_SUITE = 256,
        OPT_ONLY,
        OPT_LIST,
        OPT_JSON,
        OPT_TIMEOUT,
        OPT_PCAP,
        OPT_PCAP_IFACE,
        OPT_KEYLOG,
        OPT_INSECURE,
        OPT_CAFILE,
        OPT_PROTOCOL,
        OPT_ORIGIN,
        OPT_HEADER,
        OPT_NO_DEFLATE,
        OPT_VERSION,
    };
    static const struct option longopts[] = {
        {"suite", no_argument, NULL, OPT_SUITE},
        {"only", required_argument, NULL, OPT_ONLY},
        {"list", no_argument, NULL, OPT_LIST},
        {"json", no_argument, NULL, OPT_JSON},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"pcap", required_argument, NULL, OPT_PCAP},
        {"pcap-interface", required_argument, NULL, OPT_PCAP_IFACE},
        {"keylog", required_argument, NULL, OPT_KEYLOG},
        {"insecure", no_argument, NULL, OPT_INSECURE},
        {"cafile", required_argument, NULL, OPT_CAFILE},
        {"protocol", required_argument, NULL, OPT_PROTOCOL},
        {"origin", required_argument, NULL, OPT_ORIGIN},
        {"header", required_argument, NULL, OPT_HEADER},
        {"no-deflate", no_argument, NULL, OPT_NO_DEFLATE},
        {"version", no_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(o, 0, sizeof *o);
    o->timeout = 2.0;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_SUITE:
            o->suite = true;
            break;
        case OPT_ONLY:
            o->only = optarg;
            break;
        case OPT_LIST:
            o->list = true;
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_TIMEOUT:
            o->timeout = parse_seconds(optarg);
            break;
        case OPT_PCAP:
            o->pcap = optarg;
            break;
        case OPT_PCAP_IFACE:
            o->pcap_iface = optarg;
            break;
        case OPT_KEYLOG:
            o->keylog = optarg;
            break;
        case OPT_INSECURE:
            o->insecure = true;
            break;
        case OPT_CAFILE:
            o->cafile = optarg;
            break;
        case OPT_PROTOCOL:
            o->protocols = optarg;
            break;
        case OPT_ORIGIN:
            o->origin = optarg;
            break;
        case OPT_HEADER:
            if (o->nheaders == MAX_HEADERS)
                die("--header: at most %d", MAX_HEADERS);
            if (!strchr(optarg, ':') || strpbrk(optarg, "\r\n"))
                die("--header: expected 'Name: value' on one line, got '%s'", optarg);
            o->headers[o->nheaders++] = optarg;
            break;
        case OPT_NO_DEFLATE:
            o->no_deflate = true;
            break;
        case OPT_VERSION:
            printf(PROG " " WS1002_VERSION "\n");
            exit(EXIT_ALL_OK);
        case 'h':
            usage(stdout);
            exit(EXIT_ALL_OK);
        default:
            die("unknown option or missing argument: %s (see --help)", argv[optind - 1]);
        }
    }
    if (o->list)
        return;
    if (optind != argc - 1)
        die("expected one ws:// or wss:// URL (see --help)");
    o->url = argv[optind];
    if (o->only && !o->suite)
        die("--only needs --suite");
}

static bool selected(const struct probe_scenario *sc, const regex_t *re)
{
    return !re || regexec(re, sc->name, 0, NULL, 0) == 0 ||
           regexec(re, wsv_rule_get(sc->rule)->id, 0, NULL, 0) == 0;
}

struct tally {
    unsigned n[PV_ERROR + 1];
    unsigned server_breaks;
    char first_error[320];
};

static int run_suite(const struct options *o, const struct probe_config *cfg, const regex_t *re)
{
    /* First the connection itself: if it fails there is nothing to judge. */
    struct probe_check check;
    probe_check_connection(cfg, false, &check);
    if (!check.connected)
        die("%s", check.err);
    if (!o->json) {
        printf("%s: %s (%s port %u)%s%s\n", PROG, o->url, cfg->net->addr_text, cfg->net->port,
               check.tls_info[0] ? ", " : "", check.tls_info);
        printf("handshake: %s; extensions: %s; timeout %.1f s\n\n", check.hs.status_line,
               output_extensions(&check.hs), cfg->timeout);
        output_table_header(stdout);
        fflush(stdout);
    }
    struct tally t = {0};
    unsigned run = 0;
    for (size_t i = 0; i < probe_scenario_count; i++) {
        const struct probe_scenario *sc = &probe_scenarios[i];
        if (!selected(sc, re))
            continue;
        struct probe_result r = {.sc = sc};
        double t0 = net_now();
        probe_run_scenario(cfg, sc, &r.obs, &r.hs, &r.local_port);
        r.seconds = net_now() - t0;
        probe_judge(sc, &r.obs, &r.j);
        t.n[r.j.verdict]++;
        t.server_breaks += r.obs.server_violations > 0;
        if (r.j.verdict == PV_ERROR && !t.first_error[0])
            snprintf(t.first_error, sizeof t.first_error, "%s: %s", sc->name, r.obs.err);
        if (o->json)
            output_json(stdout, &r);
        else
            output_table_row(stdout, &r);
        fflush(stdout);
        run++;
    }
    if (run == 0)
        die("--only '%s' selects no scenario (see --list)", o->only);
    if (!o->json) {
        printf("\n%u scenarios:", run);
        for (int v = PV_OK; v <= PV_ERROR; v++)
            if (t.n[v])
                printf(" %u %s,", t.n[v], probe_verdict_name((enum probe_verdict)v));
        if (t.server_breaks)
            printf(" and the server's own frames broke a rule in %u\n", t.server_breaks);
        else
            printf(" and the server's own frames broke no rule\n");
    }
    if (t.n[PV_ERROR]) {
        fflush(stdout);
        fprintf(stderr, "%s: %u scenario(s) could not run; first: %s\n", PROG, t.n[PV_ERROR],
                t.first_error);
        return EXIT_USAGE;
    }
    bool all_ok = t.server_breaks == 0;
    for (int v = PV_NON_STRICT; v <= PV_NO_ANSWER; v++)
        all_ok &= t.n[v] == 0;
    return all_ok ? EXIT_ALL_OK : EXIT_VERDICTS;
}

/* dumpcap is stopped on every way out, die() included. */
static struct capture capture;

static void stop_capture_at_exit(void)
{
    capture_stop(&capture, NULL, 0);
}

static int run_check(const struct options *o, const struct probe_config *cfg)
{
    struct probe_check c;
    probe_check_connection(cfg, o->no_deflate, &c);
    if (!c.connected)
        die("%s", c.err);
    bool ok = c.hs.nfindings == 0 && c.pong && (!c.echo || c.echo_identical) && c.close &&
              (!c.close_has_code || c.close_code == 1000) && !c.reset && c.server_violations == 0;
    output_check(stdout, cfg, &c, o->json, ok);
    return ok ? EXIT_ALL_OK : EXIT_VERDICTS;
}

int main(int argc, char **argv)
{
    struct options o;
    parse_options(argc, argv, &o);
    if (o.list) {
        output_scenario_list(stdout);
        return EXIT_ALL_OK;
    }
    /* A peer that resets while we write must not kill the probe. */
    signal(SIGPIPE, SIG_IGN);

    regex_t re;
    if (o.only && regcomp(&re, o.only, REG_EXTENDED | REG_NOSUB) != 0)
        die("--only: not a valid regular expression: %s", o.only);

    struct probe_url url;
    char err[300];
    if (!probe_url_parse(o.url, &url, err, sizeof err))
        die("%s", err);
    if (!url.tls && (o.keylog || o.insecure || o.cafile))
        die("--keylog, --insecure and --cafile are for wss:// URLs");
    struct net_config ncfg = {
        .timeout = o.timeout, .insecure = o.insecure, .cafile = o.cafile, .keylog = o.keylog};
    struct net_ctx net;
    if (!net_ctx_init(&net, &ncfg, &url, err, sizeof err))
        die("%s", err);

    struct capture *cap = &capture;
    if (o.pcap) {
        const char *iface = o.pcap_iface ? o.pcap_iface : net.loopback ? "lo" : "any";
        if (!capture_start(cap, o.pcap, iface, net.port, err, sizeof err))
            die("%s", err);
        atexit(stop_capture_at_exit);
    }
    struct probe_config cfg = {.net = &net,
                               .url = &url,
                               .timeout = o.timeout,
                               .protocols = o.protocols,
                               .origin = o.origin,
                               .headers = o.headers,
                               .nheaders = o.nheaders};
    int rc = o.suite ? run_suite(&o, &cfg, o.only ? &re : NULL) : run_check(&o, &cfg);
    if (o.pcap) {
        bool ok = capture_stop(cap, err, sizeof err);
        fflush(stdout);
        if (!ok)
            die("%s", err);
        fprintf(
            stderr,
            "%s: recorded %s (%s); to read it with ws1002: tshark -r %s -d tcp.port==%u,%s%s%s\n",
            PROG, o.pcap, cap->packets[0] ? cap->packets : "dumpcap said nothing", o.pcap, net.port,
            url.tls ? "tls" : "http", url.tls && o.keylog ? " -o tls.keylog_file:" : "",
            url.tls && o.keylog ? o.keylog : "");
    }
    net_ctx_free(&net);
    if (o.only)
        regfree(&re);
    return rc;
}
