/* server — the HTTP core of `assay serve` (see http.h): libmicrohttpd set-up,
 * request bodies with their size limit, dispatch through the route table,
 * the pool of store handles, answers and errors, and a clean stop.
 *
 * A request goes through on_request several times: first with its headers
 * (a body too large by its Content-Length is refused there, before it is
 * sent), then once per piece of body, then once more to be answered. The
 * handler runs in that last call, on the worker thread, with a store handle
 * taken from the pool. */
#include "util/base.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "http/http.h"
#include "http/metrics.h"
#include "http/server_int.h"
#include "service/ingest.h"
#include "service/orch.h"
#include "service/results_add.h"
#include "util/buf.h"
#include "util/str.h"
#include "util/time.h"

#define DEFAULT_MAX_BODY (UINT64_C(64) << 20)
#define DEFAULT_DRAIN_MS 10000

/* Store handles not in use. A worker takes one per request and gives it
 * back; there are never more than the number of workers, so the pool only
 * opens handles while the server warms up. */
struct store_pool {
	pthread_mutex_t lock;
	struct store **free;
	size_t n, cap;
};

struct http_server {
	struct MHD_Daemon *mhd;
	char *db;
	char address[80];
	uint64_t max_body;
	bool public_read;
	const struct catalog *catalog;
	int64_t lease_ms;
	unsigned drain_ms;
	struct store_pool pool;
	struct ingest *ingest;
	char **cors;    /* the origins answered with CORS headers; "*": any */
	size_t n_cors;
	struct metrics *metrics;
	atomic_int in_flight; /* requests begun and not yet completed */
	atomic_bool stopping;
};

/* What a connection's current request carries between calls. */
struct req_state {
	int64_t t0;
	struct buf body;
	bool too_large;
	bool answered; /* a response is queued (early, for a 413, or the answer) */
	int status;    /* the answer's status, for /metrics */
	int route;
	/* A deferred answer (req_defer): answer(rq, ctx) once `ready`. */
	struct MHD_Connection *conn;
	void (*answer)(struct http_req *rq, void *ctx);
	void *ctx;
	atomic_bool ready;
};

/* What req_defer hands out: the connection's state, by another name. */
struct http_wait {
	struct req_state rs;
};

/* ---- the store pool ---- */

static int pool_take(struct http_server *srv, struct store **st, struct error *e)
{
	struct store_pool *p = &srv->pool;
	pthread_mutex_lock(&p->lock);
	*st = p->n ? p->free[--p->n] : NULL;
	pthread_mutex_unlock(&p->lock);
	if (*st)
		return RC_OK;
	return store_open(srv->db, st, e);
}

static void pool_give(struct http_server *srv, struct store *st)
{
	struct store_pool *p = &srv->pool;
	pthread_mutex_lock(&p->lock);
	GROW(p->free, p->cap, p->n + 1);
	p->free[p->n++] = st;
	pthread_mutex_unlock(&p->lock);
}

static void store_pool_release(struct store_pool *p)
{
	for (size_t i = 0; i < p->n; i++)
		store_close(p->free[i]);
	free(p->free);
	pthread_mutex_destroy(&p->lock);
}

/* ---- answering ---- */

void reply_text(struct http_req *rq, int status, const char *content_type, const char *text,
		size_t len)
{
	free(rq->resp);
	rq->resp = xmalloc(len + 1);
	memcpy(rq->resp, text, len);
	rq->resp[len] = '\0';
	rq->resp_len = len;
	rq->status = status;
	rq->content_type = content_type;
}

void reply_json(struct http_req *rq, int status, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT);
	json_decref(v);
	if (!s) {
		/* Only an allocation failure gets here; answer without JSON. */
		static const char fallback[] =
			"{\"error\":{\"code\":\"internal\",\"message\":\"encoding the answer\"}}";
		reply_text(rq, 500, "application/json", fallback, sizeof(fallback) - 1);
		return;
	}
	free(rq->resp);
	rq->resp_len = strlen(s);
	rq->resp = s;
	rq->status = status;
	rq->content_type = "application/json";
}

