#include "util/base.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "engine/exec.h"
#include "engine/outcome.h"
#include "engine/spawn.h"
#include "util/buf.h"
#include "util/capture.h"
#include "util/strlist.h"
#include "util/time.h"

extern char **environ;

enum res_st { R_NONE, R_SETTING_UP, R_READY, R_FAILED, R_CLEANING, R_DONE };

struct res_state {
	enum res_st st;
	size_t remaining;      /* users not yet done */
	struct kvlist ctx;     /* what the set-up wrote to $ASSAY_CONTEXT_OUT */
	char *fail_msg;        /* why the set-up failed */
	size_t *waiting;       /* items parked until the set-up ends */
	size_t n_waiting, cap_waiting;
};

enum item_st { I_WAITING, I_READY, I_RUNNING, I_DONE };

struct item_state {
	enum item_st st;
	size_t pending;        /* prerequisites not yet done */
	char *block_msg;       /* set when a prerequisite had the wrong outcome */
};

enum proc_kind { P_TEST, P_SETUP, P_CLEANUP };

struct exec;

/* One running child: a test, a resource set-up or a clean-up. */
struct proc {
	struct exec *ex;
	enum proc_kind kind;
	size_t idx;            /* plan item or plan resource index */
	pid_t pid;
	int pidfd, outfd, errfd;
	uv_poll_t pid_poll, out_poll, err_poll;
	uv_timer_t timer;      /* the timeout */
	uv_timer_t later;      /* starts polling the pipes (PIPE_POLL_MS) */
	bool polling_pipes;    /* out_poll and err_poll are initialised */
	int open_handles;
	bool timed_out, cancelled, finished;
	int64_t timeout_ms;
	int64_t start_ns, started_at;
	struct capture out, err;
	struct outcome oc;
	char *aux_path;        /* JUnit file or context-out file */
	struct proc *next, *prev;
};

struct exec {
	uv_loop_t loop;
	struct plan *p;
	const struct exec_opts *o;
	const struct exec_events *ev;
	struct item_state *items;
	struct res_state *res;
	size_t *heap;          /* ready items, highest priority first */
	size_t n_heap;
	int running_tests;
	size_t done, ran;
	struct proc *procs;    /* live processes */
	bool cancelling, killed, closing;
	uv_signal_t sigint, sigterm;
	uv_timer_t tick;
	bool have_signals, have_tick;
	char **base_env;       /* pointers into environ, ASSAY_* filtered out */
	int devnull;
	char tmpdir[4096];
};

/* ---- the ready heap: priority descending, then plan order ---- */

static bool before(const struct exec *ex, size_t a, size_t b)
{
	int64_t pa = ex->p->items[a].priority, pb = ex->p->items[b].priority;
	return pa != pb ? pa > pb : a < b;
}

static void heap_push(struct exec *ex, size_t item)
{
	size_t i = ex->n_heap++;
	ex->heap[i] = item;
	while (i > 0 && before(ex, ex->heap[i], ex->heap[(i - 1) / 2])) {
		size_t parent = (i - 1) / 2, t = ex->heap[i];
		ex->heap[i] = ex->heap[parent];
		ex->heap[parent] = t;
		i = parent;
	}
	ex->items[item].st = I_READY;
}

static size_t heap_pop(struct exec *ex)
{
	size_t top = ex->heap[0], i = 0;
	ex->heap[0] = ex->heap[--ex->n_heap];
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < ex->n_heap && before(ex, ex->heap[l], ex->heap[m]))
			m = l;
		if (r < ex->n_heap && before(ex, ex->heap[r], ex->heap[m]))
			m = r;
		if (m == i)
			break;
		size_t t = ex->heap[i];
		ex->heap[i] = ex->heap[m];
		ex->heap[m] = t;
		i = m;
	}
	return top;
}

/* ---- environment ---- */

static void filter_environ(struct exec *ex)
{
	size_t n = 0;
	for (char **v = environ; v && *v; v++)
		n++;
	ex->base_env = xmalloc((n + 1) * sizeof(char *));
	size_t k = 0;
	for (char **v = environ; v && *v; v++) {
		/* An outer assay's variables must not leak into this run's tests. */
		if (!strncmp(*v, "ASSAY_CTX_", 10) || !strncmp(*v, "ASSAY_RUN_ID=", 13) ||
		    !strncmp(*v, "ASSAY_TEST=", 11) || !strncmp(*v, "ASSAY_JUNIT_FILE=", 17) ||
		    !strncmp(*v, "ASSAY_CONTEXT_OUT=", 18))
			continue;
		ex->base_env[k++] = *v;
	}
	ex->base_env[k] = NULL;
}

