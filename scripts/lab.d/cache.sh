# lab.d/cache.sh — the cached bookworm rootfs and local package repo (build).
# shellcheck shell=bash

cache_key() {
    printf '%s\n' "$ROOTFS_INCLUDE" "${GUEST_PACKAGES[*]}" "$MIRROR" "v3" | sha256sum | cut -c1-16
}

cmd_build() {
    need_root
    local key; key=$(cache_key)
    if [ -f "$CACHE/ready-$key" ]; then
        log "cache is current ($CACHE, key $key)"
        return 0
    fi
    need_packages mmdebstrap dpkg-dev
    log "building bookworm rootfs + local package repo in $CACHE (a few minutes, once)"
    rm -rf "$CACHE"
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
