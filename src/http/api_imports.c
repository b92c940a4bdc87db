/* api_imports — POST /api/v1/imports: a JUnit XML, TAP or CTRF body recorded
 * as `assay import` records a file (service_import, all or nothing). The
 * body is written to a temporary file first: the readers take files, and
 * the body is bounded by --max-body anyway. */
#include "util/base.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "formats/detect.h"
#include "formats/json_api.h"
#include "http/api.h"
#include "http/metrics.h"
#include "service/import.h"
#include "util/str.h"

/* Form encodings mean a browser form or curl -d without a header: the body
 * would not be the report's bytes. */
static bool refused_type(const char *ct)
{
	return ct && (!strncasecmp(ct, "multipart/", 10) ||
		      !strncasecmp(ct, "application/x-www-form-urlencoded", 33));
}

/* The file's name inside the upload folder: names the TAP stream's test (as
 * `assay import x.tap` names it "x"). Only [A-Za-z0-9._-]; default "upload". */
static void safe_name(const char *name, char *out, size_t n)
{
	size_t o = 0;
	for (const char *p = name ? name : ""; *p && o + 1 < n; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '.' || c == '_' || c == '-';
		out[o++] = ok ? c : '_';
	}
	out[o] = '\0';
	if (!o || out[0] == '.')
		snprintf(out, n, "upload");
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Takes the upload folder's path out of a message ("/tmp/x/upload: line 3"
 * reads "upload: line 3"): it means nothing to the client. */
static void strip_dir(char *msg, const char *dir)
{
	size_t dl = strlen(dir);
	char *at;
	while ((at = strstr(msg, dir)) && at[dl] == '/')
		memmove(at, at + dl + 1, strlen(at + dl + 1) + 1);
}

void api_imports(struct http_req *rq)
{
	const char *ct = req_header(rq, "Content-Type");
	if (refused_type(ct))
		return reply_error(rq, 415, "unsupported_media_type",
				   "send the report's bytes as the body (application/xml, "
				   "application/json or text/plain), not %.80s",
				   ct);
	if (!rq->body_len)
		return reply_error(rq, 400, "malformed", "the request has no body: send a JUnit "
							 "XML, TAP or CTRF report");
	struct import_request req = { 0 };
	const char *format = req_query(rq, "format");
	if (format && !format_parse(format, &req.format))
		return reply_error(rq, 400, "bad_query", "format: junit, tap or ctrf, not '%.40s'",
				   format);
	req.run = req_query(rq, "run");
	const char *no_tests = req_query(rq, "no_tests");
	if (no_tests && strcmp(no_tests, "error") && strcmp(no_tests, "ignore"))
		return reply_error(rq, 400, "bad_query", "no_tests: error or ignore, not '%.40s'",
				   no_tests);
	req.allow_empty = no_tests && !strcmp(no_tests, "ignore");
	req.props.title = req_query(rq, "title");
	req.props.description = req_query(rq, "description");
	req.props.environment = req_query(rq, "environment");
	req.props.project = req_query(rq, "project");
	/* As for a run queued over the API: who asked, not the server's user. */
	req.triggered_by = rq->token_name ? rq->token_name : "api";
	/* Stored as given, so refused unless UTF-8 (a JSON body's strings are
	 * checked by jansson): a project named with a stray byte could not be
	 * named again. */
	static const char *const texts[] = { "run", "title", "description", "environment",
					     "project", "name" };
	for (size_t i = 0; i < ARRAY_SIZE(texts); i++) {
		const char *v = req_query(rq, texts[i]);
		if (v && !str_utf8_valid(v))
			return reply_error(rq, 400, "bad_query", "%s: not valid UTF-8", texts[i]);
	}
	if (req.run && (req.props.title || req.props.description || req.props.environment ||
			req.props.project))
		return reply_error(rq, 400, "bad_query",
				   "run: adds to an existing run, whose title, description, "
				   "environment and project are already set");
	char name[128];
	safe_name(req_query(rq, "name"), name, sizeof(name));
	char *definition = xasprintf("import %s (API)", name);
	req.props.definition = definition;

	const char *tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/assay-upload-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	char *path = NULL;
	if (!mkdtemp(dir)) {
		reply_error(rq, 500, "io", "making a temporary folder: %s", strerror(errno));
		goto out;
	}
	path = xasprintf("%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	bool written = fd >= 0 && !write_all(fd, rq->body, rq->body_len);
	if (fd >= 0 && close(fd))
		written = false;
	if (!written) {
		reply_error(rq, 500, "io", "writing the upload to %s: %s", dir, strerror(errno));
		goto out;
	}
	/* Results counted for /metrics: an import into a run adds to its counts. */
	int64_t before = 0;
	char into[UUID_STR_LEN];
	struct run prior;
	struct error pe = ERROR_INIT;
	if (req.run && !store_run_resolve(rq->st, req.run, into, &pe) &&
	    !store_run_get(rq->st, into, &prior, &pe)) {
		for (int i = 0; i < RS__COUNT; i++)
			before += prior.counts[i] + prior.sub_counts[i];
		run_release(&prior);
	}
	char *paths[] = { path };
	req.paths = paths;
	req.n_paths = 1;
	struct run run;
	struct error e = ERROR_INIT;
	int rc = service_import(rq->st, &req, NULL, &run, &e);
	strip_dir(e.msg, dir);
	if (rc == RC_STATE) {
		reply_error(rq, 409, "run_closed", "%s", e.msg);
	} else if (rc == RC_USAGE || rc == RC_PARSE) {
		reply_error(rq, 400, rc == RC_PARSE ? "malformed_report" : "bad_report", "%s", e.msg);
	} else if (rc) {
		reply_rc(rq, &e);
	} else {
		int64_t n = 0;
		for (int i = 0; i < RS__COUNT; i++)
			n += run.counts[i] + run.sub_counts[i];
		metrics_results(server_metrics(rq->srv), n - before);
		rq->location = xasprintf("/api/v1/runs/%s", run.id);
		reply_json(rq, req.run ? 200 : 201, json_run(&run));
		run_release(&run);
	}
out:
	if (path)
		unlink(path);
	rmdir(dir);
	free(path);
	free(dir);
	free(definition);
}
