#!/bin/sh
# bench/run.sh — measures assay against the floor (bench/floor.c: the least any
# runner could do) and, when installed, ctest and make as peers. It prints
# figures and ratios; it has no thresholds and never fails on a slow result.
#
#     sh bench/run.sh              # from any folder; `make bench` at the repo root
#     sh bench/run.sh --no-assay   # floor and peers only (assay not built yet)
#
# Environment: ASSAY (the binary; default build/release/assay), BENCH_JOBS (2),
# BENCH_REPEAT (3), BENCH_TESTS (2000, workload A), BENCH_SLEEPERS (300,
# workload B). Everything it generates goes to bench/work/ (gitignored).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work="$here/work"

ASSAY=${ASSAY:-$root/build/release/assay}
JOBS=${BENCH_JOBS:-2}
REPEAT=${BENCH_REPEAT:-3}
NTESTS=${BENCH_TESTS:-2000}
NSLEEP=${BENCH_SLEEPERS:-300}
CC=${CC:-cc}

use_assay=1
case "${1:-}" in
--no-assay) use_assay=0 ;;
"") ;;
*) echo "usage: sh bench/run.sh [--no-assay]" >&2; exit 2 ;;
esac

if [ "$use_assay" = 1 ] && [ ! -x "$ASSAY" ]; then
	echo "bench: $ASSAY is missing: build it first ('make' at the repo root)," >&2
	echo "bench: or run 'sh bench/run.sh --no-assay' to measure the floor and peers only." >&2
	exit 1
fi

# ---------------------------------------------------------------- helpers
die() { echo "bench: $*" >&2; exit 1; }

# median of the numbers on stdin
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

# ratio A B, 2 decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }

# timed NAME DIR CMD...: runs CMD in DIR on the stopwatch, stdout+stderr to
# $work/log/NAME.<rep>.log; appends the seconds to $work/log/NAME.times and
# leaves the exit code in $code and the log's path in $log.
timed() {
	name=$1; dir=$2; shift 2
	log="$work/log/$name.$rep.log"
	(cd "$dir" && "$work/bin/stopwatch" "$work/log/sw" "$@" >"$log" 2>&1) \
		|| die "could not start $name (see $log)"
	read -r secs code <"$work/log/sw"
	echo "$secs" >>"$work/log/$name.times"
}

# last "N passed, N failed[, N skipped]" line of an assay log, or "?"
assay_summary() {
	s=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1 || true)
	echo "${s:-?}"
}

check_assay() { # NAME: warn when assay did not exit 0 or 1
	case "$code" in
	0 | 1) ;;
	*) echo "  warning: $1 exited $code (see $log):" >&2; tail -n 5 "$log" | sed 's/^/    /' >&2 ;;
	esac
}

# ---------------------------------------------------------------- setup
rm -rf "$work"
mkdir -p "$work/bin" "$work/log" "$work/a/bin" "$work/b/bin"
for p in floor stopwatch exiter sleeper; do
	"$CC" -O2 -std=c17 -o "$work/bin/$p" "$here/$p.c" || die "cannot compile bench/$p.c with $CC"
done

cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo "assay benchmark — $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(nproc) cpus, ${cpu:-unknown cpu}, $(uname -sr)"
if [ "$use_assay" = 1 ]; then
	ver=$("$ASSAY" --version 2>/dev/null | head -n 1 || true)
	echo "assay:   $ASSAY (${ver:-version unknown})"
else
	echo "assay:   not measured (--no-assay)"
fi
echo "jobs:    -j$JOBS, median of $REPEAT runs, runners alternating"

