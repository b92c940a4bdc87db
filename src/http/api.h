/* api — the route handlers, one file per resource (private to http/):
 * api_runs.c, api_results.c, api_imports.c, api_meta.c. Each answers
 * through the reply_* helpers of server_int.h; routes.c puts them in the
 * one table the router and the OpenAPI document both read. */
#ifndef ASSAY_HTTP_API_H
#define ASSAY_HTTP_API_H

#include "http/server_int.h"

void api_healthz(struct http_req *rq);
void api_metrics(struct http_req *rq);
void api_openapi(struct http_req *rq);

void api_runs_list(struct http_req *rq);
void api_runs_create(struct http_req *rq);
void api_run_get(struct http_req *rq);
void api_run_complete(struct http_req *rq);
void api_run_cancel(struct http_req *rq);
void api_run_events(struct http_req *rq);
void api_run_outputs(struct http_req *rq);

void api_results_list(struct http_req *rq);
void api_results_add(struct http_req *rq);
void api_outputs_add(struct http_req *rq);

void api_imports(struct http_req *rq);
void api_tests_list(struct http_req *rq);
void api_projects_list(struct http_req *rq);
void api_suites_list(struct http_req *rq);

void api_share_create(struct http_req *rq);
void api_share_revoke(struct http_req *rq);
void api_shared_run(struct http_req *rq);
void api_shared_results(struct http_req *rq);
void api_shared_outputs(struct http_req *rq);

void api_pools_list(struct http_req *rq);
void api_pools_create(struct http_req *rq);
void api_pool_get(struct http_req *rq);
void api_pool_delete(struct http_req *rq);
void api_pool_start(struct http_req *rq);
void api_run_order(struct http_req *rq);
void api_packages_list(struct http_req *rq);
void api_packages_push(struct http_req *rq);
void api_artifacts_push(struct http_req *rq);
void api_blob_get(struct http_req *rq);
void api_workers_list(struct http_req *rq);
void api_workers_register(struct http_req *rq);
void api_worker_heartbeat(struct http_req *rq);
void api_worker_claim(struct http_req *rq);
void api_worker_enable(struct http_req *rq);
void api_worker_health(struct http_req *rq);
void api_worker_phase(struct http_req *rq);
void api_worker_finish(struct http_req *rq);
void api_worker_release(struct http_req *rq);

/* The bodies of run_get and results_list for a run already resolved (the
 * shared routes reach a run through a link, not a name). */
void api_run_get_of(struct http_req *rq, const char *id);
void api_results_list_of(struct http_req *rq, const char *id);
void api_run_outputs_of(struct http_req *rq, const char *id);

/* The OpenAPI 3 document of http_routes (openapi.c). */
json_t *openapi_document(void);

#endif
