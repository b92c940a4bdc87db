/* progress — what `assay run` shows while tests run: on a terminal, one live
 * status line (done/total, passed/failed, elapsed, ETA from history) with
 * failures printed above it as they happen; otherwise one plain line per
 * test. Colours only on a terminal and only when NO_COLOR is unset. */
#ifndef ASSAY_CLI_PROGRESS_H
#define ASSAY_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

#include "service/run_local.h"

struct progress {
	FILE *out;
	bool tty, color, quiet;
	int jobs;
	int64_t start_ns;
	int64_t expected_ms;   /* history's total, 0 = unknown */
	size_t total, done, running;
	size_t counts[RS__COUNT];
	size_t warnings;
	bool line_shown;
	int64_t last_draw_ns;
};

void progress_init(struct progress *p, FILE *out, int jobs, bool quiet);
/* The callbacks for service_run_local, with p as ctx. */
struct run_progress progress_callbacks(struct progress *p);
/* Removes the live line (before the final report). */
void progress_clear(struct progress *p);
/* "\033[31m" etc. when colours are on, else "". */
const char *progress_color(const struct progress *p, enum result_status s);
const char *progress_reset(const struct progress *p);

#endif
