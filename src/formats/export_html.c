/* export_html — a run as one self-contained HTML page for people: inline
 * CSS, an inline SVG chart, no script, font or image to fetch, so it opens
 * the same from a CI artifact, a mail or a laptop offline.
 *
 *   header     title, verdict, run id
 *   Summary    project, environment, triggered by, selection, times, counts,
 *              context, reason
 *   Results    a donut of the run's counters by status, with its legend
 *   Slowest    the slowest top-level tests (the caller's slowest walk)
 *   Failures   every negative result with its message, stdout and stderr,
 *              in recording order; past max_failures, a table row each with
 *              its status, name, duration and the message's first line,
 *              so that a run of 20,000 failures is still a page to open
 *
 * Everything from the run or a test is HTML-escaped (and made valid UTF-8),
 * so a test printing markup shows it as text. Memory stays bounded: each
 * failure is written as it comes. */
#include "util/base.h"

#include <jansson.h>

#include "formats/export.h"
#include "formats/export_text.h"
#include "util/time.h"

enum {
	OPEN_FAILURES = 50,  /* failures shown unfolded */
	FIRST_LINE_MAX = 300 /* bytes of a message in the table past max_failures */
};

struct html {
	const struct run *run;
	struct export_options opts;
	int slow_rows;          /* rows written in the slowest table */
	bool slow_closed;
	int64_t failures;       /* negative results seen */
	bool failures_closed;   /* the table of failures past max_failures ended */
	int suite_outputs;      /* suite outputs written */
};

static const struct {
	enum result_status status;
	const char *color;
} palette[] = {
	{ RS_PASSED, "#2e7d32" },  { RS_FAILED, "#c62828" },  { RS_ERROR, "#ad1457" },
	{ RS_BLOCKED, "#ef6c00" }, { RS_INVALID, "#6a1b9a" }, { RS_SKIPPED, "#9e9e9e" },
	{ RS_UNTESTED, "#b0bec5" }, { RS_RETEST, "#0277bd" },
};

