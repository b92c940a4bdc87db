# Leases as the database records them, with stand-in workers driven
# through the HTTP API of a real assay serve (curl; no assay worker):
#  - each worker row records the lease its server granted it, and
#    `assay workers`, `assay pool show|list`, `assay start --require-online`
#    and the API judge "online"/"lost" by it (--lease overrides; a row that
#    records none counts as the default 30 s);
#  - a worker that keeps heartbeating without naming the run it holds loses
#    that run once the claim is older than the lease: queued again once, 99
#    the second time; a fresh claim, a named run and another worker's run
#    are left alone.
# Times are moved with SQL (heartbeat_at, claimed_at), never waited for.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.inc"
db=$(test_db "$T/db.sqlite") || exit 1
q() { sql "$db" "$1"; }
TOKEN=$(make_token "$db" ci write)
"$ASSAY" pool add lab --db "$db" >/dev/null
start_server "$db" --lease 1h || exit 1

# --- the lease recorded on the worker's row ---
ok_if "a worker registers and is answered the lease the server grants (1 h)" \
	"[ \$(post_json /api/v1/workers '{\"name\":\"w1\",\"pool\":\"lab\"}') = 200 ] && [ \"\$(jget '$T/body' 'd[\"lease_ms\"]')\" = 3600000 ]"
ok_if "its row records that lease" "[ \"\$(q \"select lease_ms from workers where name = 'w1'\")\" = 3600000 ]"
q "update workers set heartbeat_at = heartbeat_at - 60000 where name = 'w1'"
expect_code 0 "assay workers" "$ASSAY" workers --db "$db"
check "silent for 60 s under a 1 h lease, the worker is idle, not lost; its lease is shown" \
	grep -qE '^w1 +lab +idle +1h00m ' "$T/out"
expect_code 0 "assay workers --json" "$ASSAY" workers --db "$db" --json
ok_if "the JSON says idle with lease_ms 3600000" \
	"[ \"\$(jq -c '[.[0].state, .[0].lease_ms]' '$T/out')\" = '[\"idle\",3600000]' ]"
expect_code 0 "assay pool show" "$ASSAY" pool show lab --db "$db"
check "pool show counts it online" contains "$T/out" "1 expected, 1 registered, 1 online"
expect_code 0 "assay pool list" "$ASSAY" pool list --db "$db"
check "pool list counts it online" grep -qE '^lab +1 +1 ' "$T/out"
ok_if "GET /api/v1/workers: idle, lease_ms 3600000" \
	"[ \$(api GET /api/v1/workers) = 200 ] && [ \"\$(jget '$T/body' '[(w[\"state\"], w[\"lease_ms\"]) for w in d[\"workers\"]]')\" = '[[\"idle\", 3600000]]' ]"
ok_if "GET /api/v1/pools/lab: 1 online" \
	"[ \$(api GET /api/v1/pools/lab) = 200 ] && [ \"\$(jget '$T/body' 'd[\"online\"]')\" = 1 ]"
expect_code 0 "start --require-online takes the worker for online" \
	"$ASSAY" start smoke --pool lab --require-online --db "$db"
r1=$(cat "$T/out")
check "and gives no warning" test ! -s "$T/err"
expect_code 0 "assay workers --lease 30s (an explicit override)" "$ASSAY" workers --db "$db" --lease 30s
check "judges it by 30 s: lost" grep -qE '^w1 +lab +lost ' "$T/out"
expect_code 0 "assay pool show --lease 30s" "$ASSAY" pool show lab --db "$db" --lease 30s
check "counts it offline" contains "$T/out" "1 registered, 0 online"
expect_code 2 "workers --lease wants a duration" "$ASSAY" workers --db "$db" --lease soon

q "update workers set lease_ms = 1000 where name = 'w1'"
expect_code 0 "with a recorded lease of 1 s" "$ASSAY" workers --db "$db"
check "the same heartbeat is lost" grep -qE '^w1 +lab +lost +1\.00s ' "$T/out"
expect_code 0 "pool show" "$ASSAY" pool show lab --db "$db"
check "counts it offline" contains "$T/out" "1 registered, 0 online"
ok_if "the API says lost, lease_ms 1000" \
	"[ \$(api GET /api/v1/workers) = 200 ] && [ \"\$(jget '$T/body' '[(w[\"state\"], w[\"lease_ms\"]) for w in d[\"workers\"]]')\" = '[[\"lost\", 1000]]' ] && [ \$(api GET /api/v1/pools/lab) = 200 ] && [ \"\$(jget '$T/body' 'd[\"online\"]')\" = 0 ]"
expect_code 2 "start --require-online is refused" "$ASSAY" start smoke --pool lab --require-online --db "$db"
q "update workers set lease_ms = NULL where name = 'w1'"
expect_code 0 "a row recording no lease (written before schema 0008)" "$ASSAY" workers --db "$db" --json
ok_if "is judged by the default 30 s: silent 60 s, it is lost" \
	"[ \"\$(jq -c '[.[0].state, .[0].lease_ms]' '$T/out')\" = '[\"lost\",30000]' ]"
ok_if "a heartbeat records the server's lease again" \
	"[ \$(post_json /api/v1/workers/w1/heartbeat '{}') = 200 ] && [ \"\$(q \"select lease_ms from workers where name = 'w1'\")\" = 3600000 ]"
