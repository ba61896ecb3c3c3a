#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Headless Chromium as the receiver: the crafted server, the page that drives
Chromium, and the run itself.

    crafted_server.py violations --ws-port 9103 [--tls CERT KEY] --out DIR --name NAME
    crafted_server.py clean --url ws://127.0.0.1:9102/clean --out DIR --name NAME

`violations`: a WebSocket server on 127.0.0.1:WS_PORT (plain sockets, TLS
with --tls) sends each server case of cases.py (SERVER_CASES) on its own
connection, the case name in the URL path (/case-NAME; a "/" before it
would let the rule IDs among the names show in the HTTP dissector's expert
chats as if a rule had fired): it completes the
upgrade (or breaks the 101, for the handshake cases), sends the case's
frames 20 ms apart (it stops once Chromium has closed), waits up to 1 s for
Chromium's reaction, then ends the connection as a server would: it echoes
Chromium's Close, or sends Close 1000 "done" when Chromium carried on, and
closes TCP first (after a bounded wait for the echo).

`clean`: no crafted server; the page talks to a real server at URL (Node
ws, record_chromium.sh starts it): two connections with compressed messages,
the first closed by Chromium with 1000, the second by the server.

Both modes serve the page on 127.0.0.1:PAGE_PORT (a separate port, so the
capture filter on the WebSocket port sees only WebSocket connections), start
Chromium headless on it (fresh profile, no network but loopback, bounded
by --limit), collect what the page posts back (each close event's code,
reason and wasClean), read the console errors from Chromium's log, and
write:

  DIR/NAME.client.jsonl   Chromium's own account: its version, then one line
                          per connection (the case, the close event, the
                          console errors naming that URL)
  DIR/NAME.server.jsonl   (violations) the crafted server's account: per
                          connection (by Chromium's port) what it sent and
                          what came back (Close code and reason, FIN/RST)

With --keylog FILE, Chromium writes its TLS keys there (SSLKEYLOGFILE and
--ssl-key-log-file), for tshark -o tls.keylog_file:FILE.

Standard library only; Chromium from Debian's `chromium` package.
"""

import argparse
import base64
import hashlib
import http.server
import json
import os
import re
import shutil
import signal
import socket
import socketserver
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

import cases as C
from peer import ServerStream as FrameStream
from peer import read_head, send_frames

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
RFC_KEY = "dGhlIHNhbXBsZSBub25jZQ=="  # RFC 6455's example key: its accept value is not ours
WAIT = 1.0            # seconds: Chromium's reaction, its echo, its FIN
CASE_TIMEOUT = 6000   # ms: the page gives up on a connection after this
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--no-default-browser-check",
    "--no-proxy-server", "--ignore-certificate-errors", "--enable-logging=stderr", "--v=0",
]


def log_line(f, lock, rec):
    with lock:
        f.write(json.dumps(rec, sort_keys=True) + "\n")
        f.flush()


# ---- The crafted WebSocket server ----------------------------------------


def accept_value(key):
    return base64.b64encode(hashlib.sha1(key.encode() + WS_GUID).digest()).decode()


def response_101(case, key):
    hs = case.handshake
    lines = ["HTTP/1.1 101 Switching Protocols"]
    if hs != C.HS_NO_UPGRADE:
        lines.append("Upgrade: websocket")
    lines.append("Connection: Upgrade")
    lines.append("Sec-WebSocket-Accept: " + accept_value(RFC_KEY if hs == C.HS_ACCEPT_WRONG
                                                          else key))
    if case.pmd:
        lines.append("Sec-WebSocket-Extensions: permessage-deflate")
    if hs == C.HS_EXT_NOT_OFFERED:
        lines.append("Sec-WebSocket-Extensions: x-ws1002")
    if hs == C.HS_SUBPROTO_NOT_OFFERED:
        lines.append("Sec-WebSocket-Protocol: chat")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def shutdown_wr(sock):
    """Half-close TCP (a FIN), also under TLS: SSLSocket.shutdown would drop
    the TLS state we still read the peer's last bytes with."""
    try:
        socket.socket.shutdown(sock, socket.SHUT_WR)
    except OSError:
        pass


def serve_case(sock, logf, lock):
    rec = {"event": "connection", "peer_port": sock.getpeername()[1]}
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        start, hdrs, rest = read_head(sock, 5.0)
    except OSError as e:
        rec["error"] = str(e)
        log_line(logf, lock, rec)
        return
    m = re.match(r"GET /case-([a-z0-9-]+) HTTP/1\.1$", start)
    case = C.SERVER_BY_NAME.get(m.group(1)) if m else None
    key = (hdrs.get("sec-websocket-key") or [""])[0]
    rec["request"] = start
    rec["offer"] = ", ".join(hdrs.get("sec-websocket-extensions", []))
    if case is None or not key:
        sock.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        rec["error"] = "unknown case"
        log_line(logf, lock, rec)
        return
    rec["case"] = case.name
    sock.sendall(response_101(case, key))
    stream = FrameStream(sock, rest)
    stream._parse()
    time.sleep(0.02)  # the first frame in a segment of its own
    sent, server_closed = send_frames(sock, stream, C.server_wire_frames(case, C.Deflater()),
                                      case.burst, rec)
    rec["sent"] = sent
    # Chromium's reaction: a Close, FIN or RST (a bad 101: it closes TCP).
    stream.until_close_or_eof(WAIT)
    close = stream.close_frame()
    epilogue = None
    try:
        if case.handshake:
            pass
        elif close and not server_closed:
            body = b"" if close["code"] is None else struct.pack(">H", close["code"])
            epilogue = "echo"
            sock.sendall(C.encode(C.OP_CLOSE, body))
        elif not close and not stream.eof and not server_closed:
            epilogue = "close-1000"
            sock.sendall(C.encode(C.OP_CLOSE, struct.pack(">H", 1000) + b"done"))
            stream.until_close_or_eof(WAIT)
    except OSError as e:
        rec["send_error"] = str(e)
    # A server closes TCP first (RFC 6455 §7.1.1); Chromium's FIN follows.
    shutdown_wr(sock)
    deadline = time.monotonic() + WAIT
    while not stream.eof and time.monotonic() < deadline:
        stream.poll(deadline - time.monotonic())
    rec["epilogue"] = epilogue
    rec["client"] = [fr if kind == "frame" else kind for kind, fr in stream.events]
    log_line(logf, lock, rec)


class WsServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port, tls, logf):
        self.tls = tls
        self.logf = logf
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", port), WsHandler)


