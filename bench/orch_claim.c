/* orch_claim — how fast workers claim queued runs from the store (issue 5:
 * "10,000 queued runs and 8 workers of trivial packages: claim latency p99
 * <= 50 ms"). In-process, through service/orch.h, without HTTP: each of W
 * threads is a worker with its own store handle that claims a run, ends it
 * (completed) and claims the next, until the queue is empty. Prints the
 * claim latency percentiles and the runs per second.
 *
 *     orch_claim DB [RUNS=10000] [WORKERS=8]
 */
#include "util/base.h"

#include <pthread.h>

#include "service/orch.h"
#include "util/time.h"

struct th {
	const char *db;
	char name[16];
	int64_t *lat; /* ns */
	size_t n, cap;
	int errors;
};

static void *work(void *arg)
{
	struct th *t = arg;
	struct store *st;
	struct error e = ERROR_INIT;
	if (store_open(t->db, &st, &e)) {
		fprintf(stderr, "%s\n", e.msg);
		t->errors++;
		return NULL;
	}
	for (;;) {
		struct claim c;
		int64_t t0 = time_mono_ns();
		int rc = service_worker_claim(st, t->name, 60000, &c, &e);
		int64_t t1 = time_mono_ns();
		if (rc == RC_NOTFOUND)
			break;
		if (rc) {
			fprintf(stderr, "claim: %s\n", e.msg);
			t->errors++;
			break;
		}
		GROW(t->lat, t->cap, t->n + 1);
		t->lat[t->n++] = t1 - t0;
		struct run r;
		if (service_worker_finish(st, t->name, c.run.id, c.order.claim, LC_COMPLETED, NULL,
					  false, &r, &e)) {
			fprintf(stderr, "finish: %s\n", e.msg);
			t->errors++;
		} else {
			run_release(&r);
		}
		claim_release(&c);
	}
	store_close(st);
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: orch_claim DB [RUNS] [WORKERS]\n");
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 10000, workers = argc > 3 ? atoi(argv[3]) : 8;
	struct store *st;
	struct error e = ERROR_INIT;
	if (store_open(argv[1], &st, &e)) {
		fprintf(stderr, "%s\n", e.msg);
		return 3;
	}
	struct pool p = { .name = "bench", .expected_servers = workers };
	service_pool_add(st, &p, &e);
	int64_t q0 = time_mono_ns();
	for (int i = 0; i < runs; i++) {
		struct start_request req = { .suite = "trivial", .pool = "bench", .priority = i % 3 };
		struct run r;
		char *warning = NULL;
		if (service_run_start(st, &req, &r, &warning, &e)) {
			fprintf(stderr, "start: %s\n", e.msg);
			return 3;
		}
		free(warning);
		run_release(&r);
	}
	double queue_s = (double)(time_mono_ns() - q0) / 1e9;
	struct th *ts = xcalloc((size_t)workers, sizeof(*ts));
	pthread_t *ids = xcalloc((size_t)workers, sizeof(*ids));
	for (int i = 0; i < workers; i++) {
		ts[i].db = argv[1];
		snprintf(ts[i].name, sizeof(ts[i].name), "w%d", i);
		if (service_worker_register(st, ts[i].name, "bench", 1, "bench", 0, &e)) {
			fprintf(stderr, "register: %s\n", e.msg);
			return 3;
		}
	}
	int64_t t0 = time_mono_ns();
	for (int i = 0; i < workers; i++)
		pthread_create(&ids[i], NULL, work, &ts[i]);
	size_t n = 0;
	int errors = 0;
	for (int i = 0; i < workers; i++) {
		pthread_join(ids[i], NULL);
		n += ts[i].n;
		errors += ts[i].errors;
	}
	double s = (double)(time_mono_ns() - t0) / 1e9;
	int64_t *all = xcalloc(n + 1, sizeof(*all));
	size_t k = 0;
	for (int i = 0; i < workers; i++) {
		memcpy(all + k, ts[i].lat, ts[i].n * sizeof(*all));
		k += ts[i].n;
		free(ts[i].lat);
	}
	qsort(all, n, sizeof(*all), cmp);
#define PCT(q) (n ? (double)all[(size_t)((double)(n - 1) * (q))] / 1e6 : 0)
	printf("queued %d runs in %.2f s; %d workers claimed and ended %zu in %.2f s: %.0f runs/s\n",
	       runs, queue_s, workers, n, s, (double)n / s);
	printf("claim latency ms: p50 %.2f  p95 %.2f  p99 %.2f  max %.2f%s\n", PCT(0.5), PCT(0.95),
	       PCT(0.99), PCT(1.0), errors ? "  (ERRORS)" : "");
	free(all);
	free(ts);
	free(ids);
	store_close(st);
	return errors || (int)n != runs ? 1 : 0;
}
