# lab.d/test.sh — the test command: PASS/FAIL checks on the converged hosts.
# shellcheck shell=bash

# Each check prints PASS/FAIL/NOT AVAILABLE; the command fails if any failed.
# A failing command is a FAIL line, never an early exit (`all` runs this with
# set -e): the traffic a check leaves in the background must be waited for.
T_FAIL=0
t_result() { # status name detail
    printf '  %-14s %s%s\n' "$1" "$2" "${3:+ — $3}"
    case $1 in FAIL) T_FAIL=$((T_FAIL + 1)) ;; esac
}
t_check() { # name cmd...
    local name=$1; shift
    if "$@" > "$STATE/logs/check.out" 2>&1; then t_result PASS "$name"
    else t_result FAIL "$name" "$(tail -3 "$STATE/logs/check.out" | tr '\n' ' ')"; fi
}
# The units on the app host, byte for byte the ones in systemd/ (the one copy,
# which .ci/deploy also verifies with systemd-analyze).
same_units() {
    local u here there
    for u in shortlink@.service shortlink.target; do
        here=$(sha256sum < "$REPO/systemd/$u" | cut -d' ' -f1)
        there=$(lab_ssh app sha256sum "/etc/systemd/system/$u" | cut -d' ' -f1)
        [ "$here" = "$there" ] || { echo "$u differs: systemd/ $here, app $there"; return 1; }
    done
}
http_code() { # host-key path — from the controller, inside the namespace, over HTTPS
    lab_guard "${IP[$1]}"
    in_ns curl -s -o /dev/null -m 15 -w '%{http_code}' --cacert "$LAB_CA" "https://${IP[$1]}$2" || true
}
wait_code() { # host path code timeout_s
    local i c
    for ((i = 0; i < $4; i++)); do
        c=$(http_code "$1" "$2"); [ "$c" = "$3" ] && return 0
        sleep 1
    done
    echo "last status $c, wanted $3"; return 1
}