static void set_ctx(struct kvlist *vars, const struct kvlist *ctx)
{
	for (size_t i = 0; ctx && i < ctx->n; i++) {
		char *k = xasprintf("ASSAY_CTX_%s", ctx->items[i].key);
		kv_set(vars, k, ctx->items[i].value);
		free(k);
	}
}

/* The environment of one child: the filtered environ with `vars` set. */
static char **make_env(const struct exec *ex, const struct kvlist *vars)
{
	struct strlist l = STRLIST_INIT;
	for (size_t i = 0; i < vars->n; i++)
		strlist_addf(&l, "%s=%s", vars->items[i].key, vars->items[i].value);
	for (char **v = ex->base_env; *v; v++) {
		const char *eq = strchr(*v, '=');
		size_t klen = eq ? (size_t)(eq - *v) : strlen(*v);
		bool overridden = false;
		for (size_t i = 0; i < vars->n && !overridden; i++)
			overridden = strlen(vars->items[i].key) == klen &&
				     !memcmp(vars->items[i].key, *v, klen);
		if (!overridden)
			strlist_add(&l, *v);
	}
	return strlist_detach(&l);
}

/* ---- processes ---- */

static void on_proc_exit(uv_poll_t *h, int status, int events);
static void on_timer(uv_timer_t *t);
static void pump(struct exec *ex);
static void check_done(struct exec *ex);
static void item_done(struct exec *ex, size_t i, enum result_status st);

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static void proc_unlink(struct exec *ex, struct proc *pr)
{
	if (pr->prev)
		pr->prev->next = pr->next;
	else
		ex->procs = pr->next;
	if (pr->next)
		pr->next->prev = pr->prev;
}

static void on_handle_closed(uv_handle_t *h)
{
	struct proc *pr = h->data;
	if (--pr->open_handles > 0)
		return;
	close(pr->pidfd);
	close(pr->outfd);
	close(pr->errfd);
	capture_release(&pr->out);
	capture_release(&pr->err);
	outcome_release(&pr->oc);
	free(pr->aux_path);
	free(pr);
}

/* A child's pipes are polled only once it has run for PIPE_POLL_MS: most
 * tests end sooner, and what they wrote waits in the pipes (64 KiB each)
 * to be read at their exit. Polling from the start cost each test five
 * epoll_ctl and an ioctl per pipe (libuv probes an fd with an add and a
 * delete before adding it, and deletes it twice), a third of what a trivial
 * test cost the runner beyond spawning it (bench/run.sh). The price: a test that
 * fills a pipe sooner waits for the reading to start, 1-3 ms (libuv's
 * timers count whole milliseconds). */
#define PIPE_POLL_MS 2

static void on_pipe(uv_poll_t *h, int status, int events);

static void on_later(uv_timer_t *t)
{
	struct proc *pr = t->data;
	struct exec *ex = pr->ex;
	uv_poll_init(&ex->loop, &pr->out_poll, pr->outfd);
	uv_poll_init(&ex->loop, &pr->err_poll, pr->errfd);
	pr->out_poll.data = pr->err_poll.data = pr;
	pr->open_handles += 2;
	pr->polling_pipes = true;
	uv_poll_start(&pr->out_poll, UV_READABLE, on_pipe);
	uv_poll_start(&pr->err_poll, UV_READABLE, on_pipe);
}

/* Starts a child with its stdout/stderr on pipes polled by the loop. On
 * failure returns NULL and puts the reason in `e`. */
