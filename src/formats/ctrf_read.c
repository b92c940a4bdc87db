/* ctrf_read — the incremental CTRF reader declared in ctrf_read.h.
 *
 * json_stream turns the bytes into tokens; this file gives each open
 * container a role (`enum ctx`: the root, results, a test, an attempt, an
 * array of stdout lines, ... or C_SKIP for anything unknown) and each key the
 * field its value fills (`enum slot`). A container under C_SKIP is C_SKIP
 * too, so an unknown subtree costs one comparison per token and no memory.
 *
 * Only the current test is kept: its fields in bounded captures, its
 * attempts and tags in arrays with a fixed maximum. At the test's closing
 * brace it is converted to a struct ctrf_test, handed to the callback and
 * released. */
#include "util/base.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <strings.h>

#include "formats/ctrf_read.h"
#include "formats/json_stream.h"
#include "util/capture.h"
#include "util/str.h"

enum {
	SHORT_LIMIT = 512,      /* status, tool, environment, tags: ≤ 1 KiB each (head + tail) */
	NAME_LIMIT = 2048,      /* name, suite, filePath: ≤ 4 KiB each */
	TEXT_LIMIT = 32 * 1024, /* message, trace, stdout, stderr: ≤ 64 KiB each */
	ATTEMPT_LIMIT = 4096,   /* an attempt's message and trace: ≤ 8 KiB each */
	MAX_ATTEMPTS = 32,      /* attempts kept per test; later ones are read past */
	MAX_TAGS = 64,
	MAX_ENV = 128,
	KEY_MAX = 32,           /* longer keys are none the reader knows */
};

/* What an open container is to the reader. */
enum ctx {
	C_SKIP, /* unknown: read past with everything inside */
	C_ROOT, C_RESULTS, C_TOOL, C_SUMMARY, C_ENV,
	C_TESTS, C_TEST, C_ATTEMPTS, C_ATTEMPT,
	C_OUT, C_ERR, /* a test's stdout and stderr lines */
	C_SUITE,      /* suite names, outermost first */
	C_TAGS,
};

/* What a value fills. */
enum slot {
	F_NONE, /* nothing: the value is read past */
	/* the root, results and its tool, summary and environment */
	F_REPORT_FORMAT, F_SPEC_VERSION, F_GENERATED_BY, F_TIMESTAMP, F_RESULTS,
	F_TOOL, F_SUMMARY, F_ENV, F_TESTS, F_TOOL_NAME, F_TOOL_VERSION,
	F_SUM_TESTS, F_SUM_PASSED, F_SUM_FAILED, F_SUM_SKIPPED, F_SUM_PENDING, F_SUM_OTHER,
	F_SUM_FLAKY, F_SUM_START, F_SUM_STOP, /* in struct ctrf_summary's order */
	F_ENV_VALUE,
	/* a test */
	F_TEST, F_NAME, F_STATUS, F_RAW_STATUS, F_DURATION, F_START, F_STOP, F_SUITE,
	F_MESSAGE, F_TRACE, F_FILE, F_FILE_LINE, F_TYPE, F_RETRIES, F_FLAKY,
	F_STDOUT, F_STDERR, F_TAGS, F_ATTEMPTS,
	/* an attempt */
	F_ATTEMPT, F_A_NUMBER, F_A_STATUS, F_A_DURATION, F_A_MESSAGE, F_A_TRACE, F_A_START,
	F_A_STOP,
	/* elements of arrays of strings */
	F_OUT_LINE, F_ERR_LINE, F_SUITE_NAME, F_TAG,
};

