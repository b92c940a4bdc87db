/* Unit tests of catalog/: a full catalog loads as written (commands, shell
 * detection, protocols, durations, labels, prerequisites, resources, env,
 * context, absolute folders), each bad file in tests/data/catalog/bad/ is
 * refused at the right FILE:LINE:COL naming the key, and catalog_find walks
 * up to the nearest assay.yaml. Run from the repository root. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "util/base.h"

#include <limits.h>
#include <sys/stat.h>

#include "catalog/catalog.h"
#include "testlib.h"
#include "util/str.h"

#define GOOD "tests/data/catalog/good/assay.yaml"
#define BAD(name) "tests/data/catalog/bad/" name

static int load_good(void **state)
{
	struct catalog *cat = NULL;
	struct error e = ERROR_INIT;
	if (catalog_load(GOOD, &cat, &e)) {
		fprintf(stderr, "%s did not load: %s\n", GOOD, e.msg);
		return -1;
	}
	*state = cat;
	return 0;
}

static int free_good(void **state)
{
	catalog_free(*state);
	return 0;
}

/* The good catalog's folder, absolute, as the loader must report it. */
static char *good_dir(void)
{
	char real[PATH_MAX];
	assert_non_null(realpath("tests/data/catalog/good", real));
	return xstrdup(real);
}

static void assert_argv(char *const *argv, const char *const *want, size_t n)
{
	assert_non_null(argv);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(argv[i]);
		assert_string_equal(argv[i], want[i]);
	}
	assert_null(argv[n]);
}

/* ---------------------------------------------------------------- good */

static void project_and_context_load_as_written(void **state)
{
	const struct catalog *cat = *state;
	assert_string_equal(cat->project, "demo");
	assert_int_equal(cat->context.n, 2);
	assert_string_equal(cat->context.items[0].key, "build_dir");
	assert_string_equal(kv_get(&cat->context, "build_dir"), "build");
	assert_string_equal(kv_get(&cat->context, "port"), "5432");
}

static void path_and_dir_are_absolute(void **state)
{
	const struct catalog *cat = *state;
	char *dir = good_dir();
	char *path = xasprintf("%s/assay.yaml", dir);
	assert_string_equal(cat->dir, dir);
	assert_string_equal(cat->path, path);
	free(path);
	free(dir);
}

static void tests_suites_and_resources_keep_declaration_order(void **state)
{
	const struct catalog *cat = *state;
	static const char *const tests[] = { "parse.basic",  "parse.pipe", "parse.var",
					     "query.select", "query.list", "query.one" };
	assert_int_equal(cat->n_tests, ARRAY_SIZE(tests));
	for (size_t i = 0; i < ARRAY_SIZE(tests); i++)
		assert_string_equal(cat->tests[i].name, tests[i]);
	assert_int_equal(cat->n_suites, 3);
	assert_string_equal(cat->suites[0].name, "unit");
	assert_string_equal(cat->suites[1].name, "all");
	assert_string_equal(cat->suites[2].name, "everything");
	assert_int_equal(cat->n_resources, 2);
	assert_string_equal(cat->resources[0].name, "database");
	assert_string_equal(cat->resources[1].name, "scratch");
	/* lines point at the name, for later messages */
	assert_int_equal(cat->tests[0].line, 16);
	assert_int_equal(cat->resources[0].line, 8);
	assert_int_equal(cat->suites[0].line, 50);
}

static void plain_command_is_split_on_blanks(void **state)
{
	const struct cat_test *t = catalog_test(*state, "parse.basic");
	assert_non_null(t);
	assert_false(t->command.shell);
	assert_string_equal(t->command.text, "./build/test-parse --basic");
	static const char *const want[] = { "./build/test-parse", "--basic" };
	assert_argv(t->command.argv, want, 2);

	/* tabs and runs of blanks separate words too; no empty words */
	t = catalog_test(*state, "query.list");
	assert_false(t->command.shell);
	static const char *const want2[] = { "./build/test-query", "--list" };
	assert_argv(t->command.argv, want2, 2);
}

static void command_with_pipe_or_dollar_runs_in_the_shell(void **state)
{
	const struct cat_test *pipe = catalog_test(*state, "parse.pipe");
	assert_true(pipe->command.shell);
	static const char *const want[] = { "/bin/sh", "-c",
					    "./build/test-parse --dump | grep -q ok" };
	assert_argv(pipe->command.argv, want, 3);
	assert_string_equal(pipe->command.text, want[2]);

	const struct cat_test *var = catalog_test(*state, "parse.var");
	assert_true(var->command.shell);
	assert_string_equal(var->command.argv[2], "./build/test-parse --dir $ASSAY_CTX_build_dir");
}

