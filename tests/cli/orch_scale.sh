# The orchestration end to end (issue 5's integration test; on SQLite, and
# on PostgreSQL on the suite's second pass): one
# assay serve and three assay workers in two pools, as separate processes on
# loopback; 50 queued runs; one worker SIGKILLed in the middle of a run.
# Every run must end terminal, each run's results be complete with no test
# recorded twice, the killed worker's run be queued again and finished by
# another worker, and pool retention keep exactly the configured number.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.inc"
db=$(test_db "$T/db.sqlite") || exit 1
KEEP=5
N_A=24   # trivial runs on pool a (plus the one that is interrupted)
N_B=25   # trivial runs on pool b, which keeps $KEEP

mkpkg() { # NAME RUN
	mkdir -p "$T/pk-$1"
	printf 'name: %s\nversion: "1"\nprotocol: tap\nrun: %s\n' "$1" "$2" >"$T/pk-$1/assay.yaml"
	tar -czf "$T/$1.tgz" -C "$T/pk-$1" .
	"$ASSAY" package push --db "$db" "$T/$1.tgz" >/dev/null
}
TOKEN=$(make_token "$db" ci write)
"$ASSAY" pool add a --db "$db" >/dev/null
"$ASSAY" pool add b --db "$db" --keep $KEEP >/dev/null
mkpkg triv "printf 'ok 1 - x\nok 2 - y\n1..2\n'"
mkpkg quick "printf 'ok 1 - q\n1..1\n'"
# Blocks until the test says so: the run a worker is killed in.
export ORCH_MARK="$T/released"
mkpkg hang "sh -c 'while [ ! -e \"\$ORCH_MARK\" ]; do sleep 0.05; done; printf \"ok 1 - h\n1..1\n\"'"
start_server "$db" --lease 2s || exit 1

start_worker() { # NAME POOL
	"$ASSAY" worker --server "$URL" --token "$TOKEN" --pool "$2" --name "$1" \
		--workdir "$T/wd-$1" --poll 50ms --slots 2 2>"$T/$1.err" &
	eval "W_$1=\$!"
}
q() { sql "$db" "$1"; }
# Whether the SQL condition holds (SQLite says 1, PostgreSQL t).
holds() { case $(q "$1") in 1 | t) return 0 ;; *) return 1 ;; esac; }
# Polls until the SQL condition holds; gives up only when no worker is left
# alive to make it hold (no clock).
until_sql() {
	until holds "$1"; do
		kill -0 "$W_w2" 2>/dev/null || kill -0 "$W_w3" 2>/dev/null || return 1
		sleep 0.1
	done
}

# w1 alone takes the run that blocks; its quick package's result reaches
# the server (acknowledged) before w1 is killed.
start_worker w1 a
hang=$("$ASSAY" start smoke --pool a --package quick@1 --package hang@1 --priority 10 --db "$db" 2>/dev/null)
W_w2=$W_w1 W_w3=$W_w1
ok_if "w1 is running the blocking run, one result acknowledged" \
	"until_sql \"select count(*) = 1 from results r join test_runs t on t.id = r.run_id where t.id = '$hang' and t.lifecycle_code = 6 and r.test = 'quick'\""
hook=$(pgrep -P "$W_w1" | head -n 1)
start_worker w2 a
start_worker w3 b
i=0
while [ $i -lt $N_A ]; do "$ASSAY" start smoke --pool a --package triv@1 --db "$db" 2>/dev/null >>"$T/ids_a"; i=$((i + 1)); done
i=0
while [ $i -lt $N_B ]; do "$ASSAY" start smoke --pool b --package triv@1 --db "$db" 2>/dev/null >>"$T/ids_b"; i=$((i + 1)); done
ok_if "50 runs were queued" "[ \$(cat '$T/ids_a' '$T/ids_b' | wc -l) = $((N_A + N_B)) ]"

kill -KILL "$W_w1"
wait "$W_w1" 2>/dev/null
# The killed worker's test process is an orphan now; end it (by its group).
[ -n "$hook" ] && kill -KILL -- "-$hook" 2>/dev/null
touch "$ORCH_MARK"

ok_if "every run of pool a ends terminal" \
	"until_sql \"select count(*) = $((N_A + 1)) from test_runs where pool = 'a' and lifecycle_code in (7, 8, 10, 99)\""
