/* router — matching a request's method and path against a table of routes.
 * Pure: no I/O, no HTTP library, so tests/unit/http_test.c checks it alone.
 *
 * A pattern is a path whose segments are literal or "{name}" (one whole
 * segment, matched by any non-empty text without '/'):
 *
 *     static const struct route_pattern pats[] = {
 *             { "GET", "/api/v1/runs/{id}" }, ...
 *     };
 *     struct route_match m;
 *     int i = router_match(pats, n, sizeof(pats[0]), "GET", "/api/v1/runs/0191", &m);
 *     // i >= 0: route i, router_param(&m, "id") == "0191"
 *     // ROUTE_NO_PATH: 404; ROUTE_NO_METHOD: 405, m.allow lists the methods
 */
#ifndef ASSAY_HTTP_ROUTER_H
#define ASSAY_HTTP_ROUTER_H

#include <stddef.h>

#define ROUTE_MAX_PARAMS 4
#define ROUTE_PARAM_MAX 256 /* longer segments do not match a {param} */

/* The head of each row of a route table; a table's rows may be larger
 * structs that start with this one (the stride is passed to router_match). */
struct route_pattern {
	const char *method;  /* "GET", "POST" */
	const char *pattern; /* "/api/v1/runs/{id}/results" */
};

struct route_match {
	size_t n;
	struct {
		char name[32];
		char value[ROUTE_PARAM_MAX];
	} params[ROUTE_MAX_PARAMS];
	char allow[64]; /* on ROUTE_NO_METHOD: "GET, POST" */
};

enum { ROUTE_NO_PATH = -1, ROUTE_NO_METHOD = -2 };

/* The index of the first row whose method and pattern match, or
 * ROUTE_NO_PATH (no pattern matches the path) or ROUTE_NO_METHOD (some
 * pattern matches the path, none with this method; HEAD matches GET). A
 * trailing '/' on the path is ignored. */
int router_match(const void *table, size_t n, size_t stride, const char *method,
		 const char *path, struct route_match *m);
/* The value of parameter `name`, or NULL. */
const char *router_param(const struct route_match *m, const char *name);

#endif
