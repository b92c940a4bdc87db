/* orch — see orch.h. Each use case is one transaction over the store; the
 * rules live here and nowhere else. */
#include "util/base.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "catalog/package.h"
#include "engine/spawn.h"
#include "service/orch.h"
#include "service/run_open.h"
#include "service/runs.h"
#include "util/time.h"

extern char **environ;

/* ---- pools ---- */

/* Whether `text` is a JSON array of strings (NULL counts as []). */
static bool string_array(const char *text)
{
	if (!text)
		return true;
	json_t *v = json_loads(text, 0, NULL);
	bool ok = json_is_array(v);
	for (size_t i = 0; ok && i < json_array_size(v); i++)
		ok = json_is_string(json_array_get(v, i));
	json_decref(v);
	return ok;
}

int service_pool_add(struct store *st, const struct pool *p, struct error *e)
{
	if (!package_name_ok(p->name))
		return err_set(e, RC_USAGE,
			       "pool name '%s': 1-100 of letters, digits, '.', '_', '-', '+'",
			       p->name ? p->name : "");
	if (p->expected_servers < 0 || p->keep_runs < 0)
		return err_set(e, RC_USAGE, "pool '%s': servers and runs to keep are >= 0",
			       p->name);
	if (!string_array(p->labels_json) || !string_array(p->suites_json))
		return err_set(e, RC_USAGE, "pool '%s': labels and suites are lists of names",
			       p->name);
	if (p->hook_timeout_ms < 0)
		return err_set(e, RC_USAGE, "pool '%s': the hook timeout is >= 0 (0: the default)",
			       p->name);
	return store_pool_add(st, p, e);
}

int service_pool_remove(struct store *st, const char *name, struct error *e)
{
	struct pool_stat s;
	int rc = store_begin(st, e);
	if (rc)
		return rc;
	if ((rc = store_pool_stat(st, name, time_now_ms(), 0, &s, e)))
		goto fail;
	if (s.queued || s.running) {
		rc = err_set(e, RC_STATE,
			     "pool '%s' has %lld queued and %lld running runs: cancel them first",
			     name, (long long)s.queued, (long long)s.running);
		goto fail;
	}
	if ((rc = store_pool_delete(st, name, e)))
		goto fail;
	return store_commit(st, e);
fail:
	store_rollback(st);
	return rc;
}

int service_pool_status(struct store *st, const char *name, int64_t lease_ms,
			struct pool *pool, struct pool_status *out, struct error *e)
{
	memset(out, 0, sizeof(*out));
	int rc = store_pool_get(st, name, pool, e);
	if (rc)
		return rc;
	if ((rc = store_pool_stat(st, name, time_now_ms(), lease_ms, &out->stat, e))) {
		pool_release(pool);
		return rc;
	}
	/* Runs ahead of a new one, shared among the online servers, each taking
	 * as long as the pool's recent runs did on average. */
	const struct pool_stat *s = &out->stat;
	if (s->online && s->avg_run_ms) {
		int64_t rounds = (s->queued + s->online - 1) / s->online;
		out->expected_wait_ms = rounds * s->avg_run_ms;
	} else if (s->online && !s->queued && s->running < s->online) {
		out->expected_wait_ms = 0;
	} else {
		out->expected_wait_ms = -1;
	}
	return RC_OK;
}

/* ---- archives ---- */

void service_digest(const void *data, size_t size, char out[ORCH_DIGEST_LEN])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, data, size);
	memcpy(out, "sha256:", 7);
	sodium_bin2hex(out + 7, ORCH_DIGEST_LEN - 7, h, sizeof(h));
}

/* Runs `argv` with stdout to `out_fd` and stderr to /dev/null; its exit
 * status, or -1 when it could not start. */
