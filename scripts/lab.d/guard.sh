# lab.d/guard.sh — into the lab namespace (in_ns), the route guard, ssh to a guest.
# shellcheck shell=bash

# Run a command inside the lab network namespace. nsenter, not `ip netns
# exec`: the latter remounts /sys and breaks systemd-nspawn.
in_ns() { nsenter --net="$NS" "$@"; }

# Refuse to talk to ADDR unless, inside the namespace, the route to it leaves by
# the lab bridge. Called before every ssh/ansible/curl towards a guest.
lab_guard() {
    local addr=$1 route
    [ -e "$NS" ] || die "lab namespace $NETNS does not exist (run: scripts/lab up)"
    route=$(in_ns ip -o route get "$addr" 2>/dev/null) || die "no route to $addr in $NETNS"
    case "$route" in
        *" dev $BRIDGE "*) ;;
        *) die "refusing: route to $addr in $NETNS is not via $BRIDGE: $route" ;;
    esac
}
guard_all() { local h; for h in "${GUESTS[@]}"; do lab_guard "${IP[$h]}"; done; }

ssh_opts() {
    printf '%s\n' -i "$STATE/ssh/id_ed25519" -o IdentitiesOnly=yes -o BatchMode=yes \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR \
        -o ConnectTimeout=5
}
# lab_ssh HOST CMD... — as the guest's sudo user, from inside the namespace.
lab_ssh() {
    local h=$1; shift
    lab_guard "${IP[$h]}"
    local opts; mapfile -t opts < <(ssh_opts)
    in_ns ssh "${opts[@]}" "vagrant@${IP[$h]}" "$@"
}
