#!/bin/sh
# bench/pg_size.sh — what a run of BENCH_RESULTS results (default 1,000,000)
# costs to record on PostgreSQL: the time to fill it through the store API
# and the space it takes (results with their indexes, the whole database),
# next to the same run in SQLite. A measurement: no thresholds.
#
#     sh bench/pg_size.sh          # after `make` (build/release/libassay.a)
#
# The run is bench/fill_store.c's (see there: 5% failed with a message and
# output, 1% skipped, every 500th test retried). PostgreSQL runs as a
# throwaway cluster (scripts/pg-cluster.sh) in bench/work/pg/, removed at
# the end; BENCH_SQLITE=0 leaves the SQLite side out.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work="$here/work/pg"
LIB=${LIB:-$root/build/release/libassay.a}
N=${BENCH_RESULTS:-1000000}
CC=${CC:-cc}

die() { echo "bench: $*" >&2; exit 1; }
[ -f "$LIB" ] || die "build first: 'make' at the repo root ($LIB)"
rm -rf "$work"
mkdir -p "$work"
pkgs="libuv sqlite3 libpq expat yaml-0.1 jansson"
# shellcheck disable=SC2046
"$CC" -O2 -std=c17 -D_GNU_SOURCE -I"$root/src" $(pkg-config --cflags $pkgs) \
	-o "$work/fill_store" "$here/fill_store.c" "$LIB" $(pkg-config --libs $pkgs) -lm \
	|| die "cannot build bench/fill_store.c"

cluster="$work/cluster"
url=$(sh "$root/scripts/pg-cluster.sh" start "$cluster") || die "no PostgreSQL cluster"
trap 'sh "$root/scripts/pg-cluster.sh" stop "$cluster"' EXIT
psql -X -q -d "$url" -c 'CREATE DATABASE bench'
db="${url%/*}/bench"
q() { psql -X -q -A -t -d "$db" -c "$1"; }

echo "assay store size benchmark — $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(nproc) cpus, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "results: $N (plus every 500th test's superseded attempt)"
echo

start=$(date +%s.%N)
"$work/fill_store" "$db" "$N" >/dev/null || die "fill_store failed on PostgreSQL"
end=$(date +%s.%N)
q 'VACUUM ANALYZE'
rows=$(q 'SELECT count(*) FROM results')
heap=$(q "SELECT sum(pg_table_size(relid)) FROM pg_partition_tree('results') WHERE isleaf")
idx=$(q "SELECT sum(pg_indexes_size(relid)) FROM pg_partition_tree('results') WHERE isleaf")
dbsize=$(q "SELECT pg_database_size(current_database()) - (SELECT pg_database_size('template1'))")
echo "PostgreSQL $(q 'SHOW server_version'):"
echo "  fill: $(echo "$end - $start" | bc) s ($rows rows)"
echo "  results table: $((heap / 1048576)) MiB + indexes $((idx / 1048576)) MiB = $(((heap + idx) / 1048576)) MiB"
echo "  per 1,000,000 results: $(echo "($heap + $idx) * 1000000 / $rows / 1048576" | bc) MiB (table $(echo "$heap * 1000000 / $rows / 1048576" | bc), indexes $(echo "$idx * 1000000 / $rows / 1048576" | bc)); $(echo "($heap + $idx) / $rows" | bc) bytes a row"
echo "  whole database, less an empty one: $((dbsize / 1048576)) MiB"
q "SELECT '    ' || indexrelid::regclass || ': ' || pg_size_pretty(pg_relation_size(indexrelid)) FROM pg_index WHERE indrelid IN (SELECT relid FROM pg_partition_tree('results') WHERE isleaf) ORDER BY 1"

if [ "${BENCH_SQLITE:-1}" = 1 ]; then
	start=$(date +%s.%N)
	"$work/fill_store" "$work/bench.db" "$N" >/dev/null || die "fill_store failed on SQLite"
	end=$(date +%s.%N)
	echo "SQLite $(sqlite3 --version | cut -d' ' -f1):"
	echo "  fill: $(echo "$end - $start" | bc) s"
	sq=$(sqlite3 "$work/bench.db" "SELECT sum(pgsize) FROM dbstat WHERE name = 'results' OR name LIKE 'results_%' OR name LIKE 'sqlite_autoindex_results%'" 2>/dev/null || echo "")
	[ -n "$sq" ] && echo "  results table and indexes: $((sq / 1048576)) MiB"
	echo "  whole file: $(($(stat -c %s "$work/bench.db") / 1048576)) MiB"
fi
