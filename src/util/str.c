#include "util/base.h"

#include <errno.h>
#include <fnmatch.h>

#include "util/str.h"

bool str_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool str_ends(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

size_t str_distance(const char *a, const char *b, size_t cap)
{
	size_t n = strlen(a), m = strlen(b);
	if ((n > m ? n - m : m - n) > cap)
		return cap + 1;
	size_t *row = xmalloc((m + 1) * sizeof(size_t));
	for (size_t j = 0; j <= m; j++)
		row[j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t diag = row[0], best = row[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t up = row[j];
			size_t v = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < v)
				v = up + 1;
			if (row[j - 1] + 1 < v)
				v = row[j - 1] + 1;
			row[j] = v;
			diag = up;
			if (v < best)
				best = v;
		}
		if (best > cap) {
			free(row);
			return cap + 1;
		}
	}
	size_t d = row[m];
	free(row);
	return d;
}

bool str_is_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

bool str_glob_match(const char *pattern, const char *s)
{
	return fnmatch(pattern, s, 0) == 0;
}

bool str_to_i64(const char *s, int64_t *out)
{
	if (!s || !*s)
		return false;
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static size_t utf8_seq(const unsigned char *p)
{
	unsigned char c = p[0];
	if (c < 0x80)
		return 1;
	size_t n;
	uint32_t cp;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

size_t str_utf8_seq(const char *p)
{
	return utf8_seq((const unsigned char *)p);
}

bool str_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = utf8_seq(p);
		if (!n)
			return false;
		p += n;
	}
	return true;
}

char *str_strip_ansi(char *s)
{
	char *w = s;
	static const char picture[] = "\xE2\x90\x9B["; /* U+241B, what XML readers make of ESC */
	for (const char *r = s; *r;) {
		size_t intro = r[0] == '\033' && r[1] == '[' ? 2 : !strncmp(r, picture, 4) ? 4 : 0;
		if (!intro) {
			*w++ = *r++;
			continue;
		}
		const char *p = r + intro;
		p += strspn(p, "0123456789:;<=>?");
		p += strspn(p, " !\"#$%&'()*+,-./");
		if (*p < 0x40 || *p > 0x7E) { /* not a whole sequence: kept as it is */
			*w++ = *r++;
			continue;
		}
		r = p + 1;
	}
	*w = '\0';
	return s;
}

char *str_utf8_clean(const char *s)
{
	size_t len = strlen(s);
	char *out = xmalloc(len * 3 + 1), *o = out;
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = utf8_seq(p);
		if (n) {
			memcpy(o, p, n);
			o += n;
			p += n;
		} else {
			memcpy(o, "\xef\xbf\xbd", 3);
			o += 3;
			p++;
		}
	}
	*o = '\0';
	return out;
}
