# assay token and the server's checks: who may read, who may write, and
# that only a hash of each token is kept.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.inc"
data=$(cd "$(dirname "$0")/../data" && pwd)
cd "$T"
db=$(test_db "$T/auth.db")

expect_code 0 "token create makes a write token" "$ASSAY" token create --db "$db" --name ci --role write
writer=$(tail -n 1 "$T/out")
ok_if "its secret is alone on the last line" "printf '%s' '$writer' | grep -qE '^assay_[A-Za-z0-9_-]{43}$'"
ok_if "and only its hash is in the database" \
	"[ \$(sql '$db' \"select count(*) from tokens where name = 'ci' and hash != '$writer' and length(hash) = 64\") = 1 ] && ! dump '$db' | grep -qF '$writer'"
reader=$(make_token "$db" dash read)
admin=$(make_token "$db" boss admin)
expect_code 2 "a second valid token of the same name is refused" "$ASSAY" token create --db "$db" --name ci --role read
expect_code 2 "an unknown role is a usage error" "$ASSAY" token create --db "$db" --name x --role root
expect_code 2 "a bad name is a usage error" "$ASSAY" token create --db "$db" --name 'a b' --role read
expect_code 2 "create without --role is a usage error" "$ASSAY" token create --db "$db" --name y
expect_code 0 "token list lists them" "$ASSAY" token list --db "$db"
ok_if "by name and role, without secrets" \
	"grep -qE '^ci +write' '$T/out' && grep -qE '^dash +read' '$T/out' && ! grep -q assay_ '$T/out'"

start_server "$db"
ok_if "the server starts" "[ -n '$URL' ]"
ok_if "/healthz needs no token" "[ \$(api GET /healthz) = 200 ]"
ok_if "nor does the OpenAPI document, which names the bearer scheme" \
	"[ \$(api GET /api/v1/openapi.json) = 200 ] && [ \"\$(jget '$T/body' 'd[\"components\"][\"securitySchemes\"][\"bearer\"][\"scheme\"]')\" = bearer ]"
ok_if "a read without a token is 401 with WWW-Authenticate" \
	"[ \$(api GET /api/v1/runs) = 401 ] && [ \"\$(jget '$T/body' 'd[\"error\"][\"code\"]')\" = unauthorized ] && grep -qi '^WWW-Authenticate: Bearer' '$T/headers'"
ok_if "so is /metrics" "[ \$(api GET /metrics) = 401 ]"
ok_if "a wrong token is 401" "[ \$(TOKEN=assay_nope api GET /api/v1/runs) = 401 ]"
ok_if "an Authorization that is not Bearer is 401" "[ \$(api GET /api/v1/runs -H 'Authorization: Basic eDp5') = 401 ]"
ok_if "a read token reads" "[ \$(TOKEN=$reader api GET /api/v1/runs) = 200 ]"
ok_if "but may not write (403, naming its role)" \
	"[ \$(TOKEN=$reader post_json /api/v1/runs '{}') = 403 ] && grep -q 'has role read' '$T/body'"
ok_if "a write without a token is 401 and records nothing" \
	"[ \$(post_json /api/v1/runs '{}') = 401 ] && [ \$(sql '$db' 'select count(*) from test_runs') = 0 ]"
ok_if "a write token writes" "[ \$(TOKEN=$writer post_json /api/v1/runs '{\"title\":\"w\"}') = 201 ]"
ok_if "an admin token writes too" "[ \$(TOKEN=$admin post_json /api/v1/runs '{\"title\":\"a\"}') = 201 ]"
TOKEN=$admin post_json /api/v1/runs '{"title":"shared"}' >/dev/null
# --- share links ---
shared=$(jget "$T/body" 'd["id"]')
TOKEN=$writer post_json "/api/v1/runs/$shared/results" '[{"test":"s1","status":"passed"},{"test":"s2","status":"failed"}]' >/dev/null
ok_if "a read token may not share a run (403)" "[ \$(TOKEN=$reader api POST /api/v1/runs/$shared/share) = 403 ]"
ok_if "a write token makes a share link (201)" "[ \$(TOKEN=$writer api POST /api/v1/runs/$shared/share) = 201 ]"
link=$(jget "$T/body" 'd["url"]')
ok_if "an unguessable one, hashed in the database" \
	"printf '%s' '$link' | grep -qE '^/api/v1/shared/share_[A-Za-z0-9_-]{43}$' && ! dump '$db' | grep -qF '\${link##*/}'"
