#include "util/base.h"

#include <sys/random.h>
#include <pthread.h>

#include "util/time.h"
#include "util/uuid.h"

/* Random bytes are taken from the kernel a pool at a time: one getrandom
 * per id was a tenth of the time of a million-result import. A process made
 * by fork() empties its pool, so parent and child never share bytes. */
static unsigned char pool[4096];
static size_t used = sizeof(pool);

static void forget_pool(void)
{
	used = sizeof(pool);
}

static void register_fork_handler(void)
{
	pthread_atfork(NULL, NULL, forget_pool);
}

static void random16(unsigned char b[16])
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, register_fork_handler);
	if (used == sizeof(pool)) {
		if (getrandom(pool, sizeof(pool), 0) != (ssize_t)sizeof(pool)) {
			/* getrandom on Linux does not fail once booted; keep going
			 * with time-derived bits rather than refuse to make an id. */
			for (size_t i = 0; i < sizeof(pool); i += 8) {
				uint64_t x = ((uint64_t)time_mono_ns() + i) * 0x9E3779B97F4A7C15ull;
				memcpy(pool + i, &x, 8);
			}
		}
		used = 0;
	}
	memcpy(b, pool + used, 16);
	used += 16;
}

/* The pool and the counter are shared by every thread (assay serve's
 * workers make ids at once): without the lock two threads could take the
 * same random bytes and the same counter value, i.e. the same id. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

void uuid7_new(char out[UUID_STR_LEN], int64_t ms)
{
	unsigned char b[16];
	uuid7_new_bytes(b, ms);
	uuid_from_bytes(b, out);
}

void uuid7_new_bytes(unsigned char b[16], int64_t ms)
{
	static int64_t last_ms;
	static uint16_t seq;
	if (!ms)
		ms = time_now_ms();
	pthread_mutex_lock(&lock);
	random16(b);
	/* A 12-bit counter in rand_a keeps ids monotonic within one ms. */
	if (ms == last_ms) {
		seq++;
	} else {
		last_ms = ms;
		seq = (uint16_t)((b[6] << 4 | b[7] >> 4) & 0x3ff);
	}
	uint16_t my_seq = seq;
	pthread_mutex_unlock(&lock);
	uint64_t t = (uint64_t)ms;
	b[0] = (unsigned char)(t >> 40);
	b[1] = (unsigned char)(t >> 32);
	b[2] = (unsigned char)(t >> 24);
	b[3] = (unsigned char)(t >> 16);
	b[4] = (unsigned char)(t >> 8);
	b[5] = (unsigned char)t;
	b[6] = (unsigned char)(0x70 | ((my_seq >> 8) & 0x0f));
	b[7] = (unsigned char)(my_seq & 0xff);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
}

void uuid_from_bytes(const unsigned char b[16], char out[UUID_STR_LEN])
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			*o++ = '-';
		*o++ = hex[b[i] >> 4];
		*o++ = hex[b[i] & 15];
	}
	*o = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool uuid_to_bytes(const char *s, unsigned char b[16])
{
	unsigned char out[16];
	size_t k = 0;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
			continue;
		}
		int hi = hex_value(s[i]), lo = hi < 0 ? -1 : hex_value(s[++i]);
		if (lo < 0)
			return false;
		out[k++] = (unsigned char)(hi << 4 | lo);
	}
	if (s[36])
		return false;
	memcpy(b, out, sizeof(out));
	return true;
}
