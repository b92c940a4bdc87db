# The rest of `assay run`: context files, TAP sub-results in the database,
# default timeouts, history ordering, CI detection, the live terminal line and
# NO_COLOR, bounded memory for a test that prints a lot, and the example.
. "$(dirname "$0")/lib.sh"
mkdir -p "$T/p"
cd "$T/p"
default_db "$T/p/.assay/assay.db"
last_run() { sql "$db" 'select id from test_runs order by created_at desc limit 1'; }

cat > assay.yaml <<'Y'
tests:
  ctx: {command: sh -c 'echo "$ASSAY_CTX_a/$ASSAY_CTX_b/$ASSAY_CTX_c" > ctx.out'}
  calc: {command: cat calc.tap, protocol: tap}
  hang: {command: sleep 20}
Y
nap="20.$$" # our own length: pgrep never sees another test's sleep
sed -i "s/command: sleep 20}/command: sleep $nap}/" assay.yaml
printf 'TAP version 14\n1..3\nok 1 - adds\nnot ok 2 - divides\nok 3 - later # SKIP no db\n' > calc.tap
printf 'a=1\n# a comment\nb=two words\n' > ctx.txt
expect_code 1 "a run with -C and -c" "$ASSAY" run ctx calc hang -C ctx.txt -c c=3 --timeout 300ms --grace 100ms
ok_if "-C and -c reach the tests" "grep -qx '1/two words/3' ctx.out"
ok_if "the run stores the whole context" "sql '$db' 'select context_json from test_runs' | grep -q '\"b\":\"two words\"'"
ok_if "TAP points are sub-results named parent/child" "[ \"\$(sql '$db' \"select group_concat(test || '=' || status, ' ') from (select test, status from results where parent = 'calc' order by test) as s\")\" = 'calc/adds=passed calc/divides=failed calc/later=skipped' ]"
ok_if "the TAP test itself failed, naming the failed point" "sql '$db' \"select message from results where test='calc'\" | grep -q '1 of 3 TAP tests failed: divides'"
ok_if "sub-results are counted apart from tests" "[ \"\$(sql '$db' 'select n_passed, n_failed, sub_n_passed, sub_n_failed, sub_n_skipped from test_runs')\" = '1|1|1|1|1' ]"
ok_if "--timeout applies to tests without their own: error, timed out" "[ \"\$(sql '$db' \"select status, message from results where test='hang'\")\" = 'error|timed out after 300ms' ]"
ok_if "no sleep outlived the run" "! pgrep -x -f 'sleep $nap'"
ok_if "the failures list each test before its failed points, the output tail once" \
	"grep -E '^(failed|error) ' '$T/out' | tr '\\n' ' ' | grep -qx 'failed calc failed calc/divides error hang '"

# A TAP test that times out keeps the points it printed, the last one too
# (the reader holds it back for a YAML block that never comes).
mkdir -p "$T/tt" && cd "$T/tt"
tt_db=$T/tt/.assay/assay.db
on_pg && tt_db=$db
cat > slow.sh <<S
printf 'TAP version 14\\nok 1 - first\\nnot ok 2 - second\\n'
exec sleep $nap
S
printf 'tests:\n  slowtap: {command: sh slow.sh, protocol: tap}\n' > assay.yaml
expect_code 1 "a TAP test that times out" "$ASSAY" run --timeout 300ms --grace 100ms
ok_if "its points before the timeout are kept, the last one too" "[ \"\$(sql '$tt_db' \"select group_concat(test || '=' || status, ' ') from (select test, status from results where parent = 'slowtap' order by test) as s\")\" = 'slowtap/first=passed slowtap/second=failed' ]"
ok_if "the test is an error, timed out, naming the failed point" "[ \"\$(sql '$tt_db' \"select status, message from results where test='slowtap'\")\" = 'error|timed out after 300ms; 1 of 2 TAP tests so far failed: second' ]"
ok_if "no sleep outlived the timed-out TAP test" "! pgrep -x -f 'sleep $nap'"
cd "$T/p"

# History: -j1, the slow test listed last starts first on the second run.
mkdir -p "$T/h" && cd "$T/h"
h_db=$T/h/.assay/assay.db
on_pg && h_db=$db # ASSAY_DB sends these runs there too
{
	echo "tests:"
	for i in 1 2 3 4 5; do echo "  quick$i: {command: sh -c 'echo quick$i >> order.log'}"; done
	echo "  slow: {command: sh -c 'echo slow >> order.log; sleep 0.3'}"
} > assay.yaml
expect_code 0 "first run (no history)" "$ASSAY" run -j1
ok_if "without history, catalog order: slow is last" "[ \"\$(tail -1 order.log)\" = slow ]"
rm order.log
expect_code 0 "second run (history)" "$ASSAY" run -j1
ok_if "with history, the longest test starts first" "[ \"\$(head -1 order.log)\" = slow ]"

