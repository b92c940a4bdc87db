#!/bin/sh
# Runs every test of assay and ends with "N passed, N failed".
#   unit tests:  $ASSAY_BUILD/tests/*_test (cmocka, TAP output)
#   cli tests:   tests/cli/*.sh (black-box tests of $ASSAY_BUILD/assay, TAP output)
#   fuzzing:     each fuzz/<format>_fuzz.c target (built by `make fuzz`) for
#                $ASSAY_FUZZ_SECONDS seconds (default 20; 0 skips), one test each
# Two passes: every test against SQLite, then the tests that open a
# database (unit tests using testlib_db_new, cli tests using test_db or
# default_db from lib.sh) again against PostgreSQL, on a throwaway cluster
# started here (scripts/pg-cluster.sh) and removed at the end. Each pass
# ends with its own counts; the last line sums both.
#   ASSAY_TEST_PG=0      SQLite only        ASSAY_TEST_PG=only   PostgreSQL only
# Each file prints TAP; a file that exits non-zero without "not ok" lines, or
# prints no test point at all, counts as one failure. Points marked "# SKIP"
# (a check that does not apply to the backend) are counted apart.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${ASSAY_BUILD:-build/asan}
case $build in /*) ;; *) build=$top/$build ;; esac
export ASSAY_BIN=$build/assay
export CMOCKA_MESSAGE_OUTPUT=TAP
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
unset ASSAY_TEST_PG_URL
only=${1:-}
pg_mode=${ASSAY_TEST_PG:-1}
total_passed=0 total_failed=0
log=$(mktemp)
cluster=""
cleanup() {
	rm -f "$log"
	[ -n "$cluster" ] && sh "$top/scripts/pg-cluster.sh" stop "$cluster"
}
trap cleanup EXIT

run_one() {
	name=$1; shift
	"$@" >"$log" 2>&1
	rc=$?
	skip=$(grep -cE '^(not )?ok .*# SKIP' "$log")
	ok=$(grep '^ok ' "$log" | grep -cv '# SKIP')
	nok=$(grep '^not ok ' "$log" | grep -cv '# SKIP')
	if [ "$rc" -ne 0 ] && [ "$nok" -eq 0 ]; then nok=1; fi
	if [ "$ok" -eq 0 ] && [ "$nok" -eq 0 ] && [ "$skip" -eq 0 ]; then nok=1; fi
	passed=$((passed + ok)); failed=$((failed + nok)); skipped=$((skipped + skip))
	if [ "$nok" -gt 0 ]; then
		printf 'FAIL %s (%d passed, %d failed, exit %d)\n' "$name" "$ok" "$nok" "$rc"
		grep -v '^ok ' "$log" | tail -40 | sed 's/^/    /'
		failures="$failures $name"
	elif [ "$skip" -gt 0 ]; then
		printf 'ok   %s (%d, %d skipped)\n' "$name" "$ok" "$skip"
	else
		printf 'ok   %s (%d)\n' "$name" "$ok"
	fi
}

# pass BACKEND: runs the tests (on postgresql, those that open a database).
pass() {
	backend=$1
	passed=0 failed=0 skipped=0
	failures=""
	echo "== $backend"
	for t in "$build"/tests/*_test; do
		[ -x "$t" ] || continue
		case $(basename "$t") in *"$only"*) ;; *) continue ;; esac
		if [ "$backend" = postgresql ]; then
			grep -q testlib_db_new "$top/tests/unit/$(basename "$t").c" 2>/dev/null || continue
		fi
		run_one "unit/$(basename "$t")" "$t"
	done
	for t in "$top"/tests/cli/*.sh; do
		[ -f "$t" ] || continue
		case $(basename "$t") in lib.sh) continue ;; esac
		case $(basename "$t") in *"$only"*) ;; *) continue ;; esac
		if [ "$backend" = postgresql ]; then
			grep -qE 'test_db|default_db' "$t" || continue
		fi
		run_one "cli/$(basename "$t" .sh)" sh "$t"
	done
	if [ "$backend" = sqlite ]; then
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
	fi
	[ -n "$failures" ] && echo "failed ($backend):$failures"
	echo "$backend: $passed passed, $failed failed, $skipped skipped"
	total_passed=$((total_passed + passed)); total_failed=$((total_failed + failed))
}

[ "$pg_mode" = only ] || pass sqlite
if [ "$pg_mode" != 0 ]; then
	cluster=$(mktemp -d -u "${TMPDIR:-/tmp}/assay-pg-XXXXXX")
	if url=$(sh "$top/scripts/pg-cluster.sh" start "$cluster"); then
		export ASSAY_TEST_PG_URL="$url"
		pass postgresql
		unset ASSAY_TEST_PG_URL
	else
		cluster=""
		echo "FAIL postgresql: no cluster could be started (ASSAY_TEST_PG=0 runs SQLite only)"
		total_failed=$((total_failed + 1))
	fi
fi
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
