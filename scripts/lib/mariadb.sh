# shellcheck shell=bash
# scripts/lib/mariadb.sh — a throwaway MariaDB for the CI stages, the shell
# twin of crates/testbed's and of scripts/lib/postgres.sh: a data directory of
# its own, a given loopback port, no grant tables, its socket in that directory.
#
#   source scripts/lib/mariadb.sh
#   mariadb_throwaway DIR PORT DB   # sets mariadb_pid and mariadb_url (mysql://root@127.0.0.1:PORT/DB)
# Stop it by PID: `kill "$mariadb_pid"`.

mariadb_server() {
  local t
  for t in mariadb-install-db mariadb; do
    command -v "$t" >/dev/null 2>&1 || { echo "need $t: apt-get install mariadb-server mariadb-client" >&2; return 1; }
  done
  command -v mariadbd 2>/dev/null || { [ -x /usr/sbin/mariadbd ] && echo /usr/sbin/mariadbd; } \
    || { echo "need mariadbd: apt-get install mariadb-server" >&2; return 1; }
}

mariadb_throwaway() {
  local dir=$1 port=$2 db=$3 server _
  server=$(mariadb_server) || return 1
  mkdir -p "$dir"
  mariadb-install-db --no-defaults --datadir="$dir/data" --skip-test-db --user=root \
    --auth-root-authentication-method=normal >"$dir/install.log" 2>&1 \
    || { cat "$dir/install.log" >&2; echo "mariadb-install-db failed" >&2; return 1; }
  "$server" --no-defaults --datadir="$dir/data" --port="$port" --bind-address=127.0.0.1 \
    --skip-grant-tables --skip-name-resolve --user=root --socket="$dir/sock" \
    --pid-file="$dir/pid" --log-error="$dir/error.log" >/dev/null 2>&1 &
  mariadb_pid=$!
  # shellcheck disable=SC2034 # read by the caller
  mariadb_url="mysql://root@127.0.0.1:$port/$db"
  for _ in $(seq 1 600); do
    mariadb --no-defaults --socket="$dir/sock" -u root -e "CREATE DATABASE IF NOT EXISTS $db" \
      2>/dev/null && return 0
    kill -0 "$mariadb_pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$dir/error.log" >&2
  echo "mariadbd did not come up within 60 s" >&2
  return 1
}
