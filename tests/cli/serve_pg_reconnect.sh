# A long-lived assay serve on PostgreSQL outlives its connections: when the
# server ends them (a restart, an administrator's pg_terminate_backend —
# simulated here on this test's own database only, so the tests sharing the
# cluster are not disturbed), the next request resets the connection and
# is answered; while PostgreSQL refuses connections the answer is 503
# store_unavailable, and the server recovers once it accepts them again.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.inc"
if ! on_pg; then
	skip "the server survives dropped PostgreSQL connections" "a PostgreSQL matter"
	done_testing
	exit
fi
db=$(test_db "$T/db.sqlite") || exit 1
name=${db##*/}
# Ends the serve's sessions on this test's database and waits until they
# are gone; prints how many there were.
terminate() {
	sql "$ASSAY_TEST_PG_URL" "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) FROM (SELECT pid FROM pg_stat_activity WHERE datname = '$name' AND application_name = 'assay' OFFSET 0) AS s"
}

TOKEN=$(make_token "$db" ci write)
start_server "$db" || exit 1
code=$(post_json /api/v1/runs '{"title":"before"}')
ok_if "a run is opened" "[ $code = 201 ]"
run=$(jget "$T/body" 'd["id"]')
ok_if "the server's sessions are ended" "[ \"\$(terminate)\" -ge 1 ]"
ok_if "the next read is answered on a new connection" \
	"[ \$(api GET /api/v1/runs/$run) = 200 ] && [ \"\$(jget '$T/body' 'd[\"title\"]')\" = before ]"
terminate >/dev/null
ok_if "so is the next write (results, in a transaction)" \
	"[ \$(post_json /api/v1/runs/$run/results '[{\"test\":\"a\",\"status\":\"passed\"},{\"test\":\"b\",\"status\":\"failed\"}]') = 201 ]"
ok_if "and it was recorded once" \
	"[ \"\$(sql '$db' \"select count(*) from results where run_id = '$run'\")\" = 2 ]"

# PostgreSQL refusing connections (as while it restarts).
sql "$ASSAY_TEST_PG_URL" "ALTER DATABASE $name ALLOW_CONNECTIONS false" >/dev/null
terminate >/dev/null
ok_if "while the database cannot be reached the answer is 503 store_unavailable" \
	"[ \$(api GET /api/v1/runs/$run) = 503 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = store_unavailable ]"
ok_if "a write too, and nothing is half-done" \
	"[ \$(post_json /api/v1/runs/$run/results '{\"test\":\"c\",\"status\":\"passed\"}') = 503 ]"
sql "$ASSAY_TEST_PG_URL" "ALTER DATABASE $name ALLOW_CONNECTIONS true" >/dev/null
ok_if "once it accepts connections again the server answers" \
	"[ \$(api GET /api/v1/runs/$run) = 200 ] && [ \$(post_json /api/v1/runs/$run/complete '{}') = 200 ]"
ok_if "the refused write left no result" \
	"[ \"\$(sql '$db' \"select count(*) from results where run_id = '$run'\")\" = 2 ]"
stop_server
ok_if "the server stopped cleanly" "[ $SRV_RC = 0 ] && server_clean"
done_testing
