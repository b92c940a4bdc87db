# assay serve under load and at its end: concurrent writers get exact
# counts, SIGTERM during ingestion loses nothing that was acknowledged, and
# POST /api/v1/imports records reports as `assay import` does.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.inc"
data=$(cd "$(dirname "$0")/../data" && pwd)
cd "$T"
db=$(test_db "$T/ingest.db")
TOKEN=$(make_token "$db" tester write)
start_server "$db"
ok_if "the server starts" "[ -n '$URL' ]"

# --- concurrent writers: 8 clients, 20 requests of 5 results each ---
post_json /api/v1/runs '{"title":"concurrent"}' >/dev/null
run=$(jget "$T/body" 'd["id"]')
writer() {
	k=$1; i=0; fails=0
	while [ $i -lt 20 ]; do
		body="[{\"test\":\"w$k/$i/a\",\"status\":\"passed\"},{\"test\":\"w$k/$i/b\",\"status\":\"failed\"},{\"test\":\"w$k/$i/c\",\"status\":\"passed\"},{\"test\":\"w$k/$i/d\",\"status\":\"skipped\"},{\"test\":\"w$k/$i/e\",\"status\":\"passed\"}]"
		code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary "$body" "$URL/api/v1/runs/$run/results")
		[ "$code" = 201 ] || fails=$((fails + 1))
		i=$((i + 1))
	done
	echo $fails >"$T/fails.$k"
}
reader() {
	i=0
	while [ $i -lt 40 ]; do
		curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $TOKEN" "$URL/api/v1/runs/$run" >>"$T/reads"
		curl -s -o /dev/null -w '%{http_code}\n' -H "Authorization: Bearer $TOKEN" "$URL/api/v1/runs?limit=5" >>"$T/reads"
		i=$((i + 1))
	done
}
pids=""
for k in 1 2 3 4 5 6 7 8; do writer $k & pids="$pids $!"; done
reader & pids="$pids $!"
for p in $pids; do wait "$p"; done
ok_if "every one of the 160 concurrent requests was accepted" "[ \"\$(cat '$T'/fails.*)\" = \"\$(printf '0\n0\n0\n0\n0\n0\n0\n0')\" ]"
ok_if "readers alongside them always got 200" "[ \$(grep -vc '^200$' '$T/reads') = 0 ] && [ \$(wc -l <'$T/reads') = 80 ]"
ok_if "the database holds exactly 800 results" "[ \$(sql '$db' \"select count(*) from results where run_id = '$run'\") = 800 ]"
ok_if "and the run's counters are exact" \
	"[ \$(api GET /api/v1/runs/$run) = 200 ] && [ \"\$(jget '$T/body' '(d[\"counts\"][\"passed\"], d[\"counts\"][\"failed\"], d[\"counts\"][\"skipped\"])')\" = '(480, 160, 160)' ]"

ok_if "10001 results in one request are 413 (too many items)" \
	"python3 -c 'import json; print(json.dumps([{\"test\": \"x\", \"status\": \"passed\"}] * 10001))' >'$T/many.json' && [ \$(api POST /api/v1/runs/$run/results -H 'Content-Type: application/json' --data-binary @'$T/many.json') = 413 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = too_many_items ]"

# --- imports ---
ok_if "POST /api/v1/imports records a JUnit body as a new run (201)" \
	"[ \$(api POST '/api/v1/imports?title=from%20ci&environment=ci&project=shop' -H 'Content-Type: application/xml' --data-binary @'$data/junit/ant.xml') = 201 ]"
imp=$(jget "$T/body" 'd["id"]')
ok_if "the run is closed with its counts, as assay import makes it" \
	"[ \"\$(jget '$T/body' '(d[\"title\"], d[\"environment\"], d[\"project\"], d[\"lifecycle_code\"], d[\"counts\"][\"passed\"], d[\"counts\"][\"error\"])')\" = \"('from ci', 'ci', 'shop', 8, 1, 1)\" ]"
