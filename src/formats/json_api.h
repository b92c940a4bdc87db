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
json_t *json_run_event(const struct run_event *ev);
/* with_output adds stdout/stderr and the dropped byte counts. */
json_t *json_result(const struct result *r, bool with_output);
json_t *json_test_stat(const struct test_stat *t);
/* An ISO 8601 UTC string, or null for 0. */
json_t *json_time(int64_t ms);

#endif
