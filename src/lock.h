/* lock.h - one watcher per user: an flock()ed file under $XDG_RUNTIME_DIR
 * holding the owner's pid.  The kernel drops the lock when the process
 * dies, so a stale file never blocks a restart. */
#ifndef RTG_LOCK_H
#define RTG_LOCK_H

#include <sys/types.h>

/* Path of the lock file: $XDG_RUNTIME_DIR/rmpc-theme-gen.lock, else
 * /tmp/rmpc-theme-gen-UID.lock.  malloc'd, NULL on OOM. */
char *rtg_lock_path(void);

/* Takes the lock; returns the open fd (keep it open for the process'
 * life).  RTG_ERR_LIMIT when another process holds it (*holder = its pid,
 * 0 if unknown), RTG_ERR_IO otherwise; err says which. */
int rtg_lock_acquire(const char *path, pid_t *holder, char *err);
void rtg_lock_release(int fd);
/* Whether a watcher holds the lock now (1, *holder = its pid or 0) or not
 * (0), without taking it or touching the file. */
int rtg_lock_probe(const char *path, pid_t *holder);

#endif