static struct proc *proc_start(struct exec *ex, enum proc_kind kind, size_t idx,
			       const struct cat_command *cmd, const char *workdir,
			       const struct kvlist *vars, int64_t timeout_ms, struct error *e)
{
	int out[2], err[2];
	if (pipe2(out, O_CLOEXEC | O_NONBLOCK)) {
		err_set(e, RC_SPAWN, "pipe: %s", strerror(errno));
		return NULL;
	}
	if (pipe2(err, O_CLOEXEC | O_NONBLOCK)) {
		err_set(e, RC_SPAWN, "pipe: %s", strerror(errno));
		close(out[0]);
		close(out[1]);
		return NULL;
	}
	/* The child's ends must block: many programs misbehave on a
	 * non-blocking stdout. */
	fcntl(out[1], F_SETFL, 0);
	fcntl(err[1], F_SETFL, 0);
	char **envp = make_env(ex, vars);
	struct spawn_req req = { cmd->argv, envp, workdir, ex->devnull, out[1], err[1] };
	pid_t pid;
	int64_t t0 = time_mono_ns();
	int rc = spawn_start(&req, &pid, e);
	strv_free(envp);
	close(out[1]);
	close(err[1]);
	int pidfd = rc ? -1 : pidfd_open_(pid);
	if (!rc && pidfd < 0) {
		err_set(e, RC_SPAWN, "pidfd_open: %s", strerror(errno));
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		rc = RC_SPAWN;
	}
	if (rc) {
		close(out[0]);
		close(err[0]);
		return NULL;
	}
	struct proc *pr = xcalloc(1, sizeof(*pr));
	pr->ex = ex;
	pr->kind = kind;
	pr->idx = idx;
	pr->pid = pid;
	pr->pidfd = pidfd;
	pr->outfd = out[0];
	pr->errfd = err[0];
	pr->start_ns = t0;
	pr->started_at = time_now_ms();
	pr->timeout_ms = timeout_ms;
	capture_init(&pr->out, ex->o->output_limit);
	capture_init(&pr->err, ex->o->output_limit);
	uv_poll_init(&ex->loop, &pr->pid_poll, pidfd);
	uv_timer_init(&ex->loop, &pr->timer);
	uv_timer_init(&ex->loop, &pr->later);
	pr->pid_poll.data = pr->timer.data = pr->later.data = pr;
	pr->open_handles = 3;
	uv_poll_start(&pr->pid_poll, UV_READABLE, on_proc_exit);
	uv_timer_start(&pr->later, on_later, PIPE_POLL_MS, 0);
	if (timeout_ms > 0)
		uv_timer_start(&pr->timer, on_timer, (uint64_t)timeout_ms, 0);
	pr->next = ex->procs;
	if (ex->procs)
		ex->procs->prev = pr;
	ex->procs = pr;
	return pr;
}

/* Reads what a pipe holds now, without blocking. Returns false at EOF. */
static bool drain(struct proc *pr, int fd)
{
	char chunk[65536];
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n > 0) {
			if (fd == pr->outfd) {
				capture_add(&pr->out, chunk, (size_t)n);
				if (pr->kind == P_TEST)
					outcome_stdout(&pr->oc, chunk, (size_t)n);
			} else {
				capture_add(&pr->err, chunk, (size_t)n);
			}
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0; /* EAGAIN: more may come; 0: EOF */
	}
}

static void on_pipe(uv_poll_t *h, int status, int events)
{
	struct proc *pr = h->data;
	int fd = h == &pr->out_poll ? pr->outfd : pr->errfd;
	if (status < 0 || !drain(pr, fd))
		uv_poll_stop(h);
}

static void signal_group(struct proc *pr, int sig)
{
	if (!pr->finished)
		kill(-pr->pid, sig);
}

/* The child ended and its end waits to be read: the loop was held up
 * elsewhere (a slow store) while its timeout came due. When it ended is
 * not known, so it is given the benefit of the doubt: not timed out (its
 * duration, measured when the loop reads its end, shows how long). */
static bool has_ended(const struct proc *pr)
{
	struct pollfd p = { .fd = pr->pidfd, .events = POLLIN };
	return poll(&p, 1, 0) == 1;
}

static void on_timer(uv_timer_t *t)
{
	struct proc *pr = t->data;
	if (!pr->timed_out && !pr->cancelled) {
		/* A test found ended is not timed out, however late the loop
		 * comes to its timer (see has_ended). */
		if (has_ended(pr))
			return;
		pr->timed_out = true;
		signal_group(pr, SIGTERM);
	} else {
		signal_group(pr, SIGKILL);
		return;
	}
	uv_timer_start(&pr->timer, on_timer, (uint64_t)pr->ex->o->grace_ms, 0);
}

