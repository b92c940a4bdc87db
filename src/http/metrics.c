/* metrics — see metrics.h. Statuses are counted in a fixed table of the ones
 * the API answers (others land in "other"), so a counter exists for every
 * route × status from the start and no lock or allocation is needed. */
#include "util/base.h"

#include <stdatomic.h>

#include "http/metrics.h"

static const int codes[] = { 200, 201, 204, 207, 400, 401, 403, 404, 405,
			     409, 413, 415, 422, 500, 503, 0 /* other */ };
#define N_CODES ARRAY_SIZE(codes)
/* Latency bucket upper bounds, in seconds (Prometheus' defaults, shifted
 * down: an API answer is expected in milliseconds). */
static const double buckets[] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
				  0.05,   0.1,   0.25,   0.5,   1,    2.5 };
#define N_BUCKETS ARRAY_SIZE(buckets)

struct route_counters {
	atomic_llong by_code[N_CODES];
	atomic_llong bucket[N_BUCKETS + 1]; /* the last is +Inf */
	atomic_llong sum_ns;
};

struct metrics {
	size_t n_routes;             /* + 1: the last row is "no route" */
	struct route_counters *rows;
	atomic_llong results;
};

struct metrics *metrics_new(size_t n_routes)
{
	struct metrics *m = xcalloc(1, sizeof(*m));
	m->n_routes = n_routes;
	m->rows = xcalloc(n_routes + 1, sizeof(*m->rows));
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	free(m->rows);
	free(m);
}

void metrics_request(struct metrics *m, int route, int status, int64_t elapsed_ns)
{
	size_t row = route >= 0 && (size_t)route < m->n_routes ? (size_t)route : m->n_routes;
	struct route_counters *c = &m->rows[row];
	size_t k = N_CODES - 1;
	for (size_t i = 0; i + 1 < N_CODES; i++)
		if (codes[i] == status)
			k = i;
	atomic_fetch_add_explicit(&c->by_code[k], 1, memory_order_relaxed);
	double s = (double)elapsed_ns / 1e9;
	size_t b = 0;
	while (b < N_BUCKETS && s > buckets[b])
		b++;
	atomic_fetch_add_explicit(&c->bucket[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&c->sum_ns, elapsed_ns, memory_order_relaxed);
}

void metrics_results(struct metrics *m, int64_t n)
{
	atomic_fetch_add_explicit(&m->results, n, memory_order_relaxed);
}

void metrics_render(const struct metrics *m, const char *const *names, struct buf *out)
{
	buf_adds(out, "# HELP assay_http_requests_total HTTP requests answered, by route and "
		      "status.\n# TYPE assay_http_requests_total counter\n");
	for (size_t r = 0; r <= m->n_routes; r++) {
		const char *name = r < m->n_routes ? names[r] : "none";
		for (size_t k = 0; k < N_CODES; k++) {
			long long v = atomic_load(&m->rows[r].by_code[k]);
			if (!v)
				continue;
			if (codes[k])
				buf_addf(out, "assay_http_requests_total{route=\"%s\",code=\"%d\"} %lld\n",
					 name, codes[k], v);
			else
				buf_addf(out, "assay_http_requests_total{route=\"%s\",code=\"other\"} "
					      "%lld\n",
					 name, v);
		}
	}
	buf_adds(out, "# HELP assay_http_request_duration_seconds Time from a request's "
		      "headers to its answer.\n"
		      "# TYPE assay_http_request_duration_seconds histogram\n");
	for (size_t r = 0; r <= m->n_routes; r++) {
		const char *name = r < m->n_routes ? names[r] : "none";
		long long cum = 0;
		for (size_t b = 0; b <= N_BUCKETS; b++) {
			cum += atomic_load(&m->rows[r].bucket[b]);
			if (b < N_BUCKETS)
				buf_addf(out, "assay_http_request_duration_seconds_bucket{route=\"%s\","
					      "le=\"%g\"} %lld\n",
					 name, buckets[b], cum);
			else
				buf_addf(out, "assay_http_request_duration_seconds_bucket{route=\"%s\","
					      "le=\"+Inf\"} %lld\n",
					 name, cum);
		}
		buf_addf(out, "assay_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", name,
			 (double)atomic_load(&m->rows[r].sum_ns) / 1e9);
		buf_addf(out, "assay_http_request_duration_seconds_count{route=\"%s\"} %lld\n", name,
			 cum);
	}
	buf_addf(out, "# HELP assay_results_ingested_total Results recorded through the API.\n"
		      "# TYPE assay_results_ingested_total counter\n"
		      "assay_results_ingested_total %lld\n",
		 (long long)atomic_load(&m->results));
}

void metrics_render_runs_header(struct buf *out)
{
	buf_adds(out, "# HELP assay_runs Runs in the database, by lifecycle state.\n"
		      "# TYPE assay_runs gauge\n");
}

void metrics_render_runs(struct buf *out, enum lifecycle lc, int64_t count)
{
	buf_addf(out, "assay_runs{lifecycle=\"%s\",code=\"%d\"} %lld\n", lifecycle_name(lc),
		 (int)lc, (long long)count);
}
