#!/bin/sh
# Quick start: install what is missing, build ws1002, and show what it finds in
# the bundled demo capture (one line per violation).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
.ci/install-deps
cmake --preset dev >/dev/null
cmake --build --preset dev >/dev/null
capture=${1:-captures/demo.pcapng}
echo "ws1002 findings in $capture:"
tools/ws-tshark -r "$capture" -Y ws.rule -T fields -E separator=/t -E aggregator='|' \
    -e frame.number -e ws.role -e ws.rule -e ws.rfc -e ws.expected_close |
    awk -F'\t' '
    BEGIN { printf "%-6s %-7s %-26s %-16s %s\n", "frame", "sender", "rule", "RFC", "expected close" }
    {
        n = split($3, rule, "|"); split($4, rfc, "|"); split($5, code, "|")
        for (i = 1; i <= n; i++)
            printf "%-6s %-7s %-26s %-16s %s\n", $1, $2, rule[i], rfc[i], (code[i] == "" ? "-" : code[i])
    }'
