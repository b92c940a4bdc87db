/* cmd_token — `assay token create|list|revoke`: the API tokens `assay serve`
 * checks. The secret is printed once, alone on the last line, so a script
 * can take it with `tail -n 1`; the database keeps only its hash. */
#include "util/base.h"

#include "cli/cli.h"
#include "formats/json_api.h"
#include "service/tokens.h"
#include "util/time.h"

static const struct option options[] = {
	CLI_COMMON_OPTIONS,
	{ "name", required_argument, NULL, 'n' },
	{ "role", required_argument, NULL, 'r' },
	{ NULL, 0, NULL, 0 },
};

static int create(struct store *st, const char *name, enum role role)
{
	char secret[TOKEN_SECRET_MAX];
	struct error e = ERROR_INIT;
	if (service_token_create(st, name, role, secret, &e))
		return cli_fail(&e);
	printf("created token '%s' (role %s); it is shown this once, keep it now:\n%s\n", name,
	       role_name(role), secret);
	return EXIT_OK;
}

static int list(struct store *st, bool json)
{
	struct token *ts;
	size_t n;
	struct error e = ERROR_INIT;
	if (store_tokens_list(st, &ts, &n, &e))
		return cli_fail(&e);
	if (json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(
				a, json_pack("{s:s, s:s, s:o, s:o}", "name", ts[i].name, "role",
					     role_name(ts[i].role), "created_at",
					     json_time(ts[i].created_at), "revoked_at",
					     json_time(ts[i].revoked_at)));
		char *s = json_dumps(a, JSON_INDENT(2));
		puts(s);
		free(s);
		json_decref(a);
	} else if (!n) {
		printf("no tokens (assay token create --name NAME --role read|write|admin)\n");
	} else {
		printf("%-24s %-6s %-25s %s\n", "NAME", "ROLE", "CREATED", "REVOKED");
		for (size_t i = 0; i < n; i++) {
			char created[40], revoked[40];
			time_iso(ts[i].created_at, created, sizeof(created));
			time_iso(ts[i].revoked_at, revoked, sizeof(revoked));
			printf("%-24s %-6s %-25s %s\n", ts[i].name, role_name(ts[i].role), created,
			       ts[i].revoked_at ? revoked : "-");
		}
	}
	tokens_free(ts, n);
	return EXIT_OK;
}

int cmd_token(int argc, char **argv)
{
	struct cli_common common = { 0 };
	const char *name = NULL, *role_text = NULL;
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hn:r:", options, NULL)) != -1) {
		if (cli_common_option(&common, opt, "token"))
			continue;
		switch (opt) {
		case 'n':
			name = optarg;
			break;
		case 'r':
			role_text = optarg;
			break;
		default:
			return cli_usage_error("token", "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("token", "wants create, list or revoke");
	const char *verb = argv[optind++];
	enum role role = ROLE_READ;
	if (!strcmp(verb, "create")) {
		if (!name || !role_text || optind < argc)
			return cli_usage_error("token", "create wants --name NAME --role ROLE");
		if (!role_parse(role_text, &role))
			return cli_usage_error("token", "--role '%s': read, write or admin", role_text);
	} else if (!strcmp(verb, "revoke")) {
		if (name && optind == argc)
			argv[--optind] = (char *)name; /* --name N works too */
		if (argc - optind != 1)
			return cli_usage_error("token", "revoke wants one NAME");
		name = argv[optind];
	} else if (!strcmp(verb, "list")) {
		if (optind < argc)
			return cli_usage_error("token", "list takes no arguments");
	} else {
		return cli_usage_error("token", "'%s': create, list or revoke", verb);
	}
	struct store *st;
	struct error e = ERROR_INIT;
	if (cli_open_store(&common, NULL, &st, NULL, 0, &e))
		return cli_fail(&e);
	int code;
	if (!strcmp(verb, "create")) {
		code = create(st, name, role);
	} else if (!strcmp(verb, "list")) {
		code = list(st, common.json);
	} else if (store_token_revoke(st, name, &e)) {
		code = cli_fail(&e);
	} else {
		printf("revoked token '%s'\n", name);
		code = EXIT_OK;
	}
	store_close(st);
	return code;
}
