/* junit_read — the incremental JUnit XML reader declared in junit_read.h.
 *
 * Bytes go through xml_repair (encoding sniffing, invalid UTF-8 and control
 * characters) and then to expat. The handlers keep only what the current
 * <testcase> needs: its attributes, bounded captures of its texts and its
 * earlier attempts, and each open suite's own output; everything else
 * (properties) is read past without being kept. A case is handed to the
 * callback at its end tag and forgotten, except the first case of a suite:
 * it is held until the next case or suite starts or its suite ends, for a
 * suite whose one case it is, in Bazel's shape, gives it the suite's
 * <system-out>/<system-err> when it has none of its own (Bazel writes a
 * target's whole log there, beside its only case, which is the target).
 * Any other suite's own output is handed to its callback at the suite's
 * end.
 *
 * Security: a DOCTYPE stops the parser at once, so no entity can be declared
 * (no "billion laughs", no external entities: expat is never given a
 * handler to load one). */
#include "util/base.h"

#include <expat.h>
#include <limits.h>
#include <math.h>
#include <strings.h>

#include "formats/junit_read.h"
#include "formats/xml_repair.h"
#include "util/capture.h"
#include "util/str.h"

enum {
	TEXT_LIMIT = 32 * 1024,  /* head and tail kept of each text: 64 KiB per field */
	ATTR_LIMIT = 64 * 1024,  /* longest attribute value kept */
	MAX_ATTEMPTS = 100,      /* rerun/flaky elements kept per case */
	OUTPUT_DEPTH = 16,       /* suites nested deeper keep no output of their own:
				    each open suite may hold 128 KiB of it */
	SLICE = 64 * 1024,       /* input repaired and parsed at a time */
};

/* What an element inside a <testcase> is to the reader. */
enum role { R_NONE, R_RESULT, R_OUT, R_ERR, R_ATTEMPT, R_STACK, R_IGNORE };

struct attempt {
	enum result_status status;
	bool rerun;              /* rerunFailure/rerunError (else flaky*) */
	char *message, *type;
	struct capture text, out, err; /* its <stackTrace> (or text), <system-out>, <system-err> */
	int64_t duration_ms;
};

struct tcase {
	bool active;
	int depth;               /* element depth of the <testcase> */
	int line;
	char *name, *classname, *file;
	int64_t duration_ms;
	bool has_result;         /* a failure, error or skipped was read */
	bool not_run;            /* status/result attributes say it did not run */
	enum result_status status;
	char *message, *type;
	struct capture text, out, err;
	uint64_t extra_mark;     /* text size when a further result element began */
	char *extra_message;
	struct attempt *attempts;
	size_t n_attempts, cap_attempts;
	enum role child, grandchild;
};

struct suite {
	char *name, *file;
	int depth;               /* element depth of the <testsuite> */
	size_t cases;            /* cases ended directly inside it */
	bool nested;             /* a suite started inside it */
	struct capture out, err; /* its own <system-out>/<system-err> */
};

struct junit_reader {
	struct junit_callbacks cb;
	XML_Parser xp;
	struct xml_repair repair;
	struct buf scratch;      /* repaired bytes on their way to expat */
	bool encoding_set;
	int depth;
	bool seen_root;
	bool root_ended;         /* the root element's end tag was read */
	/* Where the text after the root starts: the end of the last event from
	 * the root's end tag on (then whitespace, comments, PIs). */
	unsigned long tail_line, tail_col;
	bool tail_cr;            /* the last byte counted was a CR */
	struct suite *suites;
	size_t n_suites, cap_suites;
	char *root_name;         /* name of a <testsuites> root */
	enum role suite_child;   /* R_OUT/R_ERR inside the innermost suite's output */
	struct tcase c;
	struct tcase held;       /* a suite's first case, not delivered yet */
	size_t held_suites;      /* n_suites when it ended */
	char *abort_msg;         /* why a handler stopped the parser */
	int rc;                  /* sticky: once failed, always failed */
	char *err;
	bool finished;
};

/* ---- small helpers ---- */

static const char *attr(const XML_Char **a, const char *name)
{
	for (; a && a[0]; a += 2)
		if (!strcmp(a[0], name))
			return a[1];
	return NULL;
}

/* A copy of an attribute value ("" when absent), cut at ATTR_LIMIT on a
 * UTF-8 character boundary. */
static char *attr_dup(const XML_Char **a, const char *name)
{
	const char *v = attr(a, name);
	if (!v)
		return xstrdup("");
	size_t n = strlen(v);
	if (n > ATTR_LIMIT) {
		n = ATTR_LIMIT;
		while (n && ((unsigned char)v[n] & 0xC0) == 0x80)
			n--;
	}
	return xstrndup(v, n);
}

/* Seconds as JUnit writers print them ("0.001", "1,234.5", "1.234,5", "0,012",
 * "1e-3") in milliseconds; -1 when absent, empty, negative or unreadable.
 * Parsed by hand: strtod would follow the process locale. */
