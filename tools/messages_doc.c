/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * docs/messages.md, the message guide: every text of the reason table
 * (wsv_reasons.def) under each browser or library that prints or sends it,
 * with the rule it names, the close code a conforming receiver sends and the
 * display filter that finds the frame. `ws1002 --messages-markdown` prints it;
 * the page is generated entirely from the table and the texts below, and the
 * test docs_messages_in_sync keeps the committed page equal to it.
 */
#include "messages_doc.h"

#include <stdio.h>
#include <string.h>

#include "wsv/wsv.h"
#include "wsv/wsv_forensics.h"

/* Every source a row of the reason table may name, in the guide's order. */
struct msg_source {
    const char *name;   /* as in wsv_reasons.def */
    const char *anchor; /* the section's id */
    const char *title;
    const char *where; /* where the texts show up */
};

static const struct msg_source sources[] = {
    {"Chromium", "chromium", "Chromium (Chrome, Edge, Opera, Electron)",
     "The DevTools console prints `WebSocket connection to 'wss://...' failed: ` and the text;\n"
     "a failed upgrade reads `Error during WebSocket handshake: ` and the text. When Chromium\n"
     "fails an open connection it also sends a Close with a short reason (`Invalid reserved\n"
     "bit`, `Unknown opcode`, ...), which the server may log."},
    {"Safari", "safari", "Safari (WebKit)",
     "The Web Inspector console, with texts of WebKit's WebSocket implementation."},
    {"Firefox", "firefox", "Firefox",
     "Firefox sends a Close with a code but no reason, and its console only says that it could\n"
     "not connect or that the connection was interrupted. These texts are in its log: enable\n"
     "the log module `nsWebSocket` in `about:logging`; each line starts `WebSocketChannel::`."},
    {"ws", "ws", "ws (Node.js)",
     "The `error` event of the socket; frame errors start with `Invalid WebSocket frame: `. ws\n"
     "sends the close code (1002, 1007, 1009) but no reason. A client's failed upgrade is its\n"
     "`error` event; a server's is the body of its 400/405 answer and its `wsClientError`\n"
     "event."},
    {"undici", "undici", "undici (the global WebSocket of Node.js 22 and later)",
     "The reason of the Close undici fails the connection with, also in the `error` and\n"
     "`close` events."},
    {"zlib", "zlib", "zlib (through ws and undici)",
     "Inflate errors of a permessage-deflate message, passed on as the reason of a Close\n"
     "1007."},
    {"websockets", "websockets", "websockets (Python)",
     "Exception texts (`ProtocolError`, `InvalidHeader`, `InvalidStatus`,\n"
     "`NegotiationError`, in `ConnectionClosedError` as `sent 1002 (protocol error) ...`).\n"
     "Since 10.0 the exception text is also the reason of the Close it sends, and a Close 1007\n"
     "carries the UTF-8 codec's reason (`invalid start byte at position 0`)."},
    {"wsproto", "wsproto", "wsproto (Python)",
     "The reason of the Close wsproto fails the connection with (`CloseConnection`), and the\n"
     "`RemoteProtocolError` texts of the handshake."},
    {"websocket-driver", "websocket-driver", "websocket-driver (faye, Node.js and Ruby)",
     "The reason of the Close it sends, also its `error` event; a client's failed upgrade reads\n"
     "`Error during WebSocket handshake: ` and the text."},
    {"libwebsockets", "libwebsockets", "libwebsockets (C)",
     "Short Close reasons of its frame parser."},
    {"Jetty", "jetty", "Jetty (Java)",
     "`ProtocolException` texts, also the reason of the Close 1002 Jetty sends."},
    {"Netty", "netty", "Netty (Java)",
     "`CorruptedWebSocketFrameException` texts of `WebSocket08FrameDecoder`, also the reason\n"
     "of the Close Netty sends."},
    {"Tomcat", "tomcat", "Tomcat (Java)",
     "The `wsFrame.*` messages, sent as the reason of Tomcat's Close, and the texts of its\n"
     "client container."},
    {"gorilla", "gorilla", "gorilla/websocket (Go)",
     "The reason of the Close gorilla sends; the error it returns adds `websocket: `. Up to\n"
     "1.5.0 one text per error; from 1.5.1 on several short texts joined with `, ` (`RSV1 set,\n"
     "bad MASK`). A server's failed upgrade reads `websocket: the client is not using the\n"
     "websocket protocol: ` and the text."},
    {"coder/websocket", "coder-websocket", "coder/websocket (Go, formerly nhooyr.io/websocket)",
     "The reason of the Close it sends; the error it returns adds `websocket: ` or\n"
     "`failed to ...: `."},
};
#define N_SOURCES (sizeof sources / sizeof sources[0])

