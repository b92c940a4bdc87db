#!/bin/sh
# Runs every test of assay and ends with "N passed, N failed".
#   unit tests:  $ASSAY_BUILD/tests/*_test (cmocka, TAP output)
#   cli tests:   tests/cli/*.sh (black-box tests of $ASSAY_BUILD/assay, TAP output)
#   fuzzing:     each fuzz/<format>_fuzz.c target (built by `make fuzz`) for
#                $ASSAY_FUZZ_SECONDS seconds (default 20; 0 skips), one test each
# Each file prints TAP; a file that exits non-zero without "not ok" lines, or
# prints no test point at all, counts as one failure.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${ASSAY_BUILD:-build/asan}
case $build in /*) ;; *) build=$top/$build ;; esac
export ASSAY_BIN=$build/assay
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
only=${1:-}
passed=0 failed=0
failures=""
log=$(mktemp)
trap 'rm -f "$log"' EXIT

run_one() {
	name=$1; shift
	"$@" >"$log" 2>&1
	rc=$?
	ok=$(grep -c '^ok ' "$log")
	nok=$(grep -c '^not ok ' "$log")
	if [ "$rc" -ne 0 ] && [ "$nok" -eq 0 ]; then nok=1; fi
	if [ "$ok" -eq 0 ] && [ "$nok" -eq 0 ]; then nok=1; fi
	passed=$((passed + ok)); failed=$((failed + nok))
	if [ "$nok" -gt 0 ]; then
		printf 'FAIL %s (%d passed, %d failed, exit %d)\n' "$name" "$ok" "$nok" "$rc"
		grep -v '^ok ' "$log" | tail -40 | sed 's/^/    /'
		failures="$failures $name"
	else
		printf 'ok   %s (%d)\n' "$name" "$ok"
	fi
}

for t in "$build"/tests/*_test; do
	[ -x "$t" ] || continue
	case $t in *"$only"*) ;; *) continue ;; esac
	run_one "unit/$(basename "$t")" "$t"
done
for t in "$top"/tests/cli/*.sh; do
	[ -f "$t" ] || continue
	case $(basename "$t") in lib.sh) continue ;; esac
	case $t in *"$only"*) ;; *) continue ;; esac
	run_one "cli/$(basename "$t" .sh)" sh "$t"
done
fuzz_secs=${ASSAY_FUZZ_SECONDS:-20}
for t in "$top"/fuzz/*_fuzz.c; do
	[ -f "$t" ] || continue
	name=$(basename "$t" _fuzz.c)
	case fuzz/$name in *"$only"*) ;; *) continue ;; esac
	if [ "$fuzz_secs" -eq 0 ]; then
		echo "skip fuzz/$name (ASSAY_FUZZ_SECONDS=0)"
		continue
	fi
	run_one "fuzz/$name" sh "$top/scripts/fuzz.sh" "$fuzz_secs" "$name"
done
[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