static int64_t parse_seconds(const char *s)
{
	if (!s)
		return -1;
	s += strspn(s, " \t\r\n");
	const char *end = s + strcspn(s, " \t\r\n");
	if (end[strspn(end, " \t\r\n")])
		return -1; /* text after the number */
	char norm[64];
	size_t n = 0, commas = 0, dots = 0;
	const char *comma = NULL, *dot = NULL;
	for (const char *p = s; p < end; p++) {
		if (*p == ',') {
			commas++;
			comma = p;
		} else if (*p == '.') {
			dots++;
			dot = p;
		}
	}
	/* With both, the last one is the decimal separator ("1,234.5", and
	 * "1.234,5" from a German JVM). A lone comma is a decimal comma unless
	 * it groups thousands ("1,234"; never "0,012" or "12,5"). */
	bool decimal_comma = commas && dots ? comma > dot
			     : commas == 1 &&
				       !(comma - s >= 1 && comma - s <= 3 && s[0] != '0' &&
					 end - comma == 4 && strspn(comma + 1, "0123456789") >= 3);
	for (const char *p = s; p < end; p++) {
		char ch = *p;
		if (ch == ',' || ch == '.') {
			if ((ch == ',') != decimal_comma)
				continue; /* a thousands separator */
			ch = '.';
		}
		if (n + 1 >= sizeof(norm))
			return -1;
		norm[n++] = ch;
	}
	norm[n] = '\0';

	const char *p = norm;
	if (*p == '+')
		p++;
	double v = 0;
	int digits = 0, exp10 = 0;
	for (; *p >= '0' && *p <= '9'; p++, digits++)
		v = v * 10 + (*p - '0');
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++, digits++, exp10--)
			v = v * 10 + (*p - '0');
	if (!digits)
		return -1;
	if (*p == 'e' || *p == 'E') {
		p++;
		int sign = *p == '-' ? -1 : 1;
		if (*p == '-' || *p == '+')
			p++;
		int e = 0, ed = 0;
		for (; *p >= '0' && *p <= '9' && e < 10000; p++, ed++)
			e = e * 10 + (*p - '0');
		if (!ed)
			return -1;
		exp10 += sign * e;
	}
	if (*p)
		return -1;
	double ms = v * pow(10.0, exp10 + 3);
	if (!isfinite(ms) || ms > 1e15)
		return -1;
	return (int64_t)llround(ms);
}

/* Stops expat from inside a handler; the message (with the position) is
 * reported by the feed that was running. */
static void stop(struct junit_reader *r, const char *what)
{
	if (r->abort_msg)
		return;
	r->abort_msg = xasprintf("line %lu, column %lu: %s",
				 (unsigned long)XML_GetCurrentLineNumber(r->xp),
				 (unsigned long)XML_GetCurrentColumnNumber(r->xp) + 1, what);
	XML_StopParser(r->xp, XML_FALSE);
}

/* ---- the current test case ---- */

/* <testcase>: keeps its attributes; texts are captured until its end tag. */
static void case_begin(struct junit_reader *r, const XML_Char **a)
{
	struct tcase *c = &r->c;
	memset(c, 0, sizeof(*c));
	c->active = true;
	c->depth = r->depth;
	c->line = (int)XML_GetCurrentLineNumber(r->xp);
	c->name = attr_dup(a, "name");
	c->classname = attr_dup(a, "classname");
	c->file = attr_dup(a, "file");
	if (!*c->file && r->n_suites) {
		free(c->file);
		c->file = xstrdup(r->suites[r->n_suites - 1].file);
	}
	const char *t = attr(a, "time");
	c->duration_ms = parse_seconds(t ? t : attr(a, "duration"));
	/* CTest's status="notrun|disabled", GoogleTest's result="suppressed"
	 * (DISABLED_ tests): skipped even when no <skipped> child says so. */
	const char *st = attr(a, "status"), *res = attr(a, "result");
	c->not_run = (st && (!strcmp(st, "notrun") || !strcmp(st, "disabled"))) ||
		     (res && (!strcmp(res, "suppressed") || !strcmp(res, "skipped")));
	c->status = RS_PASSED;
	capture_init(&c->text, TEXT_LIMIT);
	capture_init(&c->out, TEXT_LIMIT);
	capture_init(&c->err, TEXT_LIMIT);
}

static void case_release(struct tcase *c)
{
	free(c->name);
	free(c->classname);
	free(c->file);
	free(c->message);
	free(c->type);
	free(c->extra_message);
	capture_release(&c->text);
	capture_release(&c->out);
	capture_release(&c->err);
	for (size_t i = 0; i < c->n_attempts; i++) {
		free(c->attempts[i].message);
		free(c->attempts[i].type);
		capture_release(&c->attempts[i].text);
		capture_release(&c->attempts[i].out);
		capture_release(&c->attempts[i].err);
	}
	free(c->attempts);
	memset(c, 0, sizeof(*c));
}

/* <failure>, <error> or <skipped>. The first one gives the status, message
 * and type; later ones (GoogleTest writes one <failure> per failed EXPECT)
 * are appended to the text, with their message when they have no body. */
static void result_begin(struct tcase *c, enum result_status st, const XML_Char **a)
{
	if (!c->has_result) {
		c->has_result = true;
		c->status = st;
		c->message = attr_dup(a, "message");
		c->type = attr_dup(a, "type");
		return;
	}
	if (c->text.total)
		capture_add(&c->text, "\n", 1);
	c->extra_mark = c->text.total;
	free(c->extra_message);
	c->extra_message = attr_dup(a, "message");
}

static void result_end(struct tcase *c)
{
	if (c->extra_message && c->text.total == c->extra_mark)
		capture_add(&c->text, c->extra_message, strlen(c->extra_message));
	free(c->extra_message);
	c->extra_message = NULL;
}

/* Surefire's flakyFailure/flakyError/rerunFailure/rerunError: R_ATTEMPT
 * when kept, R_IGNORE past MAX_ATTEMPTS, R_NONE for any other element. */