cmd_test() {
    need_root
    guard_all
    local t0=$SECONDS app=${IP[app]} db=${IP[db]}
    echo "lab checks:"
    t_check "app: shortlink@8000 and @8001 active" lab_ssh app systemctl is-active shortlink@8000.service shortlink@8001.service
    t_check "app: nginx active" lab_ssh app systemctl is-active nginx.service
    t_check "db: mariadb active" lab_ssh db systemctl is-active mariadb.service
    t_check "app: profile is mysql" lab_ssh app sudo grep -qx 'ROCKET_PROFILE=mysql' /etc/shortlink/shortlink.env
    t_check "app: env file is 0600" bash -c "[ \"\$($REPO/scripts/lab ssh app sudo stat -c %a /etc/shortlink/shortlink.env)\" = 600 ]"
    t_check "app: installed units are the repository's systemd/ files" same_units
    t_check "nginx /healthz 200" wait_code app /healthz 200 10
    t_check "nginx /readyz 200 (MySQL on db over the lab net)" wait_code app /readyz 200 20
    t_check "app: db backend established to $db:3306" \
        lab_ssh app "ss -Htn state established dst $db:3306 | grep -q ."
    t_check "firewall: controller cannot reach db:3306" \
        bash -c "! nsenter --net=$NS timeout 3 bash -c '</dev/tcp/$db/3306'"
    t_check "firewall: controller cannot reach app:8000" \
        bash -c "! nsenter --net=$NS timeout 3 bash -c '</dev/tcp/$app/8000'"
    tls_checks
    metrics_checks
    monitoring_checks
    key_checks

    # The harness, from host 2, through nginx on host 1 — what a user runs on
    # VM 2: over HTTPS, verifying the lab CA, with the admin key from its file.
    if lab_ssh db test -x /usr/local/bin/shortlink-harness; then
        if lab_ssh db shortlink-check > "$STATE/logs/harness.log" 2>&1; then
            t_result PASS "harness from db over HTTPS (lab CA)" "$(grep -E '[0-9]+ passed' "$STATE/logs/harness.log" | tail -1)"
        else
            t_result FAIL "harness from db over HTTPS (lab CA)" "$(tail -3 "$STATE/logs/harness.log" | tr '\n' ' ')"
        fi
    else
        t_result "NOT AVAILABLE" "harness from db" "shortlink-harness was not built (scripts/xbuild)"
    fi

    # A short goose run from host 2; its report fetched back to the controller.
    if lab_ssh db test -x /usr/local/bin/shortlink-load; then
        # Where Prometheus's counts start (every instance scraped since the
        # harness ended): compared with the load test's below.
        local mark; mark=$(mon_settle) || mark=""
        # --max-error-rate 0: a single failed request fails the run.
        if lab_ssh db env LOADTEST_RUN_TIME=15s LOADTEST_USERS=8 shortlink-loadtest --max-error-rate 0 \
            > "$STATE/logs/load.log" 2>&1; then
            t_result PASS "load run from db over HTTPS, 0 failures" "$(grep -E '^  Aggregated' "$STATE/logs/load.log" | tr -s ' ' | tail -1)"
        else
            t_result FAIL "load run from db over HTTPS, 0 failures" "$(tail -3 "$STATE/logs/load.log" | tr '\n' ' ')"
        fi
        ansible_env
        if in_ns timeout 120 ansible-playbook -i "$REPO/ansible/inventories/lab/hosts.yml" \
            "$REPO/ansible/fetch-reports.yml" -e "loadgen_fetch_dest=$STATE/reports/" > "$STATE/logs/fetch.log" 2>&1 \
            && find "$STATE/reports" -type f -name '*.html' | grep -q .; then
            t_result PASS "load report fetched" "$(find "$STATE/reports" -type f | head -1)"
        else
            t_result FAIL "load report fetched" "see $STATE/logs/fetch.log"
        fi
        monitoring_load_checks "$mark"
        merged_load_run
    else
        t_result "NOT AVAILABLE" "load run from db" "shortlink-load was not built (scripts/xbuild)"
        t_result "NOT AVAILABLE" "load report fetched" "no load run"
        t_result "NOT AVAILABLE" "merged load run (loadtest.yml)" "no load run"
    fi

    restart_under_traffic
    db_stop_readyz
    echo "lab checks: $T_FAIL failed ($((SECONDS - t0))s)"
    [ "$T_FAIL" = 0 ]
}

# loadtest.yml as a user runs it: every loadgen host (the lab has one) starts
# its share at one time, keeps its hot links, and the first one merges the
# runs into one report with one hit reconciliation; the playbook fails unless
# the merged run passed. Its merged.json comes back to the controller.
merged_load_run() {
    local log=$STATE/logs/loadtest-merged.log merged
    ansible_env
    if in_ns timeout 300 ansible-playbook -i "$REPO/ansible/inventories/lab/hosts.yml" \
        "$REPO/ansible/loadtest.yml" -e loadgen_run_time=10s -e loadgen_users=6 \
        -e loadgen_start_delay=10 -e "loadgen_extra_args='--max-error-rate 0'" \
        -e "loadgen_fetch_dest=$STATE/reports/" > "$log" 2>&1 \
        && merged=$(find "$STATE/reports" -path '*/merged-*/merged.json' | head -1) && [ -n "$merged" ]; then
        t_result PASS "merged load run (loadtest.yml), one reconciliation" "$(python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))["merged"]
r = m["reconciliation"]
print("{} requests, {} redirects = hits +{}".format(m["requests"], r["redirects_ok"], r["hits_delta"]))' "$merged")"
    else
        t_result FAIL "merged load run (loadtest.yml), one reconciliation" "see $log"
    fi
}

