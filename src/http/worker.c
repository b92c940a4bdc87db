/* worker — see worker.h. The main thread claims and runs; a second thread
 * heartbeats and turns the server's answers into flags the run looks at
 * (and the engine, through run_request.cancel, every 100 ms). */
#include "util/base.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "engine/spawn.h"
#include "http/client.h"
#include "http/reporter.h"
#include "http/worker.h"
#include "service/orch.h"
#include "service/run_local.h"
#include "util/buf.h"
#include "util/fs.h"
#include "util/kv.h"
#include "util/proc.h"
#include "util/time.h"

extern char **environ;

#define TAIL_BYTES 1500
#define CALL_TIMEOUT_MS 30000

struct wk {
	const struct worker_config *cfg;
	struct api_client *c;
	char name[128];
	char *dir;
	int64_t lease_ms;
	struct store *local; /* the engine records here too; the server is the truth */

	pthread_t hb;
	bool hb_running;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool hb_stop;
	char run_id[UUID_STR_LEN]; /* the run held, "" for none (under lock) */
	int64_t claim;
	_Atomic int cancel;  /* stop the tests: cancelled, or lost */
	_Atomic int lost;    /* the run is no longer ours: report nothing more */
	_Atomic int offline;
	int timings; /* fd of cfg->timings, -1 for none */
	char **kept; /* this worker's run folders, oldest first */
	size_t n_kept, kept_cap;
};

