/* export_csv — a run's results as CSV (RFC 4180: CRLF line ends, fields
 * with a comma, quote, CR or LF in double quotes, quotes doubled), with the
 * columns of the run dashboard:
 *
 *   id,title,suite,status,duration_ms,assignee,started_at,message
 *
 * one row per final result in recording order. title is the last part of
 * the test name and suite the part before it ("" for top-level tests);
 * started_at is ISO 8601 UTC; assignee is empty until runs have assignees. */
#include "util/base.h"

#include "formats/export.h"
#include "formats/export_text.h"

static void *csv_new(const struct run *run, const struct export_options *o)
{
	return xcalloc(1, 1);
}

static void csv_free(void *w)
{
	free(w);
}

static void csv_begin(void *w, struct buf *o, const struct export_summary *s)
{
	buf_adds(o, "id,title,suite,status,duration_ms,assignee,started_at,message\r\n");
}

static void csv_result(void *w, struct buf *o, const struct result *r,
		       const struct result *attempts, size_t n)
{
	size_t sl = export_suite_len(r->test);
	buf_adds(o, r->id);
	buf_addc(o, ',');
	const char *title = sl ? r->test + sl + 1 : r->test;
	export_csv_field(o, title, strlen(title));
	buf_addc(o, ',');
	export_csv_field(o, r->test, sl);
	buf_addc(o, ',');
	buf_adds(o, status_name(r->status));
	buf_addc(o, ',');
	export_int(o, r->duration_ms);
	buf_add(o, ",,", 2); /* assignee */
	export_iso(o, r->started_at, 1);
	buf_addc(o, ',');
	if (r->message)
		export_csv_field(o, r->message, strlen(r->message));
	buf_add(o, "\r\n", 2);
}

static void csv_end(void *w, struct buf *o, const struct export_summary *s)
{
}

const struct export_writer export_csv = {
	.name = "csv",
	.extension = "csv",
	.media_type = "text/csv; charset=utf-8",
	.new = csv_new,
	.begin = csv_begin,
	.result = csv_result,
	.end = csv_end,
	.free = csv_free,
};