static int run_quiet(char *const *argv, int out_fd, struct error *e)
{
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct spawn_req req = { .argv = argv, .envp = environ, .stdin_fd = null,
				 .stdout_fd = out_fd, .stderr_fd = null };
	pid_t pid;
	int rc = spawn_start(&req, &pid, e);
	close(null);
	if (rc)
		return -1;
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Reads the manifest out of the archive at `tgz` (assay.yaml at its root,
 * written "assay.yaml" or "./assay.yaml") with the system tar. */
static int read_manifest(const char *tgz, const char *dir, struct package *p, struct error *e)
{
	char *yaml = xasprintf("%s/assay.yaml", dir);
	int rc = RC_PARSE;
	static const char *const members[] = { "assay.yaml", "./assay.yaml" };
	bool found = false;
	for (size_t i = 0; i < ARRAY_SIZE(members) && !found; i++) {
		int fd = open(yaml, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0) {
			rc = err_set(e, RC_IO, "%s: %s", yaml, strerror(errno));
			goto out;
		}
		char *argv[] = { "tar", "-xzOf", (char *)tgz, (char *)members[i], NULL };
		struct error se = ERROR_INIT;
		int status = run_quiet(argv, fd, &se);
		close(fd);
		if (status < 0) {
			rc = err_set(e, RC_IO, "reading the package with tar: %s", se.msg);
			goto out;
		}
		found = status == 0;
	}
	if (!found) {
		rc = err_set(e, RC_PARSE,
			     "the archive is not a .tar.gz with an assay.yaml at its root");
		goto out;
	}
	rc = package_manifest_read(yaml, "assay.yaml (in the package)", p, e);
out:
	unlink(yaml);
	free(yaml);
	return rc;
}

int service_package_push(struct store *st, const void *data, size_t size, struct package *out,
			 bool *existed, struct error *e)
{
	memset(out, 0, sizeof(*out));
	*existed = false;
	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/assay-pkg-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		int rc = err_set(e, RC_IO, "making a temporary folder %s: %s", dir, strerror(errno));
		free(dir);
		return rc;
	}
	char *tgz = xasprintf("%s/package.tar.gz", dir);
	int rc = RC_OK;
	FILE *f = fopen(tgz, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f)) {
		rc = err_set(e, RC_IO, "writing %s: %s", tgz, strerror(errno));
		if (f)
			fclose(f);
	}
	struct package p = { 0 };
	if (!rc)
		rc = read_manifest(tgz, dir, &p, e);
	unlink(tgz);
	rmdir(dir);
	free(tgz);
	free(dir);
	if (rc)
		return rc;
	char digest[ORCH_DIGEST_LEN];
	service_digest(data, size, digest);
	p.digest = xstrdup(digest);
	p.size = (int64_t)size;
	if ((rc = store_begin(st, e)))
		goto fail;
	struct package old;
	rc = store_package_get(st, p.name, p.version, &old, e);
	if (!rc) {
		bool same = !strcmp(old.digest, digest);
		package_release(&old);
		store_rollback(st);
		if (!same) {
			rc = err_set(e, RC_EXISTS,
				     "package %s@%s was pushed already with other content: give "
				     "it a new version",
				     p.name, p.version);
			goto fail;
		}
		*existed = true;
		goto read_back;
	}
	if (rc != RC_NOTFOUND) {
		store_rollback(st);
		goto fail;
	}
	rc = store_blob_put(st, digest, data, size, e);
	if (!rc)
		rc = store_package_add(st, &p, e);
	if (!rc)
		rc = store_commit(st, e);
	if (rc) {
		store_rollback(st);
		goto fail;
	}
read_back:;
	char name[128], version[128];
	snprintf(name, sizeof(name), "%s", p.name);
	snprintf(version, sizeof(version), "%s", p.version);
	package_release(&p);
	return store_package_get(st, name, version, out, e);
fail:
	package_release(&p);
	return rc;
}

int service_artifact_push(struct store *st, const void *data, size_t size,
			  char digest[ORCH_DIGEST_LEN], struct error *e)
{
	service_digest(data, size, digest);
	return store_blob_put(st, digest, data, size, e);
}

/* ---- the queue ---- */

/* Whether the pool offers `suite` (a pool that lists none offers any). */
static bool pool_offers(const struct pool *p, const char *suite)
{
	json_t *v = json_loads(p->suites_json ? p->suites_json : "[]", 0, NULL);
	bool ok = !json_array_size(v);
	for (size_t i = 0; !ok && i < json_array_size(v); i++)
		ok = !strcmp(json_string_value(json_array_get(v, i)), suite);
	json_decref(v);
	return ok;
}

/* What package `p` runs for `suite`: its `suites:` command for it, else its
 * `run:` (NULL: nothing). *declares: the package has `suites:`. */
static const char *suite_command(const struct package *p, const char *suite, json_t **suites,
				 bool *declares)
{
	*suites = p->suites_json ? json_loads(p->suites_json, 0, NULL) : NULL;
	*declares = json_object_size(*suites) > 0;
	const char *cmd = json_string_value(json_object_get(*suites, suite));
	return cmd ? cmd : p->run;
}

/* The run's packages, fixed at start: name@version resolved to digest,
 * hooks and their timeouts (defaults applied), and the run command chosen
 * for the run's suite, so a worker needs nothing else to run them. A run
 * whose packages declare suites but none has a command for this one (and
 * none has a plain `run:`) would run nothing: RC_USAGE. */
