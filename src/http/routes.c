/* routes — the one table of the API: the router matches requests against
 * it, /metrics names its rows, and openapi.c writes the OpenAPI document
 * from it, so the document cannot list a route the server lacks (and
 * tests/cli/serve_api.sh calls every route the document lists).
 *
 * ACCESS_PUBLIC routes answer anyone; the others need a token (http/auth.c).
 *
 * Query parameters are "name:type:description" separated by '|'; type is an
 * OpenAPI type (string, integer, boolean). */
#include "util/base.h"

#include "http/api.h"

#define RUN_FILTERS                                                                        \
	"status:string:verdict: running, passed, failed, cancelled, error|"                \
	"environment:string:exact environment|project:string:project name|"              \
	"triggered_by:string:exact triggered_by|"                                          \
	"since:string:created at or after (ISO 8601, or ms since the epoch)|"             \
	"until:string:created before (ISO 8601, or ms since the epoch)|"                  \
	"text:string:substring of the title or description|"                              \
	"limit:integer:runs per page, 1-1000 (default 50)|"                                \
	"cursor:string:next_cursor of the previous page"

#define RESULT_FILTERS                                                                     \
	"status:string:result status: passed, failed, error, blocked, skipped, invalid, "  \
	"untested, retest|test:string:exact test name|"                                    \
	"top_level:boolean:only results without a parent (no TAP points, JUnit cases)|"  \
	"final:boolean:leave out superseded attempts|"                                     \
	"output:boolean:include stdout and stderr|"                                        \
	"limit:integer:results per page, 1-1000 (default 100)|"                            \
	"cursor:string:next_cursor of the previous page"

