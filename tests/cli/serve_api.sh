# assay serve: every route over real HTTP, the error shapes, pagination,
# bulk results with a bad item, idempotent retries, closed runs, limits,
# and an OpenAPI document that lists exactly the routes the server has.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.inc"
cd "$T"
db=$(test_db "$T/api.db")

TOKEN=$(make_token "$db" tester write)
start_server "$db" --max-body 64K
ok_if "the server starts on a free port and says where" "[ -n '$URL' ]"

# --- health ---
ok_if "GET /healthz answers ok with the schema version" \
	"[ \$(api GET /healthz) = 200 ] && [ \"\$(jget '$T/body' 'd[\"status\"]')\" = ok ] && [ \$(jget '$T/body' 'd[\"schema_version\"]') -ge 3 ]"

# --- creating a run for a reporter ---
code=$(post_json /api/v1/runs '{"title":"nightly","description":"from CI","environment":"staging","project":"shop","milestone":"v2","triggered_by":"jenkins","context":{"build":"42","debug":true}}')
ok_if "POST /api/v1/runs answers 201 with the run" "[ $code = 201 ] && [ \"\$(jget '$T/body' 'd[\"title\"]')\" = nightly ]"
run=$(jget "$T/body" 'd["id"]')
ok_if "with a Location header" "grep -qi '^Location: /api/v1/runs/$run' '$T/headers'"
ok_if "the run is open: in progress (6), running" \
	"[ \"\$(jget '$T/body' '(d[\"lifecycle_code\"], d[\"status\"])')\" = \"(6, 'running')\" ]"
ok_if "its properties are stored as given" \
	"[ \"\$(sql '$db' \"select r.environment || ' ' || p.name || ' ' || r.milestone || ' ' || r.triggered_by || ' ' || r.context_json from test_runs r join projects p on p.id = r.project_id where r.id = '$run'\")\" = 'staging shop v2 jenkins {\"build\":\"42\",\"debug\":true}' ]"
ok_if "it belongs to no local process (recovery leaves it alone)" \
	"[ \"\$(sql '$db' \"select coalesce(host, 'null') || coalesce(cast(pid as text), 'null') from test_runs where id = '$run'\")\" = nullnull ]"
ok_if "a bad member is a 400 naming it" \
	"[ \$(post_json /api/v1/runs '{\"title\": 5}') = 400 ] && grep -q 'title: must be a string' '$T/body'"
ok_if "context must be an object" "[ \$(post_json /api/v1/runs '{\"context\": [1]}') = 400 ]"

# --- reading a run ---
ok_if "GET /api/v1/runs/{id} has the counts" \
	"[ \$(api GET /api/v1/runs/$run) = 200 ] && [ \"\$(jget '$T/body' 'd[\"counts\"][\"passed\"]')\" = 0 ]"
ok_if "a unique id prefix and 'last' find runs too" \
	"[ \$(api GET /api/v1/runs/${run%????????????????????????????}) = 200 ] && [ \$(api GET /api/v1/runs/last) = 200 ]"
ok_if "an unknown run is 404 with an error object" \
	"[ \$(api GET /api/v1/runs/0000dead-0000-7000-8000-000000000000) = 404 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = not_found ]"

# --- results: one, many, bad items ---
code=$(post_json "/api/v1/runs/$run/results" '{"test":"login","status":"passed","duration_ms":12,"started_at":"2026-11-23T10:00:00Z"}')
ok_if "one result object is recorded (201)" "[ $code = 201 ] && [ \"\$(jget '$T/body' 'd[\"items\"][0][\"status\"]')\" = created ]"
code=$(post_json "/api/v1/runs/$run/results" '[{"test":"a","status":"passed"},{"test":"b","status":"sideways"},{"status":"failed"},{"test":"c","status":"failed","message":"boom","exit_code":1},{"test":"p/x","parent":"q","status":"passed"}]')
ok_if "a batch with bad items answers 207 with a status per item" \
	"[ $code = 207 ] && [ \"\$(jget '$T/body' '[i[\"status\"] for i in d[\"items\"]]')\" = '[\"created\", \"invalid\", \"invalid\", \"created\", \"invalid\"]' ]"
