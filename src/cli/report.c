#include "util/base.h"

#include "cli/report.h"

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

int report_failures(FILE *f, struct store *st, const char *run_id, int tail, bool color,
		    struct error *e)
{
	struct result_filter flt = { .status = -1, .with_output = true };
	struct result *rs;
	size_t n;
	if (store_results_list(st, run_id, &flt, &rs, &n, e))
		return -1;
	int shown = 0;
	for (size_t i = 0; i < n; i++) {
		struct result *r = &rs[i];
		if (!status_is_negative(r->status))
			continue;
		if (!shown)
			fprintf(f, "\nFailures:\n");
		shown++;
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
	store_results_free(rs, n);
	return shown;
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