/* The keys the reader knows, per container. */
#define K(ctx, name, slot) { ctx, name, sizeof(name) - 1, slot }
static const struct known_key {
	enum ctx ctx;
	const char *name;
	size_t len;
	enum slot slot;
} known_keys[] = {
	K(C_ROOT, "reportFormat", F_REPORT_FORMAT),
	K(C_ROOT, "specVersion", F_SPEC_VERSION),
	K(C_ROOT, "generatedBy", F_GENERATED_BY),
	K(C_ROOT, "timestamp", F_TIMESTAMP),
	K(C_ROOT, "results", F_RESULTS),
	K(C_RESULTS, "tool", F_TOOL),
	K(C_RESULTS, "summary", F_SUMMARY),
	K(C_RESULTS, "environment", F_ENV),
	K(C_RESULTS, "tests", F_TESTS),
	K(C_TOOL, "name", F_TOOL_NAME),
	K(C_TOOL, "version", F_TOOL_VERSION),
	K(C_SUMMARY, "tests", F_SUM_TESTS),
	K(C_SUMMARY, "passed", F_SUM_PASSED),
	K(C_SUMMARY, "failed", F_SUM_FAILED),
	K(C_SUMMARY, "skipped", F_SUM_SKIPPED),
	K(C_SUMMARY, "pending", F_SUM_PENDING),
	K(C_SUMMARY, "other", F_SUM_OTHER),
	K(C_SUMMARY, "flaky", F_SUM_FLAKY),
	K(C_SUMMARY, "start", F_SUM_START),
	K(C_SUMMARY, "stop", F_SUM_STOP),
	K(C_TEST, "name", F_NAME),
	K(C_TEST, "status", F_STATUS),
	K(C_TEST, "rawStatus", F_RAW_STATUS),
	K(C_TEST, "duration", F_DURATION),
	K(C_TEST, "start", F_START),
	K(C_TEST, "stop", F_STOP),
	K(C_TEST, "suite", F_SUITE),
	K(C_TEST, "message", F_MESSAGE),
	K(C_TEST, "trace", F_TRACE),
	K(C_TEST, "filePath", F_FILE),
	K(C_TEST, "line", F_FILE_LINE),
	K(C_TEST, "type", F_TYPE),
	K(C_TEST, "retries", F_RETRIES),
	K(C_TEST, "flaky", F_FLAKY),
	K(C_TEST, "stdout", F_STDOUT),
	K(C_TEST, "stderr", F_STDERR),
	K(C_TEST, "tags", F_TAGS),
	K(C_TEST, "retryAttempts", F_ATTEMPTS),
	K(C_TEST, "attempts", F_ATTEMPTS),
	K(C_ATTEMPT, "attempt", F_A_NUMBER),
	K(C_ATTEMPT, "status", F_A_STATUS),
	K(C_ATTEMPT, "duration", F_A_DURATION),
	K(C_ATTEMPT, "message", F_A_MESSAGE),
	K(C_ATTEMPT, "trace", F_A_TRACE),
	K(C_ATTEMPT, "start", F_A_START),
	K(C_ATTEMPT, "stop", F_A_STOP),
};
#undef K

struct attempt_acc {
	int64_t number;
	struct capture status, message, trace;
	int64_t duration, start, stop;
};

/* The test object being read. */
struct test_acc {
	int line;
	bool name_ok; /* the last "name" value was a string */
	struct capture name, suite, status, raw_status, message, trace, file, type, out, err;
	size_t suite_items, out_items, err_items; /* array elements joined so far */
	int64_t duration, start, stop, file_line, retries;
	bool flaky;
	struct capture *tags;
	size_t n_tags, cap_tags;
	struct attempt_acc *attempts;
	size_t n_attempts, cap_attempts;
	size_t attempts_seen; /* including those past MAX_ATTEMPTS */
};

struct env_acc {
	struct capture key, value;
};

struct ctrf_reader {
	struct ctrf_callbacks cb;
	struct json_stream *js;
	int rc;         /* sticky: once failed, always failed */
	char *err;
	bool finished;

	enum ctx stack[JSON_MAX_DEPTH]; /* role of each open container, by depth */
	enum slot slot;                 /* what the value after the last key fills */
	char key[KEY_MAX];
	size_t key_len;
	bool key_long, in_key;
	bool in_string;                 /* more pieces of a string value follow */
	enum slot string_slot;
	struct capture *sink;           /* where they go (NULL: nowhere) */

	bool seen_results, seen_tests;
	int root_line, root_col;
	struct capture report_format, spec_version, generated_by, timestamp, tool_name,
		tool_version;
	int64_t sum[F_SUM_STOP - F_SUM_TESTS + 1];
	struct capture env_key;         /* the key of the environment entry being read */
	struct env_acc *env;
	size_t n_env, cap_env;

	bool in_test;
	struct test_acc t;
	int64_t delivered, dropped;
	char *problem;
};

/* ---- small helpers ---- */

static void cap_reset(struct capture *c)
{
	size_t limit = c->limit;
	capture_release(c);
	capture_init(c, limit);
}

/* Adds decoded text, with NUL characters (from \u0000) replaced by U+FFFD:
 * the fields are C strings. */
static void cap_add(struct capture *c, const char *p, size_t n)
{
	const char *nul;
	while (n && (nul = memchr(p, '\0', n))) {
		capture_add(c, p, (size_t)(nul - p));
		capture_add(c, "\xEF\xBF\xBD", 3);
		n -= (size_t)(nul - p) + 1;
		p = nul + 1;
	}
	capture_add(c, p, n);
}

