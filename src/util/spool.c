/* spool — see spool.h. Offsets [0, mem_len) are in `mem`; the bytes after
 * them are in the temporary file (file offset = spool offset - mem_len),
 * the newest of those still in the write buffer `wbuf`. */
#include "util/base.h"

#include <errno.h>
#include <unistd.h>

#include "util/spool.h"

#define WBUF_SIZE (256 * 1024)

struct spool {
	size_t mem_limit;
	char *mem;
	size_t mem_len, mem_cap;
	int fd;              /* -1 until the memory is full */
	uint64_t file_len;   /* bytes in the file (written out) */
	char *wbuf;          /* bytes on their way to the file */
	size_t wbuf_len;
};

struct spool *spool_new(size_t mem_limit)
{
	struct spool *s = xcalloc(1, sizeof(*s));
	s->mem_limit = mem_limit;
	s->fd = -1;
	return s;
}

uint64_t spool_size(const struct spool *s)
{
	return s->mem_len + s->file_len + s->wbuf_len;
}

/* The temporary file, made on first need and unlinked at once. */
static int open_file(struct spool *s, struct error *e)
{
	const char *dir = getenv("TMPDIR");
	char *path = xasprintf("%s/assay-spool-XXXXXX", dir && *dir ? dir : "/tmp");
	s->fd = mkstemp(path);
	if (s->fd < 0) {
		int rc = err_set(e, RC_IO, "cannot make a temporary file in %s: %s",
				 dir && *dir ? dir : "/tmp", strerror(errno));
		free(path);
		return rc;
	}
	unlink(path);
	free(path);
	s->wbuf = xmalloc(WBUF_SIZE);
	return RC_OK;
}

static int flush_wbuf(struct spool *s, struct error *e)
{
	size_t done = 0;
	while (done < s->wbuf_len) {
		ssize_t w = pwrite(s->fd, s->wbuf + done, s->wbuf_len - done,
				   (off_t)(s->file_len + done));
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return err_set(e, RC_IO, "writing a temporary file: %s",
				       w < 0 ? strerror(errno) : "nothing written");
		done += (size_t)w;
	}
	s->file_len += s->wbuf_len;
	s->wbuf_len = 0;
	return RC_OK;
}

int spool_write(struct spool *s, const void *p, size_t n, uint64_t *at, struct error *e)
{
	*at = spool_size(s);
	if (s->fd < 0 && s->mem_len + n <= s->mem_limit) {
		if (s->mem_len + n > s->mem_cap) {
			size_t cap = s->mem_cap ? s->mem_cap : 64 * 1024;
			while (cap < s->mem_len + n)
				cap *= 2;
			s->mem_cap = cap < s->mem_limit ? cap : s->mem_limit;
			s->mem = xrealloc(s->mem, s->mem_cap);
		}
		memcpy(s->mem + s->mem_len, p, n);
		s->mem_len += n;
		return RC_OK;
	}
	if (s->fd < 0 && open_file(s, e))
		return e->code;
	const char *q = p;
	while (n) {
		size_t room = WBUF_SIZE - s->wbuf_len;
		size_t k = n < room ? n : room;
		memcpy(s->wbuf + s->wbuf_len, q, k);
		s->wbuf_len += k;
		q += k;
		n -= k;
		if (s->wbuf_len == WBUF_SIZE && flush_wbuf(s, e))
			return e->code;
	}
	return RC_OK;
}

int spool_read(struct spool *s, uint64_t at, void *dst, size_t n, struct error *e)
{
	if (at + n > spool_size(s))
		return err_set(e, RC_INTERNAL, "spool: reading past the end");
	char *d = dst;
	if (at < s->mem_len) {
		size_t k = s->mem_len - at < n ? (size_t)(s->mem_len - at) : n;
		memcpy(d, s->mem + at, k);
		d += k;
		at += k;
		n -= k;
	}
	uint64_t fat = at - s->mem_len; /* offset past the memory part */
	while (n && fat < s->file_len) {
		size_t k = s->file_len - fat < n ? (size_t)(s->file_len - fat) : n;
		ssize_t r = pread(s->fd, d, k, (off_t)fat);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return err_set(e, RC_IO, "reading a temporary file: %s",
				       r < 0 ? strerror(errno) : "unexpected end");
		d += r;
		fat += (uint64_t)r;
		n -= (size_t)r;
	}
	if (n)
		memcpy(d, s->wbuf + (fat - s->file_len), n);
	return RC_OK;
}

void spool_free(struct spool *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	free(s->mem);
	free(s->wbuf);
	free(s);
}
