/*
 * statefile.c: bounded whole-file reads and atomic 0600 writes for the
 * client's data directory (cached consensus, guard state).  Called by
 * dirfetch.c and guard.c; plain blocking I/O on small local files.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "feature/client/statefile.h"
#include "lib/util.h"

static int
fail(char **err, char *msg)
{
	if (err != NULL)
		*err = msg;
	else
		free(msg);
	return -1;
}

int
statefile_dir(const char *dir, char **err)
{
	struct stat st;

	if (lstat(dir, &st) < 0) {
		if (errno != ENOENT)
			return fail(err, xasprintf("directory %s: %s", dir, strerror(errno)));
		if (mkdir(dir, 0700) < 0 || lstat(dir, &st) < 0)
			return fail(err, xasprintf("cannot create directory %s: %s", dir,
			    strerror(errno)));
	}
	if (!S_ISDIR(st.st_mode))
		return fail(err, xasprintf("%s is not a directory", dir));
	if (st.st_uid != geteuid())
		return fail(err, xasprintf("directory %s is owned by uid %u, not by us",
		    dir, (unsigned)st.st_uid));
	/* The guard says who we are to our first hop: keep it private. */
	if ((st.st_mode & 077) != 0 && chmod(dir, 0700) < 0)
		return fail(err, xasprintf("directory %s cannot be made private: %s", dir,
		    strerror(errno)));
	return 0;
}

int
statefile_read(const char *path, size_t max, char **out, size_t *len, char **err)
{
	struct stat st;
	char *buf;
	size_t got = 0;
	ssize_t n;
	int fd;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 1;
		return fail(err, xasprintf("cannot open %s: %s", path, strerror(errno)));
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, xasprintf("%s is not a regular file", path));
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return fail(err, xasprintf("%s is too large (%lld bytes, at most %zu)", path,
		    (long long)st.st_size, max));
	}
	buf = xmalloc((size_t)st.st_size + 1);
	/* Bounded by the size seen at open: a file growing meanwhile is cut. */
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			free(buf);
			return fail(err, xasprintf("cannot read %s: %s", path, strerror(e)));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*out = buf;
	*len = got;
	return 0;
}

/* fsync the directory holding path, so that the rename is durable. */
static void
sync_parent(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/');
	int fd;

	if (slash != NULL)
		*slash = '\0';
	fd = open(slash != NULL ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

int
statefile_write(const char *path, const void *p, size_t len, char **err)
{
	char *tmp = xasprintf("%s.tmp", path);
	const char *s = p;
	size_t off = 0;
	ssize_t n;
	int fd, e;

	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		e = errno;
		free(tmp);
		return fail(err, xasprintf("cannot create %s.tmp: %s", path, strerror(e)));
	}
	while (off < len) {
		n = write(fd, s + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			e = n < 0 ? errno : EIO;
			close(fd);
			goto bad;
		}
		off += (size_t)n;
	}
	if (fsync(fd) < 0) {
		e = errno;
		close(fd);
		goto bad;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		e = errno;
		goto bad;
	}
	free(tmp);
	sync_parent(path);
	return 0;
bad:
	(void)unlink(tmp);
	free(tmp);
	return fail(err, xasprintf("cannot write %s: %s", path, strerror(e)));
}
