# lab.d/log.sh — logging (log, die) and the preconditions (root, Debian packages).
# shellcheck shell=bash

log() { printf '[lab %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
need_root() { [ "$(id -u)" = 0 ] || die "run as root"; }
# need_packages PKG... — die naming the Debian packages that are missing.
need_packages() {
    local missing
    missing=$(apt_missing "$@" | tr '\n' ' ')
    [ -z "${missing// }" ] || die "missing packages: ${missing% } (apt-get install ${missing% })"
}
