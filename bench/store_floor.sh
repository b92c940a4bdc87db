#!/bin/sh
# bench/store_floor.sh — how fast could any importer storing a row per test
# and a row per result be, with the schema as it is and with the leaner row
# designs one might move to? The question issue 3's import target (0.5x a
# bare XML parse) turns on. A measurement, not a test: it never fails on a
# slow figure.
#
#   sh bench/store_floor.sh             # 1,005,000 tests and results
#   BENCH_CASES=200000 sh bench/store_floor.sh
#
# Each variant is the sqlite3 shell inserting as many new tests and result
# rows as bench/import.sh's file holds, in one transaction, then a
# checkpoint (no parsing, no C of assay's in between), best of BENCH_REPEAT:
#   current     the schema assay creates (tests with a unique (project, name)
#               index; result_rows with a unique 16-byte id index and a
#               (test_id, seq) history index)
#   no-id-index result ids not stored when assay made them (they would be
#               derived from the run and the place in it), so no id index
#   suites      that, and tests named within a suite row: the unique index
#               holds (suite_id, "test_case_N") instead of the full name
#   blocks      suites' tests, and results stored 1,000 to a row (50 bytes
#               each, what a result_rows row takes) with no per-result
#               index at all: no history lookup by test without decoding
# at 4 KiB pages (SQLite's default, assay's) and 16 KiB pages.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
ASSAY=${ASSAY:-$top/build/release/assay}
N=${BENCH_CASES:-1005000}
REPEAT=${BENCH_REPEAT:-2}
work=$top/bench/work/store_floor
[ -x "$ASSAY" ] || { echo "no $ASSAY: run make first" >&2; exit 2; }
for c in sqlite3 xmlwf; do
	command -v $c >/dev/null || { echo "no $c: apt-get install sqlite3 expat" >&2; exit 2; }
done
mkdir -p "$work"
cd "$work"

# The schema assay makes, from an import of a one-case file.
printf '<testsuite name="s"><testcase classname="c" name="t"/></testsuite>\n' >one.xml
rm -f schema.db schema.db-wal schema.db-shm
"$ASSAY" import -q --db schema.db one.xml >/dev/null
sqlite3 schema.db .schema | grep -v '^CREATE TABLE sqlite_' >current.sql
# The result id becomes optional, indexed only where stored.
sed -e 's/^CREATE UNIQUE INDEX result_rows_id_idx ON result_rows(id);/CREATE UNIQUE INDEX result_rows_id_idx ON result_rows(id) WHERE id IS NOT NULL;/' \
    -e 's/id             BLOB NOT NULL/id             BLOB/' current.sql >no-id-index.sql
grep -q 'WHERE id IS NOT NULL' no-id-index.sql || { echo "store_floor: the schema changed, update the sed" >&2; exit 2; }
{ cat no-id-index.sql; cat <<'SQL'
DROP VIEW results;
DROP TABLE tests;
CREATE TABLE suites (id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL, name TEXT NOT NULL,
                     UNIQUE (project_id, name));
CREATE TABLE tests (id INTEGER PRIMARY KEY, suite_id INTEGER NOT NULL, name TEXT NOT NULL,
                    parent INTEGER, created_at INTEGER NOT NULL, UNIQUE (suite_id, name));
SQL
} >suites.sql
{ cat suites.sql; cat <<'SQL'
CREATE TABLE result_blocks (run_no INTEGER NOT NULL, block INTEGER NOT NULL, n INTEGER NOT NULL,
                            data BLOB NOT NULL, PRIMARY KEY (run_no, block)) WITHOUT ROWID;
SQL
} >blocks.sql

# Names, ids and the share of failures with a message like the generated file's.
tests_sql() {
	case $1 in
	suites|blocks) cat <<SQL
INSERT INTO suites (project_id, name)
SELECT 1, 'org.example.module' || (value / 10) || '.Suite' || value FROM generate_series(0, $N / 1000);
INSERT INTO tests (suite_id, name, parent, created_at)
SELECT value / 1000 + 1, 'test_case_' || (value % 1000), NULL, 0 FROM generate_series(0, $N - 1);
SQL
	;;
	*) cat <<SQL
