# A SIGKILLed assay leaves a database that opens; the next command marks the
# abandoned run failed (99) with the reason. Ctrl-C (SIGINT) cancels: running
# tests are stopped, clean-ups still run, finished results are kept, and the
# run ends cancelled (10).
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/p"
cd "$T/p"
default_db "$T/p/.assay/assay.db"
cat > assay.yaml <<'Y'
resources:
  env:
    setup: sh -c 'echo DIR=made >> "$ASSAY_CONTEXT_OUT"'
    cleanup: sh -c 'echo "cleaned $ASSAY_CTX_DIR" > cleanup.done'
tests:
  quick: {command: 'true'}
  slow: {command: sh -c 'touch slow.started; sleep 30', resources: [env]}
  later: {command: 'true', prerequisites: [slow]}
Y
# A sleep of our own length, so that looking for it never finds (or kills)
# another test's processes on a shared machine.
nap="30.$$"
sed -i "s/sleep 30/sleep $nap/" assay.yaml
in_progress() { [ "$(sql "$db" 'select lifecycle_code from test_runs order by created_at desc limit 1')" = 6 ]; }

# --- SIGKILL ---
"$ASSAY" run -j2 >"$T/kill.out" 2>&1 &
pid=$!
quick_stored() { [ "$(sql "$db" "select status from results where test='quick'")" = passed ]; }
ok_if "the run reaches in progress (6) and stores the quick result within a batch interval" "wait_for 20 test -f slow.started && in_progress && wait_for 5 quick_stored"
kill -9 "$pid"; wait "$pid" 2>/dev/null
pkill -9 -f "sleep $nap" 2>/dev/null
# PRAGMA integrity_check is SQLite's; PostgreSQL's server keeps its own files.
intact="[ \"\$(sql '$db' 'pragma integrity_check')\" = ok ] &&"
on_pg && intact=""
ok_if "the database still opens and shows the run unfinished" "$intact in_progress"
expect_code 0 "the next command works" "$ASSAY" list runs --json
ok_if "it says it marked the abandoned run" "grep -q 'marked 1 abandoned run' '$T/err'"
ok_if "the run is failed (99), verdict error, with the reason" "[ \"\$(sql '$db' 'select lifecycle_code, status from test_runs')\" = '99|error' ] && sql '$db' 'select reason from test_runs' | grep -q 'pid $pid'"
ok_if "the quick result written before the kill is kept" "[ \"\$(sql '$db' \"select status from results where test='quick'\")\" = passed ]"
expect_code 0 "a second command finds nothing more to mark" "$ASSAY" list runs
ok_if "and says nothing about it" "! grep -q abandoned '$T/err'"

# --- Ctrl-C (SIGINT) ---
rm -f slow.started cleanup.done
"$ASSAY" run -j2 --grace 1s >"$T/int.out" 2>"$T/int.err" &
pid=$!
ok_if "the second run reaches in progress" "wait_for 20 test -f slow.started && in_progress"
kill -INT "$pid"
wait "$pid"
code=$?
ok_if "a cancelled run exits 130" "[ $code = 130 ]"
ok_if "the clean-up ran, with the set-up's context" "grep -qx 'cleaned made' cleanup.done"
ok_if "the run is cancelled (10) and went through cancelling (9)" "[ \"\$(sql '$db' 'select lifecycle_code, status from test_runs order by created_at desc limit 1')\" = '10|cancelled' ] && sql '$db' 'select lifecycle_code from run_events' | grep -qx 9"
ok_if "the finished result is kept, the interrupted and unstarted ones are untested" "[ \"\$(sql '$db' \"select group_concat(test || '=' || status, ' ') from (select test, status from results where run_id = (select id from test_runs order by created_at desc limit 1) order by test) as s\")\" = 'later=untested quick=passed slow=untested' ]"
ok_if "no test process outlives the run" "! pgrep -f 'sleep $nap'"
ok_if "the user was told it is cancelling" "grep -q cancelling '$T/int.err'"

# --- SIGTERM behaves the same ---
rm -f slow.started cleanup.done
"$ASSAY" run -j2 --grace 1s >/dev/null 2>&1 &
pid=$!
ok_if "the third run reaches in progress" "wait_for 20 test -f slow.started && in_progress"
kill -TERM "$pid"
wait "$pid"
code=$?
ok_if "SIGTERM cancels too (exit 130, clean-up ran)" "[ $code = 130 ] && test -f cleanup.done"
done_testing
