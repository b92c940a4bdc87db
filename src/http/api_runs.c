/* api_runs — the runs resource: list (filters, keyset pages), create (an
 * open run for a reporter), get, complete, cancel, and the run's events. */
#include "util/base.h"

#include "catalog/catalog.h"
#include "formats/export_text.h"
#include "formats/json_api.h"
#include "http/api.h"
#include "http/cursor.h"
#include "service/orch.h"
#include "service/run_open.h"
#include "util/buf.h"

#define RUNS_DEFAULT_LIMIT 50
#define RUNS_MAX_LIMIT 1000
#define TESTS_DEFAULT_LIMIT 100
#define TESTS_MAX_LIMIT 1000

void api_runs_list(struct http_req *rq)
{
	struct run_filter f = { 0 };
	f.verdict = req_query(rq, "status");
	f.environment = req_query(rq, "environment");
	f.project = req_query(rq, "project");
	f.triggered_by = req_query(rq, "triggered_by");
	f.text = req_query(rq, "text");
	const char *since = req_query(rq, "since"), *until = req_query(rq, "until");
	const char *cursor = req_query(rq, "cursor");
	enum verdict v;
	if (f.verdict && !verdict_parse(f.verdict, &v)) /* a bad query, as on /results */
		return reply_error(rq, 400, "bad_query",
				   "status: '%.64s' is not a run status (running, passed, failed, "
				   "cancelled, error)",
				   f.verdict);
	if (since && !query_time(since, &f.since))
		return reply_error(rq, 400, "bad_query",
				   "since: '%.100s' is not an ISO 8601 time or ms since the epoch",
				   since);
	if (until && !query_time(until, &f.until))
		return reply_error(rq, 400, "bad_query",
				   "until: '%.100s' is not an ISO 8601 time or ms since the epoch",
				   until);
	int limit;
	if (!query_limit(req_query(rq, "limit"), RUNS_DEFAULT_LIMIT, RUNS_MAX_LIMIT, &limit))
		return reply_error(rq, 400, "bad_query", "limit: a number from 1 to %d",
				   RUNS_MAX_LIMIT);
	char before_id[UUID_STR_LEN];
	if (cursor) {
		if (!cursor_runs_decode(cursor, &f.before_created, before_id))
			return reply_error(rq, 400, "bad_cursor",
					   "cursor: not a cursor of this listing (pass next_cursor "
					   "back as it was given)");
		f.before_id = before_id;
	}
	/* One more than asked tells whether there is a next page. */
	f.limit = limit + 1;
	struct run *runs;
	size_t n;
	struct error e = ERROR_INIT;
	if (store_runs_list(rq->st, &f, &runs, &n, &e))
		return reply_rc(rq, &e);
	/* Written as text: a page as jansson objects was most of its time. */
	struct buf b = BUF_INIT;
	buf_adds(&b, "{\"runs\":[");
	for (size_t i = 0; i < n && i < (size_t)limit; i++) {
		if (i)
			buf_addc(&b, ',');
		json_run_text(&b, &runs[i]);
	}
	buf_adds(&b, "],\"next_cursor\":");
	if (n > (size_t)limit) {
		char next[CURSOR_MAX];
		const struct run *last = &runs[limit - 1];
		cursor_runs_encode(last->created_at, last->id, next);
		export_json_str(&b, next);
	} else {
		buf_adds(&b, "null");
	}
	buf_addc(&b, '}');
	store_runs_free(runs, n);
	reply_text(rq, 200, "application/json", b.data, b.len);
	buf_release(&b);
}

/* A string member of the request, or NULL; false (answered 400) when the
 * member is there but not a string. */
static bool member_string(struct http_req *rq, json_t *body, const char *name, const char **out)
{
	json_t *v = json_object_get(body, name);
	*out = NULL;
	if (!v || json_is_null(v))
		return true;
	if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
		reply_error(rq, 400, "invalid", "%s: must be a string", name);
		return false;
	}
	*out = json_string_value(v);
	return true;
}

