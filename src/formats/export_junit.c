/* export_junit — a run as JUnit XML in the conservative shape every CI
 * reader accepts (Jenkins, GitLab, GitHub reporters; the Jenkins xunit
 * junit-10.xsd):
 *
 *   <testsuites name=PROJECT tests failures errors time>
 *     <testsuite name=SUITE tests failures errors skipped time timestamp hostname>
 *       <properties> the run: id, title, environment, ..., context.KEY </properties>
 *       <testcase name=SHORT classname=SUITE time=SECONDS>
 *         <failure|error message=FIRST-LINE type=STATUS>WHOLE MESSAGE</…>
 *         <skipped message=FIRST-LINE>WHOLE MESSAGE</skipped>
 *         <flakyFailure|rerunFailure …> earlier attempts (Surefire)
 *         <system-out/> <system-err/>
 *       <system-out/> <system-err/>  the suite's own, as an imported file had them
 *
 * A test "pkg/mod/test_x" is case "test_x" of suite "pkg/mod"; tests without
 * '/' are in a suite named after the project (or "assay"), which is also
 * the root's name: formats/junit_read takes a suite named like the root for
 * a catch-all and leaves it out of the case's id, so reading the file back
 * gives the same test names. When a real suite has the project's name too
 * (project "demo", test "demo/x"), the catch-all and the root are named
 * "demo/demo" (longer still if that is taken) so that the real suite is
 * not mistaken for it; junit_read leaves out a classname that is the last
 * part of the suite, so the top-level cases' classname stays the project.
 * Messages survive too: the message attribute is the first line of the
 * message and the element's text is the whole of it.
 *
 * Status mapping: failed → <failure type="failed">; error, blocked and
 * invalid → <error type="error|blocked|invalid">; skipped → <skipped>;
 * untested and retest → <skipped type="untested|retest">.
 *
 * Earlier attempts of a retried test become Surefire's rerun elements on
 * the final testcase: when the final attempt did not fail, each failed
 * earlier attempt is a <flakyFailure>/<flakyError>; when it failed too, the
 * first failed attempt is the <failure>/<error>, later ones (the final one
 * last) <rerunFailure>/<rerunError> — the form junit_read reads back as the
 * same attempts. As in Surefire, each rerun element holds its attempt's
 * time and output, and in the rerun form the <testcase>'s are the first
 * failed attempt's. Earlier attempts that did not fail have no JUnit form and
 * are left out. */
#include "util/base.h"

#include <jansson.h>

#include "formats/export.h"
#include "formats/export_text.h"

struct junit {
	const struct run *run;
	const char *top;         /* classname of top-level tests */
	char *root;              /* the root's name and the top-level tests' suite */
	struct buf props;        /* the <properties> block every suite repeats */
};

static void attr(struct buf *o, const char *name, const char *value)
{
	buf_addc(o, ' ');
	buf_adds(o, name);
	buf_add(o, "=\"", 2);
	export_escs(o, value, ESC_XML_ATTR);
	buf_addc(o, '"');
}

static void int_attr(struct buf *o, const char *name, int64_t v)
{
	buf_addc(o, ' ');
	buf_adds(o, name);
	buf_add(o, "=\"", 2);
	export_int(o, v);
	buf_addc(o, '"');
}

static void secs_attr(struct buf *o, const char *name, int64_t ms)
{
	buf_addc(o, ' ');
	buf_adds(o, name);
	buf_add(o, "=\"", 2);
	export_secs(o, ms);
	buf_addc(o, '"');
}

static void property(struct buf *o, const char *name, const char *value)
{
	if (!value)
		return;
	buf_adds(o, "      <property");
	attr(o, "name", name);
	attr(o, "value", value);
	buf_adds(o, "/>\n");
}

static void time_property(struct buf *o, const char *name, int64_t ms)
{
	if (!ms)
		return;
	struct buf t = BUF_INIT;
	export_iso(&t, ms, 1);
	property(o, name, t.data);
	buf_release(&t);
}

/* The run's context (a JSON object) as context.KEY properties. */
static void context_properties(struct buf *o, const char *context_json)
{
	json_t *ctx = context_json ? json_loads(context_json, 0, NULL) : NULL;
	const char *key;
	json_t *v;
	json_object_foreach(ctx, key, v)
	{
		char *name = xasprintf("context.%s", key);
		if (json_is_string(v)) {
			property(o, name, json_string_value(v));
		} else {
			char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			property(o, name, s);
			free(s);
		}
		free(name);
	}
	json_decref(ctx);
}

