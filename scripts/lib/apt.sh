# shellcheck shell=bash
# scripts/lib/apt.sh — the one way the project's scripts install Debian packages.
# Source it, then: `apt_ensure PKG...`. Installs only what is missing, never lets
# a package start its distribution service (the tests start throwaway servers of
# their own), and says which command failed when it cannot install.

# apt_missing PKG... — prints the packages that are not installed, one per line.
apt_missing() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
    done
}

# apt_ensure PKG... — installs the missing ones; returns non-zero, naming the
# command to run by hand, when apt cannot.
apt_ensure() {
    local missing
    mapfile -t missing < <(apt_missing "$@")
    [ "${#missing[@]}" -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "missing packages: ${missing[*]} — run: sudo apt-get install ${missing[*]}" >&2
        return 1
    fi
    echo "apt: installing ${missing[*]}"
    # policy-rc.d keeps apt from starting the packages' own services.
    local made_policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
        made_policy=1
    fi
    local rc=0 log
    log=$(mktemp)
    { timeout 600 apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "${missing[@]}"; } < /dev/null \
        > "$log" 2>&1 || rc=$?
    [ -z "$made_policy" ] || rm -f /usr/sbin/policy-rc.d
    if [ "$rc" != 0 ]; then
        tail -20 "$log" >&2
        echo "apt-get install ${missing[*]} failed (exit $rc)" >&2
    fi
    rm -f "$log"
    return "$rc"
}