static void proc_close(struct proc *pr)
{
	proc_unlink(pr->ex, pr);
	uv_close((uv_handle_t *)&pr->pid_poll, on_handle_closed);
	if (pr->polling_pipes) {
		uv_close((uv_handle_t *)&pr->out_poll, on_handle_closed);
		uv_close((uv_handle_t *)&pr->err_poll, on_handle_closed);
	}
	uv_close((uv_handle_t *)&pr->timer, on_handle_closed);
	uv_close((uv_handle_t *)&pr->later, on_handle_closed);
}

/* outcome's sink: a running test's sub-results, as they are read. */
static void on_sub_results(void *ctx, struct result *subs, size_t n)
{
	struct proc *pr = ctx;
	struct exec *ex = pr->ex;
	ex->ev->sub_results(ex->ev->ctx, &ex->p->items[pr->idx], subs, n);
}

static void test_finished(struct exec *ex, struct proc *pr, int wstatus);
static void setup_finished(struct exec *ex, struct proc *pr, int wstatus);
static void cleanup_finished(struct exec *ex, struct proc *pr, int wstatus);

static void on_proc_exit(uv_poll_t *h, int status, int events)
{
	struct proc *pr = h->data;
	struct exec *ex = pr->ex;
	int wstatus = 0;
	/* Kill what is left of a test's process group while the zombie leader
	 * still holds the group id, so it cannot name anyone else. Resources
	 * are spared: a set-up may start a daemon the tests need. */
	if (pr->kind == P_TEST)
		kill(-pr->pid, SIGKILL);
	if (waitpid(pr->pid, &wstatus, WNOHANG) == 0)
		return; /* spurious */
	pr->finished = true;
	/* Refill the slot before anything else: spawning is the critical path,
	 * and recording this result can overlap the next test's start-up. */
	if (pr->kind == P_TEST) {
		ex->running_tests--;
		pump(ex);
	}
	drain(pr, pr->outfd);
	drain(pr, pr->errfd);
	uv_timer_stop(&pr->timer);
	uv_timer_stop(&pr->later);
	if (pr->kind == P_TEST)
		test_finished(ex, pr, wstatus);
	else if (pr->kind == P_SETUP)
		setup_finished(ex, pr, wstatus);
	else
		cleanup_finished(ex, pr, wstatus);
	proc_close(pr);
	pump(ex);
	check_done(ex);
}

/* ---- tests ---- */

static void deliver(struct exec *ex, size_t i, struct result *r, struct result *subs,
		    size_t n_subs)
{
	enum result_status st = r->status;
	ex->done++;
	if (ex->ev->result)
		ex->ev->result(ex->ev->ctx, &ex->p->items[i], r, subs, n_subs);
	else
		result_release(r);
	item_done(ex, i, st);
}

/* Reports a test that does not run (blocked or untested) with `message`. */
static void complete_unrun(struct exec *ex, size_t i, enum result_status st, const char *message)
{
	struct result r = { 0 };
	r.test = xstrdup(ex->p->items[i].test->name);
	r.status = st;
	r.message = xstrdup(message);
	r.attempt = 1;
	r.exit_code = -1;
	r.started_at = r.completed_at = time_now_ms();
	ex->items[i].st = I_DONE;
	deliver(ex, i, &r, NULL, 0);
}

static void test_finished(struct exec *ex, struct proc *pr, int wstatus)
{
	size_t i = pr->idx;
	const struct cat_test *t = ex->p->items[i].test;
	struct result r = { 0 };
	r.test = xstrdup(t->name);
	r.attempt = 1;
	r.started_at = pr->started_at;
	r.completed_at = time_now_ms();
	r.duration_ms = (time_mono_ns() - pr->start_ns) / 1000000;
	struct proc_end end = { true, NULL, wstatus, pr->timed_out, pr->timeout_ms,
				pr->cancelled, pr->aux_path };
	outcome_finish(&pr->oc, &end, &r);
	r.stdout_text = capture_text(&pr->out, &r.stdout_dropped);
	r.stderr_text = capture_text(&pr->err, &r.stderr_dropped);
	if (pr->aux_path)
		unlink(pr->aux_path);
	ex->items[i].st = I_DONE;
	outcome_flush(&pr->oc);
	if (pr->oc.n_outs && ex->ev->suite_outputs) {
		ex->ev->suite_outputs(ex->ev->ctx, &ex->p->items[i], pr->oc.outs, pr->oc.n_outs);
		memset(pr->oc.outs, 0, pr->oc.n_outs * sizeof(*pr->oc.outs));
	}
	deliver(ex, i, &r, pr->oc.subs, pr->oc.n_subs);
	/* The callee took the strings; forget them so release is a no-op. */
	for (size_t k = 0; k < pr->oc.n_subs; k++)
		memset(&pr->oc.subs[k], 0, sizeof(pr->oc.subs[k]));
	pr->oc.n_subs = 0;
}

