# shellcheck shell=bash
# scripts/lib/netns.sh — network namespaces a run of ours left behind.
#
# A run that is killed (a machine shut down mid-run, a CI job cancelled)
# cannot remove its namespace; every process in it dies with the run, but the
# namespace stays and the next run would refuse to start. A namespace with no
# process in it serves nobody, so it is removed; one with processes belongs to
# a live run, which is never touched.

# netns_reclaim NAME — 0 when NAME does not exist (any more), 1 when a live
# run holds it (its PIDs printed on stderr).
netns_reclaim() {
    local name=$1 pids
    [ -e "/run/netns/$name" ] || return 0
    pids=$(ip netns pids "$name" 2> /dev/null | tr '\n' ' ')
    if [ -n "${pids// }" ]; then
        echo "namespace $name is in use by PIDs ${pids% } (another run?)" >&2
        return 1
    fi
    echo "namespace $name: left by a run that was killed (no process in it); removing it" >&2
    ip netns del "$name"
}
