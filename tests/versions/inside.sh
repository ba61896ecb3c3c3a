#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Runs as root inside a chroot made by packaging/chroot.sh, with the source in /src (see
# run.sh): build with warnings as errors, run the test suite, build the .deb, then install it
# with dpkg into the system plugin folder and check that tshark loads it and reports findings.
# The package is removed again at the end so the chroot stays clean for the next run.
#
#   inside.sh [--no-ctest] [--no-lossy] BUILD_DIR [CMAKE_ARG...]
set -euo pipefail

ctest=1
ctest_args=()
while [ $# -gt 0 ]; do
    case $1 in
    --no-ctest) ctest=0 ;;
    --no-lossy) ctest_args+=(-LE lossy) ;;
    *) break ;;
    esac
    shift
done
build=${1:?build directory}
shift
cmake_args=("$@")
pkg=wireshark-plugin-ws1002
jobs=${WS1002_JOBS:-2}

log() {
    printf '[inside] %s\n' "$*" >&2
}
fail() {
    log "FAIL: $*"
    exit 1
}
now() {
    date +%s.%N
}
step() {
    local name=$1 start rc=0
    shift
    start=$(now)
    log "$name ..."
    "$@" || rc=$?
    log "$name: $(awk -v a="$start" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }')s$([ "$rc" -eq 0 ] || echo " FAILED (exit $rc)")"
    return "$rc"
}

# The series under test, from the installed tshark ("TShark (Wireshark) 4.4.19 ...").
series=$(tshark --version | sed -n '1s/^TShark (Wireshark) \([0-9]*\.[0-9]*\)\..*/\1/p')
[ -n "$series" ] || fail "cannot read the Wireshark version from tshark --version"
libpkg=$(dpkg-query -W -f '${Package}\n' 'libwireshark[0-9]*' | grep -x 'libwireshark[0-9]\+' | sed -n 1p)
[ -n "$libpkg" ] || fail "no libwireshark<N> package installed"
triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)
arch=$(dpkg --print-architecture)
plugin_path=/usr/lib/$triplet/wireshark/plugins/$series/epan/ws.so
log "Wireshark $series ($libpkg), gcc $(gcc -dumpfullversion), cmake $(cmake --version | sed -n '1s/.* //p')"

# Leave the chroot as it was even when a check fails half-way.
remove_package() {
    if dpkg-query -W -f '${Status}' "$pkg" 2>/dev/null | grep -q ' installed$'; then
        dpkg -r "$pkg" >/dev/null
    fi
}
trap remove_package EXIT

lists_plugin() {
    tshark -G plugins 2>/dev/null | awk '$1 == "ws.so" { found = 1 } END { exit !found }'
}

configure() {
    rm -rf "$build"
    cmake -S /src -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWS1002_WERROR=ON "${cmake_args[@]}"
}
build() {
    cmake --build "$build" -j "$jobs"
}
run_ctest() {
    ctest --test-dir "$build" -j "$jobs" --output-on-failure --timeout 120 "${ctest_args[@]}"
}
package() {
    rm -f "$build"/*.deb
    (cd "$build" && cpack -G DEB --config CPackConfig.cmake)
}

# dpkg -i of the package must put ws.so in the system plugin folder, which is the only one
# Wireshark reads when run as root, and pull in exactly the matching library package.
check_package() {
    local version deb
    version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
    deb=$build/${pkg}_${version}_ws${series}_${arch}.deb
    [ -f "$deb" ] || fail "expected $deb; have: $(ls "$build"/*.deb 2>/dev/null)"
    local depends
    depends=$(dpkg-deb -f "$deb" Depends)
    log "Depends: $depends"
    grep -Eq "(^|, )$libpkg( |,|$)" <<<"$depends" || fail "Depends does not name $libpkg"
    [ "$(grep -Eo 'libwireshark[0-9]+' <<<"$depends" | sort -u)" = "$libpkg" ] ||
        fail "Depends names another libwireshark"
    # Lists go through variables: with pipefail, grep -q closing a pipe early fails the pipeline.
    local files
    files=$(dpkg-deb -c "$deb")
    grep -q " \./${plugin_path#/}\$" <<<"$files" || fail "$deb lacks $plugin_path"

    dpkg -r "$pkg" >/dev/null 2>&1 || true
    [ ! -e "$plugin_path" ] || fail "$plugin_path exists before installing"
    lists_plugin && fail "tshark lists ws.so before the package is installed"
    dpkg -i "$deb" || fail "dpkg -i $deb"
    [ "$(dpkg-query -W -f '${Status}' "$pkg")" = "install ok installed" ] ||
        fail "$pkg not installed"
    [ -f "$plugin_path" ] || fail "$plugin_path missing after dpkg -i"
    lists_plugin || fail "tshark -G plugins does not list ws.so"
    log "$(tshark -G plugins | awk '$1 == "ws.so"')"
    local frames
    frames=$(tshark -r /src/captures/demo.pcapng -Y ws.proto_error | wc -l)
    log "tshark -r captures/demo.pcapng -Y ws.proto_error: $frames frames"
    [ "$frames" -ge 1 ] || fail "no ws.proto_error frame in the demo capture"
    dpkg -r "$pkg" >/dev/null || fail "dpkg -r $pkg"
    [ ! -e "$plugin_path" ] || fail "$plugin_path left behind by dpkg -r"
    lists_plugin && fail "tshark still lists ws.so after dpkg -r"
    return 0
}

step configure configure
step build build
# A test failure does not stop the package test: both results are worth having.
tests_ok=1
if [ "$ctest" = 1 ]; then
    step ctest run_ctest || tests_ok=0
fi
step cpack package
step "package test" check_package
[ "$tests_ok" = 1 ] || fail "ctest failed on Wireshark $series (package test passed)"
log "OK: Wireshark $series"