static void list_command_is_argv_as_written(void **state)
{
	const struct cat_test *t = catalog_test(*state, "query.select");
	assert_false(t->command.shell);
	static const char *const want[] = { "./build/test-query", "--select", "a b" };
	assert_argv(t->command.argv, want, 3);
	assert_string_equal(t->command.text, "./build/test-query --select a b");
}

static void protocols_load_and_default_to_exit(void **state)
{
	assert_int_equal(catalog_test(*state, "parse.basic")->protocol, PROTO_EXIT);
	assert_int_equal(catalog_test(*state, "parse.pipe")->protocol, PROTO_TAP);
	assert_int_equal(catalog_test(*state, "query.select")->protocol, PROTO_JUNIT);
	assert_int_equal(catalog_test(*state, "query.list")->protocol, PROTO_EXIT);
	assert_string_equal(protocol_name(PROTO_TAP), "tap");
	assert_string_equal(protocol_name(PROTO_JUNIT), "junit");
	assert_string_equal(protocol_name(PROTO_EXIT), "exit");
}

static void timeouts_parse_units_and_plain_numbers_are_seconds(void **state)
{
	assert_int_equal(catalog_test(*state, "parse.basic")->timeout_ms, 30000);
	assert_int_equal(catalog_test(*state, "parse.pipe")->timeout_ms, 500);
	assert_int_equal(catalog_test(*state, "parse.var")->timeout_ms, 2000);
	assert_int_equal(catalog_test(*state, "query.list")->timeout_ms, 0); /* run default */
	assert_int_equal(catalog_resource(*state, "database")->timeout_ms, 60000);
}

static void labels_are_a_list_or_one_string(void **state)
{
	static const char *const two[] = { "unit", "fast" };
	assert_argv(catalog_test(*state, "parse.basic")->labels, two, 2);
	static const char *const one[] = { "unit" };
	assert_argv(catalog_test(*state, "parse.pipe")->labels, one, 1);
	/* absent: an empty list, never NULL */
	assert_argv(catalog_test(*state, "query.one")->labels, NULL, 0);
}

static void description_is_kept_or_null(void **state)
{
	assert_string_equal(catalog_test(*state, "parse.basic")->description,
			    "Parses the smallest input.");
	assert_null(catalog_test(*state, "parse.pipe")->description);
}

static void prerequisites_keep_their_expected_status(void **state)
{
	const struct cat_test *t = catalog_test(*state, "query.select");
	assert_int_equal(t->n_prereqs, 2);
	assert_string_equal(t->prereqs[0].test, "parse.basic");
	assert_int_equal(t->prereqs[0].expect, RS_PASSED);
	assert_string_equal(t->prereqs[1].test, "parse.pipe");
	assert_int_equal(t->prereqs[1].expect, RS_FAILED);
}

static void prerequisites_as_a_list_or_one_name_mean_passed(void **state)
{
	const struct cat_test *t = catalog_test(*state, "query.list");
	assert_int_equal(t->n_prereqs, 2);
	assert_string_equal(t->prereqs[0].test, "parse.basic");
	assert_int_equal(t->prereqs[0].expect, RS_PASSED);
	assert_string_equal(t->prereqs[1].test, "query.select");
	assert_int_equal(t->prereqs[1].expect, RS_PASSED);

	t = catalog_test(*state, "query.one");
	assert_int_equal(t->n_prereqs, 1);
	assert_string_equal(t->prereqs[0].test, "parse.var");
	assert_int_equal(t->prereqs[0].expect, RS_PASSED);
	assert_int_equal(catalog_test(*state, "parse.basic")->n_prereqs, 0);
}

static void test_resources_are_a_list_or_one_name(void **state)
{
	static const char *const two[] = { "database", "scratch" };
	assert_argv(catalog_test(*state, "query.select")->resources, two, 2);
	static const char *const one[] = { "database" };
	assert_argv(catalog_test(*state, "query.list")->resources, one, 1);
	assert_argv(catalog_test(*state, "parse.basic")->resources, NULL, 0);
}

