/* ingest — group commit of reporters' results (see ingest.h).
 *
 * The writer takes the whole queue at once (up to GROUP_MAX_RESULTS results),
 * so the group grows by itself with the load: one request alone is committed
 * at once, and the requests that arrive while a commit is under way form the
 * next group. Inside the group each request is its own savepoint; a request
 * refused for a reason of its own (no such run, a closed run, a reused key)
 * undoes only its savepoint. Any other failure (the disk, SQLite) leaves the
 * transaction in doubt, so the group is rolled back and its requests are
 * recorded again one transaction each, which gives each the answer that is
 * really its own. */
#include "util/base.h"

#include <pthread.h>

#include "service/ingest.h"

/* A group stops growing at this many results (one request may bring 10,000,
 * and is then a group of its own). A commit costs about as much as a few
 * dozen inserts, so a thousand results already pay for theirs; bigger groups
 * only make the first requests wait for the last, and bulk clients be
 * answered all at once. (Side by side under load, 1,000 and 20,000 gave the
 * same bulk throughput.) */
#define GROUP_MAX_RESULTS 1000

struct ingest {
	struct store *st;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct ingest_job *head, **tail; /* the queue, oldest first */
	bool stopping;
	bool joined;                     /* the thread is gone */
	size_t jobs, commits;            /* under lock */
};

static void job_reset(struct ingest_job *job)
{
	if (job->replayed)
		idem_answer_release(&job->replay);
	memset(&job->replay, 0, sizeof(job->replay));
	job->replayed = false;
	job->rc = RC_OK;
	err_clear(&job->err);
}

/* Errors that concern the request alone: its savepoint was undone and the
 * group's transaction goes on. */
static bool own_fault(int rc)
{
	return rc == RC_NOTFOUND || rc == RC_STATE || rc == RC_EXISTS || rc == RC_USAGE;
}

static void run_one(struct ingest *g, struct ingest_job *job)
{
	job_reset(job);
	job->rc = service_results_add(g->st, &job->req, &job->replay, &job->replayed, &job->err);
}

/* Records the group in one transaction; false when it had to be given up
 * (nothing of it is recorded, and every job is to be run alone). */
static bool run_group(struct ingest *g, struct ingest_job *group)
{
	struct error e = ERROR_INIT;
	if (store_begin(g->st, &e))
		return false;
	for (struct ingest_job *j = group; j; j = j->next) {
		run_one(g, j);
		if (j->rc && !own_fault(j->rc)) {
			store_rollback(g->st);
			return false;
		}
	}
	if (store_commit(g->st, &e)) {
		store_rollback(g->st);
		return false;
	}
	return true;
}

static void finish(struct ingest_job *group)
{
	while (group) {
		struct ingest_job *next = group->next;
		group->next = NULL;
		group->done(group, group->ctx);
		group = next;
	}
}

/* Takes jobs off the queue up to GROUP_MAX_RESULTS results (at least one).
 * Called with the lock held. */
static struct ingest_job *take_group(struct ingest *g)
{
	struct ingest_job *group = g->head, *last = g->head;
	size_t results = last->req.n + last->req.n_outs;
	while (last->next &&
	       results + last->next->req.n + last->next->req.n_outs <= GROUP_MAX_RESULTS) {
		last = last->next;
		results += last->req.n + last->req.n_outs;
	}
	g->head = last->next;
	if (!g->head)
		g->tail = &g->head;
	last->next = NULL;
	return group;
}

static void *writer(void *arg)
{
	struct ingest *g = arg;
	pthread_mutex_lock(&g->lock);
	for (;;) {
		while (!g->head && !g->stopping)
			pthread_cond_wait(&g->wake, &g->lock);
		if (!g->head)
			break; /* stopping, and nothing left */
		struct ingest_job *group = take_group(g);
		pthread_mutex_unlock(&g->lock);
		size_t n = 0, commits = 1;
		for (struct ingest_job *j = group; j; j = j->next)
			n++;
		if (n == 1) {
			run_one(g, group);
		} else if (!run_group(g, group)) {
			commits = n;
			for (struct ingest_job *j = group; j; j = j->next)
				run_one(g, j);
		}
		/* Answered only now: every job's transaction has ended. */
		finish(group);
		pthread_mutex_lock(&g->lock);
		g->jobs += n;
		g->commits += commits;
	}
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

int ingest_new(const char *db_url, struct ingest **out, struct error *e)
{
	*out = NULL;
	struct ingest *g = xcalloc(1, sizeof(*g));
	int rc = store_open(db_url, &g->st, e);
	if (rc) {
		free(g);
		return rc;
	}
	g->tail = &g->head;
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->wake, NULL);
	int err = pthread_create(&g->thread, NULL, writer, g);
	if (err) {
		pthread_cond_destroy(&g->wake);
		pthread_mutex_destroy(&g->lock);
		store_close(g->st);
		free(g);
		return err_set(e, RC_INTERNAL, "starting the ingestion thread: %s", strerror(err));
	}
	*out = g;
	return RC_OK;
}

void ingest_submit(struct ingest *g, struct ingest_job *job)
{
	job->next = NULL;
	job->rc = RC_OK;
	job->replayed = false;
	memset(&job->replay, 0, sizeof(job->replay));
	err_clear(&job->err);
	pthread_mutex_lock(&g->lock);
	if (g->stopping) {
		pthread_mutex_unlock(&g->lock);
		job->rc = err_set(&job->err, RC_CANCELLED,
				  "not recorded: the writer is stopping; retry elsewhere");
		job->done(job, job->ctx);
		return;
	}
	*g->tail = job;
	g->tail = &job->next;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
}

void ingest_stats(struct ingest *g, struct ingest_stats *out)
{
	pthread_mutex_lock(&g->lock);
	out->queued = 0;
	for (struct ingest_job *j = g->head; j; j = j->next)
		out->queued++;
	out->jobs = g->jobs;
	out->commits = g->commits;
	pthread_mutex_unlock(&g->lock);
}

void ingest_stop(struct ingest *g)
{
	pthread_mutex_lock(&g->lock);
	g->stopping = true;
	pthread_cond_signal(&g->wake);
	pthread_mutex_unlock(&g->lock);
	/* One caller joins (the server stops from one thread). */
	if (!g->joined) {
		pthread_join(g->thread, NULL);
		g->joined = true;
	}
}

void ingest_free(struct ingest *g)
{
	if (!g)
		return;
	ingest_stop(g);
	pthread_cond_destroy(&g->wake);
	pthread_mutex_destroy(&g->lock);
	store_close(g->st);
	free(g);
}