static const char intro[] =
    "# From a message to the rule: the message guide\n"
    "\n"
    "You hold a message, not a rule: a browser console line, a server log, a client library's\n"
    "exception, the reason of a Close. Find it on this page (your browser's search is enough),\n"
    "and the row gives the rule of ws1002 it means, the close code a conforming receiver sends,\n"
    "and the display filter to type in Wireshark (or give `tshark -Y`) to find the frame that\n"
    "broke it. The rules themselves, with their RFC sections, are in [rules.md](rules.md).\n"
    "\n"
    "- A message usually holds more than the text below: a prefix of its library, a number, a\n"
    "  header value. Search for the fixed part.\n"
    "- The filter finds the frame that breaks the rule. The Close that answers it carries\n"
    "  `ws.close.cause` (the frame) and `ws.close.cause_rule`; a violating frame carries\n"
    "  `ws.close.reaction`, the peer's Close or TCP FIN/RST (needs `-2` in tshark).\n"
    "- Handshake texts are judged on the HTTP request and its 101: `ws.rule` items on those\n"
    "  packets.\n"
    "- Some texts mean one of several rules (a catch-all, or a text that a client and a server\n"
    "  use for different things); their row says which, and the filter lists them all.\n"
    "  Receiver limits (message too big, too many fragments) are not rules: nothing in the\n"
    "  capture breaks one, the receiver chose to stop.\n"
    "\n"
    "The plugin knows the same texts: a Close whose reason holds one of them gets\n"
    "`ws.close.reason_rule` (the rule) and `ws.close.reason_match` (the text), also when the\n"
    "frame that caused it is not in the capture. The filter\n"
    "`ws.close.reason_match == \"<text in the first column>\"` finds such a Close. Matching\n"
    "ignores case, wants whole words, and prefers the longest text found.\n"
    "\n"
    "This page is generated by `ws1002 --messages-markdown` from the reason table of the\n"
    "validator core (`plugin/core/include/wsv/wsv_reasons.def`); do not edit it by hand. The\n"
    "test `docs_messages_in_sync` fails when the page and the table differ; regenerate it with\n"
    "`cmake --build <build-dir> --target messages-doc`.\n";

/* Does source list s ("A, B") name n? */
static int names(const char *s, const char *n)
{
    size_t len = strlen(n);
    while (*s) {
        size_t k = strcspn(s, ",");
        if (k == len && strncmp(s, n, len) == 0)
            return 1;
        s += k;
        while (*s == ',' || *s == ' ')
            s++;
    }
    return 0;
}

/* Prose in a table cell. */
static void text_cell(const char *s)
{
    for (; *s; s++) {
        if (*s == '|' || *s == '*' || *s == '_' || *s == '`')
            putchar('\\');
        putchar(*s);
    }
}

/* The text as a code span in a table cell. */
static void code_cell(const char *s)
{
    putchar('`');
    for (; *s; s++) {
        if (*s == '|')
            putchar('\\');
        putchar(*s);
    }
    putchar('`');
}