ok_if "each bad item says which field is wrong" \
	"[ \"\$(jget '$T/body' '[i[\"error\"][\"message\"].split(\":\")[0] for i in d[\"items\"] if i[\"status\"] == \"invalid\"]')\" = '[\"status\", \"test\", \"parent\"]' ]"
ok_if "the good items of that batch are recorded" \
	"[ \"\$(sql '$db' \"select group_concat(test, ',') from (select test from results where run_id = '$run' order by seq) as s\")\" = login,a,c ]"
ok_if "and counted in the run" \
	"[ \$(api GET /api/v1/runs/$run) = 200 ] && [ \"\$(jget '$T/body' '(d[\"counts\"][\"passed\"], d[\"counts\"][\"failed\"])')\" = '(2, 1)' ]"
code=$(post_json "/api/v1/runs/$run/results" '[{"test":"x"},{"test":"y","status":7}]')
ok_if "an empty array is 400" "[ \$(post_json /api/v1/runs/$run/results '[]') = 400 ]"
ok_if "a batch of only bad items is 422 and records nothing" \
	"[ $code = 422 ] && [ \$(sql '$db' \"select count(*) from results where run_id = '$run'\") = 3 ]"
code=$(post_json "/api/v1/runs/$run/results" '{"test":"a","status":"failed"}')
ok_if "a test sent again is its next attempt, the earlier one superseded" \
	"[ $code = 201 ] && [ \"\$(sql '$db' \"select group_concat(attempt || ':' || cast(superseded as integer), ' ') from results where run_id = '$run' and test = 'a'\")\" = '1:1 2:0' ]"

# Attempt numbers a reporter gives: the last result sent counts, whatever
# its number, and one sent as superseded is an earlier attempt.
code=$(post_json /api/v1/runs '{"title":"attempts"}')
att=$(jget "$T/body" 'd["id"]')
ok_if "a run opened without triggered_by is triggered by the token's name" \
	"[ \"\$(sql '$db' \"select triggered_by from test_runs where id = '$att'\")\" = tester ]"
post_json "/api/v1/runs/$att/results" '{"test":"k","status":"failed","attempt":1}' >/dev/null
post_json "/api/v1/runs/$att/results" '{"test":"k","status":"failed","attempt":1}' >/dev/null
code=$(post_json "/api/v1/runs/$att/results" '{"test":"k","status":"passed","attempt":2}')
ok_if "results of one test with given attempt numbers supersede each other" \
	"[ $code = 201 ] && [ \"\$(sql '$db' \"select group_concat(attempt || ':' || cast(superseded as integer), ' ') from (select attempt, superseded from results where run_id = '$att' and test = 'k' order by seq) as s\")\" = '1:1 2:1 3:0' ]"
code=$(post_json "/api/v1/runs/$att/results" '[{"test":"m","status":"failed","attempt":1,"superseded":true},{"test":"m","status":"error","attempt":2,"superseded":true},{"test":"m","status":"passed","attempt":3}]')
ok_if "earlier attempts sent as superseded come before the one that counts" \
	"[ $code = 201 ] && [ \"\$(sql '$db' \"select group_concat(attempt || ':' || cast(superseded as integer), ' ') from (select attempt, superseded from results where run_id = '$att' and test = 'm' order by seq) as s\")\" = '1:1 2:1 3:0' ]"
ok_if "the run counts each test once, its last result, and both as flaky" \
	"[ \$(api GET /api/v1/runs/$att) = 200 ] && [ \"\$(jget '$T/body' '(d[\"counts\"][\"passed\"], d[\"counts\"][\"failed\"], d[\"counts\"][\"error\"], d[\"flaky\"])')\" = '(2, 0, 0, 2)' ]"
ok_if "and completes passed" \
	"[ \$(api POST /api/v1/runs/$att/complete) = 200 ] && [ \"\$(jget '$T/body' 'd[\"lifecycle\"]')\" = completed ]"

