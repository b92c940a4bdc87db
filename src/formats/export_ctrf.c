/* export_ctrf — a run as a CTRF JSON report (https://ctrf.io), written one
 * test object at a time: the document is never held whole.
 *
 *   {"reportFormat":"CTRF","specVersion":"0.0.0","reportId":…,"timestamp":…,
 *    "generatedBy":"assay X.Y.Z","results":{
 *      "tool":{"name":"assay","version":"X.Y.Z"},
 *      "environment":{"appName":PROJECT,"testEnvironment":ENV,"reportName":TITLE,
 *                     "extra":{the run as the API shows it}},
 *      "tests":[{"name","status","duration","start","stop","suite","message",
 *                "rawStatus","stdout":[lines],"stderr":[lines],
 *                "retries","flaky","retryAttempts":[…],"extra":{…}}, …],
 *      "summary":{"tests","passed","failed","skipped","pending","other",
 *                 "flaky","start","stop","duration"}}}
 *
 * The summary comes after the tests: it counts what was written, and JSON
 * does not order keys. Status mapping (the assay status is kept in
 * rawStatus): passed → passed; failed, error → failed; blocked, invalid →
 * other; skipped → skipped; untested, retest → pending. A test "a/b/c" has
 * name "c" and suite "a/b" (no suite for a name without '/'), so a reader
 * joining "suite/name" (formats/ctrf_read) gets the assay name back. */
#include "util/base.h"

#include <jansson.h>

#include "formats/export.h"
#include "formats/export_text.h"
#include "formats/json_api.h"

struct ctrf {
	const struct run *run;
	struct export_options opts;
	int64_t n;
};

static const char *ctrf_status(enum result_status s)
{
	switch (s) {
	case RS_PASSED: return "passed";
	case RS_FAILED:
	case RS_ERROR: return "failed";
	case RS_SKIPPED: return "skipped";
	case RS_UNTESTED:
	case RS_RETEST: return "pending";
	default: return "other";
	}
}

static void *ctrf_new(const struct run *run, const struct export_options *o)
{
	struct ctrf *c = xcalloc(1, sizeof(*c));
	c->run = run;
	if (o)
		c->opts = *o;
	return c;
}

static void ctrf_free(void *w)
{
	free(w);
}

static void key(struct buf *o, const char *k)
{
	buf_addc(o, '"');
	buf_adds(o, k);
	buf_add(o, "\":", 2);
}

static void str_member(struct buf *o, const char *k, const char *v)
{
	if (!v)
		return;
	buf_addc(o, ',');
	key(o, k);
	export_json_str(o, v);
}

static void int_member(struct buf *o, const char *k, int64_t v)
{
	buf_addc(o, ',');
	key(o, k);
	export_int(o, v);
}

/* The run as the API shows it (formats/json_api), compact. */
static void api_run(struct buf *o, const struct run *run)
{
	json_t *j = json_run(run);
	char *s = json_dumps(j, JSON_COMPACT);
	buf_adds(o, s);
	free(s);
	json_decref(j);
}

static void ctrf_begin(void *w, struct buf *o, const struct export_summary *s)
{
	struct ctrf *c = w;
	const struct run *run = c->run;
	buf_adds(o, "{\"reportFormat\":\"CTRF\",\"specVersion\":\"0.0.0\"");
	str_member(o, "reportId", c->opts.report_id);
	if (c->opts.now) {
		buf_adds(o, ",\"timestamp\":\"");
		export_iso(o, c->opts.now, 1);
		buf_addc(o, '"');
	}
	str_member(o, "generatedBy", "assay " ASSAY_VERSION);
	buf_adds(o, ",\"results\":{\"tool\":{\"name\":\"assay\",\"version\":\"" ASSAY_VERSION "\"}");
	buf_adds(o, ",\"environment\":{\"reportName\":");
	export_json_str(o, run->title ? run->title : run->id);
	str_member(o, "appName", run->project);
	str_member(o, "testEnvironment", run->environment);
	buf_adds(o, ",\"extra\":{\"run\":");
	api_run(o, run);
	buf_adds(o, "}},\n\"tests\":[");
}

/* Text as an array of its lines (no empty last line for a final LF). */
static void lines(struct buf *o, const char *k, const char *text)
{
	if (!text || !*text)
		return;
	buf_addc(o, ',');
	key(o, k);
	buf_addc(o, '[');
	for (const char *p = text; *p;) {
		size_t n = strcspn(p, "\n");
		if (p != text)
			buf_addc(o, ',');
		buf_addc(o, '"');
		export_esc(o, p, n, ESC_JSON);
		buf_addc(o, '"');
		p += n;
		if (*p)
			p++;
	}
	buf_addc(o, ']');
}

