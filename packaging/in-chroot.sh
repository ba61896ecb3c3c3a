#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# Run a command as root inside a suite's chroot, in /src, which holds a fresh copy of this
# source tree (tracked and untracked files, without what .gitignore excludes: build dirs,
# .debs, ...). Creates the chroot first if needed (chroot.sh).
#
#   packaging/in-chroot.sh [--no-copy] SUITE CMD [ARG...]
#   packaging/in-chroot.sh trixie sh -c 'cmake -S /src -B /build && cmake --build /build -j2'
#
# The copy keeps modification times, so a build directory kept outside /src (e.g. /build) is
# rebuilt incrementally. --no-copy leaves /src as the previous run left it.
# WS1002_SRC overrides the tree to copy. Runs of the same suite are serialised by a lock.
set -euo pipefail

# shellcheck source=packaging/chroot-common.sh
. "$(dirname "${BASH_SOURCE[0]}")/chroot-common.sh"

copy=1
if [ "${1-}" = --no-copy ]; then
    copy=0
    shift
fi
[ $# -ge 2 ] || ws_die "usage: $0 [--no-copy] bookworm|trixie|sid CMD [ARG...]"
suite=$1
shift
ws_check_suite "$suite"
# shellcheck disable=SC2034 # read by ws_log
WS_LOG_TAG="in-chroot $suite"
src=${WS1002_SRC:-$(cd "$WS1002_PACKAGING_DIR/.." && pwd)}
root=$(ws_chroot_root "$suite")

"$WS1002_PACKAGING_DIR/chroot.sh" --quiet "$suite" </dev/null

exec 9>"$WS1002_CHROOT_DIR/.$suite.lock"
flock -w "${WS1002_CHROOT_LOCK_TIMEOUT:-1800}" 9 || ws_die "timed out waiting for the lock on $suite"

# NUL-separated list of the files to copy, relative to $src.
list_sources() {
    if [ -e "$src/.git" ] && command -v git >/dev/null; then
        git -C "$src" ls-files -z --cached --others --exclude-standard |
            while IFS= read -r -d '' f; do
                # Deleted in the work tree but still in the index: skip.
                if [ -e "$src/$f" ] || [ -L "$src/$f" ]; then
                    printf '%s\0' "$f"
                fi
            done
    else
        (cd "$src" && find . \( -path './build*' -o -path ./out -o -path ./.git -o -path ./.cache \
            -o -path ./.chroots \) -prune -o \( -type f -o -type l \) -print0)
    fi
}

copy_sources() {
    ws_remove_tree "$root/src"
    mkdir -p "$root/src"
    list_sources | tar -C "$src" --null -T - -cf - | tar -C "$root/src" -xf -
}

if [ "$copy" = 1 ]; then
    ws_step "copying $src to $root/src" copy_sources
fi
# The lock stays with this script: a process left behind by CMD must not hold it.
ws_chroot_exec "$root" sh -c 'cd /src && exec "$@"' in-chroot "$@" 9>&-