void api_runs_create(struct http_req *rq)
{
	json_t *body = req_json(rq);
	if (!body)
		return;
	if (!json_is_object(body)) {
		json_decref(body);
		return reply_error(rq, 400, "invalid", "the body must be a JSON object (the run)");
	}
	struct run_open_request req = { 0 };
	char *context = NULL;
	const char *definition = NULL;
	if (!member_string(rq, body, "title", &req.props.title) ||
	    !member_string(rq, body, "description", &req.props.description) ||
	    !member_string(rq, body, "environment", &req.props.environment) ||
	    !member_string(rq, body, "project", &req.props.project) ||
	    !member_string(rq, body, "test_definition_id", &definition) ||
	    !member_string(rq, body, "milestone", &req.milestone) ||
	    !member_string(rq, body, "pool", &req.pool) ||
	    !member_string(rq, body, "triggered_by", &req.triggered_by))
		goto done;
	req.props.definition = definition;
	if (!req.triggered_by) /* as for a run queued on a pool */
		req.triggered_by = rq->token_name ? rq->token_name : "api";
	json_t *ctx = json_object_get(body, "context");
	if (ctx && !json_is_null(ctx)) {
		if (!json_is_object(ctx)) {
			reply_error(rq, 400, "invalid", "context: must be an object");
			goto done;
		}
		context = json_dumps(ctx, JSON_COMPACT | JSON_SORT_KEYS);
		req.context_json = context;
	}
	json_t *total = json_object_get(body, "total");
	if (total && !json_is_null(total)) {
		if (!json_is_integer(total) || json_integer_value(total) < 0) {
			reply_error(rq, 400, "invalid", "total: must be a whole number >= 0");
			goto done;
		}
		req.total = json_integer_value(total);
	}
	struct run r;
	struct error e = ERROR_INIT;
	if (service_run_open(rq->st, &req, &r, &e)) {
		reply_rc(rq, &e);
		goto done;
	}
	rq->location = xasprintf("/api/v1/runs/%s", r.id);
	reply_json(rq, 201, json_run(&r));
	run_release(&r);
done:
	free(context);
	json_decref(body);
}

void api_run_get(struct http_req *rq)
{
	char id[UUID_STR_LEN];
	if (req_run_id(rq, id))
		api_run_get_of(rq, id);
}

void api_run_get_of(struct http_req *rq, const char *id)
{
	struct run r;
	struct error e = ERROR_INIT;
	if (store_run_get(rq->st, id, &r, &e))
		return reply_rc(rq, &e);
	reply_json(rq, 200, json_run(&r));
	run_release(&r);
}

/* complete or cancel: a closed run answers 409. */
static void close_run(struct http_req *rq, bool cancel)
{
	char id[UUID_STR_LEN];
	if (!req_run_id(rq, id))
		return;
	const char *reason = NULL;
	json_t *body = NULL;
	if (cancel && rq->body_len) {
		if (!(body = req_json(rq)))
			return;
		if (!json_is_object(body) || !member_string(rq, body, "reason", &reason)) {
			if (!rq->status)
				reply_error(rq, 400, "invalid", "the body must be an object");
			json_decref(body);
			return;
		}
	}
	struct run r;
	struct error e = ERROR_INIT;
	int rc = cancel ? service_run_cancel_any(rq->st, id, reason, &r, &e)
			: service_run_complete(rq->st, id, &r, &e);
	json_decref(body);
	if (rc == RC_STATE) {
		/* Refused while still open: a pool run, its worker's to complete. */
		struct run now;
		struct error ignored = ERROR_INIT;
		bool open = false;
		if (!store_run_get(rq->st, id, &now, &ignored)) {
			open = !lifecycle_is_terminal(now.lifecycle);
			run_release(&now);
		}
		return reply_error(rq, 409, open ? "run_on_pool" : "run_closed", "%s", e.msg);
	}
	if (rc)
		return reply_rc(rq, &e);
	reply_json(rq, 200, json_run(&r));
	run_release(&r);
}

void api_run_complete(struct http_req *rq)
{
	close_run(rq, false);
}

void api_run_cancel(struct http_req *rq)
{
	close_run(rq, true);
}

void api_run_events(struct http_req *rq)
{
	char id[UUID_STR_LEN];
	if (!req_run_id(rq, id))
		return;
	struct run_event *ev;
	size_t n;
	struct run r;
	struct error e = ERROR_INIT;
	if (store_run_get(rq->st, id, &r, &e))
		return reply_rc(rq, &e);
	run_release(&r);
	if (store_run_events(rq->st, id, &ev, &n, &e))
		return reply_rc(rq, &e);
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_run_event(&ev[i]));
	run_events_free(ev, n);
	json_t *o = json_object();
	json_object_set_new(o, "run_id", json_string(id));
	json_object_set_new(o, "events", list);
	reply_json(rq, 200, o);
}

