#!/bin/sh
# A throwaway PostgreSQL cluster for tests and benchmarks, on 127.0.0.1 at a
# free port, living entirely in one directory:
#   sh scripts/pg-cluster.sh start DIR   creates DIR (must not exist or be
#                                        empty), starts the server, prints
#                                        its URL (postgresql://assay@127.0.0.1:PORT/postgres)
#   sh scripts/pg-cluster.sh stop DIR    stops it and removes DIR
# The superuser is `assay`, trusted without a password (loopback only).
# Durability is off (fsync, full pages): the data is not worth keeping.
# initdb refuses to run as root: as root, the server runs as the user
# `postgres` (scripts/install-deps.sh installs it with the package).
set -eu
bindir=${PG_BINDIR:-}
if [ -z "$bindir" ]; then
	for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && bindir=$d; done
fi
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] || {
	echo "pg-cluster: no PostgreSQL server found (install the postgresql package)" >&2
	exit 1
}

as_owner() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cmd=${1:-}
dir=${2:-}
[ -n "$dir" ] || { echo "usage: pg-cluster.sh start|stop DIR" >&2; exit 2; }

case $cmd in
start)
	mkdir -p "$dir"
	dir=$(cd "$dir" && pwd)
	[ -z "$(ls -A "$dir")" ] || { echo "pg-cluster: $dir is not empty" >&2; exit 2; }
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
	as_owner "$bindir/initdb" -D "$dir/data" -U assay --auth=trust --locale=C -E UTF8 -N \
		>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
	# The free port is found before the server binds it; another process
	# may take it in between, so a failed start tries another.
	for try in 1 2 3 4 5; do
		port=$(free_port)
		if as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -s \
			-o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off \
			    -c full_page_writes=off -c synchronous_commit=off -c max_connections=200" \
			start >/dev/null 2>&1; then
			echo "$port" >"$dir/port"
			echo "postgresql://assay@127.0.0.1:$port/postgres"
			exit 0
		fi
	done
	echo "pg-cluster: the server did not start:" >&2
	tail -20 "$dir/server.log" >&2
	exit 1
	;;
stop)
	[ -d "$dir/data" ] || { echo "pg-cluster: no cluster in $dir" >&2; exit 1; }
	as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate -s stop >/dev/null 2>&1 || true
	rm -rf "$dir"
	;;
*)
	echo "usage: pg-cluster.sh start|stop DIR" >&2
	exit 2
	;;
esac
