#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check the ws plugin's verdicts on the generated captures with tshark and sharkd.

Wireshark ignores personal plugin folders when run as root, so tshark runs as
`nobody` (via setpriv) with HOME pointing at a temporary folder that holds the
freshly built ws.so at ~/.local/lib/wireshark/plugins/<maj.min>/epan/. As a
normal user it runs as that user with the same HOME.

Modes (each one ctest test):
  --plugin-loaded       tshark -G plugins lists ws.so from our folder; the
                        contract fields and one expert info per rule exist
  --capture NAME        every check for one capture: (frame, rule) pairs,
                        ws.rfc, ws.expected_close, WebSocket frame count, in
                        one pass and with -2; -Y ws.proto_error in both; the
                        -z expert counts; sharkd asking for frames out of order
  --coverage            (no tshark) every rule judged by the core fires in
                        its rules/ capture, every handshake rule in its
                        handshake/ capture; every index entry has its files
  --stats NAME          tshark -z ws1002,tree prints the rows of NAME.stats.tsv
  --lossy NAME          the capture with one, then two, TCP data segments
                        removed (editcap, chosen deterministically): every
                        error or warning after the first removed packet is one
                        the original has too, and the ones before are the same
  --noise NAME          (captures/real) in one pass and with -2: a clean-*
                        capture has no ws.rule and no ws1002 expert info of
                        any severity; any other has exactly the items of
                        NAME.tsv (its violations, their after-fail notes and
                        the reaction notes that are true) and as many expert
                        infos per severity; every failure Close (a code some
                        rule names, 1002/1003/1007/1009/1010, not the echo of
                        the peer's) has ws.close.cause
  --twin NAME           (captures/real, NAME ending in -wss) the decrypted
                        capture gives the same findings, links and handshake
                        fields as its plaintext twin (NAME without -wss),
                        frames matched by their place in their connection

In index.tsv, the token {dir} in tshark_args stands for the folder the
capture is read from: a file named after it (a TLS key log) is copied there
with the capture, e.g. -o tls.keylog_file:{dir}/NAME.keys.

--capture with --midstream (the captures/midstream/ set) also checks that the
capture needs no -d option, that every finding resting on an inference says
so in its expert message ("(role inferred)", "(extensions inferred)", the
heuristic's evidence in the handshake-not-captured note, and what NAME.evidence
lists in ws.midstream.evidence), that a capture with
no WebSocket frames has no ws or websocket item at all, and that with the
heuristic turned off (-o ws.midstream_heuristic:FALSE) nothing is found.

--capture also checks the links of a failure Close and its cause when the
capture has them: NAME.links.tsv (frame, field, value: every value of the
link fields, with -2; the generated close-forensics captures) or
NAME.reactions.tsv (the recorded captures of real implementations: for each
Close reacting to a violation, ws.close.cause on the Close and
ws.close.reaction on the violation). ws.close.cause must be there in a
single pass too; ws.close.reaction needs -2 (the reaction comes later).
NAME.handshake.tsv (the captures/handshake/ set: frame, field, value) lists
every value of the handshake fields (ws.handshake on each WebSocket frame,
ws.handshake.version on the request, .accept_expected, .extensions,
.subprotocol, .versions_supported on the response); nothing else may appear,
in one pass and with -2.

Exit status: 0 pass, 1 fail, 77 skip (only with --no-plugin: the plugin target
is not part of the build).
"""

import argparse
import base64
import collections
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77
SEVERITY_SECTION = {"ERROR": "Errors", "WARN": "Warnings", "NOTE": "Notes"}
LINK_FIELDS = ["ws.close.cause", "ws.close.reaction", "ws.close.reaction_code",
               "ws.close.cause_rule", "ws.close.reason_rule", "ws.gap", "ws.inflated_offset"]
# Field -> type: ws.handshake is the 101's packet on every frame judged under it.
HS_FIELDS = collections.OrderedDict([
    ("ws.handshake", "FT_FRAMENUM"), ("ws.handshake.version", "FT_STRING"),
    ("ws.handshake.accept_expected", "FT_STRING"), ("ws.handshake.extensions", "FT_STRING"),
    ("ws.handshake.subprotocol", "FT_STRING"), ("ws.handshake.versions_supported", "FT_STRING")])
CONTRACT_FIELDS = ["ws", "ws.proto_error", "ws.rule", "ws.rfc", "ws.expected_close", "ws.role",
                   "ws.after_fail", "ws.close.cause", "ws.close.reaction", "ws.gap"]
CONTRACT_FIELDS += list(HS_FIELDS)
# Fields a single pass may lack: the reaction comes after the violation.
LATER_FIELDS = ("ws.close.reaction", "ws.close.reaction_code")

_ROW = re.compile(
    r'WSV_RULE\(\s*(\w+),\s*"([a-z0-9-]+)",\s*(\d+),\s*"([^"]*)",\s*(\d+),\s*(\d+),\s*(\d+),'
    r'\s*(ERROR|WARN|NOTE),\s*(\w+),\s*(\w+),\s*(\w+),')


class Failure(Exception):
    pass


def load_rules(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    rules = collections.OrderedDict()
    for m in _ROW.finditer(text):
        rules[m.group(2)] = {
            "close": int(m.group(5)),
            "alts": [int(m.group(6)), int(m.group(7))],
            "severity": m.group(8),
            "impl": m.group(11),
            "needs": m.group(10),
            "ref": "RFC %s \u00a7%s" % (m.group(3), m.group(4)),
        }
    if not rules:
        raise Failure("no WSV_RULE rows in %s" % path)
    return rules


def load_index(captures):
    index = collections.OrderedDict()
    with open(os.path.join(captures, "index.tsv"), encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if not line.startswith("#")]
    if rows[0] != ["capture", "tshark_args", "ws_frames", "summary"]:
        raise Failure("index.tsv: unexpected header %r" % rows[0])
    for name, args, nframes, _ in rows[1:]:
        index[name] = {"args": args.split(), "ws_frames": int(nframes)}
    return index


def load_expected(captures, name):
    """[(frame, rule, close or None, proto_error bool)] from <name>.tsv."""
    rows = []
    with open(os.path.join(captures, name + ".tsv"), encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if not line.startswith("#")]
    if lines[0] != "frame\trule\texpected_close\tproto_error":
        raise Failure("%s.tsv: unexpected header %r" % (name, lines[0]))
    for line in lines[1:]:
        frame, rule, close, perr = line.split("\t")
        rows.append((int(frame), rule, None if close == "-" else int(close), perr == "yes"))
    return rows


class Shark:
    """Runs tshark/sharkd unprivileged with the plugin in a temporary HOME."""

    def __init__(self, plugin, tshark, sharkd, version):
        self.tshark = tshark
        self.sharkd = sharkd
        self.tmp = tempfile.mkdtemp(prefix="ws1002-tshark-")
        os.chmod(self.tmp, 0o755)
        self.home = os.path.join(self.tmp, "home")
        if not version:
            out = subprocess.run([tshark, "--version"], capture_output=True, text=True).stdout
            m = re.search(r"\(Wireshark\) (\d+)\.(\d+)\.", out)
            if not m:
                raise Failure("cannot read the Wireshark version from `tshark --version`: %r" % out[:200])
            version = "%s.%s" % m.groups()
        self.version = version
        self.plugin_dir = os.path.join(self.home, ".local", "lib", "wireshark", "plugins", version, "epan")
        os.makedirs(self.plugin_dir)
        os.makedirs(os.path.join(self.home, ".config", "wireshark"))
        for root, dirs, _ in os.walk(self.home):
            os.chmod(root, 0o755)
        self.plugin = os.path.join(self.plugin_dir, "ws.so")
        shutil.copyfile(plugin, self.plugin)
        os.chmod(self.plugin, 0o644)
        self.prefix = []
        if os.geteuid() == 0:
            self.prefix = ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        self.env = ["env", "-i", "HOME=" + self.home, "PATH=" + os.environ.get("PATH", "/usr/bin:/bin"),
                    "LC_ALL=C.UTF-8"]

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def stage(self, path):
        """Copy a capture where `nobody` can read it (the tree may be under /root)."""
        dst = os.path.join(self.tmp, os.path.basename(path))
        shutil.copyfile(path, dst)
        os.chmod(dst, 0o644)
        return dst

    def resolve(self, captures, args):
        """index.tsv's {dir}: the folder the capture is staged in; the files
        named after it are staged too."""
        out = []
        for a in args:
            for fname in re.findall(r"\{dir\}/([^\s,:]+)", a):
                self.stage(os.path.join(captures, fname))
            out.append(a.replace("{dir}", self.tmp))
        return out

    def decode_as(self, args):
        """Write -d tcp.port==N,websocket as a profile entry too, for sharkd,
        and -o name:value as a preference."""
        entries, prefs = [], []
        names = {"websocket": "WebSocket", "http": "HTTP", "tls": "TLS"}
        for i, a in enumerate(args):
            if a == "-d":
                m = re.fullmatch(r"tcp\.port==(\d+),(websocket|http|tls)", args[i + 1])
                if not m:
                    raise Failure("unsupported decode-as %r" % args[i + 1])
                entries.append("decode_as_entry: tcp.port,%s,(none),%s"
                               % (m.group(1), names[m.group(2)]))
            elif a == "-o":
                prefs.append("%s: %s" % tuple(args[i + 1].split(":", 1)))
        for fname, lines in (("decode_as_entries", entries), ("preferences", prefs)):
            path = os.path.join(self.home, ".config", "wireshark", fname)
            with open(path, "w", encoding="utf-8") as f:
                f.write("".join(e + "\n" for e in lines))
            os.chmod(path, 0o644)

    def run(self, args, what="tshark", stdin=None):
        prog = self.tshark if what == "tshark" else self.sharkd
        cmd = self.prefix + self.env + [prog] + args
        p = subprocess.run(cmd, capture_output=True, input=stdin, timeout=300)
        out = p.stdout.decode("utf-8", "replace")
        err = p.stderr.decode("utf-8", "replace")
        if p.returncode != 0:
            raise Failure("%s exited %d\n  command: %s\n  stderr: %s"
                          % (what, p.returncode, " ".join(cmd), err.strip()[:2000]))
        return out, err


# ---- checks -----------------------------------------------------------------


def check_plugin_loaded(sh, rules, captures):
    out, _ = sh.run(["-G", "plugins"])
    hits = [line for line in out.splitlines() if line.split("\t")[0].strip() == "ws.so"]
    if not hits:
        raise Failure("tshark -G plugins does not list ws.so (plugin not loaded from %s):\n%s"
                      % (sh.plugin_dir, out))
    if sh.plugin not in hits[0]:
        raise Failure("ws.so loaded from elsewhere: %r (expected %s)" % (hits[0], sh.plugin))
    print("plugin loaded: %s" % hits[0].replace("\t", " "))
    out, _ = sh.run(["-G", "fields"])
    fields = {}
    for line in out.splitlines():
        cols = line.split("\t")
        if len(cols) > 2 and cols[0] in ("P", "F"):
            fields[cols[2]] = cols
    missing = [f for f in CONTRACT_FIELDS if f not in fields]
    if missing:
        raise Failure("fields missing from tshark -G fields: %s" % ", ".join(missing))
    if fields["ws.rule"][3] != "FT_STRING":
        raise Failure("ws.rule is %s, expected FT_STRING" % fields["ws.rule"][3])
    if fields["ws.expected_close"][3] != "FT_UINT16":
        raise Failure("ws.expected_close is %s, expected FT_UINT16" % fields["ws.expected_close"][3])
    for name, ftype in HS_FIELDS.items():
        if fields[name][3] != ftype:
            raise Failure("%s is %s, expected %s" % (name, fields[name][3], ftype))
    # Expert infos are listed as FT_NONE fields; -z expert checks their severity.
    missing = [n for n in ("ws.expert." + rid.replace("-", "_") for rid in rules) if n not in fields]
    if missing:
        raise Failure("expert infos missing from tshark -G fields: %s" % ", ".join(missing))
    print("contract: %d fields, %d expert infos" % (len(CONTRACT_FIELDS), len(rules)))
    check_disabled(sh, os.path.join(captures, "demo.pcapng"))


def check_disabled(sh, path):
    """Analyze > Enabled Protocols (--disable-protocol ws): no finding, and
    websocket dissects the frames it dissects without the plugin."""
    def count(args):
        out, _ = sh.run(["-n", "-r", path] + args + ["-T", "fields", "-e", "frame.number"])
        return len(out.split())
    on, off = count(["-Y", "ws.rule"]), count(["--disable-protocol", "ws", "-Y", "ws"])
    frames_on = count(["-Y", "websocket"])
    frames_off = count(["--disable-protocol", "ws", "-Y", "websocket"])
    if not on or off or frames_on != frames_off:
        raise Failure("ws disabled: %d packets with ws items (%d enabled); websocket in %d packets "
                      "(%d enabled)" % (off, on, frames_off, frames_on))
    print("disabled: no ws item (%d packets with findings when enabled), websocket in %d packets"
          % (on, frames_off))


def parse_fields(out, nfields):
    """Field lines of a -T fields run, and the text after them (the -z output)."""
    rows, rest = [], []
    for line in out.splitlines():
        cols = line.split("\t")
        if not rest and len(cols) == nfields and cols[0].isdigit():
            rows.append(cols)
        elif line.strip() or rest:
            rest.append(line)
    return rows, rest


def parse_expert(lines, rules):
    """{(section, rule): count} from the lines of -z expert that name a rule ID.

    The other dissectors' messages (TCP, HTTP, the built-in websocket) never
    contain one; all lines with one must come from the same protocol."""
    counts = collections.Counter()
    section = None
    ids = sorted(rules, key=len, reverse=True)
    id_re = re.compile(r"(?<![a-z0-9-])(%s)(?![a-z0-9-])" % "|".join(map(re.escape, ids)))
    others = []
    protos = set()
    for line in lines:
        m = re.match(r"^(Errors|Warns|Warnings|Notes|Chats|Comments) \(\d+\)$", line.strip())
        if m:
            section = "Warnings" if m.group(1) == "Warns" else m.group(1)  # 4.0 says "Warns"
            continue
        m = re.match(r"^\s+(\d+)\s+(\S+)\s+(\S+)\s+(.*)$", line)
        if not m or m.group(1) == "Frequency" or section is None:
            continue
        freq, group, proto, summary = int(m.group(1)), m.group(2), m.group(3), m.group(4)
        found = id_re.search(summary)
        if not found:
            continue
        protos.add(proto)
        if group != "Protocol":
            others.append("group %s: %s" % (group, line.strip()))
        counts[(section, found.group(1))] += freq
    if len(protos) > 1 or protos & {"WebSocket", "TCP", "HTTP"}:
        others.append("rule IDs appear under the protocols %s" % sorted(protos))
    return counts, others


def check_capture(sh, rules, captures, name, entry, use_sharkd=True):
    expected = load_expected(captures, name)
    path = sh.stage(os.path.join(captures, name + ".pcapng"))
    args = entry["args"]
    want_pairs = collections.Counter((f, r) for f, r, _, _ in expected)
    want_close = collections.defaultdict(collections.Counter)
    for f, _, c, _ in expected:
        if c is not None:
            want_close[f][c] += 1
    want_perr = sorted({f for f, _, _, p in expected if p})
    # The expectation files must agree with the rule table (default strictness).
    for f, r, c, p in expected:
        if r not in rules:
            raise Failure("%s.tsv: unknown rule %s" % (name, r))
        rc = rules[r]["close"] if rules[r]["severity"] == "ERROR" else 0
        if (c or 0) != rc:
            raise Failure("%s.tsv: frame %d %s: close %s, the rule table says %d" % (name, f, r, c, rc))
        frame_perr = any(rules[x]["severity"] == "ERROR" and rules[x]["close"] == 1002
                         for g, x, _, _ in expected if g == f)
        if p != frame_perr:
            raise Failure("%s.tsv: frame %d: proto_error column disagrees with the rule table" % (name, f))

    errors = []
    fields = ["frame.number", "websocket.opcode", "ws.rule", "ws.rfc", "ws.expected_close"]
    # The links and handshake fields are read in the same runs.
    extra, want_values = [], {}
    nlinks = nhs = 0
    links = load_links(captures, name)
    if links is not None:
        extra += links[0]
        want_values.update(links[1])
        nlinks = sum(len(links[1][f]) for f in links[0])
    hs = load_field_table(os.path.join(captures, name + ".handshake.tsv"), list(HS_FIELDS))
    if hs is not None:
        extra += list(HS_FIELDS)
        want_values.update(hs)
        nhs = sum(len(v) for v in hs.values())
    want_expert = collections.Counter()
    for _, r, _, _ in expected:
        want_expert[(SEVERITY_SECTION[rules[r]["severity"]], r)] += 1
    for passes in ([], ["-2"]):
        label = "two-pass" if passes else "one-pass"
        cmd = passes + ["-n", "-r", path] + args + ["-T", "fields", "-E", "header=n",
                                                     "-E", "occurrence=a", "-E", "aggregator=|"]
        for fld in fields + extra:
            cmd += ["-e", fld]
        out, _ = sh.run(cmd + ["-z", "expert"])
        rows, rest = parse_fields(out, len(fields) + len(extra))
        errors += compare_values(label, rows, len(fields), extra, want_values)
        nws = 0
        got_pairs = collections.Counter()
        got_close = collections.defaultdict(collections.Counter)
        for num, ops, rls, rfcs, closes in (row[:len(fields)] for row in rows):
            num = int(num)
            nws += len(ops.split("|")) if ops else 0
            rl = rls.split("|") if rls else []
            rf = rfcs.split("|") if rfcs else []
            for r in rl:
                got_pairs[(num, r)] += 1
            if len(rf) != len(rl):
                errors.append("%s: frame %d: %d ws.rule but %d ws.rfc" % (label, num, len(rl), len(rf)))
            else:
                for r, ref in zip(rl, rf):
                    if r in rules and ref != rules[r]["ref"]:
                        errors.append("%s: frame %d %s: ws.rfc %r, expected %r"
                                      % (label, num, r, ref, rules[r]["ref"]))
            for c in (closes.split("|") if closes else []):
                got_close[num][int(c)] += 1
        if len(rows) == 0:
            errors.append("%s: tshark printed no frames" % label)
        nframes = len(rows)
        if nws != entry["ws_frames"]:
            errors.append("%s: %d WebSocket frames dissected, the capture has %d"
                          % (label, nws, entry["ws_frames"]))
        if got_pairs != want_pairs:
            errors.append("%s: (frame, rule) pairs differ\n%s" % (label, diff(want_pairs, got_pairs)))
        for f in sorted(set(want_close) | set(got_close)):
            if want_close.get(f, collections.Counter()) != got_close.get(f, collections.Counter()):
                errors.append("%s: frame %d: ws.expected_close %s, expected %s"
                              % (label, f, sorted(got_close[f].elements()),
                                 sorted(want_close[f].elements())))
        counts, others = parse_expert(rest, rules)
        if counts != want_expert:
            errors.append("%s: -z expert counts differ\n%s" % (label, diff(want_expert, counts)))
        for o in others:
            errors.append("%s: -z expert: unexpected ws line: %s" % (label, o))
        out, _ = sh.run(passes + ["-n", "-r", path] + args + ["-Y", "ws.proto_error",
                                                              "-T", "fields", "-e", "frame.number"])
        got_perr = sorted(int(x) for x in out.split())
        if got_perr != want_perr:
            errors.append("%s: -Y ws.proto_error selects %s, expected %s" % (label, got_perr, want_perr))

    if use_sharkd:
        errors += check_sharkd(sh, path, args, nframes, want_pairs)
    if errors:
        raise Failure("%s:\n  %s" % (name, "\n  ".join(e.replace("\n", "\n    ") for e in errors)))
    print("%s: %d (frame, rule) pairs, %d ws.proto_error frames, %d WebSocket frames, %d links, "
          "%d handshake field values: ok"
          % (name, sum(want_pairs.values()), len(want_perr), entry["ws_frames"], nlinks, nhs))


def check_midstream(sh, rules, captures, name, entry):
    """The mid-stream captures are found by the heuristic alone; inferences say so."""
    errors = []
    if any(a in ("-d", "--decode-as") for a in entry["args"]):
        errors.append("index.tsv gives %s a -d option: the heuristic must find it alone" % name)
    path = sh.stage(os.path.join(captures, name + ".pcapng"))
    expected = load_expected(captures, name)
    out, _ = sh.run(["-n", "-r", path, "-q", "-z", "expert"])
    lines = [line.strip() for line in out.splitlines()]
    for _, rid, _, _ in expected:
        needs = rules[rid]["needs"]
        if rid == "handshake-not-captured":
            want = "mid-stream heuristic"
        elif needs == "ROLE":
            want = "(role inferred)"
        elif needs == "PMD" and rid != "frame-rsv-nonzero":
            want = "(extensions inferred)"  # RSV1 involved: with a handshake it would be known
        else:
            continue
        mine = [line for line in lines if re.search(r"(?<![a-z0-9-])%s \(" % re.escape(rid), line)]
        if not mine or any(want not in line for line in mine):
            errors.append("-z expert: %s must say %r: %s" % (rid, want, mine or "no line"))
    probe = "ws || websocket || ws.midstream.skipped || ws.midstream.evidence"
    if entry["ws_frames"] == 0:
        for passes in ([], ["-2"]):
            out, _ = sh.run(passes + ["-n", "-r", path, "-Y", probe, "-T", "fields",
                                      "-e", "frame.number"])
            if out.split():
                errors.append("%s: a capture without WebSocket has ws/websocket items in frames %s"
                              % ("two-pass" if passes else "one-pass", " ".join(out.split()[:20])))
    want_ev = os.path.join(captures, name + ".evidence")
    if os.path.isfile(want_ev):
        with open(want_ev, encoding="utf-8") as f:
            wants = [line.rstrip("\n") for line in f if line.strip() and not line.startswith("#")]
        out, _ = sh.run(["-n", "-r", path, "-Y", "ws.midstream.evidence", "-T", "fields",
                         "-e", "ws.midstream.evidence"])
        for w in wants:
            if w not in out:
                errors.append("ws.midstream.evidence lacks %r: %r" % (w, out.strip()[:300]))
    out, _ = sh.run(["-n", "-r", path, "-o", "ws.midstream_heuristic:FALSE", "-Y", probe,
                     "-T", "fields", "-e", "frame.number"])
    if out.split():
        errors.append("with ws.midstream_heuristic off, items in frames %s"
                      % " ".join(out.split()[:20]))
    if errors:
        raise Failure("%s (mid-stream):\n  %s" % (name, "\n  ".join(errors)))
    print("%s: no -d needed, inferences labelled, nothing found with the heuristic off: ok" % name)


def load_field_table(path, fields):
    """{field: set((frame, value))} from a frame/field/value table (every
    value of `fields` the plugin must show); None if there is no such file."""
    if not os.path.isfile(path):
        return None
    want = {f: set() for f in fields}
    with open(path, encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if not line.startswith("#")]
    if lines[0] != "frame\tfield\tvalue":
        raise Failure("%s: unexpected header %r" % (os.path.basename(path), lines[0]))
    for line in lines[1:]:
        frame, field, value = line.split("\t")
        if field not in want:
            raise Failure("%s: unknown field %s" % (os.path.basename(path), field))
        want[field].add((int(frame), value))
    return want


def load_links(captures, name):
    """(fields checked, {field: set((frame, value))}) from NAME.links.tsv or
    NAME.reactions.tsv; None if the capture has neither."""
    base = os.path.join(captures, name)
    want = load_field_table(base + ".links.tsv", LINK_FIELDS)
    if want is not None:
        return LINK_FIELDS, want
    want = {f: set() for f in LINK_FIELDS}
    if os.path.isfile(base + ".reactions.tsv"):
        with open(base + ".reactions.tsv", encoding="utf-8") as f:
            lines = [line.rstrip("\n") for line in f if not line.startswith("#")]
        cols = lines[0].split("\t")
        for line in lines[1:]:
            row = dict(zip(cols, line.split("\t")))
            frame, react = int(row["frame"]), row["reaction_frame"]
            if row["reaction"] == "close":
                want["ws.close.cause"].add((int(react), str(frame)))
                want["ws.close.reaction"].add((frame, react))
            elif row["reaction"] in ("fin", "rst"):
                want["ws.close.reaction"].add((frame, react))
        return ["ws.close.cause", "ws.close.reaction"], want
    return None


def compare_values(label, rows, first, fields, want):
    """Every value of the given fields (the columns from `first` on), with
    -2; in one pass too, except the reactions (LATER_FIELDS), which a single
    pass may not know yet."""
    errors = []
    got = {f: set() for f in fields}
    for cols in rows:
        for fld, val in zip(fields, cols[first:]):
            for v in (val.split("|") if val else []):
                got[fld].add((int(cols[0]), v))
    for fld in fields:
        if label == "one-pass" and fld in LATER_FIELDS:
            # A single pass prints the violation before its reaction.
            ok = got[fld] <= want[fld]
        else:
            ok = got[fld] == want[fld]
        if not ok:
            errors.append("%s: %s differs: missing %s, unexpected %s"
                          % (label, fld, sorted(want[fld] - got[fld]), sorted(got[fld] - want[fld])))
    return errors


def lossy_scan(sh, path, args, rules):
    """One tshark pass: ({frame: Counter(rule)} of the errors and warnings
    (not the notes), the TCP data segments outside HTTP, the ws.gap frames)."""
    out, _ = sh.run(["-n", "-r", path] + args + ["-T", "fields", "-E", "occurrence=a",
                                                  "-E", "aggregator=|", "-e", "frame.number",
                                                  "-e", "ws.rule", "-e", "tcp.len", "-e", "http",
                                                  "-e", "ws.gap"])
    found = collections.defaultdict(collections.Counter)
    data, gaps = [], []
    for line in out.splitlines():
        cols = line.split("\t")
        if len(cols) != 5 or not cols[0].isdigit():
            continue
        num = int(cols[0])
        for r in (cols[1].split("|") if cols[1] else []):
            if r in rules and rules[r]["severity"] != "NOTE":
                found[num][r] += 1
        if cols[2] and int(cols[2].split("|")[0]) > 0 and not cols[3]:
            data.append(num)
        if cols[4]:
            gaps.append(num)
    return found, data, gaps


def check_lossy(sh, rules, captures, name, entry):
    """A lossy capture never accuses anyone the original does not. Removed:
    the TCP data segment in the middle of the capture (outside HTTP), then
    the ones at a third and at two thirds."""
    path = sh.stage(os.path.join(captures, name + ".pcapng"))
    args = entry["args"]
    editcap = shutil.which("editcap")
    if not editcap:
        raise Failure("editcap not found (Debian: wireshark-common or tshark)")
    orig, cand, _ = lossy_scan(sh, path, args, rules)
    variants = []
    if cand:
        variants.append([cand[len(cand) // 2]])
    if len(cand) >= 3 and cand[len(cand) // 3] != cand[2 * len(cand) // 3]:
        variants.append([cand[len(cand) // 3], cand[2 * len(cand) // 3]])
    if not variants:
        raise Failure("%s: no TCP data segment to remove" % name)
    errors = []
    for drop in variants:
        lossy = os.path.join(sh.tmp, "lossy-%s.pcapng" % "-".join(map(str, drop)))
        p = subprocess.run([editcap, path, lossy] + [str(d) for d in drop],
                           capture_output=True, text=True)
        if p.returncode != 0:
            raise Failure("editcap failed: %s" % p.stderr.strip())
        os.chmod(lossy, 0o644)
        got, _, gaps = lossy_scan(sh, lossy, args, rules)
        for n, counts in sorted(got.items()):
            # the lossy capture's frame n is the original's n-th kept packet
            kept = orig_n = 0
            while kept < n:
                orig_n += 1
                if orig_n not in drop:
                    kept += 1
            have = orig.get(orig_n, collections.Counter())
            extra = counts - have
            if orig_n < drop[0] and counts != have:
                errors.append("without %s: frame %d (original %d) before the gap: %s, the original "
                              "has %s" % (drop, n, orig_n, dict(counts), dict(have)))
            elif extra:
                errors.append("without %s: frame %d (original %d): %s not in the original"
                              % (drop, n, orig_n, dict(extra)))
        print("%s without packets %s: %d frames with violations (original: %d), ws.gap in %s"
              % (name, drop, len(got), len(orig), gaps))
    if errors:
        raise Failure("%s:\n  %s" % (name, "\n  ".join(errors)))
    print("%s: %d lossy variants: ok" % (name, len(variants)))


# Close codes that report a failure: every code some rule names (its close
# code or an accepted alternative). A Close with one of them that is not the
# echo of the peer's code must say what it answers (ws.close.cause).
def failure_codes(rules):
    codes = set()
    for r in rules.values():
        if r["severity"] != "NOTE":
            codes |= {c for c in [r["close"]] + r["alts"] if c}
    return codes


def close_frames(out):
    """[(frame, stream, src port, code or None, has cause)] of every Close
    frame in a -T fields run of CLOSE_FIELDS."""
    closes = []
    for line in out.splitlines():
        cols = line.split("\t")
        if len(cols) != len(CLOSE_FIELDS) or not cols[0].isdigit():
            continue
        ops = [int(x) for x in cols[3].split("|") if x]
        codes = [int(x) for x in cols[4].split("|") if x]
        n = ops.count(8)
        if len(codes) != n:
            codes = [None] * n  # a Close without a code among them: cannot pair
        for code in codes:
            closes.append((int(cols[0]), cols[1], cols[2], code, bool(cols[5])))
    return closes


CLOSE_FIELDS = ["frame.number", "tcp.stream", "tcp.srcport", "websocket.opcode",
                "websocket.payload.close.status_code", "ws.close.cause"]


def check_noise(sh, rules, captures, name, entry):
    """Nothing but the truth on a recorded capture (module docstring)."""
    expected = load_expected(captures, name)
    clean = name.startswith("clean-")
    if clean and expected:
        raise Failure("%s.tsv: a clean capture expects findings" % name)
    path = sh.stage(os.path.join(captures, name + ".pcapng"))
    args = entry["args"]
    want = collections.Counter((f, r) for f, r, _, _ in expected)
    want_sev = collections.Counter(SEVERITY_SECTION[rules[r]["severity"]] for _, r, _, _ in expected)
    fcodes = failure_codes(rules)
    errors = []
    for passes in ([], ["-2"]):
        label = "two-pass" if passes else "one-pass"
        out, _ = sh.run(passes + ["-n", "-r", path] + args + [
            "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|", "-e", "frame.number",
            "-e", "ws.rule", "-z", "expert"])
        rows, rest = parse_fields(out, 2)
        got = collections.Counter((int(n), r) for n, rl in rows for r in rl.split("|") if r)
        for (f, r), k in sorted((got - want).items()):
            kind = ("a reaction note not listed as true" if r in REACTION_NOTES
                    else "a note" if rules.get(r, {}).get("severity") == "NOTE" else "a finding")
            errors.append("%s: frame %d: %s %s (x%d) that %s.tsv does not list"
                          % (label, f, kind, r, k, name))
        for (f, r), k in sorted((want - got).items()):
            errors.append("%s: frame %d: %s missing (x%d)" % (label, f, r, k))
        sev = collections.Counter()
        section = None
        for line in rest:
            m = re.match(r"^(Errors|Warns|Warnings|Notes|Chats|Comments) \(\d+\)$", line.strip())
            if m:
                section = "Warnings" if m.group(1) == "Warns" else m.group(1)
                continue
            m = re.match(r"^\s+(\d+)\s+(\S+)\s+(\S+)\s+(.*)$", line)
            if m and section and m.group(1) != "Frequency" and m.group(3).lower() in ("ws1002", "ws"):
                sev[section] += int(m.group(1))
        if sev != want_sev:
            errors.append("%s: ws1002 expert infos per severity %s, expected %s"
                          % (label, dict(sev), dict(want_sev)))
        out, _ = sh.run(passes + ["-n", "-r", path] + args + [
            "-Y", "websocket.opcode == 8", "-T", "fields", "-E", "occurrence=a",
            "-E", "aggregator=|"] + [x for fld in CLOSE_FIELDS for x in ("-e", fld)])
        seen = collections.defaultdict(set)  # (stream, port) -> codes it sent
        for num, stream, port, code, cause in close_frames(out):
            peer = set().union(*(c for (st, p), c in seen.items() if st == stream and p != port))
            if code in fcodes and code not in peer and not cause:
                errors.append("%s: frame %d: failure Close %d without ws.close.cause"
                              % (label, num, code))
            seen[(stream, port)].add(code)
    if errors:
        raise Failure("%s (noise):\n  %s" % (name, "\n  ".join(errors)))
    print("%s: %s, in one pass and with -2: ok"
          % (name, "nothing reported" if clean else
             "exactly the %d listed items (%s)" % (sum(want.values()), ", ".join(
                 "%d %s" % (n, s.lower()) for s, n in sorted(want_sev.items())))))


REACTION_NOTES = ("reaction-missing", "reaction-unexpected-code", "close-unexplained", "capture-gap")
TWIN_FIELDS = ["frame.number", "tcp.stream", "tcp.srcport", "tcp.flags.fin", "tcp.flags.reset",
               "websocket.opcode", "http.request", "http.response", "http.sec_websocket_key",
               "ws.rule", "ws.close.cause", "ws.close.reaction", "ws.close.reaction_code",
               "ws.close.cause_rule", "ws.handshake", "ws.handshake.version",
               "ws.handshake.accept_expected", "ws.handshake.extensions",
               "ws.handshake.subprotocol", "ws.handshake.versions_supported"]


def twin_digest(sh, path, args, passes):
    """What the plugin says about a capture, every frame number replaced by
    the packet's place in its connection: connection/direction/kind+ordinal,
    kind: ws (the ordinal of the packet's last WebSocket frame: TLS records
    may group frames otherwise than TCP segments), http (a handshake head),
    rst, fin, or other (TLS records, bare ACKs). The handshake fields, one
    set per WebSocket frame, are counted per connection."""
    out, _ = sh.run(passes + ["-n", "-r", path] + args + [
        "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]
        + [x for fld in TWIN_FIELDS for x in ("-e", fld)])
    rows = [dict(zip(TWIN_FIELDS, line.split("\t"))) for line in out.splitlines()
            if len(line.split("\t")) == len(TWIN_FIELDS) and line.split("\t")[0].isdigit()]
    place, client, count, keys = {}, {}, collections.Counter(), {}
    for r in rows:
        st = r["tcp.stream"]
        client.setdefault(st, r["tcp.srcport"])
        nws = len([x for x in r["websocket.opcode"].split("|") if x])
        kind = ("ws" if nws else "http" if r["http.request"] or r["http.response"]
                else "rst" if r["tcp.flags.reset"] in ("1", "True") else
                "fin" if r["tcp.flags.fin"] in ("1", "True") else "other")
        d = "client" if r["tcp.srcport"] == client[st] else "server"
        count[(st, d, kind)] += max(nws, 1)
        place[r["frame.number"]] = "%s/%s/%s%d" % (st, d, kind, count[(st, d, kind)])
        if r["http.sec_websocket_key"]:
            keys[st] = r["http.sec_websocket_key"]
    digest = collections.defaultdict(collections.Counter)
    for r in rows:
        st, at = r["tcp.stream"], place[r["frame.number"]]
        for fld in TWIN_FIELDS[9:]:
            for v in (r[fld].split("|") if r[fld] else []):
                if fld in ("ws.close.cause", "ws.close.reaction", "ws.handshake"):
                    v = place.get(v, "frame %s" % v)
                elif fld == "ws.handshake.accept_expected":
                    want = base64.b64encode(hashlib.sha1(
                        keys.get(st, "").encode() + b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11").digest())
                    v = "matches the request's key" if v == want.decode() else "wrong: " + v
                where = "connection %s" % st if fld.startswith("ws.handshake") else at
                digest[where]["%s=%s" % (fld, v)] += 1
    return {k: sorted(c.elements()) for k, c in digest.items()}


def check_twin(sh, rules, captures, name, index):
    """A wss capture and its plaintext twin: the same verdicts (module docstring)."""
    if not name.endswith("-wss") or name[:-4] not in index:
        raise Failure("%s: no plaintext twin %s in index.tsv" % (name, name[:-4]))
    errors = []
    for passes in ([], ["-2"]):
        label = "two-pass" if passes else "one-pass"
        dig = []
        for n in (name[:-4], name):
            dig.append(twin_digest(sh, sh.stage(os.path.join(captures, n + ".pcapng")),
                                   index[n]["args"], passes))
        plain, tls = dig
        for at in sorted(set(plain) | set(tls), key=lambda k: [x.zfill(9) if x.isdigit() else x
                                                              for x in re.split(r"(\d+)", k)]):
            if plain.get(at) != tls.get(at):
                errors.append("%s: %s: plaintext %s, decrypted %s"
                              % (label, at, plain.get(at, "nothing"), tls.get(at, "nothing")))
    if errors:
        raise Failure("%s differs from %s:\n  %s" % (name, name[:-4], "\n  ".join(errors[:60])))
    print("%s: the same findings, links and handshake fields as %s, in one pass and with -2: ok"
          % (name, name[:-4]))


def stats_rows(out):
    """The header and rows of the table tshark -z ws1002,tree prints: the line
    of column names ("# |Client |..."), then the table's title, then one line
    a row, each value followed by " |"."""
    lines = out.splitlines()
    for i, line in enumerate(lines):
        if line.startswith("# |"):
            head = [v.strip() for v in line.split(" |")[:-1]]
            rows = []
            for row in lines[i + 2:]:
                if not row.endswith(" |"):
                    break
                rows.append([v.strip() for v in row.split(" |")[:-1]])
            return head, rows
    return None, []


def check_stats(sh, captures, name, entry):
    """tshark -z ws1002,tree, in one pass and with -2: the table has the
    columns and, in this order, exactly the rows of NAME.stats.tsv."""
    path = sh.stage(os.path.join(captures, name + ".pcapng"))
    with open(os.path.join(captures, name + ".stats.tsv"), encoding="utf-8") as f:
        lines = [line.rstrip("\n").split("\t") for line in f if not line.startswith("# ")]
    want_head, want = lines[0], lines[1:]
    errors = []
    for passes in ([], ["-2"]):
        out, _ = sh.run(passes + ["-q", "-n", "-r", path] + entry["args"] + ["-z", "ws1002,tree"])
        head, rows = stats_rows(out)
        what = "two-pass" if passes else "one-pass"
        if head != want_head:
            errors.append("%s: columns %s, expected %s\n%s" % (what, head, want_head, out))
        elif rows != want:
            errors.append("%s: rows\n  %s\nexpected\n  %s" % (
                what, "\n  ".join(map(str, rows)), "\n  ".join(map(str, want))))
    if errors:
        raise Failure("%s:\n  %s" % (name, "\n  ".join(errors)))
    print("%s: %d stats table rows: ok" % (name, len(want)))


def diff(want, got):
    lines = []
    for key in sorted(set(want) | set(got)):
        if want[key] != got[key]:
            lines.append("%s: expected %d, got %d" % (key, want[key], got[key]))
    return "\n".join(lines)


def check_sharkd(sh, path, args, nframes, want_pairs):
    """GUI-like random access: later passes must replay the first pass's verdicts."""
    sh.decode_as(args)
    # Last frame first, then every third frame going down, then the rest.
    order = list(range(nframes, 0, -1))
    order = order[::3] + [n for i, n in enumerate(order) if i % 3]
    reqs = [{"jsonrpc": "2.0", "id": 1, "method": "load", "params": {"file": path}}]
    for i, n in enumerate(order):
        reqs.append({"jsonrpc": "2.0", "id": 100 + i, "method": "frame",
                     "params": {"frame": n, "proto": True}})
    try:
        out, _ = sh.run(["-"], what="sharkd",
                        stdin="".join(json.dumps(r) + "\n" for r in reqs).encode())
    finally:
        sh.decode_as([])
    got = collections.Counter()
    seen = set()
    for line in out.splitlines():
        if not line.startswith("{"):
            continue
        msg = json.loads(line)
        mid = msg.get("id", 0)
        if mid < 100:
            if mid == 1 and msg.get("result", {}).get("status") != "OK":
                return ["sharkd: load failed: %s" % line[:300]]
            continue
        if "result" not in msg:
            return ["sharkd: frame request failed: %s" % line[:300]]
        num = order[mid - 100]
        seen.add(num)
        for r in walk_rules(msg["result"].get("tree", [])):
            got[(num, r)] += 1
    errors = []
    if len(seen) != len(order):
        errors.append("sharkd answered %d of %d frame requests" % (len(seen), len(order)))
    if got != want_pairs:
        errors.append("sharkd (frames in the order %s...): (frame, rule) pairs differ\n%s"
                      % (order[:6], diff(want_pairs, got)))
    return errors


def walk_rules(nodes):
    for node in nodes:
        m = re.fullmatch(r'ws\.rule == "(.*)"', node.get("f", ""))
        if m:
            yield m.group(1)
        yield from walk_rules(node.get("n", []))


def check_coverage(rules, captures, index):
    problems = []
    fired = collections.defaultdict(set)
    for name in index:
        for ext in (".pcapng", ".tsv"):
            if not os.path.isfile(os.path.join(captures, name + ext)):
                problems.append("%s%s: missing" % (name, ext))
        if os.path.isfile(os.path.join(captures, name + ".tsv")):
            for _, r, _, _ in load_expected(captures, name):
                fired[r].add(name)
    for rid, r in rules.items():
        if r["impl"] != "CORE":
            continue
        if rid == "after-fail":
            if not fired[rid]:
                problems.append("after-fail: no capture expects it")
        elif "rules/" + rid not in fired[rid]:
            problems.append("%s: rules/%s.pcapng does not exist or does not expect it" % (rid, rid))
    # The handshake rules: handshake/<id>.pcapng each, with its field tables.
    hs_dir = os.path.join(captures, "handshake")
    hs_index = load_index(hs_dir) if os.path.isfile(os.path.join(hs_dir, "index.tsv")) else {}
    for name in hs_index:
        for ext in (".pcapng", ".tsv", ".links.tsv", ".handshake.tsv"):
            if not os.path.isfile(os.path.join(hs_dir, name + ext)):
                problems.append("handshake/%s%s: missing" % (name, ext))
        if os.path.isfile(os.path.join(hs_dir, name + ".tsv")):
            for _, r, _, _ in load_expected(hs_dir, name):
                fired[r].add("handshake/" + name)
    handshake = [rid for rid, r in rules.items() if r["impl"] == "HANDSHAKE"]
    for rid in handshake:
        if "handshake/" + rid not in fired[rid]:
            problems.append("%s: handshake/%s.pcapng does not exist or does not expect it"
                            % (rid, rid))
    if problems:
        raise Failure("coverage:\n  " + "\n  ".join(problems))
    core = [r for r in rules if rules[r]["impl"] == "CORE"]
    print("coverage: all %d core rules and %d handshake rules fire in a capture; %d captures, "
          "%d expected pairs"
          % (len(core), len(handshake), len(index) + len(hs_index),
             sum(len(load_expected(captures, n)) for n in index)
             + sum(len(load_expected(hs_dir, n)) for n in hs_index)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--plugin", help="the built ws.so")
    ap.add_argument("--no-plugin", action="store_true", help="the plugin is not built: skip")
    ap.add_argument("--captures", required=True, help="the captures folder")
    ap.add_argument("--rules", required=True, help="wsv_rules.def")
    ap.add_argument("--tshark", default="tshark")
    ap.add_argument("--sharkd", default="sharkd")
    ap.add_argument("--wireshark-version", help="maj.min of the plugin folder (default: from tshark)")
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--plugin-loaded", action="store_true")
    mode.add_argument("--capture", metavar="NAME")
    mode.add_argument("--coverage", action="store_true")
    mode.add_argument("--lossy", metavar="NAME")
    mode.add_argument("--stats", metavar="NAME")
    mode.add_argument("--noise", metavar="NAME")
    mode.add_argument("--twin", metavar="NAME")
    ap.add_argument("--no-sharkd", action="store_true", help="skip the sharkd check of --capture")
    ap.add_argument("--midstream", action="store_true",
                    help="--capture: also the mid-stream checks (captures/midstream/)")
    opts = ap.parse_args()
    try:
        rules = load_rules(opts.rules)
        index = load_index(opts.captures)
        if opts.coverage:
            check_coverage(rules, opts.captures, index)
            return 0
        if opts.no_plugin:
            print("SKIP: the ws plugin target is not built (no Wireshark development files?)")
            return SKIP
        if not opts.plugin or not os.path.isfile(opts.plugin):
            raise Failure("plugin %r does not exist: build the ws target first" % opts.plugin)
        sh = Shark(opts.plugin, opts.tshark, opts.sharkd, opts.wireshark_version)
        for entry in index.values():
            entry["args"] = sh.resolve(opts.captures, entry["args"])
        try:
            if opts.plugin_loaded:
                check_plugin_loaded(sh, rules, opts.captures)
            elif opts.stats:
                if opts.stats not in index:
                    raise Failure("%s is not in index.tsv" % opts.stats)
                check_stats(sh, opts.captures, opts.stats, index[opts.stats])
            elif opts.noise or opts.twin:
                name = opts.noise or opts.twin
                if name not in index:
                    raise Failure("%s is not in index.tsv" % name)
                if opts.noise:
                    check_noise(sh, rules, opts.captures, name, index[name])
                else:
                    check_twin(sh, rules, opts.captures, name, index)
            elif opts.lossy:
                if opts.lossy not in index:
                    raise Failure("%s is not in index.tsv" % opts.lossy)
                check_lossy(sh, rules, opts.captures, opts.lossy, index[opts.lossy])
            else:
                if opts.capture not in index:
                    raise Failure("%s is not in index.tsv" % opts.capture)
                check_capture(sh, rules, opts.captures, opts.capture, index[opts.capture],
                              use_sharkd=not opts.no_sharkd)
                if opts.midstream:
                    check_midstream(sh, rules, opts.captures, opts.capture, index[opts.capture])
        finally:
            sh.close()
    except Failure as e:
        print("FAIL: %s" % e)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