# ---------------------------------------------------------------- workload A
# NTESTS distinct test files t0001... (hard links of one tiny program that
# exits 1 when its number is a multiple of 20: 5% fail), run by every runner.
A="$work/a"
i=1
{
	echo "project: bench-trivial"
	echo "tests:"
} >"$A/assay.yaml"
: >"$A/floor.txt"
mkdir -p "$A/ctest"
: >"$A/ctest/CTestTestfile.cmake"
nfail=$((NTESTS / 20))
# One perl process makes the links in a blink; the shell fallback forks ln
# 2,000 times (seconds on a slow VM).
if ! perl -e 'my ($src, $dir, $n) = @ARGV;
	for my $i (1 .. $n) { link($src, sprintf("%s/t%04d", $dir, $i)) or exit 1 }' \
	"$work/bin/exiter" "$A/bin" "$NTESTS" 2>/dev/null; then
	rm -f "$A"/bin/t*
	while [ "$i" -le "$NTESTS" ]; do
		t=$(printf 't%04d' "$i")
		ln "$work/bin/exiter" "$A/bin/$t" 2>/dev/null || cp "$work/bin/exiter" "$A/bin/$t"
		i=$((i + 1))
	done
fi
# The lists are written with awk: a shell loop of 2,000 appends is slow.
awk -v n="$NTESTS" -v dir="$A" 'BEGIN {
	for (i = 1; i <= n; i++) {
		t = sprintf("t%04d", i)
		printf "  %s:\n    command: ./bin/%s\n", t, t >> (dir "/assay.yaml")
		printf "./bin/%s\n", t >> (dir "/floor.txt")
		printf "add_test(%s %s/bin/%s)\n", t, dir, t >> (dir "/ctest/CTestTestfile.cmake")
		all = all " " t
		rules = rules sprintf("%s:\n\t./bin/%s\n", t, t)
	}
	printf ".PHONY: all%s\nall:%s\n%s", all, all, rules > (dir "/Makefile")
}'

have_ctest=0; command -v ctest >/dev/null 2>&1 && have_ctest=1
have_make=0; command -v make >/dev/null 2>&1 && have_make=1

echo
echo "Workload A — trivial: $NTESTS tests that exit at once, $nfail of them fail"
rep=1
while [ "$rep" -le "$REPEAT" ]; do
	timed floor "$A" "$work/bin/floor" -j "$JOBS" floor.txt
	floor_fail=$(awk '{ print $2 }' "$log")
	if [ "$use_assay" = 1 ]; then
		rm -f "$A/a.db" "$A/a.db-wal" "$A/a.db-shm"
		timed assay "$A" "$ASSAY" run -j "$JOBS" --catalog "$A/assay.yaml" --db "$A/a.db"
		check_assay assay
		assay_sum=$(assay_summary "$log")
	fi
	if [ "$have_ctest" = 1 ]; then
		rm -rf "$A/ctest/Testing"
		timed ctest "$A/ctest" ctest -j "$JOBS"
		ctest_fail=$(sed -n 's/.* \([0-9][0-9]*\) tests failed out of.*/\1/p' "$log" | tail -n 1)
	fi
	if [ "$have_make" = 1 ]; then
		timed make "$A" make -s -k -j "$JOBS" -f Makefile all
		make_fail=$(grep -c 'Error 1' "$log" || true)
	fi
	rep=$((rep + 1))
done

floor_a=$(median <"$work/log/floor.times")
printf '  %-10s %9s %8s   %s\n' runner seconds ratio "failures seen"
printf '  %-10s %9.3f %8s   %s\n' floor "$floor_a" 1.00 "$floor_fail"
if [ "$use_assay" = 1 ]; then
	s=$(median <"$work/log/assay.times")
	printf '  %-10s %9.3f %8s   %s\n' assay "$s" "$(ratio "$s" "$floor_a")" "$assay_sum"
	[ "$assay_sum" != "?" ] || echo "  note: assay printed no 'N passed, N failed' line: did it run the tests? (logs below)"
fi
if [ "$have_ctest" = 1 ]; then
	s=$(median <"$work/log/ctest.times")
	printf '  %-10s %9.3f %8s   %s\n' ctest "$s" "$(ratio "$s" "$floor_a")" "${ctest_fail:-?}"
else
	echo "  ctest      (not on PATH)"