/* Records the sticky error "line L, column C: ..." at the token. */
static int fail_at(struct ctrf_reader *r, const struct json_token *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(struct ctrf_reader *r, const struct json_token *t, const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	free(r->err);
	r->err = xasprintf("line %d, column %d: %s", t->line, t->column, what);
	r->rc = RC_PARSE;
	return RC_PARSE;
}

/* A number as an integer (fractions rounded); false when out of range. */
static bool number_int(const struct json_token *t, int64_t *out)
{
	double v;
	if (t->cut || !json_number_value(t->text, &v) || fabs(v) >= 9.2e18)
		return false;
	*out = (int64_t)llround(v);
	return true;
}

static const char *type_name(enum json_type type)
{
	switch (type) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_NUMBER: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	default: return "nothing";
	}
}

static void note_dropped(struct ctrf_reader *r, int line, const char *why)
{
	r->dropped++;
	if (!r->problem)
		r->problem = xasprintf("line %d: %s", line, why);
}

/* ---- statuses ---- */

static enum result_status map_status(const char *status, const char *raw)
{
	static const char *const not_run[] = { "todo",    "disabled", "skipped", "pending",
					       "ignored", "excluded", "xfail",   "xfailed" };
	if (!strcasecmp(status, "passed"))
		return RS_PASSED;
	if (!strcasecmp(status, "failed"))
		return RS_FAILED;
	if (!strcasecmp(status, "skipped") || !strcasecmp(status, "pending"))
		return RS_SKIPPED;
	/* "other", or no status at all */
	for (size_t i = 0; i < ARRAY_SIZE(not_run); i++)
		if (!strcasecmp(raw, not_run[i]))
			return RS_SKIPPED;
	return RS_ERROR;
}

/* ---- the current test ---- */

static void test_begin(struct ctrf_reader *r, int line)
{
	struct test_acc *t = &r->t;
	struct capture *texts[] = { &t->message, &t->trace, &t->out, &t->err };
	struct capture *names[] = { &t->name, &t->suite, &t->file };
	struct capture *shorts[] = { &t->status, &t->raw_status, &t->type };
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++)
		capture_init(texts[i], TEXT_LIMIT);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		capture_init(names[i], NAME_LIMIT);
	for (size_t i = 0; i < ARRAY_SIZE(shorts); i++)
		capture_init(shorts[i], SHORT_LIMIT);
	t->line = line;
	t->name_ok = false;
	t->suite_items = t->out_items = t->err_items = 0;
	t->duration = t->start = t->stop = t->file_line = t->retries = -1;
	t->flaky = false;
	t->n_tags = t->n_attempts = t->attempts_seen = 0;
	r->in_test = true;
}

static void tags_clear(struct test_acc *t)
{
	for (size_t i = 0; i < t->n_tags; i++)
		capture_release(&t->tags[i]);
	t->n_tags = 0;
}

/* Releases what the current test holds; the arrays keep their memory. */
static void test_release(struct ctrf_reader *r)
{
	struct test_acc *t = &r->t;
	if (!r->in_test)
		return;
	struct capture *all[] = { &t->name,  &t->suite, &t->status, &t->raw_status, &t->message,
				  &t->trace, &t->file,  &t->type,   &t->out,        &t->err };
	for (size_t i = 0; i < ARRAY_SIZE(all); i++)
		capture_release(all[i]);
	tags_clear(t);
	for (size_t i = 0; i < t->n_attempts; i++) {
		capture_release(&t->attempts[i].status);
		capture_release(&t->attempts[i].message);
		capture_release(&t->attempts[i].trace);
	}
	t->n_attempts = 0;
	r->in_test = false;
}

static struct attempt_acc *attempt_begin(struct test_acc *t)
{
	t->attempts_seen++;
	if (t->n_attempts >= MAX_ATTEMPTS)
		return NULL;
	GROW(t->attempts, t->cap_attempts, t->n_attempts + 1);
	struct attempt_acc *a = &t->attempts[t->n_attempts++];
	a->number = 0;
	capture_init(&a->status, SHORT_LIMIT);
	capture_init(&a->message, ATTEMPT_LIMIT);
	capture_init(&a->trace, ATTEMPT_LIMIT);
	a->duration = a->start = a->stop = -1;
	return a;
}

/* The test object closed: hands it to the callback (when it has a name)
 * and lets it go. */
