# assay worker against a real assay serve on loopback: the QAOps phases with
# their codes, hooks, upgrade artifacts, failures (8 and 99), cancelling a
# running run, health taking a worker offline, and the API routes.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.inc"
db=$(test_db "$T/db.sqlite") || exit 1
# Conditions polled with wait_for (the same query on either backend).
lifecycle_is() { [ "$(sql "$db" "select lifecycle_code from test_runs where id = '$1'")" = "$2" ]; }
offline_says() { sql "$db" "select offline_reason from workers where name = '$1'" | grep -q "$2"; }

mkpkg() { # NAME INSTALL RUN [PROTOCOL]
	mkdir -p "$T/pk-$1"
	{
		printf 'name: %s\nversion: "1.0"\n' "$1"
		[ -n "$2" ] && printf 'install: %s\n' "$2"
		[ -n "$3" ] && printf 'run: %s\n' "$3"
		[ -n "${4:-}" ] && printf 'protocol: %s\n' "$4"
	} >"$T/pk-$1/assay.yaml"
	tar -czf "$T/$1.tgz" -C "$T/pk-$1" .
	"$ASSAY" package push --db "$db" "$T/$1.tgz" >/dev/null
}

TOKEN=$(make_token "$db" ci write)
"$ASSAY" pool add lab --db "$db" --provision 'echo provisioned >>"$ASSAY_POOL.prov"' \
	--upgrade 'cp "$ASSAY_UPGRADE_FILE" upgraded.bin && echo upgraded' \
	--teardown 'echo torn down' >/dev/null
mkpkg good 'echo built >built.txt' "sh -c 'test -f built.txt && echo ok 1 - built && echo ok 2 - again && echo 1..2'" tap
mkpkg fails '' 'exit 1'
mkpkg broken 'echo boom; exit 3' 'true'
nap="30.$$" # our own length: pgrep never sees another test's sleep
mkpkg slow '' "sleep $nap"
mkpkg ctx '' 'test "$ASSAY_CTX_who" = me'
# A JUnit-writing run hook whose suite has a log of its own (Gradle's shape).
mkdir -p "$T/pk-glog"
printf '%s\n' '#!/bin/sh' \
	'printf "<testsuite name=\"C\"><testcase classname=\"C\" name=\"a\"/><system-out>class log of C</system-out></testsuite>" >"$ASSAY_JUNIT_FILE"' \
	>"$T/pk-glog/log.sh"
mkpkg glog '' 'sh ./log.sh' junit
# Its install hook fails if an earlier run's file is there: each run must
# get the package as pushed, although the worker unpacks it only once.
mkdir -p "$T/pk-fresh/sub" && printf '#!/bin/sh\necho tool\n' >"$T/pk-fresh/sub/tool.sh" && chmod 755 "$T/pk-fresh/sub/tool.sh"
mkpkg fresh 'test ! -e built.txt && echo built >built.txt' 'test -f built.txt && ./sub/tool.sh'
start_server "$db" --lease 2s || exit 1

start_worker() { # NAME POOL [ARGS]
	_wn=$1 _wp=$2; shift 2
	"$ASSAY" worker --server "$URL" --token "$TOKEN" --pool "$_wp" --name "$_wn" \
		--workdir "$T/wd-$_wn" --poll 50ms "$@" 2>"$T/$_wn.err" &
	eval "W_$_wn=\$!"
}

start_worker w1 lab --slots 2 --timings "$T/timings" --keep-runs 3
echo artifact-bytes >"$T/release.bin"
r1=$("$ASSAY" start smoke --pool lab --package good@1.0 --upgrade "$T/release.bin" --db "$db" 2>/dev/null)
expect_code 0 "a run of a passing package completes (7); wait exits 0" "$ASSAY" wait "$r1" --db "$db"
check "wait printed every phase in order" sh -c "[ \"\$(grep -oE '^[0-9T:.Z-]+ +-?[0-9]+ ' '$T/out' | awk '{print \$2}' | tr '\n' ' ')\" = '-1 0 1 2 3 4 5 6 7 ' ]"
check "phase 0 downloaded and checked the package and the artifact" contains "$T/out" "1 package and the upgrade artifact downloaded and checked"
check "phase 2 applied the upgrade" contains "$T/out" "applying the upgrade artifact"
ok_if "the upgrade hook got the artifact's bytes" "cmp '$T/release.bin' '$T'/wd-w1/run-$r1-1/upgraded.bin"
ok_if "the provision hook ran before the run" "[ -f '$T'/wd-w1/run-$r1-1/lab.prov ]"
ok_if "the TAP points of the run hook are sub-results on the server" \
	"[ \"\$(sql '$db' \"select group_concat(test || ':' || status, ' ') from (select test, status from results where run_id = '$r1' order by seq) as x\")\" = 'good/built:passed good/again:passed good:passed' ]"
