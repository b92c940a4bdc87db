/* http — `assay serve`: the JSON API over the store and service/ (DESIGN.md
 * "Layers"). libmicrohttpd runs a pool of worker threads; each request
 * borrows a store handle from a pool (a handle is used by one thread at a
 * time) and returns it when answered.
 *
 *     struct http_config cfg = { .listen = "127.0.0.1:8080", .db = path };
 *     struct http_server *srv;
 *     if (http_server_start(&cfg, &srv, &e)) ...     // listening when it returns
 *     printf("listening on %s\n", http_server_address(srv));
 *     ... wait for SIGTERM ...
 *     http_server_stop(srv);   // stop accepting, finish in-flight requests, close
 *
 * Every write is committed before its answer is queued, so whatever a client
 * saw acknowledged (2xx) is in the database, however the server ends. */
#ifndef ASSAY_HTTP_HTTP_H
#define ASSAY_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/rc.h"

struct http_config {
	const char *listen;  /* "ADDR:PORT" or "[V6ADDR]:PORT"; port 0 = any free one */
	const char *db;      /* the database URL (store_open) */
	uint64_t max_body;   /* bytes; 0 = 64 MiB */
	bool public_read;    /* reads need no token */
	unsigned threads;    /* worker threads; 0 = 2 per CPU, at least 4 */
	unsigned drain_ms;   /* how long stop waits for in-flight requests; 0 = 10 s */
	const struct catalog *catalog; /* its suites answer /api/v1/suites; may be NULL.
					  Borrowed: it must outlive the server */
	/* Browser origins ("https://dash.example.com", or "*" for any) whose
	 * pages may call the API: their requests are answered with
	 * Access-Control-Allow-Origin, and OPTIONS preflights with what they
	 * may send. None by default. Copied. */
	const char *const *cors_origins;
	size_t n_cors_origins;
	int64_t lease_ms;    /* a worker silent this long loses its run; 0 = 30 s */
};

struct catalog;
struct http_server;

/* Opens the store (migrating it), binds and starts answering. Errors:
 * RC_USAGE (a bad --listen), RC_IO (the address is taken), store errors. */
int http_server_start(const struct http_config *cfg, struct http_server **out,
		      struct error *e);
/* "127.0.0.1:8080", with the port really bound. */
const char *http_server_address(const struct http_server *srv);
/* Periodic upkeep (call every hour or so): forgets old idempotency keys.
 * Errors are returned for the caller to print. */
int http_server_housekeeping(struct http_server *srv, struct error *e);
/* Takes their runs from workers whose lease ran out (call every lease/2 or
 * so; heartbeats and claims also do it). *requeued and *failed count the
 * runs queued again and failed. */
int http_server_expire_leases(struct http_server *srv, size_t *requeued, size_t *failed,
			      struct error *e);
/* Stops accepting, waits for requests being answered (up to drain_ms),
 * then stops the workers and closes the store. Frees srv. */
void http_server_stop(struct http_server *srv);

#endif
