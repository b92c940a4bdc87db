# lib.sh — sourced by every black-box test of the assay binary. Prints TAP.
#   . "$(dirname "$0")/lib.sh"
#   check "what it shows" test "$x" = y      # any command; its status decides
#   expect_code 2 "bad catalog is refused" "$ASSAY" run --catalog bad.yaml
# A temporary folder $T is made and removed; $ASSAY is the binary under test.
set -u
ASSAY=${ASSAY_BIN:?set ASSAY_BIN to the assay binary}
T=$(mktemp -d "${TMPDIR:-/tmp}/assay-cli-XXXXXX")
# assay run makes its temporary folder under $TMPDIR: a test that SIGKILLs
# assay must not leave one behind in /tmp.
export TMPDIR="$T"
export NO_COLOR=1
unset ASSAY_DB CI GITHUB_ACTIONS GITLAB_CI JENKINS_URL 2>/dev/null || true
_n=0
_failed=0
cleanup() {
	# Stop anything a test left running in the background, then remove $T
	# and the PostgreSQL databases the test made.
	jobs -p | xargs -r kill -9 2>/dev/null
	if [ -f "$T/.pg_dbs" ]; then
		while read -r _db; do
			psql -X -q -d "$ASSAY_TEST_PG_URL" -c "DROP DATABASE IF EXISTS $_db WITH (FORCE)" \
				>/dev/null 2>&1
		done <"$T/.pg_dbs"
	fi
	rm -rf "$T"
}
trap cleanup EXIT

ok() { _n=$((_n + 1)); echo "ok $_n - $1"; }
notok() {
	_n=$((_n + 1)); _failed=$((_failed + 1)); echo "not ok $_n - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'
	return 0
}

# check DESC CMD...: passes when CMD succeeds.
check() {
	_d=$1; shift
	if "$@" >"$T/.check.out" 2>&1; then ok "$_d"; else notok "$_d" "$(tail -20 "$T/.check.out")"; fi
}

# ok_if DESC 'SHELL CODE': passes when the code (evaluated here, so lib.sh's
# functions are available) succeeds.
ok_if() {
	_d=$1
	if eval "$2" >"$T/.check.out" 2>&1; then ok "$_d"; else notok "$_d" "$(tail -20 "$T/.check.out")"; fi
}

# expect_code N DESC CMD...: runs CMD, keeps stdout in $T/out and stderr in
# $T/err, passes when it exits with N.
expect_code() {
	_want=$1 _d=$2; shift 2
	"$@" >"$T/out" 2>"$T/err"
	_got=$?
	if [ "$_got" -eq "$_want" ]; then ok "$_d"; else
		notok "$_d" "exit $_got, wanted $_want; stderr: $(tail -5 "$T/err"); stdout: $(tail -5 "$T/out")"
	fi
}

# contains FILE TEXT: the file holds the fixed string.
contains() { grep -qF -- "$2" "$1"; }
lacks() { ! grep -qF -- "$2" "$1"; }

# The database under test. tests/run-all.sh runs the suite against SQLite,
# then again against PostgreSQL with ASSAY_TEST_PG_URL set to a throwaway
# cluster's URL (.../postgres); a test asks for its databases here:
#   db=$(test_db "$T/x.db")   the file path, or the URL of a new PostgreSQL
#                             database (dropped when the test ends)
#   default_db PATH           for tests of commands that find their database
#                             beside the catalog (PATH): sets $db, and on
#                             PostgreSQL exports ASSAY_DB=$db so that they use it
#   on_pg                     true on the PostgreSQL pass
#   skip DESC REASON          a check that does not apply to this backend
on_pg() { [ -n "${ASSAY_TEST_PG_URL:-}" ]; }

test_db() {
	if ! on_pg; then echo "$1"; return; fi
	_name=assay_cli_$$_$(printf %s "$1" | cksum | cut -d' ' -f1)
	psql -X -q -d "$ASSAY_TEST_PG_URL" -c "CREATE DATABASE $_name" >/dev/null || return 1
	echo "$_name" >>"$T/.pg_dbs"
	_url="${ASSAY_TEST_PG_URL%/*}/$_name"
	# SQLite's group_concat, so that one query checks rows on both backends.
	psql -X -q -d "$_url" >/dev/null <<'SQL' || return 1
CREATE FUNCTION group_concat_step(acc text, v anyelement, sep text) RETURNS text
	LANGUAGE sql IMMUTABLE AS $$ SELECT CASE WHEN v IS NULL THEN acc WHEN acc IS NULL
	THEN v::text ELSE acc || sep || v::text END $$;
CREATE FUNCTION group_concat_step(acc text, v anyelement) RETURNS text
	LANGUAGE sql IMMUTABLE AS $$ SELECT group_concat_step(acc, v, ',') $$;
CREATE AGGREGATE group_concat(anyelement, text) (SFUNC = group_concat_step, STYPE = text);
CREATE AGGREGATE group_concat(anyelement) (SFUNC = group_concat_step, STYPE = text);
SQL
	echo "$_url"
}

default_db() {
	db=$1
	if on_pg; then
		db=$(test_db "$1") || exit 1
		export ASSAY_DB="$db"
	fi
}

skip() { _n=$((_n + 1)); echo "ok $_n - $1 # SKIP $2"; }

# sql DB QUERY: one query through the sqlite3 shell or psql (same output:
# one line per row, columns between |, NULL empty), for checking rows.
sql() {
	case $1 in
	postgres*) psql -X -q -A -t -F '|' -v ON_ERROR_STOP=1 -d "$1" -c "$2" ;;
	*) sqlite3 -batch -noheader "$1" "$2" ;;
	esac
}

# dump DB: the whole database as SQL text (to show a secret is not in it).
dump() {
	case $1 in
	postgres*) pg_dump_bin=$(ls /usr/lib/postgresql/*/bin/pg_dump 2>/dev/null | tail -1)
		"${pg_dump_bin:-pg_dump}" -d "$1" ;;
	*) sqlite3 "$1" .dump ;;
	esac
}

# wait_for SECONDS CMD...: polls CMD every 50 ms until it succeeds.
wait_for() {
	_limit=$(( $1 * 20 )); shift
	while [ "$_limit" -gt 0 ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.05; _limit=$((_limit - 1))
	done
	return 1
}

done_testing() {
	echo "1..$_n"
	[ "$_failed" -eq 0 ]
}