static enum role attempt_begin(struct tcase *c, const char *el, const XML_Char **a)
{
	bool rerun = !strncmp(el, "rerun", 5), flaky = !strncmp(el, "flaky", 5);
	if ((!rerun && !flaky) || (strcmp(el + 5, "Failure") && strcmp(el + 5, "Error")))
		return R_NONE;
	if (c->n_attempts >= MAX_ATTEMPTS)
		return R_IGNORE;
	GROW(c->attempts, c->cap_attempts, c->n_attempts + 1);
	struct attempt *t = &c->attempts[c->n_attempts++];
	memset(t, 0, sizeof(*t));
	t->status = !strcmp(el + 5, "Error") ? RS_ERROR : RS_FAILED;
	t->rerun = rerun;
	t->message = attr_dup(a, "message");
	t->type = attr_dup(a, "type");
	t->duration_ms = parse_seconds(attr(a, "time"));
	capture_init(&t->text, TEXT_LIMIT);
	capture_init(&t->out, TEXT_LIMIT);
	capture_init(&t->err, TEXT_LIMIT);
	return R_ATTEMPT;
}

/* An element inside the current <testcase>: notes what its text is for
 * (children, and the stackTrace and output of a rerun element; anything
 * else is ignored). */
static void child_begin(struct junit_reader *r, const char *el, const XML_Char **a)
{
	struct tcase *c = &r->c;
	int rel = r->depth - c->depth;
	if (rel == 1) {
		c->child = R_IGNORE;
		enum result_status st = !strcmp(el, "failure") ? RS_FAILED
				      : !strcmp(el, "error")   ? RS_ERROR
				      : !strcmp(el, "skipped") ? RS_SKIPPED
							       : RS__COUNT;
		if (st != RS__COUNT) {
			result_begin(c, st, a);
			c->child = R_RESULT;
		} else if (!strcmp(el, "system-out"))
			c->child = R_OUT;
		else if (!strcmp(el, "system-err"))
			c->child = R_ERR;
		else
			c->child = attempt_begin(c, el, a) == R_ATTEMPT ? R_ATTEMPT : R_IGNORE;
	} else if (rel == 2) {
		c->grandchild = c->child != R_ATTEMPT		 ? R_IGNORE
				: !strcmp(el, "stackTrace") ? R_STACK
				: !strcmp(el, "system-out") ? R_OUT
				: !strcmp(el, "system-err") ? R_ERR
							    : R_IGNORE;
	}
}

/* Where character data at the current depth goes, or NULL to drop it. */
static struct capture *text_target(struct junit_reader *r)
{
	struct tcase *c = &r->c;
	if (!c->active) {
		struct suite *s = r->n_suites ? &r->suites[r->n_suites - 1] : NULL;
		if (!s || r->depth != s->depth + 1 || r->n_suites > OUTPUT_DEPTH)
			return NULL;
		return r->suite_child == R_OUT ? &s->out : r->suite_child == R_ERR ? &s->err : NULL;
	}
	int rel = r->depth - c->depth;
	struct attempt *last = c->n_attempts ? &c->attempts[c->n_attempts - 1] : NULL;
	if (rel == 1) {
		switch (c->child) {
		case R_RESULT: return &c->text;
		case R_OUT: return &c->out;
		case R_ERR: return &c->err;
		case R_ATTEMPT: return last ? &last->text : NULL; /* older Surefire: the trace as text */
		default: return NULL;
		}
	}
	if (rel == 2 && last) {
		switch (c->grandchild) {
		case R_STACK: return &last->text;
		case R_OUT: return &last->out;
		case R_ERR: return &last->err;
		default: return NULL;
		}
	}
	return NULL;
}

/* Text of a capture with surrounding whitespace removed; heap. */
static char *trimmed_text(const struct capture *cap)
{
	char *t = capture_text_utf8(cap, NULL);
	size_t n = strlen(t), lead = strspn(t, " \t\r\n");
	while (n > lead && strchr(" \t\r\n", t[n - 1]))
		n--;
	memmove(t, t + lead, n - lead);
	t[n - lead] = '\0';
	return t;
}

/* Joins the open suites' non-empty names with "/"; heap. */
static char *suite_path(const struct junit_reader *r)
{
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < r->n_suites; i++) {
		const char *n = r->suites[i].name;
		if (!*n)
			continue;
		if (b.len)
			buf_addc(&b, '/');
		buf_adds(&b, n);
	}
	return buf_detach(&b);
}

/* The strings of an earlier attempt, all heap, freed by attempt_strings_free. */
struct attempt_strings {
	char *text, *out, *err;
};

static struct junit_attempt attempt_view(const struct attempt *t, struct attempt_strings *keep)
{
	keep->text = trimmed_text(&t->text);
	keep->out = capture_text_utf8(&t->out, NULL);
	keep->err = capture_text_utf8(&t->err, NULL);
	return (struct junit_attempt){ t->status, t->message, t->type, keep->text,
				       t->duration_ms, keep->out, keep->err };
}

static void attempt_strings_free(struct attempt_strings *k)
{
	free(k->text);
	free(k->out);
	free(k->err);
}

/* Hands the finished case `c` to the callback. With Surefire reruns the final
 * attempt is the last rerun element: the case shows it, and the first
 * <failure>/<error> with the other reruns become the earlier attempts.
 * Surefire writes the <testcase>'s time and its own <system-out>/<system-err>
 * for the first run, and each rerun's inside its element: each attempt keeps
 * its own. */