static int resolve_packages(struct store *st, const struct start_request *req, char **json,
			    struct error *e)
{
	json_t *list = json_array();
	int rc = RC_OK;
	size_t runnable = 0, declaring = 0;
	for (size_t i = 0; i < req->n_packages && !rc; i++) {
		const char *spec = req->packages[i];
		const char *at = strrchr(spec, '@');
		if (!at || at == spec || !at[1]) {
			rc = err_set(e, RC_USAGE, "package '%s': give it as name@version", spec);
			break;
		}
		char *name = xstrndup(spec, (size_t)(at - spec));
		struct package p;
		rc = store_package_get(st, name, at + 1, &p, e);
		free(name);
		if (rc)
			break;
		json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s}", "name", p.name, "version",
				      p.version, "digest", p.digest, "size", (json_int_t)p.size,
				      "protocol", p.protocol ? p.protocol : "exit");
		json_t *suites;
		bool declares;
		const char *run = suite_command(&p, req->suite, &suites, &declares);
		runnable += run != NULL;
		declaring += declares;
		json_object_set_new(o, "install", p.install ? json_string(p.install) : json_null());
		json_object_set_new(o, "run", run ? json_string(run) : json_null());
		json_object_set_new(o, "install_timeout_ms",
				    json_integer(p.install_timeout_ms ? p.install_timeout_ms
								      : ORCH_DEFAULT_HOOK_TIMEOUT_MS));
		json_object_set_new(o, "run_timeout_ms",
				    json_integer(p.run_timeout_ms ? p.run_timeout_ms
								  : ORCH_DEFAULT_RUN_TIMEOUT_MS));
		json_decref(suites);
		json_array_append_new(list, o);
		package_release(&p);
	}
	if (!rc && declaring && !runnable)
		rc = err_set(e, RC_USAGE,
			     "no package of the run has a command for suite '%s' (their assay.yaml "
			     "'suites:' do not name it and they have no 'run:')",
			     req->suite);
	if (!rc) {
		char *s = json_dumps(list, JSON_COMPACT);
		*json = xstrdup(s);
		free(s);
	}
	json_decref(list);
	return rc;
}

int service_run_start(struct store *st, const struct start_request *req, struct run *out,
		      char **warning, struct error *e)
{
	memset(out, 0, sizeof(*out));
	*warning = NULL;
	if (!req->suite || !*req->suite || !req->pool || !*req->pool)
		return err_set(e, RC_USAGE, "starting a run needs a suite and a pool");
	struct pool pool;
	struct pool_status ps;
	int rc = service_pool_status(st, req->pool, req->lease_ms, &pool, &ps, e);
	if (rc)
		return rc;
	bool offered = pool_offers(&pool, req->suite);
	int64_t expected = pool.expected_servers;
	char *offers = offered ? NULL : xstrdup(pool.suites_json);
	pool_release(&pool);
	if (!offered) {
		rc = err_set(e, RC_USAGE, "pool '%s' does not offer suite '%s' (it offers %s)",
			     req->pool, req->suite, offers);
		free(offers);
		return rc;
	}
	if (!ps.stat.online) {
		char state[200];
		snprintf(state, sizeof(state),
			 "pool '%s' has no online worker (%lld registered, %lld expected "
			 "servers); %lld runs queued",
			 req->pool, (long long)ps.stat.workers, (long long)expected,
			 (long long)ps.stat.queued);
		if (req->require_online)
			return err_set(e, RC_STATE, "%s: not queued (--require-online)", state);
		*warning = xasprintf("%s: the run waits until a worker comes", state);
	}
	char *packages = NULL;
	if ((rc = resolve_packages(st, req, &packages, e)))
		goto done;
	if (req->upgrade_digest) {
		void *data;
		size_t size;
		if ((rc = store_blob_get(st, req->upgrade_digest, &data, &size, e)))
			goto done;
		free(data);
	}
	struct run_props props = { .project = req->project, .definition = req->suite,
				   .title = req->title, .description = req->description,
				   .environment = req->environment };
	service_run_init(out, &props);
	/* No process here owns it: a worker will (recovery leaves it alone). */
	free(out->host);
	out->host = NULL;
	out->pid = out->pid_start = 0;
	out->started_at = 0;
	out->lifecycle = LC_QUEUED;
	out->verdict = V_RUNNING;
	out->pool = xstrdup(req->pool);
	if (req->triggered_by) {
		free(out->triggered_by);
		out->triggered_by = xstrdup(req->triggered_by);
	}
	if (req->context_json) {
		free(out->context_json);
		out->context_json = xstrdup(req->context_json);
	}
	struct run_order o = { .pool = (char *)req->pool, .suite = (char *)req->suite,
			       .priority = req->priority, .packages_json = packages,
			       .upgrade_digest = (char *)req->upgrade_digest,
			       .upgrade_name = (char *)req->upgrade_name, .state = ORDER_QUEUED,
			       .queued_at = out->created_at };
	memcpy(o.run_id, out->id, UUID_STR_LEN);
	char msg[300];
	snprintf(msg, sizeof(msg), "queued on pool %s (priority %lld)", req->pool,
		 (long long)req->priority);
	if (!(rc = store_begin(st, e))) {
		rc = store_run_insert(st, out, e);
		if (!rc)
			rc = store_run_event_add(st, out->id, LC_QUEUED, out->created_at, msg, e);
		if (!rc)
			rc = store_order_add(st, &o, e);
		if (!rc)
			rc = store_commit(st, e);
		if (rc)
			store_rollback(st);
	}
	if (!rc) {
		char id[UUID_STR_LEN];
		memcpy(id, out->id, sizeof(id));
		run_release(out);
		rc = store_run_get(st, id, out, e);
	} else {
		run_release(out);
	}
done:
	free(packages);
	if (rc) {
		free(*warning);
		*warning = NULL;
	}
	return rc;
}

