# lib.sh — sourced by every black-box test of the assay binary. Prints TAP.
#   . "$(dirname "$0")/lib.sh"
#   check "what it shows" test "$x" = y      # any command; its status decides
#   expect_code 2 "bad catalog is refused" "$ASSAY" run --catalog bad.yaml
# A temporary folder $T is made and removed; $ASSAY is the binary under test.
set -u
ASSAY=${ASSAY_BIN:?set ASSAY_BIN to the assay binary}
T=$(mktemp -d "${TMPDIR:-/tmp}/assay-cli-XXXXXX")
export NO_COLOR=1
unset ASSAY_DB CI GITHUB_ACTIONS GITLAB_CI JENKINS_URL 2>/dev/null || true
_n=0
_failed=0
cleanup() {
	# Stop anything a test left running in the background, then remove $T.
	jobs -p | xargs -r kill -9 2>/dev/null
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

# sql DB QUERY: one query through the sqlite3 shell, for checking rows.
sql() { sqlite3 -batch -noheader "$1" "$2"; }

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
