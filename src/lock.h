/* lock.h - one watcher per user: an flock()ed file holding the owner's
 * pid, $XDG_RUNTIME_DIR/rmpc-theme-gen.lock.  The kernel drops the lock
 * when the process dies, so a stale file never blocks a restart.
 *
 * A session without XDG_RUNTIME_DIR (cron, ssh, su; or one where it is not
 * a private directory) uses a file in the private cache directory instead,
 * and a watcher with XDG_RUNTIME_DIR takes that one as well, so the two
 * kinds exclude each other too.  Never a predictable name under a shared
 * /tmp that another user could create first. */
#ifndef RTG_LOCK_H
#define RTG_LOCK_H

#include <sys/types.h>

/* Path of the lock: $XDG_RUNTIME_DIR/rmpc-theme-gen.lock when that is an
 * absolute directory of ours closed to others, else rtg_lock_path_cache().
 * malloc'd; NULL on OOM or when no home directory is known. */
char *rtg_lock_path(void);
/* rtg_cache_base_dir()/watch-HOST.lock, the cache's own directory:
 * $XDG_CACHE_HOME/rmpc-theme-gen/ (~/.cache/... when XDG_CACHE_HOME is
 * unset or relative; the home from the password database when HOME is
 * unset), HOST the host name (machines sharing an NFS home each run
 * their own watcher).  malloc'd; NULL on OOM or when no home is known. */
char *rtg_lock_path_cache(void);

/* Takes the lock at path, and the cache lock too when path is another
 * file (that one only if it can be had: a failure other than "held" is
 * ignored); returns the open fd (keep it open for the process' life;
 * rtg_lock_release drops both).  Creates missing directories 0700;
 * refuses (RTG_ERR_IO) a directory that is not ours or that others can
 * write, and a lock file that is a symlink or not a regular file of
 * ours.  RTG_ERR_LIMIT when another process holds one (*holder = its pid,
 * 0 if unknown), RTG_ERR_IO otherwise; err says which. */
int rtg_lock_acquire(const char *path, pid_t *holder, char *err);
/* Closes fd, and the cache lock's fd, which rtg_lock_acquire keeps in one
 * hidden static slot rather than returning it: one watcher per process,
 * so at most one lock pair is held at a time (not thread-safe; a later
 * acquire closes the slot's earlier fd, and any release empties it). */
void rtg_lock_release(int fd);
/* Whether a watcher holds the lock at path or the cache lock now (1,
 * *holder = its pid or 0) or not (0), without taking them or touching
 * the files. */
int rtg_lock_probe(const char *path, pid_t *holder);

#endif