static json_t *error_object(const char *code, const char *message)
{
	json_t *err = json_object();
	json_object_set_new(err, "code", json_string(code));
	/* Messages quote user input, which may not be UTF-8. */
	char *clean = str_utf8_clean(message);
	json_object_set_new(err, "message", json_string(clean));
	free(clean);
	return err;
}

void reply_error(struct http_req *rq, int status, const char *code, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	json_t *o = json_object();
	json_object_set_new(o, "error", error_object(code, msg));
	reply_json(rq, status, o);
}

void reply_rc(struct http_req *rq, const struct error *e)
{
	int status = 500;
	const char *code = "internal";
	switch (e->code) {
	case RC_NOTFOUND:
		status = 404, code = "not_found";
		break;
	case RC_STATE:
		status = 409, code = "conflict";
		break;
	case RC_EXISTS:
		status = 409, code = "exists";
		break;
	case RC_USAGE:
		status = 400, code = "bad_request";
		break;
	case RC_PARSE:
		status = 400, code = "malformed";
		break;
	case RC_STORE:
		/* Most often the write lock was not had within the busy
		 * timeout: the client may retry. */
		status = 503, code = "store_unavailable";
		break;
	default:
		break;
	}
	reply_error(rq, status, code, "%s", e->msg[0] ? e->msg : rc_message(e->code));
}

/* ---- reading the request ---- */

const char *req_query(struct http_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *req_query_flag(struct http_req *rq, const char *name)
{
	const char *v = NULL;
	size_t n = 0;
	/* libmicrohttpd gives a bare key a NULL value: present, but NULL to
	 * MHD_lookup_connection_value. */
	if (MHD_lookup_connection_value_n(rq->conn, MHD_GET_ARGUMENT_KIND, name, strlen(name), &v,
					  &n) != MHD_YES)
		return NULL;
	return v ? v : "";
}

const char *req_header(struct http_req *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

/* Whether the Content-Type (NULL: none given) is JSON. A missing one is
 * taken as JSON: a hand-written curl -d would otherwise need a header. */
static bool is_json_type(const char *ct)
{
	if (!ct)
		return true;
	size_t n = strcspn(ct, "; ");
	return (n == 16 && !strncasecmp(ct, "application/json", 16)) ||
	       (n > 5 && !strncasecmp(ct + n - 5, "+json", 5) && !strncasecmp(ct, "application/", 12));
}

json_t *req_json(struct http_req *rq)
{
	const char *ct = req_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE);
	if (!is_json_type(ct)) {
		reply_error(rq, 415, "unsupported_media_type",
			    "this route takes application/json, not %.100s", ct);
		return NULL;
	}
	if (!rq->body_len) {
		reply_error(rq, 400, "malformed", "the request has no body: a JSON value is expected");
		return NULL;
	}
	json_error_t je;
	json_t *v = json_loadb(rq->body, rq->body_len, JSON_REJECT_DUPLICATES, &je);
	if (!v) {
		json_t *o = json_object();
		json_t *err = error_object("malformed_json", "");
		char msg[300];
		snprintf(msg, sizeof(msg), "line %d, column %d: %s", je.line, je.column, je.text);
		json_object_set_new(err, "message", json_string(msg));
		json_object_set_new(err, "line", json_integer(je.line));
		json_object_set_new(err, "column", json_integer(je.column));
		json_object_set_new(err, "position", json_integer(je.position));
		json_object_set_new(o, "error", err);
		reply_json(rq, 400, o);
		return NULL;
	}
	return v;
}

/* A full lower-case UUID, which needs no lookup to be resolved. */
static bool is_full_id(const char *s)
{
	if (strlen(s) != UUID_STR_LEN - 1)
		return false;
	for (int i = 0; s[i]; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}

bool req_run_id(struct http_req *rq, char id[UUID_STR_LEN])
{
	struct error e = ERROR_INIT;
	const char *name = router_param(&rq->match, "id");
	/* The hot path (a reporter posting to its run) names the run in full;
	 * whether it exists is then found out by the call that reads it. */
	if (name && is_full_id(name)) {
		memcpy(id, name, UUID_STR_LEN);
		return true;
	}
	int rc = store_run_resolve(rq->st, name, id, &e);
	if (rc) {
		reply_rc(rq, &e);
		return false;
	}
	return true;
}

uint64_t server_max_body(const struct http_server *srv)
{
	return srv->max_body;
}

const struct catalog *server_catalog(const struct http_server *srv)
{
	return srv->catalog;
}

bool server_public_read(const struct http_server *srv)
{
	return srv->public_read;
}

int64_t server_lease_ms(const struct http_server *srv)
{
	return srv->lease_ms;
}

struct metrics *server_metrics(struct http_server *srv)
{
	return srv->metrics;
}

/* ---- CORS ---- */

/* The headers a browser may send on a cross-origin call, and how long it may
 * remember a preflight's answer. */
#define CORS_HEADERS "Authorization, Content-Type, Idempotency-Key"
#define CORS_MAX_AGE "600"

/* The Access-Control-Allow-Origin for this request's Origin, or NULL when
 * the origin is not one of --cors-origin (or there is none). */
static const char *cors_origin(struct http_req *rq)
{
	if (!rq->srv->n_cors)
		return NULL;
	const char *origin = req_header(rq, "Origin");
	if (!origin)
		return NULL;
	for (size_t i = 0; i < rq->srv->n_cors; i++) {
		if (!strcmp(rq->srv->cors[i], "*"))
			return "*";
		if (!strcmp(rq->srv->cors[i], origin))
			return origin;
	}
	return NULL;
}

static void add_cors(struct MHD_Response *r, struct http_req *rq)
{
	if (rq->srv->n_cors)
		MHD_add_response_header(r, "Vary", "Origin");
	const char *origin = cors_origin(rq);
	if (!origin)
		return;
	MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
	if (rq->preflight) {
		MHD_add_response_header(r, "Access-Control-Allow-Methods", rq->allow);
		MHD_add_response_header(r, "Access-Control-Allow-Headers", CORS_HEADERS);
		MHD_add_response_header(r, "Access-Control-Max-Age", CORS_MAX_AGE);
	} else {
		MHD_add_response_header(r, "Access-Control-Expose-Headers",
					"Location, Retry-After");
	}
}

/* ---- dispatch ---- */

static enum MHD_Result queue(struct MHD_Connection *c, struct http_req *rq)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(rq->resp_len, rq->resp, MHD_RESPMEM_MUST_FREE);
	if (!r)
		return MHD_NO;
	rq->resp = NULL;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, rq->content_type);
	if (rq->location)
		MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, rq->location);
	if (rq->allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, rq->allow);
	if (rq->status == 503)
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	if (rq->status == 401)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"assay\"");
	add_cors(r, rq);
	enum MHD_Result ok = MHD_queue_response(c, (unsigned)rq->status, r);
	MHD_destroy_response(r);
	return ok;
}