ok_if "pool b's queue drains" "until_sql \"select count(*) = 0 from run_orders where pool = 'b' and state != 'done'\""
ok_if "no run is left unfinished anywhere" "[ \$(q 'select count(*) from test_runs where lifecycle_code not in (7, 8, 10, 99)') = 0 ]"
ok_if "every run of pool a completed (7)" "[ \$(q \"select count(*) from test_runs where pool = 'a' and lifecycle_code = 7\") = $((N_A + 1)) ]"

# The killed worker's run.
ok_if "the blocked run was queued again once, with an event saying why" \
	"[ \$(q \"select count(*) from run_events where run_id = '$hang' and lifecycle_code = -1 and message like 'worker w1 lost its lease%queued again'\") = 1 ] && [ \$(q \"select lost from run_orders where run_id = '$hang'\") = 1 ]"
ok_if "and finished by w2 (7)" \
	"[ \"\$(q \"select o.worker, t.lifecycle_code from run_orders o join test_runs t on t.id = o.run_id where o.run_id = '$hang'\")\" = 'w2|7' ]"
ok_if "its final results are complete, each test once" \
	"[ \"\$(q \"select group_concat(test, ' ') from (select test from results where run_id = '$hang' and not superseded order by test) as x\")\" = 'hang hang/h quick quick/q' ]"
ok_if "w1's acknowledged result is kept, as an earlier attempt" \
	"[ \$(q \"select count(*) from results where run_id = '$hang' and test = 'quick' and superseded and attempt = 1\") = 1 ]"
ok_if "the run's counters count each test once" \
	"[ \"\$(q \"select n_passed, sub_n_passed from test_runs where id = '$hang'\")\" = '2|2' ]"

# Every other run: exactly its three results, none twice.
ok_if "every trivial run of pool a has triv, triv/x, triv/y once each" \
	"[ \$(q \"select count(*) from test_runs t where pool = 'a' and id != '$hang' and (select group_concat(test, ' ') from (select test from results where run_id = t.id order by test) as x) = 'triv triv/x triv/y'\") = $N_A ]"
ok_if "no result row is duplicated anywhere" \
	"[ \$(q 'select count(*) from (select run_id, test, attempt from results group by 1, 2, 3 having count(*) > 1) as x') = 0 ]"

# Retention: pool b keeps exactly the newest $KEEP finished runs.
ok_if "pool b kept exactly $KEEP runs" "[ \$(q \"select count(*) from test_runs where pool = 'b'\") = $KEEP ]"
ok_if "the kept ones are the newest started" \
	"[ \"\$(q \"select group_concat(id, ' ') from (select id from test_runs where pool = 'b' order by id) as x\")\" = \"\$(tail -n $KEEP '$T/ids_b' | sort | tr '\n' ' ' | sed 's/ \$//')\" ]"
ok_if "the pruned runs took their results and events with them" \
	"[ \$(q \"select count(*) from results where run_id not in (select id from test_runs)\") = 0 ] && [ \$(q \"select count(*) from run_events where run_id not in (select id from test_runs)\") = 0 ]"
ok_if "each pool's runs went to its own workers: a to w2 (w1 was busy, then dead), b to w3" \
	"[ \"\$(q \"select pool || ':' || group_concat(distinct worker) from run_orders group by pool order by pool\" | tr '\n' ' ')\" = 'a:w2 b:w3 ' ]"
expect_code 0 "assay workers lists all three" "$ASSAY" workers --db "$db" --lease 2s
check "w1 is lost, w2 and w3 idle" sh -c "grep -q '^w1 .* lost ' '$T/out' && grep -q '^w2 .* idle ' '$T/out' && grep -q '^w3 .* idle ' '$T/out'"

kill -TERM "$W_w2" "$W_w3"; wait "$W_w2"; rc2=$?; wait "$W_w3"; rc3=$?
ok_if "the two live workers stop cleanly" "[ $rc2 = 0 ] && [ $rc3 = 0 ]"
ok_if "no sanitizer report from any worker" "! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' '$T/w2.err' '$T/w3.err'"
stop_server
ok_if "the server stopped cleanly" "[ $SRV_RC = 0 ] && server_clean"
done_testing
