/* api_meta — what is about the server rather than the runs: /healthz,
 * /metrics (Prometheus) and the OpenAPI document. */
#include "util/base.h"

#include "http/api.h"
#include "http/metrics.h"
#include "service/ingest.h"
#include "util/buf.h"

void api_healthz(struct http_req *rq)
{
	json_t *o = json_object();
	json_object_set_new(o, "status", json_string("ok"));
	json_object_set_new(o, "version", json_string(ASSAY_VERSION));
	json_object_set_new(o, "schema_version", json_integer(store_schema_version(rq->st)));
	reply_json(rq, 200, o);
}

static void add_runs(void *ctx, enum lifecycle lc, int64_t count)
{
	metrics_render_runs(ctx, lc, count);
}

void api_metrics(struct http_req *rq)
{
	struct buf out = BUF_INIT;
	const char *names[64];
	size_t n = http_routes_n < ARRAY_SIZE(names) ? http_routes_n : ARRAY_SIZE(names);
	for (size_t i = 0; i < n; i++)
		names[i] = http_routes[i].name;
	metrics_render(server_metrics(rq->srv), names, &out);
	/* The group commit: requests per commit is the mean group size. */
	struct ingest_stats is;
	ingest_stats(server_ingest(rq->srv), &is);
	buf_addf(&out,
		 "# HELP assay_ingest_requests_total Requests adding results, recorded or refused.\n"
		 "# TYPE assay_ingest_requests_total counter\n"
		 "assay_ingest_requests_total %zu\n"
		 "# HELP assay_ingest_commits_total Transactions those requests took (group "
		 "commit).\n"
		 "# TYPE assay_ingest_commits_total counter\n"
		 "assay_ingest_commits_total %zu\n",
		 is.jobs, is.commits);
	metrics_render_runs_header(&out);
	struct error e = ERROR_INIT;
	if (store_runs_by_lifecycle(rq->st, add_runs, &out, &e)) {
		buf_release(&out);
		return reply_rc(rq, &e);
	}
	reply_text(rq, 200, "text/plain; version=0.0.4; charset=utf-8", out.data, out.len);
	buf_release(&out);
}

void api_openapi(struct http_req *rq)
{
	reply_json(rq, 200, openapi_document());
}