/* Ends run `r` (read in this transaction) at `lc`. `reason` is kept on
 * the run (why it failed or was cancelled; NULL for a completed run);
 * `note` (NULL: the reason) goes in the event. */
static int end_run_noted(struct store *st, struct run *r, enum lifecycle lc, const char *reason,
			 const char *note, struct error *e)
{
	int64_t now = time_now_ms();
	if (lc == LC_COMPLETED)
		lc = lifecycle_for_counts(r->counts);
	r->lifecycle = lc;
	r->verdict = verdict_of(lc);
	r->completed_at = now;
	r->duration_ms = r->started_at && now > r->started_at ? now - r->started_at : 0;
	int64_t counted = 0;
	for (int i = 0; i < RS__COUNT; i++)
		counted += r->counts[i];
	if (r->total < counted)
		r->total = counted;
	if (reason) {
		free(r->reason);
		r->reason = xstrdup(reason);
	}
	int rc = store_run_update(st, r, e);
	if (!rc)
		rc = store_run_event_add(st, r->id, lc, now, note ? note : reason, e);
	return rc;
}

static int end_run(struct store *st, struct run *r, enum lifecycle lc, const char *reason,
		   struct error *e)
{
	return end_run_noted(st, r, lc, reason, NULL, e);
}

/* Moves run `r` to a phase and records the event. */
static int move_run(struct store *st, struct run *r, enum lifecycle lc, const char *message,
		    struct error *e)
{
	r->lifecycle = lc;
	r->verdict = verdict_of(lc);
	int rc = store_run_update(st, r, e);
	if (!rc)
		rc = store_run_event_add(st, r->id, lc, time_now_ms(), message, e);
	return rc;
}

int service_run_cancel_any(struct store *st, const char *id, const char *reason,
			   struct run *out, struct error *e)
{
	memset(out, 0, sizeof(*out));
	int rc = store_begin(st, e);
	if (rc)
		return rc;
	struct run_order o;
	rc = store_order_get(st, id, &o, e);
	if (rc == RC_NOTFOUND) {
		/* Not started on a pool: an open (reporter's) run is closed now. */
		store_rollback(st);
		return service_run_cancel(st, id, reason, out, e);
	}
	if (rc)
		goto fail;
	struct run r;
	if ((rc = store_run_get(st, id, &r, e))) {
		run_order_release(&o);
		goto fail;
	}
	if (lifecycle_is_terminal(r.lifecycle) || o.state == ORDER_DONE) {
		rc = err_set(e, RC_STATE, "run %s is finished already (%s, %d)", id,
			     lifecycle_name(r.lifecycle), (int)r.lifecycle);
	} else if (o.state == ORDER_QUEUED) {
		o.state = ORDER_DONE;
		rc = end_run(st, &r, LC_CANCELLED, reason ? reason : "cancelled while queued", e);
		if (!rc)
			rc = store_order_update(st, &o, e);
	} else if (r.lifecycle != LC_CANCELLING) {
		char msg[300];
		snprintf(msg, sizeof(msg), "%s; asking worker %s to stop",
			 reason ? reason : "cancel requested", o.worker ? o.worker : "?");
		if (reason) {
			free(r.reason);
			r.reason = xstrdup(reason);
		}
		rc = move_run(st, &r, LC_CANCELLING, msg, e);
	}
	run_order_release(&o);
	run_release(&r);
	if (!rc)
		rc = store_commit(st, e);
	if (rc)
		goto fail;
	return store_run_get(st, id, out, e);
fail:
	store_rollback(st);
	return rc;
}

/* ---- workers ---- */