static void *junit_new(const struct run *run, const struct export_options *o)
{
	struct junit *j = xcalloc(1, sizeof(*j));
	j->run = run;
	j->top = run->project && *run->project ? run->project : "assay";
	struct buf *p = &j->props;
	buf_init(p);
	buf_adds(p, "    <properties>\n");
	property(p, "assay.run_id", run->id);
	property(p, "assay.title", run->title);
	property(p, "assay.project", run->project);
	property(p, "assay.environment", run->environment);
	property(p, "assay.triggered_by", run->triggered_by);
	property(p, "assay.selection", run->definition);
	property(p, "assay.status", verdict_name(run->verdict));
	property(p, "assay.lifecycle", lifecycle_name(run->lifecycle));
	time_property(p, "assay.started_at", run->started_at);
	time_property(p, "assay.completed_at", run->completed_at);
	property(p, "assay.milestone", run->milestone);
	property(p, "assay.pool", run->pool);
	context_properties(p, run->context_json);
	buf_adds(p, "    </properties>\n");
	return j;
}

static void junit_free(void *w)
{
	struct junit *j = w;
	free(j->root);
	buf_release(&j->props);
	free(j);
}

static int64_t failures(const struct export_stats *s)
{
	return s->counts[RS_FAILED];
}

static int64_t errors(const struct export_stats *s)
{
	return s->counts[RS_ERROR] + s->counts[RS_BLOCKED] + s->counts[RS_INVALID];
}

static int64_t skipped(const struct export_stats *s)
{
	return s->counts[RS_SKIPPED] + s->counts[RS_UNTESTED] + s->counts[RS_RETEST];
}

static bool has_group(const struct export_summary *s, const char *name)
{
	for (size_t i = 0; i < s->n_groups; i++)
		if (!strcmp(s->groups[i].name, name))
			return true;
	return false;
}

