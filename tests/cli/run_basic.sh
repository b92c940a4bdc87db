# `assay run` end to end: exit codes, the closing count line, per-test lines,
# the run row, its lifecycle events and results in SQLite, and reading back
# with list/show/results (text and --json).
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/p"
cat >"$T/p/assay.yaml" <<'Y'
project: demo
context:
  greeting: hello
tests:
  ok.one: {command: 'true', labels: [fast]}
  ok.two: {command: sh -c 'echo "$ASSAY_CTX_greeting $ASSAY_CTX_who" > ctx.out', labels: [fast]}
  skipper: {command: sh -c 'exit 77'}
  breaker:
    command: sh -c 'echo about to break; echo the reason >&2; exit 2'
suites:
  fast: [ok.*]
Y
cd "$T/p"
default_db "$T/p/.assay/assay.db"

expect_code 1 "a run with a failing test exits 1" "$ASSAY" run -j2 -c who=world
ok_if "it ends with the count line" "tail -1 '$T/out' | grep -qx '2 passed, 1 failed, 1 skipped'"
ok_if "each test gets a plain line when stdout is not a terminal" "grep -c '^\[.*\] \(PASS\|FAIL\|SKIP\)' '$T/out' | grep -qx 4"
ok_if "the failure is shown with its stderr tail" "contains '$T/out' 'the reason' && contains '$T/out' 'exit status 2'"
if on_pg; then
	check "the output says where the results are" contains "$T/out" "$db"
	skip "the database is beside the catalog" "ASSAY_DB names a PostgreSQL database"
else
	check "the output says where the results are" contains "$T/out" ".assay/assay.db"
	check "the database is beside the catalog" test -f "$db"
fi
ok_if "tests see context from the catalog and -c" "grep -qx 'hello world' ctx.out"

ok_if "one run row, failed, lifecycle 8" "[ \"\$(sql '$db' 'select status, lifecycle_code from test_runs')\" = 'failed|8' ]"
ok_if "the run has environment local and a triggered_by of user@host" "sql '$db' 'select environment, triggered_by from test_runs' | grep -q '^local|.*@'"
ok_if "the lifecycle passed through 0..6 then 8, each with a time" "[ \"\$(sql '$db' 'select group_concat(lifecycle_code) from (select lifecycle_code from run_events order by id) as s')\" = '0,1,2,3,4,5,6,8' ] && [ \"\$(sql '$db' 'select count(*) from run_events where at > 0')\" = 8 ]"
ok_if "four results with their statuses" "[ \"\$(sql '$db' \"select group_concat(test || '=' || status, ' ') from (select test, status from results order by test) as s\")\" = 'breaker=failed ok.one=passed ok.two=passed skipper=skipped' ]"
ok_if "the failure's stdout and stderr are stored" "[ \"\$(sql '$db' \"select stdout_text from results where test='breaker'\")\" = 'about to break' ] && [ \"\$(sql '$db' \"select stderr_text from results where test='breaker'\")\" = 'the reason' ]"
ok_if "the run counters match the results" "[ \"\$(sql '$db' 'select n_passed, n_failed, n_skipped from test_runs')\" = '2|1|1' ]"
ok_if "the context is stored with the run" "sql '$db' 'select context_json from test_runs' | grep -q '\"who\":\"world\"'"
indexes=sqlite_master
on_pg && indexes="(select indexname as name from pg_indexes) i"
ok_if "the seed's indexes exist" "[ \"\$(sql '$db' \"select count(*) from $indexes where name in ('test_runs_definition_idx','test_runs_status_idx')\")\" = 2 ]"

expect_code 0 "a passing selection exits 0" "$ASSAY" run fast -e staging --title 'smoke'
ok_if "the count line says 2 passed, 0 failed" "tail -1 '$T/out' | grep -qx '2 passed, 0 failed'"
ok_if "the second run is completed (7) and passed" "[ \"\$(sql '$db' \"select status, lifecycle_code, environment, title from test_runs order by created_at desc limit 1\")\" = 'passed|7|staging|smoke' ]"