fi
if [ "$have_make" = 1 ]; then
	s=$(median <"$work/log/make.times")
	printf '  %-10s %9.3f %8s   %s\n' "make -k" "$s" "$(ratio "$s" "$floor_a")" "$make_fail"
else
	echo "  make -k    (not on PATH)"
fi

# ---------------------------------------------------------------- workload B
# NSLEEP tests sleeping 0-40 ms (Park-Miller generator, seed 42: the same
# durations on every machine), then one 2 s test listed last.
B="$work/b"
ln "$work/bin/sleeper" "$B/bin/sleeper" 2>/dev/null || cp "$work/bin/sleeper" "$B/bin/sleeper"
awk -v n="$NSLEEP" -v dir="$B" -v jobs="$JOBS" 'BEGIN {
	x = 42
	print "project: bench-makespan\ntests:" > (dir "/assay.yaml")
	for (i = 1; i <= n + 1; i++) {
		if (i <= n) { x = (x * 16807) % 2147483647; ms = x % 41; name = sprintf("s%03d", i) }
		else { ms = 2000; name = "long" }
		printf "  %s:\n    command: [./bin/sleeper, \"%d\"]\n", name, ms >> (dir "/assay.yaml")
		printf "./bin/sleeper %d\n", ms >> (dir "/list.txt")
		total += ms; if (ms > longest) longest = ms
	}
	ideal = total / 1000 / jobs; if (longest / 1000 > ideal) ideal = longest / 1000
	printf "%.3f %.3f\n", total / 1000, ideal > (dir "/ideal")
}'
sort -k2,2nr "$B/list.txt" >"$B/sorted.txt"
read -r total_b ideal_b <"$B/ideal"

echo
echo "Workload B — makespan: $NSLEEP tests sleeping 0-40 ms, then one 2 s test listed last"
echo "  (total sleep ${total_b} s; no schedule on -j$JOBS can beat ${ideal_b} s)"
rep=1
while [ "$rep" -le "$REPEAT" ]; do
	timed floor-list "$B" "$work/bin/floor" -j "$JOBS" list.txt
	timed floor-sorted "$B" "$work/bin/floor" -j "$JOBS" sorted.txt
	if [ "$use_assay" = 1 ]; then
		rm -f "$B/b.db" "$B/b.db-wal" "$B/b.db-shm"
		timed assay-first "$B" "$ASSAY" run -j "$JOBS" --catalog "$B/assay.yaml" --db "$B/b.db"
		check_assay "assay (first run)"
		timed assay-second "$B" "$ASSAY" run -j "$JOBS" --catalog "$B/assay.yaml" --db "$B/b.db"
		check_assay "assay (second run)"
		assay_sum=$(assay_summary "$log")
	fi
	rep=$((rep + 1))
done

list_b=$(median <"$work/log/floor-list.times")
sorted_b=$(median <"$work/log/floor-sorted.times")
printf '  %-26s %9s %14s\n' runner seconds "/ sorted floor"
printf '  %-26s %9.3f %14s\n' "floor, list order" "$list_b" "$(ratio "$list_b" "$sorted_b")"
printf '  %-26s %9.3f %14s\n' "floor, longest first" "$sorted_b" 1.00
if [ "$use_assay" = 1 ]; then
	first_b=$(median <"$work/log/assay-first.times")
	second_b=$(median <"$work/log/assay-second.times")
	printf '  %-26s %9.3f %14s\n' "assay, first run" "$first_b" "$(ratio "$first_b" "$sorted_b")"
	printf '  %-26s %9.3f %14s\n' "assay, second run" "$second_b" "$(ratio "$second_b" "$sorted_b")"
	echo "  assay second run: $assay_sum"
	[ "$assay_sum" != "?" ] || echo "  note: assay printed no 'N passed, N failed' line: did it run the tests? (logs below)"
	echo
	echo "  assay second run / sorted floor: $(ratio "$second_b" "$sorted_b") (target <= 1.05)"
fi
echo "  floor list order / sorted floor: $(ratio "$list_b" "$sorted_b")"
echo
echo "logs: $work/log/"
