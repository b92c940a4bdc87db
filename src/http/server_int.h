/* server_int — what the server core shares with the route handlers (private
 * to http/): the request being answered, the route table, and the helpers a
 * handler answers with.
 *
 * A handler reads rq (path params, query, body) and calls exactly one of
 * reply_json / reply_error / reply_text before returning. It runs on a
 * worker thread with rq->st, a store handle of its own for the request. */
#ifndef ASSAY_HTTP_SERVER_INT_H
#define ASSAY_HTTP_SERVER_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "http/router.h"
#include "store/store.h"
#include "util/rc.h"

struct http_server;
struct MHD_Connection;
struct req_state;
struct ingest;

struct http_req {
	struct http_server *srv;
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	struct route_match match;
	const char *body; /* the whole body (NUL-terminated), or "" */
	size_t body_len;
	struct store *st;
	struct req_state *state; /* the connection's state (server.c) */

	/* The answer, set by reply_*. */
	int status;
	char *resp;       /* heap */
	size_t resp_len;
	const char *content_type;
	char *location;   /* heap; the Location header of a 201, or NULL */
	char *allow;      /* heap; the Allow header of a 405 or an OPTIONS, or NULL */
	bool preflight;   /* an OPTIONS answer: CORS preflight headers too */
	char *token_name; /* heap; the name of the caller's token, or NULL */
};

/* Who may call a route: anyone, any valid token (or anyone with
 * --public-read), or a token of role write or admin. */
enum access { ACCESS_PUBLIC, ACCESS_READ, ACCESS_WRITE };

struct route {
	struct route_pattern head; /* method and pattern; first, for router_match */
	void (*handler)(struct http_req *rq);
	const char *name;          /* for /metrics and the OpenAPI operationId */
	const char *summary;
	const char *query;         /* query parameters, "name:type:text|..."; NULL */
	const char *body;          /* the request body's media type; NULL: none */
	const char *answers;       /* statuses it answers, "200 404" */
	enum access access;        /* ACCESS_WRITE: changes the database */
};

extern const struct route http_routes[];
extern const size_t http_routes_n;

/* ---- answering ---- */

/* Answers `status` with the JSON `v` (consumed: the reference is stolen). */
void reply_json(struct http_req *rq, int status, json_t *v);
/* Answers {"error": {"code": code, "message": ...}} with `status`. */
void reply_error(struct http_req *rq, int status, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Answers an assay error with the status its code means (RC_NOTFOUND 404,
 * RC_STATE 409, RC_USAGE/RC_PARSE 400, RC_EXISTS 409, else 500). */
void reply_rc(struct http_req *rq, const struct error *e);
/* Answers `status` with `text` (copied) of `content_type`. */
void reply_text(struct http_req *rq, int status, const char *content_type, const char *text,
		size_t len);

/* ---- reading the request ---- */

/* A query parameter (unescaped), or NULL. */
const char *req_query(struct http_req *rq, const char *name);
/* A yes/no query parameter: its value, "" when it is given bare (?final),
 * NULL when it is absent. */
const char *req_query_flag(struct http_req *rq, const char *name);
/* A request header, or NULL. */
const char *req_header(struct http_req *rq, const char *name);
/* The parsed JSON body; NULL after answering 400 (with the line and column
 * of a syntax error) or 415 (a Content-Type that is not JSON). */
json_t *req_json(struct http_req *rq);
/* Resolves the {id} of the path (a run id, a unique prefix, or "last") to a
 * full id; false after answering 404/400. A full id is taken as it is,
 * without looking it up: the caller's own read answers 404. */
bool req_run_id(struct http_req *rq, char id[37]);

/* ---- answering later ---- */

/* A request whose work another thread does (service/ingest.h) is answered
 * in two steps, so that no worker thread waits for it:
 *
 *     struct http_wait *w = req_defer(rq, answer, ctx);  // in the handler
 *     ... hand the work and w to the other thread; return without reply_* ...
 *     req_resume(w);                       // the other thread, when done
 *     answer(rq, ctx);                     // then, on a worker thread
 *
 * req_defer suspends the connection; req_resume (any thread, exactly once)
 * wakes it, and `answer` then replies with reply_* as a handler does. If the
 * connection ends before that (the server stops), answer(NULL, ctx) is called
 * instead, only to free ctx. */
struct http_wait;
struct http_wait *req_defer(struct http_req *rq, void (*answer)(struct http_req *rq, void *ctx),
			    void *ctx);
void req_resume(struct http_wait *w);

/* ---- the server, for handlers ---- */

/* The group-commit writer that records results (service/ingest.h). */
struct ingest *server_ingest(struct http_server *srv);

uint64_t server_max_body(const struct http_server *srv);
bool server_public_read(const struct http_server *srv);
/* The catalog the server was started with (for /api/v1/suites), or NULL. */
const struct catalog *server_catalog(const struct http_server *srv);
/* Whether the request may call a route of `access`: true, or false after
 * answering 401 (no token, or not a valid one) or 403 (a read token on a
 * write). Fills rq->token_name (http/auth.c). */
bool auth_check(struct http_req *rq, enum access access);
/* How long a silent worker keeps its run (assay serve --lease). */
int64_t server_lease_ms(const struct http_server *srv);
/* The server's request and ingestion counters (http/metrics.h). */
struct metrics *server_metrics(struct http_server *srv);

#endif
