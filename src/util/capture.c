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

char *capture_text(const struct capture *c, int64_t *dropped)
{
	struct buf b = BUF_INIT;
	uint64_t lost = c->total - c->head_len - c->tail_len;
	buf_add(&b, c->head, c->head_len);
	if (lost)
		buf_addf(&b, "\n[... %llu bytes dropped ...]\n", (unsigned long long)lost);
	if (c->tail_len) {
		/* The ring's oldest byte is at tail_pos once it has wrapped. */
		size_t start = c->tail_len == c->limit ? c->tail_pos : 0;
		size_t first = c->tail_len - (c->tail_len == c->limit ? start : 0);
		if (c->tail_len == c->limit) {
			buf_add(&b, c->tail + start, c->limit - start);
			buf_add(&b, c->tail, start);
		} else {
			buf_add(&b, c->tail, first);
		}
	}
	if (dropped)
		*dropped = (int64_t)lost;
	return buf_detach(&b);
}

void capture_release(struct capture *c)
{
	free(c->head);
	free(c->tail);
	memset(c, 0, sizeof(*c));
}
