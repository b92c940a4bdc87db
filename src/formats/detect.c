#include "util/base.h"

#include "formats/ctrf_read.h"
#include "formats/detect.h"

static const char *const names[] = { "unknown", "junit", "tap", "ctrf" };

const char *format_name(enum result_format f)
{
	return (unsigned)f < ARRAY_SIZE(names) ? names[f] : "unknown";
}

bool format_parse(const char *name, enum result_format *out)
{
	for (size_t i = 1; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(name, names[i])) {
			*out = (enum result_format)i;
			return true;
		}
	}
	if (!strcmp(name, "xml") || !strcmp(name, "xunit")) {
		*out = FMT_JUNIT;
		return true;
	}
	return false;
}

static bool starts(const char *p, const char *end, const char *word)
{
	size_t n = strlen(word);
	return (size_t)(end - p) >= n && !memcmp(p, word, n);
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* Past the next occurrence of `word`, or NULL when it is not in [p, end). */
static const char *past(const char *p, const char *end, const char *word)
{
	for (size_t n = strlen(word); p + n <= end; p++)
		if (!memcmp(p, word, n))
			return p + n;
	return NULL;
}

/* The first element's name, after the prolog. */
static bool xml_root_is_junit(const char *p, const char *end)
{
	for (;;) {
		p = skip_space(p, end);
		if (starts(p, end, "<?"))
			p = past(p, end, "?>");
		else if (starts(p, end, "<!--"))
			p = past(p, end, "-->");
		else if (starts(p, end, "<!"))
			p = past(p, end, ">"); /* a DOCTYPE: the reader refuses it with a reason */
		else
			break;
		if (!p)
			return false;
	}
	if (!starts(p, end, "<"))
		return false;
	p++;
	const char *name = p;
	while (p < end && *p != '>' && *p != '/' && *p != ' ' && *p != '\t' && *p != '\r' &&
	       *p != '\n')
		p++;
	size_t n = (size_t)(p - name);
	return (n == 10 && !memcmp(name, "testsuites", 10)) ||
	       (n == 9 && !memcmp(name, "testsuite", 9));
}

static bool tap_line(const char *p, const char *end)
{
	static const char *const starts_tap[] = { "TAP version", "1..", "ok", "not ok",
						  "Bail out!", "pragma ", "#" };
	for (size_t i = 0; i < ARRAY_SIZE(starts_tap); i++)
		if (starts(p, end, starts_tap[i]))
			return true;
	return false;
}

/* The head of a document in UTF-16 (told by its byte order mark, or by the
 * zero byte beside its first '<'), narrowed to one byte a character (any
 * that is not ASCII becomes '?') in out[0..cap); 0 when it is not UTF-16. */
static size_t utf16_narrow(const char *head, size_t n, char *out, size_t cap)
{
	const unsigned char *p = (const unsigned char *)head;
	bool le;
	if (n >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF))) {
		le = p[0] == 0xFF;
		p += 2;
		n -= 2;
	} else if (n >= 2 && ((p[0] == '<' && !p[1]) || (!p[0] && p[1] == '<'))) {
		le = p[0] == '<';
	} else {
		return 0;
	}
	size_t k = 0;
	for (size_t i = 0; i + 1 < n && k < cap; i += 2) {
		unsigned c = le ? p[i] | (unsigned)p[i + 1] << 8 : (unsigned)p[i] << 8 | p[i + 1];
		out[k++] = c < 0x80 ? (char)c : '?';
	}
	return k;
}

enum result_format format_detect(const char *head, size_t n)
{
	const char *p = head, *end = head + n;
	/* Windows tools write XML in UTF-16, which the JUnit reader reads. */
	char narrow[2048];
	size_t k = utf16_narrow(head, n, narrow, sizeof(narrow));
	if (k)
		return xml_root_is_junit(narrow, narrow + k) ? FMT_JUNIT : FMT_UNKNOWN;
	if (starts(p, end, "\xEF\xBB\xBF"))
		p += 3;
	p = skip_space(p, end);
	if (p == end)
		return FMT_UNKNOWN;
	if (*p == '<')
		return xml_root_is_junit(p, end) ? FMT_JUNIT : FMT_UNKNOWN;
	if (*p == '{')
		return ctrf_sniff(head, n) ? FMT_CTRF : FMT_UNKNOWN;
	return tap_line(p, end) ? FMT_TAP : FMT_UNKNOWN;
}
