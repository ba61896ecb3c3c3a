#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Shared by chroot.sh, in-chroot.sh and tests/versions/run.sh: where the Debian chroots live,
# which packages they need, and how to run a command inside one.
#
# Source this file; it also runs itself (`bash chroot-common.sh __exec ROOT CMD...`) inside a
# private mount namespace, so /proc and /dev mounted for a command vanish with the command even
# if it is killed, and never show up on the host.
#
# Environment:
#   WS1002_CHROOT_DIR        where chroots live (default /var/cache/ws1002/chroots), one per suite
#   WS1002_DEB_CACHE         downloaded .debs, reused by later runs (default <chroot dir>/debs)
#   WS1002_CHROOT_TIMEOUT    seconds allowed per creation step (default 900)
#   WS1002_CHROOT_EXTRA_PACKAGES  more packages to install in every chroot
#   WS1002_CHROOT_REFRESH=1  apt-get update + upgrade an existing chroot
#   WS1002_CHROOT_PASSENV    NAME=VALUE words added to the environment inside the chroot
#   WS1002_CHROOT_VERBOSE=1  show debootstrap's and apt's output (else <chroot dir>/SUITE.log)

WS1002_CHROOT_DIR=${WS1002_CHROOT_DIR:-/var/cache/ws1002/chroots}
WS1002_DEB_CACHE=${WS1002_DEB_CACHE:-$WS1002_CHROOT_DIR/debs}
WS1002_CHROOT_TIMEOUT=${WS1002_CHROOT_TIMEOUT:-900}
WS1002_PACKAGING_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Bumped whenever the package list or the chroot setup changes, so old chroots are completed.
# shellcheck disable=SC2034 # used by chroot.sh
WS1002_CHROOT_LAYOUT=2

ws_log() {
    printf '[%s] %s\n' "${WS_LOG_TAG:-ws1002}" "$*" >&2
}

ws_die() {
    ws_log "error: $*"
    exit 1
}

ws_now() {
    date +%s.%N
}

ws_elapsed() {
    awk -v a="$1" -v b="$(ws_now)" 'BEGIN { printf "%.1f", b - a }'
}

# ws_step NAME CMD...: run CMD, then print how long it took; keeps CMD's exit status.
ws_step() {
    local name=$1 start rc=0
    shift
    start=$(ws_now)
    ws_log "$name ..."
    "$@" || rc=$?
    if [ "$rc" -eq 0 ]; then
        ws_log "$name: $(ws_elapsed "$start")s"
    else
        ws_log "$name: FAILED (exit $rc) after $(ws_elapsed "$start")s"
    fi
    return "$rc"
}

ws_check_suite() {
    case "$1" in
    bookworm | trixie | sid) ;;
    *) ws_die "unknown suite '$1' (expected bookworm, trixie or sid)" ;;
    esac
}

# Wireshark's CMake package config (WiresharkConfig.cmake) is in wireshark-dev in every suite:
# .../wireshark/cmake/ in 4.0, .../cmake/wireshark/ in 4.4 and 4.6. libwireshark-dev alone has
# only the headers and a pkg-config file.
ws_dev_package() {
    echo wireshark-dev
}

# Everything needed to configure, build, test and package the plugin: what CI installs on the
# host (.ci/packages, one Debian package a line) plus what CPack's DEB generator runs for
# SHLIBDEPS (dpkg-shlibdeps from dpkg-dev, file, and strip from binutils).
ws_packages() {
    local list=$WS1002_PACKAGING_DIR/../.ci/packages base
    if [ -f "$list" ]; then
        base=$(sed -e 's/#.*//' "$list" | tr -s ' \t\n' ' ')
    else
        base="gcc make cmake pkg-config python3 python3-scapy tshark libcmocka-dev zlib1g-dev"
    fi
    # shellcheck disable=SC2086 # word lists
    printf '%s\n' $base dpkg-dev file binutils "$(ws_dev_package "$1")" \
        ${WS1002_CHROOT_EXTRA_PACKAGES:-} | awk 'NF && !seen[$0]++' | tr '\n' ' ' | sed 's/ $//'
}

ws_chroot_root() {
    echo "$WS1002_CHROOT_DIR/$1"
}

# Mount points under ROOT, deepest first, read from the kernel's own table.
ws_mounts_under() {
    awk -v root="$1" '$2 == root || index($2, root "/") == 1 { print $2 }' /proc/self/mounts |
        sort -r
}

# Unmount anything left under ROOT (a killed debootstrap may leave /proc mounted there) before
# the tree is deleted: rm -r through a bound /dev would delete the host's device nodes.
ws_unmount_all() {
    local m
    for m in $(ws_mounts_under "$1"); do
        umount "$m" 2>/dev/null || umount -l "$m"
    done
    [ -z "$(ws_mounts_under "$1")" ]
}

ws_remove_tree() {
    local dir=$1
    if [ -z "$dir" ] || [ "$dir" = / ]; then
        ws_die "refusing to remove '$dir'"
    fi
    ws_unmount_all "$dir" || ws_die "$dir still has mounts; not removing it"
    rm -rf --one-file-system -- "$dir"
}

# ws_chroot_exec ROOT CMD...: run CMD as root inside ROOT with /proc, /dev and /dev/shm mounted,
# a clean environment and no stdin. Mounts live in a private namespace and are also unmounted
# explicitly when the command ends.
# With WS_TIMEOUT=SECONDS the whole command is killed after that long.
ws_chroot_exec() {
    local root=$1 prefix=()
    shift
    [ -d "$root/usr" ] || ws_die "no chroot at $root (run packaging/chroot.sh first)"
    if [ -n "${WS_TIMEOUT:-}" ]; then
        prefix+=(timeout --kill-after=30 "$WS_TIMEOUT")
    fi
    if [ "${WS1002_CHROOT_UNSHARE:-1}" = 1 ] && unshare --mount --propagation private true 2>/dev/null; then
        prefix+=(unshare --mount --propagation private)
    fi
    "${prefix[@]}" bash "$WS1002_PACKAGING_DIR/chroot-common.sh" __exec "$root" "$@" </dev/null
}

ws__exec_inside() {
    local root=$1 mounted=() rc=0 i
    shift
    ws__umount() {
        for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
            umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" || true
        done
        mounted=()
    }
    trap ws__umount EXIT
    trap 'exit 130' INT TERM HUP
    mount -t proc proc "$root/proc" && mounted+=("$root/proc")
    mount --bind /dev "$root/dev" && mounted+=("$root/dev")
    # A fresh tmpfs so that nothing written to /dev/shm inside reaches the host.
    mount -t tmpfs -o mode=1777,size=256m shm "$root/dev/shm" && mounted+=("$root/dev/shm")
    [ ${#mounted[@]} -eq 3 ] || ws_die "could not mount /proc, /dev and /dev/shm in $root"
    # shellcheck disable=SC2086 # WS1002_CHROOT_PASSENV is a list of NAME=VALUE words
    chroot "$root" /usr/bin/env -i \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=dumb DEBIAN_FRONTEND=noninteractive \
        CTEST_OUTPUT_ON_FAILURE=1 ${WS1002_CHROOT_PASSENV:-} "$@" || rc=$?
    ws__umount
    trap - EXIT
    return "$rc"
}

if [ "${1-}" = __exec ] && [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    shift
    ws__exec_inside "$@"
fi