/* What imported files said of whole suites (JUnit's <testsuite>-level
 * system-out/err): every suite's sizes, and with ?suite=NAME that suite's
 * texts (each text is bounded, so one suite's answer is too). */
void api_run_outputs(struct http_req *rq)
{
	char id[UUID_STR_LEN];
	if (req_run_id(rq, id))
		api_run_outputs_of(rq, id);
}

void api_run_outputs_of(struct http_req *rq, const char *id)
{
	const char *suite = req_query(rq, "suite");
	struct run r;
	struct error e = ERROR_INIT;
	if (store_run_get(rq->st, id, &r, &e))
		return reply_rc(rq, &e);
	run_release(&r);
	struct suite_output *so;
	size_t n;
	if (store_suite_outputs(rq->st, id, suite, suite != NULL, &so, &n, &e))
		return reply_rc(rq, &e);
	json_t *o = json_run_outputs(id, so, n, suite != NULL);
	suite_outputs_free(so, n);
	reply_json(rq, 200, o);
}

/* Tests project by project and by name, one page at a time: the cursor is
 * the last test's id, so tests recorded meanwhile never repeat or skip one
 * on a later page, and each page seeks an index, however many tests. */
void api_tests_list(struct http_req *rq)
{
	struct test_filter f = { .project = req_query(rq, "project") };
	const char *cursor = req_query(rq, "cursor");
	if (!query_limit(req_query(rq, "limit"), TESTS_DEFAULT_LIMIT, TESTS_MAX_LIMIT, &f.limit))
		return reply_error(rq, 400, "bad_query", "limit: a number from 1 to %d",
				   TESTS_MAX_LIMIT);
	if (cursor && !cursor_tests_decode(cursor, &f.after_id))
		return reply_error(rq, 400, "bad_cursor",
				   "cursor: not a cursor of this listing (pass next_cursor back "
				   "as it was given)");
	int limit = f.limit;
	f.limit++; /* one more tells whether there is a next page */
	struct test_stat *ts;
	size_t n;
	struct error e = ERROR_INIT;
	if (store_tests_list(rq->st, &f, &ts, &n, &e))
		return reply_rc(rq, &e);
	bool more = n > (size_t)limit;
	size_t shown = more ? (size_t)limit : n;
	json_t *list = json_array();
	for (size_t i = 0; i < shown; i++)
		json_array_append_new(list, json_test_stat(&ts[i]));
	json_t *o = json_object();
	json_object_set_new(o, "tests", list);
	if (more) {
		char next[CURSOR_MAX];
		cursor_tests_encode(ts[shown - 1].id, next);
		json_object_set_new(o, "next_cursor", json_string(next));
	} else {
		json_object_set_new(o, "next_cursor", json_null());
	}
	store_test_stats_free(ts, n);
	reply_json(rq, 200, o);
}

void api_projects_list(struct http_req *rq)
{
	struct project_stat *ps;
	size_t n;
	struct error e = ERROR_INIT;
	if (store_projects_list(rq->st, &ps, &n, &e))
		return reply_rc(rq, &e);
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_project_stat(&ps[i]));
	store_project_stats_free(ps, n);
	json_t *o = json_object();
	json_object_set_new(o, "projects", list);
	reply_json(rq, 200, o);
}

/* The suites of the catalog the server was started with: each with its
 * items (test names, suite names and globs) as written. A server started
 * without a catalog has none, and says so with "catalog": null. */
void api_suites_list(struct http_req *rq)
{
	const struct catalog *cat = server_catalog(rq->srv);
	json_t *list = json_array();
	for (size_t i = 0; cat && i < cat->n_suites; i++) {
		const struct cat_suite *su = &cat->suites[i];
		json_t *items = json_array();
		for (char **it = su->items; it && *it; it++)
			json_array_append_new(items, json_string(*it));
		json_t *o = json_object();
		json_object_set_new(o, "name", json_string(su->name));
		json_object_set_new(o, "items", items);
		json_array_append_new(list, o);
	}
	json_t *o = json_object();
	json_object_set_new(o, "catalog", cat ? json_string(cat->path) : json_null());
	json_object_set_new(o, "project", cat ? json_string(cat->project) : json_null());
	json_object_set_new(o, "suites", list);
	reply_json(rq, 200, o);
}
