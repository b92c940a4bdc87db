/* floor — the least any test runner could do, as a yardstick for assay.
 *
 *     floor -j N FILE
 *
 * FILE holds one command per line: an argv split on blanks (no quoting, no
 * shell; empty lines and lines starting with '#' are ignored; paths are
 * relative to the current folder). floor posix_spawns the commands N at a
 * time in file order, starting the next one as soon as any exits
 * (waitpid(-1)), keeps only exit codes, and prints
 *
 *     <wall seconds, monotonic clock> <count of non-zero exits>
 *
 * Children inherit stdin/stdout/stderr: redirect them if the tests talk.
 * Build: cc -O2 -std=c17 -o floor floor.c */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

struct cmd {
	char **argv;
};

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p)
		die("realloc");
	return p;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Reads FILE into an array of argvs; all parsing happens before the clock. */
static struct cmd *load(const char *path, size_t *count)
{
	FILE *f = fopen(path, "r");
	if (!f)
		die(path);
	struct cmd *cmds = NULL;
	size_t n = 0, cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	while (getline(&line, &lcap, f) >= 0) {
		char **argv = NULL;
		size_t argc = 0;
		char *save = NULL;
		for (char *tok = strtok_r(line, " \t\r\n", &save); tok;
		     tok = strtok_r(NULL, " \t\r\n", &save)) {
			if (argc == 0 && tok[0] == '#')
				break;
			argv = xrealloc(argv, (argc + 2) * sizeof *argv);
			argv[argc] = strdup(tok);
			if (!argv[argc])
				die("strdup");
			argc++;
		}
		if (argc == 0) {
			free(argv);
			continue;
		}
		argv[argc] = NULL;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			cmds = xrealloc(cmds, cap * sizeof *cmds);
		}
		cmds[n++].argv = argv;
	}
	free(line);
	fclose(f);
	*count = n;
	return cmds;
}

int main(int argc, char **argv)
{
	long jobs = 1;
	const char *file = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-j") == 0 && i + 1 < argc)
			jobs = strtol(argv[++i], NULL, 10);
		else if (strncmp(argv[i], "-j", 2) == 0 && argv[i][2])
			jobs = strtol(argv[i] + 2, NULL, 10);
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else
			file = NULL, i = argc;
	}
	if (!file || jobs < 1) {
		fprintf(stderr, "usage: floor -j N FILE\n");
		return 2;
	}

	size_t n;
	struct cmd *cmds = load(file, &n);

	double t0 = now();
	size_t next = 0, running = 0, failed = 0;
	while (next < n || running > 0) {
		while (running < (size_t)jobs && next < n) {
			pid_t pid;
			int rc = posix_spawn(&pid, cmds[next].argv[0], NULL, NULL,
			                     cmds[next].argv, environ);
			if (rc != 0) {
				errno = rc;
				fprintf(stderr, "floor: %s: %s\n", cmds[next].argv[0], strerror(rc));
				failed++;
			} else {
				running++;
			}
			next++;
		}
		if (running == 0)
			continue;
		int st;
		pid_t pid = waitpid(-1, &st, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			die("waitpid");
		}
		running--;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failed++;
	}
	double t1 = now();

	printf("%.3f %zu\n", t1 - t0, failed);
	return 0;
}