ok_if "the run's counters and verdict are the server's" \
	"[ \"\$(sql '$db' \"select lifecycle_code, status, n_passed, sub_n_passed from test_runs where id = '$r1'\")\" = '7|passed|1|2' ]"

f1=$("$ASSAY" start smoke --pool lab --package fresh@1.0 --db "$db" 2>/dev/null)
f2=$("$ASSAY" start smoke --pool lab --package fresh@1.0 --db "$db" 2>/dev/null)
ok_if "two runs of one package on one worker both complete: each had it as pushed" \
	"$ASSAY wait -q '$f1' --db '$db' >/dev/null && $ASSAY wait -q '$f2' --db '$db' >/dev/null"
digest=$(sha256sum "$T/fresh.tgz" | cut -d' ' -f1)
ok_if "the worker keeps it unpacked once, by digest, with nothing half-made left" \
	"[ -f '$T'/wd-w1/packages/sha256-$digest/assay.yaml ] && ! ls -a '$T'/wd-w1/packages | grep -q filling"
ok_if "the runs' copies keep the package's file modes" "[ -x '$T'/wd-w1/run-$f2-1/pkg/fresh/sub/tool.sh ]"
ok_if "--timings has each claim's round trip and each run's time" \
	"grep -qE '^claim [0-9.]+ run\$' '$T/timings' && grep -qE '^run [0-9.]+ $f2\$' '$T/timings'"

g1=$("$ASSAY" start smoke --pool lab --package glog@1.0 --db "$db" 2>/dev/null)
expect_code 0 "a junit run hook's run completes" "$ASSAY" wait -q "$g1" --db "$db"
ok_if "its suite-level log reaches the server, named as its case's parent" \
	"[ \"\$(sql '$db' \"select suite || ':' || stdout_text from suite_outputs where run_id = '$g1'\")\" = 'glog/C:class log of C' ]"

r2=$("$ASSAY" start smoke --pool lab --package fails@1.0 --db "$db" 2>/dev/null)
expect_code 1 "a failing test ends completed with failures (8); wait exits 1" "$ASSAY" wait -q "$r2" --db "$db"
check "it says 8" contains "$T/out" "Completed with failures (8)"

r3=$("$ASSAY" start smoke --pool lab --package broken@1.0 --db "$db" 2>/dev/null)
expect_code 3 "a failing install hook fails the run (99); wait exits 3" "$ASSAY" wait -q "$r3" --db "$db"
reason=$(sql "$db" "select reason from test_runs where id = '$r3'")
ok_if "the reason names the phase, the command, its exit status and the log tail" \
	"[ \"\$reason\" = \"installing dependencies failed: 'echo boom; exit 3' exited with status 3; log tail:
boom\" ]"
ok_if "the phase failure is counted against the worker" \
	"[ \"\$(sql '$db' \"select infra_failures from workers where name = 'w1'\")\" = 1 ]"
ok_if "it never reached phase 6" "[ \$(sql '$db' \"select count(*) from run_events where run_id = '$r3' and lifecycle_code = 6\") = 0 ]"

# --- cancel a running run ---
r4=$("$ASSAY" start smoke --pool lab --package slow@1.0 --db "$db" 2>/dev/null)
ok_if "the slow run gets to in progress (6)" \
	"wait_for 60 lifecycle_is '$r4' 6"
ok_if "results carrying a stale claim are refused 409 lost, and not recorded" \
	"[ \$(post_json /api/v1/runs/$r4/results '{\"test\":\"stale\",\"status\":\"passed\"}' -H 'X-Assay-Claim: w1 7') = 409 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = lost ] && [ \$(sql '$db' \"select count(*) from results where test = 'stale'\") = 0 ]"
ok_if "results carrying the holder's claim are taken" \
	"[ \$(post_json /api/v1/runs/$r4/results '{\"test\":\"fresh\",\"status\":\"passed\"}' -H 'X-Assay-Claim: w1 1') = 201 ]"