/* Is the rule ID id in text t, as a whole token? */
static int mentions(const char *t, const char *id)
{
    size_t n = strlen(id);
    for (const char *p = strstr(t, id); p; p = strstr(p + 1, id)) {
        int before = p > t && (p[-1] == '-' || (p[-1] >= 'a' && p[-1] <= 'z'));
        int after = p[n] == '-' || (p[n] >= 'a' && p[n] <= 'z') || (p[n] >= '0' && p[n] <= '9');
        if (!before && !after)
            return 1;
    }
    return 0;
}

/* The filter for a row that names no single rule: every rule its meaning
 * mentions; "-" if it mentions none. */
static void filter_for_meaning(const char *meaning)
{
    const char *ids[WSV_RULE_COUNT];
    unsigned n = 0;
    for (unsigned i = 0; i < WSV_RULE_COUNT; i++) {
        const struct wsv_rule_info *r = wsv_rule_get((enum wsv_rule)i);
        if (mentions(meaning, r->id))
            ids[n++] = r->id;
    }
    if (n == 0) {
        printf("-");
    } else if (n == 1) {
        printf("`ws.rule == \"%s\"`", ids[0]);
    } else {
        printf("`ws.rule in {");
        for (unsigned i = 0; i < n; i++)
            printf("%s\"%s\"", i ? ", " : "", ids[i]);
        printf("}`");
    }
}

static void print_row(const struct wsv_reason_info *ri)
{
    printf("| ");
    code_cell(ri->text);
    if (ri->rule == WSV_RULE_COUNT) {
        printf(" | ");
        text_cell(ri->meaning);
        printf(" | - | ");
        filter_for_meaning(ri->meaning);
        printf(" |\n");
        return;
    }
    const struct wsv_rule_info *r = wsv_rule_get(ri->rule);
    printf(" | `%s` ([%s](https://www.rfc-editor.org/rfc/rfc%u#section-%s)): ", r->id, r->ref,
           r->rfc, r->section);
    text_cell(r->statement);
    printf(" | ");
    if (r->close)
        printf("%u", r->close);
    else
        printf("-");
    printf(" | `ws.rule == \"%s\"` |\n", r->id);
}

int print_messages_markdown(void)
{
    size_t n = wsv_reason_count();

    /* A source outside the list would be missing from the page. */
    for (size_t i = 0; i < n; i++) {
        const struct wsv_reason_info *ri = wsv_reason_get(i);
        size_t listed = 1, known = 0;
        for (const char *c = strchr(ri->source, ','); c; c = strchr(c + 1, ','))
            listed++;
        for (size_t k = 0; k < N_SOURCES; k++)
            known += (size_t)names(ri->source, sources[k].name);
        if (known != listed) {
            fprintf(stderr, "ws1002: reason table row \"%s\": unknown source in \"%s\"\n", ri->text,
                    ri->source);
            return 1;
        }
    }

    fputs("<!-- Generated by `ws1002 --messages-markdown`. Do not edit. -->\n", stdout);
    fputs(intro, stdout);
    printf("\n## Sources\n\n");
    for (size_t k = 0; k < N_SOURCES; k++) {
        size_t count = 0;
        for (size_t i = 0; i < n; i++)
            count += (size_t)names(wsv_reason_get(i)->source, sources[k].name);
        printf("- [%s](#%s): %zu message%s\n", sources[k].title, sources[k].anchor, count,
               count == 1 ? "" : "s");
    }
    for (size_t k = 0; k < N_SOURCES; k++) {
        printf("\n<a id=\"%s\"></a>\n\n## %s\n\n%s\n\n", sources[k].anchor, sources[k].title,
               sources[k].where);
        printf("| Message | Means | Close | Filter |\n");
        printf("|---------|-------|-------|--------|\n");
        for (size_t i = 0; i < n; i++) {
            const struct wsv_reason_info *ri = wsv_reason_get(i);
            if (names(ri->source, sources[k].name))
                print_row(ri);
        }
    }
    return 0;
}