# A sub-result that failed under a parent never sent still fails the run.
code=$(post_json /api/v1/runs '{"title":"orphans"}')
orph=$(jget "$T/body" 'd["id"]')
post_json "/api/v1/runs/$orph/results" '[{"test":"g/sub","status":"failed","parent":"g"},{"test":"h","status":"passed"},{"test":"h/ok","status":"passed","parent":"h"}]' >/dev/null
ok_if "a run whose only failure is a sub-result without its parent completes failed" \
	"[ \$(api POST /api/v1/runs/$orph/complete) = 200 ] && [ \"\$(jget '$T/body' '(d[\"lifecycle_code\"], d[\"status\"])')\" = \"(8, 'failed')\" ] && [ \$(api GET /api/v1/runs/$orph/events) = 200 ] && grep -q '1 sub-results did not pass and have no parent result' '$T/body'"
ok_if "an unknown run status is a bad query on /runs as on /results" \
	"[ \$(api GET '/api/v1/runs?status=sideways') = 400 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = bad_query ] && [ \$(api GET '/api/v1/runs/$att/results?status=sideways') = 400 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = bad_query ]"
ok_if "a bare ?final or ?top_level means true" \
	"[ \$(api GET '/api/v1/runs/$att/results?final') = 200 ] && [ \"\$(jget '$T/body' 'len(d[\"results\"])')\" = 2 ] && [ \$(api GET '/api/v1/runs/$att/results?final=false') = 200 ] && [ \"\$(jget '$T/body' 'len(d[\"results\"])')\" = 6 ]"
ok_if "a day its month does not have is refused, not moved to the next month" \
	"[ \$(post_json /api/v1/runs/$run/results '{\"test\":\"d\",\"status\":\"passed\",\"started_at\":\"2026-02-30T00:00:00Z\"}') = 422 ] && grep -q 'started_at: must be an ISO 8601 time' '$T/body' && [ \$(api GET '/api/v1/runs?since=2026-02-30') = 400 ]"

# --- malformed requests ---
code=$(post_json "/api/v1/runs/$run/results" '[
  {"test": "a", "status": "passed"},
  {"test": "b" "status": "passed"}
]')
# jansson names the column where it saw the bad token ("status" spans 16-23)
ok_if "malformed JSON is 400 naming line and column" \
	"[ $code = 400 ] && [ \"\$(jget '$T/body' '(d[\"error\"][\"code\"], d[\"error\"][\"line\"], 16 <= d[\"error\"][\"column\"] <= 23)')\" = \"('malformed_json', 3, True)\" ] && grep -q 'line 3, column ' '$T/body'"
ok_if "a body cut short is 400 too" "[ \$(post_json /api/v1/runs/$run/results '[{\"test\": \"a\"') = 400 ]"
ok_if "an empty body is 400" "[ \$(post_json /api/v1/runs/$run/results '') = 400 ]"
ok_if "a body that is not JSON at all is 400" "[ \$(post_json /api/v1/runs/$run/results 'hello') = 400 ]"
ok_if "bytes that are not UTF-8 are 400, not a crash" \
	"[ \$(printf '{\"test\":\"\\377\",\"status\":\"passed\"}' | curl -s -o '$T/body' -w '%{http_code}' -H 'Authorization: Bearer $TOKEN' -H 'Content-Type: application/json' --data-binary @- $URL/api/v1/runs/$run/results) = 400 ]"
ok_if "a form Content-Type is 415" \
	"[ \$(api POST /api/v1/runs/$run/results -d 'test=a') = 415 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = unsupported_media_type ]"
ok_if "an unknown route is 404 with an error object" \
	"[ \$(api GET /api/v2/nothing) = 404 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = no_route ]"
ok_if "a known path with the wrong method is 405 with Allow" \
	"[ \$(api DELETE /api/v1/runs/$run) = 405 ] && grep -qi '^Allow: GET, HEAD' '$T/headers'"
ok_if "the error says so" "[ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = method_not_allowed ]"
ok_if "a run can name only a pool assay knows (400 otherwise, nothing opened)" \
	"n=\$(sql '$db' 'select count(*) from test_runs'); [ \$(post_json /api/v1/runs '{\"title\":\"p\",\"pool\":\"nope\"}') = 400 ] && grep -q \"no pool named 'nope'\" '$T/body' && [ \$(sql '$db' 'select count(*) from test_runs') = \$n ]"