static void test_end(struct ctrf_reader *r)
{
	struct test_acc *t = &r->t;
	if (!t->name_ok || !t->name.total) {
		note_dropped(r, t->line,
			     "a test without a name (missing, null, empty or not a string) was left out");
		test_release(r);
		return;
	}
	/* A list holding the final run as well as the retries: the test is that run. */
	size_t n_attempts = t->n_attempts;
	if (t->retries >= 0 && n_attempts && t->attempts_seen == n_attempts &&
	    (int64_t)n_attempts == t->retries + 1)
		n_attempts--;

	char *status = capture_text_utf8(&t->status, NULL), *raw = capture_text_utf8(&t->raw_status, NULL);
	struct ctrf_test ct = {
		.name = capture_text_utf8(&t->name, NULL),
		.suite = capture_text_utf8(&t->suite, NULL),
		.status = map_status(status, raw),
		.ctrf_status = status,
		.raw_status = raw,
		.duration_ms = t->duration >= 0 ? t->duration : -1,
		.start_ms = t->start,
		.stop_ms = t->stop,
		.message = str_strip_ansi(capture_text_utf8(&t->message, NULL)),
		.trace = str_strip_ansi(capture_text_utf8(&t->trace, NULL)),
		.file = capture_text_utf8(&t->file, NULL),
		.file_line = t->file_line,
		.type = capture_text_utf8(&t->type, NULL),
		.retries = t->retries < 0 ? 0 : t->retries > INT_MAX ? INT_MAX : (int)t->retries,
		.flaky = t->flaky,
		.system_out = capture_text_utf8(&t->out, NULL),
		.system_err = capture_text_utf8(&t->err, NULL),
		.n_tags = t->n_tags,
		.n_attempts = n_attempts,
		.line = t->line,
	};
	char **tags = xcalloc(t->n_tags + 1, sizeof(*tags));
	for (size_t i = 0; i < t->n_tags; i++)
		tags[i] = capture_text_utf8(&t->tags[i], NULL);
	ct.tags = (const char *const *)tags;
	struct ctrf_attempt *list = xcalloc(n_attempts + 1, sizeof(*list));
	for (size_t i = 0; i < n_attempts; i++) {
		struct attempt_acc *a = &t->attempts[i];
		char *st = capture_text_utf8(&a->status, NULL);
		list[i] = (struct ctrf_attempt){
			.attempt = a->number > 0 && a->number <= INT_MAX ? (int)a->number : 0,
			.status = map_status(st, ""),
			.message = str_strip_ansi(capture_text_utf8(&a->message, NULL)),
			.trace = str_strip_ansi(capture_text_utf8(&a->trace, NULL)),
			.duration_ms = a->duration >= 0 ? a->duration : -1,
			.start_ms = a->start,
			.stop_ms = a->stop,
		};
		free(st);
	}
	ct.attempts = list;

	if (r->cb.test)
		r->cb.test(r->cb.ctx, &ct);
	r->delivered++;

	for (size_t i = 0; i < n_attempts; i++) {
		free((char *)list[i].message);
		free((char *)list[i].trace);
	}
	free(list);
	for (size_t i = 0; i < t->n_tags; i++)
		free(tags[i]);
	free(tags);
	const char *strs[] = { ct.name, ct.suite,  ct.message,    ct.trace,     ct.file,
			       ct.type, ct.system_out, ct.system_err, status,      raw };
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		free((char *)strs[i]);
	test_release(r);
}

/* ---- where values go ---- */

/* The capture a text slot writes to; NULL for slots that are not text. */
static struct capture *text_field(struct ctrf_reader *r, enum slot slot)
{
	struct test_acc *t = &r->t;
	struct attempt_acc *a = t->n_attempts ? &t->attempts[t->n_attempts - 1] : NULL;
	switch (slot) {
	case F_REPORT_FORMAT: return &r->report_format;
	case F_SPEC_VERSION: return &r->spec_version;
	case F_GENERATED_BY: return &r->generated_by;
	case F_TIMESTAMP: return &r->timestamp;
	case F_TOOL_NAME: return &r->tool_name;
	case F_TOOL_VERSION: return &r->tool_version;
	case F_NAME: return &t->name;
	case F_STATUS: return &t->status;
	case F_RAW_STATUS: return &t->raw_status;
	case F_SUITE: return &t->suite;
	case F_MESSAGE: return &t->message;
	case F_TRACE: return &t->trace;
	case F_FILE: return &t->file;
	case F_TYPE: return &t->type;
	case F_STDOUT: return &t->out;
	case F_STDERR: return &t->err;
	case F_A_STATUS: return a ? &a->status : NULL;
	case F_A_MESSAGE: return a ? &a->message : NULL;
	case F_A_TRACE: return a ? &a->trace : NULL;
	default: return NULL;
	}
}

