# assay report: result files uploaded to a real assay serve become one run
# there; refusals and an unreachable server are reported with exit codes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.inc"
data=$(cd "$(dirname "$0")/../data" && pwd)
cd "$T"
db=$(test_db "$T/server.db")
TOKEN=$(make_token "$db" ci write)
reader=$(make_token "$db" dash read)
start_server "$db"
ok_if "the server starts" "[ -n '$URL' ]"

expect_code 0 "one file becomes one run on the server" "$ASSAY" report --server "$URL" --token "$TOKEN" \
	--title nightly -e staging --project shop "$data/junit/ant.xml"
ok_if "which it names, with its counts" "grep -q '^reported run .* (failed): 2 results' '$T/out' && grep -qE '^  error +1' '$T/out'"
ok_if "the run has the properties given" \
	"[ \"\$(sql '$db' \"select r.title || ' ' || r.environment || ' ' || p.name || ' ' || r.lifecycle_code from test_runs r join projects p on p.id = r.project_id order by r.created_at desc limit 1\")\" = 'nightly staging shop 8' ]"
cp "$data/tap/bats.tap" "$T/unit.tap"
ASSAY_SERVER=$URL ASSAY_TOKEN=$TOKEN expect_code 0 "several files become one run (server and token from the environment)" \
	"$ASSAY" report --json --title many "$data/junit/gtest.xml" "$T/unit.tap" "$data/ctrf/jest.json"
ok_if "--json prints the completed run" "[ \"\$(jget '$T/out' '(d[\"title\"], d[\"lifecycle_code\"] in (7, 8))')\" = \"('many', True)\" ]"
many=$(jget "$T/out" 'd["id"]')
ok_if "holding every file's results, the TAP file's test named after it" \
	"[ \$(sql '$db' \"select count(*) from results where run_id = '$many' and test = 'unit'\") = 1 ] && [ \$(sql '$db' \"select count(distinct test) from results where run_id = '$many' and parent is null\") -gt 5 ]"
ok_if "standard input can be reported" \
	"$ASSAY report --server '$URL' --token '$TOKEN' --title piped - <'$data/junit/ctest.xml' && [ \"\$(sql '$db' \"select lifecycle_code from test_runs where title = 'piped'\")\" -ge 7 ]"

head -c 700 "$data/junit/surefire_rerun.xml" >"$T/cut.xml"
expect_code 2 "a malformed file is refused (exit 2)" "$ASSAY" report --server "$URL" --token "$TOKEN" --title broken \
	"$data/junit/gtest.xml" "$T/cut.xml"
ok_if "naming the file, line and column" "grep -qE 'cut.xml: the server answered 400: cut.xml: line [0-9]+, column [0-9]+' '$T/err'"
ok_if "and the run is aborted with the reason" \
	"[ \"\$(sql '$db' \"select lifecycle_code || ' ' || reason from test_runs where title = 'broken'\")\" = '10 assay report: refused: $T/cut.xml' ]"
# Files of no test: no run is left completed, as assay import refuses them.
printf '<?xml version="1.0"?><testsuite name="pytest" tests="0"></testsuite>' >"$T/none.xml"
printf '{"results": {"tool": {"name": "jest"}, "summary": {"tests": 0}, "tests": []}}' \
	>"$T/none.json"
expect_code 2 "one file of no test is refused" \
	"$ASSAY" report --server "$URL" --token "$TOKEN" --title none1 "$T/none.xml"
ok_if "saying there is nothing to record, and no run is made" \
	"grep -q 'nothing to record: none.xml holds no test' '$T/err' && [ \"\$(sql '$db' \"select count(*) from test_runs where title = 'none1'\")\" = 0 ]"
expect_code 2 "several files of no test are refused" \
	"$ASSAY" report --server "$URL" --token "$TOKEN" --title none2 "$T/none.xml" "$T/none.json"
ok_if "and the run opened for them is aborted, not completed" \
	"grep -q 'nothing to record: the 2 files hold no test' '$T/err' && [ \"\$(sql '$db' \"select lifecycle_code || ' ' || reason from test_runs where title = 'none2'\")\" = '10 assay report: no test' ]"
expect_code 0 "--no-tests ignore records them" \
	"$ASSAY" report --server "$URL" --token "$TOKEN" --title none3 --no-tests ignore "$T/none.xml" "$T/none.json"
expect_code 0 "and one such file" \
	"$ASSAY" report --server "$URL" --token "$TOKEN" --title none4 --no-tests ignore "$T/none.xml"
ok_if "as completed runs of no result" \
	"[ \"\$(sql '$db' \"select group_concat(lifecycle_code) from test_runs where title in ('none3', 'none4')\")\" = '7,7' ]"
expect_code 2 "a read token is refused (exit 2)" "$ASSAY" report --server "$URL" --token "$reader" "$data/junit/ant.xml"
ok_if "saying why" "grep -q 'answered 403' '$T/err'"
expect_code 2 "no token is refused" env -u ASSAY_TOKEN "$ASSAY" report --server "$URL" "$data/junit/ant.xml"
expect_code 2 "a missing file is a usage error" "$ASSAY" report --server "$URL" --token "$TOKEN" "$T/nope.xml"
expect_code 2 "no server is a usage error" env -u ASSAY_SERVER "$ASSAY" report "$data/junit/ant.xml"
stop_server
ok_if "the server stopped cleanly" "[ $SRV_RC = 0 ] && server_clean"
expect_code 3 "a server that is not there is exit 3" "$ASSAY" report --server "$URL" --token "$TOKEN" "$data/junit/ant.xml"
ok_if "saying it could not connect" "grep -qi 'connect' '$T/err'"
done_testing
