#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Build, test and package the plugin against each Wireshark series in its own Debian chroot,
# then install the .deb with dpkg there and check that tshark loads it:
#
#   tests/versions/run.sh [SUITE...]      default: trixie (4.4) sid (4.6) bookworm (4.0)
#
# Per suite: packaging/chroot.sh (reused when complete), a fresh copy of the source, a
# configure + build with -DWS1002_WERROR=ON, ctest, cpack, and the package test in
# inside.sh. The .debs and logs land in WS1002_VERSIONS_OUT (default <repo>/out/versions).
# The host is Debian 12 and its CI runs the suite on 4.0 already, so bookworm skips ctest
# unless listed in WS1002_VERSIONS_CTEST. The lossy variants of the captures (ctest label
# lossy) test the core's gap logic, which every series shares, so they run on the host only
# unless WS1002_VERSIONS_LOSSY=1. Each suite is bounded by WS1002_VERSIONS_TIMEOUT
# seconds (default 900). WS1002_VERSIONS_CMAKE_ARGS adds configure arguments. Needs root.
# Exits non-zero if any suite failed.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=packaging/chroot-common.sh
. "$top/packaging/chroot-common.sh"
WS_LOG_TAG=versions

suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(trixie sid bookworm)
ctest_suites=" ${WS1002_VERSIONS_CTEST:-trixie sid} "
out=${WS1002_VERSIONS_OUT:-$top/out/versions}
limit=${WS1002_VERSIONS_TIMEOUT:-900}
[ "$(id -u)" -eq 0 ] || ws_die "must run as root (chroot, mount, dpkg in the chroot)"
for s in "${suites[@]}"; do
    ws_check_suite "$s"
done

results=()
failed=0
all_start=$(ws_now)
for suite in "${suites[@]}"; do
    start=$(ws_now)
    mkdir -p "$out/$suite"
    root=$(ws_chroot_root "$suite")
    rm -f "$out/$suite"/*.deb "$root"/build/ws1002/*.deb
    log=$out/$suite/log.txt
    inside=(bash /src/tests/versions/inside.sh)
    case "$ctest_suites" in
    *" $suite "*) [ "${WS1002_VERSIONS_LOSSY:-0}" = 1 ] || inside+=(--no-lossy) ;;
    *) inside+=(--no-ctest) ;;
    esac
    # The chroots have no GUI (the GUI test runs on the host's Wireshark).
    # shellcheck disable=SC2206 # WS1002_VERSIONS_CMAKE_ARGS is a word list
    inside+=(/build/ws1002 -DWS1002_GUI_TESTS=OFF ${WS1002_VERSIONS_CMAKE_ARGS:-})
    ws_log "== $suite (log: $log)"
    rc=0
    {
        "$top/packaging/chroot.sh" "$suite" &&
            timeout --kill-after=30 "$limit" "$top/packaging/in-chroot.sh" "$suite" "${inside[@]}"
    } </dev/null 2>&1 | tee "$log" || rc=$?
    find "$root/build/ws1002" -maxdepth 1 -name '*.deb' -exec cp -t "$out/$suite/" {} + 2>/dev/null || true
    series=$(sed -n 's/^\[inside\] Wireshark \([0-9.]*\) .*/\1/p' "$log" | head -n 1)
    if [ "$rc" -eq 0 ]; then
        status=PASS
    else
        status="FAIL (exit $rc)"
        failed=1
    fi
    # "[inside] build: 4.8s" -> "build 4.8s"
    steps=$(sed -n 's/^\[inside\] \([a-z ]*\): \([0-9.]*s\).*/\1 \2/p' "$log" | paste -sd, - | sed 's/,/, /g')
    results+=("$(printf '%-9s Wireshark %-4s %-15s %6ss  %s' "$suite" "${series:-?}" "$status" \
        "$(ws_elapsed "$start")" "$(find "$out/$suite" -name '*.deb' -printf '%f ')")")
    results+=("          ${steps:-no step finished}")
done

ws_log "== summary ($(ws_elapsed "$all_start")s)"
for r in "${results[@]}"; do
    ws_log "$r"
done
exit "$failed"
