# lab.d/floor.sh — the glibc floor, proven: ansible/floor.yml deploys the
# binaries the roles push on the Debian 11 guest (glibc 2.31), and the
# harness runs there against the server.
# shellcheck shell=bash

cmd_floor() {
    need_root
    lab_guard "${IP[$FLOOR_HOST]}"
    ansible_env
    local t0=$SECONDS out=$STATE/logs/floor.log h=$FLOOR_HOST rel
    rel=$("$REPO/scripts/xbuild" --dir)
    log "floor: $h is Debian $(lab_ssh "$h" cat /etc/debian_version), $(lab_ssh "$h" ldd --version | head -1)"
    in_ns timeout 600 ansible-playbook -i "$REPO/ansible/inventories/lab-floor/hosts.yml" \
        "$REPO/ansible/floor.yml" > "$out" 2>&1 \
        || { tail -40 "$out" >&2; die "ansible/floor.yml failed on $h (log: $out)"; }
    log "floor: converged in $((SECONDS - t0))s: $(sed -n '/PLAY RECAP/,$p' "$out" | grep -o 'ok=.*' | tr -s ' ')"
    local here there
    here=$(sha256sum "$rel/shortlink" | cut -d' ' -f1)
    there=$(lab_ssh "$h" sha256sum /usr/local/bin/shortlink | cut -d' ' -f1)
    [ "$here" = "$there" ] || die "floor: $h runs a shortlink other than $rel/shortlink"
    lab_ssh "$h" systemctl is-active --quiet shortlink@8000.service \
        || die "floor: shortlink@8000 is not active on $h"
    if ! lab_ssh "$h" shortlink-check > "$STATE/logs/floor-harness.log" 2>&1; then
        tail -5 "$STATE/logs/floor-harness.log" >&2
        die "floor: the harness failed on $h"
    fi
    log "floor: harness on $h against its server (SQLite): $(grep -E '[0-9]+ passed' "$STATE/logs/floor-harness.log" | tail -1) ($((SECONDS - t0))s)"
}
