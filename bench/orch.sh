#!/bin/sh
# bench/orch.sh — claim latency and throughput of the run queue (issue 5):
# BENCH_RUNS queued runs (10,000) claimed and ended by BENCH_WORKERS (8)
# in-process workers, each with its own store handle, as assay serve's
# threads are (bench/orch_claim.c, built here against
# build/release/libassay.a). It prints figures and has no thresholds.
#
#     sh bench/orch.sh             # SQLite (bench/work/orch/orch.db)
#     BENCH_PG=1 sh bench/orch.sh  # PostgreSQL: a throwaway cluster
#                                  # (scripts/pg-cluster.sh) in
#                                  # bench/work/orch/cluster, removed at the end
#     BENCH_PG=both sh bench/orch.sh  # one after the other
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work="$here/work/orch"
LIB=${LIB:-$root/build/release/libassay.a}
CC=${CC:-cc}
RUNS=${BENCH_RUNS:-10000}
WORKERS=${BENCH_WORKERS:-8}
PG=${BENCH_PG:-0}
[ -f "$LIB" ] || { echo "bench: build first ('make')" >&2; exit 1; }
mkdir -p "$work"
pkgs="libuv sqlite3 libpq expat yaml-0.1 jansson libmicrohttpd libsodium libcurl"
# shellcheck disable=SC2046
"$CC" -O2 -std=c17 -D_GNU_SOURCE -I"$root/src" $(pkg-config --cflags $pkgs) \
	-o "$work/orch_claim" "$here/orch_claim.c" "$LIB" $(pkg-config --libs $pkgs) -lm -lpthread

echo "assay queue benchmark — $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(nproc) cpus, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
rc=0
if [ "$PG" != 1 ]; then
	echo "== sqlite"
	rm -f "$work/orch.db" "$work/orch.db-wal" "$work/orch.db-shm"
	"$work/orch_claim" "$work/orch.db" "$RUNS" "$WORKERS" || rc=1
fi
if [ "$PG" != 0 ]; then
	echo "== postgresql"
	cluster="$work/cluster"
	sh "$root/scripts/pg-cluster.sh" stop "$cluster" 2>/dev/null || true
	url=$(sh "$root/scripts/pg-cluster.sh" start "$cluster") || { echo "bench: no PostgreSQL cluster" >&2; exit 1; }
	trap 'sh "$root/scripts/pg-cluster.sh" stop "$cluster"' EXIT
	psql -X -q -d "$url" -c 'CREATE DATABASE bench'
	"$work/orch_claim" "${url%/*}/bench" "$RUNS" "$WORKERS" || rc=1
fi
exit $rc
