/* Unit tests of engine/spawn with real processes: what a child starts with
 * (process group, signals, fds, folder, environment) and how a child that
 * cannot start is reported, without a zombie left behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/base.h"

#include "engine/spawn.h"

extern char **environ;

/* Runs argv with stdout and stderr on one pipe and returns what it wrote
 * (NUL-terminated, in out) and its exit status; fails the test if it could
 * not start. */
static int run(char *const argv[], char *const envp[], const char *workdir, char *out,
	       size_t cap)
{
	int p[2], devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	struct spawn_req req = { argv, envp ? envp : environ, workdir, devnull, p[1], p[1] };
	struct error e = { 0 };
	pid_t pid;
	int rc = spawn_start(&req, &pid, &e);
	if (rc)
		fail_msg("spawn: %s", e.msg);
	close(p[1]);
	close(devnull);
	size_t n = 0;
	ssize_t k;
	while (n + 1 < cap && (k = read(p[0], out + n, cap - 1 - n)) > 0)
		n += (size_t)k;
	out[n] = '\0';
	close(p[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return st;
}

/* Tries argv and returns the spawn's error (RC_OK when it started). */
static int try_spawn(char *const argv[], const char *workdir, struct error *e)
{
	int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	struct spawn_req req = { argv, environ, workdir, devnull, devnull, devnull };
	pid_t pid;
	int rc = spawn_start(&req, &pid, e);
	close(devnull);
	if (!rc)
		waitpid(pid, NULL, 0);
	return rc;
}

/* A script `name` holding `text`, with `mode`, in a new folder (dir, 32
 * bytes), at path (64 bytes); remove_script undoes it. */
static void make_script(char *dir, char *path, const char *name, const char *text, mode_t mode)
{
	snprintf(dir, 32, "/tmp/assay-spawn-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, 64, "%s/%s", dir, name);
	int fd = open(path, O_WRONLY | O_CREAT, mode);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void remove_script(const char *dir, const char *path)
{
	unlink(path);
	rmdir(dir);
}

/* Sets PATH to `value` and returns the old one (NULL when unset), for
 * restore_path. */
static char *swap_path(const char *value)
{
	char *old = getenv("PATH") ? xstrdup(getenv("PATH")) : NULL;
	setenv("PATH", value, 1);
	return old;
}

static void restore_path(char *old)
{
	if (old)
		setenv("PATH", old, 1);
	else
		unsetenv("PATH");
	free(old);
}

/* Runs `echo word` with its stdout at `wr` (which it closes), reads what
 * arrives at `rd` (closed too) into out, and waits for it. Asserts nothing:
 * the callers have moved a standard fd and must put it back first. Returns
 * the spawn's rc; *status is the exit status when it started. */
static int echo_to(char *word, int wr, int rd, char *out, size_t cap, int *status)
{
	char *argv[] = { "echo", word, NULL };
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct spawn_req req = { argv, environ, NULL, devnull, wr, devnull };
	struct error e = { 0 };
	pid_t pid;
	int rc = spawn_start(&req, &pid, &e);
	close(wr);
	close(devnull);
	ssize_t n = rc ? 0 : read(rd, out, cap - 1);
	out[n > 0 ? n : 0] = '\0';
	close(rd);
	if (!rc)
		waitpid(pid, status, 0);
	return rc;
}

static void no_child_is_left(void)
{
	errno = 0;
	assert_int_equal(waitpid(-1, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
}

static void a_command_is_found_in_path_and_its_output_reaches_the_fd(void **state)
{
	char *argv[] = { "sh", "-c", "echo out; echo err >&2; exit 3", NULL };
	char out[256];
	int st = run(argv, NULL, NULL, out, sizeof(out));
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 3);
	assert_string_equal(out, "out\nerr\n");
}

static void the_child_leads_its_own_process_group(void **state)
{
	/* $$ is the shell's pid; field 5 of its stat is its process group. */
	char *argv[] = { "sh", "-c", "echo $$ $(cut -d' ' -f5 /proc/$$/stat)", NULL };
	char out[256];
	run(argv, NULL, NULL, out, sizeof(out));
	long pid, pgrp;
	assert_int_equal(sscanf(out, "%ld %ld", &pid, &pgrp), 2);
	assert_int_equal(pid, pgrp);
	assert_int_not_equal(pgrp, getpgrp());
}

static void signals_start_default_and_unblocked(void **state)
{
	/* The parent ignores SIGPIPE, handles SIGUSR1 and blocks SIGUSR2: the
	 * child must see none of it (grep reads its own status). */
	struct sigaction ign = { .sa_handler = SIG_IGN }, old_pipe;
	sigaction(SIGPIPE, &ign, &old_pipe);
	sigset_t usr2, old_mask;
	sigemptyset(&usr2);
	sigaddset(&usr2, SIGUSR2);
	sigprocmask(SIG_BLOCK, &usr2, &old_mask);
	char *argv[] = { "grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status", NULL };
	char out[256];
	run(argv, NULL, NULL, out, sizeof(out));
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	assert_string_equal(out, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

static void stdin_folder_and_environment_are_the_requested_ones(void **state)
{
	char *argv[] = { "sh", "-c", "cat; pwd; echo \"$ASSAY_SPAWN_TEST\"", NULL };
	char *envp[] = { "PATH=/usr/bin:/bin", "ASSAY_SPAWN_TEST=yes", NULL };
	char out[256];
	int st = run(argv, envp, "/", out, sizeof(out));
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_string_equal(out, "/\nyes\n");
}

static void an_fd_already_in_place_stays_open(void **state)
{
	/* A parent whose stdout is closed gets a pipe end at fd 1: it must
	 * not be closed at the exec for carrying FD_CLOEXEC. */
	int saved = dup(1);
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	int rd = p[0], wr = 1;
	dup3(p[1], 1, O_CLOEXEC); /* no assert until fd 1 is back */
	close(p[1]);
	char out[64];
	int st = 0;
	int rc = echo_to("kept", wr, rd, out, sizeof(out), &st);
	dup2(saved, 1);
	close(saved);
	assert_int_equal(rc, RC_OK);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_string_equal(out, "kept\n");
}

static void a_missing_command_is_reported_and_reaped(void **state)
{
	struct error e = { 0 };
	char *in_path[] = { "assay-no-such-command", NULL };
	assert_int_equal(try_spawn(in_path, NULL, &e), RC_SPAWN);
	assert_string_equal(e.msg, "cannot run 'assay-no-such-command': No such file or directory");
	char *absolute[] = { "/nonexistent/cmd", NULL };
	assert_int_equal(try_spawn(absolute, NULL, &e), RC_SPAWN);
	assert_string_equal(e.msg, "cannot run '/nonexistent/cmd': No such file or directory");
	char *sh[] = { "sh", "-c", "true", NULL };
	assert_int_equal(try_spawn(sh, "/nonexistent-folder", &e), RC_SPAWN);
	assert_string_equal(e.msg,
			    "cannot run 'sh' (in /nonexistent-folder): No such file or directory");
	no_child_is_left();
}

static void a_file_that_is_not_executable_is_denied(void **state)
{
	char dir[32], file[64];
	make_script(dir, file, "script", "#!/bin/sh\n", 0644);
	struct error e = { 0 };
	char *argv[] = { file, NULL };
	int rc = try_spawn(argv, NULL, &e);
	/* Through PATH too: a denied entry is reported over a later ENOENT. */
	char path[128];
	snprintf(path, sizeof(path), "%s:/nonexistent", dir);
	char *old = swap_path(path);
	struct error e2 = { 0 };
	char *by_name[] = { "script", NULL };
	int rc2 = try_spawn(by_name, NULL, &e2);
	restore_path(old);
	remove_script(dir, file);
	assert_int_equal(rc, RC_SPAWN);
	assert_non_null(strstr(e.msg, "Permission denied"));
	assert_int_equal(rc2, RC_SPAWN);
	assert_string_equal(e2.msg, "cannot run 'script': Permission denied");
	no_child_is_left();
}

static void an_empty_path_searches_the_working_folder(void **state)
{
	/* posix_spawnp's rule: PATH unset means /bin:/usr/bin, PATH set but
	 * empty means the current folder, here the requested one. */
	char dir[32], file[64];
	make_script(dir, file, "mytool", "#!/bin/sh\necho mine\n", 0755);
	char *old = swap_path("");
	char *argv[] = { "mytool", NULL };
	char out[64];
	int st = run(argv, NULL, dir, out, sizeof(out));
	struct error e = { 0 };
	char *ls[] = { "ls", NULL };
	int rc = try_spawn(ls, dir, &e);
	restore_path(old);
	remove_script(dir, file);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_string_equal(out, "mine\n");
	assert_int_equal(rc, RC_SPAWN); /* not /bin/ls */
}

static void fds_below_three_are_not_overwritten(void **state)
{
	/* A parent that closed its stdin gets a pipe at fd 0: placing
	 * /dev/null at 0 first must not clobber the stdout it asked for. */
	int saved = dup(0);
	close(0);
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0); /* p[0] takes fd 0 */
	int rd = p[0], wr = p[1];
	if (rd == 0) { /* swap: the write end is the one at 0 */
		rd = dup(0);
		dup2(wr, 0);
		close(wr);
		wr = 0;
	}
	char out[64];
	int st = 0;
	int rc = echo_to("placed", wr, rd, out, sizeof(out), &st);
	dup2(saved, 0);
	close(saved);
	assert_int_equal(rc, RC_OK);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_string_equal(out, "placed\n");
}

static void a_name_too_long_is_reported_as_such(void **state)
{
	char name[600];
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	char *argv[] = { name, NULL };
	struct error e = { 0 };
	assert_int_equal(try_spawn(argv, NULL, &e), RC_SPAWN);
	assert_non_null(strstr(e.msg, "File name too long"));
	no_child_is_left();
}

static void errno_is_left_as_it_was(void **state)
{
	char *argv[] = { "true", NULL };
	struct error e = { 0 };
	errno = 0;
	assert_int_equal(try_spawn(argv, NULL, &e), RC_OK);
	assert_int_equal(errno, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_command_is_found_in_path_and_its_output_reaches_the_fd),
		cmocka_unit_test(the_child_leads_its_own_process_group),
		cmocka_unit_test(signals_start_default_and_unblocked),
		cmocka_unit_test(stdin_folder_and_environment_are_the_requested_ones),
		cmocka_unit_test(an_fd_already_in_place_stays_open),
		cmocka_unit_test(a_missing_command_is_reported_and_reaped),
		cmocka_unit_test(a_file_that_is_not_executable_is_denied),
		cmocka_unit_test(an_empty_path_searches_the_working_folder),
		cmocka_unit_test(fds_below_three_are_not_overwritten),
		cmocka_unit_test(a_name_too_long_is_reported_as_such),
		cmocka_unit_test(errno_is_left_as_it_was),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
