# assay run --server: a local run streams its results to an assay serve as it
# goes; the server's copy ends like the local run; an unreachable server
# costs the run nothing but a warning.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.inc"
mkdir -p "$T/p"
cat >"$T/p/assay.yaml" <<'Y'
project: demo
context:
  build: "42"
tests:
  ok.one: {command: 'true'}
  ok.two: {command: sh -c 'echo out; exit 0'}
  skipper: {command: sh -c 'exit 77'}
  breaker: {command: sh -c 'echo the reason >&2; exit 2'}
  points:
    command: sh -c 'printf "1..3\nok 1 - a\nnot ok 2 - b\nok 3 - c\n"'
    protocol: tap
  gradle:
    command: sh -c 'cat gradle.xml >"$ASSAY_JUNIT_FILE"'
    protocol: junit
  many:
    command: sh -c 'cat many.xml >"$ASSAY_JUNIT_FILE"'
    protocol: junit
  huge:
    command: sh -c 'cat huge.xml >"$ASSAY_JUNIT_FILE"'
    protocol: junit
Y
# 12,000 cases from one test: more than one request may carry (10,000).
python3 -c 'print("<testsuite name=\"H\">" + "".join("<testcase classname=\"H\" name=\"t%05d\"/>" % i for i in range(12000)) + "</testsuite>")' >"$T/p/huge.xml"
# 70 suites with a log each: more than one request's worth (32).
{
	printf '<testsuites>'
	i=0; while [ $i -lt 70 ]; do printf '<testsuite name="S%02d"><testcase classname="S%02d" name="t"/><system-out>log of S%02d</system-out></testsuite>' $i $i $i; i=$((i + 1)); done
	printf '</testsuites>'
} >"$T/p/many.xml"
# Gradle writes a class's whole log at suite level; this one is bigger than
# what a suite output keeps (64 KiB), so both copies must cut it alike.
{
	printf '<testsuite name="com.acme.CartTest"><testcase classname="com.acme.CartTest" name="adds"/>'
	printf '<system-out>'
	i=0; while [ $i -lt 3000 ]; do printf 'cart log line %05d of the class\n' $i; i=$((i + 1)); done
	printf '</system-out><system-err>WARN slow db</system-err></testsuite>'
} >"$T/p/gradle.xml"
default_db "$T/p/.assay/assay.db"
local_db=$db
db=$(test_db "$T/server.db")
TOKEN=$(make_token "$db" ci write)
start_server "$db"
ok_if "the server starts" "[ -n '$URL' ]"
cd "$T/p"

expect_code 1 "a run with --server exits as the run does (1: a test failed)" \
	"$ASSAY" run -j2 --server "$URL" --token "$TOKEN" --title streamed -e ci
ok_if "it says where the server's copy is" "grep -q \"the run is also on $URL as run\" '$T/err'"
remote=$(sed -n 's/.*as run \([0-9a-f-]*\)$/\1/p' "$T/err")
ok_if "the server's run has the local run's title, environment, project and context" \
	"[ \$(api GET /api/v1/runs/$remote) = 200 ] && [ \"\$(jget '$T/body' '(d[\"title\"], d[\"environment\"], d[\"project\"], d[\"context\"][\"build\"])')\" = \"('streamed', 'ci', 'demo', '42')\" ]"
ok_if "it is completed with failures, as the local run" \
	"[ \"\$(jget '$T/body' '(d[\"lifecycle_code\"], d[\"status\"])')\" = \"(8, 'failed')\" ] && [ \"\$(sql '$local_db' 'select lifecycle_code from test_runs')\" = 8 ]"
ok_if "with the same counts" \
	"[ \"\$(jget '$T/body' '(d[\"counts\"][\"passed\"], d[\"counts\"][\"failed\"], d[\"counts\"][\"skipped\"], d[\"sub_counts\"][\"passed\"], d[\"sub_counts\"][\"failed\"])')\" = \"\$(sql '$local_db' \"select '(' || n_passed || ', ' || n_failed || ', ' || n_skipped || ', ' || sub_n_passed || ', ' || sub_n_failed || ')' from test_runs\")\" ]"