static void req_release(struct http_req *rq)
{
	free(rq->resp);
	free(rq->location);
	free(rq->allow);
	free(rq->token_name);
}

/* Finds the route and runs its handler; fills rq's answer. */
static void dispatch(struct http_server *srv, struct http_req *rq, struct req_state *rs)
{
	int i = router_match(http_routes, http_routes_n, sizeof(http_routes[0]), rq->method,
			     rq->path, &rq->match);
	rs->route = i;
	if (i == ROUTE_NO_PATH) {
		reply_error(rq, 404, "no_route", "no route %s %.200s (see /api/v1/openapi.json)",
			    rq->method, rq->path);
		return;
	}
	if (i == ROUTE_NO_METHOD && !strcmp(rq->method, "OPTIONS")) {
		/* A CORS preflight (or a plain OPTIONS): the methods of the path,
		 * and no token needed, as browsers send none with it. */
		rq->allow = xasprintf("%s, OPTIONS", rq->match.allow);
		rq->preflight = true;
		reply_text(rq, 204, "text/plain", "", 0);
		return;
	}
	if (i == ROUTE_NO_METHOD) {
		rq->allow = xstrdup(rq->match.allow);
		reply_error(rq, 405, "method_not_allowed", "%s is not allowed on %.200s (allowed: %s)",
			    rq->method, rq->path, rq->match.allow);
		return;
	}
	if (rs->too_large) {
		reply_error(rq, 413, "too_large", "the body is over the limit of %llu bytes",
			    (unsigned long long)srv->max_body);
		return;
	}
	if (atomic_load(&srv->stopping) && http_routes[i].access == ACCESS_WRITE) {
		reply_error(rq, 503, "shutting_down", "the server is stopping; retry elsewhere");
		return;
	}
	struct error e = ERROR_INIT;
	if (pool_take(srv, &rq->st, &e)) {
		reply_error(rq, 503, "store_unavailable", "%s", e.msg);
		return;
	}
	if (auth_check(rq, http_routes[i].access))
		http_routes[i].handler(rq);
	pool_give(srv, rq->st);
	rq->st = NULL;
	if (!rq->status && !rs->answer)
		reply_error(rq, 500, "internal", "the handler gave no answer");
}

