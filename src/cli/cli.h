/* cli — the `assay` command line: one file per subcommand (cmd_<name>.c),
 * one table of them in main.c. Commands are thin: they parse options, call
 * service/ and store/, and print. Only this layer prints errors or exits.
 *
 * Exit codes: 0 all passed / success, 1 some test did not pass, 2 usage or
 * catalog error, 3 infrastructure failure (database, I/O, spawning). */
#ifndef ASSAY_CLI_CLI_H
#define ASSAY_CLI_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>

#include "catalog/catalog.h"
#include "store/store.h"
#include "util/kv.h"
#include "util/rc.h"

enum { EXIT_OK = 0, EXIT_TESTS = 1, EXIT_USAGE = 2, EXIT_INFRA = 3 };

/* Options every command takes. */
struct cli_common {
	const char *db;      /* --db, else $ASSAY_DB, else .assay/assay.db beside the catalog */
	const char *catalog; /* --catalog, else assay.yaml here or in a parent folder */
	bool json;
};

/* The long options shared by every command, to put first in each table. */
#define CLI_COMMON_OPTIONS                                       \
	{ "db", required_argument, NULL, 1001 },                 \
	{ "catalog", required_argument, NULL, 1002 },            \
	{ "json", no_argument, NULL, 1003 },                     \
	{ "help", no_argument, NULL, 'h' }

/* Handles a common option; returns true if `opt` was one (the caller's
 * getopt loop then continues). 'h' prints the command's help and exits 0. */
bool cli_common_option(struct cli_common *c, int opt, const char *cmd);

/* What -c/-C/-e/--title/--description set: a new run's properties, for the
 * commands that record runs (run, import). Put CLI_RUN_PROPS_OPTIONS in the
 * option table and "c:C:e:" in the short options. */
struct cli_run_props {
	struct kvlist context;
	const char *environment, *title, *description;
};

#define CLI_RUN_PROPS_OPTIONS                                    \
	{ "context", required_argument, NULL, 'c' },             \
	{ "load-context", required_argument, NULL, 'C' },        \
	{ "environment", required_argument, NULL, 'e' },         \
	{ "title", required_argument, NULL, 1101 },              \
	{ "description", required_argument, NULL, 1102 }

/* Handles one of those options: 1 when `opt` was one, 0 when it was not,
 * -1 when its value is bad (the usage error is printed: exit EXIT_USAGE). */
int cli_run_props_option(struct cli_run_props *p, int opt, const char *cmd);

/* Finds and loads the catalog (RC_NOTFOUND when none). */
int cli_load_catalog(const struct cli_common *c, struct catalog **cat, struct error *e);
/* Resolves the database path (see struct cli_common), opens it, and marks
 * runs abandoned by a killed assay failed. `cat` may be NULL. */
int cli_open_store(const struct cli_common *c, const struct catalog *cat, struct store **st,
		   char *path_out, size_t n, struct error *e);
/* Prints "assay: <msg>" to stderr and returns the exit code for rc. */
int cli_fail(const struct error *e);
int cli_exit_code(int rc);
/* Prints a usage error naming the command, returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints the help of a command (from the table in main.c). */
void cli_print_help(const char *cmd);

/* Reads a whole file into memory (heap, *data freed by the caller). */
int cli_read_file(const char *path, void **data, size_t *size, struct error *e);
/* A lease duration (30s, 2s, 500ms) > 0. */
bool cli_parse_lease(const char *s, int64_t *ms);
/* --no-tests WHAT (error or ignore): sets *allow_empty for ignore; a usage
 * error (EXIT_USAGE, said) for anything else, else 0. */
int cli_no_tests_option(const char *cmd, const char *what, bool *allow_empty);
/* Prints a JSON value (consumed) indented, on stdout. */
void cli_print_json(json_t *v);

/* The subcommands. */
int cmd_run(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_results(int argc, char **argv);
int cmd_import(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_token(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_pool(int argc, char **argv);
int cmd_package(int argc, char **argv);
int cmd_start(int argc, char **argv);
int cmd_wait(int argc, char **argv);
int cmd_cancel(int argc, char **argv);
int cmd_worker(int argc, char **argv);
int cmd_workers(int argc, char **argv);
int cmd_prune(int argc, char **argv);

#endif
