# Every command answers --help and `assay help CMD`; unknown commands and
# options are usage errors (exit 2).
. "$(dirname "$0")/lib.sh"

expect_code 0 "assay --help exits 0" "$ASSAY" --help
ok_if "the overview lists run, list, show and results" "grep -q '  run ' '$T/out' && grep -q '  list ' '$T/out' && grep -q '  show ' '$T/out' && grep -q '  results ' '$T/out'"
cmds=$(sed -n 's/^  \([a-z][a-z]*\)  .*/\1/p' "$T/out")
for c in $cmds; do
	expect_code 0 "assay $c --help exits 0" "$ASSAY" "$c" --help
	check "assay $c --help prints its usage" contains "$T/out" "usage: assay $c"
	expect_code 0 "assay help $c exits 0" "$ASSAY" help "$c"
done
expect_code 0 "--version exits 0" "$ASSAY" --version
check "--version names assay and a version" grep -qE '^assay [0-9]+\.[0-9]+\.[0-9]+' "$T/out"
expect_code 2 "an unknown command is a usage error" "$ASSAY" frobnicate
check "the error names the command" contains "$T/err" "'frobnicate' is not an assay command"
expect_code 2 "no command at all is a usage error" "$ASSAY"
expect_code 2 "an unknown option is a usage error" "$ASSAY" run --no-such-option
expect_code 2 "help for an unknown command is a usage error" "$ASSAY" help frobnicate
done_testing
