#!/bin/sh
# bench/import.sh — times `assay import` of a large JUnit XML file against a
# parse-only floor (the same file through expat doing nothing else: xmlwf),
# and prints MB/s, the ratio and peak resident memory. A measurement, not a
# test: it never fails on a slow figure.
#
#   sh bench/import.sh            # 1,000,000 cases (about 100 MB)
#   BENCH_CASES=200000 sh bench/import.sh
#
# Targets (issue 3): import >= 0.5x the floor's MB/s with every result stored;
# peak RSS <= 64 MiB.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
ASSAY=${ASSAY:-$top/build/release/assay}
CASES=${BENCH_CASES:-1000000}
REPEAT=${BENCH_REPEAT:-3}
work=$top/bench/work/import
[ -x "$ASSAY" ] || { echo "no $ASSAY: run make first" >&2; exit 2; }
command -v xmlwf >/dev/null || { echo "no xmlwf: apt-get install expat" >&2; exit 2; }
mkdir -p "$work"
${CC:-cc} -O2 -o "$work/gen_junit" "$top/bench/gen_junit.c"
xml=$work/cases-$CASES.xml
[ -s "$xml" ] || "$work/gen_junit" "$CASES" >"$xml"
bytes=$(stat -c %s "$xml")
mb=$(echo "$bytes / 1000000" | bc -l)

# best of REPEAT: "<seconds> <peak KiB>"
best() {
	b=""
	i=0
	while [ $i -lt "$REPEAT" ]; do
		[ -n "${PREP:-}" ] && eval "$PREP"
		/usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || {
			cat "$work/stderr" >&2; exit 3; }
		t=$(cat "$work/time")
		if [ -z "$b" ] || [ "$(echo "${t% *} < ${b% *}" | bc -l)" = 1 ]; then b=$t; fi
		i=$((i + 1))
	done
	echo "$b"
}

floor=$(best xmlwf "$xml")
PREP="rm -f '$work/import.db' '$work/import.db-wal' '$work/import.db-shm'" \
	imp=$(PREP="rm -f '$work/import.db' '$work/import.db-wal' '$work/import.db-shm'" best "$ASSAY" import -q --db "$work/import.db" "$xml")
stored=$(sqlite3 "$work/import.db" 'select count(*) from results')

# The store's own floor: as many new tests and result rows as the import
# stored, inserted by the sqlite3 shell into the same schema (taken from the
# imported database) in one transaction, with nothing parsed and no C in
# between — what any importer storing a row per test and per result pays.
# Names, ids (ordered 16 bytes, like UUIDv7) and the share of messages are
# like the generated file's.
sqlite3 "$work/import.db" .schema | grep -v '^CREATE TABLE sqlite_' >"$work/schema.sql"
cat >"$work/rows.sql" <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
BEGIN;
INSERT INTO projects (id, name, created_at) VALUES (1, 'floor', 0);
INSERT INTO tests (project_id, name, parent, created_at)
SELECT 1, 'org.example.module' || (value / 10000) || '.Suite' || (value / 1000) ||
          '/test_case_' || (value % 1000), NULL, 0
FROM generate_series(0, $stored - 1);
INSERT INTO result_rows (seq, id, test_id, status, duration_ms, started_at, completed_at, message)
SELECT (1 << 32) + value, CAST(printf('%016d', value) AS BLOB), value + 1,
       CASE WHEN value % 50 = 7 THEN 1 ELSE 0 END, value % 100, 1700000000000 + value,
       1700000000000 + value + value % 100,
       CASE WHEN value % 50 = 7 THEN printf('expected <%d> but was <%d>%s', value, value + 1,
            '	at org.example.Suite0.test_case(Suite0.java:7)	at java.base/jdk.internal.reflect') END
FROM generate_series(0, $stored - 1);
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
store=$(PREP="rm -f '$work/floor.db' '$work/floor.db-wal' '$work/floor.db-shm'; sqlite3 '$work/floor.db' <'$work/schema.sql'" \
	best sqlite3 "$work/floor.db" ".read $work/rows.sql")

ft=${floor% *}; it=${imp% *}; st=${store% *}
printf '%-34s %10s %10s %12s\n' "JUnit XML, $CASES cases" seconds "MB/s" "peak RSS"
printf '%-34s %10.2f %10.1f %9d KiB\n' "floor: xmlwf (expat, parse only)" "$ft" "$(echo "$mb / $ft" | bc -l)" "${floor#* }"
printf '%-34s %10.2f %10.1f %9d KiB\n' "assay import (every result stored)" "$it" "$(echo "$mb / $it" | bc -l)" "${imp#* }"
printf '%-34s %10.2f %10s %9d KiB\n' "store floor: sqlite3 shell, rows" "$st" "-" "${store#* }"
printf 'file %.1f MB; results stored: %s; import speed = %.3fx the floor (target >= 0.5); peak RSS %s KiB (target <= 65536)\n' \
	"$mb" "$stored" "$(echo "$ft / $it" | bc -l)" "${imp#* }"
printf 'the store floor alone is %.3fx the parse floor: no importer writing a row per test and per result into this schema reaches more\n' \
	"$(echo "$ft / $st" | bc -l)"
