# assay serve's group commit seen from clients: many concurrent single-result
# POSTs are each stored exactly once and answered only once stored; refused
# requests among them (an invalid item, a closed run, a reused key) get their
# own answers and cost the others nothing; concurrent retries with one
# Idempotency-Key record once and all get the first answer; SIGTERM while
# 32 keep-alive clients post loses no acknowledged result. GET /api/v1/tests
# pages over the tests they made. (The grouping itself, deterministically:
# tests/unit/ingest_test.c.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.inc"
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 is not installed"; exit 0; }
cd "$T"
db=$(test_db "$T/group.db")
TOKEN=$(make_token "$db" tester write)
start_server "$db"
ok_if "the server starts" "[ -n '$URL' ]"

post_json /api/v1/runs '{"title":"open"}' >/dev/null
run=$(jget "$T/body" 'd["id"]')
post_json /api/v1/runs '{"title":"closed"}' >/dev/null
closed=$(jget "$T/body" 'd["id"]')
api POST "/api/v1/runs/$closed/complete" >/dev/null

# clients.py URL TOKEN: 24 clients on keep-alive connections, 25 requests
# each, all at once. Client k's request i is one result "c<k>/<i>" to the
# open run, except: every 10th is also sent with an invalid item first (207:
# the valid one is kept), every 7th goes to the closed run (409), every 9th
# carries only an invalid result (422), and all of client k's requests
# number 5 share the Idempotency-Key "same" (one record, equal answers).
# Prints, per request: "test code" for each result it meant to record.
cat >"$T/clients.py" <<'EOF'
import http.client, json, sys, threading
url, token, run, closed = sys.argv[1:5]
host, port = url.split("//")[1].split(":")
out, lock = [], threading.Lock()
same = json.dumps({"test": "same/one", "status": "passed"})
def client(k):
    c = http.client.HTTPConnection(host, int(port), timeout=120)
    for i in range(25):
        target, key = run, None
        item = {"test": f"c{k}/{i}", "status": "failed" if i % 3 == 0 else "passed",
                "duration_ms": i}
        body = json.dumps(item)
        if i == 5:
            body, key, item = same, "same", {"test": "same/one"}
        elif i % 10 == 0:
            body = json.dumps([{"test": "", "status": "passed"}, item])
        elif i % 7 == 0:
            target = closed
        elif i % 9 == 0:
            body = json.dumps({"test": f"c{k}/{i}", "status": "no-such-status"})
        h = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
        if key:
            h["Idempotency-Key"] = key
        c.request("POST", f"/api/v1/runs/{target}/results", body, h)
        r = c.getresponse()
        answer = r.read().decode()
        with lock:
            out.append((item["test"], r.status, i, target == closed, answer))
    c.close()
ts = [threading.Thread(target=client, args=(k,)) for k in range(24)]
for t in ts: t.start()
for t in ts: t.join()
for test, code, i, to_closed, answer in out:
    print(test, code, "closed" if to_closed else "open", i, answer)
EOF
python3 "$T/clients.py" "$URL" "$TOKEN" "$run" "$closed" >"$T/answers"
ok_if "all 600 requests were answered" "[ \$(wc -l <'$T/answers') = 600 ]"
# What was meant to be recorded, by what each answer said.
awk '$2 == 201 && $3 == "open" && $1 != "same/one" { print $1 }' "$T/answers" | sort >"$T/created"
awk '$2 == 207 { print $1 }' "$T/answers" | sort >"$T/mixed"
ok_if "plain requests got 201 (24 clients x 16)" "[ \$(wc -l <'$T/created') = 384 ]"
ok_if "requests with one invalid item got 207 (24 x 3)" "[ \$(wc -l <'$T/mixed') = 72 ]"
ok_if "requests to the closed run got 409 run_closed (24 x 3)" \
	"[ \$(awk '\$2 == 409 && \$3 == \"closed\" && /run_closed/' '$T/answers' | wc -l) = 72 ]"
ok_if "requests with only an invalid result got 422 (24 x 2)" \
	"[ \$(awk '\$2 == 422' '$T/answers' | wc -l) = 48 ]"
ok_if "no other answer" \
	"[ \$(awk '\$2 != 201 && \$2 != 207 && \$2 != 409 && \$2 != 422' '$T/answers' | wc -l) = 0 ]"
sql "$db" "select test from results where run_id = '$run' and test != 'same/one'" | sort >"$T/stored"
ok_if "every acknowledged result is stored exactly once, and nothing else" \
	"[ -s '$T/stored' ] && sort '$T/created' '$T/mixed' | cmp -s - '$T/stored'"
ok_if "nothing went to the closed run" \
	"[ \$(sql '$db' \"select count(*) from results where run_id = '$closed'\") = 0 ]"
ok_if "24 concurrent requests with one Idempotency-Key recorded one result" \
	"[ \$(sql '$db' \"select count(*) from results where run_id = '$run' and test = 'same/one'\") = 1 ]"
