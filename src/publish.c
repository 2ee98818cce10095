/* publish.c - replace a file atomically in a way rmpc's hot reload sees.
 *
 * rmpc watches its config directory with inotify and reloads only on
 * IN_CLOSE_WRITE of the theme path (RMPC.md).  A rename() alone yields
 * IN_MOVED_TO, so after the rename the target is opened for writing and
 * closed without writing, which emits IN_CLOSE_WRITE on the final name
 * while readers only ever see a complete file.  A reload redraws the whole
 * screen, so identical bytes are left alone. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache.h" /* rtg_mkdir_p */
#include "publish.h"
#include "status.h"

/* Creates every missing directory on the way to (not including) the last
 * component of path, with the user's umask (themes are not secret). */
static int
publish_mkdirs(const char *path, char *err)
{
	char buf[PATH_MAX];
	size_t len = strlen(path);
	char *p;

	if (len >= sizeof buf)
		return rtg_fail(err, RTG_ERR_IO, "%s: path too long", path);
	memcpy(buf, path, len + 1);
	p = strrchr(buf, '/');
	if (p == NULL || p == buf)
		return 0;
	*p = '\0';
	if (rtg_mkdir_p(buf, 0755) != 0) {
		int e = errno;
		/* buf names the directory that could not be made */
		return rtg_fail(err, RTG_ERR_IO, "%s: cannot create directory %s: %s",
		                path, buf, strerror(e));
	}
	return 0;
}

/* 1 if the file at fd holds exactly data[0..len), 0 otherwise (or when it
 * cannot be read: then we simply publish). */
static int
publish_same_bytes(int fd, const struct stat *st, const char *data, size_t len)
{
	char buf[65536];
	size_t off = 0;

	if (!S_ISREG(st->st_mode) || (size_t)st->st_size != len)
		return 0;
	while (off < len) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || (size_t)n > len - off || memcmp(buf, data + off, (size_t)n) != 0)
			return 0;
		off += (size_t)n;
	}
	/* the file must also end here (it may have grown since fstat) */
	for (;;) {
		ssize_t n = read(fd, buf, 1);
		if (n < 0 && errno == EINTR)
			continue;
		return n == 0;
	}
}

static int
publish_write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The hidden temp name next to target: ".BASE.XXXXXX" in its directory.
 * 0, or -1 when the name is too long. */
static int
publish_tmpname(const char *target, char *tmp, size_t size)
{
	const char *slash = strrchr(target, '/');
	const char *base = slash != NULL ? slash + 1 : target;
	size_t dirlen = slash != NULL ? (size_t)(slash - target) : 0;
	int rc;

	rc = slash == NULL ? snprintf(tmp, size, ".%s.XXXXXX", base)
	     : dirlen == 0 ? snprintf(tmp, size, "/.%s.XXXXXX", base)
	     : snprintf(tmp, size, "%.*s/.%s.XXXXXX", (int)dirlen, target, base);
	return rc < 0 || (size_t)rc >= size ? -1 : 0;
}

/* Directory part of path for messages: "." when there is none. */
static void
publish_dirname(const char *path, char *dir, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		snprintf(dir, size, ".");
	else if (slash == path)
		snprintf(dir, size, "/");
	else
		snprintf(dir, size, "%.*s", (int)(slash - path), path);
}

/* The first steps of rtg_publish and rtg_publish_check: refuses an empty
 * path (message empty_msg), follows a symlinked theme (dotfile managers)
 * to update the file it points to rather than replace the link (resolved,
 * PATH_MAX bytes, holds that name), and creates the missing directories.
 * *target: path or resolved.  0 or RTG_ERR_IO with err set. */
static int
publish_target(const char *path, const char *empty_msg, char *resolved,
               const char **target, char *err)
{
	struct stat st;

	*target = path;
	if (path == NULL || path[0] == '\0')
		return rtg_fail(err, RTG_ERR_IO, "%s", empty_msg);
	if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) &&
	    realpath(path, resolved) != NULL)
		*target = resolved;
	return publish_mkdirs(*target, err);
}

/* Creates the temp file beside target (tmp, PATH_MAX bytes, gets its
 * name): the fd, or RTG_ERR_IO with err about path.  A hidden name in the
 * same directory: rename() must not cross file systems, and rmpc's
 * watcher ignores names other than the theme's. */
