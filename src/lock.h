/* lock.h - one watcher per user and host: an flock()ed file in the
 * user's private cache directory holding the owner's pid.  The kernel
 * drops the lock when the process dies, so a stale file never blocks a
 * restart.  One place whatever the session exports: a watcher started
 * with XDG_RUNTIME_DIR and one started without it (cron, ssh, su) meet on
 * the same file; nothing under a shared /tmp that another user could
 * create first. */
#ifndef RTG_LOCK_H
#define RTG_LOCK_H

#include <sys/types.h>

/* Path of the lock file: $XDG_CACHE_HOME/rmpc-theme-gen/watch-HOST.lock
 * (~/.cache/... when XDG_CACHE_HOME is unset or relative; HOME from the
 * password database when unset), HOST the host name.  malloc'd; NULL on
 * OOM or when no home directory is known. */
char *rtg_lock_path(void);

/* Takes the lock; returns the open fd (keep it open for the process'
 * life).  Creates missing directories 0700; refuses (RTG_ERR_IO) a
 * directory that is not ours or that others can write, and a lock file
 * that is a symlink or not a regular file of ours.  RTG_ERR_LIMIT when
 * another process holds it (*holder = its pid, 0 if unknown), RTG_ERR_IO
 * otherwise; err says which. */
int rtg_lock_acquire(const char *path, pid_t *holder, char *err);
void rtg_lock_release(int fd);
/* Whether a watcher holds the lock now (1, *holder = its pid or 0) or not
 * (0), without taking it or touching the file. */
int rtg_lock_probe(const char *path, pid_t *holder);

#endif