static void junit_begin(void *w, struct buf *o, const struct export_summary *s)
{
	struct junit *j = w;
	const struct export_stats *t = &s->totals;
	/* A name no real suite has, ending in "/" + top (see the header). */
	j->root = xstrdup(j->top);
	while (has_group(s, j->root)) {
		char *longer = xasprintf("%s/%s", j->root, j->top);
		free(j->root);
		j->root = longer;
	}
	buf_adds(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
	attr(o, "name", j->root);
	int_attr(o, "tests", t->results);
	int_attr(o, "failures", failures(t));
	int_attr(o, "errors", errors(t));
	secs_attr(o, "time", j->run->completed_at ? j->run->duration_ms : t->duration_ms);
	buf_adds(o, ">\n");
}

static void junit_group_begin(void *w, struct buf *o, const struct export_group *g)
{
	struct junit *j = w;
	const struct export_stats *s = &g->stats;
	buf_adds(o, "  <testsuite");
	attr(o, "name", *g->name ? g->name : j->root);
	int_attr(o, "tests", s->results);
	int_attr(o, "failures", failures(s));
	int_attr(o, "errors", errors(s));
	int_attr(o, "skipped", skipped(s));
	secs_attr(o, "time", s->duration_ms);
	int64_t ts = s->first_start ? s->first_start : j->run->started_at;
	if (ts) {
		buf_adds(o, " timestamp=\"");
		export_iso(o, ts, 0);
		buf_addc(o, '"');
	}
	if (j->run->host)
		attr(o, "hostname", j->run->host);
	buf_adds(o, ">\n");
	buf_add(o, j->props.data, j->props.len);
}

static void output(struct buf *o, const char *indent, const char *tag, const char *text);

/* The suite's own output (what an imported file said of the whole suite)
 * after its cases, where JUnit has it. */
static void junit_group_end(void *w, struct buf *o, const struct export_group *g)
{
	output(o, "    ", "system-out", g->system_out);
	output(o, "    ", "system-err", g->system_err);
	buf_adds(o, "  </testsuite>\n");
}

static void junit_end(void *w, struct buf *o, const struct export_summary *s)
{
	buf_adds(o, "</testsuites>\n");
}

/* The JUnit element for a status: "failure", "error", "skipped", or NULL. */
static const char *element(enum result_status st)
{
	switch (st) {
	case RS_PASSED: return NULL;
	case RS_FAILED: return "failure";
	case RS_SKIPPED:
	case RS_UNTESTED:
	case RS_RETEST: return "skipped";
	default: return "error";
	}
}

/* Surefire's name for an earlier attempt with status st: flakyFailure, ... */
static void attempt_tag(struct buf *o, bool rerun, enum result_status st)
{
	buf_adds(o, rerun ? "rerun" : "flaky");
	buf_adds(o, st == RS_FAILED ? "Failure" : "Error");
}

static void output(struct buf *o, const char *indent, const char *tag, const char *text)
{
	if (!text || !*text)
		return;
	buf_adds(o, indent);
	buf_addc(o, '<');
	buf_adds(o, tag);
	buf_addc(o, '>');
	export_escs(o, text, ESC_XML_TEXT);
	buf_add(o, "</", 2);
	buf_adds(o, tag);
	buf_add(o, ">\n", 2);
}

/* message="first line" type="status" (type left out for a plain skip). */
static void message_attrs(struct buf *o, const struct result *r)
{
	if (r->message && *r->message) {
		buf_add(o, " message=\"", 10);
		export_esc(o, r->message, export_first_line(r->message), ESC_XML_ATTR);
		buf_addc(o, '"');
	}
	if (r->status != RS_SKIPPED)
		attr(o, "type", status_name(r->status));
}

/* <failure|error|skipped …>whole message</…> for the final attempt, or the
 * first failed one in the rerun form (`tag` given). */
static void outcome(struct buf *o, const char *tag, const struct result *r)
{
	buf_adds(o, "      <");
	buf_adds(o, tag);
	message_attrs(o, r);
	if (!r->message || !*r->message) {
		buf_add(o, "/>\n", 3);
		return;
	}
	buf_addc(o, '>');
	export_escs(o, r->message, ESC_XML_TEXT);
	buf_add(o, "</", 2);
	buf_adds(o, tag);
	buf_add(o, ">\n", 2);
}

/* A flaky/rerun element, with the attempt's own time and output. */
static void attempt(struct buf *o, bool rerun, const struct result *r)
{
	buf_adds(o, "      <");
	attempt_tag(o, rerun, r->status);
	message_attrs(o, r);
	secs_attr(o, "time", r->duration_ms);
	buf_add(o, ">\n", 2);
	if (r->message && *r->message) {
		buf_adds(o, "        <stackTrace>");
		export_escs(o, r->message, ESC_XML_TEXT);
		buf_adds(o, "</stackTrace>\n");
	}
	output(o, "        ", "system-out", r->stdout_text);
	output(o, "        ", "system-err", r->stderr_text);
	buf_adds(o, "      </");
	attempt_tag(o, rerun, r->status);
	buf_add(o, ">\n", 2);
}

static void junit_result(void *w, struct buf *o, const struct result *r,
			 const struct result *attempts, size_t n)
{
	struct junit *j = w;
	size_t sl = export_suite_len(r->test);
	buf_adds(o, "    <testcase name=\"");
	if (sl)
		export_escs(o, r->test + sl + 1, ESC_XML_ATTR);
	else
		export_escs(o, r->test, ESC_XML_ATTR);
	buf_adds(o, "\" classname=\"");
	if (sl)
		export_esc(o, r->test, sl, ESC_XML_ATTR);
	else
		export_escs(o, j->top, ESC_XML_ATTR);
	buf_addc(o, '"');

	size_t failed_before = 0, first = 0;
	for (size_t i = n; i-- > 0;)
		if (status_is_negative(attempts[i].status)) {
			failed_before++;
			first = i;
		}
	/* The run whose time and output the <testcase> itself carries: in
	 * the rerun form, as Surefire writes it, the first failed one. */
	bool rerun_form = failed_before && status_is_negative(r->status);
	const struct result *head = rerun_form ? &attempts[first] : r;
	secs_attr(o, "time", head->duration_ms);
	const char *el = element(r->status);
	bool out = head->stdout_text && *head->stdout_text;
	bool err = head->stderr_text && *head->stderr_text;
	if (!el && !failed_before && !out && !err) {
		buf_add(o, "/>\n", 3);
		return;
	}
	buf_add(o, ">\n", 2);
	if (rerun_form) {
		/* Failed every time: the first failure, then the reruns. */
		outcome(o, element(attempts[first].status), &attempts[first]);
		for (size_t i = first + 1; i < n; i++)
			if (status_is_negative(attempts[i].status))
				attempt(o, true, &attempts[i]);
		attempt(o, true, r);
	} else {
		if (el)
			outcome(o, el, r);
		for (size_t i = 0; i < n; i++)
			if (status_is_negative(attempts[i].status))
				attempt(o, false, &attempts[i]);
	}
	output(o, "      ", "system-out", head->stdout_text);
	output(o, "      ", "system-err", head->stderr_text);
	buf_adds(o, "    </testcase>\n");
}

const struct export_writer export_junit = {
	.name = "junit",
	.extension = "xml",
	.media_type = "application/xml",
	.with_output = true,
	.with_attempts = true,
	.grouped = true,
	.new = junit_new,
	.begin = junit_begin,
	.group_begin = junit_group_begin,
	.result = junit_result,
	.group_end = junit_group_end,
	.end = junit_end,
	.free = junit_free,
};
