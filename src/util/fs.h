/* fs — folder trees on disk: a faithful copy of one, and removing one. The
 * worker keeps each package unpacked once in its cache and gives every run
 * a fresh copy of it (http/worker.c); copying in-process costs a few system
 * calls per file, where unpacking the archive again costs a tar and a gzip
 * process per run.
 *
 *     if (fs_copy_tree("cache/pkg", "run-1/pkg", &e)) ...   // run-1/pkg must not exist
 *     fs_remove_tree("run-1", &e);
 */
#ifndef ASSAY_UTIL_FS_H
#define ASSAY_UTIL_FS_H

#include "util/rc.h"

/* Copies the folder `from` to the new folder `to` (its parent must exist):
 * regular files with their bytes, folders, and symbolic links as links
 * (never followed), each with its permission bits and modification time.
 * Anything else (a device, a FIFO, a socket) is refused with RC_IO naming
 * it. On failure what was copied so far is left for the caller to remove. */
int fs_copy_tree(const char *from, const char *to, struct error *e);

/* Removes `path` and everything below it (links are removed, never
 * followed). A path that does not exist is not an error. */
int fs_remove_tree(const char *path, struct error *e);

#endif