ok_if "an empty environment or project is none given (the defaults)" \
	"[ \$(post_json /api/v1/runs '{\"title\":\"e\",\"environment\":\"\",\"project\":\"\"}') = 201 ] && [ \"\$(jget '$T/body' 'd[\"environment\"] in (\"local\", \"ci\") and d[\"project\"] == \"default\"')\" = true ]"

# --- body limits ---
n=$(sql "$db" "select count(*) from results")
python3 -c 'import json; print(json.dumps([{"test": "big%d" % i, "status": "passed", "message": "x" * 100} for i in range(1000)]))' >"$T/big.json"
ok_if "a body over --max-body is 413 from its Content-Length" \
	"[ \$(api POST /api/v1/runs/$run/results -H 'Content-Type: application/json' --data-binary @'$T/big.json') = 413 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = too_large ]"
ok_if "and 413 while streaming when no length was given" \
	"[ \$(api POST /api/v1/runs/$run/results -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @'$T/big.json') = 413 ]"
ok_if "neither recorded anything" "[ \$(sql '$db' 'select count(*) from results') = $n ]"

# --- idempotency ---
batch='[{"test":"idem1","status":"passed"},{"test":"idem2","status":"failed"}]'
code1=$(post_json "/api/v1/runs/$run/results" "$batch" -H 'Idempotency-Key: k-1')
cp "$T/body" "$T/first"
code2=$(post_json "/api/v1/runs/$run/results" "$batch" -H 'Idempotency-Key: k-1')
ok_if "a retried request with the same Idempotency-Key gets the same answer" \
	"[ $code1 = 201 ] && [ $code2 = 201 ] && cmp -s '$T/first' '$T/body'"
ok_if "and records nothing twice" "[ \$(sql '$db' \"select count(*) from results where test like 'idem%'\") = 2 ]"
ok_if "the key with a different body is refused (422)" \
	"[ \$(post_json /api/v1/runs/$run/results '[{\"test\":\"idem3\",\"status\":\"passed\"}]' -H 'Idempotency-Key: k-1') = 422 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = idempotency_key_reused ]"

# --- suites' own output ---
ok_if "POST outputs records a suite's own output (201), read back by suite" \
	"[ \$(post_json /api/v1/runs/$run/outputs '{\"suite\":\"com.acme.CartTest\",\"stdout\":\"class log\",\"stderr\":null}') = 201 ] && [ \"\$(jget '$T/body' '(d[\"created\"], d[\"items\"][0][\"suite\"])')\" = \"(1, 'com.acme.CartTest')\" ] && [ \$(api GET '/api/v1/runs/$run/outputs?suite=com.acme.CartTest') = 200 ] && [ \"\$(jget '$T/body' '(d[\"outputs\"][0][\"stdout\"], d[\"outputs\"][0][\"stderr\"])')\" = \"('class log', None)\" ]"
code=$(post_json "/api/v1/runs/$run/outputs" '[{"suite":"","stderr":"top-level warning"},{"stdout":"x"},{"suite":"s","stdout":""},{"suite":7,"stdout":"x"},{"suite":"t","stdout":3}]')
ok_if "an array records its valid items and answers each (207)" \
	"[ $code = 207 ] && [ \"\$(jget '$T/body' '(d[\"created\"], d[\"invalid\"], [i[\"status\"] for i in d[\"items\"]])')\" = \"(1, 4, ['created', 'invalid', 'invalid', 'invalid', 'invalid'])\" ]"
ok_if "each invalid item says which field is wrong" \
	"[ \"\$(jget '$T/body' '[i[\"error\"][\"message\"].split(\":\")[0] for i in d[\"items\"][1:]]')\" = '[\"suite\", \"stdout, stderr\", \"suite\", \"stdout\"]' ]"
ok_if "an all-invalid body is 422 and an empty array 400" \
	"[ \$(post_json /api/v1/runs/$run/outputs '{\"suite\":\"x\"}') = 422 ] && [ \$(post_json /api/v1/runs/$run/outputs '[]') = 400 ]"
