#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Check the configuration profile ws1002 and the filters of the message guide
with tshark and the built plugin (unprivileged, like tshark_check.py):

  - the rule lists of the profile's coloring rules are the rule table's:
    the must-fail rules without a close code (the handshake's) and the
    warnings;
  - every filter of the profile (coloring rules, filter buttons) and of
    docs/messages.md compiles;
  - with -C ws1002 (the profile in the personal profiles), the packet list
    of captures/demo.pcapng shows the rule and the expected close of the
    violating frames, and the coloring rules color the captures' frames as
    the table says (a must-fail frame, a 1007 frame, a warning, a failure
    Close, a capture gap).
"""
import argparse
import os
import re
import shutil
import sys

import tshark_check as tc

# (capture under captures/, frame, coloring rule name)
COLORED = [
    ("demo", 7, "ws1002: must fail, Close 1002 or handshake"),
    ("demo", 8, "ws1002: failure Close, explained or not"),
    ("rules/text-utf8-invalid", 9, "ws1002: must fail, Close 1007"),
    ("rules/len-not-minimal", 6, "ws1002: warning"),
    ("forensics/gap-mid-frame", 10, "ws1002: capture gap"),
    ("handshake/handshake-accept-mismatch", 5, "ws1002: must fail, Close 1002 or handshake"),
]


def colorfilters(path):
    """[(name, filter)] of a colorfilters file."""
    rules = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^@([^@]*)@([^@]*)@\[", line)
            if m:
                rules.append((m.group(1), m.group(2)))
    return rules


def uat_unescape(s):
    """A UAT field's \\xNN escapes decoded."""
    return re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), s)


def buttons(path):
    """[(label, filter)] of a dfilter_buttons file (UAT: quoted fields, \\xNN escapes)."""
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            fields = re.findall(r'"((?:[^"\\]|\\.)*)"', line)
            out.append((uat_unescape(fields[1]), uat_unescape(fields[2])))
    return out


def guide_filters(path):
    """The filters in the message guide's table rows (code spans starting ws.)."""
    found = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("| `"):
                found += [s for s in re.findall(r"`(ws\.[^`]*)`", line) if s not in found]
    return found


def rule_set(flt):
    """The rule IDs of the `ws.rule in {...}` part of a filter."""
    m = re.search(r"ws\.rule in \{([^}]*)\}", flt)
    return set(re.findall(r'"([a-z0-9-]+)"', m.group(1))) if m else set()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--plugin", required=True)
    ap.add_argument("--tshark", default="tshark")
    ap.add_argument("--wireshark-version")
    ap.add_argument("--profile", required=True, help="packaging/profile/ws1002")
    ap.add_argument("--rules", required=True, help="wsv_rules.def")
    ap.add_argument("--captures", required=True)
    ap.add_argument("--guide", required=True, help="docs/messages.md")
    opts = ap.parse_args()
    errors = []
    try:
        rules = tc.load_rules(opts.rules)
        colors = colorfilters(os.path.join(opts.profile, "colorfilters"))
        named = dict(colors)
        want = {
            "ws1002: must fail, Close 1002 or handshake":
                {r for r, v in rules.items() if v["severity"] == "ERROR" and v["close"] == 0},
            "ws1002: warning": {r for r, v in rules.items() if v["severity"] == "WARN"},
        }
        for name, ids in want.items():
            if name not in named:
                errors.append("colorfilters: no rule named %r" % name)
            elif rule_set(named[name]) != ids:
                errors.append("colorfilters %r: rules %s, the rule table has %s"
                              % (name, sorted(rule_set(named[name])), sorted(ids)))

        sh = tc.Shark(opts.plugin, opts.tshark, None, opts.wireshark_version)
        try:
            demo = sh.stage(os.path.join(opts.captures, "demo.pcapng"))
            filters = [("colorfilters " + n, f) for n, f in colors]
            filters += [("dfilter_buttons " + n, f) for n, f in buttons(
                os.path.join(opts.profile, "dfilter_buttons"))]
            filters += [("docs/messages.md", f) for f in guide_filters(opts.guide)]
            # All at once; one by one only to name the ones that fail.
            try:
                sh.run(["-r", demo, "-Y", " || ".join("(%s)" % f for _, f in filters)])
            except tc.Failure:
                for where, flt in filters:
                    try:
                        sh.run(["-r", demo, "-Y", flt])
                    except tc.Failure as e:
                        errors.append("%s: filter %r does not compile: %s" % (where, flt, e))
            print("%d filters compile" % len(filters))

            dst = os.path.join(sh.home, ".config", "wireshark", "profiles", "ws1002")
            shutil.copytree(opts.profile, dst)
            for root, dirs, files in os.walk(os.path.join(sh.home, ".config")):
                os.chmod(root, 0o755)
                for name in files:
                    os.chmod(os.path.join(root, name), 0o644)
            out, _ = sh.run(["-C", "ws1002", "-r", demo])
            for frame, rule in ((7, "frame-rsv-nonzero"), (17, "frame-unmasked-client")):
                line = [l for l in out.splitlines() if l.split()[:1] == [str(frame)]]
                if not line or not re.search(r"\b%s 1002 WebSocket" % rule, line[0]):
                    errors.append("-C ws1002: frame %d does not show '%s 1002' before Info: %r"
                                  % (frame, rule, line))
            for capture, frame, name in COLORED:
                path = sh.stage(os.path.join(opts.captures, capture + ".pcapng"))
                out, _ = sh.run(["-C", "ws1002", "-r", path, "--color", "-T", "fields",
                                 "-e", "frame.number", "-e", "frame.coloring_rule.name",
                                 "-Y", "frame.number == %d" % frame])
                got = out.strip().split("\t")[1:] or [""]
                if got[0] != name:
                    errors.append("-C ws1002 --color: %s frame %d colored %r, expected %r"
                                  % (capture, frame, got[0], name))
            print("%d colored frames checked" % len(COLORED))
        finally:
            sh.close()
    except tc.Failure as e:
        errors.append(str(e))
    if errors:
        print("FAIL:\n  " + "\n  ".join(errors))
        return 1
    print("profile ws1002: ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