class WsHandler(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        if self.server.tls:
            try:
                sock.settimeout(5)
                sock = self.server.tls.wrap_socket(sock, server_side=True)
            except (OSError, ssl.SSLError) as e:
                log_line(self.server.logf, self.server.lock, {"event": "tls-error", "error": str(e)})
                return
        try:
            serve_case(sock, self.server.logf, self.server.lock)
        finally:
            sock.close()


# ---- The page ---------------------------------------------------------------

VIOLATIONS_JS = r"""
const BASE = %(base)s, CASES = %(cases)s, LIMIT = %(limit)d;
function runCase(name) {
  return new Promise((resolve) => {
    const r = {case: name, url: BASE + name, opened: false, messages: []};
    const t0 = performance.now();
    let ws;
    try { ws = new WebSocket(r.url); } catch (e) { r.exception = String(e); resolve(r); return; }
    ws.binaryType = 'arraybuffer';
    const timer = setTimeout(() => { r.timeout = true; resolve(r); }, LIMIT);
    ws.onopen = () => { r.opened = true; r.extensions = ws.extensions; r.protocol = ws.protocol; };
    ws.onmessage = (e) => r.messages.push(typeof e.data === 'string'
        ? {text: e.data.slice(0, 60)} : {binary: e.data.byteLength});
    ws.onerror = () => { r.error_event = true; };
    ws.onclose = (e) => {
      clearTimeout(timer);
      Object.assign(r, {code: e.code, reason: e.reason, wasClean: e.wasClean,
                        ms: Math.round(performance.now() - t0)});
      resolve(r);
    };
  });
}
(async () => {
  const results = [];
  for (const c of CASES) results.push(await runCase(c));
  await fetch('/results', {method: 'POST', body: JSON.stringify({userAgent: navigator.userAgent, results})});
})();
"""

CLEAN_JS = r"""
const URL_ = %(url)s, LIMIT = %(limit)d;
const big = new Uint8Array(66000);
for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
const small = new Uint8Array(300);
for (let i = 0; i < small.length; i++) small[i] = i & 0xff;
// serverFirst: the messages the ws server sends of its own on /clean
// (a fragmented text and an uncompressed one); it echoes the 4 below.
function session(n, serverCloses) {
  return new Promise((resolve) => {
    const r = {case: 'clean-' + n, url: URL_, opened: false, messages: []};
    const ws = new WebSocket(URL_);
    ws.binaryType = 'arraybuffer';
    const want = 2 + 4;
    const timer = setTimeout(() => { r.timeout = true; try { ws.close(1000, 'timeout'); } catch (e) {} resolve(r); }, LIMIT);
    ws.onopen = () => {
      r.opened = true; r.extensions = ws.extensions;
      ws.send('hello from chromium, compressed ' + n);
      ws.send(small);
      ws.send(big);
      ws.send('\u00e9t\u00e9 \u20ac \u{1F600} ' + 'repeat '.repeat(40));
    };
    ws.onmessage = (e) => {
      r.messages.push(typeof e.data === 'string' ? {text: e.data.slice(0, 60)} : {binary: e.data.byteLength});
      if (r.messages.length === want) {
        if (serverCloses) ws.send('please close');
        else ws.close(1000, 'client bye');
      }
    };
    ws.onerror = () => { r.error_event = true; };
    ws.onclose = (e) => {
      clearTimeout(timer);
      Object.assign(r, {code: e.code, reason: e.reason, wasClean: e.wasClean});
      resolve(r);
    };
  });
}
(async () => {
  const results = [await session(1, false), await session(2, true)];
  await fetch('/results', {method: 'POST', body: JSON.stringify({userAgent: navigator.userAgent, results})});
})();
"""


def page_html(script):
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>ws1002</title></head>"
            "<body><script>%s</script></body></html>\n" % script).encode()


class PageServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port, html):
        self.html = html
        self.results = None
        self.done = threading.Event()
        super().__init__(("127.0.0.1", port), PageHandler)


class PageHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def _reply(self, code, body=b"", ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/":
            self._reply(200, self.server.html, "text/html; charset=utf-8")
        else:
            self._reply(404)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        if self.path != "/results":
            self._reply(404)
            return
        self.server.results = json.loads(body)
        self._reply(204)
        self.server.done.set()


# ---- Chromium -----------------------------------------------------------------

def chromium_version(binary):
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=30).stdout
    m = re.search(r"Chromium (\S+)", out)
    return m.group(1) if m else out.strip()


class Cdp:
    """A minimal DevTools-protocol client (a WebSocket client of our own, on
    loopback): Chromium's console errors and its Network.webSocket* events,
    which its log does not carry in headless mode."""

    def __init__(self, port, ws_url, timeout=10.0):
        m = re.match(r"ws://[^/]+(/.*)$", ws_url)
        if not m:
            raise OSError("unexpected DevTools URL %r" % ws_url)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall(("GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\n"
                           "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                           "Sec-WebSocket-Version: 13\r\n\r\n"
                           % (m.group(1), "127.0.0.1", port, key)).encode())
        start, _, self.buf = read_head(self.sock, timeout)
        if " 101 " not in start:
            raise OSError("DevTools refused the WebSocket: " + start)
        self.next_id = 0
        self.events = []

    def send(self, method, **params):
        self.next_id += 1
        msg = json.dumps({"id": self.next_id, "method": method, "params": params}).encode()
        self.sock.sendall(C.encode(C.OP_TEXT, msg, key=os.urandom(4)))
        return self.next_id

    def _frame(self):
        while True:
            b = self.buf
            if len(b) >= 2:
                n, pos = b[1] & 0x7F, 2
                if n == 126 and len(b) >= 4:
                    n, pos = struct.unpack(">H", b[2:4])[0], 4
                elif n == 127 and len(b) >= 10:
                    n, pos = struct.unpack(">Q", b[2:10])[0], 10
                if n < 126 or pos > 2:
                    if len(b) >= pos + n:
                        self.buf = b[pos + n:]
                        return b[0] & 0xF, b[pos:pos + n]
            data = self.sock.recv(1 << 20)
            if not data:
                raise OSError("DevTools closed the connection")
            self.buf += data

    def pump(self, until):
        """Collect events until until() is true, or the socket times out."""
        msg = b""
        while not until():
            try:
                op, payload = self._frame()
            except (socket.timeout, OSError):
                return
            msg += payload
            if op in (C.OP_TEXT, C.OP_CONT):
                try:
                    obj = json.loads(msg)
                except ValueError:
                    continue  # a fragmented message: more to come
                msg = b""
                if "method" in obj:
                    self.events.append(obj)
            else:
                msg = b""