/* The integer a number slot writes to; NULL for slots that are not numbers. */
static int64_t *number_field(struct ctrf_reader *r, enum slot slot)
{
	struct test_acc *t = &r->t;
	struct attempt_acc *a = t->n_attempts ? &t->attempts[t->n_attempts - 1] : NULL;
	if (slot >= F_SUM_TESTS && slot <= F_SUM_STOP)
		return &r->sum[slot - F_SUM_TESTS];
	switch (slot) {
	case F_DURATION: return &t->duration;
	case F_START: return &t->start;
	case F_STOP: return &t->stop;
	case F_FILE_LINE: return &t->file_line;
	case F_RETRIES: return &t->retries;
	case F_A_NUMBER: return a ? &a->number : NULL;
	case F_A_DURATION: return a ? &a->duration : NULL;
	case F_A_START: return a ? &a->start : NULL;
	case F_A_STOP: return a ? &a->stop : NULL;
	default: return NULL;
	}
}

/* Starts a scalar value of `slot` that has text: returns where its text
 * goes, emptied (or, for an array element, after the separator), or NULL
 * when it goes nowhere. */
static struct capture *text_begin(struct ctrf_reader *r, enum slot slot, bool is_string)
{
	struct test_acc *t = &r->t;
	if (slot == F_NAME)
		t->name_ok = is_string;
	switch (slot) {
	case F_OUT_LINE:
	case F_ERR_LINE:
	case F_SUITE_NAME: {
		struct capture *c = slot == F_OUT_LINE ? &t->out : slot == F_ERR_LINE ? &t->err : &t->suite;
		size_t *items = slot == F_OUT_LINE ? &t->out_items
			      : slot == F_ERR_LINE ? &t->err_items
						   : &t->suite_items;
		if ((*items)++)
			cap_add(c, slot == F_SUITE_NAME ? " > " : "\n", slot == F_SUITE_NAME ? 3 : 1);
		return c;
	}
	case F_TAG:
		if (t->n_tags >= MAX_TAGS)
			return NULL;
		GROW(t->tags, t->cap_tags, t->n_tags + 1);
		capture_init(&t->tags[t->n_tags], SHORT_LIMIT);
		return &t->tags[t->n_tags++];
	case F_ENV_VALUE: {
		if (r->n_env >= MAX_ENV)
			return NULL;
		GROW(r->env, r->cap_env, r->n_env + 1);
		struct env_acc *v = &r->env[r->n_env++];
		v->key = r->env_key; /* the entry takes the key's memory */
		capture_init(&r->env_key, SHORT_LIMIT);
		capture_init(&v->value, SHORT_LIMIT);
		return &v->value;
	}
	default: {
		struct capture *c = text_field(r, slot);
		if (c)
			cap_reset(c);
		return c;
	}
	}
}

/* Stdout, stderr, suite and tags replace what an earlier key of the same
 * name gave. */
static void lines_begin(struct ctrf_reader *r, enum slot slot)
{
	struct test_acc *t = &r->t;
	if (slot == F_TAGS) {
		tags_clear(t);
		return;
	}
	cap_reset(slot == F_STDOUT ? &t->out : slot == F_STDERR ? &t->err : &t->suite);
	*(slot == F_STDOUT ? &t->out_items : slot == F_STDERR ? &t->err_items : &t->suite_items) = 0;
}

/* A complete reportFormat: only CTRF is read. */
static int check_format(struct ctrf_reader *r, const struct json_token *t)
{
	char *f = capture_text_utf8(&r->report_format, NULL);
	int rc = RC_OK;
	if (strcasecmp(f, "CTRF"))
		rc = fail_at(r, t, "reportFormat is \"%.100s\", not \"CTRF\"", f);
	free(f);
	return rc;
}

/* A string, number, boolean or null (or the first piece of a string). */
static int scalar(struct ctrf_reader *r, const struct json_token *t, enum slot slot)
{
	switch (t->type) {
	case JSON_STRING: {
		struct capture *c = text_begin(r, slot, true);
		if (c)
			cap_add(c, t->text, t->len);
		r->in_string = t->more;
		r->string_slot = slot;
		r->sink = c;
		if (!t->more && slot == F_REPORT_FORMAT)
			return check_format(r, t);
		return RC_OK;
	}
	case JSON_NUMBER: {
		int64_t *n = number_field(r, slot);
		if (n) {
			int64_t v;
			*n = number_int(t, &v) ? v : -1;
			return RC_OK;
		}
		struct capture *c = text_begin(r, slot, false);
		if (c)
			cap_add(c, t->text, t->len);
		return slot == F_REPORT_FORMAT ? check_format(r, t) : RC_OK;
	}
	case JSON_TRUE:
	case JSON_FALSE: {
		const char *word = t->type == JSON_TRUE ? "true" : "false";
		if (slot == F_FLAKY) {
			r->t.flaky = t->type == JSON_TRUE;
			return RC_OK;
		}
		if (number_field(r, slot))
			return RC_OK;
		struct capture *c = text_begin(r, slot, false);
		if (c)
			cap_add(c, word, strlen(word));
		return slot == F_REPORT_FORMAT ? check_format(r, t) : RC_OK;
	}
	case JSON_NULL:
	default: {
		/* absent: a field goes back to empty, an array element adds nothing */
		int64_t *n = number_field(r, slot);
		struct capture *c = text_field(r, slot);
		if (n)
			*n = -1;
		else if (c)
			cap_reset(c);
		if (slot == F_NAME)
			r->t.name_ok = false;
		else if (slot == F_FLAKY)
			r->t.flaky = false;
		return RC_OK;
	}
	}
}