INSERT INTO tests (project_id, name, parent, created_at)
SELECT 1, 'org.example.module' || (value / 10000) || '.Suite' || (value / 1000) ||
          '/test_case_' || (value % 1000), NULL, 0
FROM generate_series(0, $N - 1);
SQL
	esac
}
results_sql() {
	if [ "$1" = blocks ]; then
		cat <<SQL
INSERT INTO result_blocks (run_no, block, n, data)
SELECT 1, value, 1000, randomblob(25000) || zeroblob(25000) FROM generate_series(0, $N / 1000);
SQL
		return
	fi
	id="CAST(printf('%016d', value) AS BLOB)"
	[ "$1" = current ] || id=NULL
	cat <<SQL
INSERT INTO result_rows (seq, id, test_id, status, duration_ms, started_at, completed_at, message)
SELECT (1 << 32) + value, $id, value + 1,
       CASE WHEN value % 50 = 7 THEN 1 ELSE 0 END, value % 100, 1700000000000 + value,
       1700000000000 + value + value % 100,
       CASE WHEN value % 50 = 7 THEN printf('expected <%d> but was <%d>%s', value, value + 1,
            '	at org.example.Suite0.test_case(Suite0.java:7)	at java.base/jdk.internal.reflect') END
FROM generate_series(0, $N - 1);
SQL
}
rows_sql() {
	cat <<SQL
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
BEGIN;
INSERT INTO projects (id, name, created_at) VALUES (1, 'floor', 0);
$(tests_sql "$1")
$(results_sql "$1")
COMMIT;
PRAGMA wal_checkpoint(TRUNCATE);
SQL
}

# best of REPEAT of one variant: "<seconds> <database bytes>"
measure() {
	rows_sql "$1" >rows.sql
	b=""
	i=0
	while [ $i -lt "$REPEAT" ]; do
		rm -f v.db v.db-wal v.db-shm
		{ echo "PRAGMA page_size = $2;"; cat "$1.sql"; } | sqlite3 v.db
		/usr/bin/time -f '%e' -o time sqlite3 v.db ".read rows.sql" >/dev/null
		t=$(cat time)
		if [ -z "$b" ] || [ "$(echo "$t < $b" | bc -l)" = 1 ]; then b=$t; fi
		i=$((i + 1))
	done
	echo "$b $(stat -c %s v.db)"
}

# The parse floor: bench/import.sh's file through xmlwf.
xml=$top/bench/work/import/cases-1000000.xml
if [ ! -s "$xml" ]; then
	${CC:-cc} -O2 -o gen_junit "$top/bench/gen_junit.c"
	mkdir -p "$(dirname "$xml")"
	./gen_junit 1000000 >"$xml"
fi
ft=""
i=0
while [ $i -lt "$REPEAT" ]; do
	/usr/bin/time -f '%e' -o time xmlwf "$xml" >/dev/null
	t=$(cat time)
	if [ -z "$ft" ] || [ "$(echo "$t < $ft" | bc -l)" = 1 ]; then ft=$t; fi
	i=$((i + 1))
done

# With fewer cases than the file has, the parse is scaled down to as many.
ft=$(echo "$ft * $N / 1005000" | bc -l)
printf 'store floor, %s new tests and results; parse floor (xmlwf, as many cases) %.2f s; load %s\n' \
	"$N" "$ft" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-12s %6s %9s %9s %12s\n' variant page seconds "DB MB" "x the parse"
for v in current no-id-index suites blocks; do
	for p in 4096 16384; do
		m=$(measure $v $p)
		printf '%-12s %6s %9.2f %9.1f %11.3fx\n' $v $p "${m% *}" \
			"$(echo "${m#* } / 1000000" | bc -l)" "$(echo "$ft / ${m% *}" | bc -l)"
	done
done
echo "an import storing these rows is at most as fast as its store floor; issue 3 asks >= 0.5x the parse"