expect_code 0 "assay workers" "$ASSAY" workers --db "$db"
check "w1 is idle again" grep -qE '^w1 +lab +idle +1h00m ' "$T/out"

# --- a run its holder's heartbeat does not name ---
order_is() { # RUN: "state|worker|lost|lifecycle"
	q "select o.state, coalesce(o.worker, ''), o.lost, r.lifecycle_code from run_orders o join test_runs r on r.id = o.run_id where o.run_id = '$1'"
}
claim() { # WORKER: claims, sets $cl_run and $cl_claim
	post_json "/api/v1/workers/$1/claim" '{}' >/dev/null
	cl_run=$(jget "$T/body" 'd["run"]["id"]')
	cl_claim=$(jget "$T/body" 'd["order"]["claim"]')
}
age_claim() { q "update run_orders set claimed_at = claimed_at - 7200000 where run_id = '$1'"; }
heartbeat() { # WORKER BODY: the answer in $T/body
	[ "$(post_json "/api/v1/workers/$1/heartbeat" "$2")" = 200 ]
}
claim w1
ok_if "w1 claims the queued run" "[ '$cl_run' = '$r1' ] && [ \"\$(order_is '$r1')\" = 'claimed|w1|0|0' ]"
ok_if "its holder sends suite outputs under its claim; another sender one of its own" \
	"[ \$(post_json /api/v1/runs/$r1/outputs '[{\"suite\":\"pkg/C\",\"stdout\":\"first attempt C\"},{\"suite\":\"pkg/D\",\"stdout\":\"first attempt D\"}]' -H 'X-Assay-Claim: w1 $cl_claim') = 201 ] && [ \$(post_json /api/v1/runs/$r1/outputs '{\"suite\":\"pkg/C\",\"stdout\":\"not a worker\"}') = 201 ]"
ok_if "a heartbeat without it, the claim fresh (its answer may be on its way)" "heartbeat w1 '{}'"
ok_if "leaves the run held" "[ \"\$(order_is '$r1')\" = 'claimed|w1|0|0' ]"
age_claim "$r1"
ok_if "a heartbeat naming it, claimed 2 h ago" \
	"heartbeat w1 '{\"run\":\"$r1\",\"claim\":$cl_claim}' && [ \"\$(jget '$T/body' 'd[\"lost\"]')\" = false ]"
ok_if "leaves it held too (a long run is not a dropped one)" "[ \"\$(order_is '$r1')\" = 'claimed|w1|0|0' ]"
r2=$("$ASSAY" start smoke --pool lab --db "$db" 2>/dev/null)
post_json /api/v1/workers '{"name":"w2","pool":"lab"}' >/dev/null
claim w2
ok_if "w2 holds another run, claimed 2 h ago" "[ '$cl_run' = '$r2' ] && age_claim '$r2' && [ \"\$(order_is '$r2')\" = 'claimed|w2|0|0' ]"
ok_if "a heartbeat of w1 without its run, the claim 2 h old" "heartbeat w1 '{\"run\":null,\"claim\":0}'"
ok_if "gives the run back to the queue, counted lost once" "[ \"\$(order_is '$r1')\" = 'queued||1|-1' ]"
ok_if "with an event saying why" \
	"[ \$(q \"select count(*) from run_events where run_id = '$r1' and lifecycle_code = -1 and message = 'worker w1 heartbeats without run $r1; queued again'\") = 1 ]"
ok_if "w2's run is not w1's to lose" "[ \"\$(order_is '$r2')\" = 'claimed|w2|0|0' ]"
ok_if "w1's old claim is fenced off: its heartbeat naming it hears lost" \
	"heartbeat w1 '{\"run\":\"$r1\",\"claim\":$cl_claim}' && [ \"\$(jget '$T/body' 'd[\"lost\"]')\" = true ]"
claim w1
ok_if "w1 claims it again (claim 2)" "[ '$cl_run' = '$r1' ] && [ '$cl_claim' = 2 ]"
outputs_of() { # RUN
	q "select group_concat(suite || '=' || stdout_text, ' ') from (select suite, stdout_text from suite_outputs where run_id = '$1' order by id) as x"
}
ok_if "the run run again: its new claim's output of a suite replaces the lost claim's only" \
	"[ \$(post_json /api/v1/runs/$r1/outputs '{\"suite\":\"pkg/C\",\"stdout\":\"second attempt C\"}' -H 'X-Assay-Claim: w1 $cl_claim') = 201 ] && [ \"\$(outputs_of '$r1')\" = 'pkg/D=first attempt D pkg/C=not a worker pkg/C=second attempt C' ]"
heartbeat w1 '{}'
ok_if "a fresh claim again survives a heartbeat without it" "[ \"\$(order_is '$r1')\" = 'claimed|w1|1|0' ]"
age_claim "$r1"
ok_if "dropped a second time" "heartbeat w1 '{}'"
ok_if "the run fails (99)" "[ \"\$(order_is '$r1')\" = 'done|w1|2|99' ]"
ok_if "its reason says why" \
	"[ \"\$(q \"select reason from test_runs where id = '$r1'\")\" = 'worker w1 heartbeats without run $r1; lost twice, so failed' ]"
ok_if "w2's run is still held" "[ \"\$(order_is '$r2')\" = 'claimed|w2|0|0' ]"
stop_server
ok_if "the server stopped cleanly" "[ $SRV_RC = 0 ] && server_clean"
done_testing
