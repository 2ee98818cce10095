/* lock.c - see lock.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h"
#include "lock.h"
#include "status.h"

/* Whether dir is a directory of ours that others cannot write to ("" is
 * the root, the directory of "/NAME"). */
static bool dir_ok(const char *dir)
{
	return rtg_dir_private(dir[0] != '\0' ? dir : "/") == 1;
}

char *rtg_lock_path_cache(void)
{
	char *base = rtg_cache_base_dir();
	char host[65], buf[4096];
	int n;

	/* The same directory as the cache (XDG_CACHE_HOME, HOME or the
	 * password database), so the two never disagree. */
	if (base == NULL)
		return NULL;
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
	n = snprintf(buf, sizeof buf, "%s/watch-%s.lock", base, host);
	free(base);
	if (n < 0 || (size_t)n >= sizeof buf)
		return NULL;
	return strdup(buf);
}

char *rtg_lock_path(void)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char buf[4096];

	/* An XDG_RUNTIME_DIR that is not private (set to /tmp, say) is as
	 * good as none: someone else could create the file first. */
	if (xdg != NULL && xdg[0] == '/' && dir_ok(xdg) &&
	    (size_t)snprintf(buf, sizeof buf, "%s/rmpc-theme-gen.lock", xdg) < sizeof buf)
		return strdup(buf);
	return rtg_lock_path_cache();
}

/* Creates the missing directories of path's directory, new ones 0700. */
static int mkdir_parents(const char *path)
{
	char dir[4096], *slash;

	if (snprintf(dir, sizeof dir, "%s", path) >= (int)sizeof dir ||
	    (slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;
	*slash = '\0';
	return rtg_mkdir_p(dir, 0700);
}

/* The lock's directory must be ours and closed to others: anyone who can
 * write there can replace the file and so block or fool the watcher. */
static int dir_private(const char *path, char *err)
{
	char dir[4096], *slash;

	snprintf(dir, sizeof dir, "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		return 0;
	*slash = '\0';
	if (!dir_ok(dir))
		return rtg_fail(err, RTG_ERR_IO,
		                "%s: not a directory of ours closed to others: refusing to lock there",
		                dir[0] != '\0' ? dir : "/");
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

static int lock_one(const char *path, pid_t *holder, char *err)
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

/* The cache lock taken beside the XDG_RUNTIME_DIR one (see lock.h). */
static int second_fd = -1;

int rtg_lock_acquire(const char *path, pid_t *holder, char *err)
{
	char *cache = rtg_lock_path_cache();
	int fd, fd2 = -1;

	if ((fd = lock_one(path, holder, err)) < 0) {
		free(cache);
		return fd;
	}
	if (cache != NULL && strcmp(cache, path) != 0) {
		char err2[RTG_ERRLEN];
		fd2 = lock_one(cache, holder, err2);
		if (fd2 == RTG_ERR_LIMIT) {
			/* A watcher started without XDG_RUNTIME_DIR. */
			close(fd);
			free(cache);
			memcpy(err, err2, RTG_ERRLEN);
			return RTG_ERR_LIMIT;
		}
		/* Any other failure leaves the runtime lock alone in charge:
		 * it worked before there was a second one. */
		*holder = 0;
	}
	free(cache);
	if (fd2 >= 0) {
		if (second_fd >= 0)
			close(second_fd);
		second_fd = fd2;
	}
	return fd;
}

void rtg_lock_release(int fd)
{
	/* Closing drops the flock; the files stay (unlinking races). */
	if (fd >= 0)
		close(fd);
	if (second_fd >= 0) {
		close(second_fd);
		second_fd = -1;
	}
}

static int probe_one(const char *path, pid_t *holder)
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

int rtg_lock_probe(const char *path, pid_t *holder)
{
	char *cache;
	int held = probe_one(path, holder);

	if (held || (cache = rtg_lock_path_cache()) == NULL)
		return held;
	if (strcmp(cache, path) != 0)
		held = probe_one(cache, holder);
	free(cache);
	return held;
}
