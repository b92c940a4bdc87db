#include "util/base.h"

#include "cli/report.h"
#include "util/strmap.h"

void report_tail(FILE *f, const char *label, const char *text, int lines)
{
	if (!text || !*text || lines <= 0)
		return;
	size_t n = strlen(text);
	while (n && text[n - 1] == '\n')
		n--;
	if (!n)
		return;
	const char *start = text + n;
	int seen = 0;
	while (start > text) {
		if (start[-1] == '\n' && ++seen == lines)
			break;
		start--;
	}
	fprintf(f, "    --- %s%s ---\n", label, start > text ? " (last lines)" : "");
	const char *p = start, *end = text + n;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		fprintf(f, "    %.*s\n", (int)len, p);
		p += len + 1;
	}
}

static void print_message(FILE *f, const char *msg)
{
	if (!msg || !*msg)
		return;
	const char *p = msg;
	int shown = 0;
	while (*p && shown < 12) {
		size_t len = strcspn(p, "\n");
		fprintf(f, "    %.*s\n", (int)len, p);
		p += len + (p[len] == '\n');
		shown++;
	}
	if (*p)
		fprintf(f, "    ...\n");
}

/* A failing result kept for the list, with where it goes in it. */
struct failure {
	struct result r;
	size_t group; /* where its parent's group (its own, for a parent) began */
	size_t idx;   /* its place in recording order */
};

struct failures {
	struct failure *v;
	size_t n, cap;
	struct strmap groups; /* parent name -> index of the group's first failure */
};

/* Keeps a copy of each failing result: only those, so that a run of a
 * million results with a few failures is listed in little memory. */
static int keep_failure(void *ctx, const struct result *r)
{
	struct failures *fl = ctx;
	if (!status_is_negative(r->status))
		return 0;
	GROW(fl->v, fl->cap, fl->n + 1);
	struct failure *f = &fl->v[fl->n];
	result_copy(&f->r, r);
	const char *group = r->parent ? r->parent : r->test;
	if (!strmap_get(&fl->groups, group, &f->group)) {
		f->group = fl->n;
		strmap_put(&fl->groups, group, f->group);
	}
	f->idx = fl->n++;
	return 0;
}

/* A test's failing sub-results are recorded as they are read, before the
 * test's own result and beside other tests': each group is listed whole,
 * the parent first, where its first failure was recorded. */
static int by_group(const void *a, const void *b)
{
	const struct failure *x = a, *y = b;
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	bool xs = x->r.parent != NULL, ys = y->r.parent != NULL;
	if (xs != ys)
		return xs ? 1 : -1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

int report_failures(FILE *f, struct store *st, const char *run_id, int tail, bool color,
		    struct error *e)
{
	struct result_filter flt = { .status = -1, .with_output = true };
	struct failures fl = { .groups = STRMAP_INIT };
	int rc = store_results_each(st, run_id, &flt, keep_failure, &fl, e);
	if (!rc && fl.n)
		qsort(fl.v, fl.n, sizeof(*fl.v), by_group);
	for (size_t i = 0; !rc && i < fl.n; i++) {
		const struct result *r = &fl.v[i].r;
		if (!i)
			fprintf(f, "\nFailures:\n");
		fprintf(f, "\n%s%s %s%s\n", color ? "\033[31m" : "", status_name(r->status),
			r->test, color ? "\033[0m" : "");
		print_message(f, r->message);
		/* Sub-results carry their own text; the parent's output tail
		 * is shown once, with the parent. */
		if (!r->parent) {
			report_tail(f, "stderr", r->stderr_text, tail);
			report_tail(f, "stdout", r->stdout_text, tail);
		}
	}
	for (size_t i = 0; i < fl.n; i++)
		result_release(&fl.v[i].r);
	free(fl.v);
	strmap_release(&fl.groups);
	return rc ? -1 : (int)fl.n;
}

void report_counts(FILE *f, const struct run *r)
{
	int64_t failed = 0;
	for (int i = 0; i < RS__COUNT; i++)
		if (status_is_negative((enum result_status)i))
			failed += r->counts[i];
	if (r->counts[RS_ERROR] || r->counts[RS_BLOCKED] || r->counts[RS_INVALID] ||
	    r->counts[RS_UNTESTED])
		fprintf(f, "(%lld failed, %lld error, %lld blocked, %lld invalid, %lld untested)\n",
			(long long)r->counts[RS_FAILED], (long long)r->counts[RS_ERROR],
			(long long)r->counts[RS_BLOCKED], (long long)r->counts[RS_INVALID],
			(long long)r->counts[RS_UNTESTED]);
	int64_t subs = 0;
	for (int i = 0; i < RS__COUNT; i++)
		subs += r->sub_counts[i];
	if (subs) {
		int64_t sf = 0;
		for (int i = 0; i < RS__COUNT; i++)
			if (status_is_negative((enum result_status)i))
				sf += r->sub_counts[i];
		fprintf(f, "sub-results (TAP/JUnit): %lld passed, %lld failed, %lld skipped\n",
			(long long)r->sub_counts[RS_PASSED], (long long)sf,
			(long long)r->sub_counts[RS_SKIPPED]);
	}
	fprintf(f, "%lld passed, %lld failed", (long long)r->counts[RS_PASSED], (long long)failed);
	if (r->counts[RS_SKIPPED])
		fprintf(f, ", %lld skipped", (long long)r->counts[RS_SKIPPED]);
	fputc('\n', f);
}