ok_if "suite outputs are fenced the same way: a stale claim is 409 lost, the holder's taken" \
	"[ \$(post_json /api/v1/runs/$r4/outputs '{\"suite\":\"stale\",\"stdout\":\"x\"}' -H 'X-Assay-Claim: w1 7') = 409 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = lost ] && [ \$(post_json /api/v1/runs/$r4/outputs '{\"suite\":\"fresh\",\"stdout\":\"x\"}' -H 'X-Assay-Claim: w1 1') = 201 ] && [ \"\$(sql '$db' \"select group_concat(suite) from suite_outputs where run_id = '$r4'\")\" = fresh ]"
ok_if "a malformed claim header is 400" \
	"[ \$(post_json /api/v1/runs/$r4/results '{\"test\":\"x\",\"status\":\"passed\"}' -H 'X-Assay-Claim: w1') = 400 ]"
expect_code 0 "cancel a running run" "$ASSAY" cancel "$r4" --db "$db" --reason "not needed"
check "it is cancelling (9) until the worker stops it" contains "$T/out" "Cancelling... (9)"
expect_code 130 "the worker stops it: cancelled (10); wait exits 130" "$ASSAY" wait -q "$r4" --db "$db"
ok_if "the test was stopped, not left to sleep 30 s" \
	"[ \$(sql '$db' \"select case when completed_at - started_at < 25000 then 1 else 0 end from test_runs where id = '$r4'\") = 1 ]"
ok_if "no sleep of the test is left running" "! pgrep -x -f 'sleep $nap' >/dev/null"

# --- the API ---
code=$(post_json /api/v1/pools/lab/runs '{"suite":"smoke","packages":["good@1.0"],"priority":2,"title":"from api"}')
ok_if "POST /api/v1/pools/lab/runs queues a run (201)" "[ $code = 201 ] && [ \"\$(jget '$T/body' 'd[\"lifecycle_code\"]')\" = -1 ] && [ \"\$(jget '$T/body' 'd[\"warning\"]')\" = null ]"
r5=$(jget "$T/body" 'd["id"]')
expect_code 0 "it runs to completion" "$ASSAY" wait -q "$r5" --db "$db"
ok_if "GET /api/v1/runs/{id}/order shows who ran it" \
	"[ \$(api GET /api/v1/runs/$r5/order) = 200 ] && [ \"\$(jget '$T/body' '[d[\"state\"], d[\"worker\"], d[\"priority\"], d[\"packages\"][0][\"name\"]]')\" = '[\"done\", \"w1\", 2, \"good\"]' ]"
ok_if "GET /api/v1/workers lists w1 idle with its health" \
	"[ \$(api GET /api/v1/workers) = 200 ] && [ \"\$(jget '$T/body' '[(w[\"name\"], w[\"pool\"], w[\"state\"], w[\"infra_failures\"]) for w in d[\"workers\"]]')\" = '[[\"w1\", \"lab\", \"idle\", 1]]' ]"
ok_if "GET /api/v1/pools/lab shows one online worker" \
	"[ \$(api GET /api/v1/pools/lab) = 200 ] && [ \"\$(jget '$T/body' '[d[\"online\"], d[\"queued\"]]')\" = '[1, 0]' ]"
dg=$(sql "$db" "select digest from packages where name = 'good'")
ok_if "GET /api/v1/blobs/{digest} serves the package's bytes" \
	"[ \$(api GET /api/v1/blobs/$dg) = 200 ] && cmp '$T/body' '$T/good.tgz'"
ok_if "POST /api/v1/packages pushes an archive" \
	"mkdir -p '$T/pk-api' && printf 'name: viaapi\nversion: \"2\"\nrun: true\n' >'$T/pk-api/assay.yaml' && tar -czf '$T/api.tgz' -C '$T/pk-api' . && [ \$(api POST /api/v1/packages -H 'Content-Type: application/gzip' --data-binary @'$T/api.tgz') = 201 ] && [ \"\$(jget '$T/body' 'd[\"name\"] + \"@\" + d[\"version\"]')\" = viaapi@2 ]"
ok_if "a bad archive is 422" "[ \$(api POST /api/v1/packages --data-binary 'junk') = 422 ]"
ok_if "a phase with a stale claim is 409 lost" \
	"[ \$(post_json /api/v1/workers/w1/runs/$r5/phase '{\"claim\":99,\"lifecycle\":3}') = 409 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = lost ]"