ok_if "and the same results, sub-results and output" \
	"[ \"\$(sql '$db' \"select group_concat(test || '=' || status, ' ') from (select test, status from results where run_id = '$remote' order by test) as s\")\" = \"\$(sql '$local_db' \"select group_concat(test || '=' || status, ' ') from (select test, status from results order by test) as s\")\" ] && [ \"\$(sql '$db' \"select stderr_text from results where run_id = '$remote' and test = 'breaker'\")\" = 'the reason' ]"
ok_if "a test's 12,000 JUnit cases all reach the server" \
	"[ \$(sql '$db' \"select count(*) from results where run_id = '$remote' and test like 'huge/%'\") = 12000 ]"
ok_if "a junit test's suite-level log is kept here, named as its cases' parent" \
	"[ \"\$(sql '$local_db' \"select suite || ':' || stderr_text || ':' || case when length(stdout_text) > 60000 then 1 else 0 end from suite_outputs where suite like 'gradle/%'\")\" = 'gradle/com.acme.CartTest:WARN slow db:1' ]"
ok_if "70 suites' logs reach the server as they are here, once each" \
	"[ \"\$(sql '$db' \"select count(*), count(distinct suite), min(suite), max(suite) from suite_outputs where run_id = '$remote' and suite like 'many/%'\")\" = '70|70|many/S00|many/S69' ] && [ \"\$(sql '$local_db' \"select count(*) from suite_outputs where suite like 'many/%'\")\" = 70 ]"
ok_if "and on the server, byte for byte" \
	"[ \$(api GET '/api/v1/runs/$remote/outputs?suite=gradle/com.acme.CartTest') = 200 ] && jget '$T/body' 'd[\"outputs\"][0][\"stdout\"]' >'$T/remote.log' && sql '$local_db' \"select stdout_text from suite_outputs where suite like 'gradle/%'\" >'$T/local.log' && cmp '$T/local.log' '$T/remote.log'"
expect_code 0 "assay show lists the run's 71 suite outputs" "$ASSAY" show --db "$local_db" last
check "20 by name and size, and how many more" contains "$T/out" "  ... and 51 more"
expect_code 0 "and prints one whole" "$ASSAY" show --db "$local_db" last --suite-output gradle/com.acme.CartTest
check "the Gradle class log" contains "$T/out" "cart log line 02999 of the class"

# --- visible while in progress: the slow test waits until the server shows
# the quick one's result, which only streaming can make true ---
cat >>"$T/p/assay.yaml" <<'Y'
  gate.quick: {command: 'true'}
  gate.slow:
    command: sh -c 'while test ! -f go; do sleep 0.05; done'
Y
rm -f go
"$ASSAY" run -j2 --server "$URL" --token "$TOKEN" --title live gate.quick gate.slow >"$T/live.out" 2>&1 &
live=$!
# shows_quick [TITLE]: the run titled TITLE (live) is in progress on the
# server with one test passed.
shows_quick() {
	[ "$(api GET "/api/v1/runs?text=${1:-live}")" = 200 ] || return 1
	id=$(jget "$T/body" 'd["runs"][0]["id"] if d["runs"] else ""')
	[ -n "$id" ] && [ "$(api GET "/api/v1/runs/$id")" = 200 ] &&
		[ "$(jget "$T/body" '(d["counts"]["passed"], d["lifecycle_code"])')" = "(1, 6)" ]
}
ok_if "a result is on the server while the run is still in progress" "wait_for 60 shows_quick"
touch go
wait "$live"
ok_if "and the run then ends there too" \
	"[ \$(api GET '/api/v1/runs?text=live') = 200 ] && [ \"\$(jget '$T/body' '(d[\"runs\"][0][\"lifecycle_code\"], d[\"runs\"][0][\"counts\"][\"passed\"])')\" = '(7, 2)' ]"

# --- the end of a run waits for what is still queued, and says so: the
# server is stopped (SIGSTOP) once the run is open there, so the last
# result cannot leave until it is let go again ---
rm -f go
"$ASSAY" run -j2 --server "$URL" --token "$TOKEN" --title backlog gate.quick gate.slow \
	>"$T/backlog.out" 2>&1 &
backlog=$!
wait_for 60 shows_quick backlog
kill -STOP "$SRV_PID"
touch go
ok_if "a run whose results wait for a stalled server says it is still sending them" \
	"wait_for 60 grep -q 'assay: sending the 1 results still queued to $URL (1s so far; Ctrl-C stops it' '$T/backlog.out'"
