/* api_orch — pools, packages, archives, queued runs and the worker protocol
 * (register, heartbeat, claim, phases, finish, health). Thin: each handler
 * reads its request and calls service/orch.h. */
#include "util/base.h"

#include "formats/json_api.h"
#include "formats/json_orch.h"
#include "http/api.h"
#include "service/orch.h"
#include "util/time.h"

/* ---- reading bodies ---- */

/* The body as a JSON object, or NULL after answering 400/415. An empty body
 * is an empty object. */
static json_t *body_object(struct http_req *rq)
{
	if (!rq->body_len)
		return json_object();
	json_t *b = req_json(rq);
	if (b && !json_is_object(b)) {
		json_decref(b);
		reply_error(rq, 400, "invalid", "the body must be a JSON object");
		return NULL;
	}
	return b;
}

/* A string member, NULL when absent or null; false (answered 400) when it
 * is something else. */
static bool get_str(struct http_req *rq, json_t *o, const char *name, const char **out)
{
	json_t *v = json_object_get(o, name);
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

static bool get_int(struct http_req *rq, json_t *o, const char *name, int64_t *out)
{
	json_t *v = json_object_get(o, name);
	if (!v || json_is_null(v))
		return true;
	if (!json_is_integer(v)) {
		reply_error(rq, 400, "invalid", "%s: must be a whole number", name);
		return false;
	}
	*out = json_integer_value(v);
	return true;
}

static bool get_bool(struct http_req *rq, json_t *o, const char *name, bool *out)
{
	json_t *v = json_object_get(o, name);
	if (!v || json_is_null(v))
		return true;
	if (!json_is_boolean(v)) {
		reply_error(rq, 400, "invalid", "%s: must be true or false", name);
		return false;
	}
	*out = json_is_true(v);
	return true;
}

/* A member that must be an array of strings, as compact JSON text (heap;
 * "[]" when absent); NULL after answering 400. */
static char *get_names(struct http_req *rq, json_t *o, const char *name)
{
	json_t *v = json_object_get(o, name);
	if (!v || json_is_null(v))
		return xstrdup("[]");
	bool ok = json_is_array(v);
	for (size_t i = 0; ok && i < json_array_size(v); i++)
		ok = json_is_string(json_array_get(v, i));
	if (!ok) {
		reply_error(rq, 400, "invalid", "%s: must be a list of strings", name);
		return NULL;
	}
	char *s = json_dumps(v, JSON_COMPACT);
	char *copy = xstrdup(s);
	free(s);
	return copy;
}

/* ---- pools ---- */

void api_pools_list(struct http_req *rq)
{
	struct pool *ps;
	size_t n;
	struct error e = ERROR_INIT;
	if (store_pools_list(rq->st, &ps, &n, &e))
		return reply_rc(rq, &e);
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++) {
		struct pool p;
		struct pool_status s;
		if (service_pool_status(rq->st, ps[i].name, 0, &p, &s, &e)) {
			json_decref(list);
			pools_free(ps, n);
			return reply_rc(rq, &e);
		}
		json_array_append_new(list, json_pool_status(&p, &s.stat, s.expected_wait_ms));
		pool_release(&p);
	}
	pools_free(ps, n);
	json_t *o = json_object();
	json_object_set_new(o, "pools", list);
	reply_json(rq, 200, o);
}

void api_pool_get(struct http_req *rq)
{
	struct pool p;
	struct pool_status s;
	struct error e = ERROR_INIT;
	if (service_pool_status(rq->st, router_param(&rq->match, "name"), 0, &p, &s, &e))
		return reply_rc(rq, &e);
	reply_json(rq, 200, json_pool_status(&p, &s.stat, s.expected_wait_ms));
	pool_release(&p);
}

void api_pools_create(struct http_req *rq)
{
	json_t *b = body_object(rq);
	if (!b)
		return;
	struct pool p = { .expected_servers = 1 };
	const char *name = NULL, *desc = NULL;
	char *labels = NULL, *suites = NULL;
	json_t *hooks = json_object_get(b, "hooks");
	if (!get_str(rq, b, "name", &name) || !get_str(rq, b, "description", &desc) ||
	    !get_int(rq, b, "expected_servers", &p.expected_servers) ||
	    !get_int(rq, b, "keep_runs", &p.keep_runs) ||
	    !get_int(rq, b, "hook_timeout_ms", &p.hook_timeout_ms) || !(labels = get_names(rq, b, "labels")) ||
	    !(suites = get_names(rq, b, "suites")))
		goto done;
	if (hooks && !json_is_null(hooks) && !json_is_object(hooks)) {
		reply_error(rq, 400, "invalid", "hooks: must be an object");
		goto done;
	}
	for (int i = 0; i < HOOK__COUNT; i++) {
		const char *h = NULL;
		if (!get_str(rq, hooks, pool_hook_name((enum pool_hook)i), &h))
			goto done;
		p.hooks[i] = (char *)h;
	}
	p.name = (char *)name;
	p.description = (char *)desc;
	p.labels_json = labels;
	p.suites_json = suites;
	struct error e = ERROR_INIT;
	if (service_pool_add(rq->st, &p, &e)) {
		reply_rc(rq, &e);
		goto done;
	}
	struct pool got;
	struct pool_status s;
	if (service_pool_status(rq->st, name, 0, &got, &s, &e)) {
		reply_rc(rq, &e);
		goto done;
	}
	rq->location = xasprintf("/api/v1/pools/%s", name);
	reply_json(rq, 201, json_pool_status(&got, &s.stat, s.expected_wait_ms));
	pool_release(&got);
done:
	free(labels);
	free(suites);
	json_decref(b);
}