ok_if "the run's outputs list both suites, top level as \"\"" \
	"[ \$(api GET /api/v1/runs/$run/outputs) = 200 ] && [ \"\$(jget '$T/body' '[(o[\"suite\"], o[\"stdout_bytes\"], o[\"stderr_bytes\"]) for o in d[\"outputs\"]]')\" = '[[\"com.acme.CartTest\", 9, 0], [\"\", 0, 17]]' ]"
out='{"suite":"idem.Suite","stdout":"once"}'
code1=$(post_json "/api/v1/runs/$run/outputs" "$out" -H 'Idempotency-Key: o-1')
cp "$T/body" "$T/ofirst"
code2=$(post_json "/api/v1/runs/$run/outputs" "$out" -H 'Idempotency-Key: o-1')
ok_if "a retried outputs request with its Idempotency-Key is answered again and recorded once" \
	"[ $code1 = 201 ] && [ $code2 = 201 ] && cmp -s '$T/ofirst' '$T/body' && [ \$(sql '$db' \"select count(*) from suite_outputs where suite = 'idem.Suite'\") = 1 ]"
ok_if "the same key and bytes sent to the results route are another request (422), not a replay" \
	"[ \$(post_json /api/v1/runs/$run/results '$out' -H 'Idempotency-Key: o-1') = 422 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = idempotency_key_reused ]"
ok_if "outputs for an unknown run are 404" \
	"[ \$(post_json /api/v1/runs/0000dead-0000-7000-8000-000000000000/outputs '{\"suite\":\"a\",\"stdout\":\"b\"}') = 404 ]"

# --- pagination of results ---
post_json /api/v1/runs '{"title":"paged"}' >/dev/null
paged=$(jget "$T/body" 'd["id"]')
python3 -c 'import json; print(json.dumps([{"test": "t%03d" % i, "status": "passed"} for i in range(250)]))' >"$T/250.json"
ok_if "250 results go in as one batch" "[ \$(api POST /api/v1/runs/$paged/results -H 'Content-Type: application/json' --data-binary @'$T/250.json') = 201 ]"
: >"$T/seen"
cursor=""
pages=0
while :; do
	q="limit=100"
	[ -n "$cursor" ] && q="$q&cursor=$cursor"
	[ "$(api GET "/api/v1/runs/$paged/results?$q")" = 200 ] || break
	jget "$T/body" '"\n".join(r["test"] for r in d["results"])' >>"$T/seen"
	pages=$((pages + 1))
	cursor=$(jget "$T/body" 'd["next_cursor"] or ""')
	[ -z "$cursor" ] && break
	# a result recorded between pages lands after the ones already listed
	[ $pages = 1 ] && post_json "/api/v1/runs/$paged/results" '{"test":"t999","status":"failed"}' >/dev/null
done
ok_if "results page by cursor: 3 pages, every result once, in recording order" \
	"[ $pages = 3 ] && [ \$(wc -l <'$T/seen') = 251 ] && [ \$(sort -u '$T/seen' | wc -l) = 251 ] && sort -c '$T/seen'"
ok_if "results filter by status and test" \
	"[ \$(api GET '/api/v1/runs/$paged/results?status=failed') = 200 ] && [ \"\$(jget '$T/body' '[r[\"test\"] for r in d[\"results\"]]')\" = '[\"t999\"]' ] && [ \$(api GET '/api/v1/runs/$paged/results?test=t042') = 200 ] && [ \"\$(jget '$T/body' 'len(d[\"results\"])')\" = 1 ]"
ok_if "a bad cursor is 400" "[ \$(api GET '/api/v1/runs/$paged/results?cursor=zzzz') = 400 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = bad_cursor ]"
ok_if "a runs cursor is refused by the results listing" \
	"[ \$(api GET '/api/v1/runs?limit=1') = 200 ] && c=\$(jget '$T/body' 'd[\"next_cursor\"]') && [ \$(api GET \"/api/v1/runs/$paged/results?cursor=\$c\") = 400 ]"
ok_if "a bad limit or status is 400" \
	"[ \$(api GET '/api/v1/runs/$paged/results?limit=0') = 400 ] && [ \$(api GET '/api/v1/runs/$paged/results?status=green') = 400 ]"

