#include "util/base.h"

#include "formats/json_api.h"

#include <inttypes.h>

#include "formats/export_text.h"
#include "util/buf.h"
#include "util/capture.h"
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

/* ---- the run as text, for listings ----
 * The same object json_run builds, written straight into a buffer: a page
 * of 50 runs as jansson objects is some 2,000 allocations, which were most
 * of the runs list's time. tests/unit/json_api_test.c checks both agree. */

/* `"key":`, after a comma unless it is the object's first member. */
static void text_key(struct buf *b, const char *key)
{
	if (b->data[b->len - 1] != '{')
		buf_addc(b, ',');
	buf_addc(b, '"');
	buf_adds(b, key);
	buf_adds(b, "\":");
}

static void text_str(struct buf *b, const char *key, const char *v)
{
	text_key(b, key);
	export_json_str(b, v);
}

static void text_int(struct buf *b, const char *key, int64_t v)
{
	text_key(b, key);
	buf_addf(b, "%" PRId64, v);
}

static void text_time(struct buf *b, const char *key, int64_t ms)
{
	text_key(b, key);
	if (!ms) {
		buf_adds(b, "null");
		return;
	}
	char s[40];
	time_iso(ms, s, sizeof(s));
	buf_addc(b, '"');
	buf_adds(b, s);
	buf_addc(b, '"');
}

static void text_counts(struct buf *b, const char *key, const int64_t c[RS__COUNT])
{
	text_key(b, key);
	buf_addc(b, '{');
	for (int i = 0; i < RS__COUNT; i++)
		text_int(b, status_name((enum result_status)i), c[i]);
	buf_addc(b, '}');
}

void json_run_text(struct buf *b, const struct run *r)
{
	buf_addc(b, '{');
	text_str(b, "id", r->id);
	text_str(b, "project", r->project);
	text_str(b, "title", r->title);
	text_str(b, "description", r->description);
	text_str(b, "status", verdict_name(r->verdict));
	text_str(b, "lifecycle", lifecycle_name(r->lifecycle));
	text_int(b, "lifecycle_code", r->lifecycle);
	text_str(b, "environment", r->environment);
	text_str(b, "triggered_by", r->triggered_by);
	text_str(b, "test_definition_id", r->definition);
	text_str(b, "milestone", r->milestone);
	text_str(b, "pool", r->pool);
	text_time(b, "created_at", r->created_at);
	text_time(b, "started_at", r->started_at);
	text_time(b, "completed_at", r->completed_at);
	if (r->completed_at) {
		text_int(b, "duration_ms", r->duration_ms);
	} else {
		text_key(b, "duration_ms");
		buf_adds(b, "null");
	}
	text_int(b, "total", r->total);
	text_counts(b, "counts", r->counts);
	text_counts(b, "sub_counts", r->sub_counts);
	text_int(b, "flaky", r->flaky);
	/* The context is stored as assay wrote it (a JSON object); anything
	 * else in the column answers {} as json_run does. */
	text_key(b, "context");
	json_t *ctx = r->context_json && strcmp(r->context_json, "{}")
			      ? json_loads(r->context_json, 0, NULL)
			      : NULL;
	char *dumped = json_is_object(ctx) ? json_dumps(ctx, JSON_COMPACT) : NULL;
	buf_adds(b, dumped ? dumped : "{}");
	free(dumped);
	json_decref(ctx);
	text_str(b, "reason", r->reason);
	buf_addc(b, '}');
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

json_t *json_suite_output(const struct suite_output *so, bool with_text)
{
	json_t *o = json_object();
	json_object_set_new(o, "suite", text(so->suite));
	json_object_set_new(o, "stdout_bytes", json_integer(so->stdout_bytes));
	json_object_set_new(o, "stderr_bytes", json_integer(so->stderr_bytes));
	if (with_text) {
		json_object_set_new(o, "stdout", so->stdout_text ? text(so->stdout_text) : json_null());
		json_object_set_new(o, "stderr", so->stderr_text ? text(so->stderr_text) : json_null());
	}
	return o;
}

json_t *json_suite_outputs(const struct suite_output *so, size_t n, bool with_text)
{
	json_t *list = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, json_suite_output(&so[i], with_text));
	return list;
}