ok_if "the link shows the run without a token" \
	"[ \$(api GET $link) = 200 ] && [ \"\$(jget '$T/body' 'd[\"id\"]')\" = $shared ]"
ok_if "and its results" \
	"[ \$(api GET $link/results) = 200 ] && [ \"\$(jget '$T/body' '[r[\"test\"] for r in d[\"results\"]]')\" = '[\"s1\", \"s2\"]' ]"
ok_if "and its suites' own output (none here)" \
	"[ \$(api GET $link/outputs) = 200 ] && [ \"\$(jget '$T/body' 'd[\"outputs\"]')\" = '[]' ] && [ \$(api GET /api/v1/shared/x/outputs) = 404 ]"
TOKEN=$writer api POST /api/v1/imports -H 'Content-Type: application/xml' --data-binary @"$data/junit/ant.xml" >/dev/null
antrun=$(jget "$T/body" 'd["id"]')
TOKEN=$writer api POST "/api/v1/runs/$antrun/share" >/dev/null
antlink=$(jget "$T/body" 'd["url"]')
ok_if "an imported Ant run's link shows its suite's log" \
	"[ \$(api GET '$antlink/outputs?suite=org.example.ParserTest') = 200 ] && [ \"\$(jget '$T/body' 'd[\"outputs\"][0][\"stdout\"]')\" = \"\$(printf 'parsing...\\ndone')\" ]"
ok_if "but is no token for anything else" "[ \$(api GET /api/v1/runs -H \"Authorization: Bearer \${link##*/}\") = 401 ]"
ok_if "an unknown link is 404" "[ \$(api GET /api/v1/shared/share_nothing) = 404 ] && [ \$(api GET /api/v1/shared/x/results) = 404 ]"
ok_if "revoking the run's sharing ends the link" \
	"[ \$(TOKEN=$writer api DELETE /api/v1/runs/$shared/share) = 200 ] && [ \"\$(jget '$T/body' 'd[\"revoked\"]')\" = 1 ] && [ \$(api GET $link) = 404 ]"

expect_code 0 "token revoke revokes by name" "$ASSAY" token revoke --db "$db" ci
ok_if "a revoked token is refused at once (401)" "[ \$(TOKEN=$writer post_json /api/v1/runs '{}') = 401 ]"
expect_code 2 "revoking it again is an error" "$ASSAY" token revoke --db "$db" ci
expect_code 0 "the name can be used again after revoking" "$ASSAY" token create --db "$db" --name ci --role write
expect_code 0 "token list --json shows the revoked one with its time" "$ASSAY" token list --db "$db" --json
ok_if "and the new one" \
	"[ \"\$(jget '$T/out' '[(t[\"name\"], t[\"revoked_at\"] is None) for t in d if t[\"name\"] == \"ci\"]')\" = '[[\"ci\", false], [\"ci\", true]]' ]"
stop_server
ok_if "the server stopped cleanly" "[ $SRV_RC = 0 ] && server_clean"

start_server "$db" --public-read
ok_if "with --public-read, reads need no token" "[ \$(api GET /api/v1/runs) = 200 ] && [ \$(api GET /metrics) = 200 ]"
ok_if "but a wrong token is still refused" "[ \$(TOKEN=assay_nope api GET /api/v1/runs) = 401 ]"
ok_if "and writes still need a write token" "[ \$(post_json /api/v1/runs '{}') = 401 ] && [ \$(TOKEN=$reader post_json /api/v1/runs '{}') = 403 ]"
stop_server
ok_if "the server stopped cleanly" "[ $SRV_RC = 0 ] && server_clean"
done_testing
