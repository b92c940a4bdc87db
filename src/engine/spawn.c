#include "util/base.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/spawn.h"

/* What the parent hands the child, and the child's one word back. */
struct child {
	const struct spawn_req *req;
	const char *path;      /* $PATH to search, or NULL when argv[0] has a '/' */
	int err;               /* errno of the step that failed; 0 when the exec ran */
};

/* The child's stack: it runs only until execve, on the parent's stack
 * (the parent is suspended meanwhile, CLONE_VFORK), so it needs room for a
 * path (PATH_MAX) and a few frames, no more. */
#define CHILD_STACK 32768
#define PATH_ROOM 4096

/* For everything that runs in the child: not instrumented, since the
 * sanitizers' bookkeeping belongs to the parent (ASan would poison redzones
 * on the borrowed stack and never unpoison them: the child never returns). */
#define IN_CHILD __attribute__((no_sanitize("address", "undefined")))

/* Puts the three fds at 0, 1 and 2. One that is itself below 3 (its
 * owner had closed a standard fd) is first moved out of the way, so that
 * placing another cannot overwrite it; one already in place has its
 * FD_CLOEXEC cleared, since dup2 onto itself would leave it set. */
IN_CHILD static int place_fds(const struct spawn_req *req)
{
	int src[3] = { req->stdin_fd, req->stdout_fd, req->stderr_fd };
	for (int i = 0; i < 3; i++)
		if (src[i] < 3 && src[i] != i && (src[i] = fcntl(src[i], F_DUPFD_CLOEXEC, 3)) < 0)
			return errno;
	for (int i = 0; i < 3; i++)
		if ((src[i] == i ? fcntl(i, F_SETFD, 0) : dup2(src[i], i)) < 0)
			return errno;
	return 0;
}

/* execvp's search without its malloc and without its /bin/sh fallback for
 * ENOEXEC (posix_spawnp's behaviour): each $PATH entry in turn (an empty one
 * is the current folder); EACCES from any entry wins over a later ENOENT. */
IN_CHILD static int exec_path(const char *path, char *const argv[], char *const envp[])
{
	const char *file = argv[0];
	size_t flen = 0;
	while (file[flen])
		flen++;
	if (!flen)
		return ENOENT;
	if (flen > NAME_MAX)
		return ENAMETOOLONG;
	char buf[PATH_ROOM];
	bool denied = false;
	int last = ENOENT;
	for (const char *p = path;; p++) {
		const char *start = p;
		while (*p && *p != ':')
			p++;
		size_t dlen = (size_t)(p - start);
		if (dlen + 1 + flen >= sizeof(buf)) {
			last = ENAMETOOLONG; /* skipped, as glibc does */
		} else {
			size_t n = 0;
			for (size_t i = 0; i < dlen; i++)
				buf[n++] = start[i];
			if (dlen)
				buf[n++] = '/';
			for (size_t i = 0; i <= flen; i++)
				buf[n++] = file[i];
			execve(buf, argv, envp);
			last = errno;
			if (last == EACCES)
				denied = true;
			else if (last != ENOENT && last != ENOTDIR && last != ESTALE &&
				 last != ENODEV && last != ETIMEDOUT)
				return last;
		}
		if (!*p)
			break;
	}
	return denied ? EACCES : last;
}

/* Runs in the child, sharing the parent's memory until execve: it touches
 * nothing but its own stack and c->err and calls no allocator. */
IN_CHILD static int child_main(void *arg)
{
	struct child *c = arg;
	const struct spawn_req *req = c->req;
	/* Every signal at its default: a handler of the parent's must not run
	 * here once signals are unblocked, and an ignored SIGPIPE must not be
	 * inherited through the exec. SIGKILL, SIGSTOP and glibc's own two
	 * signals refuse, harmlessly. */
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &dfl, NULL);
	if (setpgid(0, 0) < 0)
		c->err = errno;
	if (!c->err)
		c->err = place_fds(req);
	if (!c->err && req->workdir && chdir(req->workdir) < 0)
		c->err = errno;
	if (!c->err) {
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		if (c->path) {
			c->err = exec_path(c->path, req->argv, req->envp);
		} else {
			execve(req->argv[0], req->argv, req->envp);
			c->err = errno;
		}
	}
	_exit(127);
}

/* posix_spawn would do the same work, but per call it maps and unmaps a
 * stack for the child (the unmap shoots down other threads' TLB entries)
 * and checks each dup2 target against getrlimit twice: eight syscalls of
 * a trivial test's ~40 in the runner (bench/run.sh). */
int spawn_start(const struct spawn_req *req, pid_t *pid, struct error *e)
{
	const char *file = req->argv[0];
	struct child c = { req, NULL, 0 };
	if (!strchr(file, '/')) {
		/* Unset: glibc's default. Set but empty: the current folder. */
		c.path = getenv("PATH");
		if (!c.path)
			c.path = "/bin:/usr/bin";
	}
	_Alignas(16) char stack[CHILD_STACK];
	sigset_t all, old;
	sigfillset(&all);
	/* Blocked until the child has reset every handler: none of the
	 * parent's may run on the child's side of the shared memory. */
	int saved_errno = errno; /* the child shares this thread's errno */
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid_t p = clone(child_main, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, &c);
	int clone_err = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	errno = saved_errno;
	if (p < 0)
		return err_set(e, RC_SPAWN, "cannot run '%s': clone: %s", file, strerror(clone_err));
	if (c.err) {
		while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
			;
		if (c.err == ENOENT && req->workdir)
			return err_set(e, RC_SPAWN, "cannot run '%s' (in %s): %s", file,
				       req->workdir, strerror(c.err));
		return err_set(e, RC_SPAWN, "cannot run '%s': %s", file, strerror(c.err));
	}
	*pid = p;
	return RC_OK;
}