struct http_wait *req_defer(struct http_req *rq, void (*answer)(struct http_req *rq, void *ctx),
			    void *ctx)
{
	struct req_state *rs = rq->state;
	rs->answer = answer;
	rs->ctx = ctx;
	atomic_store(&rs->ready, false);
	/* Before the work is handed on: resuming is allowed at any time after
	 * this, even before the handler has returned. */
	MHD_suspend_connection(rq->conn);
	return (struct http_wait *)rs;
}

void req_resume(struct http_wait *w)
{
	struct req_state *rs = &w->rs;
	atomic_store(&rs->ready, true);
	MHD_resume_connection(rs->conn);
}

struct ingest *server_ingest(struct http_server *srv)
{
	return srv->ingest;
}

/* Queues rq's answer and releases rq. */
static enum MHD_Result answer_now(struct MHD_Connection *c, struct req_state *rs,
				  struct http_req *rq)
{
	rs->status = rq->status;
	rs->answered = true;
	enum MHD_Result ok = queue(c, rq);
	req_release(rq);
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct req_state *rs = *con_cls;
	if (!rs) {
		rs = xcalloc(1, sizeof(*rs));
		rs->t0 = time_mono_ns();
		rs->route = ROUTE_NO_PATH;
		rs->conn = c;
		buf_init(&rs->body);
		*con_cls = rs;
		atomic_fetch_add(&srv->in_flight, 1);
		/* Refused before the body is sent (and before 100 Continue). */
		const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		int64_t len;
		if (cl && str_to_i64(cl, &len) && (uint64_t)len > srv->max_body) {
			struct http_req rq = { .srv = srv, .conn = c, .method = method, .path = url };
			reply_error(&rq, 413, "too_large",
				    "the body (%lld bytes) is over the limit of %llu bytes",
				    (long long)len, (unsigned long long)srv->max_body);
			rs->answered = true;
			rs->status = 413;
			enum MHD_Result ok = queue(c, &rq);
			req_release(&rq);
			return ok;
		}
		return MHD_YES;
	}
	if (rs->answered) {
		*upload_size = 0;
		return MHD_YES;
	}
	if (rs->answer) {
		/* Called again after req_resume: the deferred work is done. */
		if (!atomic_load(&rs->ready))
			return MHD_YES;
		struct http_req rq = { .srv = srv, .conn = c, .method = method, .path = url,
				       .state = rs };
		void (*answer)(struct http_req *, void *) = rs->answer;
		rs->answer = NULL;
		answer(&rq, rs->ctx);
		if (!rq.status)
			reply_error(&rq, 500, "internal", "the handler gave no answer");
		return answer_now(c, rs, &rq);
	}
	if (*upload_size) {
		/* Over the limit while streaming (no Content-Length, or a wrong
		 * one): the rest is read and dropped, then refused with 413. */
		if (!rs->too_large && rs->body.len + *upload_size > srv->max_body) {
			rs->too_large = true;
			buf_release(&rs->body);
		}
		if (!rs->too_large)
			buf_add(&rs->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	struct http_req rq = {
		.srv = srv, .conn = c, .method = method, .path = url,
		.body = rs->body.data, .body_len = rs->body.len, .state = rs,
	};
	dispatch(srv, &rq, rs);
	buf_release(&rs->body);
	if (rs->answer) {
		/* Deferred: the connection is suspended until req_resume. */
		req_release(&rq);
		return MHD_YES;
	}
	return answer_now(c, rs, &rq);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode why)
{
	struct http_server *srv = cls;
	struct req_state *rs = *con_cls;
	if (!rs)
		return;
	if (rs->answered)
		metrics_request(srv->metrics, rs->route, rs->status, time_mono_ns() - rs->t0);
	*con_cls = NULL;
	/* Gone before its deferred answer (the server stopped). http_server_stop
	 * stops the writer first, so the work is done; were it not, its state
	 * would be leaked rather than freed under the writer. */
	if (rs->answer && !atomic_load(&rs->ready)) {
		atomic_fetch_sub(&srv->in_flight, 1);
		return;
	}
	if (rs->answer)
		rs->answer(NULL, rs->ctx);
	buf_release(&rs->body);
	free(rs);
	atomic_fetch_sub(&srv->in_flight, 1);
}

/* Decodes %XX in the path and query values, in place, except %00: a NUL
 * would end the C string early and turn "/runs/%00x/results" into
 * "/runs/", another route. Left encoded, it is a name nothing matches. */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	char *w = s;
	for (const char *r = s; *r;) {
		if (r[0] == '%' && isxdigit((unsigned char)r[1]) && isxdigit((unsigned char)r[2])) {
			char hex[3] = { r[1], r[2], 0 };
			char v = (char)strtol(hex, NULL, 16);
			if (v) {
				*w++ = v;
				r += 3;
				continue;
			}
		}
		*w++ = *r++;
	}
	*w = '\0';
	return (size_t)(w - s);
}

/* ---- starting and stopping ---- */

/* "127.0.0.1:8080", "[::1]:8080", ":8080" (all IPv4 addresses) into a
 * socket address. */
static int parse_listen(const char *s, struct sockaddr_storage *sa, socklen_t *len, bool *v6,
			struct error *e)
{
	char host[64];
	const char *port;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');
		if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof(host))
			return err_set(e, RC_USAGE, "--listen '%s': use [ADDR]:PORT for IPv6", s);
		snprintf(host, sizeof(host), "%.*s", (int)(end - s - 1), s + 1);
		port = end + 2;
	} else {
		const char *colon = strrchr(s, ':');
		if (!colon || (size_t)(colon - s) >= sizeof(host))
			return err_set(e, RC_USAGE, "--listen '%s': use ADDR:PORT, e.g. 127.0.0.1:8080",
				       s);
		snprintf(host, sizeof(host), "%.*s", (int)(colon - s), s);
		port = colon + 1;
	}
	int64_t p;
	if (!str_to_i64(port, &p) || p < 0 || p > 65535)
		return err_set(e, RC_USAGE, "--listen '%s': the port must be 0..65535", s);
	memset(sa, 0, sizeof(*sa));
	struct sockaddr_in *a4 = (struct sockaddr_in *)sa;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)sa;
	if (!*host || !strcmp(host, "0.0.0.0")) {
		a4->sin_family = AF_INET;
		a4->sin_addr.s_addr = htonl(INADDR_ANY);
		a4->sin_port = htons((uint16_t)p);
		*len = sizeof(*a4);
		*v6 = false;
	} else if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)p);
		*len = sizeof(*a4);
		*v6 = false;
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*a6);
		*v6 = true;
	} else {
		return err_set(e, RC_USAGE,
			       "--listen '%s': '%s' is not an IP address (names are not looked up)",
			       s, host);
	}
	return RC_OK;
}

