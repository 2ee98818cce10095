/* publish.h - atomic theme publication that rmpc's hot reload sees.
 *
 * temp file in the target's directory -> write -> fsync -> rename over the
 * target -> open(target, O_WRONLY) + close (rmpc reloads on IN_CLOSE_WRITE
 * only).  Missing parent directories are created (0755).  When the bytes on
 * disk already equal data, nothing is touched.  On any failure the existing
 * file is untouched and the temp file is removed. */
#ifndef RTG_PUBLISH_H
#define RTG_PUBLISH_H

#include <stdbool.h>
#include <stddef.h>

/* Returns 0 (and *changed) or RTG_ERR_IO with "PATH: reason" in err.
 * A symlink at path is followed (the file it points to is replaced).  The
 * one failure that leaves the new file in place is the final reopen for
 * the reload nudge: then *changed is true and err says so. */
int rtg_publish(const char *path, const char *data, size_t len, bool *changed,
                char *err);

/* What rtg_publish would find wrong before it writes anything: creates the
 * missing directories, then refuses a directory at path and a directory
 * that does not accept a new file (a temp file is created and removed).
 * 0 or RTG_ERR_IO with "PATH: reason" in err.  Lets a caller that writes
 * two files fail before the first when the second cannot be written. */
int rtg_publish_check(const char *path, char *err);

#endif
