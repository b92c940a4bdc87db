#!/bin/sh
# integration.query NAME: requires the resource "database" (its set-up gives
# $ASSAY_CTX_DB_URL) and the prerequisite unit.build: passed. Looks NAME up.
name=${1:?usage: query.sh NAME}
url=${ASSAY_CTX_DB_URL:-}
if [ -z "$url" ]; then
	echo "ASSAY_CTX_DB_URL is not set: the database resource was not set up" >&2
	exit 1
fi
db=${url#file://}
if grep -q ",$name\$" "$db"; then
	echo "found $name in $url"
	exit 0
fi
echo "$name not found in $url" >&2
exit 1
