#!/bin/sh
# unit.build: stands in for a build step; uses the default context property
# build_dir ($ASSAY_CTX_build_dir). integration.query requires it to pass.
dir=${ASSAY_CTX_build_dir:-}
if [ -z "$dir" ]; then
	echo "ASSAY_CTX_build_dir is not set (the catalog's context gives it)" >&2
	exit 1
fi
echo "${ASSAY_TEST:-unit.build}: building into $dir/ ... done"
