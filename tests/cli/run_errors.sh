# Bad input is refused before anything runs or is recorded: a bad catalog
# (file:line:col and the key), an unknown name (with a suggestion), a
# prerequisite cycle, bad options.
. "$(dirname "$0")/lib.sh"
schema=$(cd "$(dirname "$0")/../../src/store/schema" && pwd)
mkdir -p "$T/p"
cd "$T/p"
default_db "$T/p/.assay/assay.db"
# No database yet (SQLite: no file; PostgreSQL: no tables) is no run.
runs() {
	if on_pg && [ "$(sql "$db" "select count(*) from pg_tables where tablename = 'test_runs'")" = 1 ] ||
		{ ! on_pg && [ -f "$db" ]; }; then
		sql "$db" 'select count(*) from test_runs'
	else
		echo 0
	fi
}

cat > assay.yaml <<'Y'
tests:
  a:
    command: 'true'
    timout: 5s
Y
expect_code 2 "a catalog with an unknown key exits 2" "$ASSAY" run
ok_if "the error names file, line, column and the key" "grep -q 'assay.yaml:4:5:.*timout' '$T/err'"
ok_if "it suggests the right key" "grep -q 'timeout' '$T/err'"
ok_if "no run is recorded" "[ \$(runs) = 0 ]"

cat > assay.yaml <<'Y'
tests:
  parse.basic: {command: 'true'}
  parse.deep: {command: 'true'}
  a: {command: 'true', prerequisites: [b]}
  b: {command: 'true', prerequisites: [a]}
suites:
  parsers: [parse.*]
Y
expect_code 2 "an unknown test name exits 2" "$ASSAY" run parse.basik
ok_if "it suggests the closest names" "grep -q \"did you mean 'parse.basic'\" '$T/err'"
expect_code 2 "a prerequisite cycle exits 2" "$ASSAY" run a b
ok_if "the cycle is named with its members" "grep -q 'prerequisite cycle: .*a.*->.*b' '$T/err'"
ok_if "still no run is recorded" "[ \$(runs) = 0 ]"
expect_code 0 "without the cycle's members the rest runs" "$ASSAY" run parsers
expect_code 2 "a bad --jobs is a usage error" "$ASSAY" run -j zero
expect_code 2 "a bad --timeout is a usage error" "$ASSAY" run --timeout soon
expect_code 2 "a bad -c is a usage error" "$ASSAY" run -c novalue
expect_code 2 "a missing -C file is a usage error" "$ASSAY" run -C "$T/nope.ctx"
expect_code 2 "a missing --catalog is an error" "$ASSAY" run --catalog "$T/none.yaml"
ok_if "it names the file" "grep -q 'none.yaml' '$T/err'"
expect_code 2 "list with a bad status is a usage error" "$ASSAY" list runs --status sideways
expect_code 2 "results with a bad status is a usage error" "$ASSAY" results last --status sideways

# A database made by an older assay is upgraded on opening, and that is
# said (on a large one it takes a while); a current one is opened quietly.
if on_pg; then
	skip "an older database's upgrade is announced" "the old schema is made with sqlite3"
else
	for v in 1 2 3; do
		cat "$schema"/000${v}_*.sql | sqlite3 "$T/old.db" &&
			sqlite3 "$T/old.db" "insert into schema_version values ($v, 1)"
	done
	expect_code 0 "a version-3 database opens" "$ASSAY" list runs --db "$T/old.db"
	ok_if "the upgrade is announced, from 3 to the newest" \
		"grep -qE '^assay: database .*old.db: upgrading its schema from version 3 to [0-9]+\$' '$T/err'"
	ok_if "and its end" "grep -q 'upgraded to schema version' '$T/err'"
	expect_code 0 "opened again" "$ASSAY" list runs --db "$T/old.db"
	check "nothing is said" test ! -s "$T/err"
fi
done_testing