static void case_deliver(struct junit_reader *r, struct tcase *c)
{
	size_t n = c->n_attempts + 1;
	struct junit_attempt *list = xcalloc(n, sizeof(*list));
	struct attempt_strings *keep = xcalloc(n, sizeof(*keep));
	size_t k = 0;
	struct attempt *final = NULL;
	for (size_t i = 0; i < c->n_attempts; i++)
		if (c->attempts[i].rerun)
			final = &c->attempts[i];

	struct junit_case jc = {
		.classname = c->classname,
		.name = c->name,
		.file = c->file,
		.status = c->has_result ? c->status : c->not_run ? RS_SKIPPED : RS_PASSED,
		.duration_ms = c->duration_ms,
		.message = c->message ? c->message : "",
		.type = c->type ? c->type : "",
		.line = c->line,
	};
	char *text = capture_text_utf8(&c->text, NULL);
	if (!text[strspn(text, " \t\r\n")])
		*text = '\0'; /* Playwright's "<skipped>\n</skipped>" has no text */
	char *out = capture_text_utf8(&c->out, NULL), *err = capture_text_utf8(&c->err, NULL);
	for (size_t i = 0; i < c->n_attempts; i++) {
		if (!c->attempts[i].rerun) {
			list[k] = attempt_view(&c->attempts[i], &keep[k]);
			k++;
		}
	}
	struct attempt_strings last = { 0 };
	if (final) {
		/* Surefire before 3 wrote no time on its reruns: the case's time
		 * is then the only one, and stays the final attempt's, as it was
		 * before each attempt had its own. */
		bool timed = final->duration_ms >= 0;
		/* a <skipped> before the reruns is no failed attempt (and an
		 * attempt is failed or error, as the header says) */
		if (c->has_result && (jc.status == RS_FAILED || jc.status == RS_ERROR))
			list[k++] = (struct junit_attempt){ jc.status, jc.message, jc.type, text,
							    timed ? jc.duration_ms : -1, out, err };
		for (size_t i = 0; i < c->n_attempts; i++) {
			if (c->attempts[i].rerun && &c->attempts[i] != final) {
				list[k] = attempt_view(&c->attempts[i], &keep[k]);
				k++;
			}
		}
		struct junit_attempt f = attempt_view(final, &last);
		jc.status = f.status;
		jc.message = f.message;
		jc.type = f.type;
		jc.text = f.text;
		if (timed)
			jc.duration_ms = f.duration_ms;
		jc.system_out = f.system_out;
		jc.system_err = f.system_err;
	} else {
		jc.text = text;
		jc.system_out = out;
		jc.system_err = err;
	}
	char *suite = suite_path(r);
	jc.suite = suite;
	jc.root = r->root_name ? r->root_name : "";
	jc.attempts = list;
	jc.n_attempts = k;
	if (r->cb.testcase)
		r->cb.testcase(r->cb.ctx, &jc);
	for (size_t i = 0; i < n; i++)
		attempt_strings_free(&keep[i]);
	attempt_strings_free(&last);
	free(keep);
	free(list);
	free(text);
	free(suite);
	free(out);
	free(err);
	case_release(c);
}

/* Delivers the held case, if any; `s`, its suite when that suite is
 * ending, gives it the suite's own output if it was the suite's one case,
 * in Bazel's shape (no classname, named like the suite: the target), and
 * has none of its own. Any other suite's output stays the suite's: a
 * suite of one case written by assay's own export (a retried test, one
 * class of a suite) must read back as it was. The suites open are those
 * it ended in. */
static void held_deliver(struct junit_reader *r, struct suite *s)
{
	struct tcase *h = &r->held;
	if (!h->active)
		return;
	if (s && s->cases == 1 && !s->nested && !h->out.total && !h->err.total &&
	    (!h->classname || !*h->classname) && h->name && !strcmp(h->name, s->name)) {
		capture_release(&h->out);
		capture_release(&h->err);
		h->out = s->out; /* the suite's captures are the case's now */
		h->err = s->err;
		memset(&s->out, 0, sizeof(s->out));
		memset(&s->err, 0, sizeof(s->err));
	}
	case_deliver(r, h);
}

/* The case ends: held if it is the first of its suite, else delivered
 * (after the held one). */
static void case_end(struct junit_reader *r)
{
	struct suite *s = r->n_suites ? &r->suites[r->n_suites - 1] : NULL;
	held_deliver(r, NULL);
	if (s && !s->cases++) {
		r->held = r->c;
		r->held_suites = r->n_suites;
		memset(&r->c, 0, sizeof(r->c));
		return;
	}
	case_deliver(r, &r->c);
}

/* The ending suite `s`'s own output, unless blank (a pretty-printed empty
 * element) or taken by its one case. */
static void suite_output_deliver(struct junit_reader *r, struct suite *s)
{
	if (!r->cb.suite_output || (!s->out.total && !s->err.total))
		return;
	char *out = capture_text_utf8(&s->out, NULL), *err = capture_text_utf8(&s->err, NULL);
	if (out[strspn(out, " \t\r\n")] || err[strspn(err, " \t\r\n")]) {
		char *path = suite_path(r);
		struct junit_suite_output so = {
			.suite = path,
			.root = r->root_name ? r->root_name : "",
			.system_out = out[strspn(out, " \t\r\n")] ? out : "",
			.system_err = err[strspn(err, " \t\r\n")] ? err : "",
			.line = (int)XML_GetCurrentLineNumber(r->xp),
		};
		r->cb.suite_output(r->cb.ctx, &so);
		free(path);
	}
	free(out);
	free(err);
}

static void suite_release(struct suite *s)
{
	free(s->name);
	free(s->file);
	capture_release(&s->out);
	capture_release(&s->err);
}

/* ---- expat handlers ---- */