def run_chromium(binary, page_url, server, limit, keylog, logpath, cdp_port):
    """Chromium headless, driven over the DevTools protocol: it opens
    about:blank, we enable the Network and Log domains, then navigate to the
    page and collect events until the page posts its results (or `limit`
    seconds pass). Chromium is stopped by its process group, which we made.
    Returns (results, DevTools events)."""
    profile = tempfile.mkdtemp(prefix="ws1002-chromium-")
    env = dict(os.environ)
    args = [binary] + CHROMIUM_FLAGS + ["--user-data-dir=" + profile,
                                        "--remote-debugging-address=127.0.0.1",
                                        "--remote-debugging-port=%d" % cdp_port]
    if keylog:
        env["SSLKEYLOGFILE"] = keylog
        args.append("--ssl-key-log-file=" + keylog)
    args.append("about:blank")
    events = []
    with open(logpath, "wb") as err:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=err, stderr=err, env=env,
                                start_new_session=True)
        try:
            target = None
            deadline = time.monotonic() + 30
            while target is None and time.monotonic() < deadline:
                time.sleep(0.3)
                try:
                    s = socket.create_connection(("127.0.0.1", cdp_port), timeout=2)
                    s.sendall(b"GET /json/list HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n" % cdp_port)
                    _, hdrs, body = read_head(s, 5)
                    n = int(hdrs.get("content-length", ["0"])[0])
                    while len(body) < n:
                        body += s.recv(65536)
                    s.close()
                    pages = [t for t in json.loads(body) if t.get("type") == "page"]
                    target = pages[0]["webSocketDebuggerUrl"] if pages else None
                except (OSError, ValueError):
                    continue
            if target is None:
                raise OSError("Chromium's DevTools endpoint did not come up")
            cdp = Cdp(cdp_port, target)
            cdp.send("Network.enable")
            cdp.send("Log.enable")
            cdp.send("Runtime.enable")
            cdp.send("Page.navigate", url=page_url)
            end = time.monotonic() + limit
            cdp.sock.settimeout(1.0)
            while not server.done.is_set() and time.monotonic() < end:
                cdp.pump(server.done.is_set)
            cdp.pump(lambda: False)  # what is still in flight (1 s)
            events = cdp.events
        finally:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.killpg(proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    proc.wait(5)
                    break
                except subprocess.TimeoutExpired:
                    continue
    shutil.rmtree(profile, ignore_errors=True)
    return server.results, events


def console_errors(events):
    """{url: [message, ...]}: what Chromium said about each WebSocket: the
    console's "WebSocket connection to 'URL' failed: ..." lines, and the
    Network domain's webSocketFrameError messages."""
    out = {}
    urls = {}
    for ev in events:
        p = ev.get("params", {})
        if ev["method"] == "Network.webSocketCreated":
            urls[p["requestId"]] = p["url"]
        elif ev["method"] == "Log.entryAdded":
            m = re.match(r"WebSocket connection to '([^']+)' failed: (.*)$", p["entry"]["text"], re.S)
            if m:
                out.setdefault(m.group(1), []).append(m.group(2))
        elif ev["method"] == "Network.webSocketFrameError":
            url = urls.get(p["requestId"])
            if url:
                out.setdefault(url, []).append(p["errorMessage"])
    # The same text comes through both: once is enough.
    return {url: list(dict.fromkeys(msgs)) for url, msgs in out.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("mode", choices=["violations", "clean"])
    ap.add_argument("--ws-port", type=int, default=9103)
    ap.add_argument("--page-port", type=int, default=9110)
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="wrap the crafted server in TLS")
    ap.add_argument("--url", help="clean: the real server's WebSocket URL")
    ap.add_argument("--cases", help="violations: comma-separated case names (default: all)")
    ap.add_argument("--keylog", help="Chromium writes its TLS keys here")
    ap.add_argument("--chromium", default="chromium")
    ap.add_argument("--cdp-port", type=int, default=9119, help="Chromium's DevTools port")
    ap.add_argument("--limit", type=float, default=200, help="seconds for the whole run")
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", required=True)
    a = ap.parse_args()

    os.makedirs(a.out, exist_ok=True)
    base = os.path.join(a.out, a.name)
    work = tempfile.mkdtemp(prefix="ws1002-crafted-")
    ws_server = None
    server_log = None
    try:
        if a.mode == "violations":
            todo = C.SERVER_CASES if not a.cases else [C.SERVER_BY_NAME[n] for n in a.cases.split(",")]
            tls = None
            scheme = "ws"
            if a.tls:
                tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                tls.load_cert_chain(*a.tls)
                tls.set_alpn_protocols(["http/1.1"])
                scheme = "wss"
            server_log = open(base + ".server.jsonl", "w", encoding="utf-8")
            server_log.write(json.dumps({"event": "listening", "server": "crafted_server.py",
                                         "port": a.ws_port, "tls": bool(tls),
                                         "python": sys.version.split()[0],
                                         "openssl": ssl.OPENSSL_VERSION}, sort_keys=True) + "\n")
            ws_server = WsServer(a.ws_port, tls, server_log)
            threading.Thread(target=ws_server.serve_forever, daemon=True).start()
            script = VIOLATIONS_JS % {"base": json.dumps("%s://127.0.0.1:%d/case-" % (scheme, a.ws_port)),
                                      "cases": json.dumps([c.name for c in todo]),
                                      "limit": CASE_TIMEOUT}
        else:
            if not a.url or not re.match(r"wss?://127\.", a.url):
                sys.exit("crafted_server.py: clean needs --url ws[s]://127.x.x.x:PORT/...")
            script = CLEAN_JS % {"url": json.dumps(a.url), "limit": 15000}
        page = PageServer(a.page_port, page_html(script))
        threading.Thread(target=page.serve_forever, daemon=True).start()
        version = chromium_version(a.chromium)
        logpath = os.path.join(work, "chromium.log")
        results, events = run_chromium(a.chromium, "http://127.0.0.1:%d/" % a.page_port, page,
                                       a.limit, a.keylog, logpath, a.cdp_port)
        page.shutdown()
        if results is None:
            with open(logpath, encoding="utf-8", errors="replace") as f:
                sys.stderr.write(f.read()[-3000:])
            sys.exit("crafted_server.py: the page posted no results within %.0f s" % a.limit)
        errors = console_errors(events)
        with open(base + ".client.jsonl", "w", encoding="utf-8") as f:
            f.write(json.dumps({"event": "browser", "chromium": version,
                                "userAgent": results["userAgent"],
                                "flags": " ".join(CHROMIUM_FLAGS)}, sort_keys=True) + "\n")
            for r in results["results"]:
                r["console"] = errors.get(r["url"], [])
                f.write(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n")
        bad = 0
        for r in results["results"]:
            print("%-26s %s code %s %r clean=%s  %s" % (
                r["case"], "open" if r["opened"] else "----", r.get("code"), r.get("reason"),
                r.get("wasClean"), " | ".join(r["console"])))
            bad += bool(r.get("timeout"))
        return 1 if bad else 0
    finally:
        if ws_server:
            ws_server.shutdown()
            ws_server.server_close()
        if server_log:
            server_log.close()
        if os.environ.get("WS1002_KEEP_LOG"):
            shutil.copyfile(os.path.join(work, "chromium.log"), os.environ["WS1002_KEEP_LOG"])
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
