# lab.d/monitoring.sh — roles/monitoring on the guests: every target up, exporters refused to
# all but the monitoring host, the recorded request counts against the load test's, every
# dashboard expression, and the alerts of a database stop reaching Alertmanager.
# shellcheck shell=bash

# Prometheus and Alertmanager listen on db's loopback only (the monitoring
# role's defaults): every query is a curl run on db over ssh, from inside
# the namespace like every other packet to a guest.
MON_HOST=db
MON_PROM=http://127.0.0.1:9090
MON_AM=http://127.0.0.1:9093
# The exporters per host (node everywhere, nginx on app, mysqld on db).
declare -A MON_EXPORTERS=([app]="9100 9113" [db]="9100 9104")
# Within how much of the load test's count Prometheus's must be, per route.
MON_COUNT_TOLERANCE_PCT=5
# The alerts a database stop must raise (NAME:instances): the store is not
# ready on every app instance.
MON_DB_DOWN_ALERTS="MySQLDown:1 ShortlinkStoreNotReady:${#APP_PORTS[@]}"

# mon_query EXPR [TIME] — Prometheus's JSON answer to an instant query. The
# expression travels on stdin: it is full of quotes and braces.
mon_query() {
    printf '%s' "$1" | lab_ssh "$MON_HOST" \
        "curl -fsS -m 10 $MON_PROM/api/v1/query --data-urlencode query@- ${2:+--data-urlencode time=$2}"
}
mon_get() { lab_ssh "$MON_HOST" "curl -fsS -m 10 $1"; }

# mon_py SCRIPT ARGS... — python3 on the controller (the answers are JSON).
mon_py() { local s=$1; shift; python3 -c "$s" "$@"; }

# Every target of the role's config, each up (its last scrape succeeded):
# polled (bounded) because a Prometheus the converge just restarted takes a
# few seconds to scrape. Read from the targets API, not from `up`: the
# package starts Prometheus once on Debian's default config before the role
# replaces it, and a restart (unlike a reload) leaves that config's `up`
# series answering queries for the 5-minute lookback.
MON_UP_PY='
import json, sys
r = json.load(sys.stdin)["data"]["activeTargets"]
want = int(sys.argv[1])
name = lambda t: t["labels"].get("job", "?") + "/" + t["labels"].get("instance", "?")
down = [name(t) for t in r if t["health"] != "up"]
print(f"{len(r)} targets, want {want}; not up: {down or None}")
if len(r) != want:
    print("targets: " + ", ".join(sorted(name(t) for t in r)))
