#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on loopback for trying Spar on PostgreSQL and for the load runs:
#   bench/postgres.sh start DIR [PORT]   creates and starts a cluster in DIR, prints its postgres:// address
#   bench/postgres.sh stop DIR           stops it (DIR can then be removed)
#   bench/postgres.sh restart DIR        stops it at once (immediate) and starts it again (a fault in a load run)
# Runs initdb/pg_ctl as the postgres user when started as root. Loopback only, trust authentication.
set -euo pipefail
cmd=${1:?start|stop|restart}; dir=${2:?directory}; port=${3:-55432}
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
as() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
case "$cmd" in
  start)
    mkdir -p "$dir"; [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    [ -d "$dir/data" ] || as "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    echo "$port" > "$dir/port"
    as "$bin/pg_ctl" -D "$dir/data" -o "-h 127.0.0.1 -p $port -k $dir -c max_connections=300" -l "$dir/log" -w start >/dev/null
    echo "postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable" ;;
  stop) as "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null ;;
  restart)
    port=$(cat "$dir/port")
    as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
    as "$bin/pg_ctl" -D "$dir/data" -o "-h 127.0.0.1 -p $port -k $dir -c max_connections=300" -l "$dir/log" -w start >/dev/null ;;
  *) echo "usage: $0 start|stop|restart DIR [PORT]" >&2; exit 2 ;;
esac
