#include "util/base.h"

#include "formats/json_api.h"
#include "util/str.h"
#include "util/time.h"

json_t *json_time(int64_t ms)
{
	if (!ms)
		return json_null();
	char s[40];
	time_iso(ms, s, sizeof(s));
	return json_string(s);
}

/* A JSON string of s; bytes that are not UTF-8 (test output can hold
 * anything) become U+FFFD rather than losing the whole value. */
static json_t *text(const char *s)
{
	if (str_utf8_valid(s))
		return json_string(s);
	char *clean = str_utf8_clean(s);
	json_t *j = json_string(clean);
	free(clean);
	return j;
}

static json_t *str_or_null(const char *s)
{
	return s ? text(s) : json_null();
}

static json_t *counts(const int64_t c[RS__COUNT])
{
	json_t *o = json_object();
	for (int i = 0; i < RS__COUNT; i++)
		json_object_set_new(o, status_name((enum result_status)i), json_integer(c[i]));
	return o;
}

json_t *json_run(const struct run *r)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(r->id));
	json_object_set_new(o, "project", str_or_null(r->project));
	json_object_set_new(o, "title", str_or_null(r->title));
	json_object_set_new(o, "description", str_or_null(r->description));
	json_object_set_new(o, "status", json_string(verdict_name(r->verdict)));
	json_object_set_new(o, "lifecycle", json_string(lifecycle_name(r->lifecycle)));
	json_object_set_new(o, "lifecycle_code", json_integer(r->lifecycle));
	json_object_set_new(o, "environment", str_or_null(r->environment));
	json_object_set_new(o, "triggered_by", str_or_null(r->triggered_by));
	json_object_set_new(o, "test_definition_id", str_or_null(r->definition));
	json_object_set_new(o, "milestone", str_or_null(r->milestone));
	json_object_set_new(o, "pool", str_or_null(r->pool));
	json_object_set_new(o, "created_at", json_time(r->created_at));
	json_object_set_new(o, "started_at", json_time(r->started_at));
	json_object_set_new(o, "completed_at", json_time(r->completed_at));
	json_object_set_new(o, "duration_ms", r->completed_at ? json_integer(r->duration_ms)
							       : json_null());
	json_object_set_new(o, "total", json_integer(r->total));
	json_object_set_new(o, "counts", counts(r->counts));
	json_object_set_new(o, "sub_counts", counts(r->sub_counts));
	json_object_set_new(o, "flaky", json_integer(r->flaky));
	json_t *ctx = r->context_json ? json_loads(r->context_json, 0, NULL) : NULL;
	json_object_set_new(o, "context", ctx ? ctx : json_object());
	json_object_set_new(o, "reason", str_or_null(r->reason));
	return o;
}

json_t *json_run_event(const struct run_event *ev)
{
	json_t *o = json_object();
	json_object_set_new(o, "lifecycle", json_string(lifecycle_name(ev->lifecycle)));
	json_object_set_new(o, "lifecycle_code", json_integer(ev->lifecycle));
	json_object_set_new(o, "at", json_time(ev->at));
	json_object_set_new(o, "message", str_or_null(ev->message));
	return o;
}

json_t *json_result(const struct result *r, bool with_output)
{
	json_t *o = json_object();
	json_object_set_new(o, "id", json_string(r->id));
	json_object_set_new(o, "run_id", json_string(r->run_id));
	json_object_set_new(o, "test", text(r->test ? r->test : ""));
	json_object_set_new(o, "parent", str_or_null(r->parent));
	json_object_set_new(o, "status", json_string(status_name(r->status)));
	json_object_set_new(o, "duration_ms", json_integer(r->duration_ms));
	json_object_set_new(o, "message", str_or_null(r->message));
	json_object_set_new(o, "attempt", json_integer(r->attempt));
	/* An earlier attempt of a test that was run again; the last one counts. */
	json_object_set_new(o, "superseded", json_boolean(r->superseded));
	json_object_set_new(o, "flaky", json_boolean(!r->superseded && r->attempt > 1 &&
						      r->status == RS_PASSED));
	json_object_set_new(o, "exit_code", r->exit_code >= 0 ? json_integer(r->exit_code)
							      : json_null());
	json_object_set_new(o, "started_at", json_time(r->started_at));
	json_object_set_new(o, "completed_at", json_time(r->completed_at));
	if (with_output) {
		json_object_set_new(o, "stdout", str_or_null(r->stdout_text));
		json_object_set_new(o, "stderr", str_or_null(r->stderr_text));
		json_object_set_new(o, "stdout_dropped", json_integer(r->stdout_dropped));
		json_object_set_new(o, "stderr_dropped", json_integer(r->stderr_dropped));
	}
	return o;
}

json_t *json_test_stat(const struct test_stat *t)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", text(t->name));
	json_object_set_new(o, "results", json_integer(t->results));
	json_object_set_new(o, "avg_duration_ms", json_integer(t->avg_ms));
	json_object_set_new(o, "last_status", t->last_at ? json_string(status_name(t->last_status))
							   : json_null());
	json_object_set_new(o, "last_at", json_time(t->last_at));
	return o;
}