static void test_env_loads_and_an_empty_value_is_the_empty_string(void **state)
{
	const struct cat_test *t = catalog_test(*state, "query.select");
	assert_int_equal(t->env.n, 2);
	assert_string_equal(kv_get(&t->env, "LANG"), "C");
	assert_string_equal(kv_get(&t->env, "EMPTY"), "");
	assert_int_equal(catalog_test(*state, "parse.basic")->env.n, 0);
}

static void workdirs_are_absolute_and_default_to_the_catalog_folder(void **state)
{
	char *dir = good_dir();
	char *sub = xasprintf("%s/sub/deeper", dir);
	char *scripts = xasprintf("%s/scripts", dir);
	assert_string_equal(catalog_test(*state, "parse.basic")->workdir, dir);
	/* "sub/../sub/deeper/" is made absolute and tidied without touching the disk */
	assert_string_equal(catalog_test(*state, "query.select")->workdir, sub);
	assert_string_equal(catalog_test(*state, "query.one")->workdir, "/tmp");
	assert_string_equal(catalog_resource(*state, "database")->workdir, scripts);
	assert_string_equal(catalog_resource(*state, "scratch")->workdir, dir);
	free(scripts);
	free(sub);
	free(dir);
}

static void resources_load_setup_cleanup_and_env(void **state)
{
	const struct cat_resource *r = catalog_resource(*state, "database");
	assert_non_null(r);
	assert_false(r->setup.shell);
	static const char *const up[] = { "./scripts/db-up.sh", "--fresh" };
	assert_argv(r->setup.argv, up, 2);
	static const char *const down[] = { "./scripts/db-down.sh", "--force" };
	assert_argv(r->cleanup.argv, down, 2);
	assert_string_equal(kv_get(&r->env, "DB_NAME"), "assay_test");

	/* a resource with neither: argv NULL */
	const struct cat_resource *s = catalog_resource(*state, "scratch");
	assert_null(s->setup.argv);
	assert_null(s->cleanup.argv);
	assert_int_equal(s->timeout_ms, 0);
}

static void suites_keep_names_globs_and_dot(void **state)
{
	static const char *const unit[] = { "parse.*" };
	assert_argv(catalog_suite(*state, "unit")->items, unit, 1);
	static const char *const all[] = { "unit", "query.select" };
	assert_argv(catalog_suite(*state, "all")->items, all, 2);
	static const char *const every[] = { "." };
	assert_argv(catalog_suite(*state, "everything")->items, every, 1);
}

static void lookups_return_null_for_unknown_names(void **state)
{
	assert_null(catalog_test(*state, "parse"));
	assert_null(catalog_test(*state, "unit")); /* a suite, not a test */
	assert_null(catalog_suite(*state, "parse.basic"));
	assert_null(catalog_resource(*state, "db"));
}

static void project_defaults_to_the_folder_name(void **state)
{
	struct catalog *cat = NULL;
	struct error e = ERROR_INIT;
	assert_int_equal(catalog_load("tests/data/catalog/noproject/assay.yaml", &cat, &e), RC_OK);
	assert_string_equal(cat->project, "noproject");
	assert_int_equal(cat->n_tests, 1);
	assert_int_equal(cat->n_suites, 0);
	assert_int_equal(cat->n_resources, 0);
	assert_int_equal(cat->context.n, 0);
	catalog_free(cat);
}

/* ---------------------------------------------------------------- commands */

static void command_parse_sends_each_shell_character_to_the_shell(void **state)
{
	static const char shell_chars[] = "'\"$`|&;<>()*?[~{}\\\n";
	for (const char *c = shell_chars; *c; c++) {
		char text[16];
		snprintf(text, sizeof(text), "echo a%cb", *c);
		struct cat_command cmd;
		catalog_command_parse(text, &cmd);
		if (!cmd.shell)
			fail_msg("'%s' should need the shell", text);
		const char *const want[] = { "/bin/sh", "-c", text };
		assert_argv(cmd.argv, want, 3);
		assert_string_equal(cmd.text, text);
		catalog_command_release(&cmd);
	}
}

