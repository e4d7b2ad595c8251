# lab.d/pids.sh — PID bookkeeping: the lab's background processes, ended by PID only.
# shellcheck shell=bash

# PID bookkeeping: start background processes with record_pid, end them with
# stop_pid, which checks the command line before signalling (PID reuse).
record_pid() { echo "$2" > "$STATE/pids/$1.pid"; }
pid_alive() { # name expected-cmdline-fragment
    local f=$STATE/pids/$1.pid pid
    [ -f "$f" ] || return 1
    pid=$(cat "$f")
    [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' < "/proc/$pid/cmdline" | grep -q -- "$2"
}
stop_pid() { # name fragment signal timeout_s
    local name=$1 frag=$2 sig=${3:-TERM} timeout=${4:-10} pid i
    if ! pid_alive "$name" "$frag"; then
        # (an exiting process, a zombie, has an empty command line: not a warning)
        [ -f "$STATE/pids/$name.pid" ] \
            && [ -n "$({ tr -d '\0' < "/proc/$(cat "$STATE/pids/$name.pid")/cmdline"; } 2>/dev/null)" ] \
            && log "warning: pid $(cat "$STATE/pids/$name.pid") recorded for $name is not '$frag'; left alone"
        rm -f "$STATE/pids/$name.pid"
        return 0
    fi
    pid=$(cat "$STATE/pids/$name.pid")
    kill -s "$sig" "$pid" 2>/dev/null || true
    for ((i = 0; i < timeout * 10; i++)); do
        pid_alive "$name" "$frag" || break
        sleep 0.1
    done
    if pid_alive "$name" "$frag"; then
        log "$name (pid $pid) still running after ${timeout}s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.5
    fi
    rm -f "$STATE/pids/$name.pid"
}
