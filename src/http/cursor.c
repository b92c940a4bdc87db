/* cursor — see cursor.h. */
#include "util/base.h"

#include <ctype.h>

#include "http/cursor.h"
#include "util/str.h"
#include "util/time.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static void b64url_encode(const char *in, size_t n, char *out, size_t cap)
{
	size_t o = 0;
	for (size_t i = 0; i < n && o + 5 < cap; i += 3) {
		uint32_t v = (uint32_t)(unsigned char)in[i] << 16;
		if (i + 1 < n)
			v |= (uint32_t)(unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = b64[(v >> 6) & 63];
		if (i + 2 < n)
			out[o++] = b64[v & 63];
	}
	out[o] = '\0';
}

/* Decodes into out (NUL-terminated); false on a bad character or length. */
static bool b64url_decode(const char *in, char *out, size_t cap)
{
	size_t n = strlen(in), o = 0;
	if (n % 4 == 1 || n / 4 * 3 + 3 >= cap)
		return false;
	uint32_t v = 0;
	int bits = 0;
	for (size_t i = 0; i < n; i++) {
		const char *p = strchr(b64, in[i]);
		if (!p || !in[i])
			return false;
		v = (v << 6) | (uint32_t)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((v >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return strlen(out) == o; /* no NUL inside */
}

void cursor_runs_encode(int64_t created_at, const char *id, char out[CURSOR_MAX])
{
	char raw[80];
	int n = snprintf(raw, sizeof(raw), "r1:%lld:%s", (long long)created_at, id);
	b64url_encode(raw, (size_t)n, out, CURSOR_MAX);
}

static bool is_uuid(const char *s)
{
	if (strlen(s) != UUID_STR_LEN - 1)
		return false;
	for (int i = 0; s[i]; i++) {
		bool dash = i == 8 || i == 13 || i == 18 || i == 23;
		if (dash ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

bool cursor_runs_decode(const char *s, int64_t *created_at, char id[UUID_STR_LEN])
{
	char raw[CURSOR_MAX];
	if (!s || !b64url_decode(s, raw, sizeof(raw)) || strncmp(raw, "r1:", 3))
		return false;
	char *colon = strchr(raw + 3, ':');
	if (!colon)
		return false;
	*colon = '\0';
	if (!str_to_i64(raw + 3, created_at) || *created_at < 0 || !is_uuid(colon + 1))
		return false;
	memcpy(id, colon + 1, UUID_STR_LEN);
	return true;
}

void cursor_results_encode(int64_t seq, char out[CURSOR_MAX])
{
	char raw[40];
	int n = snprintf(raw, sizeof(raw), "s1:%lld", (long long)seq);
	b64url_encode(raw, (size_t)n, out, CURSOR_MAX);
}

bool cursor_results_decode(const char *s, int64_t *seq)
{
	char raw[CURSOR_MAX];
	if (!s || !b64url_decode(s, raw, sizeof(raw)) || strncmp(raw, "s1:", 3))
		return false;
	return str_to_i64(raw + 3, seq) && *seq > 0;
}

void cursor_tests_encode(int64_t id, char out[CURSOR_MAX])
{
	char raw[40];
	int n = snprintf(raw, sizeof(raw), "t1:%lld", (long long)id);
	b64url_encode(raw, (size_t)n, out, CURSOR_MAX);
}

bool cursor_tests_decode(const char *s, int64_t *id)
{
	char raw[CURSOR_MAX];
	if (!s || !b64url_decode(s, raw, sizeof(raw)) || strncmp(raw, "t1:", 3))
		return false;
	return str_to_i64(raw + 3, id) && *id > 0;
}

bool query_limit(const char *s, int dflt, int max, int *out)
{
	if (!s) {
		*out = dflt;
		return true;
	}
	int64_t v;
	if (!str_to_i64(s, &v) || v < 1 || v > max)
		return false;
	*out = (int)v;
	return true;
}

bool query_time(const char *s, int64_t *ms)
{
	if (!s || !*s)
		return false;
	bool all_digits = true;
	for (const char *p = s; *p; p++)
		all_digits &= isdigit((unsigned char)*p) != 0;
	/* A bare "2026" is a year to a person but digits to a parser: dates
	 * always have dashes, so digits alone are milliseconds. */
	if (all_digits)
		return str_to_i64(s, ms) && *ms > 0;
	return time_parse_iso(s, ms);
}

bool query_bool(const char *s, bool *out)
{
	if (!s || !*s || !strcmp(s, "true") || !strcmp(s, "1") || !strcmp(s, "yes")) {
		*out = true;
		return true;
	}
	if (!strcmp(s, "false") || !strcmp(s, "0") || !strcmp(s, "no")) {
		*out = false;
		return true;
	}
	return false;
}