static void command_parse_leaves_plain_words_alone(void **state)
{
	struct cat_command cmd;
	catalog_command_parse("  env -i LANG=C ./run.sh --x=1,2 @f %p ", &cmd);
	assert_false(cmd.shell);
	static const char *const want[] = { "env",     "-i", "LANG=C", "./run.sh",
					    "--x=1,2", "@f", "%p" };
	assert_argv(cmd.argv, want, ARRAY_SIZE(want));
	catalog_command_release(&cmd);

	/* A comment or a leading assignment is shell syntax. */
	catalog_command_parse("./run.sh # note", &cmd);
	assert_true(cmd.shell);
	catalog_command_release(&cmd);
	catalog_command_parse("LANG=C ./run.sh", &cmd);
	assert_true(cmd.shell);
	catalog_command_release(&cmd);

	catalog_command_parse("", &cmd);
	assert_false(cmd.shell);
	assert_null(cmd.argv[0]);
	assert_string_equal(cmd.text, "");
	catalog_command_release(&cmd);
	assert_null(cmd.argv);
}

/* ---------------------------------------------------------------- faults */

/* Loads a bad file and checks the error: RC_PARSE, "PATH:LINE:COL: " first,
 * and `needle` (which names the key at fault) in the message. */
static void expect_fault(const char *path, int line, int col, const char *needle)
{
	struct catalog *cat = NULL;
	struct error e = ERROR_INIT;
	int rc = catalog_load(path, &cat, &e);
	assert_null(cat);
	if (rc != RC_PARSE)
		fail_msg("%s: rc %s, expected PARSE (%s)", path, rc_name(rc), e.msg);
	char prefix[PATH_MAX + 64];
	snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", path, line, col);
	if (!str_starts(e.msg, prefix))
		fail_msg("message \"%s\" should start with \"%s\"", e.msg, prefix);
	if (!strstr(e.msg, needle))
		fail_msg("message \"%s\" should say \"%s\"", e.msg, needle);
}

static void missing_command_points_at_the_test(void **state)
{
	expect_fault(BAD("missing_command.yaml"), 5, 3, "test 'parse.deep': missing 'command'");
}

static void blank_command_is_empty(void **state)
{
	expect_fault(BAD("empty_command.yaml"), 4, 14, "test 'parse.basic': 'command' is empty");
}

static void mapping_where_a_command_belongs_is_a_type_error(void **state)
{
	expect_fault(BAD("command_mapping.yaml"), 5, 7,
		     "'command' must be a string or a list of strings, not a mapping");
}

static void env_as_a_list_is_a_type_error(void **state)
{
	expect_fault(BAD("env_list.yaml"), 5, 10,
		     "'env' must be a mapping of names to values, not a list");
}

static void unknown_protocol_lists_the_valid_ones_and_suggests(void **state)
{
	expect_fault(BAD("bad_protocol.yaml"), 5, 15,
		     "unknown protocol 'tapp' (expected exit, tap or junit); did you mean 'tap'?");
}

static void bad_duration_names_the_timeout(void **state)
{
	expect_fault(BAD("bad_duration.yaml"), 5, 14, "bad duration '30 seconds' for 'timeout'");
}

static void bad_expected_status_names_the_prerequisite(void **state)
{
	expect_fault(BAD("bad_status.yaml"), 8, 20,
		     "test 'query.select': bad expected outcome 'passing' for prerequisite "
		     "'parse.basic'");
}

static void prerequisite_naming_nothing_suggests_the_closest_test(void **state)
{
	expect_fault(BAD("unknown_prereq.yaml"), 7, 21,
		     "prerequisite 'parse.basc' is not a test of this catalog; did you mean "
		     "'parse.basic'?");
}

static void resource_naming_nothing_suggests_the_closest_resource(void **state)
{
	expect_fault(BAD("unknown_resource.yaml"), 8, 17,
		     "resource 'databse' is not a resource of this catalog; did you mean "
		     "'database'?");
}

static void test_cannot_be_its_own_prerequisite(void **state)
{
	expect_fault(BAD("self_prereq.yaml"), 6, 7,
		     "test 'parse.basic': prerequisite 'parse.basic' is the test itself");
}

static void duplicate_test_points_at_the_second_and_names_the_first_line(void **state)
{
	expect_fault(BAD("duplicate_test.yaml"), 7, 3,
		     "duplicate test 'parse.basic' (first at line 3)");
}

static void duplicate_key_in_a_test_is_refused(void **state)
{
	expect_fault(BAD("duplicate_key.yaml"), 6, 5,
		     "test 'parse.basic': duplicate key 'timeout' (first at line 5)");
}

static void typo_in_a_test_key_suggests_the_right_one(void **state)
{
	expect_fault(BAD("typo_key.yaml"), 4, 5, "unknown key 'comand'");
	expect_fault(BAD("typo_key.yaml"), 4, 5, "did you mean 'command'?");
}

