#!/bin/sh
# bench/orch.sh — claim latency and throughput of the run queue on SQLite
# (issue 5): BENCH_RUNS queued runs (10,000) claimed and ended by
# BENCH_WORKERS (8) in-process workers, each with its own store handle, as
# assay serve's threads are (bench/orch_claim.c, built here against
# build/release/libassay.a). It prints figures and has no thresholds.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work="$here/work/orch"
LIB=${LIB:-$root/build/release/libassay.a}
CC=${CC:-cc}
[ -f "$LIB" ] || { echo "bench: build first ('make')" >&2; exit 1; }
mkdir -p "$work"
pkgs="libuv sqlite3 expat yaml-0.1 jansson libmicrohttpd libsodium libcurl"
# shellcheck disable=SC2046
"$CC" -O2 -std=c17 -D_GNU_SOURCE -I"$root/src" $(pkg-config --cflags $pkgs) \
	-o "$work/orch_claim" "$here/orch_claim.c" "$LIB" $(pkg-config --libs $pkgs) -lm -lpthread
rm -f "$work/orch.db" "$work/orch.db-wal" "$work/orch.db-shm"
"$work/orch_claim" "$work/orch.db" "${BENCH_RUNS:-10000}" "${BENCH_WORKERS:-8}"
