#!/bin/sh
# bench/serve.sh — how fast `assay serve` takes results and answers reads, on
# loopback, driven by wrk (bench/serve.lua). A measurement, not a test: it
# prints figures next to their targets (issue 4) and never fails on a slow
# figure.
#
#     sh bench/serve.sh      # after `make` (build/release/assay, libassay.a)
#
# 1. single-result POSTs  /api/v1/runs/{id}/results, one new test per request
#                         (target >= 5,000 requests/s), p50/p99, errors,
#                         results stored (sqlite3) against 2xx answers, and
#                         requests per commit (group commit, from /metrics)
# 2. bulk POSTs           arrays of BENCH_BULK results (1,000) per request
#                         (target >= 100,000 results/s)
# 3. 500 connections      GET /api/v1/runs/{id} and the POST route with
#                         wrk -c500 (target: no socket error, no non-2xx)
# 4. a big database       BENCH_RESULTS results (1,000,000) in one run plus
#                         BENCH_RUNS small runs (3,000), made by
#                         bench/fill_store.c through the store API and kept in
#                         bench/work/serve/ (BENCH_FRESH=1 makes it again):
#                         GET /api/v1/runs/{id} p99 (target <= 10 ms) and
#                         GET /api/v1/runs?status=failed&environment=ci p99
#                         (target <= 20 ms), with BENCH_READ_CONNS (8)
#                         connections
#
# Each wrk step runs BENCH_SECONDS (10). About 1.5 minutes, plus about a
# minute the first time to make the big database. Needs wrk, curl, sqlite3.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
work="$here/work/serve"
ASSAY=${ASSAY:-$root/build/release/assay}
LIB=${LIB:-$root/build/release/libassay.a}
SECS=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNS:-32}
BULK=${BENCH_BULK:-1000}
N=${BENCH_RESULTS:-1000000}
RUNS=${BENCH_RUNS:-3000}
READ_CONNS=${BENCH_READ_CONNS:-8}
CC=${CC:-cc}

die() { echo "bench: $*" >&2; exit 1; }
[ -x "$ASSAY" ] && [ -f "$LIB" ] || die "build first: 'make' at the repo root ($ASSAY, $LIB)"
for t in wrk curl sqlite3; do
	command -v $t >/dev/null || die "$t is missing (apt-get install $t, or scripts/install-deps.sh)"
done
mkdir -p "$work"
: >"$work/summary"

# ---- the server ----
srv_pid=""
stop_server() {
	if [ -n "$srv_pid" ]; then
		kill "$srv_pid" 2>/dev/null || true
		wait "$srv_pid" 2>/dev/null || true
		srv_pid=""
	fi
}
trap stop_server EXIT
trap 'exit 130' INT TERM

# start_server DB: sets base (http://ADDR:PORT)
start_server() {
	"$ASSAY" serve --listen 127.0.0.1:0 --db "$1" >"$work/serve.out" 2>"$work/serve.err" &
	srv_pid=$!
	i=0
	while ! grep -q '^listening on ' "$work/serve.out" 2>/dev/null; do
		kill -0 "$srv_pid" 2>/dev/null || { cat "$work/serve.err" >&2; die "assay serve did not start"; }
		i=$((i + 1))
		[ $i -lt 200 ] || die "assay serve did not say where it listens in 10 s"
		sleep 0.05
	done
	base="http://$(sed -n 's/^listening on //p' "$work/serve.out")"
}

# new_token DB: a write token (a new name each time: the database may be reused)
new_token() {
	"$ASSAY" token create --db "$1" --name "bench-$$-$(date +%s%N)" --role write | tail -n 1
}

# open_run TITLE: POST /api/v1/runs, prints the new run's id
open_run() {
	curl -sS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
		-d "{\"title\":\"$1\",\"environment\":\"ci\"}" "$base/api/v1/runs" |
		grep -o '"id":"[^"]*"' | head -n 1 | cut -d'"' -f4
}

