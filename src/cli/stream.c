/* stream — see stream.h. Each callback passes on to the wrapped progress,
 * and begin, result, sub_results and suite_outputs also feed the reporter. */
#include "util/base.h"

#include "cli/stream.h"

static void on_begin(void *ctx, const struct run *r, const struct plan *p, int64_t expected)
{
	struct stream *s = ctx;
	if (s->inner.begin)
		s->inner.begin(s->inner.ctx, r, p, expected);
	struct error e = ERROR_INIT;
	if (reporter_start(s->server, s->token, r, &s->rp, &e))
		fprintf(stderr, "assay: warning: %s; the run is recorded here only\n", e.msg);
}

static void on_started(void *ctx, const char *test)
{
	struct stream *s = ctx;
	if (s->inner.started)
		s->inner.started(s->inner.ctx, test);
}

static void on_result(void *ctx, const struct result *r, const struct result *subs, size_t n)
{
	struct stream *s = ctx;
	if (s->inner.result)
		s->inner.result(s->inner.ctx, r, subs, n);
	if (s->rp)
		reporter_add(s->rp, r, subs, n);
}

static void on_sub_results(void *ctx, const struct result *subs, size_t n)
{
	struct stream *s = ctx;
	if (s->inner.sub_results)
		s->inner.sub_results(s->inner.ctx, subs, n);
	if (s->rp)
		reporter_add(s->rp, NULL, subs, n);
}

static void on_suite_outputs(void *ctx, const struct suite_output *o, size_t n)
{
	struct stream *s = ctx;
	if (s->inner.suite_outputs)
		s->inner.suite_outputs(s->inner.ctx, o, n);
	if (s->rp)
		reporter_add_outputs(s->rp, o, n);
}

static void on_resource(void *ctx, const char *name, enum exec_resource_phase phase, bool ok,
			const char *message)
{
	struct stream *s = ctx;
	if (s->inner.resource)
		s->inner.resource(s->inner.ctx, name, phase, ok, message);
}

static void on_cancelling(void *ctx, bool hard)
{
	struct stream *s = ctx;
	if (s->inner.cancelling)
		s->inner.cancelling(s->inner.ctx, hard);
}

static void on_tick(void *ctx)
{
	struct stream *s = ctx;
	if (s->inner.tick)
		s->inner.tick(s->inner.ctx);
}

static void on_warning(void *ctx, const char *message)
{
	struct stream *s = ctx;
	if (s->inner.warning)
		s->inner.warning(s->inner.ctx, message);
}

struct run_progress stream_callbacks(struct stream *s, struct run_progress inner)
{
	s->inner = inner;
	return (struct run_progress){ .ctx = s,
				      .begin = on_begin,
				      .started = on_started,
				      .result = on_result,
				      .suite_outputs = on_suite_outputs,
				      .sub_results = on_sub_results,
				      .resource = on_resource,
				      .cancelling = on_cancelling,
				      .tick = on_tick,
				      .warning = on_warning };
}

/* The run is over but results still wait to be sent (a slow server, or a
 * burst bigger than it takes quickly): says so after a second, then every
 * ten, so that the pause has a reason. */
static void on_waiting(void *ctx, int64_t left, int64_t waited_ms)
{
	struct stream *s = ctx;
	if (waited_ms < s->next_say_ms)
		return;
	s->next_say_ms = waited_ms + 10000;
	if (left > 0)
		fprintf(stderr, "assay: sending the %lld results still queued to %s",
			(long long)left, s->server);
	else
		fprintf(stderr, "assay: sending what is still queued to %s", s->server);
	fprintf(stderr, " (%llds so far; Ctrl-C stops it, the run stays recorded here)\n",
		(long long)(waited_ms / 1000));
}

void stream_finish(struct stream *s, const struct run *final)
{
	if (!s->rp)
		return;
	reporter_on_waiting(s->rp, on_waiting, s);
	struct error e = ERROR_INIT;
	if (final->id[0] && reporter_finish(s->rp, final, &e))
		fprintf(stderr, "assay: warning: %s\n", e.msg);
	else if (final->id[0])
		fprintf(stderr, "assay: the run is also on %s as run %s\n", s->server,
			reporter_run_id(s->rp));
	if (final->id[0] && reporter_warning(s->rp))
		fprintf(stderr, "assay: warning: %s\n", reporter_warning(s->rp));
	reporter_free(s->rp);
	s->rp = NULL;
}
