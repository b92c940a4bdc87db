/* client — the other side of the API: a small libcurl client that reporters
 * (`assay report`, later `assay run --server`) use to talk to `assay serve`.
 *
 *     struct api_client *c;
 *     api_client_new("http://ci-box:8080", token, &c, &e);
 *     int status; json_t *answer;
 *     api_client_call(c, "POST", "/api/v1/runs", "{}", 2, &status, &answer, &e);
 *     api_client_upload(c, "/api/v1/imports?run=...", "report.xml", &status, &answer, &e);
 *     json_decref(answer);
 *     api_client_free(c);
 *
 * One connection is kept alive across calls. RC_IO when the server cannot
 * be reached or the connection breaks; any HTTP answer is RC_OK with its
 * status, and `answer` is the parsed JSON body (NULL if it was not JSON). */
#ifndef ASSAY_HTTP_CLIENT_H
#define ASSAY_HTTP_CLIENT_H

#include <jansson.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/rc.h"

struct api_client;

/* `base` is "http://host:port" (a trailing '/' is ignored); `token` may be
 * NULL (no Authorization header). */
int api_client_new(const char *base, const char *token, struct api_client **out,
		   struct error *e);
void api_client_free(struct api_client *c);
/* Sends `header` ("Name: value") with every call from now on. */
void api_client_add_header(struct api_client *c, const char *header);
/* Gives up a call that takes longer than `ms` in all (0: never, the
 * default, for uploads of any size); connecting gives up after 10 s. */
void api_client_set_timeout(struct api_client *c, long ms);

/* Sends `body` (JSON; may be NULL for none) to base + path. */
int api_client_call(struct api_client *c, const char *method, const char *path,
		    const char *body, size_t len, int *status, json_t **answer, struct error *e);
/* api_client_call with an Idempotency-Key header. */
int api_client_call_keyed(struct api_client *c, const char *method, const char *path,
			  const char *body, size_t len, const char *key, int *status,
			  json_t **answer, struct error *e);
/* POSTs the file `path` ("-" for standard input), streamed, as the body. */
int api_client_upload(struct api_client *c, const char *url_path, const char *file,
		      int *status, json_t **answer, struct error *e);
/* GETs base + path into `body` (appended; any content), e.g. an archive. */
int api_client_get_raw(struct api_client *c, const char *path, int *status, struct buf *body,
		       struct error *e);
/* The message of an answer's {"error": {"message"}}, or a generic one. */
const char *api_client_error_text(const json_t *answer, int status);
/* A query value escaped for a URL (heap). */
char *api_client_escape(struct api_client *c, const char *s);

#endif