void api_pool_delete(struct http_req *rq)
{
	const char *name = router_param(&rq->match, "name");
	struct error e = ERROR_INIT;
	if (service_pool_remove(rq->st, name, &e))
		return reply_rc(rq, &e);
	reply_json(rq, 200, json_pack("{s:s}", "removed", name));
}

/* POST /api/v1/pools/{name}/runs: queue a run (assay start). */
void api_pool_start(struct http_req *rq)
{
	json_t *b = body_object(rq);
	if (!b)
		return;
	struct start_request req = { .pool = router_param(&rq->match, "name") };
	const char **packages = NULL;
	char *context = NULL;
	json_t *pk = json_object_get(b, "packages");
	if (!get_str(rq, b, "suite", &req.suite) || !get_str(rq, b, "upgrade", &req.upgrade_digest) ||
	    !get_str(rq, b, "upgrade_name", &req.upgrade_name) ||
	    !get_str(rq, b, "environment", &req.environment) ||
	    !get_str(rq, b, "title", &req.title) || !get_str(rq, b, "description", &req.description) ||
	    !get_str(rq, b, "project", &req.project) ||
	    !get_str(rq, b, "triggered_by", &req.triggered_by) ||
	    !get_int(rq, b, "priority", &req.priority) ||
	    !get_bool(rq, b, "require_online", &req.require_online))
		goto done;
	if (!req.suite) {
		reply_error(rq, 400, "invalid", "suite: required");
		goto done;
	}
	if (pk && !json_is_null(pk)) {
		if (!json_is_array(pk)) {
			reply_error(rq, 400, "invalid", "packages: a list of \"name@version\"");
			goto done;
		}
		packages = xcalloc(json_array_size(pk) + 1, sizeof(*packages));
		for (size_t i = 0; i < json_array_size(pk); i++) {
			packages[i] = json_string_value(json_array_get(pk, i));
			if (!packages[i]) {
				reply_error(rq, 400, "invalid", "packages: a list of \"name@version\"");
				goto done;
			}
		}
		req.packages = packages;
		req.n_packages = json_array_size(pk);
	}
	json_t *ctx = json_object_get(b, "context");
	if (ctx && !json_is_null(ctx)) {
		if (!json_is_object(ctx)) {
			reply_error(rq, 400, "invalid", "context: must be an object");
			goto done;
		}
		context = json_dumps(ctx, JSON_COMPACT | JSON_SORT_KEYS);
		req.context_json = context;
	}
	if (!req.triggered_by)
		req.triggered_by = rq->token_name ? rq->token_name : "api";
	struct run r;
	char *warning = NULL;
	struct error e = ERROR_INIT;
	if (service_run_start(rq->st, &req, &r, &warning, &e)) {
		reply_rc(rq, &e);
		goto done;
	}
	json_t *o = json_run(&r);
	json_object_set_new(o, "warning", warning ? json_string(warning) : json_null());
	rq->location = xasprintf("/api/v1/runs/%s", r.id);
	reply_json(rq, 201, o);
	run_release(&r);
	free(warning);
done:
	free(packages);
	free(context);
	json_decref(b);
}

void api_run_order(struct http_req *rq)
{
	char id[UUID_STR_LEN];
	if (!req_run_id(rq, id))
		return;
	struct run_order o;
	struct error e = ERROR_INIT;
	if (store_order_get(rq->st, id, &o, &e))
		return reply_rc(rq, &e);
	reply_json(rq, 200, json_run_order(&o));
	run_order_release(&o);
}

/* ---- packages and archives ---- */

void api_packages_list(struct http_req *rq)
{
	struct package *ps;
	size_t n;
	struct error e = ERROR_INIT;
	if (store_packages_list(rq->st, &ps, &n, &e))
		return reply_rc(rq, &e);
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_package(&ps[i]));
	packages_free(ps, n);
	json_t *o = json_object();
	json_object_set_new(o, "packages", list);
	reply_json(rq, 200, o);
}

