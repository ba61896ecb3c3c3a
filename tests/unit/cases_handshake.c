/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Cases for the opening handshake (RFC 6455 §4, §9.1, §11.3) and the
 * permessage-deflate negotiation (RFC 7692 §5, §7): each rule fires on a
 * minimal departure from the RFC's own example and stays silent on the legal
 * look-alikes that real implementations get wrong (ws and undici fail a
 * server that picks no subprotocol, websocket-driver and undici a Connection
 * token list).
 */
#include "test_handshake.h"

/* The example handshake of RFC 6455 §1.3. */
#define GET      "GET /chat HTTP/1.1\r\n"
#define HOST     "Host: server.example.com\r\n"
#define UPG      "Upgrade: websocket\r\n"
#define CONN     "Connection: Upgrade\r\n"
#define KEY      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
#define VER      "Sec-WebSocket-Version: 13\r\n"
#define EOH      "\r\n"
#define R101     "HTTP/1.1 101 Switching Protocols\r\n"
#define ACC      "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
#define EXT(v)   "Sec-WebSocket-Extensions: " v "\r\n"
#define PROTO(v) "Sec-WebSocket-Protocol: " v "\r\n"
#define VER8     "Sec-WebSocket-Version: 8\r\n"

/* The example request and response, plus extra header lines. */
#define REQ(extra)  GET HOST UPG CONN KEY VER extra EOH
#define RESP(extra) R101 UPG CONN ACC extra EOH
#define REQ_V8      GET HOST UPG CONN KEY VER8 EOH

#define PMD      "permessage-deflate"
#define OFFER(v) REQ(EXT(v))
#define GOT(v)   RESP(EXT(v))

#define R(name) WSV_R_##name
/* A case that expects no violation at all. */
#define NOTHING .v = {{.set = false}}

