#!/bin/sh
# bench/export.sh — how fast `assay export` writes a big run, and in how much
# memory. It prints figures; it has no thresholds and never fails on a slow
# result (the target for JUnit is >= 100 MB/s, in a few MiB).
#
#     sh bench/export.sh          # after `make` (build/release/assay, libassay.a)
#
# A run of BENCH_RESULTS results (default 1,000,000: 5% failed with a message
# and a few lines of stdout and stderr, 1% skipped, every 500th test retried
# once) is made straight through the store API by bench/fill_store.c (built
# here with cc against build/release/libassay.a, flags from pkg-config as the
# Makefile has them), then each format is exported BENCH_REPEAT times (3) to
# a file; the fastest run of each is reported with its size, MB/s (10^6
# bytes of output per second of wall time), CPU seconds and peak RSS
# (/usr/bin/time %M), and the median wall time (other load on the machine
# shows there). Everything goes to bench/work/export/; the database is
# kept there and reused while BENCH_RESULTS stays the same (BENCH_FRESH=1
# makes it again).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work="$here/work/export"
ASSAY=${ASSAY:-$root/build/release/assay}
LIB=${LIB:-$root/build/release/libassay.a}
N=${BENCH_RESULTS:-1000000}
REPEAT=${BENCH_REPEAT:-3}
FORMATS=${BENCH_FORMATS:-junit tap ctrf csv html}
CC=${CC:-cc}

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$ASSAY" ] && [ -f "$LIB" ] || die "build first: 'make' at the repo root ($ASSAY, $LIB)"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package 'time')"

mkdir -p "$work"
pkgs="libuv sqlite3 libpq expat yaml-0.1 jansson"
# shellcheck disable=SC2046
"$CC" -O2 -std=c17 -D_GNU_SOURCE -I"$root/src" $(pkg-config --cflags $pkgs) \
	-o "$work/fill_store" "$here/fill_store.c" "$LIB" $(pkg-config --libs $pkgs) -lm \
	|| die "cannot build bench/fill_store.c"

db="$work/export.db"
if [ "${BENCH_FRESH:-0}" = 1 ] || [ ! -f "$db" ] || [ "$(cat "$work/results" 2>/dev/null)" != "$N" ]; then
	rm -f "$db" "$db-wal" "$db-shm"
	echo "making a run of $N results in $db ..."
	start=$(date +%s)
	"$work/fill_store" "$db" "$N" >"$work/run_id" || die "fill_store failed"
	echo "$N" >"$work/results"
	echo "  done in $(($(date +%s) - start)) s"
fi
run=$(cat "$work/run_id")

cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo "assay export benchmark — $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(nproc) cpus, ${cpu:-unknown cpu}, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "assay:   $("$ASSAY" --version) ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "run:     $run, $N results, database $(du -m "$db" | cut -f1) MB"
echo "best of $REPEAT exports per format, to a file in $work"
echo
printf '  %-6s %10s %9s %9s %9s %9s %10s\n' format "output MB" "wall s" "MB/s" "cpu s" "RSS MiB" "median s"
for f in $FORMATS; do
	out="$work/out.$f"
	best=""
	: >"$work/walls"
	rep=1
	while [ "$rep" -le "$REPEAT" ]; do
		/usr/bin/time -o "$work/time" -f '%e %U %S %M' \
			"$ASSAY" export "$run" --db "$db" --format "$f" -o "$out" \
			|| die "assay export --format $f failed"
		read -r wall user sys rss <"$work/time"
		echo "$wall" >>"$work/walls"
		if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
			best=$wall; best_cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
			best_rss=$rss
		fi
		rep=$((rep + 1))
	done
	bytes=$(wc -c <"$out")
	med=$(sort -n "$work/walls" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	awk -v f="$f" -v b="$bytes" -v w="$best" -v c="$best_cpu" -v r="$best_rss" -v m="$med" 'BEGIN {
		printf "  %-6s %10.1f %9.2f %9.0f %9.2f %9.1f %10.2f\n", f, b / 1e6, w, (w > 0 ? b / 1e6 / w : 0), c, r / 1024, m }'
done
rm -f "$work"/out.*
