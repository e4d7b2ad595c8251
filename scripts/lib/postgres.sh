# shellcheck shell=bash
# scripts/lib/postgres.sh — a throwaway PostgreSQL for the CI stages, the shell
# twin of crates/testbed's: initdb into a directory of its own, a given
# loopback port, trust authentication, its socket in that directory. As root
# it runs as the package's `postgres` user (PostgreSQL refuses root).
#
#   source scripts/lib/postgres.sh
#   pg_throwaway DIR PORT    # sets pg_pid and pg_admin_url (postgres://postgres@127.0.0.1:PORT)
#   pg_create_db NAME        # on the server pg_throwaway started
# Stop it by PID: `kill -INT "$pg_pid"` (fast shutdown; SIGTERM waits for clients).

pg_bin() {
  local d
  for d in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && { echo "$d"; return 0; }
  done
  echo "no PostgreSQL server binaries: apt-get install postgresql" >&2
  return 1
}

pg_throwaway() {
  local dir=$1 port=$2 bin
  bin=$(pg_bin) || return 1
  local as=()
  if [ "$(id -u)" = 0 ]; then
    as=(setpriv --reuid=postgres --regid=postgres --clear-groups --)
    mkdir -p "$dir" && chown postgres:postgres "$dir"
  fi
  "${as[@]}" "$bin/initdb" --pgdata="$dir/data" --username=postgres --auth=trust \
    --encoding=UTF8 --locale=C --no-instructions >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; echo "initdb failed" >&2; return 1; }
  "${as[@]}" "$bin/postgres" -D "$dir/data" -p "$port" -c listen_addresses=127.0.0.1 \
    -c unix_socket_directories="$dir" -c max_connections=300 >"$dir/server.log" 2>&1 &
  pg_pid=$!
  pg_admin_url="postgres://postgres@127.0.0.1:$port"
  local _
  for _ in $(seq 1 600); do
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && return 0
    kill -0 "$pg_pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$dir/server.log" >&2
  echo "postgres did not accept connections within 60 s" >&2
  return 1
}

pg_create_db() {
  "$(pg_bin)/psql" -q -v ON_ERROR_STOP=1 "$pg_admin_url/postgres" -c "CREATE DATABASE $1"
}