static void free_server(struct http_server *srv)
{
	ingest_free(srv->ingest);
	for (size_t i = 0; i < srv->n_cors; i++)
		free(srv->cors[i]);
	free(srv->cors);
	store_pool_release(&srv->pool);
	metrics_free(srv->metrics);
	free(srv->db);
	free(srv);
}

int http_server_start(const struct http_config *cfg, struct http_server **out,
		      struct error *e)
{
	*out = NULL;
	struct sockaddr_storage sa;
	socklen_t salen;
	bool v6 = false;
	int rc = parse_listen(cfg->listen ? cfg->listen : "127.0.0.1:8080", &sa, &salen, &v6, e);
	if (rc)
		return rc;
	if (sodium_init() < 0)
		return err_set(e, RC_INTERNAL, "libsodium could not start");
	struct http_server *srv = xcalloc(1, sizeof(*srv));
	pthread_mutex_init(&srv->pool.lock, NULL);
	srv->db = xstrdup(cfg->db);
	srv->max_body = cfg->max_body ? cfg->max_body : DEFAULT_MAX_BODY;
	srv->public_read = cfg->public_read;
	srv->catalog = cfg->catalog;
	srv->lease_ms = cfg->lease_ms > 0 ? cfg->lease_ms : ORCH_DEFAULT_LEASE_MS;
	srv->drain_ms = cfg->drain_ms ? cfg->drain_ms : DEFAULT_DRAIN_MS;
	srv->metrics = metrics_new(http_routes_n);
	/* The first handle migrates the database and proves it opens, so a bad
	 * --db fails here rather than in every request. */
	struct store *st;
	if ((rc = store_open(srv->db, &st, e))) {
		free_server(srv);
		return rc;
	}
	pool_give(srv, st);
	if ((rc = ingest_new(srv->db, &srv->ingest, e))) {
		free_server(srv);
		return rc;
	}
	if (cfg->n_cors_origins) {
		srv->cors = xcalloc(cfg->n_cors_origins, sizeof(*srv->cors));
		for (size_t i = 0; i < cfg->n_cors_origins; i++)
			srv->cors[srv->n_cors++] = xstrdup(cfg->cors_origins[i]);
	}
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned threads = cfg->threads ? cfg->threads : (unsigned)(cpus > 2 ? 2 * cpus : 4);
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC |
			 MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | (v6 ? MHD_USE_IPv6 : 0);
	srv->mhd = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
		srv, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_CONNECTION_LIMIT,
		(unsigned)1000, MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL, MHD_OPTION_END);
	if (!srv->mhd) {
		rc = err_set(e, RC_IO, "cannot listen on %s (in use, or not an address of this host)",
			     cfg->listen ? cfg->listen : "127.0.0.1:8080");
		free_server(srv);
		return rc;
	}
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(srv->mhd, MHD_DAEMON_INFO_BIND_PORT);
	unsigned port = info ? info->port : 0;
	char host[INET6_ADDRSTRLEN] = "";
	if (v6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&sa)->sin6_addr, host, sizeof(host));
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)&sa)->sin_addr, host, sizeof(host));
	snprintf(srv->address, sizeof(srv->address), v6 ? "[%s]:%u" : "%s:%u", host, port);
	*out = srv;
	return RC_OK;
}

