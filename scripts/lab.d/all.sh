# lab.d/all.sh — the all command (what CI runs): its phases, timed, always torn down.
# shellcheck shell=bash

# phase NAME CMD... — one step of `all`, run in a subshell (its die ends only
# the phase) and logged as "phase: NAME: PASS|FAIL (Ns)", which .ci/deploy
# shows; returns the phase's status.
phase() {
    local name=$1 t0=$SECONDS rc=0; shift
    set +e
    (set -e; "$@")
    rc=$?
    set -e
    if [ "$rc" = 0 ]; then log "phase: $name: PASS ($((SECONDS - t0))s)"
    else log "phase: $name: FAIL, exit $rc ($((SECONDS - t0))s)"; fi
    return "$rc"
}

# all: what CI runs. Stops at the first failed phase; the guests are always
# torn down.
cmd_all() {
    local t0=$SECONDS
    trap 'cmd_down || true' EXIT
    phase "up" cmd_up
    phase "converge (fresh hosts)" cmd_converge
    phase "each instance started once by the first converge" cmd_starts 1
    phase "converge again (changed=0)" cmd_converge --expect-unchanged
    phase "converge --check (changed=0)" cmd_converge --expect-unchanged --check
    phase "no instance restarted by either" cmd_starts 1
    phase "shortlink_unit_overrides drop-in lands, then goes" cmd_dropin
    phase "admin key rotation: a new key on db, the old one revoked" cmd_rotate
    phase "glibc floor: the pushed server and the harness on Debian 11" cmd_floor
    phase "test" cmd_test
    phase "postgres: the same hosts switched to PostgreSQL, checks, harness" cmd_postgres
    trap - EXIT
    phase "down" cmd_down
    log "timings: total $((SECONDS - t0))s"
}