/* Start tags: checks the root, opens suites and cases. */
static void XMLCALL on_start(void *ud, const XML_Char *el, const XML_Char **a)
{
	struct junit_reader *r = ud;
	r->depth++;
	if (!r->seen_root) {
		r->seen_root = true;
		if (strcmp(el, "testsuites") && strcmp(el, "testsuite")) {
			char *what = xasprintf("root element <%.100s> is not <testsuites> or <testsuite>", el);
			stop(r, what);
			free(what);
			return;
		}
		if (!strcmp(el, "testsuites"))
			r->root_name = attr_dup(a, "name");
	}
	if (r->c.active) {
		child_begin(r, el, a);
	} else if (!strcmp(el, "testsuite")) {
		held_deliver(r, NULL);
		if (r->n_suites)
			r->suites[r->n_suites - 1].nested = true;
		GROW(r->suites, r->cap_suites, r->n_suites + 1);
		struct suite *s = &r->suites[r->n_suites++];
		memset(s, 0, sizeof(*s));
		s->name = attr_dup(a, "name");
		s->file = attr_dup(a, "file");
		s->depth = r->depth;
		capture_init(&s->out, TEXT_LIMIT);
		capture_init(&s->err, TEXT_LIMIT);
	} else if (!strcmp(el, "testcase")) {
		held_deliver(r, NULL);
		case_begin(r, a);
	} else if (r->n_suites && r->depth == r->suites[r->n_suites - 1].depth + 1) {
		r->suite_child = !strcmp(el, "system-out")   ? R_OUT
				 : !strcmp(el, "system-err") ? R_ERR
							     : R_NONE;
	}
}

/* Moves the tail (see struct junit_reader) to the end of the current event,
 * counting lines and columns over the event's own bytes as expat does: a
 * character is one column, CR, LF and CRLF are one line break. expat's own
 * position at a fault after the root depends on where the input was split;
 * this one does not. (For an empty root element expat reports its end
 * handler at the end of the tag, with no bytes.) */
static void tail_advance(struct junit_reader *r)
{
	r->tail_line = (unsigned long)XML_GetCurrentLineNumber(r->xp);
	r->tail_col = (unsigned long)XML_GetCurrentColumnNumber(r->xp);
	int off = 0, size = 0;
	const char *ctx = XML_GetInputContext(r->xp, &off, &size);
	int count = XML_GetCurrentByteCount(r->xp);
	if (!ctx || count <= 0 || off < 0 || count > size - off)
		return;
	const unsigned char *p = (const unsigned char *)ctx + off;
	bool utf16 = r->repair.mode == XR_PASS;
	/* Every event here starts with an ASCII character: its zero byte tells
	 * UTF-16's byte order. */
	bool le = utf16 && count >= 2 && p[0] && !p[1];
	for (int i = 0; i < count; i += utf16 ? 2 : 1) {
		unsigned c = p[i];
		if (utf16) {
			if (i + 1 >= count)
				break;
			unsigned u = le ? p[i] | (unsigned)p[i + 1] << 8 : (unsigned)p[i] << 8 | p[i + 1];
			if (u >= 0xDC00 && u <= 0xDFFF) /* the second half of a pair */
				continue;
			c = u;
		} else if (r->repair.mode == XR_UTF8 && (c & 0xC0) == 0x80) {
			continue;
		}
		if (c == '\r' || (c == '\n' && !r->tail_cr)) {
			r->tail_line++;
			r->tail_col = 0;
		} else if (c != '\n') {
			r->tail_col++;
		}
		r->tail_cr = c == '\r';
	}
}

/* Whitespace, comments and processing instructions: only followed after
 * the root, to know where text after it starts. */
static void XMLCALL on_default(void *ud, const XML_Char *s, int len)
{
	struct junit_reader *r = ud;
	if (r->root_ended)
		tail_advance(r);
}

/* End tags: delivers a finished case, closes children and suites. */
static void XMLCALL on_end(void *ud, const XML_Char *el)
{
	struct junit_reader *r = ud;
	struct tcase *c = &r->c;
	if (c->active) {
		int rel = r->depth - c->depth;
		if (rel == 0) {
			case_end(r);
		} else if (rel == 1) {
			if (c->child == R_RESULT)
				result_end(c);
			c->child = R_NONE;
		} else if (rel == 2) {
			c->grandchild = R_NONE;
		}
	} else if (!strcmp(el, "testsuite") && r->n_suites) {
		struct suite *s = &r->suites[r->n_suites - 1];
		if (r->held.active && r->held_suites == r->n_suites)
			held_deliver(r, s);
		suite_output_deliver(r, s);
		suite_release(s);
		r->n_suites--;
	} else if (r->n_suites && r->depth == r->suites[r->n_suites - 1].depth + 1) {
		r->suite_child = R_NONE;
	}
	if (--r->depth == 0) {
		r->root_ended = true;
		tail_advance(r);
	}
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
	struct capture *t = text_target(ud);
	if (t && len > 0)
		capture_add(t, s, (size_t)len);
}

/* Any DOCTYPE stops the parse before an entity can be declared. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
			       const XML_Char *pubid, int has_internal_subset)
{
	stop(ud, "DOCTYPE is not allowed (entity expansion)");
}

/* ---- feeding ---- */

/* Turns expat's failure (or a handler's stop) into the reader's sticky
 * RC_PARSE with a message naming the place; returns RC_PARSE. */
