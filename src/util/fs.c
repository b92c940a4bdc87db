/* fs — see fs.h. Both walks work on folder descriptors (openat and
 * friends), so a name is never resolved through a link and the depth of a
 * tree costs one descriptor per level, not path length. */
#include "util/base.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/fs.h"

/* "base/name" for messages, in out. */
static const char *joined(char *out, size_t n, const char *base, const char *name)
{
	snprintf(out, n, "%s/%s", base, name);
	return out;
}

/* Copies the bytes of `sfd` into `dfd`. */
static int copy_bytes(int sfd, int dfd, const char *what, struct error *e)
{
	char buf[65536];
	for (;;) {
		ssize_t got = read(sfd, buf, sizeof(buf));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return err_set(e, RC_IO, "reading %s: %s", what, strerror(errno));
		if (got == 0)
			return RC_OK;
		for (ssize_t off = 0; off < got;) {
			ssize_t put = write(dfd, buf + off, (size_t)(got - off));
			if (put < 0 && errno == EINTR)
				continue;
			if (put < 0)
				return err_set(e, RC_IO, "writing the copy of %s: %s", what,
					       strerror(errno));
			off += put;
		}
	}
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *sb,
		     const char *what, struct error *e)
{
	int sfd = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return err_set(e, RC_IO, "%s: %s", what, strerror(errno));
	int dfd = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (dfd < 0) {
		int rc = err_set(e, RC_IO, "copying %s: %s", what, strerror(errno));
		close(sfd);
		return rc;
	}
	int rc = copy_bytes(sfd, dfd, what, e);
	struct timespec times[2] = { sb->st_atim, sb->st_mtim };
	if (!rc && (fchmod(dfd, sb->st_mode & 07777) || futimens(dfd, times)))
		rc = err_set(e, RC_IO, "copying the mode of %s: %s", what, strerror(errno));
	close(sfd);
	if (close(dfd) && !rc)
		rc = err_set(e, RC_IO, "writing the copy of %s: %s", what, strerror(errno));
	return rc;
}

static int copy_link(int sdir, int ddir, const char *name, const struct stat *sb,
		     const char *what, struct error *e)
{
	char target[PATH_MAX];
	ssize_t len = readlinkat(sdir, name, target, sizeof(target) - 1);
	if (len < 0)
		return err_set(e, RC_IO, "%s: %s", what, strerror(errno));
	target[len] = '\0';
	struct timespec times[2] = { sb->st_atim, sb->st_mtim };
	if (symlinkat(target, ddir, name) ||
	    utimensat(ddir, name, times, AT_SYMLINK_NOFOLLOW))
		return err_set(e, RC_IO, "copying the link %s: %s", what, strerror(errno));
	return RC_OK;
}

/* Copies the entries of folder `sdir` into the (empty) folder `ddir`;
 * `path` names sdir in messages. Consumes neither descriptor. */
