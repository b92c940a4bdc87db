#!/bin/sh
# Runs the libFuzzer targets for a bounded time each and prints TAP, one test
# point per target (so tests/run-all.sh counts them):
#
#   sh scripts/fuzz.sh [SECONDS] [FORMAT...]     # default: 20 s, every target
#
# A target is build/fuzz/<format>_fuzz, built by `make fuzz` from
# fuzz/<format>_fuzz.c. It starts from a fresh copy, in fuzz/out/<format>/corpus,
# of its seeds (fuzz/corpus/<format>/) and of every input it once crashed on
# (tests/data/fuzz-regressions/<format>/): the committed corpus never grows.
# A crash, leak, undefined behaviour, timeout (-timeout) or memory blow-up
# (-rss_limit_mb) fails the point and leaves the reproducer in
# fuzz/out/<format>/, named in the output with the commands to replay and keep it.
#
# Environment: ASSAY_FUZZ_BUILD (where the targets are, default build/fuzz),
# ASSAY_FUZZ_OUT (default fuzz/out), ASSAY_FUZZ_FLAGS (more libFuzzer flags,
# e.g. "-max_len=70000" or "-runs=100000").
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
secs=20
case ${1:-} in [0-9]*) secs=$1; shift ;; esac
build=${ASSAY_FUZZ_BUILD:-build/fuzz}
out=${ASSAY_FUZZ_OUT:-fuzz/out}
if [ $# -eq 0 ]; then
	for src in fuzz/*_fuzz.c; do
		[ -f "$src" ] && set -- "$@" "$(basename "$src" _fuzz.c)"
	done
fi
# The sanitizers' reports are what a failure shows; leaks count as failures.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# The value of the last "stat::$2: N" line (-print_final_stats) in log $1.
final_stat() {
	sed -n "s/^stat::$2: *//p" "$1" | tail -1
}

echo "1..$#"
i=0 failed=0
for name in "$@"; do
	i=$((i + 1))
	bin=$build/${name}_fuzz
	work=$out/$name
	if [ ! -x "$bin" ]; then
		echo "not ok $i - $name: $bin is not built (make fuzz)"
		failed=$((failed + 1))
		continue
	fi
	rm -rf "$work"
	mkdir -p "$work/corpus"
	for f in "fuzz/corpus/$name"/* "tests/data/fuzz-regressions/$name"/*; do
		[ -f "$f" ] && cp "$f" "$work/corpus/$(basename "$(dirname "$f")")-$(basename "$f")"
	done
	dict=
	[ -f "fuzz/$name.dict" ] && dict=-dict=fuzz/$name.dict
	# -max_len: real files are larger, but 16 KiB holds every structure the
	# readers know; what only happens past 64 KiB (cut lines, bounded texts)
	# is covered by the unit tests.
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -timeout=5 -rss_limit_mb=512 -max_len=16384 \
		-print_final_stats=1 -artifact_prefix="$work/" $dict ${ASSAY_FUZZ_FLAGS:-} \
		"$work/corpus" >"$work/log" 2>&1
	rc=$?
	runs=$(final_stat "$work/log" number_of_executed_units)
	speed=$(final_stat "$work/log" average_exec_per_sec)
	rss=$(final_stat "$work/log" peak_rss_mb)
	found=$(find "$work" -maxdepth 1 -type f \
		\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | head -1)
	if [ "$rc" -eq 0 ] && [ -z "$found" ]; then
		echo "ok $i - $name: ${secs} s, ${runs:-?} inputs (${speed:-?}/s), $(find "$work/corpus" -type f | wc -l) in corpus, peak ${rss:-?} MB"
		continue
	fi
	failed=$((failed + 1))
	echo "not ok $i - $name: fuzzer failed (exit $rc) after ${runs:-?} inputs"
	# what went wrong, and where in assay's own code (not libFuzzer's or libc's)
	grep -E "^(==[0-9]+== ?ERROR|SUMMARY|fuzz: )|runtime error| in .* $top/(src|fuzz)/" \
		"$work/log" | head -20 | sed "s|$top/||; s/^/#   /"
	if [ -n "$found" ]; then
		echo "#   reproducer: $found ($(wc -c <"$found") bytes)"
		echo "#   replay it:  $bin $found"
		echo "#   keep it:    cp $found tests/data/fuzz-regressions/$name/<what-it-broke>"
		if [ "$(wc -c <"$found")" -le 4096 ]; then
			echo "#   base64:"
			base64 "$found" | sed 's/^/#     /'
		fi
	else
		echo "#   no reproducer written; the log is $work/log:"
		tail -15 "$work/log" | sed 's/^/#   /'
	fi
done
[ "$failed" -eq 0 ]