ok_if "with its results" "[ \$(sql '$db' \"select count(*) from results where run_id = '$imp'\") = 2 ]"
ok_if "triggered by the token's name, not the server's user" \
	"[ \"\$(sql '$db' \"select triggered_by from test_runs where id = '$imp'\")\" = tester ]"
ok_if "GET /runs/ID/outputs lists the suites' own output by size" \
	"[ \$(api GET /api/v1/runs/$imp/outputs) = 200 ] && [ \"\$(jget '$T/body' '[(o[\"suite\"], o[\"stdout_bytes\"], o[\"stderr_bytes\"], \"stdout\" in o) for o in d[\"outputs\"]]')\" = '[[\"org.example.ParserTest\", 16, 24, false]]' ]"
ok_if "and ?suite= gives that suite's texts" \
	"[ \$(api GET '/api/v1/runs/$imp/outputs?suite=org.example.ParserTest') = 200 ] && [ \"\$(jget '$T/body' '[(o[\"stdout\"], o[\"stderr\"]) for o in d[\"outputs\"]] == [(\"parsing...\\ndone\\n\", \"WARNING: deprecated API\\n\")]')\" = true ]"
ok_if "a suite without output has none; an unknown run is 404" \
	"[ \$(api GET '/api/v1/runs/$imp/outputs?suite=nope') = 200 ] && [ \"\$(jget '$T/body' 'd[\"outputs\"]')\" = '[]' ] && [ \$(api GET /api/v1/runs/0000dead-0000-7000-8000-000000000000/outputs) = 404 ]"
ok_if "a TAP body is one test named by ?name= with its points as sub-results" \
	"[ \$(api POST '/api/v1/imports?name=unit.tap' -H 'Content-Type: text/plain' --data-binary @'$data/tap/bats.tap') = 201 ] && r=\$(jget '$T/body' 'd[\"id\"]') && [ \$(sql '$db' \"select count(*) from results where run_id = '\$r' and test = 'unit' and parent is null\") = 1 ] && [ \$(sql '$db' \"select count(*) from results where run_id = '\$r' and parent = 'unit'\") -gt 0 ]"
ok_if "a CTRF body imports" \
	"[ \$(api POST /api/v1/imports -H 'Content-Type: application/json' --data-binary @'$data/ctrf/jest.json') = 201 ]"
ok_if "a query value that is not UTF-8 is 400 and records nothing" \
	"n0=\$(sql '$db' 'select count(*) from test_runs'); [ \$(api POST '/api/v1/imports?title=bad%FF&project=p%FF' -H 'Content-Type: application/xml' --data-binary @'$data/junit/ant.xml') = 400 ] && grep -q 'title: not valid UTF-8' '$T/body' && [ \$(sql '$db' 'select count(*) from test_runs') = \$n0 ]"
printf '<?xml version="1.0"?><testsuite name="pytest" tests="0"></testsuite>' >"$T/no_tests.xml"
ok_if "a report of no test is 400 (a run of none would pass) and records nothing" \
	"n0=\$(sql '$db' 'select count(*) from test_runs'); [ \$(api POST '/api/v1/imports?name=report.xml' -H 'Content-Type: application/xml' --data-binary @'$T/no_tests.xml') = 400 ] && grep -q 'nothing to record: report.xml holds no test' '$T/body' && [ \$(sql '$db' 'select count(*) from test_runs') = \$n0 ]"
ok_if "?no_tests=ignore records it (201); any other value is 400" \
	"[ \$(api POST '/api/v1/imports?no_tests=ignore' -H 'Content-Type: application/xml' --data-binary @'$T/no_tests.xml') = 201 ] && [ \$(api POST '/api/v1/imports?no_tests=maybe' -H 'Content-Type: application/xml' --data-binary @'$T/no_tests.xml') = 400 ]"
ok_if "an ambiguous body gets a hint that names ?format=" \
	"[ \$(api POST /api/v1/imports -H 'Content-Type: text/plain' --data-binary 'hello') = 400 ] && grep -q '?format=' '$T/body'"
