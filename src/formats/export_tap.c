/* export_tap — a run as a TAP 14 stream: one test point per final result,
 * in recording order, the plan at the end (TAP 14 allows it there, so the
 * count need not be known first):
 *
 *   TAP version 14
 *   # assay run ID "TITLE"
 *   ok 1 - pkg/mod/test_x
 *   not ok 2 - pkg/mod/test_y
 *     ---
 *     message: "exit status 1\nassertion failed"
 *     severity: fail
 *     status: failed
 *     duration_ms: 12
 *     ...
 *   ok 3 - pkg/mod/test_z # SKIP needs a GPU
 *     ---
 *     duration_ms: 3
 *     ...
 *   not ok 4 - later # TODO untested
 *   1..4
 *
 * Negative results (failed, error, blocked, invalid) are "not ok" with a
 * YAML block; skipped is "ok # SKIP"; untested and retest (no outcome yet)
 * are "not ok # TODO", which TAP does not count as failures. Names and
 * reasons escape '#' and '\' as TAP 14 says; line breaks become spaces.
 * Other results have a YAML block when they have a duration (node-tap's
 * duration_ms), a skip reason (whole: the directive holds one line) or a
 * parent (a sub-result names the test it belongs to), so that
 * formats/tap_read, seeing the "# assay run" line, reads the run's tests
 * back with their names, statuses, durations and messages. */
#include "util/base.h"

#include "formats/export.h"
#include "formats/export_text.h"

struct tap {
	const struct run *run;
	int64_t n;
};

static void *tap_new(const struct run *run, const struct export_options *o)
{
	struct tap *t = xcalloc(1, sizeof(*t));
	t->run = run;
	return t;
}

static void tap_free(void *w)
{
	free(w);
}

/* A description or directive reason on one line: '#' and '\' escaped, CR
 * and LF as spaces, invalid UTF-8 replaced. */
static void tap_text(struct buf *o, const char *s, size_t n)
{
	const char *end = s + n;
	while (s < end) {
		size_t k = strcspn(s, "#\\\r\n");
		if (s + k > end)
			k = (size_t)(end - s);
		export_esc(o, s, k, ESC_NONE);
		s += k;
		if (s >= end)
			break;
		if (*s == '#' || *s == '\\') {
			buf_addc(o, '\\');
			buf_addc(o, *s);
		} else {
			buf_addc(o, ' ');
		}
		s++;
	}
}

static void tap_begin(void *w, struct buf *o, const struct export_summary *s)
{
	struct tap *t = w;
	buf_adds(o, "TAP version 14\n# assay run ");
	buf_adds(o, t->run->id);
	if (t->run->title) {
		buf_add(o, " \"", 2);
		tap_text(o, t->run->title, strlen(t->run->title));
		buf_addc(o, '"');
	}
	buf_addc(o, '\n');
}

/* Escaped bytes of one YAML value at most. A TAP reader bounds its lines
 * and blocks (formats/tap_read: 64 KiB each): a longer line is cut, and
 * with it the closing quote and the keys after it, so the block no longer
 * parses and the point reads back as a plain failure without its status,
 * duration or message. A longer value is cut here instead, and says so. */
enum { YAML_VALUE_MAX = 48 * 1024 };

/* The length of the longest prefix of value[0..n) that starts no UTF-8
 * character it does not end. */
static size_t utf8_prefix(const char *value, size_t n)
{
	size_t k = n;
	while (k && ((unsigned char)value[k] & 0xC0) == 0x80)
		k--;
	return k;
}

static void yaml_line(struct buf *o, const char *key, const char *value)
{
	buf_adds(o, "  ");
	buf_adds(o, key);
	buf_add(o, ": \"", 3);
	size_t n = strlen(value), k = n;
	struct buf esc = BUF_INIT;
	for (;;) {
		buf_reset(&esc);
		export_esc(&esc, value, k, ESC_YAML);
		if (esc.len <= YAML_VALUE_MAX)
			break;
		/* an escape takes at most 4 bytes a byte: shrink, keep whole
		 * characters, and try again */
		size_t next = k * YAML_VALUE_MAX / esc.len;
		k = utf8_prefix(value, next < k ? next : k - 1);
	}
	buf_add(o, esc.data, esc.len);
	buf_release(&esc);
	if (k < n)
		buf_addf(o, "\\n[... %zu bytes dropped ...]", n - k);
	buf_add(o, "\"\n", 2);
}

static void tap_result(void *w, struct buf *o, const struct result *r,
		       const struct result *attempts, size_t n)
{
	struct tap *t = w;
	bool negative = status_is_negative(r->status);
	bool todo = r->status == RS_UNTESTED || r->status == RS_RETEST;
	buf_adds(o, negative || todo ? "not ok " : "ok ");
	export_int(o, ++t->n);
	buf_add(o, " - ", 3);
	tap_text(o, r->test, strlen(r->test));
	if (r->status == RS_SKIPPED || todo) {
		buf_adds(o, todo ? " # TODO " : " # SKIP");
		if (todo) {
			buf_adds(o, status_name(r->status));
		} else if (r->message && *r->message) {
			buf_addc(o, ' ');
			tap_text(o, r->message, export_first_line(r->message));
		}
	}
	buf_addc(o, '\n');
	if (!negative) {
		/* the reason on the point is one line, escaped, trimmed */
		bool reason = r->status == RS_SKIPPED && r->message && *r->message;
		if (!r->duration_ms && !reason && !r->parent)
			return;
		buf_adds(o, "  ---\n");
		if (reason)
			yaml_line(o, "message", r->message);
		if (r->parent)
			yaml_line(o, "parent", r->parent);
		buf_adds(o, "  duration_ms: ");
		export_int(o, r->duration_ms);
		buf_adds(o, "\n  ...\n");
		return;
	}
	buf_adds(o, "  ---\n");
	if (r->message)
		yaml_line(o, "message", r->message);
	if (r->parent)
		yaml_line(o, "parent", r->parent);
	buf_adds(o, "  severity: fail\n");
	yaml_line(o, "status", status_name(r->status));
	buf_adds(o, "  duration_ms: ");
	export_int(o, r->duration_ms);
	buf_addc(o, '\n');
	if (r->attempt > 1) {
		buf_adds(o, "  attempt: ");
		export_int(o, r->attempt);
		buf_addc(o, '\n');
	}
	if (r->exit_code >= 0) {
		buf_adds(o, "  exit_code: ");
		export_int(o, r->exit_code);
		buf_addc(o, '\n');
	}
	buf_adds(o, "  ...\n");
}

static void tap_end(void *w, struct buf *o, const struct export_summary *s)
{
	struct tap *t = w;
	buf_adds(o, "1..");
	export_int(o, t->n);
	buf_addc(o, '\n');
}

const struct export_writer export_tap = {
	.name = "tap",
	.extension = "tap",
	.media_type = "text/plain; charset=utf-8",
	.new = tap_new,
	.begin = tap_begin,
	.result = tap_result,
	.end = tap_end,
	.free = tap_free,
};
