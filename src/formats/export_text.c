/* export_text — see export_text.h.
 *
 * Each mode has a table for the 128 ASCII bytes: NULL copies the byte, a
 * string replaces it. Bytes from 0x80 up are checked as UTF-8 and copied
 * whole when valid, replaced by U+FFFD when not; some modes also replace or
 * escape particular valid characters (XML: U+FFFE, U+FFFF; YAML: C1, U+FFFE,
 * U+FFFF). */
#include "util/base.h"

#include <pthread.h>

#include "formats/export_text.h"
#include "util/str.h"

#define REPLACEMENT "\xef\xbf\xbd" /* U+FFFD */

typedef const char *esc_table[128];

static esc_table tables[ESC__COUNT];
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

/* The C0 controls (without TAB LF CR) as U+FFFD. */
static void c0_replaced(esc_table t)
{
	for (int c = 0; c < 0x20; c++)
		if (c != '\t' && c != '\n' && c != '\r')
			t[c] = REPLACEMENT;
}

static void init_tables(void)
{
	static char json_ctl[0x20][8], yaml_ctl[0x20][8];
	esc_table *t = tables;

	c0_replaced(t[ESC_XML_TEXT]);
	t[ESC_XML_TEXT]['&'] = "&amp;";
	t[ESC_XML_TEXT]['<'] = "&lt;";
	t[ESC_XML_TEXT]['>'] = "&gt;";
	t[ESC_XML_TEXT]['\r'] = "&#13;";

	memcpy(t[ESC_XML_ATTR], t[ESC_XML_TEXT], sizeof(esc_table));
	t[ESC_XML_ATTR]['"'] = "&quot;";
	t[ESC_XML_ATTR]['\t'] = "&#9;";
	t[ESC_XML_ATTR]['\n'] = "&#10;";

	c0_replaced(t[ESC_HTML]);
	t[ESC_HTML]['&'] = "&amp;";
	t[ESC_HTML]['<'] = "&lt;";
	t[ESC_HTML]['>'] = "&gt;";
	t[ESC_HTML]['"'] = "&quot;";
	t[ESC_HTML]['\''] = "&#39;";

	for (int c = 0; c < 0x20; c++) {
		snprintf(json_ctl[c], sizeof(json_ctl[c]), "\\u%04x", c);
		snprintf(yaml_ctl[c], sizeof(yaml_ctl[c]), "\\x%02x", c);
		t[ESC_JSON][c] = json_ctl[c];
		t[ESC_YAML][c] = yaml_ctl[c];
	}
	t[ESC_JSON]['"'] = t[ESC_YAML]['"'] = "\\\"";
	t[ESC_JSON]['\\'] = t[ESC_YAML]['\\'] = "\\\\";
	t[ESC_JSON]['\n'] = t[ESC_YAML]['\n'] = "\\n";
	t[ESC_JSON]['\r'] = t[ESC_YAML]['\r'] = "\\r";
	t[ESC_JSON]['\t'] = t[ESC_YAML]['\t'] = "\\t";
	t[ESC_YAML][0x7f] = "\\x7f";
}

/* What a valid multi-byte character becomes in `how`: NULL to copy it. */
static const char *special(const unsigned char *p, size_t len, enum export_esc how, char tmp[8])
{
	if ((how == ESC_XML_TEXT || how == ESC_XML_ATTR) && len == 3 && p[0] == 0xef &&
	    p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))
		return REPLACEMENT; /* U+FFFE, U+FFFF */
	if (how == ESC_YAML && len == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
		snprintf(tmp, 8, "\\x%02x", p[1]); /* C1 control U+0080..U+009F */
		return tmp;
	}
	if (how == ESC_YAML && len == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe)
		return p[2] == 0xbe ? "\\uFFFE" : "\\uFFFF"; /* not printable in YAML */
	return NULL;
}

/* Makes room for `need` more bytes at o (a pointer into b's data) and
 * returns o, moved if the data was. */
static char *room(struct buf *b, char *o, size_t need)
{
	b->len = (size_t)(o - b->data);
	buf_grow(b, need);
	return b->data + b->len;
}

