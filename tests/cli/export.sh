# `assay export` and `assay run --junit/--report` end to end: each format
# from a real run, checked by a parser of its own (Python's XML, JSON and CSV
# readers), the file and stdout forms, and the errors: unknown format or run
# (exit 2), an output that cannot be written (exit 3, the run kept).
. "$(dirname "$0")/lib.sh"

mkdir -p "$T/p"
cat >"$T/p/assay.yaml" <<'Y'
project: demo
context:
  branch: main
tests:
  ok.one: {command: 'true'}
  breaker:
    command: sh -c 'echo "about <to> break"; printf "\033[31mred\033[0m & more\n" >&2; exit 2'
  skipper: {command: sh -c 'exit 77'}
  points: {command: cat points.tap, protocol: tap}
Y
printf 'TAP version 14\n1..3\nok 1 - first\nnot ok 2 - second\nok 3 - third # SKIP later\n' >"$T/p/points.tap"
cd "$T/p"
default_db "$T/p/.assay/assay.db"

expect_code 1 "a run with --junit and --report exits as the tests say (1)" \
	"$ASSAY" run -j2 --junit out.xml --report report.html
ok_if "it says where the reports went" "contains '$T/out' 'JUnit XML written to out.xml' && contains '$T/out' 'HTML report written to report.html'"
ok_if "the count line stays last" "tail -1 '$T/out' | grep -qx '1 passed, 2 failed, 1 skipped'"
ok_if "the JUnit file is well-formed, with a suite per group and the totals" "python3 - <<'P'
import xml.dom.minidom as m
d = m.parse('out.xml')
root = d.documentElement
assert root.tagName == 'testsuites' and root.getAttribute('name') == 'demo'
assert root.getAttribute('tests') == '7', root.getAttribute('tests')
assert root.getAttribute('failures') == '3', root.getAttribute('failures')
suites = {s.getAttribute('name'): s for s in d.getElementsByTagName('testsuite')}
assert sorted(suites) == ['demo', 'points'], sorted(suites)
demo = suites['demo']
assert (demo.getAttribute('tests'), demo.getAttribute('failures'), demo.getAttribute('skipped')) == ('4', '2', '1')
cases = {c.getAttribute('name'): c for c in demo.getElementsByTagName('testcase')}
b = cases['breaker']
assert b.getAttribute('classname') == 'demo'
f = b.getElementsByTagName('failure')[0]
assert f.getAttribute('message') == 'exit status 2' and f.getAttribute('type') == 'failed'
assert b.getElementsByTagName('system-out')[0].firstChild.data == 'about <to> break\n'
assert '\ufffd[31mred' in b.getElementsByTagName('system-err')[0].firstChild.data
props = {p.getAttribute('name'): p.getAttribute('value') for p in demo.getElementsByTagName('property')}
assert props['context.branch'] == 'main' and props['assay.environment'] == 'local'
assert len(props['assay.run_id']) == 36
P"
ok_if "the HTML report has the summary, the chart and the failure's output" \
	"contains report.html '<svg' && contains report.html '<h2>Failures</h2>' && contains report.html 'about &lt;to&gt; break' && ! grep -q 'https\?://' report.html"

expect_code 0 "export last --format junit writes to stdout" "$ASSAY" export last --format junit
ok_if "stdout is the same document as the file, but for nothing" "grep -c '<testcase ' '$T/out' | grep -qx 7"
expect_code 0 "-o - is stdout too" "$ASSAY" export last -f junit -o -
check "stdout holds the XML" contains "$T/out" '<testsuites name="demo"'

expect_code 0 "export --format tap" "$ASSAY" export last --format tap
ok_if "TAP 14 with a plan for every result" "head -1 '$T/out' | grep -qx 'TAP version 14' && tail -1 '$T/out' | grep -qx '1..7' && grep -q '^not ok .* - breaker$' '$T/out' && grep -q '^ok .* - skipper # SKIP' '$T/out'"

expect_code 0 "export --format ctrf -o report.json" "$ASSAY" export last --format ctrf -o report.json
ok_if "the CTRF report parses and counts the results" "python3 - <<'P'
import json
d = json.load(open('report.json'))
assert d['reportFormat'] == 'CTRF'
r = d['results']
s = r['summary']
assert (s['tests'], s['passed'], s['failed'], s['skipped']) == (7, 2, 3, 2), s
assert r['tool']['name'] == 'assay'
assert r['environment']['appName'] == 'demo'
t = [t for t in r['tests'] if t['name'] == 'breaker'][0]
assert t['status'] == 'failed' and t['stdout'] == ['about <to> break']
p = [t for t in r['tests'] if t['name'] == 'second'][0]
assert p['suite'] == 'points'
P"

