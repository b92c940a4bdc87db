# Hook timeouts and suites reaching test packages (issue 5), with a real
# assay serve and assay worker on loopback: a hook that hangs is stopped
# with its whole process group (SIGTERM, then SIGKILL for one that ignores
# it) and the run ends 99 naming the phase, the command and the timeout; a
# provision or health hook that hangs counts as a health failure; a run hook
# that hangs is a test that timed out. The run's suite, pool, id and
# environment reach every hook, and a package may run its own command per
# suite. Timeouts are 1 s and the hooks would sleep 30 s: the tests assert
# what happened, never how long it took.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.inc"
db=$(test_db "$T/db.sqlite") || exit 1
offline_says() { sql "$db" "select offline_reason from workers where name = '$1'" | grep -q "$2"; }
# alive PID: the process exists and is not a zombie.
alive() { ps -o stat= -p "$1" 2>/dev/null | grep -qv Z; }
gone() { ! alive "$1"; }

pkg() { # NAME YAML-BODY (after name and version)
	mkdir -p "$T/pk-$1"
	printf 'name: %s\nversion: "1.0"\n%s\n' "$1" "$2" >"$T/pk-$1/assay.yaml"
	tar -czf "$T/$1.tgz" -C "$T/pk-$1" .
	"$ASSAY" package push --db "$db" "$T/$1.tgz" >"$T/push.out" 2>"$T/push.err"
}

# --- options and manifests ---
expect_code 2 "--hook-timeout wants a duration" "$ASSAY" pool add x --db "$db" --hook-timeout soon
check "the error says what it wants" contains "$T/err" "--hook-timeout wants a duration"
expect_code 2 "--hook-timeout 0 is refused" "$ASSAY" pool add x --db "$db" --hook-timeout 0
expect_code 0 "pool add with --hook-timeout 1" "$ASSAY" pool add hung --db "$db" --hook-timeout 1 \
	--upgrade 'sleep 30 & echo $! >child.pid; echo upgrading; wait'
expect_code 0 "pool show" "$ASSAY" pool show hung --db "$db"
check "it shows the hook timeout" grep -q '^hook timeout *1.00s$' "$T/out"
"$ASSAY" pool add plain --db "$db" >/dev/null
expect_code 0 "pool show --json of a pool without one" "$ASSAY" pool show plain --db "$db" --json
ok_if "its hook_timeout_ms is the 10 min default" "[ \"\$(jq .hook_timeout_ms '$T/out')\" = 600000 ]"

pkg badhook 'run: {timeout: 5}'
ok_if "a hook mapping without a command is refused with its place" \
	"! [ -s '$T/push.out' ] && grep -q 'assay.yaml (in the package):3:6: .*.run. needs a .command:.' '$T/push.err'"
pkg badkey 'install: {command: "true", timeot: 5}'
ok_if "an unknown key in a hook is refused" "grep -q \"unknown key 'timeot'.*did you mean 'timeout'\" '$T/push.err'"
pkg badtime 'run: {command: "true", timeout: soon}'
ok_if "a bad timeout is refused" "grep -q \"bad duration 'soon'\" '$T/push.err'"
pkg badsuites 'suites: [smoke]'
ok_if "suites must be a mapping" "grep -q \"'suites' must be a mapping of suite names to commands\" '$T/push.err'"
pkg emptysuite 'suites: {smoke: ""}'
ok_if "a suite needs a command" "grep -q \"suite 'smoke' needs a command\" '$T/push.err'"

# The packages of the runs below.
pkg hanginstall 'install: {command: "trap \"\" TERM; sleep 30 & echo $! >child.pid; echo installing; wait", timeout: 1}
run: "true"'
pkg hangrun 'run: {command: "echo ok 1 - first; sleep 30", timeout: 1s}
protocol: tap'
pkg multi 'install: env | grep ^ASSAY_ | sort >install.env
run: sh -c "echo default >which.txt; env | grep ^ASSAY_ | sort >run.env"
suites:
  smoke: sh -c "echo smoke >which.txt"
  nightly: sh -c "echo nightly >which.txt"'
