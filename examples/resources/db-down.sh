#!/bin/sh
# Clean-up of the resource "database": removes the temp folder its set-up
# made, found from the DB_URL the set-up published ($ASSAY_CTX_DB_URL).
set -eu
url=${ASSAY_CTX_DB_URL:-}
if [ -z "$url" ]; then
	echo "no DB_URL: the set-up did not get far, nothing to remove"
	exit 0
fi
path=${url#file://}
dir=${path%/*}
case "$dir" in
*/assay-example.*) rm -rf "$dir" && echo "database removed: $dir" ;;
*) echo "refusing to remove $dir: not made by db-up.sh" >&2; exit 1 ;;
esac
