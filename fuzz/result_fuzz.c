/* result_fuzz — libFuzzer target for formats/json_api's json_result_parse
 * (and json_time_parse through it): the results a reporter POSTs to
 * assay serve, which come from anywhere on the network.
 *
 * Each input is loaded as the server loads a request body (duplicate keys
 * refused) and each result in it — the object itself, an array's elements,
 * or a "results" array's — is parsed. A result parsed is checked against
 * the header's promises, then written back with json_result, dumped,
 * loaded and parsed again: the second reading must give the same result,
 * so what the API shows can always be posted again. The sanitizers catch
 * the rest. */
#include "fuzz.h"

#include <jansson.h>

#include "formats/json_api.h"
#include "util/str.h"

static bool same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static void check_text(const char *field, const char *s)
{
	if (s && !str_utf8_valid(s))
		fuzz_fail("result: %s is not valid UTF-8", field);
}

static void check(const struct result *r)
{
	if (!r->test || !*r->test)
		fuzz_fail("result: parsed without a test name");
	check_text("test", r->test);
	check_text("parent", r->parent);
	check_text("message", r->message);
	check_text("stdout", r->stdout_text);
	check_text("stderr", r->stderr_text);
	if ((unsigned)r->status >= RS__COUNT)
		fuzz_fail("result '%s': status %d", r->test, (int)r->status);
	if (r->parent) {
		size_t n = strlen(r->parent);
		if (!n || strncmp(r->test, r->parent, n) || r->test[n] != '/' || !r->test[n + 1])
			fuzz_fail("result '%s': parent '%s' does not name it", r->test, r->parent);
	}
	if (r->duration_ms < 0 || r->attempt < 0 || r->exit_code < -1 || r->started_at < 0 ||
	    r->completed_at < 0)
		fuzz_fail("result '%s': duration %lld, attempt %d, exit %d, times %lld %lld",
			  r->test, (long long)r->duration_ms, r->attempt, r->exit_code,
			  (long long)r->started_at, (long long)r->completed_at);
}

static void round_trip(const struct result *r)
{
	json_t *o = json_result(r, true);
	char *dumped = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!dumped)
		fuzz_fail("result '%s': json_result wrote what cannot be dumped", r->test);
	json_error_t je;
	json_t *back = json_loads(dumped, JSON_REJECT_DUPLICATES, &je);
	if (!back)
		fuzz_fail("result '%s': its JSON does not load again: %s\n%s", r->test, je.text,
			  dumped);
	struct result again;
	struct error e = ERROR_INIT;
	if (json_result_parse(back, &again, &e))
		fuzz_fail("result '%s': its JSON does not parse again: %s\n%s", r->test, e.msg,
			  dumped);
	if (!same_text(r->test, again.test) || !same_text(r->parent, again.parent) ||
	    r->status != again.status || r->duration_ms != again.duration_ms ||
	    !same_text(r->message, again.message) || !same_text(r->stdout_text, again.stdout_text) ||
	    !same_text(r->stderr_text, again.stderr_text) || r->attempt != again.attempt ||
	    r->exit_code != again.exit_code || r->started_at != again.started_at ||
	    r->completed_at != again.completed_at)
		fuzz_fail("result '%s': read back differently from\n%s", r->test, dumped);
	result_release(&again);
	json_decref(back);
	free(dumped);
}

static void parse_one(const json_t *v)
{
	struct result r;
	struct error e = ERROR_INIT;
	int rc = json_result_parse(v, &r, &e);
	if (rc == RC_OK) {
		check(&r);
		round_trip(&r);
	} else if (rc != RC_PARSE || !e.msg[0]) {
		fuzz_fail("result: parse ended with rc %d '%s'", rc, e.msg);
	}
	result_release(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *v = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je);
	if (!v)
		return 0;
	const json_t *list = json_is_object(v) ? json_object_get(v, "results") : v;
	if (json_is_array(list)) {
		size_t i;
		const json_t *item;
		json_array_foreach(list, i, item)
			parse_one(item);
	}
	if (json_is_object(v))
		parse_one(v);
	json_decref(v);
	return 0;
}
