#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Tests of ws1002-probe against real servers on 127.0.0.1, one case per ctest test:

    probe_test.py --probe BIN --source DIR --work DIR [--plugin WS_SO] CASE

Cases:
  setup                 install ws 8.23.0 (npm ci of captures/real/node's lock) into WORK
  suite-ws, suite-websockets, suite-ws-tls, suite-websockets-tls
                        --suite --json against Node ws / Python websockets (plaintext, or
                        TLS with a certificate made here): every scenario's verdict, and
                        the reactions recorded in captures/real/*.reactions.tsv
  check                 the connection test (no --suite), against ws
  pcap, pcap-tls        --pcap (and --keylog) against websockets: the recording, read with
                        tshark and the plugin, carries each scenario's rule on its frames
  errors                unreachable port, plain HTTP server, silent server, TLS to a
                        plaintext port, untrusted certificate, silent TLS port, bad URL:
                        one line on stderr, exit 2, bounded time

Exit 77 (skip) only when node/npm or a python3 with websockets is missing, or, for the
pcap cases, when the plugin is not part of the build. Standard library only.
"""

import argparse
import csv
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import time

SKIP = 77
WS_VERSION = "8.23.0"

# What each server is known to do where the verdict is not "ok"; every other
# scenario must be "ok". The reasons are in captures/real/README.md ("What each
# receiver did") and shared rules.md §4.
NOT_OK = {
    "websockets": {
        "len64-msb": "non-strict",        # 1009, the rule table's alternative to 1002
        "pmd-bad-deflate": "non-strict",  # 1002, an alternative to 1007
        "version-8": "non-strict",        # 400 without Sec-WebSocket-Version
        "version-12": "non-strict",
        "version-missing": "non-strict",
    },
    "ws": {
        "len64-msb": "non-strict",               # 1009
        "text-utf8-invalid-frag": "non-strict",  # validates at the end of the message
        "version-8": "ignored",                   # ws speaks hybi-08 and answers 101
    },
}
# Observed codes beyond the recorded captures (the probe's extra scenarios).
EXTRA_CLOSE = {
    "opcode-7": 1002, "opcode-f": 1002, "pong-fin0": 1002, "cont-first": 1002,
    "binary-in-fragmented": 1002, "close-1006": 1002, "close-999": 1002, "close-1016": 1002,
    "close-1100": 1002, "close-2000": 1002, "close-65535": 1002,
}
# What later releases than the pinned ones do differently (Debian 13 has
# websockets 15.0.1, sid 17.1): (library, from version, before version or
# None, scenario, verdict).
NOT_OK_LATER = (
    # validates UTF-8 at the end of the message, like ws
    ("websockets", (15,), None, "text-utf8-invalid-frag", "non-strict"),
    # takes RSV1 on a continuation frame of a compressed message and echoes
    # it (15.x; 17.1 fails the connection again)
    ("websockets", (15,), (17,), "pmd-rsv1-cont", "ignored"),
    # fails a Close that arrives between the fragments of a message with 1002
    # ("incomplete fragmented message"), which RFC 6455 section 5.4 allows
    ("websockets", (15,), None, "legal-close-between-fragments", "wrong-code"),
)
PINNED = {"websockets": (10, 4), "ws": tuple(int(x) for x in WS_VERSION.split("."))}
HTTP_STATUS = {
    "websockets": {"version-8": 400, "version-12": 400, "version-missing": 400},
    "ws": {"version-8": 101, "version-12": 400, "version-missing": 400},
}


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def websockets_python():
    """A python3 that imports websockets: the first on PATH may be another
    installation than Debian's."""
    for p in (sys.executable, shutil.which("python3"), "/usr/bin/python3"):
        if p and os.path.exists(p) and subprocess.run(
                [p, "-c", "import websockets"], capture_output=True).returncode == 0:
            return p
    return None


def library_version(kind):
    """The server library's version as a tuple of ints."""
    if kind == "ws":
        return PINNED["ws"]
    out = subprocess.run([websockets_python(), "-c", "import websockets; print(websockets.__version__)"],
                         capture_output=True, text=True).stdout.strip()
    return tuple(int(x) for x in re.findall(r"\d+", out)[:3])


def expected_verdict(kind, version, name):
    want = NOT_OK[kind].get(name, "ok")
    for lib, since, until, scenario, verdict in NOT_OK_LATER:
        if lib == kind and scenario == name and since <= version and (until is None or version < until):
            want = verdict
    return want


def node_dir(work):
    return os.path.join(work, "node")


def need_node(work):
    if not shutil.which("node"):
        print("SKIP: node is not installed")
        sys.exit(SKIP)
    mod = os.path.join(node_dir(work), "node_modules", "ws", "package.json")
    if not os.path.exists(mod):
        raise Failure("ws is not installed in %s: the probe.setup test installs it" % work)


def setup(a):
    if not shutil.which("node") or not shutil.which("npm"):
        print("SKIP: node or npm is not installed")
        return SKIP
    d = node_dir(a.work)
    os.makedirs(d, exist_ok=True)
    mod = os.path.join(d, "node_modules", "ws", "package.json")
    src = os.path.join(a.source, "captures", "real", "node")
    for f in ("package.json", "package-lock.json"):
        shutil.copyfile(os.path.join(src, f), os.path.join(d, f))
    if os.path.exists(mod) and json.load(open(mod)).get("version") == WS_VERSION:
        print("ws %s already installed in %s" % (WS_VERSION, d))
        return 0
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=d,
                   check=True, timeout=100)
    check(json.load(open(mod)).get("version") == WS_VERSION, "npm ci did not install ws " + WS_VERSION)
    return 0


def make_cert(work):
    """A self-signed certificate for 127.0.0.1 and localhost, made here (work
    is the case's own folder: cases may run in parallel)."""
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", "/CN=localhost", "-addext",
                    "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                   check=True, capture_output=True, timeout=30)
    return cert, key


class Server:
    """A server on a free loopback port; it prints {"listening": PORT}."""

    def __init__(self, argv, env=None, cwd=None):
        self.p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=env, cwd=cwd, text=True)
        deadline = time.monotonic() + 15
        line = ""
        while time.monotonic() < deadline and self.p.poll() is None:
            line = self.p.stdout.readline()
            if line:
                break
        if not line:
            self.stop()
            raise Failure("server %s did not start: %s" % (argv, self.p.stderr.read()[-500:]))
        self.port = json.loads(line)["listening"]

    def stop(self):
        if self.p.poll() is None:
            self.p.terminate()
            try:
                self.p.wait(5)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def start(kind, a, tls=None):
    here = os.path.dirname(os.path.abspath(__file__))
    extra = list(tls) if tls else []
    if kind == "ws":
        need_node(a.work)
        env = dict(os.environ, NODE_PATH=os.path.join(node_dir(a.work), "node_modules"))
        return Server(["node", os.path.join(here, "ws_server.js")] + extra, env=env)
    py = websockets_python()
    if not py:
        print("SKIP: no python3 with websockets (Debian: python3-websockets)")
        sys.exit(SKIP)
    return Server([py, os.path.join(here, "websockets_server.py")] + extra)


def probe(a, args, limit=90):
    t0 = time.monotonic()
    r = subprocess.run([a.probe] + args, capture_output=True, text=True, timeout=limit)
    return r.returncode, r.stdout, r.stderr, time.monotonic() - t0


def scenarios(a):
    rc, out, _, _ = probe(a, ["--list"])
    check(rc == 0, "--list failed")
    return [ln.split()[0] for ln in out.splitlines()[1:]]


def recorded_reactions(a, kind):
    path = os.path.join(a.source, "captures", "real", "violations-%s.reactions.tsv" % kind)
    rows = [ln for ln in open(path, encoding="utf-8") if not ln.startswith("#")]
    return {r["case"]: r for r in csv.DictReader(rows, delimiter="\t")}


def run_suite(a, kind, tls):
    cert = make_cert(a.case_dir) if tls else None
    with start(kind, a, cert) as srv:
        scheme = "wss" if tls else "ws"
        args = ["--suite", "--json"] + (["--cafile", cert[0]] if tls else [])
        rc, out, err, secs = probe(a, args + ["%s://127.0.0.1:%d/" % (scheme, srv.port)])
    print("suite against %s%s: %.1f s, exit %d" % (kind, " (TLS)" if tls else "", secs, rc))
    check(err == "", "stderr: " + err)
    rows = [json.loads(ln) for ln in out.splitlines()]
    by = {r["scenario"]: r for r in rows}
    names = scenarios(a)
    check([r["scenario"] for r in rows] == names, "not every scenario ran, or not in order")
    for r in rows:
        for key in ("scenario", "rule", "rfc", "expected_close", "observed", "observed_close",
                    "reason", "verdict"):
            check(key in r, "%s: no %s in the JSON" % (r["scenario"], key))
    bad = []
    version = library_version(kind)
    if version != PINNED[kind]:
        print("%s %s (the expectations are %s's, and those listed for later releases)"
              % (kind, ".".join(map(str, version)), ".".join(map(str, PINNED[kind]))))
    for name in names:
        r = by[name]
        want = expected_verdict(kind, version, name)
        if r["verdict"] != want:
            bad.append("%s: verdict %s (%s), expected %s" % (name, r["verdict"], r["note"], want))
        if name in HTTP_STATUS[kind] and r["http_status"] != HTTP_STATUS[kind][name]:
            bad.append("%s: HTTP %s, expected %s" % (name, r["http_status"], HTTP_STATUS[kind][name]))
        if name in EXTRA_CLOSE and (r["observed"], r["observed_close"]) != ("close", EXTRA_CLOSE[name]):
            bad.append("%s: observed %s %s, expected close %d" % (name, r["observed"],
                                                                  r["observed_close"], EXTRA_CLOSE[name]))
        if r["legal"] and want == "ok" and r["observed_close"] not in r["expected_close"] + [None]:
            bad.append("%s: legal look-alike closed with %s" % (name, r["observed_close"]))
    # The reactions recorded in captures/real by another client (peer.py).
    seen = 0
    for case, rec in recorded_reactions(a, kind).items():
        r = by.get(case)
        # The captures hold the pinned release's reactions.
        if r is None or expected_verdict(kind, version, case) != NOT_OK[kind].get(case, "ok"):
            continue
        seen += 1
        if rec["reaction"] == "close":
            if (r["observed"], r["observed_close"]) != ("close", int(rec["close_code"])):
                bad.append("%s: observed %s %s; the capture recorded Close %s" % (
                    case, r["observed"], r["observed_close"], rec["close_code"]))
        elif rec["reaction"] == "answer":
            if r["observed"] not in ("carried-on", "close") or r["observed_close"] not in (1000, None):
                bad.append("%s: observed %s %s; the capture recorded a normal answer" % (
                    case, r["observed"], r["observed_close"]))
    check(seen >= 30, "only %d scenarios match the recorded captures" % seen)
    check(rc == 1, "exit status %d, expected 1 (not every verdict is ok)" % rc)
    if bad:
        raise Failure("\n".join(bad))
    print("%d scenarios as expected (%d of them against the recorded reactions)" % (len(rows), seen))
    return 0


def run_check(a):
    with start("ws", a) as srv:
        rc, out, err, secs = probe(a, ["ws://127.0.0.1:%d/path?x=1" % srv.port])
    print(out, end="")
    check(rc == 0 and err == "", "exit %d, stderr %r" % (rc, err))
    for want in ("HTTP/1.1 101 Switching Protocols", "extensions:   permessage-deflate",
                 "echoed identical", "Pong with the same payload", "server answered 1000",
                 "tcp:        closed by the server", "result:     ok"):
        check(want in out, "missing from the output: " + want)
    check(secs < 5, "took %.1f s" % secs)
    return 0


def tshark_rules(a, pcap, port, extra):
    """(client port, rule) for every ws.rule item in the capture."""
    os.chmod(pcap, os.stat(pcap).st_mode | stat.S_IROTH)  # tshark runs as nobody
    tool = os.path.join(a.source, "tools", "ws-tshark")
    r = subprocess.run([tool, "-r", pcap] + extra + ["-T", "fields", "-e", "tcp.srcport",
                                                     "-e", "ws.rule", "-Y", "ws.rule"],
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, WS1002_PLUGIN=a.plugin))
    check(r.returncode == 0, "tshark failed: " + r.stderr[-500:])
    out = []
    for ln in r.stdout.splitlines():
        src, rules = ln.split("\t")
        out += [(int(src), rule) for rule in rules.split(",")]
    return out


def run_pcap(a, tls):
    if not a.plugin or not os.path.exists(a.plugin):
        print("SKIP: the plugin is not part of this build")
        return SKIP
    cert = make_cert(a.case_dir) if tls else None
    pcap = os.path.join(a.case_dir, "suite.pcapng")
    keylog = os.path.join(a.case_dir, "keys.txt")
    for f in (pcap, keylog):
        if os.path.exists(f):
            os.remove(f)
    with start("websockets", a, cert) as srv:
        args = ["--suite", "--json", "--pcap", pcap]
        if tls:
            args += ["--cafile", cert[0], "--keylog", keylog]
        rc, out, err, secs = probe(a, args + ["%s://127.0.0.1:%d/" % ("wss" if tls else "ws",
                                                                    srv.port)])
        port = srv.port
    print("suite with --pcap: %.1f s, exit %d; %s" % (secs, rc, err.strip()))
    check(rc == 1 and "recorded " + pcap in err, "exit %d: %s" % (rc, err))
    extra = ["-d", "tcp.port==%d,%s" % (port, "tls" if tls else "http")]
    if tls:
        os.chmod(keylog, 0o644)
        extra += ["-o", "tls.keylog_file:" + keylog]
    found = tshark_rules(a, pcap, port, extra)
    # Notes, not violations: after-fail on what follows a must-fail frame;
    # close-unexplained on the legal Close 1002 and 1007 rows (a Close that
    # reports an error nothing in the capture explains: so it is).
    noise = {"after-fail", "close-unexplained"}
    bad = []
    for r in map(json.loads, out.splitlines()):
        mine = [rule for src, rule in found if src == r["client_port"]]
        if r["legal"]:
            if set(mine) - noise:
                bad.append("%s: legal, but the capture shows %s" % (r["scenario"], mine))
            continue
        want = mine.count(r["rule"])
        if want == 0:
            bad.append("%s: %s not on any of its frames (%s)" % (r["scenario"], r["rule"], mine))
        if set(mine) - noise - {r["rule"]}:
            bad.append("%s: other rules on its frames: %s" % (r["scenario"], mine))
    if bad:
        raise Failure("\n".join(bad))
    print("every crafted frame carries its rule (%d findings in the capture)" % len(found))
    return 0


def one_line_exit_2(a, args, expect, limit):
    rc, out, err, secs = probe(a, args, limit=limit + 10)
    lines = err.splitlines()
    print("%-60s -> %s (%.1f s)" % (" ".join(args)[:60], err.strip(), secs))
    check(rc == 2, "%s: exit %d, expected 2" % (args, rc))
    check(len(lines) == 1 and lines[0].startswith("ws1002-probe: "), "%s: stderr %r" % (args, err))
    check(expect in lines[0], "%s: %r does not say %r" % (args, lines[0], expect))
    check(out == "", "%s: stdout %r" % (args, out))
    check(secs < limit, "%s: took %.1f s" % (args, secs))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run_errors(a):
    one_line_exit_2(a, ["ws://127.0.0.1:%d/" % free_port()], "connection refused", 3)
    one_line_exit_2(a, ["--suite", "ws://127.0.0.1:%d/" % free_port()], "connection refused", 3)
    one_line_exit_2(a, ["http://127.0.0.1/"], "not a ws:// or wss:// URL", 3)
    one_line_exit_2(a, ["ws://127.0.0.1:99999/"], "port", 3)
    one_line_exit_2(a, ["--timeout", "0", "ws://127.0.0.1/"], "--timeout", 3)
    # A plain HTTP server: it answers, but not with 101.
    http = subprocess.Popen([sys.executable, "-u", "-m", "http.server", "--bind", "127.0.0.1",
                             "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                            cwd=a.case_dir)
    try:
        line = http.stdout.readline()
        port = int(line.split(" port ")[1].split()[0])
        one_line_exit_2(a, ["ws://127.0.0.1:%d/" % port], "answered HTTP/1.0 200", 3)
        one_line_exit_2(a, ["--suite", "ws://127.0.0.1:%d/" % port], "not a WebSocket endpoint", 3)
    finally:
        http.terminate()
        http.wait(5)
    # A server that accepts TCP (the kernel's backlog) and never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        port = silent.getsockname()[1]
        one_line_exit_2(a, ["--timeout", "1", "ws://127.0.0.1:%d/" % port],
                        "no answer to the opening handshake within 1.0 s", 3)
        one_line_exit_2(a, ["--timeout", "1", "wss://127.0.0.1:%d/" % port],
                        "TLS handshake with 127.0.0.1:%d: no answer within 1.0 s" % port, 3)
    finally:
        silent.close()
    # TLS failures: a plaintext port, and a certificate nobody vouches for.
    cert = make_cert(a.case_dir)
    with start("websockets", a) as plain:
        one_line_exit_2(a, ["wss://127.0.0.1:%d/" % plain.port], "TLS handshake with", 3)
    with start("websockets", a, cert) as tls:
        one_line_exit_2(a, ["wss://127.0.0.1:%d/" % tls.port],
                        "certificate not accepted: self-signed certificate", 3)
        one_line_exit_2(a, ["--cafile", cert[0], "wss://localhost.invalid:%d/" % tls.port],
                        "cannot resolve localhost.invalid", 4)
        # The same server with the certificate trusted: the failure was the check.
        rc, out, err, _ = probe(a, ["--cafile", cert[0], "wss://127.0.0.1:%d/" % tls.port])
        check(rc == 0 and "certificate verified" in out, "trusted TLS: exit %d %s" % (rc, err))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--probe", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--plugin")
    ap.add_argument("case")
    a = ap.parse_args()
    a.case_dir = os.path.join(a.work, a.case)
    os.makedirs(a.case_dir, exist_ok=True)
    cases = {
        "setup": lambda: setup(a),
        "suite-ws": lambda: run_suite(a, "ws", False),
        "suite-ws-tls": lambda: run_suite(a, "ws", True),
        "suite-websockets": lambda: run_suite(a, "websockets", False),
        "suite-websockets-tls": lambda: run_suite(a, "websockets", True),
        "check": lambda: run_check(a),
        "pcap": lambda: run_pcap(a, False),
        "pcap-tls": lambda: run_pcap(a, True),
        "errors": lambda: run_errors(a),
    }
    try:
        return cases[a.case]()
    except (Failure, subprocess.SubprocessError, OSError) as e:
        print("FAIL [%s]: %s" % (a.case, e), file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
