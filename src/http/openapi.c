/* openapi — the OpenAPI 3.0 document of the API, written from the route
 * table (routes.c) on each request: what it lists is what the router has. */
#include "util/base.h"

#include "http/api.h"

static const char *status_text(int code)
{
	switch (code) {
	case 200: return "OK";
	case 201: return "Created";
	case 207: return "Some items were invalid (see items)";
	case 400: return "Bad request (error object)";
	case 404: return "No such run";
	case 409: return "The run is closed";
	case 413: return "Body over --max-body, or too many items";
	case 415: return "Unsupported Content-Type";
	case 422: return "Nothing valid to record, or an Idempotency-Key reused";
	default: return "See the error object";
	}
}

/* Adds the query parameters of "name:type:text|..." to `params`. */
static void add_query(json_t *params, const char *spec)
{
	while (spec && *spec) {
		const char *end = strchr(spec, '|');
		size_t len = end ? (size_t)(end - spec) : strlen(spec);
		char item[256];
		snprintf(item, sizeof(item), "%.*s", (int)len, spec);
		char *type = strchr(item, ':');
		char *text = type ? strchr(type + 1, ':') : NULL;
		if (type && text) {
			*type++ = '\0';
			*text++ = '\0';
			json_t *p = json_object();
			json_object_set_new(p, "name", json_string(item));
			json_object_set_new(p, "in", json_string("query"));
			json_object_set_new(p, "description", json_string(text));
			json_object_set_new(p, "schema", json_pack("{s:s}", "type", type));
			json_array_append_new(params, p);
		}
		spec = end ? end + 1 : NULL;
	}
}

static json_t *operation(const struct route *r)
{
	json_t *op = json_object();
	json_object_set_new(op, "operationId", json_string(r->name));
	json_object_set_new(op, "summary", json_string(r->summary));
	json_t *params = json_array();
	if (strstr(r->head.pattern, "{id}"))
		json_array_append_new(params,
				      json_pack("{s:s, s:s, s:b, s:s, s:{s:s}}", "name", "id", "in",
						"path", "required", 1, "description",
						"run id, unique prefix (4+ characters), or last",
						"schema", "type", "string"));
	if (!strcmp(r->name, "results_add"))
		json_array_append_new(params,
				      json_pack("{s:s, s:s, s:s, s:{s:s}}", "name",
						"Idempotency-Key", "in", "header", "description",
						"a retried request with the same key records nothing "
						"twice and gets the first answer",
						"schema", "type", "string"));
	add_query(params, r->query);
	json_object_set_new(op, "parameters", params);
	if (r->body) {
		json_t *content = json_object();
		json_object_set_new(content, r->body, json_pack("{s:{}}", "schema"));
		json_object_set_new(op, "requestBody",
				    json_pack("{s:b, s:o}", "required",
					      strcmp(r->name, "run_cancel") != 0, "content", content));
	}
	json_t *responses = json_object();
	for (const char *p = r->answers; p && *p;) {
		char *end;
		long code = strtol(p, &end, 10);
		if (end == p)
			break;
		char key[8];
		snprintf(key, sizeof(key), "%ld", code);
		json_object_set_new(responses, key,
				    json_pack("{s:s}", "description", status_text((int)code)));
		p = end;
		while (*p == ' ')
			p++;
	}
	if (r->access != ACCESS_PUBLIC) {
		json_object_set_new(responses, "401",
				    json_pack("{s:s}", "description", "No token, or not a valid one"));
		json_object_set_new(op, "security", json_pack("[{s:[]}]", "bearer"));
	}
	if (r->access == ACCESS_WRITE)
		json_object_set_new(responses, "403",
				    json_pack("{s:s}", "description", "The token's role is read"));
	json_object_set_new(op, "responses", responses);
	return op;
}

json_t *openapi_document(void)
{
	json_t *paths = json_object();
	for (size_t i = 0; i < http_routes_n; i++) {
		const struct route *r = &http_routes[i];
		json_t *item = json_object_get(paths, r->head.pattern);
		if (!item) {
			item = json_object();
			json_object_set_new(paths, r->head.pattern, item);
		}
		char method[8];
		size_t k = 0;
		for (; r->head.method[k] && k + 1 < sizeof(method); k++)
			method[k] = (char)(r->head.method[k] | 0x20); /* lower case */
		method[k] = '\0';
		json_object_set_new(item, method, operation(r));
	}
	return json_pack("{s:s, s:{s:s, s:s, s:s}, s:o, s:{s:{s:{s:s, s:s}}}}", "openapi",
			 "3.0.3", "info", "title", "assay API", "version", ASSAY_VERSION,
			 "description",
			 "Test runs and their results. Errors are {\"error\": {\"code\", "
			 "\"message\"}}; times are ISO 8601 UTC; ids are text (UUIDv7). Send "
			 "'Authorization: Bearer TOKEN' (assay token create); reads need none "
			 "when the server runs with --public-read.",
			 "paths", paths, "components", "securitySchemes", "bearer", "type", "http",
			 "scheme", "bearer");
}
