#include "util/base.h"

#include <jansson.h>
#include <pwd.h>
#include <time.h>
#include <unistd.h>

#include "service/runs.h"
#include "util/proc.h"
#include "util/time.h"
#include "util/uuid.h"

char *service_triggered_by(void)
{
	static const struct {
		const char *var, *name;
	} ci[] = {
		{ "GITHUB_ACTIONS", "github-actions" }, { "GITLAB_CI", "gitlab-ci" },
		{ "JENKINS_URL", "jenkins" },           { "BUILDKITE", "buildkite" },
		{ "CIRCLECI", "circleci" },             { "TRAVIS", "travis" },
		{ "TF_BUILD", "azure-pipelines" },      { "TEAMCITY_VERSION", "teamcity" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(ci); i++)
		if (getenv(ci[i].var) && *getenv(ci[i].var))
			return xstrdup(ci[i].name);
	if (getenv("CI") && *getenv("CI"))
		return xstrdup("ci");
	char host[256];
	proc_hostname(host, sizeof(host));
	const char *user = getenv("USER");
	/* The _r form: assay serve opens runs from several threads at once. */
	struct passwd pwd, *pw = NULL;
	char pwbuf[1024];
	if ((!user || !*user) && !getpwuid_r(getuid(), &pwd, pwbuf, sizeof(pwbuf), &pw) && pw)
		user = pw->pw_name;
	return xasprintf("%s@%s", user && *user ? user : "unknown", host);
}

const char *service_default_environment(void)
{
	return getenv("CI") && *getenv("CI") ? "ci" : "local";
}

static char *context_json(const struct kvlist *ctx)
{
	json_t *o = json_object();
	for (size_t i = 0; ctx && i < ctx->n; i++)
		json_object_set_new(o, ctx->items[i].key, json_string(ctx->items[i].value));
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	char *copy = xstrdup(s);
	free(s);
	return copy;
}

static char *today(void)
{
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	char s[32];
	strftime(s, sizeof(s), "%Y-%m-%d", &tm);
	return xstrdup(s);
}

int service_run_takes_results(const struct run *r, struct error *e)
{
	if (lifecycle_is_terminal(r->lifecycle))
		return err_set(e, RC_STATE,
			       "run %s is %s (%d): results can only be added to an open run", r->id,
			       lifecycle_name(r->lifecycle), (int)r->lifecycle);
	if (r->lifecycle == LC_QUEUED)
		return err_set(e, RC_STATE,
			       "run %s is queued on pool '%s': it takes results once a worker has "
			       "claimed it",
			       r->id, r->pool ? r->pool : "?");
	return RC_OK;
}

void service_run_init(struct run *r, const struct run_props *p)
{
	memset(r, 0, sizeof(*r));
	int64_t now = time_now_ms();
	uuid7_new(r->id, now);
	/* An empty project or environment is none given, as on the command line. */
	r->project = xstrdup(p->project && *p->project ? p->project : "default");
	r->definition = p->definition ? xstrdup(p->definition) : NULL;
	r->title = p->title ? xstrdup(p->title) : today();
	r->description = p->description ? xstrdup(p->description) : NULL;
	r->environment = xstrdup(p->environment && *p->environment ? p->environment
								   : service_default_environment());
	r->triggered_by = service_triggered_by();
	r->context_json = context_json(p->context);
	r->lifecycle = LC_INITIALIZING;
	r->verdict = V_RUNNING;
	r->created_at = r->started_at = now;
	char host[256];
	proc_hostname(host, sizeof(host));
	r->host = xstrdup(host);
	r->pid = getpid();
	r->pid_start = proc_start_time(getpid());
}