# --- runs listing: filters and pages that hold still under inserts ---
for i in 1 2 3 4 5 6 7; do
	env=dev; [ $((i % 2)) = 0 ] && env=prod
	post_json /api/v1/runs "{\"title\":\"list $i\",\"environment\":\"$env\",\"description\":\"batch 100%_$i\"}" >/dev/null
done
all=$(sql "$db" "select count(*) from test_runs")
: >"$T/runs_seen"
cursor=""
pages=0
while :; do
	q="limit=3"
	[ -n "$cursor" ] && q="$q&cursor=$cursor"
	[ "$(api GET "/api/v1/runs?$q")" = 200 ] || break
	jget "$T/body" '"\n".join(r["id"] for r in d["runs"])' >>"$T/runs_seen"
	pages=$((pages + 1))
	cursor=$(jget "$T/body" 'd["next_cursor"] or ""')
	[ -z "$cursor" ] && break
	post_json /api/v1/runs '{"title":"inserted while paging"}' >/dev/null
done
ok_if "runs page newest first: every run that existed once, none twice" \
	"[ \$(wc -l <'$T/runs_seen') = $all ] && [ \$(sort -u '$T/runs_seen' | wc -l) = $all ] && sort -rc '$T/runs_seen'"
ok_if "runs filter by environment" \
	"[ \$(api GET '/api/v1/runs?environment=prod') = 200 ] && [ \"\$(jget '$T/body' 'sorted(r[\"title\"] for r in d[\"runs\"])')\" = '[\"list 2\", \"list 4\", \"list 6\"]' ]"
ok_if "runs filter by text in the title or description (% and _ literal)" \
	"[ \$(api GET '/api/v1/runs?text=100%25_3') = 200 ] && [ \"\$(jget '$T/body' '[r[\"title\"] for r in d[\"runs\"]]')\" = '[\"list 3\"]' ] && [ \$(api GET '/api/v1/runs?text=NIGHTLY') = 200 ] && [ \"\$(jget '$T/body' 'len(d[\"runs\"])')\" = 1 ]"
ok_if "runs filter by triggered_by" \
	"[ \$(api GET '/api/v1/runs?triggered_by=jenkins') = 200 ] && [ \"\$(jget '$T/body' '[r[\"id\"] for r in d[\"runs\"]]')\" = '[\"$run\"]' ]"
ok_if "since and until take ISO 8601 or epoch ms" \
	"[ \$(api GET '/api/v1/runs?since=2000-01-01&until=2000-01-02') = 200 ] && [ \"\$(jget '$T/body' 'len(d[\"runs\"])')\" = 0 ] && [ \$(api GET '/api/v1/runs?since=1000&limit=1000') = 200 ] && [ \"\$(jget '$T/body' 'len(d[\"runs\"])')\" -ge $all ]"
ok_if "a bad since is 400" "[ \$(api GET '/api/v1/runs?since=yesterday') = 400 ]"

# --- closing runs ---
ok_if "complete ends the run with failures (8) and its verdict" \
	"[ \$(api POST /api/v1/runs/$run/complete) = 200 ] && [ \"\$(jget '$T/body' '(d[\"lifecycle_code\"], d[\"status\"], d[\"completed_at\"] is not None)')\" = \"(8, 'failed', True)\" ]"
ok_if "completing it again is 409" \
	"[ \$(api POST /api/v1/runs/$run/complete) = 409 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = run_closed ]"
ok_if "a closed run refuses results (409) and records nothing" \
	"[ \$(post_json /api/v1/runs/$run/results '{\"test\":\"late\",\"status\":\"passed\"}') = 409 ] && [ \$(sql '$db' \"select count(*) from results where test = 'late'\") = 0 ]"
ok_if "and refuses suite outputs (409)" \
	"[ \$(post_json /api/v1/runs/$run/outputs '{\"suite\":\"late\",\"stdout\":\"x\"}') = 409 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = run_closed ]"
ok_if "but a retry of a request it took still gets its answer" \
	"[ \$(post_json /api/v1/runs/$run/results '$batch' -H 'Idempotency-Key: k-1') = 201 ] && cmp -s '$T/first' '$T/body'"
