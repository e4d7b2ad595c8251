# lab.d/converge.sh — ansible-playbook site.yml on the guests, from inside the namespace.
# shellcheck shell=bash

ansible_env() {
    export ANSIBLE_CONFIG=$REPO/ansible/ansible.cfg
    export ANSIBLE_PRIVATE_KEY_FILE=$STATE/ssh/id_ed25519
    export ANSIBLE_HOST_KEY_CHECKING=False
    export ANSIBLE_SSH_ARGS="-o ControlMaster=auto -o ControlPersist=60s -o ControlPath=$STATE/ssh/cm-%C -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no -o IdentitiesOnly=yes"
    export ANSIBLE_PIPELINING=1
    # Seven guests and a CI run share two cores: sudo on a guest can take
    # longer than the default 10 s to answer.
    export ANSIBLE_TIMEOUT=30
    export ANSIBLE_FORCE_COLOR=0
    export PATH=$VENV/bin:$PATH
}

# cmd_converge [--expect-unchanged] [extra ansible-playbook args...]
cmd_converge() {
    need_root
    local expect_unchanged=0
    if [ "${1:-}" = --expect-unchanged ]; then expect_unchanged=1; shift; fi
    guard_all
    ansible_env
    command -v ansible-playbook > /dev/null \
        || die "no ansible-playbook in $VENV/bin (bash .ci/deploy creates that venv; or set SHORTLINK_VENV)"
    local t0=$SECONDS out rc=0
    out=$STATE/logs/converge-$(date +%H%M%S).log
    in_ns timeout 900 ansible-playbook -i "$INVENTORY" \
        "$REPO/ansible/site.yml" "$@" 2>&1 | tee "$out" || rc=$?
    local recap changed=0
    recap=$(sed -n '/PLAY RECAP/,$p' "$out")
    changed=$(grep -o 'changed=[0-9]*' <<< "$recap" | awk -F= '{s += $2} END {print s + 0}')
    log "converge${*:+ ($*)}: rc=$rc, changed total=$changed, $((SECONDS - t0))s"
    if [ "$rc" != 0 ]; then
        local h
        for h in "${HOSTS[@]}"; do
            log "$h: failed units and their last journal lines"
            # shellcheck disable=SC2016 # expanded on the guest
            lab_ssh "$h" 'systemctl --failed --no-legend --plain; for u in $(systemctl --failed --no-legend --plain | cut -d" " -f1); do sudo journalctl -u "$u" -n 15 --no-pager; done' >&2 || true
        done
        die "ansible-playbook failed (log: $out)"
    fi
    if [ "$expect_unchanged" = 1 ] && [ "$changed" != 0 ]; then
        grep -B2 -E '^changed:' "$out" | head -40 >&2 || true
        die "converge${*:+ ($*)} changed $changed task(s); expected 0"
    fi
    echo "$changed" > "$STATE/last-changed"
}
