/* orch — orchestrated runs as plain data (DESIGN.md "Scale-out"): pools
 * (QAOps configurations), test packages, workers, and a queued run's order.
 * No I/O.
 *
 * Ownership as in run.h: every char* field is a heap string owned by the
 * struct (or NULL); the _release functions free them and zero the struct.
 * Times are ms since the epoch. */
#ifndef ASSAY_MODEL_ORCH_H
#define ASSAY_MODEL_ORCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/uuid.h"

/* The hooks a pool may run on its servers, in the order of a run. */
enum pool_hook { HOOK_PROVISION, HOOK_UPGRADE, HOOK_TEARDOWN, HOOK_HEALTH, HOOK__COUNT };
const char *pool_hook_name(enum pool_hook h); /* "provision" */

/* How long a hook may run before its process group is stopped (SIGTERM,
 * ORCH_HOOK_GRACE_MS, SIGKILL). A stored 0 means these defaults: 10 min for
 * the pool's hooks and a package's install hook (they prepare a server: a
 * reset or an upgrade of a real system takes minutes, not hours), 1 h for a
 * package's run hook (a whole package of tests, as CTest's 1500 s default is
 * for one test and QAOps's 1 h job limit for a run). */
#define ORCH_DEFAULT_HOOK_TIMEOUT_MS (10 * 60 * 1000LL)
#define ORCH_DEFAULT_RUN_TIMEOUT_MS (60 * 60 * 1000LL)
#define ORCH_HOOK_GRACE_MS 5000

/* The lease `assay serve` grants a worker when not told otherwise (serve
 * --lease), and the one assumed for a worker row that records none (written
 * before schema 0008). */
#define ORCH_DEFAULT_LEASE_MS 30000

struct pool {
	char *name;
	char *description;
	int64_t expected_servers;
	char *labels_json;       /* JSON array of strings */
	char *suites_json;       /* JSON array: the suites offered; [] = any */
	int64_t keep_runs;       /* maximum finished runs kept; 0 = no limit */
	char *hooks[HOOK__COUNT]; /* shell commands; NULL = none */
	int64_t hook_timeout_ms; /* each hook's limit; 0 = ORCH_DEFAULT_HOOK_TIMEOUT_MS */
	int64_t created_at;
};

/* What the store knows of a pool besides its definition (assay pool show). */
struct pool_stat {
	int64_t queued;          /* runs waiting for a server */
	int64_t running;         /* runs a worker holds */
	int64_t workers;         /* registered workers */
	int64_t online;          /* not offline and heartbeating within the lease */
	int64_t avg_run_ms;      /* mean duration of its finished runs; 0 = none yet */
};

struct package {
	char *name;
	char *version;
	char *digest;            /* "sha256:<hex>" of the archive */
	int64_t size;
	char *install;           /* shell command, or NULL */
	char *run;               /* shell command, or NULL */
	char *protocol;          /* exit, tap, junit */
	char *description;
	int64_t install_timeout_ms; /* 0 = ORCH_DEFAULT_HOOK_TIMEOUT_MS */
	int64_t run_timeout_ms;     /* 0 = ORCH_DEFAULT_RUN_TIMEOUT_MS */
	char *suites_json;       /* JSON object suite -> command run instead of
				    `run` for that suite; NULL = none */
	int64_t created_at;
};

/* A worker as stored; its shown state comes from worker_state(). */
struct worker {
	char *name;
	char *pool;
	int64_t slots;
	char *host;
	int64_t registered_at;
	int64_t heartbeat_at;
	int64_t health_failures;  /* provision/health hook failures in a row */
	int64_t infra_failures;   /* runs it ended failed (99) in a phase */
	char *offline_reason;     /* non-NULL: offline */
	char *last_error;
	int64_t lease_ms;         /* the lease the server granted it at its last
				     register, heartbeat or claim; 0 = none recorded */
	char current_run[UUID_STR_LEN]; /* "" when it holds none */
};

enum worker_state { WS_IDLE, WS_BUSY, WS_OFFLINE, WS_LOST };
const char *worker_state_name(enum worker_state s);
/* The lease w is judged by: the one it was granted, else the default. */
int64_t worker_lease_ms(const struct worker *w);
/* offline (taken out), lost (no heartbeat within the lease of now), busy
 * (holds a run), else idle. The lease is `lease_ms` when > 0 (an explicit
 * override, e.g. `assay workers --lease`), else worker_lease_ms(w). */
enum worker_state worker_state(const struct worker *w, int64_t now, int64_t lease_ms);

/* The queue's side of a run started on a pool. */
enum order_state { ORDER_QUEUED, ORDER_CLAIMED, ORDER_DONE };
const char *order_state_name(enum order_state s);
bool order_state_parse(const char *name, enum order_state *out);

struct run_order {
	char run_id[UUID_STR_LEN];
	char *pool;
	char *suite;
	int64_t priority;
	char *packages_json;     /* [{"name","version","digest","install","run","protocol"}] */
	char *upgrade_digest;    /* NULL: no upgrade */
	char *upgrade_name;
	enum order_state state;
	char *worker;            /* holder while claimed */
	int64_t claim;           /* claim number: fences a worker that lost the run */
	int64_t lost;            /* times a worker lost it */
	int64_t queued_at;
	int64_t claimed_at;
};

void pool_release(struct pool *p);
void pools_free(struct pool *p, size_t n);
void package_release(struct package *p);
void packages_free(struct package *p, size_t n);
void worker_release(struct worker *w);
void workers_free(struct worker *w, size_t n);
void run_order_release(struct run_order *o);

#endif