ok_if "and all got 201 with the same answer (the same result id)" \
	"[ \$(awk '\$1 == \"same/one\" && \$2 == 201' '$T/answers' | wc -l) = 24 ] && [ \$(awk '\$1 == \"same/one\" { print \$5 }' '$T/answers' | sort -u | wc -l) = 1 ]"
# passed: i not a multiple of 3, among the requests recorded
want_failed=$(awk '$2 == 201 || $2 == 207 { if ($1 != "same/one" && $4 % 3 == 0) n++ } END { print n + 0 }' "$T/answers")
ok_if "the run's counters match its rows" \
	"[ \$(api GET /api/v1/runs/$run) = 200 ] && [ \"\$(jget '$T/body' '(d[\"counts\"][\"passed\"] + d[\"counts\"][\"failed\"], d[\"counts\"][\"failed\"])')\" = \"(457, $want_failed)\" ]"
ok_if "/metrics counts every recorded result" \
	"[ \$(api GET /metrics) = 200 ] && grep -q '^assay_results_ingested_total 457\$' '$T/body'"

# --- GET /api/v1/tests, page by page ---
ok_if "GET /api/v1/tests?limit=100 gives 100 tests and a next_cursor" \
	"[ \$(api GET '/api/v1/tests?limit=100') = 200 ] && [ \"\$(jget '$T/body' '(len(d[\"tests\"]), d[\"next_cursor\"] is not None)')\" = '(100, True)' ]"
: >"$T/walk"
cursor=""
pages=0
while :; do
	q="limit=60"
	[ -n "$cursor" ] && q="$q&cursor=$cursor"
	[ "$(api GET "/api/v1/tests?$q")" = 200 ] || break
	jget "$T/body" '"\n".join(t["name"] for t in d["tests"])' >>"$T/walk"
	pages=$((pages + 1))
	cursor=$(jget "$T/body" 'd["next_cursor"] or ""')
	[ -n "$cursor" ] || break
done
sql "$db" "select name from tests order by name" >"$T/all_tests"
ok_if "walking pages of 60 lists every test once, by name (457 tests, 8 pages)" \
	"cmp -s '$T/walk' '$T/all_tests' && [ \$(wc -l <'$T/walk') = 457 ] && [ $pages = 8 ]"
ok_if "a cursor of another listing is 400 bad_cursor" \
	"api GET '/api/v1/runs?limit=1' >/dev/null && c=\$(jget '$T/body' 'd[\"next_cursor\"]') && [ \$(api GET \"/api/v1/tests?cursor=\$c\") = 400 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = bad_cursor ]"
ok_if "limit=0 and limit=1001 are 400" \
	"[ \$(api GET '/api/v1/tests?limit=0') = 400 ] && [ \$(api GET '/api/v1/tests?limit=1001') = 400 ]"
stop_server
ok_if "the server stopped cleanly" "[ $SRV_RC = 0 ] && server_clean"

# --- SIGTERM while 32 keep-alive clients post single results: the requests
# waiting for a commit are committed and answered, none acknowledged is lost
start_server "$db"
post_json /api/v1/runs '{"title":"stopped"}' >/dev/null
srun=$(jget "$T/body" 'd["id"]')
cat >"$T/posters.py" <<'EOF'
import http.client, json, sys, threading
url, token, run, acked = sys.argv[1:5]
host, port = url.split("//")[1].split(":")
out, lock = open(acked, "a", buffering=1), threading.Lock()
def poster(k):
    c = http.client.HTTPConnection(host, int(port), timeout=120)
    i = 0
    while True:
        name = f"p{k}/{i}"
        try:
            c.request("POST", f"/api/v1/runs/{run}/results",
                      json.dumps({"test": name, "status": "passed"}),
                      {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
            r = c.getresponse()
            r.read()
        except Exception:
            return
        if r.status != 201:
            return
        with lock:
            out.write(name + "\n")
        i += 1
ts = [threading.Thread(target=poster, args=(k,)) for k in range(32)]
for t in ts: t.start()
for t in ts: t.join()
EOF
: >"$T/acked"
python3 "$T/posters.py" "$URL" "$TOKEN" "$srun" "$T/acked" &
posters=$!
# No clock: on progress, until 500 answers (or the server is gone).
while [ "$(wc -l <"$T/acked")" -lt 500 ] && kill -0 "$SRV_PID" 2>/dev/null; do sleep 0.02; done
stop_server
wait "$posters"
sort "$T/acked" >"$T/acked.sorted"
sql "$db" "select test from results where run_id = '$srun'" | sort >"$T/stored.stop"
ok_if "the server stopped with status 0 while 32 clients were posting" "[ $SRV_RC = 0 ] && server_clean"
ok_if "clients had at least 500 answers" "[ \$(wc -l <'$T/acked.sorted') -ge 500 ]"
ok_if "every acknowledged result is in the database, once" \
	"[ -z \"\$(comm -23 '$T/acked.sorted' '$T/stored.stop')\" ] && [ -z \"\$(uniq -d '$T/stored.stop')\" ]"
ok_if "and the run's counters match its rows" \
	"[ \$(sql '$db' \"select n_passed from test_runs where id = '$srun'\") = \$(wc -l <'$T/stored.stop') ]"
done_testing
