# SPDX-License-Identifier: GPL-2.0-or-later
# The Markdown tables of tools/bench/run.sh, from its results.tsv (-F '\t'):
# one row per capture and mode, a column per variant, the cost of each plugin
# variant over "without" (with a baseline, also "with" over "baseline").
# Instruction costs over issue 14's targets are in bold. Variables (-v):
# variants and modes (space-separated), rounds, intro (the first line).

/^#/ || $1 == "metric" { next }
{ val[$1, $2, $3, $4] = $5 }

function pct(a, b,   p) {
    p = (a - b) * 100 / b
    return sprintf((p >= 10 || p <= -10) ? "%+.1f%%" : "%+.2f%%", p)
}
# Issue 14: without WebSocket at most +1% in every mode; on WebSocket at most
# +3% with -Y websocket and -T fields, +5% with -r and -2 -Y websocket.
function target(c, m) { return c == "nows" ? 1 : (m == "Y" || m == "T") ? 3 : 5 }
function cost(c, m, a, b, bold,   s) {
    s = pct(a, b)
    return (bold && (a - b) * 100 / b > target(c, m)) ? "**" s "**" : s
}
function sfx(i) { return nv > 2 ? " (" v[i] ")" : "" }
function k(x) { return sprintf("%.1fk", x / 1000) }
function ms(x) { return sprintf("%.0f", x / 1000) }
function rule(n,   i) {
    printf "\n|---|---|"
    for (i = 1; i <= n; i++) printf "---|"
    printf "\n"
}
function head(title, ir,   i) {
    printf "\n%s\n\n| capture | mode |", title
    for (i = 1; i <= nv; i++) printf " %s |", v[i]
    for (i = 2; i <= nv; i++) printf " cost%s |", sfx(i)
    if (nv > 2) printf " with vs baseline |"
    if (ir) {
        for (i = 2; i <= nv; i++) printf " in ws.so%s |", sfx(i)
        printf " target |"
    }
    rule(2 * nv - 1 + (nv > 2) + ir * nv)
}
function row(c, m, metric, ir,   i, x) {
    printf "| %s | %s |", cname[c], label[m]
    for (i = 1; i <= nv; i++) {
        x = val[metric, c, m, v[i]]
        printf " %s |", ir ? k(x) : ms(x)
    }
    for (i = 2; i <= nv; i++)
        printf " %s |", cost(c, m, val[metric, c, m, v[i]], val[metric, c, m, v[1]], ir)
    if (nv > 2) printf " %s |", pct(val[metric, c, m, v[nv]], val[metric, c, m, v[2]])
    if (ir) {
        for (i = 2; i <= nv; i++) printf " %s |", k(val["ir_self_plugin_per_packet", c, m, v[i]])
        printf " at most +%d%% |", target(c, m)
    }
    printf "\n"
}
END {
    nv = split(variants, v, " ")
    wsf = val["ws_frames", "ws", "-", "-"]
    nm = split(modes, mo, " ")
    label["r"] = "`-r`"
    label["Y"] = "`-Y websocket`"
    label["T"] = "`-T fields -e frame.number`"
    label["2"] = "`-2 -Y websocket`"
    cname["ws"] = "WebSocket"
    cname["nows"] = "no WebSocket"
    cname["empty"] = "empty"
    print intro
    head("Instructions per packet (callgrind; start-up on the empty capture subtracted;\n" \
        "in ws.so: the plugin's own functions, without what they call in Wireshark):", 1)
    for (ci = 1; ci <= 2; ci++)
        for (j = 1; j <= nm; j++)
            row(ci == 1 ? "ws" : "nows", mo[j], "ir_per_packet", 1)
    printf "\nStart-up (empty capture, %s), instructions:", label[mo[1]]
    for (i = 1; i <= nv; i++)
        printf " %s %.1fM%s", v[i], val["ir_total", "empty", mo[1], v[i]] / 1e6, i < nv ? "," : ""
    printf " (%s).\n", pct(val["ir_total", "empty", mo[1], v[nv]],
        val["ir_total", "empty", mo[1], v[1]])
    if (rounds == 0)
        exit
    head("Wall time, ms per tshark run (median of " rounds " interleaved rounds, " \
        "start-up included):", 0)
    for (ci = 1; ci <= 3; ci++)
        for (j = 1; j <= nm; j++)
            row(ci == 1 ? "ws" : ci == 2 ? "nows" : "empty", mo[j], "wall_us_median", 0)
    head("CPU time (user + system), ms per tshark run (median of the same runs; less " \
        "sensitive to\nother load than wall time, at 10 ms resolution):", 0)
    for (ci = 1; ci <= 3; ci++)
        for (j = 1; j <= nm; j++)
            row(ci == 1 ? "ws" : ci == 2 ? "nows" : "empty", mo[j], "cpu_us_median", 0)
    printf "\nPeak RSS, KiB (lowest of %d rounds); extra: with minus without, start-up\n", rounds
    printf "included (see the empty capture); B/frame: extra per WebSocket frame (target: at\n"
    printf "most 32). Run-to-run noise is up to about 500 KiB (see the rows without WebSocket),\n"
    printf "tens of bytes per frame here: tests/robustness/hostile.sh checks the target on\n"
    printf "100,000 frames.\n\n| capture | mode |"
    for (i = 1; i <= nv; i++) printf " %s |", v[i]
    for (i = 2; i <= nv; i++) printf " extra KiB%s | B/frame%s |", sfx(i), sfx(i)
    rule(3 * nv - 2)
    for (ci = 1; ci <= 3; ci++)
        for (j = 1; j <= nm; j++) {
            c = ci == 1 ? "ws" : ci == 2 ? "nows" : "empty"
            m = mo[j]
            printf "| %s | %s |", cname[c], label[m]
            for (i = 1; i <= nv; i++) printf " %d |", val["rss_kib_min", c, m, v[i]]
            for (i = 2; i <= nv; i++) {
                x = val["rss_kib_min", c, m, v[i]] - val["rss_kib_min", c, m, v[1]]
                printf " %+d | %s |", x, c == "ws" ? sprintf("%.1f", x * 1024 / wsf) : "-"
            }
            printf "\n"
        }
}