# CI detection
expect_code 0 "a run under CI" env CI=true GITHUB_ACTIONS=true "$ASSAY" run quick1
ok_if "environment is ci and triggered_by names the CI system" "[ \"\$(sql '$h_db' 'select environment, triggered_by from test_runs order by created_at desc limit 1')\" = 'ci|github-actions' ]"
expect_code 0 "-e overrides the environment" env CI=true "$ASSAY" run quick1 -e staging
ok_if "environment is staging, triggered_by ci" "[ \"\$(sql '$h_db' 'select environment, triggered_by from test_runs order by created_at desc limit 1')\" = 'staging|ci' ]"

# Terminal: a live line with escape codes, colour unless NO_COLOR.
cat > tty.yaml <<'Y'
tests:
  a: {command: sh -c 'sleep 0.3'}
  b: {command: 'false'}
Y
env -u NO_COLOR TERM=xterm script -qfec "'$ASSAY' run --catalog tty.yaml -j1" "$T/tty.log" >/dev/null 2>&1
ok_if "on a terminal the status line is redrawn in place" "grep -q \"\$(printf '\\r\\033\\[K')\\[[0-9]/2\\]\" '$T/tty.log'"
ok_if "on a terminal, colours are used" "grep -q \"\$(printf '\\033\\[32m')\" '$T/tty.log'"
ok_if "the failure is printed above the line" "grep -q 'FAIL.* b' '$T/tty.log'"
NO_COLOR=1 TERM=xterm script -qfec "'$ASSAY' run --catalog tty.yaml -j1" "$T/tty2.log" >/dev/null 2>&1
ok_if "NO_COLOR turns colours off" "! grep -q \"\$(printf '\\033\\[3[12]m')\" '$T/tty2.log'"
ok_if "without a terminal there are no escape codes at all" "\"$ASSAY\" run --catalog tty.yaml -j1 > plain.log; ! grep -q \"\$(printf '\\033')\" plain.log"

# Memory: a test printing 1 GiB costs assay no more than one printing 1 MiB.
cat > loud.yaml <<'Y'
tests:
  small: {command: head -c 1048576 /dev/zero}
Y
cat > louder.yaml <<'Y'
tests:
  big: {command: head -c 1073741824 /dev/zero}
Y
/usr/bin/time -f %M -o small.rss "$ASSAY" run --catalog loud.yaml -q >/dev/null 2>&1
/usr/bin/time -f %M -o big.rss "$ASSAY" run --catalog louder.yaml -q >/dev/null 2>&1
ok_if "peak memory with 1 GiB of output stays within 16 MiB of the 1 MiB run ($(cat small.rss) KiB vs $(cat big.rss) KiB)" "[ \$(cat big.rss) -lt \$(( \$(cat small.rss) + 16384 )) ]"
ok_if "the 1 GiB output was recorded bounded, with the bytes dropped" "[ \"\$(sql '$h_db' \"select stdout_dropped, case when length(stdout_text) < 200000 then 1 else 0 end from results where test='big'\")\" = '1073610752|1' ]"
cat > nul.yaml <<'Y'
tests:
  binary: {command: printf 'before\000after'}
Y
"$ASSAY" run --catalog nul.yaml -q >/dev/null 2>&1
ok_if "a NUL byte in the output is kept as U+FFFD, not the end of the text" \
	"[ \"\$(sql '$h_db' \"select stdout_text from results where test='binary'\")\" = 'before�after' ]"

# The bundled example.
cp -r "$(dirname "$0")/../../examples" "$T/ex"
rm -rf "$T/ex/.assay"
expect_code 1 "the example runs, with its one intentional failure" "$ASSAY" run --catalog "$T/ex/assay.yaml"
ok_if "the example's counts" "tail -1 '$T/out' | grep -qx '6 passed, 1 failed, 1 skipped'"
ex_db=$T/ex/.assay/assay.db
on_pg && ex_db=$db # ASSAY_DB sends the example's run there too
ok_if "the example's resource context reached its tests" "[ \"\$(sql '$ex_db' \"select count(*) from results where test like 'integration.%' and status='passed'\")\" = 2 ]"
done_testing
