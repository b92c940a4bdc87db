/* openapi — the OpenAPI 3.0 document of the API, written from the route
 * table (routes.c) on each request: what it lists is what the router has. */
#include "util/base.h"

#include "formats/json_api.h"
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

/* The schema of an object as json_api.c writes it: its members and their
 * types, read off an object made from an empty run or result, so the
 * document follows json_run and json_result as they change. */
static json_t *schema_of(json_t *sample, json_t *empty)
{
	json_t *props = json_object();
	const char *key;
	json_t *v;
	json_object_foreach(sample, key, v) {
		const char *type = json_is_integer(v)   ? "integer"
				   : json_is_boolean(v) ? "boolean"
				   : json_is_object(v)  ? "object"
				   : json_is_array(v)   ? "array"
							: "string";
		json_t *p = json_pack("{s:s}", "type", type);
		size_t len = strlen(key);
		if (len > 3 && !strcmp(key + len - 3, "_at"))
			json_object_set_new(p, "format", json_string("date-time"));
		if (json_is_null(v) || json_is_null(json_object_get(empty, key)))
			json_object_set_new(p, "nullable", json_true());
		json_object_set_new(props, key, p);
	}
	json_decref(sample);
	json_decref(empty);
	return json_pack("{s:s, s:o}", "type", "object", "properties", props);
}

static json_t *ref(const char *name)
{
	char path[64];
	snprintf(path, sizeof(path), "#/components/schemas/%s", name);
	return json_pack("{s:s}", "$ref", path);
}

static json_t *page_of(const char *member, const char *item)
{
	return json_pack("{s:s, s:{s:{s:s, s:o}, s:{s:s, s:b}}}", "type", "object", "properties",
			 member, "type", "array", "items", ref(item), "next_cursor", "type",
			 "string", "nullable", 1);
}

static json_t *components(void)
{
	/* Types come from a run that has every time set (a run's duration is
	 * a number once it completed); nullable from one that has none. */
	struct run run = { 0 }, done = { .created_at = 1, .started_at = 1, .completed_at = 1 };
	struct result result = { .exit_code = -1 };
	struct result full = { .exit_code = 0, .started_at = 1, .completed_at = 1 };
	struct run_event ev = { 0 }, ev_at = { .at = 1 };
	json_t *schemas = json_object();
	json_object_set_new(schemas, "Run", schema_of(json_run(&done), json_run(&run)));
	json_object_set_new(schemas, "Result",
			    schema_of(json_result(&full, true), json_result(&result, true)));
	json_object_set_new(schemas, "RunEvent",
			    schema_of(json_run_event(&ev_at), json_run_event(&ev)));
	struct test_stat ts = { .project = "", .name = "", .last_at = 1 },
			 ts0 = { .project = "", .name = "" };
	json_object_set_new(schemas, "Test",
			    schema_of(json_test_stat(&ts), json_test_stat(&ts0)));
	json_object_set_new(schemas, "Error",
			    json_pack("{s:s, s:{s:{s:s, s:{s:{s:s}, s:{s:s}}}}}", "type", "object",
				      "properties", "error", "type", "object", "properties", "code",
				      "type", "string", "message", "type", "string"));
	json_object_set_new(schemas, "RunPage", page_of("runs", "Run"));
	json_object_set_new(schemas, "ResultPage", page_of("results", "Result"));
	json_object_set_new(schemas, "TestPage", page_of("tests", "Test"));
	json_object_set_new(
		schemas, "ItemsAnswer",
		json_pack("{s:s, s:{s:{s:s}, s:{s:s}, s:{s:s}, s:{s:s, s:{s:s, s:{s:{s:s}, "
			  "s:{s:s, s:[s, s]}, s:{s:s}, s:{s:s}, s:{s:s}, s:o}}}}}",
			  "type", "object", "properties", "run_id", "type", "string", "created",
			  "type", "integer", "invalid", "type", "integer", "items", "type", "array",
			  "items", "type", "object", "properties", "index", "type", "integer",
			  "status", "type", "string", "enum", "created", "invalid", "id", "type",
			  "string", "test", "type", "string", "suite", "type", "string", "error",
			  ref("Error")));
	json_object_set_new(schemas, "Events",
			    json_pack("{s:s, s:{s:{s:s}, s:{s:s, s:o}}}", "type", "object",
				      "properties", "run_id", "type", "string", "events", "type",
				      "array", "items", ref("RunEvent")));
	return json_pack("{s:o, s:{s:{s:s, s:s}}}", "schemas", schemas, "securitySchemes",
			 "bearer", "type", "http", "scheme", "bearer");
}