json_t *json_run_outputs(const char *run_id, const struct suite_output *so, size_t n,
			 bool with_text)
{
	json_t *o = json_object();
	json_object_set_new(o, "run_id", json_string(run_id));
	json_object_set_new(o, "outputs", json_suite_outputs(so, n, with_text));
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
	json_object_set_new(o, "flaky", json_boolean(r->flaky));
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
	json_object_set_new(o, "project", t->project ? text(t->project) : json_null());
	json_object_set_new(o, "name", text(t->name));
	json_object_set_new(o, "results", json_integer(t->results));
	json_object_set_new(o, "avg_duration_ms", json_integer(t->avg_ms));
	/* a result need not have a start time (an imported case without one) */
	json_object_set_new(o, "last_status", t->results ? json_string(status_name(t->last_status))
							  : json_null());
	json_object_set_new(o, "last_at", json_time(t->last_at));
	return o;
}

/* ---- reading what reporters send ---- */

#define TEST_NAME_MAX 4096

/* 9999-12-31T23:59:59.999Z: the last time ISO 8601's four-digit years can
 * write, so that a time taken is always one json_time can give back. */
#define TIME_MAX_MS INT64_C(253402300799999)

bool json_time_parse(const json_t *v, int64_t *ms)
{
	if (json_is_integer(v))
		*ms = json_integer_value(v);
	else if (!json_is_string(v) || !time_parse_iso(json_string_value(v), ms))
		return false;
	return *ms > 0 && *ms <= TIME_MAX_MS;
}

/* An optional string field: absent or null leaves *out NULL. */
/* What a result posted keeps of its output and message: as `assay run`
 * keeps of a test's (engine/exec.h), the first and last RESULT_TEXT_KEEP
 * bytes with a line saying how much was dropped between. A text already so
 * cut (the marker adds under RESULT_TEXT_SLACK bytes) is kept as it is, so
 * what the API shows posts back unchanged. */
#define RESULT_TEXT_KEEP (64 * 1024)
#define RESULT_TEXT_SLACK 64

static void bound_text(char **text, int64_t *dropped)
{
	size_t n = *text ? strlen(*text) : 0;
	if (n <= 2 * RESULT_TEXT_KEEP + RESULT_TEXT_SLACK)
		return;
	struct capture c;
	capture_init(&c, RESULT_TEXT_KEEP);
	capture_add(&c, *text, n);
	int64_t cut = 0;
	free(*text);
	*text = capture_text_utf8(&c, &cut);
	capture_release(&c);
	if (dropped)
		*dropped += cut;
}

static int opt_string(const json_t *o, const char *field, char **out, struct error *e)
{
	const json_t *v = json_object_get(o, field);
	if (!v || json_is_null(v))
		return RC_OK;
	if (!json_is_string(v))
		return err_set(e, RC_PARSE, "%s: must be a string", field);
	*out = xstrndup(json_string_value(v), json_string_length(v));
	return RC_OK;
}

static int opt_int(const json_t *o, const char *field, int64_t min, int64_t max, int64_t *out,
		   struct error *e)
{
	const json_t *v = json_object_get(o, field);
	if (!v || json_is_null(v))
		return RC_OK;
	double d;
	if (json_is_integer(v))
		d = (double)json_integer_value(v);
	else if (json_is_real(v))
		d = json_real_value(v);
	else
		return err_set(e, RC_PARSE, "%s: must be a number", field);
	if (d < (double)min || d > (double)max)
		return err_set(e, RC_PARSE, "%s: must be between %lld and %lld", field,
			       (long long)min, (long long)max);
	*out = json_is_integer(v) ? json_integer_value(v) : (int64_t)d;
	return RC_OK;
}

static int opt_time(const json_t *o, const char *field, int64_t *out, struct error *e)
{
	const json_t *v = json_object_get(o, field);
	if (!v || json_is_null(v))
		return RC_OK;
	if (!json_time_parse(v, out))
		return err_set(e, RC_PARSE,
			       "%s: must be an ISO 8601 time (2026-11-23T10:30:00Z) or ms since "
			       "the epoch",
			       field);
	return RC_OK;
}

