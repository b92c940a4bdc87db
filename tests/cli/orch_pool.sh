# Pools, packages, assay start/cancel/wait on the queue and assay prune, on
# the database alone (no server, no worker): what a run looks like before a
# worker claims it.
. "$(dirname "$0")/lib.sh"
db=$(test_db "$T/db.sqlite") || exit 1

mkpkg() { # DIR NAME VERSION [EXTRA YAML]
	mkdir -p "$T/$1"
	printf 'name: %s\nversion: %s\ninstall: echo installed >installed.txt\nrun: test -f installed.txt\n%s' \
		"$2" "$3" "${4:-}" >"$T/$1/assay.yaml"
	tar -czf "$T/$1.tgz" -C "$T/$1" .
}

# --- pools ---
expect_code 0 "pool add" "$ASSAY" pool add linux --db "$db" -d "linux boxes" --servers 2 --suite smoke --suite full --label x86 --keep 3 --provision true --health true
expect_code 2 "a pool name is unique" "$ASSAY" pool add linux --db "$db"
check "the duplicate is named" contains "$T/err" "exists"
expect_code 2 "a bad pool name is refused" "$ASSAY" pool add 'a b' --db "$db"
expect_code 2 "--keep must be a number" "$ASSAY" pool add other --db "$db" --keep many
expect_code 0 "pool show" "$ASSAY" pool show linux --db "$db"
check "show gives servers, suites, keep and hooks" sh -c "grep -q '2 expected, 0 registered, 0 online' '$T/out' && grep -q 'smoke, full' '$T/out' && grep -q 'keep runs       3 finished' '$T/out' && grep -q '^provision *true' '$T/out'"
check "show gives the queue and the expected wait" sh -c "grep -q '0 queued, 0 running' '$T/out' && grep -q 'expected wait   unknown' '$T/out'"
expect_code 0 "pool show --json" "$ASSAY" pool show linux --db "$db" --json
ok_if "the JSON has labels, suites, hooks and the queue" \
	"[ \"\$(jq -c '[.labels, .suites, .keep_runs, .hooks.health, .queued, .expected_wait_ms]' '$T/out')\" = '[[\"x86\"],[\"smoke\",\"full\"],3,\"true\",0,null]' ]"
expect_code 2 "pool show of an unknown pool" "$ASSAY" pool show nope --db "$db"
expect_code 0 "pool list" "$ASSAY" pool list --db "$db"
check "list shows the pool" grep -q '^linux .* linux boxes' "$T/out"

# --- packages ---
mkpkg p1 smoke 1.0.0
expect_code 0 "package push" "$ASSAY" package push --db "$db" "$T/p1.tgz"
digest="sha256:$(sha256sum "$T/p1.tgz" | cut -d' ' -f1)"
check "the package is stored under the sha256 of its bytes" contains "$T/out" "smoke@1.0.0 ($digest"
if on_pg; then hex="upper(encode(data, 'hex'))"; else hex="hex(data)"; fi
ok_if "the bytes stored are the archive's" \
	"[ \"\$(sql '$db' \"select $hex from blobs where digest = '$digest'\")\" = \"\$(od -An -v -tx1 '$T/p1.tgz' | tr -d ' \n' | tr a-f A-F)\" ]"
expect_code 0 "pushing the same bytes again is fine" "$ASSAY" package push --db "$db" "$T/p1.tgz"
check "and says so" contains "$T/out" "already pushed"
mkpkg p1b smoke 1.0.0 "description: changed
"
expect_code 2 "other bytes under the same name@version are refused" "$ASSAY" package push --db "$db" "$T/p1b.tgz"
check "the refusal says to bump the version" contains "$T/err" "new version"
mkdir -p "$T/bad" && echo 'version: 1' >"$T/bad/assay.yaml" && tar -czf "$T/bad.tgz" -C "$T/bad" .
expect_code 2 "a manifest without a name is refused" "$ASSAY" package push --db "$db" "$T/bad.tgz"
check "with the line and column" grep -q "assay.yaml (in the package):1:1: a package needs 'name:'" "$T/err"
echo 'not a tarball' >"$T/junk.tgz"
expect_code 2 "a file that is not a .tar.gz is refused" "$ASSAY" package push --db "$db" "$T/junk.tgz"
mkdir -p "$T/noman" && echo x >"$T/noman/x" && tar -czf "$T/noman.tgz" -C "$T/noman" .
expect_code 2 "an archive without assay.yaml is refused" "$ASSAY" package push --db "$db" "$T/noman.tgz"
expect_code 0 "package list --json" "$ASSAY" package list --db "$db" --json
ok_if "one package, with its hooks" "[ \"\$(jq -c '[length, .[0].name, .[0].version, .[0].install]' '$T/out')\" = '[1,\"smoke\",\"1.0.0\",\"echo installed >installed.txt\"]' ]"

