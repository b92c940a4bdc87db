/* package — the assay.yaml at the root of a test package archive (QAOps's
 * .dmtest): what the package is called and the hooks a worker runs.
 *
 *     name: smoke                # required: letters, digits, . _ - +
 *     version: 1.2.0             # required: the same characters
 *     install: ./install.sh      # phase 4, in the unpacked folder (optional)
 *     run: ./run-tests.sh        # phase 6: the package's test (optional)
 *     protocol: tap              # how `run` reports: exit (default), tap, junit
 *     description: free text
 *
 *     struct package p;
 *     if (package_manifest_read("x/assay.yaml", "pkg.tar.gz:assay.yaml", &p, &e)) ...
 *
 * Errors are RC_PARSE with "NAME:LINE:COL: ..." (NAME is `display`). */
#ifndef ASSAY_CATALOG_PACKAGE_H
#define ASSAY_CATALOG_PACKAGE_H

#include "model/orch.h"
#include "util/rc.h"

/* Reads the manifest at `path` into `out` (name, version, install, run,
 * protocol, description; zeroed first). */
int package_manifest_read(const char *path, const char *display, struct package *out,
			  struct error *e);
/* Whether `s` is a valid package name or version (1-100 of [A-Za-z0-9._+-],
 * not starting with '.' or '-'). */
bool package_name_ok(const char *s);

#endif
