# lab.d/cache.sh — the cached bookworm rootfs and local package repo, and the
# glibc-floor guest's bullseye rootfs (build).
# shellcheck shell=bash

cache_key() {
    printf '%s\n' "$ROOTFS_INCLUDE" "${GUEST_PACKAGES[*]}" "$MIRROR" "v3" | sha256sum | cut -c1-16
}

cmd_build() {
    need_root
    # $LAB_DIR holds the build's log: a fresh clone has no target/ yet.
    mkdir -p "$CACHE" "$LAB_DIR"
    # Clones share the cache: one builds it at a time, the others then find
    # it current.
    exec {lock}> "$CACHE.lock"
    flock -w 1800 "$lock" || die "waited 30 min for $CACHE.lock"
    build_site_rootfs
    build_floor_rootfs
    exec {lock}>&-
}

build_site_rootfs() {
    local key; key=$(cache_key)
    if [ -f "$CACHE/ready-$key" ]; then
        log "cache is current ($CACHE, key $key)"
        return 0
    fi
    need_packages mmdebstrap dpkg-dev
    log "building bookworm rootfs + local package repo in $CACHE (a few minutes, once)"
    # Not the floor guest's rootfs: it has a key of its own.
    mkdir -p "$CACHE"
    find "$CACHE" -maxdepth 1 -name 'ready-*' ! -name 'ready-floor-*' -delete
    rm -rf "$CACHE/repo" "$CACHE/rootfs" "$CACHE/rootfs.tmp"
    mkdir -p "$CACHE/repo"
    local t0=$SECONDS
    # The hooks' "$1" (the new root) is expanded by mmdebstrap, not here.
    # shellcheck disable=SC2016
    mmdebstrap --variant=apt --include="$ROOTFS_INCLUDE" \
        --customize-hook='chroot "$1" apt-get install -y --download-only '"${GUEST_PACKAGES[*]}" \
        --customize-hook='cp "$1"/var/cache/apt/archives/*.deb '"$CACHE/repo/" \
        --customize-hook='chroot "$1" useradd -m -s /bin/bash vagrant' \
        --customize-hook='echo "vagrant ALL=(ALL) NOPASSWD:ALL" > "$1/etc/sudoers.d/vagrant"; chmod 0440 "$1/etc/sudoers.d/vagrant"' \
        --customize-hook='chroot "$1" systemctl enable systemd-networkd' \
        --customize-hook='chroot "$1" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer' \
        --customize-hook='rm -f "$1"/etc/apt/sources.list "$1"/etc/apt/sources.list.d/*' \
        bookworm "$CACHE/rootfs.tmp" \
        "deb $MIRROR bookworm main" "deb $MIRROR bookworm-updates main" \
        "deb $SECURITY_MIRROR bookworm-security main" \
        > "$LAB_DIR/build.log" 2>&1 || { tail -30 "$LAB_DIR/build.log" >&2; die "mmdebstrap failed"; }
    (cd "$CACHE/repo" && dpkg-scanpackages -m . > Packages 2>/dev/null)
    mv "$CACHE/rootfs.tmp" "$CACHE/rootfs"
    touch "$CACHE/ready-$key"
    local debs=("$CACHE"/repo/*.deb)
    log "cache built in $((SECONDS - t0))s: ${#debs[@]} packages in the local repo"
}

# The floor guest needs no package beyond a bootable, ssh-able Debian 11 with
# python3 for Ansible, and curl (the shortlink role's readiness checks; the
# common role installs it elsewhere): floor.yml's roles install none. Same
# user and hooks as the bookworm guests.
FLOOR_INCLUDE=$ROOTFS_INCLUDE,curl,ca-certificates
build_floor_rootfs() {
    local key root=$CACHE/rootfs-$FLOOR_SUITE
    key=$(printf '%s\n' "$FLOOR_INCLUDE" "$FLOOR_SUITE" "$MIRROR" "v1" | sha256sum | cut -c1-16)
    if [ -f "$CACHE/ready-floor-$key" ]; then
        log "$FLOOR_SUITE rootfs is current (key $key)"
        return 0
    fi
    need_packages mmdebstrap
    log "building the $FLOOR_SUITE rootfs for the glibc-floor guest in $root (once)"
    rm -rf "$root" "$root.tmp" "$CACHE"/ready-floor-*
    mkdir -p "$CACHE"
    local t0=$SECONDS
    # shellcheck disable=SC2016 # the hooks' "$1" is mmdebstrap's
    mmdebstrap --variant=apt --include="$FLOOR_INCLUDE" \
        --customize-hook='chroot "$1" useradd -m -s /bin/bash vagrant' \
        --customize-hook='echo "vagrant ALL=(ALL) NOPASSWD:ALL" > "$1/etc/sudoers.d/vagrant"; chmod 0440 "$1/etc/sudoers.d/vagrant"' \
        --customize-hook='chroot "$1" systemctl enable systemd-networkd' \
        --customize-hook='chroot "$1" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer' \
        --customize-hook='rm -f "$1"/etc/apt/sources.list "$1"/etc/apt/sources.list.d/*' \
        "$FLOOR_SUITE" "$root.tmp" \
        "deb $MIRROR $FLOOR_SUITE main" "deb $MIRROR $FLOOR_SUITE-updates main" \
        "deb $SECURITY_MIRROR $FLOOR_SUITE-security main" \
        > "$LAB_DIR/build-$FLOOR_SUITE.log" 2>&1 || { tail -30 "$LAB_DIR/build-$FLOOR_SUITE.log" >&2; die "mmdebstrap $FLOOR_SUITE failed"; }
    mv "$root.tmp" "$root"
    touch "$CACHE/ready-floor-$key"
    log "$FLOOR_SUITE rootfs built in $((SECONDS - t0))s (glibc $(chroot "$root" ldd --version | head -1 | awk '{print $NF}'))"
}
