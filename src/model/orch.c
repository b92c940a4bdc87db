#include "util/base.h"

#include "model/orch.h"

const char *pool_hook_name(enum pool_hook h)
{
	static const char *const names[HOOK__COUNT] = { "provision", "upgrade", "teardown",
							"health" };
	return (unsigned)h < HOOK__COUNT ? names[h] : "?";
}

const char *worker_state_name(enum worker_state s)
{
	static const char *const names[] = { "idle", "busy", "offline", "lost" };
	return (unsigned)s < ARRAY_SIZE(names) ? names[s] : "?";
}

int64_t worker_lease_ms(const struct worker *w)
{
	return w->lease_ms > 0 ? w->lease_ms : ORCH_DEFAULT_LEASE_MS;
}

enum worker_state worker_state(const struct worker *w, int64_t now, int64_t lease_ms)
{
	if (w->offline_reason)
		return WS_OFFLINE;
	if (lease_ms <= 0)
		lease_ms = worker_lease_ms(w);
	if (now - w->heartbeat_at > lease_ms)
		return WS_LOST;
	return w->current_run[0] ? WS_BUSY : WS_IDLE;
}

static const char *const order_names[] = { "queued", "claimed", "done" };

const char *order_state_name(enum order_state s)
{
	return (unsigned)s < ARRAY_SIZE(order_names) ? order_names[s] : "?";
}

bool order_state_parse(const char *name, enum order_state *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(order_names); i++)
		if (name && !strcmp(name, order_names[i])) {
			*out = (enum order_state)i;
			return true;
		}
	return false;
}

void pool_release(struct pool *p)
{
	free(p->name);
	free(p->description);
	free(p->labels_json);
	free(p->suites_json);
	for (int i = 0; i < HOOK__COUNT; i++)
		free(p->hooks[i]);
	memset(p, 0, sizeof(*p));
}

void pools_free(struct pool *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pool_release(&p[i]);
	free(p);
}

void package_release(struct package *p)
{
	free(p->name);
	free(p->version);
	free(p->digest);
	free(p->install);
	free(p->run);
	free(p->protocol);
	free(p->description);
	free(p->suites_json);
	memset(p, 0, sizeof(*p));
}

void packages_free(struct package *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		package_release(&p[i]);
	free(p);
}

void worker_release(struct worker *w)
{
	free(w->name);
	free(w->pool);
	free(w->host);
	free(w->offline_reason);
	free(w->last_error);
	memset(w, 0, sizeof(*w));
}

void workers_free(struct worker *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		worker_release(&w[i]);
	free(w);
}

void run_order_release(struct run_order *o)
{
	free(o->pool);
	free(o->suite);
	free(o->packages_json);
	free(o->upgrade_digest);
	free(o->upgrade_name);
	free(o->worker);
	memset(o, 0, sizeof(*o));
}
