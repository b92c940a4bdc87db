# Round trip: a run exported as JUnit XML, CTRF or TAP and imported again gives
# the same tests, statuses, durations and messages (and attempts).
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/p"
cd "$T/p"
db=$(test_db "$T/p/rt.db")
cat > assay.yaml <<'Y'
project: shop
tests:
  ok.fast: {command: 'true'}
  ok.slow: {command: sh -c 'sleep 0.2'}
  bad.exit:
    command: sh -c 'echo "stdout line"; echo "it broke <&>" >&2; exit 3'
  skip.me: {command: sh -c 'exit 77'}
  blocked.one: {command: 'true', prerequisites: {bad.exit: passed}}
  slow.timeout: {command: sh -c 'sleep 5', timeout: 300ms}
  tap.points: {command: sh ./tap.sh, protocol: tap}
  shop: {command: sh ./tap.sh, protocol: tap}  # its points' suite has the project's name
  junit.cases: {command: sh ./junit.sh, protocol: junit}
Y
cat > tap.sh <<'S'
printf 'TAP version 14\n1..4\nok 1 - first\nnot ok 2 - second\n  ---\n  message: "2 != 3"\n  ...\nok 3 - third # SKIP not here\nok 4 - ends in a slash/\n'
S
cat > junit.sh <<'S'
cat > "$ASSAY_JUNIT_FILE" <<X
<testsuite name="s"><testcase classname="pkg.C" name="a" time="0.25"/><testcase classname="pkg.C" name="b" time="1.5"><failure message="expected 1">expected 1
  at C.b(C.java:9)</failure></testcase></testsuite>
X
exit 1
S
"$ASSAY" run -j2 -q --db "$db" >/dev/null 2>&1
orig=$(sql "$db" "select id from test_runs order by created_at desc limit 1")
ok_if "the original run has every kind of result" \
	"[ \"\$(sql '$db' \"select count(distinct status) from results where run_id = '$orig'\")\" -ge 5 ]"

# What must survive: name, status, duration and message of each final result.
rows() {
	sql "$db" "select test || '|' || status || '|' || duration_ms || '|' || coalesce(message, '') from results where run_id = '$1' and not superseded order by test"
}
rows "$orig" >"$T/orig.rows"

for fmt in junit ctrf tap; do
	expect_code 0 "the run exports as $fmt" "$ASSAY" export --db "$db" "$orig" --format "$fmt" -o "$T/run.$fmt"
	expect_code 0 "the $fmt file imports" "$ASSAY" import -q --db "$db" --project shop --title "back from $fmt" "$T/run.$fmt"
	back=$(sql "$db" "select id from test_runs where title = 'back from $fmt'")
	rows "$back" >"$T/$fmt.rows"
	ok_if "$fmt: same tests, statuses, durations and messages" "diff '$T/orig.rows' '$T/$fmt.rows'"
	ok_if "$fmt: the same tests, not new ones" \
		"[ \"\$(sql '$db' \"select count(*) from tests\")\" = \"\$(sql '$db' \"select count(distinct test) from results where run_id = '$orig'\")\" ]"
done

# A message longer than a TAP reader's line (64 KiB once escaped) is cut in
# the TAP file, not the block it is in: the status, duration and the
# message's start still come back.
awk 'BEGIN { printf "<testsuite name=\"big\"><testcase name=\"msg\" time=\"1.5\"><error message=\"boom\">"
	for (i = 0; i < 4000; i++) printf "line %05d \"q\" \\\t\n", i
	print "</error></testcase></testsuite>" }' >"$T/big.xml"
"$ASSAY" import -q --db "$db" --title big "$T/big.xml" >/dev/null
big=$(sql "$db" "select id from test_runs where title = 'big'")
"$ASSAY" export --db "$db" "$big" --format tap -o "$T/big.tap" >/dev/null
expect_code 0 "a TAP file with a long message imports" "$ASSAY" import -q --db "$db" --title big2 "$T/big.tap"
big2=$(sql "$db" "select id from test_runs where title = 'big2'")
ok_if "its status and duration come back" \
	"[ \"\$(sql '$db' \"select status || ' ' || duration_ms from results where run_id = '$big2'\")\" = 'error 1500' ]"
ok_if "and its message's start, cut with a note" \
	"sql '$db' \"select message from results where run_id = '$big2'\" | grep -q '^boom\$' && sql '$db' \"select message from results where run_id = '$big2'\" | grep -q 'bytes dropped'"

# TAP also brings a failure's exit code back (JUnit and CTRF have no place
# for it).
codes() {
	sql "$db" "select test || '|' || coalesce(exit_code, -1) from results where run_id = '$1' and not superseded and status in ('failed', 'error') and exit_code > 0 order by test"
}
tap_back=$(sql "$db" "select id from test_runs where title = 'back from tap'")
ok_if "tap: failures keep their exit codes" \
	"[ -n \"\$(codes '$orig')\" ] && [ \"\$(codes '$orig')\" = \"\$(codes '$tap_back')\" ]"

