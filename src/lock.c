/* lock.c - see lock.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lock.h"
#include "status.h"

char *rtg_lock_path(void)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char host[65], buf[4096];
	int n;

	if (home == NULL || home[0] == '\0') {
		struct passwd *pw = getpwuid(getuid());
		home = pw != NULL ? pw->pw_dir : NULL;
	}
	/* The host name keeps watchers on machines sharing an NFS home
	 * apart (flock() works across NFS).  Only a safe file name part. */
	if (gethostname(host, sizeof host) < 0)
		host[0] = '\0';
	host[sizeof host - 1] = '\0';
	for (char *c = host; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '-'))
			*c = '_';
	if (host[0] == '\0' || host[0] == '.')
		snprintf(host, sizeof host, "localhost");
	/* Relative XDG_CACHE_HOME is ignored, as the XDG spec says (and as
	 * the cache does). */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, sizeof buf, "%s/rmpc-theme-gen/watch-%s.lock", xdg, host);
	else if (home != NULL && home[0] != '\0')
		n = snprintf(buf, sizeof buf, "%s/.cache/rmpc-theme-gen/watch-%s.lock", home,
		             host);
	else
		return NULL;
	if (n < 0 || (size_t)n >= sizeof buf)
		return NULL;
	return strdup(buf);
}

/* Creates the missing directories of path's directory, new ones 0700. */
static int mkdir_parents(const char *path)
{
	char dir[4096], *slash;

	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir ||
	    (slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (char *s = dir + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(dir, 0700) < 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	return mkdir(dir, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* The lock's directory must be ours and closed to others: anyone who can
 * write there can replace the file and so block or fool the watcher.
 * Group-writable passes with our own group (user private groups), as for
 * the cache. */
static int dir_private(const char *path, char *err)
{
	char dir[4096], *slash;
	struct stat st;

	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		return 0;
	*slash = '\0';
	if (stat(dir[0] != '\0' ? dir : "/", &st) < 0)
		return rtg_fail(err, RTG_ERR_IO, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 002) != 0 ||
	    ((st.st_mode & 020) != 0 && st.st_gid != getegid()))
		return rtg_fail(err, RTG_ERR_IO,
		                "%s: not a directory of ours closed to others: refusing to lock there",
		                dir);
	return 0;
}

/* A lock file somebody else made (or a device, FIFO...) is not ours to
 * trust: its holder could keep the watcher out for good. */
static bool file_ours(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid();
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
	if (mkdir_parents(path) < 0)
		return rtg_fail(err, RTG_ERR_IO, "%s: cannot create its directory: %s", path,
		                strerror(errno));
	if (dir_private(path, err) < 0)
		return RTG_ERR_IO;
	/* O_NOFOLLOW: a symlink there is refused, not followed; O_NONBLOCK:
	 * a FIFO does not hang the open (file_ours refuses it). */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
	if (fd < 0)
		return rtg_fail(err, RTG_ERR_IO, "%s: %s", path,
		                errno == ELOOP ? "a symbolic link: refusing it" : strerror(errno));
	if (!file_ours(fd)) {
		close(fd);
		return rtg_fail(err, RTG_ERR_IO, "%s: not a regular file of ours: refusing it",
		                path);
	}
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
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK), held = 0;

	*holder = 0;
	if (fd < 0)
		return 0;
	/* A shared lock is refused while the watcher holds its exclusive one;
	 * a file that is not ours is no watcher of ours. */
	if (file_ours(fd) && flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
		held = 1;
		*holder = read_pid(fd);
	}
	close(fd);
	return held;
}