int service_worker_register(struct store *st, const char *name, const char *pool,
			    int64_t slots, const char *host, int64_t lease_ms, struct error *e)
{
	if (!package_name_ok(name))
		return err_set(e, RC_USAGE,
			       "worker name '%s': 1-100 of letters, digits, '.', '_', '-', '+'",
			       name ? name : "");
	struct pool p;
	int rc = store_pool_get(st, pool, &p, e);
	if (rc)
		return rc;
	pool_release(&p);
	return store_worker_register(st, name, pool, slots, host, time_now_ms(),
				     lease_ms > 0 ? lease_ms : ORCH_DEFAULT_LEASE_MS, e);
}

/* Whether worker `name` holds run `run_id` under `claim`; RC_STATE with
 * "lost: ..." when it does not. `o` is filled either way on RC_OK/RC_STATE. */
static int check_holder(struct store *st, const char *name, const char *run_id, int64_t claim,
			struct run_order *o, struct error *e)
{
	int rc = store_order_get(st, run_id, o, e);
	if (rc)
		return rc;
	if (o->state != ORDER_CLAIMED || !o->worker || strcmp(o->worker, name) ||
	    o->claim != claim)
		return err_set(e, RC_STATE,
			       "lost: run %s is not held by worker %s under claim %lld any more",
			       run_id, name, (long long)claim);
	return RC_OK;
}

int service_worker_holds(struct store *st, const char *name, const char *run_id, int64_t claim,
			 struct error *e)
{
	struct run_order o;
	int rc = check_holder(st, name, run_id, claim, &o, e);
	run_order_release(&o);
	return rc;
}

/* The lease of claimed order `o` (read in this transaction) ran out, for
 * the reason `why` says: its run goes back to the queue the first time
 * (*requeued counts it) and fails (99) the second (*failed), each with an
 * event; a cancelling run is cancelled. */
static int lose_order(struct store *st, struct run_order *o, const char *why, size_t *requeued,
		      size_t *failed, struct error *e)
{
	struct run r;
	int rc = store_run_get(st, o->run_id, &r, e);
	if (rc)
		return rc;
	char msg[400];
	if (r.lifecycle == LC_CANCELLING) {
		o->state = ORDER_DONE;
		rc = end_run(st, &r, LC_CANCELLED, why, e);
	} else if (o->lost == 0) {
		o->lost = 1;
		o->state = ORDER_QUEUED;
		free(o->worker);
		o->worker = NULL;
		snprintf(msg, sizeof(msg), "%s; queued again", why);
		rc = move_run(st, &r, LC_QUEUED, msg, e);
		(*requeued)++;
	} else {
		o->lost++;
		o->state = ORDER_DONE;
		snprintf(msg, sizeof(msg), "%s; lost twice, so failed", why);
		rc = end_run(st, &r, LC_FAILED, msg, e);
		(*failed)++;
	}
	if (!rc)
		rc = store_order_update(st, o, e);
	run_release(&r);
	return rc;
}

/* Orders worker `name` holds, claimed more than `lease_ms` ago, that its
 * heartbeat does not name (run_id NULL or "": it names none). The worker
 * dropped them (a bug, or a crash and a restart under the same name) yet
 * stays alive, so no lease would ever run out for them: each is treated as
 * if it had. A claim younger than a lease is left alone, since its answer
 * may still be on its way to the worker, whose next heartbeat names it. */
static int expire_unnamed(struct store *st, const char *name, const char *run_id,
			  int64_t lease_ms, struct error *e)
{
	int64_t before = time_now_ms() - lease_ms;
	struct run_order *os;
	size_t n, unnamed = 0;
	/* Looked at first without the write lock, as service_orch_expire. */
	int rc = store_orders_held(st, name, before, &os, &n, e);
	for (size_t i = 0; !rc && i < n; i++)
		unnamed += !run_id || strcmp(os[i].run_id, run_id);
	store_orders_free(os, n);
	if (rc || !unnamed)
		return rc;
	if ((rc = store_begin(st, e)))
		return rc;
	if ((rc = store_orders_held(st, name, before, &os, &n, e)))
		goto fail;
	size_t requeued = 0, failed = 0;
	for (size_t i = 0; i < n && !rc; i++) {
		if (run_id && !strcmp(os[i].run_id, run_id))
			continue;
		char why[300];
		snprintf(why, sizeof(why), "worker %s heartbeats without run %s", name,
			 os[i].run_id);
		rc = lose_order(st, &os[i], why, &requeued, &failed, e);
	}
	store_orders_free(os, n);
	if (!rc)
		rc = store_commit(st, e);
	if (!rc)
		return RC_OK;
fail:
	store_rollback(st);
	return rc;
}