pkg onlysuites 'suites: {smoke: "true"}'
expect_code 0 "package list --json" "$ASSAY" package list --db "$db" --json
ok_if "packages show their timeouts (given or default) and suites" \
	"[ \"\$(jq -c '[.[] | select(.name == \"hangrun\" or .name == \"multi\") | [.name, .install_timeout_ms, .run_timeout_ms, (.suites | keys)]]' '$T/out')\" = '[[\"hangrun\",600000,1000,[]],[\"multi\",600000,3600000,[\"nightly\",\"smoke\"]]]' ]"

TOKEN=$(make_token "$db" ci write)
start_server "$db" --lease 5s || exit 1
code=$(post_json /api/v1/pools '{"name":"viaapi","hook_timeout_ms":2500}')
ok_if "POST /api/v1/pools takes hook_timeout_ms" \
	"[ $code = 201 ] && [ \"\$(jget '$T/body' 'd[\"hook_timeout_ms\"]')\" = 2500 ]"
ok_if "a negative hook_timeout_ms is 400" \
	"[ \$(post_json /api/v1/pools '{\"name\":\"neg\",\"hook_timeout_ms\":-1}') = 400 ]"

start_worker() { # NAME POOL [ARGS]
	_wn=$1 _wp=$2; shift 2
	"$ASSAY" worker --server "$URL" --token "$TOKEN" --pool "$_wp" --name "$_wn" \
		--workdir "$T/wd-$_wn" --poll 50ms "$@" 2>"$T/$_wn.err" &
	eval "W_$_wn=\$!"
}
start_worker w1 hung

# --- a hanging upgrade hook: 99, and its whole group is gone ---
echo bytes >"$T/release.bin"
r1=$("$ASSAY" start smoke --pool hung --upgrade "$T/release.bin" --db "$db" 2>/dev/null)
expect_code 3 "a hanging upgrade hook fails the run (99)" "$ASSAY" wait -q "$r1" --db "$db"
sql "$db" "select reason from test_runs where id = '$r1'" >"$T/reason"
printf '%s\n' "upgrading failed: 'sleep 30 & echo \$! >child.pid; echo upgrading; wait' timed out after 1 s; log tail:" upgrading >"$T/want"
check "the reason names the phase, the command, the timeout and the log tail" cmp "$T/want" "$T/reason"
ok_if "the hook's background child was killed with its group" \
	"wait_for 30 gone \$(cat '$T'/wd-w1/run-$r1-1/child.pid)"
ok_if "the timeout is counted against the worker" \
	"[ \"\$(sql '$db' \"select infra_failures from workers where name = 'w1'\")\" = 1 ]"

# --- an install hook that ignores SIGTERM is killed after the grace ---
r2=$("$ASSAY" start smoke --pool hung --package hanginstall@1.0 --db "$db" 2>/dev/null)
expect_code 3 "a hanging install hook (package timeout 1) fails the run (99)" \
	"$ASSAY" wait -q "$r2" --db "$db"
ok_if "the reason says installing dependencies timed out after 1 s" \
	"sql '$db' \"select reason from test_runs where id = '$r2'\" | grep -q \"^installing dependencies failed: 'trap .*' timed out after 1 s; log tail:\""
ok_if "its child, deaf to SIGTERM, was killed too" \
	"wait_for 30 gone \$(cat '$T'/wd-w1/run-$r2-1/pkg/hanginstall/child.pid)"

# --- a hanging run hook is a test that timed out, not an infrastructure error ---
r3=$("$ASSAY" start smoke --pool hung --package hangrun@1.0 --db "$db" 2>/dev/null)
expect_code 1 "a hanging run hook ends the run completed with failures (8)" \
	"$ASSAY" wait -q "$r3" --db "$db"
# (as with assay run, the TAP points printed before the timeout are kept)
ok_if "the package's test is an error that timed out, its printed point kept" \
	"[ \"\$(sql '$db' \"select test || ':' || status from results where run_id = '$r3' order by seq\" | tr '\n' ' ')\" = 'hangrun/first:passed hangrun:error ' ] && sql '$db' \"select message from results where run_id = '$r3' and test = 'hangrun'\" | grep -q 'timed out after 1'"
ok_if "it is not counted against the worker" \
	"[ \"\$(sql '$db' \"select infra_failures from workers where name = 'w1'\")\" = 2 ]"