ok_if "an all-passed run completes as completed (7)" \
	"[ \$(api POST /api/v1/runs/$paged/cancel) = 200 ] && [ \"\$(jget '$T/body' 'd[\"lifecycle_code\"]')\" = 10 ] || true; post_json /api/v1/runs '{\"title\":\"green\"}' >/dev/null; g=\$(jget '$T/body' 'd[\"id\"]'); post_json /api/v1/runs/\$g/results '{\"test\":\"ok\",\"status\":\"passed\"}' >/dev/null; [ \$(api POST /api/v1/runs/\$g/complete) = 200 ] && [ \"\$(jget '$T/body' '(d[\"lifecycle_code\"], d[\"status\"])')\" = \"(7, 'passed')\" ]"
ok_if "cancel aborts a run (10) with the reason given" \
	"post_json /api/v1/runs '{\"title\":\"to cancel\"}' >/dev/null; c=\$(jget '$T/body' 'd[\"id\"]'); [ \$(post_json /api/v1/runs/\$c/cancel '{\"reason\":\"build broke\"}') = 200 ] && [ \"\$(jget '$T/body' '(d[\"lifecycle_code\"], d[\"status\"], d[\"reason\"])')\" = \"(10, 'cancelled', 'build broke')\" ]"
ok_if "events list the run's transitions" \
	"[ \$(api GET /api/v1/runs/$run/events) = 200 ] && [ \"\$(jget '$T/body' '[e[\"lifecycle_code\"] for e in d[\"events\"]]')\" = '[6, 8]' ]"

# --- the OpenAPI document is the route table ---
ok_if "GET /api/v1/openapi.json is an OpenAPI 3 document" \
	"[ \$(api GET /api/v1/openapi.json) = 200 ] && [ \"\$(jget '$T/body' 'd[\"openapi\"][:2]')\" = 3. ]"
cp "$T/body" "$T/openapi.json"
jget "$T/openapi.json" '"\n".join(m.upper() + " " + p for p in d["paths"] for m in d["paths"][p])' >"$T/ops"
while read -r m p; do
	path=$(printf '%s' "$p" | sed "s/{id}/$run/; s/{token}/share_unknown/")
	code=$(api "$m" "$path" -H 'Content-Type: application/json' --data-binary '{}')
	[ "$m" = GET ] && code=$(api GET "$path")
	ok_if "the server has $m $p (answers $code, not 404/405 of the router)" \
		"! grep -q '\"no_route\"\\|\"method_not_allowed\"' '$T/body'"
done <"$T/ops"
ok_if "the document gives the outputs route its Idempotency-Key and its answer's schema" \
	"[ \"\$(jget '$T/openapi.json' 'sorted(p[\"name\"] for p in d[\"paths\"][\"/api/v1/runs/{id}/outputs\"][\"post\"][\"parameters\"])')\" = '[\"Idempotency-Key\", \"id\"]' ] && jget '$T/openapi.json' 'd[\"paths\"][\"/api/v1/runs/{id}/outputs\"][\"post\"][\"responses\"]' | grep -q ItemsAnswer"
ok_if "the document has the core routes" \
	"grep -qx 'GET /api/v1/runs' '$T/ops' && grep -qx 'POST /api/v1/runs/{id}/results' '$T/ops' && grep -qx 'POST /api/v1/imports' '$T/ops' && [ \$(wc -l <'$T/ops') -ge 12 ]"

ok_if "GET /api/v1/tests lists recorded tests with their history" \
	"[ \$(api GET '/api/v1/tests?project=shop') = 200 ] && [ \"\$(jget '$T/body' 'sorted((t[\"project\"], t[\"name\"], t[\"results\"]) for t in d[\"tests\"])[:2]')\" = '[[\"shop\", \"a\", 2], [\"shop\", \"c\", 1]]' ]"
shop_tests=$(sql "$db" "select count(*) from tests t join projects p on p.id = t.project_id where p.name = 'shop'")
ok_if "GET /api/v1/projects lists projects with their runs and tests" \
	"[ \$(api GET /api/v1/projects) = 200 ] && [ \"\$(jget '$T/body' '[p[\"tests\"] for p in d[\"projects\"] if p[\"name\"] == \"shop\" and p[\"runs\"] > 0 and p[\"last_run_at\"]]')\" = '[$shop_tests]' ] && [ $shop_tests -gt 0 ]"

