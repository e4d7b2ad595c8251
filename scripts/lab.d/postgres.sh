# lab.d/postgres.sh — the postgres command: the same hosts switched to
# PostgreSQL (issue 18). One converge with shortlink_backend=postgres puts the
# postgresql role on db and the postgres profile on app; then the checks that
# prove the service runs on it, ending with the harness from db over HTTPS.
# MariaDB keeps running on db, unused: the firewall now opens 5432, not 3306.
# shellcheck shell=bash

cmd_postgres() {
    need_root
    guard_all
    local t0=$SECONDS app=${IP[app]} db=${IP[db]}
    cmd_converge -e shortlink_backend=postgres
    T_FAIL=0
    echo "lab checks on PostgreSQL:"
    t_check "db: postgresql@15-main active" lab_ssh db systemctl is-active postgresql@15-main.service
    t_check "app: profile is postgres" lab_ssh app sudo grep -qx 'ROCKET_PROFILE=postgres' /etc/shortlink/shortlink.env
    t_check "nginx /readyz 200 (PostgreSQL on db over the lab net)" wait_code app /readyz 200 30
    t_check "app: db backend established to $db:5432" \
        lab_ssh app "ss -Htn state established dst $db:5432 | grep -q ."
    t_check "app: no connection to $db:3306 any more" \
        lab_ssh app "! ss -Htn state established dst $db:3306 | grep -q ."
    t_check "firewall: controller cannot reach db:5432" \
        bash -c "! nsenter --net=$NS timeout 3 bash -c '</dev/tcp/$db/5432'"
    t_check "firewall: controller cannot reach app:8000" \
        bash -c "! nsenter --net=$NS timeout 3 bash -c '</dev/tcp/$app/8000'"
    if lab_ssh db shortlink-check > "$STATE/logs/harness-postgres.log" 2>&1; then
        t_result PASS "harness from db over HTTPS, on PostgreSQL" \
            "$(grep -E '[0-9]+ passed' "$STATE/logs/harness-postgres.log" | tail -1)"
    else
        t_result FAIL "harness from db over HTTPS, on PostgreSQL" \
            "$(tail -3 "$STATE/logs/harness-postgres.log" | tr '\n' ' ')"
    fi
    log "postgres checks: $T_FAIL failed, $((SECONDS - t0))s"
    [ "$T_FAIL" = 0 ]
}
