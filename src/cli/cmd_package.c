/* cmd_package — `assay package push FILE.tar.gz` and `assay package list`:
 * test packages, stored content-addressed in the database that `assay
 * serve` hands them out of. */
#include "util/base.h"

#include "cli/cli.h"
#include "formats/json_orch.h"
#include "service/orch.h"

static const struct option options[] = {
	CLI_COMMON_OPTIONS,
	{ NULL, 0, NULL, 0 },
};

static int push(struct store *st, const char *file, bool json)
{
	void *data;
	size_t size;
	struct error e = ERROR_INIT;
	if (cli_read_file(file, &data, &size, &e))
		return cli_fail(&e);
	struct package p;
	bool existed;
	int rc = service_package_push(st, data, size, &p, &existed, &e);
	free(data);
	if (rc) {
		err_prefix(&e, "%s", file);
		return cli_fail(&e);
	}
	if (json)
		cli_print_json(json_package(&p));
	else
		printf("%s %s@%s (%s, %lld bytes)\n", existed ? "already pushed:" : "pushed",
		       p.name, p.version, p.digest, (long long)p.size);
	package_release(&p);
	return EXIT_OK;
}

static int list(struct store *st, bool json)
{
	struct package *ps;
	size_t n;
	struct error e = ERROR_INIT;
	if (store_packages_list(st, &ps, &n, &e))
		return cli_fail(&e);
	if (json) {
		json_t *a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(a, json_package(&ps[i]));
		cli_print_json(a);
	} else if (!n) {
		printf("no packages (assay package push FILE.tar.gz)\n");
	} else {
		printf("%-30s %-8s %10s  %s\n", "PACKAGE", "PROTOCOL", "BYTES", "DIGEST");
		for (size_t i = 0; i < n; i++) {
			char *nv = xasprintf("%s@%s", ps[i].name, ps[i].version);
			printf("%-30s %-8s %10lld  %s\n", nv, ps[i].protocol, (long long)ps[i].size,
			       ps[i].digest);
			free(nv);
		}
	}
	packages_free(ps, n);
	return EXIT_OK;
}

int cmd_package(int argc, char **argv)
{
	struct cli_common common = { 0 };
	int opt;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (cli_common_option(&common, opt, "package"))
			continue;
		return cli_usage_error("package", "unknown option");
	}
	if (optind >= argc)
		return cli_usage_error("package", "wants push FILE or list");
	const char *verb = argv[optind++];
	if (!strcmp(verb, "push")) {
		if (argc - optind < 1)
			return cli_usage_error("package", "push wants FILE.tar.gz...");
	} else if (!strcmp(verb, "list")) {
		if (argc - optind)
			return cli_usage_error("package", "list takes no arguments");
	} else {
		return cli_usage_error("package", "'%s': push or list", verb);
	}
	struct store *st;
	struct error e = ERROR_INIT;
	if (cli_open_store(&common, NULL, &st, NULL, 0, &e))
		return cli_fail(&e);
	int code = EXIT_OK;
	if (!strcmp(verb, "list"))
		code = list(st, common.json);
	for (int i = optind; i < argc && !code && !strcmp(verb, "push"); i++)
		code = push(st, argv[i], common.json);
	store_close(st);
	return code;
}
