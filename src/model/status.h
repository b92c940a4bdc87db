/* status — the result statuses, run lifecycle codes and run verdicts, with
 * the rules that relate them. Plain data, no I/O.
 *
 * Result status (DESIGN.md "Outcomes and states"): passed, failed, error,
 * blocked (QMTest UNTESTED), skipped, invalid, untested (no result yet),
 * retest (cleared for a re-run). failed, error, blocked and invalid are
 * negative: they make a run fail.
 *
 * Lifecycle: the QAOps codes of seed 000, exposed as-is in the API and DB;
 * queued (-1) is assay's own state before a server takes the run.
 *
 * Verdict: seed 002's run status, derived once at completion. */
#ifndef ASSAY_MODEL_STATUS_H
#define ASSAY_MODEL_STATUS_H

#include <stdbool.h>
#include <stdint.h>

enum result_status {
	RS_PASSED,
	RS_FAILED,
	RS_ERROR,
	RS_BLOCKED,
	RS_SKIPPED,
	RS_INVALID,
	RS_UNTESTED,
	RS_RETEST,
	RS__COUNT
};

const char *status_name(enum result_status s); /* "passed" */
/* Parses a status name (case-insensitive); false when unknown. */
bool status_parse(const char *name, enum result_status *out);
/* True for the statuses that count as failures (failed, error, blocked, invalid). */
bool status_is_negative(enum result_status s);

enum lifecycle {
	LC_QUEUED = -1,
	LC_INITIALIZING = 0,
	LC_INITIALIZED = 1,
	LC_UPGRADING = 2,
	LC_UPGRADED = 3,
	LC_INSTALLING = 4,
	LC_INSTALLED = 5,
	LC_IN_PROGRESS = 6,
	LC_COMPLETED = 7,
	LC_COMPLETED_FAILURES = 8,
	LC_CANCELLING = 9,
	LC_CANCELLED = 10,
	LC_FAILED = 99
};

const char *lifecycle_name(enum lifecycle lc);  /* "in_progress" (API, DB) */
const char *lifecycle_label(enum lifecycle lc); /* "In progress..." (QAOps text) */
bool lifecycle_parse(const char *name, enum lifecycle *out); /* name or code */
bool lifecycle_is_valid(int code);
bool lifecycle_is_terminal(enum lifecycle lc);

enum verdict {
	V_RUNNING,
	V_PASSED,
	V_FAILED,
	V_CANCELLED,
	V_ERROR,
	V__COUNT
};

const char *verdict_name(enum verdict v);
bool verdict_parse(const char *name, enum verdict *out);
/* The verdict of a run in lifecycle `lc`: running until terminal; then
 * completed → passed, completed with failures → failed, cancelled →
 * cancelled, failed (99) → error. */
enum verdict verdict_of(enum lifecycle lc);
/* The terminal lifecycle state for a run that finished its tests with these
 * counts (one per result status): 8 when any negative status, else 7. */
enum lifecycle lifecycle_for_counts(const int64_t counts[RS__COUNT]);

#endif
