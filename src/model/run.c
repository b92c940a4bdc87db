#include "util/base.h"

#include "model/run.h"

void run_release(struct run *r)
{
	free(r->project);
	free(r->definition);
	free(r->title);
	free(r->description);
	free(r->environment);
	free(r->triggered_by);
	free(r->milestone);
	free(r->pool);
	free(r->context_json);
	free(r->host);
	free(r->reason);
	memset(r, 0, sizeof(*r));
}

void result_release(struct result *r)
{
	free(r->test);
	free(r->parent);
	free(r->message);
	free(r->stdout_text);
	free(r->stderr_text);
	memset(r, 0, sizeof(*r));
}

static char *dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void result_copy(struct result *dst, const struct result *src)
{
	*dst = *src;
	dst->test = dup_or_null(src->test);
	dst->parent = dup_or_null(src->parent);
	dst->message = dup_or_null(src->message);
	dst->stdout_text = dup_or_null(src->stdout_text);
	dst->stderr_text = dup_or_null(src->stderr_text);
}

void run_events_free(struct run_event *ev, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(ev[i].message);
	free(ev);
}

void suite_output_release(struct suite_output *o)
{
	free(o->suite);
	free(o->stdout_text);
	free(o->stderr_text);
	memset(o, 0, sizeof(*o));
}

void suite_outputs_free(struct suite_output *o, size_t n)
{
	for (size_t i = 0; i < n; i++)
		suite_output_release(&o[i]);
	free(o);
}