# --- suites and context reach the package ---
"$ASSAY" pool add lab --db "$db" --suite smoke --suite full --suite nightly >/dev/null
start_worker w2 lab
r4=$("$ASSAY" start smoke --pool lab --package multi@1.0 -e staging --db "$db" 2>/dev/null)
expect_code 0 "a run of suite smoke" "$ASSAY" wait -q "$r4" --db "$db"
ok_if "the package ran its command for smoke" "[ \"\$(cat '$T'/wd-w2/run-$r4-1/pkg/multi/which.txt)\" = smoke ]"
ok_if "the install hook got the suite, the server's run id, the pool and the environment" \
	"grep -qx 'ASSAY_SUITE=smoke' '$T'/wd-w2/run-$r4-1/pkg/multi/install.env && grep -qx 'ASSAY_RUN_ID=$r4' '$T'/wd-w2/run-$r4-1/pkg/multi/install.env && grep -qx 'ASSAY_POOL=lab' '$T'/wd-w2/run-$r4-1/pkg/multi/install.env && grep -qx 'ASSAY_ENVIRONMENT=staging' '$T'/wd-w2/run-$r4-1/pkg/multi/install.env"
r5=$("$ASSAY" start full --pool lab --package multi@1.0 -e staging --db "$db" 2>/dev/null)
expect_code 0 "a run of suite full (not in the package's suites)" "$ASSAY" wait -q "$r5" --db "$db"
ok_if "the package ran its plain run command" "[ \"\$(cat '$T'/wd-w2/run-$r5-1/pkg/multi/which.txt)\" = default ]"
ok_if "the run hook got the same context (ASSAY_RUN_ID is the server's run)" \
	"grep -qx 'ASSAY_SUITE=full' '$T'/wd-w2/run-$r5-1/pkg/multi/run.env && grep -qx 'ASSAY_RUN_ID=$r5' '$T'/wd-w2/run-$r5-1/pkg/multi/run.env && grep -qx 'ASSAY_POOL=lab' '$T'/wd-w2/run-$r5-1/pkg/multi/run.env && grep -qx 'ASSAY_ENVIRONMENT=staging' '$T'/wd-w2/run-$r5-1/pkg/multi/run.env"
ok_if "the order fixed the chosen command at start" \
	"[ \$(api GET /api/v1/runs/$r4/order) = 200 ] && [ \"\$(jget '$T/body' 'd[\"packages\"][0][\"run\"]')\" = 'sh -c \"echo smoke >which.txt\"' ]"
expect_code 2 "a suite none of the packages can run is refused at start" \
	"$ASSAY" start full --pool lab --package onlysuites@1.0 --db "$db"
check "the error names the suite" contains "$T/err" "no package of the run has a command for suite 'full'"

# --- a hanging provision or health hook is a health failure ---
"$ASSAY" pool add stuck --db "$db" --hook-timeout 1 --provision 'sleep 30' >/dev/null
start_worker w3 stuck
r6=$("$ASSAY" start smoke --pool stuck --db "$db" 2>/dev/null)
ok_if "three provision timeouts take the worker offline with the reason" \
	"wait_for 120 offline_says w3 \"provision hook failed 3 times in a row; last: 'sleep 30' timed out after 1 s\""
ok_if "the run went back to the queue, not failed" \
	"[ \"\$(sql '$db' \"select lifecycle_code from test_runs where id = '$r6'\")\" = -1 ]"
"$ASSAY" cancel "$r6" --db "$db" >/dev/null 2>&1
"$ASSAY" pool add ill --db "$db" --hook-timeout 1 --health 'sleep 30' >/dev/null
start_worker w4 ill --health-every 50ms
ok_if "three health timeouts take the worker offline with the reason" \
	"wait_for 120 offline_says w4 \"health hook failed 3 times in a row; last: 'sleep 30' timed out after 1 s\""

kill -TERM "$W_w1" "$W_w2" "$W_w3" "$W_w4"
wait "$W_w1"; rc1=$?; wait "$W_w2"; rc2=$?; wait "$W_w3"; rc3=$?; wait "$W_w4"; rc4=$?
ok_if "workers stop on SIGTERM with status 0" "[ $rc1$rc2$rc3$rc4 = 0000 ]"
ok_if "the workers' stderr holds no sanitizer report" \
	"! grep -qE 'AddressSanitizer|runtime error|LeakSanitizer' '$T'/w?.err"
stop_server
ok_if "the server stopped cleanly" "[ $SRV_RC = 0 ] && server_clean"
done_testing
