#include "util/base.h"

#include <signal.h>
#include <sys/wait.h>

#include "engine/outcome.h"
#include "formats/junit_read.h"
#include "formats/tap_read.h"
#include "util/buf.h"
#include "util/time.h"

static void on_tap_point(void *ctx, const struct tap_point *pt);

/* Sub-results wait in o->subs until this many, then go to the sink. */
#define SUB_CHUNK 1000

void outcome_init(struct outcome *o, const struct cat_test *t, int64_t started_at)
{
	memset(o, 0, sizeof(*o));
	o->test = t;
	o->started_at = started_at;
	if (t->protocol == PROTO_TAP) {
		struct tap_callbacks cb = { .point = on_tap_point, .ctx = o };
		o->tap = tap_reader_new(&cb);
	}
}

void outcome_set_sink(struct outcome *o, outcome_sink sink, void *ctx)
{
	o->sink = sink;
	o->sink_ctx = ctx;
}

void outcome_flush(struct outcome *o)
{
	if (!o->sink || !o->n_subs)
		return;
	o->sink(o->sink_ctx, o->subs, o->n_subs);
	memset(o->subs, 0, o->n_subs * sizeof(*o->subs));
	o->n_subs = 0;
}

void outcome_stdout(struct outcome *o, const char *p, size_t n)
{
	if (o->tap)
		tap_feed(o->tap, p, n);
}

/* Adds a sub-result named parent/child; a repeated child name gets " (2)",
 * " (3)", ... so every sub-result keeps its own history. */
static struct result *add_sub(struct outcome *o, const char *child)
{
	struct buf name = BUF_INIT;
	buf_addf(&name, "%s/%s", o->test->name, *child ? child : "(unnamed)");
	nameset_number(&o->names, &name);
	GROW(o->subs, o->cap, o->n_subs + 1);
	struct result *r = &o->subs[o->n_subs++];
	memset(r, 0, sizeof(*r));
	r->test = buf_detach(&name);
	r->parent = xstrdup(o->test->name);
	r->attempt = 1;
	r->exit_code = -1;
	r->started_at = o->started_at;
	return r;
}

/* Counts the sub-result add_sub just made, now that it is filled in, and
 * hands a full chunk to the sink. */
static void sub_done(struct outcome *o)
{
	const struct result *r = &o->subs[o->n_subs - 1];
	o->n_total++;
	o->n_skipped += r->status == RS_SKIPPED;
	if (status_is_negative(r->status)) {
		if (o->n_bad < ARRAY_SIZE(o->bad_names))
			o->bad_names[o->n_bad] = xstrdup(r->test + strlen(o->test->name) + 1);
		o->n_bad++;
	}
	if (o->n_subs >= SUB_CHUNK)
		outcome_flush(o);
}

static void on_tap_point(void *ctx, const struct tap_point *pt)
{
	struct outcome *o = ctx;
	struct buf child = BUF_INIT;
	enum result_status status;
	char *message;
	tap_point_result(pt, &child, &status, &message);
	struct result *r = add_sub(o, child.data);
	buf_release(&child);
	r->status = status;
	r->message = message;
	if (pt->duration_ms > 0)
		r->duration_ms = pt->duration_ms;
	sub_done(o);
}

char *outcome_describe_wstatus(int wstatus)
{
	if (WIFEXITED(wstatus))
		return xasprintf("exit status %d", WEXITSTATUS(wstatus));
	if (WIFSIGNALED(wstatus))
		return xasprintf("killed by signal %d (%s)", WTERMSIG(wstatus),
				 strsignal(WTERMSIG(wstatus)));
	return xasprintf("ended with wait status %d", wstatus);
}

static int exit_code_of(int wstatus)
{
	if (WIFEXITED(wstatus))
		return WEXITSTATUS(wstatus);
	if (WIFSIGNALED(wstatus))
		return 128 + WTERMSIG(wstatus);
	return -1;
}

/* Lists the names of up to five failed sub-results, for the parent's message. */
static void name_failures(const struct outcome *o, struct buf *b)
{
	size_t shown = 0;
	for (; shown < o->n_bad && shown < ARRAY_SIZE(o->bad_names); shown++)
		buf_addf(b, "%s%s", shown ? ", " : ": ", o->bad_names[shown]);
	if (o->n_bad > shown)
		buf_addf(b, ", and %zu more", o->n_bad - shown);
}

static void finish_tap(struct outcome *o, int wstatus, struct result *r, struct buf *msg)
{
	struct tap_summary s;
	tap_finish(o->tap, &s);
	struct buf names = BUF_INIT;
	name_failures(o, &names);
	r->status = tap_stream_result(&s, o->n_bad, o->n_total, names.len ? names.data : "",
				      msg);
	buf_release(&names);
	/* A stream that says all is well still fails if the program did not. */
	if ((r->status == RS_PASSED || r->status == RS_SKIPPED) &&
	    (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)) {
		buf_truncate(msg, 0);
		r->status = RS_FAILED;
		char *d = outcome_describe_wstatus(wstatus);
		buf_addf(msg, "all TAP tests passed but the program ended with %s", d);
		free(d);
	}
	tap_summary_release(&s);
}

static void on_junit_case(void *ctx, const struct junit_case *c)
{
	struct outcome *o = ctx;
	struct buf id = BUF_INIT;
	junit_case_id(c, &id);
	struct result *r = add_sub(o, id.data);
	buf_release(&id);
	r->status = c->status;
	r->duration_ms = c->duration_ms > 0 ? c->duration_ms : 0;
	r->message = junit_message(c->message, c->text);
	r->stdout_text = *c->system_out ? xstrdup(c->system_out) : NULL;
	r->stderr_text = *c->system_err ? xstrdup(c->system_err) : NULL;
	sub_done(o);
}