const char *http_server_address(const struct http_server *srv)
{
	return srv->address;
}

int http_server_housekeeping(struct http_server *srv, struct error *e)
{
	struct store *st;
	int rc = pool_take(srv, &st, e);
	if (rc)
		return rc;
	int64_t n;
	rc = service_idem_expire(st, time_now_ms(), &n, e);
	pool_give(srv, st);
	return rc;
}

/* Waits until no request is in flight, or until `deadline`. */
static void drain(struct http_server *srv, int64_t deadline)
{
	while (atomic_load(&srv->in_flight) > 0 && time_mono_ns() < deadline) {
		struct timespec ts = { 0, 5 * 1000000 };
		nanosleep(&ts, NULL);
	}
}

int http_server_expire_leases(struct http_server *srv, size_t *requeued, size_t *failed,
			      struct error *e)
{
	struct store *st;
	int rc = pool_take(srv, &st, e);
	if (rc)
		return rc;
	rc = service_orch_expire(st, srv->lease_ms, requeued, failed, e);
	pool_give(srv, st);
	return rc;
}

void http_server_stop(struct http_server *srv)
{
	if (!srv)
		return;
	atomic_store(&srv->stopping, true);
	MHD_socket listen_fd = MHD_quiesce_daemon(srv->mhd);
	/* In-flight requests finish (their writes commit and their answers go
	 * out) before the workers are stopped. */
	int64_t deadline = time_mono_ns() + (int64_t)srv->drain_ms * 1000000;
	drain(srv, deadline);
	/* Whatever is still queued for the writer is recorded and its
	 * connections woken before the daemon stops: it must not stop with a
	 * connection suspended. Their answers get a moment to go out. */
	ingest_stop(srv->ingest);
	drain(srv, time_mono_ns() + 1000 * (int64_t)1000000);
	MHD_stop_daemon(srv->mhd);
	if (listen_fd != MHD_INVALID_SOCKET)
		close(listen_fd);
	free_server(srv);
}
