/* router — see router.h. A table of a dozen routes is scanned in order;
 * matching walks pattern and path segment by segment without copying. */
#include "util/base.h"

#include "http/router.h"

/* Matches one pattern against the path, filling m's params. */
static bool match_pattern(const char *pat, const char *path, struct route_match *m)
{
	m->n = 0;
	while (*pat && *path) {
		if (*pat != '/' || *path != '/')
			return false;
		pat++;
		path++;
		const char *pend = strchr(pat, '/'), *send = strchr(path, '/');
		size_t plen = pend ? (size_t)(pend - pat) : strlen(pat);
		size_t slen = send ? (size_t)(send - path) : strlen(path);
		if (plen > 2 && pat[0] == '{' && pat[plen - 1] == '}') {
			if (!slen || slen >= ROUTE_PARAM_MAX || m->n >= ROUTE_MAX_PARAMS ||
			    plen - 2 >= sizeof(m->params[0].name))
				return false;
			snprintf(m->params[m->n].name, sizeof(m->params[0].name), "%.*s",
				 (int)(plen - 2), pat + 1);
			memcpy(m->params[m->n].value, path, slen);
			m->params[m->n].value[slen] = '\0';
			m->n++;
		} else if (plen != slen || memcmp(pat, path, plen)) {
			return false;
		}
		pat += plen;
		path += slen;
	}
	return !*pat && !*path;
}

int router_match(const void *table, size_t n, size_t stride, const char *method,
		 const char *path, struct route_match *m)
{
	memset(m, 0, sizeof(*m));
	/* "/api/v1/runs/" is "/api/v1/runs"; "/" stays "/". */
	char trimmed[1024];
	size_t len = strlen(path);
	if (len >= sizeof(trimmed) || path[0] != '/')
		return ROUTE_NO_PATH;
	memcpy(trimmed, path, len + 1);
	if (len > 1 && trimmed[len - 1] == '/')
		trimmed[len - 1] = '\0';
	if (!strcmp(method, "HEAD"))
		method = "GET";
	bool path_seen = false;
	struct route_match scratch;
	for (size_t i = 0; i < n; i++) {
		const struct route_pattern *r =
			(const struct route_pattern *)((const char *)table + i * stride);
		if (!match_pattern(r->pattern, trimmed, &scratch))
			continue;
		if (!strcmp(r->method, method)) {
			*m = scratch;
			return (int)i;
		}
		/* Collect the methods the path has, for the Allow header. */
		if (!strstr(m->allow, r->method)) {
			size_t at = strlen(m->allow);
			snprintf(m->allow + at, sizeof(m->allow) - at, "%s%s", at ? ", " : "",
				 r->method);
		}
		path_seen = true;
	}
	/* HEAD is answered wherever GET is (libmicrohttpd drops the body). */
	if (strstr(m->allow, "GET") && !strstr(m->allow, "HEAD")) {
		size_t at = strlen(m->allow);
		snprintf(m->allow + at, sizeof(m->allow) - at, ", HEAD");
	}
	return path_seen ? ROUTE_NO_METHOD : ROUTE_NO_PATH;
}

const char *router_param(const struct route_match *m, const char *name)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->params[i].name, name))
			return m->params[i].value;
	return NULL;
}