/* A suite's own log (Ant's and Gradle's class log) is kept under the name
 * its cases' sub-results start with, as `assay import` keeps it. */
static void on_junit_suite_output(void *ctx, const struct junit_suite_output *so)
{
	struct outcome *o = ctx;
	struct buf suite = BUF_INIT;
	junit_suite_id(so->suite, so->root, &suite);
	struct buf name = BUF_INIT;
	buf_adds(&name, o->test->name);
	if (suite.len)
		buf_addf(&name, "/%s", suite.data);
	buf_release(&suite);
	GROW(o->outs, o->cap_outs, o->n_outs + 1);
	o->outs[o->n_outs++] = (struct suite_output){
		.suite = buf_detach(&name),
		.stdout_text = *so->system_out ? xstrdup(so->system_out) : NULL,
		.stderr_text = *so->system_err ? xstrdup(so->system_err) : NULL,
	};
}

static int read_junit(struct outcome *o, const char *path, struct error *e)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return err_set(e, RC_IO, "no JUnit file was written to $ASSAY_JUNIT_FILE (%s)",
			       path);
	struct junit_callbacks cb = { .testcase = on_junit_case,
				      .suite_output = on_junit_suite_output,
				      .ctx = o };
	struct junit_reader *jr = junit_reader_new(&cb);
	char chunk[65536];
	size_t n;
	int rc = RC_OK;
	while (!rc && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		rc = junit_feed(jr, chunk, n, e);
	if (!rc)
		rc = junit_finish(jr, e);
	junit_reader_free(jr);
	fclose(f);
	if (rc)
		err_prefix(e, "JUnit file %s", path);
	return rc;
}

static void finish_junit(struct outcome *o, const struct proc_end *end, struct result *r,
			 struct buf *msg)
{
	struct error e = ERROR_INIT;
	if (read_junit(o, end->junit_path, &e)) {
		r->status = RS_ERROR;
		buf_adds(msg, e.msg);
		return;
	}
	if (o->n_bad) {
		r->status = RS_FAILED;
		buf_addf(msg, "%zu of %zu JUnit test cases failed", o->n_bad, o->n_total);
		name_failures(o, msg);
	} else if (!WIFEXITED(end->wstatus) || WEXITSTATUS(end->wstatus) != 0) {
		r->status = RS_FAILED;
		char *d = outcome_describe_wstatus(end->wstatus);
		buf_addf(msg, "all JUnit test cases passed but the program ended with %s", d);
		free(d);
	} else if (o->n_total && o->n_skipped == o->n_total) {
		r->status = RS_SKIPPED;
		buf_adds(msg, "every JUnit test case was skipped");
	} else {
		r->status = RS_PASSED;
	}
}

/* For a TAP test stopped before its end: ends the stream where it was cut,
 * so the points read so far are kept (the last one too, which the reader
 * holds back for a YAML block), and says how many of them failed. */
static void note_points_so_far(struct outcome *o, struct buf *msg)
{
	if (!o->tap)
		return;
	struct tap_summary s;
	tap_finish(o->tap, &s);
	tap_summary_release(&s);
	if (!o->n_bad)
		return;
	buf_addf(msg, "; %zu of %zu TAP tests so far failed", o->n_bad, o->n_total);
	name_failures(o, msg);
}

void outcome_finish(struct outcome *o, const struct proc_end *end, struct result *r)
{
	struct buf msg = BUF_INIT;
	r->exit_code = end->spawned ? exit_code_of(end->wstatus) : -1;
	if (!end->spawned) {
		r->status = RS_ERROR;
		buf_adds(&msg, end->spawn_error ? end->spawn_error : "could not start");
	} else if (end->cancelled) {
		r->status = RS_UNTESTED;
		buf_adds(&msg, "interrupted: the run was cancelled");
		note_points_so_far(o, &msg);
	} else if (end->timed_out) {
		char t[32];
		time_human(end->timeout_ms, t, sizeof(t));
		r->status = RS_ERROR;
		buf_addf(&msg, "timed out after %s", t);
		note_points_so_far(o, &msg);
	} else if (o->test->protocol == PROTO_TAP) {
		finish_tap(o, end->wstatus, r, &msg);
	} else if (o->test->protocol == PROTO_JUNIT) {
		finish_junit(o, end, r, &msg);
	} else if (WIFEXITED(end->wstatus) && WEXITSTATUS(end->wstatus) == 0) {
		r->status = RS_PASSED;
	} else if (WIFEXITED(end->wstatus) && WEXITSTATUS(end->wstatus) == 77) {
		r->status = RS_SKIPPED;
		buf_adds(&msg, "skipped (exit status 77)");
	} else {
		r->status = RS_FAILED;
		char *d = outcome_describe_wstatus(end->wstatus);
		buf_adds(&msg, d);
		free(d);
	}
	free(r->message);
	r->message = msg.len ? buf_detach(&msg) : NULL;
	buf_release(&msg);
}

void outcome_release(struct outcome *o)
{
	if (o->tap)
		tap_reader_free(o->tap);
	for (size_t i = 0; i < o->n_subs; i++)
		result_release(&o->subs[i]);
	free(o->subs);
	for (size_t i = 0; i < ARRAY_SIZE(o->bad_names); i++)
		free(o->bad_names[i]);
	suite_outputs_free(o->outs, o->n_outs);
	nameset_release(&o->names);
	memset(o, 0, sizeof(*o));
}
