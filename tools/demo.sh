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
    BEGIN {
        role[1] = "client"; role[2] = "server"
        printf "%-6s %-8s %-6s %-26s %s\n", "frame", "sender", "close", "rule", "RFC"
    }
    {
        n = split($3, rule, "|"); split($4, rfc, "|"); split($5, code, "|")
        who = ($2 in role) ? role[$2] : "unknown"
        for (i = 1; i <= n; i++)
            printf "%-6s %-8s %-6s %-26s %s\n", $1, who, (code[i] == "" ? "-" : code[i]), rule[i], rfc[i]
    }'
