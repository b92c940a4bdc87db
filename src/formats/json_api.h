/* json_api — the JSON objects of assay's API (DESIGN.md "Machine-readable
 * output"): the CLI's --json and the HTTP server print exactly these.
 * Each function returns a new jansson reference the caller decrefs. */
#ifndef ASSAY_FORMATS_JSON_API_H
#define ASSAY_FORMATS_JSON_API_H

#include <jansson.h>
#include <stdbool.h>

#include "model/run.h"
#include "store/store.h"

json_t *json_run(const struct run *r);
struct buf;
/* Appends the object json_run builds, as compact JSON text, to `b`. */
void json_run_text(struct buf *b, const struct run *r);
json_t *json_run_event(const struct run_event *ev);
/* {suite, stdout_bytes, stderr_bytes}, and with_text stdout and stderr
 * (null when none). */
json_t *json_suite_output(const struct suite_output *so, bool with_text);
/* An array of json_suite_output. */
json_t *json_suite_outputs(const struct suite_output *so, size_t n, bool with_text);
/* {run_id, outputs}: GET /runs/{id}/outputs, and assay show --suite-output --json. */
json_t *json_run_outputs(const char *run_id, const struct suite_output *so, size_t n,
			 bool with_text);
/* with_output adds stdout/stderr and the dropped byte counts. */
json_t *json_result(const struct result *r, bool with_output);
json_t *json_test_stat(const struct test_stat *t);
/* {name, created_at, runs, tests, last_run_at} */
json_t *json_project_stat(const struct project_stat *p);
/* An ISO 8601 UTC string, or null for 0. */
json_t *json_time(int64_t ms);

/* Reads a result a reporter sends (the shape json_result writes; only
 * `test` and `status` are required) into `out`, which the caller releases
 * with result_release either way. Fields: test, status, parent (then test
 * must be "parent/..."), duration_ms, message, stdout, stderr, attempt (0 or
 * absent: the next attempt of the test in the run), exit_code, started_at,
 * completed_at (ISO 8601 or ms since the epoch); others are ignored. The
 * message, stdout and stderr keep their first and last 64 KiB, as `assay
 * run` keeps a test's output (the bytes dropped counted). On a bad field,
 * RC_PARSE and a message that starts with the field's name. */
int json_result_parse(const json_t *o, struct result *out, struct error *e);
/* Reads a suite output a reporter sends, {"suite", "stdout", "stderr"}:
 * the suite as its tests' names have it ("" for the run's top level), and
 * at least one non-empty text, each bounded as a result's output is.
 * RC_PARSE with the field's problem; release `out` either way. */
int json_suite_output_parse(const json_t *o, struct suite_output *out, struct error *e);
/* A time given as ISO 8601 text or as a number of ms since the epoch; false
 * when it is neither, or before 1970, or after the year 9999. */
bool json_time_parse(const json_t *v, int64_t *ms);

#endif