static void typo_in_a_top_level_key_suggests_the_right_one(void **state)
{
	expect_fault(BAD("typo_top_key.yaml"), 3, 1, "unknown key 'test'");
	expect_fault(BAD("typo_top_key.yaml"), 3, 1, "did you mean 'tests'?");
}

static void suite_item_naming_nothing_is_refused_with_a_suggestion(void **state)
{
	expect_fault(BAD("suite_unknown_item.yaml"), 6, 23,
		     "suite 'unit': 'parse.basik' is neither a test nor a suite; did you mean "
		     "'parse.basic'?");
}

static void suite_glob_matching_no_test_is_refused(void **state)
{
	expect_fault(BAD("suite_glob_nothing.yaml"), 8, 7,
		     "suite 'unit': glob 'lint.*' matches no test");
}

static void suite_with_the_name_of_a_test_is_refused(void **state)
{
	expect_fault(BAD("suite_named_like_test.yaml"), 6, 3,
		     "suite 'parse.basic' has the name of a test (line 3)");
}

static void test_names_cannot_hold_blanks_or_slashes_or_be_empty(void **state)
{
	expect_fault(BAD("name_whitespace.yaml"), 3, 3,
		     "test name 'parse basic' contains whitespace");
	expect_fault(BAD("name_slash.yaml"), 3, 3, "test name 'parse/basic' contains '/'");
	expect_fault(BAD("name_empty.yaml"), 3, 3, "a test name is empty");
}

static void empty_file_is_refused_clearly(void **state)
{
	expect_fault(BAD("empty.yaml"), 1, 1, "the catalog is empty");
}

static void file_that_is_not_a_mapping_is_refused(void **state)
{
	expect_fault(BAD("not_mapping.yaml"), 2, 1, "the catalog must be a mapping");
	expect_fault(BAD("not_mapping.yaml"), 2, 1, "not a list");
}

static void yaml_syntax_error_has_a_position(void **state)
{
	expect_fault(BAD("syntax.yaml"), 5, 13, "did not find expected ',' or ']'");
	expect_fault(BAD("syntax.yaml"), 5, 13, "while parsing a flow sequence at line 4");
}

static void second_yaml_document_is_refused(void **state)
{
	expect_fault(BAD("two_documents.yaml"), 6, 1, "one YAML document");
}

static void missing_file_is_an_io_error_naming_it(void **state)
{
	struct catalog *cat = NULL;
	struct error e = ERROR_INIT;
	assert_int_equal(catalog_load("tests/data/catalog/nowhere.yaml", &cat, &e), RC_IO);
	assert_null(cat);
	assert_non_null(strstr(e.msg, "tests/data/catalog/nowhere.yaml"));
	assert_int_equal(catalog_load("tests/data/catalog", &cat, &e), RC_IO);
	assert_non_null(strstr(e.msg, "folder"));
}

/* ---------------------------------------------------------------- find */

static void find_looks_in_parent_folders(void **state)
{
	char found[PATH_MAX];
	struct error e = ERROR_INIT;
	assert_int_equal(
		catalog_find("tests/data/catalog/good/sub/deeper", found, sizeof(found), &e),
		RC_OK);
	char *dir = good_dir();
	char *want = xasprintf("%s/assay.yaml", dir);
	assert_string_equal(found, want);
	free(want);
	free(dir);
}

static void find_takes_the_nearest_catalog(void **state)
{
	char *root = testlib_tmpdir();
	char *a = xasprintf("%s/a", root), *b = xasprintf("%s/a/b", root);
	assert_int_equal(mkdir(a, 0700), 0);
	assert_int_equal(mkdir(b, 0700), 0);
	free(testlib_write(root, "assay.yaml", "tests: {}\n"));
	free(testlib_write(a, "assay.yaml", "tests: {}\n"));
	char found[PATH_MAX], real[PATH_MAX];
	struct error e = ERROR_INIT;
	assert_int_equal(catalog_find(b, found, sizeof(found), &e), RC_OK);
	char *want = xasprintf("%s/assay.yaml", realpath(a, real));
	assert_string_equal(found, want);
	/* the folder itself counts */
	assert_int_equal(catalog_find(a, found, sizeof(found), &e), RC_OK);
	assert_string_equal(found, want);
	free(want);
	free(a);
	free(b);
	testlib_rmdir(root);
}

