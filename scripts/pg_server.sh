#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests and trials of the PostgreSQL store:
#
#   scripts/pg_server.sh start DIR   create the cluster in DIR (when new) and start it; prints its URL
#   scripts/pg_server.sh url DIR     prints the URL of the cluster in DIR
#   scripts/pg_server.sh stop DIR    stops it (the files stay; `rm -rf DIR` removes them)
#
# The URL is postgresql://crosshash@127.0.0.1:PORT/crosshash; the password (random, made by
# `start`) is in DIR/password, for PGPASSWORD or --store-password-file. The server listens on
# 127.0.0.1 only, on a port free when it started, with its unix socket in DIR; every connection
# needs the password (scram-sha-256). It is tuned for throwaway data: fsync is off, so a machine
# crash may lose it (never point it at data that matters).
#
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user (created
# by Debian's postgresql package), so DIR's parent folders must be searchable by that user.
# PG_BIN names the folder of initdb/pg_ctl when they are not in /usr/lib/postgresql/15/bin or PATH.
set -euo pipefail

usage() { echo "usage: $0 start|stop|url DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
action=$1
dir=$2
case "$dir" in /*) ;; *) dir="$PWD/$dir" ;; esac
data="$dir/data"

bin=${PG_BIN:-}
if [ -z "$bin" ]; then
  if [ -x /usr/lib/postgresql/15/bin/initdb ]; then bin=/usr/lib/postgresql/15/bin
  elif command -v initdb >/dev/null; then bin=$(dirname "$(command -v initdb)")
  else echo "pg_server: initdb not found: install postgresql-15 (scripts/setup.sh) or set PG_BIN" >&2; exit 3
  fi
fi

# Runs a PostgreSQL program as the cluster's owner: ourselves, or `postgres` when we are root.
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

url() {
  local port
  port=$(cat "$dir/port")
  echo "postgresql://crosshash@127.0.0.1:$port/crosshash"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

case "$action" in
  start)
    mkdir -p "$dir"
    if [ ! -f "$data/PG_VERSION" ]; then
      # The password is random and never on a command line (the process list is readable).
      umask 077
      python3 -c 'import secrets; print(secrets.token_hex(16))' > "$dir/password"
      umask 022
      if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; chown postgres "$dir/password"; fi
      as_owner "$bin/initdb" -D "$data" -U crosshash --pwfile="$dir/password" -A scram-sha-256 \
        -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; exit 1; }
      cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
      fresh=1
    fi
    # Already running (a second `start`): its URL.
    if as_owner "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then url; exit 0; fi
    # A port free now may be taken before the server binds it: try a few.
    for attempt in 1 2 3 4 5; do
      port=$(free_port)
      if as_owner "$bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 30 -o "-p $port" start >/dev/null; then
        echo "$port" > "$dir/port"
        break
      fi
      [ "$attempt" = 5 ] && { tail -n 20 "$dir/server.log" >&2; exit 1; }
    done
    if [ "${fresh:-0}" = 1 ]; then
      as_owner env PGPASSWORD="$(cat "$dir/password")" "$bin/createdb" -h "$dir" -p "$port" -U crosshash crosshash
    fi
    url
    ;;
  url)
    [ -f "$dir/port" ] || { echo "pg_server: no cluster started in $dir" >&2; exit 1; }
    url
    ;;
  stop)
    [ -f "$data/PG_VERSION" ] || { echo "pg_server: no cluster in $dir" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$data" -w -m fast stop >/dev/null
    ;;
  *) usage ;;
esac
