#!/bin/sh
# integration.migrate: shares the resource "database" with integration.query
# (one set-up for both); checks the schema version next to the data.
url=${ASSAY_CTX_DB_URL:-}
if [ -z "$url" ]; then
	echo "ASSAY_CTX_DB_URL is not set: the database resource was not set up" >&2
	exit 1
fi
path=${url#file://}
version=$(cat "${path%/*}/schema_version" 2>/dev/null || echo none)
if [ "$version" = 3 ]; then
	echo "schema is at version 3, nothing to migrate"
	exit 0
fi
echo "expected schema version 3, found $version" >&2
exit 1