kill -CONT "$SRV_PID"
wait "$backlog"
backlog_rc=$?
ok_if "and once the server answers again, they all get there and the run ends there" \
	"[ $backlog_rc = 0 ] && grep -q 'the run is also on' '$T/backlog.out' && [ \$(api GET '/api/v1/runs?text=backlog') = 200 ] && [ \"\$(jget '$T/body' '(d[\"runs\"][0][\"lifecycle_code\"], d[\"runs\"][0][\"counts\"][\"passed\"])')\" = '(7, 2)' ]"

stop_server
ok_if "the server stopped cleanly" "[ $SRV_RC = 0 ] && server_clean"
runs_before=$(sql "$local_db" 'select count(*) from test_runs')
expect_code 1 "with the server gone, the run still runs and records here" \
	"$ASSAY" run -j2 --server "$URL" --token "$TOKEN" --title alone
ok_if "saying the server could not be reached and the run is recorded here only" \
	"grep -q 'warning: .*the run is recorded here only' '$T/err'"
ok_if "and the local run is complete" \
	"[ \$(sql '$local_db' 'select count(*) from test_runs') = \$((runs_before + 1)) ] && [ \"\$(sql '$local_db' \"select lifecycle_code from test_runs where title = 'alone'\")\" = 8 ]"
expect_code 0 "a passing selection exits 0 with the server gone" "$ASSAY" run --server "$URL" --token "$TOKEN" ok.one

# --- a server that refuses the suite outputs still gets the results ---
# A case whose name is longer than the API takes (4096 bytes).
cat >>"$T/p/assay.yaml" <<'Y'
  long:
    command: sh -c 'cat long.xml >"$ASSAY_JUNIT_FILE"'
    protocol: junit
Y
long=$(python3 -c 'print("n" * 5000)')
printf '<testsuite name="C"><testcase classname="C" name="%s"/></testsuite>' "$long" >"$T/p/long.xml"
start_server "$db" --max-body 16K
expect_code 0 "a server with a small --max-body (16K), a suite log over it, a name it refuses" \
	"$ASSAY" run --server "$URL" --token "$TOKEN" --title small ok.one gradle long huge
ok_if "costs only those two: a warning says so, and names the first with its reason" \
	"grep -qE \"warning: the server refused 1 results and 1 suite outputs \\(first: (suite 'gradle/com.acme.CartTest': the server answered 413|test 'long/C/n+\\.\\.\\.': test: longer than 4096 bytes)\" '$T/err' && grep -q 'the run is also on' '$T/err'"
ok_if "the results of 12,000 cases went in requests it takes (split after its first 413)" \
	"[ \$(api GET '/api/v1/runs?text=small') = 200 ] && small=\$(jget '$T/body' 'd[\"runs\"][0][\"id\"]') && [ \$(sql '$db' \"select count(*) from results where run_id = '\$small' and test like 'huge/%'\") = 12000 ]"
ok_if "and the server's run has every other result and is completed" \
	"[ \"\$(jget '$T/body' '(d[\"runs\"][0][\"lifecycle_code\"], d[\"runs\"][0][\"counts\"][\"passed\"], d[\"runs\"][0][\"sub_counts\"][\"passed\"])')\" = '(7, 4, 12001)' ]"
stop_server

# --- a server that takes no result at all is given up after a few tries ---
mkdir -p "$T/w" && cd "$T/w"
wide=$(python3 -c 'print("x" * 300)')
{ echo 1..30; i=1; while [ $i -le 30 ]; do echo "ok $i - p$i$wide"; i=$((i + 1)); done; } >w.tap
printf 'tests:\n  w: {command: cat w.tap, protocol: tap}\n' >assay.yaml
start_server "$db" --max-body 300
expect_code 0 "a server whose --max-body (300) no result fits" \
	"$ASSAY" run --server "$URL" --token "$TOKEN" --title none
ok_if "is given up after 8 refusals in a row: the rest did not reach it, and both are said" \
	"grep -q 'warning: the run is complete here only: 24 results did not reach the server (the server answered 413: .*); the server refused 7 results and 0 suite outputs' '$T/err'"
ok_if "in a dozen or so requests (halving 31 down to 1, then 8 alone), not one per result" \
	"[ \$(api GET /metrics) = 200 ] && n=\$(sed -n 's/^assay_http_requests_total{route=\"none\",code=\"413\"} //p' '$T/body') && [ \"\$n\" -le 16 ]"
stop_server
done_testing
