# lab.d/scale.sh — the scale topology's checks (scripts/lab --topology scale):
# two app hosts behind nginx on app1, a three-node Galera cluster behind
# HAProxy on each app host, two load hosts. Uses test.sh's t_check/t_result.
# shellcheck shell=bash

SCALE_GUEST_CA=/etc/shortlink/ca.crt
SCALE_KEY_FILE=/etc/shortlink/admin.key

db_status() { # node STATUS_NAME — a SHOW STATUS value on a Galera node
    lab_ssh "$1" "sudo mariadb -NBe \"SHOW GLOBAL STATUS LIKE '$2'\"" | cut -f2
}
cluster_synced() { # node... — each Synced in a primary cluster of 3
    local n
    for n in "$@"; do
        [ "$(db_status "$n" wsrep_local_state_comment)" = Synced ] || { echo "$n not Synced"; return 1; }
        [ "$(db_status "$n" wsrep_cluster_size)" = 3 ] || { echo "$n: cluster size not 3"; return 1; }
    done
}
wait_cluster_synced() { # timeout_s
    local i
    for ((i = 0; i < $1; i += 2)); do cluster_synced db1 db2 db3 > /dev/null 2>&1 && return 0; sleep 2; done
    cluster_synced db1 db2 db3
}

cmd_scale_test() {
    need_root
    [ "$TOPOLOGY" = scale ] || die "scale-test needs --topology scale"
    guard_all
    local t0=$SECONDS
    T_FAIL=0
    echo "scale lab checks:"
    t_check "galera: db1-3 Synced in one cluster of 3" cluster_synced db1 db2 db3
    t_check "app1, app2: both instances and HAProxy active" bash -c \
        "$REPO/scripts/lab --topology scale ssh app1 systemctl is-active shortlink@8000 shortlink@8001 haproxy \
         && $REPO/scripts/lab --topology scale ssh app2 systemctl is-active shortlink@8000 shortlink@8001 haproxy"
    t_check "app1 (the proxy) reaches app2's instance" \
        lab_ssh app1 curl -fsS -o /dev/null -m 5 "http://${IP[app2]}:8000/readyz"
    t_check "firewall: the controller cannot reach app2:8000" \
        bash -c "! nsenter --net=$NS timeout 3 bash -c '</dev/tcp/${IP[app2]}/8000'"
    t_check "firewall: load1 cannot reach db1:3306 nor app2:8000" lab_ssh load1 \
        "! timeout 3 bash -c '</dev/tcp/${IP[db1]}/3306' && ! timeout 3 bash -c '</dev/tcp/${IP[app2]}/8000'"
    scale_harness
    scale_merged_load
    scale_db_node_killed
    scale_app_host_stopped
    echo "scale lab checks: $T_FAIL failed ($((SECONDS - t0))s)"
    [ "$T_FAIL" = 0 ]
}

# The harness from load1 through nginx on app1, and nginx's access log shows
# instances of both app hosts answered.
scale_harness() {
    local log=$STATE/logs/harness.log
    if lab_ssh load1 shortlink-check > "$log" 2>&1; then
        t_result PASS "harness from load1 through the proxy" "$(grep -E '[0-9]+ passed' "$log" | tail -1)"
    else
        t_result FAIL "harness from load1 through the proxy" "$(tail -3 "$log" | tr '\n' ' ')"
    fi
    local ip
    for ip in "${IP[app1]}" "${IP[app2]}"; do
        t_check "nginx on app1 sent requests to $ip's instances" \
            lab_ssh app1 "sudo grep -qF 'ua=\"$ip:80' /var/log/nginx/shortlink.access.log"
    done
}

# loadtest.yml on both load hosts at one start: one merged report, zero
# failures, one reconciliation over both hosts' redirects.
scale_merged_load() {
    local log=$STATE/logs/loadtest-merged.log merged summary
    ansible_env
    if in_ns timeout 300 ansible-playbook -i "$INVENTORY" "$REPO/ansible/loadtest.yml" \
        -e loadgen_run_time=15s -e loadgen_users=8 -e loadgen_start_delay=15 \
        -e "loadgen_extra_args='--max-error-rate 0'" -e "loadgen_fetch_dest=$STATE/reports/" > "$log" 2>&1 \
        && merged=$(find "$STATE/reports" -path '*/merged-*/merged.json' | head -1) && [ -n "$merged" ] \
        && summary=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
m, r = d["merged"], d["merged"]["reconciliation"]
assert len(d["parts"]) == 2, d["parts"]
assert m["failures"] == 0 and r["redirects_ok"] == r["hits_delta"], (m["failures"], r)
print("{} hosts, {} requests, {:.0f} req/s, p99 {} ms, {} redirects = hits +{}".format(
    len(d["parts"]), m["requests"], m["rps"], m["overall"].get("p99_ms"), r["redirects_ok"], r["hits_delta"]))' "$merged"); then
        t_result PASS "merged load run from load1 and load2, 0 failures, one reconciliation" "$summary"
    else
        t_result FAIL "merged load run from load1 and load2, 0 failures, one reconciliation" "see $log"
    fi
}

