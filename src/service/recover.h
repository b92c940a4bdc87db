/* recover — no run stays "running" forever. A run records the host, pid and
 * process start time of the assay executing it; any later assay command on
 * that host that finds the run unfinished while that process is gone marks it
 * failed (99) with the reason. */
#ifndef ASSAY_SERVICE_RECOVER_H
#define ASSAY_SERVICE_RECOVER_H

#include <stddef.h>

#include "store/store.h"

/* Marks abandoned runs of this host failed; *n_marked says how many. */
int service_recover(struct store *st, size_t *n_marked, struct error *e);

#endif
