/* lock.c - see lock.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "lock.h"
#include "status.h"

char *rtg_lock_path(void)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char buf[4096];

	if (xdg != NULL && xdg[0] == '/')
		snprintf(buf, sizeof buf, "%s/rmpc-theme-gen.lock", xdg);
	else
		snprintf(buf, sizeof buf, "/tmp/rmpc-theme-gen-%lu.lock",
		         (unsigned long)getuid());
	return strdup(buf);
}

static pid_t read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
	long v;
	char *end;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	return v > 0 && (*end == '\n' || *end == '\0') ? (pid_t)v : 0;
}

int rtg_lock_acquire(const char *path, pid_t *holder, char *err)
{
	char buf[32];
	int fd, n;

	*holder = 0;
	/* O_NOFOLLOW: under /tmp someone else could plant a symlink. */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return rtg_fail(err, RTG_ERR_IO, "%s: %s", path, strerror(errno));
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		if (e == EWOULDBLOCK) {
			*holder = read_pid(fd);
			close(fd);
			if (*holder > 0)
				return rtg_fail(err, RTG_ERR_LIMIT,
				                "another watcher is already running (pid %ld, lock %s)",
				                (long)*holder, path);
			return rtg_fail(err, RTG_ERR_LIMIT,
			                "another watcher is already running (lock %s)", path);
		}
		close(fd);
		return rtg_fail(err, RTG_ERR_IO, "%s: %s", path, strerror(e));
	}
	n = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) < 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		int e = errno;
		close(fd);
		return rtg_fail(err, RTG_ERR_IO, "%s: %s", path, strerror(e));
	}
	return fd;
}

void rtg_lock_release(int fd)
{
	if (fd >= 0)
		close(fd); /* drops the flock; the file stays (unlinking races) */
}

int rtg_lock_probe(const char *path, pid_t *holder)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), held = 0;

	*holder = 0;
	if (fd < 0)
		return 0;
	/* A shared lock is refused while the watcher holds its exclusive one. */
	if (flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
		held = 1;
		*holder = read_pid(fd);
	}
	close(fd);
	return held;
}