static int fail(struct junit_reader *r, struct error *e, bool final)
{
	enum XML_Error code = XML_GetErrorCode(r->xp);
	unsigned long line = (unsigned long)XML_GetCurrentLineNumber(r->xp);
	if (r->abort_msg) {
		r->err = r->abort_msg;
		r->abort_msg = NULL;
	} else if (r->root_ended &&
		   (code == XML_ERROR_JUNK_AFTER_DOC_ELEMENT || code == XML_ERROR_INVALID_TOKEN)) {
		/* Past the root element expat calls the same text "junk" (at
		 * the start of its token) or an "invalid token" (at the bad
		 * character, further on the same line) depending on whether the
		 * chunk ended inside the token: the place is the tail, where the
		 * text starts, however the bytes were split. */
		r->err = xasprintf("line %lu, column %lu: text after the end of the root element",
				   r->tail_line, r->tail_col + 1);
	} else if (final && (code == XML_ERROR_NO_ELEMENTS || code == XML_ERROR_UNCLOSED_TOKEN ||
			     code == XML_ERROR_PARTIAL_CHAR ||
			     code == XML_ERROR_UNCLOSED_CDATA_SECTION)) {
		r->err = xasprintf("line %lu, column %lu: unexpected end of document (truncated?)",
				   line, (unsigned long)XML_GetCurrentColumnNumber(r->xp) + 1);
	} else {
		r->err = xasprintf("line %lu, column %lu: %s", line,
				   (unsigned long)XML_GetCurrentColumnNumber(r->xp) + 1,
				   XML_ErrorString(code));
	}
	held_deliver(r, NULL); /* read whole before the fault, as the cases before it */
	r->rc = RC_PARSE;
	return err_set(e, r->rc, "%s", r->err);
}

/* Passes the repaired bytes in r->scratch to expat, but for a CR at their
 * end (unless final), which waits in r->scratch for the next call. */
static int parse_scratch(struct junit_reader *r, bool final, struct error *e)
{
	if (!r->encoding_set && xml_repair_decided(&r->repair)) {
		const char *enc = xml_repair_encoding(&r->repair);
		if (enc)
			XML_SetEncoding(r->xp, enc);
		r->encoding_set = true;
	}
	if (!r->encoding_set && !final) {
		buf_reset(&r->scratch);
		return RC_OK;
	}
	const char *p = r->scratch.data;
	size_t n = r->scratch.len;
	/* After the root element expat counts a CR that ends its input as a
	 * line break, and the LF that starts the next input as another: the
	 * line of a later error would depend on where the chunks were split.
	 * So a CR never ends expat's input before the end; the last two bytes
	 * wait when either is one (two: a CR in UTF-16 is "\r\0" or "\0\r"). */
	char held[2];
	size_t keep = final ? 0 : n >= 2 && p[n - 2] == '\r' ? 2 : n >= 1 && p[n - 1] == '\r' ? 1 : 0;
	n -= keep;
	memcpy(held, p + n, keep);
	do {
		int part = n > INT_MAX / 2 ? INT_MAX / 2 : (int)n;
		bool last = final && (size_t)part == n;
		if (XML_Parse(r->xp, p, part, last) != XML_STATUS_OK) {
			buf_reset(&r->scratch);
			return fail(r, e, last);
		}
		p += part;
		n -= (size_t)part;
	} while (n);
	buf_reset(&r->scratch);
	buf_add(&r->scratch, held, keep);
	return RC_OK;
}

struct junit_reader *junit_reader_new(const struct junit_callbacks *cb)
{
	struct junit_reader *r = xcalloc(1, sizeof(*r));
	if (cb)
		r->cb = *cb;
	r->xp = XML_ParserCreate(NULL);
	if (!r->xp) {
		fprintf(stderr, "assay: out of memory (creating an XML parser)\n");
		abort();
	}
	XML_SetUserData(r->xp, r);
	XML_SetElementHandler(r->xp, on_start, on_end);
	XML_SetCharacterDataHandler(r->xp, on_text);
	XML_SetDefaultHandlerExpand(r->xp, on_default);
	XML_SetStartDoctypeDeclHandler(r->xp, on_doctype);
	XML_SetParamEntityParsing(r->xp, XML_PARAM_ENTITY_PARSING_NEVER);
	xml_repair_init(&r->repair);
	buf_init(&r->scratch);
	return r;
}

int junit_feed(struct junit_reader *r, const char *bytes, size_t n, struct error *e)
{
	if (r->rc)
		return err_set(e, r->rc, "%s", r->err);
	if (r->finished)
		return err_set(e, RC_STATE, "junit_feed after junit_finish");
	while (n) {
		size_t part = n < SLICE ? n : SLICE;
		xml_repair_feed(&r->repair, bytes, part, &r->scratch);
		if (parse_scratch(r, false, e))
			return r->rc;
		bytes += part;
		n -= part;
	}
	return RC_OK;
}

int junit_finish(struct junit_reader *r, struct error *e)
{
	if (r->rc)
		return err_set(e, r->rc, "%s", r->err);
	if (r->finished)
		return RC_OK;
	r->finished = true;
	xml_repair_finish(&r->repair, &r->scratch);
	return parse_scratch(r, true, e);
}

void junit_reader_free(struct junit_reader *r)
{
	if (!r)
		return;
	XML_ParserFree(r->xp);
	xml_repair_release(&r->repair);
	buf_release(&r->scratch);
	case_release(&r->c);
	case_release(&r->held);
	for (size_t i = 0; i < r->n_suites; i++)
		suite_release(&r->suites[i]);
	free(r->suites);
	free(r->root_name);
	free(r->abort_msg);
	free(r->err);
	free(r);
}

/* ---- the stable id ---- */

