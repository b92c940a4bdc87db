/* report — the end-of-run text shared by `assay run` and `assay show`:
 * failures with their output tails, and the closing count line. */
#ifndef ASSAY_CLI_REPORT_H
#define ASSAY_CLI_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "model/run.h"
#include "store/store.h"

/* Prints each result with a negative status, a test's failed sub-results
 * after it, with its message and the last `tail` lines of stderr and
 * stdout; keeps only the failures in memory, however large the run.
 * Returns how many were printed, or -1 with e set. */
int report_failures(FILE *f, struct store *st, const char *run_id, int tail, bool color,
		    struct error *e);
/* "3 passed, 2 failed" (+ ", 1 skipped") — failed counts every negative
 * status — preceded by a line with the other statuses when there are any. */
void report_counts(FILE *f, const struct run *r);
/* Prints the last `lines` lines of text, indented. */
void report_tail(FILE *f, const char *label, const char *text, int lines);

#endif