static int
publish_open_tmp(const char *path, const char *target, char *tmp, char *err)
{
	const char *base = strrchr(target, '/');
	int fd;

	base = base != NULL ? base + 1 : target;
	if (base[0] == '\0')
		return rtg_fail(err, RTG_ERR_IO, "%s: is a directory", path);
	if (publish_tmpname(target, tmp, PATH_MAX) != 0)
		return rtg_fail(err, RTG_ERR_IO, "%s: path too long", path);
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		char dir[PATH_MAX];
		int e = errno;

		publish_dirname(target, dir, sizeof dir);
		return rtg_fail(err, RTG_ERR_IO, "%s: cannot write in %s: %s",
		                path, dir, strerror(e));
	}
	return fd;
}

int
rtg_publish_check(const char *path, char *err)
{
	char resolved[PATH_MAX], tmp[PATH_MAX];
	const char *target;
	struct stat st;
	int fd, rc;

	if ((rc = publish_target(path, "empty path", resolved, &target, err)) != 0)
		return rc;
	if (stat(target, &st) == 0 && S_ISDIR(st.st_mode))
		return rtg_fail(err, RTG_ERR_IO, "%s: is a directory", path);
	/* The same temp file rtg_publish would create, created and removed:
	 * a read-only or full directory shows up now. */
	if ((fd = publish_open_tmp(path, target, tmp, err)) < 0)
		return fd;
	close(fd);
	unlink(tmp);
	return 0;
}

int
rtg_publish(const char *path, const char *data, size_t len, bool *changed,
            char *err)
{
	char resolved[PATH_MAX];
	char tmp[PATH_MAX];
	const char *target;
	mode_t mode = 0644;
	struct stat st;
	int fd, rc, e;

	*changed = false;
	if ((rc = publish_target(path, "empty theme path", resolved, &target, err)) != 0)
		return rc;

	fd = open(target, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd >= 0) {
		if (fstat(fd, &st) == 0) {
			if (S_ISDIR(st.st_mode)) {
				close(fd);
				return rtg_fail(err, RTG_ERR_IO, "%s: is a directory", path);
			}
			if (publish_same_bytes(fd, &st, data, len)) {
				close(fd);
				return 0;
			}
			/* Keep the user's mode, but we must be able to reopen
			 * the file for writing to notify rmpc. */
			if (S_ISREG(st.st_mode))
				mode = (st.st_mode & 07777) | S_IWUSR;
		}
		close(fd);
	}

	if ((fd = publish_open_tmp(path, target, tmp, err)) < 0)
		return fd;
	if (publish_write_all(fd, data, len) != 0) {
		e = errno;
		rtg_fail(err, RTG_ERR_IO, "%s: write failed: %s", path, strerror(e));
		goto fail_fd;
	}
	if (fsync(fd) != 0) {
		e = errno;
		rtg_fail(err, RTG_ERR_IO, "%s: fsync failed: %s", path, strerror(e));
		goto fail_fd;
	}
	if (fchmod(fd, mode) != 0) {
		e = errno;
		rtg_fail(err, RTG_ERR_IO, "%s: cannot set permissions: %s", path, strerror(e));
		goto fail_fd;
	}
	/* close() can report a deferred write error (NFS): check it. */
	if (close(fd) != 0) {
		e = errno;
		rtg_fail(err, RTG_ERR_IO, "%s: write failed: %s", path, strerror(e));
		goto fail;
	}
	if (rename(tmp, target) != 0) {
		e = errno;
		rtg_fail(err, RTG_ERR_IO, "%s: cannot replace: %s", path, strerror(e));
		goto fail;
	}
	*changed = true;

	/* The reload nudge.  O_NONBLOCK: never hang on a FIFO someone put at
	 * the path in the meantime. */
	fd = open(target, O_WRONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		return rtg_fail(err, RTG_ERR_IO,
		                "%s: written, but cannot reopen it to notify rmpc: %s",
		                path, strerror(e));
	}
	close(fd);

	/* No fsync of the directory: after a crash the path holds either the
	 * old theme or the new one, both complete (the data was synced before
	 * the rename), and the theme is regenerated on the next track anyway.
	 * A second fsync would cost ~1 ms per track for no user-visible gain. */
	return 0;

fail_fd:
	close(fd);
fail:
	unlink(tmp);
	return RTG_ERR_IO;
}