/* ---- tokens ---- */

/* The role of a container opened as the value of `slot`, or an error for
 * the containers a CTRF report cannot do without. */
static int open_container(struct ctrf_reader *r, const struct json_token *t, enum slot slot,
			  enum ctx *out)
{
	bool object = t->type == JSON_OBJECT;
	*out = C_SKIP;
	switch (slot) {
	case F_RESULTS:
		if (!object)
			return fail_at(r, t, "\"results\" is an array, not an object");
		r->seen_results = true;
		r->seen_tests = false;
		*out = C_RESULTS;
		break;
	case F_TESTS:
		if (object)
			return fail_at(r, t, "\"tests\" is an object, not an array");
		r->seen_tests = true;
		*out = C_TESTS;
		break;
	case F_TEST:
		if (!object) {
			note_dropped(r, t->line, "an element of \"tests\" is not an object");
			break;
		}
		test_release(r);
		test_begin(r, t->line);
		*out = C_TEST;
		break;
	case F_ATTEMPT:
		if (object && attempt_begin(&r->t))
			*out = C_ATTEMPT;
		break;
	case F_TOOL:
	case F_SUMMARY:
	case F_ENV:
		if (object)
			*out = slot == F_TOOL ? C_TOOL : slot == F_SUMMARY ? C_SUMMARY : C_ENV;
		break;
	case F_ATTEMPTS:
		if (!object)
			*out = C_ATTEMPTS;
		break;
	case F_STDOUT:
	case F_STDERR:
	case F_SUITE:
	case F_TAGS:
		if (!object) {
			lines_begin(r, slot);
			*out = slot == F_STDOUT ? C_OUT : slot == F_STDERR ? C_ERR
				: slot == F_SUITE		       ? C_SUITE
								       : C_TAGS;
		}
		break;
	case F_NAME:
		r->t.name_ok = false;
		break;
	case F_REPORT_FORMAT:
		return fail_at(r, t, "reportFormat is %s, not \"CTRF\"", type_name(t->type));
	default:
		break;
	}
	return RC_OK;
}

/* What a value in a container of role `parent` fills. */
static enum slot value_slot(struct ctrf_reader *r, enum ctx parent)
{
	switch (parent) {
	case C_TESTS: return F_TEST;
	case C_ATTEMPTS: return F_ATTEMPT;
	case C_OUT: return F_OUT_LINE;
	case C_ERR: return F_ERR_LINE;
	case C_SUITE: return F_SUITE_NAME;
	case C_TAGS: return F_TAG;
	default: return r->slot; /* an object: set by its key */
	}
}

/* A piece of a key: the environment keeps it as data, other objects look it
 * up once it is complete. */
static void key_piece(struct ctrf_reader *r, const struct json_token *t, enum ctx parent)
{
	bool first = !r->in_key;
	r->in_key = t->more;
	if (parent == C_ENV) {
		if (first)
			cap_reset(&r->env_key);
		cap_add(&r->env_key, t->text, t->len);
		r->slot = F_ENV_VALUE;
		return;
	}
	if (first) {
		r->key_len = 0;
		r->key_long = false;
	}
	if (r->key_len + t->len <= KEY_MAX) {
		memcpy(r->key + r->key_len, t->text, t->len);
		r->key_len += t->len;
	} else {
		r->key_long = true;
	}
	if (t->more)
		return;
	r->slot = F_NONE;
	if (r->key_long)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(known_keys); i++) {
		const struct known_key *k = &known_keys[i];
		if (k->ctx == parent && k->len == r->key_len &&
		    !memcmp(k->name, r->key, r->key_len)) {
			r->slot = k->slot;
			return;
		}
	}
}