void api_packages_push(struct http_req *rq)
{
	struct package p;
	bool existed;
	struct error e = ERROR_INIT;
	if (!rq->body_len)
		return reply_error(rq, 400, "malformed", "the body is the package (.tar.gz)");
	int rc = service_package_push(rq->st, rq->body, rq->body_len, &p, &existed, &e);
	if (rc == RC_PARSE)
		return reply_error(rq, 422, "bad_package", "%s", e.msg);
	if (rc)
		return reply_rc(rq, &e);
	rq->location = xasprintf("/api/v1/blobs/%s", p.digest);
	reply_json(rq, existed ? 200 : 201, json_package(&p));
	package_release(&p);
}

void api_artifacts_push(struct http_req *rq)
{
	char digest[ORCH_DIGEST_LEN];
	struct error e = ERROR_INIT;
	if (service_artifact_push(rq->st, rq->body, rq->body_len, digest, &e))
		return reply_rc(rq, &e);
	rq->location = xasprintf("/api/v1/blobs/%s", digest);
	reply_json(rq, 201, json_pack("{s:s, s:I}", "digest", digest, "size",
				      (json_int_t)rq->body_len));
}

void api_blob_get(struct http_req *rq)
{
	void *data;
	size_t size;
	struct error e = ERROR_INIT;
	if (store_blob_get(rq->st, router_param(&rq->match, "digest"), &data, &size, &e))
		return reply_rc(rq, &e);
	reply_text(rq, 200, "application/octet-stream", data, size);
	free(data);
}

/* ---- workers ---- */

void api_workers_list(struct http_req *rq)
{
	struct worker *ws;
	size_t n;
	struct error e = ERROR_INIT;
	if (store_workers_list(rq->st, req_query(rq, "pool"), &ws, &n, &e))
		return reply_rc(rq, &e);
	/* Each judged by the lease it was granted (by whichever server). */
	int64_t now = time_now_ms();
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_worker(&ws[i], now, 0));
	workers_free(ws, n);
	json_t *o = json_object();
	json_object_set_new(o, "workers", list);
	reply_json(rq, 200, o);
}

/* Answers the worker `name` as stored; its lease_ms is the lease this
 * server just granted it (recorded on its row), which the worker keeps. */
static void reply_worker(struct http_req *rq, const char *name, int status)
{
	struct worker w;
	struct error e = ERROR_INIT;
	if (store_worker_get(rq->st, name, &w, &e))
		return reply_rc(rq, &e);
	json_t *o = json_worker(&w, time_now_ms(), 0);
	reply_json(rq, status, o);
	worker_release(&w);
}

void api_workers_register(struct http_req *rq)
{
	json_t *b = body_object(rq);
	if (!b)
		return;
	const char *name = NULL, *pool = NULL, *host = NULL;
	int64_t slots = 1;
	if (get_str(rq, b, "name", &name) && get_str(rq, b, "pool", &pool) &&
	    get_str(rq, b, "host", &host) && get_int(rq, b, "slots", &slots)) {
		struct error e = ERROR_INIT;
		if (!name || !pool)
			reply_error(rq, 400, "invalid", "name and pool: required");
		else if (service_worker_register(rq->st, name, pool, slots, host,
						 server_lease_ms(rq->srv), &e))
			reply_rc(rq, &e);
		else
			reply_worker(rq, name, 200);
	}
	json_decref(b);
}

void api_worker_heartbeat(struct http_req *rq)
{
	json_t *b = body_object(rq);
	if (!b)
		return;
	const char *run = NULL;
	int64_t claim = 0;
	if (get_str(rq, b, "run", &run) && get_int(rq, b, "claim", &claim)) {
		struct heartbeat_answer a;
		struct error e = ERROR_INIT;
		if (service_worker_heartbeat(rq->st, router_param(&rq->match, "name"), run, claim,
					     server_lease_ms(rq->srv), &a, &e))
			reply_rc(rq, &e);
		else
			reply_json(rq, 200, json_pack("{s:b, s:b, s:b}", "lost", a.lost, "cancel",
						      a.cancel, "offline", a.offline));
	}
	json_decref(b);
}

void api_worker_claim(struct http_req *rq)
{
	struct claim c;
	struct error e = ERROR_INIT;
	int rc = service_worker_claim(rq->st, router_param(&rq->match, "name"),
				      server_lease_ms(rq->srv), &c, &e);
	if (rc == RC_NOTFOUND && strstr(e.msg, "is queued"))
		return reply_json(rq, 200, json_pack("{s:n}", "run"));
	if (rc)
		return reply_rc(rq, &e);
	json_t *o = json_object();
	json_object_set_new(o, "run", json_run(&c.run));
	json_object_set_new(o, "order", json_run_order(&c.order));
	json_object_set_new(o, "pool", json_pool(&c.pool));
	reply_json(rq, 200, o);
	claim_release(&c);
}