static int copy_entries(int sdir, int ddir, const char *path, struct error *e)
{
	int fd = dup(sdir);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	if (!d) {
		int rc = err_set(e, RC_IO, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	/* dup shares the offset: start from the top whatever sdir read. */
	rewinddir(d);
	int rc = RC_OK;
	struct dirent *de;
	char what[PATH_MAX];
	while (!rc && (errno = 0, de = readdir(d))) {
		const char *name = de->d_name;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		joined(what, sizeof(what), path, name);
		struct stat sb;
		if (fstatat(sdir, name, &sb, AT_SYMLINK_NOFOLLOW)) {
			rc = err_set(e, RC_IO, "%s: %s", what, strerror(errno));
		} else if (S_ISREG(sb.st_mode)) {
			rc = copy_file(sdir, ddir, name, &sb, what, e);
		} else if (S_ISLNK(sb.st_mode)) {
			rc = copy_link(sdir, ddir, name, &sb, what, e);
		} else if (S_ISDIR(sb.st_mode)) {
			int s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int t = -1;
			if (s < 0 || mkdirat(ddir, name, 0700) ||
			    (t = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
				rc = err_set(e, RC_IO, "copying %s: %s", what, strerror(errno));
			if (!rc)
				rc = copy_entries(s, t, what, e);
			/* The mode last: a read-only folder is filled first. */
			struct timespec times[2] = { sb.st_atim, sb.st_mtim };
			if (!rc && (fchmod(t, sb.st_mode & 07777) || futimens(t, times)))
				rc = err_set(e, RC_IO, "copying the mode of %s: %s", what,
					     strerror(errno));
			if (s >= 0)
				close(s);
			if (t >= 0)
				close(t);
		} else {
			rc = err_set(e, RC_IO, "%s: not a file, folder or link; not copied", what);
		}
	}
	if (!rc && errno)
		rc = err_set(e, RC_IO, "reading the folder %s: %s", path, strerror(errno));
	closedir(d);
	return rc;
}

int fs_copy_tree(const char *from, const char *to, struct error *e)
{
	struct stat sb;
	int s = open(from, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s < 0 || fstat(s, &sb)) {
		int rc = err_set(e, RC_IO, "%s: %s", from, strerror(errno));
		if (s >= 0)
			close(s);
		return rc;
	}
	if (mkdir(to, 0700)) {
		close(s);
		return err_set(e, RC_IO, "making %s: %s", to, strerror(errno));
	}
	int t = open(to, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int rc = t < 0 ? err_set(e, RC_IO, "%s: %s", to, strerror(errno))
		       : copy_entries(s, t, from, e);
	struct timespec times[2] = { sb.st_atim, sb.st_mtim };
	if (!rc && (fchmod(t, sb.st_mode & 07777) || futimens(t, times)))
		rc = err_set(e, RC_IO, "copying the mode of %s: %s", from, strerror(errno));
	if (t >= 0)
		close(t);
	close(s);
	return rc;
}

/* Removes the entries of folder `dir` (consumed); `path` names it. */
static int remove_entries(int dir, const char *path, struct error *e)
{
	DIR *d = fdopendir(dir);
	if (!d) {
		int rc = err_set(e, RC_IO, "%s: %s", path, strerror(errno));
		close(dir);
		return rc;
	}
	int rc = RC_OK;
	struct dirent *de;
	char what[PATH_MAX];
	while (!rc && (errno = 0, de = readdir(d))) {
		const char *name = de->d_name;
		if (!strcmp(name, ".") || !strcmp(name, ".."))
			continue;
		joined(what, sizeof(what), path, name);
		if (!unlinkat(dirfd(d), name, 0) || errno == ENOENT)
			continue;
		if (errno != EISDIR && errno != EPERM) {
			rc = err_set(e, RC_IO, "removing %s: %s", what, strerror(errno));
			break;
		}
		/* A folder: empty it (made writable, as rm -rf would) first. */
		fchmodat(dirfd(d), name, 0700, 0);
		int sub = openat(dirfd(d), name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			rc = err_set(e, RC_IO, "removing %s: %s", what, strerror(errno));
			break;
		}
		if (!(rc = remove_entries(sub, what, e)) && unlinkat(dirfd(d), name, AT_REMOVEDIR))
			rc = err_set(e, RC_IO, "removing %s: %s", what, strerror(errno));
	}
	closedir(d);
	return rc;
}

int fs_remove_tree(const char *path, struct error *e)
{
	struct stat sb;
	if (lstat(path, &sb))
		return errno == ENOENT ? RC_OK : err_set(e, RC_IO, "%s: %s", path, strerror(errno));
	if (!S_ISDIR(sb.st_mode)) {
		if (unlink(path))
			return err_set(e, RC_IO, "removing %s: %s", path, strerror(errno));
		return RC_OK;
	}
	chmod(path, 0700);
	int d = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return err_set(e, RC_IO, "%s: %s", path, strerror(errno));
	int rc = remove_entries(d, path, e);
	if (!rc && rmdir(path))
		rc = err_set(e, RC_IO, "removing %s: %s", path, strerror(errno));
	return rc;
}
