/* command — turning a `command:` string into the argv assay spawns.
 *
 * Tests are started directly (engine/spawn), not through a shell, because a shell
 * per test costs a fork+exec more and adds its own quoting rules. A string is
 * therefore split on blanks when that is exactly what a shell would do with
 * it, i.e. when it holds no character the shell gives a meaning to; any other
 * string is handed to /bin/sh -c unchanged so that pipes, variables, quotes
 * and globs behave as the author expects. */
#include "util/base.h"

#include "catalog/catalog.h"
#include "util/strlist.h"

/* The characters that make a command need a shell (catalog.h lists them);
 * '#' starts a comment and '!' negates a pipeline in sh. */
static const char shell_chars[] = "'\"$`|&;<>()*?[~{}\\\n#!";

/* True when the first word is an assignment (FOO=1 cmd), which only a shell
 * understands. */
static bool starts_with_assignment(const char *text)
{
	const char *p = text + strspn(text, " \t");
	size_t word = strcspn(p, " \t");
	const char *eq = memchr(p, '=', word);
	return eq && eq > p;
}

/* Blanks separate argv words; a newline is not among them because it is
 * shell syntax (it separates commands). */
static const char blanks[] = " \t\r\v\f";

void catalog_command_parse(const char *text, struct cat_command *out)
{
	if (!text)
		text = "";
	struct strlist argv = STRLIST_INIT;
	out->text = xstrdup(text);
	out->shell = strpbrk(text, shell_chars) != NULL || starts_with_assignment(text);
	if (out->shell) {
		strlist_add(&argv, "/bin/sh");
		strlist_add(&argv, "-c");
		strlist_add(&argv, text);
	} else {
		const char *p = text;
		for (;;) {
			p += strspn(p, blanks);
			if (!*p)
				break;
			size_t n = strcspn(p, blanks);
			strlist_push(&argv, xstrndup(p, n));
			p += n;
		}
	}
	out->argv = strlist_detach(&argv);
}

void catalog_command_release(struct cat_command *c)
{
	free(c->text);
	strv_free(c->argv);
	c->text = NULL;
	c->argv = NULL;
	c->shell = false;
}