r7=$("$ASSAY" start smoke --pool lab --package ctx@1.0 -c who=me --db "$db" 2>/dev/null)
expect_code 0 "the run's context reaches its tests as ASSAY_CTX_*" "$ASSAY" wait -q "$r7" --db "$db"

# --- health: a failing health hook takes the worker offline ---
"$ASSAY" pool add sick --db "$db" --health 'echo disk full; exit 1' >/dev/null
start_worker w2 sick --health-every 50ms
ok_if "after 3 failures in a row the worker goes offline with the reason" \
	"wait_for 60 offline_says w2 'health hook failed 3 times in a row'"
# A queued run is its pool's: completing it or adding results over the API
# is refused (its worker would still be handed it); cancelling ends it.
code=$(post_json /api/v1/pools/sick/runs '{"suite":"smoke","title":"stays queued"}')
rq=$(jget "$T/body" 'd["id"]')
ok_if "a queued run cannot be completed over the API (409)" \
	"[ $code = 201 ] && [ \$(api POST /api/v1/runs/$rq/complete) = 409 ] && grep -q 'its worker completes it' '$T/body' && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = run_on_pool ] && [ \"\$(sql '$db' \"select lifecycle from test_runs where id = '$rq'\")\" = queued ]"
ok_if "nor take results (409)" \
	"[ \$(post_json /api/v1/runs/$rq/results '{\"test\":\"t\",\"status\":\"passed\"}') = 409 ] && [ \$(sql '$db' \"select count(*) from results where run_id = '$rq'\") = 0 ]"
ok_if "cancelling it ends it (10) and its order" \
	"[ \$(api POST /api/v1/runs/$rq/cancel) = 200 ] && [ \"\$(sql '$db' \"select lifecycle from test_runs where id = '$rq'\")\" = cancelled ] && [ \$(api GET /api/v1/runs/$rq/order) = 200 ] && [ \"\$(jget '$T/body' 'd[\"state\"]')\" = done ]"
expect_code 0 "assay workers" "$ASSAY" workers --db "$db" --lease 2s
check "shows w2 offline with the reason" sh -c "grep -q '^w2 .*sick .*offline' '$T/out' && grep -q 'offline: health hook failed 3 times in a row; last:.*disk full' '$T/out'"
expect_code 2 "a run that requires an online worker of the pool is refused" "$ASSAY" start smoke --pool sick --require-online --db "$db" --lease 2s
r6=$("$ASSAY" start smoke --pool sick --db "$db" 2>"$T/warn")
check "a run queued anyway warns with the pool's state" contains "$T/warn" "pool 'sick' has no online worker (1 registered"
ok_if "the offline worker does not take it" "sleep 0.5; [ \$(sql '$db' \"select lifecycle_code from test_runs where id = '$r6'\") = -1 ]"
expect_code 0 "assay worker enable brings it back" "$ASSAY" worker enable w2 --db "$db"
ok_if "it takes the queued run" "$ASSAY wait -q '$r6' --db '$db' >/dev/null; [ \$(sql '$db' \"select lifecycle_code from test_runs where id = '$r6'\") = 7 ]"

kill -TERM "$W_w1" "$W_w2"; wait "$W_w1"; rc1=$?; wait "$W_w2"; rc2=$?
ok_if "workers stop on SIGTERM with status 0" "[ $rc1 = 0 ] && [ $rc2 = 0 ]"
ok_if "w1 ran more than 3 runs" "[ \$(sql '$db' \"select count(*) from run_orders where worker = 'w1'\") -gt 3 ]"
ok_if "--keep-runs 3: w1 kept its 3 newest run folders, the oldest are gone" \
	"[ \$(ls -d '$T'/wd-w1/run-* | wc -l) = 3 ] && [ ! -e '$T'/wd-w1/run-$r1-1 ] && [ -d '$T'/wd-w1/packages ]"
expect_code 2 "--keep-runs 0 is refused" "$ASSAY" worker --keep-runs 0 --server "$URL" --pool lab
ok_if "the workers' stderr holds no sanitizer report" "! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' '$T/w1.err' '$T/w2.err'"
stop_server
ok_if "the server stopped cleanly" "[ $SRV_RC = 0 ] && server_clean"
done_testing
