/* stopwatch — times one command on the monotonic clock, the same way for
 * every runner the benchmark compares.
 *
 *     stopwatch OUTFILE CMD [ARG...]
 *
 * Runs CMD (posix_spawnp, stdio inherited), waits for it, and writes
 * "<seconds> <exit code>" to OUTFILE (exit code 128+N when killed by signal
 * N). Exits 0 whatever CMD returned, 2 when CMD could not be started. */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: stopwatch OUTFILE CMD [ARG...]\n");
		return 2;
	}
	double t0 = now();
	pid_t pid;
	int rc = posix_spawnp(&pid, argv[2], NULL, NULL, argv + 2, environ);
	if (rc != 0) {
		fprintf(stderr, "stopwatch: %s: %s\n", argv[2], strerror(rc));
		return 2;
	}
	int st;
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR) {
			perror("stopwatch: waitpid");
			return 2;
		}
	double t1 = now();
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	FILE *f = fopen(argv[1], "w");
	if (!f) {
		perror(argv[1]);
		return 2;
	}
	fprintf(f, "%.4f %d\n", t1 - t0, code);
	return fclose(f) == 0 ? 0 : 2;
}