void export_esc(struct buf *b, const char *s, size_t n, enum export_esc how)
{
	pthread_once(&tables_once, init_tables);
	const char *const *tab = tables[how];
	const unsigned char *p = (const unsigned char *)s, *end = p + n;
	char tmp[8];
	/* Room for the bytes as they are; an escape makes more when needed,
	 * so plain text never reserves 6 bytes per byte. */
	char *o = room(b, b->data + b->len, n + 16);
	char *limit = b->data + b->cap - 1 - 16; /* 16: the longest piece written at once */
	while (p < end) {
		if (o >= limit) {
			o = room(b, o, (size_t)(end - p) + 16);
			limit = b->data + b->cap - 1 - 16;
		}
		unsigned char c = *p;
		if (c < 0x80) {
			const char *rep = tab[c];
			if (!rep) {
				*o++ = (char)c;
				p++;
				continue;
			}
			size_t k = strlen(rep);
			memcpy(o, rep, k);
			o += k;
			p++;
			continue;
		}
		size_t len = str_utf8_seq((const char *)p);
		if (!len || p + len > end) {
			memcpy(o, REPLACEMENT, 3);
			o += 3;
			p++;
			continue;
		}
		const char *rep = special(p, len, how, tmp);
		if (rep) {
			size_t k = strlen(rep);
			memcpy(o, rep, k);
			o += k;
		} else {
			memcpy(o, p, len);
			o += len;
		}
		p += len;
	}
	b->len = (size_t)(o - b->data);
	b->data[b->len] = '\0';
}

void export_escs(struct buf *b, const char *s, enum export_esc how)
{
	if (s)
		export_esc(b, s, strlen(s), how);
}

void export_json_str(struct buf *b, const char *s)
{
	if (!s) {
		buf_add(b, "null", 4);
		return;
	}
	buf_addc(b, '"');
	export_esc(b, s, strlen(s), ESC_JSON);
	buf_addc(b, '"');
}

void export_csv_field(struct buf *b, const char *s, size_t n)
{
	const char *end = s + n, *q;
	bool quote = false;
	for (q = s; q < end && !quote; q++)
		quote = *q == ',' || *q == '"' || *q == '\r' || *q == '\n';
	if (!quote) {
		export_esc(b, s, n, ESC_NONE);
		return;
	}
	buf_addc(b, '"');
	while ((q = memchr(s, '"', (size_t)(end - s)))) {
		export_esc(b, s, (size_t)(q - s), ESC_NONE);
		buf_add(b, "\"\"", 2);
		s = q + 1;
	}
	export_esc(b, s, (size_t)(end - s), ESC_NONE);
	buf_addc(b, '"');
}

void export_int(struct buf *b, int64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void export_secs(struct buf *b, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	export_int(b, ms / 1000);
	char frac[4] = { '.', (char)('0' + ms % 1000 / 100), (char)('0' + ms % 100 / 10),
			 (char)('0' + ms % 10) };
	buf_add(b, frac, 4);
}

/* Two digits of v. */
static void two(char *o, int v)
{
	o[0] = (char)('0' + v / 10);
	o[1] = (char)('0' + v % 10);
}

void export_iso(struct buf *b, int64_t ms, int frac)
{
	if (!ms)
		return;
	/* Days to a civil date (Howard Hinnant's algorithm): no gmtime_r or
	 * strftime per result. */
	int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
	int64_t msec = ms - secs * 1000;
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t sod = secs - days * 86400;
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1);
	int m = (int)(mp < 10 ? mp + 3 : mp - 9);
	int64_t y = yoe + era * 400 + (m <= 2);
	if (y < 0 || y > 9999) {
		char tmp[40];
		snprintf(tmp, sizeof(tmp), "%lld", (long long)ms);
		buf_adds(b, tmp);
		return;
	}
	char s[24];
	two(s, (int)(y / 100));
	two(s + 2, (int)(y % 100));
	s[4] = '-';
	two(s + 5, m);
	s[7] = '-';
	two(s + 8, d);
	s[10] = 'T';
	two(s + 11, (int)(sod / 3600));
	s[13] = ':';
	two(s + 14, (int)(sod / 60 % 60));
	s[16] = ':';
	two(s + 17, (int)(sod % 60));
	if (!frac) {
		buf_add(b, s, 19);
		return;
	}
	s[19] = '.';
	s[20] = (char)('0' + msec / 100);
	two(s + 21, (int)(msec % 100));
	buf_add(b, s, 23);
	buf_addc(b, 'Z');
}

size_t export_first_line(const char *s)
{
	const char *nl = strchr(s, '\n');
	return nl ? (size_t)(nl - s) : strlen(s);
}
