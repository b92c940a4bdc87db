# Bad input is refused before anything runs or is recorded: a bad catalog
# (file:line:col and the key), an unknown name (with a suggestion), a
# prerequisite cycle, bad options.
. "$(dirname "$0")/lib.sh"
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
done_testing