const struct hs_case hs_cases[] = {
    /* ---- handshake-req-method ---- */
    {R(HANDSHAKE_REQ_METHOD), TC_FIRES, "post", "POST /chat HTTP/1.1\r\n" HOST UPG CONN KEY VER EOH,
     NULL, .v = {RQ(HANDSHAKE_REQ_METHOD, "POST", VALUE)}},
    {R(HANDSHAKE_REQ_METHOD), TC_FIRES, "lower_case_get",
     "get /chat HTTP/1.1\r\n" HOST UPG CONN KEY VER EOH, NULL,
     .v = {RQ(HANDSHAKE_REQ_METHOD, "get", VALUE)}},
    {R(HANDSHAKE_REQ_METHOD), TC_FIRES, "http_1_0",
     "GET /chat HTTP/1.0\r\n" HOST UPG CONN KEY VER EOH, NULL,
     .v = {RQ(HANDSHAKE_REQ_METHOD, "HTTP/1.0", VALUE)}},
    {R(HANDSHAKE_REQ_METHOD), TC_FIRES, "no_http_version",
     "GET /chat\r\n" HOST UPG CONN KEY VER EOH, NULL,
     .v = {RQ(HANDSHAKE_REQ_METHOD, NULL, MISSING)}},
    {R(HANDSHAKE_REQ_METHOD), TC_FIRES, "malformed_version",
     "GET /chat HTTP/1.1x\r\n" HOST UPG CONN KEY VER EOH, NULL,
     .v = {RQ(HANDSHAKE_REQ_METHOD, "HTTP/1.1x", SYNTAX)}},
    {R(HANDSHAKE_REQ_METHOD), TC_SILENT, "rfc_example", REQ(""), RESP(""), .pmd = "off",
     .extensions = "", .subprotocol = ""},
    {R(HANDSHAKE_REQ_METHOD), TC_SILENT, "http_2_0",
     "GET /chat HTTP/2.0\r\n" HOST UPG CONN KEY VER EOH, NULL, NOTHING},

    /* ---- handshake-req-host ---- */
    {R(HANDSHAKE_REQ_HOST), TC_FIRES, "missing", GET UPG CONN KEY VER EOH, NULL,
     .v = {RQ(HANDSHAKE_REQ_HOST, NULL, MISSING)}},
    {R(HANDSHAKE_REQ_HOST), TC_FIRES, "empty", GET "Host:\r\n" UPG CONN KEY VER EOH, NULL,
     .v = {RQ(HANDSHAKE_REQ_HOST, "Host:", VALUE)}},
    {R(HANDSHAKE_REQ_HOST), TC_FIRES, "repeated",
     GET HOST "Host: other.example.com\r\n" UPG CONN KEY VER EOH, NULL,
     .v = {RQ(HANDSHAKE_REQ_HOST, "Host: other", REPEATED)}},
    {R(HANDSHAKE_REQ_HOST), TC_SILENT, "lower_case_name",
     GET "host: server.example.com:8080\r\n" UPG CONN KEY VER EOH, NULL, NOTHING},

    /* ---- handshake-req-upgrade ---- */
    {R(HANDSHAKE_REQ_UPGRADE), TC_FIRES, "missing", GET HOST CONN KEY VER EOH, NULL,
     .v = {RQ(HANDSHAKE_REQ_UPGRADE, NULL, MISSING)}},
    {R(HANDSHAKE_REQ_UPGRADE), TC_FIRES, "h2c", GET HOST "Upgrade: h2c\r\n" CONN KEY VER EOH, NULL,
     .v = {RQ(HANDSHAKE_REQ_UPGRADE, "h2c", VALUE)}},
    {R(HANDSHAKE_REQ_UPGRADE), TC_FIRES, "with_protocol_version",
     GET HOST "Upgrade: websocket/13\r\n" CONN KEY VER EOH, NULL,
     .v = {RQ(HANDSHAKE_REQ_UPGRADE, "websocket/13", VALUE)}},
    {R(HANDSHAKE_REQ_UPGRADE), TC_SILENT, "mixed_case_in_list",
     GET HOST "Upgrade: h2c, WebSocket\r\n" CONN KEY VER EOH, NULL, NOTHING},

    /* ---- handshake-req-connection ---- */
    {R(HANDSHAKE_REQ_CONNECTION), TC_FIRES, "missing", GET HOST UPG KEY VER EOH, NULL,
     .v = {RQ(HANDSHAKE_REQ_CONNECTION, NULL, MISSING)}},
    {R(HANDSHAKE_REQ_CONNECTION), TC_FIRES, "keep_alive_only",
     GET HOST UPG "Connection: keep-alive\r\n" KEY VER EOH, NULL,
     .v = {RQ(HANDSHAKE_REQ_CONNECTION, "keep-alive", VALUE)}},
    {R(HANDSHAKE_REQ_CONNECTION), TC_SILENT, "keep_alive_upgrade",
     GET HOST UPG "Connection: keep-alive, Upgrade\r\n" KEY VER EOH, RESP(""), NOTHING},
    {R(HANDSHAKE_REQ_CONNECTION), TC_SILENT, "over_two_headers",
     GET HOST UPG "Connection: keep-alive\r\nConnection: upgrade\r\n" KEY VER EOH, NULL, NOTHING},
    {R(HANDSHAKE_REQ_CONNECTION), TC_SILENT, "obs_fold",
     GET HOST UPG "Connection: keep-alive,\r\n\tUpgrade\r\n" KEY VER EOH, NULL, NOTHING},

    /* ---- handshake-req-key ---- */
    {R(HANDSHAKE_REQ_KEY), TC_FIRES, "15_bytes",
     GET HOST UPG CONN "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j\r\n" VER EOH, NULL,
     .v = {RQ(HANDSHAKE_REQ_KEY, "dGhlIHNhbXBsZSBub25j", VALUE, DETAIL(15))}},
    {R(HANDSHAKE_REQ_KEY), TC_FIRES, "17_bytes",
     GET HOST UPG CONN "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZXM=\r\n" VER EOH, NULL,
     .v = {RQ(HANDSHAKE_REQ_KEY, "dGhlIHNhbXBsZSBub25jZXM=", VALUE, DETAIL(17))}},
    {R(HANDSHAKE_REQ_KEY), TC_FIRES, "not_base64",
     GET HOST UPG CONN "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ!!\r\n" VER EOH, NULL,
     .v = {RQ(HANDSHAKE_REQ_KEY, "dGhl", SYNTAX, DETAIL(0))}},
    {R(HANDSHAKE_REQ_KEY), TC_FIRES, "unpadded",
     GET HOST UPG CONN "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\n" VER EOH, NULL,
     .v = {RQ(HANDSHAKE_REQ_KEY, "dGhl", SYNTAX, DETAIL(0))}},
    {R(HANDSHAKE_REQ_KEY), TC_FIRES, "repeated", GET HOST UPG CONN KEY KEY VER EOH, RESP(""),
     .v = {RQ(HANDSHAKE_REQ_KEY, "Sec-WebSocket-Key", REPEATED, NTH(2))}},
    {R(HANDSHAKE_REQ_KEY), TC_FIRES, "missing", GET HOST UPG CONN VER EOH, NULL,
     .v = {RQ(HANDSHAKE_REQ_KEY, NULL, MISSING)}},
    {R(HANDSHAKE_REQ_KEY), TC_SILENT, "surrounding_blanks",
     GET HOST UPG CONN "Sec-WebSocket-Key: \t dGhlIHNhbXBsZSBub25jZQ== \t\r\n" VER EOH, RESP(""),
     NOTHING},
    {R(HANDSHAKE_REQ_KEY), TC_SILENT, "lf_line_ends",
     "GET /chat HTTP/1.1\nHost: server.example.com\nUpgrade: websocket\nConnection: Upgrade\n"
     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\nSec-WebSocket-Version: 13\n\n",
     "HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\nConnection: Upgrade\n"
     "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\n\n",
     NOTHING},

    /* ---- handshake-version ---- */
    {R(HANDSHAKE_VERSION), TC_FIRES, "8", REQ_V8, NULL,
     .v = {RQ(HANDSHAKE_VERSION, "8\r\n", VALUE, DETAIL(8))}},
    {R(HANDSHAKE_VERSION), TC_FIRES, "list",
     GET HOST UPG CONN KEY "Sec-WebSocket-Version: 13, 8\r\n" EOH, NULL,
     .v = {RQ(HANDSHAKE_VERSION, "13, 8", VALUE, DETAIL(0))}},
    {R(HANDSHAKE_VERSION), TC_FIRES, "repeated", GET HOST UPG CONN KEY VER VER EOH, NULL,
     .v = {RQ(HANDSHAKE_VERSION, "Sec-WebSocket-Version", REPEATED, NTH(2))}},
    {R(HANDSHAKE_VERSION), TC_FIRES, "missing", GET HOST UPG CONN KEY EOH, NULL,
     .v = {RQ(HANDSHAKE_VERSION, NULL, MISSING)}},
    {R(HANDSHAKE_VERSION), TC_SILENT, "13_with_blanks",
     GET HOST UPG CONN KEY "Sec-WebSocket-Version:   13  \r\n" EOH, NULL, NOTHING},

    /* ---- handshake-version-no-header ---- */
    {R(HANDSHAKE_VERSION_NO_HEADER), TC_FIRES, "400_after_version_8", REQ_V8,
     "HTTP/1.1 400 Bad Request\r\n\r\n",
     .v = {RQ(HANDSHAKE_VERSION, "8\r\n", VALUE, DETAIL(8)),
           RS(HANDSHAKE_VERSION_NO_HEADER, "400", MISSING, DETAIL(400))}},
    {R(HANDSHAKE_VERSION_NO_HEADER), TC_FIRES, "426", REQ(""),
     "HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\n\r\n",
     .v = {RS(HANDSHAKE_VERSION_NO_HEADER, "426", MISSING, DETAIL(426))}},
    {R(HANDSHAKE_VERSION_NO_HEADER), TC_FIRES, "426_request_not_captured", NULL,
     "HTTP/1.1 426 Upgrade Required\r\n\r\n",
     .v = {RS(HANDSHAKE_VERSION_NO_HEADER, "426", MISSING, DETAIL(426))}},
    {R(HANDSHAKE_VERSION_NO_HEADER), TC_FIRES, "426_empty_list", REQ_V8,
     "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version:\r\n\r\n",
     .v = {RQ(HANDSHAKE_VERSION, "8\r\n", VALUE), RS(HANDSHAKE_VERSION_NO_HEADER, "426", MISSING)},
     .versions = ""},
    {R(HANDSHAKE_VERSION_NO_HEADER), TC_SILENT, "426_with_13", REQ_V8,
     "HTTP/1.1 426 Upgrade Required\r\nSec-WebSocket-Version: 13\r\n\r\n",
     .v = {RQ(HANDSHAKE_VERSION, "8\r\n", VALUE), RS(HANDSHAKE_REFUSED, "426", NONE, DETAIL(426))},
     .versions = "13"},
    {R(HANDSHAKE_VERSION_NO_HEADER), TC_SILENT, "400_with_list", REQ_V8,
     "HTTP/1.1 400 Bad Request\r\nSec-WebSocket-Version: 13, 8\r\n\r\n",
     .v = {RQ(HANDSHAKE_VERSION, "8\r\n", VALUE), RS(HANDSHAKE_REFUSED, "400", NONE, DETAIL(400))},
     .versions = "13, 8"},
    {R(HANDSHAKE_VERSION_NO_HEADER), TC_SILENT, "400_with_list_over_two_headers", REQ_V8,
     "HTTP/1.1 400 Bad Request\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Version: 8\r\n\r\n",
     .v = {RQ(HANDSHAKE_VERSION, "8\r\n", VALUE), RS(HANDSHAKE_REFUSED, "400", NONE)},
     .versions = "13, 8"},
    {R(HANDSHAKE_VERSION_NO_HEADER), TC_SILENT, "426_after_bad_upgrade", GET HOST CONN KEY VER EOH,
     "HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\n\r\n",
     .v = {RQ(HANDSHAKE_REQ_UPGRADE, NULL, MISSING), RS(HANDSHAKE_REFUSED, "426", NONE)}},
    {R(HANDSHAKE_VERSION_NO_HEADER), TC_SILENT, "400_after_version_13", REQ(""),
     "HTTP/1.1 400 Bad Request\r\n\r\n", .v = {RS(HANDSHAKE_REFUSED, "400", NONE)}},

    /* ---- handshake-refused ---- */
    {R(HANDSHAKE_REFUSED), TC_FIRES, "403", REQ(""),
     "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n",
     .v = {RS(HANDSHAKE_REFUSED, "403", NONE, DETAIL(403))}},
    {R(HANDSHAKE_REFUSED), TC_FIRES, "302_redirect", REQ(""),
     "HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\n\r\n",
     .v = {RS(HANDSHAKE_REFUSED, "302", NONE, DETAIL(302))}},
    {R(HANDSHAKE_REFUSED), TC_FIRES, "401_request_not_captured", NULL,
     "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic\r\n\r\n",
     .v = {RS(HANDSHAKE_REFUSED, "401", NONE, DETAIL(401))}},
    {R(HANDSHAKE_REFUSED), TC_SILENT, "101", REQ(""), RESP(""), NOTHING},
    {R(HANDSHAKE_REFUSED), TC_SILENT, "100_continue_is_interim", REQ(""),
     "HTTP/1.1 100 Continue\r\n\r\n", NOTHING},

    /* ---- handshake-upgrade-invalid ---- */
    {R(HANDSHAKE_UPGRADE_INVALID), TC_FIRES, "missing", REQ(""), R101 CONN ACC EOH,
     .v = {RS(HANDSHAKE_UPGRADE_INVALID, NULL, MISSING)}},
    {R(HANDSHAKE_UPGRADE_INVALID), TC_FIRES, "h2c", REQ(""), R101 "Upgrade: h2c\r\n" CONN ACC EOH,
     .v = {RS(HANDSHAKE_UPGRADE_INVALID, "h2c", VALUE)}},
    {R(HANDSHAKE_UPGRADE_INVALID), TC_FIRES, "list", REQ(""),
     R101 "Upgrade: websocket, h2c\r\n" CONN ACC EOH,
     .v = {RS(HANDSHAKE_UPGRADE_INVALID, "websocket, h2c", VALUE)}},
    {R(HANDSHAKE_UPGRADE_INVALID), TC_SILENT, "mixed_case_and_blanks", REQ(""),
     R101 "Upgrade:   WebSocket  \r\n" CONN ACC EOH, NOTHING},

    /* ---- handshake-connection-invalid ---- */
    {R(HANDSHAKE_CONNECTION_INVALID), TC_FIRES, "missing", REQ(""), R101 UPG ACC EOH,
     .v = {RS(HANDSHAKE_CONNECTION_INVALID, NULL, MISSING)}},
    {R(HANDSHAKE_CONNECTION_INVALID), TC_FIRES, "close", REQ(""),
     R101 UPG "Connection: close\r\n" ACC EOH,
     .v = {RS(HANDSHAKE_CONNECTION_INVALID, "close", VALUE)}},
    {R(HANDSHAKE_CONNECTION_INVALID), TC_SILENT, "keep_alive_upgrade", REQ(""),
     R101 UPG "Connection: keep-alive, Upgrade\r\n" ACC EOH, NOTHING},
    {R(HANDSHAKE_CONNECTION_INVALID), TC_SILENT, "lower_case", REQ(""),
     R101 UPG "connection: upgrade\r\n" ACC EOH, NOTHING},

    /* ---- handshake-accept-missing ---- */
    {R(HANDSHAKE_ACCEPT_MISSING), TC_FIRES, "", REQ(""), R101 UPG CONN EOH,
     .v = {RS(HANDSHAKE_ACCEPT_MISSING, NULL, MISSING)}},
    {R(HANDSHAKE_ACCEPT_MISSING), TC_FIRES, "request_not_captured", NULL, R101 UPG CONN EOH,
     .v = {RS(HANDSHAKE_ACCEPT_MISSING, NULL, MISSING)}},
    {R(HANDSHAKE_ACCEPT_MISSING), TC_SILENT, "present", REQ(""), RESP(""), NOTHING},

    /* ---- handshake-accept-mismatch ---- */
    {R(HANDSHAKE_ACCEPT_MISMATCH), TC_FIRES, "one_char", REQ(""),
     R101 UPG CONN "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOA=\r\n" EOH,
     .v = {RS(HANDSHAKE_ACCEPT_MISMATCH, "s3pP", VALUE)}},
    {R(HANDSHAKE_ACCEPT_MISMATCH), TC_FIRES, "lower_case", REQ(""),
     R101 UPG CONN "Sec-WebSocket-Accept: s3pplmbitxaq9kygzzhzrbk+xoo=\r\n" EOH,
     .v = {RS(HANDSHAKE_ACCEPT_MISMATCH, "s3pp", VALUE)}},
    {R(HANDSHAKE_ACCEPT_MISMATCH), TC_FIRES, "inner_blank", REQ(""),
     R101 UPG CONN "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYG zzhZRbK+xOo=\r\n" EOH,
     .v = {RS(HANDSHAKE_ACCEPT_MISMATCH, "s3pP", VALUE)}},
    {R(HANDSHAKE_ACCEPT_MISMATCH), TC_FIRES, "empty", REQ(""),
     R101 UPG CONN "Sec-WebSocket-Accept:\r\n" EOH,
     .v = {RS(HANDSHAKE_ACCEPT_MISMATCH, "Sec-WebSocket-Accept", VALUE)}},
    {R(HANDSHAKE_ACCEPT_MISMATCH), TC_SILENT, "surrounding_blanks", REQ(""),
     R101 UPG CONN "Sec-WebSocket-Accept: \t s3pPLMBiTxaQ9kYGzzhZRbK+xOo= \t\r\n" EOH, NOTHING},
    {R(HANDSHAKE_ACCEPT_MISMATCH), TC_SILENT, "request_not_captured", NULL,
     R101 UPG CONN "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOA=\r\n" EOH, NOTHING},
    {R(HANDSHAKE_ACCEPT_MISMATCH), TC_SILENT, "bad_key_hashed_as_sent",
     GET HOST UPG CONN "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25j\r\n" VER EOH,
     R101 UPG CONN "Sec-WebSocket-Accept: k9uFUQ3sxsBzo5O0/ylrvYr5zk4=\r\n" EOH,
     .v = {RQ(HANDSHAKE_REQ_KEY, "dGhl", VALUE, DETAIL(15))}},

    /* ---- handshake-ext-not-offered ---- */
    {R(HANDSHAKE_EXT_NOT_OFFERED), TC_FIRES, "nothing_offered", REQ(""), GOT(PMD),
     .v = {RS(HANDSHAKE_EXT_NOT_OFFERED, PMD, NOT_OFFERED)}, .pmd = "on", .extensions = PMD},
    {R(HANDSHAKE_EXT_NOT_OFFERED), TC_FIRES, "other_extension", OFFER(PMD),
     GOT("x-webkit-deflate-frame"), .v = {RS(HANDSHAKE_EXT_NOT_OFFERED, "x-webkit", NOT_OFFERED)},
     .pmd = "off"},
    {R(HANDSHAKE_EXT_NOT_OFFERED), TC_FIRES, "second_of_two", OFFER(PMD), GOT(PMD ", x-foo"),
     .v = {RS(HANDSHAKE_EXT_NOT_OFFERED, "x-foo", NOT_OFFERED)}, .pmd = "on"},
    {R(HANDSHAKE_EXT_NOT_OFFERED), TC_FIRES, "case_differs", OFFER(PMD), GOT("Permessage-Deflate"),
     .v = {RS(HANDSHAKE_EXT_NOT_OFFERED, "Permessage", NOT_OFFERED)}, .pmd = "off"},
    {R(HANDSHAKE_EXT_NOT_OFFERED), TC_SILENT, "offered", OFFER(PMD), GOT(PMD), .pmd = "on",
     .extensions = PMD},
    {R(HANDSHAKE_EXT_NOT_OFFERED), TC_SILENT, "split_over_two_headers",
     REQ(EXT(PMD) EXT("x-foo; a=1")), RESP(EXT(PMD) EXT("x-foo")), .pmd = "on",
     .extensions = PMD ", x-foo"},
    {R(HANDSHAKE_EXT_NOT_OFFERED), TC_SILENT, "none_accepted", OFFER(PMD), RESP(""), .pmd = "off",
     .extensions = ""},

    /* ---- handshake-subproto-not-offered ---- */
    {R(HANDSHAKE_SUBPROTO_NOT_OFFERED), TC_FIRES, "other", REQ(PROTO("chat, superchat")),
     RESP(PROTO("mqtt")), .v = {RS(HANDSHAKE_SUBPROTO_NOT_OFFERED, "mqtt", NOT_OFFERED)},
     .subprotocol = "mqtt"},
    {R(HANDSHAKE_SUBPROTO_NOT_OFFERED), TC_FIRES, "none_offered", REQ(""), RESP(PROTO("chat")),
     .v = {RS(HANDSHAKE_SUBPROTO_NOT_OFFERED, "chat", NOT_OFFERED)}},
    {R(HANDSHAKE_SUBPROTO_NOT_OFFERED), TC_FIRES, "case_differs", REQ(PROTO("chat")),
     RESP(PROTO("Chat")), .v = {RS(HANDSHAKE_SUBPROTO_NOT_OFFERED, "Chat", NOT_OFFERED)}},
    {R(HANDSHAKE_SUBPROTO_NOT_OFFERED), TC_FIRES, "empty", REQ(PROTO("chat")),
     RESP("Sec-WebSocket-Protocol:\r\n"),
     .v = {RS(HANDSHAKE_SUBPROTO_NOT_OFFERED, "Protocol:\r\n", SYNTAX, PLUS(9))},
     .subprotocol = ""},
    {R(HANDSHAKE_SUBPROTO_NOT_OFFERED), TC_SILENT, "none_selected", REQ(PROTO("chat, superchat")),
     RESP(""), .subprotocol = ""},
    {R(HANDSHAKE_SUBPROTO_NOT_OFFERED), TC_SILENT, "second_offered", REQ(PROTO("chat, superchat")),
     RESP(PROTO("superchat")), .subprotocol = "superchat"},
    {R(HANDSHAKE_SUBPROTO_NOT_OFFERED), TC_SILENT, "offered_over_two_headers",
     REQ(PROTO("chat") PROTO("superchat")), RESP(PROTO("superchat")), .subprotocol = "superchat"},

    /* ---- handshake-subproto-multiple ---- */
    {R(HANDSHAKE_SUBPROTO_MULTIPLE), TC_FIRES, "two", REQ(PROTO("chat, superchat")),
     RESP(PROTO("chat, superchat")),
     .v = {RS(HANDSHAKE_SUBPROTO_MULTIPLE, "chat, superchat", VALUE, DETAIL(2))},
     .subprotocol = ""},
    {R(HANDSHAKE_SUBPROTO_MULTIPLE), TC_SILENT, "one_with_blanks", REQ(PROTO("chat, superchat")),
     RESP(PROTO("  chat  ")), .subprotocol = "chat"},

    /* ---- handshake-dup-header-response ---- */
    {R(HANDSHAKE_DUP_HEADER_RESPONSE), TC_FIRES, "accept_twice", REQ(""), RESP(ACC),
     .v = {RS(HANDSHAKE_DUP_HEADER_RESPONSE, "Sec-WebSocket-Accept", REPEATED, NTH(2))}},
    {R(HANDSHAKE_DUP_HEADER_RESPONSE), TC_FIRES, "protocol_twice", REQ(PROTO("chat")),
     RESP(PROTO("chat") PROTO("chat")),
     .v = {RS(HANDSHAKE_DUP_HEADER_RESPONSE, "Sec-WebSocket-Protocol", REPEATED, NTH(2))},
     .subprotocol = "chat"},
    {R(HANDSHAKE_DUP_HEADER_RESPONSE), TC_SILENT, "extensions_twice", OFFER(PMD ", x-foo"),
     RESP(EXT(PMD) EXT("x-foo")), .pmd = "on", .extensions = PMD ", x-foo"},

    /* ---- handshake-ext-abnf ---- */
    {R(HANDSHAKE_EXT_ABNF), TC_FIRES, "request_trailing_semicolon", OFFER(PMD ";"), NULL,
     .v = {RQ(HANDSHAKE_EXT_ABNF, ";\r\n", SYNTAX)}},
    {R(HANDSHAKE_EXT_ABNF), TC_FIRES, "request_blank_in_name", OFFER("permessage deflate"), NULL,
     .v = {RQ(HANDSHAKE_EXT_ABNF, "deflate", SYNTAX)}},
    {R(HANDSHAKE_EXT_ABNF), TC_FIRES, "request_empty_quoted", OFFER("x-foo; a=\"\""), NULL,
     .v = {RQ(HANDSHAKE_EXT_ABNF, "\"\"", SYNTAX)}},
    {R(HANDSHAKE_EXT_ABNF), TC_FIRES, "request_empty", REQ("Sec-WebSocket-Extensions:\r\n"), NULL,
     .v = {RQ(HANDSHAKE_EXT_ABNF, "Extensions:\r\n", SYNTAX, PLUS(11))}},
    {R(HANDSHAKE_EXT_ABNF), TC_FIRES, "request_only_commas", OFFER(", ,"), NULL,
     .v = {RQ(HANDSHAKE_EXT_ABNF, ", ,", SYNTAX)}},
    {R(HANDSHAKE_EXT_ABNF), TC_FIRES, "response_blank_in_quoted",
     OFFER(PMD "; server_max_window_bits=10"), GOT(PMD "; server_max_window_bits=\"1 0\""),
     .v = {RS(HANDSHAKE_EXT_ABNF, " 0\"", SYNTAX)}, .pmd = "off"},
    {R(HANDSHAKE_EXT_ABNF), TC_FIRES, "response_unterminated_quote",
     OFFER(PMD "; server_max_window_bits=10"), GOT(PMD "; server_max_window_bits=\"10"),
     .v = {RS(HANDSHAKE_EXT_ABNF, "10\r\n", SYNTAX, PLUS(1))}},
    {R(HANDSHAKE_EXT_ABNF), TC_FIRES, "response_two_words", OFFER(PMD), GOT(PMD " x"),
     .v = {RS(HANDSHAKE_EXT_ABNF, " x\r\n", SYNTAX, PLUS(1))}},
    {R(HANDSHAKE_EXT_ABNF), TC_SILENT, "blanks_and_quoted",
     OFFER(PMD " ; client_max_window_bits ; server_max_window_bits = \"10\" , , x-foo"),
     GOT(PMD ";server_max_window_bits=\"9\""), .pmd = "on smwb=9"},
    {R(HANDSHAKE_EXT_ABNF), TC_SILENT, "null_elements", OFFER(", " PMD ","), GOT(PMD " ,"),
     .pmd = "on"},
    {R(HANDSHAKE_EXT_ABNF), TC_SILENT, "escaped_token_in_quotes", OFFER("x-foo; a=\"b\\c\""), NULL,
     NOTHING},

    /* ---- pmd-neg-invalid-param ---- */
    {R(PMD_NEG_INVALID_PARAM), TC_FIRES, "unknown", OFFER(PMD), GOT(PMD "; foo=1"),
     .v = {RS(PMD_NEG_INVALID_PARAM, "foo", UNKNOWN)}, .pmd = "on"},
    {R(PMD_NEG_INVALID_PARAM), TC_FIRES, "duplicate", OFFER(PMD),
     GOT(PMD "; server_no_context_takeover; server_no_context_takeover"),
     .v = {RS(PMD_NEG_INVALID_PARAM, "server_no_context_takeover", REPEATED, NTH(2))},
     .pmd = "on snct"},
    {R(PMD_NEG_INVALID_PARAM), TC_FIRES, "server_window_16", OFFER(PMD),
     GOT(PMD "; server_max_window_bits=16"),
     .v = {RS(PMD_NEG_INVALID_PARAM, "16", RANGE, DETAIL(16))}, .pmd = "on"},
    {R(PMD_NEG_INVALID_PARAM), TC_FIRES, "client_window_7", OFFER(PMD "; client_max_window_bits"),
     GOT(PMD "; client_max_window_bits=7"),
     .v = {RS(PMD_NEG_INVALID_PARAM, "=7", RANGE, PLUS(1), DETAIL(7))}, .pmd = "on"},
    {R(PMD_NEG_INVALID_PARAM), TC_FIRES, "leading_zero", OFFER(PMD),
     GOT(PMD "; server_max_window_bits=09"), .v = {RS(PMD_NEG_INVALID_PARAM, "09", SYNTAX)}},
    {R(PMD_NEG_INVALID_PARAM), TC_FIRES, "value_on_no_context_takeover", OFFER(PMD),
     GOT(PMD "; client_no_context_takeover=1"),
     .v = {RS(PMD_NEG_INVALID_PARAM, "=1", HAS_VALUE, PLUS(1))}, .pmd = "on cnct"},
    {R(PMD_NEG_INVALID_PARAM), TC_FIRES, "client_window_without_value",
     OFFER(PMD "; client_max_window_bits"), GOT(PMD "; client_max_window_bits"),
     .v = {RS(PMD_NEG_INVALID_PARAM, "client_max_window_bits", NO_VALUE)}, .pmd = "on"},
    {R(PMD_NEG_INVALID_PARAM), TC_FIRES, "server_window_without_value", OFFER(PMD),
     GOT(PMD "; server_max_window_bits"),
     .v = {RS(PMD_NEG_INVALID_PARAM, "server_max_window_bits", NO_VALUE)}},
    {R(PMD_NEG_INVALID_PARAM), TC_SILENT, "quoted_value", OFFER(PMD),
     GOT(PMD "; server_max_window_bits=\"10\""), .pmd = "on smwb=10"},
    {R(PMD_NEG_INVALID_PARAM), TC_SILENT, "all_four", OFFER(PMD "; client_max_window_bits"),
     GOT(PMD "; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; "
             "client_max_window_bits=12"),
     .pmd = "on snct cnct smwb=10 cmwb=12"},
    {R(PMD_NEG_INVALID_PARAM), TC_SILENT, "server_no_context_takeover_unasked", OFFER(PMD),
     GOT(PMD "; server_no_context_takeover"), .pmd = "on snct"},

    /* ---- pmd-neg-window-not-offered ---- */
    {R(PMD_NEG_WINDOW_NOT_OFFERED), TC_FIRES, "server_window_larger",
     OFFER(PMD "; server_max_window_bits=10"), GOT(PMD "; server_max_window_bits=12"),
     .v = {RS(PMD_NEG_WINDOW_NOT_OFFERED, "12", LARGER, DETAIL(12))}, .pmd = "on smwb=12"},
    {R(PMD_NEG_WINDOW_NOT_OFFERED), TC_FIRES, "client_window_not_offered", OFFER(PMD),
     GOT(PMD "; client_max_window_bits=10"),
     .v = {RS(PMD_NEG_WINDOW_NOT_OFFERED, "client_max_window_bits", NOT_OFFERED, DETAIL(10))},
     .pmd = "on cmwb=10"},
    {R(PMD_NEG_WINDOW_NOT_OFFERED), TC_FIRES, "larger_than_every_fallback",
     OFFER(PMD "; server_max_window_bits=10, " PMD "; server_max_window_bits=12"),
     GOT(PMD "; server_max_window_bits=13"),
     .v = {RS(PMD_NEG_WINDOW_NOT_OFFERED, "13", LARGER, DETAIL(13))}},
    {R(PMD_NEG_WINDOW_NOT_OFFERED), TC_FIRES, "both_windows",
     OFFER(PMD "; server_max_window_bits=10"),
     GOT(PMD "; client_max_window_bits=9; server_max_window_bits=11"),
     .v = {RS(PMD_NEG_WINDOW_NOT_OFFERED, "client_max_window_bits", NOT_OFFERED, DETAIL(9)),
           RS(PMD_NEG_WINDOW_NOT_OFFERED, "11", LARGER, DETAIL(11))},
     .pmd = "on smwb=11 cmwb=9"},
    {R(PMD_NEG_WINDOW_NOT_OFFERED), TC_SILENT, "fallback_second",
     OFFER(PMD "; client_max_window_bits; server_max_window_bits=10, " PMD
               "; client_max_window_bits"),
     GOT(PMD "; client_max_window_bits=15"), .pmd = "on cmwb=15"},
    {R(PMD_NEG_WINDOW_NOT_OFFERED), TC_SILENT, "fallback_second_larger_window",
     OFFER(PMD "; server_max_window_bits=10, " PMD), GOT(PMD "; server_max_window_bits=12"),
     .pmd = "on smwb=12"},
    {R(PMD_NEG_WINDOW_NOT_OFFERED), TC_SILENT, "equal", OFFER(PMD "; server_max_window_bits=10"),
     GOT(PMD "; server_max_window_bits=10"), NOTHING},
    {R(PMD_NEG_WINDOW_NOT_OFFERED), TC_SILENT, "smaller", OFFER(PMD "; server_max_window_bits=10"),
     GOT(PMD "; server_max_window_bits=8"), .pmd = "on smwb=8"},
    {R(PMD_NEG_WINDOW_NOT_OFFERED), TC_SILENT, "server_window_unasked", OFFER(PMD),
     GOT(PMD "; server_max_window_bits=10"), NOTHING},
    /* §7.1.2.2: the server "may either ignore this value or use" it. */
    {R(PMD_NEG_WINDOW_NOT_OFFERED), TC_SILENT, "client_window_above_offered_value",
     OFFER(PMD "; client_max_window_bits=10"), GOT(PMD "; client_max_window_bits=12"),
     .pmd = "on cmwb=12"},

    /* ---- pmd-neg-param-dropped ---- */
    {R(PMD_NEG_PARAM_DROPPED), TC_FIRES, "server_no_context_takeover",
     OFFER(PMD "; server_no_context_takeover"), GOT(PMD),
     .v = {RS(PMD_NEG_PARAM_DROPPED, PMD, DROPPED, DETAIL(0))}, .pmd = "on"},
    {R(PMD_NEG_PARAM_DROPPED), TC_FIRES, "server_max_window_bits",
     OFFER(PMD "; server_max_window_bits=10"), GOT(PMD),
     .v = {RS(PMD_NEG_PARAM_DROPPED, PMD, DROPPED, DETAIL(10))}},
    {R(PMD_NEG_PARAM_DROPPED), TC_FIRES, "every_fallback_has_it",
     OFFER(PMD "; server_no_context_takeover; server_max_window_bits=10, " PMD
               "; server_no_context_takeover"),
     GOT(PMD "; server_max_window_bits=10"),
     .v = {RS(PMD_NEG_PARAM_DROPPED, PMD, DROPPED, DETAIL(0))}},
    {R(PMD_NEG_PARAM_DROPPED), TC_SILENT, "fallback_without_it",
     OFFER(PMD "; server_no_context_takeover, " PMD), GOT(PMD), NOTHING},
    {R(PMD_NEG_PARAM_DROPPED), TC_SILENT, "kept", OFFER(PMD "; server_no_context_takeover"),
     GOT(PMD "; server_no_context_takeover"), .pmd = "on snct"},
    {R(PMD_NEG_PARAM_DROPPED), TC_FIRES, "server_max_window_bits_14",
     OFFER(PMD "; server_max_window_bits=14"), GOT(PMD),
     .v = {RS(PMD_NEG_PARAM_DROPPED, PMD, DROPPED, DETAIL(14))}},
    /* wsproto's offer, websocket-driver's answer: 15 is the largest window and
     * the default (RFC 7692 §7.1.2.1), so leaving it out changes nothing. */
    {R(PMD_NEG_PARAM_DROPPED), TC_SILENT, "server_max_window_bits_15",
     OFFER(PMD "; client_max_window_bits=15; server_max_window_bits=15"), GOT(PMD), NOTHING,
     .pmd = "on"},

    /* ---- pmd-neg-duplicate-element ---- */
    {R(PMD_NEG_DUPLICATE_ELEMENT), TC_FIRES, "", OFFER(PMD ", " PMD), GOT(PMD ", " PMD),
     .v = {RS(PMD_NEG_DUPLICATE_ELEMENT, PMD, REPEATED, NTH(2))}, .pmd = "on"},
    {R(PMD_NEG_DUPLICATE_ELEMENT), TC_FIRES, "over_two_headers", OFFER(PMD),
     RESP(EXT(PMD) EXT(PMD "; server_no_context_takeover")),
     .v = {RS(PMD_NEG_DUPLICATE_ELEMENT, PMD, REPEATED, NTH(2))}, .pmd = "on"},
    {R(PMD_NEG_DUPLICATE_ELEMENT), TC_SILENT, "two_offered_one_accepted",
     OFFER(PMD "; client_max_window_bits, " PMD), GOT(PMD), .pmd = "on"},
};
const size_t hs_count = sizeof(hs_cases) / sizeof(hs_cases[0]);