static int64_t timeout_of(const struct exec *ex, int64_t own)
{
	return own > 0 ? own : ex->o->default_timeout_ms;
}

static void start_test(struct exec *ex, size_t i)
{
	const struct plan_item *it = &ex->p->items[i];
	const struct cat_test *t = it->test;
	struct kvlist vars = KVLIST_INIT;
	kv_set(&vars, "ASSAY_RUN_ID", ex->o->run_id);
	kv_set(&vars, "ASSAY_TEST", t->name);
	set_ctx(&vars, ex->o->context);
	for (size_t k = 0; k < it->n_resources; k++)
		set_ctx(&vars, &ex->res[it->resources[k]].ctx);
	char *junit = NULL;
	if (t->protocol == PROTO_JUNIT) {
		junit = xasprintf("%s/%zu.xml", ex->tmpdir, i);
		kv_set(&vars, "ASSAY_JUNIT_FILE", junit);
	}
	kv_copy(&vars, &t->env);
	struct error e = ERROR_INIT;
	int64_t timeout = timeout_of(ex, t->timeout_ms);
	struct proc *pr = proc_start(ex, P_TEST, i, &t->command, t->workdir, &vars, timeout, &e);
	kv_release(&vars);
	ex->ran++;
	if (!pr) {
		free(junit);
		struct result r = { 0 };
		r.test = xstrdup(t->name);
		r.attempt = 1;
		r.started_at = r.completed_at = time_now_ms();
		struct proc_end end = { false, e.msg, 0, false, 0, false, NULL };
		struct outcome oc;
		outcome_init(&oc, t, r.started_at);
		outcome_finish(&oc, &end, &r);
		outcome_release(&oc);
		ex->items[i].st = I_DONE;
		deliver(ex, i, &r, NULL, 0);
		return;
	}
	pr->aux_path = junit;
	outcome_init(&pr->oc, t, pr->started_at);
	if (ex->ev->sub_results)
		outcome_set_sink(&pr->oc, on_sub_results, pr);
	ex->items[i].st = I_RUNNING;
	ex->running_tests++;
	if (ex->ev->started)
		ex->ev->started(ex->ev->ctx, it);
}

/* ---- resources ---- */

static void report_resource(struct exec *ex, size_t r, enum exec_resource_phase ph, bool ok,
			    const char *msg)
{
	if (ex->ev->resource)
		ex->ev->resource(ex->ev->ctx, ex->p->resources[r].res->name, ph, ok, msg);
}

static void resource_vars(struct exec *ex, size_t r, struct kvlist *vars)
{
	kv_set(vars, "ASSAY_RUN_ID", ex->o->run_id);
	set_ctx(vars, ex->o->context);
	set_ctx(vars, &ex->res[r].ctx);
	kv_copy(vars, &ex->p->resources[r].res->env);
}

static void start_cleanup(struct exec *ex, size_t r)
{
	const struct cat_resource *res = ex->p->resources[r].res;
	struct res_state *rs = &ex->res[r];
	if (ex->killed || !res->cleanup.argv) {
		rs->st = R_DONE;
		return;
	}
	struct kvlist vars = KVLIST_INIT;
	resource_vars(ex, r, &vars);
	struct error e = ERROR_INIT;
	struct proc *pr = proc_start(ex, P_CLEANUP, r, &res->cleanup, res->workdir, &vars,
				     timeout_of(ex, res->timeout_ms), &e);
	kv_release(&vars);
	if (!pr) {
		rs->st = R_DONE;
		report_resource(ex, r, EXEC_CLEANUP, false, e.msg);
		return;
	}
	rs->st = R_CLEANING;
}