# --- no input crashes the server ---
python3 -c 'print("[" * 60000)' >"$T/deep.json"
ok_if "JSON nested 60000 deep is 400" "[ \$(api POST /api/v1/runs -H 'Content-Type: application/json' --data-binary @'$T/deep.json') = 400 ]"
ok_if "a number too large for 64 bits is an invalid item or 400" \
	"c=\$(post_json /api/v1/runs/$paged/results '{\"test\":\"n\",\"status\":\"passed\",\"duration_ms\":99999999999999999999999}'); [ \$c = 400 ] || [ \$c = 422 ]"
ok_if "a NUL escaped in a string is refused" \
	"[ \$(post_json /api/v1/runs '{\"title\":\"a\\u0000b\"}') = 400 ]"
ok_if "bytes that are not UTF-8 in a query are answered" \
	"c=\$(api GET '/api/v1/runs?environment=%ff%fe&text=%c3'); [ \$c = 200 ] && c=\$(api GET '/api/v1/runs?status=%ff'); [ \$c = 400 ] && jget '$T/body' 'd[\"error\"][\"code\"]' >/dev/null"
ok_if "an odd run id in the path is 404" \
	"[ \$(api GET '/api/v1/runs/%2e%2e') = 404 ] && [ \$(api GET '/api/v1/runs/%00abc/results') = 404 ]"
ok_if "the results of an unknown run are 404, not an empty list" \
	"[ \$(api GET /api/v1/runs/0000dead-0000-7000-8000-000000000000/results) = 404 ] && [ \$(api GET /api/v1/runs/0000dead-0000-7000-8000-000000000000/events) = 404 ]"
ok_if "results for an unknown run are 404 and record nothing" \
	"[ \$(post_json /api/v1/runs/0000dead-0000-7000-8000-000000000000/results '{\"test\":\"a\",\"status\":\"passed\"}') = 404 ]"
ok_if "a bad Idempotency-Key is 400" \
	"[ \$(post_json /api/v1/runs/$paged/results '{\"test\":\"a\",\"status\":\"passed\"}' -H \"Idempotency-Key: \$(python3 -c 'print(\"k\" * 300)')\") = 400 ]"
ok_if "garbage on the socket does not stop the server" \
	"printf 'GARBAGE / HTTP/9.9\\r\\n\\r\\n\\x00\\xff' | curl -s -o /dev/null --max-time 5 telnet://\${URL#http://} || true; [ \$(api GET /healthz) = 200 ]"
ok_if "the server is still answering after all of it" "[ \$(api GET /healthz) = 200 ]"

# --- metrics ---
ok_if "GET /metrics counts requests by route and code" \
	"[ \$(api GET /metrics) = 200 ] && grep -q '^assay_http_requests_total{route=\"results_add\",code=\"207\"} 1$' '$T/body'"
ok_if "with a latency histogram" "grep -q '^assay_http_request_duration_seconds_bucket{route=\"runs_list\",le=\"+Inf\"} ' '$T/body'"
ok_if "results ingested" "grep -qE '^assay_results_ingested_total [0-9]+$' '$T/body' && [ \$(sed -n 's/^assay_results_ingested_total //p' '$T/body') = \$(sql '$db' 'select count(*) from results') ]"
ok_if "and runs by lifecycle state" "grep -q '^assay_runs{lifecycle=\"in_progress\",code=\"6\"} ' '$T/body' && grep -q '^assay_runs{lifecycle=\"completed_with_failures\",code=\"8\"} 2$' '$T/body'"

stop_server
ok_if "SIGTERM stops the server with status 0" "[ $SRV_RC = 0 ]"
ok_if "with no sanitizer report" server_clean
expect_code 2 "a bad --listen is a usage error" "$ASSAY" serve --db "$db" --listen nowhere
expect_code 2 "a bad --max-body is a usage error" "$ASSAY" serve --db "$db" --max-body lots
done_testing