/* The members a test and a retry attempt share. */
static void outcome(struct buf *o, const struct result *r)
{
	buf_adds(o, ",\"status\":\"");
	buf_adds(o, ctrf_status(r->status));
	buf_addc(o, '"');
	int_member(o, "duration", r->duration_ms > 0 ? r->duration_ms : 0);
	if (r->started_at)
		int_member(o, "start", r->started_at);
	if (r->completed_at)
		int_member(o, "stop", r->completed_at);
	str_member(o, "message", r->message);
	lines(o, "stdout", r->stdout_text);
	lines(o, "stderr", r->stderr_text);
}

static void ctrf_result(void *w, struct buf *o, const struct result *r,
			const struct result *attempts, size_t n)
{
	struct ctrf *c = w;
	if (c->n++)
		buf_addc(o, ',');
	size_t sl = export_suite_len(r->test);
	buf_adds(o, "\n{\"name\":");
	export_json_str(o, sl ? r->test + sl + 1 : r->test);
	outcome(o, r);
	if (sl) {
		buf_adds(o, ",\"suite\":\"");
		export_esc(o, r->test, sl, ESC_JSON);
		buf_addc(o, '"');
	}
	str_member(o, "rawStatus", status_name(r->status));
	if (n || r->attempt > 1) {
		int_member(o, "retries", n ? (int64_t)n : r->attempt - 1);
		buf_adds(o, r->flaky ? ",\"flaky\":true" : ",\"flaky\":false");
	}
	if (n) {
		buf_adds(o, ",\"retryAttempts\":[");
		for (size_t i = 0; i < n; i++) {
			buf_adds(o, i ? ",{\"attempt\":" : "{\"attempt\":");
			export_int(o, attempts[i].attempt > 0 ? attempts[i].attempt : (int64_t)i + 1);
			outcome(o, &attempts[i]);
			buf_adds(o, ",\"extra\":{\"rawStatus\":\"");
			buf_adds(o, status_name(attempts[i].status));
			buf_adds(o, "\"}}");
		}
		buf_addc(o, ']');
	}
	buf_adds(o, ",\"extra\":{\"id\":\"");
	buf_adds(o, r->id);
	buf_addc(o, '"');
	int_member(o, "attempt", r->attempt);
	if (r->exit_code >= 0)
		int_member(o, "exitCode", r->exit_code);
	str_member(o, "parent", r->parent);
	if (r->stdout_dropped)
		int_member(o, "stdoutDropped", r->stdout_dropped);
	if (r->stderr_dropped)
		int_member(o, "stderrDropped", r->stderr_dropped);
	buf_adds(o, "}}");
}

static void ctrf_end(void *w, struct buf *o, const struct export_summary *s)
{
	struct ctrf *c = w;
	const struct export_stats *t = &s->totals;
	int64_t by[5] = { 0 }; /* passed failed skipped pending other */
	for (int i = 0; i < RS__COUNT; i++) {
		const char *name = ctrf_status((enum result_status)i);
		int k = !strcmp(name, "passed")    ? 0
			: !strcmp(name, "failed")  ? 1
			: !strcmp(name, "skipped") ? 2
			: !strcmp(name, "pending") ? 3
						   : 4;
		by[k] += t->counts[i];
	}
	int64_t start = c->run->started_at ? c->run->started_at : t->first_start;
	int64_t stop = c->run->completed_at ? c->run->completed_at : t->last_stop;
	if (stop < start)
		stop = start;
	buf_adds(o, "\n],\"summary\":{\"tests\":");
	export_int(o, t->results);
	int_member(o, "passed", by[0]);
	int_member(o, "failed", by[1]);
	int_member(o, "skipped", by[2]);
	int_member(o, "pending", by[3]);
	int_member(o, "other", by[4]);
	int_member(o, "flaky", t->flaky);
	int_member(o, "start", start);
	int_member(o, "stop", stop);
	int_member(o, "duration", stop - start);
	buf_adds(o, "}}}\n");
}

const struct export_writer export_ctrf = {
	.name = "ctrf",
	.extension = "json",
	.media_type = "application/json",
	.with_output = true,
	.with_attempts = true,
	.new = ctrf_new,
	.begin = ctrf_begin,
	.result = ctrf_result,
	.end = ctrf_end,
	.free = ctrf_free,
};