int service_worker_heartbeat(struct store *st, const char *name, const char *run_id,
			     int64_t claim, int64_t lease_ms, struct heartbeat_answer *a,
			     struct error *e)
{
	memset(a, 0, sizeof(*a));
	if (lease_ms <= 0)
		lease_ms = ORCH_DEFAULT_LEASE_MS;
	int rc = store_worker_heartbeat(st, name, time_now_ms(), lease_ms, e);
	if (rc)
		return rc;
	size_t requeued, failed;
	struct error ee = ERROR_INIT;
	/* Any heartbeat may find another worker silent; failing to expire is
	 * not this worker's problem. */
	service_orch_expire(st, lease_ms, &requeued, &failed, &ee);
	if ((rc = expire_unnamed(st, name, run_id, lease_ms, e)))
		return rc;
	struct worker w;
	if ((rc = store_worker_get(st, name, &w, e)))
		return rc;
	a->offline = w.offline_reason != NULL;
	worker_release(&w);
	if (!run_id || !*run_id)
		return RC_OK;
	struct run_order o;
	rc = check_holder(st, name, run_id, claim, &o, e);
	run_order_release(&o);
	if (rc == RC_STATE || rc == RC_NOTFOUND) {
		a->lost = true;
		return RC_OK;
	}
	if (rc)
		return rc;
	struct run r;
	if ((rc = store_run_get(st, run_id, &r, e)))
		return rc;
	a->cancel = r.lifecycle == LC_CANCELLING;
	run_release(&r);
	return RC_OK;
}

void claim_release(struct claim *c)
{
	run_release(&c->run);
	run_order_release(&c->order);
	pool_release(&c->pool);
}

int service_worker_claim(struct store *st, const char *name, int64_t lease_ms,
			 struct claim *out, struct error *e)
{
	memset(out, 0, sizeof(*out));
	if (lease_ms <= 0)
		lease_ms = ORCH_DEFAULT_LEASE_MS;
	size_t requeued, failed;
	struct error ee = ERROR_INIT;
	service_orch_expire(st, lease_ms, &requeued, &failed, &ee);
	/* Looked at first without the write lock, as the expiry: an idle
	 * worker asks every --poll, and an empty queue needs no lock (nor a
	 * wait for one while a result batch is being written). */
	struct worker w;
	int rc = store_worker_get(st, name, &w, e);
	if (rc)
		return rc;
	bool waiting = true; /* an offline worker hears so below */
	if (!w.offline_reason && !(rc = store_orders_waiting(st, w.pool, &waiting, e)) &&
	    !waiting)
		rc = err_set(e, RC_NOTFOUND, "no run of pool '%s' is queued", w.pool);
	worker_release(&w);
	if (rc)
		return rc;
	if ((rc = store_begin(st, e)))
		return rc;
	if ((rc = store_worker_get(st, name, &w, e)))
		goto fail;
	if (w.offline_reason) {
		rc = err_set(e, RC_STATE, "worker %s is offline (%s): assay worker enable %s",
			     name, w.offline_reason, name);
		worker_release(&w);
		goto fail;
	}
	int64_t now = time_now_ms();
	char run_id[UUID_STR_LEN];
	int64_t claim;
	rc = store_order_claim(st, w.pool, name, now, run_id, &claim, e);
	if (!rc)
		rc = store_pool_get(st, w.pool, &out->pool, e);
	worker_release(&w);
	if (!rc)
		rc = store_worker_heartbeat(st, name, now, lease_ms, e);
	if (!rc)
		rc = store_run_get(st, run_id, &out->run, e);
	if (!rc)
		rc = store_order_get(st, run_id, &out->order, e);
	if (rc)
		goto fail;
	if (!out->run.started_at)
		out->run.started_at = now;
	char msg[200];
	snprintf(msg, sizeof(msg), "claimed by worker %s (claim %lld)", name, (long long)claim);
	if ((rc = move_run(st, &out->run, LC_INITIALIZING, msg, e)))
		goto fail;
	if ((rc = store_commit(st, e)))
		goto fail;
	return RC_OK;
fail:
	store_rollback(st);
	claim_release(out);
	return rc;
}

int service_worker_phase(struct store *st, const char *name, const char *run_id,
			 int64_t claim, enum lifecycle lc, const char *message, struct error *e)
{
	if (lc < LC_INITIALIZED || lc > LC_IN_PROGRESS)
		return err_set(e, RC_USAGE, "a worker reports phases 1 to 6, not %d", (int)lc);
	int rc = store_begin(st, e);
	if (rc)
		return rc;
	struct run_order o;
	struct run r = { 0 };
	rc = check_holder(st, name, run_id, claim, &o, e);
	run_order_release(&o);
	if (!rc)
		rc = store_run_get(st, run_id, &r, e);
	if (rc)
		goto fail;
	if (r.lifecycle == LC_CANCELLING) {
		rc = err_set(e, RC_STATE, "cancelling: run %s is being cancelled", run_id);
	} else if (lc <= r.lifecycle) {
		rc = err_set(e, RC_STATE, "run %s is at %s (%d) already; phases only go forward",
			     run_id, lifecycle_name(r.lifecycle), (int)r.lifecycle);
	} else {
		rc = move_run(st, &r, lc, message, e);
	}
	run_release(&r);
	if (!rc)
		rc = store_commit(st, e);
	if (!rc)
		return RC_OK;
fail:
	store_rollback(st);
	return rc;
}