/* Runs the clean-up once the resource's last user is done, if its set-up
 * was attempted (a set-up that never started leaves nothing to clean). */
static void maybe_cleanup(struct exec *ex, size_t r)
{
	struct res_state *rs = &ex->res[r];
	if (rs->remaining)
		return;
	if (rs->st == R_READY || rs->st == R_FAILED)
		start_cleanup(ex, r);
	else if (rs->st == R_NONE)
		rs->st = R_DONE;
}

/* Reads KEY=VALUE lines a set-up wrote; a bad line fails the set-up. */
static int read_context_out(const char *path, struct kvlist *ctx, struct error *e)
{
	struct stat st;
	if (stat(path, &st) == 0 && st.st_size == 0)
		return RC_OK;
	int rc = kv_load_file(ctx, path, e);
	if (rc == RC_IO && errno == ENOENT)
		return RC_OK;
	return rc;
}

/* The message a failed set-up/clean-up leaves: how it ended and its stderr tail. */
static char *failure_text(struct proc *pr, const char *what, int wstatus)
{
	struct buf b = BUF_INIT;
	if (pr->timed_out) {
		char t[32];
		time_human(pr->timeout_ms, t, sizeof(t));
		buf_addf(&b, "%s timed out after %s", what, t);
	} else if (pr->cancelled) {
		buf_addf(&b, "%s interrupted: the run was cancelled", what);
	} else {
		char *d = outcome_describe_wstatus(wstatus);
		buf_addf(&b, "%s failed: %s", what, d);
		free(d);
	}
	char *err = capture_text(&pr->err, NULL);
	size_t n = strlen(err);
	while (n && (err[n - 1] == '\n' || err[n - 1] == ' '))
		err[--n] = '\0';
	if (n) {
		const char *tail = n > 400 ? err + n - 400 : err;
		buf_addf(&b, ": %s", tail);
	}
	free(err);
	return buf_detach(&b);
}

static void wake_waiting(struct exec *ex, size_t r)
{
	struct res_state *rs = &ex->res[r];
	for (size_t k = 0; k < rs->n_waiting; k++)
		if (ex->items[rs->waiting[k]].st == I_WAITING)
			heap_push(ex, rs->waiting[k]);
	rs->n_waiting = 0;
}

static void setup_finished(struct exec *ex, struct proc *pr, int wstatus)
{
	size_t r = pr->idx;
	struct res_state *rs = &ex->res[r];
	const char *name = ex->p->resources[r].res->name;
	struct error e = ERROR_INIT;
	bool ok = !pr->timed_out && !pr->cancelled && WIFEXITED(wstatus) &&
		  WEXITSTATUS(wstatus) == 0;
	if (ok && read_context_out(pr->aux_path, &rs->ctx, &e)) {
		ok = false;
		rs->fail_msg = xasprintf("resource '%s' set-up wrote a bad context line: %s",
					 name, e.msg);
	} else if (!ok) {
		char *what = xasprintf("resource '%s' set-up", name);
		rs->fail_msg = failure_text(pr, what, wstatus);
		free(what);
	}
	unlink(pr->aux_path);
	rs->st = ok ? R_READY : R_FAILED;
	report_resource(ex, r, EXEC_SETUP, ok, rs->fail_msg);
	wake_waiting(ex, r);
	maybe_cleanup(ex, r);
}

static void cleanup_finished(struct exec *ex, struct proc *pr, int wstatus)
{
	size_t r = pr->idx;
	ex->res[r].st = R_DONE;
	bool ok = !pr->timed_out && WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0;
	char *msg = NULL;
	if (!ok) {
		char *what = xasprintf("resource '%s' clean-up", ex->p->resources[r].res->name);
		msg = failure_text(pr, what, wstatus);
		free(what);
	}
	report_resource(ex, r, EXEC_CLEANUP, ok, msg);
	free(msg);
}

