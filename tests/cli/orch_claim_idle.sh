# A claim that finds the queue empty looks first, with a read: it takes no
# write lock, so an idle worker asking every --poll neither waits for a
# result batch being written nor holds up one. Stand-in workers through the
# HTTP API of a real assay serve (curl).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.inc"
db=$(test_db "$T/db.sqlite") || exit 1
TOKEN=$(make_token "$db" ci write)
"$ASSAY" pool add lab --db "$db" >/dev/null
"$ASSAY" pool add other --db "$db" >/dev/null
start_server "$db" || exit 1
claim() { post_json "/api/v1/workers/$1/claim" '{}'; }

ok_if "a worker registers" "[ \$(post_json /api/v1/workers '{\"name\":\"w1\",\"pool\":\"lab\"}') = 200 ]"
ok_if "with nothing queued, its claim is answered: no run" \
	"[ \$(claim w1) = 200 ] && [ \"\$(jget '$T/body' 'd[\"run\"]')\" = null ]"
"$ASSAY" start smoke --pool other --db "$db" >/dev/null 2>&1
ok_if "a run queued on another pool is not its to see" \
	"[ \$(claim w1) = 200 ] && [ \"\$(jget '$T/body' 'd[\"run\"]')\" = null ]"

if ! on_pg; then
	# Another writer holds the database's write lock until told to stop.
	mkfifo "$T/release"
	{ printf 'BEGIN IMMEDIATE;\nSELECT '"'"'locked'"'"';\n'; cat "$T/release"; printf 'COMMIT;\n'; } |
		sqlite3 "$db" >"$T/holder.out" 2>&1 &
	holder=$!
	until grep -q locked "$T/holder.out" 2>/dev/null; do sleep 0.05; done
	ok_if "while another writer holds the lock, an idle claim is answered: no run" \
		"[ \$(claim w1) = 200 ] && [ \"\$(jget '$T/body' 'd[\"run\"]')\" = null ]"
	ok_if "and the writer still held the lock when it was answered" "kill -0 $holder"
	exec 3>"$T/release"
	exec 3>&-
	wait $holder
fi

r=$("$ASSAY" start smoke --pool lab --db "$db" 2>/dev/null)
ok_if "once a run of its pool is queued, the claim takes it" \
	"[ \$(claim w1) = 200 ] && [ \"\$(jget '$T/body' 'd[\"run\"][\"id\"]')\" = '$r' ]"
ok_if "an offline worker is still told so, queue empty or not" \
	"sql '$db' \"update workers set offline_reason = 'health failed 3 times' where name = 'w1'\" && [ \$(claim w1) = 409 ] && grep -q 'offline' '$T/body'"
stop_server
ok_if "the server stopped cleanly" "[ $SRV_RC = 0 ] && server_clean"
done_testing
