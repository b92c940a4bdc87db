#!/bin/sh
# Runs the bundled example catalog with the given assay binary and says where
# the results went. The example has one intentional failure, so its exit
# status 1 is the expected outcome here.
set -u
assay=${1:-build/release/assay}
top=$(cd "$(dirname "$0")/.." && pwd)
case $assay in /*) ;; *) assay=$top/$assay ;; esac
"$assay" run --catalog "$top/examples/assay.yaml"
rc=$?
echo
if [ "$rc" -le 1 ]; then
	echo "The example ran (one failure is intentional; exit status $rc)."
	echo "Results are in $top/examples/.assay/assay.db. Try:"
	echo "  $assay show last --catalog $top/examples/assay.yaml"
	echo "  $assay list runs --catalog $top/examples/assay.yaml"
	exit 0
fi
exit "$rc"