const struct route http_routes[] = {
	{ { "GET", "/healthz" }, api_healthz, "healthz", "Liveness and the schema version",
	  NULL, NULL, "200", ACCESS_PUBLIC },
	{ { "GET", "/metrics" }, api_metrics, "metrics",
	  "Prometheus metrics: requests, latencies, results ingested, runs by state", NULL, NULL,
	  "200", ACCESS_READ },
	{ { "GET", "/api/v1/openapi.json" }, api_openapi, "openapi", "This document", NULL,
	  NULL, "200", ACCESS_PUBLIC },
	{ { "GET", "/api/v1/runs" }, api_runs_list, "runs_list",
	  "Runs, newest first, filtered, one page at a time", RUN_FILTERS, NULL, "200 400",
	  ACCESS_READ },
	{ { "POST", "/api/v1/runs" }, api_runs_create, "runs_create",
	  "Open a run for a reporter (in progress until completed or cancelled)", NULL,
	  "application/json", "201 400 415", ACCESS_WRITE },
	{ { "GET", "/api/v1/runs/{id}" }, api_run_get, "run_get",
	  "One run with its counts ({id}: an id, a unique prefix, or last)", NULL, NULL,
	  "200 404", ACCESS_READ },
	{ { "POST", "/api/v1/runs/{id}/complete" }, api_run_complete, "run_complete",
	  "Complete an open run: completed (7) or completed with failures (8)", NULL, NULL,
	  "200 404 409", ACCESS_WRITE },
	{ { "POST", "/api/v1/runs/{id}/cancel" }, api_run_cancel, "run_cancel",
	  "Abort an open run: cancelled (10); optional body {\"reason\": \"...\"}", NULL,
	  "application/json", "200 404 409", ACCESS_WRITE },
	{ { "GET", "/api/v1/runs/{id}/events" }, api_run_events, "run_events",
	  "The run's lifecycle transitions, oldest first", NULL, NULL, "200 404", ACCESS_READ },
	{ { "GET", "/api/v1/runs/{id}/outputs" }, api_run_outputs, "run_outputs",
	  "What result files said of whole suites (JUnit <testsuite>-level system-out/err): "
	  "each suite's sizes, in recording order; with suite= that suite's texts",
	  "suite:string:only this suite (\"\" for the top level), with its stdout and stderr",
	  NULL, "200 404", ACCESS_READ },
	{ { "POST", "/api/v1/runs/{id}/outputs" }, api_outputs_add, "outputs_add",
	  "Add suites' own output to an open run: {suite, stdout, stderr} or an array of up "
	  "to 10000, in one transaction; answers per item; honours Idempotency-Key (shared "
	  "with the run's results requests)",
	  NULL, "application/json", "201 207 400 404 409 413 415 422", ACCESS_WRITE },
	{ { "GET", "/api/v1/runs/{id}/results" }, api_results_list, "results_list",
	  "The run's results in recording order, one page at a time", RESULT_FILTERS, NULL,
	  "200 400 404", ACCESS_READ },
	{ { "POST", "/api/v1/runs/{id}/results" }, api_results_add, "results_add",
	  "Add one result or an array of up to 10000 to an open run, in one transaction; "
	  "answers per item; honours Idempotency-Key",
	  NULL, "application/json", "201 207 400 404 409 413 415 422", ACCESS_WRITE },
	{ { "GET", "/api/v1/projects" }, api_projects_list, "projects_list",
	  "Every project with its number of runs and tests and its newest run", NULL, NULL,
	  "200", ACCESS_READ },
	{ { "GET", "/api/v1/suites" }, api_suites_list, "suites_list",
	  "The suites of the catalog the server was started with (assay serve --catalog)",
	  NULL, NULL, "200", ACCESS_READ },
	{ { "GET", "/api/v1/tests" }, api_tests_list, "tests_list",
	  "Recorded tests with their history (results, average duration, last status), "
	  "project by project and by name, one page at a time",
	  "project:string:only this project's tests|"
	  "limit:integer:tests per page, 1-1000 (default 100)|"
	  "cursor:string:next_cursor of the previous page",
	  NULL, "200 400", ACCESS_READ },
	{ { "POST", "/api/v1/runs/{id}/share" }, api_share_create, "share_create",
	  "Make a read-only link to this run that needs no token (Share report)", NULL, NULL,
	  "201 404", ACCESS_WRITE },
	{ { "DELETE", "/api/v1/runs/{id}/share" }, api_share_revoke, "share_revoke",
	  "Revoke every share link of this run", NULL, NULL, "200 404", ACCESS_WRITE },
	{ { "GET", "/api/v1/shared/{token}" }, api_shared_run, "shared_run",
	  "The run a share link points at (no token needed)", NULL, NULL, "200 404",
	  ACCESS_PUBLIC },
	{ { "GET", "/api/v1/shared/{token}/results" }, api_shared_results, "shared_results",
	  "The results of the run a share link points at (no token needed)", RESULT_FILTERS,
	  NULL, "200 400 404", ACCESS_PUBLIC },
	{ { "GET", "/api/v1/shared/{token}/outputs" }, api_shared_outputs, "shared_outputs",
	  "The suites' own output of the run a share link points at (no token needed)",
	  "suite:string:only this suite, with its stdout and stderr", NULL, "200 404",
	  ACCESS_PUBLIC },
	{ { "POST", "/api/v1/imports" }, api_imports, "imports",
	  "Record a JUnit XML, TAP or CTRF report as a new run (or into an open one)",
	  "format:string:junit, tap or ctrf (default: from the content)|"
	  "run:string:add to this open run instead|title:string:run title|"
	  "description:string:run description|environment:string:run environment|"
	  "project:string:run project|name:string:the report's file name (names a TAP "
	  "stream's test)|no_tests:string:error (default: a report of no test is 400, "
	  "a run of none would pass) or ignore (record the empty run)",
	  "application/xml", "200 201 400 409 413 415", ACCESS_WRITE },
	{ { "GET", "/api/v1/pools" }, api_pools_list, "pools_list",
	  "Every pool (QAOps configuration) with its queue and online workers", NULL, NULL,
	  "200", ACCESS_READ },
	{ { "POST", "/api/v1/pools" }, api_pools_create, "pools_create",
	  "Add a pool: {name, description, expected_servers, labels, suites, keep_runs, "
	  "hooks: {provision, upgrade, teardown, health}, hook_timeout_ms (0: 10 min)}",
	  NULL, "application/json", "201 400 409 415", ACCESS_WRITE },
	{ { "GET", "/api/v1/pools/{name}" }, api_pool_get, "pool_get",
	  "One pool with its queue length, online workers and expected wait", NULL, NULL,
	  "200 404", ACCESS_READ },
	{ { "DELETE", "/api/v1/pools/{name}" }, api_pool_delete, "pool_delete",
	  "Remove a pool that has no queued or running run", NULL, NULL, "200 404 409",
	  ACCESS_WRITE },
	{ { "POST", "/api/v1/pools/{name}/runs" }, api_pool_start, "pool_start",
	  "Queue a run (assay start): {suite, packages: [\"name@version\"], upgrade: digest, "
	  "priority, environment, title, require_online}; answers the run and a warning "
	  "when no worker is online",
	  NULL, "application/json", "201 400 404 409 415", ACCESS_WRITE },
	{ { "GET", "/api/v1/runs/{id}/order" }, api_run_order, "run_order",
	  "The queue's side of a run started on a pool: packages, claim, worker, losses", NULL,
	  NULL, "200 404", ACCESS_READ },
	{ { "GET", "/api/v1/packages" }, api_packages_list, "packages_list",
	  "Every test package with its digest and hooks", NULL, NULL, "200", ACCESS_READ },
	{ { "POST", "/api/v1/packages" }, api_packages_push, "packages_push",
	  "Push a test package: the body is a .tar.gz with an assay.yaml (name, version, "
	  "install, run)",
	  NULL, "application/gzip", "200 201 400 409 413 422", ACCESS_WRITE },
	{ { "POST", "/api/v1/artifacts" }, api_artifacts_push, "artifacts_push",
	  "Store an upgrade artifact (the body); answers its digest", NULL,
	  "application/octet-stream", "201 413", ACCESS_WRITE },
	{ { "GET", "/api/v1/blobs/{digest}" }, api_blob_get, "blob_get",
	  "The bytes of a package or artifact by digest (sha256:...)", NULL, NULL, "200 404",
	  ACCESS_READ },
	{ { "GET", "/api/v1/workers" }, api_workers_list, "workers_list",
	  "Workers with pool, state (idle, busy, offline, lost), health, current run and "
	  "last heartbeat",
	  "pool:string:only this pool's workers", NULL, "200", ACCESS_READ },
	{ { "POST", "/api/v1/workers" }, api_workers_register, "workers_register",
	  "Register a worker: {name, pool, slots, host}; answers it with the lease", NULL,
	  "application/json", "200 400 404 415", ACCESS_WRITE },
	{ { "POST", "/api/v1/workers/{name}/heartbeat" }, api_worker_heartbeat,
	  "worker_heartbeat",
	  "Keep the lease: {run, claim} (a held run it stops naming is taken back a "
	  "lease after its claim); answers {lost, cancel, offline}",
	  NULL,
	  "application/json", "200 400 404", ACCESS_WRITE },
	{ { "POST", "/api/v1/workers/{name}/claim" }, api_worker_claim, "worker_claim",
	  "Claim the next queued run of the worker's pool: {run, order, pool}, or {run: null}",
	  NULL, NULL, "200 404 409", ACCESS_WRITE },
	{ { "POST", "/api/v1/workers/{name}/enable" }, api_worker_enable, "worker_enable",
	  "Bring an offline worker back", NULL, NULL, "200 404", ACCESS_WRITE },
	{ { "POST", "/api/v1/workers/{name}/health" }, api_worker_health, "worker_health",
	  "Report a provision or health hook: {hook, ok, reason}; 3 failures in a row take "
	  "the worker offline",
	  NULL, "application/json", "200 400 404", ACCESS_WRITE },
	{ { "POST", "/api/v1/workers/{name}/runs/{id}/phase" }, api_worker_phase,
	  "worker_phase", "Record a phase (1-6) of the run the worker holds: {claim, lifecycle, "
	  "message}; 409 lost or cancelling",
	  NULL, "application/json", "200 400 404 409", ACCESS_WRITE },
	{ { "POST", "/api/v1/workers/{name}/runs/{id}/finish" }, api_worker_finish,
	  "worker_finish",
	  "End the run the worker holds: {claim, lifecycle: 7|10|99, reason, phase_failure}",
	  NULL, "application/json", "200 400 404 409", ACCESS_WRITE },
	{ { "POST", "/api/v1/workers/{name}/runs/{id}/release" }, api_worker_release,
	  "worker_release", "Give a held run back to the queue: {claim, reason}", NULL,
	  "application/json", "200 400 404 409", ACCESS_WRITE },
};

const size_t http_routes_n = ARRAY_SIZE(http_routes);
