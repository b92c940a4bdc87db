# assay serve --cors-origin: browser dashboards on the origins given may call
# the API (Access-Control-Allow-Origin on answers, OPTIONS preflights
# answered without a token); other origins, and every origin without the
# option, get no CORS header; bad origins are refused at start.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.inc"
cd "$T"
db=$(test_db "$T/cors.db")
TOKEN=$(make_token "$db" tester write)
dash=https://dash.example.com
hdr() { grep -i "^$1:" "$T/headers" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }

# --- without --cors-origin: nothing ---
start_server "$db"
ok_if "without --cors-origin, a GET from a page gets no Access-Control-Allow-Origin" \
	"[ \$(api GET /api/v1/runs -H 'Origin: $dash') = 200 ] && [ -z \"\$(hdr Access-Control-Allow-Origin)\" ]"
ok_if "and a preflight is answered (204, Allow) but grants nothing" \
	"[ \$(TOKEN= api OPTIONS /api/v1/runs -H 'Origin: $dash' -H 'Access-Control-Request-Method: POST') = 204 ] && [ \"\$(hdr Allow)\" = 'GET, POST, HEAD, OPTIONS' ] && [ -z \"\$(hdr Access-Control-Allow-Origin)\" ] && [ -z \"\$(hdr Access-Control-Allow-Methods)\" ]"
stop_server

# --- two origins ---
start_server "$db" --cors-origin "$dash" --cors-origin http://localhost:3000
ok_if "a GET from an allowed origin names that origin, with Vary: Origin" \
	"[ \$(api GET /api/v1/runs -H 'Origin: $dash') = 200 ] && [ \"\$(hdr Access-Control-Allow-Origin)\" = '$dash' ] && [ \"\$(hdr Vary)\" = Origin ]"
ok_if "so does the second origin given" \
	"[ \$(api GET /api/v1/runs -H 'Origin: http://localhost:3000') = 200 ] && [ \"\$(hdr Access-Control-Allow-Origin)\" = http://localhost:3000 ]"
ok_if "an error answer carries it too (a browser could not read the error otherwise)" \
	"[ \$(TOKEN= api GET /api/v1/runs -H 'Origin: $dash') = 401 ] && [ \"\$(hdr Access-Control-Allow-Origin)\" = '$dash' ]"
ok_if "another origin gets no Access-Control-Allow-Origin" \
	"[ \$(api GET /api/v1/runs -H 'Origin: https://evil.example.com') = 200 ] && [ -z \"\$(hdr Access-Control-Allow-Origin)\" ]"
ok_if "nor does an origin that only starts like an allowed one" \
	"[ \$(api GET /api/v1/runs -H 'Origin: $dash.evil.com') = 200 ] && [ -z \"\$(hdr Access-Control-Allow-Origin)\" ]"
ok_if "a preflight for POST results needs no token and grants methods and headers (204)" \
	"[ \$(TOKEN= api OPTIONS /api/v1/runs/0190aaaa-0000-7000-8000-000000000000/results -H 'Origin: $dash' -H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: authorization, content-type') = 204 ] && [ \"\$(hdr Access-Control-Allow-Origin)\" = '$dash' ] && [ \"\$(hdr Access-Control-Allow-Methods)\" = 'GET, POST, HEAD, OPTIONS' ] && hdr Access-Control-Allow-Headers | grep -q Authorization && hdr Access-Control-Allow-Headers | grep -q Content-Type && hdr Access-Control-Allow-Headers | grep -q Idempotency-Key && [ -n \"\$(hdr Access-Control-Max-Age)\" ]"
ok_if "a preflight from another origin grants nothing" \
	"[ \$(TOKEN= api OPTIONS /api/v1/runs -H 'Origin: https://evil.example.com' -H 'Access-Control-Request-Method: POST') = 204 ] && [ -z \"\$(hdr Access-Control-Allow-Origin)\" ] && [ -z \"\$(hdr Access-Control-Allow-Methods)\" ]"
ok_if "OPTIONS on a path with no route is 404" \
	"[ \$(api OPTIONS /api/v1/nothing -H 'Origin: $dash') = 404 ]"
ok_if "a cross-origin POST is answered with the origin and exposes Location" \
	"[ \$(post_json /api/v1/runs '{\"title\":\"from a dashboard\"}' -H 'Origin: $dash') = 201 ] && [ \"\$(hdr Access-Control-Allow-Origin)\" = '$dash' ] && hdr Access-Control-Expose-Headers | grep -q Location"
stop_server
ok_if "the server stopped cleanly" "[ $SRV_RC = 0 ] && server_clean"

# --- any origin ---
start_server "$db" --cors-origin '*'
ok_if "--cors-origin '*' answers any origin with *" \
	"[ \$(api GET /api/v1/runs -H 'Origin: https://anything.example.org') = 200 ] && [ \"\$(hdr Access-Control-Allow-Origin)\" = '*' ]"
stop_server

# --- refused at start ---
for bad in "dash.example.com" "https://dash.example.com/" "https://dash.example.com/app" "https://" "https://a, https://b"; do
	expect_code 2 "--cors-origin '$bad' is a usage error" "$ASSAY" serve --db "$db" --listen 127.0.0.1:0 --cors-origin "$bad"
done
ok_if "which says what an origin looks like" "grep -q 'scheme://host' '$T/err'"
check "assay serve --help shows --cors-origin" sh -c "'$ASSAY' serve --help | grep -q -- --cors-origin"
done_testing
