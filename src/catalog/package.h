/* package — the assay.yaml at the root of a test package archive (QAOps's
 * .dmtest): what the package is called and the hooks a worker runs.
 *
 *     name: smoke                # required: letters, digits, . _ - +
 *     version: 1.2.0             # required: the same characters
 *     install: ./install.sh      # phase 4, in the unpacked folder (optional)
 *     run: ./run-tests.sh        # phase 6: the package's test (optional)
 *     protocol: tap              # how `run` reports: exit (default), tap, junit
 *     description: free text
 *     suites:                    # optional: the command for a suite, instead
 *       smoke: ./run-tests.sh -k smoke    # of `run` (the run's suite is also
 *       full: ./run-tests.sh              # in $ASSAY_SUITE)
 *
 * `install` and `run` may also be mappings with a timeout (a duration as in
 * the catalog: 90s, 10m, 2h; a plain number is seconds):
 *
 *     run:
 *       command: ./run-tests.sh
 *       timeout: 2h              # default ORCH_DEFAULT_RUN_TIMEOUT_MS (1 h)
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
 * protocol, description, the two timeouts and suites_json; zeroed first). */
int package_manifest_read(const char *path, const char *display, struct package *out,
			  struct error *e);
/* Whether `s` is a valid package name or version (1-100 of [A-Za-z0-9._+-],
 * not starting with '.' or '-'). */
bool package_name_ok(const char *s);

#endif
