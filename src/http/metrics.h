/* metrics — the counters behind GET /metrics (Prometheus text format 0.0.4):
 * requests by route and status, a latency histogram by route, results
 * recorded. Lock-free: workers add with atomics, a scrape reads them.
 *
 *     struct metrics *m = metrics_new(n_routes);
 *     metrics_request(m, route, 201, elapsed_ns);  // route -1: no route matched
 *     metrics_results(m, 250);
 *     metrics_render(m, route_names, &buf);
 *     metrics_free(m);
 */
#ifndef ASSAY_HTTP_METRICS_H
#define ASSAY_HTTP_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "model/status.h"
#include "util/buf.h"

struct metrics;

struct metrics *metrics_new(size_t n_routes);
void metrics_free(struct metrics *m);
void metrics_request(struct metrics *m, int route, int status, int64_t elapsed_ns);
void metrics_results(struct metrics *m, int64_t n);
/* Appends the text of every counter; names[i] names route i. */
void metrics_render(const struct metrics *m, const char *const *names, struct buf *out);
/* Appends assay_runs{lifecycle="..."} N (call once per state, after
 * metrics_render_runs_header). */
void metrics_render_runs_header(struct buf *out);
void metrics_render_runs(struct buf *out, enum lifecycle lc, int64_t count);

#endif
