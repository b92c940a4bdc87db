/* catalog — the tests, suites, resources and default context of a project,
 * loaded from an `assay.yaml` file (DESIGN.md "The catalog file").
 *
 *     struct catalog *cat;
 *     if (catalog_load("assay.yaml", &cat, &e))   // e.msg: "assay.yaml:12:5: ..."
 *         ...;
 *     const struct cat_test *t = catalog_test(cat, "parse.basic");
 *     catalog_free(cat);
 *
 * A bad catalog is refused whole: the error names file:line:column and the key
 * at fault (an unknown key, a wrong type, a prerequisite or resource naming
 * nothing, a bad duration or status, a duplicate name). The catalog is
 * immutable after loading; every pointer in it lives until catalog_free. */
#ifndef ASSAY_CATALOG_CATALOG_H
#define ASSAY_CATALOG_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/status.h"
#include "util/kv.h"
#include "util/rc.h"

enum protocol {
	PROTO_EXIT,  /* 0 passed, 77 skipped (Automake), anything else failed */
	PROTO_TAP,   /* stdout is a TAP 13/14 stream; points become sub-results */
	PROTO_JUNIT  /* the test writes JUnit XML to $ASSAY_JUNIT_FILE */
};

const char *protocol_name(enum protocol p);

/* A command to run. `command:` may be a string or a YAML list. A list, or a
 * string with no shell syntax (no quotes, $, `, |, &, ;, <, >, (, ), *, ?, [,
 * ~, {, }, \, #, ! or newline, and no leading VAR=value) is run directly
 * from argv; any other string runs as argv = {"/bin/sh", "-c", text}. */
struct cat_command {
	char *text;   /* as written (a list is joined with spaces), for messages */
	char **argv;  /* NULL-terminated */
	bool shell;   /* argv is /bin/sh -c text */
};

struct cat_prereq {
	char *test;                 /* a test name (must exist in the catalog) */
	enum result_status expect;  /* passed, failed, error, skipped, ... */
};

struct cat_test {
	char *name;
	struct cat_command command;
	char *workdir;       /* absolute; default: the catalog's folder */
	struct kvlist env;   /* extra environment variables */
	int64_t timeout_ms;  /* 0 = the run's default */
	enum protocol protocol;
	char **labels;       /* NULL-terminated */
	struct cat_prereq *prereqs;
	size_t n_prereqs;
	char **resources;    /* names of resources (must exist), NULL-terminated */
	char *description;
	int line;            /* where the test is defined, for messages */
};

struct cat_resource {
	char *name;
	struct cat_command setup;   /* argv NULL when there is no set-up */
	struct cat_command cleanup; /* argv NULL when there is no clean-up */
	char *workdir;
	struct kvlist env;
	int64_t timeout_ms;         /* 0 = the run's default */
	int line;
};

struct cat_suite {
	char *name;
	char **items; /* test names, suite names and globs over test names; NULL-terminated */
	int line;
};

struct catalog {
	char *path;      /* the file, absolute */
	char *dir;       /* its folder, absolute */
	char *project;   /* `project:`; default: the folder's name */
	struct kvlist context;
	struct cat_test *tests;
	size_t n_tests;
	struct cat_suite *suites;
	size_t n_suites;
	struct cat_resource *resources;
	size_t n_resources;
};

/* Loads and checks the catalog at `path`. */
int catalog_load(const char *path, struct catalog **out, struct error *e);
/* Looks for assay.yaml in `dir` (NULL = the current folder) and its parents;
 * writes the path found to out (PATH_MAX bytes). RC_NOTFOUND if none. */
int catalog_find(const char *dir, char *out, size_t n, struct error *e);
void catalog_free(struct catalog *cat);

const struct cat_test *catalog_test(const struct catalog *cat, const char *name);
const struct cat_suite *catalog_suite(const struct catalog *cat, const char *name);
const struct cat_resource *catalog_resource(const struct catalog *cat, const char *name);

/* Splits a command string into argv as the catalog does (see cat_command). */
void catalog_command_parse(const char *text, struct cat_command *out);
void catalog_command_release(struct cat_command *c);

#endif