/* A container closed. */
static int close_container(struct ctrf_reader *r, const struct json_token *t, enum ctx ctx)
{
	switch (ctx) {
	case C_TEST:
		test_end(r);
		break;
	case C_RESULTS:
		if (!r->seen_tests)
			return fail_at(r, t, "\"results\" has no \"tests\" array");
		break;
	default:
		break;
	}
	return RC_OK;
}

static int handle(struct ctrf_reader *r, const struct json_token *t)
{
	int d = t->depth;
	if (t->type == JSON_OBJECT_END || t->type == JSON_ARRAY_END)
		return r->stack[d] == C_SKIP ? RC_OK : close_container(r, t, r->stack[d]);
	if (r->in_string) { /* the next piece of a string value */
		if (r->sink)
			cap_add(r->sink, t->text, t->len);
		r->in_string = t->more;
		if (!t->more && r->string_slot == F_REPORT_FORMAT)
			return check_format(r, t);
		return RC_OK;
	}
	if (d == 0) {
		if (t->type != JSON_OBJECT)
			return fail_at(r, t, "a CTRF report is a JSON object, not %s", type_name(t->type));
		r->stack[0] = C_ROOT;
		r->root_line = t->line;
		r->root_col = t->column;
		return RC_OK;
	}
	enum ctx parent = r->stack[d - 1];
	if (parent == C_SKIP) {
		if (t->type == JSON_OBJECT || t->type == JSON_ARRAY)
			r->stack[d] = C_SKIP;
		return RC_OK;
	}
	if (t->type == JSON_KEY) {
		key_piece(r, t, parent);
		return RC_OK;
	}
	enum slot slot = value_slot(r, parent);
	if (t->type == JSON_OBJECT || t->type == JSON_ARRAY)
		return open_container(r, t, slot, &r->stack[d]);
	if (slot == F_RESULTS || slot == F_TESTS)
		return fail_at(r, t, "\"%s\" is %s, not %s", slot == F_RESULTS ? "results" : "tests",
			       type_name(t->type), slot == F_RESULTS ? "an object" : "an array");
	if (slot == F_TEST) {
		note_dropped(r, t->line, "an element of \"tests\" is not an object");
		slot = F_NONE; /* a string's later pieces go nowhere */
	}
	return scalar(r, t, slot);
}

/* Pulls every token the stream can give now. */
static int pump(struct ctrf_reader *r, struct error *e)
{
	struct json_token t;
	for (;;) {
		struct error je = ERROR_INIT;
		if (json_stream_next(r->js, &t, &je)) {
			r->rc = je.code;
			r->err = xstrdup(je.msg);
			return err_set(e, r->rc, "%s", r->err);
		}
		if (t.type == JSON_NONE || t.type == JSON_END)
			return RC_OK;
		if (handle(r, &t))
			return err_set(e, r->rc, "%s", r->err);
	}
}

/* ---- the API ---- */

struct ctrf_reader *ctrf_reader_new(const struct ctrf_callbacks *cb)
{
	struct ctrf_reader *r = xcalloc(1, sizeof(*r));
	if (cb)
		r->cb = *cb;
	r->js = json_stream_new();
	struct capture *shorts[] = { &r->report_format, &r->spec_version, &r->generated_by,
				     &r->timestamp,     &r->tool_name,    &r->tool_version,
				     &r->env_key };
	for (size_t i = 0; i < ARRAY_SIZE(shorts); i++)
		capture_init(shorts[i], SHORT_LIMIT);
	for (size_t i = 0; i < ARRAY_SIZE(r->sum); i++)
		r->sum[i] = -1;
	return r;
}

int ctrf_feed(struct ctrf_reader *r, const char *bytes, size_t n, struct error *e)
{
	if (r->rc)
		return err_set(e, r->rc, "%s", r->err);
	if (r->finished)
		return err_set(e, RC_STATE, "ctrf_feed after ctrf_finish");
	json_stream_feed(r->js, bytes, n);
	return pump(r, e);
}

static void summary_fill(struct ctrf_reader *r, struct ctrf_summary *s)
{
	s->report_format = capture_text_utf8(&r->report_format, NULL);
	s->spec_version = capture_text_utf8(&r->spec_version, NULL);
	s->generated_by = capture_text_utf8(&r->generated_by, NULL);
	s->timestamp = capture_text_utf8(&r->timestamp, NULL);
	s->tool_name = capture_text_utf8(&r->tool_name, NULL);
	s->tool_version = capture_text_utf8(&r->tool_version, NULL);
	s->environment = xcalloc(r->n_env + 1, sizeof(*s->environment));
	for (size_t i = 0; i < r->n_env; i++) {
		s->environment[i].key = capture_text_utf8(&r->env[i].key, NULL);
		s->environment[i].value = capture_text_utf8(&r->env[i].value, NULL);
	}
	s->n_environment = r->n_env;
	int64_t *counts[] = { &s->tests,  &s->passed, &s->failed,   &s->skipped, &s->pending,
			      &s->other,  &s->flaky,  &s->start_ms, &s->stop_ms };
	for (size_t i = 0; i < ARRAY_SIZE(counts); i++)
		*counts[i] = r->sum[i];
	s->delivered = r->delivered;
	s->dropped = r->dropped;
	s->problem = xstrdup(r->problem);
}

