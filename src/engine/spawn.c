#include "util/base.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>

#include "engine/spawn.h"

int spawn_start(const struct spawn_req *req, pid_t *pid, struct error *e)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	sigemptyset(&none);
	sigfillset(&all);

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, req->stdin_fd, 0);
	posix_spawn_file_actions_adddup2(&fa, req->stdout_fd, 1);
	posix_spawn_file_actions_adddup2(&fa, req->stderr_fd, 2);
	if (req->workdir)
		posix_spawn_file_actions_addchdir_np(&fa, req->workdir);

	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
						POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);

	const char *file = req->argv[0];
	int err = strchr(file, '/') ? posix_spawn(pid, file, &fa, &attr, req->argv, req->envp)
				    : posix_spawnp(pid, file, &fa, &attr, req->argv, req->envp);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (err) {
		if (err == ENOENT && req->workdir)
			return err_set(e, RC_SPAWN, "cannot run '%s' (in %s): %s", file,
				       req->workdir, strerror(err));
		return err_set(e, RC_SPAWN, "cannot run '%s': %s", file, strerror(err));
	}
	return RC_OK;
}
