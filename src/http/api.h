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

void api_results_list(struct http_req *rq);
void api_results_add(struct http_req *rq);

void api_imports(struct http_req *rq);
void api_tests_list(struct http_req *rq);
void api_projects_list(struct http_req *rq);
void api_suites_list(struct http_req *rq);

void api_share_create(struct http_req *rq);
void api_share_revoke(struct http_req *rq);
void api_shared_run(struct http_req *rq);
void api_shared_results(struct http_req *rq);

/* The bodies of run_get and results_list for a run already resolved (the
 * shared routes reach a run through a link, not a name). */
void api_run_get_of(struct http_req *rq, const char *id);
void api_results_list_of(struct http_req *rq, const char *id);

/* The OpenAPI 3 document of http_routes (openapi.c). */
json_t *openapi_document(void);

#endif
