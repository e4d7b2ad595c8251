# lab.d/role-checks.sh — what the converges did to the app: starts (no needless restart), dropin.
# shellcheck shell=bash

# cmd_starts [N] — how many times each app instance has been started since the
# guest booted (systemd's "Started shortlink@PORT.service" journal lines);
# with N, fails unless every instance was started exactly N times. Right after
# the first converge N is 1: the role must not restart what it just started.
cmd_starts() {
    need_root
    local want=${1:-} port n bad=""
    for port in "${APP_PORTS[@]}"; do
        n=$(lab_ssh app "sudo journalctl -b -o cat -u shortlink@$port.service | grep -c '^Started shortlink@$port.service'") || true
        log "starts: shortlink@$port started ${n:-?} time(s) since boot"
        [ -z "$want" ] || [ "$n" = "$want" ] || bad+=" shortlink@$port:${n:-?}"
    done
    [ -z "$bad" ] || die "expected every instance started $want time(s); got$bad"
}

# The nofile limit of an instance: as systemd has it for the unit, and as its
# running main process has it (which only a restart changes). systemd gives the
# process the closest it can to the unit's value: no more than the guest's own
# hard limit, which it inherits from the shell that ran `up` (20000 here).
instance_nofile() { # port
    lab_ssh app sudo bash -s "$1" <<'EOF'
u=shortlink@$1.service
pid=$(systemctl show -p MainPID --value "$u")
echo "$(systemctl show -p LimitNOFILE --value "$u") $(awk '/^Max open files/ {print $4}' "/proc/$pid/limits")"
EOF
}
guest_nofile_cap() { lab_ssh app "awk '/^Max open files/ {print \$5}' /proc/1/limits"; }

# cmd_dropin — shortlink_unit_overrides end to end: a converge (app only) with
# an override lands the role's drop-in and restarts the instances into it; a
# converge without removes the drop-in and the instances return to the unit's
# own setting.
DROPIN_FILE=/etc/systemd/system/shortlink@.service.d/50-ansible.conf
DROPIN_NOFILE=4096      # the unit itself sets LimitNOFILE=65536
cmd_dropin() {
    need_root
    local port got base cap base_running
    base=$(grep -m1 '^LimitNOFILE=' "$REPO/systemd/shortlink@.service" | cut -d= -f2)
    cap=$(guest_nofile_cap) || true
    [[ $cap =~ ^[0-9]+$ ]] || cap=$base    # "unlimited": no cap
    base_running=$((base < cap ? base : cap))
    ((DROPIN_NOFILE < cap && DROPIN_NOFILE != base_running)) \
        || die "DROPIN_NOFILE $DROPIN_NOFILE must be below the guest's cap $cap and differ from the unit's $base"
    cmd_converge --limit app \
        -e "{\"shortlink_unit_overrides\": \"[Service]\\nLimitNOFILE=$DROPIN_NOFILE\\n\"}"
    lab_ssh app sudo test -f "$DROPIN_FILE" || die "no $DROPIN_FILE after a converge with shortlink_unit_overrides"
    for port in "${APP_PORTS[@]}"; do
        got=$(instance_nofile "$port") || true
        log "dropin: shortlink@$port LimitNOFILE (unit, process): $got"
        [ "$got" = "$DROPIN_NOFILE $DROPIN_NOFILE" ] || die "shortlink@$port: wanted $DROPIN_NOFILE from the drop-in, got $got"
    done
    cmd_converge --limit app
    [ "$(lab_ssh app "sudo test -e $DROPIN_FILE && echo present || echo absent")" = absent ] \
        || die "$DROPIN_FILE still there (or unknown) with shortlink_unit_overrides empty"
    for port in "${APP_PORTS[@]}"; do
        got=$(instance_nofile "$port") || true
        log "dropin removed: shortlink@$port LimitNOFILE (unit, process): $got"
        [ "$got" = "$base $base_running" ] || die "shortlink@$port: wanted the unit's $base ($base_running running) again, got $got"
    done
    wait_code app /readyz 200 20 > /dev/null || die "app not ready after the drop-in round trip"
}
