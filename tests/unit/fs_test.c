/* Unit tests of util/fs: a copied tree has the same files, bytes, modes,
 * modification times and links (not followed) as the original and shares
 * nothing with it; what cannot be copied is refused by name; removing a
 * tree removes everything, read-only folders and links included, and
 * never what a link points to. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/base.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testlib.h"
#include "util/fs.h"

static void set_mtime(const char *path, time_t when)
{
	struct timespec t[2] = { { when, 0 }, { when, 0 } };
	assert_int_equal(utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW), 0);
}

static void check_mode(const char *path, mode_t mode, time_t mtime)
{
	struct stat sb;
	assert_int_equal(lstat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, mode);
	if (mtime)
		assert_int_equal(sb.st_mtim.tv_sec, mtime);
}

static void copy_is_faithful_and_separate(void **state)
{
	(void)state;
	char *d = testlib_tmpdir();
	char *src = xasprintf("%s/src", d), *dst = xasprintf("%s/dst", d);
	char *p;
	assert_int_equal(mkdir(src, 0755), 0);
	free(testlib_write(src, "a.txt", "alpha\n"));
	p = xasprintf("%s/sub", src);
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	p = testlib_write(src, "sub/tool.sh", "#!/bin/sh\necho hi\n");
	assert_int_equal(chmod(p, 0751), 0);
	set_mtime(p, 1000000000);
	free(p);
	/* A big file: more than one read of the copy loop. */
	p = xasprintf("%s/sub/big.bin", src);
	FILE *f = fopen(p, "wb");
	for (int i = 0; i < 200000; i++)
		fputc(i * 7 % 251, f);
	fclose(f);
	free(p);
	p = xasprintf("%s/sub/link", src);
	assert_int_equal(symlink("../a.txt", p), 0);
	free(p);
	p = xasprintf("%s/dangling", src);
	assert_int_equal(symlink("/nonexistent/x", p), 0);
	free(p);
	p = xasprintf("%s/ro", src);
	assert_int_equal(mkdir(p, 0755), 0);
	free(testlib_write(p, "inside", "x"));
	assert_int_equal(chmod(p, 0555), 0);
	set_mtime(p, 1100000000);
	free(p);

	struct error e = ERROR_INIT;
	assert_int_equal(fs_copy_tree(src, dst, &e), RC_OK);

	char *got = testlib_read(dst, "a.txt");
	assert_string_equal(got, "alpha\n");
	free(got);
	got = testlib_read(dst, "sub/tool.sh");
	assert_string_equal(got, "#!/bin/sh\necho hi\n");
	free(got);
	p = xasprintf("%s/sub/tool.sh", dst);
	check_mode(p, 0751, 1000000000);
	free(p);
	p = xasprintf("%s/sub/big.bin", dst);
	f = fopen(p, "rb");
	assert_non_null(f);
	int i = 0, c, bad = 0;
	while ((c = fgetc(f)) != EOF)
		bad += c != i++ * 7 % 251;
	fclose(f);
	assert_int_equal(i, 200000);
	assert_int_equal(bad, 0);
	free(p);
	char target[256];
	p = xasprintf("%s/sub/link", dst);
	ssize_t n = readlink(p, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "../a.txt");
	free(p);
	p = xasprintf("%s/dangling", dst);
	n = readlink(p, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = '\0';
	assert_string_equal(target, "/nonexistent/x");
	free(p);
	p = xasprintf("%s/ro", dst);
	check_mode(p, 0555, 1100000000);
	free(p);
	got = testlib_read(dst, "ro/inside");
	assert_string_equal(got, "x");
	free(got);

	/* Separate: changing the copy leaves the original as it was. */
	free(testlib_write(dst, "a.txt", "changed\n"));
	got = testlib_read(src, "a.txt");
	assert_string_equal(got, "alpha\n");
	free(got);

	/* The target must be new. */
	assert_int_equal(fs_copy_tree(src, dst, &e), RC_IO);
	assert_non_null(strstr(e.msg, dst));

	/* Removing the copy removes all of it (the read-only folder too), and
	 * not what its links point to. */
	assert_int_equal(fs_remove_tree(dst, &e), RC_OK);
	assert_int_equal(access(dst, F_OK), -1);
	got = testlib_read(src, "a.txt");
	assert_string_equal(got, "alpha\n");
	free(got);
	assert_int_equal(fs_remove_tree(dst, &e), RC_OK); /* gone already: fine */

	assert_int_equal(fs_remove_tree(src, &e), RC_OK);
	assert_int_equal(access(src, F_OK), -1);
	free(src);
	free(dst);
	testlib_rmdir(d);
}

static void special_files_are_refused_by_name(void **state)
{
	(void)state;
	char *d = testlib_tmpdir();
	char *src = xasprintf("%s/src", d), *dst = xasprintf("%s/dst", d);
	assert_int_equal(mkdir(src, 0755), 0);
	char *fifo = xasprintf("%s/pipe", src);
	assert_int_equal(mkfifo(fifo, 0644), 0);
	struct error e = ERROR_INIT;
	assert_int_equal(fs_copy_tree(src, dst, &e), RC_IO);
	assert_non_null(strstr(e.msg, "pipe"));
	assert_non_null(strstr(e.msg, "not a file, folder or link"));
	assert_int_equal(fs_copy_tree("/nonexistent/src", dst, &e), RC_IO);
	assert_non_null(strstr(e.msg, "/nonexistent/src"));
	free(fifo);
	free(src);
	free(dst);
	testlib_rmdir(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(copy_is_faithful_and_separate),
		cmocka_unit_test(special_files_are_refused_by_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