int service_worker_finish(struct store *st, const char *name, const char *run_id,
			  int64_t claim, enum lifecycle lc, const char *reason,
			  bool phase_failure, struct run *out, struct error *e)
{
	memset(out, 0, sizeof(*out));
	if (lc != LC_COMPLETED && lc != LC_COMPLETED_FAILURES && lc != LC_CANCELLED &&
	    lc != LC_FAILED)
		return err_set(e, RC_USAGE, "a run ends completed, cancelled or failed, not %d",
			       (int)lc);
	int rc = store_begin(st, e);
	if (rc)
		return rc;
	struct run_order o;
	struct run r = { 0 };
	rc = check_holder(st, name, run_id, claim, &o, e);
	if (!rc)
		rc = store_run_get(st, run_id, &r, e);
	if (rc) {
		run_order_release(&o);
		goto fail;
	}
	/* A run asked to cancel ends cancelled, whatever the worker got to. */
	if (r.lifecycle == LC_CANCELLING && lc != LC_FAILED)
		lc = LC_CANCELLED;
	if (lc == LC_COMPLETED_FAILURES)
		lc = LC_COMPLETED;
	o.state = ORDER_DONE;
	char why[600];
	if (lc == LC_CANCELLED && !reason)
		snprintf(why, sizeof(why), "cancelled; worker %s stopped it", name);
	else if (lc == LC_COMPLETED)
		snprintf(why, sizeof(why), "completed on worker %s", name);
	else
		snprintf(why, sizeof(why), "%s", reason ? reason : "failed");
	rc = end_run_noted(st, &r, lc, lc == LC_COMPLETED ? NULL : why, why, e);
	if (!rc)
		rc = store_order_update(st, &o, e);
	if (!rc && lc == LC_FAILED && phase_failure) {
		struct worker w;
		if (!(rc = store_worker_get(st, name, &w, e))) {
			w.infra_failures++;
			free(w.last_error);
			w.last_error = xstrdup(why);
			rc = store_worker_update(st, &w, e);
			worker_release(&w);
		}
	}
	char *pool = xstrdup(o.pool);
	run_order_release(&o);
	run_release(&r);
	if (!rc)
		rc = store_commit(st, e);
	if (rc) {
		free(pool);
		goto fail;
	}
	/* The pool's "maximum test runs to keep", now that one more finished. */
	struct pool p;
	struct error pe = ERROR_INIT;
	if (!store_pool_get(st, pool, &p, &pe)) {
		int64_t deleted;
		if (p.keep_runs > 0)
			service_prune(st, pool, p.keep_runs, 0, &deleted, &pe);
		pool_release(&p);
	}
	free(pool);
	return store_run_get(st, run_id, out, e);
fail:
	store_rollback(st);
	return rc;
}

int service_worker_release(struct store *st, const char *name, const char *run_id,
			   int64_t claim, const char *reason, struct error *e)
{
	int rc = store_begin(st, e);
	if (rc)
		return rc;
	struct run_order o;
	struct run r = { 0 };
	rc = check_holder(st, name, run_id, claim, &o, e);
	if (!rc)
		rc = store_run_get(st, run_id, &r, e);
	if (!rc) {
		char msg[600];
		snprintf(msg, sizeof(msg), "worker %s gave it back: %s; queued again", name,
			 reason ? reason : "no reason given");
		if (r.lifecycle == LC_CANCELLING) {
			o.state = ORDER_DONE;
			rc = end_run(st, &r, LC_CANCELLED, "cancelled before it started", e);
		} else {
			o.state = ORDER_QUEUED;
			free(o.worker);
			o.worker = NULL;
			rc = move_run(st, &r, LC_QUEUED, msg, e);
		}
		if (!rc)
			rc = store_order_update(st, &o, e);
	}
	run_order_release(&o);
	run_release(&r);
	if (!rc)
		rc = store_commit(st, e);
	if (!rc)
		return RC_OK;
	store_rollback(st);
	return rc;
}