static void say(struct wk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct wk *w, const char *fmt, ...)
{
	if (!w->cfg->log)
		return;
	char line[1200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	w->cfg->log(w->cfg->log_ctx, line);
}

/* One line to the timings file (worker_config.timings), in one write. */
static void timing(struct wk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void timing(struct wk *w, const char *fmt, ...)
{
	if (w->timings < 0)
		return;
	char line[200];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(w->timings, line, (size_t)n) < 0)
		w->timings = -1; /* a benchmark aid: never a reason to stop */
}

static void sleep_ms(int64_t ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* POSTs `body` (consumed; NULL: none) to `path`; the answer's status and
 * JSON. RC_IO when the server cannot be reached. */
static int post(struct api_client *c, const char *path, json_t *body, int *status,
		json_t **answer, struct error *e)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	int rc = api_client_call(c, "POST", path, text, text ? strlen(text) : 0, status, answer, e);
	free(text);
	return rc;
}

/* ---- the heartbeat thread ---- */

static void *heartbeat(void *arg)
{
	struct wk *w = arg;
	sigset_t all;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	struct api_client *c;
	struct error e = ERROR_INIT;
	if (api_client_new(w->cfg->server, w->cfg->token, &c, &e))
		return NULL;
	api_client_set_timeout(c, w->lease_ms);
	char *path = xasprintf("/api/v1/workers/%s/heartbeat", w->name);
	int64_t every = w->lease_ms / 4 > 50 ? w->lease_ms / 4 : 50;
	pthread_mutex_lock(&w->lock);
	while (!w->hb_stop) {
		char run[UUID_STR_LEN];
		memcpy(run, w->run_id, sizeof(run));
		int64_t claim = w->claim;
		pthread_mutex_unlock(&w->lock);
		json_t *body = json_pack("{s:s?, s:I}", "run", run[0] ? run : NULL, "claim",
					 (json_int_t)claim);
		int status;
		json_t *a = NULL;
		bool answered = !post(c, path, body, &status, &a, &e) && status == 200;
		pthread_mutex_lock(&w->lock);
		if (answered) {
			w->offline = json_is_true(json_object_get(a, "offline"));
			/* The answer is about the run asked about: the main thread may
			 * have finished it and claimed the next meanwhile, and "lost"
			 * for the finished one must not stop the new one (which would
			 * then be abandoned, held on the server by a live worker). */
			bool same = run[0] && !strcmp(run, w->run_id) && claim == w->claim;
			if (same && json_is_true(json_object_get(a, "lost"))) {
				w->lost = 1;
				w->cancel = 1;
			}
			if (same && json_is_true(json_object_get(a, "cancel")))
				w->cancel = 1;
		}
		json_decref(a);
		if (w->hb_stop)
			break;
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += every / 1000;
		until.tv_nsec += (every % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&w->wake, &w->lock, &until);
	}
	pthread_mutex_unlock(&w->lock);
	free(path);
	api_client_free(c);
	return NULL;
}

/* The run held from now on (NULL: none), with its flags cleared under the
 * lock the heartbeat thread sets them under. */
static void hold(struct wk *w, const char *run_id, int64_t claim)
{
	pthread_mutex_lock(&w->lock);
	snprintf(w->run_id, sizeof(w->run_id), "%s", run_id ? run_id : "");
	w->claim = claim;
	w->cancel = w->lost = 0;
	pthread_mutex_unlock(&w->lock);
}

/* ---- running hooks and commands ---- */

/* The environment of hooks: ours plus `extra` ("K=V", NULL-terminated). */
static char **make_env(char *const *extra)
{
	size_t n = 0, m = 0;
	while (environ[n])
		n++;
	while (extra && extra[m])
		m++;
	char **env = xcalloc(n + m + 1, sizeof(*env));
	size_t k = 0;
	for (size_t i = 0; i < m; i++)
		env[k++] = extra[i];
	for (size_t i = 0; i < n; i++) {
		/* a variable given in `extra` wins */
		bool shadowed = false;
		for (size_t j = 0; j < m && !shadowed; j++) {
			size_t len = strcspn(extra[j], "=");
			shadowed = !strncmp(environ[i], extra[j], len + 1);
		}
		if (!shadowed)
			env[k++] = environ[i];
	}
	return env;
}

/* The last TAIL_BYTES of the file, from a line start when there is one. */
static void file_tail(const char *path, off_t from, char *out, size_t n)
{
	out[0] = '\0';
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	off_t end = lseek(fd, 0, SEEK_END);
	off_t start = end - (off_t)(n - 1) > from ? end - (off_t)(n - 1) : from;
	ssize_t got = pread(fd, out, (size_t)(end - start), start);
	close(fd);
	out[got > 0 ? got : 0] = '\0';
	char *nl = start > from ? strchr(out, '\n') : NULL;
	if (nl && nl[1])
		memmove(out, nl + 1, strlen(nl + 1) + 1);
	size_t len = strlen(out);
	while (len && (out[len - 1] == '\n' || out[len - 1] == '\r'))
		out[--len] = '\0';
}

/* How a hook or command ended. */
struct hook_end {
	int status;         /* exit status, 128+N for signal N */
	bool timed_out;     /* stopped after timeout_ms */
	int64_t timeout_ms;
	char tail[TAIL_BYTES]; /* the end of what it wrote to the log */
};

/* "'CMD' exited with status N" or "'CMD' timed out after 1s". */
static void hook_says(const char *cmd, const struct hook_end *he, char *out, size_t n)
{
	if (he->timed_out) {
		char t[32];
		if (he->timeout_ms % 1000 == 0)
			snprintf(t, sizeof(t), "%lld s", (long long)(he->timeout_ms / 1000));
		else
			time_human(he->timeout_ms, t, sizeof(t));
		snprintf(out, n, "'%.200s' timed out after %s", cmd, t);
	} else {
		snprintf(out, n, "'%.200s' exited with status %d", cmd, he->status);
	}
}

/* Runs argv in `dir` with output appended to `log`; fills `he`. The child
 * is in its own process group; that group gets SIGTERM when the run is
 * cancelled or `timeout_ms` (> 0) has passed, and SIGKILL ORCH_HOOK_GRACE_MS
 * later if it is still there — and in any case once the child has ended, for
 * what it left behind. RC_OK whenever the child was started. */
static int run_argv(struct wk *w, char *const *argv, const char *dir, char *const *extra,
		    const char *log, int64_t timeout_ms, struct hook_end *he, struct error *e)
{
	memset(he, 0, sizeof(*he));
	he->timeout_ms = timeout_ms;
	int out = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (out < 0 || null < 0) {
		if (out >= 0)
			close(out);
		if (null >= 0)
			close(null);
		return err_set(e, RC_IO, "%s: %s", log, strerror(errno));
	}
	off_t from = lseek(out, 0, SEEK_END);
	char **env = make_env(extra);
	struct spawn_req req = { .argv = argv, .envp = env, .workdir = dir, .stdin_fd = null,
				 .stdout_fd = out, .stderr_fd = out };
	pid_t pid;
	int rc = spawn_start(&req, &pid, e);
	free(env);
	close(out);
	close(null);
	if (rc)
		return rc;
	int64_t started = time_mono_ns() / 1000000, kill_at = 0;
	int st = 0;
	/* Polled, to see a cancel or the timeout while it runs: every
	 * millisecond at first (tar and most hooks end within a few), then
	 * every 20. */
	for (int i = 0;; i++) {
		pid_t got = waitpid(pid, &st, WNOHANG);
		if (got == pid || (got < 0 && errno != EINTR))
			break;
		int64_t now = time_mono_ns() / 1000000;
		bool late = timeout_ms > 0 && now - started >= timeout_ms;
		if (!kill_at && (w->cancel || late)) {
			he->timed_out = late && !w->cancel;
			kill(-pid, SIGTERM);
			kill_at = now + ORCH_HOOK_GRACE_MS;
		} else if (kill_at && now >= kill_at) {
			kill(-pid, SIGKILL);
		}
		sleep_ms(i < 50 ? 1 : 20);
	}
	kill(-pid, SIGKILL); /* what the hook left behind in its group */
	he->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	file_tail(log, from, he->tail, sizeof(he->tail));
	return RC_OK;
}

/* Runs a shell command as run_argv does; true when it failed (not started,
 * non-zero exit, or timed out). */
static bool run_hook(struct wk *w, const char *cmd, const char *dir, char *const *extra,
		     const char *log, int64_t timeout_ms, struct hook_end *he, struct error *e)
{
	char *argv[] = { "/bin/sh", "-c", (char *)cmd, NULL };
	int rc = run_argv(w, argv, dir, extra, log, timeout_ms, he, e);
	if (rc) {
		he->status = -1;
		snprintf(he->tail, sizeof(he->tail), "%.1400s", e->msg);
	}
	return rc || he->status || he->timed_out;
}

/* ---- talking about the run ---- */

struct held {
	const char *id;
	int64_t claim;
	char *base; /* /api/v1/workers/NAME/runs/ID */
};

enum { PHASE_OK, PHASE_LOST, PHASE_CANCEL };

/* Records a phase; PHASE_LOST / PHASE_CANCEL when the server says so (or
 * the heartbeat did). Unreachable: the lease will decide, carry on. */
static int phase(struct wk *w, struct held *h, enum lifecycle lc, const char *msg)
{
	if (w->lost)
		return PHASE_LOST;
	if (w->cancel)
		return PHASE_CANCEL;
	char *path = xasprintf("%s/phase", h->base);
	int status;
	json_t *a = NULL;
	struct error e = ERROR_INIT;
	int rc = post(w->c, path,
		      json_pack("{s:I, s:i, s:s?}", "claim", (json_int_t)h->claim, "lifecycle",
				(int)lc, "message", msg),
		      &status, &a, &e);
	free(path);
	const char *code = json_string_value(json_object_get(json_object_get(a, "error"), "code"));
	int out = PHASE_OK;
	if (!rc && status == 409 && code && !strcmp(code, "lost"))
		out = PHASE_LOST, w->lost = 1;
	else if (!rc && status == 409 && code && !strcmp(code, "cancelling"))
		out = PHASE_CANCEL, w->cancel = 1;
	else if (rc || status != 200)
		say(w, "run %s: recording phase %d: %s", h->id, (int)lc,
		    rc ? e.msg : api_client_error_text(a, status));
	json_decref(a);
	return out;
}

/* Ends the run on the server (tries a few times: this is the answer the
 * whole run waited for). */
static void finish(struct wk *w, struct held *h, enum lifecycle lc, const char *reason,
		   bool phase_failure)
{
	if (w->lost) {
		say(w, "run %s: lost (another worker may have it); not reporting its end", h->id);
		return;
	}
	char *path = xasprintf("%s/finish", h->base);
	for (int t = 0; t < 5; t++) {
		int status;
		json_t *a = NULL;
		struct error e = ERROR_INIT;
		int rc = post(w->c, path,
			      json_pack("{s:I, s:i, s:s?, s:b}", "claim", (json_int_t)h->claim,
					"lifecycle", (int)lc, "reason", reason, "phase_failure",
					phase_failure),
			      &status, &a, &e);
		if (!rc && status == 200) {
			say(w, "run %s: %s (%d)", h->id,
			    json_string_value(json_object_get(a, "lifecycle")),
			    (int)json_integer_value(json_object_get(a, "lifecycle_code")));
			json_decref(a);
			break;
		}
		say(w, "run %s: ending it: %s", h->id, rc ? e.msg : api_client_error_text(a, status));
		json_decref(a);
		if (!rc && status / 100 == 4)
			break;
		sleep_ms(500);
	}
	free(path);
}

/* A phase failed: 99 with the phase, the command, its exit status (or its
 * timeout) and the tail of its log. */
static void fail_hook(struct wk *w, struct held *h, const char *ph, const char *cmd,
		      const struct hook_end *he)
{
	char what[300], reason[2600];
	hook_says(cmd, he, what, sizeof(what));
	snprintf(reason, sizeof(reason), "%s failed: %s%s%s", ph, what,
		 he->tail[0] ? "; log tail:\n" : "", he->tail);
	say(w, "run %s: %s failed: %s", h->id, ph, what);
	finish(w, h, LC_FAILED, reason, true);
}

/* A phase failed on something other than a hook (status -1: not a
 * process). */
static void fail_phase(struct wk *w, struct held *h, const char *ph, const char *cmd,
		       int status, const char *tail)
{
	struct hook_end he = { .status = status };
	snprintf(he.tail, sizeof(he.tail), "%.1400s", tail ? tail : "");
	fail_hook(w, h, ph, cmd, &he);
}

static void report_health(struct wk *w, const char *hook, bool ok, const char *reason)
{
	char *path = xasprintf("/api/v1/workers/%s/health", w->name);
	int status;
	json_t *a = NULL;
	struct error e = ERROR_INIT;
	post(w->c, path, json_pack("{s:s, s:b, s:s?}", "hook", hook, "ok", ok, "reason", reason),
	     &status, &a, &e);
	if (json_string_value(json_object_get(json_object_get(a, "health"), "offline_reason")))
		say(w, "worker %s is offline: %s", w->name,
		    json_string_value(json_object_get(json_object_get(a, "health"),
						      "offline_reason")));
	json_decref(a);
	free(path);
}

/* Downloads the archive `digest` to `file`, checking its digest. */
static int download(struct wk *w, const char *digest, const char *file, struct error *e)
{
	char *path = xasprintf("/api/v1/blobs/%s", digest);
	struct buf body = BUF_INIT;
	int status;
	int rc = api_client_get_raw(w->c, path, &status, &body, e);
	free(path);
	if (!rc && status != 200)
		rc = err_set(e, RC_IO, "downloading %s: the server answered %d", digest, status);
	char got[ORCH_DIGEST_LEN];
	if (!rc) {
		service_digest(body.data ? body.data : "", body.len, got);
		if (strcmp(got, digest))
			rc = err_set(e, RC_IO, "downloaded archive has digest %s, not %s", got, digest);
	}
	if (!rc) {
		FILE *f = fopen(file, "wb");
		if (!f || fwrite(body.data, 1, body.len, f) != body.len || fclose(f)) {
			rc = err_set(e, RC_IO, "writing %s: %s", file, strerror(errno));
			if (f)
				fclose(f);
		}
	}
	buf_release(&body);
	return rc;
}

/* The unpacked tree of archive `digest` in the worker's package cache
 * (WORKDIR/packages/sha256-HEX), in *out. The archive is downloaded,
 * checked against its digest and unpacked (tar) the first time only; each
 * run then gets a copy of the tree (fs_copy_tree), so no run sees what an
 * earlier one changed in its packages. Workers sharing a workdir may fill
 * the cache at once: each unpacks into a folder of its own and renames it
 * into place, and one that finds the place taken drops its copy. `he`
 * tells how tar ended (within `timeout_ms`); all zero on a cache hit. */
static int cached_package(struct wk *w, const char *digest, char *const *extra, const char *log,
			  int64_t timeout_ms, char **out, struct hook_end *he, struct error *e)
{
	*out = NULL;
	memset(he, 0, sizeof(*he));
	/* The digest names a folder: nothing but "sha256:" and hex digits. */
	if (strncmp(digest, "sha256:", 7) || strlen(digest) != ORCH_DIGEST_LEN - 1 ||
	    strspn(digest + 7, "0123456789abcdef") != ORCH_DIGEST_LEN - 8)
		return err_set(e, RC_IO, "the server gave a malformed digest '%.80s'", digest);
	char *cache = xasprintf("%s/packages", w->dir);
	char *final = xasprintf("%s/sha256-%s", cache, digest + 7);
	struct stat sb;
	if (!stat(final, &sb) && S_ISDIR(sb.st_mode)) {
		free(cache);
		*out = final;
		return RC_OK;
	}
	int rc = RC_OK;
	char *tmp = xasprintf("%s/.filling-XXXXXX", cache);
	if ((mkdir(cache, 0755) && errno != EEXIST) || !mkdtemp(tmp)) {
		rc = err_set(e, RC_IO, "making %s: %s", tmp, strerror(errno));
		free(tmp);
		free(cache);
		free(final);
		return rc;
	}
	char *tgz = xasprintf("%s/archive.tar.gz", tmp);
	char *tree = xasprintf("%s/tree", tmp);
	rc = download(w, digest, tgz, e);
	if (!rc && mkdir(tree, 0755))
		rc = err_set(e, RC_IO, "%s: %s", tree, strerror(errno));
	char *argv[] = { "tar", "-xzf", tgz, "-C", tree, NULL };
	if (!rc)
		rc = run_argv(w, argv, tmp, extra, log, timeout_ms, he, e);
	bool unpacked = !rc && !he->status && !he->timed_out;
	if (unpacked && rename(tree, final) && errno != EEXIST && errno != ENOTEMPTY)
		rc = err_set(e, RC_IO, "moving %s to %s: %s", tree, final, strerror(errno));
	struct error re = ERROR_INIT;
	fs_remove_tree(tmp, &re); /* what is left: the archive, a tree that lost the race */
	free(tgz);
	free(tree);
	free(tmp);
	free(cache);
	if (rc || !unpacked)
		free(final);
	else
		*out = final;
	return rc;
}

/* ---- phase 6: the packages' run hooks, as tests of the local engine ---- */

struct stream_ctx {
	struct reporter *rp;
};

static void on_result(void *ctx, const struct result *r, const struct result *subs,
		      size_t n_subs)
{
	struct stream_ctx *s = ctx;
	reporter_add(s->rp, r, subs, n_subs);
}

static void on_sub_results(void *ctx, const struct result *subs, size_t n)
{
	struct stream_ctx *s = ctx;
	reporter_add(s->rp, NULL, subs, n);
}

static void on_suite_outputs(void *ctx, const struct suite_output *o, size_t n)
{
	struct stream_ctx *s = ctx;
	reporter_add_outputs(s->rp, o, n);
}

/* Runs the tests; *cancelled when they were stopped. RC_IO when results
 * did not reach the server. */
static int run_tests(struct wk *w, struct held *h, json_t *run, json_t *pkgs, const char *dir,
		     char *const *extra, bool *cancelled, struct error *e)
{
	*cancelled = false;
	struct catalog *cat = xcalloc(1, sizeof(*cat));
	cat->path = xasprintf("%s/assay.yaml", dir);
	cat->dir = xstrdup(dir);
	const char *project = json_string_value(json_object_get(run, "project"));
	cat->project = xstrdup(project ? project : "default");
	cat->tests = xcalloc(json_array_size(pkgs) + 1, sizeof(*cat->tests));
	for (size_t i = 0; i < json_array_size(pkgs); i++) {
		json_t *p = json_array_get(pkgs, i);
		const char *cmd = json_string_value(json_object_get(p, "run"));
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *proto = json_string_value(json_object_get(p, "protocol"));
		if (!cmd || !name)
			continue;
		struct cat_test *t = &cat->tests[cat->n_tests++];
		t->name = xstrdup(name);
		catalog_command_parse(cmd, &t->command);
		t->workdir = xasprintf("%s/pkg/%s", dir, name);
		/* The run hook sees what the other hooks see (the server's run id,
		 * the suite, ...); a hang is the engine's timeout, which makes the
		 * test an error "timed out after ..." as any test's would. */
		for (char *const *x = extra; *x; x++) {
			char *k = xstrndup(*x, strcspn(*x, "="));
			kv_set(&t->env, k, *x + strlen(k) + 1);
			free(k);
		}
		json_int_t limit = json_integer_value(json_object_get(p, "run_timeout_ms"));
		t->timeout_ms = limit > 0 ? limit : ORCH_DEFAULT_RUN_TIMEOUT_MS;
		t->protocol = proto && !strcmp(proto, "tap")	? PROTO_TAP
			      : proto && !strcmp(proto, "junit") ? PROTO_JUNIT
								 : PROTO_EXIT;
	}
	int rc = RC_OK;
	if (!cat->n_tests) {
		catalog_free(cat);
		return RC_OK;
	}
	struct reporter *rp;
	char key[128];
	/* Claim numbers only grow: a later claim never reuses a key. */
	snprintf(key, sizeof(key), "%s:claim%lld", h->id, (long long)h->claim);
	char fence[200];
	snprintf(fence, sizeof(fence), "X-Assay-Claim: %s %lld", w->name, (long long)h->claim);
	if ((rc = reporter_attach(w->cfg->server, w->cfg->token, h->id, key, fence, &rp, e))) {
		catalog_free(cat);
		return rc;
	}
	struct stream_ctx s = { rp };
	struct run_progress pg = { .ctx = &s, .result = on_result,
				   .suite_outputs = on_suite_outputs,
				   .sub_results = on_sub_results };
	/* The run's context, as the tests of `assay run` see theirs. */
	struct kvlist ctx = KVLIST_INIT;
	const char *k;
	json_t *v;
	json_object_foreach(json_object_get(run, "context"), k, v)
		if (json_is_string(v))
			kv_set(&ctx, k, json_string_value(v));
	struct run_request req = { .cat = cat, .jobs = w->cfg->slots,
				   .title = json_string_value(json_object_get(run, "title")),
				   .environment = json_string_value(json_object_get(run, "environment")),
				   .cancel = &w->cancel, .context = &ctx,
				   .cancel_reason = "cancelled by the server" };
	struct run done;
	struct error xe = ERROR_INIT;
	int xrc = service_run_local(w->local, &req, &pg, &done, &xe);
	kv_release(&ctx);
	if (!xrc || xrc == RC_CANCELLED) {
		*cancelled = xrc == RC_CANCELLED;
		run_release(&done);
	}
	/* A run this worker lost is another's now: what is still queued here is
	 * dropped rather than sent into it. */
	if (!w->lost && !(rc = reporter_flush(rp, e)) && reporter_warning(rp))
		say(w, "run %s: %s", h->id, reporter_warning(rp));
	reporter_free(rp);
	catalog_free(cat);
	if (xrc && xrc != RC_CANCELLED) {
		*e = xe;
		return xrc;
	}
	return rc;
}

/* ---- one run ---- */

/* A file name for the upgrade artifact: its given name when harmless. */
static void artifact_name(const char *given, char *out, size_t n)
{
	bool ok = given && *given && given[0] != '.' && strlen(given) < 100;
	for (const char *c = given; ok && *c; c++)
		ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		     (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-';
	snprintf(out, n, "%s", ok ? given : "upgrade.artifact");
}

/* Takes `dir`, the folder of the run that just ended, and removes the
 * oldest of this worker's run folders beyond the ones it keeps. */
static void keep_folder(struct wk *w, char *dir)
{
	size_t keep = w->cfg->keep_runs > 0 ? (size_t)w->cfg->keep_runs : WORKER_KEEP_RUNS;
	GROW(w->kept, w->kept_cap, w->n_kept + 1);
	w->kept[w->n_kept++] = dir;
	while (w->n_kept > keep) {
		struct error e = ERROR_INIT;
		if (fs_remove_tree(w->kept[0], &e))
			say(w, "removing an old run folder: %s", e.msg);
		free(w->kept[0]);
		memmove(w->kept, w->kept + 1, --w->n_kept * sizeof(*w->kept));
	}
}

static void do_run(struct wk *w, json_t *answer)
{
	json_t *run = json_object_get(answer, "run"), *order = json_object_get(answer, "order");
	json_t *hooks = json_object_get(json_object_get(answer, "pool"), "hooks");
	json_t *pkgs = json_object_get(order, "packages");
	const char *id = json_string_value(json_object_get(run, "id"));
	struct held h = { .id = id, .claim = json_integer_value(json_object_get(order, "claim")) };
	h.base = xasprintf("/api/v1/workers/%s/runs/%s", w->name, id);
	hold(w, id, h.claim);
	say(w, "run %s: claimed (claim %lld, suite %s)", id, (long long)h.claim,
	    json_string_value(json_object_get(order, "suite")));

	char *dir = xasprintf("%s/run-%s-%lld", w->dir, id, (long long)h.claim);
	char *pkgdir = xasprintf("%s/pkg", dir);
	char *log = xasprintf("%s/hooks.log", dir);
	struct hook_end he;
	struct error e = ERROR_INIT;
	json_int_t hook_ms = json_integer_value(
		json_object_get(json_object_get(answer, "pool"), "hook_timeout_ms"));
	if (hook_ms <= 0)
		hook_ms = ORCH_DEFAULT_HOOK_TIMEOUT_MS;
	const char *envname = json_string_value(json_object_get(run, "environment"));
	char *env_run = xasprintf("ASSAY_RUN_ID=%s", id);
	char *env_pool = xasprintf("ASSAY_POOL=%s", w->cfg->pool);
	char *env_suite = xasprintf("ASSAY_SUITE=%s",
				    json_string_value(json_object_get(order, "suite")));
	char *env_envname = xasprintf("ASSAY_ENVIRONMENT=%s", envname ? envname : "");
	char *env_up = NULL;
	char *extra[] = { env_run, env_pool, env_suite, env_envname, NULL, NULL };
	const char *hook;
	int ph = PHASE_OK;
	if (mkdir(dir, 0755) || mkdir(pkgdir, 0755)) {
		fail_phase(w, &h, "initializing", "mkdir", errno, strerror(errno));
		goto out;
	}

	/* The server is brought to a clean state first; if it cannot be, the
	 * run is not to blame: it goes back to the queue. */
	if ((hook = json_string_value(json_object_get(hooks, "provision")))) {
		if (run_hook(w, hook, dir, extra, log, hook_ms, &he, &e)) {
			char what[300];
			hook_says(hook, &he, what, sizeof(what));
			char *why = xasprintf("%s%s%s", what, he.tail[0] ? ": " : "", he.tail);
			report_health(w, "provision", false, why);
			char *path = xasprintf("%s/release", h.base);
			int st;
			json_t *a = NULL;
			struct error pe = ERROR_INIT;
			post(w->c, path, json_pack("{s:I, s:s}", "claim", (json_int_t)h.claim,
						   "reason", why),
			     &st, &a, &pe);
			say(w, "run %s: provision failed (%s); given back", id, why);
			json_decref(a);
			free(path);
			free(why);
			goto out;
		}
		report_health(w, "provision", true, NULL);
	}

	/* 0: download and check. */
	for (size_t i = 0; i < json_array_size(pkgs); i++) {
		json_t *p = json_array_get(pkgs, i);
		const char *name = json_string_value(json_object_get(p, "name"));
		const char *digest = json_string_value(json_object_get(p, "digest"));
		char *into = xasprintf("%s/%s", pkgdir, name);
		char *cached = NULL;
		int rc = cached_package(w, digest, extra, log, hook_ms, &cached, &he, &e);
		if (!rc && !he.status && !he.timed_out)
			rc = fs_copy_tree(cached, into, &e);
		char *what = xasprintf("download and unpack %s@%s (%s)", name,
				       json_string_value(json_object_get(p, "version")), digest);
		free(cached);
		free(into);
		if (rc) {
			fail_phase(w, &h, "initializing", what, -1, e.msg);
			free(what);
			goto out;
		}
		if (he.status || he.timed_out) {
			fail_hook(w, &h, "initializing", what, &he);
			free(what);
			goto out;
		}
		free(what);
	}
	json_t *up = json_object_get(order, "upgrade");
	const char *up_digest = json_string_value(json_object_get(up, "digest"));
	if (up_digest) {
		char name[128];
		artifact_name(json_string_value(json_object_get(up, "name")), name, sizeof(name));
		char *file = xasprintf("%s/%s", dir, name);
		env_up = xasprintf("ASSAY_UPGRADE_FILE=%s", file);
		extra[4] = env_up;
		int rc = download(w, up_digest, file, &e);
		free(file);
		if (rc) {
			fail_phase(w, &h, "initializing", "download the upgrade artifact", -1, e.msg);
			goto out;
		}
	}
	char msg[200];
	snprintf(msg, sizeof(msg), "%zu package%s%s downloaded and checked", json_array_size(pkgs),
		 json_array_size(pkgs) == 1 ? "" : "s", up_digest ? " and the upgrade artifact" : "");
	if ((ph = phase(w, &h, LC_INITIALIZED, msg)))
		goto stopped;

	/* 2-3: upgrade, only with an artifact. */
	hook = json_string_value(json_object_get(hooks, "upgrade"));
	if (up_digest) {
		if ((ph = phase(w, &h, LC_UPGRADING, "applying the upgrade artifact")))
			goto stopped;
		if (!hook) {
			fail_phase(w, &h, "upgrading", "(none)", -1,
				   "the run has an upgrade artifact but the pool has no upgrade hook");
			goto out;
		}
		if (run_hook(w, hook, dir, extra, log, hook_ms, &he, &e)) {
			if (w->cancel)
				goto stopped_check;
			fail_hook(w, &h, "upgrading", hook, &he);
			goto out;
		}
	} else if ((ph = phase(w, &h, LC_UPGRADING, "no upgrade artifact given"))) {
		goto stopped;
	}
	if ((ph = phase(w, &h, LC_UPGRADED, NULL)))
		goto stopped;

	/* 4-5: each package's install hook. */
	if ((ph = phase(w, &h, LC_INSTALLING, NULL)))
		goto stopped;
	for (size_t i = 0; i < json_array_size(pkgs); i++) {
		json_t *p = json_array_get(pkgs, i);
		const char *cmd = json_string_value(json_object_get(p, "install"));
		if (!cmd)
			continue;
		char *into = xasprintf("%s/%s", pkgdir, json_string_value(json_object_get(p, "name")));
		json_int_t limit = json_integer_value(json_object_get(p, "install_timeout_ms"));
		bool failed = run_hook(w, cmd, into, extra, log,
				       limit > 0 ? limit : ORCH_DEFAULT_HOOK_TIMEOUT_MS, &he, &e);
		free(into);
		if (w->cancel)
			goto stopped_check;
		if (failed) {
			fail_hook(w, &h, "installing dependencies", cmd, &he);
			goto out;
		}
	}
	if ((ph = phase(w, &h, LC_INSTALLED, NULL)))
		goto stopped;

	/* 6: the tests. */
	if ((ph = phase(w, &h, LC_IN_PROGRESS, NULL)))
		goto stopped;
	bool cancelled;
	if (run_tests(w, &h, run, pkgs, dir, extra, &cancelled, &e)) {
		char *why = xasprintf("in progress: %s", e.msg);
		finish(w, &h, LC_FAILED, why, true);
		free(why);
	} else if (cancelled || w->cancel) {
		finish(w, &h, LC_CANCELLED, NULL, false);
	} else {
		finish(w, &h, LC_COMPLETED, NULL, false);
	}
	goto teardown;

stopped_check:
	ph = w->lost ? PHASE_LOST : PHASE_CANCEL;
stopped:
	if (ph == PHASE_CANCEL)
		finish(w, &h, LC_CANCELLED, NULL, false);
	else
		say(w, "run %s: lost its lease; another worker will run it", id);
teardown:
	if ((hook = json_string_value(json_object_get(hooks, "teardown")))) {
		w->cancel = 0;
		if (run_hook(w, hook, dir, extra, log, hook_ms, &he, &e)) {
			char what[300];
			hook_says(hook, &he, what, sizeof(what));
			char *why = xasprintf("%s%s%s", what, he.tail[0] ? ": " : "", he.tail);
			report_health(w, "teardown", false, why);
			free(why);
		}
	}
out:
	hold(w, NULL, 0);
	free(env_run);
	free(env_pool);
	free(env_suite);
	free(env_envname);
	free(env_up);
	free(log);
	free(pkgdir);
	keep_folder(w, dir);
	free(h.base);
}

/* ---- the loop ---- */

static bool stopping(const struct wk *w)
{
	return w->cfg->stop && *w->cfg->stop;
}

/* Waits `ms`, waking early when asked to stop. */
static void idle(const struct wk *w, int64_t ms)
{
	for (int64_t t = 0; t < ms && !stopping(w); t += 50)
		sleep_ms(ms - t < 50 ? ms - t : 50);
}

static int register_worker(struct wk *w, json_t **pool, struct error *e)
{
	char host[256];
	proc_hostname(host, sizeof(host));
	int status;
	json_t *a = NULL;
	int rc = post(w->c, "/api/v1/workers",
		      json_pack("{s:s, s:s, s:i, s:s}", "name", w->name, "pool", w->cfg->pool,
				"slots", w->cfg->slots > 0 ? w->cfg->slots : 1, "host", host),
		      &status, &a, e);
	if (!rc && status != 200)
		rc = err_set(e, status == 404 || status == 400 ? RC_USAGE : RC_IO,
			     "registering with %s: %s", w->cfg->server,
			     api_client_error_text(a, status));
	if (!rc) {
		w->lease_ms = json_integer_value(json_object_get(a, "lease_ms"));
		if (w->lease_ms <= 0)
			w->lease_ms = ORCH_DEFAULT_LEASE_MS;
	}
	json_decref(a);
	*pool = NULL;
	if (rc)
		return rc;
	/* The pool's hooks, for the health check while idle. */
	char *path = xasprintf("/api/v1/pools/%s", w->cfg->pool);
	rc = api_client_call(w->c, "GET", path, NULL, 0, &status, pool, e);
	free(path);
	return rc;
}

int worker_serve(const struct worker_config *cfg, struct error *e)
{
	struct wk w = { .cfg = cfg, .timings = -1 };
	pthread_mutex_init(&w.lock, NULL);
	pthread_cond_init(&w.wake, NULL);
	if (cfg->name) {
		snprintf(w.name, sizeof(w.name), "%s", cfg->name);
	} else {
		char host[100];
		proc_hostname(host, sizeof(host));
		snprintf(w.name, sizeof(w.name), "%s-%d", host, (int)getpid());
	}
	int rc;
	if (cfg->workdir) {
		char real[PATH_MAX];
		/* Absolute: hooks and tar run in folders below it. */
		if ((mkdir(cfg->workdir, 0755) && errno != EEXIST) || !realpath(cfg->workdir, real)) {
			rc = err_set(e, RC_IO, "--workdir %s: %s", cfg->workdir, strerror(errno));
			goto done;
		}
		w.dir = xstrdup(real);
	} else {
		const char *tmp = getenv("TMPDIR");
		w.dir = xasprintf("%s/assay-worker-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(w.dir)) {
			rc = err_set(e, RC_IO, "making %s: %s", w.dir, strerror(errno));
			goto done;
		}
	}
	if (cfg->timings &&
	    (w.timings = open(cfg->timings, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0) {
		rc = err_set(e, RC_IO, "--timings %s: %s", cfg->timings, strerror(errno));
		goto done;
	}
	char *db = xasprintf("%s/worker-%s.db", w.dir, w.name);
	rc = store_open(db, &w.local, e);
	free(db);
	if (rc)
		goto done;
	if ((rc = api_client_new(cfg->server, cfg->token, &w.c, e)))
		goto done;
	api_client_set_timeout(w.c, CALL_TIMEOUT_MS);
	json_t *pool = NULL;
	if ((rc = register_worker(&w, &pool, e)))
		goto done;
	const char *health = json_string_value(json_object_get(json_object_get(pool, "hooks"),
							       "health"));
	json_int_t health_ms = json_integer_value(json_object_get(pool, "hook_timeout_ms"));
	say(&w, "worker %s serving pool %s from %s (lease %lld ms, work in %s)", w.name, cfg->pool,
	    cfg->server, (long long)w.lease_ms, w.dir);
	if (pthread_create(&w.hb, NULL, heartbeat, &w) == 0)
		w.hb_running = true;
	int64_t poll = cfg->poll_ms > 0 ? cfg->poll_ms : 500;
	int64_t health_every = cfg->health_every_ms > 0 ? cfg->health_every_ms : 60000;
	int64_t next_health = 0;
	char *claim_path = xasprintf("/api/v1/workers/%s/claim", w.name);
	while (!stopping(&w)) {
		int64_t now = time_mono_ns() / 1000000;
		if (health && now >= next_health && !w.offline) {
			char *log = xasprintf("%s/health.log", w.dir), what[300];
			char *env_pool = xasprintf("ASSAY_POOL=%s", cfg->pool);
			char *extra[] = { env_pool, NULL };
			struct hook_end he;
			struct error hooke = ERROR_INIT;
			bool failed = run_hook(&w, health, w.dir, extra, log,
					       health_ms > 0 ? health_ms : ORCH_DEFAULT_HOOK_TIMEOUT_MS,
					       &he, &hooke);
			free(log);
			free(env_pool);
			hook_says(health, &he, what, sizeof(what));
			char *why = failed ? xasprintf("%s%s%s", what, he.tail[0] ? ": " : "", he.tail)
					   : NULL;
			report_health(&w, "health", !failed, why);
			free(why);
			next_health = now + health_every;
		}
		int status;
		json_t *a = NULL;
		struct error ce = ERROR_INIT;
		int64_t t0 = time_mono_ns();
		int crc = post(w.c, claim_path, NULL, &status, &a, &ce);
		int64_t t1 = time_mono_ns();
		if (!crc && status == 200 && json_is_object(json_object_get(a, "run"))) {
			timing(&w, "claim %.3f run", (double)(t1 - t0) / 1e6);
			do_run(&w, a);
			timing(&w, "run %.3f %s", (double)(time_mono_ns() - t1) / 1e6,
			       json_string_value(json_object_get(json_object_get(a, "run"), "id")));
			json_decref(a);
			if (cfg->once)
				break;
			continue;
		}
		timing(&w, "claim %.3f %s", (double)(t1 - t0) / 1e6,
		       crc || status != 200 ? "error" : "empty");
		if (crc)
			say(&w, "claiming: %s (retrying)", ce.msg);
		else if (status == 409)
			w.offline = 1;
		else if (status != 200)
			say(&w, "claiming: %s", api_client_error_text(a, status));
		json_decref(a);
		idle(&w, status == 409 ? poll * 4 : poll);
	}
	free(claim_path);
	json_decref(pool);
	rc = RC_OK;
done:
	if (w.hb_running) {
		pthread_mutex_lock(&w.lock);
		w.hb_stop = true;
		pthread_cond_signal(&w.wake);
		pthread_mutex_unlock(&w.lock);
		pthread_join(w.hb, NULL);
	}
	api_client_free(w.c);
	store_close(w.local);
	if (w.timings >= 0)
		close(w.timings);
	for (size_t i = 0; i < w.n_kept; i++)
		free(w.kept[i]);
	free(w.kept);
	free(w.dir);
	pthread_mutex_destroy(&w.lock);
	pthread_cond_destroy(&w.wake);
	return rc;
}