void api_worker_enable(struct http_req *rq)
{
	const char *name = router_param(&rq->match, "name");
	struct error e = ERROR_INIT;
	if (service_worker_enable(rq->st, name, &e))
		return reply_rc(rq, &e);
	reply_worker(rq, name, 200);
}

void api_worker_health(struct http_req *rq)
{
	json_t *b = body_object(rq);
	if (!b)
		return;
	const char *hook = NULL, *reason = NULL;
	bool ok = false, offline;
	if (get_str(rq, b, "hook", &hook) && get_str(rq, b, "reason", &reason) &&
	    get_bool(rq, b, "ok", &ok)) {
		const char *name = router_param(&rq->match, "name");
		struct error e = ERROR_INIT;
		if (service_worker_health(rq->st, name, hook, ok, reason, &offline, &e))
			reply_rc(rq, &e);
		else
			reply_worker(rq, name, 200);
	}
	json_decref(b);
}

/* The {claim, lifecycle, message|reason} of a worker's run request. */
static bool run_request(struct http_req *rq, json_t *b, int64_t *claim, enum lifecycle *lc,
			const char **text)
{
	const char *name = NULL;
	json_t *v = json_object_get(b, "lifecycle");
	if (!get_int(rq, b, "claim", claim) || !get_str(rq, b, "message", text) ||
	    (!*text && !get_str(rq, b, "reason", text)))
		return false;
	if (json_is_integer(v) && lifecycle_is_valid((int)json_integer_value(v))) {
		*lc = (enum lifecycle)json_integer_value(v);
	} else if (!(name = json_string_value(v)) || !lifecycle_parse(name, lc)) {
		reply_error(rq, 400, "invalid", "lifecycle: a lifecycle code or name");
		return false;
	}
	return true;
}

/* RC_STATE from a worker's run request: 409 with "lost" or "cancelling"
 * as the code, which is what the worker acts on. */
static void reply_worker_rc(struct http_req *rq, const struct error *e)
{
	if (e->code == RC_STATE && !strncmp(e->msg, "lost:", 5))
		return reply_error(rq, 409, "lost", "%s", e->msg);
	if (e->code == RC_STATE && !strncmp(e->msg, "cancelling:", 11))
		return reply_error(rq, 409, "cancelling", "%s", e->msg);
	reply_rc(rq, e);
}

void api_worker_phase(struct http_req *rq)
{
	json_t *b = body_object(rq);
	if (!b)
		return;
	int64_t claim = 0;
	enum lifecycle lc;
	const char *msg = NULL;
	if (run_request(rq, b, &claim, &lc, &msg)) {
		struct error e = ERROR_INIT;
		const char *id = router_param(&rq->match, "id");
		if (service_worker_phase(rq->st, router_param(&rq->match, "name"), id, claim, lc, msg,
					 &e))
			reply_worker_rc(rq, &e);
		else
			reply_json(rq, 200, json_pack("{s:s, s:i}", "run_id", id, "lifecycle_code",
						      (int)lc));
	}
	json_decref(b);
}

void api_worker_finish(struct http_req *rq)
{
	json_t *b = body_object(rq);
	if (!b)
		return;
	int64_t claim = 0;
	enum lifecycle lc;
	const char *reason = NULL;
	bool phase_failure = false;
	if (run_request(rq, b, &claim, &lc, &reason) &&
	    get_bool(rq, b, "phase_failure", &phase_failure)) {
		struct run r;
		struct error e = ERROR_INIT;
		if (service_worker_finish(rq->st, router_param(&rq->match, "name"),
					  router_param(&rq->match, "id"), claim, lc, reason,
					  phase_failure, &r, &e))
			reply_worker_rc(rq, &e);
		else {
			reply_json(rq, 200, json_run(&r));
			run_release(&r);
		}
	}
	json_decref(b);
}

void api_worker_release(struct http_req *rq)
{
	json_t *b = body_object(rq);
	if (!b)
		return;
	int64_t claim = 0;
	const char *reason = NULL;
	if (get_int(rq, b, "claim", &claim) && get_str(rq, b, "reason", &reason)) {
		struct error e = ERROR_INIT;
		const char *id = router_param(&rq->match, "id");
		if (service_worker_release(rq->st, router_param(&rq->match, "name"), id, claim,
					   reason, &e))
			reply_worker_rc(rq, &e);
		else
			reply_json(rq, 200, json_pack("{s:s}", "released", id));
	}
	json_decref(b);
}
