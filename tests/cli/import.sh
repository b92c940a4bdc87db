# assay import: result files written by other tools become one run, all or
# nothing, with stable test names, reruns as attempts, and clear errors.
. "$(dirname "$0")/lib.sh"
data=$(cd "$(dirname "$0")/../data" && pwd)
cd "$T"
db=$(test_db "$T/i.db")
runs() { sql "$db" 'select count(*) from test_runs'; }

# --- every JUnit dialect of the fixtures ---
for f in "$data"/junit/*.xml; do
	expect_code 0 "imports $(basename "$f")" "$ASSAY" import -q --db "$db" "$f"
done
ok_if "one run per file" "[ \$(runs) = $(ls "$data"/junit/*.xml | wc -l) ]"
ok_if "a Surefire flaky test is one passed result after a superseded failure" \
	"[ \"\$(sql '$db' \"select group_concat(status || ':' || attempt || ':' || cast(superseded as integer), ' ') from results where test = 'com.example.CartTest/checkoutTimesOut'\")\" = 'failed:1:1 passed:2:0' ]"
ok_if "Surefire reruns that kept failing end in the last rerun, earlier ones kept" \
	"[ \"\$(sql '$db' \"select group_concat(status || ':' || attempt || ':' || cast(superseded as integer), ' ') from results where test = 'com.example.CartTest/appliesCoupon'\")\" = 'failed:1:1 failed:2:1 error:3:0' ]"
ok_if "the run counts the flaky test once, as passed, and as flaky" \
	"[ \"\$(sql '$db' \"select n_passed || ' ' || n_failed || ' ' || n_error || ' ' || n_flaky from test_runs where test_definition_id like '%surefire_rerun.xml'\")\" = '2 0 1 1' ]"
ok_if "the earlier attempt keeps its own message" \
	"sql '$db' \"select message from results where test = 'com.example.CartTest/checkoutTimesOut' and attempt = 1\" | grep -q 'but was: <504>'"
ok_if "each attempt keeps its own output (a flaky run's, inside its element)" \
	"sql '$db' \"select stdout_text from results where test = 'com.example.CartTest/checkoutTimesOut' and attempt = 1\" | grep -q 'attempt 1: gateway slow'"
ok_if "the first run's output is the first attempt's, not the last rerun's" \
	"sql '$db' \"select stdout_text from results where test = 'com.example.CartTest/appliesCoupon' and attempt = 1\" | grep -q 'coupon service up' && [ \"\$(sql '$db' \"select coalesce(stdout_text, '-') || ' ' || stderr_text from results where test = 'com.example.CartTest/appliesCoupon' and attempt = 3\")\" = '- db down' ]"
ok_if "a Latin-1 file without a declaration is stored as UTF-8" \
	"[ \"\$(sql '$db' \"select count(*) from results where test = 'café/latin/résumé'\")\" = 1 ]"

# Windows tools write UTF-16: told by its byte order mark, or by the zero
# bytes of its first '<', in a file named or found in a directory.
printf '<?xml version="1.0" encoding="UTF-16"?>\n<testsuite name="w"><testcase name="caf\303\251"/></testsuite>\n' >"$T/u8.xml"
mkdir -p "$T/u16"
iconv -f UTF-8 -t UTF-16 "$T/u8.xml" >"$T/u16/bom.xml"
iconv -f UTF-8 -t UTF-16BE "$T/u8.xml" >"$T/u16/be.xml"
expect_code 0 "a UTF-16 JUnit file imports" "$ASSAY" import -q --db "$db" "$T/u16/bom.xml"
expect_code 0 "a directory of UTF-16 JUnit files imports" "$ASSAY" import -q --db "$db" --title u16 "$T/u16"
ok_if "their cases are read" \
	"[ \"\$(sql '$db' \"select count(*) from results where test = 'w/café'\")\" = 3 ] && [ \"\$(sql '$db' \"select count(*) from results r join test_runs t on t.id = r.run_id where t.title = 'u16'\")\" = 2 ]"

# Bazel's own test.xml: one case named like its suite, the target.
cat >"$T/bazel.xml" <<'X'
<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="//pkg/sub:my_test" tests="1" failures="0" errors="1">
    <testcase name="//pkg/sub:my_test" status="run" duration="3" time="3"><error message="exited with error code 1"></error></testcase>
    <system-out>
Generated test.log (if the file is not UTF-8, then this may be unreadable):
<![CDATA[exec ${PAGER:-/usr/bin/less} "$0" || exit 1
Executing tests from //pkg/sub:my_test
assert failed: 1 != 2]]>
    </system-out>
  </testsuite>
</testsuites>
X
expect_code 0 "a Bazel test.xml imports" "$ASSAY" import -q --db "$db" "$T/bazel.xml"
ok_if "its test is the target, named once" \
	"[ \"\$(sql '$db' \"select status || ' ' || duration_ms from results where test = '//pkg/sub:my_test'\")\" = 'error 3000' ]"
ok_if "and the target's log, its suite's output, is the test's output" \
	"sql '$db' \"select stdout_text from results where test = '//pkg/sub:my_test'\" | grep -q '^assert failed: 1 != 2'"

# Ant and Gradle write a class's whole log as its suite's output, after its
# cases: a suite of several cases keeps it as the suite's, not a case's.
cat >"$T/ant.xml" <<'X'
<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="com.acme.CartTest" tests="2" failures="1">
    <testcase classname="com.acme.CartTest" name="adds" time="0.01"/>
    <testcase classname="com.acme.CartTest" name="removes" time="0.02"><failure message="boom">at Cart.java:9</failure></testcase>
    <system-out><![CDATA[cart service up
removing item 7]]></system-out>
    <system-err>WARN slow db</system-err>
  </testsuite>
  <testsuite name="com.acme.QuietTest" tests="2">
    <testcase classname="com.acme.QuietTest" name="a"/>
    <testcase classname="com.acme.QuietTest" name="b"/>
    <system-out>
    </system-out>
  </testsuite>
</testsuites>
X
expect_code 0 "an Ant file with a suite's own output imports" "$ASSAY" import -q --db "$db" --title ant-log "$T/ant.xml"
ok_if "the import says there is suite output" "grep -q ': 4 results, 1 suite with output of its own; in ' '$T/out'"
ant_run=$(sql "$db" "select id from test_runs where title = 'ant-log'")
ok_if "the suite's output is kept as the suite's, a blank one not at all" \
	"[ \"\$(sql '$db' \"select suite || ':' || stdout_text || ':' || stderr_text from suite_outputs where run_id = '$ant_run'\" | tr '\\n' '|')\" = 'com.acme.CartTest:cart service up|removing item 7:WARN slow db|' ]"
ok_if "and no case took it" \
	"[ \"\$(sql '$db' \"select count(*) from results where run_id = '$ant_run' and stdout_text is not null\")\" = 0 ]"
expect_code 0 "assay show lists the suites with output" "$ASSAY" show --db "$db" "$ant_run"
ok_if "with their sizes" "grep -q '^  com.acme.CartTest  stdout 31 B, stderr 12 B\$' '$T/out' && ! grep -q '^  com.acme.QuietTest  ' '$T/out'"
expect_code 0 "assay show --suite-output prints a suite's output whole" "$ASSAY" show --db "$db" "$ant_run" --suite-output com.acme.CartTest
ok_if "stdout, then stderr" \
	"[ \"\$(tr '\\n' '|' <'$T/out')\" = '--- com.acme.CartTest: system-out ---|cart service up|removing item 7|--- com.acme.CartTest: system-err ---|WARN slow db|' ]"
expect_code 0 "as JSON, as the API answers" "$ASSAY" show --db "$db" "$ant_run" --suite-output com.acme.CartTest --json
ok_if "with the texts and their sizes" \
	"[ \"\$(jq -r '.outputs[0] | .stderr + \" \" + (.stdout_bytes | tostring)' '$T/out')\" = 'WARN slow db 31' ]"
expect_code 0 "assay show --json lists them" "$ASSAY" show --db "$db" "$ant_run" --json
ok_if "by suite and size" "[ \"\$(jq -c '.suite_outputs' '$T/out')\" = '[{\"suite\":\"com.acme.CartTest\",\"stdout_bytes\":31,\"stderr_bytes\":12}]' ]"
expect_code 2 "a suite without output is an error" "$ASSAY" show --db "$db" "$ant_run" --suite-output com.acme.QuietTest
ok_if "that says where to look" "grep -q \"holds no output of suite 'com.acme.QuietTest' (assay show $ant_run lists\" '$T/err'"
# all or nothing: a file cut short leaves no suite output behind
head -c 400 "$T/ant.xml" >"$T/ant_cut.xml"
before=$(sql "$db" "select count(*) from suite_outputs")
expect_code 2 "a truncated Ant file is refused" "$ASSAY" import -q --db "$db" "$T/ant_cut.xml"
ok_if "and nothing of it is kept" "[ \"\$(sql '$db' 'select count(*) from suite_outputs')\" = '$before' ]"

# Meson names a test "project / test" (or "project:suites / test") in a suite
# and class named after the project: the project is said once. A TAP test's
# points are cases "1 first" of suite "project.project:suites / test": they
# keep their number (two may share a description).
expect_code 0 "Meson's testlog.junit.xml imports" "$ASSAY" import -q --db "$db" --title meson "$(cd "$(dirname "$0")/../.." && pwd)/fuzz/corpus/junit/meson.xml"
ok_if "its tests are project/suites/test, its TAP points project/suites/test/point" \
	"[ \"\$(sql '$db' \"select group_concat(x.test, ',') from (select r.test from results r join test_runs t on t.id = r.run_id where t.title = 'meson' order by r.seq) as x\")\" = 'shop/unit,shop/setup,shop/gui,shop/tap/proto/1 first' ]"

# pytest writes a test that failed, then errored in its teardown, as two
# cases of one name: the teardown is the test's sub-result, not a rerun.
cat >"$T/teardown.xml" <<'X'
<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="2" failures="1" tests="3"><testcase classname="test_td" name="test_both" time="0.002"><failure message="assert 1 == 2">E  assert 1 == 2</failure></testcase><testcase classname="test_td" name="test_both" time="0.001"><error message="failed on teardown with &quot;RuntimeError: cleanup broke&quot;">E  RuntimeError: cleanup broke</error></testcase><testcase classname="test_td" name="test_only_teardown" time="0.001"><error message="failed on teardown with &quot;RuntimeError: x&quot;">E  RuntimeError: x</error></testcase></testsuite></testsuites>
X
expect_code 0 "pytest's failed-then-teardown-error file imports" "$ASSAY" import -q --db "$db" --title teardown "$T/teardown.xml"
ok_if "the test keeps its failure, the teardown error is its sub-result, nothing is a rerun" \
	"[ \"\$(sql '$db' \"select group_concat(x.test || '=' || coalesce(x.parent, '-') || '=' || x.status || '=' || x.attempt, ',') from (select r.test, r.parent, r.status, r.attempt from results r join test_runs t on t.id = r.run_id where t.title = 'teardown' order by r.seq) as x\")\" = 'test_td/test_both=-=failed=1,test_td/test_both/teardown=test_td/test_both=error=1,test_td/test_only_teardown=-=error=1' ]"

# --- stable names: a second import of the same file adds no test ---
tests_before=$(sql "$db" 'select count(*) from tests')
expect_code 0 "the same file imports again" "$ASSAY" import -q --db "$db" "$data/junit/gtest.xml"
ok_if "its tests are the same tests (history lines up)" "[ \$(sql '$db' 'select count(*) from tests') = $tests_before ]"
ok_if "and each has two results now" \
	"[ \"\$(sql '$db' \"select count(*) from results where test = 'MathTest/Divides'\")\" = 2 ]"

# --- run properties, JSON, stdin ---
expect_code 0 "properties are stored with the run" "$ASSAY" import --db "$db" --json -e staging \
	--title "nightly 42" --description "from CI" -c build=1234 --project shop - <"$data/junit/ant.xml"
ok_if "--json prints the run with its counts" "grep -q '\"title\": \"nightly 42\"' '$T/out' && grep -q '\"error\": 1' '$T/out'"
ok_if "environment, project and context are recorded" \
	"[ \"\$(sql '$db' \"select r.environment || ' ' || p.name || ' ' || r.context_json from test_runs r join projects p on p.id = r.project_id where r.title = 'nightly 42'\")\" = 'staging shop {\"build\":\"1234\"}' ]"

# --- TAP: the file is one test, its points are sub-results ---
cp "$data/tap/test_more.tap" "$T/more.tap"
expect_code 0 "a TAP file imports" "$ASSAY" import -q --db "$db" "$T/more.tap"
ok_if "its points are sub-results of a test named after the file" \
	"[ \"\$(sql '$db' \"select count(*) from results where parent = 'more' and test like 'more/%'\")\" -gt 0 ] && [ \"\$(sql '$db' \"select count(*) from results where test = 'more' and parent is null\")\" = 1 ]"
cp "$data/tap/node_test.tap" "$T/node.tap"
expect_code 0 "node:test's TAP imports" "$ASSAY" import -q --db "$db" "$T/node.tap"
ok_if "its points keep their YAML duration_ms (rounded), the file their sum" \
	"[ \"\$(sql '$db' \"select group_concat(test || '=' || duration_ms, ',') from (select test, duration_ms from results where test like 'node%' order by seq) as s\")\" = 'node/math/adds=1,node/math/subtracts=1,node/math/division/by zero=0,node/math/division=0,node/math=2,node/todo thing=0,node=2' ]"
# node:test and bats' tap13 give each point's time in its YAML block
printf 'TAP version 13\nok 1 - quick\n  ---\n  duration_ms: 12.6\n  ...\nok 2 - slow\n  ---\n  duration_ms: 1500\n  ...\n1..2\n' >"$T/timed.tap"
expect_code 0 "a TAP file with durations imports" "$ASSAY" import -q --db "$db" "$T/timed.tap"
ok_if "each point keeps its duration, the file their sum" \
	"[ \"\$(sql '$db' \"select group_concat(test || '=' || duration_ms, ',') from (select test, duration_ms from results where test like 'timed%' order by seq) as s\")\" = 'timed/quick=13,timed/slow=1500,timed=1513' ]"
printf 'ok 1 - only\nok 2 - plan missing\n' >"$T/noplan.txt"
expect_code 0 "TAP without a plan imports" "$ASSAY" import -q --db "$db" "$T/noplan.txt"
ok_if "and its test is error (bad TAP), as with assay run" \
	"[ \"\$(sql '$db' \"select status from results where test = 'noplan'\")\" = error ]"

# A point name repeated is numbered, however often (each repeat costs a
# lookup or two: 100,000 of them import in under a second, not minutes).
{ echo 'TAP version 13'; echo '1..5'; for i in 1 2 3 4; do echo "ok $i - same"; done; echo 'ok 5 - same (3)'; } >"$T/rep.tap"
expect_code 0 "a TAP file repeating a point name imports" "$ASSAY" import -q --db "$db" "$T/rep.tap"
ok_if "its repeats are numbered, a name taken is skipped" \
	"[ \"\$(sql '$db' \"select group_concat(test, ',') from (select test from results where parent = 'rep' order by seq) as s\")\" = 'rep/same,rep/same (2),rep/same (3),rep/same (4),rep/same (3) (2)' ]"

# --- JUnit cases without a name are kept, numbered, not refused ---
printf '<testsuites><testcase/><testcase/><testsuite name="s"><testcase classname="c"><failure message="boom"/></testcase><testcase name="t"/></testsuite></testsuites>\n' >"$T/nameless.xml"
expect_code 0 "a JUnit file with nameless cases imports" "$ASSAY" import -q --db "$db" "$T/nameless.xml"
ok_if "each nameless case is a test of its own, named (unnamed)" \
	"[ \"\$(sql '$db' \"select group_concat(test || '=' || status, ',') from (select x.test, x.status from results x join test_runs r on r.id = x.run_id where r.test_definition_id like '%nameless.xml' order by x.seq) as s\")\" = '(unnamed)=passed,(unnamed) (2)=passed,s/c/(unnamed)=failed,s/t=passed' ]"

# --- repeated cases are attempts; flaky only when an earlier one did not pass ---
cat >"$T/again.xml" <<'X'
<testsuite name="s">
 <testcase classname="c" name="rep"/><testcase classname="c" name="rep"/><testcase classname="c" name="rep"/>
 <testcase classname="c" name="flk"><failure message="x"/></testcase><testcase classname="c" name="flk"/>
 <testcase classname="c" name="flk2"><failure message="x"/></testcase><testcase classname="c" name="flk2"/><testcase classname="c" name="flk2"/>
</testsuite>
X
expect_code 0 "a file repeating cases (go test -count=3, reruns) imports" "$ASSAY" import -q --db "$db" "$T/again.xml"
again=$(sql "$db" "select id from test_runs where test_definition_id like '%again.xml'")
ok_if "the run counts 2 flaky tests: a test that passed every time is not flaky" \
	"[ \"\$(sql '$db' \"select n_passed || ' ' || n_flaky from test_runs where id = '$again'\")\" = '3 2' ]"
expect_code 0 "its results as JSON" "$ASSAY" results "$again" --db "$db" --json
ok_if "each final result says whether it is flaky" \
	"[ \"\$(jq -c '[.[] | select(.superseded | not) | [.test, .attempt, .flaky]]' '$T/out')\" = '[[\"s/c/rep\",3,false],[\"s/c/flk\",2,true],[\"s/c/flk2\",3,true]]' ]"
expect_code 0 "exported as CTRF" "$ASSAY" export "$again" --db "$db" --format ctrf
ok_if "CTRF says the same" \
	"[ \"\$(jq -c '[.results.tests[] | [.name, .flaky]]' '$T/out')\" = '[[\"rep\",false],[\"flk\",true],[\"flk2\",true]]' ]"

# --- CTRF: retries and flaky tests are attempts too ---
cp "$data/ctrf/playwright.json" "$T/pw.report"
expect_code 0 "a CTRF report imports (told by content, whatever its name)" "$ASSAY" import -q --db "$db" --title ctrf "$T/pw.report"
ok_if "a flaky test is passed after its failed attempt" \
	"[ \"\$(sql '$db' \"select group_concat(status || ':' || attempt || ':' || cast(superseded as integer), ' ') from results where test = 'chromium > login.spec.ts > Login/logs in with a valid password'\")\" = 'failed:1:1 passed:2:0' ]"
ok_if "and the run counts it as flaky" "[ \"\$(sql '$db' \"select n_flaky from test_runs where title = 'ctrf'\")\" = 1 ]"
printf '{"results": {"tool": {"name": "x"}, "tests": [{"name": "f", "status": "passed", "flaky": true}]}}\n' >"$T/flaky.json"
expect_code 0 "a CTRF test marked flaky without its retries imports" "$ASSAY" import -q --db "$db" --title ctrf-flaky "$T/flaky.json"
ok_if "it is flaky: passed after a failed attempt" \
	"[ \"\$(sql '$db' \"select n_passed || ' ' || n_flaky from test_runs where title = 'ctrf-flaky'\")\" = '1 1' ]"
expect_code 0 "a CTRF report with unnamed tests imports the named ones" "$ASSAY" import -q --db "$db" "$data/ctrf/odd_order.json"
ok_if "and warns about the ones left out" "grep -q 'warning: .*odd_order.json: 2 tests left out' '$T/err'"
printf '{"results": {"tool": {"name": "x"}, "tests": [{"name": "a", "status": "passed"}' >"$T/cut.json"
n=$(runs)
expect_code 2 "a truncated CTRF report is refused" "$ASSAY" import -q --db "$db" "$T/cut.json"
ok_if "naming file, line and column, recording nothing" "grep -qE 'cut.json: line 1, column [0-9]+' '$T/err' && [ \$(runs) = $n ]"

# --- directories ---
mkdir -p "$T/reports/sub" "$T/reports/.hidden"
cp "$data/junit/ctest.xml" "$T/reports/a.xml"
cp "$data/junit/go_junit_report.xml" "$T/reports/sub/b.xml"
cp "$data/tap/bats.tap" "$T/reports/sub/c.out"
cp "$data/junit/ant.xml" "$T/reports/.hidden/skip.xml"
printf '<project><modelVersion>4.0.0</modelVersion></project>\n' >"$T/reports/pom.xml"
printf '{"name": "not ctrf"}\n' >"$T/reports/package.json"
printf 'hello\n' >"$T/reports/README"
expect_code 0 "a directory is searched for result files" "$ASSAY" import -q --db "$db" --title dir "$T/reports"
ok_if "it took the three result files and nothing else" \
	"[ \"\$(sql '$db' \"select n_passed + n_failed + n_error + n_skipped from test_runs where title = 'dir'\")\" = 10 ]"  # 4 ctest + 5 go cases + the bats stream
mkdir -p "$T/empty"
expect_code 2 "a directory without result files is an error" "$ASSAY" import -q --db "$db" "$T/empty"
ok_if "which says so" "grep -q 'no JUnit XML, TAP or CTRF result files' '$T/err'"

# --- bad input records nothing ---
n=$(runs)
head -c 700 "$data/junit/surefire_rerun.xml" >"$T/cut.xml"
expect_code 2 "a truncated file is refused" "$ASSAY" import -q --db "$db" "$data/junit/ant.xml" "$T/cut.xml"
ok_if "the error names the file, line and column" "grep -qE 'cut.xml: line [0-9]+, column [0-9]+' '$T/err'"
ok_if "and nothing was recorded, not even the good file before it" "[ \$(runs) = $n ]"
expect_code 0 "--keep-partial records what was read" "$ASSAY" import -q --db "$db" --keep-partial --title partial "$T/cut.xml"
ok_if "the partial run is failed (99) with the reason" \
	"[ \"\$(sql '$db' \"select lifecycle_code || ' ' || status from test_runs where title = 'partial'\")\" = '99 error' ] && sql '$db' \"select reason from test_runs where title = 'partial'\" | grep -q 'cut.xml: line'"
ok_if "and holds the cases before the fault" \
	"[ \"\$(sql '$db' \"select count(*) from results r join test_runs t on t.id = r.run_id where t.title = 'partial'\")\" -ge 1 ]"
# A store failure halfway through a file read on its own thread: the reader
# stops, the error is the store's, nothing is recorded.
n=$(runs)
{
	echo '<testsuite name="big">'
	i=0
	while [ $i -lt 5000 ]; do echo "<testcase classname=\"big\" name=\"c$i\"/>"; i=$((i + 1)); done
	echo '</testsuite>'
} >"$T/big.xml"
if on_pg; then
	sql "$db" 'create function boom() returns trigger language plpgsql as $b$ begin if new.test = $$big/c3000$$ then raise exception $$boom at c3000$$; end if; return new; end $b$'
	sql "$db" "create trigger boom before insert on results for each row execute function boom()"
else
	sql "$db" "create trigger boom before insert on result_rows when (select name from tests where id = new.test_id) = 'big/c3000' begin select raise(abort, 'boom at c3000'); end"
fi
expect_code 3 "a store failure in the middle of a file fails the import" "$ASSAY" import -q --db "$db" "$T/big.xml"
ok_if "with the store's error" "grep -q 'boom at c3000' '$T/err'"
ok_if "recording nothing" "[ \$(runs) = $n ] && [ \$(sql '$db' \"select count(*) from tests where name like 'big/%'\") = 0 ]"
if on_pg; then sql "$db" "drop trigger boom on results"; else sql "$db" "drop trigger boom"; fi
expect_code 0 "the same file imports once the store is well" "$ASSAY" import -q --db "$db" "$T/big.xml"
ok_if "every case of it" "[ \$(sql '$db' \"select count(*) from results where test like 'big/%'\") = 5000 ]"
n=$(runs)
cat >"$T/bomb.xml" <<'X'
<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<testsuite name="s"><testcase name="&lol2;"/></testsuite>
X
cat >"$T/xxe.xml" <<'X'
<?xml version="1.0"?>
<!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<testsuite name="s"><testcase name="a"><system-out>&x;</system-out></testcase></testsuite>
X
expect_code 2 "an entity expansion bomb is refused" "$ASSAY" import -q --db "$db" "$T/bomb.xml"
expect_code 2 "an external entity is refused" "$ASSAY" import -q --db "$db" "$T/xxe.xml"
ok_if "and neither recorded anything" "[ \$(runs) = $n ] && ! sql '$db' 'select stdout_text from results' | grep -q root:"
printf 'just some text\n' >"$T/plain.txt"
expect_code 2 "a file in no known format is refused" "$ASSAY" import -q --db "$db" "$T/plain.txt"
ok_if "with a hint to use --format" "grep -q 'say which with --format' '$T/err'"
expect_code 2 "a missing file is refused" "$ASSAY" import -q --db "$db" "$T/nope.xml"
ok_if "by name" "grep -q 'nope.xml' '$T/err'"
expect_code 2 "an unknown --format is refused" "$ASSAY" import -q --db "$db" --format yaml "$T/plain.txt"
expect_code 2 "a forced format that does not fit fails to parse" "$ASSAY" import -q --db "$db" --format junit "$T/more.tap"
ok_if "and nothing was recorded" "[ \$(runs) = $n ]"

# --- creating tests can be turned off ---
expect_code 2 "--no-create-tests refuses a test the project lacks" "$ASSAY" import -q --db "$db" --no-create-tests --project fresh "$data/junit/ant.xml"
ok_if "naming it" "grep -q \"test 'org.example.ParserTest/testParsesEmpty' does not exist\" '$T/err'"
ok_if "and records nothing" "[ \$(runs) = $n ]"
expect_code 0 "--no-create-tests accepts tests that exist" "$ASSAY" import -q --db "$db" --no-create-tests --project shop "$data/junit/ant.xml"

# --- a file that holds no test is no passing run ---
printf '<?xml version="1.0"?><testsuite name="pytest" tests="0"></testsuite>' >"$T/no_tests.xml"
printf '{"results": {"tool": {"name": "jest"}, "summary": {"tests": 0}, "tests": []}}' \
	>"$T/no_tests.json"
n=$(runs)
expect_code 2 "a JUnit file with no test case (pytest that collected nothing) is refused" \
	"$ASSAY" import -q --db "$db" "$T/no_tests.xml"
check "saying so, and how to record it anyway" contains "$T/err" \
	"nothing to record: $T/no_tests.xml holds no test, and a run of none would pass (--no-tests ignore, or no_tests=ignore in the API, records it)"
expect_code 2 "so is a CTRF report of no test, with another like it" \
	"$ASSAY" import -q --db "$db" "$T/no_tests.json" "$T/no_tests.xml"
ok_if "and nothing was recorded" "[ \$(runs) = $n ]"
expect_code 0 "--no-tests ignore records the empty run" \
	"$ASSAY" import -q --db "$db" --no-tests ignore --title empty "$T/no_tests.xml"
ok_if "which has no result" "[ \$(runs) = \$(( n + 1 )) ] && [ \"\$(sql '$db' \"select count(*) from results r join test_runs t on t.id = r.run_id where t.title = 'empty'\")\" = 0 ]"
printf '1..0 # SKIP no database here\n' >"$T/skip_all.tap"
expect_code 0 "a TAP plan of 1..0 is a test that was skipped, not nothing" \
	"$ASSAY" import -q --db "$db" --title skip-all "$T/skip_all.tap"
ok_if "recorded as such" "[ \"\$(sql '$db' \"select r.status from results r join test_runs t on t.id = r.run_id where t.title = 'skip-all'\")\" = skipped ]"

# --- adding to an open run, never to a closed one ---
open_run=$(sql "$db" "select id from test_runs where title = 'nightly 42'")
# a run opened by an external reporter: in progress, owned by no local process
sql "$db" "update test_runs set lifecycle_code = 6, lifecycle = 'in_progress', status = 'running', host = NULL, pid = NULL where id = '$open_run'"
expect_code 0 "--run adds to an open run" "$ASSAY" import -q --db "$db" --run "$open_run" "$data/junit/gtest.xml"
expect_code 0 "adding a file of no test to an open run is not refused" \
	"$ASSAY" import -q --db "$db" --run "$open_run" "$T/no_tests.xml"
ok_if "whose counters grow" \
	"[ \"\$(sql '$db' \"select n_passed + n_failed + n_error + n_skipped from test_runs where id = '$open_run'\")\" = 6 ]"
expect_code 2 "--run refuses a completed run" "$ASSAY" import -q --db "$db" --run last~1 "$data/junit/gtest.xml"
ok_if "saying it is closed" "grep -q 'results can only be added to an open run' '$T/err'"
expect_code 2 "--run with --title is a usage error" "$ASSAY" import -q --db "$db" --run "$open_run" --title x "$data/junit/gtest.xml"

# --- memory: a file three times larger costs no more memory ---
# (SQLite's own side: the PostgreSQL pass would only time the network.)
# ASan's quarantine of freed memory is kept small, or it alone would grow.
gen_cases() { # N: a JUnit file of N cases, 100 to a suite, 2% failing
	awk -v n="$1" 'BEGIN { print "<testsuites>"
	for (s = 0; s < n / 100; s++) { printf "<testsuite name=\"S%d\">\n", s
	for (i = 0; i < 100; i++)
		if (i % 50 == 7) printf "<testcase classname=\"c.S%d\" name=\"t%d\" time=\"0.01\"><failure message=\"boom\">trace\n%d</failure><system-out>out</system-out></testcase>\n", s, i, i
		else printf "<testcase classname=\"c.S%d\" name=\"t%d\" time=\"0.01\"/>\n", s, i
	print "</testsuite>" } print "</testsuites>" }'
}
if on_pg; then skip "peak memory does not grow with the file" "measured on SQLite"; else
gen_cases 100000 >c100k.xml
gen_cases 300000 >c300k.xml
for n in 100k 300k; do
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=4" /usr/bin/time -f %M -o "$n.rss" \
		"$ASSAY" import -q --db "mem$n.db" "c$n.xml" >/dev/null 2>&1
done
ok_if "peak memory importing 300,000 cases stays within 8 MiB of 100,000 ($(cat 100k.rss) KiB vs $(cat 300k.rss) KiB)" \
	"[ \$(cat 300k.rss) -lt \$(( \$(cat 100k.rss) + 8192 )) ]"
ok_if "and every case is stored" "[ \$(sql mem300k.db 'select count(*) from results') = 300000 ]"
ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=4" /usr/bin/time -f %M -o again.rss \
	"$ASSAY" import -q --db mem300k.db c300k.xml >/dev/null 2>&1
ok_if "importing them again, every test known, peaks within 8 MiB as well ($(cat again.rss) KiB)" \
	"[ \$(cat again.rss) -lt \$(( \$(cat 100k.rss) + 8192 )) ]"
fi

# --- reading back ---
expect_code 0 "assay results shows the attempts" "$ASSAY" results --db "$db" "$(sql "$db" "select id from test_runs where test_definition_id like '%surefire_rerun.xml'")"
ok_if "marking the re-run ones and the flaky pass" "grep -q 'attempt 1, re-run' '$T/out' && grep -q 'attempt 2, flaky' '$T/out'"
# The tests of every project, each with its project; or of one.
expect_code 0 "list tests without a catalog" "$ASSAY" list tests --db "$db"
ok_if "lists every recorded test once, with its project" \
	"head -1 '$T/out' | grep -q '^PROJECT  *TEST' && [ \$((\$(wc -l <'$T/out') - 1)) = \"\$(sql '$db' 'select count(*) from tests')\" ] && grep -q '^shop  *org.example.ParserTest/testRejectsGarbage ' '$T/out'"
expect_code 0 "list tests --project shop" "$ASSAY" list tests --db "$db" --project shop --json
ok_if "lists that project's tests alone" \
	"[ \"\$(jq -r '[.[].project] | unique | join(\",\")' '$T/out')\" = shop ] && [ \"\$(jq length '$T/out')\" = \"\$(sql '$db' \"select count(*) from tests t join projects p on p.id = t.project_id where p.name = 'shop'\")\" ]"

if on_pg; then skip "the database is intact" "PRAGMA integrity_check is SQLite's"; else
ok_if "the database is intact" "[ \"\$(sql '$db' 'pragma integrity_check')\" = ok ]"; fi
done_testing
