/* xml_repair — see xml_repair.h. A byte-at-a-time state machine (with a
 * fast path for plain ASCII) so the output never depends on how the input
 * was split into chunks: an incomplete UTF-8 sequence or "&#..." reference
 * at the end of a chunk is carried to the next one. */
#include "util/base.h"

#include <ctype.h>
#include <strings.h>

#include "formats/xml_repair.h"

enum { SNIFF_LIMIT = 1024 }; /* an XML declaration longer than this is not one */

void xml_repair_init(struct xml_repair *x)
{
	memset(x, 0, sizeof(*x));
	buf_init(&x->head);
	x->mode = XR_SNIFF;
}

void xml_repair_release(struct xml_repair *x)
{
	buf_release(&x->head);
	memset(x, 0, sizeof(*x));
}

bool xml_repair_decided(const struct xml_repair *x)
{
	return x->mode != XR_SNIFF;
}

const char *xml_repair_encoding(const struct xml_repair *x)
{
	return x->encoding;
}

static void put_utf8(struct buf *out, unsigned long cp)
{
	char s[4];
	size_t n;
	if (cp < 0x80) {
		s[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		s[0] = (char)(0xC0 | (cp >> 6));
		s[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		s[0] = (char)(0xE0 | (cp >> 12));
		s[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		s[0] = (char)(0xF0 | (cp >> 18));
		s[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		s[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		s[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_add(out, s, n);
}

/* A byte that is not part of valid UTF-8, read as windows-1252: what
 * Windows tools mean, and what browsers read "iso-8859-1" as (WHATWG),
 * since 0x80-0x9F as C1 controls are never what was written. Its five
 * unassigned bytes stay Latin-1's. */
static void put_single(struct buf *out, unsigned char b)
{
	static const unsigned short cp1252[32] = {
		0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
		0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0,      0x017D, 0,
		0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
		0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178,
	};
	unsigned long cp = b >= 0x80 && b < 0xA0 && cp1252[b - 0x80] ? cp1252[b - 0x80] : b;
	put_utf8(out, cp);
}

/* XML 1.0's Char production. */
static bool xml_char_ok(unsigned long cp)
{
	return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
	       (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

/* What stands for a character XML 1.0 forbids: ␛ for ESC and so on. */
static unsigned long replacement(unsigned long cp)
{
	return cp < 0x20 ? 0x2400 + cp : 0xFFFD;
}

/* Writes a held "&#..." prefix that turned out not to be a reference. */
static void flush_ref(struct xml_repair *x, struct buf *out)
{
	buf_add(out, x->ref, x->n_ref);
	x->n_ref = 0;
}

/* Ends a complete reference held in x->ref: forbidden characters are
 * replaced (as a reference, valid in any encoding). */
static void end_ref(struct xml_repair *x, struct buf *out)
{
	bool hex = x->ref[2] == 'x';
	unsigned long long cp = 0;
	for (size_t i = hex ? 3 : 2; i < x->n_ref; i++) {
		int c = x->ref[i];
		cp = cp * (hex ? 16 : 10) + (unsigned)(isdigit(c) ? c - '0' : tolower(c) - 'a' + 10);
	}
	if (x->n_ref > (hex ? 3u : 2u) && !xml_char_ok((unsigned long)cp)) {
		buf_addf(out, "&#x%lX;", replacement((unsigned long)cp));
		x->n_ref = 0;
		return;
	}
	flush_ref(x, out);
	buf_addc(out, ';');
}

/* Continues a held "&#..." with byte c; false when c does not belong to it
 * (the held bytes are then written out and c is left to the caller). */
static bool ref_byte(struct xml_repair *x, unsigned char c, struct buf *out)
{
	bool ok;
	if (x->n_ref == 1)
		ok = c == '#';
	else if (x->n_ref == 2)
		ok = isdigit(c) || c == 'x';
	else if (c == ';') {
		end_ref(x, out);
		return true;
	} else
		ok = x->ref[2] == 'x' ? isxdigit(c) : isdigit(c);
	if (!ok || x->n_ref + 1 >= sizeof(x->ref)) {
		flush_ref(x, out);
		return false;
	}
	x->ref[x->n_ref++] = (char)c;
	return true;
}

/* One ASCII byte: continues or starts a "&#..." reference, replaces a
 * forbidden control character, or is copied. */
static void ascii_byte(struct xml_repair *x, unsigned char c, struct buf *out)
{
	if (x->n_ref && ref_byte(x, c, out))
		return;
	if (c == '&') {
		x->ref[0] = '&';
		x->n_ref = 1;
	} else if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
		put_utf8(out, replacement(c));
	} else {
		buf_addc(out, (char)c);
	}
}

/* Length of the UTF-8 sequence lead byte b starts; 0 when b cannot start one. */
static size_t lead_len(unsigned char b)
{
	if (b >= 0xC2 && b <= 0xDF)
		return 2;
	if (b >= 0xE0 && b <= 0xEF)
		return 3;
	if (b >= 0xF0 && b <= 0xF4)
		return 4;
	return 0;
}

/* Whether b may follow the held bytes (no overlongs, surrogates or values
 * past U+10FFFF). */
static bool continues(const struct xml_repair *x, unsigned char b)
{
	if ((b & 0xC0) != 0x80)
		return false;
	if (x->n_seq != 1)
		return true;
	switch (x->seq[0]) {
	case 0xE0: return b >= 0xA0;
	case 0xED: return b <= 0x9F;
	case 0xF0: return b >= 0x90;
	case 0xF4: return b <= 0x8F;
	default: return true;
	}
}

/* One byte of a file read as UTF-8: valid sequences are copied once
 * complete, anything else is taken as windows-1252. */
static void utf8_byte(struct xml_repair *x, unsigned char b, struct buf *out)
{
	if (x->n_seq) {
		if (continues(x, b)) {
			x->seq[x->n_seq++] = b;
			if (x->n_seq < x->need_seq)
				return;
			/* U+FFFE and U+FFFF are valid UTF-8 but not XML. */
			if (x->n_seq == 3 && x->seq[0] == 0xEF && x->seq[1] == 0xBF && x->seq[2] >= 0xBE)
				put_utf8(out, 0xFFFD);
			else
				buf_add(out, x->seq, x->n_seq);
			x->n_seq = 0;
			return;
		}
		/* Not UTF-8 after all: each held byte is a character of its own. */
		for (size_t i = 0; i < x->n_seq; i++)
			put_single(out, x->seq[i]);
		x->n_seq = 0;
	}
	if (b < 0x80) {
		ascii_byte(x, b, out);
		return;
	}
	if (x->n_ref)
		flush_ref(x, out);
	size_t need = lead_len(b);
	if (need) {
		x->seq[0] = b;
		x->n_seq = 1;
		x->need_seq = need;
	} else {
		put_single(out, b);
	}
}

/* Bytes that need no look at all: copied in runs by repair(). */
static bool plain(unsigned char c)
{
	return (c >= 0x20 && c < 0x80 && c != '&') || c == '\n' || c == '\t' || c == '\r';
}

/* Appends the repaired form of p[0..n) to out, in the decided mode. */
static void repair(struct xml_repair *x, const char *p, size_t n, struct buf *out)
{
	if (x->mode == XR_PASS) {
		buf_add(out, p, n);
		return;
	}
	size_t i = 0;
	while (i < n) {
		if (!x->n_seq && !x->n_ref) {
			size_t j = i;
			while (j < n && plain((unsigned char)p[j]))
				j++;
			buf_add(out, p + i, j - i);
			if ((i = j) == n)
				break;
		}
		utf8_byte(x, (unsigned char)p[i++], out);
	}
}

/* The value of encoding="..." in the XML declaration decl[0..n), or NULL. */
static char *decl_encoding(const char *decl, size_t n)
{
	char *d = xstrndup(decl, n), *v = NULL;
	char *p = strstr(d, "encoding");
	if (p) {
		p += 8;
		p += strspn(p, " \t\r\n");
		if (*p == '=') {
			p++;
			p += strspn(p, " \t\r\n");
			char q = *p;
			char *end = (q == '"' || q == '\'') ? strchr(p + 1, q) : NULL;
			if (end)
				v = xstrndup(p + 1, (size_t)(end - p - 1));
		}
	}
	free(d);
	return v;
}

/* Sets the mode (and what expat is told) from the declared encoding
 * (NULL: none declared). */
static void choose(struct xml_repair *x, const char *enc)
{
	if (enc && (!strncasecmp(enc, "utf-16", 6) || !strncasecmp(enc, "ucs-2", 5))) {
		x->mode = XR_PASS;
		return;
	}
	/* Any 8-bit encoding, declared or not, is read as UTF-8 where the
	 * bytes are UTF-8 and as windows-1252 where they are not: Kyua
	 * declares ISO-8859-1 over its tests' raw UTF-8 output, and a file
	 * declaring windows-1252 or ISO-8859-1 is read as written. (Another
	 * 8-bit encoding, which expat does not know, is read the same way
	 * rather than refused.) expat is told UTF-8, which overrides the
	 * declaration. */
	x->mode = XR_UTF8;
	x->encoding = "UTF-8";
}

/* Decides the mode from the bytes held so far; false when more are needed
 * (and `final` is false). */
static bool sniff(struct xml_repair *x, bool final)
{
	const unsigned char *s = (const unsigned char *)x->head.data;
	size_t n = x->head.len;
	if (n >= 2 && ((s[0] == 0xFE && s[1] == 0xFF) || (s[0] == 0xFF && s[1] == 0xFE) ||
		       (s[0] == 0 && s[1] == '<') || (s[0] == '<' && s[1] == 0))) {
		choose(x, "utf-16");
		return true;
	}
	static const char bom[] = "\xEF\xBB\xBF", decl[] = "<?xml";
	size_t off = 0;
	if (n >= 3 && !memcmp(s, bom, 3))
		off = 3;
	else if ((n < 2 || !memcmp(s, bom, n < 3 ? n : 3)) && !final)
		return false;
	size_t have = n - off < 5 ? n - off : 5;
	if (memcmp(s + off, decl, have)) {
		choose(x, NULL);
		return true;
	}
	if (have < 5 && !final)
		return false;
	/* "<?xml" then whitespace is the declaration; "<?xmlfoo" is a
	 * processing instruction, whose "encoding" means nothing. */
	if (n - off == 5 && !final)
		return false;
	if (n - off < 6 || !strchr(" \t\r\n", s[off + 5]) || !s[off + 5]) {
		choose(x, NULL);
		return true;
	}
	const char *end = memmem(s + off, n - off, "?>", 2);
	if (!end && n < SNIFF_LIMIT && !final)
		return false;
	char *enc = end ? decl_encoding((const char *)s + off, (size_t)(end - (const char *)s - off)) : NULL;
	/* These bytes are not UTF-16 (that was sniffed above), whatever the
	 * declaration says: .NET writes "utf-16" over UTF-8 when it serialises
	 * to a string first. Read them as UTF-8 (expat is told so, which
	 * overrides the declaration) rather than refuse the file. */
	if (enc && (!strncasecmp(enc, "utf-16", 6) || !strncasecmp(enc, "ucs-2", 5))) {
		free(enc);
		enc = NULL;
	}
	choose(x, enc);
	free(enc);
	return true;
}

void xml_repair_feed(struct xml_repair *x, const char *p, size_t n, struct buf *out)
{
	if (x->mode == XR_SNIFF) {
		size_t take = SNIFF_LIMIT - x->head.len;
		if (take > n)
			take = n;
		buf_add(&x->head, p, take);
		p += take;
		n -= take;
		if (!sniff(x, false))
			return;
		repair(x, x->head.data, x->head.len, out);
		buf_release(&x->head);
	}
	repair(x, p, n, out);
}

void xml_repair_finish(struct xml_repair *x, struct buf *out)
{
	if (x->mode == XR_SNIFF) {
		sniff(x, true);
		repair(x, x->head.data, x->head.len, out);
		buf_release(&x->head);
	}
	for (size_t i = 0; i < x->n_seq; i++)
		put_single(out, x->seq[i]);
	x->n_seq = 0;
	if (x->n_ref)
		flush_ref(x, out);
}