# Traffic from host 2 through nginx while host 1 restarts the app: first one
# instance with plain `systemctl restart`, then all of them with the rolling
# `shortlink-restart`. With the goose load test installed, the traffic is its
# full mix; the check fails if any idempotent request (every GET) failed, and
# reports POST/PATCH/DELETE failures beside it: nginx never resends a request
# that is not idempotent once it reached an instance (a keep-alive connection
# closed by a stopping instance can still cost one). Without goose, a bounded
# curl loop of GETs.
restart_under_traffic() {
    local out=$STATE/logs/restart.log traffic name
    if lab_ssh db test -x /usr/local/bin/shortlink-load; then
        name="app restarts during a goose run lose no idempotent request"
        lab_ssh db env LOADTEST_RUN_TIME=20s LOADTEST_USERS=8 shortlink-loadtest --no-reconcile \
            --max-error-rate "'GET /{code}=0'" --max-error-rate "'GET /api/v1/links=0'" \
            --max-error-rate "'GET /api/v1/links/{code}=0'" --max-error-rate "'GET /api/v1/stats=0'" \
            > "$out" 2>&1 &
    else
        name="app restarts under GET traffic lose no request"
        lab_ssh db "bash -c '
            n=0; bad=0; end=\$((SECONDS + 20))
            while [ \$SECONDS -lt \$end ] && [ \$n -lt 4000 ]; do
                for p in /healthz /readyz; do
                    c=\$(curl -s -o /dev/null -m 10 -w %{http_code} --cacert $GUEST_CA https://${IP[app]}\$p)
                    n=\$((n + 1)); [ \"\$c\" = 200 ] || { bad=\$((bad + 1)); echo \"\$p: status \$c\"; }
                done
            done
            echo \"requests=\$n failed=\$bad\"; [ \$bad = 0 ]'" > "$out" 2>&1 &
    fi
    traffic=$!
    sleep 5
    lab_ssh app sudo systemctl restart shortlink@8000.service || t_result FAIL "systemctl restart shortlink@8000"
    sleep 4
    lab_ssh app sudo shortlink-restart >> "$STATE/logs/restart-app.log" 2>&1 \
        || t_result FAIL "shortlink-restart (rolling)" "$(tail -2 "$STATE/logs/restart-app.log")"
    if wait "$traffic"; then
        t_result PASS "$name" "$(grep -E '^  Aggregated|^requests=' "$out" | tr -s ' ' | tail -1)"
        grep -E '^  (POST|PATCH|DELETE) ' "$out" | awk '$4 != 0 {print "  INFO           non-idempotent failures during restarts: " $0}' | tr -s ' ' || true
    else
        t_result FAIL "$name" "$(grep -E '^  Aggregated|^requests=|status|threshold|result' "$out" | tr -s ' ' | tail -4 | tr '\n' ' ')"
    fi
    wait_code app /readyz 200 20 > /dev/null || t_result FAIL "app ready after restarts"
}

# The stop also proves the monitoring's alerts: MySQLDown and
# ShortlinkStoreNotReady reach Alertmanager within what the rules promise
# (mon_alert_bound), and resolve once the database is back.
db_stop_readyz() {
    local bound; bound=$(mon_alert_bound "$MON_DB_DOWN_ALERTS") || bound=""
    lab_ssh db sudo systemctl stop mariadb.service || t_result FAIL "systemctl stop mariadb"
    local t0; t0=$(date +%s.%N)
    t_check "db stopped: /readyz 503" wait_code app /readyz 503 20
    log "readyz answered 503 $(echo "$(date +%s.%N) - $t0" | awk '{printf "%.1f", $1 - $3}')s after mariadb stopped"
    t_check "db stopped: /healthz still 200" wait_code app /healthz 200 5
    if [ -n "$bound" ]; then
        t_check "monitoring: $MON_DB_DOWN_ALERTS firing in Alertmanager within ${bound}s" \
            mon_alerts_wait firing "$t0" "$bound"
        log "alerts: $(tail -1 "$STATE/logs/check.out")"
    else
        t_result FAIL "monitoring: alerts on a database stop" "no alert bound from Prometheus's rules API"
    fi
    lab_ssh db sudo systemctl start mariadb.service || t_result FAIL "systemctl start mariadb"
    local t1; t1=$(date +%s.%N)
    t_check "db back: /readyz 200" wait_code app /readyz 200 30
    t_check "monitoring: the database alerts resolve in Alertmanager within 60s" mon_alerts_wait resolved "$t1" 60
    log "alerts: $(tail -1 "$STATE/logs/check.out")"
}
