/* testlib — helpers shared by the unit tests: temporary folders, catalogs
 * written from a string, the files of tests/data, and the heap in use (for
 * tests that memory stays bounded). Header-only so each test binary stays
 * one file. */
#ifndef ASSAY_TESTS_TESTLIB_H
#define ASSAY_TESTS_TESTLIB_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <malloc.h>

#include "catalog/catalog.h"
#include "util/buf.h"

#if defined(__SANITIZE_ADDRESS__)
#define HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HAVE_ASAN 1
#endif
#endif
#ifdef HAVE_ASAN
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

/* Bytes of heap in use now (ASan's count under ASan, else glibc's). */
static inline size_t heap_in_use(void)
{
#ifdef HAVE_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
#endif
}

/* The contents of tests/data/<rel>, found from this header's path; aborts
 * the test when the file cannot be read. */
static inline char *read_data(const char *rel, size_t *n)
{
	const char *src = __FILE__; /* .../tests/unit/testlib.h */
	const char *cut = strstr(src, "unit/testlib.h");
	char *path = xasprintf("%.*sdata/%s", (int)(cut - src), src, rel);
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		abort();
	}
	struct buf b = BUF_INIT;
	char chunk[4096];
	size_t got;
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, got);
	fclose(f);
	free(path);
	*n = b.len;
	return buf_detach(&b);
}

static int testlib_rm(const char *p, const struct stat *s, int f, struct FTW *w)
{
	(void)s;
	(void)f;
	(void)w;
	remove(p);
	return 0;
}

/* Makes a fresh temporary folder; the caller removes it with testlib_rmdir. */
static inline char *testlib_tmpdir(void)
{
	char *d = xasprintf("%s/assay-test-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(d))
		abort();
	return d;
}

/* Removes the folder `d` and everything in it. */
static inline void testlib_rmtree(const char *d)
{
	nftw(d, testlib_rm, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void testlib_rmdir(char *d)
{
	testlib_rmtree(d);
	free(d);
}

/* Writes `text` (with every "@DIR@" replaced by dir) to dir/name. */
static inline char *testlib_write(const char *dir, const char *name, const char *text)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		abort();
	for (const char *p = text; *p;) {
		if (!strncmp(p, "@DIR@", 5)) {
			fputs(dir, f);
			p += 5;
		} else {
			fputc(*p++, f);
		}
	}
	fclose(f);
	return path;
}

/* Loads a catalog written from `yaml` into dir/assay.yaml; aborts the test
 * with the loader's message if it does not load. */
static inline struct catalog *testlib_catalog(const char *dir, const char *yaml)
{
	char *path = testlib_write(dir, "assay.yaml", yaml);
	struct catalog *cat = NULL;
	struct error e = ERROR_INIT;
	if (catalog_load(path, &cat, &e)) {
		fprintf(stderr, "catalog did not load: %s\n", e.msg);
		abort();
	}
	free(path);
	return cat;
}

/* Reads a whole small file (NULL if absent). */
static inline char *testlib_read(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	free(path);
	if (!f)
		return NULL;
	char *buf = xmalloc(1 << 16);
	size_t n = fread(buf, 1, (1 << 16) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* ---- the backend under test ----
 * The suite runs once against SQLite and, with ASSAY_TEST_PG_URL set (the
 * URL of a throwaway cluster's `postgres` database: tests/run-all.sh starts
 * one), once against PostgreSQL. A test that opens a store asks for its
 * database here and gets a file path or the URL of a new empty database. */

static inline bool testlib_pg(void)
{
	const char *u = getenv("ASSAY_TEST_PG_URL");
	return u && *u;
}

/* Runs one statement over a connection of its own; aborts the test with
 * PostgreSQL's message if it fails. Returns the result (PQclear it). */
static inline PGresult *testlib_pg_exec(const char *url, const char *sql)
{
	PGconn *c = PQconnectdb(url);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "connecting for '%s': %s\n", sql, PQerrorMessage(c));
		abort();
	}
	PGresult *r = PQexec(c, sql);
	if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
		fprintf(stderr, "'%s': %s\n", sql, PQresultErrorMessage(r));
		abort();
	}
	PQfinish(c);
	return r;
}

/* Writes to out[n] the database a test opens: `sqlite_path` itself, or
 * under ASSAY_TEST_PG_URL a new PostgreSQL database's URL. */
static inline void testlib_db_new(char *out, size_t n, const char *sqlite_path)
{
	if (!testlib_pg()) {
		snprintf(out, n, "%s", sqlite_path);
		return;
	}
	static int made;
	const char *admin = getenv("ASSAY_TEST_PG_URL");
	const char *slash = strrchr(admin, '/');
	char name[64], sql[128];
	snprintf(name, sizeof(name), "assay_unit_%d_%d", (int)getpid(), made++);
	snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
	PQclear(testlib_pg_exec(admin, sql));
	snprintf(out, n, "%.*s/%s", (int)(slash - admin), admin, name);
}

/* Removes a database testlib_db_new made on PostgreSQL (a file goes with
 * its test's folder). */
static inline void testlib_db_drop(const char *db)
{
	if (!testlib_pg() || strncmp(db, "postgres", 8))
		return;
	char sql[128];
	snprintf(sql, sizeof(sql), "DROP DATABASE %s WITH (FORCE)", strrchr(db, '/') + 1);
	PQclear(testlib_pg_exec(getenv("ASSAY_TEST_PG_URL"), sql));
}

#endif
