/* spawn — starts one child process the cheap way: clone with CLONE_VFORK on
 * a stack borrowed from the caller (what posix_spawn does, minus a mapping
 * and getrlimit calls per child), in its own process group, in a working
 * directory, with stdin from /dev/null and stdout/stderr to the given fds,
 * every signal at its default disposition and an empty signal mask.
 * uv_spawn is not used: it forks, which costs 2–3× more per trivial test. */
#ifndef ASSAY_ENGINE_SPAWN_H
#define ASSAY_ENGINE_SPAWN_H

#include <sys/types.h>

#include "util/rc.h"

struct spawn_req {
	char *const *argv;  /* argv[0] without '/' is looked up in PATH */
	char *const *envp;
	const char *workdir; /* NULL = inherit */
	int stdin_fd;        /* usually /dev/null */
	int stdout_fd;
	int stderr_fd;
};

/* Starts the process; on success *pid is the child's pid, which is also its
 * process group id. RC_SPAWN with the reason (e.g. "./x: No such file or
 * directory") otherwise. */
int spawn_start(const struct spawn_req *req, pid_t *pid, struct error *e);

#endif