static void start_setup(struct exec *ex, size_t r)
{
	const struct cat_resource *res = ex->p->resources[r].res;
	struct res_state *rs = &ex->res[r];
	if (!res->setup.argv) {
		rs->st = R_READY;
		return;
	}
	char *ctx_out = xasprintf("%s/resource-%zu.ctx", ex->tmpdir, r);
	int fd = open(ctx_out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	struct kvlist vars = KVLIST_INIT;
	resource_vars(ex, r, &vars);
	kv_set(&vars, "ASSAY_CONTEXT_OUT", ctx_out);
	struct error e = ERROR_INIT;
	struct proc *pr = proc_start(ex, P_SETUP, r, &res->setup, res->workdir, &vars,
				     timeout_of(ex, res->timeout_ms), &e);
	kv_release(&vars);
	if (!pr) {
		unlink(ctx_out);
		free(ctx_out);
		rs->st = R_FAILED;
		rs->fail_msg = xasprintf("resource '%s' set-up: %s", res->name, e.msg);
		report_resource(ex, r, EXEC_SETUP, false, rs->fail_msg);
		return;
	}
	pr->aux_path = ctx_out;
	rs->st = R_SETTING_UP;
}

/* ---- scheduling ---- */

/* Starts item i if its resources allow: set-ups are started as needed and
 * the item parks until they end; a failed set-up blocks it. */
static void try_start(struct exec *ex, size_t i)
{
	const struct plan_item *it = &ex->p->items[i];
	for (size_t k = 0; k < it->n_resources; k++) {
		size_t r = it->resources[k];
		if (ex->res[r].st == R_NONE)
			start_setup(ex, r);
	}
	for (size_t k = 0; k < it->n_resources; k++) {
		struct res_state *rs = &ex->res[it->resources[k]];
		if (rs->st == R_FAILED) {
			complete_unrun(ex, i, RS_BLOCKED, rs->fail_msg);
			return;
		}
		if (rs->st == R_SETTING_UP) {
			ex->items[i].st = I_WAITING;
			GROW(rs->waiting, rs->cap_waiting, rs->n_waiting + 1);
			rs->waiting[rs->n_waiting++] = i;
			return;
		}
	}
	start_test(ex, i);
}

static void pump(struct exec *ex)
{
	while (!ex->cancelling && ex->running_tests < ex->o->jobs && ex->n_heap)
		try_start(ex, heap_pop(ex));
}

/* Item i ended with status st: release its dependents (blocking those that
 * expected another outcome) and count it off its resources. */
static void item_done(struct exec *ex, size_t i, enum result_status st)
{
	const struct plan_item *it = &ex->p->items[i];
	if (!ex->cancelling) {
		for (size_t k = 0; k < it->n_dependents; k++) {
			size_t d = it->dependents[k];
			const struct plan_item *dit = &ex->p->items[d];
			struct item_state *ds = &ex->items[d];
			for (size_t j = 0; j < dit->n_deps; j++) {
				if (dit->deps[j] != i || dit->expect[j] == st || ds->block_msg)
					continue;
				ds->block_msg = xasprintf(
					"prerequisite '%s' was %s, expected %s", it->test->name,
					status_name(st), status_name(dit->expect[j]));
			}
			if (--ds->pending == 0 && ds->st == I_WAITING) {
				if (ds->block_msg)
					complete_unrun(ex, d, RS_BLOCKED, ds->block_msg);
				else
					heap_push(ex, d);
			}
		}
	}
	for (size_t k = 0; k < it->n_resources; k++) {
		size_t r = it->resources[k];
		ex->res[r].remaining--;
		maybe_cleanup(ex, r);
	}
}

/* ---- cancellation and the end ---- */

static void cancel(struct exec *ex, bool hard)
{
	if (hard) {
		ex->killed = true;
		if (ex->ev->cancelling)
			ex->ev->cancelling(ex->ev->ctx, true);
		for (struct proc *pr = ex->procs; pr; pr = pr->next) {
			pr->cancelled = true;
			signal_group(pr, SIGKILL);
		}
		return;
	}
	if (ex->cancelling)
		return;
	ex->cancelling = true;
	if (ex->ev->cancelling)
		ex->ev->cancelling(ex->ev->ctx, false);
	for (struct proc *pr = ex->procs; pr; pr = pr->next) {
		if (pr->kind == P_CLEANUP)
			continue; /* clean-ups are allowed to finish */
		pr->cancelled = true;
		signal_group(pr, SIGTERM);
		uv_timer_start(&pr->timer, on_timer, (uint64_t)ex->o->grace_ms, 0);
	}
	ex->n_heap = 0;
	for (size_t i = 0; i < ex->p->n; i++)
		if (ex->items[i].st == I_WAITING || ex->items[i].st == I_READY)
			complete_unrun(ex, i, RS_UNTESTED, "not run: the run was cancelled");
	check_done(ex);
}

static void on_signal(uv_signal_t *h, int signum)
{
	struct exec *ex = h->data;
	cancel(ex, ex->cancelling);
}

static void on_tick(uv_timer_t *t)
{
	struct exec *ex = t->data;
	if (ex->o->cancel && *ex->o->cancel && !ex->cancelling)
		cancel(ex, false);
	if (ex->ev->tick)
		ex->ev->tick(ex->ev->ctx);
}

/* Closes the loop's own handles once every test is done and no process
 * is left, so uv_run returns. */
static void check_done(struct exec *ex)
{
	if (ex->closing || ex->done < ex->p->n || ex->procs)
		return;
	ex->closing = true;
	if (ex->have_signals) {
		uv_close((uv_handle_t *)&ex->sigint, NULL);
		uv_close((uv_handle_t *)&ex->sigterm, NULL);
	}
	if (ex->have_tick)
		uv_close((uv_handle_t *)&ex->tick, NULL);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)remove(path); /* best effort: a leftover file is not worth failing the run */
	return 0;
}

