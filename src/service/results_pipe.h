/* results_pipe — store_results_each on two threads: a thread of its own
 * reads the store and packs the rows into batches of about 512 KiB; the
 * caller's thread unpacks them and calls cb. Reading SQLite is most of the
 * cost of walking a big run, so whatever cb does (formatting an export,
 * writing it out) runs beside it on a second core instead of after it.
 *
 *     rc = results_pipe_each(st, run_id, &filter, cb, ctx, &e);
 *
 * Same contract as store_results_each: results in the filter's order, `r`
 * valid during the call only, a non-zero return from cb stops the walk and
 * is returned (cb fills `e` then), else the store's error. The store is
 * used by the reading thread only, and only until this returns; cb must
 * not use the store. Memory: three batches. When no thread can be made,
 * the walk runs on the caller's thread as store_results_each does. */
#ifndef ASSAY_SERVICE_RESULTS_PIPE_H
#define ASSAY_SERVICE_RESULTS_PIPE_H

#include "store/store.h"

int results_pipe_each(struct store *st, const char *run_id, const struct result_filter *f,
		      int (*cb)(void *ctx, const struct result *r), void *ctx, struct error *e);

#endif
