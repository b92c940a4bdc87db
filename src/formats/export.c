/* export — the table of writers and what they share (see export.h). */
#include "util/base.h"

#include "formats/export.h"

static const struct export_writer *const writers[] = {
	&export_junit, &export_tap, &export_ctrf, &export_csv, &export_html,
};

const struct export_writer *export_writer_find(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(writers); i++)
		if (!strcmp(writers[i]->name, name))
			return writers[i];
	return NULL;
}

const char *export_writer_names(void)
{
	return "junit|tap|ctrf|csv|html";
}

void export_stats_add(struct export_stats *s, const struct result *r)
{
	s->results++;
	if ((unsigned)r->status < RS__COUNT)
		s->counts[r->status]++;
	if (r->flaky)
		s->flaky++;
	s->duration_ms += r->duration_ms > 0 ? r->duration_ms : 0;
	if (r->started_at && (!s->first_start || r->started_at < s->first_start))
		s->first_start = r->started_at;
	if (r->completed_at > s->last_stop)
		s->last_stop = r->completed_at;
}

size_t export_suite_len(const char *test)
{
	/* A '/' that ends the name leaves nothing for the short name (JUnit
	 * reads an empty case name back as "(unnamed)", CTRF wants a name),
	 * so it is part of the short name: "a/" is a top-level test. */
	size_t n = strlen(test);
	const char *slash = n > 1 ? memrchr(test, '/', n - 1) : NULL;
	return slash ? (size_t)(slash - test) : 0;
}