/* Removes the run's temporary folder; only assay's own files should be in it,
 * but whatever a test left there goes too, so no folder accumulates. */
static void remove_tmpdir(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int exec_run(struct plan *p, const struct exec_opts *o, const struct exec_events *ev,
	     struct exec_summary *sum, struct error *e)
{
	struct exec *ex = xcalloc(1, sizeof(*ex));
	ex->p = p;
	ex->o = o;
	ex->ev = ev;
	ex->items = xcalloc(p->n ? p->n : 1, sizeof(*ex->items));
	ex->res = xcalloc(p->n_resources ? p->n_resources : 1, sizeof(*ex->res));
	ex->heap = xmalloc((p->n ? p->n : 1) * sizeof(size_t));
	ex->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	const char *tmp = getenv("TMPDIR");
	snprintf(ex->tmpdir, sizeof(ex->tmpdir), "%s/assay-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int rc = RC_OK;
	if (ex->devnull < 0 || !mkdtemp(ex->tmpdir)) {
		rc = err_set(e, RC_IO, "cannot make a temporary folder %s: %s", ex->tmpdir,
			     strerror(errno));
		goto out;
	}
	filter_environ(ex);
	uv_loop_init(&ex->loop);
	if (o->handle_signals) {
		uv_signal_init(&ex->loop, &ex->sigint);
		uv_signal_init(&ex->loop, &ex->sigterm);
		ex->sigint.data = ex->sigterm.data = ex;
		uv_signal_start(&ex->sigint, on_signal, SIGINT);
		uv_signal_start(&ex->sigterm, on_signal, SIGTERM);
		ex->have_signals = true;
	}
	if (o->tick_ms > 0) {
		uv_timer_init(&ex->loop, &ex->tick);
		ex->tick.data = ex;
		uv_timer_start(&ex->tick, on_tick, (uint64_t)o->tick_ms, (uint64_t)o->tick_ms);
		ex->have_tick = true;
	}
	for (size_t r = 0; r < p->n_resources; r++)
		ex->res[r].remaining = p->resources[r].n_users;
	for (size_t i = 0; i < p->n; i++) {
		ex->items[i].pending = p->items[i].n_deps;
		if (!ex->items[i].pending)
			heap_push(ex, i);
	}
	pump(ex);
	check_done(ex);
	uv_run(&ex->loop, UV_RUN_DEFAULT);
	uv_loop_close(&ex->loop);
	sum->cancelled = ex->cancelling;
	sum->killed = ex->killed;
	sum->ran = ex->ran;
	sum->done = ex->done;
	remove_tmpdir(ex->tmpdir);
out:
	for (size_t r = 0; r < p->n_resources; r++) {
		kv_release(&ex->res[r].ctx);
		free(ex->res[r].fail_msg);
		free(ex->res[r].waiting);
	}
	for (size_t i = 0; i < p->n; i++)
		free(ex->items[i].block_msg);
	if (ex->devnull >= 0)
		close(ex->devnull);
	free(ex->base_env);
	free(ex->items);
	free(ex->res);
	free(ex->heap);
	free(ex);
	return rc;
}
