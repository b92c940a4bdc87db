/* Unit tests of util/spool: bytes come back as written, across the memory
 * part, the temporary file and its write buffer; the file goes where
 * $TMPDIR says and a bad $TMPDIR is an RC_IO naming it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/base.h"

#include <dirent.h>
#include <unistd.h>

#include "testlib.h"
#include "util/spool.h"

/* A byte pattern that differs at every offset of a few MiB. */
static unsigned char pattern(uint64_t i)
{
	return (unsigned char)((i * 2654435761u) >> 13);
}

static void bytes_read_back_from_memory_file_and_buffer(void **state)
{
	struct spool *s = spool_new(1000);
	struct error e = ERROR_INIT;
	uint64_t total = 0;
	uint64_t at[64];
	size_t len[64];
	/* Pieces of growing size: the first fit in memory, later ones go to the
	 * file, the last stay in the write buffer. */
	for (int k = 0; k < 64; k++) {
		len[k] = (size_t)(k * k * 97 + 1);
		unsigned char *p = xmalloc(len[k]);
		for (size_t i = 0; i < len[k]; i++)
			p[i] = pattern(total + i);
		assert_int_equal(spool_write(s, p, len[k], &at[k], &e), RC_OK);
		assert_int_equal(at[k], total);
		total += len[k];
		free(p);
	}
	assert_int_equal(spool_size(s), total);
	for (int k = 63; k >= 0; k--) {
		unsigned char *p = xmalloc(len[k]);
		assert_int_equal(spool_read(s, at[k], p, len[k], &e), RC_OK);
		for (size_t i = 0; i < len[k]; i++)
			if (p[i] != pattern(at[k] + i))
				fail_msg("piece %d byte %zu differs", k, i);
		free(p);
	}
	/* A range across the memory/file boundary, and reading past the end. */
	unsigned char mid[600];
	assert_int_equal(spool_read(s, 700, mid, sizeof(mid), &e), RC_OK);
	for (size_t i = 0; i < sizeof(mid); i++)
		assert_int_equal(mid[i], pattern(700 + i));
	assert_int_not_equal(spool_read(s, total - 10, mid, 20, &e), RC_OK);
	spool_free(s);
}

static void the_file_is_unlinked_in_tmpdir(void **state)
{
	char *dir = testlib_tmpdir();
	char *old = getenv("TMPDIR") ? xstrdup(getenv("TMPDIR")) : NULL;
	setenv("TMPDIR", dir, 1);
	struct spool *s = spool_new(0);
	struct error e = ERROR_INIT;
	uint64_t at;
	assert_int_equal(spool_write(s, "abc", 3, &at, &e), RC_OK);
	DIR *d = opendir(dir);
	int entries = 0;
	for (struct dirent *de; (de = readdir(d));)
		entries += de->d_name[0] != '.';
	closedir(d);
	assert_int_equal(entries, 0);
	char got[4] = { 0 };
	assert_int_equal(spool_read(s, 0, got, 3, &e), RC_OK);
	assert_string_equal(got, "abc");
	spool_free(s);

	setenv("TMPDIR", "/nonexistent/assay", 1);
	s = spool_new(0);
	assert_int_equal(spool_write(s, "abc", 3, &at, &e), RC_IO);
	assert_non_null(strstr(e.msg, "/nonexistent/assay"));
	spool_free(s);
	if (old)
		setenv("TMPDIR", old, 1);
	else
		unsetenv("TMPDIR");
	free(old);
	testlib_rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bytes_read_back_from_memory_file_and_buffer),
		cmocka_unit_test(the_file_is_unlinked_in_tmpdir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
