# lab.d/guest.sh — one guest: its root filesystem, boot, ssh wait, second boot, diagnostics.
# shellcheck shell=bash

prepare_guest() {
    local h=$1 root=$STATE/machines/$1 name=${HOSTNAME_OF[$1]} src=$CACHE/rootfs
    [ "$h" = "$FLOOR_HOST" ] && src=$CACHE/rootfs-$FLOOR_SUITE
    cp -a --reflink=auto "$src" "$root"
    echo "$name" > "$root/etc/hostname"
    {
        echo "127.0.0.1 localhost"
        echo "::1 localhost ip6-localhost ip6-loopback"
        local o
        for o in "${GUESTS[@]}"; do echo "${IP[$o]} ${HOSTNAME_OF[$o]} $o"; done
    } > "$root/etc/hosts"
    mkdir -p "$root/etc/systemd/network"
    cat > "$root/etc/systemd/network/10-host0.network" <<EOF
[Match]
Name=host0

[Network]
Address=${IP[$h]}/24
LinkLocalAddressing=no
IPv6AcceptRA=no
EOF
    # The local repo holds bookworm packages: not for the bullseye guest,
    # which floor.yml installs no package on.
    [ "$h" = "$FLOOR_HOST" ] || echo "deb [trusted=yes] http://$GW:$REPO_PORT ./" > "$root/etc/apt/sources.list.d/lab.list"
    # Lists as stale as a fresh box's, so the roles' cache_valid_time updates them.
    touch -d 2000-01-01 "$root/var/lib/apt/lists"
    rm -f "$root"/etc/ssh/ssh_host_*
    ssh-keygen -q -A -f "$root" > /dev/null
    : > "$root/etc/machine-id"
    install -d -m 0700 -o 1000 -g 1000 "$root/home/vagrant/.ssh"
    install -m 0600 -o 1000 -g 1000 "$STATE/ssh/id_ed25519.pub" "$root/home/vagrant/.ssh/authorized_keys"
}

boot_guest() {
    local h=$1 root=$STATE/machines/$1 name=${HOSTNAME_OF[$1]}
    # A wrapper that restarts nspawn when the guest reboots (exit 133), like
    # systemd-nspawn@.service does, at most 5 times, and never after `down`.
    # (Its "$1".."$5" are the arguments after `lab-boot`.)
    # shellcheck disable=SC2016
    nsenter --net="$NS" setsid bash -c '
        for i in 1 2 3 4 5; do
            systemd-nspawn -D "$1" -M "$2" -b --network-zone="$3" --console=read-only \
                --register=no --keep-unit --timezone=off --resolv-conf=off &
            echo $! > "$4/pids/nspawn-$5.pid"
            wait $!; rc=$?
            [ "$rc" = 133 ] && [ ! -e "$4/stopping" ] || exit "$rc"
        done' lab-boot "$root" "$name" "$ZONE" "$STATE" "$h" \
        > "$STATE/logs/$h.console" 2>&1 < /dev/null &
    record_pid "boot-$h" $!
}

# guest_pid1 HOST — the guest's init (nspawn's only child), for looking inside
# a guest that does not answer ssh.
guest_pid1() {
    local nspawn; nspawn=$(cat "$STATE/pids/nspawn-$1.pid" 2>/dev/null) || return 1
    ps -o pid= --ppid "$nspawn" | head -1 | tr -d ' '
}

# What a guest that never answered ssh was doing, seen from inside it (its
# init's namespaces): enough to tell a stuck boot from a dead sshd from a
# network that never came up.
# Kept in logs/HOST.diag as well (CI prints it), even when a second boot answers.
guest_diag() { describe_guest "$1" 2>&1 | tee -a "$STATE/logs/$1.diag" >&2; }
describe_guest() {
    local h=$1 pid
    log "$h: last ssh error: $(tail -3 "$STATE/logs/ssh-$h.err" 2>/dev/null | tr '\n' ' ')"
    log "$h: lab side: $(in_ns ip -br link | tr '\n' ';') ports: $(in_ns bridge link 2>&1 | tr '\n' ';') neigh: $(in_ns ip neigh | tr '\n' ';')"
    pid=$(guest_pid1 "$h") || true
    if [ -z "$pid" ]; then log "$h: no guest init found"; return 0; fi
    # shellcheck disable=SC2016 # expanded inside the guest
    timeout 20 nsenter -t "$pid" -a sh -c '
        echo "== is-system-running: $(systemctl is-system-running 2>&1)"
        echo "== jobs:"; systemctl list-jobs --no-pager 2>&1 | head -20
        echo "== failed:"; systemctl --failed --no-legend --plain --no-pager 2>&1
        echo "== ssh:"; systemctl status ssh.service --no-pager -n 15 2>&1 | tail -20
        echo "== addresses:"; ip -br addr 2>&1; ip neigh 2>&1
        echo "== listening:"; ss -Hltn 2>&1
        echo "== journal:"; journalctl -b --no-pager -n 40 2>&1' >&2 || log "$h: could not enter the guest (pid $pid)"
    log "$h: console (last 30 lines):"
    tail -30 "$STATE/logs/$h.console" >&2
}

# A guest boots in about a second here; the bound is for a loaded CI machine.
SSH_WAIT_S=${SHORTLINK_LAB_SSH_WAIT:-120}
# Until the wrapper has started nspawn and recorded its PID (bounded: 5 s).
wait_nspawn() {
    local i
    for ((i = 0; i < 50; i++)); do pid_alive "nspawn-$1" systemd-nspawn && return 0; sleep 0.1; done
}

wait_ssh() { # host — 0 once it answers, 1 after SSH_WAIT_S
    local h=$1 t0=$SECONDS
    while ((SECONDS - t0 < SSH_WAIT_S)); do
        if lab_ssh "$h" true 2> "$STATE/logs/ssh-$h.err"; then return 0; fi
        pid_alive "nspawn-$h" systemd-nspawn || { guest_diag "$h"; die "$h: nspawn exited"; }
        sleep 1
    done
    return 1
}

# Power a guest off and boot it again from the same root filesystem.
reboot_guest() {
    local h=$1
    stop_pid "nspawn-$h" systemd-nspawn TERM 30
    stop_pid "boot-$h" lab-boot TERM 5
    boot_guest "$h"
    wait_nspawn "$h"
}

# Now and then (2 of the last ~8 clean-clone CI runs, never in 21 cycles of
# the lab alone) the app guest boots and refuses ssh for good, cause unknown.
# Such a guest is described (guest_diag) and booted once more; a second
# silence fails the lab.
wait_ssh_or_reboot() {
    local h=$1
    wait_ssh "$h" && return 0
    guest_diag "$h"
    log "$h: no ssh after ${SSH_WAIT_S}s; powering it off and booting it once more"
    reboot_guest "$h"
    wait_ssh "$h" && { log "$h: answers ssh after the second boot"; return 0; }
    guest_diag "$h"
    die "$h: no ssh after a second boot either"
}
