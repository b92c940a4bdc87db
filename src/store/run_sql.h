/* run_sql — the text of the run statements both SQL backends share
 * (private to store/). The run's fixed columns come first, in the order of
 * the COL_ indexes, then one counter column per result status: n_<status>
 * for top-level results, then sub_n_<status>. */
#ifndef ASSAY_STORE_RUN_SQL_H
#define ASSAY_STORE_RUN_SQL_H

#define RUN_FIXED_COLUMNS                                                                   \
	"r.id, p.name, r.test_definition_id, r.title, r.description, r.environment, "        \
	"r.triggered_by, r.milestone, r.pool, r.context_json, r.lifecycle_code, r.status, " \
	"r.created_at, r.started_at, r.completed_at, r.total, r.duration_ms, r.host, "       \
	"r.pid, r.pid_start, r.reason, r.n_flaky"
enum {
	COL_ID, COL_PROJECT, COL_DEFINITION, COL_TITLE, COL_DESCRIPTION, COL_ENVIRONMENT,
	COL_TRIGGERED_BY, COL_MILESTONE, COL_POOL, COL_CONTEXT, COL_LIFECYCLE, COL_VERDICT,
	COL_CREATED, COL_STARTED, COL_COMPLETED, COL_TOTAL, COL_DURATION, COL_HOST,
	COL_PID, COL_PID_START, COL_REASON, COL_FLAKY, COL__COUNT
};

/* Builds the two statements whose text names one column per result status,
 * from status_name(), so that a status added to the model without its
 * columns fails loudly at prepare time rather than being silently dropped:
 *   *select   "SELECT <fixed>, <counters> FROM test_runs r JOIN projects p ..."
 *             (the caller appends WHERE ...)
 *   *update   adds parameters 1..2*RS__COUNT to the counters, the next one
 *             to n_flaky, for the run whose id is the last parameter.
 * `mark` is the backend's parameter sign: '?' (SQLite, ?N) or '$' ($N).
 * Both strings are the caller's to free. */
void run_sql_build(char mark, char **select, char **update);

#endif