expect_code 0 "the format comes from -o's extension" "$ASSAY" export last -o results.csv
ok_if "the CSV has a header and a row per result, CRLF-ended" "python3 - <<'P'
import csv
raw = open('results.csv', 'rb').read()
assert raw.count(b'\r\n') == 8 and raw.count(b'\n') == 8, raw
rows = list(csv.reader(open('results.csv', newline='')))
assert rows[0] == ['id', 'title', 'suite', 'status', 'duration_ms', 'assignee', 'started_at', 'message']
byname = {(r[2], r[1]): r for r in rows[1:]}
assert byname[('', 'breaker')][3] == 'failed' and byname[('', 'breaker')][7] == 'exit status 2'
assert byname[('points', 'second')][3] == 'failed'
assert byname[('', 'ok.one')][6].endswith('Z')
P"
expect_code 0 "--top leaves out the TAP points" "$ASSAY" export last -f csv --top
ok_if "four rows and the header" "[ \$(grep -c . '$T/out') -eq 5 ]"
expect_code 0 "export --format html -o page.html" "$ASSAY" export last --format html -o page.html
ok_if "the page is one file that loads nothing" "contains page.html '<style>' && ! grep -qi '<script\|<link\|src=\|https\?://' page.html"

expect_code 0 "a passing run exits 0 with --junit" "$ASSAY" run ok.one --junit one.xml -q
ok_if "its JUnit has the one test" "grep -c '<testcase ' one.xml | grep -qx 1"
expect_code 0 "export last~1 is the earlier run" "$ASSAY" export last~1 -f csv
ok_if "with its seven results" "[ \$(grep -c . '$T/out') -eq 8 ]"
expect_code 0 "run --json --junit keeps stdout JSON" "$ASSAY" run ok.one --json --junit j.xml
ok_if "stdout parses as JSON and the file was written" "python3 -c 'import json; json.load(open(\"$T/out\"))' && test -s j.xml"

# Errors
expect_code 2 "an unknown format is a usage error" "$ASSAY" export last --format xlsx
ok_if "the error names it and the formats" "contains '$T/err' \"unknown format 'xlsx'\" && contains '$T/err' 'junit|tap|ctrf|csv|html'"
expect_code 2 "no format and no -o is a usage error" "$ASSAY" export last
check "the error asks which format" contains "$T/err" "which format?"
expect_code 2 "an unknown run is an error (2)" "$ASSAY" export nosuchrun -f junit
check "the error names the run" contains "$T/err" "nosuchrun"
expect_code 3 "an output that cannot be written is exit 3" "$ASSAY" export last -f junit -o "$T/no/such/dir/out.xml"
check "the error names the path" contains "$T/err" "$T/no/such/dir/out.xml"
ok_if "no half file or temporary file is left" "! ls '$T/p' | grep -q tmp"
runs_before=$(sql "$db" 'select count(*) from test_runs')
expect_code 3 "run --junit to an unwritable path exits 3" "$ASSAY" run ok.one --junit "$T/no/such/dir/r.xml"
check "it says the report was not written" contains "$T/err" "JUnit XML was not written"
ok_if "the run is recorded all the same" "[ \$(sql '$db' 'select count(*) from test_runs') -eq \$((runs_before + 1)) ] && [ \"\$(sql '$db' 'select status from test_runs order by created_at desc limit 1')\" = passed ]"
expect_code 2 "export with two runs is a usage error" "$ASSAY" export last last~1 -f tap

# A suite's own output (an Ant file's class log) is shown for the suites
# with failures, after the failures (the table of those past
# --max-failures closed first), and not for suites that passed.
cat >ant.xml <<'X'
<testsuites>
<testsuite name="com.acme.CartTest"><testcase classname="com.acme.CartTest" name="a"><failure message="a broke"/></testcase><testcase classname="com.acme.CartTest" name="b"><failure message="b broke"/></testcase><system-out>cart &lt;log&gt; line</system-out></testsuite>
<testsuite name="com.acme.OkTest"><testcase classname="com.acme.OkTest" name="c"/><testcase classname="com.acme.OkTest" name="d"/><system-out>ok log</system-out></testsuite>
</testsuites>
X
"$ASSAY" import -q --title ant-html ant.xml >/dev/null 2>&1
expect_code 0 "export --format html of a run with suite output" "$ASSAY" export last --format html --max-failures 1 -o ant.html
ok_if "the failing suite's output is there, escaped, after the failures" \
	"tr -d '\\n' <ant.html | grep -q '</table><p class=\"muted\">2 failures in all, 1 without their output here.*<h2>Suite output</h2>.*<summary>com.acme.CartTest</summary><div class=\"label\">system-out</div><pre>cart &lt;log&gt; line</pre>'"
ok_if "the passing suite's is not" "! grep -q 'ok log' ant.html"
done_testing
