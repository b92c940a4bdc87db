#include "util/base.h"

#include <unistd.h>

#include "service/recover.h"
#include "util/proc.h"
#include "util/time.h"

int service_recover(struct store *st, size_t *n_marked, struct error *e)
{
	struct run_filter f = { .unfinished = true };
	struct run *runs;
	size_t n;
	*n_marked = 0;
	int rc = store_runs_list(st, &f, &runs, &n, e);
	if (rc)
		return rc;
	char host[256];
	proc_hostname(host, sizeof(host));
	for (size_t i = 0; i < n && !rc; i++) {
		struct run *r = &runs[i];
		/* Queued runs wait for a worker and belong to nobody yet; runs of
		 * another host cannot be judged from here. */
		if (r->lifecycle == LC_QUEUED || !r->host || strcmp(r->host, host))
			continue;
		if (r->pid == getpid() || proc_alive((pid_t)r->pid, r->pid_start))
			continue;
		int64_t now = time_now_ms();
		free(r->reason);
		r->reason = xasprintf("the assay process (pid %lld on %s) ended without finishing "
				      "the run, in state %s (%d)",
				      (long long)r->pid, host, lifecycle_name(r->lifecycle),
				      (int)r->lifecycle);
		r->lifecycle = LC_FAILED;
		r->verdict = verdict_of(LC_FAILED);
		r->completed_at = now;
		if (r->started_at)
			r->duration_ms = now - r->started_at;
		rc = store_run_update(st, r, e);
		if (!rc)
			rc = store_run_event_add(st, r->id, LC_FAILED, now, r->reason, e);
		if (!rc)
			(*n_marked)++;
	}
	store_runs_free(runs, n);
	return rc;
}