n=$(sql "$db" "select count(*) from test_runs")
head -c 700 "$data/junit/surefire_rerun.xml" >"$T/cut.xml"
ok_if "a malformed report is 400 naming line and column, not the server's temporary file" \
	"[ \$(api POST /api/v1/imports -H 'Content-Type: application/xml' --data-binary @'$T/cut.xml') = 400 ] && grep -qE '\"upload: line [0-9]+, column [0-9]+' '$T/body' && ! grep -q assay-upload '$T/body'"
ok_if "and records nothing" "[ \$(sql '$db' 'select count(*) from test_runs') = $n ]"
ok_if "a body in no known format is 400" \
	"[ \$(api POST /api/v1/imports -H 'Content-Type: text/plain' --data-binary 'just words') = 400 ]"
ok_if "a form upload is 415" \
	"[ \$(api POST /api/v1/imports -F 'file=@$data/junit/ant.xml') = 415 ]"
ok_if "an unknown ?format= is 400" \
	"[ \$(api POST '/api/v1/imports?format=yaml' -H 'Content-Type: application/xml' --data-binary @'$data/junit/ant.xml') = 400 ]"
ok_if "?run= adds to an open run (200) whose counters grow" \
	"[ \$(api POST '/api/v1/imports?run=$run' -H 'Content-Type: application/xml' --data-binary @'$data/junit/ant.xml') = 200 ] && [ \"\$(jget '$T/body' 'd[\"counts\"][\"passed\"]')\" = 481 ]"
ok_if "?run= of a closed run is 409" \
	"[ \$(api POST '/api/v1/imports?run=$imp' -H 'Content-Type: application/xml' --data-binary @'$data/junit/ant.xml') = 409 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = run_closed ]"

# --- SIGTERM while 4 clients post: every acknowledged result survives ---
post_json /api/v1/runs '{"title":"interrupted"}' >/dev/null
irun=$(jget "$T/body" 'd["id"]')
poster() {
	k=$1; i=0
	while :; do
		code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
			--data-binary "[{\"test\":\"s$k-$i-a\",\"status\":\"passed\"},{\"test\":\"s$k-$i-b\",\"status\":\"passed\"}]" \
			"$URL/api/v1/runs/$irun/results")
		[ "$code" = 201 ] || break
		printf 's%s-%s-a\ns%s-%s-b\n' "$k" "$i" "$k" "$i" >>"$T/acked.$k"
		i=$((i + 1))
	done
}
: >"$T/acked.0"
pids=""
for k in 1 2 3 4; do poster $k & pids="$pids $!"; done
# Wait (no clock: on progress) until the clients have 100 answers, then stop.
while [ "$(cat "$T"/acked.* | wc -l)" -lt 200 ] && kill -0 "$SRV_PID" 2>/dev/null; do sleep 0.02; done
stop_server
for p in $pids; do wait "$p"; done
ok_if "the server stopped with status 0 while clients were posting" "[ $SRV_RC = 0 ]"
ok_if "with no sanitizer report" server_clean
cat "$T"/acked.* | sort >"$T/acked"
sql "$db" "select test from results where run_id = '$irun'" | sort >"$T/stored"
ok_if "clients had answers before the stop" "[ \$(wc -l <'$T/acked') -ge 200 ]"
ok_if "every acknowledged result is in the database" "[ -z \"\$(comm -23 '$T/acked' '$T/stored')\" ]"
ok_if "and the run's counters match its rows" \
	"[ \$(sql '$db' \"select n_passed from test_runs where id = '$irun'\") = \$(wc -l <'$T/stored') ]"
if on_pg; then skip "the database is consistent after the stop" "PRAGMA integrity_check is SQLite's"; else
ok_if "the database is consistent after the stop" "[ \"\$(sql '$db' 'pragma integrity_check')\" = ok ]"; fi
done_testing
