/* spool — an append-only scratch area for bytes that are read back later,
 * in bounded memory: the first `mem_limit` bytes stay in memory, the rest go
 * to an unlinked temporary file (in $TMPDIR, else /tmp) that vanishes with
 * the process. An export uses it to regroup a run's results by suite without
 * holding the run in memory.
 *
 *     struct spool *s = spool_new(4 << 20);
 *     uint64_t at;
 *     if (spool_write(s, bytes, n, &at, &e)) ...       // at: where they went
 *     if (spool_read(s, at, dst, n, &e)) ...           // any range written
 *     spool_free(s);
 *
 * Errors (the temporary file cannot be made or written: a full disk) are
 * RC_IO with the reason. */
#ifndef ASSAY_UTIL_SPOOL_H
#define ASSAY_UTIL_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "util/rc.h"

struct spool;

struct spool *spool_new(size_t mem_limit);
/* Appends n bytes; *at gets their offset (the spool's size before). */
int spool_write(struct spool *s, const void *p, size_t n, uint64_t *at, struct error *e);
/* Copies the n bytes at offset `at` (all written before) into dst. */
int spool_read(struct spool *s, uint64_t at, void *dst, size_t n, struct error *e);
/* Bytes written so far. */
uint64_t spool_size(const struct spool *s);
void spool_free(struct spool *s);

#endif