sys.exit(0 if len(r) == want and not down else 1)'
mon_targets_up() {
    # prometheus + alertmanager, node per host, mysqld, nginx, one per instance.
    local want=$((2 + ${#HOSTS[@]} + 2 + ${#APP_PORTS[@]})) i out
    for ((i = 0; i < 30; i++)); do
        out=$(mon_get "$MON_PROM/api/v1/targets?state=active" | mon_py "$MON_UP_PY" "$want") && { echo "$out"; return 0; }
        sleep 2
    done
    echo "$out"; return 1
}

# A port on HOST must not even connect from where this runs (nftables drops it).
mon_refused_from_controller() { # host port
    ! in_ns timeout 3 bash -c "</dev/tcp/${IP[$1]}/$2" 2> /dev/null
}
mon_refused_from_app() { # db-port
    lab_ssh app "! timeout 3 bash -c '</dev/tcp/${IP[db]}/$1' 2>/dev/null"
}

monitoring_checks() {
    local h p
    t_check "monitoring: every scrape target up == 1 (Prometheus HTTP API on $MON_HOST)" mon_targets_up
    for h in app db; do
        for p in ${MON_EXPORTERS[$h]}; do
            t_check "monitoring: controller cannot reach $h:$p (exporter)" mon_refused_from_controller "$h" "$p"
        done
    done
    for p in ${MON_EXPORTERS[db]}; do
        t_check "monitoring: app (not the monitoring host) cannot reach db:$p" mon_refused_from_app "$p"
    done
    for p in 9090 9093; do
        t_check "monitoring: controller cannot reach db:$p (Prometheus/Alertmanager on loopback)" \
            mon_refused_from_controller db "$p"
    done
    t_check "monitoring: /metrics/instance/${APP_PORTS[0]} through nginx from the controller: 403" \
        bash -c "[ \"\$(nsenter --net=$NS curl -s -o /dev/null -w '%{http_code}' --cacert $LAB_CA https://${IP[app]}/metrics/instance/${APP_PORTS[0]})\" = 403 ]"
    t_check "monitoring: /metrics/instance/${APP_PORTS[0]} from app itself (not allowed): 403" \
        bash -c "[ \"\$($REPO/scripts/lab ssh app curl -s -o /dev/null -w '%{http_code}' --cacert /etc/nginx/tls/ca.crt https://${IP[app]}/metrics/instance/${APP_PORTS[0]})\" = 403 ]"
}

# The scrape interval and timeout of the shortlink job, in seconds ("3 3").
mon_scrape_timing() {
    mon_get "$MON_PROM/api/v1/targets" | mon_py '
import json, re, sys
def secs(d): return sum(int(n) * {"h": 3600, "m": 60, "s": 1}[u] for n, u in re.findall(r"(\d+)([hms])", d))
t = [t for t in json.load(sys.stdin)["data"]["activeTargets"] if t["labels"]["job"] == "shortlink"][0]
print(secs(t["scrapeInterval"]), secs(t["scrapeTimeout"]))'
}

# mon_settle — returns once every instance was scraped after it was called
# (bounded: three scrape intervals), so Prometheus's latest samples hold every
# request answered before the call; prints the time it returns (epoch
# seconds), the instant to query those samples at.
MON_SETTLED_PY='
import calendar, json, re, sys, time
t0 = float(sys.argv[1])
def ts(s):  # Prometheus writes UTC: 2026-01-02T03:04:05.678901234Z
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z$", s)
    return calendar.timegm(time.strptime(m[1], "%Y-%m-%dT%H:%M:%S")) + float(m[2] or 0) if m else 0
last = [ts(t["lastScrape"]) for t in json.load(sys.stdin)["data"]["activeTargets"] if t["labels"]["job"] == "shortlink"]
sys.exit(0 if last and min(last) > t0 else 1)'
mon_settle() {
    local t0 si i
    t0=$(date +%s.%N)
    si=$(mon_scrape_timing | cut -d' ' -f1) || return 1
    [ -n "$si" ] || return 1
    for ((i = 0; i < 3 * si; i++)); do
        sleep 1
        mon_get "$MON_PROM/api/v1/targets" | mon_py "$MON_SETTLED_PY" "$t0" && { date +%s.%N; return 0; }
    done
    return 1
}

# After the run: per route, the increase of shortlink_http_requests_total
# between the marks against what the load test counted (its summary JSON):
# goose's requests plus the load test's own bookkeeping outside them, which
# its summary accounts for (the hot links deleted after the run, the two
# /api/v1/stats reads of the hit reconciliation). Routes goose never calls
# (keys, /metrics scrapes) are not compared.
MON_COUNT_PY='
import json, sys
def counts(path):
    return {(s["metric"]["method"], s["metric"]["route"]): float(s["value"][1])
            for s in json.load(open(path))["data"]["result"]}
before, after = counts(sys.argv[1]), counts(sys.argv[2])
summary, tol = json.load(open(sys.argv[3])), float(sys.argv[4])
extra = {("DELETE", "/api/v1/links/{code}"): summary.get("links_cleaned_up", 0),
         ("GET", "/api/v1/stats"): 2 if summary.get("reconciliation") else 0}
rows = []
for e in summary["endpoints"]:
    key = tuple(e["name"].split(" ", 1))
    rows.append((e["name"], e["requests"] + extra.get(key, 0), after.get(key, 0) - before.get(key, 0)))
rows.append(("all of them", sum(r[1] for r in rows), sum(r[2] for r in rows)))
bad = 0
for name, load, prom in rows:
    diff = 100.0 * (prom - load) / load if load else float("inf")
    ok = abs(diff) <= tol
    bad += not ok
    tag = "ok  " if ok else "FAIL"
    print(f"  {tag} {name:<32} load test {load:>7}  prometheus {prom:>9.0f}  {diff:+6.2f} %")
sys.exit(1 if bad else 0)'
mon_compare_counts() { # mark-before mark-after summary.json
    local q='sum by (method, route) (shortlink_http_requests_total{job="shortlink"})'
    mon_query "$q" "$1" > "$STATE/logs/mon-before.json" || return 1
    mon_query "$q" "$2" > "$STATE/logs/mon-after.json" || return 1
    mon_py "$MON_COUNT_PY" "$STATE/logs/mon-before.json" "$STATE/logs/mon-after.json" "$3" "$MON_COUNT_TOLERANCE_PCT"
}

# The load test's own --prometheus figures (the loadgen wrapper passes db's
# Prometheus): per route within the tolerance of goose's counts and with a
# p99, the app host's CPU and the database's queries/s above zero.
MON_SERVER_SIDE_PY='
import json, sys
summary, tol = json.load(open(sys.argv[1])), float(sys.argv[2])
ss = summary.get("server_side")
if not ss:
    sys.exit("no server side in the summary: %s" % summary.get("server_side_error"))
routes = {r["name"]: r for r in ss["routes"]}
bad = []
for e in summary["endpoints"]:
    name, load = e["name"], e["requests"]
    r = routes.get(name, {})
    n, p99 = r.get("requests", 0), r.get("p99_ms")
    if load and (abs(100.0 * (n - load) / load) > tol or p99 is None):
        bad.append("%s: load test %d, server %d, p99 %s" % (name, load, n, p99))
app = [h for h in ss["hosts"] if "app" in h["role"].split(", ")]
if not app or min(h["cpu_pct"] for h in app) <= 0:
    bad.append("app host CPU: %s" % ss["hosts"])
if not ss["databases"] or min(d["queries_per_sec"] for d in ss["databases"]) <= 0:
    bad.append("database queries/s: %s" % ss["databases"])
p99 = routes.get("GET /{code}", {}).get("p99_ms") or 0
cpu = ", ".join("%s (%s) CPU %.0f %%" % (h["instance"], h["role"], h["cpu_pct"]) for h in ss["hosts"])
dbs = ", ".join("%s %.0f queries/s" % (d["instance"], d["queries_per_sec"]) for d in ss["databases"])
print("%d routes, server p99 of GET /{code} %.1f ms; %s; %s" % (len(routes), p99, cpu, dbs))
for b in bad:
    print("FAIL", b)
sys.exit(1 if bad else 0)'

# monitoring_load_checks MARK — right after the load run (and its report
# fetch): the counts, then every dashboard panel's expression on db's
# Prometheus (check-dashboards, copied over with the dashboards).
monitoring_load_checks() {
    local mark=$1 end summary out=$STATE/logs/mon-counts.log
    end=$(mon_settle) || end=""
    summary=$(find "$STATE/reports" -type f -name '*.summary.json' 2> /dev/null | sort | tail -1) || summary=""
    if [ -z "$mark" ] || [ -z "$end" ]; then
        t_result FAIL "monitoring: requests per route within $MON_COUNT_TOLERANCE_PCT % of the load test's" "instances not scraped before/after the run"
    elif [ -z "$summary" ]; then
        t_result FAIL "monitoring: requests per route within $MON_COUNT_TOLERANCE_PCT % of the load test's" "no summary JSON fetched"
    elif mon_compare_counts "$mark" "$end" "$summary" > "$out" 2>&1; then
        t_result PASS "monitoring: requests per route within $MON_COUNT_TOLERANCE_PCT % of the load test's" "$(grep 'all of them' "$out" | tr -s ' ')"
    else
        t_result FAIL "monitoring: requests per route within $MON_COUNT_TOLERANCE_PCT % of the load test's" "$(grep -E 'FAIL|Error' "$out" | head -3 | tr -s ' ' | tr '\n' ';')"
    fi
    sed 's/^/  INFO           /' "$out" >&2
    if [ -n "$summary" ] && out=$(mon_py "$MON_SERVER_SIDE_PY" "$summary" "$MON_COUNT_TOLERANCE_PCT" 2>&1); then
        t_result PASS "monitoring: the load test's --prometheus summary (server side per route, CPU, queries/s)" "$out"
    else
        t_result FAIL "monitoring: the load test's --prometheus summary (server side per route, CPU, queries/s)" "$(tr '\n' ';' <<< "$out")"
    fi
    # What the redirect objective (p99 under 50 ms) is measured against.
    mon_query 'job:shortlink_redirect_duration_seconds:p99_rate5m' 2> /dev/null | mon_py '
import json, sys
for s in json.load(sys.stdin)["data"]["result"]:
    ms = float(s["value"][1]) * 1000
    print(f"  INFO           server-side p99 of GET /{{code}} over the last 5 min: {ms:.1f} ms (objective 50 ms)")' >&2 || true
    out=$STATE/logs/mon-dashboards.log
    # shellcheck disable=SC2016 # expanded on db
    if tar -C "$REPO" -c monitoring/check-dashboards monitoring/grafana/dashboards | lab_ssh "$MON_HOST" \
        'd=$(mktemp -d) && tar -C "$d" -x && python3 "$d/monitoring/check-dashboards" --prometheus '"$MON_PROM"' "$d"/monitoring/grafana/dashboards/*.json; rc=$?; rm -rf "$d"; exit $rc' \
        > "$out" 2>&1; then
        t_result PASS "monitoring: every dashboard panel's expr returns data" "$(tail -1 "$out")"
    else
        t_result FAIL "monitoring: every dashboard panel's expr returns data" "$(grep FAIL "$out" | head -3 | tr -s ' ' | tr '\n' ';')"
    fi
}

# The longest an alert may take to reach Alertmanager after its cause, as
# the rules and the intervals promise: its `for`, one scrape (interval and
# timeout) to see the cause, and two rule evaluations (the first to see it,
# the last to fire); plus 5 s for the stop itself and the notifier.
MON_ALERTS_PY='
import calendar, json, re, sys, time
mode, names, start, bound = sys.argv[1], sys.argv[2].split(), float(sys.argv[3]), float(sys.argv[4])
now = time.time()
def ts(s):  # Alertmanager writes UTC: 2026-01-02T03:04:05.678901234Z
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z$", s)
    return calendar.timegm(time.strptime(m[1], "%Y-%m-%dT%H:%M:%S")) + float(m[2] or 0)
firing = {}
for a in json.load(sys.stdin):
    if a["status"]["state"] == "active" and ts(a["endsAt"]) > now:
        firing.setdefault(a["labels"]["alertname"], []).append(a["labels"].get("instance", "-"))
want = dict((n.split(":") + ["1"])[:2] for n in names)  # NAME[:how many instances]
got = {n: firing.get(n, []) for n in want}
print(f"{now - start:.0f}s after the cause (bound {bound:.0f}s): firing {got}")
if mode == "firing":
    done = all(len(got[n]) >= int(k) for n, k in want.items())
else:
    done = not any(got.values())
sys.exit(0 if done else 1)'
mon_alert_bound() { # alertname...
    local rules timing
    rules=$(mon_get "$MON_PROM/api/v1/rules") || return 1
    timing=$(mon_scrape_timing) || return 1
    mon_py '
import json, sys
names, (si, st) = sys.argv[1].split(), map(int, sys.argv[2].split())
worst = 0
for g in json.loads(sys.stdin.read())["data"]["groups"]:
    for r in g["rules"]:
        if r["type"] == "alerting" and r["name"] in [n.split(":")[0] for n in names]:
            worst = max(worst, r["duration"] + si + st + 2 * g["interval"])
print(int(worst + 5))' "$*" "$timing" <<< "$rules"
}
# mon_alerts_wait firing|resolved START BOUND_S — poll Alertmanager (every 2 s) until the
# database-stop alerts are all firing, or none is; fails past START + BOUND_S.
mon_alerts_wait() {
    local mode=$1 start=$2 bound=$3 out
    while :; do
        out=$(mon_get "$MON_AM/api/v2/alerts" | mon_py "$MON_ALERTS_PY" "$mode" "$MON_DB_DOWN_ALERTS" "$start" "$bound") \
            && { echo "$out"; return 0; }
        awk -v s="$start" -v b="$bound" -v n="$(date +%s.%N)" 'BEGIN { exit !(n - s > b) }' && break
        sleep 2
    done
    echo "$out"; return 1
}
