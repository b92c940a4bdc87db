#include "util/base.h"

#include "cli/cli.h"
#include "service/export.h"
#include "util/str.h"

static const struct option options[] = {
	CLI_COMMON_OPTIONS,
	{ "format", required_argument, NULL, 'f' },
	{ "output", required_argument, NULL, 'o' },
	{ "top", no_argument, NULL, 2001 },
	{ "max-failures", required_argument, NULL, 2002 },
	{ NULL, 0, NULL, 0 },
};

/* The format a file name's extension suggests, or NULL. */
static const struct export_writer *format_of_path(const char *path)
{
	static const struct {
		const char *ext, *format;
	} map[] = {
		{ ".xml", "junit" }, { ".tap", "tap" },   { ".json", "ctrf" },
		{ ".csv", "csv" },   { ".html", "html" }, { ".htm", "html" },
	};
	for (size_t i = 0; path && i < ARRAY_SIZE(map); i++)
		if (str_ends(path, map[i].ext))
			return export_writer_find(map[i].format);
	return NULL;
}

int cmd_export(int argc, char **argv)
{
	struct cli_common common = { 0 };
	struct export_request req = { 0 };
	struct error e = ERROR_INIT;
	const char *format = NULL, *path = NULL;
	int opt;
	int64_t v;
	optind = 0;
	while ((opt = getopt_long(argc, argv, "hf:o:", options, NULL)) != -1) {
		if (cli_common_option(&common, opt, "export"))
			continue;
		switch (opt) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			path = optarg;
			break;
		case 2001:
			req.top_level = true;
			break;
		case 2002:
			if (!str_to_i64(optarg, &v) || v < 1 || v > 1000000)
				return cli_usage_error("export", "--max-failures wants a number from 1 "
								 "to 1000000, not '%s'", optarg);
			req.max_failures = (int)v;
			break;
		default:
			return cli_usage_error("export", "unknown option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("export", "wants one RUN (an id, 'last' or 'last~N')");
	req.writer = format ? export_writer_find(format) : format_of_path(path);
	if (format && !req.writer)
		return cli_usage_error("export", "unknown format '%s' (the formats are %s)", format,
				       export_writer_names());
	if (!req.writer)
		return cli_usage_error("export", "which format? give --format %s",
				       export_writer_names());

	struct store *st;
	if (cli_open_store(&common, NULL, &st, NULL, 0, &e))
		return cli_fail(&e);
	char id[UUID_STR_LEN];
	int rc = store_run_resolve(st, argv[optind], id, &e);
	if (!rc)
		rc = service_export_file(st, id, &req, path ? path : "-", &e);
	store_close(st);
	return rc ? cli_fail(&e) : EXIT_OK;
}
