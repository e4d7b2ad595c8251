# lab.d/updown.sh — the lab's lifetime: up (namespace, bridge, repo server, guests), down, status.
# shellcheck shell=bash

# The cache and three guests' root filesystems, converged, take about 1.5 GB.
LAB_MIN_FREE_MB=${SHORTLINK_LAB_MIN_FREE_MB:-3072}
check_free_space() {
    mkdir -p "$LAB_DIR"
    local free_mb
    free_mb=$(df --output=avail -m "$LAB_DIR" | tail -1 | tr -d ' ')
    ((free_mb >= LAB_MIN_FREE_MB)) \
        || die "only ${free_mb} MB free under $LAB_DIR; the lab needs ${LAB_MIN_FREE_MB} MB (free some, or set SHORTLINK_LAB_DIR)"
}

cmd_up() {
    need_root
    need_packages systemd-container openssh-client iproute2 util-linux python3
    netns_reclaim "$NETNS" || die "lab namespace $NETNS is in use (scripts/lab down first)"
    check_free_space
    cmd_build
    local t0=$SECONDS h
    rm -rf "$STATE"
    mkdir -p "$STATE"/{pids,logs,machines,ssh}
    ssh-keygen -q -t ed25519 -N '' -C shortlink-lab -f "$STATE/ssh/id_ed25519"

    ip netns add "$NETNS"
    in_ns ip link set lo up
    in_ns ip link add "$BRIDGE" type bridge
    in_ns ip addr add "$GW/24" dev "$BRIDGE"
    in_ns ip link set "$BRIDGE" up

    # A simple command (not a function) in the background, so $! is the server
    # itself: nsenter and setsid exec, they do not fork.
    nsenter --net="$NS" setsid /usr/bin/python3 -m http.server "$REPO_PORT" --bind "$GW" \
        --directory "$CACHE/repo" > "$STATE/logs/repo.log" 2>&1 < /dev/null &
    record_pid repo $!

    for h in "${GUESTS[@]}"; do prepare_guest "$h"; done
    log "guests' root filesystems ready ($((SECONDS - t0))s); booting"
    for h in "${GUESTS[@]}"; do boot_guest "$h"; done
    for h in "${GUESTS[@]}"; do wait_nspawn "$h"; done
    guard_all
    for h in "${GUESTS[@]}"; do wait_ssh_or_reboot "$h"; done
    log "up: ${GUESTS[*]} answer ssh ($((SECONDS - t0))s)"
}

cmd_down() {
    need_root
    [ -d "$STATE" ] || { log "no lab state"; [ -e "$NS" ] && ip netns del "$NETNS"; return 0; }
    touch "$STATE/stopping"
    local h
    # SIGTERM makes nspawn power the guest off cleanly (its --kill-signal).
    for h in "${GUESTS[@]}"; do
        if pid_alive "nspawn-$h" systemd-nspawn; then kill -TERM "$(cat "$STATE/pids/nspawn-$h.pid")" || true; fi
    done
    for h in "${GUESTS[@]}"; do stop_pid "nspawn-$h" systemd-nspawn TERM 30; done
    for h in "${GUESTS[@]}"; do stop_pid "boot-$h" lab-boot TERM 5; done
    stop_pid repo http.server TERM 5
    # Nothing of ours may be left in the namespace. Anything still there was
    # started by this lab (only it enters the namespace): end it by PID, loudly.
    local stray=""
    if [ -e "$NS" ]; then
        stray=$(ip netns pids "$NETNS" 2>/dev/null | tr '\n' ' ')
        if [ -n "${stray// }" ]; then
            log "ERROR: processes left in $NETNS: $stray"
            ps -o pid,cmd -p "${stray// /,}" >&2 || true
            local stray_pids
            read -ra stray_pids <<< "$stray"
            kill "${stray_pids[@]}" 2>/dev/null || true
            sleep 1
        fi
        ip netns del "$NETNS"
    fi
    local left; left=$(ls "$STATE/pids" 2>/dev/null || true)
    [ -z "$left" ] || die "pids left in $STATE/pids: $left"
    rm -rf "$STATE/machines"
    [ -z "${stray// }" ] || die "down: stray processes had to be ended (a PID-bookkeeping bug)"
    log "down: guests powered off, namespace $NETNS removed, no process left in it"
}

cmd_status() {
    [ -e "$NS" ] && echo "namespace: $NETNS" || echo "namespace: none"
    local f
    for f in "$STATE"/pids/*.pid; do [ -e "$f" ] && echo "$(basename "$f" .pid): $(cat "$f")"; done
    return 0
}