static const char css[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1f2328;"
	"margin:0 auto;max-width:1100px;padding:24px}\n"
	"h1{font-size:22px;margin:0 0 4px}\n"
	"h2{font-size:17px;margin:28px 0 10px;border-bottom:1px solid #d1d9e0;padding-bottom:4px}\n"
	".muted{color:#59636e}\n"
	".verdict{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;"
	"font-size:13px;font-weight:600;vertical-align:middle}\n"
	".v-passed{background:#2e7d32}.v-failed{background:#c62828}.v-error{background:#ad1457}"
	".v-cancelled{background:#757575}.v-running{background:#0277bd}\n"
	"table{border-collapse:collapse;width:100%}\n"
	"td,th{padding:4px 8px;border-bottom:1px solid #d1d9e0;text-align:left;vertical-align:top}\n"
	"th{color:#59636e;font-weight:600}\n"
	".props th{width:150px}\n"
	".num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
	".chart{display:flex;gap:32px;align-items:center;flex-wrap:wrap}\n"
	".chart table{width:auto}.chart td{border:0;padding:2px 8px}\n"
	".sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:6px}\n"
	".st{font-weight:600}\n"
	"details{border:1px solid #d1d9e0;border-radius:6px;margin:8px 0;background:#f6f8fa}\n"
	"summary{cursor:pointer;padding:6px 10px}\n"
	".label{font-size:12px;color:#59636e;padding:6px 10px 2px}\n"
	"pre{margin:0;padding:8px 10px;background:#fff;border-top:1px solid #d1d9e0;"
	"overflow-x:auto;white-space:pre-wrap;word-break:break-word;"
	"font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}\n"
	"code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}\n"
	"footer{margin-top:32px;color:#59636e;font-size:12px}\n";

static const char *color_of(enum result_status s)
{
	for (size_t i = 0; i < ARRAY_SIZE(palette); i++)
		if (palette[i].status == s)
			return palette[i].color;
	return "#000";
}

static void esc(struct buf *o, const char *s)
{
	export_escs(o, s, ESC_HTML);
}

static void *html_new(const struct run *run, const struct export_options *o)
{
	struct html *h = xcalloc(1, sizeof(*h));
	h->run = run;
	if (o)
		h->opts = *o;
	if (h->opts.max_failures <= 0)
		h->opts.max_failures = EXPORT_MAX_FAILURES;
	return h;
}

static void html_free(void *w)
{
	free(w);
}

static void row(struct buf *o, const char *label, const char *value)
{
	if (!value || !*value)
		return;
	buf_adds(o, "<tr><th>");
	buf_adds(o, label);
	buf_adds(o, "</th><td>");
	esc(o, value);
	buf_adds(o, "</td></tr>\n");
}

static void time_row(struct buf *o, const char *label, int64_t ms)
{
	if (!ms)
		return;
	struct buf t = BUF_INIT;
	export_iso(&t, ms, 1);
	row(o, label, t.data);
	buf_release(&t);
}

static void status_span(struct buf *o, enum result_status s)
{
	buf_adds(o, "<span class=\"st\" style=\"color:");
	buf_adds(o, color_of(s));
	buf_adds(o, "\">");
	buf_adds(o, status_name(s));
	buf_adds(o, "</span>");
}

static void counts_line(struct buf *o, const int64_t c[RS__COUNT])
{
	bool any = false;
	for (size_t i = 0; i < ARRAY_SIZE(palette); i++) {
		int64_t n = c[palette[i].status];
		if (!n)
			continue;
		buf_adds(o, any ? ", " : "");
		export_int(o, n);
		buf_addc(o, ' ');
		status_span(o, palette[i].status);
		any = true;
	}
	if (!any)
		buf_adds(o, "none");
}

static void context_row(struct buf *o, const char *context_json)
{
	json_t *ctx = context_json ? json_loads(context_json, 0, NULL) : NULL;
	if (!json_object_size(ctx)) {
		json_decref(ctx);
		return;
	}
	buf_adds(o, "<tr><th>Context</th><td>");
	const char *key;
	json_t *v;
	bool first = true;
	json_object_foreach(ctx, key, v)
	{
		buf_adds(o, first ? "<code>" : "<br><code>");
		esc(o, key);
		buf_addc(o, '=');
		if (json_is_string(v)) {
			esc(o, json_string_value(v));
		} else {
			char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
			esc(o, s);
			free(s);
		}
		buf_adds(o, "</code>");
		first = false;
	}
	buf_adds(o, "</td></tr>\n");
	json_decref(ctx);
}

static void summary(struct buf *o, const struct run *r)
{
	char d[32];
	buf_adds(o, "<h2>Summary</h2>\n<table class=\"props\">\n");
	row(o, "Project", r->project);
	buf_adds(o, "<tr><th>Status</th><td>");
	esc(o, verdict_name(r->verdict));
	buf_adds(o, " <span class=\"muted\">(");
	esc(o, lifecycle_label(r->lifecycle));
	buf_adds(o, ", ");
	export_int(o, r->lifecycle);
	buf_adds(o, ")</span></td></tr>\n");
	row(o, "Description", r->description);
	row(o, "Environment", r->environment);
	row(o, "Triggered by", r->triggered_by);
	row(o, "Selection", r->definition);
	row(o, "Milestone", r->milestone);
	row(o, "Pool", r->pool);
	time_row(o, "Started", r->started_at);
	time_row(o, "Completed", r->completed_at);
	if (r->completed_at) {
		time_human(r->duration_ms, d, sizeof(d));
		row(o, "Duration", d);
	}
	buf_adds(o, "<tr><th>Tests</th><td>");
	export_int(o, r->total);
	buf_adds(o, " planned: ");
	counts_line(o, r->counts);
	buf_adds(o, "</td></tr>\n");
	int64_t subs = 0;
	for (int i = 0; i < RS__COUNT; i++)
		subs += r->sub_counts[i];
	if (subs) {
		buf_adds(o, "<tr><th>Sub-results</th><td>");
		counts_line(o, r->sub_counts);
		buf_adds(o, "</td></tr>\n");
	}
	if (r->flaky) {
		buf_adds(o, "<tr><th>Flaky</th><td>");
		export_int(o, r->flaky);
		buf_adds(o, " passed after failed attempts</td></tr>\n");
	}
	context_row(o, r->context_json);
	row(o, "Reason", r->reason);
	buf_adds(o, "</table>\n");
}

/* A percentage with 3 decimals, for SVG lengths. */
static void pct(struct buf *o, int64_t part, int64_t whole)
{
	int64_t v = whole ? (part * 100000 + whole / 2) / whole : 0; /* thousandths */
	export_int(o, v / 1000);
	buf_addc(o, '.');
	char f[3] = { (char)('0' + v % 1000 / 100), (char)('0' + v % 100 / 10), (char)('0' + v % 10) };
	buf_add(o, f, 3);
}

/* A donut of the run's counters: a circle of circumference 100, one dashed
 * arc per status, starting at the top and going clockwise. */
static void chart(struct buf *o, const struct run *r)
{
	int64_t total = 0;
	for (int i = 0; i < RS__COUNT; i++)
		total += r->counts[i];
	buf_adds(o, "<h2>Results by status</h2>\n<div class=\"chart\">\n"
		    "<svg width=\"180\" height=\"180\" viewBox=\"0 0 42 42\" role=\"img\" "
		    "aria-label=\"results by status\">\n"
		    "<circle cx=\"21\" cy=\"21\" r=\"15.915\" fill=\"none\" stroke=\"#e8ebef\" "
		    "stroke-width=\"6\"/>\n");
	int64_t before = 0;
	for (size_t i = 0; i < ARRAY_SIZE(palette) && total; i++) {
		int64_t n = r->counts[palette[i].status];
		if (!n)
			continue;
		buf_adds(o, "<circle class=\"arc\" cx=\"21\" cy=\"21\" r=\"15.915\" fill=\"none\" "
			    "stroke-width=\"6\" stroke=\"");
		buf_adds(o, palette[i].color);
		buf_adds(o, "\" stroke-dasharray=\"");
		pct(o, n, total);
		buf_addc(o, ' ');
		pct(o, total - n, total);
		/* Dash offset 25 puts the start at 12 o'clock. */
		buf_adds(o, "\" stroke-dashoffset=\"");
		int64_t off = 25000 - (before * 100000 + total / 2) / total; /* thousandths */
		if (off < 0)
			off += 100000;
		export_int(o, off / 1000);
		buf_addc(o, '.');
		char f[3] = { (char)('0' + off % 1000 / 100), (char)('0' + off % 100 / 10),
			       (char)('0' + off % 10) };
		buf_add(o, f, 3);
		buf_adds(o, "\"><title>");
		export_int(o, n);
		buf_addc(o, ' ');
		buf_adds(o, status_name(palette[i].status));
		buf_adds(o, "</title></circle>\n");
		before += n;
	}
	buf_adds(o, "<text x=\"21\" y=\"20.5\" text-anchor=\"middle\" font-size=\"6\" "
		    "font-weight=\"600\">");
	if (total) {
		int64_t p = (r->counts[RS_PASSED] * 100) / total;
		export_int(o, p);
		buf_addc(o, '%');
	} else {
		buf_adds(o, "-");
	}
	buf_adds(o, "</text>\n<text x=\"21\" y=\"26\" text-anchor=\"middle\" font-size=\"3.2\" "
		    "fill=\"#59636e\">passed</text>\n</svg>\n<table>\n");
	for (size_t i = 0; i < ARRAY_SIZE(palette); i++) {
		int64_t n = r->counts[palette[i].status];
		if (!n && palette[i].status != RS_PASSED && palette[i].status != RS_FAILED)
			continue;
		buf_adds(o, "<tr><td><span class=\"sw\" style=\"background:");
		buf_adds(o, palette[i].color);
		buf_adds(o, "\"></span>");
		buf_adds(o, status_name(palette[i].status));
		buf_adds(o, "</td><td class=\"num\">");
		export_int(o, n);
		buf_adds(o, "</td></tr>\n");
	}
	buf_adds(o, "<tr><td>total</td><td class=\"num\">");
	export_int(o, total);
	buf_adds(o, "</td></tr>\n</table>\n</div>\n");
}

static void html_begin(void *w, struct buf *o, const struct export_summary *s)
{
	struct html *h = w;
	const struct run *r = h->run;
	const char *title = r->title && *r->title ? r->title : r->id;
	buf_adds(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		    "<title>");
	esc(o, title);
	buf_adds(o, " — ");
	buf_adds(o, verdict_name(r->verdict));
	buf_adds(o, " (assay)</title>\n<style>\n");
	buf_adds(o, css);
	buf_adds(o, "</style>\n</head>\n<body>\n<header>\n<h1>");
	esc(o, title);
	buf_adds(o, " <span class=\"verdict v-");
	buf_adds(o, verdict_name(r->verdict));
	buf_adds(o, "\">");
	buf_adds(o, verdict_name(r->verdict));
	buf_adds(o, "</span></h1>\n<div class=\"muted\">run <code>");
	buf_adds(o, r->id);
	buf_adds(o, "</code></div>\n</header>\n");
	summary(o, r);
	chart(o, r);
}

static void close_slowest(struct html *h, struct buf *o)
{
	if (h->slow_rows && !h->slow_closed)
		buf_adds(o, "</table>\n");
	h->slow_closed = true;
}

static void html_slow(void *w, struct buf *o, const struct result *r)
{
	struct html *h = w;
	if (r->status == RS_BLOCKED || r->status == RS_UNTESTED)
		return; /* they never ran: their 0 ms says nothing */
	if (!h->slow_rows++)
		buf_adds(o, "<h2>Slowest tests</h2>\n<table>\n<tr><th class=\"num\">#</th>"
			    "<th class=\"num\">Duration</th><th>Status</th><th>Test</th></tr>\n");
	char d[32];
	time_human(r->duration_ms, d, sizeof(d));
	buf_adds(o, "<tr><td class=\"num\">");
	export_int(o, h->slow_rows);
	buf_adds(o, "</td><td class=\"num\">");
	buf_adds(o, d);
	buf_adds(o, "</td><td>");
	status_span(o, r->status);
	buf_adds(o, "</td><td>");
	esc(o, r->test);
	buf_adds(o, "</td></tr>\n");
}

static void block(struct buf *o, const char *label, const char *text, int64_t dropped)
{
	if (!text || !*text)
		return;
	buf_adds(o, "<div class=\"label\">");
	buf_adds(o, label);
	if (dropped) {
		buf_adds(o, " (");
		export_int(o, dropped);
		buf_adds(o, " bytes from the middle not kept)");
	}
	buf_adds(o, "</div><pre>");
	esc(o, text);
	buf_adds(o, "</pre>\n");
}

/* A failure past max_failures: one row of the table that follows the
 * failures shown in full, opened by the first. */
static void failure_row(struct html *h, struct buf *o, const struct result *r, const char *d)
{
	if (h->failures == h->opts.max_failures + 1) {
		buf_adds(o, "<p class=\"muted\">The failures after the first ");
		export_int(o, h->opts.max_failures);
		buf_adds(o, ", without their output (<code>--max-failures</code> shows more in "
			    "full):</p>\n<table>\n<tr><th>Status</th><th>Test</th>"
			    "<th class=\"num\">Duration</th><th>Message</th></tr>\n");
	}
	buf_adds(o, "<tr><td>");
	status_span(o, r->status);
	buf_adds(o, "</td><td>");
	esc(o, r->test);
	buf_adds(o, "</td><td class=\"num\">");
	buf_adds(o, d);
	buf_adds(o, "</td><td>");
	if (r->message) {
		size_t n = strcspn(r->message, "\r\n");
		char *line = xstrndup(r->message, n < FIRST_LINE_MAX ? n : FIRST_LINE_MAX);
		esc(o, line); /* a character cut in two is made U+FFFD */
		if (n > FIRST_LINE_MAX || r->message[n])
			buf_adds(o, " …");
		free(line);
	}
	buf_adds(o, "</td></tr>\n");
}

static void html_result(void *w, struct buf *o, const struct result *r,
			const struct result *attempts, size_t n)
{
	struct html *h = w;
	if (!status_is_negative(r->status))
		return;
	close_slowest(h, o);
	if (!h->failures++)
		buf_adds(o, "<h2>Failures</h2>\n");
	char d[32];
	time_human(r->duration_ms, d, sizeof(d));
	if (h->failures > h->opts.max_failures) {
		failure_row(h, o, r, d);
		return;
	}
	buf_adds(o, h->failures <= OPEN_FAILURES ? "<details open><summary>" : "<details><summary>");
	status_span(o, r->status);
	buf_addc(o, ' ');
	esc(o, r->test);
	buf_adds(o, " <span class=\"muted\">");
	buf_adds(o, d);
	if (r->attempt > 1) {
		buf_adds(o, ", attempt ");
		export_int(o, r->attempt);
	}
	if (r->exit_code >= 0) {
		buf_adds(o, ", exit ");
		export_int(o, r->exit_code);
	}
	buf_adds(o, "</span></summary>\n");
	block(o, "message", r->message, 0);
	block(o, "stdout", r->stdout_text, r->stdout_dropped);
	block(o, "stderr", r->stderr_text, r->stderr_dropped);
	buf_adds(o, "</details>\n");
}

/* Ends the failures: the table of those past max_failures, if any. */
static void close_failures(struct html *h, struct buf *o)
{
	if (h->failures_closed || h->failures <= h->opts.max_failures)
		return;
	h->failures_closed = true;
	buf_adds(o, "</table>\n<p class=\"muted\">");
	export_int(o, h->failures);
	buf_adds(o, " failures in all, ");
	export_int(o, h->failures - h->opts.max_failures);
	buf_adds(o, " without their output here; <code>assay results ");
	buf_adds(o, h->run->id);
	buf_adds(o, " --json --output</code> gives it.</p>\n");
}

/* What an imported file said of a whole suite that has failures (Ant's
 * class log): after the failures, closed. */
static void html_suite_output(void *w, struct buf *o, const struct suite_output *so)
{
	struct html *h = w;
	close_slowest(h, o);
	close_failures(h, o);
	if (!h->suite_outputs++)
		buf_adds(o, "<h2>Suite output</h2>\n<p class=\"muted\">What the result files said "
			    "of whole suites with failures, beside their tests.</p>\n");
	buf_adds(o, "<details><summary>");
	esc(o, *so->suite ? so->suite : h->run->project ? h->run->project : "(top level)");
	buf_adds(o, "</summary>\n");
	block(o, "system-out", so->stdout_text, 0);
	block(o, "system-err", so->stderr_text, 0);
	buf_adds(o, "</details>\n");
}

static void html_end(void *w, struct buf *o, const struct export_summary *s)
{
	struct html *h = w;
	close_slowest(h, o);
	if (!h->failures) {
		buf_adds(o, "<h2>Failures</h2>\n<p class=\"muted\">No test failed.</p>\n");
	}
	close_failures(h, o);
	buf_adds(o, "<footer>assay " ASSAY_VERSION);
	if (h->opts.now) {
		buf_adds(o, ", ");
		export_iso(o, h->opts.now, 1);
	}
	buf_adds(o, "</footer>\n</body>\n</html>\n");
}

const struct export_writer export_html = {
	.name = "html",
	.extension = "html",
	.media_type = "text/html; charset=utf-8",
	.with_output = true,
	.slowest = EXPORT_SLOWEST,
	.new = html_new,
	.begin = html_begin,
	.slow = html_slow,
	.result = html_result,
	.end = html_end,
	.free = html_free,
	.suite_output = html_suite_output,
};