int ctrf_finish(struct ctrf_reader *r, struct ctrf_summary *out, struct error *e)
{
	if (out)
		memset(out, 0, sizeof(*out));
	if (r->rc)
		return err_set(e, r->rc, "%s", r->err);
	if (!r->finished) {
		r->finished = true;
		json_stream_end(r->js);
		if (pump(r, e))
			return r->rc;
		if (!r->seen_results) {
			struct json_token t = { .line = r->root_line, .column = r->root_col };
			fail_at(r, &t, "no \"results\" object: this is not a CTRF report");
			return err_set(e, r->rc, "%s", r->err);
		}
	}
	if (out)
		summary_fill(r, out);
	return RC_OK;
}

void ctrf_summary_release(struct ctrf_summary *s)
{
	if (!s)
		return;
	char *strs[] = { s->report_format, s->spec_version, s->generated_by, s->timestamp,
			 s->tool_name,     s->tool_version, s->problem };
	for (size_t i = 0; i < ARRAY_SIZE(strs); i++)
		free(strs[i]);
	for (size_t i = 0; i < s->n_environment; i++) {
		free(s->environment[i].key);
		free(s->environment[i].value);
	}
	free(s->environment);
	memset(s, 0, sizeof(*s));
}

void ctrf_reader_free(struct ctrf_reader *r)
{
	if (!r)
		return;
	json_stream_free(r->js);
	test_release(r);
	free(r->t.tags);
	free(r->t.attempts);
	struct capture *shorts[] = { &r->report_format, &r->spec_version, &r->generated_by,
				     &r->timestamp,     &r->tool_name,    &r->tool_version,
				     &r->env_key };
	for (size_t i = 0; i < ARRAY_SIZE(shorts); i++)
		capture_release(shorts[i]);
	for (size_t i = 0; i < r->n_env; i++) {
		capture_release(&r->env[i].key);
		capture_release(&r->env[i].value);
	}
	free(r->env);
	free(r->problem);
	free(r->err);
	free(r);
}

/* ---- the stable id ---- */

void ctrf_test_id(const struct ctrf_test *t, struct buf *b)
{
	const char *suite = t->suite ? t->suite : "", *name = t->name ? t->name : "";
	buf_adds(b, suite);
	if (*suite && *name)
		buf_addc(b, '/');
	buf_adds(b, name);
}

/* ---- sniffing ---- */

bool ctrf_sniff(const char *head, size_t n)
{
	enum { ROOT, MEMBERS, RESULTS_VALUE, RESULTS_FIRST_KEY, FORMAT_VALUE } st = ROOT;
	static const char *const results_keys[] = { "tool", "summary", "tests", "environment",
						    "extra" };
	struct json_stream *s = json_stream_new();
	struct error e = ERROR_INIT;
	struct json_token t;
	bool yes = false, done = false, long_key = false;
	json_stream_feed(s, head, n);
	while (!done && !json_stream_next(s, &t, &e) && t.type != JSON_NONE) {
		bool whole = !long_key && !t.more; /* a short key or string, in one piece */
		long_key = t.more;
		switch (st) {
		case ROOT:
			done = t.type != JSON_OBJECT;
			st = MEMBERS;
			break;
		case MEMBERS:
			if (t.type != JSON_KEY || t.depth != 1 || !whole)
				break;
			if (!strcmp(t.text, "results"))
				st = RESULTS_VALUE;
			else if (!strcmp(t.text, "reportFormat"))
				st = FORMAT_VALUE;
			break;
		case RESULTS_VALUE:
			done = t.type != JSON_OBJECT;
			st = RESULTS_FIRST_KEY;
			break;
		case RESULTS_FIRST_KEY:
			for (size_t i = 0; t.type == JSON_KEY && whole && i < ARRAY_SIZE(results_keys); i++)
				yes = yes || !strcmp(t.text, results_keys[i]);
			done = true;
			break;
		case FORMAT_VALUE:
			yes = t.type == JSON_STRING && whole && !strcasecmp(t.text, "CTRF");
			done = true;
			break;
		}
	}
	json_stream_free(s);
	return yes;
}