# Into an empty database the TAP file alone gives each sub-result its parent.
fresh=$(test_db "$T/fresh.db")
expect_code 0 "the TAP file imports into an empty database" \
	"$ASSAY" import -q --db "$fresh" --project shop "$T/run.tap"
fresh_run=$(sql "$fresh" "select id from test_runs limit 1")
parents() {
	sql "$1" "select test || '|' || coalesce(parent, '-') from results where run_id = '$2' and not superseded order by test"
}
ok_if "tap: sub-results keep their parents there" \
	"[ \"\$(parents '$db' '$orig' | grep -c '|[^-]')\" -gt 0 ] && [ \"\$(parents '$db' '$orig')\" = \"\$(parents '$fresh' '$fresh_run')\" ]"

# Attempts: an imported Surefire rerun exported again keeps its attempts.
cat >"$T/flaky.xml" <<'X'
<testsuite name="com.example.T"><testcase classname="com.example.T" name="flaky" time="0.5"><flakyFailure message="boom" type="E" time="0.25">boom
  trace</flakyFailure></testcase><testcase classname="com.example.T" name="broken" time="0.125"><failure message="no" type="E">no</failure><rerunFailure message="still no" type="E" time="0.5">still no</rerunFailure></testcase></testsuite>
X
"$ASSAY" import -q --db "$db" --title flaky "$T/flaky.xml" >/dev/null
first=$(sql "$db" "select id from test_runs where title = 'flaky'")
"$ASSAY" export --db "$db" "$first" --format junit -o "$T/flaky2.xml" >/dev/null
expect_code 0 "the re-exported reruns import" "$ASSAY" import -q --db "$db" --title flaky2 "$T/flaky2.xml"
second=$(sql "$db" "select id from test_runs where title = 'flaky2'")
att() {
	sql "$db" "select test || '|' || status || '|' || attempt || '|' || cast(superseded as integer) || '|' || coalesce(message, '') from results where run_id = '$1' order by test, attempt"
}
ok_if "every attempt comes back with its status and message" "[ \"\$(att '$first')\" = \"\$(att '$second')\" ]"
ok_if "and the flaky count too" \
	"[ \"\$(sql '$db' \"select n_flaky from test_runs where id = '$second'\")\" = 1 ]"
# Suites' own output (Ant's class log), whatever suite it belongs to: one
# with cases under it, one whose cases have a class of their own (exported
# as a suite without cases), the file's catch-all (the top level), a class
# whose one test was retried and a nested suite's parent (both exported as
# a <testsuite> of one case, which must not take the output for its own).
cat >"$T/logs.xml" <<'X'
<testsuites name="logs">
<testsuite name="com.acme.CartTest"><testcase classname="com.acme.CartTest" name="a"/><testcase classname="com.acme.CartTest" name="b"/><system-out>cart &lt;log&gt;
line 2</system-out><system-err>cart err</system-err></testsuite>
<testsuite name="S"><testcase classname="C" name="x"/><testcase classname="C" name="y"/><system-err>S's err</system-err></testsuite>
<testsuite name="logs"><testcase name="top1"/><testcase name="top2"/><system-out>top's</system-out></testsuite>
<testsuite name="com.acme.FlakyTest"><testcase classname="com.acme.FlakyTest" name="sometimes"><failure message="boom">trace</failure></testcase><testcase classname="com.acme.FlakyTest" name="sometimes"/><system-out>CLASS LOG</system-out></testsuite>
<testsuite name="Outer"><testsuite name="Inner"><testcase name="a"/><testcase name="b"/><system-out>INNER LOG</system-out></testsuite><testcase name="c"/><system-out>OUTER LOG</system-out></testsuite>
</testsuites>
X
"$ASSAY" import -q --db "$db" --title logs "$T/logs.xml" >/dev/null
first=$(sql "$db" "select id from test_runs where title = 'logs'")
"$ASSAY" export --db "$db" "$first" --format junit -o "$T/logs2.xml" >/dev/null
ok_if "junit: a suite's output is its <testsuite>'s, after its cases" \
	"tr -d '\\n' <'$T/logs2.xml' | grep -q '<testcase name=\"b\" classname=\"com.acme.CartTest\" time=\"0.000\"/>    <system-out>cart &lt;log&gt;line 2</system-out>    <system-err>cart err</system-err>  </testsuite>'"
expect_code 0 "the exported suites' output imports" "$ASSAY" import -q --db "$db" --title logs2 "$T/logs2.xml"
second=$(sql "$db" "select id from test_runs where title = 'logs2'")
outs() {
	sql "$db" "select suite || '|' || coalesce(stdout_text, '-') || '|' || coalesce(stderr_text, '-') from suite_outputs where run_id = '$1' order by suite"
}
ok_if "every suite's output comes back, to the same suite" \
	"[ \"\$(sql '$db' \"select count(*) from suite_outputs where run_id = '$first'\")\" = 6 ] && [ \"\$(outs '$first')\" = \"\$(outs '$second')\" ] && [ \"\$(rows '$first')\" = \"\$(rows '$second')\" ]"
done_testing