expect_code 0 "list runs works" "$ASSAY" list runs
ok_if "list runs shows both runs, newest first" "sed -n 2p '$T/out' | grep -q smoke && [ \$(wc -l < '$T/out') -eq 3 ]"
expect_code 0 "list runs --status failed --json" "$ASSAY" list runs --status failed --json
ok_if "the JSON holds one failed run with the DESIGN fields" "python3 -c 'import json,sys; a=json.load(open(\"$T/out\")); r=a[0]; assert len(a)==1 and r[\"status\"]==\"failed\" and r[\"lifecycle_code\"]==8 and r[\"lifecycle\"]==\"completed_with_failures\" and r[\"counts\"][\"failed\"]==1 and r[\"environment\"]==\"local\" and r[\"started_at\"].endswith(\"Z\") and r[\"completed_at\"] and \"triggered_by\" in r and \"title\" in r'"
expect_code 0 "list runs --env staging" "$ASSAY" list runs --env staging --json
ok_if "only the staging run is listed" "python3 -c 'import json; a=json.load(open(\"$T/out\")); assert len(a)==1 and a[0][\"title\"]==\"smoke\"'"
expect_code 0 "list runs --since 1h --limit 1" "$ASSAY" list runs --since 1h --limit 1 --json
ok_if "limit keeps one" "python3 -c 'import json; assert len(json.load(open(\"$T/out\")))==1'"

expect_code 0 "show last~1 works" "$ASSAY" show last~1
ok_if "show names the failure, the phases and the slowest tests" "contains '$T/out' 'breaker' && contains '$T/out' 'Phases:' && contains '$T/out' 'Slowest tests:' && contains '$T/out' 'In progress...'"
expect_code 0 "show last --json" "$ASSAY" show last --json
ok_if "show --json has events and counts" "python3 -c 'import json; r=json.load(open(\"$T/out\")); assert r[\"title\"]==\"smoke\" and len(r[\"events\"])==8 and r[\"counts\"][\"passed\"]==2'"
expect_code 0 "results last~1 --status failed" "$ASSAY" results last~1 --status failed
ok_if "only the failed result is listed" "grep -c breaker '$T/out' | grep -qx 1 && lacks '$T/out' ok.one"
expect_code 0 "results --json" "$ASSAY" results last~1 --json
ok_if "result objects carry test, status, duration_ms, message, attempt, started_at" "python3 -c 'import json; a=json.load(open(\"$T/out\")); assert len(a)==4; r=[x for x in a if x[\"test\"]==\"breaker\"][0]; assert r[\"status\"]==\"failed\" and r[\"attempt\"]==1 and r[\"message\"]==\"exit status 2\" and isinstance(r[\"duration_ms\"], int) and r[\"started_at\"]'"
expect_code 2 "an unknown run is an error" "$ASSAY" show nosuchrun
expect_code 0 "list tests shows the catalog's tests with history" "$ASSAY" list tests
ok_if "list tests shows last status" "grep -q '^breaker *failed' '$T/out'"
expect_code 0 "list tests --json" "$ASSAY" list tests --json
ok_if "every test, recorded or not, names its project" \
	"python3 -c 'import json; a=json.load(open(\"$T/out\")); assert a and all(t[\"project\"]==\"demo\" for t in a), a'"
expect_code 0 "list suites" "$ASSAY" list suites
check "list suites shows fast" contains "$T/out" "ok.*"

# A selection that leaves no test is refused, as pytest (exit 5) and
# `ctest --no-tests=error` do: a run of nothing would pass a gate.
runs=$(sql "$db" 'select count(*) from test_runs')
expect_code 2 "a label no test has leaves nothing to run: exit 2" "$ASSAY" run -l nolabel -l slow
check "it says which labels none of the selected tests has" contains "$T/err" \
	"nothing to run: none of the 4 tests selected has the label 'nolabel' or 'slow'"
expect_code 2 "excluding every selected test: exit 2" "$ASSAY" run fast -x 'ok.*'
check "it says the excludes left none" contains "$T/err" \
	"nothing to run: --exclude leaves out all 2 tests selected"
ok_if "and neither is recorded" "[ \"\$(sql '$db' 'select count(*) from test_runs')\" = $runs ]"
expect_code 0 "--no-tests ignore records the empty run, which passes" \
	"$ASSAY" run -l nolabel --no-tests ignore --title empty
ok_if "as a run of no results" \
	"[ \"\$(sql '$db' \"select count(*) from results where run_id = (select id from test_runs where title = 'empty')\")\" = 0 ]"
expect_code 2 "--no-tests takes error or ignore only" "$ASSAY" run --no-tests maybe
printf 'project: none\ntests: {}\n' >"$T/empty.yaml"
expect_code 2 "a catalog without tests has nothing to run" "$ASSAY" run --catalog "$T/empty.yaml"
check "and says so" contains "$T/err" "nothing to run: the catalog has no tests"

cd /
expect_code 0 "--db and ASSAY_DB work from elsewhere" env ASSAY_DB="$db" "$ASSAY" list runs --json
ok_if "ASSAY_DB finds the runs" "python3 -c 'import json; assert len(json.load(open(\"$T/out\")))==3'"
expect_code 2 "without a catalog or --db, reading is a usage error" env -u ASSAY_DB "$ASSAY" list runs
done_testing
