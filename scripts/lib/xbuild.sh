# shellcheck shell=bash
# scripts/lib/xbuild.sh — the one place that says how the release binaries are
# built and where they land. Every consumer (CI's harness and schemathesis
# stages, the container images, the roles, the lab) takes them from
# $RELEASE_DIR: one build, cross-built with cargo-zigbuild against a pinned
# glibc floor so that the binary the roles push also runs on older hosts.
#
# Source it (needs REPO set to the repository root), then:
#   xbuild_tools          install the pinned ziglang + cargo-zigbuild (a venv)
#   xbuild_release ARGS   cargo zigbuild --release --locked ARGS (default: every bin)
#   glibc_max BIN         the highest GLIBC_x.y symbol version BIN needs
#   glibc_check BIN...    fails if any BIN needs a glibc above GLIBC_FLOOR

# Debian 11 and Ubuntu 20.04 ship glibc 2.31: the oldest still supported
# releases of either family; the lab proves it on a bullseye guest.
GLIBC_FLOOR=2.31
XBUILD_TRIPLE=x86_64-unknown-linux-gnu
# cargo-zigbuild's way of naming the floor: a suffix on the target triple.
XBUILD_TARGET=$XBUILD_TRIPLE.$GLIBC_FLOOR
# cargo puts the output under the triple without the suffix. (Used by the
# scripts that source this file.)
# shellcheck disable=SC2034
RELEASE_DIR=${CARGO_TARGET_DIR:-$REPO/target}/$XBUILD_TRIPLE/release
XBUILD_VENV=${SHORTLINK_XBUILD_VENV:-$REPO/target/xbuild-venv}
# Zig 0.15.2: the newest release cargo-zigbuild 0.24 was tested against here.
XBUILD_PINS=(ziglang==0.15.2 cargo-zigbuild==0.24.1)

xbuild_install_hint() {
    echo "python3 -m venv $XBUILD_VENV && $XBUILD_VENV/bin/pip install ${XBUILD_PINS[*]}"
}

# Installs the pinned tools when the venv lacks them (or has other versions);
# a failure names the command to run by hand.
xbuild_tools() {
    local want have
    want=$(printf '%s\n' "${XBUILD_PINS[@]}" | sort)
    have=$("$XBUILD_VENV/bin/pip" freeze --disable-pip-version-check 2>/dev/null \
        | grep -iE '^(ziglang|cargo-zigbuild)==' | sort)
    [ "${have,,}" = "${want,,}" ] && return 0
    echo "xbuild: installing ${XBUILD_PINS[*]} into $XBUILD_VENV" >&2
    if ! { [ -x "$XBUILD_VENV/bin/python" ] || /usr/bin/python3 -m venv "$XBUILD_VENV"; } \
        || ! "$XBUILD_VENV/bin/pip" install -q --disable-pip-version-check "${XBUILD_PINS[@]}" >&2; then
        echo "xbuild: could not install the cross-build tools; run: $(xbuild_install_hint)" >&2
        return 1
    fi
}

# cargo-zigbuild finds zig through `python3 -m ziglang`: the venv's python
# first on PATH.
xbuild_release() {
    xbuild_tools || return 1
    [ -x "$XBUILD_VENV/bin/cargo-zigbuild" ] \
        || { echo "xbuild: no cargo-zigbuild in $XBUILD_VENV/bin; run: $(xbuild_install_hint)" >&2; return 1; }
    (($# > 0)) || set -- --workspace --bins
    (cd "$REPO" && PATH=$XBUILD_VENV/bin:$PATH cargo zigbuild --release --locked --target "$XBUILD_TARGET" "$@")
}

glibc_max() {
    objdump -T "$1" | grep -oE 'GLIBC_[0-9]+(\.[0-9]+)+' | sed 's/GLIBC_//' | sort -uV | tail -1
}

# glibc_check BIN... — prints each binary's highest GLIBC_ version; non-zero
# if any is above the floor (or has none: not a glibc binary, not ours).
glibc_check() {
    local bin max rc=0
    for bin in "$@"; do
        max=$(glibc_max "$bin")
        if [ -z "$max" ]; then
            echo "FAIL $bin: no GLIBC_ symbol versions" >&2; rc=1
        elif [ "$(printf '%s\n' "$max" "$GLIBC_FLOOR" | sort -V | tail -1)" != "$GLIBC_FLOOR" ]; then
            echo "FAIL $bin needs GLIBC_$max, above the floor $GLIBC_FLOOR" >&2; rc=1
        else
            echo "ok   $bin needs GLIBC_$max (floor $GLIBC_FLOOR)"
        fi
    done
    return "$rc"
}
