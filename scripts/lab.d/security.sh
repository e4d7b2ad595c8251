# lab.d/security.sh — TLS at nginx, the /metrics allowlist, the admin key and its rotation.
# shellcheck shell=bash

# The CA the playbook generated on the controller (site_tls_generated_dir for
# the lab inventory), and its copy on the load host (loadgen_ca_cert_dest).
LAB_CA=$REPO/ansible/.secrets/lab/tls/ca.crt
GUEST_CA=/etc/shortlink/ca.crt
ADMIN_KEY_FILE=/etc/shortlink/admin.key     # site_admin_key_file
ADMIN_KEY_NAME=ansible-admin                # shortlink_admin_key_name

# db_script NAME [ARGS...] — one of the scripts below, run by bash on db (host
# 2) as the login user, with the app's address and the CA in its environment.
# Scripts that need the admin key read it on the guest into a 0600 header file
# for curl (-H @file): the key is never an argument, an output or a log line.
db_script() {
    local name=$1; shift
    lab_ssh db "APP=${IP[app]} CA=$GUEST_CA KEY_FILE=$ADMIN_KEY_FILE bash -s -- $*" < <(db_script_text "$name")
}
db_script_text() {
    cat <<'EOF_COMMON'
set -eu
auth=$(mktemp); trap 'rm -f "$auth"' EXIT
if [ -r "$KEY_FILE" ]; then printf 'Authorization: Bearer %s\n' "$(cat "$KEY_FILE")" > "$auth"; fi
EOF_COMMON
    case $1 in
        # The server, not the client, refuses: the client offers the old
        # version with every cipher allowed (SECLEVEL=0, else OpenSSL 3 would
        # not even send it) and the answer must be the server's
        # protocol_version alert.
        tls-refused) cat <<'EOF_S'
out=$(openssl s_client -connect "$APP:443" "-$1" -cipher 'DEFAULT:@SECLEVEL=0' < /dev/null 2>&1) || true
grep -q 'alert protocol version' <<< "$out" || { echo "$1: no protocol_version alert from the server:"; tail -3 <<< "$out"; exit 1; }
EOF_S
        ;;
        tls-accepted) cat <<'EOF_S'
out=$(openssl s_client -brief -connect "$APP:443" "-$1" -CAfile "$CA" -verify_return_error -verify_ip "$APP" < /dev/null 2>&1) || true
grep -q '^Verification: OK' <<< "$out" && grep -q "^Protocol version: $2\$" <<< "$out" || { tail -4 <<< "$out"; exit 1; }
echo "$(grep -E '^(Protocol version|Ciphersuite)' <<< "$out" | tr '\n' ' ')"
EOF_S
        ;;
        # The lab CA is what makes the certificate trusted: the system's store
        # alone fails verification (curl exit 60).
        ca-verifies) cat <<'EOF_S'
curl -fsS -o /dev/null --cacert "$CA" "https://$APP/healthz"
rc=0; curl -sS -o /dev/null "https://$APP/healthz" 2> /dev/null || rc=$?
[ "$rc" = 60 ] || { echo "without the lab CA curl exited $rc, wanted 60 (certificate not trusted)"; exit 1; }
EOF_S
        ;;
        # HSTS, for a year at least (browsers need that to keep it).
        hsts) cat <<'EOF_S'
h=$(curl -fsS -o /dev/null -D - --cacert "$CA" "https://$APP/healthz" | tr -d '\r' | grep -i '^strict-transport-security:') \
    || { echo "no Strict-Transport-Security header"; exit 1; }
age=$(grep -oiE 'max-age=[0-9]+' <<< "$h" | cut -d= -f2)
[ "${age:-0}" -ge 31536000 ] || { echo "$h: max-age under a year"; exit 1; }
echo "$h"
EOF_S
        ;;
        # A short link a browser opens from http://: 301 to the same https URL,
        # which redirects to the target. The link is made, and removed, with
        # the admin key.
        http-short-link) cat <<'EOF_S'
target=https://example.org/lab-http-redirect
code=$(curl -fsS --cacert "$CA" -H @"$auth" -H 'Content-Type: application/json' -d "{\"url\":\"$target\"}" \
    "https://$APP/api/v1/links" | python3 -c 'import json, sys; print(json.load(sys.stdin)["code"])')
r1=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' "http://$APP/$code?from=print")
r2=$(curl -sS -o /dev/null -w '%{http_code} %{redirect_url}' --cacert "$CA" "https://$APP/$code?from=print")
curl -fsS -o /dev/null --cacert "$CA" -H @"$auth" -X DELETE "https://$APP/api/v1/links/$code"
[ "$r1" = "301 https://$APP/$code?from=print" ] || { echo "http://: $r1"; exit 1; }
[ "$r2" = "302 $target" ] || { echo "https://: $r2"; exit 1; }
echo "http:// $r1, then $r2"
EOF_S
        ;;
        metrics-allowed) cat <<'EOF_S'