/* The schema a route's 2xx answer has, by the route's name. */
static json_t *answer_schema(const char *name)
{
	static const struct {
		const char *route, *schema;
	} answers[] = {
		{ "runs_list", "RunPage" },       { "runs_create", "Run" },
		{ "run_get", "Run" },             { "run_complete", "Run" },
		{ "run_cancel", "Run" },          { "run_events", "Events" },
		{ "results_list", "ResultPage" }, { "results_add", "ItemsAnswer" },
		{ "outputs_add", "ItemsAnswer" },
		{ "imports", "Run" },            { "shared_run", "Run" },
		{ "shared_results", "ResultPage" }, { "tests_list", "TestPage" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(answers); i++)
		if (!strcmp(answers[i].route, name))
			return ref(answers[i].schema);
	return NULL;
}

static json_t *operation(const struct route *r)
{
	json_t *op = json_object();
	json_object_set_new(op, "operationId", json_string(r->name));
	json_object_set_new(op, "summary", json_string(r->summary));
	json_t *params = json_array();
	if (strstr(r->head.pattern, "{token}"))
		json_array_append_new(params,
				      json_pack("{s:s, s:s, s:b, s:s, s:{s:s}}", "name", "token", "in",
						"path", "required", 1, "description",
						"the secret of a share link", "schema", "type", "string"));
	if (strstr(r->head.pattern, "{id}"))
		json_array_append_new(params,
				      json_pack("{s:s, s:s, s:b, s:s, s:{s:s}}", "name", "id", "in",
						"path", "required", 1, "description",
						"run id, unique prefix (4+ characters), or last",
						"schema", "type", "string"));
	if (!strcmp(r->name, "results_add") || !strcmp(r->name, "outputs_add"))
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
		json_t *resp = json_pack("{s:s}", "description", status_text((int)code));
		json_t *schema = code < 300 ? answer_schema(r->name) : ref("Error");
		if (schema)
			json_object_set_new(resp, "content",
					    json_pack("{s:{s:o}}", "application/json", "schema",
						      schema));
		json_object_set_new(responses, key, resp);
		p = end;
		while (*p == ' ')
			p++;
	}
	if (r->access != ACCESS_PUBLIC) {
		json_object_set_new(responses, "401",
				    json_pack("{s:s, s:{s:{s:o}}}", "description",
					      "No token, or not a valid one", "content",
					      "application/json", "schema", ref("Error")));
		json_object_set_new(op, "security", json_pack("[{s:[]}]", "bearer"));
	}
	if (r->access == ACCESS_WRITE)
		json_object_set_new(responses, "403",
				    json_pack("{s:s, s:{s:{s:o}}}", "description",
					      "The token's role is read", "content", "application/json",
					      "schema", ref("Error")));
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
	return json_pack("{s:s, s:{s:s, s:s, s:s}, s:o, s:o}", "openapi",
			 "3.0.3", "info", "title", "assay API", "version", ASSAY_VERSION,
			 "description",
			 "Test runs and their results. Errors are {\"error\": {\"code\", "
			 "\"message\"}}; times are ISO 8601 UTC; ids are text (UUIDv7). Send "
			 "'Authorization: Bearer TOKEN' (assay token create); reads need none "
			 "when the server runs with --public-read.",
			 "paths", paths, "components", components());
}
