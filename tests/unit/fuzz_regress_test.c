/* Fuzz regressions: every input the fuzzers ever crashed on
 * (tests/data/fuzz-regressions/<format>/) and every seed
 * (fuzz/corpus/<format>/) is replayed through its fuzz target, in this
 * ordinary sanitized build, so a fixed reader bug stays fixed without
 * clang or libFuzzer. The targets (fuzz/<format>_fuzz.c) are linked in
 * with their entry points renamed fuzz_<format>_one; the Makefile lists
 * them in FUZZ_TARGETS. A target aborts when the reader breaks a promise,
 * and ASan/UBSan/LSan end the run on memory errors, undefined behaviour
 * and leaks, so "ok" for a file means the reader survived it cleanly and
 * read it the same whole and in chunks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/base.h"

#include <dirent.h>

#include "util/buf.h"

#ifndef FUZZ_TARGETS
#error "FUZZ_TARGETS must list the fuzz targets, as X(junit) X(tap) ..."
#endif

#define X(n) int fuzz_##n##_one(const uint8_t *data, size_t size);
FUZZ_TARGETS
#undef X

struct target {
	const char *name;
	int (*one)(const uint8_t *data, size_t size);
};

static const struct target targets[] = {
#define X(n) { #n, fuzz_##n##_one },
	FUZZ_TARGETS
#undef X
};

/* One file to replay through one target. */
struct replay {
	const struct target *t;
	char *path;
};

/* The source tree's top ("" when the build ran from it), from this file's path. */
static char *top_dir(void)
{
	const char *src = __FILE__; /* .../tests/unit/fuzz_regress_test.c */
	const char *cut = strstr(src, "tests/unit/fuzz_regress_test.c");
	return xstrndup(src, (size_t)(cut - src));
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The paths of the files in dir (none when it does not exist), sorted;
 * hidden files (.gitkeep) are left out. Appends them to *list. */
static void list_files(const char *dir, char ***list, size_t *n, size_t *cap)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	size_t first = *n;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		GROW(*list, *cap, *n + 1);
		(*list)[(*n)++] = xasprintf("%s/%s", dir, de->d_name);
	}
	closedir(d);
	if (*n > first)
		qsort(*list + first, *n - first, sizeof(**list), by_name);
}

static char *read_file(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		fail_msg("cannot open %s", path);
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, got);
	fclose(f);
	*n = b.len;
	return buf_detach(&b);
}

static void file_is_read_cleanly_whole_and_in_chunks(void **state)
{
	const struct replay *r = *state;
	size_t n;
	char *data = read_file(r->path, &n);
	r->t->one((const uint8_t *)data, n);
	free(data);
}

static void target_has_a_seed_corpus(void **state)
{
	const struct target *t = *state;
	char *top = top_dir(), *dir = xasprintf("%sfuzz/corpus/%s", top, t->name);
	char **files = NULL;
	size_t n = 0, cap = 0;
	list_files(dir, &files, &n, &cap);
	if (!n)
		fail_msg("%s has no seed files", dir);
	for (size_t i = 0; i < n; i++)
		free(files[i]);
	free(files);
	free(dir);
	free(top);
}

int main(void)
{
	char *top = top_dir();
	struct CMUnitTest *tests = NULL;
	struct replay *replays = NULL;
	char **paths = NULL, **names = NULL;
	size_t n_tests = 0, cap_tests = 0, n_paths = 0, cap_paths = 0;
	size_t *owner = NULL, cap_owner = 0; /* paths[i] belongs to targets[owner[i]] */

	for (size_t k = 0; k < ARRAY_SIZE(targets); k++) {
		const char *where[] = { "tests/data/fuzz-regressions", "fuzz/corpus" };
		for (size_t w = 0; w < ARRAY_SIZE(where); w++) {
			char *dir = xasprintf("%s%s/%s", top, where[w], targets[k].name);
			size_t before = n_paths;
			list_files(dir, &paths, &n_paths, &cap_paths);
			GROW(owner, cap_owner, n_paths + 1);
			for (size_t i = before; i < n_paths; i++)
				owner[i] = k;
			free(dir);
		}
	}
	replays = xcalloc(n_paths + 1, sizeof(*replays));
	names = xcalloc(n_paths + ARRAY_SIZE(targets) + 1, sizeof(*names));
	size_t n_names = 0;
	for (size_t k = 0; k < ARRAY_SIZE(targets); k++) {
		GROW(tests, cap_tests, n_tests + 1);
		names[n_names] = xasprintf("%s target has a seed corpus", targets[k].name);
		tests[n_tests++] = (struct CMUnitTest){ names[n_names++], target_has_a_seed_corpus,
							 NULL, NULL, (void *)&targets[k] };
	}
	for (size_t i = 0; i < n_paths; i++) {
		replays[i] = (struct replay){ &targets[owner[i]], paths[i] };
		GROW(tests, cap_tests, n_tests + 1);
		names[n_names] = xasprintf("%s reads %s cleanly, whole and in chunks",
					   targets[owner[i]].name, paths[i] + strlen(top));
		tests[n_tests++] = (struct CMUnitTest){ names[n_names++],
							 file_is_read_cleanly_whole_and_in_chunks,
							 NULL, NULL, &replays[i] };
	}
	int failed = _cmocka_run_group_tests("fuzz_regress", tests, n_tests, NULL, NULL);
	for (size_t i = 0; i < n_names; i++)
		free(names[i]);
	for (size_t i = 0; i < n_paths; i++)
		free(paths[i]);
	free(names);
	free(paths);
	free(replays);
	free(owner);
	free(tests);
	free(top);
	return failed;
}