# A bounded writer on load1 (POSTs through the proxy, one at a time, each
# line: time status code) beside a goose run on load2, while db1 — the node
# every HAProxy writes to — is SIGKILLed. systemd restarts it (Restart=on-abort)
# and it rejoins by incremental transfer.
scale_writer_script() {
    cat <<'EOF'
set -u
key=$(cat "$KEY_FILE"); n=0; end=$((SECONDS + RUN_S))
while [ "$SECONDS" -lt "$end" ] && [ "$n" -lt 4000 ]; do
    n=$((n + 1))
    out=$(curl -s -m 15 --cacert "$CA" -H "Authorization: Bearer $key" -H 'Content-Type: application/json' \
        -d "{\"url\":\"https://example.org/scale/$n\"}" -w '\n%{http_code}' "https://$PROXY/api/v1/links")
    status=$(printf '%s' "$out" | tail -1)
    code=$(printf '%s' "$out" | head -1 | sed -n 's/.*"code":"\([^"]*\)".*/\1/p')
    echo "$(date +%s.%N) $status ${code:--}"
done
EOF
}
scale_db_node_killed() {
    local writes=$STATE/logs/writes.log load=$STATE/logs/db-kill-load.log writer goose t_kill
    lab_ssh load1 "KEY_FILE=$SCALE_KEY_FILE CA=$SCALE_GUEST_CA PROXY=${IP[app1]} RUN_S=25 bash -s" \
        < <(scale_writer_script) > "$writes" 2> "$STATE/logs/writes.err" &
    writer=$!
    lab_ssh load2 env LOADTEST_RUN_TIME=25s LOADTEST_USERS=6 shortlink-loadtest --no-reconcile \
        > "$load" 2>&1 &
    goose=$!
    sleep 8
    t_kill=$(date +%s.%N)
    # The main process only: mariadbd (nspawn guests refuse signals to the
    # unit's whole cgroup with EIO).
    lab_ssh db1 sudo systemctl kill --kill-whom=main -s KILL mariadb.service || t_result FAIL "SIGKILL mariadbd on db1"
    wait "$writer" || true
    wait "$goose" || true
    local total ok_after other
    total=$(awk '$2 == 201' "$writes" | wc -l)
    ok_after=$(awk -v t="$t_kill" '$2 == 201 && $1 > t + 1' "$writes" | wc -l)
    other=$(awk '$2 != 201 {print $2}' "$writes" | sort | uniq -c | tr -s ' ' | tr '\n' ',')
    if [ "$ok_after" -gt 0 ]; then
        t_result PASS "db1 killed under load: writes go on (HAProxy moved them)" \
            "$total created, $ok_after after the kill; other statuses: ${other:-none}"
    else
        t_result FAIL "db1 killed under load: writes go on (HAProxy moved them)" "$total created, none after the kill"
    fi
    t_check "HAProxy on app1 marked db1 down" \
        lab_ssh app1 "sudo journalctl -u haproxy --no-pager | grep -q 'node0 is DOWN'"
    log "goose on load2 during the kill: $(grep -E '^  Aggregated' "$load" | tr -s ' ' | tail -1)"
    t_check "db1 restarted by systemd and rejoined: db1-3 Synced, cluster of 3" wait_cluster_synced 120
    # Every acknowledged write, read back through the proxy from load1 (the
    # load hosts are exempt from the rate limit), and present on db1 itself
    # (the node that was killed, after its transfer).
    local codes missing
    codes=$(awk '$2 == 201 && $3 != "-" {print $3}' "$writes")
    # shellcheck disable=SC2016 # expanded on load1
    missing=$(lab_ssh load1 "CA=$SCALE_GUEST_CA PROXY=${IP[app1]} bash -c '
        n=0; while read -r c; do
            s=\$(curl -s -o /dev/null -m 15 -w %{http_code} --cacert \$CA https://\$PROXY/\$c)
            [ \"\$s\" = 302 ] || { n=\$((n + 1)); echo \"GET /\$c: \$s\" >&2; }
        done; echo \$n'" <<< "$codes" 2> "$STATE/logs/writes-missing.log") || missing=unknown
    if [ "$missing" = 0 ] && [ -n "$codes" ]; then
        t_result PASS "every 201 readable afterwards through the proxy" "$(wc -w <<< "$codes") links"
    else
        t_result FAIL "every 201 readable afterwards through the proxy" "$missing of $(wc -w <<< "$codes") missing"
    fi
    local on_db1
    on_db1=$(lab_ssh db1 "sudo mariadb -NB shortlink" <<< "SELECT COUNT(*) FROM links WHERE code IN ('$(tr '\n' ' ' <<< "$codes" | sed "s/ *$//; s/ /','/g")');")
    if [ "$on_db1" = "$(wc -w <<< "$codes")" ]; then
        t_result PASS "db1 holds every acknowledged link after rejoining" "$on_db1"
    else
        t_result FAIL "db1 holds every acknowledged link after rejoining" "$on_db1 of $(wc -w <<< "$codes")"
    fi
}

# app2 powered off (a clean shutdown: its instances stop gracefully, then the
# host is gone) during a goose run from load1: nginx sends every idempotent
# request to app1's instances. Then app2 boots again and serves.
scale_app_host_stopped() {
    local out=$STATE/logs/app-stop.log traffic
    lab_ssh load1 env LOADTEST_RUN_TIME=25s LOADTEST_USERS=8 shortlink-loadtest --no-reconcile \
        --max-error-rate "'GET /{code}=0'" --max-error-rate "'GET /api/v1/links=0'" \
        --max-error-rate "'GET /api/v1/links/{code}=0'" --max-error-rate "'GET /api/v1/stats=0'" \
        > "$out" 2>&1 &
    traffic=$!
    sleep 6
    stop_pid nspawn-app2 systemd-nspawn TERM 30
    stop_pid boot-app2 lab-boot TERM 5
    if wait "$traffic"; then
        t_result PASS "app2 powered off under load: no idempotent request failed" \
            "$(grep -E '^  Aggregated' "$out" | tr -s ' ' | tail -1)"
        grep -E '^  (POST|PATCH|DELETE) ' "$out" | awk '$4 != 0 {print "  INFO           non-idempotent failures: " $0}' | tr -s ' ' || true
    else
        t_result FAIL "app2 powered off under load: no idempotent request failed" \
            "$(grep -E '^  Aggregated|threshold|result' "$out" | tr -s ' ' | tail -4 | tr '\n' ' ')"
    fi
    boot_guest app2
    wait_nspawn app2
    wait_ssh app2 || t_result FAIL "app2 answers ssh after its reboot"
    t_check "app2 back: its instances answer the proxy" bash -c \
        "for i in \$(seq 60); do $REPO/scripts/lab --topology scale ssh app1 curl -fsS -o /dev/null -m 3 http://${IP[app2]}:8001/readyz && exit 0; sleep 1; done; exit 1"
}

# throughput: the same merged load run (SCALE_USERS users in all, for
# SCALE_RUN_TIME) from 2 and 1 load hosts against 2 and 1 app hosts — one app
# host by taking app2's instances out of nginx's upstream for the runs
# (nginx.conf is put back byte for byte and reloaded afterwards). A
# measurement, not a check: CI does not run it. Prints a Markdown table.
cmd_scale_throughput() {
    need_root
    [ "$TOPOLOGY" = scale ] || die "throughput needs --topology scale"
    guard_all
    ansible_env
    local users=${SCALE_USERS:-16} run=${SCALE_RUN_TIME:-20s} apps loads dest merged
    local -a limit
    echo "| app hosts | load hosts | users | requests | req/s | p50 ms | p99 ms | failures | redirects = hits |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for apps in 2 1; do
        if [ "$apps" = 1 ]; then
            lab_ssh app1 "sudo cp -p /etc/nginx/nginx.conf /etc/nginx/nginx.conf.scale \
                && sudo sed -i '/server ${IP[app2]}:/d' /etc/nginx/nginx.conf \
                && sudo nginx -t -q && sudo systemctl reload nginx" || die "cannot take app2 out of nginx"
        fi
        for loads in 2 1; do
            limit=()
            [ "$loads" = 1 ] && limit=(--limit shortlink-load1)
            dest=$STATE/reports/throughput-$apps-$loads/
            in_ns timeout 300 ansible-playbook -i "$INVENTORY" "$REPO/ansible/loadtest.yml" "${limit[@]}" \
                -e "loadgen_run_time=$run" -e "loadgen_users=$users" -e loadgen_start_delay=15 \
                -e "loadgen_fetch_dest=$dest" > "$STATE/logs/throughput-$apps-$loads.log" 2>&1 \
                || log "run with $apps app and $loads load host(s) failed: $STATE/logs/throughput-$apps-$loads.log"
            merged=$(find "$dest" -path '*/merged-*/merged.json' | head -1)
            [ -n "$merged" ] || { echo "| $apps | $loads | $users | no report | | | | | |"; continue; }
            python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
m = d["merged"]
r = m.get("reconciliation") or {}
o = m["overall"]
print("| {} | {} | {} | {} | {:.0f} | {:.1f} | {:.1f} | {} | {} = {} |".format(sys.argv[2], len(d["parts"]), m["users"],
      m["requests"], m["rps"], o["p50_ms"], o["p99_ms"], m["failures"], r.get("redirects_ok"), r.get("hits_delta")))' \
                "$merged" "$apps"
        done
    done
    lab_ssh app1 "sudo mv /etc/nginx/nginx.conf.scale /etc/nginx/nginx.conf && sudo systemctl reload nginx" \
        || die "cannot put nginx.conf back on app1"
}

# all, for the scale topology: what CI runs.
cmd_scale_all() {
    local t0=$SECONDS
    trap 'cmd_down || true' EXIT
    phase "up (scale: ${HOSTS[*]})" cmd_up
    phase "converge (fresh hosts)" cmd_converge
    phase "converge again (changed=0)" cmd_converge --expect-unchanged
    phase "scale-test" cmd_scale_test
    trap - EXIT
    phase "down" cmd_down
    log "timings: total $((SECONDS - t0))s"
}