static void id_part(struct buf *b, size_t start, const char *s)
{
	if (!*s)
		return;
	if (b->len > start)
		buf_addc(b, '/');
	buf_adds(b, s);
}

/* mocha-junit-reporter's shape: a case named by its full title ("math
 * nested deep"), its own title ("deep") for a classname, in a suite named
 * by the innermost describe ("nested"): the name ends with suite, a space
 * and classname (after a space, or whole), so the classname says nothing
 * new. Only that shape: a classname some name merely ends with is kept. */
static bool names_again(const char *name, const char *suite, const char *cls)
{
	size_t n = strlen(name), s = strlen(suite), k = strlen(cls);
	if (!s || !k || n < s + 1 + k)
		return false;
	const char *at = name + n - (s + 1 + k);
	return (at == name || at[-1] == ' ') && !strncmp(at, suite, s) && at[s] == ' ' &&
	       !strcmp(at + s + 1, cls);
}

/* pytest's default junit_suite_name, CTest's placeholder for a project
 * without a name and mocha-junit-reporter's suite of the tests outside any
 * describe say nothing about the test; nor does a suite named like
 * the whole file (assay's export of top-level tests). */
static bool generic_suite(const char *suite, const char *root)
{
	return !strcmp(suite, "pytest") || !strcmp(suite, "(empty)") ||
	       !strcmp(suite, "Root Suite") ||
	       (root && *root && !strcmp(suite, root));
}

/* Meson's name of a test of project `p` (`p_len` bytes), when `s` is one:
 * "p / test", or "p:suite+other / test" when the test is in suites of its
 * own. Appends "suite+other/test" (or "test") to b and returns true;
 * appends nothing and returns false when `s` is not such a name. */
static bool meson_test_name(const char *s, const char *p, size_t p_len, struct buf *b)
{
	if (!p_len || strncmp(s, p, p_len))
		return false;
	const char *r = s + p_len, *suites = NULL;
	if (*r == ':') {
		suites = r + 1;
		r = strstr(suites, " / ");
		if (!r || r == suites)
			return false;
	}
	if (strncmp(r, " / ", 3) || !r[3])
		return false;
	if (suites)
		buf_addf(b, "%.*s/", (int)(r - suites), suites);
	buf_adds(b, r + 3);
	return true;
}

/* Meson writes a TAP (or Rust) test's points as the cases of a suite named
 * "project.<the test's name>": when `suite` is one, appends
 * "project/suite+other/test" to b and returns true. */
static bool meson_points_suite(const char *suite, struct buf *b)
{
	const char *dot = strchr(suite, '.');
	if (!dot || dot == suite || strncmp(dot + 1, suite, (size_t)(dot - suite)))
		return false; /* not "p.p...": nothing to format (Surefire's every case) */
	size_t p_len = (size_t)(dot - suite), start = b->len;
	buf_addf(b, "%.*s/", (int)p_len, suite);
	if (meson_test_name(dot + 1, suite, p_len, b))
		return true;
	buf_truncate(b, start);
	return false;
}

void junit_suite_id(const char *suite, const char *root, struct buf *b)
{
	if (suite && !generic_suite(suite, root) && !meson_points_suite(suite, b))
		buf_adds(b, suite);
}

void junit_case_id(const struct junit_case *c, struct buf *b)
{
	const char *suite = c->suite ? c->suite : "";
	const char *cls = c->classname ? c->classname : "";
	const char *name = c->name && *c->name ? c->name : "(unnamed)";
	/* jest-junit names a test outside any describe " title", classname
	 * and name alike ("{classname} {title}" with no describe): the space
	 * is not the test's. */
	if (*name == ' ' && name[1] && !strcmp(cls, name))
		cls = ++name;
	const char *last = strrchr(suite, '/');
	last = last ? last + 1 : suite;
	bool generic = generic_suite(suite, c->root);
	/* Bazel's own test.xml has one case, without a classname, named like
	 * its suite: the target ("//pkg:test"), which is the whole name. */
	bool self_named = !*cls && !strcmp(suite, name);
	size_t start = b->len;
	struct buf meson = BUF_INIT;
	/* Meson names a test "project / test" or "project:suites / test", its
	 * classname the project: the project is said once ("proj/test",
	 * "proj/suites/test", not "proj/proj:suites / test"). The points of
	 * its TAP tests are cases of suite "project.project / test" named
	 * "1 first": "proj/test/1 first". The number stays: two points may
	 * share a description, and a repeated case is a rerun. */
	if (*cls && meson_test_name(name, cls, strlen(cls), &meson)) {
		name = meson.data;
	} else if (!strcmp(cls, suite) && meson_points_suite(suite, b)) {
		id_part(b, start, name);
		buf_release(&meson);
		return;
	}
	if (!generic && !self_named)
		id_part(b, start, suite);
	if (strcmp(cls, suite) && strcmp(cls, last) && strcmp(cls, name) &&
	    !names_again(name, suite, cls) && !names_again(name, last, cls))
		id_part(b, start, cls);
	id_part(b, start, name);
	buf_release(&meson);
}

/* True when line `l` is `go test -v`'s framing: "=== RUN   TestX",
 * "--- FAIL: TestX (0.00s)" and their kin, indented for a subtest. */
static bool go_framing(const char *l)
{
	static const char *const marks[] = { "=== RUN ",   "=== PAUSE ", "=== CONT ",
					     "=== NAME ",  "--- FAIL: ", "--- SKIP: ",
					     "--- PASS: " };
	l += strspn(l, " \t");
	for (size_t i = 0; i < ARRAY_SIZE(marks); i++)
		if (!strncmp(l, marks[i], strlen(marks[i])))
			return true;
	return false;
}

