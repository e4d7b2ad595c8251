# Helpers of .ci/containers, sourced by it (not run alone): they use its
# globals (work, containers, img_kit_run, kit_mounts, admin_key) and its
# pass/fail.
# shellcheck shell=bash disable=SC2154

# run_detached NAME ARGS...: start a detached container; its stderr (podman's
# complaints that there is no systemd to time health checks) goes to a log.
run_detached() {
  local name=$1
  shift
  containers+=("$name")
  timeout 120 podman run -d --name "$name" --health-interval=disable "$@" >"$work/$name.run" 2>&1 ||
    { cat "$work/$name.run"; return 1; }
}

# wait_for SECONDS CMD...: retry CMD every 0.2 s until it succeeds or time is up.
wait_for() {
  local deadline=$(($(date +%s) + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}

# ready NAME: the app in container NAME answers /readyz with 200.
ready() { timeout 10 podman exec "$1" /usr/local/bin/shortlink-healthcheck /readyz; }
healthy() { timeout 30 podman healthcheck run "$1"; }

# graceful_stop NAME: SIGTERM, Rocket drains and exits 0 within its grace.
graceful_stop() {
  local t0 t1 code
  t0=$(date +%s.%N)
  timeout 60 podman stop -t 20 "$1" >/dev/null
  t1=$(date +%s.%N)
  code=$(podman inspect --format '{{.State.ExitCode}}' "$1")
  if [ "$code" = 0 ]; then
    pass "SIGTERM: $1 drained and exited 0 in $(printf '%.1f' "$(echo "$t1 - $t0" | bc)") s"
  else
    podman logs --tail 5 "$1" 2>&1
    fail "SIGTERM: $1 exited $code"
  fi
}

# harness NETOPT TARGET LABEL [HARNESS ARGS...]: run the endpoint harness in
# the network namespace NETOPT names (--network=container:NAME, or
# --pod=NAME: podman lets no container outside a pod join one inside it) with
# the admin key in its environment and the volumes in kit_mounts; pass on
# exit 0 and a "N passed, 0 failed" line.
harness() {
  local netopt=$1 target=$2 label=$3 log="$work/harness-$3.log" rc=0 summary
  shift 3
  SHORTLINK_API_KEY=$admin_key timeout 600 podman run --rm "$netopt" -e SHORTLINK_API_KEY \
    "${kit_mounts[@]}" "${img_kit_run[@]}" --target "$target" "$@" >"$log" 2>&1 || rc=$?
  no_key_in "$log" || fail "harness on $label: its output holds the admin key"
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1 || true)
  if [ "$rc" -eq 0 ] && [[ $summary == *" passed, 0 failed"* ]]; then
    pass "harness on $label ($target): $summary"
  else
    grep -E '^FAIL' "$log" | head -20
    tail -5 "$log"
    fail "harness on $label ($target): exit $rc, ${summary:-no summary line}"
  fi
}

# no_key_in FILE...: none of the files holds the key (the file is named, the
# key is not shown).
no_key_in() {
  local f
  for f in "$@"; do
    if [ -e "$f" ] && grep -qF -- "$admin_key" "$f"; then
      echo "$(basename "$f") holds the admin key"
      return 1
    fi
  done
}
