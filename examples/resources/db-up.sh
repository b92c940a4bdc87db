#!/bin/sh
# Set-up of the resource "database": makes a throw-away "database" (a CSV file
# in a new temp folder) and hands its address to the tests by writing
# DB_URL=... to $ASSAY_CONTEXT_OUT (tests then see $ASSAY_CTX_DB_URL).
set -eu
: "${ASSAY_CONTEXT_OUT:?this set-up is run by assay, which sets ASSAY_CONTEXT_OUT}"
dir=$(mktemp -d "${TMPDIR:-/tmp}/assay-example.XXXXXX")
printf 'id,name\n1,alice\n2,bob\n' >"$dir/users.csv"
echo 3 >"$dir/schema_version"
echo "DB_URL=file://$dir/users.csv" >>"$ASSAY_CONTEXT_OUT"
echo "database ready in $dir"
