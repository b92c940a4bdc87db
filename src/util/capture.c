#include "util/base.h"

#include "util/buf.h"
#include "util/capture.h"

void capture_init(struct capture *c, size_t limit)
{
	memset(c, 0, sizeof(*c));
	c->limit = limit ? limit : 1;
}

void capture_add(struct capture *c, const char *p, size_t n)
{
	c->total += n;
	if (c->head_len < c->limit) {
		size_t take = c->limit - c->head_len;
		if (take > n)
			take = n;
		if (!c->head)
			c->head = xmalloc(c->limit);
		memcpy(c->head + c->head_len, p, take);
		c->head_len += take;
		p += take;
		n -= take;
	}
	if (!n)
		return;
	if (!c->tail)
		c->tail = xmalloc(c->limit);
	if (n >= c->limit) {
		/* Only the last `limit` bytes of this chunk can survive. */
		memcpy(c->tail, p + n - c->limit, c->limit);
		c->tail_len = c->limit;
		c->tail_pos = 0;
		return;
	}
	size_t first = c->limit - c->tail_pos;
	if (first > n)
		first = n;
	memcpy(c->tail + c->tail_pos, p, first);
	memcpy(c->tail, p + first, n - first);
	c->tail_pos = (c->tail_pos + n) % c->limit;
	c->tail_len = c->tail_len + n > c->limit ? c->limit : c->tail_len + n;
}

/* Bytes at the end of p[0..n) that start a UTF-8 character without ending it. */
static size_t utf8_unfinished(const char *p, size_t n)
{
	size_t back = 0;
	while (back < 3 && back < n && ((unsigned char)p[n - 1 - back] & 0xC0) == 0x80)
		back++;
	if (back == n)
		return 0;
	unsigned char lead = (unsigned char)p[n - 1 - back];
	size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
	return want > back + 1 ? back + 1 : 0;
}

static char *text(const struct capture *c, int64_t *dropped, bool utf8)
{
	struct buf tail = BUF_INIT;
	if (c->tail_len == c->limit) {
		/* The ring's oldest byte is at tail_pos once it has wrapped. */
		buf_add(&tail, c->tail + c->tail_pos, c->limit - c->tail_pos);
		buf_add(&tail, c->tail, c->tail_pos);
	} else {
		buf_add(&tail, c->tail, c->tail_len);
	}
	uint64_t lost = c->total - c->head_len - c->tail_len;
	size_t head = c->head_len, skip = 0;
	if (utf8 && lost) {
		/* The cuts fall inside characters: leave their pieces out too. */
		head -= utf8_unfinished(c->head, c->head_len);
		while (skip < 3 && skip < tail.len && ((unsigned char)tail.data[skip] & 0xC0) == 0x80)
			skip++;
		lost += c->head_len - head + skip;
	}
	struct buf b = BUF_INIT;
	buf_add(&b, c->head, head);
	if (lost)
		buf_addf(&b, "\n[... %llu bytes dropped ...]\n", (unsigned long long)lost);
	buf_add(&b, tail.data + skip, tail.len - skip);
	buf_release(&tail);
	if (dropped)
		*dropped = (int64_t)lost;
	if (!memchr(b.data, '\0', b.len))
		return buf_detach(&b);
	/* A NUL would end the C string there, and the rest with it. */
	struct buf clean = BUF_INIT;
	for (const char *p = b.data, *end = b.data + b.len; p < end;) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t k = nul ? (size_t)(nul - p) : (size_t)(end - p);
		buf_add(&clean, p, k);
		p += k;
		if (p < end) {
			buf_adds(&clean, "\xEF\xBF\xBD"); /* U+FFFD */
			p++;
		}
	}
	buf_release(&b);
	return buf_detach(&clean);
}

char *capture_text(const struct capture *c, int64_t *dropped)
{
	return text(c, dropped, false);
}

char *capture_text_utf8(const struct capture *c, int64_t *dropped)
{
	return text(c, dropped, true);
}

void capture_release(struct capture *c)
{
	free(c->head);
	free(c->tail);
	memset(c, 0, sizeof(*c));
}
