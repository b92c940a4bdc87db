# GET /api/v1/suites: the suites of the catalog assay serve was started with;
# without a catalog there are none, and the answer says so.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve.inc"
mkdir -p "$T/p"
cd "$T/p"
db=$(test_db "$T/s.db")
cat > assay.yaml <<'Y'
project: shop
tests:
  unit.a: {command: 'true'}
  unit.b: {command: 'true'}
  e2e.c: {command: 'true'}
suites:
  unit: [unit.*]
  all: [unit, e2e.c]
Y
start_server "$db" --catalog "$T/p/assay.yaml" --public-read
ok_if "the server starts with a catalog" "[ -n '$URL' ]"
ok_if "GET /api/v1/suites lists its suites with their items" \
	"[ \$(api GET /api/v1/suites) = 200 ] && [ \"\$(jget '$T/body' '[(s[\"name\"], s[\"items\"]) for s in d[\"suites\"]]')\" = '[[\"unit\", [\"unit.*\"]], [\"all\", [\"unit\", \"e2e.c\"]]]' ]"
ok_if "and names the catalog and its project" \
	"[ \"\$(jget '$T/body' 'd[\"project\"]')\" = shop ] && [ \"\$(jget '$T/body' 'd[\"catalog\"]')\" = '$T/p/assay.yaml' ]"
stop_server
ok_if "it stops cleanly" "[ $SRV_RC = 0 ] && server_clean"

cd "$T"
start_server "$db" --public-read
ok_if "without a catalog it starts too" "[ -n '$URL' ]"
ok_if "and has no suites, saying it has no catalog" \
	"[ \$(api GET /api/v1/suites) = 200 ] && [ \"\$(jget '$T/body' 'd[\"suites\"]')\" = '[]' ] && [ \"\$(jget '$T/body' 'd[\"catalog\"]')\" = null ]"
stop_server
printf 'tests: [oops\n' > "$T/bad.yaml"
expect_code 2 "a bad catalog given with --catalog is refused before listening" "$ASSAY" serve --db "$db" --listen 127.0.0.1:0 --catalog "$T/bad.yaml"
ok_if "naming the file and line" "grep -q 'bad.yaml:' '$T/err'"
done_testing