/* True when `l` starts like a line of Go's t.Log output: "name.go:12: ". */
static bool go_place(const char *l)
{
	const char *go = strstr(l, ".go:");
	const char *eol = strchr(l, '\n');
	if (!go || (eol && go > eol) || memchr(l, ' ', (size_t)(go - l)))
		return false;
	const char *p = go + 4;
	size_t digits = strspn(p, "0123456789");
	return digits && p[digits] == ':' && p[digits + 1] == ' ';
}

/* A Go test's log as gotestsum and go-junit-report write it in a failure
 * or skip ("=== RUN   TestTotals\n    cart_test.go:16: total off\n--- FAIL:
 * ..."): the framing lines left out and the rest moved left by the
 * indentation its lines share, "cart_test.go:16: total off". NULL when `s`
 * has neither framing nor only indented lines (not a Go log); heap. */
static char *go_log(const char *s)
{
	size_t common = SIZE_MAX;
	bool framed = false;
	for (const char *l = s; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		size_t lead = strspn(l, " \t");
		if (l[lead] == '\n' || l[lead] == '\r' || !l[lead])
			continue;
		if (go_framing(l)) {
			framed = true;
			continue;
		}
		if (lead < common)
			common = lead;
	}
	if (!framed && (common == SIZE_MAX || !common || !go_place(s + strspn(s, " \t\r\n"))))
		return NULL; /* an indented trace of another language: not Go's */
	struct buf b = BUF_INIT;
	for (const char *l = s; *l;) {
		const char *nl = strchr(l, '\n');
		size_t n = nl ? (size_t)(nl - l) + 1 : strlen(l);
		if (!go_framing(l)) {
			size_t lead = strspn(l, " \t");
			lead = common == SIZE_MAX ? lead : lead < common ? lead : common;
			buf_add(&b, l + lead, n - lead);
		}
		l += n;
	}
	buf_addc(&b, '\0');
	return buf_detach(&b);
}

/* GoogleTest starts a failure with its place alone on a line,
 * "math_test.cc:10", and says what failed on the next: the two are joined
 * the way compilers write them, "math_test.cc:10: Expected equality of
 * these values:", so that the first line (what listings show) says both.
 * Only a first line that is a file name (with an extension), a colon and
 * a line number, followed by an unindented line. */
static void join_place(char *m)
{
	size_t n = strcspn(m, "\r\n");
	size_t eol = m[n] == '\r' && m[n + 1] == '\n' ? 2 : 1;
	char next = m[n] ? m[n + eol] : '\0';
	if (!m[n] || !next || next == ' ' || next == '\t' || next == '\n' || next == '\r')
		return;
	size_t digits = 0;
	while (digits < n && m[n - 1 - digits] >= '0' && m[n - 1 - digits] <= '9')
		digits++;
	size_t colon = n - digits - 1;
	if (!digits || digits == n || m[colon] != ':' || memchr(m, ' ', n) || memchr(m, '\t', n))
		return;
	const char *dot = memchr(m, '.', colon);
	if (!dot || memchr(m, ':', colon))
		return;
	/* "place\nwhat" becomes "place: what": one byte more (none with CRLF) */
	size_t len = strlen(m);
	memmove(m + n + 2, m + n + eol, len - n - eol + 1); /* the NUL too */
	m[n] = ':';
	m[n + 1] = ' ';
}

char *report_message(const char *message, const char *text)
{
	/* Catch2 and others put the text on lines of its own, below the
	 * opening tag and above an indented closing one: those blank lines
	 * and that indentation are the file's layout, not the message. */
	while (text[strspn(text, " \t\r")] == '\n')
		text += strspn(text, " \t\r") + 1;
	size_t n = text[strspn(text, " \t\r")] ? strlen(text) : 0, end = n;
	while (end && (text[end - 1] == ' ' || text[end - 1] == '\t'))
		end--;
	if (end < n && end && text[end - 1] == '\n')
		n = end;
	char *m;
	if (!n)
		m = *message ? xstrdup(message) : NULL;
	else if (!*message || !strncmp(text, message, strlen(message)))
		m = xstrndup(text, n);
	else
		m = xasprintf("%s\n%.*s", message, (int)n, text);
	if (m && !*str_strip_ansi(m)) { /* colours and nothing else */
		free(m);
		m = NULL;
	}
	return m;
}

char *junit_message(const char *message, const char *text)
{
	/* gotestsum and go-junit-report say "Failed" or "Skipped" and put
	 * the test's log below (gotestsum a skip's log in the attribute): the
	 * log, without its framing, is the message. */
	bool go = !strcmp(message, "Failed") || !strcmp(message, "Skipped") ||
		  !strncmp(message, "=== RUN ", 8);
	char *go_message = go ? go_log(message) : NULL, *go_text = go ? go_log(text) : NULL;
	if (go_message)
		message = go_message;
	if (go_text) {
		text = go_text;
		if (text[strspn(text, " \t\r\n")])
			message = "";
	}
	/* GoogleTest's attribute is the whole failure, place first, on more
	 * than one line (an exported message's attribute is its first line
	 * only, which keeps messages that came from elsewhere as they are). */
	bool gtest = !go_message && strchr(message, '\n');
	char *m = report_message(message, text);
	if (m && gtest) {
		m = xrealloc(m, strlen(m) + 2); /* join_place may add a byte */
		join_place(m);
	}
	free(go_message);
	free(go_text);
	return m;
}