int service_worker_health(struct store *st, const char *name, const char *hook, bool ok,
			  const char *reason, bool *offline, struct error *e)
{
	*offline = false;
	int rc = store_begin(st, e);
	if (rc)
		return rc;
	struct worker w;
	if ((rc = store_worker_get(st, name, &w, e)))
		goto fail;
	if (ok) {
		w.health_failures = 0;
	} else {
		w.health_failures++;
		free(w.last_error);
		w.last_error = xasprintf("%s hook failed: %s", hook ? hook : "health",
					 reason ? reason : "no reason given");
		if (w.health_failures >= ORCH_HEALTH_LIMIT && !w.offline_reason)
			w.offline_reason = xasprintf("%s hook failed %lld times in a row; last: %s",
						     hook ? hook : "health",
						     (long long)w.health_failures,
						     reason ? reason : "no reason given");
	}
	*offline = w.offline_reason != NULL;
	rc = store_worker_update(st, &w, e);
	worker_release(&w);
	if (!rc)
		rc = store_commit(st, e);
	if (!rc)
		return RC_OK;
fail:
	store_rollback(st);
	return rc;
}

int service_worker_enable(struct store *st, const char *name, struct error *e)
{
	int rc = store_begin(st, e);
	if (rc)
		return rc;
	struct worker w;
	if ((rc = store_worker_get(st, name, &w, e)))
		goto fail;
	free(w.offline_reason);
	w.offline_reason = NULL;
	w.health_failures = 0;
	rc = store_worker_update(st, &w, e);
	worker_release(&w);
	if (!rc)
		rc = store_commit(st, e);
	if (!rc)
		return RC_OK;
fail:
	store_rollback(st);
	return rc;
}

/* The lease worker `name` was granted, as its row records it (the server
 * that granted it may have had another --lease than `fallback`). */
static int64_t granted_lease(struct store *st, const char *name, int64_t fallback)
{
	struct worker w;
	struct error e = ERROR_INIT;
	if (!name || store_worker_get(st, name, &w, &e))
		return fallback;
	int64_t lease = w.lease_ms > 0 ? w.lease_ms : fallback;
	worker_release(&w);
	return lease;
}

int service_orch_expire(struct store *st, int64_t lease_ms, size_t *requeued, size_t *failed,
			struct error *e)
{
	*requeued = *failed = 0;
	if (lease_ms <= 0)
		lease_ms = ORCH_DEFAULT_LEASE_MS;
	int64_t now = time_now_ms();
	struct run_order *seen, *os;
	size_t n_seen, n;
	/* Looked at first without the write lock: every heartbeat and claim
	 * comes here, and almost always there is nothing to expire. Each
	 * worker's lease, for the event, is read then too: under the lock a
	 * worker row may only be read after the orders and runs (the lock
	 * order, store/pg_orch.c). */
	int rc = store_orders_stale(st, now, lease_ms, &seen, &n_seen, e);
	if (rc || !n_seen) {
		store_orders_free(seen, n_seen);
		return rc;
	}
	int64_t *leases = xcalloc(n_seen, sizeof(*leases));
	for (size_t i = 0; i < n_seen; i++)
		leases[i] = granted_lease(st, seen[i].worker, lease_ms);
	if ((rc = store_begin(st, e)))
		goto out;
	if ((rc = store_orders_stale(st, now, lease_ms, &os, &n, e))) {
		store_rollback(st);
		goto out;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		int64_t its = lease_ms;
		for (size_t k = 0; k < n_seen; k++)
			if (os[i].worker && seen[k].worker && !strcmp(os[i].worker, seen[k].worker))
				its = leases[k];
		char why[300];
		snprintf(why, sizeof(why), "worker %s lost its lease (no heartbeat for %lld ms)",
			 os[i].worker ? os[i].worker : "?", (long long)its);
		rc = lose_order(st, &os[i], why, requeued, failed, e);
	}
	store_orders_free(os, n);
	if (!rc)
		rc = store_commit(st, e);
	if (rc)
		store_rollback(st);
out:
	free(leases);
	store_orders_free(seen, n_seen);
	return rc;
}

/* ---- retention ---- */

int service_prune(struct store *st, const char *pool, int64_t keep, int64_t before,
		  int64_t *deleted, struct error *e)
{
	*deleted = 0;
	if (keep <= 0 && before <= 0)
		return RC_OK;
	for (;;) {
		char(*ids)[UUID_STR_LEN];
		size_t n;
		int rc = store_runs_prunable(st, pool, keep, before, PRUNE_BATCH, &ids, &n, e);
		if (rc)
			return rc;
		int64_t got = 0;
		rc = store_runs_delete(st, ids, n, &got, e);
		free(ids);
		if (rc)
			return rc;
		*deleted += got;
		/* A batch that deleted nothing (its runs changed meanwhile) ends
		 * the walk rather than finding the same rows forever. */
		if (n < PRUNE_BATCH || !got)
			return RC_OK;
	}
}