# bench NAME MODE CONNS URL: runs wrk for SECS seconds; sets reqs non2xx
# sockerr p50 p99 (ms) secs rps from serve.lua's BENCH line; keeps wrk's
# own output in NAME.wrk
bench() {
	name=$1 mode=$2 c=$3 url=$4
	th=2
	[ "$c" -ge 2 ] || th=1
	MODE=$mode TOKEN=$TOKEN BODY_FILE=${BODY_FILE:-} \
		wrk -t"$th" -c"$c" -d"${SECS}s" --timeout 10s --latency -s "$here/serve.lua" "$url" \
		>"$work/$name.wrk" 2>&1 || { cat "$work/$name.wrk" >&2; die "wrk failed ($name)"; }
	line=$(grep '^BENCH ' "$work/$name.wrk") || { cat "$work/$name.wrk" >&2; die "no figures from wrk ($name)"; }
	# shellcheck disable=SC2086
	set -- $line
	reqs=$2 non2xx=$3 sockerr=$4 secs=$7
	p50=$(awk -v u="$5" 'BEGIN { printf "%.2f", u / 1000 }')
	p99=$(awk -v u="$6" 'BEGIN { printf "%.2f", u / 1000 }')
	rps=$(awk -v n="$reqs" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
}

# row WHAT FIGURE TARGET MET(yes/no/-): one line of the summary table
row() { printf '%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" >>"$work/summary"; }
met() { awk "BEGIN { exit !($1) }" && echo yes || echo NO; }
stored() { sqlite3 "$1" "select count(*) from results where run_id = '$2'"; }
# groups: "R requests in C commits" since the server started (group commit)
groups() {
	curl -sS -H "Authorization: Bearer $TOKEN" "$base/metrics" | awk '
		/^assay_ingest_requests_total / { r = $2 } /^assay_ingest_commits_total / { c = $2 }
		END { printf "%d requests in %d commits (%.1f a commit)", r, c, c ? r / c : 0 }'
}

cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo "assay serve benchmark — $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(nproc) cpus, ${cpu:-unknown cpu}, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "assay:   $("$ASSAY" --version) ($(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')), $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)"
echo "wrk steps of ${SECS} s on loopback; figures in ms are latencies"
echo

# ---- 1-3: a fresh database ----
db="$work/work.db"
rm -f "$db" "$db-wal" "$db-shm"
TOKEN=$(new_token "$db")
start_server "$db"

echo "1. single-result POSTs, -c$CONNS"
run1=$(open_run "single-result bench")
[ -n "$run1" ] || die "could not open a run (see $work/serve.err)"
bench one one "$CONNS" "$base/api/v1/runs/$run1/results"
ok=$((reqs - non2xx))
n1=$(stored "$db" "$run1")
printf '   %s requests in %.1f s: %s requests/s, p50 %s ms, p99 %s ms; non-2xx %s, socket errors %s\n' \
	"$reqs" "$secs" "$rps" "$p50" "$p99" "$non2xx" "$sockerr"
echo "   stored $n1 results for $ok 2xx answers; $(groups)"
row "single-result POST, -c$CONNS" "$rps req/s" ">= 5,000 req/s" "$(met "$rps >= 5000")"
row "  its latency p50 / p99" "$p50 / $p99 ms" "-" "-"
row "  errors; stored vs 2xx" "$non2xx non-2xx, $sockerr socket; $n1 / $ok" "0; equal" \
	"$(met "$non2xx + $sockerr == 0 && $n1 >= $ok")"

echo "2. bulk POSTs of $BULK results, -c4"
body="$work/bulk-$BULK.json"
[ -s "$body" ] || awk -v n="$BULK" 'BEGIN {
	printf "["
	for (i = 1; i <= n; i++) {
		if (i % 20 == 7)
			printf "{\"test\":\"bulk/@@/test_%05d\",\"status\":\"failed\",\"duration_ms\":%d,\"message\":\"assertion failed: expected %d, got %d\"}", i, i % 250, i, i + 1
		else
			printf "{\"test\":\"bulk/@@/test_%05d\",\"status\":\"passed\",\"duration_ms\":%d}", i, i % 250
		printf (i < n ? "," : "]")
	}
}' >"$body"
run2=$(open_run "bulk bench")
BODY_FILE=$body bench bulk bulk 4 "$base/api/v1/runs/$run2/results"
ok=$((reqs - non2xx))
n2=$(stored "$db" "$run2")
res_s=$(awk -v n="$ok" -v b="$BULK" -v s="$secs" 'BEGIN { printf "%.0f", n * b / s }')
printf '   %s requests (%s KB each) in %.1f s: %s results/s, p50 %s ms, p99 %s ms; non-2xx %s, socket errors %s\n' \
	"$reqs" "$(($(wc -c <"$body") / 1000))" "$secs" "$res_s" "$p50" "$p99" "$non2xx" "$sockerr"
echo "   stored $n2 results for $ok 2xx answers ($((ok * BULK)) results); so far $(groups)"
row "bulk POST, $BULK per request, -c4" "$res_s results/s" ">= 100,000 results/s" "$(met "$res_s >= 100000")"
row "  stored vs 2xx x $BULK" "$n2 / $((ok * BULK))" "equal" "$(met "$n2 >= $ok * $BULK && $non2xx + $sockerr == 0")"

echo "3. 500 connections"
bench c500get get 500 "$base/api/v1/runs/$run1"
printf '   GET  /api/v1/runs/{id}:          %s req/s, p99 %s ms; non-2xx %s, socket errors %s\n' \
	"$rps" "$p99" "$non2xx" "$sockerr"
row "GET run, -c500: errors" "$non2xx non-2xx, $sockerr socket ($rps req/s)" "0" "$(met "$non2xx + $sockerr == 0")"
run3=$(open_run "500 connections bench")
bench c500post one 500 "$base/api/v1/runs/$run3/results"
n3=$(stored "$db" "$run3")
printf '   POST /api/v1/runs/{id}/results: %s req/s, p99 %s ms; non-2xx %s, socket errors %s; stored %s for %s 2xx\n' \
	"$rps" "$p99" "$non2xx" "$sockerr" "$n3" "$((reqs - non2xx))"
row "POST result, -c500: errors" "$non2xx non-2xx, $sockerr socket ($rps req/s)" "0" "$(met "$non2xx + $sockerr == 0")"
stop_server

# ---- 4: a big database ----
big="$work/big.db"
if [ "${BENCH_FRESH:-0}" = 1 ] || [ ! -f "$big" ] || [ "$(cat "$work/big.params" 2>/dev/null)" != "$N $RUNS" ]; then
	pkgs="libuv sqlite3 libpq expat yaml-0.1 jansson"
	# shellcheck disable=SC2046
	"$CC" -O2 -std=c17 -D_GNU_SOURCE -I"$root/src" $(pkg-config --cflags $pkgs) \
		-o "$work/fill_store" "$here/fill_store.c" "$LIB" $(pkg-config --libs $pkgs) -lm \
		|| die "cannot build bench/fill_store.c"
	rm -f "$big" "$big-wal" "$big-shm" "$work/big.params"
	echo "4. making $RUNS small runs and a run of $N results in $big ..."
	start=$(date +%s)
	"$work/fill_store" "$big" "$N" "$RUNS" >"$work/big.run" || die "fill_store failed"
	echo "$N $RUNS" >"$work/big.params"
	echo "   done in $(($(date +%s) - start)) s"
fi
bigrun=$(cat "$work/big.run")
TOKEN=$(new_token "$big")
start_server "$big"
echo "4. $N results in run $bigrun, $((RUNS + 1)) runs ($(du -m "$big" | cut -f1) MB), -c$READ_CONNS"
bench bigrun get "$READ_CONNS" "$base/api/v1/runs/$bigrun"
printf '   GET /api/v1/runs/{id}:                        %s req/s, p50 %s ms, p99 %s ms; errors %s\n' \
	"$rps" "$p50" "$p99" "$((non2xx + sockerr))"
row "GET run of $N results, p99 (-c$READ_CONNS)" "$p99 ms (p50 $p50, $rps req/s)" "<= 10 ms" \
	"$(met "$p99 <= 10 && $non2xx + $sockerr == 0")"
nfail=$(curl -sS -H "Authorization: Bearer $TOKEN" "$base/api/v1/runs?status=failed&environment=ci&limit=1000" |
	grep -o '"status":"failed"' | wc -l || true)
bench biglist get "$READ_CONNS" "$base/api/v1/runs?status=failed&environment=ci"
printf '   GET /api/v1/runs?status=failed&environment=ci: %s req/s, p50 %s ms, p99 %s ms; errors %s (%s runs match)\n' \
	"$rps" "$p50" "$p99" "$((non2xx + sockerr))" "$nfail"
row "GET runs?status=failed&environment=ci, p99" "$p99 ms (p50 $p50, $rps req/s)" "<= 20 ms" \
	"$(met "$p99 <= 20 && $non2xx + $sockerr == 0")"
stop_server

echo
printf '%-44s %-42s %-22s %s\n' "measure" "figure" "target" "met"
while IFS='|' read -r what fig tgt ok; do
	printf '%-44s %-42s %-22s %s\n' "$what" "$fig" "$tgt" "$ok"
done <"$work/summary"
