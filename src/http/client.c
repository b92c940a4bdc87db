/* client — see client.h. */
#include "util/base.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>

#include "http/client.h"
#include "util/buf.h"

struct api_client {
	CURL *curl;
	char *base;
	struct curl_slist *auth; /* the Authorization header, or NULL */
	long timeout_ms;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_start(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

int api_client_new(const char *base, const char *token, struct api_client **out,
		   struct error *e)
{
	*out = NULL;
	if (!base || (strncmp(base, "http://", 7) && strncmp(base, "https://", 8)))
		return err_set(e, RC_USAGE, "server '%s': give a URL like http://host:8080",
			       base ? base : "");
	pthread_once(&curl_once, curl_start);
	struct api_client *c = xcalloc(1, sizeof(*c));
	c->curl = curl_easy_init();
	if (!c->curl) {
		free(c);
		return err_set(e, RC_INTERNAL, "libcurl could not start");
	}
	c->base = xstrdup(base);
	size_t n = strlen(c->base);
	while (n && c->base[n - 1] == '/')
		c->base[--n] = '\0';
	if (token && *token) {
		char *h = xasprintf("Authorization: Bearer %s", token);
		c->auth = curl_slist_append(NULL, h);
		free(h);
	}
	*out = c;
	return RC_OK;
}

void api_client_add_header(struct api_client *c, const char *header)
{
	c->auth = curl_slist_append(c->auth, header);
}

void api_client_set_timeout(struct api_client *c, long ms)
{
	c->timeout_ms = ms;
}

void api_client_free(struct api_client *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->auth);
	free(c->base);
	free(c);
}

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	buf_add(ctx, p, size * n);
	return size * n;
}

static size_t on_read(char *p, size_t size, size_t n, void *ctx)
{
	size_t got = fread(p, size, n, ctx);
	return ferror((FILE *)ctx) ? CURL_READFUNC_ABORT : got * size;
}

/* Runs the prepared transfer; fills status and answer. */
static int perform(struct api_client *c, const char *what, struct curl_slist *headers,
		   int *status, json_t **answer, struct error *e)
{
	struct buf body = BUF_INIT;
	char curl_err[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	CURLcode rc = curl_easy_perform(c->curl);
	*status = 0;
	*answer = NULL;
	int out = RC_OK;
	if (rc != CURLE_OK) {
		out = err_set(e, RC_IO, "%s: %s", what, curl_err[0] ? curl_err : curl_easy_strerror(rc));
	} else {
		long code = 0;
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
		*status = (int)code;
		*answer = body.len ? json_loadb(body.data, body.len, 0, NULL) : NULL;
	}
	buf_release(&body);
	curl_easy_reset(c->curl);
	return out;
}

static struct curl_slist *headers_with(const struct api_client *c, const char *h1,
				       const char *h2)
{
	struct curl_slist *l = NULL;
	for (const struct curl_slist *a = c->auth; a; a = a->next)
		l = curl_slist_append(l, a->data);
	if (h1)
		l = curl_slist_append(l, h1);
	if (h2)
		l = curl_slist_append(l, h2);
	return l;
}

int api_client_call(struct api_client *c, const char *method, const char *path,
		    const char *body, size_t len, int *status, json_t **answer, struct error *e)
{
	return api_client_call_keyed(c, method, path, body, len, NULL, status, answer, e);
}

int api_client_call_keyed(struct api_client *c, const char *method, const char *path,
			  const char *body, size_t len, const char *key, int *status,
			  json_t **answer, struct error *e)
{
	char *url = xasprintf("%s%s", c->base, path);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, method);
	if (body) {
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	}
	char *key_header = key ? xasprintf("Idempotency-Key: %s", key) : NULL;
	struct curl_slist *h = headers_with(c, body ? "Content-Type: application/json" : NULL,
					    key_header);
	free(key_header);
	char *what = xasprintf("%s %s", method, url);
	int rc = perform(c, what, h, status, answer, e);
	curl_slist_free_all(h);
	free(what);
	free(url);
	return rc;
}

int api_client_upload(struct api_client *c, const char *url_path, const char *file,
		      int *status, json_t **answer, struct error *e)
{
	bool in = !strcmp(file, "-");
	FILE *f = in ? stdin : fopen(file, "rb");
	if (!f)
		return err_set(e, errno == ENOENT ? RC_USAGE : RC_IO, "%s: %s", file, strerror(errno));
	long size = -1;
	if (!in && !fseek(f, 0, SEEK_END)) {
		size = ftell(f);
		rewind(f);
	}
	char *url = xasprintf("%s%s", c->base, url_path);
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_POST, 1L);
	curl_easy_setopt(c->curl, CURLOPT_READFUNCTION, on_read);
	curl_easy_setopt(c->curl, CURLOPT_READDATA, f);
	if (size >= 0)
		curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)size);
	/* The server tells the format from the content; this only keeps
	 * curl from announcing a form. Without a size, the body is chunked. */
	struct curl_slist *h = headers_with(c, "Content-Type: application/octet-stream",
					    size < 0 ? "Transfer-Encoding: chunked" : NULL);
	char *what = xasprintf("uploading %s to %s", in ? "standard input" : file, url);
	int rc = perform(c, what, h, status, answer, e);
	curl_slist_free_all(h);
	free(what);
	free(url);
	if (!in)
		fclose(f);
	return rc;
}

const char *api_client_error_text(const json_t *answer, int status)
{
	const char *m = json_string_value(json_object_get(json_object_get(answer, "error"),
							  "message"));
	if (m)
		return m;
	return status >= 500 ? "the server failed" : "the server refused the request";
}

char *api_client_escape(struct api_client *c, const char *s)
{
	char *esc = curl_easy_escape(c->curl, s, 0);
	char *copy = xstrdup(esc ? esc : "");
	curl_free(esc);
	return copy;
}

int api_client_get_raw(struct api_client *c, const char *path, int *status, struct buf *body,
		       struct error *e)
{
	char *url = xasprintf("%s%s", c->base, path);
	struct curl_slist *h = headers_with(c, NULL, NULL);
	char curl_err[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, body);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, c->timeout_ms);
	CURLcode rc = curl_easy_perform(c->curl);
	int out = RC_OK;
	*status = 0;
	if (rc != CURLE_OK) {
		out = err_set(e, RC_IO, "GET %s: %s", url,
			      curl_err[0] ? curl_err : curl_easy_strerror(rc));
	} else {
		long code = 0;
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &code);
		*status = (int)code;
	}
	curl_slist_free_all(h);
	curl_easy_reset(c->curl);
	free(url);
	return out;
}
