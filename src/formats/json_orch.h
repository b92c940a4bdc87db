/* json_orch — the JSON objects of orchestration (pools, packages, workers,
 * run orders), as the API answers them and `--json` prints them. Each
 * function returns a new reference the caller decrefs. */
#ifndef ASSAY_FORMATS_JSON_ORCH_H
#define ASSAY_FORMATS_JSON_ORCH_H

#include <jansson.h>

#include "model/orch.h"

/* {name, description, expected_servers, labels, suites, keep_runs, hooks:
 * {provision, upgrade, teardown, health}, created_at} */
json_t *json_pool(const struct pool *p);
/* json_pool plus {queued, running, workers, online, avg_run_ms,
 * expected_wait_ms (null: unknown)} */
json_t *json_pool_status(const struct pool *p, const struct pool_stat *s,
			 int64_t expected_wait_ms);
/* {name, version, digest, size, install, run, protocol, description, created_at} */
json_t *json_package(const struct package *p);
/* {name, pool, state, lease_ms, slots, host, current_run, last_heartbeat,
 * health: {failures, offline_reason, last_error}, infra_failures,
 * registered_at}. lease_ms is the lease the worker was granted (the default
 * when its row records none); state is judged by `lease_ms` when > 0 (an
 * override), else by that lease. */
json_t *json_worker(const struct worker *w, int64_t now, int64_t lease_ms);
/* {run_id, pool, suite, priority, packages, upgrade, state, worker, claim, lost, queued_at} */
json_t *json_run_order(const struct run_order *o);

#endif
