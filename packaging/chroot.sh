#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Create, or reuse when already complete, a Debian chroot for building and testing the plugin
# against that suite's Wireshark: bookworm (4.0), trixie (4.4), sid (4.6).
#
#   packaging/chroot.sh [--quiet] SUITE
#
# --quiet prints nothing when the chroot is reused.
# Runs as root with no stdin (CI). debootstrap uses its default mirror. Every step is bounded
# by WS1002_CHROOT_TIMEOUT and prints its duration. A chroot counts as complete only once the
# marker file written last exists and matches the current package list, so an interrupted run
# is finished (or restarted) by the next one. To start a suite afresh, delete its folder
# (rm -rf --one-file-system "$WS1002_CHROOT_DIR/SUITE"). See chroot-common.sh for the
# environment.
set -euo pipefail

# shellcheck source=packaging/chroot-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/chroot-common.sh"

quiet=0
if [ "${1-}" = --quiet ]; then
    quiet=1
    shift
fi
[ $# -eq 1 ] || ws_die "usage: $0 [--quiet] bookworm|trixie|sid"
suite=$1
ws_check_suite "$suite"
WS_LOG_TAG="chroot $suite"
[ "$(id -u)" -eq 0 ] || ws_die "must run as root (debootstrap, chroot, mount)"
for tool in debootstrap chroot unshare flock timeout; do
    command -v "$tool" >/dev/null || ws_die "$tool not found"
done

root=$(ws_chroot_root "$suite")
marker=$root/.ws1002-chroot
bootstrapped=$root/.ws1002-debootstrap-done
debs=$WS1002_DEB_CACHE/$suite
packages=$(ws_packages "$suite")
want="layout=$WS1002_CHROOT_LAYOUT packages=$packages"
apt_opts=(-q -y -o Acquire::Retries=3 -o Dpkg::Use-Pty=0 -o APT::Install-Recommends=false)
total_start=$(ws_now)

mkdir -p "$WS1002_CHROOT_DIR" "$debs"
# One creator per suite at a time; in-chroot.sh takes the same lock.
exec 9>"$WS1002_CHROOT_DIR/.$suite.lock"
flock -w "$WS1002_CHROOT_TIMEOUT" 9 || ws_die "timed out waiting for the lock on $suite"

show_versions() {
    # shellcheck disable=SC2016 # dpkg-query's format, not shell
    ws_chroot_exec "$root" dpkg-query -W -f '${Package} ${Version}\n' \
        "$(ws_dev_package "$suite")" tshark gcc cmake | sed "s/^/[$WS_LOG_TAG]   /" >&2
}

if [ -f "$marker" ] && [ "$(cat "$marker")" = "$want" ] && [ "${WS1002_CHROOT_REFRESH:-0}" != 1 ]; then
    if [ "$quiet" = 0 ]; then
        ws_log "reusing complete chroot $root"
        show_versions
    fi
    exit 0
fi

# Tool output goes to LOG (shown when a step fails), or to stderr with WS1002_CHROOT_VERBOSE=1.
log=$WS1002_CHROOT_DIR/$suite.log
exec 8>&2 # for messages from inside a logged step
logged() {
    local rc=0
    if [ "${WS1002_CHROOT_VERBOSE:-0}" = 1 ]; then
        "$@" || rc=$?
    else
        "$@" >>"$log" 2>&1 || rc=$?
        if [ "$rc" -ne 0 ]; then
            ws_log "last lines of $log:"
            tail -n 40 "$log" >&2
        fi
    fi
    return "$rc"
}
bound() {
    timeout --kill-after=30 "$WS1002_CHROOT_TIMEOUT" "$@"
}
bound_exec() {
    WS_TIMEOUT=$WS1002_CHROOT_TIMEOUT ws_chroot_exec "$@"
}

: >"$log"
if [ ! -f "$bootstrapped" ]; then
    if [ -e "$root" ]; then
        ws_step "removing incomplete chroot" ws_remove_tree "$root"
    fi
    # No mirror argument: debootstrap's default.
    if ! ws_step "debootstrap --variant=minbase $suite" \
        logged bound debootstrap --variant=minbase --cache-dir="$debs" "$suite" "$root" </dev/null; then
        tail -n 20 "$root/debootstrap/debootstrap.log" >&2 2>/dev/null || true
        ws_remove_tree "$root"
        ws_die "debootstrap failed"
    fi
    # Services must never start inside the chroot.
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
    chmod 755 "$root/usr/sbin/policy-rc.d"
    touch "$bootstrapped"
fi

rm -f "$marker"
# Seed apt's archive with earlier downloads (hard links where possible), collect new ones after.
seed_debs() {
    find "$debs" -maxdepth 1 -name '*.deb' -exec cp -ln -t "$root/var/cache/apt/archives/" {} + 2>/dev/null ||
        find "$debs" -maxdepth 1 -name '*.deb' -exec cp -n -t "$root/var/cache/apt/archives/" {} +
}
collect_debs() {
    find "$root/var/cache/apt/archives" -maxdepth 1 -name '*.deb' -exec cp -n -t "$debs/" {} +
    ws_chroot_exec "$root" apt-get clean
}

# A mirror that lags behind the clock serves a sid Release file past its Valid-Until date; apt
# then refuses it. Accept it with a warning rather than fail: the chroot only builds and tests.
apt_update() {
    local out rc=0
    out=$(mktemp)
    bound_exec "$root" apt-get "${apt_opts[@]}" update >"$out" 2>&1 || rc=$?
    cat "$out"
    if [ "$rc" -ne 0 ] && grep -q 'is expired' "$out"; then
        ws_log "warning: $suite Release file expired; retrying without Valid-Until check" 2>&8
        echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99ws1002-valid-until"
        rc=0
        bound_exec "$root" apt-get "${apt_opts[@]}" update || rc=$?
    fi
    rm -f "$out"
    return "$rc"
}
# The host's resolver may have changed since debootstrap copied it.
cp -L /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
ws_step "apt-get update" logged apt_update
seed_debs
if [ "${WS1002_CHROOT_REFRESH:-0}" = 1 ]; then
    ws_step "apt-get upgrade" logged bound_exec "$root" apt-get "${apt_opts[@]}" upgrade
fi
# shellcheck disable=SC2086 # the package list is a word list
ws_step "apt-get install $packages" logged bound_exec "$root" apt-get "${apt_opts[@]}" install $packages
collect_debs

# Fail here, not in the build, when a suite stops shipping what the build needs.
ws_chroot_exec "$root" sh -c 'ls /usr/lib/*/cmake/wireshark/WiresharkConfig.cmake \
    /usr/lib/*/wireshark/cmake/WiresharkConfig.cmake 2>/dev/null | grep -q .' ||
    ws_die "no WiresharkConfig.cmake in $suite"
ws_chroot_exec "$root" tshark --version >/dev/null 2>&1 || ws_die "tshark does not run in $suite"

echo "$want" >"$marker"
show_versions
ws_log "chroot ready in $(ws_elapsed "$total_start")s: $root"