int json_result_parse(const json_t *o, struct result *out, struct error *e)
{
	memset(out, 0, sizeof(*out));
	out->exit_code = -1;
	if (!json_is_object(o))
		return err_set(e, RC_PARSE, "a result must be a JSON object");
	const json_t *test = json_object_get(o, "test");
	if (!json_is_string(test) || !json_string_length(test))
		return err_set(e, RC_PARSE, "test: a non-empty string is required");
	if (json_string_length(test) > TEST_NAME_MAX || strlen(json_string_value(test)) !=
							       json_string_length(test))
		return err_set(e, RC_PARSE, "test: longer than %d bytes or holds a NUL",
			       TEST_NAME_MAX);
	out->test = xstrdup(json_string_value(test));
	const json_t *status = json_object_get(o, "status");
	if (!json_is_string(status))
		return err_set(e, RC_PARSE, "status: a string is required (passed, failed, error, "
					    "blocked, skipped, invalid, untested, retest)");
	if (!status_parse(json_string_value(status), &out->status))
		return err_set(e, RC_PARSE,
			       "status: '%.64s' is not a result status (passed, failed, error, "
			       "blocked, skipped, invalid, untested, retest)",
			       json_string_value(status));
	int64_t duration = 0, attempt = 0, exit_code = -1;
	int rc;
	if ((rc = opt_string(o, "parent", &out->parent, e)) ||
	    (rc = opt_string(o, "message", &out->message, e)) ||
	    (rc = opt_string(o, "stdout", &out->stdout_text, e)) ||
	    (rc = opt_string(o, "stderr", &out->stderr_text, e)) ||
	    (rc = opt_int(o, "duration_ms", 0, INT64_C(1) << 50, &duration, e)) ||
	    (rc = opt_int(o, "attempt", 0, 1000000, &attempt, e)) ||
	    (rc = opt_int(o, "exit_code", -1, 1 << 20, &exit_code, e)) ||
	    (rc = opt_time(o, "started_at", &out->started_at, e)) ||
	    (rc = opt_time(o, "completed_at", &out->completed_at, e)))
		return rc;
	if (out->parent) {
		size_t pl = strlen(out->parent);
		if (!pl || strncmp(out->test, out->parent, pl) || out->test[pl] != '/' ||
		    !out->test[pl + 1])
			return err_set(e, RC_PARSE,
				       "parent: a sub-result's test must be named \"%.200s/...\"",
				       out->parent);
	}
	out->duration_ms = duration;
	out->attempt = (int)attempt;
	out->exit_code = (int)exit_code;
	bound_text(&out->message, NULL);
	bound_text(&out->stdout_text, &out->stdout_dropped);
	bound_text(&out->stderr_text, &out->stderr_dropped);
	return RC_OK;
}

int json_suite_output_parse(const json_t *o, struct suite_output *out, struct error *e)
{
	memset(out, 0, sizeof(*out));
	if (!json_is_object(o))
		return err_set(e, RC_PARSE, "a suite output must be a JSON object");
	const json_t *suite = json_object_get(o, "suite");
	if (!json_is_string(suite))
		return err_set(e, RC_PARSE,
			       "suite: a string is required (\"\" for the run's top level)");
	if (json_string_length(suite) > TEST_NAME_MAX ||
	    strlen(json_string_value(suite)) != json_string_length(suite))
		return err_set(e, RC_PARSE, "suite: longer than %d bytes or holds a NUL",
			       TEST_NAME_MAX);
	out->suite = xstrdup(json_string_value(suite));
	int rc;
	if ((rc = opt_string(o, "stdout", &out->stdout_text, e)) ||
	    (rc = opt_string(o, "stderr", &out->stderr_text, e)))
		return rc;
	if ((!out->stdout_text || !*out->stdout_text) && (!out->stderr_text || !*out->stderr_text))
		return err_set(e, RC_PARSE,
			       "stdout, stderr: at least one non-empty text is required");
	bound_text(&out->stdout_text, NULL);
	bound_text(&out->stderr_text, NULL);
	return RC_OK;
}

json_t *json_project_stat(const struct project_stat *p)
{
	json_t *o = json_object();
	json_object_set_new(o, "name", text(p->name));
	json_object_set_new(o, "created_at", json_time(p->created_at));
	json_object_set_new(o, "runs", json_integer(p->runs));
	json_object_set_new(o, "tests", json_integer(p->tests));
	json_object_set_new(o, "last_run_at", json_time(p->last_run_at));
	return o;
}