body=$(curl -fsS --cacert "$CA" "https://$APP/metrics")
grep -qE '^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? ' <<< "$body" || { echo "not Prometheus text"; exit 1; }
EOF_S
        ;;
        # The status of GET /api/v1/keys with the key in the file $1.
        keys-status) cat <<'EOF_S'
printf 'Authorization: Bearer %s\n' "$(cat "$1")" > "$auth"
curl -sS -o /dev/null -w '%{http_code}' --cacert "$CA" -H @"$auth" "https://$APP/api/v1/keys"
EOF_S
        ;;
        *) echo "echo 'unknown db script $1'; exit 2" ;;
    esac
}

key_checks() {
    t_check "db: admin key file is 0600, owned by the user who runs the harness" \
        bash -c "[ \"\$($REPO/scripts/lab ssh db stat -c %a:%U $ADMIN_KEY_FILE)\" = 600:vagrant ]"
}

tls_checks() {
    local v name
    t_check "app: TLS private key is 0600 root" \
        bash -c "[ \"\$($REPO/scripts/lab ssh app sudo stat -c %a:%U /etc/nginx/tls/shortlink.key)\" = 600:root ]"
    t_check "https from db: the lab CA verifies the certificate, the system store alone does not" db_script ca-verifies
    for v in tls1:1.0 tls1_1:1.1; do
        name=${v#*:} v=${v%:*}
        t_check "TLS $name refused by nginx (protocol_version alert)" db_script tls-refused "$v"
    done
    t_check "TLS 1.2 accepted, certificate verified" db_script tls-accepted tls1_2 TLSv1.2
    t_check "TLS 1.3 accepted, certificate verified" db_script tls-accepted tls1_3 TLSv1.3
    t_check "HSTS on HTTPS answers" db_script hsts
    t_check "http:// answers 301 to https:// (a short link from http:// still lands)" db_script http-short-link
}

metrics_checks() {
    local app=${IP[app]}
    lab_guard "$app"
    t_check "/metrics from the controller (not allowed): 403, also with a forged X-Forwarded-For" \
        bash -c "[ \"\$(nsenter --net=$NS curl -s -o /dev/null -w '%{http_code}' --cacert $LAB_CA https://$app/metrics)\" = 403 ] \
            && [ \"\$(nsenter --net=$NS curl -s -o /dev/null -w '%{http_code}' --cacert $LAB_CA -H 'X-Forwarded-For: ${IP[db]}' https://$app/metrics)\" = 403 ]"
    t_check "/metrics from db (the monitoring host): 200, Prometheus text" db_script metrics-allowed
}

# The number of live keys named $ADMIN_KEY_NAME, from the app host's shortlink-keys.
live_admin_keys() {
    lab_ssh app "sudo shortlink-keys list" | awk -F'\t' -v n="$ADMIN_KEY_NAME" '$4 == "-" && $5 == n' | wc -l
}

# cmd_rotate — the documented rotation, end to end: a converge with
# shortlink_admin_key_rotate=true writes a new key to db and revokes the old
# one. The old key is kept on db for the check (0600) and never leaves it.
cmd_rotate() {
    need_root
    local old=/tmp/lab-old-admin.key before after
    lab_ssh db "sudo install -m 0600 -o vagrant $ADMIN_KEY_FILE $old"
    before=$(lab_ssh db "sha256sum < $ADMIN_KEY_FILE")
    [ "$(db_script keys-status "$ADMIN_KEY_FILE")" = 200 ] || die "the admin key does not work before the rotation"
    cmd_converge --limit app -e shortlink_admin_key_rotate=true
    after=$(lab_ssh db "sha256sum < $ADMIN_KEY_FILE")
    [ "$before" != "$after" ] || die "rotation left $ADMIN_KEY_FILE unchanged"
    [ "$(lab_ssh db "stat -c %a:%U $ADMIN_KEY_FILE")" = 600:vagrant ] || die "$ADMIN_KEY_FILE is not 0600 vagrant"
    local s_old s_new n
    s_old=$(db_script keys-status "$old") || true
    s_new=$(db_script keys-status "$ADMIN_KEY_FILE") || true
    n=$(live_admin_keys) || true
    lab_ssh db "rm -f $old"
    log "rotate: old key $s_old, new key $s_new, live $ADMIN_KEY_NAME keys: $n"
    [ "$s_old" = 401 ] || die "the old key answers $s_old, wanted 401 (revoked)"
    [ "$s_new" = 200 ] || die "the new key answers $s_new, wanted 200"
    [ "$n" = 1 ] || die "$n live $ADMIN_KEY_NAME keys, wanted 1"
}