static void find_without_any_catalog_is_not_found(void **state)
{
	char *root = testlib_tmpdir();
	char found[PATH_MAX];
	struct error e = ERROR_INIT;
	char real[PATH_MAX];
	/* only meaningful when no folder above the temporary one has a catalog */
	struct stat st;
	char *above = xasprintf("%s/../assay.yaml", realpath(root, real));
	bool clean = stat(above, &st) != 0 && stat("/assay.yaml", &st) != 0;
	free(above);
	if (clean) {
		assert_int_equal(catalog_find(root, found, sizeof(found), &e), RC_NOTFOUND);
		assert_non_null(strstr(e.msg, "assay.yaml"));
	}
	assert_int_equal(catalog_find("tests/data/catalog/nowhere", found, sizeof(found), &e),
			 RC_IO);
	testlib_rmdir(root);
}

/* A test of the good catalog, loaded afresh for it. */
#define GOOD_TEST(f) cmocka_unit_test_setup_teardown(f, load_good, free_good)

int main(void)
{
	const struct CMUnitTest tests[] = {
		GOOD_TEST(project_and_context_load_as_written),
		GOOD_TEST(path_and_dir_are_absolute),
		GOOD_TEST(tests_suites_and_resources_keep_declaration_order),
		GOOD_TEST(plain_command_is_split_on_blanks),
		GOOD_TEST(command_with_pipe_or_dollar_runs_in_the_shell),
		GOOD_TEST(list_command_is_argv_as_written),
		GOOD_TEST(protocols_load_and_default_to_exit),
		GOOD_TEST(timeouts_parse_units_and_plain_numbers_are_seconds),
		GOOD_TEST(labels_are_a_list_or_one_string),
		GOOD_TEST(description_is_kept_or_null),
		GOOD_TEST(prerequisites_keep_their_expected_status),
		GOOD_TEST(prerequisites_as_a_list_or_one_name_mean_passed),
		GOOD_TEST(test_resources_are_a_list_or_one_name),
		GOOD_TEST(test_env_loads_and_an_empty_value_is_the_empty_string),
		GOOD_TEST(workdirs_are_absolute_and_default_to_the_catalog_folder),
		GOOD_TEST(resources_load_setup_cleanup_and_env),
		GOOD_TEST(suites_keep_names_globs_and_dot),
		GOOD_TEST(lookups_return_null_for_unknown_names),
		cmocka_unit_test(project_defaults_to_the_folder_name),
		cmocka_unit_test(command_parse_sends_each_shell_character_to_the_shell),
		cmocka_unit_test(command_parse_leaves_plain_words_alone),
		cmocka_unit_test(missing_command_points_at_the_test),
		cmocka_unit_test(blank_command_is_empty),
		cmocka_unit_test(mapping_where_a_command_belongs_is_a_type_error),
		cmocka_unit_test(env_as_a_list_is_a_type_error),
		cmocka_unit_test(unknown_protocol_lists_the_valid_ones_and_suggests),
		cmocka_unit_test(bad_duration_names_the_timeout),
		cmocka_unit_test(bad_expected_status_names_the_prerequisite),
		cmocka_unit_test(prerequisite_naming_nothing_suggests_the_closest_test),
		cmocka_unit_test(resource_naming_nothing_suggests_the_closest_resource),
		cmocka_unit_test(test_cannot_be_its_own_prerequisite),
		cmocka_unit_test(duplicate_test_points_at_the_second_and_names_the_first_line),
		cmocka_unit_test(duplicate_key_in_a_test_is_refused),
		cmocka_unit_test(typo_in_a_test_key_suggests_the_right_one),
		cmocka_unit_test(typo_in_a_top_level_key_suggests_the_right_one),
		cmocka_unit_test(suite_item_naming_nothing_is_refused_with_a_suggestion),
		cmocka_unit_test(suite_glob_matching_no_test_is_refused),
		cmocka_unit_test(suite_with_the_name_of_a_test_is_refused),
		cmocka_unit_test(test_names_cannot_hold_blanks_or_slashes_or_be_empty),
		cmocka_unit_test(empty_file_is_refused_clearly),
		cmocka_unit_test(file_that_is_not_a_mapping_is_refused),
		cmocka_unit_test(yaml_syntax_error_has_a_position),
		cmocka_unit_test(second_yaml_document_is_refused),
		cmocka_unit_test(missing_file_is_an_io_error_naming_it),
		cmocka_unit_test(find_looks_in_parent_folders),
		cmocka_unit_test(find_takes_the_nearest_catalog),
		cmocka_unit_test(find_without_any_catalog_is_not_found),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
