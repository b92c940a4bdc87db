#include "util/base.h"

#include "formats/json_api.h"
#include "formats/json_orch.h"

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

/* A stored JSON text, parsed; `fallback` when it does not parse. */
static json_t *parsed(const char *text, const char *fallback)
{
	json_t *v = text ? json_loads(text, 0, NULL) : NULL;
	return v ? v : json_loads(fallback, 0, NULL);
}

json_t *json_pool(const struct pool *p)
{
	json_t *hooks = json_object();
	for (int i = 0; i < HOOK__COUNT; i++)
		json_object_set_new(hooks, pool_hook_name((enum pool_hook)i),
				    str_or_null(p->hooks[i]));
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "description", str_or_null(p->description));
	json_object_set_new(o, "expected_servers", json_integer(p->expected_servers));
	json_object_set_new(o, "labels", parsed(p->labels_json, "[]"));
	json_object_set_new(o, "suites", parsed(p->suites_json, "[]"));
	json_object_set_new(o, "keep_runs", json_integer(p->keep_runs));
	json_object_set_new(o, "hooks", hooks);
	/* The limit in force: the stored one, or the default for 0. */
	json_object_set_new(o, "hook_timeout_ms",
			    json_integer(p->hook_timeout_ms ? p->hook_timeout_ms
							    : ORCH_DEFAULT_HOOK_TIMEOUT_MS));
	json_object_set_new(o, "created_at", json_time(p->created_at));
	return o;
}

json_t *json_pool_status(const struct pool *p, const struct pool_stat *s,
			 int64_t expected_wait_ms)
{
	json_t *o = json_pool(p);
	json_object_set_new(o, "queued", json_integer(s->queued));
	json_object_set_new(o, "running", json_integer(s->running));
	json_object_set_new(o, "workers", json_integer(s->workers));
	json_object_set_new(o, "online", json_integer(s->online));
	json_object_set_new(o, "avg_run_ms", json_integer(s->avg_run_ms));
	json_object_set_new(o, "expected_wait_ms",
			    expected_wait_ms < 0 ? json_null() : json_integer(expected_wait_ms));
	return o;
}

json_t *json_package(const struct package *p)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(p->name));
	json_object_set_new(o, "version", json_string(p->version));
	json_object_set_new(o, "digest", str_or_null(p->digest));
	json_object_set_new(o, "size", json_integer(p->size));
	json_object_set_new(o, "install", str_or_null(p->install));
	json_object_set_new(o, "run", str_or_null(p->run));
	json_object_set_new(o, "protocol", str_or_null(p->protocol));
	json_object_set_new(o, "description", str_or_null(p->description));
	json_object_set_new(o, "install_timeout_ms",
			    json_integer(p->install_timeout_ms ? p->install_timeout_ms
							       : ORCH_DEFAULT_HOOK_TIMEOUT_MS));
	json_object_set_new(o, "run_timeout_ms",
			    json_integer(p->run_timeout_ms ? p->run_timeout_ms
							   : ORCH_DEFAULT_RUN_TIMEOUT_MS));
	json_object_set_new(o, "suites", parsed(p->suites_json, "{}"));
	json_object_set_new(o, "created_at", json_time(p->created_at));
	return o;
}

json_t *json_worker(const struct worker *w, int64_t now, int64_t lease_ms)
{
	json_t *health = json_object();
	json_object_set_new(health, "failures", json_integer(w->health_failures));
	json_object_set_new(health, "offline_reason", str_or_null(w->offline_reason));
	json_object_set_new(health, "last_error", str_or_null(w->last_error));
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(w->name));
	json_object_set_new(o, "pool", json_string(w->pool));
	json_object_set_new(o, "state", json_string(worker_state_name(worker_state(w, now, lease_ms))));
	json_object_set_new(o, "lease_ms", json_integer(worker_lease_ms(w)));
	json_object_set_new(o, "slots", json_integer(w->slots));
	json_object_set_new(o, "host", str_or_null(w->host));
	json_object_set_new(o, "current_run", w->current_run[0] ? json_string(w->current_run)
								 : json_null());
	json_object_set_new(o, "last_heartbeat", json_time(w->heartbeat_at));
	json_object_set_new(o, "health", health);
	json_object_set_new(o, "infra_failures", json_integer(w->infra_failures));
	json_object_set_new(o, "registered_at", json_time(w->registered_at));
	return o;
}

json_t *json_run_order(const struct run_order *o)
{
	json_t *j = json_object();
	json_object_set_new(j, "run_id", json_string(o->run_id));
	json_object_set_new(j, "pool", json_string(o->pool));
	json_object_set_new(j, "suite", str_or_null(o->suite));
	json_object_set_new(j, "priority", json_integer(o->priority));
	json_object_set_new(j, "packages", parsed(o->packages_json, "[]"));
	json_t *up = json_null();
	if (o->upgrade_digest)
		up = json_pack("{s:s, s:o}", "digest", o->upgrade_digest, "name",
			       str_or_null(o->upgrade_name));
	json_object_set_new(j, "upgrade", up);
	json_object_set_new(j, "state", json_string(order_state_name(o->state)));
	json_object_set_new(j, "worker", str_or_null(o->worker));
	json_object_set_new(j, "claim", json_integer(o->claim));
	json_object_set_new(j, "lost", json_integer(o->lost));
	json_object_set_new(j, "queued_at", json_time(o->queued_at));
	return j;
}