# --- start, cancel, wait ---
expect_code 0 "start queues a run and prints its id" "$ASSAY" start smoke --pool linux --package smoke@1.0.0 --db "$db" --priority 3 -e ci
run1=$(cat "$T/out")
check "the id is a UUID" sh -c "echo '$run1' | grep -qE '^[0-9a-f]{8}-[0-9a-f]{4}-7'"
check "it warns that no worker is online" contains "$T/err" "pool 'linux' has no online worker (0 registered, 2 expected servers)"
ok_if "the run is queued (-1) on the pool, with its suite" \
	"[ \"\$(sql '$db' \"select lifecycle_code, pool, test_definition_id, status from test_runs where id = '$run1'\")\" = '-1|linux|smoke|running' ]"
ok_if "its order holds the resolved package" \
	"sql '$db' \"select packages_json from run_orders where run_id = '$run1'\" | grep -q '\"digest\":\"$digest\"'"
expect_code 2 "--require-online refuses instead" "$ASSAY" start smoke --pool linux --db "$db" --require-online
check "with the pool's state" contains "$T/err" "has no online worker"
expect_code 2 "a suite the pool does not offer is refused" "$ASSAY" start other --pool linux --db "$db"
expect_code 2 "an unknown package is refused" "$ASSAY" start smoke --pool linux --package smoke@9 --db "$db"
expect_code 2 "an unknown pool is refused" "$ASSAY" start smoke --pool nope --db "$db"
expect_code 2 "start needs --pool" "$ASSAY" start smoke --db "$db"
ok_if "nothing refused was queued" "[ \$(sql '$db' 'select count(*) from run_orders') = 1 ]"
expect_code 0 "pool show counts the queued run" "$ASSAY" pool show linux --db "$db"
check "1 queued" contains "$T/out" "1 queued, 0 running"
echo upgrade-bytes >"$T/up.bin"
expect_code 0 "start with an upgrade artifact" "$ASSAY" start smoke --pool linux --upgrade "$T/up.bin" --db "$db"
run2=$(cat "$T/out")
ok_if "the artifact is stored by digest and named in the order" \
	"[ \"\$(sql '$db' \"select o.upgrade_name, b.size from run_orders o join blobs b on b.digest = o.upgrade_digest where run_id = '$run2'\")\" = 'up.bin|14' ]"
expect_code 0 "cancel a queued run" "$ASSAY" cancel "$run2" --db "$db"
check "it is cancelled (10) at once" contains "$T/out" "Cancelled (10)"
expect_code 2 "cancelling it again is refused" "$ASSAY" cancel "$run2" --db "$db"
expect_code 130 "wait on a cancelled run exits 130, as assay run" "$ASSAY" wait "$run2" --db "$db"
check "wait shows the phases" sh -c "grep -q 'Queued.*queued on pool linux' '$T/out' && grep -q 'Cancelled.*cancelled while queued' '$T/out'"
expect_code 2 "pool rm refuses a pool with a queued run" "$ASSAY" pool rm linux --db "$db"

# --- prune ---
expect_code 2 "prune wants a bound" "$ASSAY" prune --db "$db"
expect_code 0 "prune --older-than 0s-ish deletes finished runs only" "$ASSAY" prune --older-than 1ms --db "$db"
check "one finished run went" contains "$T/out" "deleted 1 finished run"
ok_if "the queued run is still there, the cancelled one gone with its events" \
	"[ \$(sql '$db' \"select count(*) from test_runs where id = '$run1'\") = 1 ] && [ \$(sql '$db' \"select count(*) from run_events where run_id = '$run2'\") = 0 ]"
expect_code 0 "cancel the last one" "$ASSAY" cancel "$run1" --db "$db"
expect_code 0 "pool rm" "$ASSAY" pool rm linux --db "$db"
expect_code 2 "it is gone" "$ASSAY" pool show linux --db "$db"
done_testing
